/* Modality Performed Procedure Step SCP (PS3.4 Annex F): N-CREATE (IN PROGRESS) and N-SET
 * (IN PROGRESS updates, COMPLETED, DISCONTINUED) validated here, then handed to the provider,
 * which owns the state and answers with the standard statuses. */
#include <stdio.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/uid.h"
#include "dicom/dicom_internal.h"

dcm_pps_status dcm_pps_status_parse(const char *s)
{
    if (!s) return DCM_PPS_UNKNOWN;
    if (strcmp(s, "IN PROGRESS") == 0) return DCM_PPS_IN_PROGRESS;
    if (strcmp(s, "COMPLETED") == 0) return DCM_PPS_COMPLETED;
    if (strcmp(s, "DISCONTINUED") == 0) return DCM_PPS_DISCONTINUED;
    return DCM_PPS_UNKNOWN;
}

const char *dcm_pps_status_name(dcm_pps_status s)
{
    switch (s) {
    case DCM_PPS_IN_PROGRESS: return "IN PROGRESS";
    case DCM_PPS_COMPLETED: return "COMPLETED";
    case DCM_PPS_DISCONTINUED: return "DISCONTINUED";
    default: return "UNKNOWN";
    }
}

int dcm_mpps_check_transition(dcm_pps_status current, dcm_pps_status requested, dcm_status *st)
{
    memset(st, 0, sizeof *st);
    if (current == DCM_PPS_COMPLETED || current == DCM_PPS_DISCONTINUED) {
        dcm_status_set(st, DCM_STATUS_PROCESSING_FAILURE, "Performed Procedure Step already %s: no more updates",
                       dcm_pps_status_name(current));
        st->error_id = DCM_ERROR_ID_MPPS_NOT_UPDATABLE;
        return -1;
    }
    if (current != DCM_PPS_IN_PROGRESS || requested == DCM_PPS_UNKNOWN) {
        dcm_status_set(st, DCM_STATUS_INVALID_ATTRIBUTE_VALUE, "invalid Performed Procedure Step Status");
        st->offending_tag = DCM_PerformedProcedureStepStatus;
        return -1;
    }
    return 0;
}

/* 2.25.<128-bit random number in decimal> (PS3.5 B.2). */
static int uuid_uid(char out[65])
{
    uint8_t r[16];
    if (rand_bytes(r, sizeof r) != 0) return -1;
    uint32_t limb[4];
    for (int i = 0; i < 4; i++) limb[i] = (uint32_t)r[4 * i] << 24 | (uint32_t)r[4 * i + 1] << 16 | (uint32_t)r[4 * i + 2] << 8 | r[4 * i + 3];
    char dec[48];
    size_t n = 0;
    bool zero;
    do {
        uint64_t rem = 0;
        zero = true;
        for (int i = 0; i < 4; i++) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 10);
            rem = cur % 10;
            if (limb[i]) zero = false;
        }
        dec[n++] = (char)('0' + rem);
    } while (!zero);
    memcpy(out, "2.25.", 5);
    for (size_t i = 0; i < n; i++) out[5 + i] = dec[n - 1 - i];
    out[5 + n] = 0;
    return 0;
}

static int respond(dcm_assoc *a, const dcm_message *rq, const dcm_status *st, const char *uid, const char *op)
{
    if (st->code == 0)
        LOG_INFOF(DCM_LOG, "MPPS", "assoc=%u calling=%s op=%s instance=%s status=0x0000", dcm_assoc_id(a),
                  dcm_assoc_calling_ae(a), op, uid[0] ? uid : "-");
    else
        LOG_WARNF(DCM_LOG, "MPPS refused", "assoc=%u calling=%s op=%s instance=%s status=0x%04X error_id=0x%04X comment=\"%s\"",
                  dcm_assoc_id(a), dcm_assoc_calling_ae(a), op, uid[0] ? uid : "-", st->code, st->error_id, st->comment);
    return dcm_assoc_respond(a, rq, st, uid, NULL, 0);
}

