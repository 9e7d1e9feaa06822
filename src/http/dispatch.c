/* Request dispatch: route table, store connection, session and CSRF, then the handler. */
#include <stdio.h>
#include <string.h>

#include "http/http_internal.h"
#include "http/h_hl7.h"
#include "http/h_reports.h"

static const http_route routes[] = {
    {"GET", "/healthz", h_healthz, AUTH_NONE},
    {"POST", "/api/v1/auth/login", h_login, AUTH_NONE},
    {"POST", "/api/v1/auth/logout", h_logout, AUTH_SESSION},
    {"GET", "/api/v1/auth/me", h_me, AUTH_SESSION},
    {"POST", "/api/v1/users", h_users_create, AUTH_SESSION},
    {"PUT", "/api/v1/users/{id}/password", h_users_password, AUTH_SESSION},
    {"PUT", "/api/v1/users/{id}/roles", h_users_roles, AUTH_SESSION},
    {"GET", "/api/v1/audit", h_audit_list, AUTH_SESSION},
    {"GET", "/api/v1/agenda", h_agenda, AUTH_SESSION},
    {"GET", "/api/v1/appointments/slots", h_slots, AUTH_SESSION},
    {"POST", "/api/v1/appointments/{id}/{action}", h_transition, AUTH_SESSION},
    {"POST", "/api/v1/identities/{id}/insi-search", h_identity_insi_search, AUTH_SESSION},
    {"POST", "/api/v1/identities/{id}/insi-accept", h_identity_insi_accept, AUTH_SESSION},
    {"POST", "/api/v1/identities/{id}/proof", h_identity_proof, AUTH_SESSION},
    {"GET", "/api/v1/identities/{id}/history", h_identity_history, AUTH_SESSION},
    {"GET", "/api/v1/identities/{id}/insi-traces", h_identity_insi_traces, AUTH_SESSION},
    {"GET", "/api/v1/identities/proof-types", h_identity_proof_types, AUTH_SESSION},
/* Feature route tables, one file per feature, before the generic resource routes. */
#include "http/routes_reports.inc"
#include "http/routes_hl7.inc"
    {"GET", "/api/v1/{res}", h_resource_list, AUTH_SESSION},
    {"POST", "/api/v1/{res}", h_resource_create, AUTH_SESSION},
    {"GET", "/api/v1/{res}/{id}", h_resource_get, AUTH_SESSION},
    {"PATCH", "/api/v1/{res}/{id}", h_resource_update, AUTH_SESSION},
    {"DELETE", "/api/v1/{res}/{id}", h_resource_delete, AUTH_SESSION},
};

const http_route *http_api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

static bool is_api_path(const char *path)
{
    return strcmp(path, "/healthz") == 0 || strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0;
}

void http_dispatch(const http_app *app, const http_request *req, http_response *resp, http_user *user_out)
{
    if (user_out) memset(user_out, 0, sizeof *user_out);
    if (!is_api_path(req->path)) {
        if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
            http_fail(resp, HE_METHOD_NOT_ALLOWED, NULL, "Méthode non autorisée pour cette adresse.");
            http_add_header(resp, "Allow", "GET, HEAD");
            return;
        }
        http_static_serve(app->opt, req->path, resp);
        return;
    }
    if (req->query_overflow) {
        http_fail(resp, HE_BAD_REQUEST, NULL, "Trop de paramètres dans l'adresse (au plus %d).", HTTP_MAX_QUERY);
        return;
    }
    size_t n;
    const http_route *rt = http_api_routes(&n), *found = NULL;
    route_params params;
    char allow[64];
    /* HEAD is answered like GET (libmicrohttpd drops the body). */
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    route_result rr = http_route_match(rt, n, method, req->path, &found, &params, allow, sizeof allow);
    if (rr == ROUTE_NO_PATH) {
        http_fail(resp, HE_NOT_FOUND, NULL, "Adresse inconnue.");
        return;
    }
    if (rr == ROUTE_BAD_METHOD) {
        http_fail(resp, HE_METHOD_NOT_ALLOWED, NULL, "Méthode %s non autorisée pour cette adresse.",
                  strlen(req->method) < 16 ? req->method : "?");
        http_add_header(resp, "Allow", allow);
        return;
    }
    http_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.app = app;
    cx.req = req;
    cx.resp = resp;
    cx.id = params.id;
    cx.action = params.action[0] ? params.action : NULL;
    cx.res = params.res[0] ? model_resource_find(params.res) : NULL;
    if (found->handler != h_healthz) {
        cx.conn = store_acquire(app->st);
        if (!cx.conn) {
            http_fail(resp, HE_UNAVAILABLE, NULL, "Le service est momentanément surchargé, veuillez réessayer.");
            http_add_header(resp, "Retry-After", "1");
            return;
        }
    }
    if (found->auth == AUTH_SESSION) {
        if (!http_session_resolve(&cx)) {
            http_fail(resp, HE_UNAUTHENTICATED, NULL, "Authentification requise : veuillez vous connecter.");
            goto done;
        }
        if (!http_method_is_safe(req->method) && !auth_token_equal(req->csrf_header, cx.user.csrf)) {
            http_fail(resp, HE_CSRF_FAILED, NULL,
                      "Jeton anti-CSRF absent ou invalide (en-tête X-CSRF-Token) : rechargez la page.");
            goto done;
        }
    }
    found->handler(&cx);
done:
    if (cx.conn) store_release(app->st, cx.conn);
    if (user_out) *user_out = cx.user;
}
