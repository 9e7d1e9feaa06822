/* Storage: the only place with SQL. One interface, two backends:
 *   "sqlite:PATH" (or "sqlite::memory:")  SQLite 3, WAL, foreign keys, busy timeout
 *   "postgresql://..." / "postgres://..." PostgreSQL through libpq
 * A store_t is a thread-safe pool of connections; a store_conn_t is used by one thread at a
 * time between store_acquire() and store_release(). Every function returns a store_status;
 * on failure a human-readable English detail is available from store_last_error(conn) (for
 * logs; the HTTP layer maps statuses to French messages).
 *
 * Data crosses this interface as jansson objects keyed by model field names (model.h) for the
 * generic resources, and as plain structs for the hot paths (worklist, agenda). */
#ifndef COULOIR_STORE_STORE_H
#define COULOIR_STORE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"

typedef struct store store_t;
typedef struct store_conn store_conn_t;

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND,   /* no such row */
    STORE_CONFLICT,    /* unique or foreign-key violation, or a concurrent change */
    STORE_INVALID,     /* the request cannot be expressed (unknown filter, bad value) */
    STORE_BUSY,        /* database locked / pool exhausted past the timeout */
    STORE_ERROR,       /* anything else (I/O, SQL) */
} store_status;

const char *store_status_name(store_status s);

/* --- lifecycle ------------------------------------------------------------------------- */
store_status store_open(const char *url, int pool_size, store_t **out, char *err, size_t errlen);
void store_close(store_t *st);
const char *store_backend(const store_t *st); /* "sqlite" or "postgresql" */
/* Applies pending migrations (idempotent, transactional). */
store_status store_migrate(store_t *st, char *err, size_t errlen);
int store_schema_version(store_t *st);

store_conn_t *store_acquire(store_t *st);     /* blocks up to the busy timeout; NULL on failure */
void store_release(store_t *st, store_conn_t *c);
const char *store_last_error(const store_conn_t *c);

store_status store_begin(store_conn_t *c);
store_status store_commit(store_conn_t *c);
void store_rollback(store_conn_t *c);

/* --- generic resources (model.h) ------------------------------------------------------- */
typedef struct {
    const char *field;   /* a FIELD_FILTER field, or "q" for the FIELD_SEARCH prefix search */
    const char *value;   /* exact match (text compared as given; dates "YYYY-MM-DD") */
} store_filter;

typedef struct {
    const store_filter *filters;
    size_t nfilters;
    int64_t offset;      /* >= 0 */
    int64_t limit;       /* 1..1000 */
} store_list_query;

/* items: new JSON array of objects (SECRET fields omitted); total: count ignoring paging. */
store_status store_resource_list(store_conn_t *c, const model_resource *res, const store_list_query *q,
                                 json_t **items, int64_t *total);
store_status store_resource_get(store_conn_t *c, const model_resource *res, int64_t id, json_t **obj);
/* obj: already validated against the descriptor (no READONLY fields). *id receives the new id. */
store_status store_resource_insert(store_conn_t *c, const model_resource *res, const json_t *obj, int64_t *id);
/* patch: validated subset of writable fields. */
store_status store_resource_update(store_conn_t *c, const model_resource *res, int64_t id, const json_t *patch);
store_status store_resource_delete(store_conn_t *c, const model_resource *res, int64_t id);

/* --- accounts and sessions ------------------------------------------------------------- */
typedef struct {
    int64_t id;
    char login[64];
    char display_name[128];
    char rpps[16];
    unsigned roles;          /* role bits */
    bool active;
    char password_hash[160]; /* argon2id encoded hash (only filled by store_user_by_login) */
} store_user;

store_status store_user_create(store_conn_t *c, const store_user *u, int64_t *id);
store_status store_user_by_login(store_conn_t *c, const char *login, store_user *out);
store_status store_user_by_id(store_conn_t *c, int64_t id, store_user *out);
store_status store_user_set_password(store_conn_t *c, int64_t id, const char *password_hash);

/* Sessions are stored by the SHA-256 (hex) of their token; the token itself is never stored. */
store_status store_session_create(store_conn_t *c, const char *token_hash, int64_t user_id, const char *csrf_token,
                                  int64_t expires_at, const char *client_addr);
store_status store_session_lookup(store_conn_t *c, const char *token_hash, int64_t now, int64_t *user_id,
                                  char *csrf_out, size_t csrf_len);
store_status store_session_delete(store_conn_t *c, const char *token_hash);

/* --- audit ------------------------------------------------------------------------------- */
typedef struct {
    int64_t user_id;          /* 0 = system / anonymous */
    const char *action;       /* "read", "create", "update", "delete", "login", "login_failed", ... */
    const char *object_type;  /* resource name */
    const char *object_id;    /* may be NULL */
    int64_t patient_id;       /* 0 when not patient data */
    const char *client_addr;
    const char *outcome;      /* "success", "denied", "error" */
    const char *detail;       /* short, never a secret */
} store_audit_event;

/* Call inside the same transaction as the operation it records. */
store_status store_audit_insert(store_conn_t *c, const store_audit_event *ev);
/* Filters: user_id, action, object_type, patient_id, from/to (ISO datetimes); all optional. */
store_status store_audit_list(store_conn_t *c, const store_list_query *q, json_t **items, int64_t *total);

/* --- status changes ------------------------------------------------------------------------ */
/* Compare-and-set of the "status" column of a resource row (appointments, scheduled steps):
 * STORE_CONFLICT when the current status is not `from` (a concurrent change), STORE_NOT_FOUND
 * when the row does not exist. `at` (unix seconds) is recorded in status_changed_at. The caller
 * asks the domain (domain/workflow.h) whether from -> to is allowed before calling this. */
store_status store_set_status(store_conn_t *c, const model_resource *res, int64_t id, const char *from,
                              const char *to, int64_t at);

/* --- agenda ------------------------------------------------------------------------------ */
typedef struct {
    int64_t start;   /* unix seconds */
    int64_t end;
} store_interval;

/* Busy intervals of a room (appointments not cancelled/no-show) overlapping [from, to). */
store_status store_room_busy(store_conn_t *c, int64_t room_id, int64_t from, int64_t to,
                             store_interval **out, size_t *n);
/* Appointments for an agenda view: rooms/modality filter, [from, to), joined with patient and
 * exam labels. JSON array of objects. */
store_status store_agenda(store_conn_t *c, int64_t room_id, int64_t modality_id, int64_t from, int64_t to,
                          json_t **items);

/* Settings declared by the store ([store] url, pool_size, busy_timeout_ms). */
#include "core/config.h"
extern const config_setting store_settings[];

#endif
