/* Upper-layer PDU parsing: the input is one PDU (type, reserved, length, body). */
#include <stddef.h>
#include <stdint.h>

#include "dicom/dicom_internal.h"

static int on_pdv(void *ud, uint8_t pcid, uint8_t control, const uint8_t *data, size_t len)
{
    size_t *total = ud;
    *total += len + pcid + control;
    if (len) *total += data[0];
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6) return 0;
    const uint8_t *body = data + 6;
    size_t len = size - 6;
    char err[160];
    if (data[0] == DCM_PDU_ASSOC_RQ) {
        static dcm_assoc_rq rq; /* large: keep it off the stack (not shared: libFuzzer is single-threaded) */
        if (dcm_ul_parse_assoc_rq(body, len, &rq, err, sizeof err) == 0) {
            dcm_pc_ac ac[DCM_MAX_PCS];
            for (size_t i = 0; i < rq.npcs; i++) {
                ac[i].id = rq.pcs[i].id;
                ac[i].result = (uint8_t)(i % 5);
                ac[i].ts = rq.pcs[i].ts[0];
            }
            buf_t out = BUF_INIT;
            (void)dcm_ul_build_assoc_ac(&rq, ac, rq.npcs, 16384, &out);
            buf_free(&out);
        }
    } else {
        size_t total = 0;
        (void)dcm_ul_parse_pdata(body, len, on_pdv, &total, err, sizeof err);
    }
    return 0;
}
