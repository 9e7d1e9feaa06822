/* Generic CRUD over the resource descriptors of domain/model.h: one SQL shape for every
 * resource, JSON rows typed by the descriptor, "q" prefix search over the normalised
 * <field>_key columns, a few generated values (IPP, accession number, Study Instance UID,
 * SPS id) and the identity history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "core/uid.h"
#include "store/store_internal.h"

#define MAX_PARAMS 160
#define KEY_MAX 512

/* Parameters plus the strings they borrow (normalised values, search keys, generated ids). */
typedef struct {
    db_param p[MAX_PARAMS];
    size_t n;
    char *owned[MAX_PARAMS];
    size_t nowned;
} param_list;

static void params_free(param_list *pl)
{
    for (size_t i = 0; i < pl->nowned; i++) free(pl->owned[i]);
    pl->nowned = 0;
    pl->n = 0;
}

static bool params_add(param_list *pl, db_param p)
{
    if (pl->n >= MAX_PARAMS) return false;
    pl->p[pl->n++] = p;
    return true;
}

/* Adds a text parameter owning a copy of s. */
static bool params_add_owned(param_list *pl, const char *s)
{
    if (pl->n >= MAX_PARAMS || pl->nowned >= MAX_PARAMS) return false;
    char *copy = strdup(s);
    if (!copy) return false;
    pl->owned[pl->nowned++] = copy;
    pl->p[pl->n++] = db_text(copy);
    return true;
}

static bool enum_has(const model_field *f, const char *v)
{
    for (const char *const *e = f->enum_values; e && *e; e++)
        if (strcmp(*e, v) == 0) return true;
    return false;
}

static void now_iso(char *out, size_t n) { time_format_utc(time_now_unix(), out, n); }

/* --- SELECT list and row decoding ----------------------------------------------------------- */
static int select_list(buf_t *b, const model_resource *res, const char *alias)
{
    int first = 1;
    for (size_t i = 0; i < res->nfields; i++) {
        if (res->fields[i].flags & FIELD_SECRET) continue;
        if (buf_printf(b, "%s%s%s%s", first ? "" : ", ", alias ? alias : "", alias ? "." : "", res->fields[i].name))
            return -1;
        first = 0;
    }
    return 0;
}

static json_t *cell_to_json(const model_field *f, const char *v)
{
    if (!v) return json_null();
    int64_t i = 0;
    switch (f->type) {
    case FIELD_INT:
    case FIELD_REF: return db_parse_i64(v, &i) ? json_integer(i) : json_string(v);
    case FIELD_BOOL: return json_boolean(strcmp(v, "0") != 0 && strcmp(v, "f") != 0 && strcmp(v, "false") != 0);
    default: return json_string(v);
    }
}

/* Row `row` of r (columns in select_list order) as a JSON object. */
static json_t *row_to_json(const model_resource *res, const db_rows *r, size_t row)
{
    json_t *o = json_object();
    if (!o) return NULL;
    size_t col = 0;
    for (size_t i = 0; i < res->nfields; i++) {
        const model_field *f = &res->fields[i];
        if (f->flags & FIELD_SECRET) continue;
        if (col >= r->ncols) break;
        json_object_set_new(o, f->name, cell_to_json(f, db_cell(r, row, col)));
        col++;
    }
    return o;
}

