/* Group commit of read audit events (store_audit_read / store_audit_read_async), read
 * transactions (store_begin_read) and the write generation, on both backends: events are
 * durable (visible after a reopen) when the call returns, in call order, from many threads at
 * once, without deadlock when the caller holds the last pool connection, and store_close
 * drains the queue and wakes every waiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <time.h>

#include "store/store_internal.h"
#include "unit/store/backend.h"

static store_t *st;

static int setup(void **state)
{
    (void)state;
    st = open_test_store(2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_close(st);
    return 0;
}

static store_audit_event read_event(const char *action, const char *detail)
{
    return (store_audit_event){.action = action, .object_type = "appointments", .object_id = "7",
                               .client_addr = "127.0.0.1", .outcome = "success", .detail = detail};
}

/* Audit rows with this action, newest first (at most 1000). */
static json_t *rows_of(store_t *s, const char *action, int64_t *total)
{
    store_conn_t *c = store_acquire(s);
    assert_non_null(c);
    store_filter f[] = {{"action", action}};
    store_list_query q = {f, 1, 0, 1000};
    json_t *items = NULL;
    assert_int_equal(store_audit_list(c, &q, &items, total), STORE_OK);
    store_release(s, c);
    return items;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_durable_and_ordered(void **state)
{
    (void)state;
    char detail[32];
    for (int i = 0; i < 20; i++) {
        snprintf(detail, sizeof detail, "n=%d", i);
        store_audit_event ev = read_event("t_order", detail);
        assert_int_equal(store_audit_read(st, &ev), STORE_OK);
    }
    /* Visible to another connection at once, and after a reopen of the database. */
    int64_t total = 0;
    json_t *items = rows_of(st, "t_order", &total);
    assert_int_equal(total, 20);
    json_decref(items);
    store_close(st);
    st = open_test_store(2);
    items = rows_of(st, "t_order", &total);
    assert_int_equal(total, 20);
    for (int i = 0; i < 20; i++) { /* newest first: n=19 ... n=0 */
        json_t *o = json_array_get(items, (size_t)i);
        snprintf(detail, sizeof detail, "n=%d", 19 - i);
        assert_string_equal(json_string_value(json_object_get(o, "detail")), detail);
        assert_string_equal(json_string_value(json_object_get(o, "object_id")), "7");
        assert_string_equal(json_string_value(json_object_get(o, "outcome")), "success");
        assert_non_null(json_string_value(json_object_get(o, "at")));
    }
    json_decref(items);
}

static void test_invalid_events(void **state)
{
    (void)state;
    store_audit_event ev = read_event(NULL, NULL);
    assert_int_equal(store_audit_read(st, &ev), STORE_INVALID);
    ev = read_event("", NULL);
    assert_int_equal(store_audit_read(st, &ev), STORE_INVALID);
    ev = read_event("t_invalid", NULL);
    ev.outcome = "maybe";
    assert_int_equal(store_audit_read(st, &ev), STORE_INVALID);
    assert_int_equal(store_audit_read(st, NULL), STORE_INVALID);
    int64_t total = -1;
    json_decref(rows_of(st, "t_invalid", &total));
    assert_int_equal(total, 0);
}

#define THREADS 12
#define PER_THREAD 25

typedef struct {
    store_t *st;
    int thread;
    int ok;
    bool hold_conn; /* keep a pool connection (and a read transaction) while auditing */
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    store_conn_t *c = w->hold_conn ? store_acquire(w->st) : NULL;
    if (c && store_begin_read(c) != STORE_OK) return NULL;
    for (int i = 0; i < PER_THREAD; i++) {
        char detail[32];
        snprintf(detail, sizeof detail, "%d:%d", w->thread, i);
        store_audit_event ev = read_event("t_threads", detail);
        if (store_audit_read(w->st, &ev) == STORE_OK) w->ok++;
    }
    if (c) {
        store_rollback(c);
        store_release(w->st, c);
    }
    return NULL;
}

static void test_many_threads(void **state)
{
    (void)state;
    pthread_t th[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        /* The first two threads hold the store's two pool connections while they wait. */
        w[i] = (worker){st, i, 0, i < 2};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].ok, PER_THREAD);
    }
    int64_t total = 0;
    json_t *items = rows_of(st, "t_threads", &total);
    assert_int_equal(total, THREADS * PER_THREAD);
    /* Each thread's events are in its call order (ids increase with i). */
    int last[THREADS];
    for (int i = 0; i < THREADS; i++) last[i] = PER_THREAD;
    for (size_t k = 0; k < json_array_size(items); k++) { /* newest first */
        int t = -1, i = -1;
        assert_int_equal(sscanf(json_string_value(json_object_get(json_array_get(items, k), "detail")), "%d:%d", &t, &i),
                         2);
        assert_true(t >= 0 && t < THREADS);
        assert_int_equal(i, last[t] - 1);
        last[t] = i;
    }
    json_decref(items);
}

