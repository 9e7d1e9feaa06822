/* Report templates API (issue 6, contract A): /api/v1/report-templates.
 *
 * Read: radiologue and admin; write: admin. The body of a write is the template JSON of
 * src/report/report.h, checked by report_template_from_json (unknown members refused, French
 * message naming the member), plus an optional "exam_id" (exam of the catalogue the template is
 * for; null or absent: every exam of its modality). The JSON is stored in its canonical form
 * (report_template_to_json). A create starts at revision 1; every PUT increments it (a
 * "revision" sent in the body must be the stored one: the admin edited the latest version).
 * DELETE removes a template, or deactivates it when a report refers to it. Writes are audited
 * in their transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/h_reports.h"
#include "report/report.h"
#include "store/report_template_store.h"

#define TPL_READ_ROLES (ROLE_RADIOLOGUE | ROLE_ADMIN)
#define TPL_WRITE_ROLES ROLE_ADMIN
#define TPL_OBJECT "report-templates"

static store_status finish(http_ctx *cx, store_status s)
{
    if (s == STORE_OK) return store_commit(cx->conn);
    store_rollback(cx->conn);
    return s;
}

static void fail_store(http_ctx *cx, store_status s)
{
    if (s == STORE_NOT_FOUND)
        http_fail(cx->resp, HE_NOT_FOUND, NULL, "Modèle de compte rendu introuvable.");
    else
        http_fail_store(cx->resp, s, NULL);
}

/* The API view: the template JSON with id, exam_id, active, created_at and updated_at. */
static json_t *template_view(const report_template_row *r)
{
    json_error_t je;
    json_t *o = json_loads(r->json, 0, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_pack("{s:s, s:s, s:s, s:i}", "code", r->code, "label", r->label, "modality", r->modality,
                      "revision", r->revision);
    }
    if (!o) return NULL;
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "code", json_string(r->code));
    json_object_set_new(o, "label", json_string(r->label));
    json_object_set_new(o, "modality", json_string(r->modality));
    json_object_set_new(o, "revision", json_integer(r->revision));
    json_object_set_new(o, "exam_id", r->exam_id ? json_integer(r->exam_id) : json_null());
    json_object_set_new(o, "active", json_boolean(r->active));
    json_object_set_new(o, "created_at", json_string(r->created_at));
    json_object_set_new(o, "updated_at", json_string(r->updated_at));
    return o;
}

static void answer_row(http_ctx *cx, int status, int64_t id)
{
    report_template_row row;
    store_status s = report_templates_get_row(cx->conn, id, &row);
    if (s != STORE_OK) {
        fail_store(cx, s);
        return;
    }
    json_t *o = template_view(&row);
    report_template_row_clear(&row);
    if (!o) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Erreur interne du serveur.");
        return;
    }
    http_set_json(cx->resp, status, o);
}

/* A write body checked: the template (canonical JSON text, malloc'd), its exam and the revision
 * the client says it edited (0: not given). False with the answer set otherwise. */
typedef struct {
    rtpl_template t;
    int64_t exam_id;
    int client_revision;
} tpl_body;

static bool parse_body(http_ctx *cx, tpl_body *b)
{
    memset(b, 0, sizeof *b);
    http_err e;
    json_t *o = NULL;
    if (http_parse_object(cx->req->body, cx->req->body_len, &o, &e) != 0) {
        http_set_error(cx->resp, &e);
        return false;
    }
    json_t *exam = json_object_get(o, "exam_id");
    if (exam && !json_is_null(exam)) {
        if (!json_is_integer(exam) || json_integer_value(exam) < 1) {
            http_fail(cx->resp, HE_INVALID_TYPE, "exam_id",
                      "Le champ « exam_id » doit être l'identifiant (entier positif) d'un examen du catalogue, ou null.");
            json_decref(o);
            return false;
        }
        b->exam_id = json_integer_value(exam);
    }
    json_object_del(o, "exam_id");
    /* members of the view a client may send back unchanged */
    json_object_del(o, "id");
    json_object_del(o, "active");
    json_object_del(o, "created_at");
    json_object_del(o, "updated_at");
    json_t *rev = json_object_get(o, "revision");
    if (json_is_integer(rev) && json_integer_value(rev) >= 1 && json_integer_value(rev) < 1000000)
        b->client_revision = (int)json_integer_value(rev);
    else if (!rev)
        json_object_set_new(o, "revision", json_integer(1)); /* report_template_from_json needs one */
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char err[512] = "";
    int rc = text ? report_template_from_json(text, &b->t, err, sizeof err) : -1;
    free(text);
    if (rc != 0) {
        http_fail(cx->resp, HE_INVALID_VALUE, NULL, "%s", err[0] ? err : "Modèle de compte rendu invalide.");
        return false;
    }
    return true;
}

/* Writes b (revision already set) as template `id` (0: a new one); returns the store status and
 * sets *id. Maps the refusals to French answers. */