/* --- input values --------------------------------------------------------------------------- */
/* Converts a JSON value for field f into a parameter appended to pl. */
static store_status value_param(store_conn_t *c, const model_field *f, json_t *v, param_list *pl)
{
    bool ok = true;
    if (json_is_null(v)) return params_add(pl, db_null()) ? STORE_OK : db_fail(c, STORE_INVALID, "too many values");
    switch (f->type) {
    case FIELD_TEXT:
    case FIELD_ENUM: {
        if (!json_is_string(v)) return db_fail(c, STORE_INVALID, "field \"%s\": a string is expected", f->name);
        const char *s = json_string_value(v);
        size_t max = f->max_len ? f->max_len : 255;
        if (json_string_length(v) > max)
            return db_fail(c, STORE_INVALID, "field \"%s\": longer than %zu bytes", f->name, max);
        if (strlen(s) != json_string_length(v))
            return db_fail(c, STORE_INVALID, "field \"%s\": NUL character", f->name);
        if (f->type == FIELD_ENUM && !enum_has(f, s))
            return db_fail(c, STORE_INVALID, "field \"%s\": \"%s\" is not an allowed value", f->name, s);
        ok = params_add(pl, db_text(s));
        break;
    }
    case FIELD_INT:
    case FIELD_REF:
        if (!json_is_integer(v)) return db_fail(c, STORE_INVALID, "field \"%s\": an integer is expected", f->name);
        ok = params_add(pl, db_int(json_integer_value(v)));
        break;
    case FIELD_BOOL:
        if (!json_is_boolean(v)) return db_fail(c, STORE_INVALID, "field \"%s\": true or false is expected", f->name);
        ok = params_add(pl, db_int(json_is_true(v) ? 1 : 0));
        break;
    case FIELD_DATE: {
        int64_t days;
        if (!json_is_string(v) || time_parse_date(json_string_value(v), &days) != 0)
            return db_fail(c, STORE_INVALID, "field \"%s\": a date YYYY-MM-DD is expected", f->name);
        char d[16];
        ok = params_add_owned(pl, time_format_date(days, d, sizeof d));
        break;
    }
    case FIELD_DATETIME: {
        int64_t t;
        if (!json_is_string(v) || time_parse_datetime(json_string_value(v), &t) != 0)
            return db_fail(c, STORE_INVALID, "field \"%s\": an ISO 8601 date-time with offset is expected", f->name);
        char d[32];
        ok = params_add_owned(pl, time_format_utc(t, d, sizeof d));
        break;
    }
    }
    return ok ? STORE_OK : db_fail(c, STORE_ERROR, "too many values or out of memory");
}

/* Appends the <name>_key value of a FIELD_SEARCH field. */
static store_status key_param(store_conn_t *c, const model_field *f, json_t *v, param_list *pl)
{
    if (!json_is_string(v)) return params_add(pl, db_null()) ? STORE_OK : db_fail(c, STORE_ERROR, "too many values");
    char key[KEY_MAX];
    if (!store_search_key(json_string_value(v), key, sizeof key))
        return db_fail(c, STORE_INVALID, "field \"%s\": invalid UTF-8 or too long", f->name);
    return params_add_owned(pl, key) ? STORE_OK : db_fail(c, STORE_ERROR, "out of memory");
}

/* Users: the roles text must list known role names; stored in canonical order. */
static store_status roles_param(store_conn_t *c, json_t *v, param_list *pl)
{
    unsigned bits;
    if (!json_is_string(v) || !db_roles_parse(json_string_value(v), &bits))
        return db_fail(c, STORE_INVALID, "field \"roles\": expected role names among accueil, manipulateur, "
                                         "radiologue, admin");
    char text[96];
    db_roles_format(bits, text, sizeof text);
    return params_add_owned(pl, text) ? STORE_OK : db_fail(c, STORE_ERROR, "out of memory");
}

/* --- generated values ----------------------------------------------------------------------- */
static void random_digits(char *out, size_t ndigits)
{
    for (size_t i = 0; i < ndigits; i++) out[i] = (char)('0' + rand_u64() % 10);
    out[ndigits] = 0;
}

/* Study Instance UID: under the configured root, else a 2.25 UUID-derived UID (ISO/IEC 9834-8). */
static int generate_study_uid(const store_t *st, char *out, size_t n)
{
    if (st->oid_root[0]) return uid_generate(st->oid_root, "1", out, n);
    char digits[40];
    random_digits(digits, 38);
    if (digits[0] == '0') digits[0] = '1';
    return snprintf(out, n, "2.25.%s", digits) < (int)n ? 0 : -1;
}

/* Returns the generated value for (table, column) or NULL when the column is not generated.
 * IPP, accession number and SPS id come from db_next_serial (unique, 15 digits); the Study
 * Instance UID from generate_study_uid. */
