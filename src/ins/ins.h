/* Patient identity: the INS (Identifiant National de Santé) and the identity-vigilance rules
 * of the RNIV / "Guide d'implémentation de l'INS", plus the client of the CNAM INSi teleservice.
 *
 * Two halves, one header:
 *   - pure rules on plain structs (matricule.c, policy.c, traits.c, identity.c, search.c,
 *     insi_accept.c, feed.c, outgoing.c): no SQL, no sockets, no allocation; every decision
 *     returns history entries (ins_history) that the caller stores;
 *   - the INSi SOAP 1.2 client (insi_xml.c builds/parses messages with libxml2, insi_client.c
 *     talks mutual TLS with libcurl/OpenSSL): every call returns a trace record (insi_trace)
 *     that the caller stores (RIS.INS.04/40/41).
 *
 * Every text meant for a user (ins_problem.message, insi_call.message...) is French.
 * Strings inside the structs are NUL-terminated fixed-size arrays: a value that does not fit is
 * an error, never silently truncated. See docs/ins.md for the requirement map. */
#ifndef COULOIR_INS_INS_H
#define COULOIR_INS_INS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"

/* ------------------------------------------------------------------------------------------
 * Configuration (section [ins] and [insi]; see ins_settings for keys, defaults and help).
 * ---------------------------------------------------------------------------------------- */
extern const config_setting ins_settings[];

#define INS_OID_NIR "1.2.250.1.213.1.4.8"
#define INS_OID_NIA "1.2.250.1.213.1.4.9"
#define INS_OID_TEST_NIR "1.2.250.1.213.1.4.10"
#define INS_OID_DEMO_NIR "1.2.250.1.213.1.4.11"

#define INS_OID_MAX 64
#define INS_MAX_OIDS 8
#define INS_MAX_PROOFS 16
#define INS_MAX_ROLES 16
#define INS_CODE_MAX 32

/* Trait identifiers (bit flags, used for display settings and history). */
typedef enum {
    INS_TRAIT_MATRICULE = 1u << 0,
    INS_TRAIT_OID = 1u << 1,
    INS_TRAIT_BIRTH_NAME = 1u << 2,
    INS_TRAIT_BIRTH_GIVEN_NAMES = 1u << 3,
    INS_TRAIT_FIRST_GIVEN_NAME = 1u << 4,
    INS_TRAIT_BIRTH_DATE = 1u << 5,
    INS_TRAIT_SEX = 1u << 6,
    INS_TRAIT_BIRTH_PLACE = 1u << 7,
    INS_TRAIT_USED_NAME = 1u << 8,
    INS_TRAIT_USED_GIVEN_NAME = 1u << 9,
} ins_trait;
#define INS_TRAIT_ALL 0x3ffu
/* Always displayed, whatever the configuration (rule 3, RIS.INS.02). */
#define INS_TRAITS_ALWAYS_DISPLAYED \
    (INS_TRAIT_BIRTH_NAME | INS_TRAIT_FIRST_GIVEN_NAME | INS_TRAIT_BIRTH_DATE | INS_TRAIT_SEX)
/* Strict traits ("traits stricts"), locked once the identity comes from INSi (rule 26). */
#define INS_TRAITS_STRICT                                                                     \
    (INS_TRAIT_MATRICULE | INS_TRAIT_OID | INS_TRAIT_BIRTH_NAME | INS_TRAIT_BIRTH_GIVEN_NAMES | \
     INS_TRAIT_FIRST_GIVEN_NAME | INS_TRAIT_BIRTH_DATE | INS_TRAIT_SEX | INS_TRAIT_BIRTH_PLACE)

/* Permissions checked by ins_role_allowed (RIS.INS.05, RIS.INS.06, rule 26 "super utilisateur"). */
typedef enum { INS_PERM_VIEW_INS, INS_PERM_CALL_INSI, INS_PERM_EDIT_STRICT } ins_permission;

typedef struct {
    char code[INS_CODE_MAX]; /* e.g. "PASSEPORT" */
    bool high_trust;         /* "haut degré de confiance" (RIS.INS.19) */
} ins_proof_type;

