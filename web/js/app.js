// Application shell: session start-up, navigation by role, hash router, logout, session expiry.
import { api, onSessionLost, setCsrfToken } from './api.js';
import { ROLES } from './labels.js';
import { announce, clear, clearMessages, el, focusHeading } from './ui.js';
import * as loginPage from './pages/login.js';
import * as accueilPage from './pages/accueil.js';
import * as agendaPage from './pages/agenda.js';
import * as suiviPage from './pages/suivi.js';
import * as adminPage from './pages/admin.js';
import * as reportsPage from './pages/reports.js';

// Screens, in menu order, with the roles that may open them (the API enforces the same).
const SCREENS = [
  { path: 'accueil', label: 'Accueil patients', roles: ['accueil'], page: accueilPage },
  { path: 'agenda', label: 'Agenda', roles: ['accueil', 'manipulateur', 'radiologue'], page: agendaPage },
  { path: 'suivi', label: 'Suivi des examens', roles: ['accueil', 'manipulateur', 'radiologue'], page: suiviPage },
  // Open to every role: the menu shows it to the roles below, and a direct address shows the
  // API's own refusal to the others.
  { path: 'comptes-rendus', label: 'Comptes rendus', roles: ['radiologue', 'manipulateur'], page: reportsPage, apiDecides: true, home: ['radiologue'] },
  { path: 'admin', label: 'Administration', roles: ['admin'], page: adminPage },
];

const state = { user: null, cleanup: null, expired: false };

const hasRole = (user, roles) => !!user && user.roles.some((r) => roles.includes(r));
const screensFor = (user) => SCREENS.filter((s) => hasRole(user, s.roles));
// The first screen after login: the one a role works in all day (radiologue: reports).
const homeFor = (user) => SCREENS.find((s) => s.home && hasRole(user, s.home)) || screensFor(user)[0];

function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [path, ...rest] = h.split('/');
  return { path: path || '', rest };
}

function navigate(path) {
  if (location.hash !== `#/${path}`) location.hash = `#/${path}`;
  else route();
}

function setUser(user, csrf) {
  state.user = user;
  setCsrfToken(csrf);
}

function renderShell(current) {
  const user = state.user;
  const nav = el('nav', { class: 'mainnav', 'aria-label': 'Navigation principale' },
    el('ul', {}, screensFor(user).map((s) => el('li', {},
      el('a', { href: `#/${s.path}`, 'aria-current': s.path === current ? 'page' : null }, s.label)))));
  const header = el('header', { class: 'topbar' },
    el('a', { class: 'brand', href: '#/' }, el('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'C'), 'Couloir'),
    nav,
    el('div', { class: 'userbox' },
      el('span', { class: 'user-name' }, user.display_name || user.login),
      el('span', { class: 'user-roles' }, user.roles.map((r) => ROLES[r] || r).join(', ')),
      el('button', { type: 'button', class: 'btn btn-small btn-light', onclick: logout }, 'Se déconnecter')));
  const main = el('main', { id: 'main', class: 'main', tabindex: '-1' });
  clear(document.getElementById('app'), header, main);
  return main;
}

async function logout() {
  try {
    await api.logout();
  } catch {
    /* the session may already be gone: leave anyway */
  }
  setUser(null, null);
  navigate('connexion');
  announce('Vous êtes déconnecté.', 'info');
}

function stopScreen() {
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
  if (state.cleanup) {
    try { state.cleanup(); } catch { /* ignore */ }
    state.cleanup = null;
  }
}

async function route() {
  stopScreen();
  const { path, rest } = parseHash();
  if (!state.user || path === 'connexion') {
    if (state.user && path === 'connexion') {
      navigate(homeFor(state.user)?.path || 'connexion');
      return;
    }
    const root = clear(document.getElementById('app'));
    loginPage.render(root, {
      onLogin: (user, csrf) => {
        setUser(user, csrf);
        clearMessages();
        const wanted = SCREENS.find((s) => s.path === state.wanted);
        navigate(wanted && hasRole(user, wanted.roles) ? wanted.path : (homeFor(user)?.path || 'connexion'));
      },
      expired: state.expired,
    });
    state.expired = false;
    return;
  }
  const allowed = screensFor(state.user);
  if (allowed.length === 0) {
    const main = renderShell('');
    main.append(el('h1', {}, 'Aucun écran disponible'), el('p', {}, 'Votre compte n’a aucun rôle : contactez l’administrateur.'));
    return;
  }
  let screen = SCREENS.find((s) => s.path === path);
  if (screen && !screen.apiDecides && !hasRole(state.user, screen.roles)) {
    const names = screen.roles.map((r) => ROLES[r]);
    announce(`Accès refusé : l’écran « ${screen.label} » est réservé ${names.length > 1 ? `aux rôles ${names.join(', ')}` : `au rôle ${names[0]}`}.`, 'error');
    screen = null;
  }
  if (!screen) {
    location.replace(`#/${(homeFor(state.user) || allowed[0]).path}`);
    return;
  }
  const main = renderShell(screen.path);
  const cleanup = await screen.page.render(main, { user: state.user, rest, navigate, hasRole: (roles) => hasRole(state.user, roles) });
  state.cleanup = typeof cleanup === 'function' ? cleanup : null;
  focusHeading(main);
}

// A 401 on any call: the session expired (or was closed). Back to the login screen with a message.
onSessionLost(() => {
  if (!state.user) return;
  state.wanted = parseHash().path;
  setUser(null, null);
  state.expired = true;
  stopScreen();
  navigate('connexion');
});

async function start() {
  try {
    const me = await api.me();
    if (me) setUser(me.user, me.csrf_token);
  } catch (e) {
    announce(e.message, 'error');
  }
  if (!state.user) state.wanted = parseHash().path;
  window.addEventListener('hashchange', route);
  route();
}

start();
