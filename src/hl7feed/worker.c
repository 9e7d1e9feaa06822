/* The MLLP listener of `couloir serve` and its group-commit worker: the listener's handler
 * queues each message and defers its acknowledgement; the worker takes every queued message
 * (up to batch_max), processes them in ONE transaction (one savepoint each), commits once, and
 * only then sends the acknowledgements. A failed commit sends none: the connections are closed
 * and the senders resend (the inbox makes the resend idempotent). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "hl7feed/hl7feed_internal.h"
#include "hl7feed/ingest.h"

struct ingest_item {
    ingest_item *next;
    uint64_t conn_id;
    char peer[64];
    size_t len;
    char data[];
};

static int on_message(void *ctx, const hl7_mllp_peer *peer, const char *msg, size_t len, buf_t *ack)
{
    (void)ack;
    hl7feed_t *f = ctx;
    ingest_item *it = malloc(sizeof *it + len + 1);
    if (!it) return -1; /* close without acknowledging: the sender resends */
    it->next = NULL;
    it->conn_id = peer->conn_id;
    snprintf(it->peer, sizeof it->peer, "%s", peer->peer ? peer->peer : "?");
    it->len = len;
    memcpy(it->data, msg, len);
    it->data[len] = 0;
    pthread_mutex_lock(&f->mu);
    if (f->tail) f->tail->next = it;
    else f->head = it;
    f->tail = it;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return HL7_MLLP_DEFER;
}

static void reply_all(hl7feed_t *f, ingest_item **items, buf_t *acks, size_t n, bool ok)
{
    for (size_t i = 0; i < n; i++) {
        if (ok && acks[i].len) hl7_mllp_server_reply(f->server, items[i]->conn_id, acks[i].data, acks[i].len);
        else hl7_mllp_server_reply(f->server, items[i]->conn_id, NULL, 0);
    }
}

/* Processes items[0..n) in one transaction. Returns true when committed (acks filled). */
static bool run_batch(hl7feed_t *f, store_conn_t *c, ingest_item **items, buf_t *acks, size_t n, char *why,
                      size_t why_len)
{
    store_status st = hl7s_connection_tune(c);
    if (st == STORE_OK) st = store_begin(c);
    for (size_t i = 0; st == STORE_OK && i < n; i++) {
        hl7feed_outcome o;
        buf_reset(&acks[i]);
        st = ingest_one(f, c, items[i]->peer, items[i]->data, items[i]->len, &o, &acks[i]);
    }
    if (st == STORE_OK) st = store_commit(c);
    if (st != STORE_OK) {
        snprintf(why, why_len, "%s: %s", store_status_name(st), store_last_error(c));
        store_rollback(c);
        return false;
    }
    return true;
}

static void process_batch(hl7feed_t *f, ingest_item **items, size_t n)
{
    buf_t *acks = calloc(n, sizeof *acks);
    store_conn_t *c = acks ? store_acquire(f->st) : NULL;
    if (!c) {
        LOG_ERRORF("hl7feed", "no store connection: messages not acknowledged", "count=%zu", n);
        reply_all(f, items, acks, n, false);
        free(acks);
        return;
    }
    char why[512] = "";
    uint64_t enq0 = __atomic_load_n(&f->enqueued, __ATOMIC_RELAXED);
    int64_t t0 = time_monotonic_ms();
    if (run_batch(f, c, items, acks, n, why, sizeof why)) {
        reply_all(f, items, acks, n, true);
        LOG_DEBUGF("hl7feed", "batch committed", "count=%zu ms=%lld", n, (long long)(time_monotonic_ms() - t0));
    } else {
        LOG_WARNF("hl7feed", "batch failed, retrying its messages one by one", "count=%zu error=\"%s\"", n, why);
        for (size_t i = 0; i < n; i++) {
            if (n > 1 && run_batch(f, c, &items[i], &acks[i], 1, why, sizeof why)) {
                reply_all(f, &items[i], &acks[i], 1, true);
                continue;
            }
            hl7feed_outcome o;
            buf_reset(&acks[i]);
            store_status st = ingest_record_failure(f, c, items[i]->peer, items[i]->data, items[i]->len, why, &o, &acks[i]);
            if (st != STORE_OK)
                LOG_ERRORF("hl7feed", "message not stored: connection closed, the sender will resend", "peer=%s error=\"%s\"",
                           items[i]->peer, store_last_error(c));
            reply_all(f, &items[i], &acks[i], 1, st == STORE_OK);
        }
    }
    store_release(f->st, c);
    /* committed outbound messages: the delivery worker need not wait for its next poll */
    if (f->outbox && __atomic_load_n(&f->enqueued, __ATOMIC_RELAXED) != enq0) outbox_wake(f->outbox);
    for (size_t i = 0; i < n; i++) buf_free(&acks[i]);
    free(acks);
}