static int mpps_handle(dcm_assoc *a, const dcm_message *rq, void *ud)
{
    const dcm_mpps_scp_config *cfg = ud;
    dcm_status st;
    memset(&st, 0, sizeof st);
    char uid[65];
    snprintf(uid, sizeof uid, "%s", rq->sop_instance);
    bool create = rq->command_field == DCM_N_CREATE_RQ;
    const char *op = create ? "N-CREATE" : "N-SET";
    if (!create && rq->command_field != DCM_N_SET_RQ) {
        dcm_status_set(&st, DCM_STATUS_UNRECOGNIZED_OPERATION, "only N-CREATE and N-SET are supported for MPPS");
        return respond(a, rq, &st, "", "other");
    }
    if (!rq->data) {
        dcm_status_set(&st, DCM_STATUS_PROCESSING_FAILURE, "%s without attribute list", op);
        return respond(a, rq, &st, uid, op);
    }
    char err[120];
    if (dcm_dataset_to_utf8(rq->data, err, sizeof err) != 0) {
        dcm_status_set(&st, DCM_STATUS_PROCESSING_FAILURE, "%s", err);
        return respond(a, rq, &st, uid, op);
    }
    if (uid[0] && !uid_valid(uid)) {
        dcm_status_set(&st, DCM_STATUS_INVALID_ATTRIBUTE_VALUE, "invalid SOP Instance UID");
        return respond(a, rq, &st, "", op);
    }
    char status_s[32];
    int sl = dcm_get_string(rq->data, DCM_PerformedProcedureStepStatus, status_s, sizeof status_s);
    dcm_pps_status status = sl >= 0 ? dcm_pps_status_parse(status_s) : DCM_PPS_UNKNOWN;
    if (create) {
        if (sl < 0) {
            dcm_status_set(&st, DCM_STATUS_MISSING_ATTRIBUTE, "Performed Procedure Step Status missing");
            st.offending_tag = DCM_PerformedProcedureStepStatus;
        } else if (status != DCM_PPS_IN_PROGRESS) {
            dcm_status_set(&st, DCM_STATUS_INVALID_ATTRIBUTE_VALUE, "N-CREATE requires status IN PROGRESS, not '%.20s'", status_s);
            st.offending_tag = DCM_PerformedProcedureStepStatus;
        } else if (!dcm_has(rq->data, DCM_ScheduledStepAttributesSequence)) {
            dcm_status_set(&st, DCM_STATUS_MISSING_ATTRIBUTE, "Scheduled Step Attributes Sequence missing");
            st.offending_tag = DCM_ScheduledStepAttributesSequence;
        } else if (!uid[0] && uuid_uid(uid) != 0) {
            dcm_status_set(&st, DCM_STATUS_PROCESSING_FAILURE, "cannot create a SOP Instance UID");
        }
    } else {
        if (!uid[0]) {
            dcm_status_set(&st, DCM_STATUS_MISSING_ATTRIBUTE, "Requested SOP Instance UID missing");
        } else if (sl >= 0 && status == DCM_PPS_UNKNOWN) {
            dcm_status_set(&st, DCM_STATUS_INVALID_ATTRIBUTE_VALUE, "invalid Performed Procedure Step Status '%.20s'", status_s);
            st.offending_tag = DCM_PerformedProcedureStepStatus;
        }
    }
    if (st.code == 0) {
        dcm_mpps_request mr = {dcm_assoc_calling_ae(a), uid, status, rq->data};
        int (*fn)(void *, const dcm_mpps_request *, dcm_status *) = create ? cfg->n_create : cfg->n_set;
        if (!fn) {
            dcm_status_set(&st, DCM_STATUS_PROCESSING_FAILURE, "no MPPS provider");
        } else if (fn(cfg->ud, &mr, &st) != 0) {
            if (st.code == 0) dcm_status_set(&st, DCM_STATUS_PROCESSING_FAILURE, "MPPS provider failed");
        } else {
            memset(&st, 0, sizeof st);
        }
    }
    return respond(a, rq, &st, uid, op);
}

dcm_service dcm_mpps_service(const dcm_mpps_scp_config *cfg)
{
    dcm_service s = {DCM_UID_MPPS, mpps_handle, (void *)cfg};
    return s;
}
