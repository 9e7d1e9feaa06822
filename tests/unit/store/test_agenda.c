/* Status compare-and-set, busy intervals of a room and the agenda join. */
#include "core/timeutil.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

TEST_STORE_ONE_CONNECTION(2)

static int64_t T(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(time_parse_datetime(iso, &t), 0);
    return t;
}

static int64_t appointment(int64_t pid, int64_t room, const char *start, const char *end, int64_t proc, int64_t step)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:s}", "patient_id", (json_int_t)pid, "room_id", (json_int_t)room,
                          "start_at", start, "end_at", end);
    if (proc) json_object_set_new(o, "procedure_id", json_integer(proc));
    if (step) json_object_set_new(o, "step_id", json_integer(step));
    return insert_or_fail(c, "appointments", o);
}

static void test_set_status(void **state)
{
    (void)state;
    const model_resource *appts = model_resource_find("appointments");
    int64_t pid = make_patient(c, "ST-1", "Roux", "Nina", "1999-09-09", "F");
    int64_t room = make_room(c, "750000100", "Echo 1", "echographie");
    int64_t a = appointment(pid, room, "2026-11-24T08:00:00Z", "2026-11-24T08:20:00Z", 0, 0);
    int64_t at = T("2026-11-24T07:55:00Z");
    assert_int_equal(store_set_status(c, appts, a, "booked", "arrived", at), STORE_OK);
    json_t *o = NULL;
    assert_int_equal(store_resource_get(c, appts, a, &o), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "arrived");
    assert_string_equal(json_string_value(json_object_get(o, "status_changed_at")), "2026-11-24T07:55:00Z");
    json_decref(o);
    /* a concurrent change already happened: CAS fails */
    assert_int_equal(store_set_status(c, appts, a, "booked", "cancelled", at), STORE_CONFLICT);
    assert_int_equal(store_set_status(c, appts, 999999, "booked", "arrived", at), STORE_NOT_FOUND);
    assert_int_equal(store_set_status(c, appts, a, "arrived", "teleported", at), STORE_INVALID);
    assert_int_equal(store_set_status(c, model_resource_find("rooms"), room, "a", "b", at), STORE_INVALID);
    /* two connections racing on the same transition: exactly one wins */
    store_conn_t *c2 = store_acquire(st);
    assert_non_null(c2);
    store_status s1 = store_set_status(c, appts, a, "arrived", "in_progress", at);
    store_status s2 = store_set_status(c2, appts, a, "arrived", "in_progress", at);
    assert_int_equal(s1, STORE_OK);
    assert_int_equal(s2, STORE_CONFLICT);
    store_release(st, c2);
    /* steps and orders have statuses too */
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)pid));
    assert_int_equal(store_set_status(c, model_resource_find("orders"), order, "scheduled", "in_progress", at),
                     STORE_OK);
}

static void test_room_busy(void **state)
{
    (void)state;
    int64_t pid = make_patient(c, "BZ-1", "Petit", "Hugo", "1980-01-01", "M");
    int64_t room = make_room(c, "750000200", "Radio 1", "radiologie");
    int64_t other = make_room(c, "750000201", "Radio 2", "radiologie");
    appointment(pid, room, "2026-11-25T08:00:00Z", "2026-11-25T08:15:00Z", 0, 0);
    int64_t cancelled = appointment(pid, room, "2026-11-25T08:15:00Z", "2026-11-25T08:30:00Z", 0, 0);
    appointment(pid, room, "2026-11-25T09:00:00Z", "2026-11-25T09:30:00Z", 0, 0);
    appointment(pid, room, "2026-11-25T17:50:00Z", "2026-11-25T18:10:00Z", 0, 0); /* crosses the window end */
    appointment(pid, other, "2026-11-25T08:00:00Z", "2026-11-25T08:15:00Z", 0, 0);
    assert_int_equal(store_set_status(c, model_resource_find("appointments"), cancelled, "booked", "cancelled",
                                      T("2026-11-24T12:00:00Z")),
                     STORE_OK);
    store_interval *iv = NULL;
    size_t n = 0;
    assert_int_equal(store_room_busy(c, room, T("2026-11-25T08:10:00Z"), T("2026-11-25T18:00:00Z"), &iv, &n),
                     STORE_OK);
    assert_int_equal(n, 3);
    assert_int_equal(iv[0].start, T("2026-11-25T08:00:00Z"));
    assert_int_equal(iv[0].end, T("2026-11-25T08:15:00Z"));
    assert_int_equal(iv[1].start, T("2026-11-25T09:00:00Z"));
    assert_int_equal(iv[2].end, T("2026-11-25T18:10:00Z"));
    free(iv);
    /* intervals: end after start, at most 24 hours, also when only one bound changes */
    json_t *o = json_pack("{s:I, s:I, s:s, s:s}", "patient_id", (json_int_t)pid, "room_id", (json_int_t)room,
                          "start_at", "2026-11-26T08:00:00Z", "end_at", "2026-11-27T08:00:01Z");
    int64_t bad = 0;
    assert_int_equal(store_resource_insert(c, model_resource_find("appointments"), o, &bad), STORE_INVALID);
    json_decref(o);
    json_t *patch = json_pack("{s:s}", "end_at", "2026-11-25T07:00:00Z");
    assert_int_equal(store_resource_update(c, model_resource_find("appointments"), cancelled, patch), STORE_INVALID);
    json_decref(patch);
    patch = json_pack("{s:s}", "end_at", "2026-11-26T09:00:00Z");
    assert_int_equal(store_resource_update(c, model_resource_find("appointments"), cancelled, patch), STORE_INVALID);
    json_decref(patch);
    patch = json_pack("{s:s}", "end_at", "2026-11-25T08:45:00Z");
    assert_int_equal(store_resource_update(c, model_resource_find("appointments"), cancelled, patch), STORE_OK);
    json_decref(patch);
    /* touching intervals are not overlapping: [08:15, 09:00) is free */
    assert_int_equal(store_room_busy(c, room, T("2026-11-25T08:15:00Z"), T("2026-11-25T09:00:00Z"), &iv, &n),
                     STORE_OK);
    assert_int_equal(n, 0);
    free(iv);
}