typedef struct {
    pthread_mutex_t mu;
    int calls, ok;
} async_count;

static void on_done(void *arg, store_status s)
{
    async_count *a = arg;
    pthread_mutex_lock(&a->mu);
    a->calls++;
    if (s == STORE_OK) a->ok++;
    pthread_mutex_unlock(&a->mu);
}

static void test_async(void **state)
{
    (void)state;
    async_count a = {.mu = PTHREAD_MUTEX_INITIALIZER};
    for (int i = 0; i < 50; i++) {
        char detail[16];
        snprintf(detail, sizeof detail, "a%d", i); /* copied: the buffer is reused at once */
        store_audit_event ev = read_event("t_async", detail);
        assert_int_equal(store_audit_read_async(st, &ev, on_done, &a), STORE_OK);
    }
    store_audit_event bad = read_event(NULL, NULL);
    assert_int_equal(store_audit_read_async(st, &bad, on_done, &a), STORE_INVALID);
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&a.mu);
        int calls = a.calls;
        pthread_mutex_unlock(&a.mu);
        if (calls == 50) break;
        sleep_ms(10);
    }
    assert_int_equal(a.calls, 50);
    assert_int_equal(a.ok, 50);
    int64_t total = 0;
    json_t *items = rows_of(st, "t_async", &total);
    assert_int_equal(total, 50);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "detail")), "a49");
    json_decref(items);
    /* Pending callbacks are all called before store_close returns. */
    async_count b = {.mu = PTHREAD_MUTEX_INITIALIZER};
    store_t *s2 = open_test_store(1);
    db_audit_writer_hold(s2, true);
    for (int i = 0; i < 10; i++) {
        store_audit_event ev = read_event("t_async_close", "x");
        assert_int_equal(store_audit_read_async(s2, &ev, on_done, &b), STORE_OK);
    }
    assert_int_equal(b.calls, 0);
    store_close(s2);
    assert_int_equal(b.calls, 10);
    assert_int_equal(b.ok, 10);
}

static void test_hold_and_release(void **state)
{
    (void)state;
    store_t *s2 = open_test_store(1);
    db_audit_writer_hold(s2, true); /* events queue up: their callers all wait */
    pthread_t th[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){s2, i, 0, false};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 500 && db_audit_writer_queued(s2) < 4; i++) sleep_ms(10);
    assert_int_equal(db_audit_writer_queued(s2), 4); /* one event per thread, none written */
    for (int i = 0; i < 4; i++) assert_int_equal(w[i].ok, 0);
    db_audit_writer_hold(s2, false);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].ok, PER_THREAD);
    }
    assert_int_equal(db_audit_writer_queued(s2), 0);
    store_close(s2);
}

typedef struct {
    store_t *st;
    store_status result;
} single;

static void *single_main(void *arg)
{
    single *s = arg;
    store_audit_event ev = read_event("t_close", "blocked");
    s->result = store_audit_read(s->st, &ev);
    return NULL;
}

static void test_close_wakes_waiter(void **state)
{
    (void)state;
    store_t *s2 = open_test_store(1);
    db_audit_writer_hold(s2, true);
    single one = {s2, STORE_ERROR};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, single_main, &one), 0);
    for (int i = 0; i < 500 && db_audit_writer_queued(s2) < 1; i++) sleep_ms(10);
    assert_int_equal(db_audit_writer_queued(s2), 1);
    store_close(s2); /* releases the hold, writes the event, wakes the caller, then closes */
    pthread_join(t, NULL);
    assert_int_equal(one.result, STORE_OK);
    int64_t total = 0;
    json_decref(rows_of(st, "t_close", &total));
    assert_int_equal(total, 1);
}

