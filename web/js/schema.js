// Field definitions of the resources the screens edit. Names, types, lengths and labels
// follow the API's model (src/domain/model.c); the API remains the judge of validity.
import { MODALITY_TYPE, ROLES, ROOM_KIND, SEX } from './labels.js';

const opts = (map) => Object.entries(map);

export const IDENTITY_FIELDS = [
  // Strict traits first (RNIV), then the used traits and contact details.
  { name: 'birth_name', label: 'Nom de naissance', type: 'text', required: true, max: 100 },
  { name: 'first_given_name', label: 'Premier prénom de naissance', type: 'text', required: true, max: 100 },
  { name: 'birth_date', label: 'Date de naissance', type: 'date', required: true },
  { name: 'sex', label: 'Sexe', type: 'enum', required: true, options: opts(SEX) },
  { name: 'birth_cog', label: 'Code INSEE du lieu de naissance', type: 'text', max: 5, hint: 'Commune (5 caractères) ; 99999 si inconnu.' },
  { name: 'birth_country', label: 'Code INSEE du pays de naissance', type: 'text', max: 5, hint: 'Naissance à l’étranger (ex. 99134).' },
  { name: 'given_names', label: 'Prénoms de naissance (liste complète)', type: 'text', max: 255, hint: 'Dans l’ordre de l’état civil.' },
  { name: 'used_name', label: 'Nom utilisé', type: 'text', max: 100 },
  { name: 'used_given_name', label: 'Prénom utilisé', type: 'text', max: 100 },
  { name: 'phone', label: 'Téléphone', type: 'tel', max: 20 },
  { name: 'email', label: 'Courriel', type: 'email', max: 254 },
  { name: 'address', label: 'Adresse', type: 'text', max: 255, wide: true },
  { name: 'douteuse', label: 'Identité douteuse', type: 'bool' },
  { name: 'fictive', label: 'Identité fictive', type: 'bool' },
  { name: 'homonyme', label: 'Homonymie signalée', type: 'bool' },
];

export const ACTIVE = { name: 'active', label: 'Actif', type: 'bool' };

// Admin resources: {resource, title, singular, fields, columns(row -> cells)}. `ref` fields get
// their options from the named resource at run time.
export const ADMIN_RESOURCES = {
  sites: {
    title: 'Sites', singular: 'site', addLabel: 'Nouveau site', deletable: true,
    fields: [
      { name: 'finess', label: 'Numéro FINESS', type: 'text', required: true, max: 9 },
      { name: 'name', label: 'Nom', type: 'text', required: true, max: 150 },
      { name: 'address', label: 'Adresse', type: 'text', max: 255, wide: true },
      { name: 'postal_code', label: 'Code postal', type: 'text', max: 5 },
      { name: 'city', label: 'Ville', type: 'text', max: 100 },
      { name: 'phone', label: 'Téléphone', type: 'tel', max: 20 },
      ACTIVE,
    ],
    columns: ['name', 'finess', 'city', 'phone', 'active'],
  },
  rooms: {
    title: 'Salles', singular: 'salle', addLabel: 'Nouvelle salle', deletable: true,
    fields: [
      { name: 'site_id', label: 'Site', type: 'ref', ref: 'sites', required: true },
      { name: 'name', label: 'Nom', type: 'text', required: true, max: 100 },
      { name: 'kind', label: 'Type de salle', type: 'enum', required: true, options: opts(ROOM_KIND) },
      ACTIVE,
    ],
    columns: ['name', 'kind', 'site_id', 'active'],
  },
  modalities: {
    title: 'Modalités', singular: 'modalité', addLabel: 'Nouvelle modalité', deletable: true,
    fields: [
      { name: 'ae_title', label: 'AE title', type: 'text', required: true, max: 16, hint: '16 caractères au plus, majuscules conseillées.' },
      { name: 'modality_type', label: 'Type de modalité', type: 'enum', required: true, options: opts(MODALITY_TYPE) },
      { name: 'room_id', label: 'Salle', type: 'ref', ref: 'rooms' },
      { name: 'station_name', label: 'Nom de la station', type: 'text', max: 16 },
      { name: 'manufacturer', label: 'Fabricant', type: 'text', max: 64 },
      ACTIVE,
    ],
    columns: ['ae_title', 'modality_type', 'room_id', 'station_name', 'manufacturer', 'active'],
  },
  catalogue: {
    title: 'Catalogue d’examens', singular: 'examen', addLabel: 'Nouvel examen', deletable: true,
    fields: [
      { name: 'ccam_code', label: 'Code CCAM', type: 'text', required: true, max: 7 },
      { name: 'label', label: 'Libellé', type: 'text', required: true, max: 255, wide: true },
      { name: 'modality_type', label: 'Type de modalité', type: 'enum', required: true, options: opts(MODALITY_TYPE) },
      { name: 'loinc_code', label: 'Code LOINC', type: 'text', max: 10 },
      { name: 'region_code', label: 'Région anatomique', type: 'text', max: 16 },
      { name: 'duration_minutes', label: 'Durée (minutes)', type: 'int', required: true },
      ACTIVE,
    ],
    columns: ['ccam_code', 'label', 'modality_type', 'loinc_code', 'duration_minutes', 'active'],
  },
  correspondents: {
    title: 'Correspondants', singular: 'correspondant', addLabel: 'Nouveau correspondant', deletable: false,
    fields: [
      { name: 'last_name', label: 'Nom', type: 'text', required: true, max: 100 },
      { name: 'first_name', label: 'Prénom', type: 'text', max: 100 },
      { name: 'rpps', label: 'Numéro RPPS', type: 'text', max: 11, inputmode: 'numeric' },
      { name: 'specialty', label: 'Spécialité', type: 'text', max: 100 },
      { name: 'mssante_address', label: 'Adresse MSSanté', type: 'email', max: 254, wide: true },
      { name: 'phone', label: 'Téléphone', type: 'tel', max: 20 },
      ACTIVE,
    ],
    columns: ['last_name', 'first_name', 'rpps', 'specialty', 'mssante_address', 'active'],
  },
};

export const USER_FIELDS = [
  { name: 'login', label: 'Identifiant de connexion', type: 'text', required: true, max: 63, immutable: true, hint: 'Minuscules, chiffres, « . », « - », « _ ».' },
  { name: 'display_name', label: 'Nom affiché', type: 'text', required: true, max: 127 },
  { name: 'rpps', label: 'Numéro RPPS', type: 'text', max: 11, inputmode: 'numeric', hint: '11 chiffres (radiologues).' },
  { name: 'password', label: 'Mot de passe initial', type: 'password', required: true, createOnly: true },
  { name: 'roles', label: 'Rôles', type: 'roles', required: true, options: opts(ROLES) },
  { name: 'active', label: 'Compte actif', type: 'bool', createOnly: true },
];

export const FIELD_LABELS = {
  name: 'Nom', finess: 'FINESS', city: 'Ville', phone: 'Téléphone', active: 'Actif', kind: 'Type',
  site_id: 'Site', ae_title: 'AE title', modality_type: 'Type', room_id: 'Salle', station_name: 'Station',
  manufacturer: 'Fabricant', ccam_code: 'CCAM', label: 'Libellé', loinc_code: 'LOINC',
  duration_minutes: 'Durée (min)', last_name: 'Nom', first_name: 'Prénom', rpps: 'RPPS', specialty: 'Spécialité',
  mssante_address: 'MSSanté',
};
