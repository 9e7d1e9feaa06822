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

typedef struct {
    char kind[32];
    outbox_sender send;
    void *ctx;
} sender_entry;

struct outbox {
    outbox_queue queue;
    outbox_policy policy;
    sender_entry senders[OUTBOX_MAX_KINDS];
    int nsenders;
    pthread_t threads[OUTBOX_MAX_WORKERS];
    int nthreads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    unsigned wake_seq;
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
    if (!kind || !*kind || !sender || ob->nsenders >= OUTBOX_MAX_KINDS || strlen(kind) >= sizeof ob->senders[0].kind ||
        find_sender(ob, kind))
        return -1;
    sender_entry *e = &ob->senders[ob->nsenders++];
    strcpy(e->kind, kind);
    e->send = sender;
    e->ctx = ctx;
    return 0;
}

static int deliver(outbox_t *ob, const outbox_job *job, int64_t now)
{
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
        return ob->queue.record(ob->queue.ctx, job->id, "retry", next, error[0] ? error : "Échec temporaire.");
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
        if (deliver(ob, &jobs[i], now) != 0) rc = -1;
    if (n > 0 && ob->queue.release_claimed) ob->queue.release_claimed(ob->queue.ctx, jobs, n);
    return rc;
}

static void *worker(void *arg)
{
    outbox_t *ob = arg;
    pthread_mutex_lock(&ob->lock);
    while (!ob->stopping) {
        pthread_mutex_unlock(&ob->lock);
        int n = outbox_run_once(ob, time_now_ms());
        pthread_mutex_lock(&ob->lock);
        if (n > 0 || ob->stopping) continue; /* more may be due right away */
        unsigned seq = ob->wake_seq;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = ts.tv_nsec + (ob->policy.poll_ms % 1000) * 1000000;
        ts.tv_sec += ob->policy.poll_ms / 1000 + ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        while (!ob->stopping && seq == ob->wake_seq)
            if (pthread_cond_timedwait(&ob->wake, &ob->lock, &ts) == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&ob->lock);
    return NULL;
}

int outbox_start(outbox_t *ob, int workers)
{
    if (workers < 1) workers = 1;
    if (workers > OUTBOX_MAX_WORKERS) workers = OUTBOX_MAX_WORKERS;
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&ob->threads[i], NULL, worker, ob) != 0) return -1;
        ob->nthreads++;
    }
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
    pthread_mutex_unlock(&ob->lock);
    for (int i = 0; i < ob->nthreads; i++) pthread_join(ob->threads[i], NULL);
    ob->nthreads = 0;
}

void outbox_free(outbox_t *ob)
{
    if (!ob) return;
    if (ob->nthreads) outbox_stop(ob);
    pthread_cond_destroy(&ob->wake);
    pthread_mutex_destroy(&ob->lock);
    free(ob);
}
