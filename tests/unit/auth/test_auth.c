/* Unit tests of src/auth: argon2id hashing, tokens, constant-time compare, rate limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "auth/auth.h"

static void test_hash_verify(void **state)
{
    (void)state;
    char h1[AUTH_HASH_MAX], h2[AUTH_HASH_MAX];
    assert_int_equal(auth_hash_password("correct horse", h1, sizeof h1), 0);
    assert_int_equal(auth_hash_password("correct horse", h2, sizeof h2), 0);
    assert_true(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_string_not_equal(h1, h2); /* random salt */
    assert_true(auth_verify_password("correct horse", h1));
    assert_true(auth_verify_password("correct horse", h2));
    assert_false(auth_verify_password("correct horsE", h1));
    assert_false(auth_verify_password("", h1));
    /* tampered hash */
    char bad[AUTH_HASH_MAX];
    strcpy(bad, h1);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
    assert_false(auth_verify_password("correct horse", bad));
    /* not argon2id, malformed */
    assert_false(auth_verify_password("x", "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$abc"));
    assert_false(auth_verify_password("x", "garbage"));
    assert_false(auth_verify_password(NULL, h1));
    assert_false(auth_verify_password("x", NULL));
    auth_verify_dummy("whatever");
}

static void test_hash_refusals(void **state)
{
    (void)state;
    char h[AUTH_HASH_MAX];
    assert_int_equal(auth_hash_password("short", h, sizeof h), -1);
    assert_int_equal(auth_hash_password("long enough", h, 20), -1);
    assert_int_equal(auth_hash_password(NULL, h, sizeof h), -1);
    char big[AUTH_PASSWORD_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(auth_hash_password(big, h, sizeof h), -1);
}

static void test_tokens(void **state)
{
    (void)state;
    char a[AUTH_TOKEN_HEX], b[AUTH_TOKEN_HEX];
    assert_int_equal(auth_token_new(a, sizeof a), 0);
    assert_int_equal(auth_token_new(b, sizeof b), 0);
    assert_int_equal(strlen(a), 64);
    assert_true(auth_token_well_formed(a));
    assert_string_not_equal(a, b);
    assert_int_equal(auth_token_new(a, 10), -1);
    assert_false(auth_token_well_formed("abc"));
    assert_false(auth_token_well_formed(NULL));
    char upper[65];
    memset(upper, 'A', 64);
    upper[64] = 0;
    assert_false(auth_token_well_formed(upper));
    char longer[66];
    memset(longer, 'a', 65);
    longer[65] = 0;
    assert_false(auth_token_well_formed(longer));

    char h[AUTH_TOKEN_HEX];
    assert_int_equal(auth_sha256_hex("abc", h, sizeof h), 0);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(auth_sha256_hex("", h, sizeof h), 0);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_token_equal(void **state)
{
    (void)state;
    assert_true(auth_token_equal("abcdef", "abcdef"));
    assert_false(auth_token_equal("abcdef", "abcdeg"));
    assert_false(auth_token_equal("abcdef", "abcde"));
    assert_false(auth_token_equal("", "a"));
    assert_true(auth_token_equal("", ""));
    assert_false(auth_token_equal(NULL, "a"));
    assert_false(auth_token_equal("a", NULL));
}

static void test_ratelimit_window(void **state)
{
    (void)state;
    auth_ratelimit_t *rl = auth_ratelimit_new(3, 60, 16);
    assert_non_null(rl);
    int64_t t = 1000000;
    int retry = 0;
    assert_true(auth_ratelimit_allowed(rl, "ip:1", t, &retry));
    auth_ratelimit_fail(rl, "ip:1", t);
    auth_ratelimit_fail(rl, "ip:1", t + 10000);
    assert_true(auth_ratelimit_allowed(rl, "ip:1", t + 10000, &retry));
    auth_ratelimit_fail(rl, "ip:1", t + 20000);
    assert_false(auth_ratelimit_allowed(rl, "ip:1", t + 20000, &retry));
    assert_int_equal(retry, 40); /* first failure leaves the window at t+60s */
    assert_true(auth_ratelimit_allowed(rl, "ip:2", t + 20000, NULL)); /* other key */
    assert_false(auth_ratelimit_allowed(rl, "ip:1", t + 59999, &retry));
    assert_int_equal(retry, 1);
    /* sliding: once the first failure is older than 60 s, one attempt is allowed again */
    assert_true(auth_ratelimit_allowed(rl, "ip:1", t + 60000, &retry));
    auth_ratelimit_fail(rl, "ip:1", t + 60000);
    assert_false(auth_ratelimit_allowed(rl, "ip:1", t + 60001, &retry));
    assert_int_equal(retry, 10);
    auth_ratelimit_reset(rl, "ip:1");
    assert_true(auth_ratelimit_allowed(rl, "ip:1", t + 60001, &retry));
    auth_ratelimit_free(rl);
}

static void test_ratelimit_eviction(void **state)
{
    (void)state;
    auth_ratelimit_t *rl = auth_ratelimit_new(1, 60, 2);
    int64_t t = 5000000;
    auth_ratelimit_fail(rl, "a", t);
    auth_ratelimit_fail(rl, "b", t + 1);
    assert_false(auth_ratelimit_allowed(rl, "a", t + 2, NULL));
    assert_false(auth_ratelimit_allowed(rl, "b", t + 2, NULL));
    auth_ratelimit_fail(rl, "c", t + 3); /* evicts "a", the stalest */
    assert_true(auth_ratelimit_allowed(rl, "a", t + 4, NULL));
    assert_false(auth_ratelimit_allowed(rl, "b", t + 4, NULL));
    assert_false(auth_ratelimit_allowed(rl, "c", t + 4, NULL));
    /* long key truncated consistently */
    char big[400];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = 0;
    auth_ratelimit_fail(rl, big, t + 5);
    assert_false(auth_ratelimit_allowed(rl, big, t + 6, NULL)); /* truncated consistently: still counted */
    assert_null(auth_ratelimit_new(0, 60, 2));
    assert_null(auth_ratelimit_new(1, 0, 2));
    auth_ratelimit_free(rl);
    auth_ratelimit_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_verify),       cmocka_unit_test(test_hash_refusals),
        cmocka_unit_test(test_tokens),            cmocka_unit_test(test_token_equal),
        cmocka_unit_test(test_ratelimit_window),  cmocka_unit_test(test_ratelimit_eviction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
