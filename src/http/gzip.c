/* gzip compression of answers (zlib), for clients sending Accept-Encoding: gzip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "http/http_internal.h"

int http_gzip(const char *in, size_t len, char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    /* windowBits 15 + 16: a gzip wrapper (RFC 1952), as Content-Encoding: gzip requires. */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    uLong cap = deflateBound(&z, (uLong)len);
    char *buf = malloc(cap ? cap : 1);
    if (!buf) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)buf;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = n;
    return 0;
}

bool http_accepts_gzip(const char *accept_encoding)
{
    /* A list of tokens with optional ;q= weights: gzip (or x-gzip) with a non-zero weight. */
    const char *s = accept_encoding;
    while (s && *s) {
        while (*s == ' ' || *s == ',') s++;
        const char *e = s;
        while (*e && *e != ',') e++;
        size_t tok = 0;
        while (s + tok < e && s[tok] != ';' && s[tok] != ' ') tok++;
        bool gzip = (tok == 4 && strncasecmp(s, "gzip", 4) == 0) || (tok == 6 && strncasecmp(s, "x-gzip", 6) == 0);
        if (gzip) {
            const char *q = s + tok;
            while (q < e && (*q == ' ' || *q == ';')) q++;
            if (q + 2 <= e && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
                double w = strtod(q + 2, NULL);
                return w > 0;
            }
            return true;
        }
        s = e;
    }
    return false;
}
