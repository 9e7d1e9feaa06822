/* The connection pool (mutex + condition variable, bounded wait) and transactions. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "store/store_internal.h"

#define DEFAULT_POOL 4
#define DEFAULT_BUSY_MS 5000

const config_setting store_settings[] = {
    {"store", "url", "sqlite:var/couloir.db",
     "Database: sqlite:PATH (SQLite file, created if missing) or postgresql://user@host:port/db (libpq URL)", true},
    {"store", "pool_size", "4", "Number of database connections kept open (1..256; SQLite :memory: always uses 1)",
     false},
    {"store", "busy_timeout_ms", "5000",
     "Milliseconds (1..600000) to wait for a free connection or a database lock before answering busy", false},
    {"store", "sqlite_synchronous", "full",
     "SQLite only: full (every commit reaches the disk before it is acknowledged) or normal (in WAL mode "
     "the database stays consistent, but the last commits may be lost on a power failure or an OS crash, "
     "never on a process crash; faster commits)", false},
    {NULL, NULL, NULL, NULL, false},
};

store_status store_options_from_config(const config_t *cfg, store_options *opts, char *err, size_t errlen)
{
    bool ok = false;
    long pool = config_get_long(cfg, "store", "pool_size", 1, 256, &ok);
    if (!ok) {
        snprintf(err, errlen, "[store] pool_size must be an integer between 1 and 256");
        return STORE_INVALID;
    }
    long busy = config_get_long(cfg, "store", "busy_timeout_ms", 1, 600000, &ok);
    if (!ok) {
        snprintf(err, errlen, "[store] busy_timeout_ms must be an integer between 1 and 600000");
        return STORE_INVALID;
    }
    const char *sync = config_get(cfg, "store", "sqlite_synchronous");
    bool normal = false;
    if (!sync || strcmp(sync, "full") == 0) normal = false;
    else if (strcmp(sync, "normal") == 0) normal = true;
    else {
        snprintf(err, errlen, "[store] sqlite_synchronous must be full or normal");
        return STORE_INVALID;
    }
    opts->pool_size = (int)pool;
    opts->busy_timeout_ms = (int)busy;
    opts->sqlite_synchronous_normal = normal;
    return STORE_OK;
}

const char *store_status_name(store_status s)
{
    switch (s) {
    case STORE_OK: return "ok";
    case STORE_NOT_FOUND: return "not_found";
    case STORE_CONFLICT: return "conflict";
    case STORE_INVALID: return "invalid";
    case STORE_BUSY: return "busy";
    case STORE_ERROR: return "error";
    }
    return "unknown";
}

static const db_driver *driver_for(const char *url)
{
    if (strncmp(url, "sqlite:", 7) == 0) return &db_driver_sqlite;
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) return &db_driver_pg;
    return NULL;
}

store_status store_open(const char *url, int pool_size, store_t **out, char *err, size_t errlen)
{
    store_options o = {.pool_size = pool_size};
    return store_open_with(url, &o, out, err, errlen);
}

store_status store_open_with(const char *url, const store_options *opts, store_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!url) {
        snprintf(err, errlen, "no database URL");
        return STORE_INVALID;
    }
    const db_driver *drv = driver_for(url);
    if (!drv) {
        snprintf(err, errlen, "unsupported database URL (expected sqlite:PATH or postgresql://...)");
        return STORE_INVALID;
    }
    int pool = opts && opts->pool_size ? opts->pool_size : DEFAULT_POOL;
    int busy = opts && opts->busy_timeout_ms ? opts->busy_timeout_ms : DEFAULT_BUSY_MS;
    if (pool < 1 || pool > 256) {
        snprintf(err, errlen, "pool_size must be between 1 and 256 (got %d)", pool);
        return STORE_INVALID;
    }
    if (busy < 0) {
        snprintf(err, errlen, "busy_timeout_ms must be >= 0");
        return STORE_INVALID;
    }
    bool memory = drv == &db_driver_sqlite && strcmp(url, "sqlite::memory:") == 0;
    if (memory) pool = 1;

    store_t *st = calloc(1, sizeof *st);
    if (!st) goto oom;
    st->drv = drv;
    st->busy_timeout_ms = busy;
    st->url = strdup(url);
    st->oid_root = strdup(opts && opts->oid_root ? opts->oid_root : "");
    st->conns = calloc((size_t)pool, sizeof *st->conns);
    if (memory) {
        /* A private memory database that a second connection (the audit writer) can open too. */
        char name[96];
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        snprintf(name, sizeof name, "sqlite:file:couloir-mem-%p-%lld-%ld?mode=memory&cache=shared", (void *)st,
                 (long long)ts.tv_sec, ts.tv_nsec);
        st->open_url = strdup(name);
    } else {
        st->open_url = strdup(url);
    }
    if (!st->url || !st->oid_root || !st->conns || !st->open_url) goto oom;
    if (opts) st->opts = *opts;
    st->opts.pool_size = pool;
    st->opts.busy_timeout_ms = busy;
    st->opts.oid_root = st->oid_root;
    pthread_mutex_init(&st->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->cv, &ca);
    pthread_condattr_destroy(&ca);
    for (int i = 0; i < pool; i++) {
        store_conn_t *c = &st->conns[i];
        c->st = st;
        c->h = drv->open(st->open_url, &st->opts, err, errlen);
        if (!c->h) {
            store_close(st);
            return STORE_ERROR;
        }
        st->n++;
    }
    if (db_audit_writer_start(st, err, errlen) != STORE_OK) {
        store_close(st);
        return STORE_ERROR;
    }
    *out = st;
    return STORE_OK;
