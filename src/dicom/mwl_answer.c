/* Worklist answers: exactly the return keys of the query, values from the matched item,
 * encoded straight into the output buffer (no intermediate data set), text converted from
 * UTF-8 to the answer's character set. */
#include "dicom/dicom_internal.h"

typedef struct {
    dcm_mwl_query *q;
    dcm_ts ts;
    dcm_charset cs;
    buf_t *out;
} enc;

/* Offset of the length field in a header written at `at`, and its width. */
static void patch(const enc *e, size_t hdr, dcm_vr vr, size_t vlen)
{
    uint8_t *p = (uint8_t *)e->out->data + hdr;
    if (e->ts == DCM_TS_IMPLICIT_LE) dcm_wr32le(p + 4, (uint32_t)vlen);
    else if (dcm_vr_long_header(vr)) dcm_wr32le(p + 8, (uint32_t)vlen);
    else dcm_wr16le(p + 6, (uint16_t)vlen);
}

/* Writes a text element converted to e->cs. -2 when a value does not fit the charset. */
static int write_text(const enc *e, uint32_t tag, dcm_vr vr, const uint8_t *v, size_t n)
{
    size_t hdr = e->out->len;
    if (dcm_write_element(e->out, e->ts, tag, vr, NULL, 0) != 0) return -1;
    size_t vstart = e->out->len;
    int rc = dcm_text_from_utf8_cached(&e->q->conv, (const char *)v, n, e->cs, e->out);
    if (rc != 0) return rc;
    size_t vlen = e->out->len - vstart;
    if (vlen & 1) {
        if (buf_putc(e->out, ' ') != 0) return -1;
        vlen++;
    }
    if (vlen > 0xFFFF && e->ts == DCM_TS_EXPLICIT_LE && !dcm_vr_long_header(vr)) return -1;
    patch(e, hdr, vr, vlen);
    return 0;
}

static int write_value(const enc *e, const dcm_element *src)
{
    if (dcm_vr_is_text(src->vr) && src->len) return write_text(e, src->tag, src->vr, src->value, src->len);
    return dcm_write_element(e->out, e->ts, src->tag, src->vr, src->value, src->len);
}

static int write_full(const enc *e, const dcm_dataset *ds, int depth)
{
    if (depth > DCM_MAX_DEPTH) return -1;
    for (size_t i = 0; i < dcm_dataset_count(ds); i++) {
        const dcm_element *el = dcm_dataset_at(ds, i);
        if (el->tag == DCM_SpecificCharacterSet) continue;
        int rc;
        if (el->vr == DCM_VR('S', 'Q')) {
            if ((rc = dcm_write_seq_begin(e->out, e->ts, el->tag)) != 0) return rc;
            for (uint32_t k = 0; k < el->nitems; k++) {
                if (dcm_write_item_begin(e->out) != 0) return -1;
                if ((rc = write_full(e, el->items[k], depth + 1)) != 0) return rc;
                if (dcm_write_item_end(e->out) != 0) return -1;
            }
            if (dcm_write_seq_end(e->out) != 0) return -1;
        } else if ((rc = write_value(e, el)) != 0) {
            return rc;
        }
    }
    return 0;
}

static int write_charset(const enc *e)
{
    const char *t = dcm_charset_term(e->cs);
    return dcm_write_element(e->out, e->ts, DCM_SpecificCharacterSet, DCM_VR('C', 'S'), t, strlen(t));
}

static int write_level(const enc *e, const dcm_dataset *qds, const dcm_mwl_key *keys, size_t nkeys,
                       const dcm_dataset *item, int depth)
{
    bool cs_done = depth > 0;
    int rc;
    for (size_t i = 0; i < dcm_dataset_count(qds); i++) {
        const dcm_element *qe = dcm_dataset_at(qds, i);
        if (!cs_done && qe->tag >= DCM_SpecificCharacterSet) {
            if ((rc = write_charset(e)) != 0) return rc;
            cs_done = true;
        }
        if (qe->tag == DCM_SpecificCharacterSet) continue;
        const dcm_element *src = dcm_find(item, qe->tag);
        if (qe->vr == DCM_VR('S', 'Q')) {
            const dcm_mwl_key *sub = NULL;
            size_t nsub = 0;
            for (size_t k = 0; k < nkeys; k++) {
                if (keys[k].type != DCM_MATCH_SEQUENCE) continue;
                if (keys[k].tag == qe->tag) {
                    sub = &keys[k + 1];
                    nsub = keys[k].nsub;
                    break;
                }
                k += keys[k].nsub;
            }
            if ((rc = dcm_write_seq_begin(e->out, e->ts, qe->tag)) != 0) return rc;
            if (src && src->vr == DCM_VR('S', 'Q')) {
                for (uint32_t k = 0; k < src->nitems; k++) {
                    const dcm_dataset *ii = src->items[k];
                    if (sub && !dcm_mwl_match_keys(sub, nsub, ii)) continue;
                    if (depth == 0 && qe->tag == DCM_ScheduledProcedureStepSequence && !dcm_mwl_station_ok(e->q, ii))
                        continue;
                    if (dcm_write_item_begin(e->out) != 0) return -1;
                    rc = qe->nitems && dcm_dataset_count(qe->items[0]) ? write_level(e, qe->items[0], sub, nsub, ii, depth + 1)
                                                                  : write_full(e, ii, depth + 1);
                    if (rc != 0) return rc;
                    if (dcm_write_item_end(e->out) != 0) return -1;
                }
            }
            if (dcm_write_seq_end(e->out) != 0) return -1;
            continue;
        }
        if (src && src->vr != DCM_VR('S', 'Q')) rc = write_value(e, src);
        else rc = dcm_write_element(e->out, e->ts, qe->tag, qe->vr, NULL, 0);
        if (rc != 0) return rc;
    }
    if (!cs_done) return write_charset(e);
    return 0;
}

int dcm_mwl_encode_answer(dcm_mwl_query *q, const dcm_dataset *item, dcm_ts ts, buf_t *out)
{
    size_t mark = out->len;
    enc e = {q, ts, q->answer_charset, out};
    int rc = write_level(&e, q->identifier, q->keys, q->nkeys, item, 0);
    if (rc == -2) { /* a value outside the requested repertoire: answer in UTF-8 */
        out->len = mark;
        e.cs = DCM_CS_UTF8;
        rc = write_level(&e, q->identifier, q->keys, q->nkeys, item, 0);
    }
    if (rc != 0) {
        out->len = mark;
        if (out->data) out->data[mark] = 0;
        return -1;
    }
    return 0;
}
