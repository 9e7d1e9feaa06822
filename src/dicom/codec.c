/* Data-set encoding and decoding: implicit and explicit VR little endian (PS3.5 7.1). */
#include <stdlib.h>

#include "dicom/dicom_internal.h"

#define UNDEFINED_LEN 0xFFFFFFFFu

int dcm_ts_from_uid(const char *uid, dcm_ts *out)
{
    if (!uid) return -1;
    if (strcmp(uid, DCM_UID_IMPLICIT_LE) == 0) { *out = DCM_TS_IMPLICIT_LE; return 0; }
    if (strcmp(uid, DCM_UID_EXPLICIT_LE) == 0) { *out = DCM_TS_EXPLICIT_LE; return 0; }
    return -1;
}

const char *dcm_ts_uid(dcm_ts ts) { return ts == DCM_TS_EXPLICIT_LE ? DCM_UID_EXPLICIT_LE : DCM_UID_IMPLICIT_LE; }

/* ---------------------------------------------------------------- decoding */

typedef struct {
    const uint8_t *base;
    char *err;
    size_t errlen;
} dec_ctx;

static int dec_fail(dec_ctx *c, const uint8_t *at, const char *what)
{
    dcm_errf(c->err, c->errlen, "data set malformed at byte %zu: %s", (size_t)(at - c->base), what);
    return -1;
}

static int parse_dataset(dec_ctx *c, const uint8_t **pp, const uint8_t *end, dcm_ts ts, int depth,
                         bool until_item_delim, dcm_dataset *ds);

/* Parses the items of a sequence whose content is [*pp, end) (defined length) or runs until the
 * sequence delimitation item (until_delim). */
static int parse_items(dec_ctx *c, const uint8_t **pp, const uint8_t *end, dcm_ts ts, int depth, bool until_delim,
                       dcm_dataset *ds, uint32_t seq_tag)
{
    const uint8_t *p = *pp;
    if (dcm_seq_set_empty(ds, seq_tag) != 0) return dec_fail(c, p, "out of memory");
    for (;;) {
        if (!until_delim && p == end) break;
        if (end - p < 8) return dec_fail(c, p, "truncated sequence item header");
        uint32_t tag = ((uint32_t)dcm_rd16le(p) << 16) | dcm_rd16le(p + 2);
        uint32_t len = dcm_rd32le(p + 4);
        p += 8;
        if (tag == DCM_SequenceDelimitationItem) {
            if (!until_delim) return dec_fail(c, p - 8, "sequence delimiter inside a defined-length sequence");
            break;
        }
        if (tag != DCM_Item) return dec_fail(c, p - 8, "expected an item tag in a sequence");
        dcm_dataset *item = dcm_dataset_new();
        if (!item) return dec_fail(c, p, "out of memory");
        int rc;
        if (len == UNDEFINED_LEN) {
            rc = parse_dataset(c, &p, end, ts, depth + 1, true, item);
        } else {
            if (len > (size_t)(end - p)) {
                dcm_dataset_free(item);
                return dec_fail(c, p - 8, "item length beyond the end of its container");
            }
            const uint8_t *ip = p;
            rc = parse_dataset(c, &ip, p + len, ts, depth + 1, false, item);
            p += len;
        }
        if (rc != 0 || dcm_seq_append_owned(ds, seq_tag, item) != 0) {
            dcm_dataset_free(item);
            return rc != 0 ? rc : dec_fail(c, p, "out of memory");
        }
    }
    *pp = p;
    return 0;
}

