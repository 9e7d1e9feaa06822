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
    bool leased;        /* claimed, no outcome recorded nor handed back since */
    char error[256];
} mem_job;

/* Called by mem_claim (without the queue lock) for every job it returns (tests' hook). */
typedef void (*claim_hook)(void *ctx, int64_t id);

typedef struct {
    pthread_mutex_t lock;
    mem_job jobs[512];
    int n;
    int claims;         /* claim() calls */
    int postpones;      /* postpone() calls that changed a job */
    claim_hook on_claim;
    void (*on_release)(void *ctx, int64_t id);
    void *hook_ctx;
} mem_queue;

static bool kind_asked(const char *kind, const char *const *kinds, size_t nkinds)
{
    for (size_t i = 0; i < nkinds; i++)
        if (strcmp(kinds[i], kind) == 0) return true;
    return false;
}

/* Like the store: due jobs of the kinds asked for, in (due, id) order. */
static int mem_claim(void *ctx, int64_t now, int64_t lease, const char *const *kinds, size_t nkinds, outbox_job *out,
                     int max)
{
    mem_queue *q = ctx;
    int n = 0;
    pthread_mutex_lock(&q->lock);
    q->claims++;
    bool taken[512] = {false};
    while (n < max) {
        int best = -1;
        for (int i = 0; i < q->n; i++) {
            mem_job *j = &q->jobs[i];
            if (taken[i] || !(strcmp(j->state, "pending") == 0 || strcmp(j->state, "retry") == 0) || j->due > now ||
                !kind_asked(j->kind, kinds, nkinds))
                continue;
            if (best < 0 || j->due < q->jobs[best].due) best = i;
        }
        if (best < 0) break;
        mem_job *j = &q->jobs[best];
        taken[best] = true;
        out[n].id = j->id;
        out[n].kind = j->kind;
        out[n].payload = j->payload;
        out[n].attempts = j->attempts;
        out[n].due_ms = j->due;
        j->due = now + lease; /* leased */
        j->leased = true;
        n++;
    }
    pthread_mutex_unlock(&q->lock);
    for (int i = 0; i < n && q->on_claim; i++) q->on_claim(q->hook_ctx, out[i].id);
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
            q->jobs[i].leased = false;
            strcpy(q->jobs[i].error, error ? error : "");
        }
    pthread_mutex_unlock(&q->lock);
    return 0;
}

/* Like store_outbox_postpone: only a job still claimed goes back, without an attempt. */
static int mem_postpone(void *ctx, int64_t id, int64_t due)
{
    mem_queue *q = ctx;
    pthread_mutex_lock(&q->lock);
    for (int i = 0; i < q->n; i++)
        if (q->jobs[i].id == id && q->jobs[i].leased) {
            q->jobs[i].due = due;
            q->jobs[i].leased = false;
            q->postpones++;
        }
    pthread_mutex_unlock(&q->lock);
    return 0;
}