static const char *generated(store_t *st, const char *table, const char *column, char *out, size_t n)
{
    if (strcmp(table, "patient") == 0 && strcmp(column, "ipp") == 0) {
        snprintf(out, n, "%lld", (long long)db_next_serial(st));
        return out;
    }
    if (strcmp(table, "requested_procedure") == 0 && strcmp(column, "accession_number") == 0) {
        snprintf(out, n, "A%lld", (long long)db_next_serial(st));
        return out;
    }
    if (strcmp(table, "requested_procedure") == 0 && strcmp(column, "study_instance_uid") == 0)
        return generate_study_uid(st, out, n) == 0 ? out : NULL;
    if (strcmp(table, "scheduled_step") == 0 && strcmp(column, "sps_id") == 0) {
        snprintf(out, n, "S%lld", (long long)db_next_serial(st));
        return out;
    }
    return NULL;
}

/* --- intervals -------------------------------------------------------------------------------- */
/* Resources with start_at and end_at (appointments) must end after they start and last at most
 * STORE_MAX_INTERVAL: the agenda queries rely on it to bound their index range scans. `cur` is the
 * stored row on update (NULL on insert); values in `in` win over it. */
static store_status check_interval(store_conn_t *c, const model_resource *res, const json_t *in, const json_t *cur)
{
    if (!model_field_find(res, "start_at") || !model_field_find(res, "end_at")) return STORE_OK;
    json_t *a = json_object_get(in, "start_at"), *b = json_object_get(in, "end_at");
    if (!a && cur) a = json_object_get(cur, "start_at");
    if (!b && cur) b = json_object_get(cur, "end_at");
    int64_t start, end;
    if (!json_is_string(a) || !json_is_string(b) || time_parse_datetime(json_string_value(a), &start) != 0 ||
        time_parse_datetime(json_string_value(b), &end) != 0)
        return STORE_OK; /* missing or malformed values are reported by the field checks */
    if (end <= start) return db_fail(c, STORE_INVALID, "end_at must be after start_at");
    if (end - start > STORE_MAX_INTERVAL)
        return db_fail(c, STORE_INVALID, "an interval cannot last more than %d hours", STORE_MAX_INTERVAL / 3600);
    return STORE_OK;
}

