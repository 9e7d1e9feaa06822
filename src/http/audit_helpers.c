/* Audit and role-check helpers shared by the handlers. */
#include <stdio.h>
#include <string.h>

#include "http/http_internal.h"

bool http_resource_is_patient(const model_resource *res)
{
    if (!res) return false;
    if (res->patient_data) return true;
    const model_field *f = model_field_find(res, "patient_id");
    return f && f->type == FIELD_REF;
}

/* Follows one reference field of obj to its row and asks that row for its patient. */
static int64_t via(store_conn_t *c, const model_resource *res, const json_t *obj, const char *field, int depth)
{
    const model_field *f = model_field_find(res, field);
    json_t *ref = json_object_get(obj, field);
    if (!c || !f || f->type != FIELD_REF || !json_is_integer(ref)) return 0;
    const model_resource *target = model_resource_find(f->ref_resource);
    json_t *row = NULL;
    int64_t pid = 0;
    if (target && store_resource_get(c, target, json_integer_value(ref), &row) == STORE_OK)
        pid = http_patient_of(c, target, row, json_integer_value(ref), depth + 1);
    json_decref(row);
    return pid;
}

int64_t http_patient_of(store_conn_t *c, const model_resource *res, const json_t *obj, int64_t id, int depth)
{
    if (!res || depth > 3) return 0;
    if (strcmp(res->name, "patients") == 0) return id;
    json_t *p = json_object_get(obj, "patient_id");
    if (json_is_integer(p)) return json_integer_value(p);
    /* procedures -> orders -> patient, steps -> procedures -> ... */
    int64_t pid = via(c, res, obj, "order_id", depth);
    return pid ? pid : via(c, res, obj, "procedure_id", depth);
}

static void fill_event(http_ctx *cx, store_audit_event *ev, char *idbuf, size_t idlen, const char *action,
                       const char *object_type, int64_t object_id, int64_t patient_id, const char *outcome,
                       const char *detail)
{
    *ev = (store_audit_event){
        .user_id = cx->user.authenticated ? cx->user.id : 0,
        .action = action,
        .object_type = object_type,
        .object_id = NULL,
        .patient_id = patient_id,
        .client_addr = cx->req->client_addr,
        .outcome = outcome,
        .detail = detail,
    };
    if (object_id > 0) {
        snprintf(idbuf, idlen, "%lld", (long long)object_id);
        ev->object_id = idbuf;
    }
}

store_status http_audit_read(http_ctx *cx, const char *action, const char *object_type, int64_t object_id,
                             int64_t patient_id, const char *detail)
{
    http_deferred_audit *d = &cx->resp->audit;
    if (cx->req->defer_audit && !d->pending && strlen(action) < sizeof d->action &&
        strlen(object_type) < sizeof d->object_type && strlen(cx->req->client_addr) < sizeof d->client_addr &&
        (!detail || strlen(detail) < sizeof d->detail)) {
        d->pending = true;
        d->user_id = cx->user.authenticated ? cx->user.id : 0;
        d->object_id = object_id;
        d->patient_id = patient_id;
        snprintf(d->action, sizeof d->action, "%s", action);
        snprintf(d->object_type, sizeof d->object_type, "%s", object_type);
        snprintf(d->client_addr, sizeof d->client_addr, "%s", cx->req->client_addr);
        snprintf(d->detail, sizeof d->detail, "%s", detail ? detail : "");
        return STORE_OK;
    }
    char idbuf[24];
    store_audit_event ev;
    fill_event(cx, &ev, idbuf, sizeof idbuf, action, object_type, object_id, patient_id, "success", detail);
    return store_audit_read(cx->app->st, &ev);
}

store_status http_audit(http_ctx *cx, const char *action, const char *object_type, int64_t object_id,
                        int64_t patient_id, const char *outcome, const char *detail)
{
    char idbuf[24];
    store_audit_event ev = {
        .user_id = cx->user.authenticated ? cx->user.id : 0,
        .action = action,
        .object_type = object_type,
        .object_id = NULL,
        .patient_id = patient_id,
        .client_addr = cx->req->client_addr,
        .outcome = outcome,
        .detail = detail,
    };
    if (object_id > 0) {
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)object_id);
        ev.object_id = idbuf;
    }
    return store_audit_insert(cx->conn, &ev);
}

bool http_require_roles(http_ctx *cx, unsigned roles, const model_resource *res, const char *action)
{
    if (cx->user.roles & roles) return true;
    http_fail(cx->resp, HE_FORBIDDEN, NULL, "Accès refusé : votre rôle ne permet pas cette action%s%s.",
              res ? " sur la ressource " : "", res ? res->label_fr : "");
    if (res && http_resource_is_patient(res) && cx->conn) {
        /* Refused attempts on patient data are audited too, in their own transaction. */
        if (store_begin(cx->conn) == STORE_OK) {
            if (http_audit(cx, action, res->name, cx->id, 0, "denied", "role") == STORE_OK)
                store_commit(cx->conn);
            else
                store_rollback(cx->conn);
        }
    }
    return false;
}
