/* Generic resource endpoints: /api/v1/{res}[/{id}] for every model descriptor.
 * Patient-related reads and writes are audited in the same transaction as the operation. */
#include <stdio.h>
#include <string.h>

#include "http/http_internal.h"

/* Ends a transaction: commit when everything went well (status OK), else roll back. */
static store_status finish(http_ctx *cx, store_status s)
{
    if (s == STORE_OK) return store_commit(cx->conn);
    store_rollback(cx->conn);
    return s;
}

/* Reads of patient data run in a read transaction (one snapshot for the row and the lookups of
 * its patient, no write lock); their audit event is then recorded by group commit
 * (http_audit_read), durably before the data is returned. Other reads need no transaction. */
static store_status begin_if(http_ctx *cx, bool tx)
{
    return tx ? store_begin_read(cx->conn) : STORE_OK;
}

static store_status finish_if(http_ctx *cx, bool tx, store_status s)
{
    if (tx) store_rollback(cx->conn); /* read only: nothing to commit */
    return s;
}

void h_resource_list(http_ctx *cx)
{
    const model_resource *res = cx->res;
    if (!http_require_roles(cx, res->read_roles, res, "list")) return;
    store_filter filters[HTTP_MAX_FILTERS];
    store_list_query q;
    http_err e;
    if (http_parse_list_query(res, cx->req->query, cx->req->nquery, filters, &q, &e) != 0) {
        http_set_error(cx->resp, &e);
        return;
    }
    bool patient = http_resource_is_patient(res);
    json_t *items = NULL;
    int64_t total = 0;
    store_status s = begin_if(cx, patient);
    if (s == STORE_OK) s = store_resource_list(cx->conn, res, &q, &items, &total);
    if (s == STORE_OK && patient) {
        int64_t pid = 0;
        for (size_t i = 0; i < q.nfilters; i++)
            if (strcmp(filters[i].field, "patient_id") == 0) http_parse_int64(filters[i].value, 1, INT64_MAX, &pid);
        if (!pid && json_array_size(items) == 1) {
            json_t *only = json_array_get(items, 0);
            pid = http_patient_of(cx->conn, res, only, json_integer_value(json_object_get(only, "id")), 0);
        }
        s = finish_if(cx, patient, s);
        char detail[64];
        snprintf(detail, sizeof detail, "%zu résultat(s)", json_array_size(items));
        s = http_audit_read(cx, "list", res->name, 0, pid, detail);
    } else {
        s = finish_if(cx, patient, s);
    }
    if (s != STORE_OK) {
        json_decref(items);
        http_fail_store(cx->resp, s, res);
        return;
    }
    json_t *body = json_object();
    json_object_set_new(body, "items", items);
    json_object_set_new(body, "total", json_integer(total));
    json_object_set_new(body, "offset", json_integer(q.offset));
    json_object_set_new(body, "limit", json_integer(q.limit));
    http_set_json(cx->resp, 200, body);
}

void h_resource_get(http_ctx *cx)
{
    const model_resource *res = cx->res;
    if (!http_require_roles(cx, res->read_roles, res, "read")) return;
    if (cx->req->nquery) {
        http_fail(cx->resp, HE_UNKNOWN_FIELD, cx->req->query[0].key, "Paramètre inconnu : « %s ».", cx->req->query[0].key);
        cx->resp->status = 400;
        return;
    }
    json_t *obj = NULL;
    bool patient = http_resource_is_patient(res);
    store_status s = begin_if(cx, patient);
    if (s == STORE_OK) s = store_resource_get(cx->conn, res, cx->id, &obj);
    if (s == STORE_OK && patient) {
        int64_t pid = http_patient_of(cx->conn, res, obj, cx->id, 0);
        s = finish_if(cx, patient, s);
        s = http_audit_read(cx, "read", res->name, cx->id, pid, NULL);
    } else {
        s = finish_if(cx, patient, s);
    }
    if (s != STORE_OK) {
        json_decref(obj);
        http_fail_store(cx->resp, s, res);
        return;
    }
    http_set_json(cx->resp, 200, obj);
}

/* Parses and validates the body; returns the normalised object or NULL with the response set. */
static json_t *read_body(http_ctx *cx, validate_mode mode)
{
    json_t *in = NULL, *norm = NULL;
    http_err e;
    if (http_parse_object(cx->req->body, cx->req->body_len, &in, &e) != 0 ||
        http_validate_object(cx->res, in, mode, &norm, &e) != 0 || http_check_refs(cx->conn, cx->res, norm, &e) != 0) {
        json_decref(in);
        json_decref(norm);
        http_set_error(cx->resp, &e);
        return NULL;
    }
    json_decref(in);
    return norm;
}

