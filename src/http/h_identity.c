/* Identity API (issue 5, item 5): INSi search for an identity, acceptance of a returned identity
 * (-> récupérée), identity-document check (-> validée / qualifiée), history and INSi traces.
 *
 * The decisions are those of src/ins (pure rules); this file loads the identity, applies a rule,
 * and writes the new identity, its history entries, the document check, the INSi traces and the
 * audit event in ONE transaction (src/store/identity_store.h). The INSi calls themselves happen
 * outside any transaction (network), their traces are written right after.
 *
 * Roles: INSi calls, acceptance and the traces need [ins] insi_roles (RIS.INS.06); the INS
 * (matricule, OID) appears in answers only for [ins] view_roles (RIS.INS.05); document checks
 * need the write roles of the identities resource, the history its read roles. Every refusal is
 * a 4xx of the stable catalogue with a French message, audited when it concerns a patient. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "http/http_internal.h"
#include "ins/ins.h"
#include "store/identity_store.h"

#define LIST_LIMIT 1000

/* True when the application declared the ins module's settings ([ins] and [insi], ins_settings):
 * reading an undeclared setting is a programming error for the config module. */
static bool ins_declared(const config_t *cfg)
{
    bool ins = false, insi = false;
    for (size_t i = 0; cfg; i++) {
        const config_setting *st = config_setting_at(cfg, i);
        if (!st) break;
        if (strcmp(st->section, "ins") == 0 && strcmp(st->key, "accepted_oids") == 0) ins = true;
        if (strcmp(st->section, "insi") == 0 && strcmp(st->key, "url") == 0) insi = true;
    }
    return ins && insi;
}

void http_identity_start(http_app *app)
{
    app->insi = NULL;
    insi_client_options opts;
    char err[256];
    if (!ins_declared(app->cfg) || insi_client_options_from_config(app->cfg, &opts, err, sizeof err) != 0) return; /* not configured */
    xmlInitParser(); /* once, before the server threads parse INSi answers */
    char q[300];
    if (!(app->insi = insi_client_new(&opts, err, sizeof err)))
        LOG_WARNF("http", "INSi client unavailable", "error=%s", log_quote(err, q, sizeof q));
    else
        LOG_INFOF("http", "INSi client ready", "url=%s", log_quote(opts.url, q, sizeof q));
}

void http_identity_stop(http_app *app)
{
    insi_client_free(app->insi);
    app->insi = NULL;
}

typedef struct {
    ins_policy policy;
    ins_identity ident;
    int64_t patient_id;
} id_state;

/* True when one of the user's roles is allowed `perm` by the site policy. */
static bool user_may(const http_ctx *cx, const ins_policy *p, ins_permission perm)
{
    for (unsigned bit = 1; bit && bit <= ROLE_ALL; bit <<= 1) {
        if (!(cx->user.roles & bit)) continue;
        const char *name = model_role_name(bit);
        if (name && ins_role_allowed(p, perm, name)) return true;
    }
    return false;
}

/* Audits a refused or failed attempt in its own transaction (the request's one, if any, is over). */
static void audit_alone(http_ctx *cx, const char *action, int64_t patient_id, const char *outcome, const char *detail)
{
    if (store_begin(cx->conn) != STORE_OK) return;
    if (http_audit(cx, action, "identities", cx->id, patient_id, outcome, detail) == STORE_OK)
        store_commit(cx->conn);
    else
        store_rollback(cx->conn);
}

static void deny(http_ctx *cx, const char *action, int64_t patient_id, const char *what)
{
    http_fail(cx->resp, HE_FORBIDDEN, NULL, "Accès refusé : votre rôle ne permet pas %s.", what);
    audit_alone(cx, action, patient_id, "denied", "role");
}

static bool load_policy(http_ctx *cx, ins_policy *p)
{
    char err[256] = "";
    if (!ins_declared(cx->app->cfg) || ins_policy_load(cx->app->cfg, p, err, sizeof err) != 0) {
        http_fail(cx->resp, HE_UNAVAILABLE, NULL, "Configuration de l'identitovigilance invalide : %s.",
                  err[0] ? err : "configuration absente");
        return false;
    }
    return true;
}

