/* Inbound messages: inbox row, duplicate detection, processing, outcome and acknowledgement,
 * one message at a time inside the caller's transaction (ingest_one), batched by the
 * group-commit worker (worker.c), or alone (hl7feed_ingest, hl7feed_reprocess). */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "hl7feed/hl7feed_internal.h"
#include "hl7feed/ingest.h"

#define RAW_B64_PREFIX "base64:"

static bool valid_utf8_text(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char ch = s[i];
        if (ch == 0) return false;
        size_t k = ch < 0x80 ? 1 : (ch >> 5) == 6 ? 2 : (ch >> 4) == 14 ? 3 : (ch >> 3) == 30 ? 4 : 0;
        if (!k || i + k > n) return false;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return false;
        if (k == 2 && ch < 0xC2) return false;
        i += k;
    }
    return true;
}

char *ingest_raw_encode(const char *msg, size_t len)
{
    if (valid_utf8_text((const unsigned char *)msg, len) && strncmp(msg, RAW_B64_PREFIX, strlen(RAW_B64_PREFIX)) != 0)
        return strndup(msg, len);
    /* the inbox column is text: other bytes (8859/1 messages...) are kept exactly, in base64 */
    size_t plen = strlen(RAW_B64_PREFIX);
    char *out = malloc(plen + 4 * ((len + 2) / 3) + 1);
    if (!out) return NULL;
    memcpy(out, RAW_B64_PREFIX, plen);
    EVP_EncodeBlock((unsigned char *)out + plen, (const unsigned char *)msg, (int)len);
    return out;
}

char *ingest_raw_decode(const char *stored, size_t *len)
{
    size_t plen = strlen(RAW_B64_PREFIX);
    if (strncmp(stored, RAW_B64_PREFIX, plen) != 0) {
        *len = strlen(stored);
        return strdup(stored);
    }
    const char *b = stored + plen;
    size_t bl = strlen(b);
    unsigned char *out = malloc(bl / 4 * 3 + 4);
    if (!out) return NULL;
    int n = EVP_DecodeBlock(out, (const unsigned char *)b, (int)bl);
    if (n < 0) {
        free(out);
        return NULL;
    }
    while (bl && b[bl - 1] == '=' && n > 0) { /* EVP_DecodeBlock counts the padding */
        n--;
        bl--;
    }
    *len = (size_t)n;
    out[n] = 0;
    return (char *)out;
}

static const char *state_of(hl7_ack_code code)
{
    return code == HL7_ACK_AA ? "processed" : code == HL7_ACK_AE ? "failed" : "rejected";
}

/* Records an unreadable message and answers AR. */
static store_status reject_unreadable(hl7feed_t *f, store_conn_t *c, const char *peer, const char *msg, size_t len,
                                      const hl7_error *herr, hl7feed_outcome *o, buf_t *ack)
{
    char where[32] = "";
    if (herr->segment && herr->field) snprintf(where, sizeof where, "MSH-%d", herr->field);
    char text[256];
    snprintf(text, sizeof text, "Message illisible : %.200s", herr->message[0] ? herr->message : hl7_strerror(herr->code));
    feed_outcome(o, HL7_ACK_AR, herr->code == HL7_E_CHARSET || herr->code == HL7_E_ENCODING ? HL7_ERR_DATA_TYPE
                                                                                              : HL7_ERR_SEGMENT_SEQUENCE,
                 where, text);
    char *raw = ingest_raw_encode(msg, len);
    if (!raw) return STORE_ERROR;
    char source[128], enc[400];
    snprintf(source, sizeof source, "hl7:%s", peer ? peer : "?");
    int64_t id;
    store_status st = store_inbox_insert(c, source, NULL, raw, &id);
    free(raw);
    if (st != STORE_OK) return st;
    feed_outcome_encode(o, enc, sizeof enc);
    st = store_inbox_finish(c, id, "rejected", enc);
    if (st != STORE_OK) return st;
    if (ack && feed_build_ack(f, NULL, msg, len, o, ack) != 0) return STORE_ERROR;
    return STORE_OK;
}

