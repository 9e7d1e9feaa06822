/* Users, sessions (by token hash, with expiry), and the audit trail written in the same
 * transaction as the operation it records. */
#include "core/timeutil.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

TEST_STORE_ONE_CONNECTION(2)

static int64_t make_user(const char *login, unsigned roles)
{
    store_user u = {0};
    snprintf(u.login, sizeof u.login, "%s", login);
    snprintf(u.display_name, sizeof u.display_name, "Dr %s", login);
    snprintf(u.rpps, sizeof u.rpps, "10003456789");
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g");
    u.roles = roles;
    u.active = true;
    int64_t id = 0;
    assert_int_equal(store_user_create(c, &u, &id), STORE_OK);
    return id;
}

static void test_users(void **state)
{
    (void)state;
    int64_t id = make_user("radio1", ROLE_RADIOLOGUE | ROLE_ADMIN);
    store_user u;
    assert_int_equal(store_user_by_login(c, "radio1", &u), STORE_OK);
    assert_int_equal(u.id, id);
    assert_int_equal(u.roles, ROLE_RADIOLOGUE | ROLE_ADMIN);
    assert_string_equal(u.display_name, "Dr radio1");
    assert_string_equal(u.rpps, "10003456789");
    assert_true(u.active);
    assert_true(strncmp(u.password_hash, "$argon2id$", 10) == 0);
    assert_int_equal(store_user_by_id(c, id, &u), STORE_OK);
    assert_string_equal(u.password_hash, ""); /* only by_login returns the hash */
    assert_int_equal(store_user_by_login(c, "nobody", &u), STORE_NOT_FOUND);
    assert_int_equal(store_user_by_id(c, 424242, &u), STORE_NOT_FOUND);
    /* duplicate login */
    store_user d = {0};
    snprintf(d.login, sizeof d.login, "radio1");
    snprintf(d.display_name, sizeof d.display_name, "Doublon");
    d.roles = ROLE_ACCUEIL;
    int64_t did;
    assert_int_equal(store_user_create(c, &d, &did), STORE_CONFLICT);
    d.roles = 0;
    snprintf(d.login, sizeof d.login, "other");
    assert_int_equal(store_user_create(c, &d, &did), STORE_INVALID);
    /* password change */
    assert_int_equal(store_user_set_password(c, id, "$argon2id$v=19$new"), STORE_OK);
    assert_int_equal(store_user_by_login(c, "radio1", &u), STORE_OK);
    assert_string_equal(u.password_hash, "$argon2id$v=19$new");
    assert_int_equal(store_user_set_password(c, 424242, "$argon2id$x"), STORE_NOT_FOUND);
    assert_int_equal(store_user_set_password(c, id, ""), STORE_INVALID);
}

static void test_sessions(void **state)
{
    (void)state;
    int64_t uid = make_user("accueil1", ROLE_ACCUEIL);
    int64_t now = time_now_unix();
    const char *h1 = "aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11";
    const char *h2 = "bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22";
    assert_int_equal(store_session_create(c, h1, uid, "csrf-one", now + 3600, "127.0.0.1"), STORE_OK);
    assert_int_equal(store_session_create(c, h2, uid, "csrf-two", now + 10, "127.0.0.1"), STORE_OK);
    assert_int_equal(store_session_create(c, h1, uid, "csrf-dup", now + 3600, "127.0.0.1"), STORE_CONFLICT);
    int64_t got = 0;
    char csrf[64];
    assert_int_equal(store_session_lookup(c, h1, now, &got, csrf, sizeof csrf), STORE_OK);
    assert_int_equal(got, uid);
    assert_string_equal(csrf, "csrf-one");
    /* expiry: valid until expires_at (exclusive) */
    assert_int_equal(store_session_lookup(c, h2, now + 9, &got, csrf, sizeof csrf), STORE_OK);
    assert_int_equal(store_session_lookup(c, h2, now + 10, &got, csrf, sizeof csrf), STORE_NOT_FOUND);
    assert_int_equal(store_session_lookup(c, "ffff", now, &got, csrf, sizeof csrf), STORE_NOT_FOUND);
    /* deactivated user: sessions stop working */
    json_t *patch = json_pack("{s:b}", "active", 0);
    assert_int_equal(store_resource_update(c, model_resource_find("users"), uid, patch), STORE_OK);
    json_decref(patch);
    assert_int_equal(store_session_lookup(c, h1, now, &got, csrf, sizeof csrf), STORE_NOT_FOUND);
    patch = json_pack("{s:b}", "active", 1);
    assert_int_equal(store_resource_update(c, model_resource_find("users"), uid, patch), STORE_OK);
    json_decref(patch);
    /* logout */
    assert_int_equal(store_session_delete(c, h1), STORE_OK);
    assert_int_equal(store_session_lookup(c, h1, now, &got, csrf, sizeof csrf), STORE_NOT_FOUND);
    assert_int_equal(store_session_delete(c, h1), STORE_NOT_FOUND);
    /* unknown user */
    assert_int_equal(store_session_create(c, "cc33", 987654, "csrf", now + 60, NULL), STORE_CONFLICT);
}

