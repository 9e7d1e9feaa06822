/* C-ECHO SCP (Verification SOP Class, PS3.4 Annex A). */
#include "core/log.h"
#include "dicom/dicom_internal.h"

static int echo_handle(dcm_assoc *a, const dcm_message *rq, void *ud)
{
    (void)ud;
    dcm_status st = {0};
    if (rq->command_field != DCM_C_ECHO_RQ) {
        dcm_status_set(&st, DCM_STATUS_UNRECOGNIZED_OPERATION, "only C-ECHO is supported for Verification");
    }
    LOG_INFOF(DCM_LOG, "C-ECHO", "assoc=%u calling=%s status=0x%04X", dcm_assoc_id(a), dcm_assoc_calling_ae(a), st.code);
    return dcm_assoc_respond(a, rq, &st, NULL, NULL, 0);
}

dcm_service dcm_echo_service(void)
{
    dcm_service s = {DCM_UID_VERIFICATION, echo_handle, NULL};
    return s;
}