oom:
    if (st) {
        free(st->url);
        free(st->open_url);
        free(st->oid_root);
        free(st->conns);
        free(st);
    }
    snprintf(err, errlen, "out of memory");
    return STORE_ERROR;
}

void store_close(store_t *st)
{
    if (!st) return;
    db_audit_writer_stop(st); /* first: it drains the queue, and may share a memory database */
    for (size_t i = 0; i < st->n; i++) st->drv->close(st->conns[i].h);
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
    free(st->conns);
    free(st->url);
    free(st->open_url);
    free(st->oid_root);
    free(st);
}

uint64_t store_write_generation(const store_t *st) { return __atomic_load_n(&st->write_gen, __ATOMIC_ACQUIRE); }

static void bump_generation(store_conn_t *c)
{
    if (!c->private_conn) __atomic_add_fetch(&c->st->write_gen, 1, __ATOMIC_RELEASE);
}

/* True for statements that may change data: anything but SELECT and transaction control. */
static bool is_write_sql(const char *sql)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(') sql++;
    static const char *const reads[] = {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "END", "PRAGMA", "SAVEPOINT",
                                        "RELEASE", "SET", "SHOW", "EXPLAIN", NULL};
    for (const char *const *r = reads; *r; r++) {
        size_t n = strlen(*r);
        if (strncasecmp(sql, *r, n) == 0 && !((sql[n] >= 'A' && sql[n] <= 'Z') || (sql[n] >= 'a' && sql[n] <= 'z')))
            return false;
    }
    return true;
}

const char *store_backend(const store_t *st) { return st->drv->name; }

store_conn_t *store_acquire(store_t *st)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += st->busy_timeout_ms / 1000;
    deadline.tv_nsec += (long)(st->busy_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    store_conn_t *got = NULL;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        for (size_t i = 0; i < st->n; i++)
            if (!st->conns[i].in_use) {
                got = &st->conns[i];
                break;
            }
        if (got) break;
        int rc = pthread_cond_timedwait(&st->cv, &st->mu, &deadline);
        if (rc == ETIMEDOUT) break;
    }
    if (got) {
        got->in_use = true;
        got->err[0] = 0;
    }
    pthread_mutex_unlock(&st->mu);
    if (!got) LOG_WARNF("store", "pool exhausted", "pool_size=%zu waited_ms=%d", st->n, st->busy_timeout_ms);
    return got;
}

