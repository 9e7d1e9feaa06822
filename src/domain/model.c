/* The resource descriptors of the REST API (see model.h). Column names match the store's
 * migrations (src/store/migrations); a unit test checks every field against the live schema
 * of both backends. Every FIELD_SEARCH field has a normalised "<name>_key" column. */
#include "domain/model.h"

#include <string.h>

/* --- roles --------------------------------------------------------------------------------- */
static const struct {
    unsigned bit;
    const char *name;
} roles[] = {
    {ROLE_ACCUEIL, "accueil"},
    {ROLE_MANIPULATEUR, "manipulateur"},
    {ROLE_RADIOLOGUE, "radiologue"},
    {ROLE_ADMIN, "admin"},
};

unsigned model_role_parse(const char *name)
{
    if (!name) return 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(roles[i].name, name) == 0) return roles[i].bit;
    return 0;
}

const char *model_role_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].bit == bit) return roles[i].name;
    return NULL;
}

/* --- enumerations -------------------------------------------------------------------------- */
static const char *const sexes[] = {"M", "F", "I", NULL};
static const char *const rniv_statuses[] = {"provisoire", "recuperee", "validee", "qualifiee", NULL};
static const char *const ins_oids[] = {"1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10",
                                       "1.2.250.1.213.1.4.11", NULL};
static const char *const id_documents[] = {"passeport", "carte_identite", "titre_sejour", "acte_naissance",
                                           "livret_famille", "autre", NULL};
static const char *const room_kinds[] = {"scanner", "irm", "radiologie", "echographie", "mammographie",
                                         "osteodensitometrie", "medecine_nucleaire", "autre", NULL};
static const char *const modality_types[] = {"CT", "MR", "US", "CR", "DX", "MG", "NM", "PT", "XA", "RF", "BMD", NULL};
static const char *const priorities[] = {"routine", "urgent", "stat", NULL};
static const char *const order_statuses[] = {"scheduled", "in_progress", "completed", "discontinued", "cancelled",
                                             NULL};
/* Same names as domain/workflow.h. */
static const char *const step_statuses[] = {"booked",    "arrived", "in_progress", "completed",
                                            "discontinued", "cancelled", "no_show", NULL};

#define ID {"id", FIELD_INT, FIELD_READONLY | FIELD_FILTER, 0, NULL, NULL, "identifiant"}
#define CREATED {"created_at", FIELD_DATETIME, FIELD_READONLY, 0, NULL, NULL, "date de création"}
#define UPDATED {"updated_at", FIELD_DATETIME, FIELD_READONLY, 0, NULL, NULL, "date de modification"}
#define ACTIVE {"active", FIELD_BOOL, FIELD_FILTER, 0, NULL, NULL, "actif"}
#define N(a) (sizeof(a) / sizeof((a)[0]))

#define R_CLINICAL (ROLE_ACCUEIL | ROLE_MANIPULATEUR | ROLE_RADIOLOGUE)

/* --- fields -------------------------------------------------------------------------------- */
static const model_field patient_fields[] = {
    ID,
    {"ipp", FIELD_TEXT, FIELD_UNIQUE | FIELD_FILTER | FIELD_SEARCH | FIELD_IMMUTABLE, 20, NULL, NULL,
     "IPP (identifiant patient local)"},
    ACTIVE,
    {"merged_into", FIELD_REF, FIELD_FILTER, 0, NULL, "patients", "fusionné dans"},
    CREATED,
    UPDATED,
};