static void test_session_delete_user(void **state)
{
    (void)state;
    int64_t uid = make_user("manip1", ROLE_MANIPULATEUR), other = make_user("manip2", ROLE_MANIPULATEUR);
    int64_t now = time_now_unix();
    const char *h[] = {"d1d1", "d2d2", "d3d3"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(store_session_create(c, h[i], uid, "csrf", now + 3600, "127.0.0.1"), STORE_OK);
    assert_int_equal(store_session_create(c, "e1e1", other, "csrf", now + 3600, "127.0.0.1"), STORE_OK);
    int64_t got = 0, deleted = -1;
    /* Password change: every other session of the user ends, the current one stays. */
    assert_int_equal(store_session_delete_user(c, uid, h[1], &deleted), STORE_OK);
    assert_int_equal(deleted, 2);
    assert_int_equal(store_session_lookup(c, h[0], now, &got, NULL, 0), STORE_NOT_FOUND);
    assert_int_equal(store_session_lookup(c, h[1], now, &got, NULL, 0), STORE_OK);
    assert_int_equal(store_session_lookup(c, h[2], now, &got, NULL, 0), STORE_NOT_FOUND);
    assert_int_equal(store_session_lookup(c, "e1e1", now, &got, NULL, 0), STORE_OK); /* other user untouched */
    /* Deactivation: all of them. */
    assert_int_equal(store_session_delete_user(c, uid, NULL, &deleted), STORE_OK);
    assert_int_equal(deleted, 1);
    assert_int_equal(store_session_lookup(c, h[1], now, &got, NULL, 0), STORE_NOT_FOUND);
    assert_int_equal(store_session_delete_user(c, uid, NULL, NULL), STORE_OK); /* nothing left: fine */
    assert_int_equal(store_session_lookup(c, "e1e1", now, &got, NULL, 0), STORE_OK);
}

static int64_t audit_count(const char *field, const char *value)
{
    store_filter f[] = {{field, value}};
    store_list_query q = {f, field ? 1 : 0, 0, 1};
    json_t *items = NULL;
    int64_t total = -1;
    assert_int_equal(store_audit_list(c, &q, &items, &total), STORE_OK);
    json_decref(items);
    return total;
}

static void test_audit_same_transaction(void **state)
{
    (void)state;
    int64_t before = audit_count(NULL, NULL);
    /* committed together */
    assert_int_equal(store_begin(c), STORE_OK);
    int64_t pid = make_patient(c, "AUD-1", "Garnier", "Paul", "1970-05-05", "M");
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)pid);
    store_audit_event ev = {0, "create", "patients", oid, pid, "10.0.0.1", "success", "création"};
    assert_int_equal(store_audit_insert(c, &ev), STORE_OK);
    assert_int_equal(store_commit(c), STORE_OK);
    assert_int_equal(audit_count(NULL, NULL), before + 1);
    /* rolled back together */
    assert_int_equal(store_begin(c), STORE_OK);
    int64_t pid2 = make_patient(c, "AUD-2", "Garnier", "Lucie", "1972-05-05", "F");
    ev.patient_id = pid2;
    assert_int_equal(store_audit_insert(c, &ev), STORE_OK);
    store_rollback(c);
    assert_int_equal(audit_count(NULL, NULL), before + 1);
    json_t *o = NULL;
    assert_int_equal(store_resource_get(c, model_resource_find("patients"), pid2, &o), STORE_NOT_FOUND);
    /* a failed operation inside the transaction: the caller rolls back, nothing remains */
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(store_audit_insert(c, &ev), STORE_OK);
    assert_int_equal(try_insert(c, "patients", json_pack("{s:s}", "ipp", "AUD-1")), STORE_CONFLICT);
    store_rollback(c);
    assert_int_equal(audit_count(NULL, NULL), before + 1);
    /* nested begin is refused; commit without begin too */
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(store_begin(c), STORE_INVALID);
    store_rollback(c);
    assert_int_equal(store_commit(c), STORE_INVALID);
    /* bad events */
    store_audit_event bad = {0, NULL, NULL, NULL, 0, NULL, NULL, NULL};
    assert_int_equal(store_audit_insert(c, &bad), STORE_INVALID);
    bad.action = "read";
    bad.outcome = "maybe";
    assert_int_equal(store_audit_insert(c, &bad), STORE_INVALID);
}

