// Reference data and labels shared by the agenda and the exam tracking screens.
import { api } from '../api.js';
import { identityName, MODALITY_TYPE } from '../labels.js';

// Rooms, modalities and exam catalogue (active ones), loaded once per screen.
export async function loadReference() {
  const [rooms, modalities, catalogue] = await Promise.all([
    api.listAll('rooms', { active: 'true' }),
    api.listAll('modalities', { active: 'true' }),
    api.listAll('catalogue', { active: 'true' }),
  ]);
  const byId = (list) => new Map(list.map((x) => [x.id, x]));
  return { rooms, modalities, catalogue, roomById: byId(rooms), modalityById: byId(modalities), examById: byId(catalogue) };
}

// An agenda row names its patient and exam; these accessors accept the joined shapes the API
// may return (flat labels or nested objects) and fall back to identifiers.
export function patientLabel(a) {
  if (a.patient_name) return a.patient_name;
  if (a.patient && typeof a.patient === 'object') return identityName(a.patient);
  if (a.birth_name) return identityName(a);
  return `Patient n° ${a.patient_id}`;
}

export function examLabel(a, ref) {
  if (a.exam_label) return a.exam_label;
  if (a.exam && typeof a.exam === 'object') return a.exam.label || '';
  if (a.label) return a.label;
  const exam = ref && a.exam_id ? ref.examById.get(a.exam_id) : null;
  return exam ? exam.label : '';
}

export function roomLabel(a, ref) {
  if (a.room_name) return a.room_name;
  const r = ref.roomById.get(a.room_id);
  return r ? r.name : `Salle n° ${a.room_id}`;
}

export function modalityLabel(m) {
  return `${m.ae_title} — ${(MODALITY_TYPE[m.modality_type] || m.modality_type).replace(/^\w+ — /, '')}`;
}

// The modalities installed in a room.
export function modalitiesOfRoom(ref, roomId) {
  return ref.modalities.filter((m) => m.room_id === roomId);
}
