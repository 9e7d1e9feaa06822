/* A small in-memory cache of resolved sessions, so that a busy client does not cost two SQL
 * queries per request. Entries live at most `ttl_ms`; logout, role and password changes and
 * account updates made through this server forget the affected entries at once, so the TTL
 * only bounds the delay for changes made elsewhere (another process, the CLI, session expiry).
 *
 * Open addressing on the first bytes of the session hash (already uniformly distributed), a
 * fixed number of slots, one mutex: lookups are a few hundred nanoseconds. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

#define SLOTS 1024 /* power of two */
#define PROBE 8

typedef struct {
    bool used;
    int64_t stored_ms;
    http_user user;
} slot;

struct http_session_cache {
    pthread_mutex_t mu;
    int64_t ttl_ms;
    slot slots[SLOTS];
};

http_session_cache *http_session_cache_new(int64_t ttl_ms)
{
    if (ttl_ms <= 0) return NULL;
    http_session_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->ttl_ms = ttl_ms;
    return c;
}

void http_session_cache_free(http_session_cache *c)
{
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    explicit_bzero(c->slots, sizeof c->slots);
    free(c);
}

static size_t bucket(const char *hash)
{
    size_t h = 0;
    for (int i = 0; i < 8 && hash[i]; i++) h = h * 16 + (size_t)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
    return h & (SLOTS - 1);
}

bool http_session_cache_get(http_session_cache *c, const char *hash, int64_t now_ms, http_user *out)
{
    if (!c) return false;
    bool hit = false;
    size_t b = bucket(hash);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &c->slots[(b + i) & (SLOTS - 1)];
        if (s->used && strcmp(s->user.session_hash, hash) == 0) {
            if (now_ms - s->stored_ms < c->ttl_ms && now_ms >= s->stored_ms) {
                *out = s->user;
                hit = true;
            } else {
                s->used = false;
            }
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void http_session_cache_put(http_session_cache *c, const http_user *u, int64_t now_ms)
{
    if (!c) return;
    size_t b = bucket(u->session_hash);
    pthread_mutex_lock(&c->mu);
    slot *target = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &c->slots[(b + i) & (SLOTS - 1)];
        if (s->used && strcmp(s->user.session_hash, u->session_hash) == 0) {
            target = s;
            break;
        }
        if (!target && (!s->used || now_ms - s->stored_ms >= c->ttl_ms)) target = s;
    }
    if (!target) { /* every probed slot is fresh: replace the oldest */
        target = &c->slots[b];
        for (size_t i = 1; i < PROBE; i++) {
            slot *s = &c->slots[(b + i) & (SLOTS - 1)];
            if (s->stored_ms < target->stored_ms) target = s;
        }
    }
    target->used = true;
    target->stored_ms = now_ms;
    target->user = *u;
    pthread_mutex_unlock(&c->mu);
}

void http_session_cache_forget(http_session_cache *c, const char *hash)
{
    if (!c) return;
    size_t b = bucket(hash);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &c->slots[(b + i) & (SLOTS - 1)];
        if (s->used && strcmp(s->user.session_hash, hash) == 0) s->used = false;
    }
    pthread_mutex_unlock(&c->mu);
}

void http_session_cache_forget_user(http_session_cache *c, int64_t user_id)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < SLOTS; i++)
        if (c->slots[i].used && c->slots[i].user.id == user_id) c->slots[i].used = false;
    pthread_mutex_unlock(&c->mu);
}
