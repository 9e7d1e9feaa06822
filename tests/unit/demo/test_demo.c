/* Demo seeding on both backends: counts, idempotence, no overlap per room, valid INS keys,
 * searchable identities. */
#include "core/timeutil.h"
#include "demo/demo.h"
#include "demo/demo_data.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

static store_t *st;
/* A fixed Monday, so the plan is deterministic: 2026-11-23. */
static int64_t monday;

static int setup(void **state)
{
    (void)state;
    monday = time_days_from_civil(2026, 11, 23);
    st = open_test_store(2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_close(st);
    return 0;
}

static int64_t count(store_conn_t *c, const char *resource, const char *field, const char *value)
{
    store_filter f[] = {{field, value}};
    store_list_query q = {f, field ? 1 : 0, 0, 1};
    json_t *items = NULL;
    int64_t total = -1;
    store_status s = store_resource_list(c, model_resource_find(resource), &q, &items, &total);
    if (s != STORE_OK) fail_msg("list %s: %s", resource, store_last_error(c));
    json_decref(items);
    return total;
}

static void test_seed_counts_and_idempotence(void **state)
{
    (void)state;
    char err[512] = "";
    store_status s = demo_seed(st, monday, err, sizeof err);
    if (s != STORE_OK) fail_msg("demo_seed: %s", err);
    demo_counts want;
    demo_expected_counts(monday, &want);
    assert_int_equal(want.patients, 40);
    assert_true(want.exams >= 20);
    assert_true(want.appointments >= 100);
    store_conn_t *c = store_acquire(st);
    assert_int_equal(count(c, "patients", NULL, NULL), (int64_t)want.patients);
    assert_int_equal(count(c, "identities", NULL, NULL), (int64_t)want.patients);
    assert_int_equal(count(c, "correspondents", NULL, NULL), (int64_t)want.correspondents);
    assert_int_equal(count(c, "rooms", NULL, NULL), (int64_t)want.rooms);
    assert_int_equal(count(c, "modalities", NULL, NULL), (int64_t)want.modalities);
    assert_int_equal(count(c, "catalogue", NULL, NULL), (int64_t)want.exams);
    assert_int_equal(count(c, "appointments", NULL, NULL), (int64_t)want.appointments);
    assert_int_equal(count(c, "steps", NULL, NULL), (int64_t)want.appointments);
    assert_int_equal(count(c, "sites", "finess", DEMO_SITE_FINESS), 1);
    /* every RNIV status is represented, and the attributes */
    assert_true(count(c, "identities", "rniv_status", "provisoire") > 0);
    assert_true(count(c, "identities", "rniv_status", "recuperee") > 0);
    assert_true(count(c, "identities", "rniv_status", "validee") > 0);
    assert_true(count(c, "identities", "rniv_status", "qualifiee") > 0);
    assert_int_equal(count(c, "identities", "fictive", "true"), 1);
    assert_int_equal(count(c, "identities", "homonyme", "true"), 2);
    assert_true(count(c, "appointments", "status", "completed") > 0);
    assert_true(count(c, "appointments", "status", "arrived") > 0);
    /* the last working day is done: more completed exams than the first one of each room today,
     * so that the radiologist has exams to report whatever the day */
    assert_true(count(c, "steps", "status", "completed") > 2 * (int64_t)want.rooms);
    /* search ignoring case and diacritics */
    assert_int_equal(count(c, "identities", "q", "lefevre elodie"), 1);
    store_release(st, c);

    /* idempotent: a second run writes nothing */
    s = demo_seed(st, monday, err, sizeof err);
    if (s != STORE_OK) fail_msg("demo_seed again: %s", err);
    c = store_acquire(st);
    assert_int_equal(count(c, "patients", NULL, NULL), (int64_t)want.patients);
    assert_int_equal(count(c, "appointments", NULL, NULL), (int64_t)want.appointments);
    store_release(st, c);
}

static void test_no_overlap_and_hours(void **state)
{
    (void)state;
    store_conn_t *c = store_acquire(st);
    json_t *rooms = NULL;
    int64_t total = 0;
    store_list_query q = {NULL, 0, 0, 100};
    assert_int_equal(store_resource_list(c, model_resource_find("rooms"), &q, &rooms, &total), STORE_OK);
    size_t i;
    json_t *room;
    json_array_foreach(rooms, i, room) {
        int64_t rid = json_integer_value(json_object_get(room, "id"));
        store_interval *iv = NULL;
        size_t n = 0;
        int64_t from = time_local_to_unix(monday - 3, 0), to = time_local_to_unix(monday + 7, 0);
        assert_int_equal(store_room_busy(c, rid, from, to, &iv, &n), STORE_OK);
        assert_true(n > 0);
        for (size_t k = 0; k < n; k++) {
            assert_true(iv[k].end > iv[k].start);
            if (k) assert_true(iv[k].start >= iv[k - 1].end); /* no overlap */
            int64_t day;
            int minute;
            time_unix_to_local(iv[k].start, &day, &minute);
            assert_true(minute >= 8 * 60);
            time_unix_to_local(iv[k].end, &day, &minute);
            assert_true(minute <= 18 * 60);
            int weekday = (int)((day % 7 + 7 + 4) % 7);
            assert_true(weekday >= 1 && weekday <= 5);
        }
        free(iv);
    }
    json_decref(rooms);
    /* the agenda of Monday joins patient names and exam labels */
    json_t *items = NULL;
    assert_int_equal(store_agenda(c, 0, 0, time_local_to_unix(monday, 0), time_local_to_unix(monday + 1, 0), &items),
                     STORE_OK);
    assert_true(json_array_size(items) > 20);
    assert_true(json_is_string(json_object_get(json_array_get(items, 0), "birth_name")));
    assert_true(json_is_string(json_object_get(json_array_get(items, 0), "exam_label")));
    json_decref(items);
    store_release(st, c);
}

/* INS keys: 97 - (13 digits mod 97), 2A -> 19 and 2B -> 18. */
/* Identities with an INS carry INSi's traits: upper-case letters, space, hyphen, apostrophe
 * (the alphabet of the INS datamatrix and of the CDA; an accented demo name made the report
 * validation of that patient fail). */
static bool ins_alphabet(const char *s)
{
    for (; s && *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || *s == ' ' || *s == '-' || *s == '\'')) return false;
    return true;
}

