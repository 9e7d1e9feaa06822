/* Login, logout, current user. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "http/http_internal.h"

json_t *http_user_json(const store_user *u)
{
    json_t *roles = json_array();
    for (unsigned bit = 1; bit <= ROLE_ADMIN; bit <<= 1)
        if (u->roles & bit) json_array_append_new(roles, json_string(model_role_name(bit)));
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(u->id));
    json_object_set_new(o, "login", json_string(u->login));
    json_object_set_new(o, "display_name", json_string(u->display_name));
    json_object_set_new(o, "rpps", u->rpps[0] ? json_string(u->rpps) : json_null());
    json_object_set_new(o, "roles", roles);
    json_object_set_new(o, "active", json_boolean(u->active));
    return o;
}

/* Records an audit event in its own transaction (login events have nothing else to commit). */
static void audit_alone(http_ctx *cx, const char *action, int64_t user_id, const char *outcome, const char *detail)
{
    if (store_begin(cx->conn) != STORE_OK) return;
    store_audit_event ev = {.user_id = user_id,
                            .action = action,
                            .object_type = "user",
                            .object_id = NULL,
                            .patient_id = 0,
                            .client_addr = cx->req->client_addr,
                            .outcome = outcome,
                            .detail = detail};
    char idbuf[24];
    if (user_id > 0) {
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)user_id);
        ev.object_id = idbuf;
    }
    if (store_audit_insert(cx->conn, &ev) == STORE_OK)
        store_commit(cx->conn);
    else
        store_rollback(cx->conn);
}

/* Reads {"login": "...", "password": "..."}; NULL with the response set on error. */
static json_t *read_credentials(http_ctx *cx, const char **login, const char **password)
{
    json_t *in = NULL;
    http_err e;
    if (http_parse_object(cx->req->body, cx->req->body_len, &in, &e) != 0) {
        http_set_error(cx->resp, &e);
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v) {
        if (strcmp(key, "login") != 0 && strcmp(key, "password") != 0) {
            http_fail(cx->resp, HE_UNKNOWN_FIELD, key, "Champ inconnu : « %s » (attendus : login, password).", key);
            json_decref(in);
            return NULL;
        }
    }
    json_t *l = json_object_get(in, "login"), *p = json_object_get(in, "password");
    if (!json_is_string(l) || !json_string_length(l) || json_string_length(l) >= 64) {
        http_fail(cx->resp, l ? HE_INVALID_VALUE : HE_MISSING_FIELD, "login", "L'identifiant est obligatoire (texte de 1 à 63 caractères).");
        json_decref(in);
        return NULL;
    }
    if (!json_is_string(p) || !json_string_length(p) || json_string_length(p) > AUTH_PASSWORD_MAX) {
        http_fail(cx->resp, p ? HE_INVALID_VALUE : HE_MISSING_FIELD, "password", "Le mot de passe est obligatoire.");
        json_decref(in);
        return NULL;
    }
    *login = json_string_value(l);
    *password = json_string_value(p);
    return in;
}

static void rate_limited(http_ctx *cx, int retry)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%d", retry);
    http_fail(cx->resp, HE_RATE_LIMITED, NULL,
              "Trop de tentatives de connexion échouées : réessayez dans %d seconde%s.", retry, retry > 1 ? "s" : "");
    http_add_header(cx->resp, "Retry-After", buf);
}

