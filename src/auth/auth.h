/* Local accounts: password hashing (argon2id), session and CSRF tokens, login rate limiting.
 * A small library without I/O besides randomness: the HTTP layer stores what it produces
 * through store_session_* and store_user_*. */
#ifndef COULOIR_AUTH_AUTH_H
#define COULOIR_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- passwords ------------------------------------------------------------------------------ */
/* Size that always holds an encoded hash produced by auth_hash_password (with its NUL). */
#define AUTH_HASH_MAX 160
/* Passwords are refused when shorter than this (bytes) or longer than AUTH_PASSWORD_MAX. */
#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 1024

/* Hashes pw with argon2id (t=2, m=19 MiB, p=1, 16-byte random salt, 32-byte tag) into the
 * PHC-encoded string "$argon2id$v=19$m=19456,t=2,p=1$...". Returns 0, or -1 when pw has an
 * unacceptable length, randomness fails or out (size outlen) is too small. */
int auth_hash_password(const char *pw, char *out, size_t outlen);
/* True when pw matches the encoded hash (argon2's comparison is constant-time). False for
 * a malformed or non-argon2id hash. */
bool auth_verify_password(const char *pw, const char *encoded);
/* Burns the same time as a real verification; used when the login does not exist so that
 * timing does not reveal which logins exist. */
void auth_verify_dummy(const char *pw);

/* --- tokens ------------------------------------------------------------------------------- */
/* 256-bit random token as 64 lowercase hex characters (out size >= AUTH_TOKEN_HEX). */
#define AUTH_TOKEN_HEX 65
int auth_token_new(char *out, size_t outlen);
/* SHA-256 of s as 64 lowercase hex characters (out size >= AUTH_TOKEN_HEX). Returns 0 or -1. */
int auth_sha256_hex(const char *s, char *out, size_t outlen);
/* Constant-time comparison of two NUL-terminated tokens (time depends only on the lengths).
 * NULL never matches. */
bool auth_token_equal(const char *a, const char *b);
/* True when s is exactly 64 lowercase hex characters (shape of a session/CSRF token). */
bool auth_token_well_formed(const char *s);

/* --- login rate limiting ----------------------------------------------------------------- */
/* In-memory sliding window of failed attempts per key ("ip:127.0.0.1", "login:marie").
 * Thread-safe. At most `max_keys` keys are tracked; the stalest key is forgotten first. */
typedef struct auth_ratelimit auth_ratelimit_t;

auth_ratelimit_t *auth_ratelimit_new(int max_attempts, int window_seconds, size_t max_keys);
void auth_ratelimit_free(auth_ratelimit_t *rl);
/* True when key may try now. When refused, *retry_after_s (may be NULL) receives the seconds
 * until the oldest failure leaves the window (>= 1). */
bool auth_ratelimit_allowed(auth_ratelimit_t *rl, const char *key, int64_t now_ms, int *retry_after_s);
/* Records one failed attempt of key at now_ms. */
void auth_ratelimit_fail(auth_ratelimit_t *rl, const char *key, int64_t now_ms);
/* Forgets key (after a successful login). */
void auth_ratelimit_reset(auth_ratelimit_t *rl, const char *key);

#endif
