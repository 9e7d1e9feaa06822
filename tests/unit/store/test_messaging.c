/* The outbox queue (due order, leases, retries, concurrent claimers) and the inbox. */
#include <pthread.h>

#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

static store_t *st;
static store_conn_t *c;
static const int64_t T0 = 1795000000000; /* some unix ms */

static int setup(void **state)
{
    (void)state;
    st = open_test_store(6);
    c = store_acquire(st);
    return c ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    store_release(st, c);
    store_close(st);
    return 0;
}

static size_t claim(int64_t now, size_t max, store_outbox_job *jobs)
{
    size_t n = 99;
    store_status s = store_outbox_claim(c, now, 1000, max, jobs, &n);
    if (s != STORE_OK) fail_msg("claim: %s", store_last_error(c));
    return n;
}

static void test_outbox_lifecycle(void **state)
{
    (void)state;
    int64_t j1, j2, j3, dup;
    assert_int_equal(store_outbox_enqueue(c, "hl7", "MSH|first", "k1", T0 - 1000, &j1), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "dmp", "{\"doc\":2}", NULL, T0 - 500, &j2), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "mss", "later", NULL, T0 + 60000, &j3), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "hl7", "again", "k1", T0, &dup), STORE_CONFLICT);
    assert_int_equal(store_outbox_enqueue(c, "", "x", NULL, T0, &dup), STORE_INVALID);
    /* rolled back with its transaction */
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "hl7", "ghost", NULL, T0 - 5000, &dup), STORE_OK);
    store_rollback(c);

    store_outbox_job jobs[10];
    size_t n = claim(T0, 10, jobs);
    assert_int_equal(n, 2); /* j3 is not due */
    assert_int_equal(jobs[0].id, j1); /* due order */
    assert_string_equal(jobs[0].kind, "hl7");
    assert_string_equal(jobs[0].payload, "MSH|first");
    assert_int_equal(jobs[0].attempts, 0);
    assert_int_equal(jobs[1].id, j2);
    store_outbox_jobs_clear(jobs, n);
    /* leased: nobody else gets them */
    assert_int_equal(claim(T0 + 500, 10, jobs), 0);
    /* the lease ran out (a crashed worker): due again */
    n = claim(T0 + 1500, 10, jobs);
    assert_int_equal(n, 2);
    store_outbox_jobs_clear(jobs, n);
    /* outcomes */
    assert_int_equal(store_outbox_record(c, j1, "done", 0, NULL), STORE_OK);
    assert_int_equal(store_outbox_record(c, j2, "retry", T0 + 5000, "Connexion refusée"), STORE_OK);
    assert_int_equal(claim(T0 + 3000, 10, jobs), 0);
    n = claim(T0 + 6000, 10, jobs);
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0].id, j2);
    assert_int_equal(jobs[0].attempts, 1);
    store_outbox_jobs_clear(jobs, n);
    assert_int_equal(store_outbox_record(c, j2, "failed", 0, "Refusé par le DMP"), STORE_OK);
    n = claim(T0 + 100000, 10, jobs); /* only j3 remains */
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0].id, j3);
    store_outbox_jobs_clear(jobs, n);
    assert_int_equal(store_outbox_record(c, j3, "done", 0, NULL), STORE_OK);
    assert_int_equal(claim(T0 + 10000000, 10, jobs), 0);
    /* errors */
    assert_int_equal(store_outbox_record(c, 987654, "done", 0, NULL), STORE_NOT_FOUND);
    assert_int_equal(store_outbox_record(c, j1, "maybe", 0, NULL), STORE_INVALID);
    size_t got = 0;
    assert_int_equal(store_outbox_claim(c, T0, 0, 5, jobs, &got), STORE_INVALID);
}

#define JOBS 60
#define WORKERS 4

typedef struct {
    int64_t ids[JOBS];
    int n;
    int errors;
} worker_out;