/* Loads the identity of cx->id (outside a transaction, or inside the caller's). */
static bool load_identity(http_ctx *cx, id_state *s)
{
    store_status st = ids_identity_get(cx->conn, cx->id, &s->patient_id, &s->ident);
    if (st == STORE_OK) return true;
    if (st == STORE_NOT_FOUND)
        http_fail(cx->resp, HE_NOT_FOUND, NULL, "Identité inconnue.");
    else
        http_fail_store(cx->resp, st, model_resource_find("identities"));
    return false;
}

/* The request body must be empty or a JSON object whose members are all in `allowed`. */
static bool parse_body(http_ctx *cx, const char *const *allowed, json_t **out)
{
    *out = NULL;
    http_err e;
    if (cx->req->body_len == 0) {
        *out = json_object();
        return true;
    }
    if (http_parse_object(cx->req->body, cx->req->body_len, out, &e) != 0) {
        http_set_error(cx->resp, &e);
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(*out, key, v) {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++) known = known || strcmp(key, allowed[i]) == 0;
        if (!known) {
            http_fail(cx->resp, HE_UNKNOWN_FIELD, key, "Champ inconnu : « %.60s ».", key);
            json_decref(*out);
            *out = NULL;
            return false;
        }
    }
    return true;
}

static bool no_query(http_ctx *cx)
{
    if (!cx->req->nquery) return true;
    http_fail(cx->resp, HE_UNKNOWN_FIELD, cx->req->query[0].key, "Paramètre inconnu : « %.60s ».",
              cx->req->query[0].key);
    cx->resp->status = 400;
    return false;
}

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* The identity as the API shows it; the INS only when show_ins (RIS.INS.05). */
static json_t *identity_view(const id_state *s, int64_t identity_id, bool show_ins)
{
    const ins_identity *id = &s->ident;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(identity_id));
    json_object_set_new(o, "patient_id", json_integer(s->patient_id));
    json_object_set_new(o, "status", json_string(ins_status_code(id->status)));
    json_object_set_new(o, "status_label", json_string(ins_status_label(id->status)));
    json_object_set_new(o, "birth_name", json_string(id->traits.birth_name));
    json_object_set_new(o, "given_names", str_or_null(id->traits.birth_given_names));
    json_object_set_new(o, "first_given_name", json_string(id->traits.first_given_name));
    json_object_set_new(o, "birth_date", json_string(id->traits.birth_date));
    json_object_set_new(o, "sex", json_string(id->traits.sex));
    json_object_set_new(o, "birth_place", str_or_null(id->traits.birth_place));
    json_object_set_new(o, "douteuse", json_boolean(id->attributes & INS_ATTR_DOUTEUSE));
    json_object_set_new(o, "fictive", json_boolean(id->attributes & INS_ATTR_FICTIVE));
    json_object_set_new(o, "homonyme", json_boolean(id->attributes & INS_ATTR_HOMONYME));
    json_object_set_new(o, "proof_type", str_or_null(id->proof_type));
    json_object_set_new(o, "verified", json_boolean(id->verified));
    json_object_set_new(o, "from_insi", json_boolean(id->from_insi));
    if (show_ins) {
        json_object_set_new(o, "ins_matricule", str_or_null(id->matricule));
        json_object_set_new(o, "ins_oid", str_or_null(id->oid));
    }
    return o;
}

/* A refusal of the rules: 409/422 whose error object lists the problems (requirement, trait,
 * French message). */
