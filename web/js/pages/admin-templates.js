// Administration of the report templates (admin role): list, then edit the template as the
// API defines it (src/report/report.h JSON: code, label, modality, exam code, sections with
// title, required flag and default text). Sections are edited in a form; the other coded
// fields in a JSON text area. The API checks everything and answers in French.
import { api } from '../api.js';
import { pagedTable } from '../table.js';
import { announce, announceError, badge, el, nextId, openDialog } from '../ui.js';

const SECTION_KEYS = [
  ['indication', 'Indication'], ['antecedents', 'Antécédents'], ['technique', 'Technique'],
  ['resultats', 'Résultats'], ['comparaison', 'Comparaison'], ['conclusion', 'Conclusion'],
];
const MAIN = ['code', 'label', 'modality'];

export async function renderTemplates(root) {
  const table = pagedTable({
    caption: 'Modèles de compte rendu',
    pageSize: 15,
    empty: 'Aucun modèle.',
    columns: [
      { label: 'Code', render: (t) => t.code, class: 'mono nowrap' },
      { label: 'Libellé', render: (t) => t.label },
      { label: 'Modalité', render: (t) => t.modality || '—' },
      { label: 'Révision', render: (t) => String(t.revision ?? '—') },
      { label: 'Rubriques', render: (t) => el('span', { class: 'badges' }, (t.sections || []).map((s) => badge(s.title || s.key, s.required ? 'info' : 'neutral'))) },
    ],
    load: async (offset, limit) => {
      const all = (await api.get('/report-templates')).items || [];
      return { items: all.slice(offset, offset + limit), total: all.length };
    },
    onError: (e) => announceError(e),
    rowActions: (t) => el('span', { class: 'row-actions' },
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => edit(t), 'aria-label': `Modifier le modèle ${t.code}` }, 'Modifier'),
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => edit(t, true), 'aria-label': `Dupliquer le modèle ${t.code}` }, 'Dupliquer'),
      el('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => remove(t), 'aria-label': `Supprimer le modèle ${t.code}` }, 'Supprimer')),
  });

  function edit(t, copy = false) {
    const base = t ? JSON.parse(JSON.stringify(t)) : { code: '', label: '', modality: '', sections: [] };
    delete base.id;
    if (copy) { base.code = `${base.code}-COPIE`; base.label = `${base.label} (copie)`; }
    const ids = Object.fromEntries(MAIN.map((k) => [k, nextId(k)]));
    const err = el('div', { class: 'form-errors', role: 'alert', hidden: true });
    const bySection = new Map((base.sections || []).map((s) => [s.key, s]));
    const rows = SECTION_KEYS.map(([key, defTitle]) => {
      const s = bySection.get(key);
      const u = nextId('use'); const ti = nextId('title'); const rq = nextId('req'); const dt = nextId('def');
      return el('fieldset', { class: 'tpl-section', dataset: { key } },
        el('legend', {}, defTitle),
        el('span', { class: 'check' }, el('input', { type: 'checkbox', id: u, name: 'use', checked: !!s }), el('label', { for: u }, 'Rubrique utilisée')),
        el('span', { class: 'check' }, el('input', { type: 'checkbox', id: rq, name: 'required', checked: !!(s && s.required) }), el('label', { for: rq }, 'Obligatoire avant validation')),
        el('div', { class: 'field' }, el('label', { for: ti, class: 'label' }, 'Titre affiché'), el('input', { id: ti, name: 'title', type: 'text', value: (s && s.title) || defTitle })),
        el('div', { class: 'field' }, el('label', { for: dt, class: 'label' }, 'Texte par défaut'), el('textarea', { id: dt, name: 'default_text', rows: 2 }, (s && s.default_text) || '')));
    });
    const rest = { ...base };
    for (const k of [...MAIN, 'sections']) delete rest[k];
    const restId = nextId('json');
    const restArea = el('textarea', { id: restId, class: 'mono', rows: 8, spellcheck: 'false' }, JSON.stringify(rest, null, 2));
    const form = el('form', { class: 'form', novalidate: true },
      err,
      el('div', { class: 'form-grid form-grid-3cols' },
        el('div', { class: 'field' }, el('label', { for: ids.code, class: 'label' }, 'Code', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), el('input', { id: ids.code, type: 'text', value: base.code || '', spellcheck: 'false' })),
        el('div', { class: 'field' }, el('label', { for: ids.label, class: 'label' }, 'Libellé', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), el('input', { id: ids.label, type: 'text', value: base.label || '' })),
        el('div', { class: 'field' }, el('label', { for: ids.modality, class: 'label' }, 'Modalité (CT, MR, US…)'), el('input', { id: ids.modality, type: 'text', value: base.modality || '', maxlength: 4 }))),
      el('h3', {}, 'Rubriques'),
      el('div', { class: 'tpl-sections' }, rows),
      el('div', { class: 'field' }, el('label', { for: restId, class: 'label' }, 'Codage de l’examen (JSON : exam_code, region, target_site, ccam, exposure…)'), restArea),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'btn btn-primary' }, t && !copy ? 'Enregistrer le modèle' : 'Créer le modèle'),
        el('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Annuler')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      let extra;
      try {
        extra = restArea.value.trim() ? JSON.parse(restArea.value) : {};
      } catch {
        err.hidden = false;
        err.textContent = 'Le codage de l’examen n’est pas un JSON valide : vérifiez les guillemets et les virgules.';
        restArea.focus();
        return;
      }
      const body = { ...extra, code: form.querySelector(`#${ids.code}`).value.trim(), label: form.querySelector(`#${ids.label}`).value.trim() };
      const modality = form.querySelector(`#${ids.modality}`).value.trim();
      if (modality) body.modality = modality;
      body.sections = rows.filter((r) => r.querySelector('input[name=use]').checked).map((r) => ({
        key: r.dataset.key,
        title: r.querySelector('input[name=title]').value.trim(),
        required: r.querySelector('input[name=required]').checked,
        default_text: r.querySelector('textarea[name=default_text]').value,
      }));
      try {
        if (t && !copy) await api.put(`/report-templates/${t.id}`, body);
        else await api.post('/report-templates', body);
        dlg.close();
        announce(`Modèle « ${body.code} » enregistré.`, 'success');
        table.reload(!t || copy);
      } catch (e) {
        err.hidden = false;
        err.textContent = e.message;
        err.setAttribute('tabindex', '-1');
        err.focus();
      }
    });
    const dlg = openDialog(t && !copy ? `Modèle de compte rendu — ${t.code}` : 'Nouveau modèle de compte rendu', form, { wide: true });
  }

  async function remove(t) {
    if (!window.confirm(`Supprimer le modèle « ${t.code} » ?`)) return;
    try {
      await api.del(`/report-templates/${t.id}`);
      announce(`Modèle « ${t.code} » supprimé.`, 'success');
      table.reload(false);
    } catch (e) {
      announceError(e);
    }
  }

  root.append(el('div', { class: 'toolbar' }, el('p', { class: 'muted small' }, 'Rubriques proposées au radiologue pour chaque type d’examen.'), el('span', { class: 'spacer' }),
    el('button', { type: 'button', class: 'btn btn-primary', onclick: () => edit(null) }, 'Nouveau modèle')),
  el('section', { class: 'panel' }, table.element));
  await table.reload(true);
}
