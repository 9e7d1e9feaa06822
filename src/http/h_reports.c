/* Reporting API (issue 6, contract A of docs/reporting.md): lists, to-do, reminders, one report,
 * create / edit / life cycle commands, stored documents (PDF, CDA N1, CDA N3, HTML) and the
 * preview of an unvalidated report.
 *
 * The logic is in src/report/report_service.h (one transaction per write, with the documents,
 * the sharing jobs and the audit event); this file checks roles, parses the request, maps the
 * service's results to the error catalogue and audits the reads. Roles: radiologue everything;
 * manipulateur the lists and one report; accueil and admin nothing here (refusals audited). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "http/h_reports.h"
#include "report/report.h"
#include "report/report_service.h"
#include "store/report_store.h"

#define OBJ "reports"

static void audit_alone(http_ctx *cx, const char *action, int64_t patient_id, const char *outcome, const char *detail)
{
    if (store_begin(cx->conn) != STORE_OK) return;
    if (http_audit(cx, action, OBJ, cx->id, patient_id, outcome, detail) == STORE_OK)
        store_commit(cx->conn);
    else
        store_rollback(cx->conn);
}

/* Role check: 403 and an audited refusal (reports are patient data). */
static bool allow(http_ctx *cx, unsigned roles, const char *action)
{
    if (cx->user.roles & roles) return true;
    http_fail(cx->resp, HE_FORBIDDEN, NULL, "%s",
              "Accès refusé : votre rôle ne permet pas cette action sur les comptes rendus.");
    audit_alone(cx, action, 0, "denied", "role");
    return false;
}

static void fail_result(http_ctx *cx, const rsv_result *r, const char *action)
{
    http_errcode code = HE_INTERNAL;
    switch (r->status) {
    case RSV_NOT_FOUND: code = HE_NOT_FOUND; break;
    case RSV_FORBIDDEN: code = HE_FORBIDDEN; break;
    case RSV_INVALID: code = HE_INVALID_VALUE; break;
    case RSV_UNKNOWN_MEMBER: code = HE_UNKNOWN_FIELD; break;
    case RSV_CONFLICT: code = HE_TRANSITION_REFUSED; break;
    case RSV_EXISTS:
    case RSV_STALE: code = HE_CONFLICT; break;
    case RSV_UNAVAILABLE: code = HE_UNAVAILABLE; break;
    default: code = HE_INTERNAL; break;
    }
    http_fail(cx->resp, code, r->field[0] ? r->field : NULL, "%s", r->message);
    if (r->status == RSV_FORBIDDEN) audit_alone(cx, action, 0, "denied", "rpps");
}

static bool service_config(http_ctx *cx, report_service_config *cfg)
{
    char err[256] = "";
    if (report_service_config_load(cx->app->cfg, cfg, err, sizeof err) == 0) return true;
    http_fail(cx->resp, HE_UNAVAILABLE, NULL, "Configuration des comptes rendus invalide : %s", err);
    return false;
}

static rsv_actor actor(http_ctx *cx, store_user *u)
{
    rsv_actor a = {cx->user.id, cx->user.login, cx->user.display_name, NULL, (cx->user.roles & ROLE_RADIOLOGUE) != 0,
                   cx->req->client_addr};
    if (store_user_by_id(cx->conn, cx->user.id, u) == STORE_OK && u->rpps[0]) a.rpps = u->rpps;
    return a;
}

static bool parse_body(http_ctx *cx, json_t **out)
{
    *out = NULL;
    if (cx->req->body_len == 0) {
        *out = json_object();
        return true;
    }
    http_err e;
    if (http_parse_object(cx->req->body, cx->req->body_len, out, &e) == 0) return true;
    http_set_error(cx->resp, &e);
    return false;
}

static bool no_query(http_ctx *cx)
{
    if (!cx->req->nquery) return true;
    http_fail(cx->resp, HE_UNKNOWN_FIELD, cx->req->query[0].key, "Paramètre inconnu : « %.60s ».", cx->req->query[0].key);
    cx->resp->status = 400;
    return false;
}

