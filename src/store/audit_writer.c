/* Group commit of read audit events (store_audit_read).
 *
 * Each store owns one writer: a thread with its own database connection (outside the pool, so a
 * caller holding the last pool connection never deadlocks). Callers queue an event that lives on
 * their own stack and sleep; the writer takes everything queued (up to MAX_BATCH), writes it in
 * one transaction, commits (one fsync for the whole batch), then marks each waiter done and
 * wakes them all. While a batch commits, the next one accumulates: under load the cost of a
 * commit is shared by every request that arrived meanwhile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "store/store_internal.h"

#define MAX_BATCH 512

typedef struct audit_waiter {
    const store_audit_event *ev; /* the caller's (blocking) or ev_copy (asynchronous) */
    int64_t at;                  /* unix seconds, taken when queued */
    store_status result;
    bool done;
    store_audit_done_fn fn;      /* asynchronous: called once written; the node is then freed */
    void *arg;
    store_audit_event ev_copy;   /* asynchronous: strings point into the same allocation */
    struct audit_waiter *next;
} audit_waiter;

struct audit_writer {
    store_t *st;
    store_conn_t conn;           /* the writer's own connection */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t work;         /* writer: events queued, hold released or stop */
    pthread_cond_t done;         /* callers: a batch finished; store_close: last caller left */
    audit_waiter *head, *tail;
    size_t queued;               /* events queued or being written */
    size_t inside;               /* callers inside store_audit_read */
    bool stop, hold;
    /* SQLite WAL: the writer's connection never checkpoints (a checkpoint fsyncs the database
     * file and would hold every waiting reader); this thread does, on its own connection. */
    store_conn_t ckpt;
    pthread_t ckpt_thread;
    bool ckpt_started;
    pthread_cond_t ckpt_cv;
    uint64_t commits;            /* batches committed (guarded by mu) */
};

#define CHECKPOINT_EVERY_MS 250

/* Writes a batch in one transaction. When the batch fails as a whole, each event is retried
 * alone so that one failing event cannot take the others down. */
static void write_batch(audit_writer *w, audit_waiter *batch)
{
    store_conn_t *c = &w->conn;
    store_status s = store_begin(c);
    for (audit_waiter *x = batch; s == STORE_OK && x; x = x->next) s = db_audit_insert_at(c, x->ev, x->at);
    if (s == STORE_OK) s = store_commit(c);
    else
        store_rollback(c);
    if (s == STORE_OK) {
        for (audit_waiter *x = batch; x; x = x->next) x->result = STORE_OK;
        return;
    }
    LOG_WARNF("store", "audit batch failed, retrying events one by one", "backend=%s status=%s error=%s",
              w->st->drv->name, store_status_name(s), c->err);
    for (audit_waiter *x = batch; x; x = x->next) {
        s = store_begin(c);
        if (s == STORE_OK) s = db_audit_insert_at(c, x->ev, x->at);
        if (s == STORE_OK) s = store_commit(c);
        else
            store_rollback(c);
        if (s != STORE_OK)
            LOG_ERRORF("store", "audit event not recorded", "backend=%s status=%s error=%s", w->st->drv->name,
                       store_status_name(s), c->err);
        x->result = s;
    }
}

static void *writer_main(void *arg)
{
    audit_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && (!w->head || w->hold)) pthread_cond_wait(&w->work, &w->mu);
        if (!w->head) break; /* stopping and drained */
        audit_waiter *batch = w->head, *last = batch;
        size_t n = 1;
        while (last->next && n < MAX_BATCH) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (!w->head) w->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&w->mu);
        write_batch(w, batch);
        /* Asynchronous callers first, outside the lock (their callbacks may take locks of their own). */
        audit_waiter **link = &batch;
        while (*link) {
            audit_waiter *x = *link;
            if (!x->fn) {
                link = &x->next;
                continue;
            }
            *link = x->next;
            x->fn(x->arg, x->result);
            free(x);
        }
        pthread_mutex_lock(&w->mu);
        w->commits++;
        /* Read next before marking done: a woken caller's node goes away with its stack. */
        for (audit_waiter *x = batch, *next; x; x = next) {
            next = x->next;
            x->done = true;
        }
        w->queued -= n;
        pthread_cond_broadcast(&w->done);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Checkpoints the WAL every CHECKPOINT_EVERY_MS while the audit writer commits (PASSIVE: copies
 * what no reader still needs, never waits for readers or writers). */
static void *checkpointer_main(void *arg)
{
    audit_writer *w = arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += CHECKPOINT_EVERY_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&w->ckpt_cv, &w->mu, &until);
        if (w->stop || w->commits == seen) continue;
        seen = w->commits;
        pthread_mutex_unlock(&w->mu);
        char err[256];
        store_status s = w->st->drv->script(w->ckpt.h, w->st->drv->checkpoint_sql, err, sizeof err);
        /* BUSY: another connection is checkpointing (SQLite's automatic checkpoint): fine. */
        if (s != STORE_OK && s != STORE_BUSY)
            LOG_WARNF("store", "checkpoint failed", "backend=%s error=%s", w->st->drv->name, err);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Starts the checkpointer when the backend wants one (not for memory databases). */