/* Site-wide policy read from the configuration. Plain data; copy freely. */
typedef struct {
    char accepted_oids[INS_MAX_OIDS][INS_OID_MAX];
    size_t n_accepted_oids;
    unsigned displayed_traits;  /* configured set; the mandatory ones are always added */
    bool auto_validate;         /* validate on a high-trust proof without a manual action */
    ins_proof_type proofs[INS_MAX_PROOFS];
    size_t n_proofs;
    char view_roles[INS_MAX_ROLES][INS_CODE_MAX];
    size_t n_view_roles;
    char insi_roles[INS_MAX_ROLES][INS_CODE_MAX];
    size_t n_insi_roles;
    char super_roles[INS_MAX_ROLES][INS_CODE_MAX];
    size_t n_super_roles;
} ins_policy;

/* Reads [ins] settings into *out. Returns 0, or -1 with a French message naming the setting. */
int ins_policy_load(const config_t *cfg, ins_policy *out, char *err, size_t errlen);
/* The policy the ins_settings defaults describe (tests, tools without a config file). */
int ins_policy_defaults(ins_policy *out);
bool ins_oid_accepted(const ins_policy *policy, const char *oid);
/* Proof type by code (case-insensitive); NULL when not configured. */
const ins_proof_type *ins_policy_proof(const ins_policy *policy, const char *code);
bool ins_role_allowed(const ins_policy *policy, ins_permission perm, const char *role);

/* ------------------------------------------------------------------------------------------
 * Matricule (13 characters + 2-digit key).
 * ---------------------------------------------------------------------------------------- */
typedef enum {
    INS_KIND_UNKNOWN = 0, /* no OID given, or an OID that is not an INS OID */
    INS_KIND_NIR,
    INS_KIND_NIA,
    INS_KIND_TEST_NIR,
    INS_KIND_DEMO_NIR,
} ins_kind;

typedef enum {
    INS_MATRICULE_OK = 0,
    INS_MATRICULE_EMPTY,
    INS_MATRICULE_LENGTH,      /* not 15 significant characters */
    INS_MATRICULE_CHARS,       /* a non-digit outside the Corsica position */
    INS_MATRICULE_CORSICA,     /* A/B in position 7 not preceded by 2 */
    INS_MATRICULE_KEY_MISMATCH /* key differs from 97 - (N mod 97) */
} ins_matricule_status;

typedef struct {
    char number[14]; /* 13 characters, e.g. "180032B020401" */
    char key[3];     /* 2 digits */
    char full[16];   /* number + key */
} ins_matricule;

/* Key of a 13-character number (2A -> 19, 2B -> 18 before the modulo): 1..97, or -1 when the
 * number is malformed. */
int ins_key_compute(const char *number13);
/* Parses 15 characters (spaces are ignored, nothing else is); validates structure and key. */
ins_matricule_status ins_matricule_parse(const char *input, ins_matricule *out);
/* Validates a number and its key given separately (INSi and HL7 carry them apart). */
ins_matricule_status ins_matricule_check_parts(const char *number13, const char *key2, ins_matricule *out);
const char *ins_matricule_message(ins_matricule_status st); /* French */
ins_kind ins_kind_from_oid(const char *oid);
const char *ins_kind_label(ins_kind kind); /* "NIR", "NIA", "NIR de test", "NIR de démonstration" */
/* "NIR" or "NIA" (the nature printed after the matricule, rule 32); NULL when unknown. */
const char *ins_kind_nature(ins_kind kind);

/* `couloir ins check MATRICULE [OID]` (wired by the application): argv[0] is the verb name
 * (ignored), argv[1] the matricule, argv[2] the optional OID. Prints to stdout, returns 0 when
 * valid (and the OID, if given, is an INS OID), 1 when invalid, 2 on usage error. */
int ins_check_main(int argc, char **argv);

/* ------------------------------------------------------------------------------------------
 * Traits, statuses, attributes, history.
 * ---------------------------------------------------------------------------------------- */
