/* Report templates (report_template_store.h). */
#include "store/report_template_store.h"

#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "store/store_internal.h"

#define ROW_COLUMNS "id, code, label, modality, exam_id, json, revision, active, created_at, updated_at"

void report_template_row_clear(report_template_row *r)
{
    if (!r) return;
    free(r->code);
    free(r->label);
    free(r->modality);
    free(r->json);
    free(r->created_at);
    free(r->updated_at);
    memset(r, 0, sizeof *r);
}

void report_template_rows_free(report_template_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) report_template_row_clear(&rows[i]);
    free(rows);
}

static char *dup_cell(const db_rows *r, size_t row, size_t col)
{
    const char *s = db_cell(r, row, col);
    return strdup(s ? s : "");
}

/* Fills out from row `i` of a ROW_COLUMNS query; false when out of memory. */
static bool row_from(const db_rows *r, size_t i, report_template_row *out)
{
    memset(out, 0, sizeof *out);
    int64_t v = 0;
    (void)db_parse_i64(db_cell(r, i, 0), &out->id);
    out->code = dup_cell(r, i, 1);
    out->label = dup_cell(r, i, 2);
    out->modality = dup_cell(r, i, 3);
    if (db_cell(r, i, 4)) (void)db_parse_i64(db_cell(r, i, 4), &out->exam_id);
    out->json = dup_cell(r, i, 5);
    if (db_parse_i64(db_cell(r, i, 6), &v)) out->revision = (int)v;
    v = 0;
    out->active = db_parse_i64(db_cell(r, i, 7), &v) && v == 1;
    out->created_at = dup_cell(r, i, 8);
    out->updated_at = dup_cell(r, i, 9);
    if (out->code && out->label && out->modality && out->json && out->created_at && out->updated_at) return true;
    report_template_row_clear(out);
    return false;
}

store_status report_templates_get_row(store_conn_t *c, int64_t id, report_template_row *out)
{
    memset(out, 0, sizeof *out);
    db_param p[] = {db_int(id)};
    db_rows r;
    store_status s = db_exec_row(c, "SELECT " ROW_COLUMNS " FROM report_template WHERE id = ?", p, 1, &r);
    if (s == STORE_NOT_FOUND) return db_fail(c, s, "report template %lld not found", (long long)id);
    if (s != STORE_OK) return s;
    if (!row_from(&r, 0, out)) s = db_fail(c, STORE_ERROR, "out of memory");
    db_rows_free(&r);
    return s;
}

store_status report_templates_get(store_conn_t *c, int64_t id, char **json)
{
    *json = NULL;
    db_param p[] = {db_int(id)};
    db_rows r;
    store_status s = db_exec_row(c, "SELECT json FROM report_template WHERE id = ?", p, 1, &r);
    if (s == STORE_NOT_FOUND) return db_fail(c, s, "report template %lld not found", (long long)id);
    if (s != STORE_OK) return s;
    *json = dup_cell(&r, 0, 0);
    db_rows_free(&r);
    return *json ? STORE_OK : db_fail(c, STORE_ERROR, "out of memory");
}

store_status report_templates_find_for_exam(store_conn_t *c, int64_t exam_id, int64_t *id, char **json)
{
    *json = NULL;
    if (id) *id = 0;
    /* The exam's own active template, else an active generic one (exam_id NULL) of the exam's
     * modality; never a template tied to another exam (its LOINC code, region, target site and
     * CCAM act would be wrong in the CDA). Several candidates of one rank: the lowest id. */
    db_param p[] = {db_int(exam_id)};
    db_rows r;
    store_status s = db_exec_row(c,
                                 "SELECT t.id, t.json FROM report_template t "
                                 "JOIN exam_catalogue e ON e.id = ? "
                                 "WHERE t.active = 1 AND (t.exam_id = e.id "
                                 "OR (t.exam_id IS NULL AND t.modality = e.modality_type)) "
                                 "ORDER BY CASE WHEN t.exam_id IS NULL THEN 1 ELSE 0 END, t.id LIMIT 1",
                                 p, 1, &r);
    if (s == STORE_NOT_FOUND)
        return db_fail(c, s, "no active report template for exam %lld (own or generic of its modality)",
                       (long long)exam_id);
    if (s != STORE_OK) return s;
    if (id) (void)db_parse_i64(db_cell(&r, 0, 0), id);
    *json = dup_cell(&r, 0, 1);
    db_rows_free(&r);
    return *json ? STORE_OK : db_fail(c, STORE_ERROR, "out of memory");
}

