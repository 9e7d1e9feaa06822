// Side panels of the report editor: PDF preview and documents of each version, the sharing
// status per channel (DMP, MSSanté, HL7 and each HL7 destination) from the outbox with retry,
// and the report history.
import { api } from '../api.js';
import { DOCUMENT_KIND, REPORT_STATUS, SHARE_CHANNEL, SHARE_STATUS } from '../labels.js';
import { announce, announceError, badge, el, formatDateTime, TZ } from '../ui.js';

const fmtShort = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
const short = (iso) => fmtShort.format(new Date(iso));

const DOC_PATH = { PDF: 'pdf', 'CDA-N1': 'cda-n1', 'CDA-N3': 'cda-n3' };

function size(n) {
  if (!n && n !== 0) return '';
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1).replace('.', ',')} Mo` : `${Math.max(1, Math.round(n / 1024))} ko`;
}

export function documentsPanel(r) {
  const base = `/api/v1/reports/${r.id}`;
  const docs = r.documents || [];
  const validated = r.status === 'valide' || r.status === 'corrige' || docs.length > 0;
  const frame = el('div', { class: 'preview-frame', hidden: true });
  const toggle = el('button', {
    type: 'button', class: 'btn btn-small', 'aria-expanded': 'false',
    onclick: () => {
      const open = frame.hidden;
      frame.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = open ? 'Masquer l’aperçu' : 'Afficher l’aperçu ici';
      if (open && !frame.firstChild) frame.append(el('iframe', { src: `${base}/preview`, title: 'Aperçu PDF du compte rendu' }));
    },
  }, 'Afficher l’aperçu ici');
  return el('section', { class: 'panel', 'aria-labelledby': 'docs-title' },
    el('h2', { id: 'docs-title' }, 'Documents'),
    el('p', { class: 'doc-links' },
      el('a', { class: 'btn btn-small', href: `${base}/preview`, target: '_blank', rel: 'noopener' }, 'Aperçu PDF (non validé)'), ' ', toggle),
    frame,
    validated && docs.length ? el('ul', { class: 'doc-list', 'aria-label': 'Documents produits à la validation' },
      docs.slice().sort((a, b) => (b.version - a.version) || String(b.kind).localeCompare(a.kind)).map((d) => el('li', {},
        el('span', {}, el('strong', {}, DOCUMENT_KIND[d.kind] || d.kind), ` — version ${d.version}`,
          el('span', { class: 'muted small' }, ` · ${formatDateTime(d.created_at)} · ${size(d.size)}`)),
        el('span', { class: 'doc-actions' },
          el('a', { href: `${base}/${DOC_PATH[d.kind] || 'pdf'}?version=${d.version}`, download: '', 'aria-label': `Télécharger ${DOCUMENT_KIND[d.kind] || d.kind} version ${d.version}` }, 'Télécharger'),
          d.kind === 'CDA-N3' ? [' · ', el('a', { href: `${base}/html?version=${d.version}`, target: '_blank', rel: 'noopener', 'aria-label': `Lire le CDA version ${d.version}` }, 'Lire')] : null))))
      : el('p', { class: 'muted small' }, 'Les documents (PDF/A, CDA niveaux 1 et 3) sont produits à la validation.'),
    validated && docs.some((d) => d.kind === 'PDF')
      ? el('p', {}, el('a', { class: 'btn btn-small btn-primary', href: `${base}/pdf`, download: '' }, 'Télécharger le PDF validé'))
      : null);
}

// One line of the sharing table: a channel, or (HL7) one destination under it. `what` names the
// send in the retry button and the announcement ("HL7 vers « PACS »").
// `summary` (a channel with destinations) replaces the error and the next attempt, shown per line.
function shareCells(x, { what, canRetry, retry, summary }) {
  const k = SHARE_STATUS[x.status] || { label: x.status, tone: 'neutral' };
  return [
    el('td', {}, badge(SHARE_STATUS[x.status] ? k.label : (x.status_label || x.status), k.tone),
      summary ? el('div', { class: 'small muted' }, summary) : null,
      !summary && x.last_error ? el('div', { class: 'small error' }, x.last_error) : null,
      !summary && x.next_attempt_at && x.status === 'pending' ? el('div', { class: 'small muted' }, `prochain essai le ${short(x.next_attempt_at)}`) : null),
    el('td', {}, String(x.attempts ?? 0)),
    el('td', { class: 'col-actions' }, canRetry && retry && x.job_id && (x.status === 'failed' || x.status === 'pending')
      ? el('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Relancer l’envoi ${what}`, onclick: (ev) => retry(x, what, ev.currentTarget) }, 'Relancer')
      : null),
  ];
}