#define INS_NAME_MAX 100 /* RNIV: at least 54, 100 recommended */
#define INS_UNKNOWN_BIRTH_PLACE "99999"

typedef struct {
    char birth_name[INS_NAME_MAX + 1];
    char birth_given_names[INS_NAME_MAX + 1]; /* "Prénom(s) de naissance", space-separated */
    char first_given_name[INS_NAME_MAX + 1];  /* "1er prénom de naissance" */
    char birth_date[11];                      /* YYYY-MM-DD */
    char sex[2];                              /* "M", "F" or "I" (indéterminé) */
    char birth_place[6];                      /* INSEE COG, 99xxx abroad, 99999 unknown */
    char used_name[INS_NAME_MAX + 1];
    char used_given_name[INS_NAME_MAX + 1];
} ins_traits;

typedef enum { INS_STATUS_PROV = 0, INS_STATUS_RECUP, INS_STATUS_VALI, INS_STATUS_QUAL } ins_status;

#define INS_ATTR_DOUTEUSE 1u
#define INS_ATTR_FICTIVE 2u
#define INS_ATTR_HOMONYME 4u

typedef struct {
    ins_traits traits;
    char matricule[16];          /* 15 characters, "" when none */
    char oid[INS_OID_MAX];       /* "" when none */
    ins_status status;
    unsigned attributes;         /* INS_ATTR_* */
    char proof_type[INS_CODE_MAX]; /* last identity document checked, "" when none (rule 19) */
    bool verified;               /* checked on a high-trust document */
    bool from_insi;              /* strict traits and INS come from an INSi return */
} ins_identity;

const char *ins_status_code(ins_status st);  /* "PROV", "RECUP", "VALI", "QUAL" */
const char *ins_status_label(ins_status st); /* "Identité provisoire", ... */
int ins_status_parse(const char *code, ins_status *out);
const char *ins_trait_label(ins_trait t, bool abbreviated); /* "Nom de naissance" / "N. Nais." */
const char *ins_trait_key(ins_trait t);                     /* "birth_name", ... (API/history) */

/* The traits shown on screen and on paper: configuration plus the mandatory ones (RIS.INS.02). */
unsigned ins_displayed_traits(const ins_policy *policy);

/* One problem found by a rule: which trait (0 when global), which requirement, French text. */
typedef struct {
    unsigned trait;
    const char *requirement; /* "RIS.INS.11" ... (static string) */
    bool warning;            /* true: the operation went on, but the user must be alerted */
    char message[200];
} ins_problem;

#define INS_MAX_PROBLEMS 12
typedef struct {
    ins_problem items[INS_MAX_PROBLEMS];
    size_t n; /* further problems beyond INS_MAX_PROBLEMS are counted in `dropped` */
    size_t dropped;
} ins_problems;

typedef enum {
    INS_HIST_CREATED,
    INS_HIST_STATUS,    /* status change (rule 21: previous status, date, who) */
    INS_HIST_TRAIT,     /* a trait changed */
    INS_HIST_INS,       /* matricule/OID set or removed */
    INS_HIST_ATTRIBUTE, /* douteuse / fictive / homonyme set or cleared */
    INS_HIST_PROOF,     /* identity document recorded */
} ins_history_kind;

typedef struct {
    int64_t at;           /* Unix seconds */
    char actor[64];       /* user id, or "hl7:<sender>", "insi" */
    ins_history_kind kind;
    char field[32];       /* trait key, "status", "ins", "attributes", "proof" */
    char old_value[128];
    char new_value[128];
    char reason[200];     /* French */
} ins_history_entry;

#define INS_MAX_HISTORY 24
typedef struct {
    ins_history_entry entries[INS_MAX_HISTORY];
    size_t n;
    size_t dropped; /* entries that did not fit; one operation produces at most 16 entries, so this
                       stays 0 when each operation gets a fresh ins_history (treat > 0 as an error) */
} ins_history;

/* Who does it and when (every rule that changes an identity takes one). */
typedef struct {
    const char *actor; /* user id or system name; never NULL */
    int64_t now;       /* Unix seconds */
} ins_actor;