store_status report_templates_list(store_conn_t *c, bool include_inactive, const char *modality,
                                   report_template_row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    db_param p[] = {db_int(include_inactive ? 1 : 0), db_text(modality), db_text(modality)};
    db_rows r;
    store_status s = db_exec(c,
                             "SELECT " ROW_COLUMNS " FROM report_template "
                             "WHERE (? = 1 OR active = 1) AND (CAST(? AS TEXT) IS NULL OR modality = ?) ORDER BY modality, code, id",
                             p, 3, &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows) {
        *rows = calloc(r.nrows, sizeof **rows);
        if (!*rows) s = db_fail(c, STORE_ERROR, "out of memory");
    }
    for (size_t i = 0; s == STORE_OK && i < r.nrows; i++) {
        if (!row_from(&r, i, &(*rows)[i])) s = db_fail(c, STORE_ERROR, "out of memory");
        else (*n)++;
    }
    db_rows_free(&r);
    if (s != STORE_OK) {
        report_template_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return s;
}

/* Checks the members of `in` and that its exam exists. */
static store_status check_in(store_conn_t *c, const report_template_in *in)
{
    if (!in || !in->code || !*in->code || !in->label || !*in->label || !in->modality || !*in->modality || !in->json ||
        !*in->json)
        return db_fail(c, STORE_INVALID, "report template: code, label, modality and json are required");
    if (in->revision < 1) return db_fail(c, STORE_INVALID, "report template: revision must be >= 1");
    if (in->exam_id < 0) return db_fail(c, STORE_INVALID, "report template: bad exam id");
    if (in->exam_id == 0) return STORE_OK;
    db_param p[] = {db_int(in->exam_id)};
    db_rows r;
    store_status s = db_exec_row(c, "SELECT 1 FROM exam_catalogue WHERE id = ?", p, 1, &r);
    if (s == STORE_NOT_FOUND) return db_fail(c, STORE_INVALID, "report template: exam %lld unknown", (long long)in->exam_id);
    if (s == STORE_OK) db_rows_free(&r);
    return s;
}

/* STORE_CONFLICT when another template than `self` already uses `code`. */
static store_status code_free(store_conn_t *c, const char *code, int64_t self)
{
    db_param p[] = {db_text(code), db_int(self)};
    db_rows r;
    store_status s = db_exec_row(c, "SELECT id FROM report_template WHERE code = ? AND id <> ?", p, 2, &r);
    if (s == STORE_NOT_FOUND) return STORE_OK;
    if (s != STORE_OK) return s;
    db_rows_free(&r);
    return db_fail(c, STORE_CONFLICT, "report template code %s already used", code);
}

store_status report_templates_create(store_conn_t *c, const report_template_in *in, int64_t *id)
{
    if (id) *id = 0;
    bool opened = false;
    store_status s = check_in(c, in);
    if (s != STORE_OK) return s;
    if ((s = db_tx_auto(c, &opened)) != STORE_OK) return s;
    s = code_free(c, in->code, 0);
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    if (s == STORE_OK) {
        db_param p[] = {db_text(in->code), db_text(in->label),    db_text(in->modality), in->exam_id ? db_int(in->exam_id) : db_null(),
                        db_text(in->json), db_int(in->revision), db_text(now),         db_text(now)};
        db_rows r;
        s = db_exec(c,
                    "INSERT INTO report_template (code, label, modality, exam_id, json, revision, active, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                    p, 8, &r, NULL);
        if (s == STORE_OK) {
            int64_t got = 0;
            if (r.nrows != 1 || !db_parse_i64(db_cell(&r, 0, 0), &got))
                s = db_fail(c, STORE_ERROR, "insert returned no id");
            else if (id)
                *id = got;
            db_rows_free(&r);
        }
    }
    return db_tx_end(c, opened, s);
}

store_status report_templates_update(store_conn_t *c, int64_t id, int expected_revision,
                                     const report_template_in *in)
{
    bool opened = false;
    store_status s = check_in(c, in);
    if (s != STORE_OK) return s;
    if ((s = db_tx_auto(c, &opened)) != STORE_OK) return s;
    db_param q[] = {db_int(id)};
    db_rows r;
    s = db_exec_row(c, "SELECT revision FROM report_template WHERE id = ?", q, 1, &r);
    if (s == STORE_NOT_FOUND) s = db_fail(c, s, "report template %lld not found", (long long)id);
    if (s == STORE_OK) db_rows_free(&r);
    if (s == STORE_OK) s = code_free(c, in->code, id);
    if (s == STORE_OK) {
        char now[32];
        time_format_utc(time_now_unix(), now, sizeof now);
        db_param p[] = {db_text(in->code),   db_text(in->label), db_text(in->modality),
                        in->exam_id ? db_int(in->exam_id) : db_null(),
                        db_text(in->json),   db_int(in->revision), db_text(now),
                        db_int(id),          db_int(expected_revision)};
        int64_t changes = 0;
        s = db_exec(c,
                    "UPDATE report_template SET code = ?, label = ?, modality = ?, exam_id = ?, json = ?, revision = ?, "
                    "active = 1, updated_at = ? WHERE id = ? AND revision = ?",
                    p, 9, NULL, &changes);
        if (s == STORE_OK && changes == 0)
            s = db_fail(c, STORE_CONFLICT, "report template %lld changed meanwhile (revision is no longer %d)",
                        (long long)id, expected_revision);
    }
    return db_tx_end(c, opened, s);
}

store_status report_templates_delete(store_conn_t *c, int64_t id, bool *deactivated)
{
    if (deactivated) *deactivated = false;
    bool opened = false;
    store_status s = db_tx_auto(c, &opened);
    if (s != STORE_OK) return s;
    db_param p[] = {db_int(id)};
    db_rows r;
    s = db_exec_row(c, "SELECT 1 FROM report WHERE template_id = ? LIMIT 1", p, 1, &r);
    bool referenced = s == STORE_OK;
    if (s == STORE_OK) db_rows_free(&r);
    if (s == STORE_OK || s == STORE_NOT_FOUND) {
        char now[32];
        time_format_utc(time_now_unix(), now, sizeof now);
        int64_t changes = 0;
        if (referenced) {
            db_param u[] = {db_text(now), db_int(id)};
            s = db_exec(c, "UPDATE report_template SET active = 0, updated_at = ? WHERE id = ?", u, 2, NULL, &changes);
        } else {
            s = db_exec(c, "DELETE FROM report_template WHERE id = ?", p, 1, NULL, &changes);
        }
        if (s == STORE_OK && changes == 0) s = db_fail(c, STORE_NOT_FOUND, "report template %lld not found", (long long)id);
        if (s == STORE_OK && deactivated) *deactivated = referenced;
    }
    return db_tx_end(c, opened, s);
}
