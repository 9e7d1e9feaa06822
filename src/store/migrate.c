/* Versioned migrations: each embedded script runs in its own transaction together with its
 * row in schema_migrations, once store_migration_sql() has made it the backend's SQL (see
 * store_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "store/store_internal.h"

/* A line starting "-- [" is a section marker: 1 with *name set ("" for "all"), -1 when it is
 * not one of the three exact markers (trailing blanks allowed), 0 for any other line. */
static int section_marker(const char *line, size_t len, const char **name)
{
    static const char *const names[] = {"sqlite", "postgresql", "all"};
    if (len < 4 || strncmp(line, "-- [", 4) != 0) return 0;
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r')) len--;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(names[i]);
        if (len == 4 + n + 1 && strncmp(line + 4, names[i], n) == 0 && line[4 + n] == ']') {
            *name = i == 2 ? "" : names[i];
            return 1;
        }
    }
    return -1;
}

/* Appends line[0..len) with the dialect tokens replaced. */
static int put_line(buf_t *b, const db_driver *drv, const char *line, size_t len)
{
    static const char *const tokens[] = {"@ID@", "@KEY@", "@BLOB@", "@BIN@"};
    const char *repl[] = {drv->id_column, drv->key_column, drv->blob_type, drv->binary_collation};
    enum { NTOKENS = sizeof tokens / sizeof *tokens };
    for (const char *s = line; s < line + len;) {
        size_t k;
        for (k = 0; k < NTOKENS; k++)
            if ((size_t)(line + len - s) >= strlen(tokens[k]) && strncmp(s, tokens[k], strlen(tokens[k])) == 0) break;
        if ((k < NTOKENS ? buf_puts(b, repl[k]) : buf_putc(b, *s)) != 0) return -1;
        s += k < NTOKENS ? strlen(tokens[k]) : 1;
    }
    return 0;
}

char *store_migration_sql(const db_driver *drv, const char *sql, char *err, size_t errlen)
{
    buf_t b = BUF_INIT;
    bool keep = true, open_section = false;
    size_t lineno = 1, opened_at = 0;
    for (const char *line = sql; *line; lineno++) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *name = NULL;
        int marker = section_marker(line, len, &name);
        if (marker < 0) {
            snprintf(err, errlen, "line %zu: unknown section marker (expected \"-- [sqlite]\", \"-- [postgresql]\" or "
                                  "\"-- [all]\")", lineno);
            buf_free(&b);
            return NULL;
        }
        if (marker > 0) {
            keep = !*name || strcmp(name, drv->name) == 0;
            open_section = *name != 0;
            opened_at = lineno;
        } else if (keep && put_line(&b, drv, line, len) != 0) {
            goto oom;
        }
        /* a marker or a dropped line stays an empty line: error messages keep the file's numbers */
        if (eol && buf_putc(&b, '\n') != 0) goto oom;
        line += len + (eol ? 1 : 0);
    }
    if (open_section) {
        snprintf(err, errlen, "line %zu: section not closed by \"-- [all]\"", opened_at);
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
oom:
    snprintf(err, errlen, "out of memory");
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
    char why[160];
    char *sql = store_migration_sql(c->st->drv, m->sql, why, sizeof why);
    if (!sql) {
        s = db_fail(c, STORE_ERROR, "%s", why);
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