/* RNIV writing rules for a name field: upper case A-Z, space, hyphen (double hyphen allowed),
 * apostrophe, 1..100 characters. Returns true when `s` conforms. */
bool ins_name_conforms(const char *s);
/* Rewrites free input into the RNIV form: upper case, diacritics removed, ligatures expanded
 * (Œ -> OE), typographic apostrophe -> ', spaces collapsed. Returns 0, or -1 when a character
 * cannot be written (digit, unknown symbol) or the result exceeds n-1 bytes. */
int ins_name_to_rniv(const char *in, char *out, size_t n);

/* Validation of traits for creation (rule 5, RIS.INS.11 / RIS.INS.12; rule 1 formats, RIS.INS.01).
 * Returns the number of blocking problems (0 = creation allowed). */
size_t ins_traits_check(const ins_traits *t, ins_problems *problems);

/* Creates an identity: traits checked, status provisoire (RIS.INS.22), history "created". */
int ins_identity_create(const ins_traits *t, const ins_actor *who, ins_identity *out,
                        ins_history *hist, ins_problems *problems);

/* Records the identity document checked (rule 19, RIS.INS.18). With a high-trust type and
 * policy->auto_validate, the identity becomes validée/qualifiée (RIS.INS.21/24/25). */
int ins_record_proof(const ins_policy *policy, ins_identity *id, const char *proof_code,
                     const ins_actor *who, ins_history *hist, ins_problems *problems);
/* Manual validation by the user (RIS.INS.20): needs a recorded high-trust document and no
 * douteuse/fictive attribute. */
int ins_validate_manually(const ins_policy *policy, ins_identity *id, const ins_actor *who,
                          ins_history *hist, ins_problems *problems);
/* Sets the attribute bit set (rule 25, RIS.INS.27): douteuse or fictive bring the identity
 * back to provisoire and drop the INS (rule 27, RIS.INS.35). */
int ins_set_attributes(ins_identity *id, unsigned attributes, const ins_actor *who, ins_history *hist);
/* Whether INSi may be called for this identity (RIS.INS.28); when not, a French reason. */
bool ins_insi_call_allowed(const ins_identity *id, char *why, size_t n);
/* Modification of traits (rule 26/27: RIS.INS.29..36). `next` holds the wanted traits.
 * Strict traits of a récupérée/qualifiée identity change only with `super_user`; when they do,
 * the INS and OID are removed and the status goes down (RECUP -> PROV, QUAL -> VALI); a strict
 * trait change on a validée identity loses the validation (VALI -> PROV).
 * Returns 0, or -1 with problems (nothing changed). */
int ins_modify_traits(ins_identity *id, const ins_traits *next, bool super_user,
                      const ins_actor *who, ins_history *hist, ins_problems *problems);
/* An INSi verification returned KO for this identity (rule 49, RIS.INS.43): INS removed,
 * status down. */
int ins_on_verification_ko(ins_identity *id, const ins_actor *who, ins_history *hist);

/* The one outgoing rule (rule 28, RIS.INS.37): true only when the identity is qualifiée, its
 * matricule has a valid key and its OID is accepted by the policy. Every emitter (HL7 PID-3,
 * DICOM worklist, CDA recordTarget, DMP XDS metadata, MSSanté patient address, PDF datamatrix)
 * calls it and, when false, sends the traits only. */
bool ins_may_emit(const ins_identity *id, const ins_policy *policy);
/* The matricule as printed on screen and paper, followed by its nature (rule 32, RIS.INS.52):
 * "1 09 07 63 220 834 89 (NIR)". Only when ins_may_emit() is true (rule 28 applies to paper too);
 * returns 0, or -1 with out = "" otherwise (then print the traits only). */
int ins_display_matricule(const ins_identity *id, const ins_policy *policy, char *out, size_t n);

/* ------------------------------------------------------------------------------------------
 * Prior-identity search (rule 17, RIS.INS.07..10).
 * ---------------------------------------------------------------------------------------- */
