/* Internals of the store: the tiny driver interface both backends implement, and helpers
 * shared by the files written once above it (resources, accounts, audit, agenda, migrations).
 *
 * SQL is written once with `?` positional placeholders; the PostgreSQL driver rewrites them to
 * `$n` (outside quoted strings/identifiers). Values cross the driver as typed parameters and
 * come back as text cells (NULL for SQL NULL): integers in decimal, text as stored. */
#ifndef COULOIR_STORE_STORE_INTERNAL_H
#define COULOIR_STORE_STORE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Longest appointment (seconds): enforced on write, used to bound agenda range scans. */
#define STORE_MAX_INTERVAL (24 * 3600)

/* --- parameters ---------------------------------------------------------------------------- */
typedef enum { DBP_NULL, DBP_INT, DBP_TEXT } db_param_type;

typedef struct {
    db_param_type type;
    int64_t i;
    const char *s; /* borrowed: must outlive the call */
} db_param;

static inline db_param db_int(int64_t v) { return (db_param){DBP_INT, v, NULL}; }
static inline db_param db_text(const char *s) { return (db_param){s ? DBP_TEXT : DBP_NULL, 0, s}; }
static inline db_param db_null(void) { return (db_param){DBP_NULL, 0, NULL}; }

/* --- results ------------------------------------------------------------------------------- */
typedef struct {
    size_t nrows, ncols;
    char **cols;   /* ncols column names */
    char **cells;  /* nrows * ncols, row-major; NULL = SQL NULL; point into rowmem */
    char **rowmem; /* nrows blocks: the text of each row in one allocation */
    size_t cap;    /* rows allocated */
} db_rows;

void db_rows_free(db_rows *r);
static inline const char *db_cell(const db_rows *r, size_t row, size_t col)
{
    return r->cells[row * r->ncols + col];
}
/* Appends a row of ncols cells (copied) — used by the drivers while fetching. */
int db_rows_set_cols(db_rows *r, size_t ncols, const char *const *names);
int db_rows_add_row(db_rows *r, const char *const *cells, const size_t *lens);
/* The rows as a JSON array of objects keyed by column name (SQL aliases rename); the columns
 * named in int_cols (NULL-terminated, may be NULL) are integers, the others strings; SQL NULL
 * is null. */
json_t *db_rows_json(const db_rows *r, const char *const *int_cols);

/* --- driver -------------------------------------------------------------------------------- */
typedef struct {
    const char *name;               /* "sqlite" or "postgresql" */
    /* Dialect substitutions applied to migration scripts (see migrations/README in data-model.md). */
    const char *id_column;          /* @ID@   generated primary key */
    const char *key_column;         /* @KEY@  primary key given by the writer (a copy's key) */
    const char *blob_type;          /* @BLOB@ */
    const char *binary_collation;   /* @BIN@  */
    const char *begin_sql;          /* "BEGIN IMMEDIATE" / "BEGIN" */
    const char *begin_read_sql;     /* "BEGIN" (deferred: no write lock) / "BEGIN" */
    const char *migrate_lock_sql;   /* serialises concurrent migrators inside the transaction; may be NULL */
    /* Background checkpointing (SQLite WAL), both NULL when the backend has none: the audit
     * writer's connection runs no_autocheckpoint_sql so that its commits never wait for a
     * checkpoint, and a checkpointer thread runs checkpoint_sql on its own connection. */
    const char *no_autocheckpoint_sql;
    const char *checkpoint_sql;
    void *(*open)(const char *url, const store_options *opts, char *err, size_t errlen);
    void (*close)(void *h);
    /* One statement with parameters. out (may be NULL) receives the rows; changes (may be NULL)
     * the number of rows inserted/updated/deleted. */
    store_status (*exec)(void *h, const char *sql, const db_param *p, size_t np, db_rows *out, int64_t *changes,
                         char *err, size_t errlen);
    /* Several statements without parameters (migrations). */
    store_status (*script)(void *h, const char *sql, char *err, size_t errlen);
} db_driver;

/* Rewrites `?` to `$1..$n` outside '...' strings, "..." identifiers and -- comments (the
 * PostgreSQL driver; exposed for its unit test). Returns a malloc'ed string, NULL when out of memory. */
char *db_pg_rewrite_placeholders(const char *sql);

extern const db_driver db_driver_sqlite;
extern const db_driver db_driver_pg;

/* --- pool ---------------------------------------------------------------------------------- */
enum { DB_TX_NONE = 0, DB_TX_WRITE = 1, DB_TX_READ = 2 };

