#include "core/uid.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/rand.h"

bool uid_valid(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > 64) return false;
    const char *comp = s;
    for (const char *p = s;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t clen = (size_t)(p - comp);
            if (clen == 0 || (clen > 1 && comp[0] == '0')) return false;
            if (*p == '\0') return true;
            comp = p + 1;
        } else if (*p < '0' || *p > '9') {
            return false;
        }
    }
}

int uid_generate(const char *root, const char *arc, char *out, size_t n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long micros = (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
    unsigned rnd = (unsigned)(rand_u64() % 9000) + 1000;
    int len = snprintf(out, n, "%s%s%s.%llu%u", root, arc ? "." : "", arc ? arc : "", micros, rnd);
    if (len < 0 || (size_t)len >= n || len > 64) return -1;
    return uid_valid(out) ? 0 : -1;
}
