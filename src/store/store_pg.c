/* PostgreSQL driver (libpq): `?` placeholders rewritten to `$n`, statements prepared once per
 * connection (PQprepare) and cached, lock_timeout = busy timeout, UTC session time zone. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "store/store_internal.h"

#define STMT_CACHE 128
#define INT8OID 20

typedef struct {
    char *sql;       /* as written (with ?) */
    char name[16];
    uint64_t last_use;
} cached_stmt;

typedef struct {
    PGconn *pg;
    cached_stmt cache[STMT_CACHE];
    size_t ncache;
    uint64_t tick;
    unsigned next_name;
    int busy_timeout_ms;
} pg_conn;

char *db_pg_rewrite_placeholders(const char *sql)
{
    buf_t b = BUF_INIT;
    int n = 0;
    char quote = 0;
    for (const char *s = sql; *s; s++) {
        if (quote) {
            if (*s == quote) quote = 0; /* a doubled quote reopens on the next char: same effect */
            if (buf_putc(&b, *s) != 0) goto oom;
            continue;
        }
        if (*s == '\'' || *s == '"') {
            quote = *s;
        } else if (s[0] == '-' && s[1] == '-') {
            const char *eol = strchr(s, '\n');
            size_t len = eol ? (size_t)(eol - s) : strlen(s);
            if (buf_append(&b, s, len) != 0) goto oom;
            s += len - 1;
            continue;
        } else if (*s == '?') {
            if (buf_printf(&b, "$%d", ++n) != 0) goto oom;
            continue;
        }
        if (buf_putc(&b, *s) != 0) goto oom;
    }
    return buf_steal(&b);
oom:
    buf_free(&b);
    return NULL;
}

static store_status map_sqlstate(const char *state)
{
    if (!state) return STORE_ERROR;
    if (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0 || strcmp(state, "23P01") == 0)
        return STORE_CONFLICT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) return STORE_CONFLICT;
    if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0) return STORE_INVALID;
    if (strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 || strcmp(state, "53300") == 0) return STORE_BUSY;
    /* connection exceptions, server shutting down: transient, the connection is re-established */
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0) return STORE_BUSY;
    return STORE_ERROR;
}

static void trim_msg(char *err, size_t errlen, const char *prefix, const char *msg)
{
    snprintf(err, errlen, "%s%s", prefix, msg ? msg : "");
    size_t l = strlen(err);
    while (l > 0 && (err[l - 1] == '\n' || err[l - 1] == ' ')) err[--l] = 0;
}

static int session_setup(pg_conn *c, char *err, size_t errlen)
{
    char setup[320];
    snprintf(setup, sizeof setup,
             "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET lock_timeout = %d; SET client_min_messages = warning; "
             "SET default_transaction_isolation = 'read committed'", /* the worklist read model relies on it */
             c->busy_timeout_ms);
    PGresult *r = PQexec(c->pg, setup);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc) trim_msg(err, errlen, "postgresql: session setup: ", PQerrorMessage(c->pg));
    PQclear(r);
    return rc;
}

/* After a lost connection (server restart, terminated backend): reconnect, forget the prepared
 * statements (they lived in the old session) and set the session up again. The failed call still
 * reports its error; the next one runs on the new session. */
static bool reconnect_if_broken(pg_conn *c)
{
    if (PQstatus(c->pg) != CONNECTION_BAD) return false;
    for (size_t i = 0; i < c->ncache; i++) free(c->cache[i].sql);
    c->ncache = 0;
    PQreset(c->pg);
    char err[256];
    if (PQstatus(c->pg) == CONNECTION_OK) (void)session_setup(c, err, sizeof err);
    return true;
}

static void *pg_open(const char *url, const store_options *opts, char *err, size_t errlen)
{
    pg_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->pg = PQconnectdb(url);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        trim_msg(err, errlen, "postgresql: cannot connect: ", c->pg ? PQerrorMessage(c->pg) : "out of memory");
        PQfinish(c->pg);
        free(c);
        return NULL;
    }
    c->busy_timeout_ms = opts->busy_timeout_ms;
    if (session_setup(c, err, errlen) != 0) {
        PQfinish(c->pg);
        free(c);
        return NULL;
    }
    return c;
}

static void pg_close(void *h)
{
    pg_conn *c = h;
    if (!c) return;
    for (size_t i = 0; i < c->ncache; i++) free(c->cache[i].sql);
    PQfinish(c->pg);
    free(c);
}

