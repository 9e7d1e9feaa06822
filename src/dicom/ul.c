/* Upper-layer PDUs (PS3.8 9.3): parsing of A-ASSOCIATE-RQ and P-DATA-TF, building of the PDUs
 * an SCP sends. Pure functions over bytes (fuzzed by fuzz/dicom). */
#include <stdlib.h>

#include "dicom/dicom_internal.h"

void dcm_ul_ae_title(const uint8_t *field, char out[17])
{
    size_t s = 0, e = 16;
    while (s < 16 && field[s] == ' ') s++;
    while (e > s && (field[e - 1] == ' ' || field[e - 1] == 0)) e--;
    size_t n = 0;
    for (size_t i = s; i < e; i++) out[n++] = field[i] >= 0x20 && field[i] < 0x7F ? (char)field[i] : '?';
    out[n] = 0;
}

/* Copies a UID sub-item value (may carry a trailing NUL pad) into out[65]. */
static int copy_uid(const uint8_t *p, size_t n, char out[65])
{
    while (n && (p[n - 1] == 0 || p[n - 1] == ' ')) n--;
    if (n > 64) return -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] >= 0x7F) return -1;
        out[i] = (char)p[i];
    }
    out[n] = 0;
    return 0;
}

static int parse_pc(const uint8_t *p, size_t n, dcm_pc_rq *pc, char *err, size_t errlen)
{
    if (n < 4) { dcm_errf(err, errlen, "presentation context item too short"); return -1; }
    memset(pc, 0, sizeof *pc);
    pc->id = p[0];
    size_t off = 4;
    bool have_as = false;
    while (off < n) {
        if (n - off < 4) { dcm_errf(err, errlen, "truncated presentation context sub-item"); return -1; }
        uint8_t type = p[off];
        uint16_t l = dcm_rd16be(p + off + 2);
        if (l > n - off - 4) { dcm_errf(err, errlen, "presentation context sub-item overflows"); return -1; }
        const uint8_t *v = p + off + 4;
        if (type == 0x30) {
            if (copy_uid(v, l, pc->abstract_syntax) != 0) { dcm_errf(err, errlen, "invalid abstract syntax"); return -1; }
            have_as = true;
        } else if (type == 0x40) {
            if (pc->nts < DCM_MAX_TS_PER_PC) {
                if (copy_uid(v, l, pc->ts[pc->nts]) != 0) { dcm_errf(err, errlen, "invalid transfer syntax"); return -1; }
                pc->nts++;
            }
        } else {
            dcm_errf(err, errlen, "unexpected sub-item 0x%02X in presentation context", type);
            return -1;
        }
        off += 4 + (size_t)l;
    }
    if (!have_as || pc->nts == 0) { dcm_errf(err, errlen, "presentation context without syntaxes"); return -1; }
    return 0;
}

static int parse_user_info(const uint8_t *p, size_t n, dcm_assoc_rq *rq, char *err, size_t errlen)
{
    size_t off = 0;
    while (off < n) {
        if (n - off < 4) { dcm_errf(err, errlen, "truncated user information sub-item"); return -1; }
        uint8_t type = p[off];
        uint16_t l = dcm_rd16be(p + off + 2);
        if (l > n - off - 4) { dcm_errf(err, errlen, "user information sub-item overflows"); return -1; }
        const uint8_t *v = p + off + 4;
        if (type == 0x51) {
            if (l != 4) { dcm_errf(err, errlen, "invalid maximum length sub-item"); return -1; }
            rq->max_pdu = dcm_rd32be(v);
        } else if (type == 0x52) {
            if (copy_uid(v, l, rq->impl_class_uid) != 0) { dcm_errf(err, errlen, "invalid implementation class UID"); return -1; }
        } else if (type == 0x55) {
            size_t k = l < 16 ? l : 16;
            for (size_t i = 0; i < k; i++) rq->impl_version[i] = v[i] >= 0x20 && v[i] < 0x7F ? (char)v[i] : '?';
            rq->impl_version[k] = 0;
        }
        /* 0x53 asynchronous operations, 0x54 role selection, 0x56/0x57 extended negotiation,
         * 0x58 user identity: not negotiated (defaults apply, PS3.7 D.3.3) */
        off += 4 + (size_t)l;
    }
    return 0;
}

int dcm_ul_parse_assoc_rq(const uint8_t *body, size_t len, dcm_assoc_rq *rq, char *err, size_t errlen)
{
    memset(rq, 0, sizeof *rq);
    if (len < 68) { dcm_errf(err, errlen, "A-ASSOCIATE-RQ shorter than its fixed fields"); return -1; }
    rq->protocol_version = dcm_rd16be(body);
    dcm_ul_ae_title(body + 4, rq->called);
    dcm_ul_ae_title(body + 20, rq->calling);
    size_t off = 68;
    bool have_ctx = false;
    while (off < len) {
        if (len - off < 4) { dcm_errf(err, errlen, "truncated A-ASSOCIATE-RQ item"); return -1; }
        uint8_t type = body[off];
        uint16_t l = dcm_rd16be(body + off + 2);
        if (l > len - off - 4) { dcm_errf(err, errlen, "A-ASSOCIATE-RQ item overflows the PDU"); return -1; }
        const uint8_t *v = body + off + 4;
        if (type == 0x10) {
            if (copy_uid(v, l, rq->app_context) != 0) { dcm_errf(err, errlen, "invalid application context name"); return -1; }
            have_ctx = true;
        } else if (type == 0x20) {
            if (rq->npcs >= DCM_MAX_PCS) { dcm_errf(err, errlen, "more than %d presentation contexts", DCM_MAX_PCS); return -1; }
            if (parse_pc(v, l, &rq->pcs[rq->npcs], err, errlen) != 0) return -1;
            rq->npcs++;
        } else if (type == 0x50) {
            if (parse_user_info(v, l, rq, err, errlen) != 0) return -1;
        } else {
            dcm_errf(err, errlen, "unexpected item 0x%02X in A-ASSOCIATE-RQ", type);
            return -1;
        }
        off += 4 + (size_t)l;
    }
    if (!have_ctx) { dcm_errf(err, errlen, "A-ASSOCIATE-RQ without application context"); return -1; }
    return 0;
}

