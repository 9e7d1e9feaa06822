// Administration (admin role): reference data, user accounts and roles, audit log.
import { api } from '../api.js';
import { buildForm } from '../form.js';
import { AUDIT_OUTCOME, MODALITY_TYPE, ROLES, ROOM_KIND } from '../labels.js';
import { ADMIN_RESOURCES, FIELD_LABELS, USER_FIELDS } from '../schema.js';
import { pagedTable } from '../table.js';
import { announce, announceError, badge, el, formatDateTime, nextId, openDialog } from '../ui.js';
import { renderDestinations, renderInbox, renderOutbox } from './admin-hl7.js';
import { renderTemplates } from './admin-templates.js';

const TABS = [
  { key: 'sites', label: 'Sites' },
  { key: 'rooms', label: 'Salles' },
  { key: 'modalities', label: 'Modalités' },
  { key: 'catalogue', label: 'Catalogue d’examens' },
  { key: 'correspondents', label: 'Correspondants' },
  { key: 'users', label: 'Utilisateurs' },
  { key: 'modeles', label: 'Modèles de compte rendu', render: renderTemplates },
  { key: 'hl7-destinations', label: 'Destinations HL7', render: renderDestinations },
  { key: 'hl7-recus', label: 'Messages HL7 reçus', render: renderInbox },
  { key: 'hl7-emis', label: 'Messages HL7 émis', render: renderOutbox },
  { key: 'audit', label: 'Journal d’audit' },
];

const SEARCHABLE = new Set(['sites', 'rooms', 'catalogue', 'correspondents', 'users']);

export async function render(root, ctx) {
  const tab = TABS.find((t) => t.key === ctx.rest[0]) || TABS[0];
  const body = el('div', { class: 'admin-body' });
  root.append(
    el('div', { class: 'page-head' }, el('h1', {}, `Administration — ${tab.label}`)),
    el('nav', { class: 'tabs', 'aria-label': 'Rubriques d’administration' },
      el('ul', {}, TABS.map((t) => el('li', {}, el('a', { href: `#/admin/${t.key}`, 'aria-current': t.key === tab.key ? 'page' : null }, t.label))))),
    body);
  if (tab.render) await tab.render(body);
  else if (tab.key === 'users') await renderUsers(body);
  else if (tab.key === 'audit') await renderAudit(body);
  else await renderResource(body, tab.key);
  return null;
}

// ---- generic reference resources -------------------------------------------------------------
async function refOptions(fields) {
  const out = {};
  for (const f of fields.filter((x) => x.type === 'ref')) {
    try {
      const items = await api.listAll(f.ref);
      out[f.name] = new Map(items.map((i) => [i.id, i.name || i.ae_title || i.label || `n° ${i.id}`]));
    } catch (e) {
      announceError(e);
      out[f.name] = new Map();
    }
  }
  return out;
}

function cell(res, name, row, refs) {
  const v = row[name];
  if (name === 'active') return v ? badge('Actif', 'ok') : badge('Inactif', 'muted');
  if (refs[name]) return v ? (refs[name].get(v) || `n° ${v}`) : '—';
  if (name === 'kind') return ROOM_KIND[v] || v;
  if (name === 'modality_type') return el('abbr', { title: MODALITY_TYPE[v] || v }, v);
  if (v === null || v === undefined || v === '') return '—';
  return String(v);
}

