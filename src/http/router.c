/* A small router: method + path pattern, segments compared one by one.
 * Placeholders: {id} (positive decimal integer), {res} (the name of a model resource),
 * {action} (any non-empty segment). */
#include <stdio.h>
#include <string.h>

#include "http/http_internal.h"

/* Next segment of s (after a leading '/'): sets *seg and *len, returns the rest, or NULL at
 * the end of the string. */
static const char *next_segment(const char *s, const char **seg, size_t *len)
{
    if (*s != '/') return NULL;
    s++;
    const char *end = strchr(s, '/');
    if (!end) end = s + strlen(s);
    *seg = s;
    *len = (size_t)(end - s);
    return end;
}

static bool copy_seg(char *dst, size_t dstlen, const char *seg, size_t len)
{
    if (len == 0 || len >= dstlen) return false;
    memcpy(dst, seg, len);
    dst[len] = '\0';
    return true;
}

static bool parse_id(const char *seg, size_t len, int64_t *out)
{
    char tmp[24];
    if (len == 0 || len >= sizeof tmp) return false;
    memcpy(tmp, seg, len);
    tmp[len] = '\0';
    return http_parse_int64(tmp, 1, INT64_MAX, out) == 0;
}

static bool match(const char *pattern, const char *path, route_params *p)
{
    memset(p, 0, sizeof *p);
    const char *pp = pattern, *sp = path;
    for (;;) {
        const char *pseg, *sseg;
        size_t plen, slen;
        const char *pn = next_segment(pp, &pseg, &plen);
        const char *sn = next_segment(sp, &sseg, &slen);
        if (!pn || !sn) return !pn && !sn && *pp == '\0' && *sp == '\0';
        if (plen == 4 && memcmp(pseg, "{id}", 4) == 0) {
            if (!parse_id(sseg, slen, &p->id)) return false;
        } else if (plen == 5 && memcmp(pseg, "{res}", 5) == 0) {
            if (!copy_seg(p->res, sizeof p->res, sseg, slen) || !model_resource_find(p->res)) return false;
        } else if (plen == 8 && memcmp(pseg, "{action}", 8) == 0) {
            if (!copy_seg(p->action, sizeof p->action, sseg, slen)) return false;
        } else if (plen != slen || memcmp(pseg, sseg, plen) != 0) {
            return false;
        }
        pp = pn;
        sp = sn;
    }
}

route_result http_route_match(const http_route *routes, size_t nroutes, const char *method, const char *path,
                              const http_route **found, route_params *params, char *allow, size_t allowlen)
{
    bool path_seen = false;
    if (allow && allowlen) allow[0] = '\0';
    route_params tmp;
    for (size_t i = 0; i < nroutes; i++) {
        if (!match(routes[i].pattern, path, &tmp)) continue;
        if (strcmp(routes[i].method, method) == 0) {
            *found = &routes[i];
            *params = tmp;
            return ROUTE_FOUND;
        }
        if (allow && allowlen && !strstr(allow, routes[i].method)) {
            size_t used = strlen(allow);
            snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", routes[i].method);
        }
        path_seen = true;
    }
    return path_seen ? ROUTE_BAD_METHOD : ROUTE_NO_PATH;
}