void h_resource_create(http_ctx *cx)
{
    const model_resource *res = cx->res;
    if (!http_require_roles(cx, res->write_roles, res, "create")) return;
    json_t *obj = read_body(cx, VALIDATE_CREATE);
    if (!obj) return;
    int64_t id = 0;
    json_t *created = NULL;
    store_status s = store_begin(cx->conn);
    if (s == STORE_OK) s = store_resource_insert(cx->conn, res, obj, &id);
    if (s == STORE_OK) s = store_resource_get(cx->conn, res, id, &created);
    if (s == STORE_OK && http_resource_is_patient(res))
        s = http_audit(cx, "create", res->name, id, http_patient_of(cx->conn, res, created, id, 0), "success", NULL);
    s = finish(cx, s);
    json_decref(obj);
    if (s != STORE_OK) {
        json_decref(created);
        http_fail_store(cx->resp, s, res);
        return;
    }
    char loc[160];
    snprintf(loc, sizeof loc, "/api/v1/%s/%lld", res->name, (long long)id);
    http_add_header(cx->resp, "Location", loc);
    http_set_json(cx->resp, 201, created);
}

/* Changes to accounts (roles, active) must reach the cached sessions at once. */
static void forget_sessions(http_ctx *cx)
{
    if (strcmp(cx->res->name, "users") == 0) http_session_cache_forget_user(cx->app->sessions, cx->id);
}

void h_resource_update(http_ctx *cx)
{
    const model_resource *res = cx->res;
    if (!http_require_roles(cx, res->write_roles, res, "update")) return;
    json_t *patch = read_body(cx, VALIDATE_UPDATE);
    if (!patch) return;
    json_t *updated = NULL;
    store_status s = store_begin(cx->conn);
    if (s == STORE_OK) s = store_resource_update(cx->conn, res, cx->id, patch);
    /* Deactivating an account ends its sessions at once. */
    if (s == STORE_OK && strcmp(res->name, "users") == 0 && json_is_false(json_object_get(patch, "active")))
        s = store_session_delete_user(cx->conn, cx->id, NULL, NULL);
    if (s == STORE_OK) s = store_resource_get(cx->conn, res, cx->id, &updated);
    if (s == STORE_OK && http_resource_is_patient(res)) {
        /* The detail lists the fields changed (names only, never values). */
        char detail[256] = "";
        size_t used = 0;
        const char *key;
        json_t *v;
        json_object_foreach(patch, key, v) {
            int w = snprintf(detail + used, sizeof detail - used, "%s%s", used ? "," : "", key);
            if (w < 0 || (size_t)w >= sizeof detail - used) break;
            used += (size_t)w;
        }
        s = http_audit(cx, "update", res->name, cx->id, http_patient_of(cx->conn, res, updated, cx->id, 0), "success", detail);
    }
    s = finish(cx, s);
    json_decref(patch);
    if (s != STORE_OK) {
        json_decref(updated);
        http_fail_store(cx->resp, s, res);
        return;
    }
    forget_sessions(cx);
    http_set_json(cx->resp, 200, updated);
}

void h_resource_delete(http_ctx *cx)
{
    const model_resource *res = cx->res;
    if (!http_require_roles(cx, res->write_roles, res, "delete")) return;
    if (!res->deletable) {
        http_fail(cx->resp, HE_METHOD_NOT_ALLOWED, NULL,
                  "Suppression impossible pour la ressource %s : désactivez l'enregistrement à la place.", res->label_fr);
        http_add_header(cx->resp, "Allow", "GET, PATCH");
        return;
    }
    json_t *old = NULL;
    store_status s = store_begin(cx->conn);
    if (s == STORE_OK) s = store_resource_get(cx->conn, res, cx->id, &old);
    if (s == STORE_OK) s = store_resource_delete(cx->conn, res, cx->id);
    if (s == STORE_OK && http_resource_is_patient(res))
        s = http_audit(cx, "delete", res->name, cx->id, http_patient_of(cx->conn, res, old, cx->id, 0), "success", NULL);
    s = finish(cx, s);
    json_decref(old);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, res);
        return;
    }
    forget_sessions(cx);
    http_set_json(cx->resp, 204, NULL);
}