async function renderResource(root, key) {
  const def = ADMIN_RESOURCES[key];
  const refs = await refOptions(def.fields);
  const fields = def.fields.map((f) => (f.type === 'ref' ? { ...f, options: [...refs[f.name].entries()] } : f));
  const qId = nextId('q');
  let q = '';
  const table = pagedTable({
    caption: def.title,
    columns: def.columns.map((c) => ({ label: FIELD_LABELS[c] || c, render: (row) => cell(key, c, row, refs), class: MONO.has(c) ? 'mono nowrap' : '' })),
    load: (offset, limit) => api.list(key, { q: q || undefined, offset, limit }),
    pageSize: 15,
    onError: (e) => announceError(e),
    rowActions: (row) => el('span', { class: 'row-actions' },
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => edit(row), 'aria-label': `Modifier ${def.singular} ${row.name || row.ae_title || row.label || row.last_name || row.id}` }, 'Modifier'),
      def.deletable ? el('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => remove(row), 'aria-label': `Supprimer ${def.singular} ${row.name || row.ae_title || row.label || row.id}` }, 'Supprimer') : null),
  });

  function edit(row) {
    const f = buildForm(fields, {
      mode: row ? 'edit' : 'create',
      initial: row || { active: true },
      submitLabel: row ? 'Enregistrer' : 'Créer',
      onCancel: () => dlg.close(),
      onSubmit: async (values, formApi) => {
        try {
          if (row) {
            if (Object.keys(values).length) await api.update(key, row.id, values);
          } else {
            await api.create(key, values);
          }
          dlg.close();
          announce(row ? `${cap(def.singular)} mis(e) à jour.` : `${cap(def.singular)} créé(e).`, 'success');
          table.reload(!row);
        } catch (e) {
          formApi.setErrors(e);
        }
      },
    });
    const dlg = openDialog(row ? `Modifier — ${def.singular}` : def.addLabel, f.form, { wide: true });
  }

  async function remove(row) {
    if (!window.confirm(`Supprimer définitivement ce(tte) ${def.singular} ?`)) return;
    try {
      await api.remove(key, row.id);
      announce(`${cap(def.singular)} supprimé(e).`, 'success');
      table.reload(false);
    } catch (e) {
      announceError(e);
    }
  }

  const search = SEARCHABLE.has(key) ? el('form', { class: 'inline-search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); q = ev.currentTarget.elements.q.value.trim(); table.reload(true); } },
    el('label', { for: qId }, 'Rechercher'), el('input', { id: qId, name: 'q', type: 'search', autocomplete: 'off' }),
    el('button', { type: 'submit', class: 'btn' }, 'OK')) : null;
  root.append(el('div', { class: 'toolbar' }, search, el('span', { class: 'spacer' }),
    el('button', { type: 'button', class: 'btn btn-primary', onclick: () => edit(null) }, def.addLabel)),
  el('section', { class: 'panel' }, table.element));
  await table.reload(true);
}

const MONO = new Set(['ae_title', 'ccam_code', 'finess', 'loinc_code', 'rpps']);
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// ---- users ----------------------------------------------------------------------------------------
const rolesOf = (u) => (Array.isArray(u.roles) ? u.roles : String(u.roles || '').split(/[\s,]+/).filter(Boolean));

async function renderUsers(root) {
  const table = pagedTable({
    caption: 'Comptes utilisateurs',
    columns: [
      { label: 'Identifiant', render: (u) => el('span', { class: 'mono' }, u.login) },
      { label: 'Nom affiché', render: (u) => u.display_name },
      { label: 'RPPS', render: (u) => u.rpps || '—', class: 'mono' },
      { label: 'Rôles', render: (u) => el('span', { class: 'badges' }, rolesOf(u).map((r) => badge(ROLES[r] || r, r === 'admin' ? 'strong' : 'info'))) },
      { label: 'État', render: (u) => (u.active ? badge('Actif', 'ok') : badge('Inactif', 'muted')) },
    ],
    load: (offset, limit) => api.list('users', { offset, limit }),
    pageSize: 15,
    onError: (e) => announceError(e),
    rowActions: (u) => el('span', { class: 'row-actions' },
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => editRoles(u), 'aria-label': `Changer les rôles de ${u.login}` }, 'Rôles'),
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => resetPassword(u), 'aria-label': `Changer le mot de passe de ${u.login}` }, 'Mot de passe'),
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => toggleActive(u), 'aria-label': `${u.active ? 'Désactiver' : 'Réactiver'} le compte ${u.login}` }, u.active ? 'Désactiver' : 'Réactiver')),
  });

  function create() {
    const f = buildForm(USER_FIELDS, {
      initial: { active: true, roles: [] },
      submitLabel: 'Créer le compte',
      onCancel: () => dlg.close(),
      onSubmit: async (values, formApi) => {
        try {
          if (!values.rpps) delete values.rpps;
          const u = await api.post('/users', values);
          dlg.close();
          announce(`Compte « ${u.login} » créé.`, 'success');
          table.reload(true);
        } catch (e) {
          formApi.setErrors(e);
        }
      },
    });
    const dlg = openDialog('Nouveau compte utilisateur', f.form, { wide: true });
  }

  function editRoles(u) {
    const f = buildForm([USER_FIELDS.find((x) => x.name === 'roles')], {
      initial: { roles: rolesOf(u) },
      submitLabel: 'Enregistrer les rôles',
      onCancel: () => dlg.close(),
      onSubmit: async (values, formApi) => {
        try {
          await api.put(`/users/${u.id}/roles`, { roles: values.roles });
          dlg.close();
          announce(`Rôles de « ${u.login} » mis à jour.`, 'success');
          table.reload(false);
        } catch (e) {
          formApi.setErrors(e);
        }
      },
    });
    const dlg = openDialog(`Rôles de ${u.display_name} (${u.login})`, f.form);
  }

  function resetPassword(u) {
    const f = buildForm([{ name: 'password', label: 'Nouveau mot de passe', type: 'password', required: true }], {
      submitLabel: 'Changer le mot de passe',
      onCancel: () => dlg.close(),
      onSubmit: async (values, formApi) => {
        try {
          await api.put(`/users/${u.id}/password`, { password: values.password || '' });
          dlg.close();
          announce(`Mot de passe de « ${u.login} » changé.`, 'success');
        } catch (e) {
          formApi.setErrors(e);
        }
      },
    });
    const dlg = openDialog(`Mot de passe de ${u.display_name} (${u.login})`, f.form);
  }

  async function toggleActive(u) {
    try {
      await api.update('users', u.id, { active: !u.active });
      announce(`Compte « ${u.login} » ${u.active ? 'désactivé' : 'réactivé'}.`, 'success');
      table.reload(false);
    } catch (e) {
      announceError(e);
    }
  }

  root.append(el('div', { class: 'toolbar' }, el('span', { class: 'spacer' }),
    el('button', { type: 'button', class: 'btn btn-primary', onclick: create }, 'Nouveau compte')),
  el('section', { class: 'panel' }, table.element));
  await table.reload(true);
}

