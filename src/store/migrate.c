/* Versioned migrations: each embedded script runs in its own transaction together with its
 * row in schema_migrations, after the dialect tokens (@ID@, @BLOB@, @BIN@) are substituted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "store/store_internal.h"

static char *substitute(const db_driver *drv, const char *sql)
{
    static const char *const tokens[] = {"@ID@", "@BLOB@", "@BIN@"};
    const char *repl[] = {drv->id_column, drv->blob_type, drv->binary_collation};
    buf_t b = BUF_INIT;
    const char *s = sql;
    while (*s) {
        size_t k;
        for (k = 0; k < 3; k++)
            if (strncmp(s, tokens[k], strlen(tokens[k])) == 0) break;
        if (k < 3) {
            if (buf_puts(&b, repl[k]) != 0) goto oom;
            s += strlen(tokens[k]);
        } else {
            if (buf_putc(&b, *s++) != 0) goto oom;
        }
    }
    return buf_steal(&b);
oom:
    buf_free(&b);
    return NULL;
}

static store_status applied(store_conn_t *c, int version, bool *yes)
{
    db_rows r;
    db_param p[] = {db_int(version)};
    store_status s = db_exec(c, "SELECT version FROM schema_migrations WHERE version = ?", p, 1, &r, NULL);
    if (s != STORE_OK) return s;
    *yes = r.nrows > 0;
    db_rows_free(&r);
    return STORE_OK;
}

static store_status apply_one(store_conn_t *c, const store_migration *m, bool *did)
{
    *did = false;
    store_status s = store_begin(c);
    if (s != STORE_OK) return s;
    if (c->st->drv->migrate_lock_sql) {
        db_rows r;
        s = db_exec(c, c->st->drv->migrate_lock_sql, NULL, 0, &r, NULL);
        db_rows_free(&r);
        if (s != STORE_OK) goto fail;
    }
    bool yes = false;
    if ((s = applied(c, m->version, &yes)) != STORE_OK) goto fail;
    if (yes) {
        store_rollback(c);
        return STORE_OK;
    }
    char *sql = substitute(c->st->drv, m->sql);
    if (!sql) {
        s = db_fail(c, STORE_ERROR, "out of memory");
        goto fail;
    }
    s = c->st->drv->script(c->h, sql, c->err, sizeof c->err);
    free(sql);
    if (s != STORE_OK) goto fail;
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_int(m->version), db_text(m->name), db_text(now)};
    s = db_exec(c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", p, 3, NULL, NULL);
    if (s != STORE_OK) goto fail;
    s = store_commit(c);
    if (s == STORE_OK) *did = true;
    return s;
fail:
    store_rollback(c);
    return s;
}

store_status store_migrate(store_t *st, char *err, size_t errlen)
{
    if (errlen) err[0] = 0;
    store_conn_t *c = store_acquire(st);
    if (!c) {
        snprintf(err, errlen, "no database connection available");
        return STORE_BUSY;
    }
    store_status s = db_exec(c,
                             "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                             "name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                             NULL, 0, NULL, NULL);
    if (s == STORE_CONFLICT) s = STORE_OK; /* PostgreSQL: a concurrent migrator created it first */
    for (size_t i = 0; s == STORE_OK && i < store_migrations_count; i++) {
        bool did = false;
        s = apply_one(c, &store_migrations[i], &did);
        if (s != STORE_OK) {
            snprintf(err, errlen, "migration %s: %s", store_migrations[i].name, c->err);
            break;
        }
        if (did) LOG_INFOF("store", "migration applied", "version=%d name=%s backend=%s", store_migrations[i].version,
                           store_migrations[i].name, st->drv->name);
    }
    if (s != STORE_OK && !err[0]) snprintf(err, errlen, "%s", c->err);
    store_release(st, c);
    return s;
}

int store_schema_version(store_t *st)
{
    store_conn_t *c = store_acquire(st);
    if (!c) return -1;
    db_rows r;
    int v = -1;
    if (db_exec(c, "SELECT MAX(version) FROM schema_migrations", NULL, 0, &r, NULL) == STORE_OK) {
        int64_t x = 0;
        v = r.nrows && db_cell(&r, 0, 0) && db_parse_i64(db_cell(&r, 0, 0), &x) ? (int)x : 0;
        db_rows_free(&r);
    }
    store_release(st, c);
    return v;
}
