/* Outbox delivery: every outbound message (HL7 to the PACS, DMP submission, MSSanté mail,
 * DRIMbox publication) is a durable job written in the same transaction as the state change
 * that caused it. Workers here claim due jobs, hand each to the sender registered for its
 * kind, and record the outcome: done, retry later with exponential back-off, or failed for good.
 *
 * The queue itself is behind `outbox_queue` (the store implements it on the outbox tables;
 * tests use an in-memory one), so the delivery policy is tested without a database.
 * Delivery is at-least-once: a sender must be idempotent (e.g. HL7 MSH-10, XDS uniqueId). */
#ifndef COULOIR_OUTBOX_OUTBOX_H
#define COULOIR_OUTBOX_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t id;
    const char *kind;      /* "hl7", "dmp", "mssante", ... */
    const char *payload;   /* kind-specific (JSON text, an HL7 message...) */
    int attempts;          /* attempts already made before this one */
    int64_t due_ms;        /* when it was due (unix ms): its place in the queue order */
} outbox_job;

typedef enum {
    OUTBOX_SENT = 0,       /* delivered: job done */
    OUTBOX_RETRY,          /* transient failure (peer down, timeout): try again later */
    OUTBOX_REJECTED,       /* permanent failure (the peer refused the content): no retry */
} outbox_result;

/* A sender delivers one job. `error` (French, shown in the UI) explains a failure. */
typedef outbox_result (*outbox_sender)(void *ctx, const outbox_job *job, char *error, size_t error_len);

/* The durable queue. Every function returns 0 on success, -1 on a storage error. */
typedef struct {
    void *ctx;
    /* Claims up to `max` jobs due at `now` (unix ms) whose kind is one of kinds[0..nkinds-1]
     * (the kinds the dispatcher has senders for: jobs of other kinds stay pending until a
     * sender exists) for `lease_ms` (a crashed worker's jobs become due again when the lease
     * ends). Fills jobs[] and returns how many, or -1. The jobs' strings stay valid until
     * release_claimed() is called for them. */
    int (*claim)(void *ctx, int64_t now, int64_t lease_ms, const char *const *kinds, size_t nkinds,
                 outbox_job *jobs, int max);
    void (*release_claimed)(void *ctx, outbox_job *jobs, int n);
    /* Records an attempt and its outcome; state is "done", "retry" (with next_at) or "failed". */
    int (*record)(void *ctx, int64_t job_id, const char *state, int64_t next_at, const char *error);
    /* Hands a claimed job back without an attempt: pending again, due at `due_ms`, lease dropped
     * (only while it is still claimed). NULL: claimed jobs not delivered stay leased instead. */
    int (*postpone)(void *ctx, int64_t job_id, int64_t due_ms);
} outbox_queue;

typedef struct {
    int64_t base_delay_ms;   /* first retry delay */
    int64_t max_delay_ms;    /* cap of the exponential back-off */
    int max_attempts;        /* after this many attempts a retriable failure becomes "failed" */
    int64_t lease_ms;        /* claim lease */
    int64_t poll_ms;         /* idle polling interval */
    int batch;               /* jobs claimed per round */
} outbox_policy;

/* The default policy: 5 s, doubling, capped at 1 h, 20 attempts, 5 min lease, 500 ms poll, 16. */
outbox_policy outbox_default_policy(void);

/* Delay before attempt number `attempts + 1` after `attempts` failed ones: base * 2^(attempts-1),
 * capped, with up to +20 % jitter drawn from `jitter_seed` (pass a random value; 0 = none). */
int64_t outbox_backoff_ms(const outbox_policy *p, int attempts, uint64_t jitter_seed);

typedef struct outbox outbox_t;

/* The delivery lane of a job, within its kind (e.g. its destination): fills lane (NUL-terminated,
 * truncated to lane_len - 1) and returns 0; non-zero puts the job in the kind's default lane. */
typedef int (*outbox_lane_fn)(void *ctx, const outbox_job *job, char *lane, size_t lane_len);

/* Creates a dispatcher over `queue`. Register senders before outbox_start(); the dispatcher
 * claims only the kinds registered (at most OUTBOX_MAX_KINDS, each under 32 bytes), and
 * claims nothing while none is. */
#define OUTBOX_MAX_KINDS 16
outbox_t *outbox_new(const outbox_queue *queue, const outbox_policy *policy);
/* A sender whose jobs all share one lane (the kind): delivered one at a time, in claim order
 * (with outbox_start(), a job to be retried holds the kind's next jobs until its retry). */
int outbox_register(outbox_t *ob, const char *kind, outbox_sender sender, void *ctx);
/* A sender whose jobs are spread over lanes by `lane` (called with `ctx`; NULL = one lane):
 * with outbox_start(), jobs of different lanes are delivered concurrently, jobs of one lane
 * one at a time in claim order (the queue's due order), so a slow peer holds only its lane. */
int outbox_register_lanes(outbox_t *ob, const char *kind, outbox_sender sender, outbox_lane_fn lane, void *ctx);
/* One delivery round at `now`: claims due jobs, delivers them one after the other, records
 * outcomes. Returns the number of jobs handled, or -1 on a queue error. For tests and tools:
 * never while the threads of outbox_start() run. */
int outbox_run_once(outbox_t *ob, int64_t now);
/* Starts one claiming thread and `workers` delivery threads (1..16). The claimer puts the
 * claimed jobs into per-lane FIFOs (in claim order; a job claimed again after its lease ended
 * while it still waits or is being delivered is not queued twice) and claims again as long as
 * some lane could start a job and fewer than OUTBOX_MAX_HELD jobs are held; each delivery
 * thread takes the oldest job of a lane no other thread is delivering.
 * Strict order within a lane: when a delivery is to be retried, the lane is blocked until the
 * retry time; the jobs waiting in its FIFO, and those claimed for it meanwhile, are postponed
 * (queue.postpone) just after the retried one, in their order, so they are neither held nor
 * delivered before it; other lanes keep flowing. The block ends when the retried job is claimed
 * again (or one lease after the retry time if it never comes back, e.g. retried by hand).
 * outbox_wake() shortens the claimer's wait after a new job was committed. outbox_stop() lets
 * in-flight deliveries finish and joins the threads; the jobs claimed but not started are handed
 * back with queue.postpone at their unchanged due time (no attempt counted, due at once, in
 * their order), or, without postpone, stay leased until their lease ends. */
#define OUTBOX_MAX_HELD 256
int outbox_start(outbox_t *ob, int workers);
void outbox_wake(outbox_t *ob);
void outbox_stop(outbox_t *ob);
void outbox_free(outbox_t *ob);

#endif
