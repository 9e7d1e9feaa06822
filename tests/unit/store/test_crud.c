/* Generic CRUD of every resource: typed JSON rows, generated values, conflicts, validation,
 * pagination, filters, the case- and diacritics-insensitive q search, identity history. */
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

TEST_STORE_ONE_CONNECTION(2)

static const model_resource *R(const char *name) { return model_resource_find(name); }

static void test_reference_crud(void **state)
{
    (void)state;
    int64_t site = insert_or_fail(c, "sites",
                                  json_pack("{s:s, s:s, s:s, s:s, s:b}", "finess", "750000001", "name",
                                            "Centre d'imagerie Test", "postal_code", "75011", "city", "Paris",
                                            "active", 1));
    json_t *o = NULL;
    assert_int_equal(store_resource_get(c, R("sites"), site, &o), STORE_OK);
    assert_int_equal(json_integer_value(json_object_get(o, "id")), site);
    assert_true(json_is_true(json_object_get(o, "active")));
    assert_string_equal(json_string_value(json_object_get(o, "finess")), "750000001");
    assert_true(json_is_string(json_object_get(o, "created_at")));
    assert_true(json_is_null(json_object_get(o, "updated_at")));
    json_decref(o);

    int64_t room = insert_or_fail(c, "rooms", json_pack("{s:I, s:s, s:s}", "site_id", (json_int_t)site, "name",
                                                         "Salle scanner 1", "kind", "scanner"));
    int64_t mod = insert_or_fail(c, "modalities",
                                 json_pack("{s:I, s:s, s:s, s:s}", "room_id", (json_int_t)room, "ae_title", "CT_TEST1",
                                           "modality_type", "CT", "station_name", "CT1"));
    int64_t exam = insert_or_fail(c, "catalogue",
                                  json_pack("{s:s, s:s, s:s, s:s, s:i}", "ccam_code", "ZZQK002", "label",
                                            "Scanner test", "loinc_code", "24627-2", "modality_type", "CT",
                                            "duration_minutes", 15));
    assert_true(mod > 0 && exam > 0);

    /* update: typed values come back typed; updated_at set */
    json_t *patch = json_pack("{s:b, s:s}", "active", 0, "station_name", "CT-01");
    assert_int_equal(store_resource_update(c, R("modalities"), mod, patch), STORE_OK);
    json_decref(patch);
    assert_int_equal(store_resource_get(c, R("modalities"), mod, &o), STORE_OK);
    assert_true(json_is_false(json_object_get(o, "active")));
    assert_int_equal(json_integer_value(json_object_get(o, "room_id")), room);
    assert_string_equal(json_string_value(json_object_get(o, "station_name")), "CT-01");
    assert_true(json_is_string(json_object_get(o, "updated_at")));
    json_decref(o);

    /* delete: FK in use -> conflict; unreferenced -> ok; then not found */
    assert_int_equal(store_resource_delete(c, R("rooms"), room), STORE_CONFLICT);
    assert_int_equal(store_resource_delete(c, R("modalities"), mod), STORE_OK);
    assert_int_equal(store_resource_delete(c, R("modalities"), mod), STORE_NOT_FOUND);
    assert_int_equal(store_resource_get(c, R("modalities"), mod, &o), STORE_NOT_FOUND);
    assert_null(o);
    assert_int_equal(store_resource_delete(c, R("rooms"), room), STORE_OK);
    /* patients are never deleted */
    assert_int_equal(store_resource_delete(c, R("patients"), 1), STORE_INVALID);
    /* update of a missing row */
    patch = json_pack("{s:s}", "name", "x");
    assert_int_equal(store_resource_update(c, R("sites"), 999999, patch), STORE_NOT_FOUND);
    json_decref(patch);
}

