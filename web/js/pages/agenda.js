// Agenda: day and week views per room or modality. The appointment dialogs (booking in a
// free slot, transitions, move) are in agenda-actions.js.
import { api } from '../api.js';
import { STEP_STATUS } from '../labels.js';
import { addDays, announceError, clear, el, formatDate, formatLongDay, formatShortDay, formatTime, localParts, minutesLabel, mondayOf, nextId, todayLocal } from '../ui.js';
import { openAppointment, openBooking } from './agenda-actions.js';
import { examLabel, loadReference, modalitiesOfRoom, modalityLabel, patientLabel, roomLabel } from './agenda-data.js';

const PX_PER_MIN = 1.8;
const TWO_LINES_PX = 30; // shorter blocks show one line (time and patient)

export async function render(root, ctx) {
  const canWrite = ctx.hasRole(['accueil']);
  const st = { view: 'day', date: todayLocal(), filter: '' };
  let ref;
  try {
    ref = await loadReference();
  } catch (e) {
    root.append(el('h1', {}, 'Agenda'), el('p', { class: 'form-errors' }, e.message));
    return null;
  }

  // ---- toolbar ----------------------------------------------------------------------------------
  const dateId = nextId('date');
  const filterId = nextId('filter');
  const dateInput = el('input', { id: dateId, type: 'date', value: st.date });
  const filterSelect = el('select', { id: filterId },
    el('option', { value: '' }, 'Toutes les salles'),
    el('optgroup', { label: 'Salles' }, ref.rooms.map((r) => el('option', { value: `room:${r.id}` }, r.name))),
    el('optgroup', { label: 'Modalités' }, ref.modalities.map((m) => el('option', { value: `mod:${m.id}` }, modalityLabel(m)))));
  const viewDay = el('button', { type: 'button', class: 'seg', 'aria-pressed': 'true', onclick: () => setView('day') }, 'Jour');
  const viewWeek = el('button', { type: 'button', class: 'seg', 'aria-pressed': 'false', onclick: () => setView('week') }, 'Semaine');
  const title = el('h2', { class: 'agenda-title', 'aria-live': 'polite' });
  const grid = el('div', { class: 'agenda-grid-wrap' });

  dateInput.addEventListener('change', () => { if (dateInput.value) { st.date = dateInput.value; load(); } });
  filterSelect.addEventListener('change', () => { st.filter = filterSelect.value; load(); });

  function setView(v) {
    st.view = v;
    // A week of every room side by side is unreadable: the week view shows one room.
    if (v === 'week' && !st.filter && ref.rooms.length) {
      st.filter = `room:${ref.rooms[0].id}`;
      filterSelect.value = st.filter;
    }
    viewDay.setAttribute('aria-pressed', String(v === 'day'));
    viewWeek.setAttribute('aria-pressed', String(v === 'week'));
    load();
  }
  function shift(n) {
    st.date = addDays(st.date, st.view === 'week' ? 7 * n : n);
    dateInput.value = st.date;
    load();
  }

  const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Affichage de l’agenda' },
    el('div', { class: 'segmented', role: 'group', 'aria-label': 'Vue' }, viewDay, viewWeek),
    el('button', { type: 'button', class: 'btn', onclick: () => shift(-1), 'aria-label': 'Période précédente' }, '‹'),
    el('button', { type: 'button', class: 'btn', onclick: () => { st.date = todayLocal(); dateInput.value = st.date; load(); } }, 'Aujourd’hui'),
    el('button', { type: 'button', class: 'btn', onclick: () => shift(1), 'aria-label': 'Période suivante' }, '›'),
    el('span', { class: 'field-inline' }, el('label', { for: dateId }, 'Date'), dateInput),
    el('span', { class: 'field-inline' }, el('label', { for: filterId }, 'Salle ou modalité'), filterSelect),
    el('span', { class: 'spacer' }),
    canWrite ? el('button', { type: 'button', class: 'btn btn-primary', onclick: () => openBooking(cx, {}) }, 'Nouveau rendez-vous') : null);

  root.append(el('div', { class: 'page-head page-head-row' }, el('h1', {}, 'Agenda'), title), toolbar, grid);

  // ---- loading and drawing ------------------------------------------------------------------------
  function filterParams() {
    if (st.filter.startsWith('room:')) return { room_id: st.filter.slice(5) };
    if (st.filter.startsWith('mod:')) return { modality_id: st.filter.slice(4) };
    return {};
  }

  async function load() {
    const first = st.view === 'week' ? mondayOf(st.date) : st.date;
    const days = st.view === 'week' ? 7 : 1;
    title.textContent = st.view === 'week'
      ? `Semaine du ${formatDate(first)} au ${formatDate(addDays(first, 6))}`
      : formatLongDay(first).replace(/^./, (c) => c.toUpperCase());
    grid.setAttribute('aria-busy', 'true');
    try {
      const data = await api.agenda({ date: first, days, ...filterParams() });
      draw(first, days, data.items || []);
    } catch (e) {
      clear(grid, el('p', { class: 'form-errors' }, e.message));
      announceError(e);
    } finally {
      grid.removeAttribute('aria-busy');
    }
  }

  function columnsFor(first, days, items) {
    if (days > 1) {
      return Array.from({ length: days }, (_, k) => {
        const d = addDays(first, k);
        return { key: d, title: formatShortDay(d), items: items.filter((a) => localParts(a.start_at).date === d), today: d === todayLocal() };
      });
    }
    let rooms = ref.rooms;
    const f = filterParams();
    if (f.room_id) rooms = rooms.filter((r) => String(r.id) === f.room_id);
    if (f.modality_id) {
      const m = ref.modalityById.get(Number(f.modality_id));
      rooms = rooms.filter((r) => m && r.id === m.room_id);
    }
    return rooms.map((r) => ({
      key: r.id, title: r.name,
      subtitle: modalitiesOfRoom(ref, r.id).map((m) => m.ae_title).join(', '),
      items: items.filter((a) => a.room_id === r.id),
    }));
  }

  function draw(first, days, items) {
    const cols = columnsFor(first, days, items);
    let startMin = 7 * 60;
    let endMin = 20 * 60;
    for (const a of items) {
      const s = localParts(a.start_at).minutes;
      const e = s + Math.max(5, (new Date(a.end_at) - new Date(a.start_at)) / 60000);
      startMin = Math.min(startMin, Math.floor(s / 60) * 60);
      endMin = Math.max(endMin, Math.ceil(e / 60) * 60);
    }
    const height = (endMin - startMin) * PX_PER_MIN;
    const hours = [];
    for (let m = startMin; m < endMin; m += 60) hours.push(m);

    const axis = el('div', { class: 'agenda-axis', style: { height: `${height}px` }, 'aria-hidden': 'true' },
      hours.map((m) => el('div', { class: 'agenda-hour', style: { top: `${(m - startMin) * PX_PER_MIN}px` } }, minutesLabel(m))));
    const week = days > 1;
    const colNodes = cols.map((c, k) => {
      const body = el('div', { class: 'agenda-col-body', style: { height: `${height}px`, gridColumn: String(k + 2) } },
        hours.map((m) => el('div', { class: 'agenda-line', style: { top: `${(m - startMin) * PX_PER_MIN}px` } })));
      const lanes = assignLanes(c.items);
      for (const { a, lane, nlanes } of lanes) body.append(block(a, lane, nlanes, startMin, week));
      return el('section', { class: `agenda-col${c.today ? ' is-today' : ''}`, 'aria-label': `${c.title} : ${c.items.length} rendez-vous` },
        el('header', { class: 'agenda-col-head', style: { gridColumn: String(k + 2) } }, el('strong', {}, c.title), c.subtitle ? el('span', { class: 'muted' }, c.subtitle) : null,
          el('span', { class: 'count' }, `${c.items.filter((a) => !['cancelled', 'no_show'].includes(a.status)).length} RDV`)),
        body);
    });
    const total = items.length;
    clear(grid,
      cols.length === 0 ? el('p', { class: 'empty' }, 'Aucune salle ne correspond à ce filtre.') : null,
      el('div', { class: 'agenda-grid', style: { '--cols': String(Math.max(cols.length, 1)) } },
        el('div', { class: 'agenda-corner' }), axis, colNodes),
      el('p', { class: 'muted small agenda-foot' }, `${total} rendez-vous sur la période. Cliquez sur un rendez-vous (ou Entrée) pour l’ouvrir.`));
    // Scroll to the first appointment of the period, or to 08:00.
    const firstMin = items.length ? Math.min(...items.map((a) => localParts(a.start_at).minutes)) : 8 * 60;
    grid.scrollTop = Math.max(0, (Math.min(firstMin, 8 * 60) - startMin) * PX_PER_MIN - 8);
  }

  // Overlapping appointments of a column side by side.
  function assignLanes(items) {
    const sorted = [...items].sort((x, y) => x.start_at.localeCompare(y.start_at));
    const out = [];
    let group = [];
    let groupEnd = '';
    const flush = () => {
      const laneEnds = [];
      const placed = group.map((a) => {
        let lane = laneEnds.findIndex((end) => end <= a.start_at);
        if (lane < 0) { lane = laneEnds.length; laneEnds.push(a.end_at); } else laneEnds[lane] = a.end_at;
        return { a, lane };
      });
      for (const p of placed) out.push({ ...p, nlanes: laneEnds.length });
      group = [];
    };
    for (const a of sorted) {
      if (group.length && a.start_at >= groupEnd) flush();
      group.push(a);
      if (!groupEnd || a.end_at > groupEnd || group.length === 1) groupEnd = group.length === 1 ? a.end_at : (a.end_at > groupEnd ? a.end_at : groupEnd);
    }
    if (group.length) flush();
    return out;
  }

  function block(a, lane, nlanes, startMin, week) {
    const s = localParts(a.start_at).minutes;
    const dur = Math.max(8, (new Date(a.end_at) - new Date(a.start_at)) / 60000);
    const status = STEP_STATUS[a.status] || { label: a.status, tone: 'neutral' };
    const who = patientLabel(a);
    const what = examLabel(a, ref);
    const when = `${formatTime(a.start_at)}–${formatTime(a.end_at)}`;
    return el('button', {
      type: 'button', class: `appt appt-${a.status}${dur * PX_PER_MIN < TWO_LINES_PX ? ' appt-short' : ''}`,
      style: { top: `${(s - startMin) * PX_PER_MIN}px`, height: `${dur * PX_PER_MIN - 2}px`, left: `calc(${(100 * lane) / nlanes}% + 2px)`, width: `calc(${100 / nlanes}% - 4px)` },
      'aria-label': `${when}, ${who}, ${what}, ${roomLabel(a, ref)}, ${status.label}`,
      dataset: { id: String(a.id) },
      onclick: () => openAppointment(cx, a),
    },
    el('span', { class: 'appt-line' }, el('span', { class: 'appt-time' }, formatTime(a.start_at)), ' ', el('span', { class: 'appt-who' }, who)),
    el('span', { class: 'appt-what' }, [what, week ? roomLabel(a, ref) : null, status.label].filter(Boolean).join(' · ')));
  }

  const cx = {
    ref, canWrite, reload: () => load(),
    // After a booking: the day of the appointment, every room.
    showDay: (date) => {
      st.date = date;
      dateInput.value = date;
      if (st.view === 'day') { st.filter = ''; filterSelect.value = ''; }
      load();
    },
  };
  await load();
  if (ctx.rest[0] === 'reserver' && canWrite) {
    openBooking(cx, { patientId: ctx.rest[1] });
  }
  return null;
}
