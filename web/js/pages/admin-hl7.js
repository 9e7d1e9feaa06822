// Administration of the HL7 interface (admin role): destinations (list, create, edit, enable or
// disable), the inbound messages (failed ones first: view the raw message, correct it and
// reprocess it) and the outbound messages with their delivery state and retry.
import { api } from '../api.js';
import { buildForm } from '../form.js';
import { HL7_CHARSET, HL7_FLAVOUR, HL7_IN_STATE, HL7_REPORT_FLAVOUR, JOB_STATE, stateBadge } from '../labels.js';
import { pagedTable } from '../table.js';
import { announce, announceError, badge, clear, el, formatDateTime, nextId, openDialog } from '../ui.js';

const opts = (m) => Object.entries(m);
const dash = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));

export const DESTINATION_FIELDS = [
  { name: 'name', label: 'Nom', type: 'text', required: true, max: 100 },
  { name: 'host', label: 'Hôte (adresse IP ou nom)', type: 'text', required: true, max: 255 },
  { name: 'port', label: 'Port TCP (MLLP)', type: 'int', required: true },
  { name: 'flavour', label: 'Messages de demande', type: 'enum', required: true, options: opts(HL7_FLAVOUR) },
  { name: 'charset', label: 'Jeu de caractères', type: 'enum', required: true, options: opts(HL7_CHARSET) },
  { name: 'report_flavour', label: 'Messages de compte rendu', type: 'enum', options: opts(HL7_REPORT_FLAVOUR) },
  { name: 'receiving_application', label: 'Application destinataire (MSH-5)', type: 'text', max: 100 },
  { name: 'receiving_facility', label: 'Établissement destinataire (MSH-6)', type: 'text', max: 100 },
  { name: 'send_orders', label: 'Envoyer les demandes et rendez-vous', type: 'bool' },
  { name: 'send_patients', label: 'Envoyer les mises à jour de patients', type: 'bool' },
  { name: 'send_reports', label: 'Envoyer les comptes rendus', type: 'bool' },
  { name: 'tls', label: 'Connexion chiffrée (TLS)', type: 'bool' },
  { name: 'enabled', label: 'Destination active', type: 'bool' },
];

// ---- destinations ------------------------------------------------------------------------------------
export async function renderDestinations(root) {
  const flows = (d) => el('span', { class: 'badges' },
    d.send_orders ? badge('Demandes', 'info') : null, d.send_patients ? badge('Patients', 'info') : null,
    d.send_reports ? badge(`Comptes rendus ${HL7_REPORT_FLAVOUR[d.report_flavour] || ''}`.trim(), 'info') : null);
  const table = pagedTable({
    caption: 'Destinations HL7',
    pageSize: 15,
    empty: 'Aucune destination HL7.',
    columns: [
      { label: 'Nom', render: (d) => el('strong', {}, d.name) },
      { label: 'Adresse', render: (d) => `${d.host}:${d.port}${d.tls ? ' (TLS)' : ''}`, class: 'mono nowrap' },
      { label: 'Messages', render: (d) => (HL7_FLAVOUR[d.flavour] || d.flavour || '—').replace(/ \(.*$/, '') },
      { label: 'Caractères', render: (d) => HL7_CHARSET[d.charset] || dash(d.charset) },
      { label: 'Destinataire', render: (d) => [d.receiving_application, d.receiving_facility].filter(Boolean).join(' / ') || '—' },
      { label: 'Flux', render: flows },
      { label: 'État', render: (d) => (d.enabled ? badge('Active', 'ok') : badge('Désactivée', 'muted')) },
    ],
    load: async (offset, limit) => {
      const all = (await api.get('/hl7/destinations')).items || [];
      return { items: all.slice(offset, offset + limit), total: all.length };
    },
    onError: (e) => announceError(e),
    rowActions: (d) => el('span', { class: 'row-actions' },
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => edit(d), 'aria-label': `Modifier la destination ${d.name}` }, 'Modifier'),
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => toggle(d), 'aria-label': `${d.enabled ? 'Désactiver' : 'Activer'} la destination ${d.name}` }, d.enabled ? 'Désactiver' : 'Activer')),
  });

  function edit(d) {
    const f = buildForm(DESTINATION_FIELDS, {
      mode: d ? 'edit' : 'create',
      initial: d || { port: 2575, flavour: 'omi', charset: 'UNICODE UTF-8', report_flavour: 'oru', send_orders: true, send_patients: true, send_reports: true, enabled: true, tls: false },
      submitLabel: d ? 'Enregistrer' : 'Créer la destination',
      onCancel: () => dlg.close(),
      onSubmit: async (values, formApi) => {
        try {
          if (d) {
            if (Object.keys(values).length) await api.patch(`/hl7/destinations/${d.id}`, values);
          } else {
            await api.post('/hl7/destinations', values);
          }
          dlg.close();
          announce(d ? `Destination « ${values.name || d.name} » mise à jour.` : `Destination « ${values.name} » créée.`, 'success');
          table.reload(!d);
        } catch (e) {
          formApi.setErrors(e);
        }
      },
    });
    const dlg = openDialog(d ? `Destination HL7 — ${d.name}` : 'Nouvelle destination HL7', f.form, { wide: true });
  }

  async function toggle(d) {
    try {
      await api.patch(`/hl7/destinations/${d.id}`, { enabled: !d.enabled });
      announce(`Destination « ${d.name} » ${d.enabled ? 'désactivée' : 'activée'}.`, 'success');
      table.reload(false);
    } catch (e) {
      announceError(e);
    }
  }

  root.append(el('div', { class: 'toolbar' }, el('p', { class: 'muted small' }, 'Systèmes qui reçoivent les messages HL7 v2 de Couloir (MLLP).'), el('span', { class: 'spacer' }),
    el('button', { type: 'button', class: 'btn btn-primary', onclick: () => edit(null) }, 'Nouvelle destination')),
  el('section', { class: 'panel' }, table.element));
  await table.reload(true);
}