/* Search form of a name: upper case A-Z and digits only; diacritics folded, apostrophes,
 * hyphens, spaces and other punctuation removed. Returns 0, or -1 when out is too small. */
int ins_search_normalize(const char *in, char *out, size_t n);

typedef struct {
    char birth_date[11];             /* required, YYYY-MM-DD */
    char name_prefix[INS_NAME_MAX + 1];  /* optional: birth or used name */
    char given_prefix[INS_NAME_MAX + 1]; /* optional: any given-name field */
} ins_prior_query;

/* Checks the query (birth date present and valid). Returns 0 or -1 with a French message. */
int ins_prior_query_check(const ins_prior_query *q, char *err, size_t n);
/* True when the traits match the query (same birth date; prefixes on the normalised forms). */
bool ins_prior_match(const ins_prior_query *q, const ins_traits *t);

/* Normalised keys the store indexes: one per name (birth, used, each word of them) and one per
 * given name (first, each of the list, the whole list, used). A store answers a prior search with
 * birth_date = ? AND key LIKE '<normalised prefix>%' on the matching kind, then may confirm with
 * ins_prior_match. Duplicates are removed. */
#define INS_MAX_SEARCH_KEYS 16
typedef struct {
    char names[INS_MAX_SEARCH_KEYS][INS_NAME_MAX + 1];
    size_t n_names;
    char given[INS_MAX_SEARCH_KEYS][INS_NAME_MAX + 1];
    size_t n_given;
} ins_search_keys;
int ins_search_keys_build(const ins_traits *t, ins_search_keys *out);

/* Search by INS (RIS.INS.08): exactly 15 characters and a valid key, else a French error.
 * On success out16 holds the 15 characters. */
int ins_search_matricule_check(const char *input, char out16[16], char *err, size_t n);

/* ------------------------------------------------------------------------------------------
 * INSi responses (parsed by insi_response_parse) and their acceptance.
 * ---------------------------------------------------------------------------------------- */
#define INSI_MAX_HISTO 8
typedef struct {
    char number[14];
    char key[3];
    char oid[INS_OID_MAX];
    char date_start[11];
    char date_end[11];
} insi_ins;

typedef struct {
    char code[4];         /* CodeCR: "00", "01", "02" */
    char label[128];      /* LibelleCR */
    bool has_individual;  /* INDIVIDU present */
    insi_ins active;      /* INSACTIF */
    insi_ins history[INSI_MAX_HISTO];
    size_t n_history;
    /* TIQ: reference traits */
    char birth_name[INS_NAME_MAX + 1];
    char given_name[INS_NAME_MAX + 1];       /* Prenom (first) */
    char given_names[INS_NAME_MAX + 1];      /* ListePrenom */
    char sex[4];
    char birth_date[11];
    char birth_place[8];
} insi_result;

typedef struct {
    char code[64];        /* soap:Code/Value, e.g. "soap:Sender" */
    char subcode[64];     /* e.g. "soap:siram_100" */
    char reason[512];
    char error_code[64];  /* siram:Erreur/@code, e.g. "desir_550" */
    char error_text[512];
} insi_fault;

typedef enum { INSI_RESPONSE_RESULT, INSI_RESPONSE_FAULT } insi_response_kind;
typedef struct {
    insi_response_kind kind;
    insi_result result;
    insi_fault fault;
} insi_response;

/* Parses a SOAP 1.2 response body (RESULTAT or Fault). Returns 0, or -1 with a French message
 * (malformed XML, missing element, value too long). No network, no file access (XXE off). */
int insi_response_parse(const char *xml, size_t len, insi_response *out, char *err, size_t errlen);

/* Checks that a "00" result may be brought into the identity (rules 11, 12 and the INS itself:
 * RIS.INS.15, RIS.INS.16; OID accepted, key valid). Returns the number of blocking problems. */
size_t insi_result_check(const ins_policy *policy, const insi_result *r, ins_problems *problems);
/* Brings an accepted "00" result into the identity (rule 6, RIS.INS.13/14): matricule, OID and
 * strict traits from INSi (birth given names from ListePrenom); the first given name is filled
 * only when empty or coherent with the list, otherwise kept and a warning is added (RIS.INS.14).
 * Status becomes récupérée, or qualifiée when the identity was already verified (RIS.INS.23/25).
 * Returns 0, or -1 with problems (identity unchanged). */