static void fail_problems(http_ctx *cx, http_errcode code, const char *intro, const ins_problems *pb)
{
    char msg[512];
    size_t used = (size_t)snprintf(msg, sizeof msg, "%s", intro);
    json_t *list = json_array();
    for (size_t i = 0; i < pb->n; i++) {
        const ins_problem *p = &pb->items[i];
        if (!p->warning && used < sizeof msg)
            used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s", used > strlen(intro) ? " ; " : " : ", p->message);
        json_t *o = json_object();
        json_object_set_new(o, "requirement", json_string(p->requirement));
        json_object_set_new(o, "trait", p->trait ? json_string(ins_trait_key((ins_trait)p->trait)) : json_null());
        json_object_set_new(o, "warning", json_boolean(p->warning));
        json_object_set_new(o, "message", json_string(p->message));
        json_array_append_new(list, o);
    }
    if (used < sizeof msg - 1) snprintf(msg + used, sizeof msg - used, ".");
    http_err e;
    http_err_set(&e, code, NULL, "%s", msg);
    json_t *body = http_err_json(&e);
    json_object_set_new(json_object_get(body, "error"), "problems", list);
    http_set_json(cx->resp, e.status, body);
}

static json_t *warnings_json(const ins_problems *pb)
{
    json_t *a = json_array();
    for (size_t i = 0; i < pb->n; i++)
        if (pb->items[i].warning) {
            json_t *o = json_object();
            json_object_set_new(o, "requirement", json_string(pb->items[i].requirement));
            json_object_set_new(o, "message", json_string(pb->items[i].message));
            json_array_append_new(a, o);
        }
    return a;
}

/* ---- the identity returned by a CR 00 answer, kept with its trace ------------------------------ */
static json_t *ins_json(const insi_ins *i)
{
    json_t *o = json_object();
    json_object_set_new(o, "number", json_string(i->number));
    json_object_set_new(o, "key", json_string(i->key));
    json_object_set_new(o, "oid", json_string(i->oid));
    json_object_set_new(o, "date_start", json_string(i->date_start));
    json_object_set_new(o, "date_end", json_string(i->date_end));
    return o;
}

static char *returned_json(const insi_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(r->code));
    json_object_set_new(o, "label", json_string(r->label));
    json_object_set_new(o, "active", ins_json(&r->active));
    json_t *h = json_array();
    for (size_t i = 0; i < r->n_history; i++) json_array_append_new(h, ins_json(&r->history[i]));
    json_object_set_new(o, "history", h);
    json_object_set_new(o, "birth_name", json_string(r->birth_name));
    json_object_set_new(o, "given_name", json_string(r->given_name));
    json_object_set_new(o, "given_names", json_string(r->given_names));
    json_object_set_new(o, "sex", json_string(r->sex));
    json_object_set_new(o, "birth_date", json_string(r->birth_date));
    json_object_set_new(o, "birth_place", json_string(r->birth_place));
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static bool get_str(const json_t *o, const char *key, char *out, size_t n)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s) return false;
    int w = snprintf(out, n, "%s", s);
    return w >= 0 && (size_t)w < n;
}

static bool ins_from_json(const json_t *o, insi_ins *i)
{
    return get_str(o, "number", i->number, sizeof i->number) && get_str(o, "key", i->key, sizeof i->key) &&
           get_str(o, "oid", i->oid, sizeof i->oid) && get_str(o, "date_start", i->date_start, sizeof i->date_start) &&
           get_str(o, "date_end", i->date_end, sizeof i->date_end);
}

static bool returned_parse(const char *text, insi_result *r)
{
    memset(r, 0, sizeof *r);
    json_t *o = json_loads(text, 0, NULL);
    bool ok = o && get_str(o, "code", r->code, sizeof r->code) && get_str(o, "label", r->label, sizeof r->label) &&
              ins_from_json(json_object_get(o, "active"), &r->active) &&
              get_str(o, "birth_name", r->birth_name, sizeof r->birth_name) &&
              get_str(o, "given_name", r->given_name, sizeof r->given_name) &&
              get_str(o, "given_names", r->given_names, sizeof r->given_names) &&
              get_str(o, "sex", r->sex, sizeof r->sex) && get_str(o, "birth_date", r->birth_date, sizeof r->birth_date) &&
              get_str(o, "birth_place", r->birth_place, sizeof r->birth_place);
    json_t *h = json_object_get(o, "history");
    for (size_t i = 0; ok && i < json_array_size(h) && i < INSI_MAX_HISTO; i++)
        ok = ins_from_json(json_array_get(h, i), &r->history[r->n_history++]);
    r->has_individual = ok;
    json_decref(o);
    return ok;
}