static const model_field identity_fields[] = {
    ID,
    {"patient_id", FIELD_REF, FIELD_REQUIRED | FIELD_FILTER | FIELD_UNIQUE | FIELD_IMMUTABLE, 0, NULL, "patients",
     "patient"},
    {"birth_name", FIELD_TEXT, FIELD_REQUIRED | FIELD_SEARCH, 100, NULL, NULL, "nom de naissance"},
    {"used_name", FIELD_TEXT, FIELD_SEARCH, 100, NULL, NULL, "nom utilisé"},
    {"first_given_name", FIELD_TEXT, FIELD_REQUIRED | FIELD_SEARCH, 100, NULL, NULL, "premier prénom de naissance"},
    {"given_names", FIELD_TEXT, 0, 255, NULL, NULL, "prénoms de naissance"},
    {"used_given_name", FIELD_TEXT, FIELD_SEARCH, 100, NULL, NULL, "prénom utilisé"},
    {"birth_date", FIELD_DATE, FIELD_REQUIRED | FIELD_FILTER, 0, NULL, NULL, "date de naissance"},
    {"sex", FIELD_ENUM, FIELD_REQUIRED | FIELD_FILTER, 1, sexes, NULL, "sexe"},
    {"birth_cog", FIELD_TEXT, FIELD_FILTER, 5, NULL, NULL, "code INSEE du lieu de naissance"},
    {"birth_country", FIELD_TEXT, 0, 5, NULL, NULL, "code INSEE du pays de naissance"},
    /* The INS and the RNIV status change only through the identity rules (INSi return, identity
     * document check, HL7 feed): never written by the generic API. */
    {"ins_matricule", FIELD_TEXT, FIELD_FILTER | FIELD_UNIQUE | FIELD_RULED, 15, NULL, NULL, "matricule INS"},
    {"ins_oid", FIELD_ENUM, FIELD_RULED, 32, ins_oids, NULL, "OID du matricule INS"},
    {"rniv_status", FIELD_ENUM, FIELD_FILTER | FIELD_RULED, 16, rniv_statuses, NULL, "statut de l'identité"},
    {"douteuse", FIELD_BOOL, FIELD_FILTER, 0, NULL, NULL, "identité douteuse"},
    {"fictive", FIELD_BOOL, FIELD_FILTER, 0, NULL, NULL, "identité fictive"},
    {"homonyme", FIELD_BOOL, FIELD_FILTER, 0, NULL, NULL, "homonymie"},
    {"id_document_type", FIELD_ENUM, FIELD_RULED, 32, id_documents, NULL, "type de justificatif d'identité"},
    {"id_document_checked_at", FIELD_DATETIME, FIELD_RULED, 0, NULL, NULL, "date du contrôle du justificatif"},
    {"phone", FIELD_TEXT, 0, 20, NULL, NULL, "téléphone"},
    {"email", FIELD_TEXT, 0, 254, NULL, NULL, "courriel"},
    {"address", FIELD_TEXT, 0, 255, NULL, NULL, "adresse"},
    CREATED,
    UPDATED,
};

static const model_field correspondent_fields[] = {
    ID,
    {"rpps", FIELD_TEXT, FIELD_UNIQUE | FIELD_FILTER | FIELD_SEARCH, 11, NULL, NULL, "numéro RPPS"},
    {"last_name", FIELD_TEXT, FIELD_REQUIRED | FIELD_SEARCH, 100, NULL, NULL, "nom"},
    {"first_name", FIELD_TEXT, FIELD_SEARCH, 100, NULL, NULL, "prénom"},
    {"specialty", FIELD_TEXT, FIELD_FILTER, 100, NULL, NULL, "spécialité"},
    {"mssante_address", FIELD_TEXT, 0, 254, NULL, NULL, "adresse MSSanté"},
    {"phone", FIELD_TEXT, 0, 20, NULL, NULL, "téléphone"},
    ACTIVE,
    CREATED,
    UPDATED,
};