static void *claimer(void *p)
{
    worker_out *w = p;
    store_conn_t *wc = store_acquire(st);
    if (!wc) {
        w->errors++;
        return NULL;
    }
    for (int round = 0; round < 200; round++) {
        store_outbox_job jobs[5];
        size_t n = 0;
        store_status s = store_outbox_claim(wc, T0 * 2, 60000, 5, jobs, &n);
        if (s == STORE_BUSY) continue;
        if (s != STORE_OK) {
            w->errors++;
            break;
        }
        if (n == 0) break;
        for (size_t i = 0; i < n; i++) {
            w->ids[w->n++] = jobs[i].id;
            if (store_outbox_record(wc, jobs[i].id, "done", 0, NULL) != STORE_OK) w->errors++;
        }
        store_outbox_jobs_clear(jobs, n);
    }
    store_release(st, wc);
    return NULL;
}

static void test_outbox_concurrent_claims(void **state)
{
    (void)state;
    for (int i = 0; i < JOBS; i++) {
        char payload[32];
        snprintf(payload, sizeof payload, "job %d", i);
        assert_int_equal(store_outbox_enqueue(c, "hl7", payload, NULL, T0 + i, NULL), STORE_OK);
    }
    pthread_t th[WORKERS];
    static worker_out outs[WORKERS];
    memset(outs, 0, sizeof outs);
    for (int i = 0; i < WORKERS; i++) assert_int_equal(pthread_create(&th[i], NULL, claimer, &outs[i]), 0);
    int total = 0;
    int64_t seen[JOBS * WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(outs[i].errors, 0);
        for (int k = 0; k < outs[i].n; k++) seen[total++] = outs[i].ids[k];
    }
    assert_int_equal(total, JOBS); /* each job exactly once */
    for (int a = 0; a < total; a++)
        for (int b = a + 1; b < total; b++) assert_true(seen[a] != seen[b]);
}

static void test_inbox(void **state)
{
    (void)state;
    int64_t id = 0, found = 0;
    char st_text[32];
    assert_int_equal(store_inbox_insert(c, "hl7:SIH", "MSG0001", "MSH|^~\\&|SIH|...", &id), STORE_OK);
    assert_int_equal(store_inbox_find(c, "hl7:SIH", "MSG0001", &found, st_text, sizeof st_text), STORE_OK);
    assert_int_equal(found, id);
    assert_string_equal(st_text, "received");
    assert_int_equal(store_inbox_finish(c, id, "processed", "AA"), STORE_OK);
    assert_int_equal(store_inbox_find(c, "hl7:SIH", "MSG0001", &found, st_text, sizeof st_text), STORE_OK);
    assert_string_equal(st_text, "processed");
    /* the latest of duplicates wins */
    int64_t id2 = 0;
    assert_int_equal(store_inbox_insert(c, "hl7:SIH", "MSG0001", "MSH|again", &id2), STORE_OK);
    assert_int_equal(store_inbox_find(c, "hl7:SIH", "MSG0001", &found, st_text, sizeof st_text), STORE_OK);
    assert_int_equal(found, id2);
    assert_int_equal(store_inbox_find(c, "hl7:OTHER", "MSG0001", &found, NULL, 0), STORE_NOT_FOUND);
    assert_int_equal(store_inbox_finish(c, id2, "lost", NULL), STORE_INVALID);
    assert_int_equal(store_inbox_finish(c, 987654, "failed", "AE"), STORE_NOT_FOUND);
    assert_int_equal(store_inbox_insert(c, "", "x", "y", &id), STORE_INVALID);
}

