/* The "hl7" outbox sender: delivers a queued message over MLLP to its destination (one
 * reconnecting client per destination) and reads the acknowledgement (AA/CA: sent; AE/AR/CE/CR:
 * refused for good; no connection or no answer: retried with the outbox back-off). Each
 * destination is an outbox lane: destinations are served concurrently, each in queue order. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7feed/hl7feed_internal.h"

static outbox_result fail(char *error, size_t n, outbox_result r, const char *fmt, const char *detail)
{
    snprintf(error, n, fmt, detail);
    return r;
}

/* The slot of destination `id`, created on first use (NULL when out of memory). Slots are never
 * freed before hl7feed_free, so the pointer stays valid without send_mu. */
static feed_client *client_slot(hl7feed_t *f, int64_t id)
{
    feed_client *fc = NULL;
    pthread_mutex_lock(&f->send_mu);
    for (size_t i = 0; i < f->nclients && !fc; i++)
        if (f->clients[i]->destination_id == id) fc = f->clients[i];
    if (!fc) {
        feed_client **grown = realloc(f->clients, (f->nclients + 1) * sizeof *grown);
        fc = grown ? calloc(1, sizeof *fc) : NULL;
        if (grown) f->clients = grown;
        if (fc) {
            fc->destination_id = id;
            pthread_mutex_init(&fc->io_mu, NULL);
            f->clients[f->nclients++] = fc;
        }
    }
    pthread_mutex_unlock(&f->send_mu);
    return fc;
}

/* The client of destination d (created, or remade when its address changed). fc->io_mu held. */
static hl7_mllp_client *client_for(hl7feed_t *f, feed_client *fc, const hl7s_destination *d)
{
    if (fc->client && (strcmp(fc->host, d->host) != 0 || fc->port != d->port || fc->tls != d->tls)) {
        hl7_mllp_client_free(fc->client);
        fc->client = NULL;
    }
    if (!fc->client) {
        feed_copy(fc->host, sizeof fc->host, d->host);
        fc->port = d->port;
        fc->tls = d->tls;
        hl7_mllp_client_opts o = {.host = fc->host, .port = fc->port, .ack_timeout_ms = f->ack_timeout_ms, .tls = fc->tls};
        fc->client = hl7_mllp_client_new(&o);
    }
    return fc->client;
}

void feed_clients_free(hl7feed_t *f)
{
    for (size_t i = 0; i < f->nclients; i++) {
        hl7_mllp_client_free(f->clients[i]->client);
        pthread_mutex_destroy(&f->clients[i]->io_mu);
        free(f->clients[i]);
    }
    free(f->clients);
    f->clients = NULL;
    f->nclients = 0;
}

/* The destination id a payload names: "destination_id", or the former "destination": "pacs"
 * (0 when none). */
static int64_t payload_destination(const hl7feed_t *f, const json_t *p)
{
    json_t *id = json_object_get(p, "destination_id");
    int64_t dest_id = json_is_integer(id) ? json_integer_value(id) : 0;
    const char *legacy = json_string_value(json_object_get(p, "destination"));
    if (!dest_id && legacy && strcmp(legacy, "pacs") == 0) dest_id = f->pacs_id;
    return dest_id > 0 ? dest_id : 0;
}

/* ---- the lane of a payload, read without parsing the message ---------------------------- */

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    return s;
}

/* Skips the JSON string opening at s; returns the character after its closing quote (NULL when
 * unterminated). *plain: no escape in it. */
static const char *skip_string(const char *s, bool *plain)
{
    *plain = true;
    for (s++;;) {
        s += strcspn(s, "\"\\");
        if (*s == '"') return s + 1;
        if (*s != '\\' || !s[1]) return NULL;
        *plain = false;
        s += 2;
    }
}