static const model_field site_fields[] = {
    ID,
    {"finess", FIELD_TEXT, FIELD_REQUIRED | FIELD_UNIQUE | FIELD_FILTER, 9, NULL, NULL, "numéro FINESS"},
    {"name", FIELD_TEXT, FIELD_REQUIRED | FIELD_SEARCH, 150, NULL, NULL, "nom"},
    {"address", FIELD_TEXT, 0, 255, NULL, NULL, "adresse"},
    {"postal_code", FIELD_TEXT, 0, 5, NULL, NULL, "code postal"},
    {"city", FIELD_TEXT, 0, 100, NULL, NULL, "ville"},
    {"phone", FIELD_TEXT, 0, 20, NULL, NULL, "téléphone"},
    ACTIVE,
    CREATED,
    UPDATED,
};

static const model_field room_fields[] = {
    ID,
    {"site_id", FIELD_REF, FIELD_REQUIRED | FIELD_FILTER, 0, NULL, "sites", "site"},
    {"name", FIELD_TEXT, FIELD_REQUIRED | FIELD_SEARCH, 100, NULL, NULL, "nom"},
    {"kind", FIELD_ENUM, FIELD_REQUIRED | FIELD_FILTER, 32, room_kinds, NULL, "type de salle"},
    ACTIVE,
    CREATED,
    UPDATED,
};

static const model_field modality_fields[] = {
    ID,
    {"room_id", FIELD_REF, FIELD_FILTER, 0, NULL, "rooms", "salle"},
    {"ae_title", FIELD_TEXT, FIELD_REQUIRED | FIELD_UNIQUE | FIELD_FILTER, 16, NULL, NULL, "AE title"},
    {"modality_type", FIELD_ENUM, FIELD_REQUIRED | FIELD_FILTER, 3, modality_types, NULL, "type de modalité"},
    {"station_name", FIELD_TEXT, 0, 16, NULL, NULL, "nom de la station"},
    {"manufacturer", FIELD_TEXT, 0, 64, NULL, NULL, "fabricant"},
    ACTIVE,
    CREATED,
    UPDATED,
};

static const model_field catalogue_fields[] = {
    ID,
    {"ccam_code", FIELD_TEXT, FIELD_REQUIRED | FIELD_UNIQUE | FIELD_FILTER | FIELD_SEARCH, 7, NULL, NULL,
     "code CCAM"},
    {"label", FIELD_TEXT, FIELD_REQUIRED | FIELD_SEARCH, 255, NULL, NULL, "libellé"},
    {"loinc_code", FIELD_TEXT, FIELD_FILTER, 10, NULL, NULL, "code LOINC"},
    {"modality_type", FIELD_ENUM, FIELD_REQUIRED | FIELD_FILTER, 3, modality_types, NULL, "type de modalité"},
    {"region_code", FIELD_TEXT, FIELD_FILTER, 16, NULL, NULL, "région anatomique"},
    {"duration_minutes", FIELD_INT, FIELD_REQUIRED, 0, NULL, NULL, "durée (minutes)"},
    ACTIVE,
    CREATED,
    UPDATED,
};

static const model_field order_fields[] = {
    ID,
    {"patient_id", FIELD_REF, FIELD_REQUIRED | FIELD_FILTER | FIELD_IMMUTABLE, 0, NULL, "patients", "patient"},
    {"placer_number", FIELD_TEXT, FIELD_FILTER, 22, NULL, NULL, "numéro de demande (prescripteur)"},
    {"filler_number", FIELD_TEXT, FIELD_FILTER | FIELD_UNIQUE, 22, NULL, NULL, "numéro de demande (exécutant)"},
    {"requester_id", FIELD_REF, FIELD_FILTER, 0, NULL, "correspondents", "médecin demandeur"},
    {"reason", FIELD_TEXT, 0, 1000, NULL, NULL, "motif"},
    {"priority", FIELD_ENUM, FIELD_FILTER, 16, priorities, NULL, "priorité"},
    {"status", FIELD_ENUM, FIELD_READONLY | FIELD_FILTER, 16, order_statuses, NULL, "statut"},
    {"status_changed_at", FIELD_DATETIME, FIELD_READONLY, 0, NULL, NULL, "date du changement de statut"},
    {"ordered_at", FIELD_DATETIME, 0, 0, NULL, NULL, "date de la demande"},
    CREATED,
    UPDATED,
};

