/* Report templates in the store (report_template_store.h) on both backends: create, read, list,
 * update with optimistic revision check, the choice of a template for an exam (its own, else a
 * generic one of its modality, NEVER another exam's), delete or deactivate when a report refers
 * to it; and the demo templates (every one passes report_template_from_json, every demo exam has
 * its own template carrying that exam's LOINC code, CCAM act and label, modality and exposure
 * rule). */
#include <jansson.h>

#include "core/timeutil.h"
#include "demo/demo.h"
#include "report/report.h"
#include "store/report_template_store.h"
#include "store/store_internal.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

TEST_STORE_ONE_CONNECTION(2)

static int64_t make_exam(const char *ccam, const char *modality)
{
    return insert_or_fail(c, "catalogue",
                          json_pack("{s:s, s:s, s:s, s:i}", "ccam_code", ccam, "label", "Examen test", "modality_type",
                                    modality, "duration_minutes", 15));
}

static int64_t create_or_fail(const char *code, const char *modality, int64_t exam_id)
{
    char json[128];
    snprintf(json, sizeof json, "{\"code\":\"%s\"}", code);
    report_template_in in = {code, "Modèle de test", modality, exam_id, json, 1};
    int64_t id = 0;
    store_status s = report_templates_create(c, &in, &id);
    if (s != STORE_OK) fail_msg("create %s: %s", code, store_last_error(c));
    assert_true(id > 0);
    return id;
}

static void expect_found(int64_t exam_id, int64_t want_id)
{
    int64_t id = -1;
    char *json = NULL;
    store_status s = report_templates_find_for_exam(c, exam_id, &id, &json);
    if (s != STORE_OK) fail_msg("find_for_exam %lld: %s", (long long)exam_id, store_last_error(c));
    assert_int_equal(id, want_id);
    char *direct = NULL;
    assert_int_equal(report_templates_get(c, id, &direct), STORE_OK);
    assert_string_equal(json, direct);
    free(json);
    free(direct);
}

