/* SQLite driver: WAL, foreign keys ON, busy timeout, prepared statements cached per connection. */
#include <errno.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_internal.h"

#define STMT_CACHE 96

typedef struct {
    char *sql;
    sqlite3_stmt *stmt;
    uint64_t last_use;
} cached_stmt;

typedef struct {
    sqlite3 *db;
    cached_stmt cache[STMT_CACHE];
    size_t ncache;
    uint64_t tick;
} sq_conn;

static store_status map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return STORE_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return STORE_BUSY;
    case SQLITE_CONSTRAINT:
        switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
        case SQLITE_CONSTRAINT_FOREIGNKEY: return STORE_CONFLICT;
        default: return STORE_INVALID; /* NOT NULL, CHECK */
        }
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG: return STORE_INVALID;
    default: return STORE_ERROR;
    }
}

/* Creates the parent directory of a database file when it is missing (one level). */
static void ensure_parent_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return;
    char *dir = dirname(copy);
    struct stat sb;
    if (strcmp(dir, ".") != 0 && stat(dir, &sb) != 0) (void)mkdir(dir, 0750);
    free(copy);
}

static void *sq_open(const char *url, const store_options *opts, char *err, size_t errlen)
{
    const char *path = url + strlen("sqlite:");
    if (!*path) {
        snprintf(err, errlen, "sqlite: empty database path in \"%s\"", url);
        return NULL;
    }
    /* "file:...?mode=memory&cache=shared": the named memory database of a sqlite::memory: store
     * (see store_open_with), shared by its pool connection and its audit writer. */
    bool uri = strncmp(path, "file:", 5) == 0;
    bool memory = strcmp(path, ":memory:") == 0 || (uri && strstr(path, "mode=memory") != NULL);
    if (!memory && !uri) ensure_parent_dir(path);
    /* Process-wide library setting, only effective before SQLite's first use (later calls
     * return SQLITE_MISUSE, harmlessly): without it every sqlite3_malloc/free takes one global
     * mutex for memory statistics Couloir never reads, which serialised the HTTP threads. */
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sq_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "sqlite: cannot open %s: %s", path, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, opts->busy_timeout_ms);
    sqlite3_extended_result_codes(c->db, 1);
    /* recursive_triggers: rows an INSERT/UPDATE OR REPLACE removes fire their DELETE triggers, so
     * the worklist read model (migration 0024) loses their entries too. */
    const char *pragmas = memory                           ? "PRAGMA foreign_keys=ON; PRAGMA recursive_triggers=ON;"
                          : opts->sqlite_synchronous_normal ? "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                                                              "PRAGMA recursive_triggers=ON; PRAGMA synchronous=NORMAL;"
                                                            : "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                                                              "PRAGMA recursive_triggers=ON; PRAGMA synchronous=FULL;";
    char *msg = NULL;
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "sqlite: %s: %s", path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    return c;
}

static void sq_close(void *h)
{
    sq_conn *c = h;
    if (!c) return;
    for (size_t i = 0; i < c->ncache; i++) {
        sqlite3_finalize(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->db);
    free(c);
}

/* Returns a reset statement for sql from the cache, preparing (and caching) it when absent;
 * the least recently used entry is evicted when the cache is full. */
static int get_stmt(sq_conn *c, const char *sql, sqlite3_stmt **out)
{
    c->tick++;
    for (size_t i = 0; i < c->ncache; i++)
        if (strcmp(c->cache[i].sql, sql) == 0) {
            c->cache[i].last_use = c->tick;
            *out = c->cache[i].stmt;
            return SQLITE_OK;
        }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) return rc;
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        return SQLITE_NOMEM;
    }
    size_t slot = c->ncache;
    if (c->ncache == STMT_CACHE) {
        slot = 0;
        for (size_t i = 1; i < c->ncache; i++)
            if (c->cache[i].last_use < c->cache[slot].last_use) slot = i;
        sqlite3_finalize(c->cache[slot].stmt);
        free(c->cache[slot].sql);
    } else {
        c->ncache++;
    }
    c->cache[slot] = (cached_stmt){copy, st, c->tick};
    *out = st;
    return SQLITE_OK;
}

