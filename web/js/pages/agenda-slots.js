// Pickers of the booking and move dialogs: free slots (GET /appointments/slots) and patients.
import { api } from '../api.js';
import { identityBadges, identityName } from '../labels.js';
import { addDays, clear, debounce, el, formatDate, formatLongDay, formatTime, localParts, nextId, todayLocal } from '../ui.js';
import { modalityLabel } from './agenda-data.js';

// ---- free-slot search ---------------------------------------------------------------------------
// Returns {element, search(), showError(e)}. fixed: extra slot query parameters (catalogue_id
// or duration_minutes); getFixed(): the same, computed at search time.
export function slotPicker(ref, { fixed = {}, getFixed, defaultWhere = '', onPick, whereFilter }) {
  const whereId = nextId('where');
  const fromId = nextId('from');
  const toId = nextId('to');
  const where = el('select', { id: whereId });
  const fillWhere = () => {
    const keep = where.value || defaultWhere;
    const ok = whereFilter || (() => true);
    clear(where,
      el('option', { value: '' }, 'Toute salle équipée'),
      el('optgroup', { label: 'Salles' }, ref.rooms.filter((r) => ok({ room: r })).map((r) => el('option', { value: `room:${r.id}` }, r.name))),
      el('optgroup', { label: 'Modalités' }, ref.modalities.filter((m) => ok({ modality: m })).map((m) => el('option', { value: `mod:${m.id}` }, modalityLabel(m)))));
    where.value = keep;
    if (where.value !== keep) where.value = '';
  };
  fillWhere();
  const from = el('input', { id: fromId, type: 'date', value: todayLocal() });
  const to = el('input', { id: toId, type: 'date', value: addDays(todayLocal(), 6) });
  const alert = el('div', { class: 'form-errors', role: 'alert', hidden: true });
  const list = el('div', { class: 'slots', 'aria-live': 'polite' });
  const btn = el('button', { type: 'button', class: 'btn btn-primary', onclick: () => search() }, 'Chercher les créneaux libres');
  async function search() {
    alert.hidden = true;
    const w = where.value;
    const params = { ...fixed, ...(getFixed ? getFixed() : {}), from: from.value, to: to.value, limit: 60 };
    if (w.startsWith('room:')) params.room_id = w.slice(5);
    if (w.startsWith('mod:')) params.modality_id = w.slice(4);
    btn.disabled = true;
    clear(list, el('p', { class: 'muted' }, 'Recherche des créneaux…'));
    try {
      const r = await api.slots(params);
      renderSlots(r.items || []);
    } catch (e) {
      clear(list);
      showError(e);
    } finally {
      btn.disabled = false;
    }
  }
  function showError(e) {
    alert.hidden = false;
    alert.textContent = e.message;
  }
  function renderSlots(items) {
    if (!items.length) {
      clear(list, el('p', { class: 'empty' }, 'Aucun créneau libre sur cette période : élargissez les dates ou changez de salle.'));
      return;
    }
    const byDay = new Map();
    for (const s of items) {
      const d = localParts(s.start_at).date;
      if (!byDay.has(d)) byDay.set(d, []);
      byDay.get(d).push(s);
    }
    clear(list, el('p', { class: 'muted small' }, `${items.length} créneau(x) libre(s) :`),
      [...byDay.entries()].map(([d, slots]) => el('div', { class: 'slot-day' },
        el('h3', {}, formatLongDay(d).replace(/^./, (c) => c.toUpperCase())),
        el('ul', { class: 'slot-list', role: 'list' }, slots.map((s) => {
          const r = ref.roomById.get(s.room_id);
          return el('li', {}, el('button', {
            type: 'button', class: 'slot', dataset: { start: s.start_at, room: String(s.room_id) },
            'aria-label': `${formatLongDay(d)} à ${formatTime(s.start_at)}, ${r ? r.name : 'salle ' + s.room_id}`,
            onclick: () => onPick(s),
          }, el('strong', {}, formatTime(s.start_at)), el('span', {}, r ? r.name : `Salle ${s.room_id}`)));
        })))));
    const firstSlot = list.querySelector('button.slot');
    if (firstSlot) firstSlot.focus();
  }
  const element = el('div', { class: 'slot-picker' },
    el('div', { class: 'form-grid form-grid-3' },
      el('div', { class: 'field' }, el('label', { for: whereId, class: 'label' }, 'Salle ou modalité'), where),
      el('div', { class: 'field' }, el('label', { for: fromId, class: 'label' }, 'Du'), from),
      el('div', { class: 'field' }, el('label', { for: toId, class: 'label' }, 'Au (inclus)'), to)),
    el('div', { class: 'form-actions' }, btn), alert, list);
  return { element, search, showError, refreshWhere: fillWhere };
}

// ---- patient choice -------------------------------------------------------------------------------
export function patientPicker(onChange, preset) {
  const id = nextId('pat');
  const input = el('input', { id, type: 'search', autocomplete: 'off', placeholder: 'Nom de naissance, prénom…', spellcheck: 'false', 'aria-describedby': `${id}-hint` });
  const results = el('ul', { class: 'picker-results', role: 'list', 'aria-live': 'polite' });
  const chosen = el('div', { class: 'picker-chosen', hidden: true });
  const hint = el('div', { class: 'hint', id: `${id}-hint` }, 'Tapez au moins 2 lettres puis choisissez dans la liste.');
  let selected = null;
  const choose = (identity) => {
    selected = identity;
    clear(chosen, el('strong', {}, identityName(identity)), ' ', el('span', { class: 'muted' }, `né(e) le ${formatDate(identity.birth_date)}`), ' ', identityBadges(identity),
      el('button', { type: 'button', class: 'btn btn-small', onclick: () => { selected = null; chosen.hidden = true; input.hidden = false; hint.hidden = false; input.focus(); onChange(null); } }, 'Changer'));
    chosen.hidden = false;
    input.hidden = true;
    hint.hidden = true;
    clear(results);
    onChange(identity);
  };
  const searchNow = debounce(async () => {
    const q = input.value.trim();
    if (q.length < 2) { clear(results); return; }
    try {
      const page = await api.list('identities', { q, limit: 8 });
      clear(results, page.items.length ? page.items.map((i) => el('li', {},
        el('button', { type: 'button', class: 'picker-item', onclick: () => choose(i) },
          el('strong', {}, identityName(i)), ` — ${formatDate(i.birth_date)} — ${i.sex}`)))
        : el('li', { class: 'muted' }, 'Aucun patient trouvé.'));
    } catch (e) {
      clear(results, el('li', { class: 'error' }, e.message));
    }
  }, 250);
  input.addEventListener('input', searchNow);
  if (preset) choose(preset);
  return {
    element: el('div', { class: 'field field-wide' }, el('label', { for: id, class: 'label' }, 'Patient', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
      input, hint, chosen, results),
    get: () => selected,
    focus: () => (selected ? chosen.querySelector('button') : input).focus(),
  };
}
