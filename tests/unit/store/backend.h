/* Runs a cmocka group once per store backend: SQLite in a fresh temporary file, then
 * PostgreSQL in a fresh database created on the throwaway cluster of COULOIR_TEST_PG_URL
 * (dropped afterwards). When that variable is unset, the PostgreSQL half is skipped (or
 * fails under CI=true) once the SQLite half has passed. Header-only, for the store and demo tests. */
#ifndef COULOIR_TESTS_STORE_BACKEND_H
#define COULOIR_TESTS_STORE_BACKEND_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rand.h"
#include "store/store.h"
#include "support/test_support.h"

typedef struct {
    const char *backend; /* "sqlite" or "postgresql" */
    char url[1024];
    char dir[256];       /* sqlite: temp dir */
    char dbname[64];     /* postgresql: database */
    char admin_url[1024];
} test_backend;

/* The URL of the database under test (set by test_run_backends before each group). */
static test_backend g_backend;

static inline int pg_admin(const char *admin_url, const char *sql)
{
    PGconn *pg = PQconnectdb(admin_url);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "postgresql: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return -1;
    }
    PGresult *r = PQexec(pg, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc) fprintf(stderr, "postgresql: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(pg);
    return rc;
}

static inline int backend_setup(test_backend *b, const char *kind)
{
    memset(b, 0, sizeof *b);
    b->backend = kind;
    if (strcmp(kind, "sqlite") == 0) {
        snprintf(b->dir, sizeof b->dir, "/tmp/couloir-store-XXXXXX");
        if (!mkdtemp(b->dir)) return -1;
        snprintf(b->url, sizeof b->url, "sqlite:%s/test.db", b->dir);
        return 0;
    }
    const char *admin = test_pg_url();
    snprintf(b->admin_url, sizeof b->admin_url, "%s", admin);
    char hex[17];
    rand_hex(hex, 8);
    snprintf(b->dbname, sizeof b->dbname, "t_%s", hex);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", b->dbname);
    if (pg_admin(admin, sql) != 0) return -1;
    /* Same URL with the database path replaced (keeping any ?query). */
    const char *scheme = strstr(admin, "://");
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    const char *query = strchr(admin, '?');
    if (!slash || (query && slash > query)) slash = query ? query : admin + strlen(admin);
    snprintf(b->url, sizeof b->url, "%.*s/%s%s", (int)(slash - admin), admin, b->dbname, query ? query : "");
    return 0;
}

static inline void backend_teardown(test_backend *b)
{
    if (strcmp(b->backend, "sqlite") == 0) {
        const char *suffix[] = {"test.db", "test.db-wal", "test.db-shm", "test.db-journal"};
        char path[512];
        for (size_t i = 0; i < 4; i++) {
            snprintf(path, sizeof path, "%s/%s", b->dir, suffix[i]);
            unlink(path);
        }
        rmdir(b->dir);
        return;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", b->dbname);
    pg_admin(b->admin_url, sql);
}

/* Opens the database under test, migrated. Aborts the program on failure. */
static inline store_t *open_test_store(int pool)
{
    store_t *st = NULL;
    char err[512] = "";
    store_options o = {.pool_size = pool, .busy_timeout_ms = 3000};
    if (store_open_with(g_backend.url, &o, &st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "store_open(%s): %s\n", g_backend.url, err);
        exit(1);
    }
    if (store_migrate(st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "store_migrate(%s): %s\n", g_backend.backend, err);
        exit(1);
    }
    return st;
}

/* The usual group fixture: a migrated store with `pool` connections, one of them held in `c`.
 * Defines the statics st and c and the functions setup() and teardown() for cmocka. */
#define TEST_STORE_ONE_CONNECTION(pool)                                                             \
    static store_t *st;                                                                             \
    static store_conn_t *c;                                                                         \
    static int setup(void **state)                                                                  \
    {                                                                                               \
        (void)state;                                                                                \
        st = open_test_store(pool);                                                                 \
        c = store_acquire(st);                                                                      \
        return c ? 0 : -1;                                                                          \
    }                                                                                               \
    static int teardown(void **state)                                                               \
    {                                                                                               \
        (void)state;                                                                                \
        store_release(st, c);                                                                       \
        store_close(st);                                                                            \
        return 0;                                                                                   \
    }

/* run(backend) returns the number of failed tests. */
static inline int test_run_backends(int (*run)(const char *backend))
{
    int failed = 0;
    if (backend_setup(&g_backend, "sqlite") != 0) {
        fprintf(stderr, "cannot create a temporary SQLite database\n");
        return 1;
    }
    failed += run("sqlite");
    backend_teardown(&g_backend);
    if (failed) return 1;
    if (!test_pg_url()) {
        test_skip_or_fail("COULOIR_TEST_PG_URL is unset: the PostgreSQL half was not run "
                          "(eval \"$(scripts/pg-throwaway.sh start)\")");
        return 0;
    }
    if (backend_setup(&g_backend, "postgresql") != 0) return 1;
    failed += run("postgresql");
    backend_teardown(&g_backend);
    return failed ? 1 : 0;
}

#endif
