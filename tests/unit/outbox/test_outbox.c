/* Outbox delivery policy against an in-memory queue with the same contract as the store's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "outbox/outbox.h"

typedef struct {
    int64_t id;
    char kind[16];
    char payload[32];
    int attempts;
    char state[8];      /* "pending", "retry", "done", "failed" */
    int64_t due;        /* next attempt / lease end */
    char error[256];
} mem_job;

typedef struct {
    pthread_mutex_t lock;
    mem_job jobs[16];
    int n;
    int claims;         /* claim() calls */
} mem_queue;

static bool kind_asked(const char *kind, const char *const *kinds, size_t nkinds)
{
    for (size_t i = 0; i < nkinds; i++)
        if (strcmp(kinds[i], kind) == 0) return true;
    return false;
}

static int mem_claim(void *ctx, int64_t now, int64_t lease, const char *const *kinds, size_t nkinds, outbox_job *out,
                     int max)
{
    mem_queue *q = ctx;
    int n = 0;
    pthread_mutex_lock(&q->lock);
    q->claims++;
    for (int i = 0; i < q->n && n < max; i++) {
        mem_job *j = &q->jobs[i];
        if ((strcmp(j->state, "pending") == 0 || strcmp(j->state, "retry") == 0) && j->due <= now &&
            kind_asked(j->kind, kinds, nkinds)) {
            j->due = now + lease; /* leased */
            out[n].id = j->id;
            out[n].kind = j->kind;
            out[n].payload = j->payload;
            out[n].attempts = j->attempts;
            n++;
        }
    }
    pthread_mutex_unlock(&q->lock);
    return n;
}

static int mem_record(void *ctx, int64_t id, const char *state, int64_t next_at, const char *error)
{
    mem_queue *q = ctx;
    pthread_mutex_lock(&q->lock);
    for (int i = 0; i < q->n; i++)
        if (q->jobs[i].id == id) {
            q->jobs[i].attempts++;
            strcpy(q->jobs[i].state, state);
            q->jobs[i].due = next_at;
            strcpy(q->jobs[i].error, error ? error : "");
        }
    pthread_mutex_unlock(&q->lock);
    return 0;
}

static void add_job(mem_queue *q, const char *kind, const char *payload)
{
    mem_job *j = &q->jobs[q->n];
    memset(j, 0, sizeof *j);
    j->id = ++q->n;
    strcpy(j->kind, kind);
    strcpy(j->payload, payload);
    strcpy(j->state, "pending");
}

typedef struct {
    int calls;
    int fail_first;          /* transient failures before success */
    outbox_result final;
} fake_peer;

static outbox_result fake_send(void *ctx, const outbox_job *job, char *error, size_t len)
{
    fake_peer *p = ctx;
    p->calls++;
    if (p->calls <= p->fail_first) {
        snprintf(error, len, "Connexion refusée par %s.", job->payload);
        return OUTBOX_RETRY;
    }
    if (p->final == OUTBOX_REJECTED) snprintf(error, len, "Message refusé (AR).");
    return p->final;
}

static outbox_queue queue_of(mem_queue *q)
{
    outbox_queue oq = {q, mem_claim, NULL, mem_record};
    return oq;
}

static void test_backoff(void **state)
{
    (void)state;
    outbox_policy p = outbox_default_policy();
    assert_int_equal(outbox_backoff_ms(&p, 1, 0), 5000);
    assert_int_equal(outbox_backoff_ms(&p, 2, 0), 10000);
    assert_int_equal(outbox_backoff_ms(&p, 5, 0), 80000);
    assert_int_equal(outbox_backoff_ms(&p, 40, 0), 3600 * 1000);
    int64_t j = outbox_backoff_ms(&p, 1, 123456789);
    assert_true(j >= 5000 && j <= 6000);
}