static void *worker_main(void *arg)
{
    hl7feed_t *f = arg;
    size_t cap = f->batch_max;
    ingest_item **items = calloc(cap, sizeof *items);
    if (!items) {
        LOG_ERRORF("hl7feed", "out of memory: HL7 worker not started", "%s", "");
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&f->mu);
        while (!f->head && !f->stopping) pthread_cond_wait(&f->cv, &f->mu);
        if (f->stopping) {
            pthread_mutex_unlock(&f->mu);
            break;
        }
        size_t n = 0;
        while (f->head && n < cap) {
            items[n++] = f->head;
            f->head = f->head->next;
        }
        if (!f->head) f->tail = NULL;
        pthread_mutex_unlock(&f->mu);
        process_batch(f, items, n);
        for (size_t i = 0; i < n; i++) free(items[i]);
    }
    free(items);
    return NULL;
}

static void *server_main(void *arg)
{
    hl7feed_t *f = arg;
    if (hl7_mllp_server_run(f->server) != HL7_OK) LOG_ERRORF("hl7feed", "MLLP listener stopped on an error", "%s", "");
    return NULL;
}

int hl7feed_start(hl7feed_t *f, char *err, size_t errlen)
{
    if (f->listen_port == 0) return 0;
    hl7_mllp_server_opts o = {
        .bind_address = f->listen_address,
        .port = f->listen_port < 0 ? 0 : f->listen_port,
        .max_message = f->max_message,
        .idle_timeout_ms = f->idle_timeout_ms,
        .max_connections = f->max_connections,
        .handler = on_message,
        .handler_ctx = f,
        .tls_cert_file = f->tls_cert,
        .tls_key_file = f->tls_key,
    };
    hl7_error herr;
    memset(&herr, 0, sizeof herr);
    f->server = hl7_mllp_server_new(&o, &herr);
    if (!f->server) {
        snprintf(err, errlen, "écoute MLLP impossible : %s", herr.message[0] ? herr.message : hl7_strerror(herr.code));
        return -1;
    }
    if (pthread_create(&f->worker, NULL, worker_main, f) != 0) {
        snprintf(err, errlen, "impossible de démarrer le traitement HL7");
        hl7_mllp_server_free(f->server);
        f->server = NULL;
        return -1;
    }
    f->worker_running = true;
    if (pthread_create(&f->server_thread, NULL, server_main, f) != 0) {
        snprintf(err, errlen, "impossible de démarrer l'écoute MLLP");
        hl7feed_stop(f);
        return -1;
    }
    f->server_running = true;
    LOG_INFOF("hl7feed", "MLLP listener started", "port=%d", hl7_mllp_server_port(f->server));
    return 0;
}

int hl7feed_port(const hl7feed_t *f) { return f->server ? hl7_mllp_server_port(f->server) : 0; }

void hl7feed_stop(hl7feed_t *f)
{
    if (f->server && f->server_running) {
        hl7_mllp_server_stop(f->server);
        pthread_join(f->server_thread, NULL);
        f->server_running = false;
    }
    if (f->worker_running) {
        pthread_mutex_lock(&f->mu);
        f->stopping = true;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->worker, NULL);
        f->worker_running = false;
    }
    /* messages still queued were never acknowledged: their senders resend them */
    while (f->head) {
        ingest_item *n = f->head->next;
        free(f->head);
        f->head = n;
    }
    f->tail = NULL;
    if (f->server) {
        hl7_mllp_server_free(f->server);
        f->server = NULL;
    }
}
