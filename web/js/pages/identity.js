// Accueil — the identity file of one patient (#/accueil/identite/{identity id}): status badge
// and attributes, the INSi search and acceptance of the returned identity, the identity document
// check (proof), the identity history and the INSi call traces. The API decides every rule
// (src/ins); this screen shows its French answers.
import { api } from '../api.js';
import {
  IDENTITY_EVENT, identityBadges, identityName, INS_STATUS_CODE, INSI_OUTCOME, PROOF_LABEL, PROOF_TYPES, RNIV, SEX,
} from '../labels.js';
import { announce, badge, clear, el, formatDate, formatDateTime, nextId } from '../ui.js';

const dash = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));

// The API's refusal, with the list of rule problems when it gives one.
function errorBox(e) {
  // The API's message already quotes the blocking problems: list only the others (warnings).
  const problems = ((e && e.problems) || []).filter((p) => p.message && !String(e.message).includes(p.message));
  return el('div', { class: 'form-errors', role: 'alert' }, e.message,
    problems.length ? el('ul', {}, problems.map((p) => el('li', {}, p.requirement ? `${p.message} (${p.requirement})` : p.message))) : null);
}

function details(rows) {
  return el('dl', { class: 'details details-wide' }, rows.filter(Boolean).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

export async function render(root, ctx) {
  const identityId = Number(ctx.rest[1]);
  const canWrite = ctx.hasRole(['accueil']);
  const head = el('div', { class: 'page-head' });
  const summary = el('section', { class: 'panel', 'aria-labelledby': 'id-sum' });
  const insi = el('section', { class: 'panel', 'aria-labelledby': 'id-insi' });
  const proof = el('section', { class: 'panel', 'aria-labelledby': 'id-proof' });
  const history = el('section', { class: 'panel', 'aria-labelledby': 'id-hist' });
  const traces = el('section', { class: 'panel', 'aria-labelledby': 'id-traces' });
  root.append(head, el('div', { class: 'two-cols' }, summary, el('div', {}, insi, proof)), history, traces);

  let identity = null;
  let patient = null;
  let proofTypes = PROOF_TYPES;

  async function loadAll() {
    try {
      identity = await api.read('identities', identityId);
    } catch (e) {
      clear(head, el('h1', {}, 'Identité du patient'), errorBox(e));
      for (const s of [summary, insi, proof, history, traces]) s.hidden = true;
      return;
    }
    patient = await api.read('patients', identity.patient_id).catch(() => null);
    // The documents this site accepts ([ins] proof_types); the built-in list if unavailable.
    const accepted = await api.get('/identities/proof-types').catch(() => null);
    if (accepted && Array.isArray(accepted.items) && accepted.items.length) {
      proofTypes = accepted.items.map((p) => [p.code,
        (PROOF_LABEL[p.code] || p.code) + (p.high_trust ? '' : ' (confiance faible)')]);
    }
    renderHead();
    renderSummary();
    await Promise.all([renderHistory(), renderTraces()]);
  }

  function renderHead() {
    clear(head,
      el('p', { class: 'crumbs' }, el('a', { href: '#/accueil' }, '‹ Retour à la recherche de patients')),
      el('div', { class: 'page-head-row' },
        el('h1', {}, `Identité — ${identityName(identity)}`),
        identityBadges(identity)));
  }

  function renderSummary() {
    const st = RNIV[identity.rniv_status] || RNIV.provisoire;
    clear(summary,
      el('h2', { id: 'id-sum' }, 'Traits d’identité'),
      details([
        ['Statut', [badge(st.label, st.tone), ' ', el('span', { class: 'muted small' }, STATUS_HELP[identity.rniv_status] || '')]],
        ['IPP', el('span', { class: 'mono' }, dash(patient && patient.ipp))],
        ['Nom de naissance', el('strong', {}, identity.birth_name)],
        ['Prénoms', dash(identity.given_names || identity.first_given_name)],
        ['Premier prénom', identity.first_given_name],
        ['Date de naissance', formatDate(identity.birth_date)],
        ['Sexe', SEX[identity.sex] || identity.sex],
        ['Lieu de naissance', dash(identity.birth_cog || identity.birth_country)],
        identity.used_name ? ['Nom utilisé', identity.used_name] : null,
        ['Matricule INS', identity.ins_matricule ? el('span', { class: 'mono' }, identity.ins_matricule) : el('span', { class: 'muted' }, 'non récupéré')],
        identity.ins_oid ? ['OID de l’INS', el('span', { class: 'mono small' }, identity.ins_oid)] : null,
        ['Justificatif', identity.id_document_type
          ? `${PROOF_LABEL[String(identity.id_document_type).toUpperCase()] || identity.id_document_type}, vérifié le ${formatDateTime(identity.id_document_checked_at)}`
          : el('span', { class: 'muted' }, 'aucun justificatif enregistré')],
      ]));
    renderInsi(null);
    renderProof(null);
  }

  // ---- INSi search and acceptance ------------------------------------------------------------------
  function renderInsi(outcome) {
    const searchBtn = el('button', { type: 'button', class: 'btn btn-primary', onclick: search }, 'Interroger le téléservice INSi');
    clear(insi,
      el('h2', { id: 'id-insi' }, 'Téléservice INSi'),
      el('p', { class: 'muted small' }, 'Recherche de l’INS avec les traits stricts saisis. L’identité renvoyée n’est intégrée qu’après votre confirmation.'),
      canWrite ? el('div', { class: 'form-actions form-actions-top' }, searchBtn) : el('p', { class: 'muted' }, 'Réservé à l’accueil.'),
      outcome);
  }

  async function search(ev) {
    const btn = ev.currentTarget;
    btn.disabled = true;
    btn.textContent = 'Interrogation en cours…';
    try {
      const r = await api.post(`/identities/${identityId}/insi-search`, {});
      renderInsi(searchResult(r));
      await renderTraces();
    } catch (e) {
      renderInsi(errorBox(e));
      await renderTraces();
    }
  }

  function searchResult(r) {
    const o = INSI_OUTCOME[r.outcome] || { label: r.outcome, tone: 'neutral' };
    const box = el('div', { class: 'insi-result', role: 'status' },
      el('p', {}, badge(o.label, o.tone), ' ', r.message));
    if (!r.result) return box;
    const x = r.result;
    const row = (label, local, remote) => el('tr', { class: local && remote && String(local).toUpperCase() !== String(remote).toUpperCase() ? 'diff' : null },
      el('th', { scope: 'row' }, label), el('td', {}, dash(local)), el('td', {}, el('strong', {}, dash(remote))));
    box.append(
      el('table', { class: 'table table-compact compare' },
        el('caption', { class: 'caption' }, 'Identité renvoyée par INSi'),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Trait'), el('th', { scope: 'col' }, 'Saisi'), el('th', { scope: 'col' }, 'INSi'))),
        el('tbody', {},
          row('Nom de naissance', identity.birth_name, x.birth_name),
          row('Prénoms', identity.given_names || identity.first_given_name, x.given_names),
          row('Premier prénom', identity.first_given_name, x.first_given_name),
          row('Sexe', identity.sex, x.sex),
          row('Date de naissance', formatDate(identity.birth_date), formatDate(x.birth_date)),
          row('Lieu de naissance', identity.birth_cog, x.birth_place),
          x.ins_matricule ? row('Matricule INS', identity.ins_matricule, x.ins_matricule) : null,
          x.ins_kind ? row('Type d’INS', '', x.ins_kind) : null)),
      canWrite ? el('div', { class: 'form-actions' },
        el('button', { type: 'button', class: 'btn btn-primary', onclick: (ev) => accept(ev, x.trace_id) }, 'Intégrer l’identité INSi')) : null);
    return box;
  }

  async function accept(ev, traceId) {
    ev.currentTarget.disabled = true;
    try {
      const r = await api.post(`/identities/${identityId}/insi-accept`, { trace_id: traceId });
      const warnings = (r.warnings || []).map((w) => w.message);
      announce([r.message, ...warnings].join(' '), 'success');
      await loadAll();
      window.scrollTo(0, 0); // the new status is at the top
    } catch (e) {
      ev.currentTarget.disabled = false;
      insi.append(errorBox(e));
    }
  }

  // ---- identity document ------------------------------------------------------------------------
  function renderProof(result, chosen = { type: '', validate: true }) {
    if (!canWrite) {
      clear(proof, el('h2', { id: 'id-proof' }, 'Justificatif d’identité'), el('p', { class: 'muted' }, 'Réservé à l’accueil.'));
      return;
    }
    const typeId = nextId('proof');
    const valId = nextId('val');
    const select = el('select', { id: typeId, name: 'proof_type', required: true },
      el('option', { value: '' }, '— choisir —'), proofTypes.map(([v, l]) => el('option', { value: v }, l)));
    const validate = el('input', { type: 'checkbox', id: valId, name: 'validate', checked: chosen.validate });
    select.value = chosen.type;
    const form = el('form', { class: 'form', novalidate: true },
      el('div', { class: 'field' }, el('label', { for: typeId, class: 'label' }, 'Pièce d’identité présentée', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), select),
      el('div', { class: 'field field-bool' }, el('label', { for: valId, class: 'label' }, 'Valider l’identité (pièce à haut niveau de confiance)'), validate),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer le justificatif')),
      result);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const btn = form.querySelector('button[type=submit]');
      btn.disabled = true;
      try {
        const r = await api.post(`/identities/${identityId}/proof`, { proof_type: select.value, validate: validate.checked });
        announce([r.message, ...(r.warnings || []).map((w) => w.message)].join(' '), 'success');
        await loadAll();
        window.scrollTo(0, 0);
      } catch (e) {
        btn.disabled = false;
        renderProof(errorBox(e), { type: select.value, validate: validate.checked });
        if (e.field === 'proof_type') proof.querySelector('select').focus();
      }
    });
    clear(proof, el('h2', { id: 'id-proof' }, 'Justificatif d’identité'),
      el('p', { class: 'muted small' }, 'Vérifiez la pièce présentée par le patient : une pièce à haut niveau de confiance valide l’identité (récupérée → qualifiée).'),
      form);
  }

  // ---- history and traces -----------------------------------------------------------------------
  async function renderHistory() {
    let h;
    try {
      h = await api.get(`/identities/${identityId}/history`);
    } catch (e) {
      clear(history, el('h2', { id: 'id-hist' }, 'Historique de l’identité'), errorBox(e));
      return;
    }
    const value = (e, v) => {
      if (e.masked) return el('span', { class: 'muted' }, 'masqué');
      if (e.field === 'status' && INS_STATUS_CODE[v]) return (RNIV[INS_STATUS_CODE[v]] || {}).label || v;
      if (e.field === 'proof' && v) return PROOF_LABEL[v] || v;
      return dash(v);
    };
    clear(history, el('h2', { id: 'id-hist' }, 'Historique de l’identité'),
      el('div', { class: 'table-wrap' }, el('table', { class: 'table table-compact' },
        el('caption', { class: 'sr-only' }, 'Événements de l’identité'),
        el('thead', {}, el('tr', {}, ['Date', 'Par', 'Élément', 'Avant', 'Après', 'Motif'].map((t) => el('th', { scope: 'col' }, t)))),
        el('tbody', {}, (h.events || []).length ? h.events.slice().reverse().map((e) => el('tr', {},
          el('td', { class: 'nowrap' }, formatDateTime(e.at)), el('td', {}, dash(e.actor)),
          el('td', {}, FIELD[e.field] || IDENTITY_EVENT[e.kind] || dash(e.field)),
          el('td', {}, value(e, e.old_value)), el('td', {}, value(e, e.new_value)), el('td', { class: 'small' }, dash(e.reason))))
          : el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'Aucun événement.'))))),
      el('h3', {}, 'Justificatifs vérifiés'),
      (h.proofs || []).length
        ? el('ul', { class: 'plain-list' }, h.proofs.map((p) => el('li', {},
          `${formatDateTime(p.checked_at)} — ${PROOF_LABEL[p.proof_type] || p.proof_type} `,
          badge(p.high_trust ? 'confiance haute' : 'confiance faible', p.high_trust ? 'ok' : 'warn'), ` — par ${dash(p.actor)}`)))
        : el('p', { class: 'muted' }, 'Aucun justificatif vérifié.'));
  }

  async function renderTraces() {
    let t;
    try {
      t = await api.get(`/identities/${identityId}/insi-traces`);
    } catch (e) {
      clear(traces, el('h2', { id: 'id-traces' }, 'Appels au téléservice INSi'), e.status === 403 ? el('p', { class: 'muted' }, e.message) : errorBox(e));
      return;
    }
    clear(traces, el('h2', { id: 'id-traces' }, 'Appels au téléservice INSi'),
      el('div', { class: 'table-wrap' }, el('table', { class: 'table table-compact' },
        el('caption', { class: 'sr-only' }, 'Traces des appels INSi'),
        el('thead', {}, el('tr', {}, ['Date', 'Par', 'Opération', 'Réponse', 'Durée', 'Intégré'].map((x) => el('th', { scope: 'col' }, x)))),
        el('tbody', {}, (t.items || []).length ? t.items.slice().reverse().map((c) => {
          const o = INSI_OUTCOME[c.outcome] || { label: dash(c.outcome), tone: 'neutral' };
          return el('tr', {},
            el('td', { class: 'nowrap' }, formatDateTime(c.at)), el('td', {}, dash(c.who)),
            el('td', { class: 'small' }, OPERATION[c.operation] || dash(c.operation)),
            el('td', {}, badge(o.label, o.tone)),
            el('td', { class: 'nowrap' }, c.duration_ms !== null && c.duration_ms !== undefined ? `${c.duration_ms} ms` : '—'),
            el('td', { class: 'nowrap' }, c.accepted_at ? formatDateTime(c.accepted_at) : '—'));
        }) : el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'Aucun appel.'))))));
  }

  await loadAll();
  return null;
}

const STATUS_HELP = {
  provisoire: 'traits saisis, non vérifiés',
  recuperee: 'INS récupéré par INSi, pièce d’identité non vérifiée',
  validee: 'pièce d’identité vérifiée, INS non récupéré',
  qualifiee: 'INS récupéré et pièce d’identité vérifiée',
};

// Identity fields named by the history entries (src/ins trait keys).
const FIELD = {
  status: 'Statut', proof: 'Justificatif', ins: 'INS', matricule: 'Matricule INS', oid: 'OID de l’INS',
  birth_name: 'Nom de naissance', first_given_name: 'Premier prénom', given_names: 'Prénoms', birth_given_names: 'Prénoms',
  birth_date: 'Date de naissance', sex: 'Sexe', birth_place: 'Lieu de naissance', used_name: 'Nom utilisé',
  used_given_name: 'Prénom utilisé', douteuse: 'Identité douteuse', fictive: 'Identité fictive', homonyme: 'Homonymie',
};

const OPERATION = {
  rechercherInsAvecTraitsIdentite: 'Recherche par traits',
  rechercherInsAvecCarteVitale: 'Recherche par carte Vitale',
  verifierIns: 'Vérification de l’INS',
};
