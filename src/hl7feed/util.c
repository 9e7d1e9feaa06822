/* Small helpers of src/hl7feed: outcomes, field access, dates, acknowledgements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "hl7feed/hl7feed_internal.h"

void feed_copy(char *dst, size_t n, const char *s)
{
    if (!n) return;
    size_t l = s ? strnlen(s, n - 1) : 0;
    if (l) memcpy(dst, s, l);
    dst[l] = 0;
}

void feed_outcome(hl7feed_outcome *o, hl7_ack_code code, int error, const char *location, const char *text)
{
    o->code = code;
    o->error = error;
    feed_copy(o->location, sizeof o->location, location ? location : "");
    feed_copy(o->text, sizeof o->text, text ? text : "");
}

bool feed_store_outcome(store_status st, store_conn_t *c, hl7feed_outcome *o)
{
    if (st == STORE_CONFLICT) {
        feed_outcome(o, HL7_ACK_AE, HL7_ERR_DUPLICATE_KEY, "",
                     "Conflit avec des données existantes (identifiant déjà utilisé par un autre dossier)");
        return true;
    }
    if (st == STORE_INVALID || st == STORE_NOT_FOUND) {
        char t[256];
        snprintf(t, sizeof t, "Donnée refusée par la base : %s", store_last_error(c));
        feed_outcome(o, HL7_ACK_AE, st == STORE_NOT_FOUND ? HL7_ERR_UNKNOWN_KEY : HL7_ERR_DATA_TYPE, "", t);
        return true;
    }
    return false;
}

const char *feed_get(const hl7_message *m, const char *path, buf_t *out)
{
    if (hl7_get(m, path, out) != HL7_OK) buf_reset(out);
    return buf_cstr(out);
}

const char *feed_getn(const hl7_message *m, const char *path, char *dst, size_t n)
{
    buf_t b = BUF_INIT;
    snprintf(dst, n, "%s", feed_get(m, path, &b));
    buf_free(&b);
    return dst;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

int feed_dtm_to_iso(const char *dtm, char *out, size_t n)
{
    size_t len = strlen(dtm);
    if (len < 8 || !digits(dtm, 8)) return -1;
    int y = atoi((char[]){dtm[0], dtm[1], dtm[2], dtm[3], 0});
    int mo = atoi((char[]){dtm[4], dtm[5], 0});
    int d = atoi((char[]){dtm[6], dtm[7], 0});
    int hh = 0, mi = 0, ss = 0;
    if (len >= 12 && digits(dtm + 8, 4)) {
        hh = atoi((char[]){dtm[8], dtm[9], 0});
        mi = atoi((char[]){dtm[10], dtm[11], 0});
        if (len >= 14 && digits(dtm + 12, 2)) ss = atoi((char[]){dtm[12], dtm[13], 0});
    }
    if (!time_valid_date(y, mo, d) || hh > 23 || mi > 59 || ss > 59) return -1;
    int64_t t = time_local_to_unix(time_days_from_civil(y, mo, d), hh * 60 + mi) + ss;
    time_format_utc(t, out, n);
    return 0;
}

void feed_iso_to_dtm(const char *iso, char *out, size_t n)
{
    int64_t t;
    if (!iso || time_parse_datetime(iso, &t) != 0) {
        snprintf(out, n, "%s", "");
        return;
    }
    int64_t days;
    int minute;
    time_unix_to_local(t, &days, &minute);
    int y, mo, d;
    time_civil_from_days(days, &y, &mo, &d);
    snprintf(out, n, "%04d%02d%02d%02d%02d", y, mo, d, minute / 60, minute % 60);
}

bool feed_sender_in(const char *list, const char *sender)
{
    size_t sl = strlen(sender);
    const char *slash = strchr(sender, '/');
    size_t app_len = slash ? (size_t)(slash - sender) : sl;
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',') p++;
        const char *e = p;
        while (*e && *e != ',') e++;
        size_t n = (size_t)(e - p);
        while (n && p[n - 1] == ' ') n--;
        if (n && ((n == sl && memcmp(p, sender, n) == 0) || (n == app_len && memcmp(p, sender, n) == 0)))
            return true;
        p = e;
    }
    return false;
}

static const char *code_name(hl7_ack_code c) { return c == HL7_ACK_AA ? "AA" : c == HL7_ACK_AE ? "AE" : "AR"; }

void feed_outcome_encode(const hl7feed_outcome *o, char *out, size_t n)
{
    if (o->code == HL7_ACK_AA) snprintf(out, n, "AA");
    else snprintf(out, n, "%s;%d;%s;%s", code_name(o->code), o->error, o->location, o->text);
}

void feed_outcome_decode(const char *s, hl7feed_outcome *o)
{
    memset(o, 0, sizeof *o);
    if (!s || strncmp(s, "AA", 2) == 0) {
        o->code = HL7_ACK_AA;
        return;
    }
    o->code = strncmp(s, "AR", 2) == 0 ? HL7_ACK_AR : HL7_ACK_AE;
    const char *p = strchr(s, ';');
    if (!p) return;
    o->error = atoi(p + 1);
    const char *q = strchr(p + 1, ';');
    if (!q) return;
    const char *r = strchr(q + 1, ';');
    if (!r) return;
    size_t ln = (size_t)(r - q - 1);
    if (ln >= sizeof o->location) ln = sizeof o->location - 1;
    memcpy(o->location, q + 1, ln);
    feed_copy(o->text, sizeof o->text, r + 1);
}

int feed_build_ack(hl7feed_t *f, const hl7_message *m, const char *raw, size_t len, const hl7feed_outcome *o,
                   buf_t *ack)
{
    hl7_ack_error e = {0};
    if (o->code != HL7_ACK_AA) {
        e.code = o->error ? o->error : HL7_ERR_INTERNAL;
        e.severity = 'E';
        e.text_fr = o->text;
        if (o->location[0] && hl7_path_parse(o->location, &e.location) != HL7_OK) e.location.seg[0] = 0;
    }
    hl7_ack_opts opts = {.sending_app = f->app, .sending_facility = f->facility[0] ? f->facility : NULL};
    hl7_message *a = m ? hl7_ack_build(m, o->code, o->code == HL7_ACK_AA ? NULL : &e, &opts)
                       : hl7_ack_build_raw(raw, len, o->code, o->code == HL7_ACK_AA ? NULL : &e, &opts);
    if (!a) return -1;
    hl7_error herr;
    int rc = hl7_serialize(a, NULL, ack, &herr);
    if (rc != HL7_OK) {
        /* the sender's charset cannot carry our text: answer in UTF-8 rather than not at all */
        buf_reset(ack);
        rc = hl7_serialize(a, "UNICODE UTF-8", ack, &herr);
    }
    hl7_message_free(a);
    return rc == HL7_OK ? 0 : -1;
}