/* What the caller sees of a CR 00 identity (the INS only for view roles). */
static json_t *returned_view(const insi_result *r, bool show_ins)
{
    json_t *o = json_object();
    json_object_set_new(o, "birth_name", json_string(r->birth_name));
    json_object_set_new(o, "given_names", json_string(r->given_names));
    json_object_set_new(o, "first_given_name", json_string(r->given_name));
    json_object_set_new(o, "sex", json_string(r->sex));
    json_object_set_new(o, "birth_date", json_string(r->birth_date));
    json_object_set_new(o, "birth_place", json_string(r->birth_place));
    if (show_ins) {
        char m[16];
        snprintf(m, sizeof m, "%s%s", r->active.number, r->active.key);
        json_object_set_new(o, "ins_matricule", json_string(m));
        json_object_set_new(o, "ins_oid", json_string(r->active.oid));
        ins_kind k = ins_kind_from_oid(r->active.oid);
        json_object_set_new(o, "ins_kind", json_string(ins_kind_label(k)));
    }
    return o;
}

/* ---- POST /api/v1/identities/{id}/insi-search --------------------------------------------------- */
void h_identity_insi_search(http_ctx *cx)
{
    static const char *const allowed[] = {NULL};
    id_state *s = calloc(1, sizeof *s);
    insi_strategy *strat = calloc(1, sizeof *strat);
    json_t *body = NULL, *calls = NULL;
    insi_client *client = NULL;
    if (!s || !strat) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Mémoire insuffisante.");
        goto out;
    }
    if (!no_query(cx) || !load_policy(cx, &s->policy)) goto out;
    if (!load_identity(cx, s)) goto out;
    if (!user_may(cx, &s->policy, INS_PERM_CALL_INSI)) {
        deny(cx, "insi_search", s->patient_id, "d'interroger le téléservice INSi");
        goto out;
    }
    if (!parse_body(cx, allowed, &body)) goto out;
    char why[200];
    if (!ins_insi_call_allowed(&s->ident, why, sizeof why)) {
        http_fail(cx->resp, HE_TRANSITION_REFUSED, NULL, "Appel INSi refusé : %s.", why);
        audit_alone(cx, "insi_search", s->patient_id, "denied", "RIS.INS.28");
        goto out;
    }
    if (!cx->app->insi) {
        /* say why: not configured, or the client could not be made (certificate unreadable...) */
        insi_client_options opts;
        char err[256];
        if (insi_client_options_from_config(cx->app->cfg, &opts, err, sizeof err) == 0 &&
            (client = insi_client_new(&opts, err, sizeof err)) != NULL)
            snprintf(err, sizeof err, "client INSi non initialisé au démarrage, redémarrez le serveur");
        http_fail(cx->resp, HE_UNAVAILABLE, NULL, "Téléservice INSi indisponible : %s.", err);
        goto out;
    }
    insi_search_identity(cx->app->insi, cx->user.login, &s->ident, strat);
    if (strat->outcome == INSI_OUTCOME_REFUSED) {
        http_fail(cx->resp, HE_TRANSITION_REFUSED, NULL, "Appel INSi refusé : %s.", strat->message);
        audit_alone(cx, "insi_search", s->patient_id, "denied", "traits");
        goto out;
    }
    bool show_ins = user_may(cx, &s->policy, INS_PERM_VIEW_INS);
    calls = json_array();
    json_t *found = NULL;
    store_status st = store_begin(cx->conn);
    for (size_t i = 0; st == STORE_OK && i < strat->n_calls; i++) {
        const insi_call *call = &strat->calls[i];
        char *ret = (int)i == strat->found_index ? returned_json(&call->response.result) : NULL;
        int64_t trace_id = 0;
        st = ids_trace_add(cx->conn, cx->id, s->patient_id, cx->user.id, &call->trace, ret, &trace_id);
        free(ret);
        json_t *c = json_object();
        json_object_set_new(c, "trace_id", json_integer(trace_id));
        json_object_set_new(c, "operation", json_string(call->trace.operation));
        json_object_set_new(c, "outcome", json_string(insi_outcome_code(call->outcome)));
        json_object_set_new(c, "message", json_string(call->message));
        json_object_set_new(c, "duration_ms", json_integer(call->trace.duration_ms));
        json_array_append_new(calls, c);
        if ((int)i == strat->found_index) {
            found = returned_view(&call->response.result, show_ins);
            json_object_set_new(found, "trace_id", json_integer(trace_id));
        }
    }
    char detail[64];
    snprintf(detail, sizeof detail, "%s, %zu appel(s)", insi_outcome_code(strat->outcome), strat->n_calls);
    bool transport = strat->outcome == INSI_OUTCOME_TRANSPORT;
    if (st == STORE_OK)
        st = http_audit(cx, "insi_search", "identities", cx->id, s->patient_id, transport ? "failure" : "success", detail);
    if (st == STORE_OK) st = store_commit(cx->conn);
    else store_rollback(cx->conn);
    if (st != STORE_OK) {
        json_decref(found);
        http_fail_store(cx->resp, st, model_resource_find("identities"));
        goto out;
    }
    if (transport) {
        json_decref(found);
        http_fail(cx->resp, HE_UNAVAILABLE, NULL, "Téléservice INSi injoignable : %s", strat->message);
        goto out;
    }
    json_t *resp = json_object();
    json_object_set_new(resp, "outcome", json_string(insi_outcome_code(strat->outcome)));
    json_object_set_new(resp, "message", json_string(strat->message));
    json_object_set_new(resp, "result", found ? found : json_null());
    json_object_set_new(resp, "calls", calls);
    calls = NULL;
    http_set_json(cx->resp, 200, resp);
