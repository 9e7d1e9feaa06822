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
/* Added: store_open with every option. Zero/NULL members take the defaults
 * (pool 4, busy timeout 5000 ms, UIDs under 2.25 when no oid_root). "sqlite::memory:" always
 * gets a pool of one connection (each SQLite connection would otherwise see its own database). */
typedef struct {
    int pool_size;          /* connections; 1..256 */
    int busy_timeout_ms;    /* wait for a pool slot / a database lock */
    const char *oid_root;   /* root for generated Study Instance UIDs (Couloir's own OID) */
    bool sqlite_synchronous_normal; /* SQLite only: PRAGMA synchronous=NORMAL instead of FULL (WAL
                                     * stays consistent; the last commits may be lost on power
                                     * failure, never on a process kill) */
} store_options;
store_status store_open_with(const char *url, const store_options *opts, store_t **out, char *err, size_t errlen);
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
/* (Added) A read transaction: a consistent snapshot that does not take the write lock (SQLite:
 * deferred BEGIN, so WAL readers run in parallel with each other and with one writer;
 * PostgreSQL: BEGIN). Finish it with store_commit or store_rollback. Use store_begin for
 * anything that writes: a write inside a read transaction may fail with STORE_BUSY on SQLite. */
store_status store_begin_read(store_conn_t *c);
/* (Added) A counter bumped by every committed write of this process through this store
 * (store_commit of a transaction in which a statement changed rows, or such a statement
 * outside a transaction),
 * whatever the module (HL7, DICOM, HTTP...). Audit events recorded by store_audit_read do not
 * bump it. Caches of derived data key on it; writes by other processes sharing a PostgreSQL
 * database are not seen (bound staleness with a TTL). Thread-safe, lock-free. */
uint64_t store_write_generation(const store_t *st);

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
/* (Added) Ends every session of a user except keep_token_hash (NULL: all of them), e.g. after a
 * password change or a deactivation. *deleted (may be NULL) receives the number removed. */
store_status store_session_delete_user(store_conn_t *c, int64_t user_id, const char *keep_token_hash,
                                       int64_t *deleted);

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

/* Call inside the same transaction as the operation it records (writes). */
store_status store_audit_insert(store_conn_t *c, const store_audit_event *ev);
/* (Added) Records the audit event of a read durably by group commit, and blocks until it is:
 * each store has an audit writer (a thread with its own connection, started by store_open and
 * joined by store_close) that writes every queued event in one transaction per batch (in the
 * order they were queued) and then wakes their callers. Concurrent readers thus share one
 * commit (one fsync) instead of one write transaction each. The event's time is taken when it
 * is queued. Returns STORE_OK once committed, STORE_INVALID for a malformed event (no action,
 * unknown outcome), STORE_ERROR/STORE_BUSY when the batch could not be written (the data read
 * must then not be returned), STORE_ERROR when the store is closing. The event's strings are
 * only read during the call. Callers may hold a pool connection (it is not used). store_close
 * may be called while threads wait here: their events are written first and they are woken. */
store_status store_audit_read(store_t *st, const store_audit_event *ev);
/* (Added) The same without blocking, for event-driven callers (the HTTP server suspends the
 * connection meanwhile): ev is copied; done(arg, status) is called exactly once, from the
 * writer thread, after the batch holding the event is committed (STORE_OK) or failed. Returns
 * STORE_OK when queued (done will be called), else an error and done is never called.
 * store_close calls every pending done before it returns. */
