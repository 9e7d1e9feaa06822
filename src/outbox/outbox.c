#include "outbox/outbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/timeutil.h"

#define OUTBOX_MAX_WORKERS 16
#define OUTBOX_LANE_LEN 96

typedef struct {
    char kind[32];
    outbox_sender send;
    outbox_lane_fn lane;
    void *ctx;
} sender_entry;

/* A claimed job waiting in its lane (owned until handed back with release_claimed). */
typedef struct held {
    outbox_job job;
    struct held *next;
} held;

/* The FIFO of one lane; busy while a delivery thread delivers its job `inflight`. A lane is
 * blocked from a retry of job `blocked_id` (due again at `blocked_until`) until that job is
 * claimed again: its other jobs are postponed after it, `last_due` being the latest due time
 * given. A blocked lane is kept while empty. */
typedef struct lane {
    char key[OUTBOX_LANE_LEN];
    held *head, *tail;
    bool busy;
    int64_t inflight;
    bool blocked;
    int64_t blocked_id;
    int64_t blocked_until;
    int64_t last_due;
    struct lane *next;
} lane;

struct outbox {
    outbox_queue queue;
    outbox_policy policy;
    sender_entry senders[OUTBOX_MAX_KINDS];
    int nsenders;
    pthread_t threads[OUTBOX_MAX_WORKERS];
    int nthreads;
    pthread_t claimer;
    bool claimer_running;
    pthread_mutex_t lock;    /* guards everything below */
    pthread_cond_t wake;     /* the claimer waits here */
    pthread_cond_t work;     /* the delivery threads wait here */
    bool stopping;
    unsigned wake_seq;
    lane *lanes;             /* round robin: a lane that starts a job goes to the end */
    size_t nheld;            /* jobs in the lanes' FIFOs and in flight */
    /* while the claimer claims without the lock, the ids of the jobs that stopped being held
     * (delivered, postponed): a copy of them in the claim is stale, never held */
    bool claiming;
    int64_t *gone;
    size_t ngone, gone_cap;
    bool gone_lost;          /* out of memory for `gone`: the whole claim is handed back */
};

outbox_policy outbox_default_policy(void)
{
    outbox_policy p = {5000, 3600 * 1000, 20, 5 * 60 * 1000, 500, 16};
    return p;
}

int64_t outbox_backoff_ms(const outbox_policy *p, int attempts, uint64_t jitter_seed)
{
    if (attempts < 1) attempts = 1;
    int64_t d = p->base_delay_ms;
    for (int i = 1; i < attempts && d < p->max_delay_ms; i++) d *= 2;
    if (d > p->max_delay_ms) d = p->max_delay_ms;
    if (jitter_seed) d += (int64_t)(jitter_seed % (uint64_t)(d / 5 + 1));
    return d;
}

outbox_t *outbox_new(const outbox_queue *queue, const outbox_policy *policy)
{
    outbox_t *ob = calloc(1, sizeof *ob);
    if (!ob) return NULL;
    ob->queue = *queue;
    ob->policy = policy ? *policy : outbox_default_policy();
    if (ob->policy.batch < 1) ob->policy.batch = 1;
    pthread_mutex_init(&ob->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&ob->wake, &attr);
    pthread_cond_init(&ob->work, &attr);
    pthread_condattr_destroy(&attr);
    return ob;
}

static const sender_entry *find_sender(const outbox_t *ob, const char *kind)
{
    for (int i = 0; i < ob->nsenders; i++)
        if (strcmp(ob->senders[i].kind, kind) == 0) return &ob->senders[i];
    return NULL;
}

int outbox_register(outbox_t *ob, const char *kind, outbox_sender sender, void *ctx)
{
    return outbox_register_lanes(ob, kind, sender, NULL, ctx);
}

int outbox_register_lanes(outbox_t *ob, const char *kind, outbox_sender sender, outbox_lane_fn lane_of, void *ctx)
{
    if (!kind || !*kind || !sender || ob->nsenders >= OUTBOX_MAX_KINDS || strlen(kind) >= sizeof ob->senders[0].kind ||
        find_sender(ob, kind))
        return -1;
    sender_entry *e = &ob->senders[ob->nsenders++];
    strcpy(e->kind, kind);
    e->send = sender;
    e->lane = lane_of;
    e->ctx = ctx;
    return 0;
}