/* Finds or prepares the statement; returns its name or NULL (err filled). */
static const char *prepared_name(pg_conn *c, const char *sql, const db_param *p, size_t np, store_status *st,
                                 char *err, size_t errlen)
{
    c->tick++;
    for (size_t i = 0; i < c->ncache; i++)
        if (strcmp(c->cache[i].sql, sql) == 0) {
            c->cache[i].last_use = c->tick;
            return c->cache[i].name;
        }
    size_t slot = c->ncache;
    if (c->ncache == STMT_CACHE) {
        slot = 0;
        for (size_t i = 1; i < c->ncache; i++)
            if (c->cache[i].last_use < c->cache[slot].last_use) slot = i;
        char dealloc[40];
        snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", c->cache[slot].name);
        PQclear(PQexec(c->pg, dealloc));
        free(c->cache[slot].sql);
        c->cache[slot].sql = NULL;
        c->ncache--;
        if (slot != c->ncache) c->cache[slot] = c->cache[c->ncache];
        slot = c->ncache;
    }
    char *rewritten = db_pg_rewrite_placeholders(sql);
    char *copy = strdup(sql);
    if (!rewritten || !copy) {
        free(rewritten);
        free(copy);
        *st = STORE_ERROR;
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    Oid types[np ? np : 1];
    for (size_t i = 0; i < np; i++) types[i] = p[i].type == DBP_INT ? INT8OID : 0;
    cached_stmt *cs = &c->cache[slot];
    snprintf(cs->name, sizeof cs->name, "s%u", c->next_name++);
    PGresult *r = PQprepare(c->pg, cs->name, rewritten, (int)np, types);
    free(rewritten);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *st = map_sqlstate(PQresultErrorField(r, PG_DIAG_SQLSTATE));
        trim_msg(err, errlen, "postgresql prepare: ", PQresultErrorMessage(r));
        PQclear(r);
        free(copy);
        return NULL;
    }
    PQclear(r);
    cs->sql = copy;
    cs->last_use = c->tick;
    c->ncache++;
    return cs->name;
}

static store_status pg_exec(void *h, const char *sql, const db_param *p, size_t np, db_rows *out, int64_t *changes,
                            char *err, size_t errlen)
{
    pg_conn *c = h;
    store_status st = STORE_ERROR;
    const char *name = prepared_name(c, sql, p, np, &st, err, errlen);
    if (!name) {
        if (reconnect_if_broken(c)) st = STORE_BUSY;
        return st;
    }
    const char *values[np ? np : 1];
    char nums[np ? np : 1][24];
    for (size_t i = 0; i < np; i++) {
        switch (p[i].type) {
        case DBP_INT:
            snprintf(nums[i], sizeof nums[i], "%lld", (long long)p[i].i);
            values[i] = nums[i];
            break;
        case DBP_TEXT: values[i] = p[i].s; break;
        default: values[i] = NULL; break;
        }
    }
    PGresult *r = PQexecPrepared(c->pg, name, (int)np, values, NULL, NULL, 0);
    ExecStatusType es = PQresultStatus(r);
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK) {
        st = map_sqlstate(PQresultErrorField(r, PG_DIAG_SQLSTATE));
        trim_msg(err, errlen, "postgresql: ", r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
        PQclear(r);
        if (reconnect_if_broken(c)) st = STORE_BUSY;
        return st;
    }
    st = STORE_OK;
    if (out) {
        size_t ncols = (size_t)PQnfields(r), nrows = (size_t)PQntuples(r);
        const char *names[ncols ? ncols : 1];
        for (size_t i = 0; i < ncols; i++) names[i] = PQfname(r, (int)i);
        if (db_rows_set_cols(out, ncols, names) != 0) st = STORE_ERROR;
        const char *cells[ncols ? ncols : 1];
        size_t lens[ncols ? ncols : 1];
        for (size_t row = 0; row < nrows && st == STORE_OK; row++) {
            for (size_t i = 0; i < ncols; i++) {
                cells[i] = PQgetisnull(r, (int)row, (int)i) ? NULL : PQgetvalue(r, (int)row, (int)i);
                lens[i] = (size_t)PQgetlength(r, (int)row, (int)i);
            }
            if (db_rows_add_row(out, cells, lens) != 0) st = STORE_ERROR;
        }
        if (st != STORE_OK) snprintf(err, errlen, "out of memory");
    }
    if (changes) {
        const char *t = PQcmdTuples(r);
        *changes = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(r);
    return st;
}

static store_status pg_script(void *h, const char *sql, char *err, size_t errlen)
{
    pg_conn *c = h;
    PGresult *r = PQexec(c->pg, sql);
    ExecStatusType es = PQresultStatus(r);
    store_status st = STORE_OK;
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK) {
        st = map_sqlstate(PQresultErrorField(r, PG_DIAG_SQLSTATE));
        trim_msg(err, errlen, "postgresql: ", r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    }
    PQclear(r);
    if (st != STORE_OK && reconnect_if_broken(c)) st = STORE_BUSY;
    return st;
}

const db_driver db_driver_pg = {
    .name = "postgresql",
    .id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    .key_column = "BIGINT PRIMARY KEY",
    .blob_type = "BYTEA",
    .binary_collation = "COLLATE \"C\"",
    .begin_sql = "BEGIN",
    .begin_read_sql = "BEGIN",
    .migrate_lock_sql = "SELECT pg_advisory_xact_lock(7340915)",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .script = pg_script,
};
