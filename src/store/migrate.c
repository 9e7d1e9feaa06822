/* Versioned migrations: each embedded script runs in its own transaction together with its
 * row in schema_migrations, after the dialect tokens (@ID@, @KEY@, @BLOB@, @BIN@) are substituted
 * and the other dialect's sections dropped: a line "-- [sqlite]" or "-- [postgresql]" starts a
 * section kept for that backend only (what one SQL cannot say, e.g. trigger bodies), and a line
 * "-- [all]" ends it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "store/store_internal.h"

/* The section a marker line opens: NULL when the line is not a marker, "" for "-- [all]". */
static const char *section_marker(const char *line, size_t len)
{
    static const char *const names[] = {"sqlite", "postgresql", "all"};
    if (len < 5 || strncmp(line, "-- [", 4) != 0) return NULL;
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\r')) len--;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(names[i]);
        if (len == 4 + n + 1 && strncmp(line + 4, names[i], n) == 0 && line[4 + n] == ']')
            return i == 2 ? "" : names[i];
    }
    return NULL;
}

static char *substitute(const db_driver *drv, const char *sql)
{
    static const char *const tokens[] = {"@ID@", "@KEY@", "@BLOB@", "@BIN@"};
    const char *repl[] = {drv->id_column, drv->key_column, drv->blob_type, drv->binary_collation};
    enum { NTOKENS = sizeof tokens / sizeof *tokens };
    buf_t b = BUF_INIT;
    bool keep = true;
    for (const char *line = sql; *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *marker = section_marker(line, len);
        if (marker) {
            keep = !*marker || strcmp(marker, drv->name) == 0;
        } else if (keep) {
            for (const char *s = line; s < line + len;) {
                size_t k;
                for (k = 0; k < NTOKENS; k++)
                    if (strncmp(s, tokens[k], strlen(tokens[k])) == 0) break;
                int rc = k < NTOKENS ? buf_puts(&b, repl[k]) : buf_putc(&b, *s);
                if (rc != 0) goto oom;
                s += k < NTOKENS ? strlen(tokens[k]) : 1;
            }
            if (eol && buf_putc(&b, '\n') != 0) goto oom;
        }
        line += len + (eol ? 1 : 0);
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