/* Delivers one job and records the outcome; *retry_at (when not NULL) receives the time of
 * the next attempt when a retry was recorded, else 0. */
static int deliver(outbox_t *ob, const outbox_job *job, int64_t now, int64_t *retry_at)
{
    if (retry_at) *retry_at = 0;
    char error[512] = "";
    const sender_entry *s = find_sender(ob, job->kind);
    outbox_result r;
    if (!s) { /* a queue that ignored the kinds asked for */
        snprintf(error, sizeof error, "Aucun canal d'envoi configuré pour « %s ».", job->kind);
        r = OUTBOX_REJECTED;
    } else {
        r = s->send(s->ctx, job, error, sizeof error);
    }
    int attempts = job->attempts + 1;
    if (r == OUTBOX_SENT) {
        LOG_INFOF("outbox", "job delivered", "job=%lld kind=%s attempts=%d", (long long)job->id, job->kind, attempts);
        return ob->queue.record(ob->queue.ctx, job->id, "done", 0, NULL);
    }
    if (r == OUTBOX_RETRY && attempts < ob->policy.max_attempts) {
        int64_t next = now + outbox_backoff_ms(&ob->policy, attempts, rand_u64());
        LOG_WARNF("outbox", "delivery failed, will retry", "job=%lld kind=%s attempts=%d retry_in_ms=%lld",
                  (long long)job->id, job->kind, attempts, (long long)(next - now));
        int rc = ob->queue.record(ob->queue.ctx, job->id, "retry", next, error[0] ? error : "Échec temporaire.");
        if (rc == 0 && retry_at) *retry_at = next;
        return rc;
    }
    LOG_ERRORF("outbox", "delivery failed for good", "job=%lld kind=%s attempts=%d", (long long)job->id, job->kind,
               attempts);
    if (r == OUTBOX_RETRY) {
        size_t len = strlen(error);
        snprintf(error + len, sizeof error - len, "%sAbandon après %d tentatives.", len ? " " : "", attempts);
    }
    return ob->queue.record(ob->queue.ctx, job->id, "failed", 0, error[0] ? error : "Refusé par le destinataire.");
}

int outbox_run_once(outbox_t *ob, int64_t now)
{
    outbox_job jobs[64];
    int max = ob->policy.batch < 64 ? ob->policy.batch : 64;
    if (ob->nsenders == 0) return 0; /* nothing this dispatcher could deliver */
    const char *kinds[OUTBOX_MAX_KINDS];
    for (int i = 0; i < ob->nsenders; i++) kinds[i] = ob->senders[i].kind;
    int n = ob->queue.claim(ob->queue.ctx, now, ob->policy.lease_ms, kinds, (size_t)ob->nsenders, jobs, max);
    if (n < 0) return -1;
    int rc = n;
    for (int i = 0; i < n; i++)
        if (deliver(ob, &jobs[i], now, NULL) != 0) rc = -1;
    if (n > 0 && ob->queue.release_claimed) ob->queue.release_claimed(ob->queue.ctx, jobs, n);
    return rc;
}

/* ---- threads: one claimer, delivery threads over per-lane FIFOs ------------------------- */

/* "kind" or "kind/lane" for a job of the claimer's batch (called without the lock). */
static void lane_key(const outbox_t *ob, const outbox_job *job, char *key, size_t n)
{
    const sender_entry *s = find_sender(ob, job->kind);
    char sub[OUTBOX_LANE_LEN] = "";
    if (s && s->lane && s->lane(s->ctx, job, sub, sizeof sub) == 0 && sub[0])
        snprintf(key, n, "%s/%s", job->kind, sub);
    else
        snprintf(key, n, "%s", job->kind);
}

static void release_one(outbox_t *ob, outbox_job *job)
{
    if (ob->queue.release_claimed) ob->queue.release_claimed(ob->queue.ctx, job, 1);
}

/* Hands back the jobs of list `h` (each due again at its job.due_ms) and frees them. Called
 * without the lock. */
