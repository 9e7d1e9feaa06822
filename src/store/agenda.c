/* Status compare-and-set, room busy intervals and the agenda view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "store/store_internal.h"

store_status store_set_status(store_conn_t *c, const model_resource *res, int64_t id, const char *from,
                              const char *to, int64_t at)
{
    const model_field *f = model_field_find(res, "status");
    if (!f || f->type != FIELD_ENUM) return db_fail(c, STORE_INVALID, "%s has no status", res->name);
    bool from_ok = false, to_ok = false;
    for (const char *const *e = f->enum_values; e && *e; e++) {
        if (from && strcmp(*e, from) == 0) from_ok = true;
        if (to && strcmp(*e, to) == 0) to_ok = true;
    }
    if (!from_ok || !to_ok) return db_fail(c, STORE_INVALID, "unknown status for %s", res->name);
    char when[32], now[32];
    time_format_utc(at, when, sizeof when);
    time_format_utc(time_now_unix(), now, sizeof now);
    char sql[200];
    bool has_changed_at = model_field_find(res, "status_changed_at") != NULL;
    bool has_updated_at = model_field_find(res, "updated_at") != NULL;
    snprintf(sql, sizeof sql, "UPDATE %s SET status = ?%s%s WHERE id = ? AND status = ?", res->table,
             has_changed_at ? ", status_changed_at = ?" : "", has_updated_at ? ", updated_at = ?" : "");
    db_param p[5];
    size_t np = 0;
    p[np++] = db_text(to);
    if (has_changed_at) p[np++] = db_text(when);
    if (has_updated_at) p[np++] = db_text(now);
    p[np++] = db_int(id);
    p[np++] = db_text(from);
    int64_t changes = 0;
    store_status s = db_exec(c, sql, p, np, NULL, &changes);
    if (s != STORE_OK || changes == 1) return s;
    /* Nothing changed: either the row is gone or its status moved on. */
    snprintf(sql, sizeof sql, "SELECT status FROM %s WHERE id = ?", res->table);
    db_param q[] = {db_int(id)};
    db_rows r;
    if ((s = db_exec(c, sql, q, 1, &r, NULL)) != STORE_OK) return s;
    if (r.nrows == 0) s = db_fail(c, STORE_NOT_FOUND, "%s %lld not found", res->name, (long long)id);
    else
        s = db_fail(c, STORE_CONFLICT, "%s %lld: status is %s, not %s", res->name, (long long)id,
                    db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "?", from);
    db_rows_free(&r);
    return s;
}

store_status store_room_busy(store_conn_t *c, int64_t room_id, int64_t from, int64_t to, store_interval **out,
                             size_t *n)
{
    *out = NULL;
    *n = 0;
    if (to <= from) return STORE_OK;
    char a[32], b[32], lo[32];
    time_format_utc(from, a, sizeof a);
    time_format_utc(to, b, sizeof b);
    /* Appointments last at most STORE_MAX_INTERVAL: bounds the (room_id, start_at) range scan. */
    time_format_utc(from - STORE_MAX_INTERVAL, lo, sizeof lo);
    db_param p[] = {db_int(room_id), db_text(lo), db_text(b), db_text(a)};
    db_rows r;
    store_status s = db_exec(c,
                             "SELECT start_at, end_at FROM appointment WHERE room_id = ? AND start_at >= ? "
                             "AND start_at < ? AND end_at > ? AND status NOT IN ('cancelled', 'no_show') "
                             "ORDER BY start_at",
                             p, 4, &r, NULL);
    if (s != STORE_OK) return s;
    store_interval *iv = calloc(r.nrows ? r.nrows : 1, sizeof *iv);
    if (!iv) {
        db_rows_free(&r);
        return db_fail(c, STORE_ERROR, "out of memory");
    }
    for (size_t i = 0; i < r.nrows; i++) {
        if (time_parse_datetime(db_cell(&r, i, 0), &iv[i].start) != 0 ||
            time_parse_datetime(db_cell(&r, i, 1), &iv[i].end) != 0) {
            free(iv);
            db_rows_free(&r);
            return db_fail(c, STORE_ERROR, "malformed appointment time in the database");
        }
    }
    *n = r.nrows;
    *out = iv;
    db_rows_free(&r);
    return STORE_OK;
}