static void test_read_transactions_and_generation(void **state)
{
    (void)state;
    store_conn_t *a = store_acquire(st), *b = store_acquire(st);
    assert_non_null(a);
    assert_non_null(b);
    const model_resource *sites = model_resource_find("sites");
    assert_non_null(sites);
    uint64_t g0 = store_write_generation(st);
    /* A read transaction commits without bumping the generation. */
    assert_int_equal(store_begin_read(a), STORE_OK);
    assert_int_equal(store_begin_read(a), STORE_INVALID); /* already open */
    json_t *items = NULL;
    int64_t total = 0;
    store_list_query q = {NULL, 0, 0, 10};
    assert_int_equal(store_resource_list(a, sites, &q, &items, &total), STORE_OK);
    json_decref(items);
    /* A writer gets the write lock while the reader's snapshot is open (WAL on SQLite). */
    assert_int_equal(store_begin(b), STORE_OK);
    json_t *site = json_pack("{s:s, s:s}", "finess", "750000011", "name", "Centre A");
    int64_t id = 0;
    assert_int_equal(store_resource_insert(b, sites, site, &id), STORE_OK);
    /* ... and a new read transaction starts while the writer holds it. */
    assert_int_equal(store_commit(a), STORE_OK);
    assert_int_equal(store_write_generation(st), g0);
    assert_int_equal(store_begin_read(a), STORE_OK);
    assert_int_equal(store_resource_list(a, sites, &q, &items, &total), STORE_OK);
    assert_int_equal(total, 0); /* the insert is not committed yet */
    json_decref(items);
    assert_int_equal(store_commit(b), STORE_OK);
    assert_int_equal(store_write_generation(st), g0 + 1);
    store_rollback(a);
    /* A rolled back write does not bump; an autocommit write does; audit reads do not. */
    assert_int_equal(store_begin(b), STORE_OK);
    json_object_set_new(site, "finess", json_string("750000012"));
    assert_int_equal(store_resource_insert(b, sites, site, &id), STORE_OK);
    store_rollback(b);
    assert_int_equal(store_write_generation(st), g0 + 1);
    json_object_set_new(site, "finess", json_string("750000013"));
    assert_int_equal(store_resource_insert(b, sites, site, &id), STORE_OK);
    assert_true(store_write_generation(st) > g0 + 1);
    uint64_t g1 = store_write_generation(st);
    store_audit_event ev = read_event("t_gen", NULL);
    assert_int_equal(store_audit_read(st, &ev), STORE_OK);
    assert_int_equal(store_write_generation(st), g1);
    /* A write statement that changes nothing does not count, in or out of a transaction. */
    int64_t deleted = -1;
    assert_int_equal(store_session_delete_user(b, 999999, NULL, &deleted), STORE_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(store_begin(b), STORE_OK);
    assert_int_equal(store_session_delete_user(b, 999999, NULL, &deleted), STORE_OK);
    assert_int_equal(store_commit(b), STORE_OK);
    assert_int_equal(store_write_generation(st), g1);
    json_decref(site);
    store_release(st, a);
    store_release(st, b);
}

/* SQLite: PRAGMA synchronous follows store_options.sqlite_synchronous_normal on every
 * connection, the audit writer's included (its commits are the ones that must be durable). */
static void test_sqlite_synchronous(void **state)
{
    (void)state;
    if (strcmp(g_backend.backend, "sqlite") != 0) skip();
    for (int normal = 0; normal < 2; normal++) {
        store_t *s2 = NULL;
        char err[256];
        store_options o = {.pool_size = 1, .sqlite_synchronous_normal = normal};
        assert_int_equal(store_open_with(g_backend.url, &o, &s2, err, sizeof err), STORE_OK);
        store_conn_t *c = store_acquire(s2);
        db_rows r;
        assert_int_equal(db_exec(c, "PRAGMA synchronous", NULL, 0, &r, NULL), STORE_OK);
        assert_string_equal(db_cell(&r, 0, 0), normal ? "1" : "2"); /* NORMAL / FULL */
        db_rows_free(&r);
        store_release(s2, c);
        assert_int_equal(db_exec(db_audit_writer_conn(s2), "PRAGMA synchronous", NULL, 0, &r, NULL), STORE_OK);
        assert_string_equal(db_cell(&r, 0, 0), normal ? "1" : "2");
        db_rows_free(&r);
        /* Its commits never run a checkpoint (the checkpointer thread does, on its own). */
        assert_int_equal(db_exec(db_audit_writer_conn(s2), "PRAGMA wal_autocheckpoint", NULL, 0, &r, NULL), STORE_OK);
        assert_string_equal(db_cell(&r, 0, 0), "0");
        db_rows_free(&r);
        store_close(s2);
    }
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durable_and_ordered),
        cmocka_unit_test(test_invalid_events),
        cmocka_unit_test(test_many_threads),
        cmocka_unit_test(test_async),
        cmocka_unit_test(test_hold_and_release),
        cmocka_unit_test(test_close_wakes_waiter),
        cmocka_unit_test(test_read_transactions_and_generation),
        cmocka_unit_test(test_sqlite_synchronous),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
