/* Sliding-window limiter of failed login attempts, in memory.
 *
 * Each tracked key keeps the timestamps of its last `max_attempts` failures in a ring. A key
 * is refused while it holds max_attempts failures all younger than the window. Keys live in
 * a flat array scanned linearly: the number of keys is bounded (max_keys) and logins are rare
 * compared with other requests; when full, the key whose last failure is oldest is evicted.
 * Keys are compared on their first KEY_MAX-1 bytes (longer keys are truncated consistently). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"

#define KEY_MAX 160

typedef struct {
    char key[KEY_MAX];
    int64_t *times;   /* ring of max_attempts failure times (ms) */
    int count;        /* failures recorded in the ring (<= max_attempts) */
    int head;         /* index of the oldest entry */
    int64_t last;     /* most recent failure */
} rl_entry;

struct auth_ratelimit {
    pthread_mutex_t mu;
    int max_attempts;
    int64_t window_ms;
    size_t max_keys;
    size_t nkeys;
    rl_entry *entries;
    int64_t *times;   /* max_keys * max_attempts */
};

auth_ratelimit_t *auth_ratelimit_new(int max_attempts, int window_seconds, size_t max_keys)
{
    if (max_attempts < 1 || window_seconds < 1 || max_keys < 1) return NULL;
    auth_ratelimit_t *rl = calloc(1, sizeof *rl);
    if (!rl) return NULL;
    rl->entries = calloc(max_keys, sizeof *rl->entries);
    rl->times = calloc(max_keys * (size_t)max_attempts, sizeof *rl->times);
    if (!rl->entries || !rl->times || pthread_mutex_init(&rl->mu, NULL) != 0) {
        free(rl->entries);
        free(rl->times);
        free(rl);
        return NULL;
    }
    rl->max_attempts = max_attempts;
    rl->window_ms = (int64_t)window_seconds * 1000;
    rl->max_keys = max_keys;
    for (size_t i = 0; i < max_keys; i++) rl->entries[i].times = rl->times + i * (size_t)max_attempts;
    return rl;
}

void auth_ratelimit_free(auth_ratelimit_t *rl)
{
    if (!rl) return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->entries);
    free(rl->times);
    free(rl);
}

static rl_entry *find(auth_ratelimit_t *rl, const char *key)
{
    for (size_t i = 0; i < rl->nkeys; i++)
        if (strncmp(rl->entries[i].key, key, KEY_MAX - 1) == 0) return &rl->entries[i];
    return NULL;
}

/* Drops failures older than the window from the front of the ring. */
static void expire(const auth_ratelimit_t *rl, rl_entry *e, int64_t now_ms)
{
    while (e->count > 0 && e->times[e->head] <= now_ms - rl->window_ms) {
        e->head = (e->head + 1) % rl->max_attempts;
        e->count--;
    }
}

static void remove_at(auth_ratelimit_t *rl, rl_entry *e)
{
    size_t i = (size_t)(e - rl->entries);
    size_t last = rl->nkeys - 1;
    if (i != last) {
        /* Move the last entry into the hole, keeping each entry's own ring storage. */
        int64_t *hole_times = e->times;
        rl_entry *src = &rl->entries[last];
        memcpy(hole_times, src->times, (size_t)rl->max_attempts * sizeof *hole_times);
        *e = *src;
        e->times = hole_times;
        src->times = rl->times + last * (size_t)rl->max_attempts;
    }
    rl->nkeys--;
}

bool auth_ratelimit_allowed(auth_ratelimit_t *rl, const char *key, int64_t now_ms, int *retry_after_s)
{
    if (!rl || !key) return true;
    bool ok = true;
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = find(rl, key);
    if (e) {
        expire(rl, e, now_ms);
        if (e->count >= rl->max_attempts) {
            ok = false;
            if (retry_after_s) {
                int64_t wait_ms = e->times[e->head] + rl->window_ms - now_ms;
                int s = (int)((wait_ms + 999) / 1000);
                *retry_after_s = s < 1 ? 1 : s;
            }
        } else if (e->count == 0) {
            remove_at(rl, e);
        }
    }
    pthread_mutex_unlock(&rl->mu);
    return ok;
}

void auth_ratelimit_fail(auth_ratelimit_t *rl, const char *key, int64_t now_ms)
{
    if (!rl || !key) return;
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = find(rl, key);
    if (!e) {
        if (rl->nkeys == rl->max_keys) {
            /* Forget the stalest key. */
            rl_entry *old = &rl->entries[0];
            for (size_t i = 1; i < rl->nkeys; i++)
                if (rl->entries[i].last < old->last) old = &rl->entries[i];
            remove_at(rl, old);
        }
        e = &rl->entries[rl->nkeys++];
        memset(e->key, 0, sizeof e->key);
        strncpy(e->key, key, sizeof e->key - 1);
        e->count = 0;
        e->head = 0;
    }
    expire(rl, e, now_ms);
    if (e->count == rl->max_attempts) { /* full ring: overwrite the oldest */
        e->head = (e->head + 1) % rl->max_attempts;
        e->count--;
    }
    e->times[(e->head + e->count) % rl->max_attempts] = now_ms;
    e->count++;
    e->last = now_ms;
    pthread_mutex_unlock(&rl->mu);
}

void auth_ratelimit_reset(auth_ratelimit_t *rl, const char *key)
{
    if (!rl || !key) return;
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = find(rl, key);
    if (e) remove_at(rl, e);
    pthread_mutex_unlock(&rl->mu);
}