static int parse_dataset(dec_ctx *c, const uint8_t **pp, const uint8_t *end, dcm_ts ts, int depth,
                         bool until_item_delim, dcm_dataset *ds)
{
    const uint8_t *p = *pp;
    if (depth > DCM_MAX_DEPTH) return dec_fail(c, p, "sequences nested too deeply");
    for (;;) {
        if (p == end) {
            if (until_item_delim) return dec_fail(c, p, "item without its delimitation item");
            break;
        }
        const uint8_t *start = p;
        if (end - p < 8) return dec_fail(c, p, "truncated element header");
        uint32_t tag = ((uint32_t)dcm_rd16le(p) << 16) | dcm_rd16le(p + 2);
        p += 4;
        if (tag == DCM_ItemDelimitationItem) {
            if (!until_item_delim) return dec_fail(c, start, "item delimiter outside an undefined-length item");
            p += 4;
            break;
        }
        if (DCM_GROUP(tag) == 0xFFFE) return dec_fail(c, start, "unexpected item or delimiter tag");
        dcm_vr vr;
        uint32_t len;
        if (ts == DCM_TS_EXPLICIT_LE) {
            vr = DCM_VR(p[0], p[1]);
            if (!dcm_vr_known(vr)) return dec_fail(c, start, "unknown value representation");
            if (dcm_vr_long_header(vr)) {
                if (end - p < 8) return dec_fail(c, start, "truncated element header");
                len = dcm_rd32le(p + 4);
                p += 8;
            } else {
                len = dcm_rd16le(p + 2);
                p += 4;
            }
        } else {
            vr = dcm_dict_vr(tag);
            len = dcm_rd32le(p);
            p += 4;
        }
        if (len == UNDEFINED_LEN) {
            dcm_ts inner = ts;
            if (vr == DCM_VR('U', 'N')) inner = DCM_TS_IMPLICIT_LE; /* PS3.5 6.2.2 note */
            else if (vr != DCM_VR('S', 'Q')) {
                if (ts == DCM_TS_IMPLICIT_LE) vr = DCM_VR('S', 'Q');
                else return dec_fail(c, start, "undefined length on a non-sequence element");
            }
            if (parse_items(c, &p, end, inner, depth, true, ds, tag) != 0) return -1;
            continue;
        }
        if (len > (size_t)(end - p)) return dec_fail(c, start, "value length beyond the end of the data");
        if (vr == DCM_VR('S', 'Q')) {
            const uint8_t *sp = p;
            if (parse_items(c, &sp, p + len, ts, depth, false, ds, tag) != 0) return -1;
            p += len;
            continue;
        }
        if (DCM_ELEM(tag) == 0x0000) { /* group lengths are recomputed, never kept */
            p += len;
            continue;
        }
        if (dcm_set_bytes(ds, tag, vr, p, len) != 0) return dec_fail(c, start, "out of memory");
        p += len;
    }
    *pp = p;
    return 0;
}

int dcm_decode(const uint8_t *data, size_t len, dcm_ts ts, dcm_dataset **out, char *err, size_t errlen)
{
    *out = NULL;
    if (ts != DCM_TS_IMPLICIT_LE && ts != DCM_TS_EXPLICIT_LE) {
        dcm_errf(err, errlen, "unsupported transfer syntax");
        return -1;
    }
    dcm_dataset *ds = dcm_dataset_new();
    if (!ds) {
        dcm_errf(err, errlen, "out of memory");
        return -1;
    }
    dec_ctx c = {data, err, errlen};
    const uint8_t *p = data;
    if (len && parse_dataset(&c, &p, data + len, ts, 0, false, ds) != 0) {
        dcm_dataset_free(ds);
        return -1;
    }
    *out = ds;
    return 0;
}

/* ---------------------------------------------------------------- encoding */

static int put_header(buf_t *out, dcm_ts ts, uint32_t tag, dcm_vr vr, uint32_t len)
{
    uint8_t h[12];
    size_t n;
    dcm_wr16le(h, DCM_GROUP(tag));
    dcm_wr16le(h + 2, DCM_ELEM(tag));
    if (ts == DCM_TS_IMPLICIT_LE || DCM_GROUP(tag) == 0xFFFE) {
        dcm_wr32le(h + 4, len);
        n = 8;
    } else if (dcm_vr_long_header(vr)) {
        h[4] = (uint8_t)(vr >> 8);
        h[5] = (uint8_t)vr;
        h[6] = h[7] = 0;
        dcm_wr32le(h + 8, len);
        n = 12;
    } else {
        if (len > 0xFFFF) return -1;
        h[4] = (uint8_t)(vr >> 8);
        h[5] = (uint8_t)vr;
        dcm_wr16le(h + 6, (uint16_t)len);
        n = 8;
    }
    return buf_append(out, h, n);
}