int ins_apply_insi_result(const ins_policy *policy, ins_identity *id, const insi_result *r,
                          const ins_actor *who, ins_history *hist, ins_problems *problems);
/* True when the first given name is the first element of the INSi list (RIS.INS.14),
 * compared on the search-normalised forms of whole given names. */
bool ins_first_given_name_coherent(const char *first_given_name, const char *given_names_list);

/* ------------------------------------------------------------------------------------------
 * Identity feeds (HL7 PAM-FR ADT), rule 30 and the RIS.INS.38/39/45/46/55/56 scenarios.
 * ---------------------------------------------------------------------------------------- */
typedef struct {
    ins_traits traits;
    char matricule[16];      /* "" when the message carries no INS */
    char oid[INS_OID_MAX];
    char reliability[8];     /* PID-32: "VALI", "PROV", "DOUTE", "FICTI", or "" */
    bool same_domain;        /* the sender belongs to our identification domain */
    bool trusted_sender;     /* a trust contract exists with this sender (RIS.INS.39) */
    const char *sender;      /* for history ("hl7:<sender>") */
} ins_feed_identity;

typedef struct {
    bool apply_traits;       /* strict traits taken from the feed */
    bool apply_ins;          /* matricule + OID taken from the feed */
    ins_status status;       /* resulting status */
    bool needs_verification; /* an INSi verification must be run before the INS is accepted */
    char note[200];          /* French, for the identity-vigilance worklist; "" when none */
} ins_feed_decision;

/* Applies an incoming identity to `id` (existing = false: `id` is created from the feed).
 * Never downgrades a qualifiée identity; an INS without PID-32 = VALI is not taken; a feed
 * never makes an identity qualifiée unless it comes from our domain (or a trusted sender)
 * with PID-32 = VALI and a valid INS whose OID is accepted. Returns 0, or -1 with problems. */
int ins_feed_apply(const ins_policy *policy, ins_identity *id, bool existing,
                   const ins_feed_identity *in, const ins_actor *who, ins_feed_decision *decision,
                   ins_history *hist, ins_problems *problems);

/* ------------------------------------------------------------------------------------------
 * INSi requests and client (SOAP 1.2 over mutual TLS).
 * ---------------------------------------------------------------------------------------- */
typedef struct {
    const char *idam;             /* software authorisation number (CNDA) */
    const char *software_name;    /* e.g. "urn:lps:COULOIR:0.1.0" */
    const char *software_version; /* e.g. "0.1.0" */
    const char *instance;         /* installation id (UUID) */
} insi_software;

typedef struct {
    const char *birth_name;
    const char *given_name;  /* one given name, or the whole list */
    const char *sex;         /* "M" / "F" */
    const char *birth_date;  /* YYYY-MM-DD */
    const char *birth_place; /* optional COG, NULL when absent */
} insi_traits_query;

typedef struct {
    const char *nir;          /* 13 chars from the card (beneficiary) */
    const char *key;          /* 2 digits */
    const char *birth_name;   /* optional */
    const char *birth_date;   /* YYYY-MM-DD (lunar dates such as 1985-00-00 are allowed) */
    const char *birth_rank;   /* "1".. */
    const char *grand_regime; /* optional card data */
    const char *organisme;
    const char *code_centre;
} insi_vitale_query;

#define INSI_ACTION_TRAITS "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
#define INSI_ACTION_VITALE "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"

/* Builds the SOAP envelope with ContexteBAM, ContexteLPS, wsa:Action and wsa:MessageID headers.
 * `emitter` is the user on whose behalf the call is made; `message_id` a UUID ("uuid:" added);
 * `timestamp` ISO 8601 UTC. Returns 0, or -1 with a French message (missing/invalid input). */