static const model_field procedure_fields[] = {
    ID,
    {"order_id", FIELD_REF, FIELD_REQUIRED | FIELD_FILTER | FIELD_IMMUTABLE, 0, NULL, "orders", "demande"},
    {"exam_id", FIELD_REF, FIELD_REQUIRED | FIELD_FILTER, 0, NULL, "catalogue", "examen"},
    /* Generated by the store when absent. */
    {"accession_number", FIELD_TEXT, FIELD_UNIQUE | FIELD_FILTER | FIELD_IMMUTABLE, 16, NULL, NULL,
     "numéro d'accession"},
    {"study_instance_uid", FIELD_TEXT, FIELD_UNIQUE | FIELD_FILTER | FIELD_IMMUTABLE, 64, NULL, NULL,
     "Study Instance UID"},
    {"status", FIELD_ENUM, FIELD_READONLY | FIELD_FILTER, 16, order_statuses, NULL, "statut"},
    {"status_changed_at", FIELD_DATETIME, FIELD_READONLY, 0, NULL, NULL, "date du changement de statut"},
    CREATED,
    UPDATED,
};

static const model_field step_fields[] = {
    ID,
    {"procedure_id", FIELD_REF, FIELD_REQUIRED | FIELD_FILTER | FIELD_IMMUTABLE, 0, NULL, "procedures", "procédure"},
    /* Generated by the store when absent. */
    {"sps_id", FIELD_TEXT, FIELD_UNIQUE | FIELD_FILTER | FIELD_IMMUTABLE, 16, NULL, NULL,
     "identifiant de l'étape planifiée"},
    {"modality_id", FIELD_REF, FIELD_FILTER, 0, NULL, "modalities", "modalité"},
    {"ae_title", FIELD_TEXT, FIELD_FILTER, 16, NULL, NULL, "AE title"},
    {"modality_type", FIELD_ENUM, FIELD_FILTER, 3, modality_types, NULL, "type de modalité"},
    {"start_at", FIELD_DATETIME, FIELD_REQUIRED | FIELD_FILTER, 0, NULL, NULL, "début prévu"},
    {"performing_physician", FIELD_TEXT, 0, 64, NULL, NULL, "médecin réalisant l'examen"},
    {"status", FIELD_ENUM, FIELD_READONLY | FIELD_FILTER, 16, step_statuses, NULL, "statut"},
    {"status_changed_at", FIELD_DATETIME, FIELD_READONLY, 0, NULL, NULL, "date du changement de statut"},
    CREATED,
    UPDATED,
};

static const model_field appointment_fields[] = {
    ID,
    {"patient_id", FIELD_REF, FIELD_REQUIRED | FIELD_FILTER | FIELD_IMMUTABLE, 0, NULL, "patients", "patient"},
    {"room_id", FIELD_REF, FIELD_REQUIRED | FIELD_FILTER, 0, NULL, "rooms", "salle"},
    {"start_at", FIELD_DATETIME, FIELD_REQUIRED | FIELD_FILTER, 0, NULL, NULL, "début"},
    {"end_at", FIELD_DATETIME, FIELD_REQUIRED, 0, NULL, NULL, "fin"},
    {"procedure_id", FIELD_REF, FIELD_FILTER, 0, NULL, "procedures", "procédure"},
    {"step_id", FIELD_REF, FIELD_FILTER, 0, NULL, "steps", "étape planifiée"},
    {"status", FIELD_ENUM, FIELD_READONLY | FIELD_FILTER, 16, step_statuses, NULL, "statut"},
    {"status_changed_at", FIELD_DATETIME, FIELD_READONLY, 0, NULL, NULL, "date du changement de statut"},
    {"comment", FIELD_TEXT, 0, 1000, NULL, NULL, "commentaire"},
    CREATED,
    UPDATED,
};

