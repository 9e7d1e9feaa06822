/* Worklist C-FIND identifiers: decode (byte 0 selects the transfer syntax), parse into a
 * structured query, match against a fixed item and encode the answer. */
#include <stddef.h>
#include <stdint.h>

#include "dicom/dicom.h"

static dcm_dataset *fixed_item(void)
{
    dcm_dataset *ds = dcm_dataset_new();
    dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 192");
    dcm_set_string(ds, DCM_PatientName, "H\xC3\x89RON^Z\xC3\x89LIE");
    dcm_set_string(ds, DCM_PatientID, "IPP001");
    dcm_set_string(ds, DCM_AccessionNumber, "ACC001");
    dcm_set_string(ds, DCM_StudyInstanceUID, "1.2.250.1.999.1.1");
    dcm_dataset *o = dcm_seq_append(ds, DCM_OtherPatientIDsSequence);
    dcm_set_string(o, DCM_PatientID, "270017512345601");
    dcm_dataset *sps = dcm_seq_append(ds, DCM_ScheduledProcedureStepSequence);
    dcm_set_string(sps, DCM_Modality, "CT");
    dcm_set_string(sps, DCM_ScheduledStationAETitle, "CT1\\CT2");
    dcm_set_string(sps, DCM_ScheduledProcedureStepStartDate, "20261122");
    dcm_set_string(sps, DCM_ScheduledProcedureStepStartTime, "083000.25");
    dcm_dataset *code = dcm_seq_append(sps, DCM_ScheduledProtocolCodeSequence);
    dcm_set_string(code, DCM_CodeValue, "ZBQK002");
    return ds;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    dcm_ts ts = (data[0] & 1) ? DCM_TS_EXPLICIT_LE : DCM_TS_IMPLICIT_LE;
    dcm_dataset *ident = NULL;
    if (dcm_decode(data + 1, size - 1, ts, &ident, NULL, 0) != 0) return 0;
    dcm_mwl_query *q = NULL;
    dcm_status st;
    if (dcm_mwl_query_parse(ident, (data[0] & 2) ? DCM_CS_UTF8 : DCM_CS_LATIN1, (data[0] & 4) ? "CT2" : NULL, &q, &st) == 0) {
        dcm_dataset *item = fixed_item();
        (void)dcm_mwl_match(q, item);
        buf_t b = BUF_INIT;
        (void)dcm_mwl_encode_answer(q, item, ts, &b);
        buf_free(&b);
        dcm_dataset_free(item);
        dcm_mwl_query_free(q);
    }
    return 0;
}
