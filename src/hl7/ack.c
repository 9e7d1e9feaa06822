/* Original-mode acknowledgements (ACK with MSA and ERR). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "hl7/hl7_internal.h"

const char *hl7_table0357_text(int code)
{
    switch (code) {
    case 0: return "Message accepted";
    case 100: return "Segment sequence error";
    case 101: return "Required field missing";
    case 102: return "Data type error";
    case 103: return "Table value not found";
    case 104: return "Value too long";
    case 200: return "Unsupported message type";
    case 201: return "Unsupported event code";
    case 202: return "Unsupported processing id";
    case 203: return "Unsupported version id";
    case 204: return "Unknown key identifier";
    case 205: return "Duplicate key identifier";
    case 206: return "Application record locked";
    case 207: return "Application internal error";
    default: return NULL;
    }
}

/* Header values taken from the original message (raw, already escaped). */
typedef struct {
    hl7_delims d;
    const char *f[20];
    size_t n[20];
    const char *event;
    size_t event_len;
} orig_header;

static int set_raw(hl7_message *a, size_t seg, int field, const char *p, size_t n)
{
    return n ? hl7_seg_set_raw(a, seg, field, 1, 0, 0, p, n) : HL7_OK;
}

/* True when the version (MSH-12.1) is before 2.5 (ERR-1 layout). */
static bool before_25(const char *v, size_t n)
{
    if (n < 3 || v[0] != '2' || v[1] != '.') return false;
    int minor = 0;
    for (size_t i = 2; i < n && v[i] >= '0' && v[i] <= '9'; i++) minor = minor * 10 + (v[i] - '0');
    return minor < 5;
}

static int put_loc_num(hl7_message *a, size_t seg, int field, int rep, int comp, int sub, long v)
{
    char num[24];
    if (v <= 0) return HL7_OK;
    snprintf(num, sizeof num, "%ld", v);
    return hl7_seg_set_raw(a, seg, field, rep, comp, sub, num, strlen(num));
}

static hl7_message *build(const orig_header *h, hl7_ack_code code, const hl7_ack_error *err,
                          const hl7_ack_opts *opts)
{
    hl7_message *a = hl7_message_new(&h->d);
    if (!a) return NULL;
    int rc = HL7_OK;
    char now[20], ctl[24];
    /* MSH: sender and receiver swapped */
    if (opts && opts->sending_app) rc = hl7_seg_set(a, 0, 3, 1, 0, 0, opts->sending_app);
    else rc = set_raw(a, 0, 3, h->f[5], h->n[5]);
    if (rc == HL7_OK) {
        if (opts && opts->sending_facility) rc = hl7_seg_set(a, 0, 4, 1, 0, 0, opts->sending_facility);
        else rc = set_raw(a, 0, 4, h->f[6], h->n[6]);
    }
    if (rc == HL7_OK) rc = set_raw(a, 0, 5, h->f[3], h->n[3]);
    if (rc == HL7_OK) rc = set_raw(a, 0, 6, h->f[4], h->n[4]);
    if (rc == HL7_OK) rc = hl7_seg_set(a, 0, 7, 1, 0, 0, hl7_now_dtm(now, sizeof now));
    if (rc == HL7_OK) rc = hl7_seg_set_raw(a, 0, 9, 1, 1, 0, "ACK", 3);
    if (rc == HL7_OK && h->event_len) rc = hl7_seg_set_raw(a, 0, 9, 1, 2, 0, h->event, h->event_len);
    if (rc == HL7_OK) rc = hl7_seg_set_raw(a, 0, 9, 1, 3, 0, "ACK", 3);
    if (rc == HL7_OK) {
        if (opts && opts->control_id) rc = hl7_seg_set(a, 0, 10, 1, 0, 0, opts->control_id);
        else if (rand_hex(ctl, 10) == 0) rc = hl7_seg_set(a, 0, 10, 1, 0, 0, ctl);
        else rc = HL7_E_IO;
    }
    if (rc == HL7_OK) rc = h->n[11] ? set_raw(a, 0, 11, h->f[11], h->n[11]) : hl7_seg_set_raw(a, 0, 11, 1, 0, 0, "P", 1);
    /* escaped: "." may be the field separator of an unusual sender */
    if (rc == HL7_OK) rc = h->n[12] ? set_raw(a, 0, 12, h->f[12], h->n[12]) : hl7_seg_set(a, 0, 12, 1, 0, 0, "2.5");
    if (rc == HL7_OK) rc = set_raw(a, 0, 17, h->f[17], h->n[17]);
    if (rc == HL7_OK) rc = set_raw(a, 0, 18, h->f[18], h->n[18]);
    if (rc == HL7_OK) rc = set_raw(a, 0, 19, h->f[19], h->n[19]);

    static const char *const codes[] = {"AA", "AE", "AR"};
    const char *v12 = h->n[12] ? h->f[12] : "2.5";
    size_t v12n = h->n[12] ? h->n[12] : 3;
    {   /* version may carry components (2.5^FRA^...): compare its first component */
        const char *c = memchr(v12, h->d.component, v12n);
        if (c) v12n = (size_t)(c - v12);
    }
    bool old = before_25(v12, v12n);
    long msa = rc == HL7_OK ? hl7_segment_append(a, "MSA") : rc;
    if (msa < 0) rc = (int)msa;
    if (rc == HL7_OK) rc = hl7_seg_set_raw(a, (size_t)msa, 1, 1, 0, 0, codes[code], 2);
    if (rc == HL7_OK) rc = hl7_seg_set_raw(a, (size_t)msa, 2, 1, 0, 0, h->f[10] ? h->f[10] : "", h->n[10]);
    if (rc == HL7_OK && err && old && err->text_fr) rc = hl7_seg_set(a, (size_t)msa, 3, 1, 0, 0, err->text_fr);

    if (rc == HL7_OK && err) {
        long e = hl7_segment_append(a, "ERR");
        if (e < 0) rc = (int)e;
        const char *ctext = hl7_table0357_text(err->code);
        char codebuf[16];
        snprintf(codebuf, sizeof codebuf, "%d", err->code);
        const hl7_loc *l = &err->location;
        if (rc == HL7_OK && old) {
            /* ERR-1 (ELD): segment^sequence^field^code&text&HL70357 */
            if (l->seg[0]) {
                rc = hl7_seg_set(a, (size_t)e, 1, 1, 1, 0, l->seg);
                if (rc == HL7_OK) rc = put_loc_num(a, (size_t)e, 1, 1, 2, 0, (long)(l->seg_rep ? l->seg_rep : 1));
                if (rc == HL7_OK) rc = put_loc_num(a, (size_t)e, 1, 1, 3, 0, l->field);
            }
            if (rc == HL7_OK) rc = hl7_seg_set(a, (size_t)e, 1, 1, 4, 1, codebuf);
            if (rc == HL7_OK) rc = hl7_seg_set(a, (size_t)e, 1, 1, 4, 2, err->text_fr ? err->text_fr : ctext);
            if (rc == HL7_OK) rc = hl7_seg_set(a, (size_t)e, 1, 1, 4, 3, "HL70357");
        } else if (rc == HL7_OK) {
            /* ERR-2 (ERL) location, ERR-3 (CWE) code, ERR-4 severity, ERR-8 user message */
            if (l->seg[0]) {
                rc = hl7_seg_set(a, (size_t)e, 2, 1, 1, 0, l->seg);
                if (rc == HL7_OK) rc = put_loc_num(a, (size_t)e, 2, 1, 2, 0, (long)(l->seg_rep ? l->seg_rep : 1));
                if (rc == HL7_OK) rc = put_loc_num(a, (size_t)e, 2, 1, 3, 0, l->field);
                if (rc == HL7_OK && l->field > 0) rc = put_loc_num(a, (size_t)e, 2, 1, 4, 0, l->rep ? l->rep : 1);
                if (rc == HL7_OK) rc = put_loc_num(a, (size_t)e, 2, 1, 5, 0, l->comp);
                if (rc == HL7_OK) rc = put_loc_num(a, (size_t)e, 2, 1, 6, 0, l->sub);
            }
            if (rc == HL7_OK) rc = hl7_seg_set(a, (size_t)e, 3, 1, 1, 0, codebuf);
            if (rc == HL7_OK && ctext) rc = hl7_seg_set(a, (size_t)e, 3, 1, 2, 0, ctext);
            if (rc == HL7_OK) rc = hl7_seg_set(a, (size_t)e, 3, 1, 3, 0, "HL70357");
            char sev[2] = {err->severity ? err->severity : 'E', 0};
            if (rc == HL7_OK) rc = hl7_seg_set(a, (size_t)e, 4, 1, 0, 0, sev);
            if (rc == HL7_OK && err->text_fr) rc = hl7_seg_set(a, (size_t)e, 8, 1, 0, 0, err->text_fr);
        }
    }
    if (rc != HL7_OK) {
        hl7_message_free(a);
        return NULL;
    }
    return a;
}