int insi_build_traits_request(const insi_software *sw, const char *emitter, const char *message_id,
                              const char *timestamp, const insi_traits_query *q, buf_t *out,
                              char *err, size_t errlen);
int insi_build_vitale_request(const insi_software *sw, const char *emitter, const char *message_id,
                              const char *timestamp, const insi_vitale_query *q, buf_t *out,
                              char *err, size_t errlen);

typedef enum {
    INSI_OUTCOME_FOUND = 0,    /* CR 00 */
    INSI_OUTCOME_NOT_FOUND,    /* CR 01 */
    INSI_OUTCOME_SEVERAL,      /* CR 02 */
    INSI_OUTCOME_FAULT,        /* SOAP fault from the service */
    INSI_OUTCOME_TRANSPORT,    /* connection, TLS, timeout, HTTP error without SOAP body */
    INSI_OUTCOME_PROTOCOL,     /* unparsable or unexpected answer */
    INSI_OUTCOME_REFUSED,      /* not attempted: invalid query or identity not eligible */
} insi_outcome;
const char *insi_outcome_code(insi_outcome o); /* "00","01","02","FAULT","TRANSPORT","PROTOCOL","REFUSED" */

/* Trace of one call (rules 4, 37, 39, 48: RIS.INS.04/40/41/42), returned for storage. */
typedef struct {
    int64_t at_ms;          /* start, Unix milliseconds */
    int64_t duration_ms;
    char who[64];           /* user on whose behalf */
    char operation[48];     /* "rechercherInsAvecTraitsIdentite" / "...CarteVitale" */
    char message_id[64];
    char query[300];        /* traits or card number sent (what) */
    long http_status;       /* 0 when no HTTP answer */
    char outcome[12];       /* insi_outcome_code */
    char result[400];       /* CR 00: matricule, OID, history, returned traits; else message */
} insi_trace;

typedef struct {
    insi_outcome outcome;
    insi_response response; /* valid for FOUND/NOT_FOUND/SEVERAL/FAULT */
    char message[512];      /* French, for the user */
    insi_trace trace;
} insi_call;

typedef struct insi_client insi_client;

typedef struct {
    const char *url;        /* https://host:port/path */
    const char *cert_file;  /* client certificate (PEM) */
    const char *key_file;   /* its private key (PEM) */
    const char *ca_file;    /* CA bundle that signs the server certificate; NULL: system store */
    long timeout_ms;        /* whole call */
    insi_software software;
} insi_client_options;

/* Reads the [insi] settings into options whose strings point into cfg (valid while cfg lives).
 * Returns 0, or -1 with a French message when the client is not configured. */
int insi_client_options_from_config(const config_t *cfg, insi_client_options *out, char *err, size_t errlen);
/* Strings are copied. Returns NULL with a French message on bad options. */
insi_client *insi_client_new(const insi_client_options *opts, char *err, size_t errlen);
void insi_client_free(insi_client *c);

/* One call each. Return 0 when a call was made and answered with 00/01/02, -1 otherwise; in
 * every case *out is filled (outcome, French message, trace). */
int insi_search_traits(insi_client *c, const char *who, const insi_traits_query *q, insi_call *out);
int insi_search_vitale(insi_client *c, const char *who, const insi_vitale_query *q, insi_call *out);

/* Search strategy of the INSi integration guide: one call per birth given name (in order), then
 * one with the full list; stops at the first 00 or at a fault/transport error. The identity
 * must allow INSi calls (RIS.INS.28) and carry birth name, sex, birth date, given names. */
#define INSI_MAX_CALLS 8
typedef struct {
    insi_call calls[INSI_MAX_CALLS];
    size_t n_calls;
    insi_outcome outcome;   /* FOUND when one call found, SEVERAL when any said 02, ... */
    int found_index;        /* index in calls of the 00 answer, -1 when none */
    char message[512];      /* French summary */
} insi_strategy;
int insi_search_identity(insi_client *c, const char *who, const ins_identity *id, insi_strategy *out);

/* French message for a fault (siram/desir codes explained when known). */
void insi_fault_message(const insi_fault *f, char *out, size_t n);

#endif
