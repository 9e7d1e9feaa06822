/* The response cache of the agenda and slot search: hits only for the same key, generation and
 * within the TTL; least-recently-used eviction in a bounded table; oversized bodies not kept;
 * an older answer never replaces a newer one; disabled cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

static bool get(http_resp_cache *c, const char *key, uint64_t gen, int64_t now, const char *want, int64_t want_count)
{
    char *body = NULL;
    size_t len = 0;
    int64_t count = -1;
    bool gz = true;
    bool hit = http_resp_cache_get(c, key, gen, now, false, &body, &len, &gz, &count);
    assert_false(gz);
    if (hit) {
        assert_non_null(body);
        assert_int_equal(len, strlen(want));
        assert_string_equal(body, want);
        assert_int_equal(count, want_count);
    } else {
        assert_null(body);
    }
    free(body);
    return hit;
}

static void test_hit_generation_ttl(void **state)
{
    (void)state;
    http_resp_cache *c = http_resp_cache_new(4, 2000, 1024);
    assert_non_null(c);
    assert_false(get(c, "agenda d=1", 7, 1000, "", 0));
    http_resp_cache_put(c, "agenda d=1", 7, 1000, "{\"items\":[]}", 12, NULL, 0, 3);
    assert_true(get(c, "agenda d=1", 7, 1000, "{\"items\":[]}", 3));
    assert_true(get(c, "agenda d=1", 7, 2999, "{\"items\":[]}", 3));
    assert_false(get(c, "agenda d=2", 7, 1000, "", 0));   /* other key */
    assert_false(get(c, "agenda d=1", 8, 1001, "", 0));   /* a write happened: stale, dropped */
    assert_false(get(c, "agenda d=1", 7, 1001, "", 0));   /* ... for good */
    http_resp_cache_put(c, "agenda d=1", 8, 1000, "a", 1, NULL, 0, 1);
    assert_false(get(c, "agenda d=1", 8, 3000, "", 0));   /* TTL reached */
    http_resp_cache_put(c, "agenda d=1", 8, 5000, "b", 1, NULL, 0, 1);
    assert_false(get(c, "agenda d=1", 8, 4999, "", 0));   /* clock went back: not trusted */
    uint64_t hits, misses;
    size_t used;
    http_resp_cache_stats(c, &hits, &misses, &used);
    assert_int_equal(hits, 2);
    assert_int_equal(misses, 6);
    assert_int_equal(used, 0);
    http_resp_cache_free(c);
}

/* Past the TTL, with no write since: one caller is told to recompute, the others keep the copy
 * (no stampede) until the refresh lands or twice the TTL has passed. */
static void test_single_refresh_after_ttl(void **state)
{
    (void)state;
    http_resp_cache *c = http_resp_cache_new(4, 1000, 1024);
    http_resp_cache_put(c, "agenda", 3, 10000, "old", 3, NULL, 0, 1);
    assert_false(get(c, "agenda", 3, 11000, "", 0));      /* first caller past the TTL: refreshes */
    assert_true(get(c, "agenda", 3, 11001, "old", 1));    /* the others: the previous answer */
    assert_true(get(c, "agenda", 3, 11500, "old", 1));
    assert_false(get(c, "agenda", 3, 12000, "", 0));      /* refresher gave up (a TTL later): another one */
    http_resp_cache_put(c, "agenda", 3, 12001, "new", 3, NULL, 0, 2);
    assert_true(get(c, "agenda", 3, 12002, "new", 2));
    assert_false(get(c, "agenda", 4, 12003, "", 0));      /* a write: never the old answer */
    http_resp_cache_put(c, "agenda", 4, 12004, "w", 1, NULL, 0, 1);
    assert_false(get(c, "agenda", 4, 14004, "", 0));      /* twice the TTL: dropped */
    assert_false(get(c, "agenda", 4, 14005, "", 0));
    http_resp_cache_free(c);
}

static void test_lru_and_bounds(void **state)
{
    (void)state;
    http_resp_cache *c = http_resp_cache_new(3, 60000, 16);
    char key[16];
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "k%d", i);
        http_resp_cache_put(c, key, 1, 0, key, strlen(key), NULL, 0, i);
    }
    assert_true(get(c, "k0", 1, 1, "k0", 0)); /* k1 is now the least recently used */
    http_resp_cache_put(c, "k3", 1, 2, "k3", 2, NULL, 0, 3);
    assert_false(get(c, "k1", 1, 3, "", 0));
    assert_true(get(c, "k0", 1, 3, "k0", 0));
    assert_true(get(c, "k2", 1, 3, "k2", 2));
    assert_true(get(c, "k3", 1, 3, "k3", 3));
    /* Bodies over max_body are not kept (bounded memory). */
    http_resp_cache_put(c, "big", 1, 3, "0123456789abcdefX", 17, NULL, 0, 0);
    assert_false(get(c, "big", 1, 3, "", 0));
    /* Same key: replaced in place, unless the entry there is newer. */
    http_resp_cache_put(c, "k0", 2, 4, "new", 3, NULL, 0, 9);
    assert_true(get(c, "k0", 2, 4, "new", 9));
    http_resp_cache_put(c, "k0", 1, 5, "old", 3, NULL, 0, 1);
    assert_true(get(c, "k0", 2, 5, "new", 9));
    size_t used;
    uint64_t hits, misses;
    http_resp_cache_stats(c, &hits, &misses, &used);
    assert_int_equal(used, 3);
    http_resp_cache_free(c);
}

