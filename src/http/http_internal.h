/* Internals of the HTTP server shared by its files (and by its tests and fuzz harness).
 *
 * A request is handled in three layers:
 *   server.c   libmicrohttpd glue: body accumulation with a hard cap, response emission,
 *              security headers, access log;
 *   dispatch.c routing (router.c), store connection, session and CSRF (session.c);
 *   h_*.c      the handlers, which only see http_ctx (request, response, store connection).
 * Handlers never touch libmicrohttpd, so they can be driven by tests without sockets. */
#ifndef COULOIR_HTTP_INTERNAL_H
#define COULOIR_HTTP_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "domain/model.h"
#include "http/http.h"
#include "store/store.h"

/* ---- errors (errors.c) ---------------------------------------------------------------------
 * The stable catalogue of error codes; each has a fixed HTTP status. The message is French,
 * names the field by its label_fr, and never contains patient data. */
typedef enum {
    HE_BAD_REQUEST,        /* 400 */
    HE_INVALID_JSON,       /* 400 */
    HE_UNKNOWN_FIELD,      /* 422 (body) / 400 (query) */
    HE_INVALID_TYPE,       /* 422 / 400 */
    HE_INVALID_VALUE,      /* 422 / 400 */
    HE_MISSING_FIELD,      /* 422 / 400 */
    HE_READONLY_FIELD,     /* 422 */
    HE_TOO_LARGE,          /* 413 */
    HE_UNAUTHENTICATED,    /* 401 */
    HE_FORBIDDEN,          /* 403 */
    HE_CSRF_FAILED,        /* 403 */
    HE_NOT_FOUND,          /* 404 */
    HE_METHOD_NOT_ALLOWED, /* 405 */
    HE_CONFLICT,           /* 409 */
    HE_TRANSITION_REFUSED, /* 409 */
    HE_RATE_LIMITED,       /* 429 */
    HE_UNAVAILABLE,        /* 503 */
    HE_INTERNAL,           /* 500 */
    HE_COUNT
} http_errcode;

typedef struct {
    http_errcode code;
    int status;          /* HTTP status (0: the code's default) */
    char field[64];      /* offending field/parameter name, "" when none */
    char message[512];   /* French */
} http_err;

