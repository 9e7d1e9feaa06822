/* argon2id password hashing (libargon2). */
#include <argon2.h>
#include <string.h>

#include "auth/auth.h"
#include "core/rand.h"

/* OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
enum { T_COST = 2, M_COST_KIB = 19456, PARALLELISM = 1, SALT_LEN = 16, TAG_LEN = 32 };

int auth_hash_password(const char *pw, char *out, size_t outlen)
{
    if (!pw || !out) return -1;
    size_t len = strlen(pw);
    if (len < AUTH_PASSWORD_MIN || len > AUTH_PASSWORD_MAX) return -1;
    size_t need = argon2_encodedlen(T_COST, M_COST_KIB, PARALLELISM, SALT_LEN, TAG_LEN, Argon2_id);
    if (outlen < need) return -1;
    unsigned char salt[SALT_LEN];
    if (rand_bytes(salt, sizeof salt) != 0) return -1;
    int rc = argon2id_hash_encoded(T_COST, M_COST_KIB, PARALLELISM, pw, len, salt, sizeof salt, TAG_LEN, out,
                                   outlen);
    return rc == ARGON2_OK ? 0 : -1;
}

bool auth_verify_password(const char *pw, const char *encoded)
{
    if (!pw || !encoded || strncmp(encoded, "$argon2id$", 10) != 0) return false;
    size_t len = strlen(pw);
    if (len > AUTH_PASSWORD_MAX) return false;
    return argon2id_verify(encoded, pw, len) == ARGON2_OK;
}

void auth_verify_dummy(const char *pw)
{
    /* A fixed well-formed hash of a random string: the verification always fails but costs
     * the same as a real one. */
    static const char dummy[] =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "J4moa2MM0/6uf3HbY2Tf5Fux8JIBTwIhmhxGRbsY14Q";
    (void)auth_verify_password(pw ? pw : "", dummy);
}
