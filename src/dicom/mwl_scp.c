/* Modality Worklist Information Model - FIND SCP (PS3.4 K): parses the identifier, asks the
 * provider, streams one pending response per item (checking for C-CANCEL between them), caps
 * the number of answers, and ends with the final status. */
#include "core/log.h"
#include "core/timeutil.h"
#include "dicom/dicom_internal.h"

typedef struct {
    dcm_assoc *a;
    const dcm_message *rq;
    const dcm_mwl_scp_config *cfg;
    dcm_mwl_query *q;
    buf_t out;
    unsigned count;
    bool cancelled, capped, failed;
} find_ctx;

static int emit(void *ud, const dcm_dataset *item)
{
    find_ctx *c = ud;
    buf_reset(&c->out);
    if (dcm_mwl_encode_answer(c->q, item, c->rq->ts, &c->out) != 0) {
        c->failed = true;
        return 1;
    }
    dcm_status st = {DCM_STATUS_PENDING, 0, 0, ""};
    if (dcm_assoc_respond(c->a, c->rq, &st, NULL, (const uint8_t *)c->out.data, c->out.len) != 0) {
        c->failed = true;
        return 1;
    }
    c->count++;
    if (dcm_assoc_cancel_requested(c->a, c->rq->message_id)) {
        c->cancelled = true;
        return 1;
    }
    if (c->cfg->max_results && c->count >= c->cfg->max_results) {
        c->capped = true;
        return 1;
    }
    return 0;
}

static int mwl_handle(dcm_assoc *a, const dcm_message *rq, void *ud)
{
    const dcm_mwl_scp_config *cfg = ud;
    dcm_status st;
    memset(&st, 0, sizeof st);
    int64_t t0 = time_monotonic_ms();
    if (rq->command_field != DCM_C_FIND_RQ) {
        dcm_status_set(&st, DCM_STATUS_UNRECOGNIZED_OPERATION, "only C-FIND is supported for Modality Worklist");
        return dcm_assoc_respond(a, rq, &st, NULL, NULL, 0);
    }
    /* the identifier is consumed by the parser */
    dcm_dataset *ident = ((dcm_message *)rq)->data;
    ((dcm_message *)rq)->data = NULL;
    dcm_mwl_query *q = NULL;
    if (dcm_mwl_query_parse(ident, cfg->default_charset, cfg->filter_calling_ae ? dcm_assoc_calling_ae(a) : NULL, &q,
                            &st) != 0) {
        LOG_WARNF(DCM_LOG, "worklist query refused", "assoc=%u calling=%s status=0x%04X comment=\"%s\"", dcm_assoc_id(a),
                  dcm_assoc_calling_ae(a), st.code, st.comment);
        return dcm_assoc_respond(a, rq, &st, NULL, NULL, 0);
    }
    find_ctx c = {a, rq, cfg, q, BUF_INIT, 0, false, false, false};
    int prc = cfg->find ? cfg->find(cfg->ud, q, emit, &c, &st) : -1;
    if (!cfg->find) dcm_status_set(&st, DCM_STATUS_UNABLE_TO_PROCESS, "no worklist provider");
    int rc = 0;
    if (c.failed) {
        rc = -1;
    } else if (c.cancelled) {
        dcm_status_set(&st, DCM_STATUS_CANCEL, NULL);
        st.error_id = 0;
        rc = dcm_assoc_respond(a, rq, &st, NULL, NULL, 0);
    } else if (prc != 0) {
        if (st.code == 0 || st.code == DCM_STATUS_PENDING) dcm_status_set(&st, DCM_STATUS_UNABLE_TO_PROCESS, "worklist provider failed");
        rc = dcm_assoc_respond(a, rq, &st, NULL, NULL, 0);
    } else {
        memset(&st, 0, sizeof st);
        rc = dcm_assoc_respond(a, rq, &st, NULL, NULL, 0);
    }
    char filt[40], keys[512];
    log_quote(q->station_filter[0] ? q->station_filter : "-", filt, sizeof filt);
    dcm_mwl_query_describe(q, keys, sizeof keys);
    LOG_INFOF(DCM_LOG, "worklist query", "assoc=%u calling=%s keys=%s station_filter=%s results=%u capped=%s "
              "cancelled=%s status=0x%04X duration_ms=%lld", dcm_assoc_id(a), dcm_assoc_calling_ae(a), keys, filt,
              c.count, c.capped ? "yes" : "no", c.cancelled ? "yes" : "no", c.failed ? 0xFFFFu : st.code,
              (long long)(time_monotonic_ms() - t0));
    buf_free(&c.out);
    dcm_mwl_query_free(q);
    return rc;
}

dcm_service dcm_mwl_service(const dcm_mwl_scp_config *cfg)
{
    dcm_service s = {DCM_UID_MWL_FIND, mwl_handle, (void *)cfg};
    return s;
}