void h_login(http_ctx *cx)
{
    const char *login = NULL, *password = NULL;
    json_t *in = read_credentials(cx, &login, &password);
    if (!in) return;
    char ipkey[96], loginkey[96];
    snprintf(ipkey, sizeof ipkey, "ip:%s", cx->req->client_addr);
    snprintf(loginkey, sizeof loginkey, "login:%s", login);
    int64_t now = time_monotonic_ms();
    int retry = 0, retry2 = 0;
    bool ok_ip = auth_ratelimit_allowed(cx->app->rl, ipkey, now, &retry);
    bool ok_login = auth_ratelimit_allowed(cx->app->rl, loginkey, now, &retry2);
    if (!ok_ip || !ok_login) {
        if (!ok_login && retry2 > retry) retry = retry2;
        audit_alone(cx, "login_failed", 0, "denied", "rate_limited");
        rate_limited(cx, retry);
        json_decref(in);
        return;
    }
    store_user u;
    store_status s = store_user_by_login(cx->conn, login, &u);
    bool good = false;
    if (s == STORE_OK) {
        good = auth_verify_password(password, u.password_hash) && u.active;
    } else if (s == STORE_NOT_FOUND) {
        auth_verify_dummy(password);
    } else {
        http_fail_store(cx->resp, s, NULL);
        json_decref(in);
        return;
    }
    if (!good) {
        auth_ratelimit_fail(cx->app->rl, ipkey, now);
        auth_ratelimit_fail(cx->app->rl, loginkey, now);
        audit_alone(cx, "login_failed", s == STORE_OK ? u.id : 0, "denied",
                    s == STORE_OK ? (u.active ? "bad_password" : "inactive") : "unknown_login");
        http_fail(cx->resp, HE_UNAUTHENTICATED, NULL, "Identifiant ou mot de passe incorrect.");
        json_decref(in);
        return;
    }
    json_decref(in);
    auth_ratelimit_reset(cx->app->rl, loginkey);

    char token[AUTH_TOKEN_HEX], hash[AUTH_TOKEN_HEX], csrf[AUTH_TOKEN_HEX];
    if (auth_token_new(token, sizeof token) != 0 || auth_token_new(csrf, sizeof csrf) != 0 ||
        auth_sha256_hex(token, hash, sizeof hash) != 0) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Erreur interne du serveur.");
        return;
    }
    int64_t ttl = cx->app->opt->session_ttl_seconds;
    s = store_begin(cx->conn);
    if (s == STORE_OK)
        s = store_session_create(cx->conn, hash, u.id, csrf, time_now_unix() + ttl, cx->req->client_addr);
    if (s == STORE_OK) {
        cx->user.authenticated = true;
        cx->user.id = u.id;
        snprintf(cx->user.login, sizeof cx->user.login, "%s", u.login);
        char idbuf[24];
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)u.id);
        store_audit_event ev = {.user_id = u.id, .action = "login", .object_type = "user", .object_id = idbuf,
                                .client_addr = cx->req->client_addr, .outcome = "success", .detail = NULL};
        s = store_audit_insert(cx->conn, &ev);
    }
    if (s == STORE_OK)
        s = store_commit(cx->conn);
    else
        store_rollback(cx->conn);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    char cookie[256];
    snprintf(cookie, sizeof cookie, "couloir_session=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld%s", token,
             (long long)ttl, cx->app->opt->tls ? "; Secure" : "");
    http_add_header(cx->resp, "Set-Cookie", cookie);
    json_t *body = json_object();
    json_object_set_new(body, "user", http_user_json(&u));
    json_object_set_new(body, "csrf_token", json_string(csrf));
    http_set_json(cx->resp, 200, body);
}

void h_logout(http_ctx *cx)
{
    http_session_cache_forget(cx->app->sessions, cx->user.session_hash);
    store_status s = store_begin(cx->conn);
    if (s == STORE_OK) s = store_session_delete(cx->conn, cx->user.session_hash);
    if (s == STORE_OK) s = http_audit(cx, "logout", "user", cx->user.id, 0, "success", NULL);
    if (s == STORE_OK)
        s = store_commit(cx->conn);
    else
        store_rollback(cx->conn);
    if (s != STORE_OK && s != STORE_NOT_FOUND) {
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    http_add_header(cx->resp, "Set-Cookie", "couloir_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    http_set_json(cx->resp, 204, NULL);
}

void h_me(http_ctx *cx)
{
    store_user u;
    store_status s = store_user_by_id(cx->conn, cx->user.id, &u);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    json_t *body = json_object();
    json_object_set_new(body, "user", http_user_json(&u));
    json_object_set_new(body, "csrf_token", json_string(cx->user.csrf));
    http_set_json(cx->resp, 200, body);
}
