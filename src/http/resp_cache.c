/* Response cache of the hot read endpoints (agenda, free-slot search): a small fixed table with
 * least-recently-used eviction, one mutex. An entry is valid while the store's write generation
 * is the one it was computed under and it is younger than the TTL; between one and two TTLs, one
 * caller recomputes it while the others still get it. Bodies are copied out, so an entry can be
 * replaced while a previous copy is being sent. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

typedef struct {
    char *key;          /* NULL: free slot */
    char *body;
    size_t len;
    char *gz;           /* gzip variant, may be NULL */
    size_t gz_len;
    int64_t count;
    uint64_t generation;
    int64_t stored_ms;
    uint64_t last_use;
    int64_t refresh_started_ms; /* 0: nobody is recomputing this entry */
} entry;

struct http_resp_cache {
    pthread_mutex_t mu;
    int64_t ttl_ms;
    size_t max_body;
    size_t n;
    uint64_t tick;
    uint64_t hits, misses;
    entry *e;
};

http_resp_cache *http_resp_cache_new(size_t entries, int64_t ttl_ms, size_t max_body)
{
    if (entries == 0 || ttl_ms <= 0 || max_body == 0) return NULL;
    http_resp_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->e = calloc(entries, sizeof *c->e);
    if (!c->e) {
        free(c);
        return NULL;
    }
    c->n = entries;
    c->ttl_ms = ttl_ms;
    c->max_body = max_body;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void entry_clear(entry *x)
{
    free(x->key);
    free(x->body);
    free(x->gz);
    memset(x, 0, sizeof *x);
}

void http_resp_cache_free(http_resp_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) entry_clear(&c->e[i]);
    free(c->e);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

bool http_resp_cache_get(http_resp_cache *c, const char *key, uint64_t generation, int64_t now_ms, bool want_gzip,
                         char **body, size_t *len, bool *gzipped, int64_t *count)
{
    *body = NULL;
    *len = 0;
    if (gzipped) *gzipped = false;
    if (!c) return false;
    bool hit = false;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n; i++) {
        entry *x = &c->e[i];
        if (!x->key || strcmp(x->key, key) != 0) continue;
        int64_t age = now_ms - x->stored_ms;
        if (x->generation != generation || age >= 2 * c->ttl_ms || age < 0) {
            entry_clear(x); /* stale: free its memory now */
            break;
        }
        if (age >= c->ttl_ms) {
            /* Past its TTL but no local write since (same generation): one caller recomputes it
             * while the others keep getting this copy, so that an expiry never makes every
             * concurrent client recompute at once (a stampede that showed as p99 spikes). */
            if (!x->refresh_started_ms || now_ms - x->refresh_started_ms >= c->ttl_ms) {
                x->refresh_started_ms = now_ms ? now_ms : 1;
                break; /* miss for this caller: it refreshes */
            }
        }
        bool gz = want_gzip && x->gz && gzipped;
        const char *src = gz ? x->gz : x->body;
        size_t n = gz ? x->gz_len : x->len;
        char *copy = malloc(n + 1);
        if (copy) {
            memcpy(copy, src, n);
            copy[n] = '\0';
            *body = copy;
            *len = n;
            if (gz) *gzipped = true;
            if (count) *count = x->count;
            x->last_use = ++c->tick;
            hit = true;
        }
        break;
    }
    if (hit) c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void http_resp_cache_put(http_resp_cache *c, const char *key, uint64_t generation, int64_t now_ms, const char *body,
                         size_t len, const char *gz, size_t gz_len, int64_t count)
{
    if (!c || len > c->max_body) return;
    char *k = strdup(key), *b = malloc(len + 1), *z = gz ? malloc(gz_len ? gz_len : 1) : NULL;
    if (!k || !b || (gz && !z)) {
        free(k);
        free(b);
        free(z);
        return;
    }
    memcpy(b, body, len);
    b[len] = '\0';
    if (z) memcpy(z, gz, gz_len);
    pthread_mutex_lock(&c->mu);
    /* Same key, else a free slot, else the least recently used entry. */
    entry *slot = NULL;
    for (size_t i = 0; i < c->n && !slot; i++)
        if (c->e[i].key && strcmp(c->e[i].key, key) == 0) slot = &c->e[i];
    for (size_t i = 0; i < c->n && !slot; i++)
        if (!c->e[i].key) slot = &c->e[i];
    if (!slot) {
        slot = &c->e[0];
        for (size_t i = 1; i < c->n; i++)
            if (c->e[i].last_use < slot->last_use) slot = &c->e[i];
    }
    if (slot->key && slot->generation > generation && strcmp(slot->key, key) == 0) {
        /* A newer answer is already there (computed after a later write): keep it. */
        pthread_mutex_unlock(&c->mu);
        free(k);
        free(b);
        free(z);
        return;
    }
    entry_clear(slot);
    *slot = (entry){k, b, len, z, z ? gz_len : 0, count, generation, now_ms, ++c->tick, 0};
    pthread_mutex_unlock(&c->mu);
}

void http_resp_cache_add_gzip(http_resp_cache *c, const char *key, uint64_t generation, const char *gz, size_t gz_len)
{
    if (!c || !gz) return;
    char *z = malloc(gz_len ? gz_len : 1);
    if (!z) return;
    memcpy(z, gz, gz_len);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n; i++) {
        entry *x = &c->e[i];
        if (x->key && !x->gz && x->generation == generation && strcmp(x->key, key) == 0) {
            x->gz = z; /* its age (stored_ms) is unchanged */
            x->gz_len = gz_len;
            z = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    free(z);
}

void http_resp_cache_stats(http_resp_cache *c, uint64_t *hits, uint64_t *misses, size_t *used)
{
    *hits = *misses = 0;
    *used = 0;
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    *hits = c->hits;
    *misses = c->misses;
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].key) (*used)++;
    pthread_mutex_unlock(&c->mu);
}
