/* Outbox API (issue 6, contract A): POST /api/v1/outbox/{id}/retry makes a waiting or failed
 * sharing job (report to the DMP, MSSanté mail, HL7 message...) due now; the delivery workers
 * (src/outbox) take it at their next round. Radiologue or admin; audited in the transaction of
 * the change. A delivered job, or one being delivered, cannot be retried (409). */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "http/h_reports.h"

#define OUTBOX_RETRY_ROLES (ROLE_RADIOLOGUE | ROLE_ADMIN)

/* {"job":{id, kind, state, attempts, last_error, due_at}} */
static json_t *job_json(const store_outbox_info *j)
{
    char due[32];
    time_format_utc(j->due_ms / 1000, due, sizeof due);
    return json_pack("{s:{s:I, s:s, s:s, s:i, s:o, s:s}}", "job", "id", (json_int_t)j->id, "kind", j->kind, "state",
                     j->state, "attempts", j->attempts, "last_error",
                     j->last_error[0] ? json_string(j->last_error) : json_null(), "due_at", due);
}

void h_outbox_retry(http_ctx *cx)
{
    if (!http_require_roles(cx, OUTBOX_RETRY_ROLES, NULL, "retry")) return;
    if (cx->req->nquery) {
        http_fail(cx->resp, HE_UNKNOWN_FIELD, cx->req->query[0].key, "Paramètre inconnu : « %.60s ».",
                  cx->req->query[0].key);
        cx->resp->status = 400;
        return;
    }
    http_err e;
    json_t *o = NULL; /* no member expected: an empty body or {} */
    if (http_parse_members(cx->req->body, cx->req->body_len, true, NULL, &o, &e) != 0) {
        http_set_error(cx->resp, &e);
        return;
    }
    json_decref(o);
    store_outbox_info job;
    store_status s = store_begin(cx->conn);
    if (s == STORE_OK) s = store_outbox_get(cx->conn, cx->id, &job);
    if (s == STORE_OK) s = store_outbox_retry(cx->conn, cx->id, time_now_ms());
    if (s == STORE_OK) s = http_audit(cx, "retry", "outbox_job", cx->id, 0, "success", job.kind);
    if (s == STORE_OK) s = store_commit(cx->conn);
    else store_rollback(cx->conn);
    if (s == STORE_NOT_FOUND) {
        http_fail(cx->resp, HE_NOT_FOUND, NULL, "Envoi introuvable.");
        return;
    }
    if (s == STORE_CONFLICT) {
        if (strcmp(job.state, "done") == 0)
            http_fail(cx->resp, HE_CONFLICT, NULL, "Cet envoi a déjà abouti : il n'y a rien à relancer.");
        else
            http_fail(cx->resp, HE_CONFLICT, NULL, "Cet envoi est en cours : réessayez dans un instant.");
        return;
    }
    if (s == STORE_OK) s = store_outbox_get(cx->conn, cx->id, &job);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    json_t *body = job_json(&job);
    if (!body) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Erreur interne du serveur.");
        return;
    }
    http_set_json(cx->resp, 200, body);
}
