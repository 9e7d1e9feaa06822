#include "outbox/outbox_store.h"

#include <stdlib.h>

#include "core/log.h"

static int store_claim(void *ctx, int64_t now, int64_t lease_ms, const char *const *kinds, size_t nkinds,
                       outbox_job *jobs, int max)
{
    store_t *st = ctx;
    store_conn_t *c = store_acquire(st);
    if (!c) return -1;
    store_outbox_job claimed[64];
    size_t n = 0;
    if (max > 64) max = 64;
    if (nkinds == 0) {
        store_release(st, c);
        return 0; /* no kind asked for: claiming every kind would steal other dispatchers' jobs */
    }
    store_status s = store_outbox_claim_kinds(c, now, lease_ms, kinds, nkinds, (size_t)max, claimed, &n);
    if (s != STORE_OK) {
        LOG_ERRORF("outbox", "claim failed", "status=%s", store_status_name(s));
        store_release(st, c);
        return -1;
    }
    store_release(st, c);
    for (size_t i = 0; i < n; i++) {
        jobs[i].id = claimed[i].id;
        jobs[i].kind = claimed[i].kind; /* ownership moves to jobs[]; freed in store_release_claimed */
        jobs[i].payload = claimed[i].payload;
        jobs[i].attempts = claimed[i].attempts;
        jobs[i].due_ms = claimed[i].due_ms;
    }
    return (int)n;
}

static void store_release_claimed(void *ctx, outbox_job *jobs, int n)
{
    (void)ctx;
    for (int i = 0; i < n; i++) {
        store_outbox_job owned = {jobs[i].id, (char *)jobs[i].kind, (char *)jobs[i].payload, jobs[i].attempts,
                                  jobs[i].due_ms};
        store_outbox_jobs_clear(&owned, 1);
        jobs[i].kind = jobs[i].payload = NULL;
    }
}

static int store_record(void *ctx, int64_t job_id, const char *state, int64_t next_at, const char *error)
{
    store_t *st = ctx;
    store_conn_t *c = store_acquire(st);
    if (!c) return -1;
    store_status s = store_outbox_record(c, job_id, state, next_at, error);
    store_release(st, c);
    return s == STORE_OK ? 0 : -1;
}

static int store_postpone(void *ctx, int64_t job_id, int64_t due_ms)
{
    store_t *st = ctx;
    store_conn_t *c = store_acquire(st);
    if (!c) return -1;
    store_status s = store_outbox_postpone(c, job_id, due_ms, NULL);
    store_release(st, c);
    return s == STORE_OK ? 0 : -1;
}

outbox_queue outbox_store_queue(store_t *st)
{
    outbox_queue q = {st, store_claim, store_release_claimed, store_record, store_postpone};
    return q;
}