static void test_audit_list_filters(void **state)
{
    (void)state;
    int64_t uid = make_user("auditor", ROLE_ADMIN);
    store_audit_event ev = {uid, "read", "identities", "7", 4242, "192.0.2.1", "success", NULL};
    for (int i = 0; i < 3; i++) assert_int_equal(store_audit_insert(c, &ev), STORE_OK);
    ev.action = "login_failed";
    ev.outcome = "denied";
    ev.patient_id = 0;
    assert_int_equal(store_audit_insert(c, &ev), STORE_OK);
    char u[24];
    snprintf(u, sizeof u, "%lld", (long long)uid);
    assert_int_equal(audit_count("user_id", u), 4);
    assert_int_equal(audit_count("patient_id", "4242"), 3);
    assert_int_equal(audit_count("action", "login_failed"), 1);
    assert_int_equal(audit_count("outcome", "denied"), 1);
    char today[16], tomorrow[16];
    time_format_date(time_now_unix() / 86400, today, sizeof today);
    time_format_date(time_now_unix() / 86400 + 1, tomorrow, sizeof tomorrow);
    store_filter f[] = {{"user_id", u}, {"from", today}, {"to", today}};
    store_list_query q = {f, 3, 0, 2};
    json_t *items = NULL;
    int64_t total = 0;
    assert_int_equal(store_audit_list(c, &q, &items, &total), STORE_OK);
    assert_int_equal(total, 4);
    assert_int_equal(json_array_size(items), 2);
    json_t *first = json_array_get(items, 0); /* newest first */
    assert_string_equal(json_string_value(json_object_get(first, "action")), "login_failed");
    assert_string_equal(json_string_value(json_object_get(first, "user_login")), "auditor");
    assert_int_equal(json_integer_value(json_object_get(first, "user_id")), uid);
    assert_true(json_is_null(json_object_get(first, "patient_id")));
    json_decref(items);
    f[1].value = tomorrow;
    f[2].value = "2099-01-01T00:00:00Z";
    assert_int_equal(store_audit_list(c, &q, &items, &total), STORE_OK);
    assert_int_equal(total, 0);
    json_decref(items);
    f[1].field = "colour";
    assert_int_equal(store_audit_list(c, &q, &items, &total), STORE_INVALID);
    f[1].field = "from";
    f[1].value = "yesterday";
    assert_int_equal(store_audit_list(c, &q, &items, &total), STORE_INVALID);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_session_delete_user),
        cmocka_unit_test(test_audit_same_transaction),
        cmocka_unit_test(test_audit_list_filters),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