/* --- insert ----------------------------------------------------------------------------------- */
store_status store_resource_insert(store_conn_t *c, const model_resource *res, const json_t *obj, int64_t *id)
{
    if (!json_is_object(obj)) return db_fail(c, STORE_INVALID, "a JSON object is expected");
    param_list pl = {0};
    buf_t cols = BUF_INIT, marks = BUF_INIT, sql = BUF_INIT;
    store_status s = STORE_OK;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        const model_field *f = model_field_find(res, key);
        if (!f) {
            s = db_fail(c, STORE_INVALID, "unknown field \"%s\"", key);
            goto done;
        }
        if (f->flags & FIELD_READONLY) {
            s = db_fail(c, STORE_INVALID, "field \"%s\" is read-only", key);
            goto done;
        }
        if (strcmp(res->table, "app_user") == 0 && strcmp(key, "roles") == 0)
            s = roles_param(c, v, &pl);
        else
            s = value_param(c, f, v, &pl);
        if (s != STORE_OK) goto done;
        buf_printf(&cols, "%s%s", cols.len ? ", " : "", key);
        buf_printf(&marks, "%s?", marks.len ? ", " : "");
        if (f->flags & FIELD_SEARCH) {
            if ((s = key_param(c, f, v, &pl)) != STORE_OK) goto done;
            buf_printf(&cols, ", %s_key", key);
            buf_puts(&marks, ", ?");
        }
    }
    /* required fields, generated values, timestamps */
    for (size_t i = 0; i < res->nfields; i++) {
        const model_field *f = &res->fields[i];
        json_t *given = json_object_get(obj, f->name);
        if (given && !json_is_null(given)) continue;
        char gen[80];
        if (!given && generated(c->st, res->table, f->name, gen, sizeof gen)) {
            if (!params_add_owned(&pl, gen)) {
                s = db_fail(c, STORE_ERROR, "out of memory");
                goto done;
            }
            buf_printf(&cols, "%s%s", cols.len ? ", " : "", f->name);
            buf_printf(&marks, "%s?", marks.len ? ", " : "");
            if (f->flags & FIELD_SEARCH) {
                json_t *tmp = json_string(gen);
                s = key_param(c, f, tmp, &pl);
                json_decref(tmp);
                if (s != STORE_OK) goto done;
                buf_printf(&cols, ", %s_key", f->name);
                buf_puts(&marks, ", ?");
            }
            continue;
        }
        if ((f->flags & FIELD_REQUIRED) && !(f->flags & FIELD_READONLY)) {
            s = db_fail(c, STORE_INVALID, "field \"%s\" is required", f->name);
            goto done;
        }
        if (strcmp(f->name, "created_at") == 0 && f->type == FIELD_DATETIME) {
            char now[32];
            now_iso(now, sizeof now);
            if (!params_add_owned(&pl, now)) {
                s = db_fail(c, STORE_ERROR, "out of memory");
                goto done;
            }
            buf_printf(&cols, "%screated_at", cols.len ? ", " : "");
            buf_printf(&marks, "%s?", marks.len ? ", " : "");
        }
    }
    if (!cols.len) {
        s = db_fail(c, STORE_INVALID, "nothing to insert");
        goto done;
    }
    if ((s = check_interval(c, res, obj, NULL)) != STORE_OK) goto done;
    if (buf_printf(&sql, "INSERT INTO %s (%s) VALUES (%s) RETURNING id", res->table, buf_cstr(&cols),
                   buf_cstr(&marks)) != 0) {
        s = db_fail(c, STORE_ERROR, "out of memory");
        goto done;
    }
    db_rows r;
    s = db_exec(c, buf_cstr(&sql), pl.p, pl.n, &r, NULL);
    if (s == STORE_OK) {
        if (r.nrows != 1 || !db_parse_i64(db_cell(&r, 0, 0), id)) s = db_fail(c, STORE_ERROR, "insert returned no id");
        db_rows_free(&r);
    }
done:
    params_free(&pl);
    buf_free(&cols);
    buf_free(&marks);
    buf_free(&sql);
    return s;
}

/* --- get ---------------------------------------------------------------------------------------- */
store_status store_resource_get(store_conn_t *c, const model_resource *res, int64_t id, json_t **obj)
{
    *obj = NULL;
    buf_t sql = BUF_INIT;
    buf_puts(&sql, "SELECT ");
    select_list(&sql, res, NULL);
    buf_printf(&sql, " FROM %s WHERE id = ?", res->table);
    db_param p[] = {db_int(id)};
    db_rows r;
    store_status s = db_exec(c, buf_cstr(&sql), p, 1, &r, NULL);
    buf_free(&sql);
    if (s != STORE_OK) return s;
    if (r.nrows == 0) s = db_fail(c, STORE_NOT_FOUND, "%s %lld not found", res->name, (long long)id);
    else if (!(*obj = row_to_json(res, &r, 0))) s = db_fail(c, STORE_ERROR, "out of memory");
    db_rows_free(&r);
    return s;
}