static void postpone_list(outbox_t *ob, held *h)
{
    while (h) {
        held *next = h->next;
        if (ob->queue.postpone && ob->queue.postpone(ob->queue.ctx, h->job.id, h->job.due_ms) != 0)
            LOG_WARNF("outbox", "job not handed back: due again when its lease ends", "job=%lld",
                      (long long)h->job.id);
        release_one(ob, &h->job);
        free(h);
        h = next;
    }
}

/* Notes that job `id` stopped being held while the claimer claims. Lock held. */
static void note_gone(outbox_t *ob, int64_t id)
{
    if (!ob->claiming) return;
    if (ob->ngone == ob->gone_cap) {
        size_t cap = ob->gone_cap ? ob->gone_cap * 2 : 16;
        int64_t *grown = realloc(ob->gone, cap * sizeof *grown);
        if (!grown) {
            ob->gone_lost = true;
            return;
        }
        ob->gone = grown;
        ob->gone_cap = cap;
    }
    ob->gone[ob->ngone++] = id;
}

static bool is_gone(const outbox_t *ob, int64_t id)
{
    for (size_t i = 0; i < ob->ngone; i++)
        if (ob->gone[i] == id) return true;
    return false;
}

/* True when the job is already held (claimed again after its lease ended). Lock held. */
static bool is_held(const outbox_t *ob, int64_t id)
{
    for (const lane *l = ob->lanes; l; l = l->next) {
        if (l->busy && l->inflight == id) return true;
        for (const held *h = l->head; h; h = h->next)
            if (h->job.id == id) return true;
    }
    return false;
}

static lane *find_lane(const outbox_t *ob, const char *key)
{
    lane *l = ob->lanes;
    while (l && strcmp(l->key, key) != 0) l = l->next;
    return l;
}

/* Appends a claimed job to its lane (created when needed). Lock held. -1 when out of memory. */
static int hold(outbox_t *ob, const outbox_job *job, const char *key)
{
    held *h = malloc(sizeof *h);
    if (!h) return -1;
    h->job = *job;
    h->next = NULL;
    lane *l = find_lane(ob, key);
    if (!l) {
        l = calloc(1, sizeof *l);
        if (!l) {
            free(h);
            return -1;
        }
        snprintf(l->key, sizeof l->key, "%.*s", (int)sizeof l->key - 1, key); /* keys are lane_key() output */
        lane **end = &ob->lanes;
        while (*end) end = &(*end)->next;
        *end = l;
    }
    if (l->tail) l->tail->next = h;
    else l->head = h;
    l->tail = h;
    ob->nheld++;
    return 0;
}

/* Ends the blocks whose retried job never came back (one lease after its retry time) and drops
 * the lanes left empty. Lock held. */
static void prune_lanes(outbox_t *ob, int64_t now)
{
    lane **pp = &ob->lanes;
    while (*pp) {
        lane *l = *pp;
        if (l->blocked && now > l->blocked_until + ob->policy.lease_ms) l->blocked = false;
        if (!l->head && !l->busy && !l->blocked) {
            *pp = l->next;
            free(l);
        } else {
            pp = &l->next;
        }
    }
}

/* True when a delivery thread could start a job now (a lane with jobs and nobody on it). */
static bool lane_ready(const outbox_t *ob)
{
    for (const lane *l = ob->lanes; l; l = l->next)
        if (l->head && !l->busy) return true;
    return false;
}

static void wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = ts.tv_nsec + (ms % 1000) * 1000000;
    ts.tv_sec += (time_t)(ms / 1000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    pthread_cond_timedwait(cv, mu, &ts);
}

/* Places claimed jobs[0..n-1] (lock held): a stale copy of a job held or gone is handed back,
 * a job of a blocked lane is put on *post (postponed after the lane's retried job), the others
 * are held. Returns how many were held. */
