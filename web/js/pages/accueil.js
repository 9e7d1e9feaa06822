// Accueil: patient search, creation and editing of an identity with the mandatory traits.
import { api } from '../api.js';
import { buildForm } from '../form.js';
import { identityBadges, SEX } from '../labels.js';
import { IDENTITY_FIELDS } from '../schema.js';
import { pagedTable } from '../table.js';
import { announce, announceError, el, formatDate, nextId, openDialog } from '../ui.js';
import * as identityPage from './identity.js';

// Reads the patient records (IPP) of a page of identities.
async function withPatients(identities) {
  const patients = await Promise.all(identities.map((i) => api.read('patients', i.patient_id).catch(() => null)));
  return identities.map((identity, k) => ({ identity, patient: patients[k] }));
}

export function render(root, ctx) {
  if (ctx.rest[0] === 'identite' && /^\d+$/.test(ctx.rest[1] || '')) return identityPage.render(root, ctx);
  const qId = nextId('q');
  const dobId = nextId('dob');
  const ippId = nextId('ipp');
  let criteria = {};

  const table = pagedTable({
    caption: 'Patients trouvés',
    empty: 'Aucun patient ne correspond à ces critères.',
    columns: [
      { label: 'Nom de naissance', render: (r) => el('strong', {}, r.identity.birth_name) },
      { label: 'Nom utilisé', render: (r) => r.identity.used_name || '' },
      { label: 'Prénoms', render: (r) => [r.identity.first_given_name, r.identity.given_names && r.identity.given_names !== r.identity.first_given_name ? el('span', { class: 'muted' }, ` (${r.identity.given_names})`) : null] },
      { label: 'Né(e) le', render: (r) => formatDate(r.identity.birth_date), class: 'nowrap' },
      { label: 'Sexe', render: (r) => el('abbr', { title: SEX[r.identity.sex] || '' }, r.identity.sex) },
      { label: 'IPP', render: (r) => (r.patient && r.patient.ipp) || '—', class: 'mono' },
      { label: 'Identité', render: (r) => identityBadges(r.identity) },
    ],
    rowActions: (r) => el('span', { class: 'row-actions' },
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => editIdentity(r), 'aria-label': `Modifier l’identité de ${r.identity.birth_name} ${r.identity.first_given_name}` }, 'Modifier'),
      el('a', { class: 'btn btn-small', href: `#/accueil/identite/${r.identity.id}`, 'aria-label': `Identitovigilance et INSi pour ${r.identity.birth_name} ${r.identity.first_given_name}` }, 'Identité'),
      el('a', { class: 'btn btn-small', href: `#/agenda/reserver/${r.identity.patient_id}`, 'aria-label': `Prendre rendez-vous pour ${r.identity.birth_name} ${r.identity.first_given_name}` }, 'Rendez-vous')),
    load: async (offset, limit) => {
      if (criteria.ipp) {
        const p = await api.list('patients', { ipp: criteria.ipp, limit: 1 });
        if (!p.items.length) return { items: [], total: 0 };
        const ids = await api.list('identities', { patient_id: p.items[0].id, limit: 1 });
        return { items: ids.items.map((identity) => ({ identity, patient: p.items[0] })), total: ids.items.length };
      }
      const page = await api.list('identities', { q: criteria.q, birth_date: criteria.birth_date, offset, limit });
      return { items: await withPatients(page.items), total: page.total };
    },
    onError: (e) => announceError(e),
  });
  const results = el('section', { class: 'panel', 'aria-labelledby': 'res-title', hidden: true },
    el('h2', { id: 'res-title' }, 'Résultats'), table.element);

  const form = el('form', { class: 'searchbar', role: 'search', 'aria-label': 'Recherche de patients' },
    el('div', { class: 'field' }, el('label', { for: qId, class: 'label' }, 'Nom ou prénom'),
      el('input', { id: qId, type: 'search', name: 'q', autocomplete: 'off', placeholder: 'ex. DUPONT Jeanne', spellcheck: 'false' })),
    el('div', { class: 'field' }, el('label', { for: dobId, class: 'label' }, 'Date de naissance'),
      el('input', { id: dobId, type: 'date', name: 'birth_date' })),
    el('div', { class: 'field field-narrow' }, el('label', { for: ippId, class: 'label' }, 'IPP'),
      el('input', { id: ippId, type: 'text', name: 'ipp', autocomplete: 'off', spellcheck: 'false' })),
    el('div', { class: 'searchbar-actions' },
      el('button', { type: 'submit', class: 'btn btn-primary' }, 'Rechercher'),
      ctx.hasRole(['accueil']) ? el('button', { type: 'button', class: 'btn', onclick: () => createIdentity() }, 'Nouveau patient') : null));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    criteria = {
      q: form.elements.q.value.trim(),
      birth_date: form.elements.birth_date.value,
      ipp: form.elements.ipp.value.trim(),
    };
    if (!criteria.q && !criteria.birth_date && !criteria.ipp) {
      announce('Saisissez au moins un critère : nom ou prénom, date de naissance ou IPP.', 'error');
      form.elements.q.focus();
      return;
    }
    results.hidden = false;
    table.reload(true);
  });

  function showCreated(identity) {
    form.elements.q.value = identity.birth_name;
    form.elements.birth_date.value = identity.birth_date;
    form.elements.ipp.value = '';
    form.requestSubmit();
  }

  function createIdentity() {
    // The patient record is created first (it carries the IPP), then its identity. If the
    // identity is refused, the same patient record is reused on the next attempt; abandoning
    // deactivates it.
    let patient = null;
    let done = false;
    const f = buildForm(IDENTITY_FIELDS, {
      submitLabel: 'Créer le patient',
      columns: 3,
      onCancel: () => dlg.close(),
      onSubmit: async (values, formApi) => {
        try {
          if (!patient) patient = await api.create('patients', {});
          const identity = await api.create('identities', { ...values, patient_id: patient.id });
          done = true;
          dlg.close();
          announce(`Patient créé : ${identity.birth_name} ${identity.first_given_name}${patient.ipp ? ` (IPP ${patient.ipp})` : ''}.`, 'success');
          showCreated(identity);
        } catch (e) {
          formApi.setErrors(e);
        }
      },
    });
    const dlg = openDialog('Nouveau patient', [
      el('p', { class: 'muted' }, 'Saisissez les traits stricts tels qu’ils figurent sur la pièce d’identité. Les champs marqués * sont obligatoires.'),
      f.form], {
      wide: true,
      onClose: () => {
        if (patient && !done) api.update('patients', patient.id, { active: false }).catch(() => {});
      },
    });
  }

  function editIdentity(row) {
    const f = buildForm(IDENTITY_FIELDS, {
      mode: 'edit',
      initial: row.identity,
      submitLabel: 'Enregistrer les modifications',
      columns: 3,
      onCancel: () => dlg.close(),
      onSubmit: async (values, formApi) => {
        if (Object.keys(values).length === 0) {
          dlg.close();
          announce('Aucune modification à enregistrer.', 'info');
          return;
        }
        try {
          const identity = await api.update('identities', row.identity.id, values);
          dlg.close();
          announce(`Identité de ${identity.birth_name} ${identity.first_given_name} mise à jour.`, 'success');
          table.reload(false);
        } catch (e) {
          formApi.setErrors(e);
        }
      },
    });
    const dlg = openDialog(`Modifier l’identité — ${row.identity.birth_name} ${row.identity.first_given_name}`, [
      el('p', { class: 'ident-head' }, 'IPP ', el('strong', { class: 'mono' }, (row.patient && row.patient.ipp) || '—'), ' ', identityBadges(row.identity)),
      f.form], { wide: true });
  }

  root.append(
    el('div', { class: 'page-head' }, el('h1', {}, 'Accueil patients'),
      el('p', { class: 'muted' }, 'Recherchez toujours le patient avant d’en créer un nouveau : nom de naissance, prénom et date de naissance.')),
    el('section', { class: 'panel' }, form),
    results);
  form.elements.q.focus();
}