static store_status sq_exec(void *h, const char *sql, const db_param *p, size_t np, db_rows *out, int64_t *changes,
                            char *err, size_t errlen)
{
    sq_conn *c = h;
    sqlite3_stmt *st = NULL;
    int rc = get_stmt(c, sql, &st);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "sqlite prepare: %s", sqlite3_errmsg(c->db));
        return map_rc(rc) == STORE_OK ? STORE_ERROR : map_rc(rc);
    }
    if ((size_t)sqlite3_bind_parameter_count(st) != np) {
        snprintf(err, errlen, "sqlite: statement expects %d parameters, got %zu", sqlite3_bind_parameter_count(st), np);
        return STORE_ERROR;
    }
    for (size_t i = 0; i < np; i++) {
        int b;
        switch (p[i].type) {
        case DBP_INT: b = sqlite3_bind_int64(st, (int)i + 1, p[i].i); break;
        case DBP_TEXT: b = sqlite3_bind_text(st, (int)i + 1, p[i].s, -1, SQLITE_STATIC); break;
        default: b = sqlite3_bind_null(st, (int)i + 1); break;
        }
        if (b != SQLITE_OK) {
            snprintf(err, errlen, "sqlite bind: %s", sqlite3_errmsg(c->db));
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return STORE_ERROR;
        }
    }
    store_status result = STORE_OK;
    bool cols_set = false;
    for (;;) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            if (!out) continue;
            size_t n = (size_t)sqlite3_column_count(st);
            if (!cols_set) {
                const char *names[n ? n : 1];
                for (size_t i = 0; i < n; i++) names[i] = sqlite3_column_name(st, (int)i);
                if (db_rows_set_cols(out, n, names) != 0) {
                    result = STORE_ERROR;
                    snprintf(err, errlen, "out of memory");
                    break;
                }
                cols_set = true;
            }
            const char *cells[n ? n : 1];
            size_t lens[n ? n : 1];
            for (size_t i = 0; i < n; i++) {
                cells[i] = (const char *)sqlite3_column_text(st, (int)i);
                lens[i] = (size_t)sqlite3_column_bytes(st, (int)i);
            }
            if (db_rows_add_row(out, cells, lens) != 0) {
                result = STORE_ERROR;
                snprintf(err, errlen, "out of memory");
                break;
            }
            continue;
        }
        if (rc != SQLITE_DONE) {
            result = map_rc(rc);
            if (result == STORE_OK) result = STORE_ERROR;
            snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(c->db));
        }
        break;
    }
    if (out && !cols_set && result == STORE_OK) {
        size_t n = (size_t)sqlite3_column_count(st);
        const char *names[n ? n : 1];
        for (size_t i = 0; i < n; i++) names[i] = sqlite3_column_name(st, (int)i);
        if (db_rows_set_cols(out, n, names) != 0) result = STORE_ERROR;
    }
    if (changes) *changes = sqlite3_changes64(c->db);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return result;
}

static store_status sq_script(void *h, const char *sql, char *err, size_t errlen)
{
    sq_conn *c = h;
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        store_status s = map_rc(rc);
        return s == STORE_OK ? STORE_ERROR : s;
    }
    return STORE_OK;
}

const db_driver db_driver_sqlite = {
    .name = "sqlite",
    .id_column = "INTEGER PRIMARY KEY",
    .key_column = "INTEGER PRIMARY KEY",
    .blob_type = "BLOB",
    .binary_collation = "COLLATE BINARY",
    .begin_sql = "BEGIN IMMEDIATE",
    .begin_read_sql = "BEGIN", /* deferred: takes no lock until the first read, never the write lock */
    .migrate_lock_sql = NULL, /* BEGIN IMMEDIATE already serialises writers */
    .no_autocheckpoint_sql = "PRAGMA wal_autocheckpoint=0",
    .checkpoint_sql = "PRAGMA wal_checkpoint(PASSIVE)", /* never waits for readers or writers */
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .script = sq_script,
};