void store_release(store_t *st, store_conn_t *c)
{
    if (!c) return;
    if (c->in_tx) {
        /* A transaction left open by a caller must not leak into the next user. */
        LOG_WARNF("store", "connection released inside a transaction: rolled back", "backend=%s", st->drv->name);
        store_rollback(c);
    }
    pthread_mutex_lock(&st->mu);
    c->in_use = false;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

const char *store_last_error(const store_conn_t *c) { return c ? c->err : "no connection"; }

int64_t db_next_serial(store_t *st)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t us = ((int64_t)ts.tv_sec - 1577836800) * 1000000 + ts.tv_nsec / 1000;
    pthread_mutex_lock(&st->mu);
    if (us <= st->last_serial) us = st->last_serial + 1;
    st->last_serial = us;
    pthread_mutex_unlock(&st->mu);
    return us;
}

store_status db_fail(store_conn_t *c, store_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return st;
}

store_status db_exec_row(store_conn_t *c, const char *sql, const db_param *p, size_t np, db_rows *out)
{
    store_status st = db_exec(c, sql, p, np, out, NULL);
    if (st == STORE_OK && out->nrows == 0) {
        db_rows_free(out);
        return STORE_NOT_FOUND;
    }
    return st;
}

store_status db_exec(store_conn_t *c, const char *sql, const db_param *p, size_t np, db_rows *out, int64_t *changes)
{
    if (out) memset(out, 0, sizeof *out);
    bool write = is_write_sql(sql);
    int64_t changed = 0;
    if (write && !changes) changes = &changed; /* to know whether anything changed */
    store_status s = c->st->drv->exec(c->h, sql, p, np, out, changes, c->err, sizeof c->err);
    if (s != STORE_OK && out) db_rows_free(out);
    /* Only statements that changed rows count as writes (an outbox poll finding nothing due, an
     * upsert doing nothing, must not invalidate caches). */
    if (s == STORE_OK && write && changes && *changes > 0) {
        if (c->in_tx) c->wrote = true;
        else
            bump_generation(c); /* committed at once (autocommit) */
    }
    if (s == STORE_ERROR) LOG_ERRORF("store", "statement failed", "backend=%s", c->st->drv->name);
    return s;
}

static store_status begin_as(store_conn_t *c, const char *sql, int kind)
{
    if (c->in_tx) return db_fail(c, STORE_INVALID, "transaction already open");
    store_status s = db_exec(c, sql, NULL, 0, NULL, NULL);
    if (s == STORE_OK) {
        c->in_tx = kind;
        c->wrote = false;
    }
    return s;
}

store_status store_begin(store_conn_t *c) { return begin_as(c, c->st->drv->begin_sql, DB_TX_WRITE); }

store_status store_begin_read(store_conn_t *c) { return begin_as(c, c->st->drv->begin_read_sql, DB_TX_READ); }

store_status store_commit(store_conn_t *c)
{
    if (!c->in_tx) return db_fail(c, STORE_INVALID, "no transaction open");
    store_status s = db_exec(c, "COMMIT", NULL, 0, NULL, NULL);
    if (s != STORE_OK) {
        char keep[sizeof c->err];
        memcpy(keep, c->err, sizeof keep);
        store_rollback(c);
        memcpy(c->err, keep, sizeof keep);
        return s;
    }
    c->in_tx = 0;
    if (c->wrote) bump_generation(c);
    c->wrote = false;
    return STORE_OK;
}

void store_rollback(store_conn_t *c)
{
    if (!c->in_tx) return;
    char keep[sizeof c->err];
    memcpy(keep, c->err, sizeof keep);
    (void)c->st->drv->exec(c->h, "ROLLBACK", NULL, 0, NULL, NULL, c->err, sizeof c->err);
    memcpy(c->err, keep, sizeof keep);
    c->in_tx = 0;
    c->wrote = false;
}