typedef void (*store_audit_done_fn)(void *arg, store_status status);
store_status store_audit_read_async(store_t *st, const store_audit_event *ev, store_audit_done_fn done, void *arg);
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
/* (Notes added with the implementation.) room_id / modality_id 0 = any; a modality selects the
 * appointments of its room. Range at most 92 days (STORE_INVALID otherwise). Each item has: id,
 * patient_id, room_id, room_name, start_at, end_at, status, comment, procedure_id, step_id, ipp,
 * birth_name, used_name, first_given_name, birth_date, sex, rniv_status, exam_id, exam_label,
 * ccam_code, modality_type, accession_number, ae_title, modality_id (null when absent), ordered by
 * start_at, room_id, id. Appointments last at most 24 hours (checked on insert/update).
 *
 * Generated on insert when absent (unique: microseconds since 2020 from a per-store counter):
 * patients.ipp (15 digits), procedures.accession_number ("A" + 15 digits),
 * procedures.study_instance_uid (under store_options.oid_root, else 2.25.<random>), steps.sps_id
 * ("S" + 15 digits). users.roles is text: space-separated role names, stored in
 * canonical order ("accueil radiologue"); unknown names give STORE_INVALID. Updating an identity
 * copies its previous version into identity_history in the same transaction. */

/* --- modality worklist (added) ------------------------------------------------------------------ */
/* The hot path of the DICOM worklist: scheduled steps joined with their procedure, order,
 * patient identity and exam, as plain structs. All criteria are optional (NULL / 0 = any). */
typedef struct {
    const char *ae_title;          /* scheduled station AE title, exact */
    const char *modality;          /* modality type, exact */
    int64_t from, to;              /* start_at in [from, to) (unix seconds); both 0 = any time */
    const char *patient_id;        /* IPP, exact */
    const char *accession_number;  /* exact */
    const char *name_prefix;       /* prefix of the birth or used name, case/diacritics-insensitive */
    const char *const *statuses;   /* NULL-terminated step statuses; NULL = booked, arrived, in_progress */
    size_t limit;                  /* 1..10000 (0 = 1000) */
} store_worklist_query;

typedef struct {
    int64_t step_id, procedure_id, order_id, patient_id;
    int64_t start_at;                /* unix seconds */
    char sps_id[17], ae_title[17], modality[8], status[16], performing_physician[65];
    char accession_number[17], study_instance_uid[65];
    char ccam_code[8], exam_label[256], loinc_code[11], region_code[17];
    char ipp[21], birth_name[101], used_name[101], first_given_name[101], given_names[256];
    char birth_date[11], sex[2], ins_matricule[16], ins_oid[33];
    char placer_number[23], filler_number[23], priority[8], reason[256];
    char requester_last_name[101], requester_first_name[101], requester_rpps[12];
} store_worklist_item;

/* *items: malloc'ed array of *n items (free()), ordered by start_at then step id. */
store_status store_worklist(store_conn_t *c, const store_worklist_query *q, store_worklist_item **items, size_t *n);

/* --- outbox and inbox (added) ----------------------------------------------------------------- */
/* Durable outbound jobs (table outbox_job), the storage side of src/outbox's outbox_queue.
 * Enqueue inside the transaction of the state change that causes the message. dedup_key may be
 * NULL; a second job with the same key is STORE_CONFLICT. due_ms: unix milliseconds. */
store_status store_outbox_enqueue(store_conn_t *c, const char *kind, const char *payload, const char *dedup_key,
                                  int64_t due_ms, int64_t *id);

typedef struct {
    int64_t id;
    char *kind;      /* owned: freed by store_outbox_jobs_clear */
    char *payload;
    int attempts;    /* attempts already made */
    int64_t due_ms;  /* (added) when it was due: its place in the queue order */
} store_outbox_job;

/* Claims up to max due jobs (pending with due_ms <= now_ms, or running with an expired lease)
 * for lease_ms, in due order, committed at once (own transaction when none is open). Concurrent
 * claimers never get the same job while its lease runs. */
store_status store_outbox_claim(store_conn_t *c, int64_t now_ms, int64_t lease_ms, size_t max,
                                store_outbox_job *jobs, size_t *n);
void store_outbox_jobs_clear(store_outbox_job *jobs, size_t n);
/* (Added) store_outbox_claim restricted to the jobs whose kind is one of kinds[0..nkinds-1]
 * (1..STORE_OUTBOX_MAX_KINDS kinds, each 1..64 bytes): the dispatcher claims only the kinds it
 * has senders for, the others stay pending. nkinds 0 (kinds NULL) claims every kind. */
