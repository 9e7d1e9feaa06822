/* INSi client: SOAP 1.2 over mutual TLS (libcurl with OpenSSL), the two search operations and
 * the search strategy of the INSi integration guide. Every call returns a trace for storage.
 * A client handle is immutable after creation: concurrent calls from several threads are fine
 * (each call uses its own curl handle). */
#include "ins/ins_internal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/timeutil.h"

#define MAX_RESPONSE (2 * 1024 * 1024)

struct insi_client {
    char *url, *cert_file, *key_file, *ca_file;
    char *idam, *software_name, *software_version, *instance;
    long timeout_ms;
};

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

int insi_client_options_from_config(const config_t *cfg, insi_client_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->url = config_get(cfg, "insi", "url");
    o->cert_file = config_get(cfg, "insi", "cert_file");
    o->key_file = config_get(cfg, "insi", "key_file");
    o->ca_file = config_get(cfg, "insi", "ca_file");
    bool ok = true;
    o->timeout_ms = config_get_long(cfg, "insi", "timeout_ms", 100, 600000, &ok);
    o->software.idam = config_get(cfg, "insi", "idam");
    o->software.software_name = config_get(cfg, "insi", "software_name");
    o->software.software_version = config_get(cfg, "insi", "software_version");
    o->software.instance = config_get(cfg, "insi", "instance");
    if (!ok) {
        snprintf(err, errlen, "[insi] timeout_ms : entier entre 100 et 600000 attendu");
        return -1;
    }
    if (ins_blank(o->url) || ins_blank(o->cert_file) || ins_blank(o->key_file) || ins_blank(o->software.idam) ||
        ins_blank(o->software.instance)) {
        snprintf(err, errlen, "téléservice INSi non configuré : renseigner [insi] url, cert_file, key_file, idam "
                              "et instance");
        return -1;
    }
    return 0;
}

void insi_client_free(insi_client *c)
{
    if (!c) return;
    free(c->url);
    free(c->cert_file);
    free(c->key_file);
    free(c->ca_file);
    free(c->idam);
    free(c->software_name);
    free(c->software_version);
    free(c->instance);
    free(c);
    curl_global_cleanup();
}

insi_client *insi_client_new(const insi_client_options *o, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (!o || ins_blank(o->url) || strncmp(o->url, "https://", 8) != 0) {
        snprintf(err, errlen, "client INSi : URL https:// obligatoire");
        return NULL;
    }
    if (ins_blank(o->software.idam) || ins_blank(o->software.software_name) ||
        ins_blank(o->software.software_version) || ins_blank(o->software.instance)) {
        snprintf(err, errlen, "client INSi : identification du logiciel incomplète (IDAM, nom, version, instance)");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "client INSi : initialisation de libcurl impossible");
        return NULL;
    }
    insi_client *c = calloc(1, sizeof *c);
    if (!c) {
        curl_global_cleanup();
        snprintf(err, errlen, "client INSi : mémoire insuffisante");
        return NULL;
    }
    c->url = strdup(o->url);
    c->cert_file = dup_or_null(o->cert_file);
    c->key_file = dup_or_null(o->key_file);
    c->ca_file = dup_or_null(o->ca_file);
    c->idam = strdup(o->software.idam);
    c->software_name = strdup(o->software.software_name);
    c->software_version = strdup(o->software.software_version);
    c->instance = strdup(o->software.instance);
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 15000;
    if (!c->url || !c->idam || !c->software_name || !c->software_version || !c->instance ||
        (o->cert_file && *o->cert_file && !c->cert_file) || (o->key_file && *o->key_file && !c->key_file) ||
        (o->ca_file && *o->ca_file && !c->ca_file)) {
        insi_client_free(c);
        snprintf(err, errlen, "client INSi : mémoire insuffisante");
        return NULL;
    }
    return c;
}

const char *insi_outcome_code(insi_outcome o)
{
    switch (o) {
    case INSI_OUTCOME_FOUND: return "00";
    case INSI_OUTCOME_NOT_FOUND: return "01";
    case INSI_OUTCOME_SEVERAL: return "02";
    case INSI_OUTCOME_FAULT: return "FAULT";
    case INSI_OUTCOME_TRANSPORT: return "TRANSPORT";
    case INSI_OUTCOME_PROTOCOL: return "PROTOCOL";
    case INSI_OUTCOME_REFUSED: return "REFUSED";
    }
    return "?";
}