/* (Added) Claims restricted to kinds, the job view and manual retry. */
static void test_outbox_kinds_and_retry(void **state)
{
    (void)state;
    const int64_t T3 = T0 * 3; /* every earlier job is done or failed by now */
    int64_t dmp, hl7, mss;
    assert_int_equal(store_outbox_enqueue(c, "dmp", "{\"report_id\":1}", NULL, T3 - 300, &dmp), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "hl7", "MSH|x", NULL, T3 - 200, &hl7), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "mssante", "{}", NULL, T3 - 100, &mss), STORE_OK);
    store_outbox_job jobs[10];
    size_t n = 99;
    const char *only_hl7[] = {"hl7"}, *two[] = {"report-hl7", "mssante"};
    assert_int_equal(store_outbox_claim_kinds(c, T3, 1000, only_hl7, 1, 10, jobs, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0].id, hl7);
    store_outbox_jobs_clear(jobs, n);
    assert_int_equal(store_outbox_claim_kinds(c, T3, 1000, two, 2, 10, jobs, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0].id, mss);
    store_outbox_jobs_clear(jobs, n);
    /* the DMP job was never claimed */
    store_outbox_info info;
    assert_int_equal(store_outbox_get(c, dmp, &info), STORE_OK);
    assert_int_equal(info.id, dmp);
    assert_string_equal(info.kind, "dmp");
    assert_string_equal(info.state, "pending");
    assert_int_equal(info.attempts, 0);
    assert_int_equal(info.due_ms, T3 - 300);
    assert_string_equal(info.last_error, "");
    assert_int_equal(strlen(info.created_at), 20);
    assert_int_equal(store_outbox_get(c, 987654, &info), STORE_NOT_FOUND);
    /* bad kind lists */
    const char *empty[] = {""};
    assert_int_equal(store_outbox_claim_kinds(c, T3, 1000, empty, 1, 10, jobs, &n), STORE_INVALID);
    assert_int_equal(store_outbox_claim_kinds(c, T3, 1000, NULL, 2, 10, jobs, &n), STORE_INVALID);
    assert_int_equal(store_outbox_claim_kinds(c, T3, 1000, only_hl7, STORE_OUTBOX_MAX_KINDS + 1, 10, jobs, &n),
                     STORE_INVALID);
    /* NULL kinds: every kind (the DMP job) */
    assert_int_equal(store_outbox_claim_kinds(c, T3, 1000, NULL, 0, 10, jobs, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0].id, dmp);
    store_outbox_jobs_clear(jobs, n);

    /* retry: running under a valid lease -> conflict; once the lease ran out, due again */
    assert_int_equal(store_outbox_retry(c, dmp, T3 + 10), STORE_CONFLICT);
    assert_int_equal(store_outbox_retry(c, dmp, T3 + 5000), STORE_OK);
    assert_int_equal(store_outbox_get(c, dmp, &info), STORE_OK);
    assert_string_equal(info.state, "pending");
    assert_int_equal(info.due_ms, T3 + 5000);
    /* a failed job becomes pending and due now, attempts and error kept */
    assert_int_equal(store_outbox_record(c, hl7, "failed", 0, "Refusé (AR)"), STORE_OK);
    assert_int_equal(store_outbox_retry(c, hl7, T3 + 6000), STORE_OK);
    assert_int_equal(store_outbox_get(c, hl7, &info), STORE_OK);
    assert_string_equal(info.state, "pending");
    assert_int_equal(info.attempts, 1);
    assert_string_equal(info.last_error, "Refusé (AR)");
    assert_int_equal(info.due_ms, T3 + 6000);
    assert_int_equal(store_outbox_claim_kinds(c, T3 + 6000, 1000, only_hl7, 1, 10, jobs, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0].attempts, 1);
    store_outbox_jobs_clear(jobs, n);
    /* a pending job waiting for its back-off becomes due at once */
    assert_int_equal(store_outbox_record(c, mss, "retry", T3 + 3600000, "Injoignable"), STORE_OK);
    assert_int_equal(store_outbox_claim_kinds(c, T3 + 7000, 1000, two, 2, 10, jobs, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_outbox_retry(c, mss, T3 + 7000), STORE_OK);
    assert_int_equal(store_outbox_claim_kinds(c, T3 + 7000, 1000, two, 2, 10, jobs, &n), STORE_OK);
    assert_int_equal(n, 1);
    store_outbox_jobs_clear(jobs, n);
    /* done: conflict; unknown: not found */
    assert_int_equal(store_outbox_record(c, mss, "done", 0, NULL), STORE_OK);
    assert_int_equal(store_outbox_retry(c, mss, T3 + 8000), STORE_CONFLICT);
    assert_int_equal(store_outbox_retry(c, 987654, T3), STORE_NOT_FOUND);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbox_lifecycle),
        cmocka_unit_test(test_outbox_concurrent_claims),
        cmocka_unit_test(test_inbox),
        cmocka_unit_test(test_outbox_kinds_and_retry),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
