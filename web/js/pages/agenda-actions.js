// Appointment dialogs of the agenda: details and transitions, move, booking.
// cx: {ref (reference data), canWrite (accueil), reload(), showDay(date)}.
import { api } from '../api.js';
import { identityBadges, identityName, MODALITY_TYPE, STEP_STATUS, statusBadge, TRANSITIONS } from '../labels.js';
import { announce, announceError, clear, el, formatDate, formatLongDay, formatTime, localParts, nextId, openDialog } from '../ui.js';
import { examLabel, modalitiesOfRoom, patientLabel, roomLabel } from './agenda-data.js';
import { patientPicker, slotPicker } from './agenda-slots.js';

// ---- appointment detail -----------------------------------------------------------------------
export function openAppointment(cx, a) {
  const { ref, canWrite } = cx;
  const alert = el('div', { class: 'form-errors', role: 'alert', hidden: true });
  const statusHolder = el('span', {}, statusBadge(a.status));
  let current = a;
  const actions = canWrite ? el('div', { class: 'action-bar', role: 'group', 'aria-label': 'Actions sur le rendez-vous' },
    TRANSITIONS.map((t) => el('button', {
      type: 'button', class: `btn ${t.primary ? 'btn-primary' : ''} ${t.danger ? 'btn-danger' : ''}`,
      dataset: { action: t.action },
      onclick: async (ev) => {
        const btn = ev.currentTarget;
        btn.disabled = true;
        alert.hidden = true;
        try {
          current = { ...current, ...(await api.transition(current.id, t.action)) };
          clear(statusHolder, statusBadge(current.status));
          announce(`Rendez-vous de ${formatTime(current.start_at)} : ${STEP_STATUS[current.status]?.label || current.status}.`, 'success');
          cx.reload();
        } catch (e) {
          alert.hidden = false;
          alert.textContent = e.message;
        } finally {
          btn.disabled = false;
        }
      },
    }, t.label)),
    el('button', { type: 'button', class: 'btn', onclick: () => { dlg.close(); openMove(cx, current); } }, 'Déplacer…')) : null;
  const room = ref.roomById.get(a.room_id);
  const dl = el('dl', { class: 'details' },
    el('dt', {}, 'Patient'), el('dd', {}, patientLabel(a), a.birth_date ? el('span', { class: 'muted' }, ` — né(e) le ${formatDate(a.birth_date)}`) : null,
      a.rniv_status ? [' ', identityBadges(a)] : null),
    a.ipp ? [el('dt', {}, 'IPP'), el('dd', { class: 'mono' }, a.ipp)] : null,
    el('dt', {}, 'Examen'), el('dd', {}, examLabel(a, ref) || '—'),
    el('dt', {}, 'Date'), el('dd', {}, `${formatDate(localParts(a.start_at).date)}, ${formatTime(a.start_at)}–${formatTime(a.end_at)}`),
    el('dt', {}, 'Salle'), el('dd', {}, room ? room.name : roomLabel(a, ref)),
    el('dt', {}, 'Statut'), el('dd', {}, statusHolder),
    a.comment ? [el('dt', {}, 'Commentaire'), el('dd', {}, a.comment)] : null);
  const dlg = openDialog('Rendez-vous', [dl, alert, actions]);
}

// ---- move ----------------------------------------------------------------------------------------
export function openMove(cx, a) {
  const { ref } = cx;
  const durationMin = Math.round((new Date(a.end_at) - new Date(a.start_at)) / 60000);
  const picker = slotPicker(ref, {
    fixed: { duration_minutes: durationMin },
    defaultWhere: `room:${a.room_id}`,
    onPick: async (slot) => {
      try {
        await api.update('appointments', a.id, { start_at: slot.start_at, end_at: slot.end_at, room_id: slot.room_id });
        if (a.step_id) {
          const m = modalitiesOfRoom(ref, slot.room_id)[0];
          await api.update('steps', a.step_id, { start_at: slot.start_at, ...(m ? { modality_id: m.id, ae_title: m.ae_title } : {}) })
            .catch((e) => announceError(e, 'Rendez-vous déplacé, mais l’étape planifiée n’a pas suivi'));
        }
        dlg.close();
        announce(`Rendez-vous déplacé au ${formatDate(localParts(slot.start_at).date)} à ${formatTime(slot.start_at)}.`, 'success');
        cx.reload();
      } catch (e) {
        picker.showError(e);
      }
    },
  });
  const dlg = openDialog(`Déplacer le rendez-vous — ${patientLabel(a)}`, [
    el('p', { class: 'muted' }, `Actuellement le ${formatDate(localParts(a.start_at).date)} à ${formatTime(a.start_at)} (${durationMin} min).`),
    picker.element], { wide: true });
}