static void test_ins_traits_alphabet(void **state)
{
    (void)state;
    for (size_t i = 0; i < demo_patients_count; i++) {
        const demo_patient *p = &demo_patients[i];
        if (strcmp(p->rniv, "qualifiee") != 0 && strcmp(p->rniv, "recuperee") != 0) continue;
        if (!ins_alphabet(p->birth_name) || !ins_alphabet(p->given_names))
            fail_msg("demo patient %zu (%s %s): traits outside the INS alphabet", i, p->birth_name, p->given_names);
    }
}

static void test_ins_keys(void **state)
{
    (void)state;
    store_conn_t *c = store_acquire(st);
    store_filter f[] = {{"rniv_status", "qualifiee"}};
    store_list_query q = {f, 1, 0, 100};
    json_t *items = NULL;
    int64_t total = 0;
    assert_int_equal(store_resource_list(c, model_resource_find("identities"), &q, &items, &total), STORE_OK);
    assert_true(total > 5);
    size_t i;
    json_t *row;
    int corsica = 0;
    json_array_foreach(items, i, row) {
        const char *m = json_string_value(json_object_get(row, "ins_matricule"));
        assert_non_null(m);
        assert_int_equal(strlen(m), 15);
        assert_string_equal(json_string_value(json_object_get(row, "ins_oid")), "1.2.250.1.213.1.4.10");
        char digits[14];
        memcpy(digits, m, 13);
        digits[13] = 0;
        if (digits[5] == '2' && (digits[6] == 'A' || digits[6] == 'B')) {
            memcpy(digits + 5, digits[6] == 'A' ? "19" : "18", 2);
            corsica++;
        }
        unsigned long long n = strtoull(digits, NULL, 10);
        assert_int_equal(97 - n % 97, strtoull(m + 13, NULL, 10));
        const char *sex = json_string_value(json_object_get(row, "sex"));
        assert_int_equal(m[0], sex[0] == 'M' ? '1' : '2');
    }
    assert_true(corsica >= 1);
    json_decref(items);
    /* provisoire identities carry no INS */
    f[0].value = "provisoire";
    assert_int_equal(store_resource_list(c, model_resource_find("identities"), &q, &items, &total), STORE_OK);
    json_array_foreach(items, i, row) assert_true(json_is_null(json_object_get(row, "ins_matricule")));
    json_decref(items);
    store_release(st, c);
}

static void test_demo_users(void **state)
{
    (void)state;
    unsigned roles = 0;
    size_t n = 0;
    for (const demo_user *u = demo_users; u->login; u++, n++) {
        unsigned bit = model_role_parse(u->role);
        assert_true(bit != 0);
        roles |= bit;
        assert_true(strlen(u->password) >= 12);
        if (u->rpps) assert_int_equal(strlen(u->rpps), 11);
    }
    assert_int_equal(n, 4);
    assert_int_equal(roles, ROLE_ALL);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_counts_and_idempotence),
        cmocka_unit_test(test_no_overlap_and_hours),
        cmocka_unit_test(test_ins_keys),
        cmocka_unit_test(test_ins_traits_alphabet),
        cmocka_unit_test(test_demo_users),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void)
{
    setenv("TZ", "Europe/Paris", 1);
    return test_run_backends(run);
}
