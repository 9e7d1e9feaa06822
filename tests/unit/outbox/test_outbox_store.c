/* The outbox over the real store (SQLite, then PostgreSQL when COULOIR_TEST_PG_URL is set):
 * a job enqueued in a transaction is delivered, retried after a transient failure, and done;
 * a job of a kind without a sender stays pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outbox/outbox_store.h"
#include "support/test_support.h"

typedef struct {
    int calls;
    char last_payload[64];
} peer;

static outbox_result flaky_send(void *ctx, const outbox_job *job, char *error, size_t len)
{
    peer *p = ctx;
    p->calls++;
    snprintf(p->last_payload, sizeof p->last_payload, "%s", job->payload);
    if (p->calls == 1) {
        snprintf(error, len, "Destinataire injoignable.");
        return OUTBOX_RETRY;
    }
    return OUTBOX_SENT;
}

/* Claimed jobs handed back (queue.postpone): pending at the due time given, no attempt counted,
 * claimable again in that order; a job whose outcome is recorded is left alone. */
static void postpone_on(store_t *st, int64_t now)
{
    store_conn_t *c = store_acquire(st);
    int64_t ids[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_outbox_enqueue(c, "lane", "x", NULL, now + i, &ids[i]), STORE_OK);
    store_release(st, c);
    outbox_queue q = outbox_store_queue(st);
    const char *kinds[] = {"lane"};
    outbox_job jobs[8];
    assert_int_equal(q.claim(q.ctx, now + 10, 60000, kinds, 1, jobs, 8), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jobs[i].id, ids[i]);
        assert_int_equal(jobs[i].due_ms, now + i); /* the claim tells each job's place in the order */
    }
    assert_int_equal(q.record(q.ctx, ids[0], "done", 0, NULL), 0);
    assert_int_equal(q.postpone(q.ctx, ids[0], now), 0);          /* recorded: left alone */
    assert_int_equal(q.postpone(q.ctx, ids[2], now + 5000), 0);   /* behind a retry */
    assert_int_equal(q.postpone(q.ctx, ids[1], jobs[1].due_ms), 0); /* handed back at stop */
    q.release_claimed(q.ctx, jobs, 3);
    c = store_acquire(st);
    store_outbox_info info;
    assert_int_equal(store_outbox_get(c, ids[0], &info), STORE_OK);
    assert_string_equal(info.state, "done");
    assert_int_equal(store_outbox_get(c, ids[1], &info), STORE_OK);
    assert_string_equal(info.state, "pending");
    assert_int_equal(info.attempts, 0);
    assert_int_equal(info.due_ms, now + 1);
    assert_int_equal(store_outbox_get(c, ids[2], &info), STORE_OK);
    assert_string_equal(info.state, "pending");
    assert_int_equal(info.due_ms, now + 5000);
    bool changed = true;
    assert_int_equal(store_outbox_postpone(c, ids[1], now, &changed), STORE_OK); /* not claimed: no-op */
    assert_false(changed);
    assert_int_equal(store_outbox_postpone(c, 999999, now, &changed), STORE_NOT_FOUND);
    store_release(st, c);
    /* claimable at once (not leased), in their order */
    assert_int_equal(q.claim(q.ctx, now + 10, 60000, kinds, 1, jobs, 8), 1);
    assert_int_equal(jobs[0].id, ids[1]);
    q.release_claimed(q.ctx, jobs, 1);
    assert_int_equal(q.claim(q.ctx, now + 5000, 60000, kinds, 1, jobs, 8), 1);
    assert_int_equal(jobs[0].id, ids[2]);
    assert_int_equal(jobs[0].attempts, 0);
    q.release_claimed(q.ctx, jobs, 1);
}

static void run_on(const char *url)
{
    store_t *st = NULL;
    char err[256];
    assert_int_equal(store_open(url, 2, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);

    store_conn_t *c = store_acquire(st);
    int64_t id = 0, now = 1700000000000LL;
    /* a job rolled back with its transaction is never delivered */
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "hl7", "rolled-back", NULL, now, &id), STORE_OK);
    store_rollback(c);
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "hl7", "MSH|^~\\&|COULOIR", "msg-1", now, &id), STORE_OK);
    int64_t dmp_id = 0; /* a kind this dispatcher has no sender for */
    assert_int_equal(store_outbox_enqueue(c, "dmp", "{\"report_id\":1}", NULL, now - 1, &dmp_id), STORE_OK);
    assert_int_equal(store_commit(c), STORE_OK);
    store_release(st, c);

    outbox_queue q = outbox_store_queue(st);
    outbox_policy pol = outbox_default_policy();
    outbox_t *ob = outbox_new(&q, &pol);
    peer p = {0};
    outbox_register(ob, "hl7", flaky_send, &p);
    assert_int_equal(outbox_run_once(ob, now), 1);       /* transient failure */
    assert_int_equal(p.calls, 1);
    assert_string_equal(p.last_payload, "MSH|^~\\&|COULOIR");
    assert_int_equal(outbox_run_once(ob, now + 1000), 0); /* backing off */
    assert_int_equal(outbox_run_once(ob, now + 3600 * 1000LL), 1);
    assert_int_equal(p.calls, 2);
    assert_int_equal(outbox_run_once(ob, now + 7200 * 1000LL), 0); /* done: never again */
    outbox_free(ob);
    /* the DMP job was never claimed nor failed: it waits for its channel */
    c = store_acquire(st);
    store_outbox_info info;
    assert_int_equal(store_outbox_get(c, dmp_id, &info), STORE_OK);
    assert_string_equal(info.state, "pending");
    assert_int_equal(info.attempts, 0);
    assert_int_equal(store_outbox_get(c, id, &info), STORE_OK);
    assert_string_equal(info.state, "done");
    assert_int_equal(info.attempts, 2);
    store_release(st, c);
    postpone_on(st, now);
    store_close(st);
}

static void test_sqlite(void **state)
{
    (void)state;
    char path[] = "/tmp/couloir-outbox-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s", path);
    run_on(url);
    unlink(path);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static void test_postgresql(void **state)
{
    (void)state;
    const char *base = test_pg_url();
    if (!base) test_skip_or_fail("COULOIR_TEST_PG_URL unset: PostgreSQL half not run");
    char db[32], cmd[512], url[512];
    snprintf(db, sizeof db, "t_outbox_%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "psql '%s' -qc 'CREATE DATABASE %s' >/dev/null", base, db);
    assert_int_equal(system(cmd), 0);
    snprintf(url, sizeof url, "%.*s/%s", (int)(strrchr(base, '/') - base), base, db);
    run_on(url);
    snprintf(cmd, sizeof cmd, "psql '%s' -qc 'DROP DATABASE %s WITH (FORCE)' >/dev/null", base, db);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite),
        cmocka_unit_test(test_postgresql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