out:
    json_decref(calls);
    json_decref(body);
    insi_client_free(client);
    free(strat);
    free(s);
}

/* The end of an identity change: audits it when every write succeeded (st), then commits, or
 * rolls back. The transaction is closed either way; false (answered) on failure. */
static bool commit_change(http_ctx *cx, store_status st, const char *action, int64_t patient_id, const char *detail,
                          const model_resource *res)
{
    if (st == STORE_OK) st = http_audit(cx, action, "identities", cx->id, patient_id, "success", detail);
    if (st == STORE_OK) st = store_commit(cx->conn);
    else store_rollback(cx->conn);
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, res);
        return false;
    }
    return true;
}

/* 200 {identity, warnings (taken), message}. */
static void answer_change(http_ctx *cx, const id_state *s, json_t *warnings, const char *message)
{
    json_t *resp = json_object();
    json_object_set_new(resp, "identity", identity_view(s, cx->id, user_may(cx, &s->policy, INS_PERM_VIEW_INS)));
    json_object_set_new(resp, "warnings", warnings);
    json_object_set_new(resp, "message", json_string(message));
    http_set_json(cx->resp, 200, resp);
}

/* ---- POST /api/v1/identities/{id}/insi-accept ---------------------------------------------------- */
void h_identity_insi_accept(http_ctx *cx)
{
    static const char *const allowed[] = {"trace_id", NULL};
    id_state *s = calloc(1, sizeof *s);
    insi_result *r = calloc(1, sizeof *r);
    ins_history *hist = calloc(1, sizeof *hist);
    ins_problems *pb = calloc(1, sizeof *pb);
    json_t *body = NULL;
    char *returned = NULL;
    bool in_tx = false;
    if (!s || !r || !hist || !pb) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Mémoire insuffisante.");
        goto out;
    }
    if (!no_query(cx) || !load_policy(cx, &s->policy)) goto out;
    if (!load_identity(cx, s)) goto out;
    if (!user_may(cx, &s->policy, INS_PERM_CALL_INSI)) {
        deny(cx, "insi_accept", s->patient_id, "d'intégrer un retour du téléservice INSi");
        goto out;
    }
    if (!parse_body(cx, allowed, &body)) goto out;
    json_t *tid = json_object_get(body, "trace_id");
    if (!tid) {
        http_fail(cx->resp, HE_MISSING_FIELD, "trace_id", "Champ obligatoire absent : « trace_id » (appel INSi à intégrer).");
        goto out;
    }
    if (!json_is_integer(tid) || json_integer_value(tid) < 1) {
        http_fail(cx->resp, HE_INVALID_TYPE, "trace_id", "« trace_id » doit être un entier positif.");
        goto out;
    }
    store_status st = store_begin(cx->conn);
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, NULL);
        goto out;
    }
    in_tx = true;
    if (!load_identity(cx, s)) goto out;
    int64_t trace_identity = 0;
    char outcome[16] = "";
    bool accepted = false;
    st = ids_trace_get(cx->conn, json_integer_value(tid), &trace_identity, outcome, sizeof outcome, &returned, &accepted);
    if (st == STORE_NOT_FOUND || (st == STORE_OK && trace_identity != cx->id)) {
        http_fail(cx->resp, HE_INVALID_VALUE, "trace_id", "Cet appel INSi ne concerne pas cette identité.");
        goto out;
    }
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, NULL);
        goto out;
    }
    if (strcmp(outcome, "00") != 0 || !returned) {
        http_fail(cx->resp, HE_TRANSITION_REFUSED, "trace_id",
                  "Seule une réponse INSi « 00 » (identité unique trouvée) peut être intégrée ; cet appel a répondu « %s ».",
                  outcome);
        goto out;
    }
    if (accepted) {
        http_fail(cx->resp, HE_CONFLICT, "trace_id", "Ce retour INSi a déjà été intégré à l'identité.");
        goto out;
    }
    if (!returned_parse(returned, r)) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Retour INSi enregistré illisible.");
        goto out;
    }
    ins_actor who = {cx->user.login, time_now_unix()};
    if (ins_apply_insi_result(&s->policy, &s->ident, r, &who, hist, pb) != 0) {
        store_rollback(cx->conn);
        in_tx = false;
        fail_problems(cx, HE_TRANSITION_REFUSED, "Retour INSi refusé", pb);
        audit_alone(cx, "insi_accept", s->patient_id, "denied", pb->n ? pb->items[0].requirement : "RIS.INS.13");
        goto out;
    }
    char now[32];
    time_format_utc(who.now, now, sizeof now);
    st = ids_identity_save(cx->conn, cx->id, &s->ident, NULL);
    if (st == STORE_CONFLICT) {
        http_fail(cx->resp, HE_CONFLICT, NULL, "Ce matricule INS est déjà porté par une autre identité : "
                                               "signalez-le à la cellule d'identitovigilance.");
        goto out;
    }
    if (st == STORE_OK) st = ids_events_add(cx->conn, cx->id, s->patient_id, cx->user.id, hist);
    if (st == STORE_OK) st = ids_trace_mark_accepted(cx->conn, json_integer_value(tid), now);
    char detail[64];
    snprintf(detail, sizeof detail, "trace %lld, statut %s", (long long)json_integer_value(tid),
             ins_status_code(s->ident.status));
    in_tx = false;
    if (!commit_change(cx, st, "insi_accept", s->patient_id, detail, NULL)) goto out;
    answer_change(cx, s, warnings_json(pb), s->ident.status == INS_STATUS_QUAL
                                              ? "Identité qualifiée : INS récupéré et identité validée."
                                              : "Identité récupérée : INS et traits issus du téléservice INSi.");