/* Answers the Report object (after a write: the write was audited). */
static void answer_report(http_ctx *cx, int64_t id, int status)
{
    json_t *o = NULL;
    int64_t pid = 0;
    rsv_result r = rsv_view(cx->conn, id, &o, &pid);
    if (r.status != RSV_OK) {
        fail_result(cx, &r, "read");
        return;
    }
    http_set_json(cx->resp, status, o);
}

/* --- lists ----------------------------------------------------------------------------------- */
static bool query_i64(http_ctx *cx, const char *key, int64_t min, int64_t max, int64_t *out)
{
    const char *v = http_query_get(cx->req, key);
    if (!v) return true;
    if (http_parse_int64(v, min, max, out) == 0) return true;
    http_fail(cx->resp, HE_INVALID_VALUE, key, "Paramètre « %s » : entier de %lld à %lld attendu.", key, (long long)min,
              (long long)max);
    cx->resp->status = 400;
    return false;
}

static bool known_params(http_ctx *cx, const char *const *allowed)
{
    for (size_t i = 0; i < cx->req->nquery; i++) {
        bool ok = false;
        for (size_t k = 0; allowed[k]; k++) ok = ok || strcmp(allowed[k], cx->req->query[i].key) == 0;
        if (!ok) {
            http_fail(cx->resp, HE_UNKNOWN_FIELD, cx->req->query[i].key, "Paramètre inconnu : « %.60s ».",
                      cx->req->query[i].key);
            cx->resp->status = 400;
            return false;
        }
    }
    return true;
}

static void list_answer(http_ctx *cx, const rstore_list_query *q, bool with_total, const char *detail)
{
    json_t *items = NULL;
    int64_t total = 0;
    store_status s = store_begin_read(cx->conn);
    if (s == STORE_OK) s = rstore_report_list(cx->conn, q, &items, &total);
    store_rollback(cx->conn);
    if (s == STORE_OK) s = http_audit_read(cx, "list", OBJ, 0, q->patient_id, detail);
    if (s != STORE_OK) {
        json_decref(items);
        if (s == STORE_INVALID)
            http_fail(cx->resp, HE_INVALID_VALUE, "status", "%s",
                      "Statut inconnu : brouillon, provisoire, valide, corrige ou retire attendu.");
        else
            http_fail_store(cx->resp, s, NULL);
        if (s == STORE_INVALID) cx->resp->status = 400;
        return;
    }
    rsv_decorate_summaries(items);
    json_t *o = json_pack("{s:o}", "items", items);
    if (with_total) json_object_set_new(o, "total", json_integer(total));
    http_set_json(cx->resp, 200, o);
}

void h_reports_list(http_ctx *cx)
{
    if (!allow(cx, ROLE_RADIOLOGUE | ROLE_MANIPULATEUR, "list")) return;
    static const char *const params[] = {"status", "patient_id", "procedure_id", "limit", "offset", NULL};
    if (!known_params(cx, params)) return;
    rstore_list_query q = {.status = http_query_get(cx->req, "status"), .limit = HTTP_LIST_DEFAULT_LIMIT};
    if (!query_i64(cx, "patient_id", 1, INT64_MAX, &q.patient_id) ||
        !query_i64(cx, "procedure_id", 1, INT64_MAX, &q.procedure_id) ||
        !query_i64(cx, "limit", 1, HTTP_LIST_MAX_LIMIT, &q.limit) || !query_i64(cx, "offset", 0, INT64_MAX / 2, &q.offset))
        return;
    list_answer(cx, &q, true, NULL);
}

void h_reports_reminders(http_ctx *cx)
{
    if (!allow(cx, ROLE_RADIOLOGUE, "list")) return;
    if (!no_query(cx)) return;
    report_service_config cfg;
    if (!service_config(cx, &cfg)) return;
    rstore_list_query q = {.stale_before = time_now_unix() - cfg.reminder_delay_s, .limit = HTTP_LIST_MAX_LIMIT};
    list_answer(cx, &q, false, "reminders");
}