static void test_conflicts_and_validation(void **state)
{
    (void)state;
    insert_or_fail(c, "sites", json_pack("{s:s, s:s}", "finess", "750000002", "name", "A"));
    /* unique */
    assert_int_equal(try_insert(c, "sites", json_pack("{s:s, s:s}", "finess", "750000002", "name", "B")),
                     STORE_CONFLICT);
    /* foreign key */
    assert_int_equal(try_insert(c, "rooms", json_pack("{s:i, s:s, s:s}", "site_id", 987654, "name", "X", "kind",
                                                      "irm")),
                     STORE_CONFLICT);
    /* validation */
    assert_int_equal(try_insert(c, "sites", json_pack("{s:s}", "finess", "750000003")), STORE_INVALID); /* name */
    assert_int_equal(try_insert(c, "sites", json_pack("{s:s, s:s, s:s}", "finess", "750000004", "name", "A", "zzz",
                                                      "1")),
                     STORE_INVALID); /* unknown field */
    assert_int_equal(try_insert(c, "sites", json_pack("{s:s, s:s, s:i}", "finess", "750000005", "name", "A", "id", 4)),
                     STORE_INVALID); /* read-only */
    assert_int_equal(try_insert(c, "sites", json_pack("{s:s, s:i}", "finess", "750000006", "name", 12)),
                     STORE_INVALID); /* type */
    assert_int_equal(try_insert(c, "sites", json_pack("{s:s, s:s}", "finess", "7500000070", "name", "A")),
                     STORE_INVALID); /* too long */
    assert_int_equal(try_insert(c, "rooms", json_pack("{s:i, s:s, s:s}", "site_id", 1, "name", "X", "kind", "cave")),
                     STORE_INVALID); /* enum */
    assert_int_equal(try_insert(c, "identities", json_pack("{s:i, s:s, s:s, s:s, s:s}", "patient_id", 1, "birth_name",
                                                           "A", "first_given_name", "B", "birth_date", "2020-02-30",
                                                           "sex", "F")),
                     STORE_INVALID); /* calendar */
    assert_int_equal(try_insert(c, "users", json_pack("{s:s, s:s, s:s}", "login", "u1", "display_name", "U",
                                                      "roles", "accueil chef")),
                     STORE_INVALID); /* unknown role */
    json_t *patch = json_pack("{s:s}", "ipp", "123");
    assert_int_equal(store_resource_update(c, R("patients"), 1, patch), STORE_INVALID); /* immutable */
    json_decref(patch);
    store_list_query q = {NULL, 0, 0, 0};
    json_t *items = NULL;
    int64_t total;
    assert_int_equal(store_resource_list(c, R("sites"), &q, &items, &total), STORE_INVALID); /* limit 0 */
    store_filter f[] = {{"name", "A"}};
    store_list_query q2 = {f, 1, 0, 10};
    assert_int_equal(store_resource_list(c, R("sites"), &q2, &items, &total), STORE_INVALID); /* not a filter */
    store_filter f3[] = {{"site_id", "abc"}};
    store_list_query q3 = {f3, 1, 0, 10};
    assert_int_equal(store_resource_list(c, R("rooms"), &q3, &items, &total), STORE_INVALID);
    assert_null(items);
}