static void mem_release(void *ctx, outbox_job *jobs, int n)
{
    mem_queue *q = ctx;
    for (int i = 0; i < n && q->on_release; i++) q->on_release(q->hook_ctx, jobs[i].id);
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
    outbox_queue oq = {q, mem_claim, mem_release, mem_record, mem_postpone};
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

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Lane 'F' fails (after `fail_ms`) for its first `fails` attempts; lane 'G' always succeeds. */
typedef struct {
    pthread_mutex_t mu;
    int fails, fail_ms;
    int f_calls;
    int64_t f_first_ids[8];  /* ids of the first failing attempts */
    char order[400][8];      /* payloads delivered, in order */
    int norder;
} retry_peer;

static outbox_result retry_send(void *ctx, const outbox_job *job, char *error, size_t len)
{
    retry_peer *p = ctx;
    pthread_mutex_lock(&p->mu);
    if (job->payload[0] == 'F' && p->f_calls < p->fails) {
        if (p->f_calls < 8) p->f_first_ids[p->f_calls] = job->id;
        p->f_calls++;
        pthread_mutex_unlock(&p->mu);
        usleep((useconds_t)p->fail_ms * 1000);
        snprintf(error, len, "Destination HL7 injoignable.");
        return OUTBOX_RETRY;
    }
    if (job->payload[0] == 'F') p->f_calls++;
    snprintf(p->order[p->norder++], sizeof p->order[0], "%s", job->payload);
    pthread_mutex_unlock(&p->mu);
    return OUTBOX_SENT;
}

static int retry_delivered_at(retry_peer *p, const char *payload)
{
    pthread_mutex_lock(&p->mu);
    int at = -1;
    for (int i = 0; i < p->norder; i++)
        if (strcmp(p->order[i], payload) == 0) at = i;
    pthread_mutex_unlock(&p->mu);
    return at;
}

/* A destination that keeps failing (each attempt slow) with 300 due jobs: its first job is
 * retried, the 299 others are postponed behind it (never attempted, not held), and the other
 * destination's job, queued after all of them, is delivered at once. */
static void test_retry_blocks_only_its_lane(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    char payload[16];
    for (int i = 1; i <= 300; i++) {
        snprintf(payload, sizeof payload, "F%d", i);
        add_job(&q, "hl7", payload);
    }
    add_job(&q, "hl7", "G1");
    outbox_queue oq = queue_of(&q);
    outbox_policy pol = outbox_default_policy();
    pol.poll_ms = 20;
    pol.base_delay_ms = 300;
    pol.max_delay_ms = 300;
    outbox_t *ob = outbox_new(&oq, &pol);
    retry_peer peer = {.mu = PTHREAD_MUTEX_INITIALIZER, .fails = 1000, .fail_ms = 100};
    assert_int_equal(outbox_register_lanes(ob, "hl7", retry_send, lane_of, &peer), 0);
    int64_t t0 = mono_ms();
    assert_int_equal(outbox_start(ob, 2), 0);
    int i = 0;
    for (; i < 400 && retry_delivered_at(&peer, "G1") < 0; i++) usleep(5000);
    int64_t waited = mono_ms() - t0;
    /* without the block, ~45 slow attempts of F jobs come first (the held set is full) */
    assert_true(retry_delivered_at(&peer, "G1") >= 0);
    assert_true(waited < 1500);
    /* settle: every F job but the first ends up postponed, none held */
    bool settled = false;
    for (i = 0; i < 200 && !settled; i++) {
        settled = true;
        pthread_mutex_lock(&q.lock);
        for (int k = 1; k < 300; k++) settled = settled && !q.jobs[k].leased;
        pthread_mutex_unlock(&q.lock);
        if (!settled) usleep(5000);
    }
    outbox_stop(ob);
    assert_true(settled);
    assert_true(peer.f_calls >= 1);
    for (int k = 0; k < peer.f_calls && k < 8; k++) assert_int_equal(peer.f_first_ids[k], 1); /* only F1 tried */
    for (int k = 1; k < 300; k++) {
        assert_int_equal(q.jobs[k].attempts, 0);
        assert_true(q.jobs[k].due > q.jobs[k - 1].due); /* in their order, behind F1's retry */
    }
    assert_string_equal(q.jobs[300].state, "done");
    outbox_free(ob);
}

/* A job retried three times is still delivered before the later jobs of its lane. */
static void test_retry_keeps_lane_order(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    char payload[16];
    for (int i = 1; i <= 20; i++) {
        snprintf(payload, sizeof payload, "F%d", i);
        add_job(&q, "hl7", payload);
        if (i % 5 == 0) add_job(&q, "hl7", i == 5 ? "G1" : i == 10 ? "G2" : i == 15 ? "G3" : "G4");
    }
    outbox_queue oq = queue_of(&q);
    outbox_policy pol = outbox_default_policy();
    pol.poll_ms = 20;
    pol.batch = 4;
    pol.base_delay_ms = 60;
    pol.max_delay_ms = 200;
    outbox_t *ob = outbox_new(&oq, &pol);
    retry_peer peer = {.mu = PTHREAD_MUTEX_INITIALIZER, .fails = 3, .fail_ms = 30};
    assert_int_equal(outbox_register_lanes(ob, "hl7", retry_send, lane_of, &peer), 0);
    assert_int_equal(outbox_start(ob, 3), 0);
    int i = 0;
    for (; i < 600 && retry_delivered_at(&peer, "F20") < 0; i++) usleep(10000);
    outbox_stop(ob);
    assert_int_equal(peer.norder, 24);
    for (int k = 0; k < 3; k++) assert_int_equal(peer.f_first_ids[k], 1);
    for (int n = 2; n <= 20; n++) {
        char a[8], b[8];
        snprintf(a, sizeof a, "F%d", n - 1);
        snprintf(b, sizeof b, "F%d", n);
        assert_true(retry_delivered_at(&peer, a) < retry_delivered_at(&peer, b));
    }
    /* the other lane did not wait for F1's retries */
    assert_true(retry_delivered_at(&peer, "G4") < retry_delivered_at(&peer, "F1"));
    for (int k = 0; k < q.n; k++) {
        assert_string_equal(q.jobs[k].state, "done");
        assert_int_equal(q.jobs[k].attempts, k == 0 ? 4 : 1);
    }
    outbox_free(ob);
}

static void *stop_thread(void *arg)
{
    outbox_stop(arg);
    return NULL;
}

/* Stop while S2 waits behind S1: S2 goes back to the queue pending at its own due time (not
 * leased for 5 min), so after a restart it still comes before the later jobs of its lane. */
static void test_stop_postpones_waiting_jobs(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    add_job(&q, "hl7", "S1");
    add_job(&q, "hl7", "S2");
    q.jobs[0].due = 1000;
    q.jobs[1].due = 2000;
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
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stop_thread, ob), 0);
    usleep(100000); /* the stop is under way: S1 finishes, S2 is not started */
    pthread_mutex_lock(&peer.mu);
    peer.open = true;
    pthread_cond_broadcast(&peer.cv);
    pthread_mutex_unlock(&peer.mu);
    pthread_join(th, NULL);
    assert_int_equal(peer.s_calls, 1);
    assert_string_equal(q.jobs[0].state, "done");
    assert_string_equal(q.jobs[1].state, "pending");
    assert_false(q.jobs[1].leased);
    assert_int_equal(q.jobs[1].due, 2000);
    assert_int_equal(q.jobs[1].attempts, 0);
    outbox_free(ob);
}