void insi_fault_message(const insi_fault *f, char *out, size_t n)
{
    const char *hint;
    if (strcmp(f->error_code, "desir_560") == 0)
        hint = "droits insuffisants : le certificat client n'est pas habilité pour INSi";
    else if (strcmp(f->error_code, "desir_550") == 0 || (!f->error_code[0] && strstr(f->subcode, "siram_100")))
        hint = "logiciel non autorisé par le téléservice (numéro d'autorisation CNDA inconnu)";
    else if (strstr(f->code, "Sender"))
        hint = "requête refusée par le téléservice";
    else
        hint = "erreur du téléservice INSi";
    snprintf(out, n, "Erreur INSi (%s%s%s) : %s. %s", f->error_code[0] ? f->error_code : f->code,
             f->subcode[0] ? ", " : "", f->subcode, hint, f->reason[0] ? f->reason : "");
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    buf_t *b = user;
    size_t n = size * nmemb;
    if (b->len + n > MAX_RESPONSE || buf_append(b, data, n) != 0) return 0; /* aborts the transfer */
    return n;
}

static const char *transport_message(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT: return "téléservice INSi injoignable (connexion impossible)";
    case CURLE_OPERATION_TIMEDOUT: return "téléservice INSi : délai de réponse dépassé";
    case CURLE_SSL_CERTPROBLEM: return "certificat client INSi illisible ou invalide (fichier PEM)";
    case CURLE_SSL_CACERT_BADFILE: return "fichier des autorités de certification INSi illisible";
    case CURLE_PEER_FAILED_VERIFICATION: return "certificat du serveur INSi non reconnu : connexion refusée";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return "connexion TLS refusée par le téléservice INSi (certificat client absent, expiré ou non reconnu)";
    case CURLE_WRITE_ERROR: return "réponse INSi trop volumineuse";
    default: return "échec de communication avec le téléservice INSi";
    }
}

static void make_uuid(char out[37])
{
    unsigned char r[16];
    if (rand_bytes(r, sizeof r) != 0) memset(r, 0x5a, sizeof r);
    r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

static void summarize_found(const insi_result *r, char *out, size_t n)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "INS %s%s OID %s", r->active.number, r->active.key, r->active.oid);
    for (size_t i = 0; i < r->n_history; i++)
        buf_printf(&b, "%s%s%s", i == 0 ? " ; historique " : ", ", r->history[i].number, r->history[i].key);
    buf_printf(&b, " ; traits %s / %s / %s / %s / %s", r->birth_name, r->given_names, r->sex, r->birth_date,
               r->birth_place);
    ins_copy_trunc(out, n, buf_cstr(&b));
    buf_free(&b);
}

/* Sends one request and fills *out. */
static int call(insi_client *c, const char *who, const char *operation, const char *action, buf_t *req,
                const char *message_id, int64_t start_ms, insi_call *out)
{
    insi_trace *t = &out->trace;
    CURL *h = curl_easy_init();
    if (!h) {
        out->outcome = INSI_OUTCOME_TRANSPORT;
        ins_copy_trunc(out->message, sizeof out->message, "client INSi : initialisation de libcurl impossible");
        goto done;
    }
    char ctype[200], errbuf[CURL_ERROR_SIZE] = "";
    snprintf(ctype, sizeof ctype, "Content-Type: application/soap+xml; charset=utf-8; action=\"%s\"", action);
    struct curl_slist *headers = curl_slist_append(NULL, ctype);
    buf_t body = BUF_INIT;
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)req->len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    if (c->cert_file) curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
    if (c->key_file) curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    t->http_status = status;
    if (rc != CURLE_OK) {
        out->outcome = INSI_OUTCOME_TRANSPORT;
        ins_copy_trunc(out->message, sizeof out->message, transport_message(rc));
        char detail[sizeof t->result];
        snprintf(detail, sizeof detail, "%s [%s]", transport_message(rc), errbuf[0] ? errbuf : curl_easy_strerror(rc));
        ins_copy_trunc(t->result, sizeof t->result, detail);
    } else {
        char perr[200];
        if (insi_response_parse(body.data, body.len, &out->response, perr, sizeof perr) != 0) {
            out->outcome = status == 200 ? INSI_OUTCOME_PROTOCOL : INSI_OUTCOME_TRANSPORT;
            snprintf(out->message, sizeof out->message, "réponse INSi inexploitable (HTTP %ld) : %s", status, perr);
        } else if (out->response.kind == INSI_RESPONSE_FAULT) {
            out->outcome = INSI_OUTCOME_FAULT;
            insi_fault_message(&out->response.fault, out->message, sizeof out->message);
        } else {
            const insi_result *r = &out->response.result;
            if (strcmp(r->code, "00") == 0) {
                out->outcome = INSI_OUTCOME_FOUND;
                snprintf(out->message, sizeof out->message, "Une identité trouvée par INSi : INS %s%s (%s)",
                         r->active.number, r->active.key, ins_kind_label(ins_kind_from_oid(r->active.oid)));
            } else if (strcmp(r->code, "01") == 0) {
                out->outcome = INSI_OUTCOME_NOT_FOUND;
                ins_copy_trunc(out->message, sizeof out->message, "Aucune identité trouvée par INSi (code 01)");
            } else {
                out->outcome = INSI_OUTCOME_SEVERAL;
                ins_copy_trunc(out->message, sizeof out->message,
                               "Plusieurs identités trouvées par INSi (code 02) : préciser les traits "
                               "(prénoms, lieu de naissance) ou utiliser la carte Vitale");
            }
        }
        if (out->outcome == INSI_OUTCOME_FOUND) summarize_found(&out->response.result, t->result, sizeof t->result);
        else ins_copy_trunc(t->result, sizeof t->result, out->message);
    }
    buf_free(&body);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