// ---- audit log --------------------------------------------------------------------------------------
const ACTIONS = ['login', 'login_failed', 'logout', 'list', 'read', 'create', 'update', 'delete', 'transition', 'agenda', 'user_create', 'password_change', 'roles_change'];
const ACTION_LABELS = {
  login: 'Connexion', login_failed: 'Échec de connexion', logout: 'Déconnexion', list: 'Consultation (liste)',
  read: 'Consultation', create: 'Création', update: 'Modification', delete: 'Suppression', transition: 'Changement de statut',
  user_create: 'Création de compte', password_change: 'Changement de mot de passe', roles_change: 'Changement de rôles',
};
const OBJECT_LABELS = {
  patients: 'Patient', identities: 'Identité', appointments: 'Rendez-vous', orders: 'Demande d’examen',
  procedures: 'Procédure', steps: 'Étape planifiée', users: 'Compte utilisateur', user: 'Session utilisateur',
};
const OBJECT_TYPES = Object.keys(OBJECT_LABELS);

async function renderAudit(root) {
  let users = [];
  try {
    users = await api.listAll('users');
  } catch (e) {
    announceError(e);
  }
  const userById = new Map(users.map((u) => [u.id, u]));
  const ids = Object.fromEntries(['user', 'action', 'object', 'patient', 'from', 'to'].map((k) => [k, nextId(k)]));
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filtres du journal d’audit' },
    el('div', { class: 'field' }, el('label', { for: ids.user, class: 'label' }, 'Utilisateur'),
      el('select', { id: ids.user, name: 'user_id' }, el('option', { value: '' }, 'Tous'), users.map((u) => el('option', { value: String(u.id) }, `${u.login} — ${u.display_name}`)))),
    el('div', { class: 'field' }, el('label', { for: ids.action, class: 'label' }, 'Action'),
      el('select', { id: ids.action, name: 'action' }, el('option', { value: '' }, 'Toutes'), ACTIONS.map((a) => el('option', { value: a }, ACTION_LABELS[a] || a)))),
    el('div', { class: 'field' }, el('label', { for: ids.object, class: 'label' }, 'Objet'),
      el('select', { id: ids.object, name: 'object_type' }, el('option', { value: '' }, 'Tous'), OBJECT_TYPES.map((o) => el('option', { value: o }, OBJECT_LABELS[o])))),
    el('div', { class: 'field field-narrow' }, el('label', { for: ids.patient, class: 'label' }, 'N° patient'),
      el('input', { id: ids.patient, name: 'patient_id', type: 'number', min: '0', step: '1' })),
    el('div', { class: 'field' }, el('label', { for: ids.from, class: 'label' }, 'Du'), el('input', { id: ids.from, name: 'from', type: 'date' })),
    el('div', { class: 'field' }, el('label', { for: ids.to, class: 'label' }, 'Au (exclu)'), el('input', { id: ids.to, name: 'to', type: 'date' })),
    el('div', { class: 'searchbar-actions' },
      el('button', { type: 'submit', class: 'btn btn-primary' }, 'Filtrer'),
      el('button', { type: 'reset', class: 'btn' }, 'Effacer')));
  let filters = {};
  const who = (e) => {
    if (!e.user_id) return el('span', { class: 'muted' }, e.user_login || 'anonyme');
    const u = userById.get(e.user_id);
    return u ? u.login : (e.user_login || `n° ${e.user_id}`);
  };
  const table = pagedTable({
    caption: 'Événements d’audit',
    pageSize: 25,
    columns: [
      { label: 'Date et heure', render: (e) => formatDateTime(e.at), class: 'nowrap' },
      { label: 'Utilisateur', render: who },
      { label: 'Action', render: (e) => ACTION_LABELS[e.action] || e.action },
      { label: 'Objet', render: (e) => [OBJECT_LABELS[e.object_type] || e.object_type || '—', e.object_id ? el('span', { class: 'muted' }, ` n° ${e.object_id}`) : null] },
      { label: 'Patient', render: (e) => (e.patient_id ? `n° ${e.patient_id}` : '—') },
      { label: 'Poste', render: (e) => e.client_addr || '—', class: 'mono' },
      { label: 'Résultat', render: (e) => { const o = AUDIT_OUTCOME[e.outcome] || { label: e.outcome, tone: 'neutral' }; return badge(o.label, o.tone); } },
      { label: 'Détail', render: (e) => e.detail || '' },
    ],
    load: (offset, limit) => api.audit({ ...filters, offset, limit }),
    onError: (e) => announceError(e),
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    filters = {};
    for (const [k, v] of new FormData(form).entries()) if (String(v).trim()) filters[k] = String(v).trim();
    table.reload(true);
  });
  form.addEventListener('reset', () => { filters = {}; setTimeout(() => table.reload(true)); });
  root.append(el('section', { class: 'panel' }, form), el('section', { class: 'panel' }, table.element));
  await table.reload(true);
}
