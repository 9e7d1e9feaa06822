// Suivi des examens: today's exams per modality (room) with their status, refreshed by short
// polling while the page is visible.
import { api } from '../api.js';
import { STEP_STATUS, statusBadge } from '../labels.js';
import { clear, el, formatLongDay, formatTime, nextId, todayLocal } from '../ui.js';
import { examLabel, loadReference, modalityLabel, patientLabel } from './agenda-data.js';

const POLL_MS = 5000;
const ORDER = ['in_progress', 'arrived', 'booked', 'completed', 'discontinued', 'no_show', 'cancelled'];

export async function render(root) {
  let ref;
  try {
    ref = await loadReference();
  } catch (e) {
    root.append(el('h1', {}, 'Suivi des examens'), el('p', { class: 'form-errors' }, e.message));
    return null;
  }
  const filterId = nextId('mod');
  const hideId = nextId('hide');
  const filter = el('select', { id: filterId },
    el('option', { value: '' }, 'Toutes les modalités'),
    ref.modalities.map((m) => el('option', { value: String(m.id) }, modalityLabel(m))));
  const hideDone = el('input', { type: 'checkbox', id: hideId });
  const dayId = nextId('day');
  const dayInput = el('input', { type: 'date', id: dayId, value: todayLocal() });
  const dayTitle = el('h2', { class: 'agenda-title' });
  const stamp = el('span', { class: 'muted small', 'aria-live': 'off' });
  const summary = el('div', { class: 'kpis', 'aria-live': 'polite' });
  const board = el('div', { class: 'board' });
  const error = el('div', { class: 'form-errors', role: 'alert', hidden: true });
  const day = () => dayInput.value || todayLocal();
  const setTitle = () => {
    const d = day();
    dayTitle.textContent = d === todayLocal() ? `Aujourd’hui, ${formatLongDay(d)}` : formatLongDay(d).replace(/^./, (c) => c.toUpperCase());
  };
  setTitle();

  root.append(
    el('div', { class: 'page-head page-head-row' }, el('h1', {}, 'Suivi des examens'),
      dayTitle),
    el('div', { class: 'toolbar' },
      el('span', { class: 'field-inline' }, el('label', { for: dayId }, 'Jour'), dayInput),
      el('span', { class: 'field-inline' }, el('label', { for: filterId }, 'Modalité'), filter),
      el('span', { class: 'field-inline' }, hideDone, el('label', { for: hideId }, 'Masquer les examens clos')),
      el('span', { class: 'spacer' }),
      el('span', { class: 'live-dot', 'aria-hidden': 'true' }), stamp),
    error, summary, board);

  filter.addEventListener('change', () => refresh());
  dayInput.addEventListener('change', () => { setTitle(); refresh(); });
  hideDone.addEventListener('change', () => refresh());

  let timer = null;
  let stopped = false;
  let inFlight = false;

  async function refresh() {
    if (inFlight) return;
    inFlight = true;
    try {
      const params = { date: day() };
      if (filter.value) params.modality_id = filter.value;
      const data = await api.agenda(params);
      error.hidden = true;
      draw(data.items || []);
      stamp.textContent = `Mis à jour à ${new Date().toLocaleTimeString('fr-FR')} — actualisation toutes les ${POLL_MS / 1000} s`;
    } catch (e) {
      error.hidden = false;
      error.textContent = `Actualisation impossible : ${e.message}`;
    } finally {
      inFlight = false;
    }
  }

  function draw(items) {
    const counts = {};
    for (const a of items) counts[a.status] = (counts[a.status] || 0) + 1;
    clear(summary, ['booked', 'arrived', 'in_progress', 'completed', 'discontinued', 'no_show', 'cancelled']
      .map((s) => el('div', { class: `kpi kpi-${s}` }, el('span', { class: 'kpi-n' }, String(counts[s] || 0)), el('span', { class: 'kpi-l' }, STEP_STATUS[s].label))));
    // One column per modality; an appointment without a scheduled step goes to the first
    // modality of its room.
    let mods = ref.modalities;
    if (filter.value) mods = mods.filter((m) => String(m.id) === filter.value);
    const firstOfRoom = new Map();
    for (const m of ref.modalities) if (m.room_id && !firstOfRoom.has(m.room_id)) firstOfRoom.set(m.room_id, m.id);
    const modOf = (a) => a.modality_id || firstOfRoom.get(a.room_id);
    const closed = new Set(['completed', 'discontinued', 'cancelled', 'no_show']);
    clear(board, mods.map((m) => {
      let list = items.filter((a) => modOf(a) === m.id);
      if (hideDone.checked) list = list.filter((a) => !closed.has(a.status));
      list.sort((x, y) => (ORDER.indexOf(x.status) - ORDER.indexOf(y.status)) || x.start_at.localeCompare(y.start_at));
      const room = m.room_id ? ref.roomById.get(m.room_id) : null;
      const headId = nextId('mod');
      return el('section', { class: 'board-col', 'aria-labelledby': headId },
        el('header', {}, el('h2', { id: headId }, modalityLabel(m)), el('span', { class: 'muted' }, room ? room.name : 'Sans salle'),
          el('span', { class: 'count' }, `${list.length} examen(s)`)),
        list.length ? el('table', { class: 'table table-compact table-track' },
          el('caption', { class: 'sr-only' }, `Examens du jour — ${modalityLabel(m)}`),
          el('colgroup', {}, el('col', { class: 'c-time' }), el('col'), el('col', { class: 'c-status' })),
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Heure'), el('th', { scope: 'col' }, 'Patient et examen'), el('th', { scope: 'col' }, 'Statut'))),
          el('tbody', {}, list.map((a) => {
            const exam = examLabel(a, ref);
            return el('tr', { class: `row-${a.status}`, dataset: { id: String(a.id) } },
              el('td', { class: 'nowrap' }, formatTime(a.start_at)),
              el('td', { class: 'track-main' }, el('span', { class: 'track-who' }, patientLabel(a)),
                el('span', { class: 'track-what', title: exam }, exam || '—')),
              el('td', {}, statusBadge(a.status)));
          })))
          : el('p', { class: 'empty' }, 'Aucun examen.'));
    }));
  }

  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) await refresh();
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  await tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