hl7_message *hl7_ack_build(const hl7_message *orig, hl7_ack_code code, const hl7_ack_error *err,
                           const hl7_ack_opts *opts)
{
    if (!orig || orig->nsegs == 0 || code > HL7_ACK_AR) return NULL;
    orig_header h;
    memset(&h, 0, sizeof h);
    h.d = orig->d;
    const hl7_segment *msh = &orig->segs[0];
    for (int i = 3; i < 20; i++)
        if ((uint32_t)i < msh->n) {
            h.f[i] = msh->f[i].p;
            h.n[i] = msh->f[i].len;
        }
    if (msh->n > 9) hl7_piece(&orig->d, msh->f[9].p, msh->f[9].len, 1, 2, 0, &h.event, &h.event_len);
    hl7_message *a = build(&h, code, err, opts);
    if (a) {
        memcpy(a->charset, orig->charset, sizeof a->charset);
        a->iconv_name = orig->iconv_name;
        a->cs = orig->cs;
    }
    return a;
}

hl7_message *hl7_ack_build_raw(const char *data, size_t len, hl7_ack_code code,
                               const hl7_ack_error *err, const hl7_ack_opts *opts)
{
    /* First try a real parse of the header segment alone (cheap, and decodes the charset). */
    size_t start = 0;
    while (start < len && (data[start] == '\r' || data[start] == '\n' || data[start] == ' ')) start++;
    size_t end = start;
    while (end < len && data[end] != '\r' && data[end] != '\n') end++;
    hl7_parse_opts po = {"8859/1", false};
    hl7_message *hdr = len > start ? hl7_parse(data + start, end - start, &po, NULL) : NULL;
    if (hdr) {
        hl7_message *a = hl7_ack_build(hdr, code, err, opts);
        hl7_message_free(hdr);
        return a;
    }
    /* Unreadable header: defaults, and whatever MSH-10 we can see. */
    orig_header h;
    memset(&h, 0, sizeof h);
    h.d = hl7_default_delims;
    hl7_message *a = build(&h, code, err, opts);
    if (a) {
        strcpy(a->charset, "");
        a->iconv_name = "ASCII";
    }
    return a;
}