#define STORE_OUTBOX_MAX_KINDS 32
store_status store_outbox_claim_kinds(store_conn_t *c, int64_t now_ms, int64_t lease_ms, const char *const *kinds,
                                      size_t nkinds, size_t max, store_outbox_job *jobs, size_t *n);
/* (Added) One job as shown to users (POST /api/v1/outbox/{id}/retry). */
typedef struct {
    int64_t id;
    char kind[65];
    char state[16];          /* "pending", "running", "done", "failed", "dead" */
    int attempts;
    char last_error[512];    /* "" when none (truncated when longer) */
    int64_t due_ms;          /* next attempt (unix ms) */
    char created_at[32];     /* ISO 8601 UTC */
    char updated_at[32];     /* "" when never updated */
} store_outbox_info;
store_status store_outbox_get(store_conn_t *c, int64_t id, store_outbox_info *out);
/* (Added) Makes job `id` due at now_ms (a manual retry): a pending, failed or dead job becomes
 * pending and due at once, its attempts and last error kept. STORE_CONFLICT for a done job or
 * one being delivered (running with a lease still valid at now_ms); STORE_NOT_FOUND when absent. */
store_status store_outbox_retry(store_conn_t *c, int64_t id, int64_t now_ms);
/* Records one attempt: state "done", "retry" (due again at next_ms) or "failed" (for good);
 * error (may be NULL) is kept as last_error. Increments attempts. */
store_status store_outbox_record(store_conn_t *c, int64_t id, const char *state, int64_t next_ms, const char *error);
/* (Added) Hands a claimed job back without counting an attempt: a job still 'running' becomes
 * pending, due at due_ms, its lease dropped (the outbox postpones the jobs queued behind a retried
 * one, and hands back at stop those claimed but not started). A job in any other state (its
 * outcome already recorded) is left as it is: STORE_OK either way, *changed (may be NULL) tells
 * whether it was running. STORE_NOT_FOUND when absent. */
store_status store_outbox_postpone(store_conn_t *c, int64_t id, int64_t due_ms, bool *changed);

/* Inbound messages (table inbox_message): persisted before they are acknowledged. */
store_status store_inbox_insert(store_conn_t *c, const char *source, const char *control_id, const char *raw,
                                int64_t *id);
/* state: "processed", "failed" or "rejected"; outcome: short text (ACK code, error). */
store_status store_inbox_finish(store_conn_t *c, int64_t id, const char *state, const char *outcome);
/* The latest message of `source` with `control_id` (duplicate detection): its id and state.
 * STORE_NOT_FOUND when none. */
store_status store_inbox_find(store_conn_t *c, const char *source, const char *control_id, int64_t *id,
                              char *state, size_t state_len);

/* --- search keys (added) --------------------------------------------------------------------- */
/* The normalised form stored in the <field>_key column of every FIELD_SEARCH field and used by
 * the "q" search: Unicode NFKD, diacritics removed, case folded to upper case, ligatures
 * expanded (Œ -> OE, Æ -> AE, ß -> SS), every run of non-alphanumeric characters turned into a
 * single space, trimmed. "Éloïse-Marie  d'Aubigné" -> "ELOISE MARIE D AUBIGNE".
 * Returns out, or NULL when out is too small or s is not valid UTF-8. */
char *store_search_key(const char *s, char *out, size_t n);

/* Settings declared by the store ([store] url, pool_size, busy_timeout_ms, sqlite_synchronous). */
#include "core/config.h"
extern const config_setting store_settings[];
/* (Added) Fills opts from [store] pool_size (1..256), busy_timeout_ms (1..600000) and
 * sqlite_synchronous ("full" or "normal" -> sqlite_synchronous_normal) of a
 * configuration that registered store_settings; other members are left as they are (set
 * oid_root yourself). STORE_INVALID with an English message naming the setting otherwise. */
store_status store_options_from_config(const config_t *cfg, store_options *opts, char *err, size_t errlen);

#endif