static void test_retry_then_success(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    add_job(&q, "hl7", "pacs");
    outbox_queue oq = queue_of(&q);
    outbox_policy pol = outbox_default_policy();
    outbox_t *ob = outbox_new(&oq, &pol);
    fake_peer peer = {0, 2, OUTBOX_SENT};
    assert_int_equal(outbox_register(ob, "hl7", fake_send, &peer), 0);
    int64_t now = 1000000;
    assert_int_equal(outbox_run_once(ob, now), 1);
    assert_string_equal(q.jobs[0].state, "retry");
    assert_string_equal(q.jobs[0].error, "Connexion refusée par pacs.");
    assert_true(q.jobs[0].due >= now + 5000);
    /* not due yet: nothing happens */
    assert_int_equal(outbox_run_once(ob, now + 1000), 0);
    assert_int_equal(outbox_run_once(ob, q.jobs[0].due), 1);
    assert_string_equal(q.jobs[0].state, "retry");
    assert_true(q.jobs[0].due - now >= 10000);
    assert_int_equal(outbox_run_once(ob, q.jobs[0].due), 1);
    assert_string_equal(q.jobs[0].state, "done");
    assert_int_equal(q.jobs[0].attempts, 3);
    assert_int_equal(peer.calls, 3);
    outbox_free(ob);
}

static void test_gives_up_and_rejects(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    add_job(&q, "hl7", "pacs");
    add_job(&q, "dmp", "x");
    add_job(&q, "fax", "x");
    outbox_queue oq = queue_of(&q);
    outbox_policy pol = outbox_default_policy();
    pol.max_attempts = 3;
    outbox_t *ob = outbox_new(&oq, &pol);
    fake_peer down = {0, 1000, OUTBOX_SENT};
    fake_peer refuses = {0, 0, OUTBOX_REJECTED};
    outbox_register(ob, "hl7", fake_send, &down);
    outbox_register(ob, "dmp", fake_send, &refuses);
    int64_t now = 0;
    for (int round = 0; round < 10; round++) {
        outbox_run_once(ob, now);
        now += 10 * 3600 * 1000LL;
    }
    assert_string_equal(q.jobs[0].state, "failed");
    assert_int_equal(down.calls, 3);
    assert_non_null(strstr(q.jobs[0].error, "Abandon après 3 tentatives."));
    assert_string_equal(q.jobs[1].state, "failed");
    assert_int_equal(refuses.calls, 1);
    assert_string_equal(q.jobs[1].error, "Message refusé (AR).");
    /* no sender for "fax": never claimed, still pending and untouched */
    assert_string_equal(q.jobs[2].state, "pending");
    assert_int_equal(q.jobs[2].attempts, 0);
    outbox_free(ob);
}

/* Jobs of a kind without a sender stay pending (the DMP and MSSanté channels do not exist yet)
 * and are delivered once a dispatcher with that sender runs. */
static void test_claims_only_registered_kinds(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    add_job(&q, "dmp", "doc-1");
    add_job(&q, "hl7", "pacs");
    add_job(&q, "mssante", "doc-1");
    outbox_queue oq = queue_of(&q);
    outbox_policy pol = outbox_default_policy();
    outbox_t *ob = outbox_new(&oq, &pol);
    /* no sender at all: the queue is not even asked */
    assert_int_equal(outbox_run_once(ob, 0), 0);
    assert_int_equal(q.claims, 0);
    fake_peer hl7 = {0, 0, OUTBOX_SENT}, dmp = {0, 0, OUTBOX_SENT};
    assert_int_equal(outbox_register(ob, "hl7", fake_send, &hl7), 0);
    assert_int_equal(outbox_register(ob, "hl7", fake_send, &hl7), -1);  /* twice */
    assert_int_equal(outbox_register(ob, "", fake_send, &hl7), -1);
    assert_int_equal(outbox_register(ob, "x", NULL, &hl7), -1);
    assert_int_equal(outbox_register(ob, "a-kind-name-far-too-long-for-the-table", fake_send, &hl7), -1);
    for (int round = 0; round < 3; round++) assert_int_equal(outbox_run_once(ob, round * 3600000LL), round ? 0 : 1);
    assert_string_equal(q.jobs[1].state, "done");
    assert_string_equal(q.jobs[0].state, "pending");
    assert_string_equal(q.jobs[2].state, "pending");
    assert_int_equal(q.jobs[0].attempts + q.jobs[2].attempts, 0);
    assert_int_equal(hl7.calls, 1);
    outbox_free(ob);
    /* later, a dispatcher with a DMP sender takes the DMP job, still not the MSSanté one */
    ob = outbox_new(&oq, &pol);
    assert_int_equal(outbox_register(ob, "dmp", fake_send, &dmp), 0);
    assert_int_equal(outbox_run_once(ob, 0), 1);
    assert_string_equal(q.jobs[0].state, "done");
    assert_string_equal(q.jobs[2].state, "pending");
    assert_int_equal(dmp.calls, 1);
    outbox_free(ob);
}

