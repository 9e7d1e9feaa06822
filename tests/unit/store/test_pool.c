/* The connection pool: bounded wait then busy, and several threads writing at once. */
#include <pthread.h>

#include "core/timeutil.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

static void test_exhaustion(void **state)
{
    (void)state;
    store_t *st = NULL;
    char err[256];
    store_options o = {.pool_size = 2, .busy_timeout_ms = 200};
    assert_int_equal(store_open_with(g_backend.url, &o, &st, err, sizeof err), STORE_OK);
    store_conn_t *a = store_acquire(st), *b = store_acquire(st);
    assert_non_null(a);
    assert_non_null(b);
    int64_t t0 = time_monotonic_ms();
    assert_null(store_acquire(st)); /* pool exhausted past the timeout */
    int64_t waited = time_monotonic_ms() - t0;
    assert_true(waited >= 180 && waited < 3000);
    store_release(st, b);
    store_conn_t *again = store_acquire(st);
    assert_ptr_equal(again, b);
    /* a transaction left open is rolled back on release */
    assert_int_equal(store_begin(again), STORE_OK);
    store_release(st, again);
    again = store_acquire(st);
    assert_int_equal(store_begin(again), STORE_OK);
    store_rollback(again);
    store_release(st, again);
    store_release(st, a);
    store_close(st);
}

static void test_bad_urls(void **state)
{
    (void)state;
    store_t *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open("mysql://x", 1, &st, err, sizeof err), STORE_INVALID);
    assert_null(st);
    assert_true(strlen(err) > 0);
    assert_int_equal(store_open(g_backend.url, 0, &st, err, sizeof err), STORE_OK); /* 0 = default */
    store_close(st);
    store_options o = {.pool_size = 257};
    assert_int_equal(store_open_with(g_backend.url, &o, &st, err, sizeof err), STORE_INVALID);
    if (strcmp(g_backend.backend, "sqlite") == 0)
        assert_int_equal(store_open("sqlite:/nonexistent-dir/x/y.db", 1, &st, err, sizeof err), STORE_ERROR);
    else
        assert_int_equal(store_open("postgresql://postgres@127.0.0.1:1/none", 1, &st, err, sizeof err), STORE_ERROR);
    assert_null(st);
    /* SQLite synchronous=NORMAL (ignored by PostgreSQL) still stores and reads back */
    store_options on = {.pool_size = 1, .sqlite_synchronous_normal = true};
    assert_int_equal(store_open_with(g_backend.url, &on, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    store_conn_t *c = store_acquire(st);
    int64_t id = insert_or_fail(c, "sites", json_pack("{s:s, s:s}", "finess", "750000777", "name", "Normal"));
    json_t *row = NULL;
    assert_int_equal(store_resource_get(c, model_resource_find("sites"), id, &row), STORE_OK);
    json_decref(row);
    store_release(st, c);
    store_close(st);
    /* in-memory SQLite works with any pool size (forced to one connection) */
    assert_int_equal(store_open("sqlite::memory:", 4, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    store_close(st);
}

#define THREADS 6
#define PER_THREAD 25

typedef struct {
    store_t *st;
    int index;
    int ok;
    int busy;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    for (int i = 0; i < PER_THREAD; i++) {
        store_conn_t *c = store_acquire(w->st);
        if (!c) {
            w->busy++;
            continue;
        }
        char ipp[32];
        snprintf(ipp, sizeof ipp, "T%d-%d", w->index, i);
        store_status s = store_begin(c);
        int64_t id = 0;
        if (s == STORE_OK) {
            json_t *o = json_pack("{s:s}", "ipp", ipp);
            s = store_resource_insert(c, model_resource_find("patients"), o, &id);
            json_decref(o);
        }
        if (s == STORE_OK) {
            store_audit_event ev = {0, "create", "patients", ipp, id, "127.0.0.1", "success", NULL};
            s = store_audit_insert(c, &ev);
        }
        if (s == STORE_OK) s = store_commit(c);
        else store_rollback(c);
        if (s == STORE_OK) w->ok++;
        else if (s == STORE_BUSY) w->busy++;
        else fprintf(stderr, "worker %d: %s %s\n", w->index, store_status_name(s), store_last_error(c));
        store_release(w->st, c);
    }
    return NULL;
}

static void test_concurrency(void **state)
{
    (void)state;
    store_t *st = NULL;
    char err[256];
    store_options o = {.pool_size = 4, .busy_timeout_ms = 10000};
    assert_int_equal(store_open_with(g_backend.url, &o, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    pthread_t th[THREADS];
    worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (worker_arg){st, i, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        ok += args[i].ok;
    }
    assert_int_equal(ok, THREADS * PER_THREAD);
    store_conn_t *c = store_acquire(st);
    store_filter f[] = {{"action", "create"}};
    store_list_query q = {f, 1, 0, 1};
    json_t *items = NULL;
    int64_t total = 0;
    assert_int_equal(store_audit_list(c, &q, &items, &total), STORE_OK);
    json_decref(items);
    assert_int_equal(total, THREADS * PER_THREAD);
    store_release(st, c);
    store_close(st);
}

static void test_options_from_config(void **state)
{
    (void)state;
    const config_setting *tables[] = {store_settings};
    config_t *cfg = config_new(tables, 1);
    assert_non_null(cfg);
    assert_string_equal(config_get(cfg, "store", "url"), "sqlite:var/couloir.db");
    store_options o = {.oid_root = "1.2.3"};
    char err[128] = "";
    assert_int_equal(store_options_from_config(cfg, &o, err, sizeof err), STORE_OK);
    assert_int_equal(o.pool_size, 4);
    assert_int_equal(o.busy_timeout_ms, 5000);
    assert_string_equal(o.oid_root, "1.2.3");
    assert_int_equal(config_set(cfg, "store", "pool_size", "0"), 0);
    assert_int_equal(store_options_from_config(cfg, &o, err, sizeof err), STORE_INVALID);
    assert_non_null(strstr(err, "pool_size"));
    assert_int_equal(config_set(cfg, "store", "pool_size", "8"), 0);
    assert_int_equal(config_set(cfg, "store", "busy_timeout_ms", "soon"), 0);
    assert_int_equal(store_options_from_config(cfg, &o, err, sizeof err), STORE_INVALID);
    assert_non_null(strstr(err, "busy_timeout_ms"));
    assert_int_equal(config_set(cfg, "store", "busy_timeout_ms", "100"), 0);
    assert_int_equal(store_options_from_config(cfg, &o, err, sizeof err), STORE_OK);
    assert_false(o.sqlite_synchronous_normal); /* default: full */
    assert_int_equal(config_set(cfg, "store", "sqlite_synchronous", "normal"), 0);
    assert_int_equal(store_options_from_config(cfg, &o, err, sizeof err), STORE_OK);
    assert_true(o.sqlite_synchronous_normal);
    assert_int_equal(config_set(cfg, "store", "sqlite_synchronous", "full"), 0);
    assert_int_equal(store_options_from_config(cfg, &o, err, sizeof err), STORE_OK);
    assert_false(o.sqlite_synchronous_normal);
    assert_int_equal(config_set(cfg, "store", "sqlite_synchronous", "off"), 0);
    assert_int_equal(store_options_from_config(cfg, &o, err, sizeof err), STORE_INVALID);
    assert_non_null(strstr(err, "sqlite_synchronous"));
    config_free(cfg);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exhaustion),
        cmocka_unit_test(test_bad_urls),
        cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_options_from_config),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}

int main(void) { return test_run_backends(run); }
