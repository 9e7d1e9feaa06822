/* The modality worklist query: criteria, joins and order. */
#include "core/timeutil.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

TEST_STORE_ONE_CONNECTION(1)

static int64_t T(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(time_parse_datetime(iso, &t), 0);
    return t;
}

static int64_t step_for(int64_t pid, int64_t exam, int64_t corr, const char *ae, const char *mod, const char *start,
                        const char *accession)
{
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I, s:I, s:s, s:s}", "patient_id", (json_int_t)pid,
                                                          "requester_id", (json_int_t)corr, "reason", "Bilan",
                                                          "placer_number", "PL-1"));
    int64_t proc = insert_or_fail(c, "procedures", json_pack("{s:I, s:I, s:s}", "order_id", (json_int_t)order,
                                                             "exam_id", (json_int_t)exam, "accession_number",
                                                             accession));
    return insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc, "ae_title",
                                                ae, "modality_type", mod, "start_at", start));
}

static void test_worklist(void **state)
{
    (void)state;
    int64_t p1 = make_patient(c, "WL-1", "Lefèvre", "Élodie", "1988-02-08", "F");
    int64_t p2 = make_patient(c, "WL-2", "Martin", "Paul", "1950-01-01", "M");
    /* p2 uses another name */
    store_filter f[] = {{"patient_id", "0"}};
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)p2);
    f[0].value = buf;
    store_list_query q = {f, 1, 0, 1};
    json_t *items = NULL;
    int64_t total = 0;
    assert_int_equal(store_resource_list(c, model_resource_find("identities"), &q, &items, &total), STORE_OK);
    json_t *patch = json_pack("{s:s, s:s}", "used_name", "Dâvid", "ins_matricule", "150017511100171");
    assert_int_equal(store_resource_update(c, model_resource_find("identities"),
                                           json_integer_value(json_object_get(json_array_get(items, 0), "id")), patch),
                     STORE_OK);
    json_decref(patch);
    json_decref(items);
    int64_t corr = insert_or_fail(c, "correspondents", json_pack("{s:s, s:s, s:s}", "rpps", "10002314572", "last_name",
                                                                 "Lemoine", "first_name", "Hélène"));
    int64_t ct = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:s, s:i}", "ccam_code", "ACQK001", "label",
                                                          "Scanographie du crâne", "loinc_code", "30799-1",
                                                          "modality_type", "CT", "duration_minutes", 15));
    int64_t s1 = step_for(p1, ct, corr, "CT1", "CT", "2026-11-24T09:00:00Z", "ACC1");
    int64_t s2 = step_for(p2, ct, corr, "CT1", "CT", "2026-11-24T08:00:00Z", "ACC2");
    int64_t s3 = step_for(p2, ct, corr, "CT2", "CT", "2026-11-25T08:00:00Z", "ACC3");
    int64_t s4 = step_for(p1, ct, corr, "CT1", "CT", "2026-11-24T10:00:00Z", "ACC4");
    assert_int_equal(store_set_status(c, model_resource_find("steps"), s4, "booked", "completed", T("2026-11-24T10:30:00Z")),
                     STORE_OK);
    (void)s3;

    store_worklist_item *wl = NULL;
    size_t n = 0;
    /* by AE title and day: ordered by start, completed steps left out */
    store_worklist_query wq = {.ae_title = "CT1", .from = T("2026-11-24T00:00:00Z"), .to = T("2026-11-25T00:00:00Z")};
    assert_int_equal(store_worklist(c, &wq, &wl, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(wl[0].step_id, s2);
    assert_int_equal(wl[1].step_id, s1);
    assert_string_equal(wl[1].birth_name, "Lefèvre");
    assert_string_equal(wl[1].first_given_name, "Élodie");
    assert_string_equal(wl[1].ipp, "WL-1");
    assert_string_equal(wl[1].accession_number, "ACC1");
    assert_true(strncmp(wl[1].study_instance_uid, "2.25.", 5) == 0);
    assert_string_equal(wl[1].ccam_code, "ACQK001");
    assert_string_equal(wl[1].loinc_code, "30799-1");
    assert_string_equal(wl[1].requester_last_name, "Lemoine");
    assert_string_equal(wl[1].requester_rpps, "10002314572");
    assert_string_equal(wl[1].status, "booked");
    assert_int_equal(wl[1].start_at, T("2026-11-24T09:00:00Z"));
    assert_int_equal(wl[1].patient_id, p1);
    assert_true(strlen(wl[1].sps_id) > 1);
    assert_string_equal(wl[0].used_name, "Dâvid");
    assert_string_equal(wl[0].ins_matricule, "150017511100171");
    free(wl);
    /* completed ones on request */
    const char *const done[] = {"completed", NULL};
    wq.statuses = done;
    assert_int_equal(store_worklist(c, &wq, &wl, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(wl[0].step_id, s4);
    free(wl);
    /* name prefix on birth or used name, ignoring case and accents */
    store_worklist_query byname = {.name_prefix = "DAV"};
    assert_int_equal(store_worklist(c, &byname, &wl, &n), STORE_OK);
    assert_int_equal(n, 2); /* s2 and s3 (p2, used name Dâvid) */
    free(wl);
    byname.name_prefix = "lefe";
    assert_int_equal(store_worklist(c, &byname, &wl, &n), STORE_OK);
    assert_int_equal(n, 1);
    free(wl);
    /* patient id, accession, modality, limit */
    store_worklist_query other = {.patient_id = "WL-2", .limit = 1};
    assert_int_equal(store_worklist(c, &other, &wl, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(wl[0].step_id, s2);
    free(wl);
    store_worklist_query acc = {.accession_number = "ACC3", .modality = "CT"};
    assert_int_equal(store_worklist(c, &acc, &wl, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(wl[0].ae_title, "CT2");
    free(wl);
    acc.modality = "MR";
    assert_int_equal(store_worklist(c, &acc, &wl, &n), STORE_OK);
    assert_int_equal(n, 0);
    free(wl);
    /* bad queries */
    store_worklist_query bad = {.from = 10, .to = 5};
    assert_int_equal(store_worklist(c, &bad, &wl, &n), STORE_INVALID);
    store_worklist_query big = {.limit = 10001};
    assert_int_equal(store_worklist(c, &big, &wl, &n), STORE_INVALID);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worklist),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
