// Comptes rendus: the radiologist's exams to report (to-do), the reports left waiting past the
// reminder delay, and the list of reports by status; #/comptes-rendus/{id} opens the editor
// (report-editor.js). The manipulateur reads the lists only. Other roles get the API's refusal.
import { api } from '../api.js';
import { identityName, REPORT_STATUS, reportBadge, statusBadge } from '../labels.js';
import { pagedTable } from '../table.js';
import { announce, announceError, clear, el, formatDate, formatDateTime, nextId } from '../ui.js';
import * as editor from './report-editor.js';

export function patientCell(p) {
  if (!p) return '—';
  return [el('strong', {}, identityName(p)), el('span', { class: 'muted small' }, ` né(e) le ${formatDate(p.birth_date)}`),
    p.ipp ? el('span', { class: 'muted small mono' }, ` · IPP ${p.ipp}`) : null];
}

function examCell(r) {
  return [r.exam_label || '—', el('span', { class: 'muted small' }, ` ${[r.modality, r.accession_number].filter(Boolean).join(' · ')}`)];
}

export async function render(root, ctx) {
  if (/^\d+$/.test(ctx.rest[0] || '')) return editor.render(root, { ...ctx, reportId: Number(ctx.rest[0]) });
  const canWrite = ctx.hasRole(['radiologue']);
  const head = el('div', { class: 'page-head' }, el('h1', {}, 'Comptes rendus'));
  root.append(head);

  // The first call tells whether this role may see reports: a refusal shows the API's message.
  let pending;
  try {
    pending = await api.get('/reports/to-do');
  } catch (e) {
    if (e.status !== 401) root.append(el('div', { class: 'form-errors', role: 'alert' }, e.message));
    return null;
  }
  head.append(el('p', { class: 'muted' }, canWrite
    ? 'Examens réalisés à interpréter, puis comptes rendus en cours et validés.'
    : 'Consultation des comptes rendus (lecture seule).'));

  // ---- to-do ---------------------------------------------------------------------------------------
  const pendingBody = el('tbody');
  const pendingSection = el('section', { class: 'panel', 'aria-labelledby': 'pending-title' },
    el('h2', { id: 'pending-title' }, 'Examens à interpréter'),
    el('div', { class: 'table-wrap' }, el('table', { class: 'table' },
      el('caption', { class: 'sr-only' }, 'Examens à interpréter'),
      el('thead', {}, el('tr', {}, ['Patient', 'Examen', 'Réalisé le', 'Étape', 'Compte rendu'].map((t) => el('th', { scope: 'col' }, t)),
        el('th', { scope: 'col', class: 'col-actions' }, el('span', { class: 'sr-only' }, 'Actions')))),
      pendingBody)));

  async function start(item, btn) {
    btn.disabled = true;
    try {
      const r = await api.post('/reports', { procedure_id: item.procedure_id });
      announce(`Compte rendu créé pour ${identityName(item.patient)}.`, 'success');
      ctx.navigate(`comptes-rendus/${r.id}`);
    } catch (e) {
      btn.disabled = false;
      announceError(e);
    }
  }

  function renderPending(items) {
    clear(pendingBody, items.length ? items.map((t) => el('tr', {},
      el('td', {}, patientCell(t.patient)),
      el('td', {}, examCell(t)),
      el('td', { class: 'nowrap' }, t.performed_at ? formatDateTime(t.performed_at) : '—'),
      el('td', {}, statusBadge(t.step_status)),
      el('td', {}, t.report_id ? reportBadge(t.report_status, t.status_label) : el('span', { class: 'muted' }, 'à rédiger')),
      el('td', { class: 'col-actions' }, t.report_id
        ? el('a', { class: 'btn btn-small', href: `#/comptes-rendus/${t.report_id}`, 'aria-label': `Ouvrir le compte rendu de ${identityName(t.patient)}` }, canWrite ? 'Reprendre' : 'Consulter')
        : canWrite ? el('button', { type: 'button', class: 'btn btn-small btn-primary', 'aria-label': `Rédiger le compte rendu de ${identityName(t.patient)}`, onclick: (ev) => start(t, ev.currentTarget) }, 'Rédiger') : null)))
      : el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'Aucun examen en attente de compte rendu.')));
  }
  renderPending(pending.items || []);

  // ---- reminders (radiologists) -------------------------------------------------------------------
  let reminders = null;
  if (canWrite) {
    try {
      const r = await api.get('/reports/reminders');
      if ((r.items || []).length) {
        reminders = el('section', { class: 'panel panel-warn', 'aria-labelledby': 'rem-title' },
          el('h2', { id: 'rem-title' }, `Relances : ${r.items.length} compte(s) rendu(s) en attente de validation`),
          el('ul', { class: 'plain-list' }, r.items.map((x) => el('li', {},
            el('a', { href: `#/comptes-rendus/${x.id}` }, `${identityName(x.patient)} — ${x.exam_label}`), ' ',
            reportBadge(x.status, x.status_label), el('span', { class: 'muted small' }, ` modifié le ${formatDateTime(x.updated_at)}`)))));
      }
    } catch (e) {
      announceError(e);
    }
  }

  // ---- all reports --------------------------------------------------------------------------------
  const statusId = nextId('st');
  let status = '';
  const table = pagedTable({
    caption: 'Comptes rendus',
    pageSize: 15,
    empty: 'Aucun compte rendu.',
    columns: [
      { label: 'Patient', render: (r) => patientCell(r.patient) },
      { label: 'Examen', render: examCell },
      { label: 'Statut', render: (r) => [reportBadge(r.status, r.status_label), r.announcement_pending ? [' ', el('span', { class: 'badge badge-warn' }, 'Annonce à faire')] : null] },
      { label: 'Version', render: (r) => String(r.version || 1) },
      { label: 'Modifié le', render: (r) => formatDateTime(r.updated_at), class: 'nowrap' },
      { label: 'Validé par', render: (r) => (r.validator_name ? `${r.validator_name}, ${formatDateTime(r.validated_at)}` : '—') },
    ],
    rowActions: (r) => el('a', { class: 'btn btn-small', href: `#/comptes-rendus/${r.id}`, 'aria-label': `Ouvrir le compte rendu de ${identityName(r.patient)} (${r.exam_label})` }, 'Ouvrir'),
    load: (offset, limit) => api.get('/reports', { status, offset, limit }),
    onError: (e) => announceError(e),
  });
  const filter = el('select', { id: statusId },
    el('option', { value: '' }, 'Tous les statuts'),
    Object.entries(REPORT_STATUS).map(([k, v]) => el('option', { value: k }, v.label)));
  filter.addEventListener('change', () => { status = filter.value; table.reload(true); });
  root.append(...[pendingSection, reminders].filter(Boolean),
    el('section', { class: 'panel', 'aria-labelledby': 'list-title' },
      el('div', { class: 'toolbar' }, el('h2', { id: 'list-title', class: 'toolbar-title' }, 'Tous les comptes rendus'), el('span', { class: 'spacer' }),
        el('span', { class: 'field-inline' }, el('label', { for: statusId }, 'Statut'), filter)),
      table.element));
  await table.reload(true);
  return null;
}