static const model_field user_fields[] = {
    ID,
    {"login", FIELD_TEXT, FIELD_REQUIRED | FIELD_UNIQUE | FIELD_FILTER | FIELD_SEARCH | FIELD_IMMUTABLE, 64, NULL,
     NULL, "identifiant de connexion"},
    {"display_name", FIELD_TEXT, FIELD_REQUIRED | FIELD_SEARCH, 128, NULL, NULL, "nom affiché"},
    {"rpps", FIELD_TEXT, FIELD_FILTER, 11, NULL, NULL, "numéro RPPS"},
    /* Space-separated role names ("accueil radiologue"); the store checks each name. */
    {"roles", FIELD_TEXT, FIELD_REQUIRED, 64, NULL, NULL, "rôles"},
    /* Set through store_user_create / store_user_set_password only. */
    {"password_hash", FIELD_TEXT, FIELD_SECRET | FIELD_READONLY, 160, NULL, NULL, "empreinte du mot de passe"},
    ACTIVE,
    CREATED,
    UPDATED,
};

/* --- resources ----------------------------------------------------------------------------- */
static const model_resource resources[] = {
    {"patients", "patient", patient_fields, N(patient_fields), R_CLINICAL, ROLE_ACCUEIL, true, false, "patient",
     "id"},
    {"identities", "identity", identity_fields, N(identity_fields), R_CLINICAL, ROLE_ACCUEIL, true, false,
     "identité", "birth_name_key, first_given_name_key, id"},
    {"correspondents", "correspondent", correspondent_fields, N(correspondent_fields), ROLE_ALL,
     ROLE_ACCUEIL | ROLE_ADMIN, false, false, "correspondant", "last_name_key, first_name_key, id"},
    {"sites", "site", site_fields, N(site_fields), ROLE_ALL, ROLE_ADMIN, false, true, "site", "name_key, id"},
    {"rooms", "room", room_fields, N(room_fields), ROLE_ALL, ROLE_ADMIN, false, true, "salle", "site_id, name_key, id"},
    {"modalities", "modality", modality_fields, N(modality_fields), ROLE_ALL, ROLE_ADMIN, false, true, "modalité",
     "ae_title, id"},
    {"catalogue", "exam_catalogue", catalogue_fields, N(catalogue_fields), ROLE_ALL, ROLE_ADMIN, false, true,
     "examen du catalogue", "label_key, id"},
    {"orders", "imaging_order", order_fields, N(order_fields), R_CLINICAL, ROLE_ACCUEIL, true, false, "demande",
     "id DESC"},
    {"procedures", "requested_procedure", procedure_fields, N(procedure_fields), R_CLINICAL, ROLE_ACCUEIL, true,
     false, "procédure demandée", "id DESC"},
    {"steps", "scheduled_step", step_fields, N(step_fields), R_CLINICAL, ROLE_ACCUEIL | ROLE_MANIPULATEUR, true,
     false, "étape planifiée", "start_at, id"},
    {"appointments", "appointment", appointment_fields, N(appointment_fields), R_CLINICAL, ROLE_ACCUEIL, true, false,
     "rendez-vous", "start_at, room_id, id"},
    {"users", "app_user", user_fields, N(user_fields), ROLE_ADMIN, ROLE_ADMIN, false, false, "utilisateur",
     "login, id"},
};

const model_resource *model_resources(size_t *count)
{
    if (count) *count = N(resources);
    return resources;
}

const model_resource *model_resource_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < N(resources); i++)
        if (strcmp(resources[i].name, name) == 0) return &resources[i];
    return NULL;
}

const model_field *model_field_find(const model_resource *res, const char *name)
{
    if (!res || !name) return NULL;
    for (size_t i = 0; i < res->nfields; i++)
        if (strcmp(res->fields[i].name, name) == 0) return &res->fields[i];
    return NULL;
}