/* The claimer claims without the lock: the job being delivered, its lease expired, is claimed
 * again, and its delivery ends before the claimer places the claim. The stale copy must not be
 * delivered a second time. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int claimed;       /* times job 1 was claimed */
    bool released;     /* job 1 handed back after its delivery */
    bool go;           /* the sender may answer */
    int calls;
} stale_ctx;

static void stale_on_claim(void *ctx, int64_t id)
{
    stale_ctx *c = ctx;
    if (id != 1) return;
    pthread_mutex_lock(&c->mu);
    if (++c->claimed == 2) { /* the stale claim: let the delivery end, then place the claim */
        c->go = true;
        pthread_cond_broadcast(&c->cv);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 3;
        while (!c->released)
            if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) break;
        pthread_mutex_unlock(&c->mu);
        usleep(100000); /* the worker clears its in-flight job */
        return;
    }
    pthread_mutex_unlock(&c->mu);
}

static void stale_on_release(void *ctx, int64_t id)
{
    stale_ctx *c = ctx;
    if (id != 1) return;
    pthread_mutex_lock(&c->mu);
    c->released = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static outbox_result stale_send(void *ctx, const outbox_job *job, char *error, size_t len)
{
    stale_ctx *c = ctx;
    (void)job;
    (void)error;
    (void)len;
    pthread_mutex_lock(&c->mu);
    c->calls++;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 3;
    while (!c->go)
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) break;
    pthread_mutex_unlock(&c->mu);
    return OUTBOX_SENT;
}

static void test_stale_claim_not_delivered_twice(void **state)
{
    (void)state;
    mem_queue q = {.lock = PTHREAD_MUTEX_INITIALIZER};
    add_job(&q, "hl7", "H1");
    stale_ctx sc = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    q.on_claim = stale_on_claim;
    q.on_release = stale_on_release;
    q.hook_ctx = &sc;
    outbox_queue oq = queue_of(&q);
    outbox_policy pol = outbox_default_policy();
    pol.poll_ms = 10;
    pol.lease_ms = 30; /* expires while H1 is being delivered */
    outbox_t *ob = outbox_new(&oq, &pol);
    assert_int_equal(outbox_register_lanes(ob, "hl7", stale_send, lane_of, &sc), 0);
    assert_int_equal(outbox_start(ob, 2), 0);
    int i = 0;
    for (; i < 300; i++) {
        pthread_mutex_lock(&sc.mu);
        bool done = sc.released && sc.claimed >= 2;
        pthread_mutex_unlock(&sc.mu);
        if (done) break;
        usleep(10000);
    }
    usleep(300000); /* time for a second delivery, if any */
    outbox_stop(ob);
    assert_true(sc.claimed >= 2);
    assert_int_equal(sc.calls, 1);
    assert_string_equal(q.jobs[0].state, "done");
    assert_int_equal(q.jobs[0].attempts, 1);
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
        cmocka_unit_test(test_retry_blocks_only_its_lane),
        cmocka_unit_test(test_retry_keeps_lane_order),
        cmocka_unit_test(test_stop_postpones_waiting_jobs),
        cmocka_unit_test(test_stale_claim_not_delivered_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
