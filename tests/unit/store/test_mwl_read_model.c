/* The worklist read model (mwl_entry, migration 0024) stays equal to the join it copies
 * (mwl_source) after every kind of write to every source table, on both backends: inserts,
 * updates through the generic resources, status transitions, the HL7 feed's IPP change and
 * merge, the MPPS status change, direct SQL deletes, and a rolled-back transaction. */
#include "core/timeutil.h"
#include "store/hl7feed_store.h"
#include "store/store_internal.h"
#include "store/worklist_sql.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

TEST_STORE_ONE_CONNECTION(1)

static int64_t count(const char *sql)
{
    db_rows r;
    assert_int_equal(db_exec(c, sql, NULL, 0, &r, NULL), STORE_OK);
    int64_t v = -1;
    assert_true(db_parse_i64(db_cell(&r, 0, 0), &v));
    db_rows_free(&r);
    return v;
}

/* Fails with the first differing row when mwl_entry is not exactly mwl_source. */
static void assert_in_sync(const char *after, int64_t entries)
{
    int64_t stale = count("SELECT COUNT(*) FROM (SELECT * FROM mwl_entry EXCEPT SELECT * FROM mwl_source) d");
    int64_t missing = count("SELECT COUNT(*) FROM (SELECT * FROM mwl_source EXCEPT SELECT * FROM mwl_entry) d");
    int64_t n = count("SELECT COUNT(*) FROM mwl_entry");
    if (stale || missing || n != entries)
        fail_msg("after %s: %lld stale and %lld missing read-model rows, %lld rows (expected %lld)", after,
                 (long long)stale, (long long)missing, (long long)n, (long long)entries);
}

/* One column of a step's entry ("" when NULL). */
static const char *entry(int64_t step, const char *col, char *out, size_t n)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM mwl_entry WHERE step_id = ?", col);
    db_param p[] = {db_int(step)};
    db_rows r;
    assert_int_equal(db_exec(c, sql, p, 1, &r, NULL), STORE_OK);
    assert_int_equal(r.nrows, 1);
    snprintf(out, n, "%s", db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "");
    db_rows_free(&r);
    return out;
}

static void update(const char *resource, int64_t id, json_t *patch)
{
    store_status s = store_resource_update(c, model_resource_find(resource), id, patch);
    if (s != STORE_OK) fail_msg("update %s %lld: %s", resource, (long long)id, store_last_error(c));
    json_decref(patch);
}

static void exec(const char *sql, int64_t id)
{
    db_param p[] = {db_int(id)};
    assert_int_equal(db_exec(c, sql, p, 1, NULL, NULL), STORE_OK);
}

static int64_t identity_of(int64_t patient)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT id FROM identity WHERE patient_id = %lld", (long long)patient);
    return count(sql);
}

