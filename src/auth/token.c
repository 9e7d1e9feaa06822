/* Session/CSRF tokens and their SHA-256 (OpenSSL). */
#include <openssl/evp.h>
#include <string.h>

#include "auth/auth.h"
#include "core/rand.h"

int auth_token_new(char *out, size_t outlen)
{
    if (!out || outlen < AUTH_TOKEN_HEX) return -1;
    return rand_hex(out, 32);
}

int auth_sha256_hex(const char *s, char *out, size_t outlen)
{
    if (!s || !out || outlen < AUTH_TOKEN_HEX) return -1;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) return -1;
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * mdlen] = '\0';
    return 0;
}

bool auth_token_equal(const char *a, const char *b)
{
    if (!a || !b) return false;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < la; i++) diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

bool auth_token_well_formed(const char *s)
{
    if (!s) return false;
    size_t i = 0;
    for (; s[i]; i++) {
        if (i >= 64) return false;
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return i == 64;
}