/* Skips the JSON value at s (strings, nested objects and arrays, scalars); NULL when malformed. */
static const char *skip_value(const char *s)
{
    bool plain;
    if (*s == '"') return skip_string(s, &plain);
    if (*s != '{' && *s != '[') {
        const char *e = s + strcspn(s, ",}] \t\r\n");
        return e > s ? e : NULL;
    }
    int depth = 0;
    do {
        if (*s == '"') {
            s = skip_string(s, &plain);
            if (!s) return NULL;
            continue;
        }
        if (!*s) return NULL;
        if (*s == '{' || *s == '[') depth++;
        else if (*s == '}' || *s == ']') depth--;
        s++;
    } while (depth > 0);
    return s;
}

/* Reads the top-level "destination_id" (an integer) and "destination" ("pacs") of a payload
 * object without parsing the rest: the message may be megabytes (an ORU with its CDA), and the
 * claimer thread calls this for every claimed job. feed_enqueue_message writes destination_id
 * first, so the scan stops at once. Returns 0, or -1 when the text is not that simple (an
 * escaped key, a non-integer id, malformed JSON): the caller then parses it in full. */
static int scan_destination(const char *s, int64_t *dest_id, bool *legacy_pacs)
{
    *dest_id = 0;
    *legacy_pacs = false;
    s = skip_ws(s);
    if (*s != '{') return -1;
    s = skip_ws(s + 1);
    if (*s == '}') return 0;
    for (;;) {
        bool plain;
        if (*s != '"') return -1;
        const char *key = s + 1, *end = skip_string(s, &plain);
        if (!end || !plain) return -1;
        size_t klen = (size_t)(end - 1 - key);
        s = skip_ws(end);
        if (*s != ':') return -1;
        s = skip_ws(s + 1);
        if (klen == 14 && memcmp(key, "destination_id", 14) == 0) {
            const char *digits = *s == '-' ? s + 1 : s;
            if (*digits < '0' || *digits > '9') return -1; /* not a number: as a full parse sees it */
            char *after;
            errno = 0;
            long long v = strtoll(s, &after, 10);
            if (errno || *after == '.' || *after == 'e' || *after == 'E') return -1;
            *dest_id = v;
            if (v) return 0; /* the id decides: the rest is not read */
            s = after;
        } else if (klen == 11 && memcmp(key, "destination", 11) == 0 && *s == '"') {
            const char *vend = skip_string(s, &plain);
            if (!vend || !plain) return -1;
            *legacy_pacs = vend - s == 6 && memcmp(s + 1, "pacs", 4) == 0;
            s = vend;
        } else {
            s = skip_value(s);
            if (!s) return -1;
        }
        s = skip_ws(s);
        if (*s == '}') return 0;
        if (*s != ',') return -1;
        s = skip_ws(s + 1);
    }
}

int feed_send_lane(void *ctx, const outbox_job *job, char *lane, size_t lane_len)
{
    const hl7feed_t *f = ctx;
    int64_t dest_id = 0;
    bool legacy_pacs = false;
    if (scan_destination(job->payload, &dest_id, &legacy_pacs) == 0) {
        if (!dest_id && legacy_pacs) dest_id = f->pacs_id;
        if (dest_id < 0) dest_id = 0;
    } else {
        json_t *p = json_loads(job->payload, 0, NULL);
        dest_id = p ? payload_destination(f, p) : 0;
        json_decref(p);
    }
    if (!dest_id) return -1; /* refused by feed_send anyway: the kind's lane */
    snprintf(lane, lane_len, "dest-%lld", (long long)dest_id);
    return 0;
}

/* The destination a payload names. */
static store_status load_destination(hl7feed_t *f, const json_t *p, hl7s_destination *d)
{
    int64_t dest_id = payload_destination(f, p);
    if (dest_id <= 0) return STORE_NOT_FOUND;
    store_conn_t *c = store_acquire(f->st);
    if (!c) return STORE_BUSY;
    store_status st = hl7s_destination_get(c, dest_id, d);
    store_release(f->st, c);
    return st;
}

