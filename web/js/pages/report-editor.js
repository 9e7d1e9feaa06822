// The report editor (#/comptes-rendus/{id}): the template's sections, the announcement and
// masking options, the life cycle actions (save, provisoire, brouillon, valider, corriger,
// retirer, annonce faite), the PDF preview and the documents, the sharing status per channel
// with retry (report-side.js). Editing is for radiologists; other roles read.
import { api } from '../api.js';
import { identityBadges, identityName, REPORT_FLAGS, reportBadge, SEX } from '../labels.js';
import { announce, clear, el, formatDate, formatDateTime, nextId, openDialog } from '../ui.js';
import { documentsPanel, historyPanel, sharesPanel } from './report-side.js';

const EDITABLE = new Set(['brouillon', 'provisoire']);
const VALIDATED = new Set(['valide', 'corrige']);

export async function render(root, ctx) {
  const id = ctx.reportId;
  const canWrite = ctx.hasRole(['radiologue']);
  const st = { report: null, correcting: false, dirty: false };
  const head = el('div', { class: 'page-head' });
  const error = el('div', { class: 'form-errors', role: 'alert', hidden: true });
  const main = el('form', { class: 'report-main panel', novalidate: true, 'aria-labelledby': 'rep-sections' });
  const side = el('div', { class: 'report-side' });
  root.append(head, error, el('div', { class: 'report-layout' }, main, side));
  main.addEventListener('input', () => { st.dirty = true; });
  main.addEventListener('submit', (ev) => { ev.preventDefault(); save(); });

  function showError(e) {
    if (!e) { error.hidden = true; error.textContent = ''; return; }
    error.hidden = false;
    error.textContent = e.message;
    error.setAttribute('tabindex', '-1');
    error.focus();
  }

  async function load() {
    try {
      st.report = await api.get(`/reports/${id}`);
    } catch (e) {
      clear(head, el('p', { class: 'crumbs' }, el('a', { href: '#/comptes-rendus' }, '‹ Retour aux comptes rendus')), el('h1', {}, 'Compte rendu'));
      showError(e);
      main.hidden = true;
      side.hidden = true;
      return;
    }
    st.dirty = false;
    draw();
  }

  const editing = () => canWrite && (EDITABLE.has(st.report.status) || st.correcting);

  function draw() {
    const r = st.report;
    const p = r.patient || {};
    clear(head,
      el('p', { class: 'crumbs' }, el('a', { href: '#/comptes-rendus' }, '‹ Retour aux comptes rendus')),
      el('h1', { class: 'report-title' }, `Compte rendu — ${r.exam_label || 'examen'}`),
      el('p', { class: 'report-status' },
        reportBadge(r.status, r.status_label),
        el('span', { class: 'muted' }, ` version ${r.version || 1}`),
        r.flags && r.flags.announcement_pending ? [' ', el('span', { class: 'badge badge-warn' }, 'Annonce au patient à faire')] : null,
        r.validator && r.validated_at ? el('span', { class: 'muted' }, ` · validé le ${formatDateTime(r.validated_at)} par ${r.validator.name}`) : null),
      el('p', { class: 'report-patient' },
        el('strong', {}, identityName(p)), ` — ${SEX[p.sex] || p.sex || ''}, né(e) le ${formatDate(p.birth_date)}`,
        p.ipp ? el('span', { class: 'mono' }, ` — IPP ${p.ipp}`) : null, ' ',
        p.ins_status ? identityBadges({ rniv_status: p.ins_status }) : null,
        el('span', { class: 'muted' }, ` — ${[r.modality, r.accession_number ? `n° d’examen ${r.accession_number}` : null].filter(Boolean).join(' · ')}`)));
    drawMain();
    drawSide();
  }

  function drawMain() {
    const r = st.report;
    const edit = editing();
    const sections = (r.template && r.template.sections) || Object.keys(r.sections || {}).map((k) => ({ key: k, title: k }));
    const fields = sections.map((s) => {
      const fid = nextId('sec');
      const text = (r.sections || {})[s.key] || '';
      return el('div', { class: 'field report-section', dataset: { section: s.key } },
        el('label', { for: fid, class: 'label' }, s.title, s.required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
        edit
          ? el('textarea', { id: fid, name: `section:${s.key}`, rows: s.key === 'resultats' ? 7 : 3, required: s.required || null, spellcheck: 'true', lang: 'fr' }, text)
          : el('div', { id: fid, class: 'report-text', tabindex: '0' }, text || el('span', { class: 'muted' }, '(vide)')));
    });
    const addId = nextId('add');
    const addendum = st.correcting || r.addendum
      ? el('div', { class: 'field report-section' },
        el('label', { for: addId, class: 'label' }, 'Addendum (motif de la correction)', st.correcting ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
        edit && (st.correcting || EDITABLE.has(r.status))
          ? el('textarea', { id: addId, name: 'addendum', rows: 2 }, r.addendum || '')
          : el('div', { id: addId, class: 'report-text' }, r.addendum || ''))
      : null;
    clear(main,
      el('h2', { id: 'rep-sections' }, r.template ? `Modèle : ${r.template.label}` : 'Compte rendu'),
      st.correcting ? el('p', { class: 'notice' }, 'Correction : une nouvelle version remplacera le document validé et sera de nouveau diffusée.') : null,
      fields, addendum,
      edit ? el('div', { class: 'form-actions' }, st.correcting
        ? [el('button', { type: 'button', class: 'btn btn-primary', onclick: correct }, 'Valider la correction'),
          el('button', { type: 'button', class: 'btn', onclick: () => { st.correcting = false; draw(); } }, 'Abandonner la correction')]
        : [el('button', { type: 'submit', class: 'btn' }, 'Enregistrer'),
          el('button', { type: 'button', class: 'btn btn-primary', onclick: () => act('validate') }, 'Valider le compte rendu')]) : null);
  }

  function drawSide() {
    const r = st.report;
    const edit = editing();
    const flags = r.flags || {};
    const flagBox = el('fieldset', { class: 'checks checks-column' },
      el('legend', { class: 'label' }, 'Annonce et diffusion'),
      REPORT_FLAGS.map(([k, label]) => {
        const cid = nextId('flag');
        return el('span', { class: 'check' },
          el('input', { type: 'checkbox', id: cid, name: `flag:${k}`, checked: !!flags[k], disabled: !edit }),
          el('label', { for: cid }, label));
      }));
    flagBox.addEventListener('change', () => { st.dirty = true; });
    const actions = [];
    if (canWrite) {
      if (EDITABLE.has(r.status)) {
        if (r.status === 'brouillon') actions.push(el('button', { type: 'button', class: 'btn', onclick: askReviewers }, 'Demander un avis (provisoire)'));
        if (r.status === 'provisoire') actions.push(el('button', { type: 'button', class: 'btn', onclick: () => act('draft') }, 'Repasser en brouillon'));
      }
      if (VALIDATED.has(r.status) && !st.correcting) {
        actions.push(el('button', { type: 'button', class: 'btn', onclick: () => { st.correcting = true; draw(); focusFirstSection(); } }, 'Corriger'));
        if (flags.announcement_pending) actions.push(el('button', { type: 'button', class: 'btn btn-primary', onclick: () => act('announce') }, 'Annonce faite au patient'));
        actions.push(el('button', { type: 'button', class: 'btn btn-danger', onclick: askWithdraw }, 'Retirer'));
      }
    }
    const reviewers = (r.reviewers || []).length ? el('p', { class: 'small' }, `Avis demandé à : ${r.reviewers.join(', ')}`) : null;
    const validator = r.validator ? el('p', { class: 'small' }, `Validé par ${r.validator.name}${r.validator.rpps ? ` (RPPS ${r.validator.rpps})` : ''}${r.validated_at ? ` le ${formatDateTime(r.validated_at)}` : ''}`) : null;
    clear(side,
      el('section', { class: 'panel', 'aria-label': 'Options et actions' },
        flagBox, reviewers, validator,
        actions.length ? el('div', { class: 'action-bar action-column' }, actions) : null),
      sharesPanel(r, { canRetry: ctx.hasRole(['radiologue', 'admin']), onRetried: load }),
      documentsPanel(r),
      historyPanel(r));
  }

  function focusFirstSection() {
    const t = main.querySelector('textarea');
    if (t) t.focus();
  }

  // What the form holds: sections, addendum, flags.
  function values() {
    const sections = {};
    for (const t of main.querySelectorAll('textarea[name^="section:"]')) sections[t.name.slice(8)] = t.value;
    const flags = {};
    for (const c of side.querySelectorAll('input[name^="flag:"]')) flags[c.name.slice(5)] = c.checked;
    const add = main.querySelector('textarea[name="addendum"]');
    const out = { sections, flags };
    if (add) out.addendum = add.value;
    return out;
  }

  async function save({ quiet = false } = {}) {
    showError(null);
    try {
      // the revision loaded: a report saved meanwhile by someone else answers 409 with
      // "Le compte rendu a été modifié par un autre utilisateur : rechargez-le." (shown as is)
      st.report = await api.patch(`/reports/${id}`, { ...values(), revision: st.report.revision });
      st.dirty = false;
      if (!quiet) {
        announce('Compte rendu enregistré.', 'success');
        draw();
      }
      return true;
    } catch (e) {
      showError(e);
      return false;
    }
  }

  async function act(action, body) {
    showError(null);
    if (editing() && !st.correcting && !(await save({ quiet: true }))) return;
    try {
      st.report = await api.post(`/reports/${id}/${action}`, { ...(body || {}), revision: st.report.revision });
      announce(DONE[action] || 'Action effectuée.', 'success');
      st.correcting = false;
      draw();
    } catch (e) {
      showError(e);
    }
  }

  async function correct() {
    const v = values();
    await act('correct', v);
  }

  function askReviewers() {
    const fid = nextId('rev');
    const input = el('input', { id: fid, type: 'text', name: 'reviewers', autocomplete: 'off', spellcheck: 'false' });
    const err = el('div', { class: 'form-errors', role: 'alert', hidden: true });
    const form = el('form', { class: 'form', novalidate: true },
      err,
      el('div', { class: 'field' }, el('label', { for: fid, class: 'label' }, 'Radiologues relecteurs (identifiants)', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), input,
        el('div', { class: 'hint' }, 'Séparez les identifiants par des virgules.')),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'btn btn-primary' }, 'Passer en provisoire'),
        el('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Annuler')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const reviewers = input.value.split(/[\s,;]+/).filter(Boolean);
      if (!(await save({ quiet: true }))) { dlg.close(); return; }
      try {
        st.report = await api.post(`/reports/${id}/provisional`, { reviewers, revision: st.report.revision });
        dlg.close();
        announce(DONE.provisional, 'success');
        draw();
      } catch (e) {
        err.hidden = false;
        err.textContent = e.message;
      }
    });
    const dlg = openDialog('Demander un avis', form);
  }

  function askWithdraw() {
    const fid = nextId('why');
    const input = el('textarea', { id: fid, name: 'reason', rows: 3 });
    const err = el('div', { class: 'form-errors', role: 'alert', hidden: true });
    const form = el('form', { class: 'form', novalidate: true },
      err,
      el('p', { class: 'muted' }, 'Le retrait est définitif : les documents partagés seront retirés (DMP, messageries, HL7).'),
      el('div', { class: 'field' }, el('label', { for: fid, class: 'label' }, 'Motif du retrait', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), input),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'btn btn-danger' }, 'Retirer le compte rendu'),
        el('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Annuler')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const reason = input.value.trim();
        if (!reason) {
          err.hidden = false;
          err.textContent = 'Indiquez le motif du retrait du compte rendu.';
          return;
        }
        st.report = await api.post(`/reports/${id}/withdraw`, { reason, revision: st.report.revision });
        dlg.close();
        announce(DONE.withdraw, 'success');
        draw();
      } catch (e) {
        err.hidden = false;
        err.textContent = e.message;
      }
    });
    const dlg = openDialog('Retirer le compte rendu', form);
  }

  await load();
  // Leaving with unsaved text: say so (the text stays in the form only until the screen changes).
  const beforeUnload = (ev) => { if (st.dirty) { ev.preventDefault(); ev.returnValue = ''; } };
  window.addEventListener('beforeunload', beforeUnload);
  return () => {
    window.removeEventListener('beforeunload', beforeUnload);
    if (st.dirty && st.report && editing()) announce('Attention : les dernières modifications du compte rendu n’ont pas été enregistrées.', 'error');
  };
}

const DONE = {
  validate: 'Compte rendu validé : PDF et CDA produits, diffusion programmée.',
  correct: 'Correction validée : nouvelle version produite, diffusion programmée.',
  provisional: 'Compte rendu provisoire : avis demandé.',
  draft: 'Compte rendu repassé en brouillon.',
  withdraw: 'Compte rendu retiré.',
  announce: 'Annonce au patient enregistrée : diffusion au patient libérée.',
};

