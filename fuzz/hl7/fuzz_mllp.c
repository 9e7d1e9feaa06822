/* libFuzzer harness: MLLP deframer. The input is cut into reads of sizes taken from its first
 * bytes; the frames must be the same whatever the cutting, and no frame exceeds the cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl7/hl7.h"

typedef struct {
    buf_t log; /* frames, length-prefixed, as seen */
    size_t max;
} seen;

static int on_frame(void *ctx, const hl7_mllp_frame *f)
{
    seen *s = ctx;
    if (!f->oversized && f->len > s->max) abort();
    if (f->oversized && (f->total_len <= s->max || f->len > f->total_len)) abort();
    if (!f->oversized && f->len != f->total_len) abort();
    char hdr[2] = {f->oversized ? 'O' : 'M', 0};
    buf_append(&s->log, hdr, 1);
    buf_append(&s->log, &f->total_len, sizeof f->total_len);
    buf_append(&s->log, f->data, f->len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t max = 1 + data[0] % 64;
    size_t step = 1 + data[1] % 17;
    data += 2;
    size -= 2;
    seen a = {BUF_INIT, max}, b = {BUF_INIT, max};
    hl7_mllp_deframer *d1 = hl7_mllp_deframer_new(max, 8);
    hl7_mllp_deframer *d2 = hl7_mllp_deframer_new(max, 8);
    if (!d1 || !d2) abort();
    hl7_mllp_deframer_push(d1, data, size, on_frame, &a);
    for (size_t i = 0; i < size; i += step)
        hl7_mllp_deframer_push(d2, data + i, size - i < step ? size - i : step, on_frame, &b);
    if (a.log.len != b.log.len || (a.log.len && memcmp(a.log.data, b.log.data, a.log.len) != 0)) abort();
    const hl7_mllp_stats *s1 = hl7_mllp_deframer_stats(d1), *s2 = hl7_mllp_deframer_stats(d2);
    if (s1->frames != s2->frames || s1->garbage_bytes != s2->garbage_bytes || s1->oversized != s2->oversized) abort();
    hl7_mllp_deframer_free(d1);
    hl7_mllp_deframer_free(d2);
    buf_free(&a.log);
    buf_free(&b.log);
    return 0;
}