done:
    ins_copy_trunc(t->who, sizeof t->who, who);
    ins_copy_trunc(t->operation, sizeof t->operation, operation);
    ins_copy_trunc(t->message_id, sizeof t->message_id, message_id);
    ins_copy_trunc(t->outcome, sizeof t->outcome, insi_outcome_code(out->outcome));
    t->at_ms = start_ms;
    t->duration_ms = time_monotonic_ms() - t->duration_ms;
    return out->outcome <= INSI_OUTCOME_SEVERAL ? 0 : -1;
}

static void refuse(insi_call *out, const char *who, const char *operation, const char *why)
{
    out->outcome = INSI_OUTCOME_REFUSED;
    ins_copy_trunc(out->message, sizeof out->message, why);
    ins_copy_trunc(out->trace.who, sizeof out->trace.who, who);
    ins_copy_trunc(out->trace.operation, sizeof out->trace.operation, operation);
    ins_copy_trunc(out->trace.outcome, sizeof out->trace.outcome, insi_outcome_code(out->outcome));
    ins_copy_trunc(out->trace.result, sizeof out->trace.result, why);
    out->trace.at_ms = time_now_ms();
    out->trace.duration_ms = 0;
}

static insi_software software(const insi_client *c)
{
    return (insi_software){c->idam, c->software_name, c->software_version, c->instance};
}

/* The common start of a search: refuses an anonymous call, starts the clock and makes the
 * message id and timestamp. Returns false (out filled with the refusal) when refused. */
static bool search_begin(insi_client *c, const char *who, const char *op, insi_call *out, char mid[37], char ts[32],
                         int64_t *start)
{
    memset(out, 0, sizeof *out);
    if (!c || ins_blank(who)) {
        refuse(out, who ? who : "", op, "appel INSi refusé : utilisateur non identifié");
        return false;
    }
    *start = time_now_ms();
    out->trace.duration_ms = time_monotonic_ms();
    make_uuid(mid);
    time_format_utc(time_now_unix(), ts, 32);
    return true;
}

/* The common end: a request that could not be built is refused (the query text is kept in the
 * trace), otherwise it is sent. Frees req. */
static int search_send(insi_client *c, const char *who, const char *op, const char *action, int built, buf_t *req,
                       const char *err, const char *mid, int64_t start, insi_call *out)
{
    int rc;
    if (built != 0) {
        char query[sizeof out->trace.query];
        memcpy(query, out->trace.query, sizeof query);
        refuse(out, who, op, err);
        memcpy(out->trace.query, query, sizeof query);
        rc = -1;
    } else {
        rc = call(c, who, op, action, req, mid, start, out);
    }
    buf_free(req);
    return rc;
}

int insi_search_traits(insi_client *c, const char *who, const insi_traits_query *q, insi_call *out)
{
    static const char op[] = "rechercherInsAvecTraitsIdentite";
    char mid[37], ts[32], err[200] = "";
    int64_t start;
    if (!search_begin(c, who, op, out, mid, ts, &start)) return -1;
    if (q)
        snprintf(out->trace.query, sizeof out->trace.query,
                 "NomNaissance=%s Prenom=%s Sexe=%s DateNaissance=%s LieuNaissance=%s", q->birth_name ? q->birth_name : "",
                 q->given_name ? q->given_name : "", q->sex ? q->sex : "", q->birth_date ? q->birth_date : "",
                 q->birth_place ? q->birth_place : "");
    insi_software sw = software(c);
    buf_t req = BUF_INIT;
    int built = insi_build_traits_request(&sw, who, mid, ts, q, &req, err, sizeof err);
    return search_send(c, who, op, INSI_ACTION_TRAITS, built, &req, err, mid, start, out);
}