// "2 destinations sur 3 servies" (HL7 channel line).
function destinationSummary(dests) {
  if (!dests.length) return null;
  const sent = dests.filter((d) => d.status === 'sent').length;
  return dests.length === 1 ? (sent ? 'destination servie' : 'destination non servie')
    : `${sent} destination${sent > 1 ? 's' : ''} sur ${dests.length} servie${sent > 1 ? 's' : ''}`;
}

// "sans objet : aucune destination HL7 ne reçoit les comptes rendus" -> the reason, as a sentence.
function notApplicableReason(s) {
  const m = /^sans objet\s*:\s*(.+)$/.exec(s.status_label || '');
  return s.status === 'not_applicable' && m ? `${m[1].charAt(0).toUpperCase()}${m[1].slice(1)}.` : null;
}

export function sharesPanel(r, { canRetry, onRetried }) {
  const shares = r.shares || [];
  async function retry(x, what, btn) {
    btn.disabled = true;
    try {
      const out = await api.post(`/outbox/${x.job_id}/retry`, {});
      announce(`Envoi ${what} relancé : nouvelle tentative dès maintenant${out && out.job && out.job.attempts ? ` (${out.job.attempts} essai(s) déjà fait(s))` : ''}.`, 'success');
      await onRetried();
    } catch (e) {
      btn.disabled = false;
      announceError(e);
      await onRetried(); // the job may have moved on meanwhile: show its current state
    }
  }
  const rows = [];
  for (const s of shares) {
    const name = SHARE_CHANNEL[s.channel] || s.channel;
    const dests = s.destinations || [];
    const reason = notApplicableReason(s);
    // HL7 with destinations: retried and detailed per destination, on their own lines
    const cells = shareCells(s, { what: name, canRetry, retry: dests.length ? null : retry, summary: destinationSummary(dests) });
    if (reason) cells[0].append(el('div', { class: 'small muted' }, reason));
    rows.push(el('tr', { dataset: { channel: s.channel } }, el('th', { scope: 'row' }, name), ...cells));
    for (const d of dests) {
      const dname = d.destination ? (d.destination.name || `destination n° ${d.destination.id} (supprimée)`) : 'destination inconnue';
      rows.push(el('tr', { class: 'share-destination', dataset: { destination: String(d.destination ? d.destination.id : ''), job: String(d.job_id) } },
        el('th', { scope: 'row', class: 'small' }, el('span', { 'aria-hidden': 'true' }, '↳ '), el('span', { class: 'sr-only' }, `${name} vers `), dname,
          d.message_type ? el('div', { class: 'muted' }, d.message_type) : null),
        ...shareCells(d, { what: `${name} vers « ${dname} »`, canRetry, retry })));
    }
  }
  return el('section', { class: 'panel', 'aria-labelledby': 'shares-title' },
    el('h2', { id: 'shares-title' }, 'Diffusion'),
    shares.some((x) => x.job_id || x.status !== 'not_applicable') ? el('table', { class: 'table table-compact' },
      el('caption', { class: 'sr-only' }, 'État de diffusion par canal et, pour HL7, par destination'),
      el('thead', {}, el('tr', {}, ['Canal', 'État', 'Essais', ''].map((t) => el('th', { scope: 'col' }, t)))),
      el('tbody', {}, rows))
      : el('p', { class: 'muted small' }, 'Aucune diffusion : elle est programmée à la validation.'));
}

// History events (domain/report_lifecycle.c event names, plus the creation).
const EVENT = {
  create: 'Création', created: 'Création', edit: 'Modification', set_flags: 'Options de diffusion',
  set_provisional: 'Avis demandé (provisoire)', back_to_draft: 'Retour en brouillon', validate: 'Validation',
  correct: 'Correction', withdraw: 'Retrait', record_announcement: 'Annonce faite au patient',
};

export function historyPanel(r) {
  const h = r.history || [];
  return el('section', { class: 'panel', 'aria-labelledby': 'hist-title' },
    el('h2', { id: 'hist-title' }, 'Historique'),
    h.length ? el('ol', { class: 'timeline' }, h.slice().reverse().map((x) => el('li', {},
      el('span', { class: 'nowrap small muted' }, formatDateTime(x.at)), ' ',
      el('strong', {}, EVENT[x.event] || x.event), x.by ? ` par ${x.by}` : '',
      x.status && REPORT_STATUS[x.status] ? el('span', { class: 'muted small' }, ` → ${REPORT_STATUS[x.status].label}`) : null)))
      : el('p', { class: 'muted small' }, 'Aucun événement.'));
}