// ---- inbound messages ----------------------------------------------------------------------------
// HL7 segments are separated by carriage returns: one line per segment on screen.
const lines = (raw) => String(raw || '').replace(/\r\n?/g, '\n');

function stateFilter(map, label, onChange, initial = '') {
  const id = nextId('state');
  const select = el('select', { id }, el('option', { value: '' }, 'Tous'), Object.entries(map).filter(([k]) => k !== 'sent').map(([k, v]) => el('option', { value: k }, v.label)));
  select.value = initial;
  select.addEventListener('change', () => onChange(select.value));
  return el('span', { class: 'field-inline' }, el('label', { for: id }, label), select);
}

export async function renderInbox(root) {
  let state = 'failed';
  const table = pagedTable({
    caption: 'Messages HL7 reçus',
    pageSize: 15,
    empty: 'Aucun message.',
    columns: [
      { label: 'Reçu le', render: (m) => formatDateTime(m.received_at), class: 'nowrap' },
      { label: 'Source', render: (m) => dash(m.source) },
      { label: 'Type', render: (m) => dash(m.message_type), class: 'mono' },
      { label: 'N° de contrôle', render: (m) => dash(m.control_id), class: 'mono' },
      { label: 'État', render: (m) => stateBadge(HL7_IN_STATE, m.state) },
      { label: 'Résultat', render: (m) => (m.outcome ? outcomeText(m.outcome) : '—') },
    ],
    load: (offset, limit) => api.get('/hl7/inbox', { state, offset, limit }),
    onError: (e) => announceError(e),
    rowActions: (m) => el('button', { type: 'button', class: 'btn btn-small', onclick: () => open(m), 'aria-label': `Voir le message ${m.control_id || m.id}` }, 'Voir'),
  });

  async function open(m) {
    let full;
    try {
      full = await api.get(`/hl7/inbox/${m.id}`);
    } catch (e) {
      announceError(e);
      return;
    }
    const fid = nextId('raw');
    const raw = el('textarea', { id: fid, class: 'mono hl7-raw', rows: 12, spellcheck: 'false', wrap: 'off' }, lines(full.raw));
    const result = el('div', { 'aria-live': 'polite' });
    const canReprocess = full.state === 'failed' || full.state === 'rejected';
    const stateCell = el('dd', {}, stateBadge(HL7_IN_STATE, full.state), full.outcome ? ` ${outcomeText(full.outcome)}` : '');
    const body = [
      el('dl', { class: 'details' },
        el('dt', {}, 'État'), stateCell,
        el('dt', {}, 'Source'), el('dd', {}, dash(full.source)),
        el('dt', {}, 'Reçu le'), el('dd', {}, formatDateTime(full.received_at)),
        el('dt', {}, 'Traité le'), el('dd', {}, full.processed_at ? formatDateTime(full.processed_at) : '—')),
      el('div', { class: 'field' }, el('label', { for: fid, class: 'label' }, canReprocess ? 'Message (corrigez-le si besoin avant de le retraiter)' : 'Message brut'), raw),
      result,
      el('div', { class: 'form-actions' },
        canReprocess ? el('button', { type: 'button', class: 'btn btn-primary', onclick: (ev) => reprocess(ev.currentTarget) }, 'Retraiter le message') : null,
        el('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Fermer')),
    ];
    if (!canReprocess) raw.readOnly = true;
    const dlg = openDialog(`Message HL7 ${full.message_type || ''} n° ${full.control_id || full.id}`, body, { wide: true });

    async function reprocess(btn) {
      btn.disabled = true;
      const text = raw.value.replace(/\n/g, '\r');
      try {
        const r = await api.post(`/hl7/inbox/${m.id}/reprocess`, text === lines(full.raw).replace(/\n/g, '\r') ? {} : { raw: text });
        const ok = r.ack === 'AA';
        clear(result, el('div', { class: ok ? 'notice notice-ok' : 'form-errors', role: ok ? 'status' : 'alert' },
          `Accusé ${r.ack} — ${stateLabel(r.state)}`, r.text ? ` : ${r.text}` : '', r.location ? ` (${r.location})` : ''));
        clear(stateCell, stateBadge(HL7_IN_STATE, r.state), ` ${r.ack}${r.text ? ` : ${r.text}` : ''}`);
        if (ok) announce('Message retraité avec succès.', 'success');
        btn.disabled = ok;
        table.reload(false);
      } catch (e) {
        btn.disabled = false;
        clear(result, el('div', { class: 'form-errors', role: 'alert' }, e.message));
      }
    }
  }

  root.append(el('div', { class: 'toolbar' },
    stateFilter(HL7_IN_STATE, 'État', (v) => { state = v; table.reload(true); }, state), el('span', { class: 'spacer' }),
    el('p', { class: 'muted small' }, 'Messages reçus des systèmes d’information (demandes d’examen, patients).')),
  el('section', { class: 'panel' }, table.element));
  await table.reload(true);
}