/* Sends out (already in the destination's charset) and classifies the acknowledgement. */
static outbox_result deliver(hl7feed_t *f, const hl7s_destination *d, const buf_t *out, char *error, size_t error_len)
{
    hl7_error herr;
    memset(&herr, 0, sizeof herr);
    buf_t ack = BUF_INIT;
    /* only this destination's deliveries wait for this one (its lane sends one at a time) */
    feed_client *fc = client_slot(f, d->id);
    int rc = HL7_E_NOMEM;
    if (fc) {
        pthread_mutex_lock(&fc->io_mu);
        hl7_mllp_client *client = client_for(f, fc, d);
        rc = client ? hl7_mllp_client_send(client, out->data, out->len, &ack, &herr) : HL7_E_NOMEM;
        if (rc != HL7_OK && client) hl7_mllp_client_close(client);
        pthread_mutex_unlock(&fc->io_mu);
    }
    if (rc != HL7_OK) {
        buf_free(&ack);
        char detail[400];
        snprintf(detail, sizeof detail, "%.64s (%.200s:%d) : %.120s", d->name, d->host, d->port,
                 herr.message[0] ? herr.message : hl7_strerror((hl7_err)rc));
        return fail(error, error_len, OUTBOX_RETRY, "Destination HL7 injoignable ou sans réponse, %s", detail);
    }
    hl7_message *a = hl7_parse(ack.data, ack.len, NULL, &herr);
    buf_free(&ack);
    if (!a) return fail(error, error_len, OUTBOX_RETRY, "Acquittement illisible : %s", herr.message);
    char code[8], text[200];
    feed_getn(a, "MSA-1", code, sizeof code);
    feed_getn(a, "ERR-8", text, sizeof text);
    if (!text[0]) feed_getn(a, "MSA-3", text, sizeof text);
    hl7_message_free(a);
    if (strcmp(code, "AA") == 0 || strcmp(code, "CA") == 0) return OUTBOX_SENT;
    char detail[300];
    snprintf(detail, sizeof detail, "%s %s", code, text);
    return fail(error, error_len, OUTBOX_REJECTED, "Message refusé par le destinataire : %s", detail);
}

outbox_result feed_send(void *ctx, const outbox_job *job, char *error, size_t error_len)
{
    hl7feed_t *f = ctx;
    json_error_t jerr;
    json_t *p = json_loads(job->payload, 0, &jerr);
    json_t *jm = p ? json_object_get(p, "message") : NULL;
    if (!json_is_string(jm)) {
        json_decref(p);
        return fail(error, error_len, OUTBOX_REJECTED, "Message HL7 en file illisible%s", "");
    }
    hl7s_destination d;
    store_status st = load_destination(f, p, &d);
    if (st != STORE_OK) {
        json_decref(p);
        if (st == STORE_NOT_FOUND)
            return fail(error, error_len, OUTBOX_REJECTED, "Destination HL7 inconnue ou supprimée%s", "");
        return fail(error, error_len, OUTBOX_RETRY, "Base de données indisponible%s", "");
    }
    if (!d.enabled) {
        json_decref(p);
        return fail(error, error_len, OUTBOX_RETRY, "Destination HL7 « %s » désactivée : envoi en attente", d.name);
    }
    /* to the destination's charset */
    hl7_error herr;
    memset(&herr, 0, sizeof herr);
    hl7_message *m = hl7_parse(json_string_value(jm), json_string_length(jm), NULL, &herr);
    json_decref(p);
    if (!m) return fail(error, error_len, OUTBOX_REJECTED, "Message HL7 en file invalide : %s", herr.message);
    buf_t out = BUF_INIT;
    int rc = hl7_serialize(m, d.charset, &out, &herr);
    hl7_message_free(m);
    outbox_result r;
    if (rc != HL7_OK)
        r = fail(error, error_len, OUTBOX_REJECTED, "Conversion vers le jeu de caractères du destinataire impossible : %s",
                 herr.message);
    else
        r = deliver(f, &d, &out, error, error_len);
    buf_free(&out);
    return r;
}

int hl7feed_register_sender(hl7feed_t *f, outbox_t *ob)
{
    int rc = outbox_register_lanes(ob, "hl7", feed_send, feed_send_lane, f);
    if (rc == 0) rc = outbox_register(ob, "report-hl7", feed_send_report, f);
    if (rc == 0) f->outbox = ob;
    return rc;
}