static int put_item(buf_t *out, uint8_t type, const void *v, size_t n)
{
    uint8_t h[4] = {type, 0, 0, 0};
    dcm_wr16be(h + 2, (uint16_t)n);
    return buf_append(out, h, 4) || (n && buf_append(out, v, n));
}

static void put_ae(uint8_t *dst, const char *ae)
{
    memset(dst, ' ', 16);
    size_t n = strlen(ae);
    memcpy(dst, ae, n > 16 ? 16 : n);
}

static void finish_pdu(buf_t *out, size_t start)
{
    dcm_wr32be((uint8_t *)out->data + start + 2, (uint32_t)(out->len - start - 6));
}

int dcm_ul_build_assoc_ac(const dcm_assoc_rq *rq, const dcm_pc_ac *pcs, size_t npcs, uint32_t max_pdu, buf_t *out)
{
    size_t start = out->len;
    uint8_t fixed[74] = {DCM_PDU_ASSOC_AC, 0};
    dcm_wr16be(fixed + 6, 1);
    put_ae(fixed + 10, rq->called);
    put_ae(fixed + 26, rq->calling);
    int rc = buf_append(out, fixed, sizeof fixed);
    rc |= put_item(out, 0x10, DCM_UID_APP_CONTEXT, strlen(DCM_UID_APP_CONTEXT));
    for (size_t i = 0; i < npcs && rc == 0; i++) {
        const char *ts = pcs[i].ts ? pcs[i].ts : DCM_UID_IMPLICIT_LE;
        size_t tl = strlen(ts);
        uint8_t h[8] = {0x21, 0, 0, 0, pcs[i].id, 0, pcs[i].result, 0};
        dcm_wr16be(h + 2, (uint16_t)(4 + 4 + tl));
        rc |= buf_append(out, h, 8);
        rc |= put_item(out, 0x40, ts, tl);
    }
    uint8_t ui[64];
    size_t un = 0;
    ui[un++] = 0x51; ui[un++] = 0; dcm_wr16be(ui + un, 4); un += 2; dcm_wr32be(ui + un, max_pdu); un += 4;
    size_t cl = strlen(DCM_IMPL_CLASS_UID), vl = strlen(DCM_IMPL_VERSION);
    uint8_t h[4] = {0x50, 0, 0, 0};
    dcm_wr16be(h + 2, (uint16_t)(un + 4 + cl + 4 + vl));
    rc |= buf_append(out, h, 4);
    rc |= buf_append(out, ui, un);
    rc |= put_item(out, 0x52, DCM_IMPL_CLASS_UID, cl);
    rc |= put_item(out, 0x55, DCM_IMPL_VERSION, vl);
    if (rc) return -1;
    finish_pdu(out, start);
    return 0;
}

int dcm_ul_build_assoc_rj(uint8_t result, uint8_t source, uint8_t reason, buf_t *out)
{
    uint8_t p[10] = {DCM_PDU_ASSOC_RJ, 0, 0, 0, 0, 4, 0, result, source, reason};
    return buf_append(out, p, sizeof p);
}

int dcm_ul_build_release(uint8_t type, buf_t *out)
{
    uint8_t p[10] = {type, 0, 0, 0, 0, 4, 0, 0, 0, 0};
    return buf_append(out, p, sizeof p);
}

int dcm_ul_build_abort(uint8_t source, uint8_t reason, buf_t *out)
{
    uint8_t p[10] = {DCM_PDU_ABORT, 0, 0, 0, 0, 4, 0, 0, source, reason};
    return buf_append(out, p, sizeof p);
}

int dcm_ul_parse_pdata(const uint8_t *body, size_t len, dcm_pdv_fn fn, void *ud, char *err, size_t errlen)
{
    size_t off = 0;
    if (len == 0) { dcm_errf(err, errlen, "empty P-DATA-TF"); return -1; }
    while (off < len) {
        if (len - off < 6) { dcm_errf(err, errlen, "truncated PDV item"); return -1; }
        uint32_t l = dcm_rd32be(body + off);
        if (l < 2 || l > len - off - 4) { dcm_errf(err, errlen, "PDV item length %u invalid", l); return -1; }
        int rc = fn(ud, body[off + 4], body[off + 5], body + off + 6, l - 2);
        if (rc) return rc;
        off += 4 + (size_t)l;
    }
    return 0;
}