/* Agenda columns: name and whether the value is an integer. */
static const struct {
    const char *name;
    bool integer;
} agenda_cols[] = {
    {"id", true},           {"patient_id", true},       {"room_id", true},         {"room_name", false},
    {"start_at", false},    {"end_at", false},          {"status", false},         {"comment", false},
    {"procedure_id", true}, {"step_id", true},          {"ipp", false},            {"birth_name", false},
    {"used_name", false},   {"first_given_name", false}, {"birth_date", false},   {"sex", false},
    {"rniv_status", false}, {"exam_id", true},          {"exam_label", false},     {"ccam_code", false},
    {"modality_type", false}, {"accession_number", false}, {"ae_title", false},   {"modality_id", true},
};

store_status store_agenda(store_conn_t *c, int64_t room_id, int64_t modality_id, int64_t from, int64_t to,
                          json_t **items)
{
    *items = NULL;
    if (to <= from) return db_fail(c, STORE_INVALID, "empty time range");
    if (to - from > 92 * 86400) return db_fail(c, STORE_INVALID, "agenda range longer than 92 days");
    char a[32], b[32], lo[32];
    time_format_utc(from, a, sizeof a);
    time_format_utc(to, b, sizeof b);
    time_format_utc(from - STORE_MAX_INTERVAL, lo, sizeof lo);
    buf_t sql = BUF_INIT;
    db_param p[5];
    size_t np = 0;
    buf_puts(&sql,
             "SELECT a.id, a.patient_id, a.room_id, r.name, a.start_at, a.end_at, a.status, a.comment, "
             "a.procedure_id, a.step_id, pa.ipp, i.birth_name, i.used_name, i.first_given_name, i.birth_date, i.sex, "
             "i.rniv_status, e.id, e.label, e.ccam_code, COALESCE(s.modality_type, e.modality_type), "
             "rp.accession_number, s.ae_title, s.modality_id "
             "FROM appointment a "
             "JOIN room r ON r.id = a.room_id "
             "JOIN patient pa ON pa.id = a.patient_id "
             "LEFT JOIN identity i ON i.patient_id = a.patient_id "
             "LEFT JOIN requested_procedure rp ON rp.id = a.procedure_id "
             "LEFT JOIN exam_catalogue e ON e.id = rp.exam_id "
             "LEFT JOIN scheduled_step s ON s.id = a.step_id "
             "WHERE a.start_at >= ? AND a.start_at < ? AND a.end_at > ?");
    p[np++] = db_text(lo);
    p[np++] = db_text(b);
    p[np++] = db_text(a);
    if (room_id > 0) {
        buf_puts(&sql, " AND a.room_id = ?");
        p[np++] = db_int(room_id);
    }
    if (modality_id > 0) {
        buf_puts(&sql, " AND a.room_id IN (SELECT m.room_id FROM modality m WHERE m.id = ?)");
        p[np++] = db_int(modality_id);
    }
    buf_puts(&sql, " ORDER BY a.start_at, a.room_id, a.id");
    db_rows r;
    store_status s = db_exec(c, buf_cstr(&sql), p, np, &r, NULL);
    buf_free(&sql);
    if (s != STORE_OK) return s;
    json_t *arr = json_array();
    size_t ncols = sizeof agenda_cols / sizeof agenda_cols[0];
    for (size_t row = 0; arr && row < r.nrows; row++) {
        json_t *o = json_object();
        for (size_t k = 0; o && k < ncols && k < r.ncols; k++) {
            const char *v = db_cell(&r, row, k);
            int64_t x;
            json_t *jv = !v ? json_null()
                         : agenda_cols[k].integer && db_parse_i64(v, &x) ? json_integer(x)
                                                                          : json_string(v);
            json_object_set_new_nocheck(o, agenda_cols[k].name, jv); /* keys: static ASCII */
        }
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    db_rows_free(&r);
    if (!arr) return db_fail(c, STORE_ERROR, "out of memory");
    *items = arr;
    return STORE_OK;
}
