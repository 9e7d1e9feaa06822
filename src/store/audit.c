/* The audit trail: one row per access to patient data or security event, written in the same
 * transaction as the operation it records (writes) or by group commit (reads, audit_writer.c);
 * listed with filters for the admin endpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "store/store_internal.h"

store_status db_audit_check(store_conn_t *c, const store_audit_event *ev)
{
    const char *why = NULL;
    if (!ev || !ev->action || !*ev->action) why = "audit event without action";
    else if (ev->outcome && strcmp(ev->outcome, "success") != 0 && strcmp(ev->outcome, "denied") != 0 &&
             strcmp(ev->outcome, "error") != 0)
        why = "audit outcome must be success, denied or error";
    if (!why) return STORE_OK;
    return c ? db_fail(c, STORE_INVALID, "%s", why) : STORE_INVALID;
}

store_status db_audit_insert_at(store_conn_t *c, const store_audit_event *ev, int64_t at)
{
    store_status s = db_audit_check(c, ev);
    if (s != STORE_OK) return s;
    char when[32];
    time_format_utc(at, when, sizeof when);
    db_param p[] = {
        db_text(when),
        ev->user_id > 0 ? db_int(ev->user_id) : db_null(),
        db_text(ev->action),
        db_text(ev->object_type),
        db_text(ev->object_id),
        ev->patient_id > 0 ? db_int(ev->patient_id) : db_null(),
        db_text(ev->client_addr),
        db_text(ev->outcome ? ev->outcome : "success"),
        db_text(ev->detail),
    };
    return db_exec(c,
                   "INSERT INTO audit_event (at, user_id, action, object_type, object_id, patient_id, client_addr, "
                   "outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   p, 9, NULL, NULL);
}

store_status store_audit_insert(store_conn_t *c, const store_audit_event *ev)
{
    return db_audit_insert_at(c, ev, time_now_unix());
}

/* from/to: a date (whole UTC day) or an ISO date-time; to is exclusive. */
static bool bound(const char *v, bool upper, char *out, size_t n)
{
    int64_t x;
    if (time_parse_date(v, &x) == 0) {
        time_format_utc((x + (upper ? 1 : 0)) * 86400, out, n);
        return true;
    }
    if (time_parse_datetime(v, &x) == 0) {
        time_format_utc(x, out, n);
        return true;
    }
    return false;
}

static const char *const audit_cols[] = {"id",        "at",          "user_id", "user_login", "action", "object_type",
                                         "object_id", "patient_id", "client_addr", "outcome", "detail"};

store_status store_audit_list(store_conn_t *c, const store_list_query *q, json_t **items, int64_t *total)
{
    *items = NULL;
    *total = 0;
    if (q->limit < 1 || q->limit > 1000) return db_fail(c, STORE_INVALID, "limit must be between 1 and 1000");
    if (q->offset < 0) return db_fail(c, STORE_INVALID, "offset must be >= 0");
    if (q->nfilters > 16) return db_fail(c, STORE_INVALID, "too many filters");
    db_param p[20];
    size_t np = 0;
    char bounds[16][32];
    buf_t where = BUF_INIT, sql = BUF_INIT;
    store_status s = STORE_OK;
    for (size_t i = 0; i < q->nfilters; i++) {
        const char *f = q->filters[i].field, *v = q->filters[i].value;
        const char *glue = where.len ? " AND " : " WHERE ";
        int64_t x;
        if (!f || !v) {
            s = db_fail(c, STORE_INVALID, "empty filter");
            break;
        }
        if (strcmp(f, "user_id") == 0 || strcmp(f, "patient_id") == 0) {
            if (!db_parse_i64(v, &x)) {
                s = db_fail(c, STORE_INVALID, "filter %s: an integer is expected", f);
                break;
            }
            p[np++] = db_int(x);
            buf_printf(&where, "%se.%s = ?", glue, f);
        } else if (strcmp(f, "action") == 0 || strcmp(f, "object_type") == 0 || strcmp(f, "object_id") == 0 ||
                   strcmp(f, "outcome") == 0 || strcmp(f, "client_addr") == 0) {
            p[np++] = db_text(v);
            buf_printf(&where, "%se.%s = ?", glue, f);
        } else if (strcmp(f, "from") == 0 || strcmp(f, "to") == 0) {
            bool upper = f[0] == 't';
            if (!bound(v, upper, bounds[i], sizeof bounds[i])) {
                s = db_fail(c, STORE_INVALID, "filter %s: a date or an ISO 8601 date-time is expected", f);
                break;
            }
            p[np++] = db_text(bounds[i]);
            buf_printf(&where, "%se.at %s ?", glue, upper ? "<" : ">=");
        } else {
            s = db_fail(c, STORE_INVALID, "audit events cannot be filtered by \"%s\"", f);
            break;
        }
    }
    if (s != STORE_OK) goto done;
    db_rows r;
    buf_printf(&sql, "SELECT COUNT(*) FROM audit_event e%s", buf_cstr(&where));
    if ((s = db_exec(c, buf_cstr(&sql), p, np, &r, NULL)) != STORE_OK) goto done;
    if (r.nrows != 1 || !db_parse_i64(db_cell(&r, 0, 0), total)) s = db_fail(c, STORE_ERROR, "count failed");
    db_rows_free(&r);
    if (s != STORE_OK) goto done;
    buf_reset(&sql);
    buf_printf(&sql,
               "SELECT e.id, e.at, e.user_id, u.login, e.action, e.object_type, e.object_id, e.patient_id, "
               "e.client_addr, e.outcome, e.detail FROM audit_event e LEFT JOIN app_user u ON u.id = e.user_id%s "
               "ORDER BY e.id DESC LIMIT ? OFFSET ?",
               buf_cstr(&where));
    p[np++] = db_int(q->limit);
    p[np++] = db_int(q->offset);
    if ((s = db_exec(c, buf_cstr(&sql), p, np, &r, NULL)) != STORE_OK) goto done;
    json_t *arr = json_array();
    for (size_t row = 0; arr && row < r.nrows; row++) {
        json_t *o = json_object();
        for (size_t k = 0; o && k < r.ncols && k < sizeof audit_cols / sizeof audit_cols[0]; k++) {
            const char *v = db_cell(&r, row, k);
            int64_t x;
            bool numeric = k == 0 || k == 2 || k == 7;
            json_t *jv = !v ? json_null() : numeric && db_parse_i64(v, &x) ? json_integer(x) : json_string(v);
            json_object_set_new(o, audit_cols[k], jv);
        }
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    db_rows_free(&r);
    if (!arr) s = db_fail(c, STORE_ERROR, "out of memory");
    *items = arr;
done:
    buf_free(&where);
    buf_free(&sql);
    return s;
}