// ---- booking ------------------------------------------------------------------------------------
export async function openBooking(cx, { patientId }) {
  const { ref } = cx;
  let preset = null;
  if (patientId) {
    try {
      const r = await api.list('identities', { patient_id: patientId, limit: 1 });
      preset = r.items[0] || null;
    } catch (e) {
      announceError(e);
    }
  }
  let patient = preset;
  const examId = nextId('exam');
  const commentId = nextId('comment');
  const types = [...new Set(ref.catalogue.map((c) => c.modality_type))].sort();
  const exam = el('select', { id: examId, required: true },
    el('option', { value: '' }, '— choisir l’examen —'),
    types.map((t) => el('optgroup', { label: MODALITY_TYPE[t] || t },
      ref.catalogue.filter((c) => c.modality_type === t).map((c) => el('option', { value: String(c.id) }, `${c.label} (${c.ccam_code}, ${c.duration_minutes} min)`)))));
  const comment = el('textarea', { id: commentId, rows: 2, maxlength: 1000 });
  const pp = patientPicker((p) => { patient = p; }, preset);
  const confirmBox = el('div', { class: 'confirm-box', hidden: true });
  const examOf = () => ref.examById.get(Number(exam.value));
  const picker = slotPicker(ref, {
    getFixed: () => (exam.value ? { catalogue_id: exam.value } : {}),
    whereFilter: ({ room, modality }) => {
      const e = examOf();
      if (!e) return true;
      if (modality) return modality.modality_type === e.modality_type;
      return modalitiesOfRoom(ref, room.id).some((m) => m.modality_type === e.modality_type);
    },
    onPick: (slot) => confirm(slot),
  });
  exam.addEventListener('change', () => picker.refreshWhere());

  function confirm(slot) {
    if (!patient) { picker.showError({ message: 'Choisissez d’abord le patient.' }); pp.focus(); return; }
    const e = examOf();
    if (!e) { picker.showError({ message: 'Choisissez d’abord l’examen.' }); exam.focus(); return; }
    const r = ref.roomById.get(slot.room_id);
    const ok = el('button', { type: 'button', class: 'btn btn-primary', onclick: () => book(slot, e, ok) }, 'Confirmer le rendez-vous');
    clear(confirmBox,
      el('h3', {}, 'Confirmer'),
      el('p', {}, el('strong', {}, identityName(patient)), ` — ${e.label} — ${formatLongDay(localParts(slot.start_at).date)} à ${formatTime(slot.start_at)} — ${r ? r.name : ''}`),
      el('div', { class: 'form-actions' }, ok, el('button', { type: 'button', class: 'btn', onclick: () => { confirmBox.hidden = true; } }, 'Choisir un autre créneau')));
    confirmBox.hidden = false;
    ok.focus();
  }

  async function book(slot, e, btn) {
    btn.disabled = true;
    try {
      const appt = await api.create('appointments', {
        patient_id: patient.patient_id, room_id: slot.room_id, start_at: slot.start_at, end_at: slot.end_at,
        ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
      });
      // The request behind the appointment: order, requested procedure, scheduled step.
      try {
        const order = await api.create('orders', { patient_id: patient.patient_id, priority: 'routine' });
        const proc = await api.create('procedures', { order_id: order.id, exam_id: e.id });
        const m = modalitiesOfRoom(ref, slot.room_id).find((x) => x.modality_type === e.modality_type);
        const step = await api.create('steps', {
          procedure_id: proc.id, start_at: slot.start_at, modality_type: e.modality_type,
          ...(m ? { modality_id: m.id, ae_title: m.ae_title } : {}),
        });
        await api.update('appointments', appt.id, { procedure_id: proc.id, step_id: step.id });
      } catch (err) {
        announceError(err, 'Rendez-vous réservé, mais la demande d’examen n’a pas pu être créée');
      }
      dlg.close();
      announce(`Rendez-vous réservé : ${identityName(patient)}, ${e.label}, le ${formatDate(localParts(slot.start_at).date)} à ${formatTime(slot.start_at)}.`, 'success');
      cx.showDay(localParts(slot.start_at).date);
    } catch (err) {
      picker.showError(err);
      confirmBox.hidden = true;
    } finally {
      btn.disabled = false;
    }
  }

  const dlg = openDialog('Nouveau rendez-vous', [
    el('div', { class: 'form-grid' },
      pp.element,
      el('div', { class: 'field field-wide' }, el('label', { for: examId, class: 'label' }, 'Examen', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), exam),
      el('div', { class: 'field field-wide' }, el('label', { for: commentId, class: 'label' }, 'Commentaire (facultatif)'), comment)),
    picker.element, confirmBox], {
    wide: true,
    onClose: () => { if (location.hash.startsWith('#/agenda/')) history.replaceState(null, '', '#/agenda'); },
  });
  if (preset) exam.focus();
}