out:
    if (in_tx) store_rollback(cx->conn);
    free(returned);
    json_decref(body);
    free(pb);
    free(hist);
    free(r);
    free(s);
}

/* ---- POST /api/v1/identities/{id}/proof ------------------------------------------------------------ */
void h_identity_proof(http_ctx *cx)
{
    static const char *const allowed[] = {"proof_type", "validate", NULL};
    const model_resource *res = model_resource_find("identities");
    id_state *s = calloc(1, sizeof *s);
    ins_history *hist = calloc(1, sizeof *hist);
    ins_problems *pb = calloc(1, sizeof *pb), *pb2 = calloc(1, sizeof *pb2);
    json_t *body = NULL;
    bool in_tx = false;
    if (!s || !hist || !pb || !pb2) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Mémoire insuffisante.");
        goto out;
    }
    if (!no_query(cx) || !load_policy(cx, &s->policy)) goto out;
    if (!http_require_roles(cx, res->write_roles, res, "identity_proof")) goto out;
    if (!parse_body(cx, allowed, &body)) goto out;
    json_t *pt = json_object_get(body, "proof_type"), *val = json_object_get(body, "validate");
    if (!pt) {
        http_fail(cx->resp, HE_MISSING_FIELD, "proof_type", "Champ obligatoire absent : « proof_type » (type de justificatif).");
        goto out;
    }
    if (!json_is_string(pt) || (val && !json_is_boolean(val))) {
        http_fail(cx->resp, HE_INVALID_TYPE, json_is_string(pt) ? "validate" : "proof_type",
                  "%s", json_is_string(pt) ? "« validate » doit être un booléen." : "« proof_type » doit être un texte.");
        goto out;
    }
    const ins_proof_type *ptype = ins_policy_proof(&s->policy, json_string_value(pt));
    if (!ptype) {
        http_fail(cx->resp, HE_INVALID_VALUE, "proof_type",
                  "Type de justificatif « %.40s » non paramétré pour ce site ([ins] proof_types).", json_string_value(pt));
        goto out;
    }
    store_status st = store_begin(cx->conn);
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, NULL);
        goto out;
    }
    in_tx = true;
    if (!load_identity(cx, s)) goto out;
    ins_actor who = {cx->user.login, time_now_unix()};
    if (ins_record_proof(&s->policy, &s->ident, ptype->code, &who, hist, pb) != 0) {
        fail_problems(cx, HE_INVALID_VALUE, "Justificatif refusé", pb);
        goto out;
    }
    if (json_is_true(val) && !s->ident.verified &&
        ins_validate_manually(&s->policy, &s->ident, &who, hist, pb2) != 0) {
        fail_problems(cx, HE_TRANSITION_REFUSED, "Validation de l'identité refusée", pb2);
        goto out;
    }
    char now[32];
    time_format_utc(who.now, now, sizeof now);
    st = ids_identity_save(cx->conn, cx->id, &s->ident, now);
    if (st == STORE_OK) st = ids_events_add(cx->conn, cx->id, s->patient_id, cx->user.id, hist);
    if (st == STORE_OK)
        st = ids_proof_add(cx->conn, cx->id, s->patient_id, cx->user.id, cx->user.login, ptype->code, ptype->high_trust,
                           who.now);
    char detail[80];
    snprintf(detail, sizeof detail, "%s, statut %s", ptype->code, ins_status_code(s->ident.status));
    in_tx = false;
    if (!commit_change(cx, st, "identity_proof", s->patient_id, detail, res)) goto out;
    json_t *w = warnings_json(pb);
    json_t *w2 = warnings_json(pb2);
    json_array_extend(w, w2);
    json_decref(w2);
    char msg[160];
    snprintf(msg, sizeof msg, "Justificatif %s enregistré (%s degré de confiance) ; statut : %s.", ptype->code,
             ptype->high_trust ? "haut" : "faible", ins_status_label(s->ident.status));
    answer_change(cx, s, w, msg);
