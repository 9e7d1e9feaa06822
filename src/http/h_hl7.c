/* HL7 interface API: inbox (list, one message, correction and reprocessing) and the delivery
 * state of outbound HL7 jobs. Reads go through the store (store/hl7feed_store.h); reprocessing
 * needs the HL7 processing code, reached through the application's hooks (http.h). */
#include <stdio.h>
#include <string.h>

#include "http/h_hl7.h"
#include "store/hl7feed_store.h"

/* Paging (offset, limit) plus the named filters; -1 with the response set. */
static int paging(http_ctx *cx, const char *const *allowed, store_list_query *q)
{
    store_filter filters[HTTP_MAX_FILTERS];
    http_err e;
    if (http_parse_paging(cx->req->query, cx->req->nquery, allowed, filters, q, &e) != 0) {
        http_set_error(cx->resp, &e);
        return -1;
    }
    q->filters = NULL;
    q->nfilters = 0;
    return 0;
}

/* The value of query parameter `key` when it is one of `values` (NULL-terminated); NULL when
 * absent; -1 with a 400 when invalid. */
static int enum_param(http_ctx *cx, const char *key, const char *const *values, const char *list, const char **out)
{
    *out = http_query_get(cx->req, key);
    if (!*out || !**out) {
        *out = NULL;
        return 0;
    }
    for (const char *const *v = values; *v; v++)
        if (strcmp(*v, *out) == 0) return 0;
    http_fail(cx->resp, HE_INVALID_VALUE, key, "Valeur invalide pour « %s » : valeurs possibles %s.", key, list);
    cx->resp->status = 400;
    return -1;
}

static void list_answer(http_ctx *cx, store_status st, json_t *items, int64_t total)
{
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, NULL);
        return;
    }
    http_set_json(cx->resp, 200, json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total));
}

void h_hl7_inbox_list(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "read")) return;
    static const char *const allowed[] = {"state", NULL};
    static const char *const states[] = {"received", "processed", "failed", "rejected", NULL};
    store_list_query q;
    const char *state;
    if (paging(cx, allowed, &q) != 0 ||
        enum_param(cx, "state", states, "received, processed, failed, rejected", &state) != 0)
        return;
    json_t *items = NULL;
    int64_t total = 0;
    store_status st = hl7s_inbox_list(cx->conn, state, q.limit, q.offset, &items, &total);
    list_answer(cx, st, items, total);
}

void h_hl7_inbox_get(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "read")) return;
    json_t *msg = NULL;
    store_status st = hl7s_inbox_get_json(cx->conn, cx->id, &msg);
    if (st == STORE_NOT_FOUND) {
        http_fail(cx->resp, HE_NOT_FOUND, NULL, "Message HL7 reçu introuvable.");
        return;
    }
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, NULL);
        return;
    }
    /* the raw text holds patient data: the read is audited */
    st = http_audit_read(cx, "hl7_inbox_read", "hl7_inbox", cx->id, 0, NULL);
    if (st != STORE_OK) {
        json_decref(msg);
        http_fail_store(cx->resp, st, NULL);
        return;
    }
    http_set_json(cx->resp, 200, msg);
}

void h_hl7_inbox_reprocess(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "update")) return;
    const http_hooks *hk = cx->app->hooks;
    if (!hk || !hk->hl7_reprocess) {
        http_fail(cx->resp, HE_UNAVAILABLE, NULL, "Le traitement des messages HL7 n'est pas démarré sur ce serveur.");
        return;
    }
    static const char *const members[] = {"raw", NULL};
    json_t *in = NULL;
    const char *raw = NULL;
    http_err e;
    if (http_parse_members(cx->req->body, cx->req->body_len, true, members, &in, &e) != 0) {
        http_set_error(cx->resp, &e);
        return;
    }
    json_t *r = json_object_get(in, "raw");
    if (r && (!json_is_string(r) || json_string_length(r) == 0 || strlen(json_string_value(r)) != json_string_length(r))) {
        http_fail(cx->resp, json_is_string(r) ? HE_INVALID_VALUE : HE_INVALID_TYPE, "raw",
                  "Le champ « message corrigé » doit être le texte non vide du message HL7.");
        json_decref(in);
        return;
    }
    raw = json_string_value(r);
    bool corrected = raw != NULL; /* raw points into `in`, freed below */
    http_hl7_outcome o;
    memset(&o, 0, sizeof o);
    store_status st = hk->hl7_reprocess(hk->ctx, cx->id, raw, &o);
    json_decref(in);
    if (st == STORE_NOT_FOUND) {
        http_fail(cx->resp, HE_NOT_FOUND, NULL, "Message HL7 reçu introuvable.");
        return;
    }
    if (st == STORE_CONFLICT) {
        http_fail(cx->resp, HE_CONFLICT, NULL, "Message déjà traité : il ne peut pas être retraité.");
        return;
    }
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, NULL);
        return;
    }
    /* Which message (MSH-10 of the text now stored) and who corrected it: the audit trail answers
     * without the inbox row. The hook does not report the patient the message touched. */
    json_t *msg = NULL;
    const char *control = NULL;
    if (hl7s_inbox_get_json(cx->conn, cx->id, &msg) == STORE_OK)
        control = json_string_value(json_object_get(msg, "control_id"));
    char detail[400];
    if (corrected)
        snprintf(detail, sizeof detail, "message %lld (MSH-10 %.64s) corrigé et retraité par %.64s : %s (%s)",
                 (long long)cx->id, control ? control : "absent", cx->user.login, o.ack, o.state);
    else
        snprintf(detail, sizeof detail, "message %lld (MSH-10 %.64s) retraité sans correction par %.64s : %s (%s)",
                 (long long)cx->id, control ? control : "absent", cx->user.login, o.ack, o.state);
    json_decref(msg);
    st = store_begin(cx->conn);
    if (st == STORE_OK) st = http_audit(cx, "hl7_reprocess", "hl7_inbox", cx->id, 0, "success", detail);
    if (st == STORE_OK) st = store_commit(cx->conn);
    else store_rollback(cx->conn);
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, NULL);
        return;
    }
    http_set_json(cx->resp, 200,
                  json_pack("{s:s,s:i,s:s,s:s,s:s}", "ack", o.ack, "error", o.error, "location", o.location, "text",
                            o.text, "state", o.state));
}

void h_hl7_outbox_list(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "read")) return;
    static const char *const allowed[] = {"state", "destination_id", NULL};
    static const char *const states[] = {"pending", "running", "done", "failed", NULL};
    store_list_query q;
    const char *state;
    if (paging(cx, allowed, &q) != 0 || enum_param(cx, "state", states, "pending, running, done, failed", &state) != 0)
        return;
    int64_t dest = 0;
    const char *d = http_query_get(cx->req, "destination_id");
    if (d && *d && http_parse_int64(d, 1, INT64_MAX, &dest) != 0) {
        http_fail(cx->resp, HE_INVALID_VALUE, "destination_id",
                  "Le paramètre « destination » doit être l'identifiant (entier positif) d'une destination HL7.");
        cx->resp->status = 400;
        return;
    }
    json_t *items = NULL;
    int64_t total = 0;
    store_status st = hl7s_outbox_list(cx->conn, state, dest, q.limit, q.offset, &items, &total);
    list_answer(cx, st, items, total);
}