static void test_crud_and_choice(void **state)
{
    (void)state;
    int64_t ct_head = make_exam("YYQK901", "CT"), ct_chest = make_exam("YYQK902", "CT");
    int64_t mr_knee = make_exam("YYQN903", "MR"), us = make_exam("YYQM904", "US");
    char *json = NULL;
    int64_t id = 0;
    /* nothing yet */
    assert_int_equal(report_templates_find_for_exam(c, ct_head, &id, &json), STORE_NOT_FOUND);
    assert_null(json);

    int64_t other = create_or_fail("CT-THORAX", "CT", ct_chest);
    /* no own, no generic template: NOT another exam's template of the same modality (its exam
     * code, region, target site and CCAM act would be wrong) */
    id = -1;
    assert_int_equal(report_templates_find_for_exam(c, ct_head, &id, &json), STORE_NOT_FOUND);
    assert_null(json);
    assert_int_equal(id, 0);
    expect_found(ct_chest, other);
    /* a generic template of another modality does not fit either */
    int64_t mr = create_or_fail("IRM", "MR", 0);
    assert_int_equal(report_templates_find_for_exam(c, ct_head, &id, &json), STORE_NOT_FOUND);
    expect_found(mr_knee, mr);
    int64_t generic = create_or_fail("CT", "CT", 0);
    expect_found(ct_head, generic);   /* the modality's generic template */
    expect_found(ct_chest, other);    /* the exam's own before the generic one */
    int64_t head = create_or_fail("CT-CRANE", "CT", ct_head);
    expect_found(ct_head, head);
    assert_int_equal(report_templates_find_for_exam(c, us, &id, &json), STORE_NOT_FOUND);
    assert_int_equal(report_templates_find_for_exam(c, 987654, &id, &json), STORE_NOT_FOUND);
    /* an inactive own template: the generic one; inactive generic too: nothing (not CT-THORAX) */
    db_param off[] = {db_int(head)};
    assert_int_equal(db_exec(c, "UPDATE report_template SET active = 0 WHERE id = ?", off, 1, NULL, NULL), STORE_OK);
    expect_found(ct_head, generic);
    db_param goff[] = {db_int(generic)};
    assert_int_equal(db_exec(c, "UPDATE report_template SET active = 0 WHERE id = ?", goff, 1, NULL, NULL), STORE_OK);
    assert_int_equal(report_templates_find_for_exam(c, ct_head, &id, &json), STORE_NOT_FOUND);
    expect_found(ct_chest, other);
    /* a second generic template of the modality (the only active one here) ... */
    int64_t generic2 = create_or_fail("CT-BIS", "CT", 0);
    expect_found(ct_head, generic2);
    assert_int_equal(db_exec(c, "UPDATE report_template SET active = 1", NULL, 0, NULL, NULL), STORE_OK);
    expect_found(ct_head, head);
    assert_int_equal(report_templates_delete(c, head, NULL), STORE_OK);
    expect_found(ct_head, generic);   /* ... with both active: the lowest id */
    assert_int_equal(report_templates_delete(c, generic2, NULL), STORE_OK);
    head = create_or_fail("CT-CRANE", "CT", ct_head);
    expect_found(ct_head, head);

    /* refusals */
    report_template_in dup = {"CT-CRANE", "Autre", "CT", 0, "{}", 1};
    assert_int_equal(report_templates_create(c, &dup, &id), STORE_CONFLICT);
    report_template_in bad_exam = {"CT-X", "X", "CT", 987654, "{}", 1};
    assert_int_equal(report_templates_create(c, &bad_exam, &id), STORE_INVALID);
    report_template_in no_label = {"CT-Y", "", "CT", 0, "{}", 1};
    assert_int_equal(report_templates_create(c, &no_label, &id), STORE_INVALID);
    report_template_in no_rev = {"CT-Z", "Z", "CT", 0, "{}", 0};
    assert_int_equal(report_templates_create(c, &no_rev, &id), STORE_INVALID);

    /* row and list */
    report_template_row row;
    assert_int_equal(report_templates_get_row(c, head, &row), STORE_OK);
    assert_string_equal(row.code, "CT-CRANE");
    assert_string_equal(row.label, "Modèle de test");
    assert_string_equal(row.modality, "CT");
    assert_int_equal(row.exam_id, ct_head);
    assert_int_equal(row.revision, 1);
    assert_true(row.active);
    assert_string_equal(row.json, "{\"code\":\"CT-CRANE\"}");
    assert_int_equal(strlen(row.created_at), 20);
    report_template_row_clear(&row);
    assert_int_equal(report_templates_get_row(c, 987654, &row), STORE_NOT_FOUND);
    assert_int_equal(report_templates_get(c, 987654, &json), STORE_NOT_FOUND);

    report_template_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(report_templates_list(c, false, NULL, &rows, &n), STORE_OK);
    assert_int_equal(n, 4);
    assert_string_equal(rows[0].code, "CT"); /* modality, then code */
    assert_string_equal(rows[1].code, "CT-CRANE");
    assert_string_equal(rows[2].code, "CT-THORAX");
    assert_string_equal(rows[3].code, "IRM");
    report_template_rows_free(rows, n);
    assert_int_equal(report_templates_list(c, false, "MR", &rows, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].code, "IRM");
    report_template_rows_free(rows, n);
    assert_int_equal(report_templates_list(c, false, "XA", &rows, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_null(rows);

    /* update: revision check, code uniqueness */
    report_template_in upd = {"CT-CRANE-2", "Scanner cérébral", "CT", ct_head, "{\"code\":\"CT-CRANE-2\"}", 2};
    assert_int_equal(report_templates_update(c, head, 1, &upd), STORE_OK);
    assert_int_equal(report_templates_get_row(c, head, &row), STORE_OK);
    assert_string_equal(row.code, "CT-CRANE-2");
    assert_int_equal(row.revision, 2);
    report_template_row_clear(&row);
    upd.revision = 3;
    assert_int_equal(report_templates_update(c, head, 1, &upd), STORE_CONFLICT); /* stale revision */
    upd.code = "CT";
    assert_int_equal(report_templates_update(c, head, 2, &upd), STORE_CONFLICT); /* code taken */
    upd.code = "CT-CRANE-3";
    assert_int_equal(report_templates_update(c, 987654, 1, &upd), STORE_NOT_FOUND);
    upd.exam_id = 987654;
    assert_int_equal(report_templates_update(c, head, 2, &upd), STORE_INVALID);

    /* delete: gone when unreferenced */
    bool deactivated = true;
    assert_int_equal(report_templates_delete(c, generic, &deactivated), STORE_OK);
    assert_false(deactivated);
    assert_int_equal(report_templates_get(c, generic, &json), STORE_NOT_FOUND);
    assert_int_equal(report_templates_delete(c, generic, NULL), STORE_NOT_FOUND);
    expect_found(ct_head, head);
    /* a transaction rolled back leaves the template */
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(report_templates_delete(c, other, NULL), STORE_OK);
    store_rollback(c);
    expect_found(ct_chest, other);
}

/* Inserts a report row referring to template_id on the first requested procedure (raw SQL:
 * the report store is not under test here). */
static void make_report_on(int64_t template_id)
{
    db_rows r;
    assert_int_equal(db_exec_row(c, "SELECT p.id, o.patient_id FROM requested_procedure p "
                                    "JOIN imaging_order o ON o.id = p.order_id ORDER BY p.id LIMIT 1",
                                 NULL, 0, &r),
                     STORE_OK);
    int64_t proc = 0, patient = 0;
    assert_true(db_parse_i64(db_cell(&r, 0, 0), &proc));
    assert_true(db_parse_i64(db_cell(&r, 0, 1), &patient));
    db_rows_free(&r);
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_int(proc), db_int(patient), db_int(template_id), db_text(now), db_text(now)};
    store_status s = db_exec(c,
                             "INSERT INTO report (procedure_id, patient_id, template_id, template, status, status_since, "
                             "author_login, set_id, sections, created_at, updated_at) "
                             "VALUES (?, ?, ?, '{}', 'brouillon', 0, 'radiologue', '1.2.3.4', '{}', ?, ?)",
                             p, 5, NULL, NULL);
    if (s != STORE_OK) fail_msg("insert report: %s", store_last_error(c));
}

/* The catalogue exam `exam` (resource JSON) and its template `t` agree on every coded field the
 * CDA takes from the template. */
static void expect_template_of(const json_t *exam, const rtpl_template *t)
{
    const char *ccam = json_string_value(json_object_get(exam, "ccam_code"));
    const char *modality = json_string_value(json_object_get(exam, "modality_type"));
    assert_non_null(ccam);
    assert_non_null(modality);
    assert_string_equal(t->modality, modality);
    assert_string_equal(t->ccam.code, ccam);
    assert_string_equal(t->ccam.display, json_string_value(json_object_get(exam, "label")));
    assert_string_equal(t->exam_code.code, json_string_value(json_object_get(exam, "loinc_code")));
    assert_true(t->region[0] != '\0');        /* checked against JDV ...695 by from_json */
    assert_true(t->target_site.code[0] != '\0');
    assert_int_equal(t->exposure, rtpl_modality_ionising(modality) ? RTPL_EXPOSURE_OPTIONAL : RTPL_EXPOSURE_NONE);
    assert_true(t->sections[RTPL_SEC_TECHNIQUE].default_text[0] != '\0');
}

static void test_demo_templates(void **state)
{
    (void)state;
    /* start from the demo templates only (the previous test left its own) */
    assert_int_equal(db_exec(c, "DELETE FROM report_template", NULL, 0, NULL, NULL), STORE_OK);
    char err[512] = "";
    if (demo_seed(st, time_days_from_civil(2026, 11, 23), err, sizeof err) != STORE_OK) fail_msg("demo: %s", err);
    report_template_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(report_templates_list(c, true, NULL, &rows, &n), STORE_OK);
    assert_int_equal(n, 20);
    for (size_t i = 0; i < n; i++) {
        rtpl_template t;
        if (report_template_from_json(rows[i].json, &t, err, sizeof err) != 0) fail_msg("%s: %s", rows[i].code, err);
        assert_string_equal(t.code, rows[i].code);
        assert_string_equal(t.label, rows[i].label);
        assert_string_equal(t.modality, rows[i].modality);
        assert_true(rows[i].exam_id > 0);
        for (size_t k = 0; k < i; k++) /* one template per exam */
            if (rows[k].exam_id == rows[i].exam_id) fail_msg("%s and %s share an exam", rows[k].code, rows[i].code);
    }
    /* every exam of the demo catalogue gets ITS OWN template, with its own codes; the exams the
     * previous test made (YY...) have none and no generic one: none is lent to them */
    json_t *exams = NULL;
    int64_t total = 0;
    store_list_query q = {NULL, 0, 0, 1000};
    assert_int_equal(store_resource_list(c, model_resource_find("catalogue"), &q, &exams, &total), STORE_OK);
    size_t i, with = 0, without = 0;
    json_t *e;
    json_array_foreach(exams, i, e) {
        int64_t id = 0;
        char *json = NULL;
        int64_t exam_id = json_integer_value(json_object_get(e, "id"));
        const char *ccam = json_string_value(json_object_get(e, "ccam_code"));
        store_status s = report_templates_find_for_exam(c, exam_id, &id, &json);
        if (ccam && strncmp(ccam, "YY", 2) == 0) {
            assert_int_equal(s, STORE_NOT_FOUND);
            without++;
            continue;
        }
        if (s != STORE_OK) fail_msg("no template for exam %s", ccam ? ccam : "?");
        report_template_row row;
        assert_int_equal(report_templates_get_row(c, id, &row), STORE_OK);
        assert_int_equal(row.exam_id, exam_id);
        report_template_row_clear(&row);
        rtpl_template t;
        assert_int_equal(report_template_from_json(json, &t, err, sizeof err), 0);
        expect_template_of(e, &t);
        free(json);
        with++;
    }
    json_decref(exams);
    assert_int_equal(with, 20);
    assert_int_equal(without, 4);

    /* a template a report refers to is deactivated, not deleted, and no longer chosen: its exam
     * then has no template (the other templates of its modality are not lent to it) ... */
    int64_t used = rows[0].id, exam = rows[0].exam_id;
    report_template_in in = {rows[0].code, rows[0].label, rows[0].modality, exam, rows[0].json, 2};
    assert_string_equal(rows[0].modality, "CT"); /* CT has several exams: a lender would exist */
    make_report_on(used);
    bool deactivated = false;
    assert_int_equal(report_templates_delete(c, used, &deactivated), STORE_OK);
    assert_true(deactivated);
    report_template_row row;
    assert_int_equal(report_templates_get_row(c, used, &row), STORE_OK);
    assert_false(row.active);
    report_template_row_clear(&row);
    char *json = NULL;
    int64_t id = 0;
    assert_int_equal(report_templates_find_for_exam(c, exam, &id, &json), STORE_NOT_FOUND);
    report_template_row *active = NULL;
    size_t n_active = 0;
    assert_int_equal(report_templates_list(c, false, NULL, &active, &n_active), STORE_OK);
    assert_int_equal(n_active, 19);
    report_template_rows_free(active, n_active);
    /* ... until an admin adds a generic template of the modality ... */
    int64_t generic = create_or_fail("CT-GENERIQUE", "CT", 0);
    expect_found(exam, generic);
    assert_string_equal(rows[1].modality, "CT");
    expect_found(rows[1].exam_id, rows[1].id); /* the other CT exams keep their own */
    /* ... or an update brings it back */
    assert_int_equal(report_templates_update(c, used, 1, &in), STORE_OK);
    expect_found(exam, used);
    report_template_rows_free(rows, n);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crud_and_choice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_templates, setup, teardown),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}

int main(void) { return test_run_backends(run); }