static int place_claimed(outbox_t *ob, outbox_job *jobs, char (*keys)[OUTBOX_LANE_LEN], int n, held ***post)
{
    int64_t now = time_now_ms();
    int fresh = 0;
    for (int i = 0; i < n; i++) {
        if (ob->gone_lost || is_held(ob, jobs[i].id)) {
            release_one(ob, &jobs[i]); /* still held (claimed again after its lease ended) */
            continue;
        }
        if (is_gone(ob, jobs[i].id)) {
            /* delivered or postponed during the claim: this copy is stale (the outcome recorded
             * since makes the postpone a no-op) unless it was claimed after a retry was recorded:
             * then it goes back to its due time */
            held *h = malloc(sizeof *h);
            if (!h) {
                release_one(ob, &jobs[i]);
                continue;
            }
            h->job = jobs[i];
            h->next = NULL;
            **post = h;
            *post = &h->next;
            continue;
        }
        lane *l = find_lane(ob, keys[i]);
        if (l && l->blocked && jobs[i].id == l->blocked_id) l->blocked = false; /* its turn again */
        if (l && l->blocked) {
            held *h = malloc(sizeof *h);
            if (!h) {
                release_one(ob, &jobs[i]); /* due again when its lease ends */
                continue;
            }
            int64_t due = l->last_due + 1;
            if (due < now + ob->policy.poll_ms) due = now + ob->policy.poll_ms;
            l->last_due = due;
            h->job = jobs[i];
            h->job.due_ms = due;
            h->next = NULL;
            **post = h;
            *post = &h->next;
            continue;
        }
        if (hold(ob, &jobs[i], keys[i]) != 0) {
            release_one(ob, &jobs[i]); /* no memory: due again when its lease ends */
            continue;
        }
        fresh++;
    }
    return fresh;
}

static void *claimer_main(void *arg)
{
    outbox_t *ob = arg;
    const char *kinds[OUTBOX_MAX_KINDS];
    for (int i = 0; i < ob->nsenders; i++) kinds[i] = ob->senders[i].kind;
    outbox_job jobs[64];
    char keys[64][OUTBOX_LANE_LEN];
    pthread_mutex_lock(&ob->lock);
    while (!ob->stopping) {
        unsigned seq = ob->wake_seq;
        prune_lanes(ob, time_now_ms());
        /* claim while no held job could start at once (every lane with jobs is busy) and
         * there is room: the jobs of a blocked lane are postponed, not held, so a silent
         * peer's lane holds at most the jobs claimed while its first delivery lasts */
        int room = OUTBOX_MAX_HELD - (int)ob->nheld;
        int max = ob->policy.batch < 64 ? ob->policy.batch : 64;
        if (max > room) max = room;
        int fresh = 0;
        bool handed_back = false;
        if (ob->nsenders > 0 && max > 0 && !lane_ready(ob)) {
            ob->claiming = true;
            ob->ngone = 0;
            ob->gone_lost = false;
            pthread_mutex_unlock(&ob->lock);
            int n = ob->queue.claim(ob->queue.ctx, time_now_ms(), ob->policy.lease_ms, kinds, (size_t)ob->nsenders,
                                    jobs, max);
            for (int i = 0; i < n; i++) lane_key(ob, &jobs[i], keys[i], sizeof keys[i]);
            pthread_mutex_lock(&ob->lock);
            held *post = NULL, **post_end = &post;
            if (n > 0) fresh = place_claimed(ob, jobs, keys, n, &post_end);
            ob->claiming = false;
            if (fresh) pthread_cond_broadcast(&ob->work);
            if (n < 0) LOG_WARNF("outbox", "claim failed, will retry", "poll_ms=%lld", (long long)ob->policy.poll_ms);
            if (post) {
                pthread_mutex_unlock(&ob->lock);
                postpone_list(ob, post);
                pthread_mutex_lock(&ob->lock);
                handed_back = true;
            }
        }
        if (fresh > 0 || handed_back || ob->stopping) continue; /* more may be due right away */
        if (seq == ob->wake_seq) wait_ms(&ob->wake, &ob->lock, ob->policy.poll_ms);
    }
    pthread_mutex_unlock(&ob->lock);
    return NULL;
}

