// Connexion: local accounts (login + password).
import { api } from '../api.js';
import { el, nextId } from '../ui.js';

export function render(root, { onLogin, expired }) {
  const loginId = nextId('login');
  const pwId = nextId('pw');
  const error = el('div', { class: 'form-errors', role: 'alert', hidden: !expired },
    expired ? 'Votre session a expiré : veuillez vous reconnecter.' : '');
  const submit = el('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Se connecter');
  const form = el('form', { class: 'login-form', novalidate: true },
    error,
    el('div', { class: 'field' },
      el('label', { for: loginId, class: 'label' }, 'Identifiant'),
      el('input', { id: loginId, name: 'login', type: 'text', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' })),
    el('div', { class: 'field' },
      el('label', { for: pwId, class: 'label' }, 'Mot de passe'),
      el('input', { id: pwId, name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const login = form.elements.login.value.trim();
    const password = form.elements.password.value;
    if (!login || !password) {
      error.hidden = false;
      error.textContent = 'Saisissez votre identifiant et votre mot de passe.';
      (login ? form.elements.password : form.elements.login).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Connexion…';
    try {
      const r = await api.login(login, password);
      onLogin(r.user, r.csrf_token);
    } catch (e) {
      error.hidden = false;
      error.textContent = e.message;
      form.elements.password.value = '';
      form.elements.password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Se connecter';
    }
  });
  root.append(el('div', { class: 'login-page' },
    el('main', { class: 'login-card', id: 'main' },
      el('div', { class: 'login-brand' }, el('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'C'), 'Couloir'),
      el('h1', {}, 'Connexion'),
      el('p', { class: 'muted' }, 'Système d’information radiologique'),
      form,
      el('p', { class: 'login-foot muted' }, 'Accès réservé aux professionnels du cabinet. Chaque accès aux données patient est tracé.'))));
  (expired ? form.elements.login : form.elements.login).focus();
}