/* --- update --------------------------------------------------------------------------------------- */
/* Copies the current identity row into identity_history (inside the caller's transaction). */
static store_status identity_snapshot(store_conn_t *c, const model_resource *res, int64_t id)
{
    json_t *cur = NULL;
    store_status s = store_resource_get(c, res, id, &cur);
    if (s != STORE_OK) return s;
    char *text = json_dumps(cur, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *pid = json_object_get(cur, "patient_id");
    char now[32];
    now_iso(now, sizeof now);
    db_param p[] = {db_int(id), db_int(json_integer_value(pid)), db_text(now), db_text(text)};
    s = text ? db_exec(c, "INSERT INTO identity_history (identity_id, patient_id, changed_at, snapshot) "
                          "VALUES (?, ?, ?, ?)",
                       p, 4, NULL, NULL)
             : db_fail(c, STORE_ERROR, "out of memory");
    free(text);
    json_decref(cur);
    return s;
}

store_status store_resource_update(store_conn_t *c, const model_resource *res, int64_t id, const json_t *patch)
{
    if (!json_is_object(patch)) return db_fail(c, STORE_INVALID, "a JSON object is expected");
    param_list pl = {0};
    buf_t sets = BUF_INIT, sql = BUF_INIT;
    store_status s = STORE_OK;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)patch, key, v) {
        const model_field *f = model_field_find(res, key);
        if (!f) {
            s = db_fail(c, STORE_INVALID, "unknown field \"%s\"", key);
            goto done;
        }
        if (f->flags & (FIELD_READONLY | FIELD_IMMUTABLE)) {
            s = db_fail(c, STORE_INVALID, "field \"%s\" cannot be changed", key);
            goto done;
        }
        if (json_is_null(v) && (f->flags & FIELD_REQUIRED)) {
            s = db_fail(c, STORE_INVALID, "field \"%s\" is required", key);
            goto done;
        }
        if (strcmp(res->table, "app_user") == 0 && strcmp(key, "roles") == 0)
            s = roles_param(c, v, &pl);
        else
            s = value_param(c, f, v, &pl);
        if (s != STORE_OK) goto done;
        buf_printf(&sets, "%s%s = ?", sets.len ? ", " : "", key);
        if (f->flags & FIELD_SEARCH) {
            if ((s = key_param(c, f, v, &pl)) != STORE_OK) goto done;
            buf_printf(&sets, ", %s_key = ?", key);
        }
    }
    if (!sets.len) {
        /* Nothing to change: only tell whether the row exists. */
        json_t *o = NULL;
        s = store_resource_get(c, res, id, &o);
        json_decref(o);
        goto done;
    }
    if (json_object_get(patch, "start_at") || json_object_get(patch, "end_at")) {
        json_t *cur = NULL;
        if ((s = store_resource_get(c, res, id, &cur)) != STORE_OK) goto done;
        s = check_interval(c, res, patch, cur);
        json_decref(cur);
        if (s != STORE_OK) goto done;
    }
    if (model_field_find(res, "updated_at")) {
        char now[32];
        now_iso(now, sizeof now);
        params_add_owned(&pl, now);
        buf_puts(&sets, ", updated_at = ?");
    }
    if (!params_add(&pl, db_int(id))) {
        s = db_fail(c, STORE_INVALID, "too many values");
        goto done;
    }
    buf_printf(&sql, "UPDATE %s SET %s WHERE id = ?", res->table, buf_cstr(&sets));
    bool opened = false;
    bool history = strcmp(res->table, "identity") == 0;
    if (history && (s = db_tx_auto(c, &opened)) != STORE_OK) goto done;
    if (history) s = identity_snapshot(c, res, id);
    int64_t changes = 0;
    if (s == STORE_OK) s = db_exec(c, buf_cstr(&sql), pl.p, pl.n, NULL, &changes);
    if (s == STORE_OK && changes == 0) s = db_fail(c, STORE_NOT_FOUND, "%s %lld not found", res->name, (long long)id);
    s = db_tx_end(c, opened, s);
done:
    params_free(&pl);
    buf_free(&sets);
    buf_free(&sql);
    return s;
}

/* --- delete ------------------------------------------------------------------------------------- */
store_status store_resource_delete(store_conn_t *c, const model_resource *res, int64_t id)
{
    if (!res->deletable) return db_fail(c, STORE_INVALID, "%s cannot be deleted", res->name);
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = ?", res->table);
    db_param p[] = {db_int(id)};
    int64_t changes = 0;
    store_status s = db_exec(c, sql, p, 1, NULL, &changes);
    if (s == STORE_OK && changes == 0) s = db_fail(c, STORE_NOT_FOUND, "%s %lld not found", res->name, (long long)id);
    return s;
}

