// French labels of the API's enumerations, and the badges that show them.
import { badge, el } from './ui.js';

export const SEX = { M: 'Masculin', F: 'Féminin', I: 'Indéterminé' };

export const RNIV = {
  provisoire: { label: 'Provisoire', tone: 'warn' },
  recuperee: { label: 'Récupérée', tone: 'info' },
  validee: { label: 'Validée', tone: 'ok' },
  qualifiee: { label: 'Qualifiée', tone: 'strong' },
};

// Same wording as domain/workflow.c.
export const STEP_STATUS = {
  booked: { label: 'Réservé', tone: 'neutral' },
  arrived: { label: 'Patient arrivé', tone: 'info' },
  in_progress: { label: 'Examen en cours', tone: 'warn' },
  completed: { label: 'Examen terminé', tone: 'ok' },
  discontinued: { label: 'Examen interrompu', tone: 'danger' },
  cancelled: { label: 'Annulé', tone: 'muted' },
  no_show: { label: 'Patient absent', tone: 'muted' },
};

export const TRANSITIONS = [
  { action: 'arrive', label: 'Patient arrivé', primary: true },
  { action: 'start', label: 'Démarrer l’examen' },
  { action: 'complete', label: 'Terminer l’examen' },
  { action: 'discontinue', label: 'Interrompre l’examen' },
  { action: 'cancel', label: 'Annuler le rendez-vous', danger: true },
  { action: 'no-show', label: 'Patient absent', danger: true },
];

export const ROOM_KIND = {
  scanner: 'Scanner', irm: 'IRM', radiologie: 'Radiologie', echographie: 'Échographie',
  mammographie: 'Mammographie', osteodensitometrie: 'Ostéodensitométrie',
  medecine_nucleaire: 'Médecine nucléaire', autre: 'Autre',
};

export const MODALITY_TYPE = {
  CT: 'CT — scanner', MR: 'MR — IRM', US: 'US — échographie', CR: 'CR — radiologie numérisée',
  DX: 'DX — radiologie numérique', MG: 'MG — mammographie', NM: 'NM — médecine nucléaire',
  PT: 'PT — TEP', XA: 'XA — angiographie', RF: 'RF — radioscopie', BMD: 'BMD — ostéodensitométrie',
};

export const ROLES = {
  accueil: 'Accueil', manipulateur: 'Manipulateur', radiologue: 'Radiologue', admin: 'Administrateur',
};

export const ID_DOCUMENT = {
  passeport: 'Passeport', carte_identite: 'Carte nationale d’identité', titre_sejour: 'Titre de séjour',
  acte_naissance: 'Acte de naissance', livret_famille: 'Livret de famille', autre: 'Autre',
};

export const PRIORITY = { routine: 'Normale', urgent: 'Urgente', stat: 'Immédiate' };

export const AUDIT_OUTCOME = {
  success: { label: 'Succès', tone: 'ok' },
  denied: { label: 'Refusé', tone: 'danger' },
  error: { label: 'Erreur', tone: 'warn' },
};

export function statusBadge(status) {
  const s = STEP_STATUS[status] || { label: status || '—', tone: 'neutral' };
  return badge(s.label, s.tone);
}

// The identity status badge plus one badge per attribute (douteuse, fictive, homonyme).
export function identityBadges(identity) {
  const s = RNIV[identity.rniv_status] || RNIV.provisoire;
  const out = [badge(s.label, s.tone, 'Statut de l’identité (référentiel national d’identitovigilance)')];
  if (identity.douteuse) out.push(badge('Douteuse', 'danger'));
  if (identity.fictive) out.push(badge('Fictive', 'danger'));
  if (identity.homonyme) out.push(badge('Homonyme', 'warn'));
  return el('span', { class: 'badges' }, out);
}

// "DUPONT (MARTIN) Jeanne" — birth name, used name when different, first given name.
export function identityName(identity) {
  if (!identity) return '';
  const used = identity.used_name && identity.used_name !== identity.birth_name ? ` (${identity.used_name})` : '';
  const given = identity.used_given_name || identity.first_given_name || '';
  return `${identity.birth_name || ''}${used} ${given}`.trim();
}