static void test_patients_orders_generated(void **state)
{
    (void)state;
    int64_t pid = make_patient(c, NULL, "Martin", "Léa", "1984-03-12", "F");
    json_t *o = NULL;
    assert_int_equal(store_resource_get(c, R("patients"), pid, &o), STORE_OK);
    const char *ipp = json_string_value(json_object_get(o, "ipp"));
    assert_non_null(ipp);
    assert_int_equal(strlen(ipp), 15); /* generated */
    json_decref(o);
    /* generated identifiers never collide, even back to back */
    assert_int_equal(store_begin(c), STORE_OK);
    for (int i = 0; i < 300; i++) insert_or_fail(c, "patients", json_object());
    assert_int_equal(store_commit(c), STORE_OK);

    int64_t room = make_room(c, "750000010", "Salle IRM", "irm");
    int64_t corr = insert_or_fail(c, "correspondents",
                                  json_pack("{s:s, s:s, s:s, s:s}", "rpps", "10101010101", "last_name", "Dubois",
                                            "first_name", "Anne", "mssante_address", "anne.dubois@medecin.mssante.fr"));
    int64_t exam = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:i}", "ccam_code", "ZZQN001", "label",
                                                            "IRM test", "modality_type", "MR", "duration_minutes", 30));
    int64_t order = insert_or_fail(c, "orders",
                                   json_pack("{s:I, s:I, s:s, s:s, s:s}", "patient_id", (json_int_t)pid,
                                             "requester_id", (json_int_t)corr, "reason", "Lombalgie",
                                             "placer_number", "P-1", "ordered_at", "2026-11-20T10:00:00+01:00"));
    assert_int_equal(store_resource_get(c, R("orders"), order, &o), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "scheduled");
    assert_string_equal(json_string_value(json_object_get(o, "priority")), "routine");
    assert_string_equal(json_string_value(json_object_get(o, "ordered_at")), "2026-11-20T09:00:00Z");
    json_decref(o);
    int64_t proc = insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id",
                                                             (json_int_t)exam));
    assert_int_equal(store_resource_get(c, R("procedures"), proc, &o), STORE_OK);
    const char *acc = json_string_value(json_object_get(o, "accession_number"));
    const char *uid = json_string_value(json_object_get(o, "study_instance_uid"));
    assert_non_null(acc);
    assert_true(strlen(acc) <= 16);
    assert_non_null(uid);
    assert_true(strncmp(uid, "2.25.", 5) == 0 && strlen(uid) <= 64);
    json_decref(o);
    int64_t step = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc,
                                                        "ae_title", "MR_TEST", "modality_type", "MR", "start_at",
                                                        "2026-11-23T08:00:00Z"));
    int64_t appt = insert_or_fail(c, "appointments",
                                  json_pack("{s:I, s:I, s:s, s:s, s:I, s:I}", "patient_id", (json_int_t)pid, "room_id",
                                            (json_int_t)room, "start_at", "2026-11-23T09:00:00+01:00", "end_at",
                                            "2026-11-23T09:30:00+01:00", "procedure_id", (json_int_t)proc, "step_id",
                                            (json_int_t)step));
    assert_int_equal(store_resource_get(c, R("appointments"), appt, &o), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "booked");
    assert_string_equal(json_string_value(json_object_get(o, "start_at")), "2026-11-23T08:00:00Z");
    json_decref(o);
    /* end before start is refused by the schema */
    assert_int_equal(try_insert(c, "appointments",
                                json_pack("{s:I, s:I, s:s, s:s}", "patient_id", (json_int_t)pid, "room_id",
                                          (json_int_t)room, "start_at", "2026-11-23T10:00:00Z", "end_at",
                                          "2026-11-23T09:00:00Z")),
                     STORE_INVALID);
    /* status is read-only through the generic path */
    json_t *patch = json_pack("{s:s}", "status", "arrived");
    assert_int_equal(store_resource_update(c, R("appointments"), appt, patch), STORE_INVALID);
    json_decref(patch);
    /* filters on a day of a date-time field */
    store_filter f[] = {{"start_at", "2026-11-23"}, {"patient_id", "0"}};
    char pidtxt[24];
    snprintf(pidtxt, sizeof pidtxt, "%lld", (long long)pid);
    f[1].value = pidtxt;
    store_list_query q = {f, 2, 0, 10};
    json_t *items = NULL;
    int64_t total = 0;
    assert_int_equal(store_resource_list(c, R("appointments"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), appt);
    json_decref(items);
    f[0].value = "2026-11-24";
    assert_int_equal(store_resource_list(c, R("appointments"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
}

static void test_identity_search_and_history(void **state)
{
    (void)state;
    int64_t p1 = make_patient(c, "S-0001", "Lefèvre", "Élodie", "1990-01-02", "F");
    int64_t p2 = make_patient(c, "S-0002", "LEFEVRE", "Jean-Pierre", "1955-06-07", "M");
    int64_t p3 = make_patient(c, "S-0003", "Dupont", "Chloé", "2001-12-31", "F");
    (void)p3;
    store_filter f[] = {{"q", "lefev"}};
    store_list_query q = {f, 1, 0, 10};
    json_t *items = NULL;
    int64_t total = 0;
    assert_int_equal(store_resource_list(c, R("identities"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 2);
    json_decref(items);
    /* diacritics and case in the query, two words (each must match a field) */
    f[0].value = "LEFÈVRE élo";
    assert_int_equal(store_resource_list(c, R("identities"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "patient_id")), p1);
    json_decref(items);
    f[0].value = "jean-pi";
    assert_int_equal(store_resource_list(c, R("identities"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "patient_id")), p2);
    json_decref(items);
    f[0].value = "zzz";
    assert_int_equal(store_resource_list(c, R("identities"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 0);
    json_decref(items);
    /* search on patients by IPP */
    f[0].value = "s-000";
    assert_int_equal(store_resource_list(c, R("patients"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 3);
    json_decref(items);
    /* a resource without search fields refuses q */
    assert_int_equal(store_resource_list(c, R("orders"), &q, &items, &total), STORE_INVALID);

    /* used name update goes to the history and to the search keys */
    store_filter fp[] = {{"patient_id", "0"}};
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)p3);
    fp[0].value = buf;
    store_list_query qp = {fp, 1, 0, 1};
    assert_int_equal(store_resource_list(c, R("identities"), &qp, &items, &total), STORE_OK);
    int64_t ident = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
    json_decref(items);
    json_t *patch = json_pack("{s:s, s:s, s:b}", "used_name", "Müller", "rniv_status", "validee", "douteuse", 1);
    assert_int_equal(store_resource_update(c, R("identities"), ident, patch), STORE_OK);
    json_decref(patch);
    f[0].value = "mull";
    assert_int_equal(store_resource_list(c, R("identities"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    json_t *row = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(row, "rniv_status")), "validee");
    assert_true(json_is_true(json_object_get(row, "douteuse")));
    assert_true(json_is_false(json_object_get(row, "fictive")));
    json_decref(items);
    /* the previous version went to identity_history, in the same transaction */
    model_field hf[] = {{"id", FIELD_INT, FIELD_READONLY | FIELD_FILTER, 0, NULL, NULL, "id"},
                        {"identity_id", FIELD_INT, FIELD_FILTER, 0, NULL, NULL, "identity"},
                        {"snapshot", FIELD_TEXT, 0, 100000, NULL, NULL, "snapshot"}};
    model_resource hist = {"history", "identity_history", hf, 3, 0, 0, false, false, "history", "id"};
    char ibuf[24];
    snprintf(ibuf, sizeof ibuf, "%lld", (long long)ident);
    store_filter fh[] = {{"identity_id", ibuf}};
    store_list_query qh = {fh, 1, 0, 10};
    assert_int_equal(store_resource_list(c, &hist, &qh, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    json_t *snap = json_loads(json_string_value(json_object_get(json_array_get(items, 0), "snapshot")), 0, NULL);
    assert_non_null(snap);
    assert_string_equal(json_string_value(json_object_get(snap, "birth_name")), "Dupont");
    assert_true(json_is_null(json_object_get(snap, "used_name")));
    assert_string_equal(json_string_value(json_object_get(snap, "rniv_status")), "provisoire");
    json_decref(snap);
    json_decref(items);
    /* a failed update leaves no history behind */
    patch = json_pack("{s:s}", "sex", "X");
    assert_int_equal(store_resource_update(c, R("identities"), ident, patch), STORE_INVALID);
    json_decref(patch);
    patch = json_pack("{s:s}", "ins_matricule", "123");
    assert_int_equal(store_resource_update(c, R("identities"), ident, patch), STORE_OK);
    json_decref(patch);
    assert_int_equal(store_resource_list(c, &hist, &qh, &items, &total), STORE_OK);
    assert_int_equal(total, 2);
    json_decref(items);
    /* filters on bool and enum */
    store_filter fb[] = {{"douteuse", "true"}, {"rniv_status", "validee"}};
    store_list_query qb = {fb, 2, 0, 10};
    assert_int_equal(store_resource_list(c, R("identities"), &qb, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    json_decref(items);
    fb[1].value = "inconnu";
    assert_int_equal(store_resource_list(c, R("identities"), &qb, &items, &total), STORE_INVALID);
}

static void test_pagination(void **state)
{
    (void)state;
    int64_t site = insert_or_fail(c, "sites", json_pack("{s:s, s:s}", "finess", "750000020", "name", "Pagination"));
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)site);
    for (int i = 0; i < 25; i++) {
        char name[32];
        snprintf(name, sizeof name, "Salle %02d", i);
        insert_or_fail(c, "rooms", json_pack("{s:I, s:s, s:s}", "site_id", (json_int_t)site, "name", name, "kind",
                                             "radiologie"));
    }
    store_filter f[] = {{"site_id", sid}};
    store_list_query q = {f, 1, 20, 10};
    json_t *items = NULL;
    int64_t total = 0;
    assert_int_equal(store_resource_list(c, R("rooms"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 25);
    assert_int_equal(json_array_size(items), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")), "Salle 20");
    json_decref(items);
    q.offset = 100;
    assert_int_equal(store_resource_list(c, R("rooms"), &q, &items, &total), STORE_OK);
    assert_int_equal(total, 25);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
}

static void test_users_resource(void **state)
{
    (void)state;
    int64_t id = insert_or_fail(c, "users", json_pack("{s:s, s:s, s:s}", "login", "mdupont", "display_name",
                                                      "Marie Dupont", "roles", "radiologue,accueil"));
    json_t *o = NULL;
    assert_int_equal(store_resource_get(c, R("users"), id, &o), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(o, "roles")), "accueil radiologue");
    assert_null(json_object_get(o, "password_hash")); /* secret: never returned */
    json_decref(o);
    store_user u;
    assert_int_equal(store_user_by_id(c, id, &u), STORE_OK);
    assert_int_equal(u.roles, ROLE_ACCUEIL | ROLE_RADIOLOGUE);
    assert_true(u.active);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_crud),
        cmocka_unit_test(test_conflicts_and_validation),
        cmocka_unit_test(test_patients_orders_generated),
        cmocka_unit_test(test_identity_search_and_history),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_users_resource),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
