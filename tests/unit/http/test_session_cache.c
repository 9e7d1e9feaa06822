/* The session cache: hits within the TTL, expiry, forgetting by session and by user,
 * collisions on the same bucket, disabled cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http/http_internal.h"

static http_user user(int64_t id, const char *hash, unsigned roles)
{
    http_user u;
    memset(&u, 0, sizeof u);
    u.authenticated = true;
    u.id = id;
    u.roles = roles;
    snprintf(u.login, sizeof u.login, "u%lld", (long long)id);
    snprintf(u.session_hash, sizeof u.session_hash, "%s", hash);
    return u;
}

/* 64-hex hashes sharing their first 8 characters land in the same bucket. */
static void hash_of(char *out, const char *prefix, int n)
{
    snprintf(out, AUTH_TOKEN_HEX, "%s%056d", prefix, n);
}

static void test_hit_and_expiry(void **state)
{
    (void)state;
    http_session_cache *c = http_session_cache_new(5000);
    assert_non_null(c);
    char h[AUTH_TOKEN_HEX];
    hash_of(h, "abcdef01", 1);
    http_user u = user(7, h, ROLE_ACCUEIL), out;
    assert_false(http_session_cache_get(c, h, 1000, &out));
    http_session_cache_put(c, &u, 1000);
    assert_true(http_session_cache_get(c, h, 5999, &out));
    assert_int_equal(out.id, 7);
    assert_int_equal(out.roles, ROLE_ACCUEIL);
    assert_string_equal(out.session_hash, h);
    assert_false(http_session_cache_get(c, h, 6000, &out)); /* TTL reached */
    assert_false(http_session_cache_get(c, h, 1001, &out)); /* and the entry was dropped */
    /* a clock going backwards never yields a hit */
    http_session_cache_put(c, &u, 10000);
    assert_false(http_session_cache_get(c, h, 9000, &out));
    http_session_cache_free(c);
}

static void test_forget(void **state)
{
    (void)state;
    http_session_cache *c = http_session_cache_new(60000);
    char h1[AUTH_TOKEN_HEX], h2[AUTH_TOKEN_HEX], h3[AUTH_TOKEN_HEX];
    hash_of(h1, "00000001", 1);
    hash_of(h2, "00000001", 2); /* same bucket as h1 */
    hash_of(h3, "ffffffff", 3);
    http_user a = user(1, h1, ROLE_ADMIN), b = user(1, h2, ROLE_ADMIN), d = user(2, h3, ROLE_RADIOLOGUE), out;
    http_session_cache_put(c, &a, 0);
    http_session_cache_put(c, &b, 0);
    http_session_cache_put(c, &d, 0);
    assert_true(http_session_cache_get(c, h1, 1, &out));
    assert_true(http_session_cache_get(c, h2, 1, &out));
    assert_int_equal(out.id, 1);
    http_session_cache_forget(c, h1);
    assert_false(http_session_cache_get(c, h1, 2, &out));
    assert_true(http_session_cache_get(c, h2, 2, &out));
    http_session_cache_forget_user(c, 1);
    assert_false(http_session_cache_get(c, h2, 3, &out));
    assert_true(http_session_cache_get(c, h3, 3, &out));
    assert_int_equal(out.id, 2);
    /* updating an entry keeps one copy */
    d.roles = ROLE_ACCUEIL;
    http_session_cache_put(c, &d, 4);
    http_session_cache_forget(c, h3);
    assert_false(http_session_cache_get(c, h3, 5, &out));
    http_session_cache_free(c);
}

static void test_crowded_bucket(void **state)
{
    (void)state;
    http_session_cache *c = http_session_cache_new(60000);
    char h[20][AUTH_TOKEN_HEX];
    http_user out;
    for (int i = 0; i < 20; i++) {
        hash_of(h[i], "12345678", i);
        http_user u = user(i + 1, h[i], ROLE_ACCUEIL);
        http_session_cache_put(c, &u, i);
    }
    /* the most recent entries are there; evicted ones are simply misses */
    int hits = 0;
    for (int i = 0; i < 20; i++)
        if (http_session_cache_get(c, h[i], 100, &out)) {
            hits++;
            assert_int_equal(out.id, i + 1);
            assert_string_equal(out.session_hash, h[i]);
        }
    assert_true(hits >= 8 && hits < 20);
    assert_true(http_session_cache_get(c, h[19], 100, &out));
    http_session_cache_free(c);
}

static void test_disabled(void **state)
{
    (void)state;
    assert_null(http_session_cache_new(0));
    http_user out, u = user(1, "x", 0);
    http_session_cache_put(NULL, &u, 0);
    assert_false(http_session_cache_get(NULL, "x", 0, &out));
    http_session_cache_forget(NULL, "x");
    http_session_cache_forget_user(NULL, 1);
    http_session_cache_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_expiry),
        cmocka_unit_test(test_forget),
        cmocka_unit_test(test_crowded_bucket),
        cmocka_unit_test(test_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