/* Processes a parsed message in a savepoint and finishes its inbox row. */
static store_status process_parsed(hl7feed_t *f, store_conn_t *c, const hl7_message *m, const char *sender,
                                   int64_t inbox_id, hl7feed_outcome *o)
{
    store_status st = hl7s_savepoint(c, "hl7msg");
    if (st != STORE_OK) return st;
    memset(o, 0, sizeof *o);
    st = feed_dispatch(f, c, m, sender, inbox_id, o);
    if (st != STORE_OK) {
        if (!feed_store_outcome(st, c, o)) return st;
        LOG_WARNF("hl7feed", "message refused by the store", "inbox_id=%lld detail=\"%s\"", (long long)inbox_id,
                  store_last_error(c));
    }
    if (o->code == HL7_ACK_AA) st = hl7s_release(c, "hl7msg");
    else {
        st = hl7s_rollback_to(c, "hl7msg");
        if (st == STORE_OK) st = hl7s_release(c, "hl7msg");
    }
    if (st != STORE_OK) return st;
    char enc[400];
    feed_outcome_encode(o, enc, sizeof enc);
    return store_inbox_finish(c, inbox_id, state_of(o->code), enc);
}

void ingest_sender(const hl7_message *m, char *sender, size_t n)
{
    char app[64], fac[64];
    feed_getn(m, "MSH-3.1", app, sizeof app);
    feed_getn(m, "MSH-4.1", fac, sizeof fac);
    snprintf(sender, n, "%s/%s", app, fac);
}

store_status ingest_one(hl7feed_t *f, store_conn_t *c, const char *peer, const char *msg, size_t len,
                        hl7feed_outcome *o, buf_t *ack)
{
    hl7_error herr;
    memset(&herr, 0, sizeof herr);
    hl7_message *m = hl7_parse(msg, len, &f->popts, &herr);
    if (!m) return reject_unreadable(f, c, peer, msg, len, &herr, o, ack);
    char sender[140], source[160], control[64];
    ingest_sender(m, sender, sizeof sender);
    snprintf(source, sizeof source, "hl7:%s", sender);
    feed_getn(m, "MSH-10", control, sizeof control);
    store_status st;
    if (!control[0]) {
        feed_outcome(o, HL7_ACK_AR, HL7_ERR_REQUIRED_FIELD, "MSH-10", "Identifiant du message (MSH-10) absent");
        char *raw = ingest_raw_encode(msg, len);
        int64_t id;
        st = raw ? store_inbox_insert(c, source, NULL, raw, &id) : STORE_ERROR;
        free(raw);
        char enc[400];
        feed_outcome_encode(o, enc, sizeof enc);
        if (st == STORE_OK) st = store_inbox_finish(c, id, "rejected", enc);
    } else {
        int64_t id;
        char state[16], outcome[400];
        st = hl7s_inbox_find(c, source, control, &id, state, sizeof state, outcome, sizeof outcome);
        if (st == STORE_OK && strcmp(state, "received") != 0) {
            /* repeated MSH-10: acknowledged again with the stored outcome, not processed again */
            feed_outcome_decode(outcome, o);
        } else if (st == STORE_OK || st == STORE_NOT_FOUND) {
            char *raw = ingest_raw_encode(msg, len);
            st = raw ? store_inbox_insert(c, source, control, raw, &id) : STORE_ERROR;
            free(raw);
            if (st == STORE_OK) st = process_parsed(f, c, m, sender, id, o);
        }
    }
    if (st == STORE_OK && ack && feed_build_ack(f, m, msg, len, o, ack) != 0) st = STORE_ERROR;
    hl7_message_free(m);
    return st;
}

/* The last resort for a message that the store refused with an error: recorded as failed
 * (AE, internal error) in a transaction of its own, so that it is not lost and its sender does
 * not resend it forever. */