static store_status save(http_ctx *cx, tpl_body *b, int64_t *id, int expected_revision)
{
    char err[512] = "";
    char *json = report_template_to_json(&b->t, err, sizeof err);
    if (!json) {
        http_fail(cx->resp, HE_INVALID_VALUE, NULL, "%s", err[0] ? err : "Modèle de compte rendu invalide.");
        return STORE_INVALID;
    }
    report_template_in in = {b->t.code, b->t.label, b->t.modality, b->exam_id, json, b->t.revision};
    store_status s = *id ? report_templates_update(cx->conn, *id, expected_revision, &in)
                         : report_templates_create(cx->conn, &in, id);
    free(json);
    if (s == STORE_INVALID)
        http_fail(cx->resp, HE_INVALID_VALUE, "exam_id", "Examen %lld inconnu du catalogue.", (long long)b->exam_id);
    else if (s == STORE_CONFLICT)
        http_fail(cx->resp, HE_CONFLICT, "code",
                  "Un autre modèle porte déjà le code « %s », ou le modèle a été modifié entre-temps.", b->t.code);
    else if (s != STORE_OK)
        fail_store(cx, s);
    return s;
}

void h_report_templates_list(http_ctx *cx)
{
    if (!http_require_roles(cx, TPL_READ_ROLES, NULL, "list")) return;
    const char *modality = NULL;
    bool inactive = false;
    for (size_t i = 0; i < cx->req->nquery; i++) {
        const http_kv *kv = &cx->req->query[i];
        if (strcmp(kv->key, "modality") == 0) {
            modality = kv->value;
        } else if (strcmp(kv->key, "include_inactive") == 0 &&
                   (strcmp(kv->value, "true") == 0 || strcmp(kv->value, "false") == 0)) {
            inactive = strcmp(kv->value, "true") == 0;
        } else {
            if (strcmp(kv->key, "include_inactive") == 0)
                http_fail(cx->resp, HE_INVALID_VALUE, kv->key, "Le paramètre « include_inactive » vaut true ou false.");
            else
                http_fail(cx->resp, HE_UNKNOWN_FIELD, kv->key, "Paramètre inconnu : « %.60s ».", kv->key);
            cx->resp->status = 400;
            return;
        }
    }
    report_template_row *rows = NULL;
    size_t n = 0;
    store_status s = report_templates_list(cx->conn, inactive, modality, &rows, &n);
    if (s != STORE_OK) {
        fail_store(cx, s);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(items, template_view(&rows[i]));
    report_template_rows_free(rows, n);
    http_set_json(cx->resp, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)n));
}

void h_report_templates_get(http_ctx *cx)
{
    if (!http_require_roles(cx, TPL_READ_ROLES, NULL, "read")) return;
    answer_row(cx, 200, cx->id);
}

void h_report_templates_create(http_ctx *cx)
{
    if (!http_require_roles(cx, TPL_WRITE_ROLES, NULL, "create")) return;
    tpl_body b;
    if (!parse_body(cx, &b)) return;
    b.t.revision = 1;
    int64_t id = 0;
    store_status s = store_begin(cx->conn);
    if (s != STORE_OK) {
        fail_store(cx, s);
        return;
    }
    s = save(cx, &b, &id, 0);
    if (s == STORE_OK) s = http_audit(cx, "create", TPL_OBJECT, id, 0, "success", b.t.code);
    if ((s = finish(cx, s)) != STORE_OK) {
        if (cx->resp->status < 400) fail_store(cx, s); /* not already answered by save() */
        return;
    }
    answer_row(cx, 201, id);
}

void h_report_templates_update(http_ctx *cx)
{
    if (!http_require_roles(cx, TPL_WRITE_ROLES, NULL, "update")) return;
    tpl_body b;
    if (!parse_body(cx, &b)) return;
    store_status s = store_begin(cx->conn);
    if (s != STORE_OK) {
        fail_store(cx, s);
        return;
    }
    report_template_row cur;
    s = report_templates_get_row(cx->conn, cx->id, &cur);
    if (s != STORE_OK) {
        store_rollback(cx->conn);
        fail_store(cx, s);
        return;
    }
    int stored = cur.revision;
    report_template_row_clear(&cur);
    if (b.client_revision && b.client_revision != stored) {
        store_rollback(cx->conn);
        http_fail(cx->resp, HE_CONFLICT, "revision",
                  "Le modèle a été modifié entre-temps (révision %d, vous avez modifié la révision %d) : rechargez-le.",
                  stored, b.client_revision);
        return;
    }
    b.t.revision = stored + 1;
    int64_t id = cx->id;
    s = save(cx, &b, &id, stored);
    if (s == STORE_OK) {
        char detail[64];
        snprintf(detail, sizeof detail, "%s revision %d", b.t.code, b.t.revision);
        s = http_audit(cx, "update", TPL_OBJECT, id, 0, "success", detail);
    }
    if ((s = finish(cx, s)) != STORE_OK) {
        if (cx->resp->status < 400) fail_store(cx, s); /* not already answered by save() */
        return;
    }
    answer_row(cx, 200, id);
}

void h_report_templates_delete(http_ctx *cx)
{
    if (!http_require_roles(cx, TPL_WRITE_ROLES, NULL, "delete")) return;
    store_status s = store_begin(cx->conn);
    bool deactivated = false;
    if (s == STORE_OK) s = report_templates_delete(cx->conn, cx->id, &deactivated);
    if (s == STORE_OK)
        s = http_audit(cx, deactivated ? "deactivate" : "delete", TPL_OBJECT, cx->id, 0, "success", NULL);
    s = finish(cx, s);
    if (s != STORE_OK) {
        fail_store(cx, s);
        return;
    }
    http_set_json(cx->resp, 200,
                  json_pack("{s:I, s:s, s:b}", "id", (json_int_t)cx->id, "outcome",
                            deactivated ? "deactivated" : "deleted", "active", 0));
}