static void test_gzip_variant(void **state)
{
    (void)state;
    http_resp_cache *c = http_resp_cache_new(4, 60000, 1 << 20);
    char text[4096];
    size_t n = 0;
    for (int i = 0; n + 40 < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "{\"id\":%d,\"status\":\"booked\"},", i);
    char *gz = NULL;
    size_t gz_len = 0;
    assert_int_equal(http_gzip(text, n, &gz, &gz_len), 0);
    assert_true(gz_len > 18 && gz_len < n / 4); /* repetitive JSON compresses well */
    assert_int_equal((unsigned char)gz[0], 0x1f); /* gzip magic */
    assert_int_equal((unsigned char)gz[1], 0x8b);
    http_resp_cache_put(c, "a", 1, 0, text, n, gz, gz_len, 5);
    http_resp_cache_put(c, "b", 1, 0, text, n, NULL, 0, 5);
    char *body = NULL;
    size_t len = 0;
    bool gzipped = false;
    int64_t count = 0;
    assert_true(http_resp_cache_get(c, "a", 1, 1, true, &body, &len, &gzipped, &count));
    assert_true(gzipped);
    assert_int_equal(len, gz_len);
    assert_memory_equal(body, gz, gz_len);
    assert_int_equal(count, 5);
    free(body);
    assert_true(http_resp_cache_get(c, "a", 1, 1, false, &body, &len, &gzipped, &count));
    assert_false(gzipped);
    assert_int_equal(len, n);
    free(body);
    assert_true(http_resp_cache_get(c, "b", 1, 1, true, &body, &len, &gzipped, &count)); /* no variant: plain */
    assert_false(gzipped);
    assert_int_equal(len, n);
    free(body);
    http_resp_cache_add_gzip(c, "b", 2, gz, gz_len); /* other generation: ignored */
    assert_true(http_resp_cache_get(c, "b", 1, 1, true, &body, &len, &gzipped, &count));
    assert_false(gzipped);
    free(body);
    http_resp_cache_add_gzip(c, "b", 1, gz, gz_len);
    assert_true(http_resp_cache_get(c, "b", 1, 59999, true, &body, &len, &gzipped, &count));
    assert_true(gzipped);
    assert_int_equal(len, gz_len);
    free(body);
    assert_false(http_resp_cache_get(c, "b", 1, 60000, true, &body, &len, &gzipped, &count)); /* age kept */
    free(gz);
    http_resp_cache_free(c);
}

static void test_accepts_gzip(void **state)
{
    (void)state;
    assert_true(http_accepts_gzip("gzip"));
    assert_true(http_accepts_gzip("gzip, deflate, br"));
    assert_true(http_accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
    assert_true(http_accepts_gzip("deflate, x-gzip"));
    assert_true(http_accepts_gzip("GZIP"));
    assert_false(http_accepts_gzip(NULL));
    assert_false(http_accepts_gzip(""));
    assert_false(http_accepts_gzip("identity"));
    assert_false(http_accepts_gzip("deflate, br"));
    assert_false(http_accepts_gzip("gzip;q=0"));
    assert_false(http_accepts_gzip("gzip; q=0.0, identity"));
    assert_false(http_accepts_gzip("gzipped"));
}

static void test_disabled(void **state)
{
    (void)state;
    assert_null(http_resp_cache_new(0, 2000, 1024));
    assert_null(http_resp_cache_new(8, 0, 1024));
    assert_null(http_resp_cache_new(8, 2000, 0));
    http_resp_cache_put(NULL, "k", 1, 0, "x", 1, NULL, 0, 0);
    assert_false(get(NULL, "k", 1, 0, "", 0));
    http_resp_cache_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_generation_ttl),
        cmocka_unit_test(test_single_refresh_after_ttl),
        cmocka_unit_test(test_lru_and_bounds),
        cmocka_unit_test(test_gzip_variant),
        cmocka_unit_test(test_accepts_gzip),
        cmocka_unit_test(test_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