store_status ingest_record_failure(hl7feed_t *f, store_conn_t *c, const char *peer, const char *msg, size_t len,
                                   const char *detail, hl7feed_outcome *o, buf_t *ack)
{
    hl7_error herr;
    hl7_message *m = hl7_parse(msg, len, &f->popts, &herr);
    char sender[140] = "", source[160], control[64] = "";
    if (m) {
        ingest_sender(m, sender, sizeof sender);
        feed_getn(m, "MSH-10", control, sizeof control);
    }
    snprintf(source, sizeof source, "hl7:%s", m ? sender : (peer ? peer : "?"));
    char text[256];
    snprintf(text, sizeof text, "Erreur interne lors de l'intégration du message (%.180s)", detail);
    feed_outcome(o, HL7_ACK_AE, HL7_ERR_INTERNAL, "", text);
    store_status st = store_begin(c);
    char *raw = ingest_raw_encode(msg, len);
    int64_t id = 0;
    if (st == STORE_OK) st = raw ? store_inbox_insert(c, source, control[0] ? control : NULL, raw, &id) : STORE_ERROR;
    free(raw);
    char enc[400];
    feed_outcome_encode(o, enc, sizeof enc);
    if (st == STORE_OK) st = store_inbox_finish(c, id, "failed", enc);
    if (st == STORE_OK) st = store_commit(c);
    else store_rollback(c);
    if (st == STORE_OK && ack && feed_build_ack(f, m, msg, len, o, ack) != 0) st = STORE_ERROR;
    hl7_message_free(m);
    return st;
}

store_status hl7feed_ingest(hl7feed_t *f, const char *peer, const char *msg, size_t len, hl7feed_outcome *out,
                            buf_t *ack)
{
    store_conn_t *c = store_acquire(f->st);
    if (!c) return STORE_BUSY;
    store_status st = store_begin(c);
    if (st == STORE_OK) {
        st = ingest_one(f, c, peer, msg, len, out, ack);
        if (st == STORE_OK) st = store_commit(c);
        else store_rollback(c);
    }
    store_release(f->st, c);
    return st;
}

store_status hl7feed_reprocess(hl7feed_t *f, int64_t id, const char *corrected, hl7feed_outcome *o)
{
    store_conn_t *c = store_acquire(f->st);
    if (!c) return STORE_BUSY;
    store_status st = store_begin(c);
    if (st != STORE_OK) {
        store_release(f->st, c);
        return st;
    }
    char *source = NULL, *stored = NULL, state[16];
    st = hl7s_inbox_claim(c, id); /* atomic: a concurrent reprocessing waits, then sees "processed" */
    if (st == STORE_OK) st = hl7s_inbox_get(c, id, &source, &stored, state, sizeof state);
    if (st == STORE_OK && strcmp(state, "processed") == 0) st = STORE_CONFLICT;
    if (st == STORE_OK && corrected) {
        char *enc = ingest_raw_encode(corrected, strlen(corrected));
        st = enc ? hl7s_inbox_set_raw(c, id, enc) : STORE_ERROR;
        free(enc);
    }
    char *raw = NULL;
    size_t len = 0;
    if (st == STORE_OK) {
        raw = corrected ? strdup(corrected) : ingest_raw_decode(stored, &len);
        if (corrected && raw) len = strlen(raw);
        if (!raw) st = STORE_ERROR;
    }
    if (st == STORE_OK) {
        hl7_error herr;
        memset(&herr, 0, sizeof herr);
        hl7_message *m = hl7_parse(raw, len, &f->popts, &herr);
        if (!m) {
            char text[256], enc[400];
            snprintf(text, sizeof text, "Message illisible : %.200s", herr.message[0] ? herr.message : hl7_strerror(herr.code));
            feed_outcome(o, HL7_ACK_AR, HL7_ERR_SEGMENT_SEQUENCE, "", text);
            feed_outcome_encode(o, enc, sizeof enc);
            st = store_inbox_finish(c, id, "rejected", enc);
        } else {
            char sender[140];
            ingest_sender(m, sender, sizeof sender);
            st = process_parsed(f, c, m, sender, id, o);
            hl7_message_free(m);
        }
    }
    if (st == STORE_OK) st = store_commit(c);
    else store_rollback(c);
    free(raw);
    free(source);
    free(stored);
    store_release(f->st, c);
    return st;
}