struct store_conn {
    store_t *st;
    void *h;            /* driver handle */
    int in_tx;          /* DB_TX_*: inside store_begin / store_begin_read ... commit */
    bool wrote;         /* a write statement ran in the open transaction */
    bool private_conn;  /* the audit writer's own connection: never bumps the write generation */
    bool in_use;
    char err[512];
};

typedef struct audit_writer audit_writer;

struct store {
    const db_driver *drv;
    char *url;
    int busy_timeout_ms;
    char *oid_root;
    store_options opts;       /* as given, with defaults applied (oid_root points to the copy above) */
    pthread_mutex_t mu;       /* guards conns[].in_use and last_serial */
    pthread_cond_t cv;
    int64_t last_serial;      /* last value of db_next_serial() */
    size_t n;
    store_conn_t *conns;
    uint64_t write_gen;       /* store_write_generation(); __atomic builtins only */
    char *open_url;           /* URL given to the driver (sqlite::memory: becomes a named shared-cache
                               * memory database so the audit writer can open it too) */
    audit_writer *audit;      /* group commit of read audit events (audit_writer.c) */
};

/* Audit writer life cycle (audit_writer.c): started by store_open_with after the pool, stopped
 * (queue drained, waiters woken, thread joined) by store_close before the pool is closed. */
store_status db_audit_writer_start(store_t *st, char *err, size_t errlen);
void db_audit_writer_stop(store_t *st);
/* Test hook: while held, the writer takes no batch (events queue up); store_close releases it. */
void db_audit_writer_hold(store_t *st, bool hold);
/* Events queued and not yet committed (test hook). */
size_t db_audit_writer_queued(store_t *st);
/* The writer's own connection (test hook: only while no event is queued). */
store_conn_t *db_audit_writer_conn(store_t *st);
/* Inserts an audit row with an explicit time (unix seconds); store_audit_insert uses now. */
store_status db_audit_insert_at(store_conn_t *c, const store_audit_event *ev, int64_t at);
/* STORE_OK when ev can be recorded (an action, a known outcome); sets c->err when c is not NULL. */
store_status db_audit_check(store_conn_t *c, const store_audit_event *ev);

/* Runs one statement on a connection, recording the error text in c->err. */
/* The SQL of a migration script for drv (migrate.c): the dialect tokens replaced (@ID@ a
 * generated primary key, @KEY@ a primary key given by the writer, @BLOB@, @BIN@ the bytewise
 * collation) and the other backend's sections dropped. A line "-- [sqlite]" or
 * "-- [postgresql]" starts lines kept for that backend only, a line "-- [all]" ends them; marker
 * and dropped lines become empty lines, so the backend's error line numbers are the file's.
 * NULL, with the reason in err, for a line starting "-- [" that is not one of those markers,
 * a section left open at the end, or no memory. The result is malloc'ed (free()). */
char *store_migration_sql(const db_driver *drv, const char *sql, char *err, size_t errlen);

store_status db_exec(store_conn_t *c, const char *sql, const db_param *p, size_t np, db_rows *out, int64_t *changes);
/* A query expected to return a row: STORE_NOT_FOUND (rows freed) when it returns none. */
store_status db_exec_row(store_conn_t *c, const char *sql, const db_param *p, size_t np, db_rows *out);

/* Opens a transaction unless one is already open; *opened tells the caller whether it must
 * finish it with db_tx_end. Lets multi-statement operations stay atomic when called outside
 * an explicit store_begin. */
store_status db_tx_auto(store_conn_t *c, bool *opened);
store_status db_tx_end(store_conn_t *c, bool opened, store_status st);

/* Formats the message into c->err and returns st. */
store_status db_fail(store_conn_t *c, store_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A per-store strictly increasing number: microseconds since 2020-01-01 UTC, bumped by one when
 * called twice within a microsecond. Used for generated identifiers (IPP, accession number, SPS
 * id): unique within a process without a database round trip, 15 digits until 2051. */
int64_t db_next_serial(store_t *st);

/* Parses a decimal 64-bit integer; false when malformed. */
bool db_parse_i64(const char *s, int64_t *out);

/* Role bits <-> "accueil radiologue" text (space separated, canonical order). */
void db_roles_format(unsigned roles, char *out, size_t n);
/* Returns false when a name is unknown or the list is empty. */
bool db_roles_parse(const char *text, unsigned *roles);

/* Embedded migrations (generated at build time from src/store/migrations/NNNN_name.sql). */
typedef struct {
    int version;
    const char *name;
    const char *sql;
} store_migration;
extern const store_migration store_migrations[];
extern const size_t store_migrations_count;

#endif
