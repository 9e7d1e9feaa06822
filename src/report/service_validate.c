/* Validation and correction: new life cycle state, rendering of the PDF/A-1b, CDA N1 and CDA N3,
 * storage of the three documents and queuing of the sharing jobs, in the caller's transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/timeutil.h"
#include "report/service_internal.h"

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = '\0';
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1) return;
    for (unsigned i = 0; i < n && i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static char *base64(const unsigned char *data, size_t len)
{
    if (len > (size_t)1 << 30) return NULL;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out) EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

static store_status add_doc(store_conn_t *c, const rstore_report *r, const char *kind, const char *mime,
                            const char *name, const char *encoding, const char *content, const void *raw, size_t raw_len,
                            int64_t *id)
{
    char sha[65];
    sha256_hex(raw, raw_len, sha);
    rstore_document d = {0, r->patient_id, r->id, kind, r->state.document_id, r->state.set_id, r->state.version, mime,
                         name, encoding, content, (int64_t)raw_len, sha};
    return rstore_document_add(c, &d, id);
}

rsv_result rsv_validate_in_tx(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who,
                              rstore_report *r, bool correct, const json_t *body)
{
    rpt_actor a = {who->login, who->display_name, who->radiologue, who->rpps && *who->rpps ? who->rpps : NULL};
    rsv_result res = rsv_res(RSV_OK, NULL, "%s", "");
    unsigned flags = r->state.flags;
    if (correct && body) {
        res = rsv_apply_text(r, body, false);
        json_t *f = json_object_get(body, "flags");
        if (res.status == RSV_OK && f) res = rsv_parse_flags(f, flags, &flags);
        if (res.status != RSV_OK) return res;
    }
    rpt_state st = r->state;
    char doc_id[RPT_ID_MAX], at[RPT_TIME_MAX], err[512] = "";
    int w = snprintf(doc_id, sizeof doc_id, "%.40s.%d", st.set_id, correct ? st.version + 1 : 1);
    if (w < 0 || (size_t)w >= sizeof doc_id) return rsv_res(RSV_ERROR, NULL, "%s", "Identifiant de document trop long.");
    rsv_now_local(at, sizeof at);
    int64_t now = time_now_unix();
    int rc = correct ? rpt_correct(&st, &a, doc_id, flags, at, now, err, sizeof err)
                     : rpt_validate(&st, &a, doc_id, at, now, err, sizeof err);
    if (rc != 0) return rsv_res(RSV_CONFLICT, NULL, "%s", err);

    rsv_render_ctx *x = malloc(sizeof *x);
    if (!x) return rsv_res(RSV_ERROR, NULL, "%s", "Mémoire insuffisante.");
    res = rsv_render_prepare(c, cfg, r, &st, who, x);
    report_outputs out;
    memset(&out, 0, sizeof out);
    if (res.status == RSV_OK && report_render(&x->in, &out, err, sizeof err) != 0)
        res = rsv_res(RSV_INVALID, NULL, "Validation impossible : %s", err);
    int64_t pdf_id = 0, n1_id = 0, n3_id = 0;
    if (res.status == RSV_OK) {
        r->state = st;
        r->validator_user_id = who->user_id;
        char *b64 = base64(out.pdf, out.pdf_len);
        store_status s = b64 ? add_doc(c, r, "PDF", "application/pdf", out.pdf_name, "base64", b64, out.pdf, out.pdf_len, &pdf_id)
                             : STORE_ERROR;
        free(b64);
        if (s == STORE_OK) s = add_doc(c, r, "CDA-N1", "text/xml", NULL, "utf-8", out.n1, out.n1, out.n1_len, &n1_id);
        if (s == STORE_OK) s = add_doc(c, r, "CDA-N3", "text/xml", NULL, "utf-8", out.n3, out.n3, out.n3_len, &n3_id);
        res = rsv_store_fail(s, "");
    }
    if (res.status == RSV_OK)
        res = rsv_share(c, cfg, r, correct ? RPT_TRIGGER_CORRECTED : RPT_TRIGGER_VALIDATED, n1_id, pdf_id, &x->proc);
    if (res.status == RSV_OK)
        res = rsv_save(c, who, r, correct ? "correct" : "validate", correct ? "correct" : "validate", NULL);
    report_outputs_free(&out);
    rsv_render_free(x);
    free(x);
    return res;
}
