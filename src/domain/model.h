/* The data model as data: every resource the REST API exposes generically is described
 * here once (fields, types, constraints, French labels, who may read/write it). The store maps
 * descriptors to tables; the HTTP layer validates JSON against them. Pure data, no I/O.
 *
 * Resource-specific behaviour (appointment transitions, identity rules, ...) lives in the
 * domain's own files; a descriptor only says what a well-formed record looks like. */
#ifndef COULOIR_DOMAIN_MODEL_H
#define COULOIR_DOMAIN_MODEL_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    FIELD_TEXT,      /* UTF-8 string, max_len in bytes */
    FIELD_INT,       /* 64-bit integer */
    FIELD_BOOL,
    FIELD_DATE,      /* "YYYY-MM-DD" */
    FIELD_DATETIME,  /* ISO 8601 with offset, stored as UTC "YYYY-MM-DDTHH:MM:SSZ" */
    FIELD_ENUM,      /* text restricted to enum_values */
    FIELD_REF,       /* integer id of a row of ref_resource */
} field_type;

enum {
    FIELD_REQUIRED = 1u << 0, /* must be present (non-null) on create */
    FIELD_READONLY = 1u << 1, /* set by the server (id, timestamps, computed): refused on input */
    FIELD_FILTER   = 1u << 2, /* usable as ?name=value filter in list queries */
    FIELD_UNIQUE   = 1u << 3, /* unique across the table */
    FIELD_SECRET   = 1u << 4, /* never returned by the API, never logged */
    FIELD_SEARCH   = 1u << 5, /* matched by the ?q= prefix search (case/diacritics-insensitive) */
    FIELD_IMMUTABLE = 1u << 6, /* settable on create, refused on update */
    FIELD_RULED    = 1u << 7, /* changed only by domain rules (INS, RNIV status, document checks):
                               * refused from API input like READONLY, but written by the server's
                               * own code (identity rules, HL7 feed) through the store */
};

/* Roles (bit set). */
typedef enum {
    ROLE_ACCUEIL      = 1u << 0,
    ROLE_MANIPULATEUR = 1u << 1,
    ROLE_RADIOLOGUE   = 1u << 2,
    ROLE_ADMIN        = 1u << 3,
} role_bit;
#define ROLE_ALL (ROLE_ACCUEIL | ROLE_MANIPULATEUR | ROLE_RADIOLOGUE | ROLE_ADMIN)

/* "accueil" -> ROLE_ACCUEIL ...; 0 when unknown. */
unsigned model_role_parse(const char *name);
const char *model_role_name(unsigned role_bit);

typedef struct {
    const char *name;              /* JSON key and column name (snake_case) */
    field_type type;
    unsigned flags;
    size_t max_len;                /* FIELD_TEXT/FIELD_ENUM: max bytes; 0 = 255 */
    const char *const *enum_values;/* FIELD_ENUM: NULL-terminated */
    const char *ref_resource;      /* FIELD_REF: resource name */
    const char *label_fr;          /* for error messages: "date de naissance" */
} model_field;

typedef struct {
    const char *name;              /* URL segment: "patients", "rooms", ... */
    const char *table;             /* SQL table */
    const model_field *fields;     /* the "id" field (FIELD_INT, READONLY) comes first */
    size_t nfields;
    unsigned read_roles;           /* role bits allowed to list/get */
    unsigned write_roles;          /* role bits allowed to create/update/delete */
    bool patient_data;             /* reads and writes are audited as patient data */
    bool deletable;                /* DELETE allowed (otherwise records are deactivated) */
    const char *label_fr;          /* "patient", "salle" ... */
    const char *default_order;     /* column list for ORDER BY, e.g. "birth_name, id" */
} model_resource;

/* All resources, and lookup by name (NULL when unknown). */
const model_resource *model_resources(size_t *count);
const model_resource *model_resource_find(const char *name);
const model_field *model_field_find(const model_resource *res, const char *name);

#endif