static void *worker(void *arg)
{
    outbox_t *ob = arg;
    pthread_mutex_lock(&ob->lock);
    while (!ob->stopping) {
        lane *l = ob->lanes, *prev = NULL;
        while (l && (l->busy || !l->head)) {
            prev = l;
            l = l->next;
        }
        if (!l) {
            pthread_cond_wait(&ob->work, &ob->lock);
            continue;
        }
        held *h = l->head;
        l->head = h->next;
        if (!l->head) l->tail = NULL;
        l->busy = true;
        l->inflight = h->job.id;
        if (l->next) { /* round robin between lanes */
            if (prev) prev->next = l->next;
            else ob->lanes = l->next;
            lane *end = l->next;
            while (end->next) end = end->next;
            end->next = l;
            l->next = NULL;
        }
        ob->wake_seq++; /* one lane fewer ready: the claimer may claim again */
        pthread_cond_broadcast(&ob->wake);
        pthread_mutex_unlock(&ob->lock);
        int64_t id = h->job.id, retry_at = 0;
        if (deliver(ob, &h->job, time_now_ms(), &retry_at) != 0)
            LOG_WARNF("outbox", "outcome not recorded: the job is due again when its lease ends", "job=%lld",
                      (long long)id);
        release_one(ob, &h->job);
        free(h);
        pthread_mutex_lock(&ob->lock);
        l->busy = false;
        l->inflight = 0;
        ob->nheld--;
        note_gone(ob, id);
        held *back = NULL;
        if (retry_at && ob->queue.postpone) {
            /* strict order: the lane waits for its retried job; the jobs waiting behind it go
             * back to the queue just after it, in their order */
            l->blocked = true;
            l->blocked_id = id;
            l->blocked_until = retry_at;
            l->last_due = retry_at;
            back = l->head;
            l->head = l->tail = NULL;
            for (held *b = back; b; b = b->next) {
                b->job.due_ms = ++l->last_due;
                ob->nheld--;
                note_gone(ob, b->job.id);
            }
        }
        if (!l->head && !l->blocked) { /* drop the empty lane */
            lane **pp = &ob->lanes;
            while (*pp != l) pp = &(*pp)->next;
            *pp = l->next;
            free(l);
        }
        ob->wake_seq++; /* the claimer may claim again */
        pthread_cond_broadcast(&ob->wake);
        pthread_cond_broadcast(&ob->work);
        if (back) {
            pthread_mutex_unlock(&ob->lock);
            postpone_list(ob, back);
            pthread_mutex_lock(&ob->lock);
        }
    }
    pthread_mutex_unlock(&ob->lock);
    return NULL;
}

int outbox_start(outbox_t *ob, int workers)
{
    if (ob->claimer_running || ob->nthreads) return -1;
    if (workers < 1) workers = 1;
    if (workers > OUTBOX_MAX_WORKERS) workers = OUTBOX_MAX_WORKERS;
    ob->stopping = false;
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&ob->threads[i], NULL, worker, ob) != 0) {
            outbox_stop(ob);
            return -1;
        }
        ob->nthreads++;
    }
    if (pthread_create(&ob->claimer, NULL, claimer_main, ob) != 0) {
        outbox_stop(ob);
        return -1;
    }
    ob->claimer_running = true;
    return 0;
}

void outbox_wake(outbox_t *ob)
{
    pthread_mutex_lock(&ob->lock);
    ob->wake_seq++;
    pthread_cond_broadcast(&ob->wake);
    pthread_mutex_unlock(&ob->lock);
}

void outbox_stop(outbox_t *ob)
{
    pthread_mutex_lock(&ob->lock);
    ob->stopping = true;
    pthread_cond_broadcast(&ob->wake);
    pthread_cond_broadcast(&ob->work);
    pthread_mutex_unlock(&ob->lock);
    if (ob->claimer_running) pthread_join(ob->claimer, NULL);
    ob->claimer_running = false;
    for (int i = 0; i < ob->nthreads; i++) pthread_join(ob->threads[i], NULL);
    ob->nthreads = 0;
    /* claimed, not started: handed back at their unchanged due time (no attempt counted), so
     * that after a restart they still come before the later jobs of their lane */
    while (ob->lanes) {
        lane *l = ob->lanes;
        ob->lanes = l->next;
        for (held *h = l->head; h; h = h->next) ob->nheld--;
        postpone_list(ob, l->head);
        free(l);
    }
    free(ob->gone);
    ob->gone = NULL;
    ob->ngone = ob->gone_cap = 0;
}

void outbox_free(outbox_t *ob)
{
    if (!ob) return;
    outbox_stop(ob);
    pthread_cond_destroy(&ob->wake);
    pthread_cond_destroy(&ob->work);
    pthread_mutex_destroy(&ob->lock);
    free(ob);
}
