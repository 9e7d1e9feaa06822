/* The error catalogue and response helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

static const struct {
    const char *name;
    int status;
} catalogue[HE_COUNT] = {
    [HE_BAD_REQUEST] = {"bad_request", 400},
    [HE_INVALID_JSON] = {"invalid_json", 400},
    [HE_UNKNOWN_FIELD] = {"unknown_field", 422},
    [HE_INVALID_TYPE] = {"invalid_type", 422},
    [HE_INVALID_VALUE] = {"invalid_value", 422},
    [HE_MISSING_FIELD] = {"missing_field", 422},
    [HE_READONLY_FIELD] = {"readonly_field", 422},
    [HE_TOO_LARGE] = {"too_large", 413},
    [HE_UNAUTHENTICATED] = {"unauthenticated", 401},
    [HE_FORBIDDEN] = {"forbidden", 403},
    [HE_CSRF_FAILED] = {"csrf_failed", 403},
    [HE_NOT_FOUND] = {"not_found", 404},
    [HE_METHOD_NOT_ALLOWED] = {"method_not_allowed", 405},
    [HE_CONFLICT] = {"conflict", 409},
    [HE_TRANSITION_REFUSED] = {"transition_refused", 409},
    [HE_RATE_LIMITED] = {"rate_limited", 429},
    [HE_UNAVAILABLE] = {"unavailable", 503},
    [HE_INTERNAL] = {"internal", 500},
};

const char *http_errcode_name(http_errcode c)
{
    return (unsigned)c < HE_COUNT ? catalogue[c].name : "internal";
}

int http_errcode_status(http_errcode c)
{
    return (unsigned)c < HE_COUNT ? catalogue[c].status : 500;
}

int http_err_set(http_err *e, http_errcode code, const char *field, const char *fmt, ...)
{
    e->code = code;
    e->status = http_errcode_status(code);
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

json_t *http_err_json(const http_err *e)
{
    json_t *inner = json_object();
    json_object_set_new(inner, "code", json_string(http_errcode_name(e->code)));
    /* Messages are built from our own French texts plus field names and labels; make sure a
     * truncated multi-byte sequence cannot produce invalid JSON. */
    json_t *msg = json_string(e->message);
    if (!msg) msg = json_string("Requête invalide.");
    json_object_set_new(inner, "message", msg);
    if (e->field[0]) {
        json_t *f = json_string(e->field);
        if (f) json_object_set_new(inner, "field", f);
    }
    json_t *root = json_object();
    json_object_set_new(root, "error", inner);
    return root;
}

void http_response_free(http_response *r)
{
    if (!r) return;
    json_decref(r->json);
    free(r->raw);
    r->json = NULL;
    r->raw = NULL;
}

void http_set_json(http_response *r, int status, json_t *body)
{
    json_decref(r->json);
    free(r->raw);
    r->raw = NULL;
    r->raw_api = false;
    r->status = status;
    r->json = body;
}

void http_set_raw_json(http_response *r, int status, char *text, size_t len)
{
    json_decref(r->json);
    free(r->raw);
    r->json = NULL;
    r->status = status;
    r->raw = text;
    r->raw_len = len;
    r->raw_type = "application/json; charset=utf-8";
    r->raw_api = true;
}

void http_set_error(http_response *r, const http_err *e)
{
    http_set_json(r, e->status ? e->status : http_errcode_status(e->code), http_err_json(e));
}

void http_fail(http_response *r, http_errcode code, const char *field, const char *fmt, ...)
{
    http_err e;
    e.code = code;
    e.status = http_errcode_status(code);
    snprintf(e.field, sizeof e.field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    http_set_error(r, &e);
}

void http_add_header(http_response *r, const char *name, const char *value)
{
    if (r->nheaders >= HTTP_MAX_HEADERS) return;
    snprintf(r->headers[r->nheaders].name, sizeof r->headers[0].name, "%s", name);
    snprintf(r->headers[r->nheaders].value, sizeof r->headers[0].value, "%s", value);
    r->nheaders++;
}

void http_fail_store(http_response *r, store_status s, const model_resource *res)
{
    const char *label = res && res->label_fr ? res->label_fr : "ressource";
    switch (s) {
    case STORE_OK:
        break;
    case STORE_NOT_FOUND:
        http_fail(r, HE_NOT_FOUND, NULL, "Ressource introuvable (%s).", label);
        break;
    case STORE_CONFLICT:
        http_fail(r, HE_CONFLICT, NULL,
                  "Conflit : l'enregistrement (%s) existe déjà, est référencé ailleurs ou a été modifié entre-temps.",
                  label);
        break;
    case STORE_INVALID:
        http_fail(r, HE_BAD_REQUEST, NULL, "Requête impossible à exécuter (%s).", label);
        break;
    case STORE_BUSY:
        http_fail(r, HE_UNAVAILABLE, NULL, "Le service est momentanément surchargé, veuillez réessayer.");
        http_add_header(r, "Retry-After", "1");
        break;
    case STORE_ERROR:
    default:
        http_fail(r, HE_INTERNAL, NULL, "Erreur interne du serveur.");
        break;
    }
}
