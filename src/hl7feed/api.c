/* JSON views of the inbox and of the delivery state for the CLI (`couloir hl7 inbox|reprocess|outbox`).
 * The HTTP API (src/http/h_hl7.c) reads the same store functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7feed/hl7feed_internal.h"

static int error_body(json_t **body, int status, const char *text)
{
    *body = json_pack("{s:s}", "error", text);
    return status;
}

static bool parse_limit(const char *s, int64_t *out)
{
    if (!s || !*s) {
        *out = 100;
        return true;
    }
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 1 || v > 1000) return false;
    *out = v;
    return true;
}

static int listing(hl7feed_t *f, bool inbox, const char *state, const char *limit, json_t **body)
{
    int64_t lim;
    if (!parse_limit(limit, &lim)) return error_body(body, 400, "Paramètre limit invalide (1 à 1000)");
    if (inbox && state && *state && strcmp(state, "received") != 0 && strcmp(state, "processed") != 0 &&
        strcmp(state, "failed") != 0 && strcmp(state, "rejected") != 0)
        return error_body(body, 400, "Paramètre state invalide (received, processed, failed ou rejected)");
    store_conn_t *c = store_acquire(f->st);
    if (!c) return error_body(body, 503, "Base de données indisponible");
    json_t *items = NULL;
    int64_t total = 0;
    store_status st = inbox ? hl7s_inbox_list(c, state && *state ? state : NULL, lim, 0, &items, &total)
                            : hl7s_outbox_list(c, NULL, 0, lim, 0, &items, &total);
    store_release(f->st, c);
    if (st != STORE_OK) return error_body(body, 500, "Lecture impossible");
    *body = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return 200;
}

int hl7feed_api_inbox_list(hl7feed_t *f, const char *state, const char *limit, json_t **body)
{
    return listing(f, true, state, limit, body);
}

int hl7feed_api_outbox_list(hl7feed_t *f, const char *limit, json_t **body)
{
    return listing(f, false, NULL, limit, body);
}

static const char *ack_name(hl7_ack_code c) { return c == HL7_ACK_AA ? "AA" : c == HL7_ACK_AE ? "AE" : "AR"; }

json_t *feed_outcome_json(const hl7feed_outcome *o);
json_t *feed_outcome_json(const hl7feed_outcome *o)
{
    const char *state = o->code == HL7_ACK_AA ? "processed" : o->code == HL7_ACK_AE ? "failed" : "rejected";
    return json_pack("{s:s,s:i,s:s,s:s,s:s}", "ack", ack_name(o->code), "error", o->error, "location", o->location,
                     "text", o->text, "state", state);
}

int hl7feed_api_reprocess(hl7feed_t *f, int64_t id, const json_t *request, json_t **body)
{
    const char *raw = NULL;
    if (request) {
        json_t *r = json_object_get(request, "raw");
        if (r && !json_is_string(r)) return error_body(body, 400, "Le champ raw doit être le texte du message");
        raw = json_string_value(r);
    }
    hl7feed_outcome o;
    memset(&o, 0, sizeof o);
    store_status st = hl7feed_reprocess(f, id, raw, &o);
    if (st == STORE_NOT_FOUND) return error_body(body, 404, "Message inconnu");
    if (st == STORE_CONFLICT) return error_body(body, 409, "Message déjà traité");
    if (st != STORE_OK) return error_body(body, 503, "Retraitement impossible : base de données indisponible");
    *body = feed_outcome_json(&o);
    return 200;
}