static void test_workers_deliver_and_stop(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    for (int i = 0; i < 10; i++) add_job(&q, "hl7", "pacs");
    outbox_queue oq = queue_of(&q);
    outbox_policy pol = outbox_default_policy();
    pol.poll_ms = 20;
    pol.batch = 3;
    outbox_t *ob = outbox_new(&oq, &pol);
    fake_peer peer = {0, 0, OUTBOX_SENT};
    outbox_register(ob, "hl7", fake_send, &peer);
    assert_int_equal(outbox_start(ob, 1), 0);
    for (int i = 0; i < 200; i++) {
        int done = 0;
        pthread_mutex_lock(&q.lock);
        for (int k = 0; k < q.n; k++) done += strcmp(q.jobs[k].state, "done") == 0;
        pthread_mutex_unlock(&q.lock);
        if (done == 10) break;
        usleep(10000);
        outbox_wake(ob);
    }
    outbox_stop(ob);
    for (int k = 0; k < q.n; k++) assert_string_equal(q.jobs[k].state, "done");
    assert_int_equal(peer.calls, 10);
    outbox_free(ob);
}

/* Lanes: payload "<lane letter><n>". Lane 'S' is a silent peer: each delivery blocks until the
 * test opens the gate (or 5 s pass). */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
    int in_s;             /* deliveries of lane S in progress (must never exceed 1) */
    int max_in_s;
    int s_calls;
    char order[32][8];    /* payloads in delivery order */
    int norder;
} lane_peer;

static int lane_of(void *ctx, const outbox_job *job, char *lane, size_t n)
{
    (void)ctx;
    if (!job->payload[0]) return -1;
    snprintf(lane, n, "%c", job->payload[0]);
    return 0;
}

static outbox_result lane_send(void *ctx, const outbox_job *job, char *error, size_t len)
{
    lane_peer *p = ctx;
    (void)error;
    (void)len;
    pthread_mutex_lock(&p->mu);
    if (job->payload[0] == 'S') {
        p->s_calls++;
        if (++p->in_s > p->max_in_s) p->max_in_s = p->in_s;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        while (!p->open)
            if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) != 0) break;
        p->in_s--;
    }
    snprintf(p->order[p->norder++], sizeof p->order[0], "%s", job->payload);
    pthread_mutex_unlock(&p->mu);
    return OUTBOX_SENT;
}

/* Index of payload in the delivery order (-1: not delivered). */
static int delivered_at(lane_peer *p, const char *payload)
{
    pthread_mutex_lock(&p->mu);
    int at = -1;
    for (int i = 0; i < p->norder; i++)
        if (strcmp(p->order[i], payload) == 0) at = i;
    pthread_mutex_unlock(&p->mu);
    return at;
}