// The stored outcome "AE;101;PID-7;texte" as "AE (erreur 101, PID-7) : texte".
function outcomeText(o) {
  const m = /^(A[AER]);(\d*);([^;]*);(.*)$/.exec(o);
  if (!m) return o;
  const where = [m[2] ? `erreur ${m[2]}` : '', m[3]].filter(Boolean).join(', ');
  return `${m[1]}${where ? ` (${where})` : ''}${m[4] ? ` : ${m[4]}` : ''}`;
}

const stateLabel = (s) => (HL7_IN_STATE[s] || { label: s || '' }).label;

// Jobs without a destination: the report fan-out (one HL7 message per destination follows).
const JOB_KIND = { 'report-hl7': 'Répartition du compte rendu', hl7: 'Message HL7' };

// ---- outbound messages ---------------------------------------------------------------------------
export async function renderOutbox(root) {
  let state = '';
  const table = pagedTable({
    caption: 'Messages HL7 émis',
    pageSize: 15,
    empty: 'Aucun message.',
    columns: [
      { label: 'Créé le', render: (m) => formatDateTime(m.created_at), class: 'nowrap' },
      { label: 'Destination', render: (m) => (m.destination ? m.destination.name : el('span', { class: 'muted' }, JOB_KIND[m.kind] || m.kind || '—')) },
      { label: 'Type', render: (m) => dash(m.message_type), class: 'mono' },
      { label: 'N° de contrôle', render: (m) => dash(m.control_id), class: 'mono' },
      { label: 'État', render: (m) => stateBadge(JOB_STATE, m.state) },
      { label: 'Essais', render: (m) => String(m.attempts ?? 0) },
      { label: 'Dernière erreur', render: (m) => (m.last_error ? el('span', { class: 'error small' }, m.last_error) : '—') },
      { label: 'Prochain essai', render: (m) => (m.next_attempt_at && m.state !== 'done' ? formatDateTime(m.next_attempt_at) : '—'), class: 'nowrap' },
    ],
    load: (offset, limit) => api.get('/hl7/outbox', { state, offset, limit }),
    onError: (e) => announceError(e),
    rowActions: (m) => (m.state === 'failed' || m.state === 'pending'
      ? el('button', { type: 'button', class: 'btn btn-small', onclick: (ev) => retry(m, ev.currentTarget), 'aria-label': `Relancer le message ${m.control_id || m.id}` }, 'Relancer')
      : null),
  });

  async function retry(m, btn) {
    btn.disabled = true;
    try {
      await api.post(`/outbox/${m.id}/retry`, {});
      announce(`Message ${m.control_id || m.id} relancé.`, 'success');
      table.reload(false);
    } catch (e) {
      btn.disabled = false;
      announceError(e);
    }
  }

  root.append(el('div', { class: 'toolbar' },
    stateFilter(JOB_STATE, 'État', (v) => { state = v; table.reload(true); }), el('span', { class: 'spacer' }),
    el('button', { type: 'button', class: 'btn', onclick: () => table.reload(false) }, 'Actualiser')),
  el('section', { class: 'panel' }, table.element));
  await table.reload(true);
}
