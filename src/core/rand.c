#include "core/rand.h"

#include <errno.h>
#include <sys/random.h>

int rand_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int rand_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[64];
    size_t o = 0;
    while (nbytes > 0) {
        size_t chunk = nbytes < sizeof raw ? nbytes : sizeof raw;
        if (rand_bytes(raw, chunk) != 0) return -1;
        for (size_t i = 0; i < chunk; i++) {
            out[o++] = hex[raw[i] >> 4];
            out[o++] = hex[raw[i] & 15];
        }
        nbytes -= chunk;
    }
    out[o] = '\0';
    return 0;
}

uint64_t rand_u64(void)
{
    uint64_t v = 0;
    (void)rand_bytes(&v, sizeof v);
    return v;
}
