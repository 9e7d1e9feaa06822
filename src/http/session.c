/* Session cookie resolution. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "http/http_internal.h"

bool http_method_is_safe(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(method, "OPTIONS") == 0;
}

bool http_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
    if (!header || !name || !out || outlen == 0) return false;
    size_t nlen = strlen(name);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';') p++;
        const char *end = strchr(p, ';');
        if (!end) end = p + strlen(p);
        if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            const char *v = p + nlen + 1;
            size_t vlen = (size_t)(end - v);
            while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) vlen--;
            if (vlen >= outlen) return false;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}

bool http_session_resolve(http_ctx *cx)
{
    memset(&cx->user, 0, sizeof cx->user);
    const char *token = cx->req->cookie_session;
    if (!token || !auth_token_well_formed(token) || !cx->conn) return false;
    char hash[AUTH_TOKEN_HEX];
    if (auth_sha256_hex(token, hash, sizeof hash) != 0) return false;
    int64_t now_ms = time_monotonic_ms();
    if (http_session_cache_get(cx->app->sessions, hash, now_ms, &cx->user)) return true;
    int64_t uid = 0;
    char csrf[AUTH_TOKEN_HEX];
    if (store_session_lookup(cx->conn, hash, time_now_unix(), &uid, csrf, sizeof csrf) != STORE_OK) return false;
    store_user u;
    if (store_user_by_id(cx->conn, uid, &u) != STORE_OK || !u.active) return false;
    cx->user.authenticated = true;
    cx->user.id = u.id;
    snprintf(cx->user.login, sizeof cx->user.login, "%s", u.login);
    snprintf(cx->user.display_name, sizeof cx->user.display_name, "%s", u.display_name);
    cx->user.roles = u.roles;
    snprintf(cx->user.csrf, sizeof cx->user.csrf, "%s", csrf);
    snprintf(cx->user.session_hash, sizeof cx->user.session_hash, "%s", hash);
    http_session_cache_put(cx->app->sessions, &cx->user, now_ms);
    return true;
}
