/* The "hl7" outbox sender: delivers a queued message over MLLP to its destination and reads
 * the acknowledgement (AA/CA: sent; AE/AR/CE/CR: refused for good; no answer: retry). */
#include <stdio.h>
#include <string.h>

#include "hl7feed/hl7feed_internal.h"

static outbox_result fail(char *error, size_t n, outbox_result r, const char *fmt, const char *detail)
{
    snprintf(error, n, fmt, detail);
    return r;
}

outbox_result feed_send(void *ctx, const outbox_job *job, char *error, size_t error_len)
{
    hl7feed_t *f = ctx;
    json_error_t jerr;
    json_t *p = json_loads(job->payload, 0, &jerr);
    const char *dest = p ? json_string_value(json_object_get(p, "destination")) : NULL;
    json_t *jm = p ? json_object_get(p, "message") : NULL;
    if (!dest || !json_is_string(jm)) {
        json_decref(p);
        return fail(error, error_len, OUTBOX_REJECTED, "Message HL7 en file illisible%s", "");
    }
    if (strcmp(dest, "pacs") != 0 || !f->pacs_enabled) {
        outbox_result r = fail(error, error_len, OUTBOX_RETRY, "Destination HL7 « %s » non configurée", dest);
        json_decref(p);
        return r;
    }
    /* to the destination's charset */
    hl7_error herr;
    memset(&herr, 0, sizeof herr);
    hl7_message *m = hl7_parse(json_string_value(jm), json_string_length(jm), NULL, &herr);
    json_decref(p);
    if (!m) return fail(error, error_len, OUTBOX_REJECTED, "Message HL7 en file invalide : %s", herr.message);
    buf_t out = BUF_INIT, ack = BUF_INIT;
    int rc = hl7_serialize(m, f->pacs_charset, &out, &herr);
    hl7_message_free(m);
    if (rc != HL7_OK) {
        buf_free(&out);
        return fail(error, error_len, OUTBOX_REJECTED, "Conversion vers le jeu de caractères du PACS impossible : %s",
                    herr.message);
    }
    pthread_mutex_lock(&f->send_mu);
    if (!f->client) {
        hl7_mllp_client_opts o = {.host = f->pacs_host, .port = f->pacs_port, .ack_timeout_ms = f->pacs_ack_timeout_ms};
        f->client = hl7_mllp_client_new(&o);
    }
    rc = f->client ? hl7_mllp_client_send(f->client, out.data, out.len, &ack, &herr) : HL7_E_NOMEM;
    if (rc != HL7_OK && f->client) hl7_mllp_client_close(f->client);
    pthread_mutex_unlock(&f->send_mu);
    buf_free(&out);
    if (rc != HL7_OK) {
        buf_free(&ack);
        return fail(error, error_len, OUTBOX_RETRY, "PACS injoignable ou sans réponse : %s",
                    herr.message[0] ? herr.message : hl7_strerror((hl7_err)rc));
    }
    hl7_message *a = hl7_parse(ack.data, ack.len, NULL, &herr);
    buf_free(&ack);
    if (!a) return fail(error, error_len, OUTBOX_RETRY, "Acquittement du PACS illisible : %s", herr.message);
    char code[8], text[200];
    feed_getn(a, "MSA-1", code, sizeof code);
    feed_getn(a, "ERR-8", text, sizeof text);
    if (!text[0]) feed_getn(a, "MSA-3", text, sizeof text);
    hl7_message_free(a);
    if (strcmp(code, "AA") == 0 || strcmp(code, "CA") == 0) return OUTBOX_SENT;
    char detail[256];
    snprintf(detail, sizeof detail, "%s %s", code, text);
    return fail(error, error_len, OUTBOX_REJECTED, "Message refusé par le PACS : %s", detail);
}

int hl7feed_register_sender(hl7feed_t *f, outbox_t *ob)
{
    int rc = outbox_register(ob, "hl7", feed_send, f);
    if (rc == 0) f->outbox = ob;
    return rc;
}