int dcm_write_element(buf_t *out, dcm_ts ts, uint32_t tag, dcm_vr vr, const void *value, size_t len)
{
    if (len >= 0xFFFFFFFEu) return -1;
    size_t padded = len + (len & 1);
    if (put_header(out, ts, tag, vr, (uint32_t)padded) != 0) return -1;
    if (len && buf_append(out, value, len) != 0) return -1;
    if (len & 1) {
        char pad = (dcm_vr_is_string(vr) && vr != DCM_VR('U', 'I')) ? ' ' : 0;
        if (buf_append(out, &pad, 1) != 0) return -1;
    }
    return 0;
}

int dcm_write_u16(buf_t *out, dcm_ts ts, uint32_t tag, uint16_t v)
{
    uint8_t b[2];
    dcm_wr16le(b, v);
    return dcm_write_element(out, ts, tag, DCM_VR('U', 'S'), b, 2);
}

int dcm_write_seq_begin(buf_t *out, dcm_ts ts, uint32_t tag) { return put_header(out, ts, tag, DCM_VR('S', 'Q'), UNDEFINED_LEN); }
int dcm_write_item_begin(buf_t *out) { return put_header(out, DCM_TS_IMPLICIT_LE, DCM_Item, 0, UNDEFINED_LEN); }
int dcm_write_item_end(buf_t *out) { return put_header(out, DCM_TS_IMPLICIT_LE, DCM_ItemDelimitationItem, 0, 0); }
int dcm_write_seq_end(buf_t *out) { return put_header(out, DCM_TS_IMPLICIT_LE, DCM_SequenceDelimitationItem, 0, 0); }

/* Patches a 4-byte length written at offset `at` (just before the content that starts at at+4). */
static void patch_len(buf_t *out, size_t at)
{
    dcm_wr32le((uint8_t *)out->data + at, (uint32_t)(out->len - at - 4));
}

static int encode_rec(const dcm_dataset *ds, dcm_ts ts, buf_t *out, int depth)
{
    if (depth > DCM_MAX_DEPTH) return -1;
    for (size_t i = 0; i < dcm_dataset_count(ds); i++) {
        const dcm_element *e = dcm_dataset_at(ds, i);
        if (e->vr != DCM_VR('S', 'Q')) {
            if (dcm_write_element(out, ts, e->tag, e->vr, e->value, e->len) != 0) return -1;
            continue;
        }
        /* Sequences and items with defined lengths, patched once the content is written. */
        if (put_header(out, ts, e->tag, e->vr, 0) != 0) return -1;
        size_t seq_len_at = out->len - 4;
        for (uint32_t k = 0; k < e->nitems; k++) {
            if (put_header(out, ts, DCM_Item, 0, 0) != 0) return -1;
            size_t item_len_at = out->len - 4;
            if (encode_rec(e->items[k], ts, out, depth + 1) != 0) return -1;
            patch_len(out, item_len_at);
        }
        patch_len(out, seq_len_at);
    }
    return 0;
}

int dcm_encode(const dcm_dataset *ds, dcm_ts ts, buf_t *out)
{
    if (ts != DCM_TS_IMPLICIT_LE && ts != DCM_TS_EXPLICIT_LE) return -1;
    size_t mark = out->len;
    if (encode_rec(ds, ts, out, 0) != 0) {
        out->len = mark;
        if (out->data) out->data[mark] = 0;
        return -1;
    }
    return 0;
}
