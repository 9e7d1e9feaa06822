/* MLLP framing: 0x0B <message> 0x1C 0x0D, decoded incrementally from arbitrary reads. */
#include <stdlib.h>
#include <string.h>

#include "hl7/hl7_internal.h"

enum { ST_OUTSIDE, ST_INSIDE, ST_END };

struct hl7_mllp_deframer {
    int state;
    size_t max_message;
    size_t head_keep;
    buf_t msg;          /* current frame content (or its head when oversized) */
    size_t total;       /* bytes of the current frame content seen so far */
    hl7_mllp_stats stats;
};

hl7_mllp_deframer *hl7_mllp_deframer_new(size_t max_message, size_t head_keep)
{
    hl7_mllp_deframer *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->max_message = max_message ? max_message : 16u << 20;
    d->head_keep = head_keep ? head_keep : 4096;
    if (d->head_keep > d->max_message) d->head_keep = d->max_message;
    return d;
}

void hl7_mllp_deframer_free(hl7_mllp_deframer *d)
{
    if (!d) return;
    buf_free(&d->msg);
    free(d);
}

bool hl7_mllp_deframer_in_frame(const hl7_mllp_deframer *d)
{
    return d->state != ST_OUTSIDE;
}

const hl7_mllp_stats *hl7_mllp_deframer_stats(const hl7_mllp_deframer *d)
{
    return &d->stats;
}

static void start_frame(hl7_mllp_deframer *d)
{
    buf_reset(&d->msg);
    d->total = 0;
    d->state = ST_INSIDE;
}

/* Appends content bytes, keeping at most max_message (or head_keep once oversized). */
static int take(hl7_mllp_deframer *d, const char *p, size_t n)
{
    size_t before = d->total;
    d->total += n;
    if (d->total <= d->max_message) return buf_append(&d->msg, p, n) == 0 ? 0 : HL7_E_NOMEM;
    if (before <= d->max_message && d->msg.len > d->head_keep) {
        d->msg.len = d->head_keep; /* drop what we no longer need */
        d->msg.data[d->msg.len] = '\0';
    }
    if (d->msg.len < d->head_keep) {
        size_t room = d->head_keep - d->msg.len;
        if (buf_append(&d->msg, p, n < room ? n : room) != 0) return HL7_E_NOMEM;
    }
    return 0;
}

static int emit(hl7_mllp_deframer *d, hl7_mllp_frame_cb cb, void *ctx)
{
    hl7_mllp_frame f;
    if (!d->msg.data && buf_puts(&d->msg, "") != 0) return HL7_E_NOMEM;
    f.data = d->msg.data;
    f.len = d->msg.len;
    f.total_len = d->total;
    f.oversized = d->total > d->max_message;
    d->stats.frames++;
    if (f.oversized) d->stats.oversized++;
    d->state = ST_OUTSIDE;
    int rc = cb ? cb(ctx, &f) : 0;
    if (d->msg.cap > (1u << 20)) buf_free(&d->msg); /* do not keep a large message's memory */
    else buf_reset(&d->msg);
    d->total = 0;
    return rc;
}

int hl7_mllp_deframer_push(hl7_mllp_deframer *d, const void *data, size_t len,
                           hl7_mllp_frame_cb cb, void *ctx)
{
    const char *p = data;
    size_t i = 0;
    while (i < len) {
        switch (d->state) {
        case ST_OUTSIDE: {
            const char *sb = memchr(p + i, HL7_MLLP_SB, len - i);
            size_t skip = sb ? (size_t)(sb - (p + i)) : len - i;
            d->stats.garbage_bytes += skip;
            i += skip;
            if (sb) {
                i++;
                start_frame(d);
            }
            break;
        }
        case ST_INSIDE: {
            /* content runs to the end block; a start block inside abandons the frame */
            size_t j = i;
            while (j < len && p[j] != HL7_MLLP_EB && p[j] != HL7_MLLP_SB) j++;
            if (j > i && take(d, p + i, j - i) != 0) return HL7_E_NOMEM;
            i = j;
            if (i >= len) break;
            if (p[i] == HL7_MLLP_SB) {
                d->stats.broken_frames++;
                d->stats.garbage_bytes += d->total;
                start_frame(d);
            } else {
                d->state = ST_END;
            }
            i++;
            break;
        }
        case ST_END:
            if (p[i] == HL7_MLLP_CR) {
                i++;
                int rc = emit(d, cb, ctx);
                if (rc != 0) return rc; /* the caller stops reading this stream */
            } else {
                /* 0x1C not followed by 0x0D: the 0x1C was content */
                char eb = HL7_MLLP_EB;
                if (take(d, &eb, 1) != 0) return HL7_E_NOMEM;
                d->state = ST_INSIDE;
            }
            break;
        }
    }
    return 0;
}

int hl7_mllp_frame_append(buf_t *out, const char *msg, size_t len)
{
    if (buf_putc(out, HL7_MLLP_SB) != 0 || buf_append(out, msg, len) != 0 || buf_putc(out, HL7_MLLP_EB) != 0 ||
        buf_putc(out, HL7_MLLP_CR) != 0)
        return HL7_E_NOMEM;
    return HL7_OK;
}