void h_reports_to_report(http_ctx *cx)
{
    if (!allow(cx, ROLE_RADIOLOGUE | ROLE_MANIPULATEUR, "list")) return;
    static const char *const params[] = {"limit", NULL};
    if (!known_params(cx, params)) return;
    int64_t limit = HTTP_LIST_MAX_LIMIT;
    if (!query_i64(cx, "limit", 1, HTTP_LIST_MAX_LIMIT, &limit)) return;
    json_t *items = NULL;
    store_status s = store_begin_read(cx->conn);
    if (s == STORE_OK) s = rstore_exams_to_report(cx->conn, limit, &items);
    store_rollback(cx->conn);
    if (s == STORE_OK) s = http_audit_read(cx, "list", OBJ, 0, 0, "to-do");
    if (s != STORE_OK) {
        json_decref(items);
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        rpt_status st;
        const char *name = json_string_value(json_object_get(it, "report_status"));
        json_object_set_new(it, "status_label",
                            name && rpt_status_parse(name, &st) ? json_string(rpt_status_label_fr(st))
                                                                : json_string("à rédiger"));
    }
    http_set_json(cx->resp, 200, json_pack("{s:o}", "items", items));
}

/* --- one report --------------------------------------------------------------------------------- */
void h_reports_get(http_ctx *cx)
{
    if (!allow(cx, ROLE_RADIOLOGUE | ROLE_MANIPULATEUR, "read")) return;
    if (!no_query(cx)) return;
    json_t *o = NULL;
    int64_t pid = 0;
    store_status s = store_begin_read(cx->conn);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    rsv_result r = rsv_view(cx->conn, cx->id, &o, &pid);
    store_rollback(cx->conn);
    if (r.status != RSV_OK) {
        fail_result(cx, &r, "read");
        return;
    }
    s = http_audit_read(cx, "read", OBJ, cx->id, pid, NULL);
    if (s != STORE_OK) {
        json_decref(o);
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    http_set_json(cx->resp, 200, o);
}

void h_reports_create(http_ctx *cx)
{
    if (!allow(cx, ROLE_RADIOLOGUE, "create")) return;
    if (!no_query(cx)) return;
    static const char *const members[] = {"procedure_id", "template_id", NULL};
    json_t *body;
    http_err e;
    if (http_parse_members(cx->req->body, cx->req->body_len, true, members, &body, &e) != 0) {
        http_set_error(cx->resp, &e);
        return;
    }
    json_t *proc = json_object_get(body, "procedure_id"), *tpl = json_object_get(body, "template_id");
    if (!proc) {
        http_fail(cx->resp, HE_MISSING_FIELD, "procedure_id", "%s", "Champ obligatoire : « procedure_id » (examen).");
        json_decref(body);
        return;
    }
    if (!json_is_integer(proc) || json_integer_value(proc) < 1 || (tpl && !json_is_null(tpl) && (!json_is_integer(tpl) || json_integer_value(tpl) < 1))) {
        http_fail(cx->resp, HE_INVALID_TYPE, !json_is_integer(proc) || json_integer_value(proc) < 1 ? "procedure_id" : "template_id",
                  "%s", "Identifiant entier positif attendu.");
        json_decref(body);
        return;
    }
    int64_t procedure_id = json_integer_value(proc), template_id = json_is_integer(tpl) ? json_integer_value(tpl) : 0;
    json_decref(body);
    report_service_config cfg;
    if (!service_config(cx, &cfg)) return;
    store_user u;
    rsv_actor a = actor(cx, &u);
    int64_t id = 0;
    rsv_result r = rsv_create(cx->conn, &cfg, &a, procedure_id, template_id, &id);
    if (r.status != RSV_OK) {
        fail_result(cx, &r, "create");
        return;
    }
    answer_report(cx, id, 201);
}

/* PATCH and the life cycle commands: the body, the configuration and the actor, then the service
 * call (one transaction, audited), then the Report. */
typedef rsv_result (*report_write)(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who,
                                   int64_t report_id, const char *action, const json_t *body);

static void write_and_answer(http_ctx *cx, const char *action, report_write write)
{
    if (!allow(cx, ROLE_RADIOLOGUE, action)) return;
    if (!no_query(cx)) return;
    json_t *body;
    if (!parse_body(cx, &body)) return;
    report_service_config cfg;
    if (!service_config(cx, &cfg)) {
        json_decref(body);
        return;
    }
    store_user u;
    rsv_actor a = actor(cx, &u);
    rsv_result r = write(cx->conn, &cfg, &a, cx->id, action, body);
    json_decref(body);
    if (r.status != RSV_OK) {
        fail_result(cx, &r, action);
        return;
    }
    answer_report(cx, cx->id, 200);
}

static rsv_result update_write(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who,
                               int64_t report_id, const char *action, const json_t *body)
{
    (void)action;
    return rsv_update(c, cfg, who, report_id, body);
}

void h_reports_update(http_ctx *cx) { write_and_answer(cx, "update", update_write); }

void h_reports_action(http_ctx *cx) { write_and_answer(cx, cx->action, rsv_command); }

/* --- documents ------------------------------------------------------------------------------------ */
static bool version_param(http_ctx *cx, int *version)
{
    static const char *const params[] = {"version", NULL};
    if (!known_params(cx, params)) return false;
    int64_t v = 0;
    if (!query_i64(cx, "version", 1, 100000, &v)) return false;
    *version = (int)v;
    return true;
}

/* Sends bytes (stolen) with a download name; audits the read first. */
static void send_bytes(http_ctx *cx, unsigned char *data, size_t len, const char *type, const char *name, bool attach,
                       int64_t pid, const char *what)
{
    store_status s = http_audit_read(cx, "read", OBJ, cx->id, pid, what);
    if (s != STORE_OK) {
        free(data);
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    cx->resp->status = 200;
    cx->resp->raw = (char *)data;
    cx->resp->raw_len = len;
    cx->resp->raw_type = type;
    cx->resp->raw_api = true; /* API headers: Cache-Control no-store (patient data) */
    if (name) {
        char disp[256];
        snprintf(disp, sizeof disp, "%s; filename=\"%.180s\"", attach ? "attachment" : "inline", name);
        http_add_header(cx->resp, "Content-Disposition", disp);
    }
}

static void document(http_ctx *cx, const char *kind, const char *type)
{
    if (!allow(cx, ROLE_RADIOLOGUE, "read")) return;
    int version = 0;
    if (!version_param(cx, &version)) return;
    unsigned char *data = NULL;
    size_t len = 0;
    char mime[64], name[160];
    int64_t pid = 0;
    store_status s = store_begin_read(cx->conn);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    rsv_result r = rsv_document(cx->conn, cx->id, kind, version, &data, &len, mime, sizeof mime, name, sizeof name, &pid);
    store_rollback(cx->conn);
    if (r.status != RSV_OK) {
        fail_result(cx, &r, "read");
        return;
    }
    send_bytes(cx, data, len, type, name, strcmp(kind, "PDF") != 0, pid, kind);
}

void h_reports_pdf(http_ctx *cx) { document(cx, "PDF", "application/pdf"); }
void h_reports_cda_n1(http_ctx *cx) { document(cx, "CDA-N1", "text/xml; charset=utf-8"); }
void h_reports_cda_n3(http_ctx *cx) { document(cx, "CDA-N3", "text/xml; charset=utf-8"); }

void h_reports_html(http_ctx *cx)
{
    if (!allow(cx, ROLE_RADIOLOGUE, "read")) return;
    int version = 0;
    if (!version_param(cx, &version)) return;
    char *html = NULL;
    size_t len = 0;
    int64_t pid = 0;
    store_status s = store_begin_read(cx->conn);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    rsv_result r = rsv_html(cx->conn, cx->id, version, &html, &len, &pid);
    store_rollback(cx->conn);
    if (r.status != RSV_OK) {
        fail_result(cx, &r, "read");
        return;
    }
    send_bytes(cx, (unsigned char *)html, len, "text/html; charset=utf-8", NULL, false, pid, "html");
}

void h_reports_preview(http_ctx *cx)
{
    if (!allow(cx, ROLE_RADIOLOGUE, "read")) return;
    if (!no_query(cx)) return;
    report_service_config cfg;
    if (!service_config(cx, &cfg)) return;
    unsigned char *pdf = NULL;
    size_t len = 0;
    int64_t pid = 0;
    store_status s = store_begin_read(cx->conn);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    rsv_result r = rsv_preview(cx->conn, &cfg, cx->id, &pdf, &len, &pid);
    store_rollback(cx->conn);
    if (r.status != RSV_OK) {
        fail_result(cx, &r, "read");
        return;
    }
    send_bytes(cx, pdf, len, "application/pdf", "apercu-non-valide.pdf", false, pid, "preview");
}