const char *http_errcode_name(http_errcode c);
int http_errcode_status(http_errcode c);
/* Fills e (status = the code's default) and returns -1, so validators can `return http_err_set(...)`. */
int http_err_set(http_err *e, http_errcode code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* {"error":{"code":..,"message":..,"field":..}} (field omitted when empty). */
json_t *http_err_json(const http_err *e);

/* ---- request / response ------------------------------------------------------------------- */
typedef struct {
    const char *key;
    const char *value;
} http_kv;

#define HTTP_MAX_QUERY 64
#define HTTP_MAX_HEADERS 6

typedef struct {
    bool authenticated;
    int64_t id;
    char login[64];
    char display_name[128];
    unsigned roles;
    char csrf[AUTH_TOKEN_HEX];
    char session_hash[AUTH_TOKEN_HEX];
} http_user;

typedef struct http_request {
    const char *method;          /* "GET", "POST", ... */
    const char *path;            /* URL path, percent-decoded, without the query */
    http_kv query[HTTP_MAX_QUERY];
    size_t nquery;
    bool query_overflow;         /* more than HTTP_MAX_QUERY parameters were sent */
    const char *body;            /* NUL-terminated; "" when none */
    size_t body_len;
    const char *client_addr;     /* "127.0.0.1" */
    const char *cookie_session;  /* value of the couloir_session cookie, or NULL */
    const char *csrf_header;     /* X-CSRF-Token, or NULL */
    const char *content_type;    /* Content-Type, or NULL */
    bool defer_audit;            /* the server can hold the answer until read audits are durable */
    bool accept_gzip;            /* Accept-Encoding allows gzip (cached answers are sent compressed) */
} http_request;

/* A read audit event the server records (group commit, store_audit_read_async) before it sends
 * the answer: lets a server thread go on with other connections meanwhile. */
typedef struct {
    bool pending;
    int64_t user_id, object_id, patient_id;
    char action[32], object_type[64], client_addr[64], detail[128];
} http_deferred_audit;

typedef struct {
    int status;
    json_t *json;                /* body (stolen by the server); NULL with raw or empty body */
    char *raw;                   /* non-JSON body (static files), malloc'ed */
    size_t raw_len;
    const char *raw_type;        /* its Content-Type */
    bool raw_api;                /* raw is an API answer (JSON already serialised): API headers */
    struct {
        char name[32];
        char value[256];
    } headers[HTTP_MAX_HEADERS];
    size_t nheaders;
    http_deferred_audit audit;   /* set by http_audit_read when req->defer_audit */
} http_response;

void http_response_free(http_response *r);
void http_set_json(http_response *r, int status, json_t *body); /* steals body */
/* An API answer already serialised as JSON (steals text, malloc'ed, len bytes). */
void http_set_raw_json(http_response *r, int status, char *text, size_t len);
void http_set_error(http_response *r, const http_err *e);
/* Shorthand: http_err_set + http_set_error. */
void http_fail(http_response *r, http_errcode code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void http_add_header(http_response *r, const char *name, const char *value);
/* Maps a store status to the catalogue (NOT_FOUND -> not_found, CONFLICT -> conflict, ...). */
void http_fail_store(http_response *r, store_status s, const model_resource *res);

/* ---- server state --------------------------------------------------------------------------- */
typedef struct {
    size_t max_body_bytes;
    int64_t session_ttl_seconds;
    bool tls;
    char web_root[4096];         /* realpath, "" when unset/absent */
    int slots_open_minute;       /* opening hours of the rooms for free-slot search (local time) */
    int slots_close_minute;
    int slots_step_minutes;
    bool slots_weekends;
} http_options;

/* ---- session cache (session_cache.c) ------------------------------------------------------ */
typedef struct http_session_cache http_session_cache;
/* NULL when ttl_ms <= 0 (caching disabled); every function accepts NULL. */
http_session_cache *http_session_cache_new(int64_t ttl_ms);
void http_session_cache_free(http_session_cache *c);
/* Copies the cached user of session `hash` (SHA-256 hex) into out when fresher than the TTL. */
bool http_session_cache_get(http_session_cache *c, const char *hash, int64_t now_ms, http_user *out);
void http_session_cache_put(http_session_cache *c, const http_user *u, int64_t now_ms);
void http_session_cache_forget(http_session_cache *c, const char *hash);
void http_session_cache_forget_user(http_session_cache *c, int64_t user_id);

/* ---- response cache (resp_cache.c) --------------------------------------------------------
 * Serialised 200 answers of the agenda and the free-slot search, keyed by the endpoint and its
 * parsed parameters. An entry is served only while store_write_generation() equals the one it
 * was computed under (any committed write of this process invalidates everything) and while it
 * is younger than ttl_ms (bounds staleness from other processes sharing the database). At most
 * `entries` entries of at most max_body bytes each: bounded memory, LRU eviction. */
typedef struct http_resp_cache http_resp_cache;
/* NULL (caching disabled) when entries, ttl_ms or max_body is 0; every function accepts NULL. */
http_resp_cache *http_resp_cache_new(size_t entries, int64_t ttl_ms, size_t max_body);
void http_resp_cache_free(http_resp_cache *c);
/* On a hit, *body is a malloc'ed copy (NUL-terminated) of *len bytes and *count (may be NULL)
 * the number stored with it: the gzip variant when want_gzip and the entry has one (then
 * *gzipped is true), else the plain JSON. A stale entry (other generation, expired) is dropped:
 * a miss. gzipped may be NULL when want_gzip is false. */
bool http_resp_cache_get(http_resp_cache *c, const char *key, uint64_t generation, int64_t now_ms, bool want_gzip,
                         char **body, size_t *len, bool *gzipped, int64_t *count);
/* Stores a copy of body and of gz (its gzip variant, may be NULL); entries whose plain body is
 * over max_body are not cached. generation: the value read BEFORE the data was queried, so a
 * write committed meanwhile makes the entry stale at once. */
void http_resp_cache_put(http_resp_cache *c, const char *key, uint64_t generation, int64_t now_ms, const char *body,
                         size_t len, const char *gz, size_t gz_len, int64_t count);
/* Attaches a gzip variant to the entry of key/generation when it has none (its age unchanged). */
void http_resp_cache_add_gzip(http_resp_cache *c, const char *key, uint64_t generation, const char *gz, size_t gz_len);
void http_resp_cache_stats(http_resp_cache *c, uint64_t *hits, uint64_t *misses, size_t *used);

/* ---- gzip (gzip.c) ---------------------------------------------------------------------------- */
/* gzip (RFC 1952) of len bytes into *out (malloc'ed, *outlen bytes); 0 or -1. */
int http_gzip(const char *in, size_t len, char **out, size_t *outlen);
/* True when an Accept-Encoding header value accepts gzip (x-gzip too; not with q=0). */
bool http_accepts_gzip(const char *accept_encoding);

typedef struct {
    store_t *st;
    const http_options *opt;
    auth_ratelimit_t *rl;        /* login failures, keys "ip:<addr>" and "login:<login>" */
    http_session_cache *sessions; /* may be NULL */
    http_resp_cache *responses;  /* may be NULL (no caching) */
    const config_t *cfg;         /* the configuration ([ins], [insi]: h_identity.c); outlives the server */
    struct insi_client *insi;    /* INSi client shared by the threads; NULL when [insi] is not usable */
    const http_hooks *hooks;     /* other adapters wired by the application (http.h); may be NULL */
} http_app;

/* What a handler sees. */
typedef struct {
    const http_app *app;
    const http_request *req;
    http_response *resp;
    store_conn_t *conn;          /* acquired for the request (NULL for static files) */
    http_user user;
    /* route captures */
    const model_resource *res;   /* for /api/v1/{resource}... */
    int64_t id;                  /* {id}, 0 when absent */
    const char *action;          /* transition name for /appointments/{id}/{action} */
} http_ctx;

/* ---- router (router.c) ------------------------------------------------------------------------ */
typedef void (*http_handler)(http_ctx *cx);

typedef enum {
    AUTH_NONE,       /* public (login, healthz) */
    AUTH_SESSION,    /* any logged-in user; handler checks roles */
} http_auth_mode;

typedef struct {
    const char *method;
    const char *pattern;         /* "/api/v1/appointments/{id}/{action}", "{res}" = a resource name */
    http_handler handler;
    http_auth_mode auth;
} http_route;

typedef enum { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_BAD_METHOD } route_result;

typedef struct {
    int64_t id;                  /* {id}: a decimal integer 1..INT64_MAX */
    char res[64];                /* {res} */
    char action[32];             /* {action} */
} route_params;

/* Finds the first route whose pattern matches path and whose method matches. When the path
 * matches only under other methods, returns ROUTE_BAD_METHOD and writes them into allow
 * ("GET, POST"). {id} only matches a positive decimal integer; a segment never matches
 * empty; a trailing slash is not ignored. */
route_result http_route_match(const http_route *routes, size_t nroutes, const char *method, const char *path,
                              const http_route **found, route_params *params, char *allow, size_t allowlen);

/* The API's route table. */
const http_route *http_api_routes(size_t *n);

/* ---- validation (validate.c, query.c) ------------------------------------------------------ */
/* Parses a request body that must be a JSON object (invalid_json otherwise). */
int http_parse_object(const char *body, size_t len, json_t **out, http_err *e);

/* http_parse_object for a body whose members must all be among `allowed` (NULL-terminated;
 * NULL: none): an unknown member is an unknown_field error naming it and the expected ones. An
 * empty body is an empty object when empty_ok. */
int http_parse_members(const char *body, size_t len, bool empty_ok, const char *const *allowed, json_t **out,
                       http_err *e);

typedef enum { VALIDATE_CREATE, VALIDATE_UPDATE } validate_mode;
/* Checks `in` against the descriptor: unknown fields, read-only/immutable fields, JSON types,
 * dates/datetimes, enums, lengths, required fields (create). On success *out is a new object
 * with datetimes normalised to UTC "YYYY-MM-DDTHH:MM:SSZ". Returns 0 or -1 with e filled. */
int http_validate_object(const model_resource *res, const json_t *in, validate_mode mode, json_t **out,
                         http_err *e);
/* Checks that every REF field present in obj names an existing row (invalid_value otherwise). */
int http_check_refs(store_conn_t *c, const model_resource *res, const json_t *obj, http_err *e);

#define HTTP_LIST_DEFAULT_LIMIT 50
#define HTTP_LIST_MAX_LIMIT 1000
#define HTTP_MAX_FILTERS 16

/* Parses offset/limit/q and FIELD_FILTER filters from query parameters; anything else is an
 * unknown_field error (status 400). filters (capacity HTTP_MAX_FILTERS) point into kv. */
int http_parse_list_query(const model_resource *res, const http_kv *kv, size_t n, store_filter *filters,
                          store_list_query *q, http_err *e);
/* Parses offset/limit only, and lets `allowed` (NULL-terminated names) through as filters. */
int http_parse_paging(const http_kv *kv, size_t n, const char *const *allowed, store_filter *filters,
                      store_list_query *q, http_err *e);
/* Strict decimal parse into [min, max]; 0 or -1. */
int http_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
const char *http_query_get(const http_request *r, const char *key);

/* ---- sessions (session.c) --------------------------------------------------------------------- */
/* Resolves the session cookie into cx->user; false when absent/expired/unknown. */
bool http_session_resolve(http_ctx *cx);
bool http_method_is_safe(const char *method);
/* Cookie value helper: finds name=value in a Cookie header (value copied, out size outlen). */
bool http_cookie_get(const char *header, const char *name, char *out, size_t outlen);

/* ---- audit helper (h_resource.c) ---------------------------------------------------------------- */
/* Records an audit event through cx->conn (caller owns the transaction). */
store_status http_audit(http_ctx *cx, const char *action, const char *object_type, int64_t object_id,
                        int64_t patient_id, const char *outcome, const char *detail);
/* Records the audit event of a read by group commit, without a write transaction of the
 * request's own, independently of cx->conn's transaction. When the server allows it
 * (req->defer_audit) and no other read audit is pending for this answer, the event goes into
 * resp->audit and the server records it before sending the answer (replaced by a 503 if that
 * fails); otherwise store_audit_read blocks until it is durable. Call it last, once the
 * answer is known to succeed. */
store_status http_audit_read(http_ctx *cx, const char *action, const char *object_type, int64_t object_id,
                             int64_t patient_id, const char *detail);
/* Role check: true when the user holds one of `roles`; otherwise fills a 403 and, when the
 * resource is patient data, audits the refused attempt (outcome "denied"). */
bool http_require_roles(http_ctx *cx, unsigned roles, const model_resource *res, const char *action);
/* True when reads/writes of res concern a patient (patient_data or a patient_id field). */
bool http_resource_is_patient(const model_resource *res);
/* The patient a row concerns: itself for patients, its patient_id, or through order_id /
 * procedure_id (queries through c, which may be NULL); 0 when unknown. depth: pass 0. */
int64_t http_patient_of(store_conn_t *c, const model_resource *res, const json_t *obj, int64_t id, int depth);

/* ---- handlers --------------------------------------------------------------------------------- */
void h_healthz(http_ctx *cx);
void h_login(http_ctx *cx);
void h_logout(http_ctx *cx);
void h_me(http_ctx *cx);
void h_users_create(http_ctx *cx);
void h_users_password(http_ctx *cx);
void h_users_roles(http_ctx *cx);
void h_resource_list(http_ctx *cx);
void h_resource_get(http_ctx *cx);
void h_resource_create(http_ctx *cx);
void h_resource_update(http_ctx *cx);
void h_resource_delete(http_ctx *cx);
void h_slots(http_ctx *cx);
void h_transition(http_ctx *cx);
void h_agenda(http_ctx *cx);
void h_audit_list(http_ctx *cx);
/* Identity API (h_identity.c): INSi search/accept, identity-document check, history, traces. */
void h_identity_insi_search(http_ctx *cx);
void h_identity_insi_accept(http_ctx *cx);
void h_identity_proof(http_ctx *cx);
void h_identity_history(http_ctx *cx);
void h_identity_insi_traces(http_ctx *cx);
void h_identity_proof_types(http_ctx *cx);
/* Creates app->insi from app->cfg when [insi] is configured (a warning is logged otherwise);
 * http_identity_stop frees it. */
void http_identity_start(http_app *app);
void http_identity_stop(http_app *app);

/* Serves a file under web_root for a non-API GET (index.html for "/"). */
void http_static_serve(const http_options *opt, const char *path, http_response *resp);

/* Runs one request end to end (routing, session, CSRF, handler) without sockets. */
void http_dispatch(const http_app *app, const http_request *req, http_response *resp, http_user *user_out);

/* JSON shape of a user (no hash). */
json_t *http_user_json(const store_user *u);

#endif
