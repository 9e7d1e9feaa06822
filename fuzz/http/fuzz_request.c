/* libFuzzer harness for the JSON request path of the HTTP server, without sockets:
 *   byte 0: which model resource (modulo the number of descriptors)
 *   byte 1: what to exercise (modulo 4)
 *     0  body parsing + validation for create
 *     1  body parsing + validation for update
 *     2  query-string parsing for a list ("k=v&k2=v2", split here like a server would)
 *     3  routing of a path + cookie header parsing + paging parameters of the audit list
 *   rest: the body, query string or path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

static void body_path(const model_resource *res, const char *s, size_t n, validate_mode mode)
{
    json_t *in = NULL, *out = NULL;
    http_err e;
    if (http_parse_object(s, n, &in, &e) == 0) {
        if (http_validate_object(res, in, mode, &out, &e) == 0) {
            /* The normalised object must serialise (it is what the store receives). */
            char *dump = json_dumps(out, JSON_COMPACT);
            if (!dump) abort();
            free(dump);
        } else {
            json_t *j = http_err_json(&e);
            if (!j || e.status < 400 || e.status > 599) abort();
            json_decref(j);
        }
    }
    json_decref(in);
    json_decref(out);
}

/* Splits s in place into key/value pairs. */
static size_t split_query(char *s, http_kv *kv, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, "&", &save); tok && n < max; tok = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(tok, '=');
        if (eq) *eq = '\0';
        kv[n].key = tok;
        kv[n].value = eq ? eq + 1 : "";
        n++;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t nres;
    const model_resource *all = model_resources(&nres);
    const model_resource *res = &all[data[0] % nres];
    int what = data[1] % 4;
    const char *payload = (const char *)data + 2;
    size_t n = size - 2;
    char *s = malloc(n + 1);
    if (!s) return 0;
    memcpy(s, payload, n);
    s[n] = '\0';
    http_err e;
    if (what == 0 || what == 1) {
        body_path(res, s, n, what == 0 ? VALIDATE_CREATE : VALIDATE_UPDATE);
    } else if (what == 2) {
        http_kv kv[HTTP_MAX_QUERY];
        size_t nkv = split_query(s, kv, HTTP_MAX_QUERY);
        store_filter filters[HTTP_MAX_FILTERS];
        store_list_query q;
        if (http_parse_list_query(res, kv, nkv, filters, &q, &e) == 0) {
            if (q.limit < 1 || q.limit > HTTP_LIST_MAX_LIMIT || q.offset < 0 || q.nfilters > HTTP_MAX_FILTERS) abort();
        } else if (e.status != 400) {
            abort();
        }
    } else {
        size_t nroutes;
        const http_route *routes = http_api_routes(&nroutes), *found = NULL;
        route_params p;
        char allow[64];
        static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE"};
        route_result rr = http_route_match(routes, nroutes, methods[data[0] % 4], s, &found, &p, allow, sizeof allow);
        if (rr == ROUTE_FOUND && (!found || p.id < 0)) abort();
        char cookie[AUTH_TOKEN_HEX];
        (void)http_cookie_get(s, "couloir_session", cookie, sizeof cookie);
        http_kv kv[HTTP_MAX_QUERY];
        size_t nkv = split_query(s, kv, HTTP_MAX_QUERY);
        static const char *const allowed[] = {"user_id", "action", "object_type", "patient_id", "from", "to", NULL};
        store_filter filters[HTTP_MAX_FILTERS];
        store_list_query q;
        (void)http_parse_paging(kv, nkv, allowed, filters, &q, &e);
    }
    free(s);
    return 0;
}