out:
    if (in_tx) store_rollback(cx->conn);
    json_decref(body);
    free(pb2);
    free(pb);
    free(hist);
    free(s);
}

/* ---- GET /api/v1/identities/{id}/history -------------------------------------------------------- */
static bool ins_field(const char *f)
{
    return f && (strcmp(f, "ins") == 0 || strcmp(f, "matricule") == 0 || strcmp(f, "oid") == 0);
}

void h_identity_history(http_ctx *cx)
{
    const model_resource *res = model_resource_find("identities");
    id_state *s = calloc(1, sizeof *s);
    json_t *events = NULL, *proofs = NULL;
    if (!s) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Mémoire insuffisante.");
        goto out;
    }
    if (!no_query(cx) || !load_policy(cx, &s->policy)) goto out;
    if (!http_require_roles(cx, res->read_roles, res, "identity_history")) goto out;
    store_status st = store_begin_read(cx->conn);
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, res);
        goto out;
    }
    bool ok = load_identity(cx, s);
    if (ok) st = ids_events_list(cx->conn, cx->id, LIST_LIMIT, &events);
    if (ok && st == STORE_OK) st = ids_proofs_list(cx->conn, cx->id, LIST_LIMIT, &proofs);
    store_rollback(cx->conn);
    if (!ok) goto out;
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, res);
        goto out;
    }
    bool show_ins = user_may(cx, &s->policy, INS_PERM_VIEW_INS);
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
        if (show_ins || !ins_field(json_string_value(json_object_get(e, "field")))) continue;
        json_object_set_new(e, "old_value", json_null());
        json_object_set_new(e, "new_value", json_null());
        json_object_set_new(e, "masked", json_true());
    }
    st = http_audit_read(cx, "identity_history", "identities", cx->id, s->patient_id, NULL);
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, res);
        goto out;
    }
    json_t *resp = json_object();
    json_object_set_new(resp, "identity", identity_view(s, cx->id, show_ins));
    json_object_set_new(resp, "events", events);
    json_object_set_new(resp, "proofs", proofs);
    events = proofs = NULL;
    http_set_json(cx->resp, 200, resp);