/* --- list ----------------------------------------------------------------------------------------- */
/* Upper bound of a prefix range: the prefix followed by U+10FFFF, above any continuation. */
static char *prefix_upper(const char *prefix)
{
    size_t l = strlen(prefix);
    char *u = malloc(l + 5);
    if (!u) return NULL;
    memcpy(u, prefix, l);
    memcpy(u + l, "\xf4\x8f\xbf\xbf", 5);
    return u;
}

/* "(f1_key >= ? AND f1_key < ?) OR (f2_key ...)" over every FIELD_SEARCH field. */
static store_status add_prefix_any(store_conn_t *c, const model_resource *res, const char *prefix, buf_t *where,
                                   param_list *pl)
{
    int first = 1;
    for (size_t i = 0; i < res->nfields; i++) {
        const model_field *f = &res->fields[i];
        if (!(f->flags & FIELD_SEARCH)) continue;
        char *upper = prefix_upper(prefix);
        if (!upper || pl->nowned + 2 > MAX_PARAMS || pl->n + 2 > MAX_PARAMS) {
            free(upper);
            return db_fail(c, STORE_INVALID, "q: too many words");
        }
        params_add_owned(pl, prefix);
        pl->owned[pl->nowned++] = upper;
        params_add(pl, db_text(upper));
        buf_printf(where, "%s(%s_key >= ? AND %s_key < ?)", first ? "" : " OR ", f->name, f->name);
        first = 0;
    }
    return STORE_OK;
}

static store_status add_search(store_conn_t *c, const model_resource *res, const char *q, buf_t *where,
                               param_list *pl)
{
    char key[KEY_MAX];
    if (!store_search_key(q, key, sizeof key)) return db_fail(c, STORE_INVALID, "q: invalid UTF-8 or too long");
    size_t nsearch = 0;
    for (size_t i = 0; i < res->nfields; i++)
        if (res->fields[i].flags & FIELD_SEARCH) nsearch++;
    if (!nsearch) return db_fail(c, STORE_INVALID, "%s cannot be searched with q", res->name);
    if (!key[0]) return STORE_OK; /* nothing searchable in q: no restriction */
    /* (the whole key prefixes some field: "jean pi" finds "JEAN PIERRE")
     * OR (every word prefixes some field: "dupont jean" finds birth name DUPONT, given name JEAN) */
    buf_printf(where, "%s((", where->len ? " AND " : " WHERE ");
    if (add_prefix_any(c, res, key, where, pl) != STORE_OK) return STORE_INVALID;
    buf_puts(where, ") OR (");
    char *save = NULL;
    int nth = 0;
    for (char *tok = strtok_r(key, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        buf_puts(where, nth++ ? " AND (" : "(");
        if (add_prefix_any(c, res, tok, where, pl) != STORE_OK) return STORE_INVALID;
        buf_putc(where, ')');
    }
    buf_puts(where, "))");
    return STORE_OK;
}

static store_status add_filter(store_conn_t *c, const model_field *f, const char *value, buf_t *where,
                               param_list *pl)
{
    const char *glue = where->len ? " AND " : " WHERE ";
    int64_t i;
    switch (f->type) {
    case FIELD_INT:
    case FIELD_REF:
        if (!db_parse_i64(value, &i)) return db_fail(c, STORE_INVALID, "filter %s: an integer is expected", f->name);
        params_add(pl, db_int(i));
        break;
    case FIELD_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0) i = 1;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0) i = 0;
        else return db_fail(c, STORE_INVALID, "filter %s: true or false is expected", f->name);
        params_add(pl, db_int(i));
        break;
    case FIELD_ENUM:
        if (!enum_has(f, value)) return db_fail(c, STORE_INVALID, "filter %s: unknown value \"%s\"", f->name, value);
        params_add(pl, db_text(value));
        break;
    case FIELD_DATE: {
        char d[16];
        if (time_parse_date(value, &i) != 0)
            return db_fail(c, STORE_INVALID, "filter %s: a date YYYY-MM-DD is expected", f->name);
        params_add_owned(pl, time_format_date(i, d, sizeof d));
        break;
    }
    case FIELD_DATETIME: {
        char a[32], b[32];
        if (time_parse_date(value, &i) == 0) {
            /* A day: every instant of that UTC day. */
            params_add_owned(pl, time_format_utc(i * 86400, a, sizeof a));
            params_add_owned(pl, time_format_utc((i + 1) * 86400, b, sizeof b));
            buf_printf(where, "%s%s >= ? AND %s < ?", glue, f->name, f->name);
            return STORE_OK;
        }
        if (time_parse_datetime(value, &i) != 0)
            return db_fail(c, STORE_INVALID, "filter %s: a date or an ISO 8601 date-time is expected", f->name);
        params_add_owned(pl, time_format_utc(i, a, sizeof a));
        break;
    }
    case FIELD_TEXT: params_add(pl, db_text(value)); break;
    }
    buf_printf(where, "%s%s = ?", glue, f->name);
    return STORE_OK;
}