static void test_lanes_independent_and_ordered(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    const char *jobs[] = {"S1", "H1", "S2", "H2", "K1", "H3", "S3", "K2", "H4"};
    for (size_t i = 0; i < sizeof jobs / sizeof *jobs; i++) add_job(&q, "hl7", jobs[i]);
    outbox_queue oq = queue_of(&q);
    outbox_policy pol = outbox_default_policy();
    pol.poll_ms = 20;
    pol.batch = 2; /* several claims: the silent lane's jobs must not hold the others back */
    outbox_t *ob = outbox_new(&oq, &pol);
    lane_peer peer = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    assert_int_equal(outbox_register_lanes(ob, "hl7", lane_send, lane_of, &peer), 0);
    assert_int_equal(outbox_start(ob, 3), 0);
    /* H and K lanes flow while S1 is held by its silent peer (bounded: 3 s) */
    int i = 0;
    for (; i < 300 && (delivered_at(&peer, "H4") < 0 || delivered_at(&peer, "K2") < 0); i++) usleep(10000);
    assert_true(i < 300);
    pthread_mutex_lock(&peer.mu);
    assert_int_equal(peer.s_calls, 1); /* S2 waits behind S1: one delivery at a time per lane */
    assert_int_equal(peer.in_s, 1);
    peer.open = true;
    pthread_cond_broadcast(&peer.cv);
    pthread_mutex_unlock(&peer.mu);
    for (i = 0; i < 300 && delivered_at(&peer, "S3") < 0; i++) usleep(10000);
    outbox_stop(ob);
    assert_int_equal(peer.max_in_s, 1);
    assert_int_equal(peer.norder, 9);
    /* queue order inside each lane */
    assert_true(delivered_at(&peer, "H1") < delivered_at(&peer, "H2"));
    assert_true(delivered_at(&peer, "H2") < delivered_at(&peer, "H3"));
    assert_true(delivered_at(&peer, "H3") < delivered_at(&peer, "H4"));
    assert_true(delivered_at(&peer, "K1") < delivered_at(&peer, "K2"));
    assert_true(delivered_at(&peer, "S1") < delivered_at(&peer, "S2"));
    assert_true(delivered_at(&peer, "S2") < delivered_at(&peer, "S3"));
    /* the silent lane's first job came after the others only because it was held */
    assert_true(delivered_at(&peer, "S1") > delivered_at(&peer, "H4"));
    for (int k = 0; k < q.n; k++) assert_string_equal(q.jobs[k].state, "done");
    outbox_free(ob);
}

/* Stopping while jobs wait behind a busy lane: the in-flight one finishes, the waiting ones are
 * handed back untouched (still leased, no attempt counted). */
static void test_stop_hands_back_waiting_jobs(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    add_job(&q, "hl7", "S1");
    add_job(&q, "hl7", "S2");
    outbox_queue oq = queue_of(&q);
    outbox_policy pol = outbox_default_policy();
    pol.poll_ms = 20;
    outbox_t *ob = outbox_new(&oq, &pol);
    lane_peer peer = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    assert_int_equal(outbox_register_lanes(ob, "hl7", lane_send, lane_of, &peer), 0);
    assert_int_equal(outbox_start(ob, 2), 0);
    int i = 0;
    for (; i < 300; i++) {
        pthread_mutex_lock(&peer.mu);
        int in = peer.in_s;
        pthread_mutex_unlock(&peer.mu);
        if (in) break;
        usleep(10000);
    }
    assert_true(i < 300);
    pthread_mutex_lock(&peer.mu);
    peer.open = true;
    pthread_cond_broadcast(&peer.cv);
    pthread_mutex_unlock(&peer.mu);
    outbox_stop(ob);
    assert_int_equal(q.jobs[0].attempts + q.jobs[1].attempts, peer.s_calls);
    assert_true(peer.s_calls >= 1);
    if (peer.s_calls == 1) { /* S2 was waiting: untouched */
        assert_string_equal(q.jobs[1].state, "pending");
        assert_int_equal(q.jobs[1].attempts, 0);
    }
    assert_string_equal(q.jobs[0].state, "done");
    outbox_free(ob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_retry_then_success),
        cmocka_unit_test(test_gives_up_and_rejects),
        cmocka_unit_test(test_claims_only_registered_kinds),
        cmocka_unit_test(test_workers_deliver_and_stop),
        cmocka_unit_test(test_lanes_independent_and_ordered),
        cmocka_unit_test(test_stop_hands_back_waiting_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