static void test_read_model_follows_every_write(void **state)
{
    (void)state;
    char v[128];
    int64_t exam = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "ccam_code", "ZBQK002",
                                                            "label", "Radiographie du thorax", "loinc_code", "30745-4",
                                                            "modality_type", "DX", "region_code", "CHEST",
                                                            "duration_minutes", 10));
    int64_t corr = insert_or_fail(c, "correspondents", json_pack("{s:s, s:s, s:s}", "rpps", "10002314572", "last_name",
                                                                 "Lemoine", "first_name", "Hélène"));
    int64_t pa = make_patient(c, "RM-1", "Moreau", "Luc", "1961-03-04", "M");
    /* a patient whose identity comes after the step */
    int64_t pb = insert_or_fail(c, "patients", json_pack("{s:s}", "ipp", "RM-2"));
    assert_in_sync("patients without steps", 0);

    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I, s:I, s:s}", "patient_id", (json_int_t)pa,
                                                          "requester_id", (json_int_t)corr, "reason", "Toux"));
    int64_t proc = insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id",
                                                             (json_int_t)exam));
    int64_t s1 = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc,
                                                      "ae_title", "DX1", "modality_type", "DX", "start_at",
                                                      "2026-11-24T08:00:00Z"));
    int64_t s2 = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc,
                                                      "ae_title", "DX2", "modality_type", "DX", "start_at",
                                                      "2026-11-24T09:00:00Z"));
    int64_t order_b = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)pb));
    int64_t proc_b = insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order_b,
                                                               "exam_id", (json_int_t)exam));
    int64_t s3 = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc_b,
                                                      "ae_title", "DX1", "modality_type", "DX", "start_at",
                                                      "2026-11-24T10:00:00Z"));
    assert_in_sync("step inserts", 3);
    assert_string_equal(entry(s1, "birth_name", v, sizeof v), "Moreau");
    assert_string_equal(entry(s3, "birth_name", v, sizeof v), "");

    /* identity inserted after the step, then its traits, INS and status changed */
    insert_or_fail(c, "identities", json_pack("{s:I, s:s, s:s, s:s, s:s}", "patient_id", (json_int_t)pb, "birth_name",
                                              "Fabre", "first_given_name", "Inès", "birth_date", "1980-02-02", "sex",
                                              "F"));
    assert_in_sync("identity insert", 3);
    assert_string_equal(entry(s3, "patient_name_key", v, sizeof v), "FABRE");
    update("identities", identity_of(pa),
           json_pack("{s:s, s:s, s:s, s:s}", "birth_name", "Moreau-Lenoir", "used_name", "Lenoir", "ins_matricule",
                     "161036912345678", "ins_oid", "1.2.250.1.213.1.4.8"));
    assert_in_sync("identity update", 3);
    assert_string_equal(entry(s2, "patient_name_key", v, sizeof v), "MOREAU LENOIR");
    assert_string_equal(entry(s2, "ins_matricule", v, sizeof v), "161036912345678");

    /* step: status transition, time and station moved */
    assert_int_equal(store_set_status(c, model_resource_find("steps"), s1, "booked", "arrived", time_now_unix()),
                     STORE_OK);
    update("steps", s2, json_pack("{s:s, s:s}", "start_at", "2026-11-25T07:30:00Z", "ae_title", "DX3"));
    assert_in_sync("step updates", 3);
    assert_string_equal(entry(s1, "status", v, sizeof v), "arrived");
    assert_string_equal(entry(s2, "ae_title", v, sizeof v), "DX3");

    /* MPPS: in progress */
    assert_int_equal(store_mpps_step_status(c, s1, "arrived", "in_progress", time_now_unix()), STORE_OK);
    assert_in_sync("MPPS status", 3);
    assert_string_equal(entry(s1, "status", v, sizeof v), "in_progress");

    /* order, procedure, exam and requester edits reach every step they feed */
    update("orders", order, json_pack("{s:s, s:s}", "priority", "urgent", "placer_number", "PL-9"));
    exec("UPDATE requested_procedure SET accession_number = 'ACC-RM-9' WHERE id = ?", proc); /* not an API field */
    update("catalogue", exam, json_pack("{s:s}", "label", "Radiographie du thorax de face"));
    update("correspondents", corr, json_pack("{s:s}", "last_name", "Lemoine-Petit"));
    assert_in_sync("order, procedure, exam, requester updates", 3);
    assert_string_equal(entry(s2, "priority", v, sizeof v), "urgent");
    assert_string_equal(entry(s2, "accession_number", v, sizeof v), "ACC-RM-9");
    assert_string_equal(entry(s3, "exam_label", v, sizeof v), "Radiographie du thorax de face");
    assert_string_equal(entry(s1, "requester_last_name", v, sizeof v), "Lemoine-Petit");

    /* HL7 feed: IPP change, then patient B merged into A */
    assert_int_equal(hl7s_patient_change_ipp(c, pa, "RM-1B"), STORE_OK);
    assert_in_sync("IPP change", 3);
    assert_string_equal(entry(s1, "ipp", v, sizeof v), "RM-1B");
    assert_int_equal(hl7s_patient_merge(c, pb, pa), STORE_OK);
    assert_in_sync("merge", 3);
    assert_string_equal(entry(s3, "birth_name", v, sizeof v), "Moreau-Lenoir");
    assert_string_equal(entry(s3, "ipp", v, sizeof v), "RM-1B");

    /* a rolled-back write leaves the read model as it was */
    assert_int_equal(store_begin(c), STORE_OK);
    update("identities", identity_of(pa), json_pack("{s:s}", "birth_name", "Annulé"));
    assert_string_equal(entry(s1, "birth_name", v, sizeof v), "Annulé");
    store_rollback(c);
    assert_in_sync("rollback", 3);
    assert_string_equal(entry(s1, "birth_name", v, sizeof v), "Moreau-Lenoir");

    /* direct SQL: an identity removed, then a step removed */
    exec("DELETE FROM identity_history WHERE identity_id = ?", identity_of(pb));
    exec("DELETE FROM identity_event WHERE identity_id = ?", identity_of(pb));
    exec("DELETE FROM identity WHERE id = ?", identity_of(pb));
    exec("DELETE FROM appointment WHERE step_id = ?", s2);
    exec("DELETE FROM scheduled_step WHERE id = ?", s2);
    assert_in_sync("deletes", 2);

    /* and the worklist reads it: the station's arrived and in-progress steps */
    const char *const statuses[] = {"arrived", "in_progress", NULL};
    store_mwl_filter f = {.ae_title = "DX1", .statuses = statuses};
    store_mwl_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(store_mwl_page(c, &f, &rows, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].step_id, s1);
    assert_string_equal(rows[0].birth_name, "Moreau-Lenoir");
    assert_string_equal(rows[0].accession_number, "ACC-RM-9");
    free(rows);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_model_follows_every_write),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