static void start_checkpointer(audit_writer *w)
{
    const db_driver *drv = w->st->drv;
    if (!drv->checkpoint_sql || strstr(w->st->open_url, "mode=memory")) return;
    char err[256];
    w->ckpt.h = drv->open(w->st->open_url, &w->st->opts, err, sizeof err);
    if (!w->ckpt.h) {
        LOG_WARNF("store", "no checkpointer connection: the audit writer checkpoints itself", "error=%s", err);
        return;
    }
    w->ckpt.st = w->st;
    w->ckpt.private_conn = true;
    if (drv->script(w->conn.h, drv->no_autocheckpoint_sql, err, sizeof err) != STORE_OK ||
        pthread_create(&w->ckpt_thread, NULL, checkpointer_main, w) != 0) {
        (void)drv->script(w->conn.h, "PRAGMA wal_autocheckpoint=1000", err, sizeof err);
        drv->close(w->ckpt.h);
        w->ckpt.h = NULL;
        return;
    }
    w->ckpt_started = true;
}

store_status db_audit_writer_start(store_t *st, char *err, size_t errlen)
{
    audit_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    w->st = st;
    w->conn.st = st;
    w->conn.private_conn = true;
    w->conn.in_use = true;
    w->conn.h = st->drv->open(st->open_url, &st->opts, err, errlen);
    if (!w->conn.h) {
        free(w);
        return STORE_ERROR;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->ckpt_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, errlen, "cannot start the audit writer thread");
        st->drv->close(w->conn.h);
        pthread_cond_destroy(&w->work);
        pthread_cond_destroy(&w->done);
        pthread_cond_destroy(&w->ckpt_cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return STORE_ERROR;
    }
    w->started = true;
    st->audit = w;
    start_checkpointer(w);
    return STORE_OK;
}

void db_audit_writer_stop(store_t *st)
{
    audit_writer *w = st->audit;
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    w->hold = false;
    pthread_cond_signal(&w->work);
    pthread_cond_signal(&w->ckpt_cv);
    pthread_mutex_unlock(&w->mu);
    if (w->started) pthread_join(w->thread, NULL);
    if (w->ckpt_started) pthread_join(w->ckpt_thread, NULL);
    if (w->ckpt.h) st->drv->close(w->ckpt.h);
    /* Every queued event is now written and marked done; wait for its caller to leave. */
    pthread_mutex_lock(&w->mu);
    while (w->inside > 0) pthread_cond_wait(&w->done, &w->mu);
    pthread_mutex_unlock(&w->mu);
    st->drv->close(w->conn.h);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->done);
    pthread_cond_destroy(&w->ckpt_cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    st->audit = NULL;
}

void db_audit_writer_hold(store_t *st, bool hold)
{
    audit_writer *w = st->audit;
    pthread_mutex_lock(&w->mu);
    w->hold = hold;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
}

size_t db_audit_writer_queued(store_t *st)
{
    audit_writer *w = st->audit;
    pthread_mutex_lock(&w->mu);
    size_t n = w->queued;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* Appends a node to the queue; false when the store is closing. Called with w->mu held. */
static bool enqueue_locked(audit_writer *w, audit_waiter *x)
{
    if (w->stop) return false;
    if (w->tail) w->tail->next = x;
    else
        w->head = x;
    w->tail = x;
    w->queued++;
    pthread_cond_signal(&w->work);
    return true;
}

static size_t slen(const char *s) { return s ? strlen(s) + 1 : 0; }

static const char *scopy(char **p, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*p, s, n);
    const char *out = *p;
    *p += n;
    return out;
}

store_conn_t *db_audit_writer_conn(store_t *st) { return &st->audit->conn; }

store_status store_audit_read_async(store_t *st, const store_audit_event *ev, store_audit_done_fn done, void *arg)
{
    if (!st || !st->audit || !done) return STORE_ERROR;
    store_status s = db_audit_check(NULL, ev);
    if (s != STORE_OK) return s;
    size_t extra = slen(ev->action) + slen(ev->object_type) + slen(ev->object_id) + slen(ev->client_addr) +
                   slen(ev->outcome) + slen(ev->detail);
    audit_waiter *x = calloc(1, sizeof *x + extra);
    if (!x) return STORE_ERROR;
    char *p = (char *)(x + 1);
    x->ev_copy = (store_audit_event){
        .user_id = ev->user_id,
        .action = scopy(&p, ev->action),
        .object_type = scopy(&p, ev->object_type),
        .object_id = scopy(&p, ev->object_id),
        .patient_id = ev->patient_id,
        .client_addr = scopy(&p, ev->client_addr),
        .outcome = scopy(&p, ev->outcome),
        .detail = scopy(&p, ev->detail),
    };
    x->ev = &x->ev_copy;
    x->at = time_now_unix();
    x->result = STORE_ERROR;
    x->fn = done;
    x->arg = arg;
    audit_writer *w = st->audit;
    pthread_mutex_lock(&w->mu);
    bool queued = enqueue_locked(w, x);
    pthread_mutex_unlock(&w->mu);
    if (!queued) {
        free(x);
        return STORE_ERROR;
    }
    return STORE_OK;
}

store_status store_audit_read(store_t *st, const store_audit_event *ev)
{
    if (!st || !st->audit) return STORE_ERROR;
    store_status s = db_audit_check(NULL, ev);
    if (s != STORE_OK) return s;
    audit_waiter me = {.ev = ev, .at = time_now_unix(), .result = STORE_ERROR};
    audit_writer *w = st->audit;
    pthread_mutex_lock(&w->mu);
    if (!enqueue_locked(w, &me)) {
        pthread_mutex_unlock(&w->mu);
        return STORE_ERROR;
    }
    w->inside++;
    while (!me.done) pthread_cond_wait(&w->done, &w->mu);
    w->inside--;
    if (w->stop && w->inside == 0) pthread_cond_broadcast(&w->done);
    s = me.result;
    pthread_mutex_unlock(&w->mu);
    return s;
}
