/* Driver internals: the `?` -> `$n` rewriting of the PostgreSQL driver, and lock waits that end
 * in STORE_BUSY on both backends. */
#include "store/store_internal.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

static void check_rewrite(const char *in, const char *want)
{
    char *out = db_pg_rewrite_placeholders(in);
    assert_non_null(out);
    assert_string_equal(out, want);
    free(out);
}

static void test_rewrite(void **state)
{
    (void)state;
    check_rewrite("SELECT 1", "SELECT 1");
    check_rewrite("SELECT a FROM t WHERE a = ? AND b < ?", "SELECT a FROM t WHERE a = $1 AND b < $2");
    check_rewrite("SELECT '?' || ?", "SELECT '?' || $1");
    check_rewrite("SELECT 'it''s ?', ? FROM \"we?ird\"", "SELECT 'it''s ?', $1 FROM \"we?ird\"");
    check_rewrite("SELECT ? -- what?\n, ?", "SELECT $1 -- what?\n, $2");
    check_rewrite("?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11");
}

/* A row locked by one connection: a second writer waits for the busy timeout, then gives up
 * with STORE_BUSY (SQLite: database lock; PostgreSQL: lock_timeout on the row). */
static void test_lock_wait_busy(void **state)
{
    (void)state;
    store_t *st = NULL;
    char err[256];
    store_options o = {.pool_size = 2, .busy_timeout_ms = 300};
    assert_int_equal(store_open_with(g_backend.url, &o, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    store_conn_t *a = store_acquire(st), *b = store_acquire(st);
    int64_t site = insert_or_fail(a, "sites", json_pack("{s:s, s:s}", "finess", "750000900", "name", "Verrou"));
    const model_resource *sites = model_resource_find("sites");
    assert_int_equal(store_begin(a), STORE_OK);
    json_t *patch = json_pack("{s:s}", "name", "A");
    assert_int_equal(store_resource_update(a, sites, site, patch), STORE_OK);
    json_decref(patch);
    patch = json_pack("{s:s}", "name", "B");
    assert_int_equal(store_resource_update(b, sites, site, patch), STORE_BUSY);
    assert_true(strlen(store_last_error(b)) > 0);
    assert_int_equal(store_commit(a), STORE_OK);
    /* once the lock is gone the same write passes */
    assert_int_equal(store_resource_update(b, sites, site, patch), STORE_OK);
    json_decref(patch);
    json_t *row = NULL;
    assert_int_equal(store_resource_get(a, sites, site, &row), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(row, "name")), "B");
    json_decref(row);
    store_release(st, a);
    store_release(st, b);
    store_close(st);
}

/* An identity update that fails (unique INS) leaves no history row behind. */
static void test_identity_update_atomic(void **state)
{
    (void)state;
    store_t *st = open_test_store(1);
    store_conn_t *c = store_acquire(st);
    int64_t p1 = make_patient(c, "AT-1", "Marchand", "Eva", "1990-01-01", "F");
    int64_t p2 = make_patient(c, "AT-2", "Marchand", "Ida", "1991-01-01", "F");
    (void)p1;
    (void)p2;
    const model_resource *ids = model_resource_find("identities");
    store_list_query q = {NULL, 0, 0, 10};
    json_t *items = NULL;
    int64_t total = 0;
    assert_int_equal(store_resource_list(c, ids, &q, &items, &total), STORE_OK);
    assert_int_equal(total, 2);
    int64_t i1 = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
    int64_t i2 = json_integer_value(json_object_get(json_array_get(items, 1), "id"));
    json_decref(items);
    json_t *patch = json_pack("{s:s}", "ins_matricule", "290017511100142");
    assert_int_equal(store_resource_update(c, ids, i1, patch), STORE_OK);
    assert_int_equal(store_resource_update(c, ids, i2, patch), STORE_CONFLICT);
    json_decref(patch);
    model_field hf[] = {{"id", FIELD_INT, FIELD_READONLY, 0, NULL, NULL, "id"},
                        {"identity_id", FIELD_INT, FIELD_FILTER, 0, NULL, NULL, "identity"}};
    model_resource hist = {"history", "identity_history", hf, 2, 0, 0, false, false, "history", "id"};
    assert_int_equal(store_resource_list(c, &hist, &q, &items, &total), STORE_OK);
    assert_int_equal(total, 1); /* only the successful update */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "identity_id")), i1);
    json_decref(items);
    store_release(st, c);
    store_close(st);
}

/* PostgreSQL: a terminated server session fails the call in progress, then the connection is
 * re-established with its settings and the next call succeeds. */
static void test_pg_reconnect(void **state)
{
    (void)state;
    if (strcmp(g_backend.backend, "postgresql") != 0) return;
    store_t *st = NULL;
    char err[256];
    store_options o = {.pool_size = 1, .busy_timeout_ms = 2000};
    assert_int_equal(store_open_with(g_backend.url, &o, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    store_conn_t *c = store_acquire(st);
    json_t *row = NULL;
    const model_resource *sites = model_resource_find("sites");
    int64_t site = insert_or_fail(c, "sites", json_pack("{s:s, s:s}", "finess", "750000901", "name", "Reconnexion"));
    char sql[256];
    snprintf(sql, sizeof sql,
             "DO $$ BEGIN PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' "
             "AND pid <> pg_backend_pid(); END $$",
             g_backend.dbname);
    assert_int_equal(pg_admin(g_backend.admin_url, sql), 0);
    store_status s = store_resource_get(c, sites, site, &row);
    assert_int_equal(s, STORE_BUSY); /* transient: the caller may retry */
    assert_null(row);
    assert_int_equal(store_resource_get(c, sites, site, &row), STORE_OK); /* new session */
    assert_string_equal(json_string_value(json_object_get(row, "name")), "Reconnexion");
    json_decref(row);
    store_release(st, c);
    store_close(st);
}

/* Study Instance UIDs are minted under the configured root when there is one. */
static void test_oid_root(void **state)
{
    (void)state;
    store_t *st = NULL;
    char err[256];
    store_options o = {.pool_size = 1, .oid_root = "1.2.250.1.999.42"};
    assert_int_equal(store_open_with(g_backend.url, &o, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    store_conn_t *c = store_acquire(st);
    int64_t pid = insert_or_fail(c, "patients", json_object());
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)pid));
    int64_t exam = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:i}", "ccam_code", "ZZZZ001", "label",
                                                            "Examen", "modality_type", "US", "duration_minutes", 15));
    int64_t proc = insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id",
                                                             (json_int_t)exam));
    json_t *row = NULL;
    assert_int_equal(store_resource_get(c, model_resource_find("procedures"), proc, &row), STORE_OK);
    const char *uid = json_string_value(json_object_get(row, "study_instance_uid"));
    assert_non_null(uid);
    assert_true(strncmp(uid, "1.2.250.1.999.42.1.", 19) == 0);
    assert_true(strlen(uid) <= 64);
    json_decref(row);
    store_release(st, c);
    store_close(st);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewrite),
        cmocka_unit_test(test_lock_wait_busy),
        cmocka_unit_test(test_identity_update_atomic),
        cmocka_unit_test(test_pg_reconnect),
        cmocka_unit_test(test_oid_root),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}

int main(void) { return test_run_backends(run); }
