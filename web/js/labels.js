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

// ---- identity vigilance (INSi, documents, history) -----------------------------------------------
// The site's identity documents ([ins] proof_types, default list of src/ins/policy.c); the API
// refuses a code the site has not configured, with its own French message.
export const PROOF_TYPES = [
  ['PASSEPORT', 'Passeport'],
  ['CNI', 'Carte nationale d’identité'],
  ['TITRE_SEJOUR', 'Titre de séjour'],
  ['IDENTIFICATION_ELECTRONIQUE', 'Moyen d’identification électronique'],
  ['LIVRET_FAMILLE', 'Livret de famille (confiance faible)'],
  ['ACTE_NAISSANCE', 'Extrait d’acte de naissance (confiance faible)'],
  ['PERMIS_CONDUIRE', 'Permis de conduire (confiance faible)'],
  ['CARTE_VITALE', 'Carte Vitale (confiance faible)'],
];
export const PROOF_LABEL = Object.fromEntries(PROOF_TYPES.map(([k, v]) => [k, v.replace(/ \(confiance faible\)$/, '')]));

// Status codes of the identity API views (history, acceptance) -> the RNIV keys above.
export const INS_STATUS_CODE = { PROV: 'provisoire', RECUP: 'recuperee', VALI: 'validee', QUAL: 'qualifiee' };

export const IDENTITY_EVENT = {
  created: 'Création', status: 'Statut', trait: 'Trait d’identité', ins: 'INS', attribute: 'Attribut', proof: 'Justificatif',
};

export const INSI_OUTCOME = {
  '00': { label: 'Identité trouvée (00)', tone: 'ok' },
  '01': { label: 'Aucune identité (01)', tone: 'warn' },
  '02': { label: 'Plusieurs identités (02)', tone: 'warn' },
  FAULT: { label: 'Erreur du téléservice', tone: 'danger' },
  PROTOCOL: { label: 'Erreur de protocole', tone: 'danger' },
};

// ---- reports --------------------------------------------------------------------------------------
export const REPORT_STATUS = {
  brouillon: { label: 'Brouillon', tone: 'neutral' },
  provisoire: { label: 'Provisoire', tone: 'warn' },
  valide: { label: 'Validé', tone: 'ok' },
  corrige: { label: 'Corrigé', tone: 'ok' },
  retire: { label: 'Retiré', tone: 'danger' },
};

// Our capitalised label for the known statuses; the API's status_label for any other.
export function reportBadge(status, label) {
  const s = REPORT_STATUS[status] || { label: label || status || '—', tone: 'neutral' };
  return badge(s.label, s.tone);
}

// Report flags, in the order of the editor (contract A: Report.flags).
export const REPORT_FLAGS = [
  ['announcement_pending', 'Annonce au patient à faire avant diffusion'],
  ['no_dmp', 'Ne pas alimenter le DMP'],
  ['masque_ps', 'Masqué aux professionnels de santé'],
  ['invisible_patient', 'Non visible par le patient'],
  ['invisible_legal_reps', 'Non visible par les représentants légaux'],
  ['secret_connection', 'Connexion secrète'],
];

export const SHARE_CHANNEL = { dmp: 'DMP', mssante: 'MSSanté', hl7: 'HL7' };
export const SHARE_STATUS = {
  pending: { label: 'En attente', tone: 'info' },
  sent: { label: 'Envoyé', tone: 'ok' },
  failed: { label: 'En échec', tone: 'danger' },
  not_applicable: { label: 'Non concerné', tone: 'muted' },
};

export const DOCUMENT_KIND = { PDF: 'PDF/A (imprimable)', 'CDA-N1': 'CDA niveau 1', 'CDA-N3': 'CDA niveau 3' };

// ---- HL7 interface ------------------------------------------------------------------------------
export const HL7_IN_STATE = {
  received: { label: 'Reçu', tone: 'info' },
  processed: { label: 'Traité', tone: 'ok' },
  failed: { label: 'En échec', tone: 'danger' },
  rejected: { label: 'Rejeté', tone: 'warn' },
};
export const JOB_STATE = {
  pending: { label: 'En attente', tone: 'info' },
  running: { label: 'En cours', tone: 'warn' },
  done: { label: 'Envoyé', tone: 'ok' },
  sent: { label: 'Envoyé', tone: 'ok' },
  failed: { label: 'En échec', tone: 'danger' },
};
export const HL7_FLAVOUR = { omi: 'OMI (HL7 v2.5, IHE)', orm: 'ORM (HL7 v2.3.1)' };
export const HL7_REPORT_FLAVOUR = { oru: 'ORU^R01', mdm: 'MDM^T02/T10/T04' };
export const HL7_CHARSET = { 'UNICODE UTF-8': 'UTF-8', '8859/1': 'ISO 8859-1', '8859/15': 'ISO 8859-15' };

export function stateBadge(map, state) {
  const s = map[state] || { label: state || '—', tone: 'neutral' };
  return badge(s.label, s.tone);
}
