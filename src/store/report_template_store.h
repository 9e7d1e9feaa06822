/* Store side of the report templates (table report_template, migration 0041): the templates an
 * admin edits through /api/v1/report-templates and the reporting code picks for an exam.
 *
 * The template itself is kept as the JSON text of src/report/report.h; the store does not parse
 * it (the caller checks it with report_template_from_json before saving) and copies code, label
 * and modality into their own columns for listing and lookup. Same conventions as store.h: every
 * function returns a store_status, records an English detail in store_last_error(conn), and runs
 * inside the caller's transaction when one is open. */
#ifndef COULOIR_STORE_REPORT_TEMPLATE_STORE_H
#define COULOIR_STORE_REPORT_TEMPLATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* One template row. Strings are malloc'd (report_template_row_clear frees them). */
typedef struct {
    int64_t id;
    char *code;
    char *label;
    char *modality;
    int64_t exam_id;     /* 0: none (template of its whole modality) */
    char *json;          /* template JSON (report/report.h form) */
    int revision;
    bool active;
    char *created_at;    /* ISO 8601 UTC */
    char *updated_at;
} report_template_row;

void report_template_row_clear(report_template_row *r);
void report_template_rows_free(report_template_row *rows, size_t n);

/* What a write stores: all strings required except exam_id (0 = none). */
typedef struct {
    const char *code;
    const char *label;
    const char *modality;
    int64_t exam_id;
    const char *json;
    int revision;        /* >= 1 */
} report_template_in;

/* The JSON of template `id` (malloc'd into *json), active or not. STORE_NOT_FOUND when absent. */
store_status report_templates_get(store_conn_t *c, int64_t id, char **json);
/* The whole row of template `id`. STORE_NOT_FOUND when absent. */
store_status report_templates_get_row(store_conn_t *c, int64_t id, report_template_row *out);

/* The template to use for exam `exam_id` (exam_catalogue.id): the active template tied to that
 * exam, else an active generic template (tied to no exam) of the exam's modality; the lowest id
 * among several of one rank. A template tied to ANOTHER exam is never returned, even of the same
 * modality: its exam code, region, target site and CCAM act belong to that other exam.
 * *id and *json (malloc'd) receive it. STORE_NOT_FOUND when the exam is unknown or neither fits
 * (the caller then tells the user an admin must create a template). */
store_status report_templates_find_for_exam(store_conn_t *c, int64_t exam_id, int64_t *id, char **json);

/* Templates ordered by modality then code; inactive ones only when include_inactive.
 * modality (NULL: any) filters. *rows is malloc'd (report_template_rows_free). */
store_status report_templates_list(store_conn_t *c, bool include_inactive, const char *modality,
                                   report_template_row **rows, size_t *n);

/* Inserts an active template. STORE_CONFLICT when the code is taken, STORE_INVALID when a
 * member is missing or exam_id names no exam. */
store_status report_templates_create(store_conn_t *c, const report_template_in *in, int64_t *id);

/* Replaces template `id` with `in` if its stored revision is still `expected_revision`
 * (optimistic concurrency: STORE_CONFLICT otherwise, or when the new code is taken). The caller
 * passes in->revision = expected_revision + 1. Reactivates the template. STORE_NOT_FOUND when
 * absent. */
store_status report_templates_update(store_conn_t *c, int64_t id, int expected_revision,
                                     const report_template_in *in);

/* Deletes template `id`, or deactivates it when a report refers to it (*deactivated tells
 * which; may be NULL). STORE_NOT_FOUND when absent. */
store_status report_templates_delete(store_conn_t *c, int64_t id, bool *deactivated);

#endif