static void test_agenda_join(void **state)
{
    (void)state;
    int64_t pid = make_patient(c, "AG-1", "Bernard", "Zoé", "2010-10-10", "F");
    int64_t room = make_room(c, "750000300", "IRM 1", "irm");
    int64_t room2 = make_room(c, "750000301", "IRM 2", "irm");
    int64_t mod = insert_or_fail(c, "modalities", json_pack("{s:I, s:s, s:s}", "room_id", (json_int_t)room2,
                                                             "ae_title", "MR_AG2", "modality_type", "MR"));
    int64_t exam = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:i}", "ccam_code", "ZZQN002", "label",
                                                            "IRM agenda", "modality_type", "MR", "duration_minutes",
                                                            20));
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)pid));
    int64_t proc = insert_or_fail(c, "procedures", json_pack("{s:I, s:I, s:s}", "order_id", (json_int_t)order,
                                                             "exam_id", (json_int_t)exam, "accession_number",
                                                             "ACCAG1"));
    int64_t step = insert_or_fail(c, "steps", json_pack("{s:I, s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc,
                                                        "modality_id", (json_int_t)mod, "ae_title", "MR_AG2",
                                                        "modality_type", "MR", "start_at", "2026-11-26T10:00:00Z"));
    int64_t a1 = appointment(pid, room2, "2026-11-26T10:00:00Z", "2026-11-26T10:20:00Z", proc, step);
    int64_t a2 = appointment(pid, room, "2026-11-26T09:00:00Z", "2026-11-26T09:20:00Z", 0, 0);
    appointment(pid, room, "2026-11-27T09:00:00Z", "2026-11-27T09:20:00Z", 0, 0); /* another day */
    json_t *items = NULL;
    int64_t from = T("2026-11-26T00:00:00Z"), to = T("2026-11-27T00:00:00Z");
    assert_int_equal(store_agenda(c, 0, 0, from, to, &items), STORE_OK);
    assert_int_equal(json_array_size(items), 2);
    json_t *first = json_array_get(items, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), a2); /* ordered by start */
    assert_string_equal(json_string_value(json_object_get(first, "birth_name")), "Bernard");
    assert_true(json_is_null(json_object_get(first, "exam_label")));
    json_t *second = json_array_get(items, 1);
    assert_int_equal(json_integer_value(json_object_get(second, "id")), a1);
    assert_string_equal(json_string_value(json_object_get(second, "exam_label")), "IRM agenda");
    assert_string_equal(json_string_value(json_object_get(second, "accession_number")), "ACCAG1");
    assert_string_equal(json_string_value(json_object_get(second, "ae_title")), "MR_AG2");
    assert_string_equal(json_string_value(json_object_get(second, "room_name")), "IRM 2");
    assert_string_equal(json_string_value(json_object_get(second, "ipp")), "AG-1");
    json_decref(items);
    /* by room, by modality */
    assert_int_equal(store_agenda(c, room, 0, from, to, &items), STORE_OK);
    assert_int_equal(json_array_size(items), 1);
    json_decref(items);
    assert_int_equal(store_agenda(c, 0, mod, from, to, &items), STORE_OK);
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), a1);
    json_decref(items);
    assert_int_equal(store_agenda(c, 0, 0, to, from, &items), STORE_INVALID);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_status),
        cmocka_unit_test(test_room_busy),
        cmocka_unit_test(test_agenda_join),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