out:
    json_decref(events);
    json_decref(proofs);
    free(s);
}

/* ---- GET /api/v1/identities/{id}/insi-traces ---------------------------------------------------- */
void h_identity_insi_traces(http_ctx *cx)
{
    const model_resource *res = model_resource_find("identities");
    id_state *s = calloc(1, sizeof *s);
    json_t *items = NULL;
    if (!s) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Mémoire insuffisante.");
        goto out;
    }
    if (!no_query(cx) || !load_policy(cx, &s->policy)) goto out;
    if (!load_identity(cx, s)) goto out;
    if (!user_may(cx, &s->policy, INS_PERM_CALL_INSI)) {
        deny(cx, "insi_traces", s->patient_id, "de consulter les appels au téléservice INSi");
        goto out;
    }
    store_status st = ids_traces_list(cx->conn, cx->id, LIST_LIMIT, &items);
    if (st == STORE_OK && !user_may(cx, &s->policy, INS_PERM_VIEW_INS)) { /* the result may carry the INS */
        size_t i;
        json_t *t;
        json_array_foreach(items, i, t) json_object_set_new(t, "result", json_null());
    }
    if (st == STORE_OK) st = http_audit_read(cx, "insi_traces", "identities", cx->id, s->patient_id, NULL);
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, res);
        goto out;
    }
    json_t *resp = json_object();
    json_object_set_new(resp, "items", items);
    items = NULL;
    http_set_json(cx->resp, 200, resp);
out:
    json_decref(items);
    free(s);
}

/* ---- GET /api/v1/identities/proof-types ------------------------------------------------------------ */
/* The identity documents this site accepts ([ins] proof_types), so that the screens offer only
 * what the proof route takes. */
void h_identity_proof_types(http_ctx *cx)
{
    const model_resource *res = model_resource_find("identities");
    ins_policy *p = calloc(1, sizeof *p);
    if (!p) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Mémoire insuffisante.");
        return;
    }
    if (no_query(cx) && http_require_roles(cx, res->read_roles, res, "identity_proof_types") && load_policy(cx, p)) {
        json_t *items = json_array();
        for (size_t i = 0; i < p->n_proofs; i++)
            json_array_append_new(items, json_pack("{s:s,s:b}", "code", p->proofs[i].code, "high_trust",
                                                   p->proofs[i].high_trust));
        http_set_json(cx->resp, 200, json_pack("{s:o,s:b}", "items", items, "auto_validate", p->auto_validate));
    }
    free(p);
}