int insi_search_vitale(insi_client *c, const char *who, const insi_vitale_query *q, insi_call *out)
{
    static const char op[] = "rechercherInsAvecCarteVitale";
    char mid[37], ts[32], err[200] = "";
    int64_t start;
    if (!search_begin(c, who, op, out, mid, ts, &start)) return -1;
    if (q)
        snprintf(out->trace.query, sizeof out->trace.query, "NIR carte=%s%s DateNaissance=%s Rang=%s",
                 q->nir ? q->nir : "", q->key ? q->key : "", q->birth_date ? q->birth_date : "",
                 q->birth_rank ? q->birth_rank : "");
    insi_software sw = software(c);
    buf_t req = BUF_INIT;
    int built = insi_build_vitale_request(&sw, who, mid, ts, q, &req, err, sizeof err);
    return search_send(c, who, op, INSI_ACTION_VITALE, built, &req, err, mid, start, out);
}

int insi_search_identity(insi_client *c, const char *who, const ins_identity *id, insi_strategy *out)
{
    memset(out, 0, sizeof *out);
    out->found_index = -1;
    char why[200];
    if (!ins_insi_call_allowed(id, why, sizeof why)) {
        out->outcome = INSI_OUTCOME_REFUSED;
        ins_copy_trunc(out->message, sizeof out->message, why);
        return -1;
    }
    const ins_traits *t = &id->traits;
    const char *list = !ins_blank(t->birth_given_names) ? t->birth_given_names : t->first_given_name;
    if (ins_blank(t->birth_name) || ins_blank(list) || ins_blank(t->birth_date) ||
        (strcmp(t->sex, "M") != 0 && strcmp(t->sex, "F") != 0)) {
        out->outcome = INSI_OUTCOME_REFUSED;
        ins_copy_trunc(out->message, sizeof out->message,
                       "appel INSi impossible : nom de naissance, prénom(s), sexe (M ou F) et date de naissance requis");
        return -1;
    }
    const char *place = (!ins_blank(t->birth_place) && strcmp(t->birth_place, INS_UNKNOWN_BIRTH_PLACE) != 0)
                            ? t->birth_place : NULL;
    /* the given names to try: each one in order, then the whole list */
    char names[INSI_MAX_CALLS][INS_NAME_MAX + 1];
    size_t n = 0;
    const char *p = list;
    while (*p && n < INSI_MAX_CALLS - 1) {
        while (*p == ' ') p++;
        const char *end = p;
        while (*end && *end != ' ') end++;
        size_t len = (size_t)(end - p);
        if (len > 0 && len <= INS_NAME_MAX) {
            memcpy(names[n], p, len);
            names[n++][len] = '\0';
        }
        p = end;
    }
    if (n != 1 || strcmp(names[0], list) != 0) ins_copy(names[n++], sizeof names[0], list);
    bool several = false;
    for (size_t i = 0; i < n; i++) {
        insi_traits_query q = {t->birth_name, names[i], t->sex, t->birth_date, place};
        insi_call *cl = &out->calls[out->n_calls++];
        insi_search_traits(c, who, &q, cl);
        if (cl->outcome == INSI_OUTCOME_FOUND) {
            out->outcome = INSI_OUTCOME_FOUND;
            out->found_index = (int)i;
            ins_copy_trunc(out->message, sizeof out->message, cl->message);
            return 0;
        }
        if (cl->outcome == INSI_OUTCOME_SEVERAL) several = true;
        if (cl->outcome != INSI_OUTCOME_NOT_FOUND && cl->outcome != INSI_OUTCOME_SEVERAL) {
            out->outcome = cl->outcome;
            ins_copy_trunc(out->message, sizeof out->message, cl->message);
            return -1;
        }
    }
    out->outcome = several ? INSI_OUTCOME_SEVERAL : INSI_OUTCOME_NOT_FOUND;
    snprintf(out->message, sizeof out->message, "%s après %zu appel(s) INSi",
             several ? "Plusieurs identités possibles (code 02)" : "Aucune identité trouvée (code 01)", out->n_calls);
    return 0;
}
