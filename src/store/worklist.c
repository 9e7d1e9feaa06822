/* The worklist page of the web API: one indexed SQL statement on the worklist read model
 * (mwl_entry, migration 0024: step, procedure, order, patient and identity on one row, kept by
 * triggers) with its exam and requester (small tables, joined). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "store/store_internal.h"

#define WL_MAX_PARAMS 24

static void copy(char *dst, size_t n, const char *src) { snprintf(dst, n, "%s", src ? src : ""); }

static int64_t num(const char *s)
{
    int64_t v = 0;
    return s && db_parse_i64(s, &v) ? v : 0;
}

static const char *const default_statuses[] = {"booked", "arrived", "in_progress", NULL};

store_status store_worklist(store_conn_t *c, const store_worklist_query *q, store_worklist_item **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    size_t limit = q->limit ? q->limit : 1000;
    if (limit > 10000) return db_fail(c, STORE_INVALID, "worklist: limit above 10000");
    db_param p[WL_MAX_PARAMS];
    size_t np = 0;
    char a[32], b[32], key[256], upper[264];
    buf_t sql = BUF_INIT;
    buf_puts(&sql,
             "SELECT m.step_id, m.procedure_id, m.order_id, m.patient_id, m.start_at, m.sps_id, m.ae_title, "
             "m.modality_type, m.status, m.performing_physician, m.accession_number, m.study_instance_uid, e.ccam_code, "
             "e.label, e.loinc_code, e.region_code, m.ipp, m.birth_name, m.used_name, m.first_given_name, "
             "m.given_names, m.birth_date, m.sex, m.ins_matricule, m.ins_oid, m.placer_number, m.filler_number, "
             "m.priority, m.reason, cr.last_name, cr.first_name, cr.rpps FROM mwl_entry m "
             "JOIN exam_catalogue e ON e.id = m.exam_id LEFT JOIN correspondent cr ON cr.id = m.requester_id "
             "WHERE 1 = 1");
    if (q->ae_title) {
        buf_puts(&sql, " AND m.ae_title = ?");
        p[np++] = db_text(q->ae_title);
    }
    if (q->from || q->to) {
        if (q->to <= q->from) {
            buf_free(&sql);
            return db_fail(c, STORE_INVALID, "worklist: empty time range");
        }
        time_format_utc(q->from, a, sizeof a);
        time_format_utc(q->to, b, sizeof b);
        buf_puts(&sql, " AND m.start_at >= ? AND m.start_at < ?");
        p[np++] = db_text(a);
        p[np++] = db_text(b);
    }
    const char *const *statuses = q->statuses ? q->statuses : default_statuses;
    size_t ns = 0;
    while (statuses[ns]) ns++;
    if (ns == 0 || ns > 7) {
        buf_free(&sql);
        return db_fail(c, STORE_INVALID, "worklist: 1 to 7 statuses");
    }
    buf_puts(&sql, " AND m.status IN (");
    for (size_t i = 0; i < ns; i++) {
        buf_puts(&sql, i ? ", ?" : "?");
        p[np++] = db_text(statuses[i]);
    }
    buf_putc(&sql, ')');
    if (q->modality) {
        buf_puts(&sql, " AND m.modality_type = ?");
        p[np++] = db_text(q->modality);
    }
    if (q->patient_id) {
        buf_puts(&sql, " AND m.ipp = ?");
        p[np++] = db_text(q->patient_id);
    }
    if (q->accession_number) {
        buf_puts(&sql, " AND m.accession_number = ?");
        p[np++] = db_text(q->accession_number);
    }
    if (q->name_prefix) {
        if (!store_search_key(q->name_prefix, key, sizeof key)) {
            buf_free(&sql);
            return db_fail(c, STORE_INVALID, "worklist: name prefix is not valid UTF-8 or too long");
        }
        if (key[0]) {
            snprintf(upper, sizeof upper, "%s\xf4\x8f\xbf\xbf", key);
            buf_puts(&sql, " AND ((m.patient_name_key >= ? AND m.patient_name_key < ?) OR "
                           "(m.used_name_key >= ? AND m.used_name_key < ?))");
            p[np++] = db_text(key);
            p[np++] = db_text(upper);
            p[np++] = db_text(key);
            p[np++] = db_text(upper);
        }
    }
    buf_puts(&sql, " ORDER BY m.start_at, m.step_id LIMIT ?");
    p[np++] = db_int((int64_t)limit);
    db_rows r;
    store_status s = db_exec(c, buf_cstr(&sql), p, np, &r, NULL);
    buf_free(&sql);
    if (s != STORE_OK) return s;
    store_worklist_item *out = calloc(r.nrows ? r.nrows : 1, sizeof *out);
    if (!out) {
        db_rows_free(&r);
        return db_fail(c, STORE_ERROR, "out of memory");
    }
    for (size_t row = 0; row < r.nrows; row++) {
        store_worklist_item *it = &out[row];
#define CELL(k) db_cell(&r, row, k)
        it->step_id = num(CELL(0));
        it->procedure_id = num(CELL(1));
        it->order_id = num(CELL(2));
        it->patient_id = num(CELL(3));
        if (!CELL(4) || time_parse_datetime(CELL(4), &it->start_at) != 0) it->start_at = 0;
        copy(it->sps_id, sizeof it->sps_id, CELL(5));
        copy(it->ae_title, sizeof it->ae_title, CELL(6));
        copy(it->modality, sizeof it->modality, CELL(7));
        copy(it->status, sizeof it->status, CELL(8));
        copy(it->performing_physician, sizeof it->performing_physician, CELL(9));
        copy(it->accession_number, sizeof it->accession_number, CELL(10));
        copy(it->study_instance_uid, sizeof it->study_instance_uid, CELL(11));
        copy(it->ccam_code, sizeof it->ccam_code, CELL(12));
        copy(it->exam_label, sizeof it->exam_label, CELL(13));
        copy(it->loinc_code, sizeof it->loinc_code, CELL(14));
        copy(it->region_code, sizeof it->region_code, CELL(15));
        copy(it->ipp, sizeof it->ipp, CELL(16));
        copy(it->birth_name, sizeof it->birth_name, CELL(17));
        copy(it->used_name, sizeof it->used_name, CELL(18));
        copy(it->first_given_name, sizeof it->first_given_name, CELL(19));
        copy(it->given_names, sizeof it->given_names, CELL(20));
        copy(it->birth_date, sizeof it->birth_date, CELL(21));
        copy(it->sex, sizeof it->sex, CELL(22));
        copy(it->ins_matricule, sizeof it->ins_matricule, CELL(23));
        copy(it->ins_oid, sizeof it->ins_oid, CELL(24));
        copy(it->placer_number, sizeof it->placer_number, CELL(25));
        copy(it->filler_number, sizeof it->filler_number, CELL(26));
        copy(it->priority, sizeof it->priority, CELL(27));
        copy(it->reason, sizeof it->reason, CELL(28));
        copy(it->requester_last_name, sizeof it->requester_last_name, CELL(29));
        copy(it->requester_first_name, sizeof it->requester_first_name, CELL(30));
        copy(it->requester_rpps, sizeof it->requester_rpps, CELL(31));
#undef CELL
    }
    *n = r.nrows;
    *items = out;
    db_rows_free(&r);
    return STORE_OK;
}
