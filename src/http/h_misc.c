/* /healthz (store, and the HL7/DICOM listeners through the application hooks) and role changes
 * of user accounts. */
#include <stdio.h>
#include <string.h>

#include "http/http_internal.h"

/* {"state": "listening", "port": N} | {"state": "degraded", "error": "..."} | {"state": "disabled"};
 * *degraded set when the listener is configured but not running. */
static json_t *listener_json(void (*probe)(void *, http_listener_status *), void *ctx, bool *degraded)
{
    http_listener_status ls;
    memset(&ls, 0, sizeof ls);
    probe(ctx, &ls);
    if (ls.state == HTTP_LISTENER_UP) return json_pack("{s:s,s:i}", "state", "listening", "port", ls.port);
    if (ls.state == HTTP_LISTENER_FAILED) {
        *degraded = true;
        return json_pack("{s:s,s:s}", "state", "degraded", "error", ls.error);
    }
    return json_pack("{s:s}", "state", "disabled");
}

void h_healthz(http_ctx *cx)
{
    /* Exercises the store for real: a connection from the pool and a query. */
    int version = store_schema_version(cx->app->st);
    json_t *body = json_object();
    const http_hooks *hk = cx->app->hooks;
    bool degraded = false;
    json_t *listeners = json_object();
    if (hk && hk->hl7_listener) json_object_set_new(listeners, "hl7", listener_json(hk->hl7_listener, hk->ctx, &degraded));
    if (hk && hk->dicom_listener)
        json_object_set_new(listeners, "dicom", listener_json(hk->dicom_listener, hk->ctx, &degraded));
    /* status: the store ("ok", or "error" with a 503). degraded: a listener that should run does
     * not (the API itself works, so the answer stays 200); its entry says why. */
    json_object_set_new(body, "status", json_string(version > 0 ? "ok" : "error"));
    json_object_set_new(body, "store", json_string(store_backend(cx->app->st)));
    json_object_set_new(body, "schema_version", json_integer(version));
    json_object_set_new(body, "degraded", json_boolean(degraded));
    json_object_set_new(body, "listeners", listeners);
    http_set_json(cx->resp, version > 0 ? 200 : 503, body);
}

void h_users_roles(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "update")) return;
    const model_resource *users = model_resource_find("users");
    if (!users) {
        http_fail(cx->resp, HE_NOT_FOUND, NULL, "Adresse inconnue.");
        return;
    }
    static const char *const members[] = {"roles", NULL};
    json_t *in = NULL;
    http_err e;
    if (http_parse_members(cx->req->body, cx->req->body_len, false, members, &in, &e) != 0) {
        http_set_error(cx->resp, &e);
        return;
    }
    json_t *roles = json_object_get(in, "roles");
    char text[128] = "";
    size_t used = 0;
    size_t i;
    json_t *r;
    unsigned bits = 0;
    if (!json_is_array(roles) || json_array_size(roles) == 0) {
        http_fail(cx->resp, roles ? HE_INVALID_TYPE : HE_MISSING_FIELD, "roles",
                  "Le champ « rôles » doit être une liste non vide parmi accueil, manipulateur, radiologue, admin.");
        json_decref(in);
        return;
    }
    json_array_foreach(roles, i, r) {
        unsigned bit = json_is_string(r) ? model_role_parse(json_string_value(r)) : 0;
        if (!bit) {
            http_fail(cx->resp, HE_INVALID_VALUE, "roles",
                      "Rôle inconnu dans « rôles » : valeurs possibles accueil, manipulateur, radiologue, admin.");
            json_decref(in);
            return;
        }
        if (bits & bit) continue;
        bits |= bit;
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", used ? " " : "", model_role_name(bit));
    }
    json_decref(in);
    if (cx->id == cx->user.id && !(bits & ROLE_ADMIN)) {
        http_fail(cx->resp, HE_CONFLICT, "roles", "Vous ne pouvez pas retirer votre propre rôle admin.");
        return;
    }
    json_t *patch = json_pack("{s:s}", "roles", text);
    store_user u;
    store_status s = store_begin(cx->conn);
    if (s == STORE_OK) s = store_resource_update(cx->conn, users, cx->id, patch);
    if (s == STORE_OK) s = http_audit(cx, "roles_change", "users", cx->id, 0, "success", text);
    if (s == STORE_OK) s = store_user_by_id(cx->conn, cx->id, &u);
    if (s == STORE_OK)
        s = store_commit(cx->conn);
    else
        store_rollback(cx->conn);
    json_decref(patch);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, users);
        return;
    }
    http_session_cache_forget_user(cx->app->sessions, cx->id);
    http_set_json(cx->resp, 200, http_user_json(&u));
}
