/* Data-set decoding: byte 0 selects implicit/explicit VR or Part 10; a decoded data set is
 * re-encoded and converted to UTF-8. */
#include <stddef.h>
#include <stdint.h>

#include "dicom/dicom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    dcm_dataset *ds = NULL, *meta = NULL;
    char err[200];
    int rc;
    if (data[0] == 'P') rc = dcm_part10_decode(data + 1, size - 1, &meta, &ds, err, sizeof err);
    else rc = dcm_decode(data + 1, size - 1, (data[0] & 1) ? DCM_TS_EXPLICIT_LE : DCM_TS_IMPLICIT_LE, &ds, err, sizeof err);
    if (rc == 0) {
        buf_t b = BUF_INIT;
        (void)dcm_encode(ds, DCM_TS_EXPLICIT_LE, &b);
        buf_reset(&b);
        (void)dcm_encode(ds, DCM_TS_IMPLICIT_LE, &b);
        buf_free(&b);
        char v[128];
        (void)dcm_get_string(ds, DCM_PatientName, v, sizeof v);
        (void)dcm_get_string_at(ds, DCM_ScheduledStationAETitle, 1, v, sizeof v);
        (void)dcm_dataset_to_utf8(ds, err, sizeof err);
        dcm_dataset *c = dcm_dataset_clone(ds);
        dcm_dataset_free(c);
    }
    dcm_dataset_free(ds);
    dcm_dataset_free(meta);
    return 0;
}