store_status db_tx_auto(store_conn_t *c, bool *opened)
{
    *opened = false;
    if (c->in_tx) return STORE_OK;
    store_status s = store_begin(c);
    if (s == STORE_OK) *opened = true;
    return s;
}

store_status db_tx_end(store_conn_t *c, bool opened, store_status st)
{
    if (!opened) return st;
    if (st == STORE_OK) return store_commit(c);
    store_rollback(c);
    return st;
}

/* --- rows ---------------------------------------------------------------------------------- */
void db_rows_free(db_rows *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->ncols; i++) free(r->cols[i]);
    for (size_t i = 0; i < r->nrows; i++) free(r->rowmem[i]);
    free(r->cols);
    free(r->cells);
    free(r->rowmem);
    memset(r, 0, sizeof *r);
}

int db_rows_set_cols(db_rows *r, size_t ncols, const char *const *names)
{
    r->cols = calloc(ncols ? ncols : 1, sizeof *r->cols);
    if (!r->cols) return -1;
    r->ncols = ncols;
    for (size_t i = 0; i < ncols; i++)
        if (!(r->cols[i] = strdup(names[i] ? names[i] : ""))) return -1;
    return 0;
}

/* One allocation per row (not per cell): the agenda fetches thousands of cells per request. */
int db_rows_add_row(db_rows *r, const char *const *cells, const size_t *lens)
{
    if (r->nrows == r->cap) {
        size_t new_cap = r->cap ? r->cap * 2 : 8;
        char **grown = realloc(r->cells, new_cap * (r->ncols ? r->ncols : 1) * sizeof *grown);
        if (!grown) return -1;
        r->cells = grown;
        char **mem = realloc(r->rowmem, new_cap * sizeof *mem);
        if (!mem) return -1;
        r->rowmem = mem;
        r->cap = new_cap;
    }
    size_t total = 1;
    for (size_t i = 0; i < r->ncols; i++)
        if (cells[i]) total += lens[i] + 1;
    char *block = malloc(total);
    if (!block) return -1;
    char **row = r->cells + r->nrows * r->ncols;
    char *p = block;
    for (size_t i = 0; i < r->ncols; i++) {
        row[i] = NULL;
        if (!cells[i]) continue;
        memcpy(p, cells[i], lens[i]);
        p[lens[i]] = 0;
        row[i] = p;
        p += lens[i] + 1;
    }
    r->rowmem[r->nrows] = block;
    r->nrows++;
    return 0;
}

bool db_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s) return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s) return false;
    if (s[0] == '+' || s[0] == ' ') return false;
    *out = v;
    return true;
}

void db_roles_format(unsigned roles, char *out, size_t n)
{
    size_t used = 0;
    out[0] = 0;
    for (unsigned bit = 1; bit <= ROLE_ADMIN; bit <<= 1) {
        if (!(roles & bit)) continue;
        const char *name = model_role_name(bit);
        int w = snprintf(out + used, n - used, "%s%s", used ? " " : "", name ? name : "");
        if (w < 0 || (size_t)w >= n - used) break;
        used += (size_t)w;
    }
}

bool db_roles_parse(const char *text, unsigned *roles)
{
    *roles = 0;
    if (!text) return false;
    const char *s = text;
    while (*s) {
        while (*s == ' ' || *s == ',') s++;
        if (!*s) break;
        const char *e = s;
        while (*e && *e != ' ' && *e != ',') e++;
        char name[32];
        size_t len = (size_t)(e - s);
        if (len >= sizeof name) return false;
        memcpy(name, s, len);
        name[len] = 0;
        unsigned bit = model_role_parse(name);
        if (!bit) return false;
        *roles |= bit;
        s = e;
    }
    return *roles != 0;
}