store_status store_resource_list(store_conn_t *c, const model_resource *res, const store_list_query *q,
                                 json_t **items, int64_t *total)
{
    *items = NULL;
    *total = 0;
    if (q->limit < 1 || q->limit > 1000) return db_fail(c, STORE_INVALID, "limit must be between 1 and 1000");
    if (q->offset < 0) return db_fail(c, STORE_INVALID, "offset must be >= 0");
    if (q->nfilters > 32) return db_fail(c, STORE_INVALID, "too many filters");
    param_list pl = {0};
    buf_t where = BUF_INIT, sql = BUF_INIT;
    store_status s = STORE_OK;
    for (size_t i = 0; i < q->nfilters && s == STORE_OK; i++) {
        const store_filter *flt = &q->filters[i];
        if (!flt->field || !flt->value) {
            s = db_fail(c, STORE_INVALID, "empty filter");
            break;
        }
        if (strcmp(flt->field, "q") == 0) {
            s = add_search(c, res, flt->value, &where, &pl);
            continue;
        }
        const model_field *f = model_field_find(res, flt->field);
        if (!f || !(f->flags & FIELD_FILTER) || (f->flags & FIELD_SECRET)) {
            s = db_fail(c, STORE_INVALID, "%s cannot be filtered by \"%s\"", res->name, flt->field);
            break;
        }
        s = add_filter(c, f, flt->value, &where, &pl);
    }
    if (s != STORE_OK) goto done;
    buf_printf(&sql, "SELECT COUNT(*) FROM %s%s", res->table, buf_cstr(&where));
    db_rows r;
    if ((s = db_exec(c, buf_cstr(&sql), pl.p, pl.n, &r, NULL)) != STORE_OK) goto done;
    if (r.nrows != 1 || !db_parse_i64(db_cell(&r, 0, 0), total)) s = db_fail(c, STORE_ERROR, "count failed");
    db_rows_free(&r);
    if (s != STORE_OK) goto done;

    buf_reset(&sql);
    buf_puts(&sql, "SELECT ");
    select_list(&sql, res, NULL);
    buf_printf(&sql, " FROM %s%s ORDER BY %s LIMIT ? OFFSET ?", res->table, buf_cstr(&where),
               res->default_order ? res->default_order : "id");
    if (!params_add(&pl, db_int(q->limit)) || !params_add(&pl, db_int(q->offset))) {
        s = db_fail(c, STORE_INVALID, "too many filters");
        goto done;
    }
    if ((s = db_exec(c, buf_cstr(&sql), pl.p, pl.n, &r, NULL)) != STORE_OK) goto done;
    json_t *arr = json_array();
    for (size_t row = 0; arr && row < r.nrows; row++) {
        json_t *o = row_to_json(res, &r, row);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    db_rows_free(&r);
    if (!arr) s = db_fail(c, STORE_ERROR, "out of memory");
    *items = arr;
done:
    params_free(&pl);
    buf_free(&where);
    buf_free(&sql);
    return s;
}
