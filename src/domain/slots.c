#include "domain/slots.h"

#include <stdlib.h>
#include <string.h>

static int cmp_interval(const void *a, const void *b)
{
    const slot_interval *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Sorts a copy and merges overlapping/adjacent intervals; returns the merged count. */
static size_t normalise(const slot_interval *in, size_t n, slot_interval *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (in[i].end > in[i].start) out[m++] = in[i];
    qsort(out, m, sizeof *out, cmp_interval);
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        if (w > 0 && out[i].start <= out[w - 1].end) {
            if (out[i].end > out[w - 1].end) out[w - 1].end = out[i].end;
        } else {
            out[w++] = out[i];
        }
    }
    return w;
}

size_t slots_find(const slot_interval *open, size_t nopen, const slot_interval *busy, size_t nbusy,
                  const slot_request *req, slot_interval *out, size_t max_out)
{
    if (!req || req->duration <= 0 || req->step <= 0 || max_out == 0) return 0;
    slot_interval *o = malloc((nopen ? nopen : 1) * sizeof *o);
    slot_interval *b = malloc((nbusy ? nbusy : 1) * sizeof *b);
    size_t written = 0;
    if (!o || !b) goto done;
    size_t no = normalise(open, nopen, o);
    size_t nb = normalise(busy, nbusy, b);
    size_t bi = 0;
    for (size_t wi = 0; wi < no && written < max_out; wi++) {
        int64_t t = o[wi].start;
        if (t < req->not_before) {
            /* first aligned candidate at or after not_before */
            int64_t k = (req->not_before - t + req->step - 1) / req->step;
            t += k * req->step;
        }
        while (t + req->duration <= o[wi].end && written < max_out) {
            while (bi < nb && b[bi].end <= t) bi++;
            if (bi < nb && b[bi].start < t + req->duration) {
                /* overlap: jump to the first aligned start after this busy interval */
                int64_t k = (b[bi].end - o[wi].start + req->step - 1) / req->step;
                t = o[wi].start + k * req->step;
                continue;
            }
            out[written].start = t;
            out[written].end = t + req->duration;
            written++;
            t += req->step;
        }
        /* windows are sorted; busy cursor may need to rewind for the next window only if windows
         * overlap, which normalise() has merged away */
    }
done:
    free(o);
    free(b);
    return written;
}

size_t slots_open_windows(int64_t first_day, int ndays, int open_minute, int close_minute, int weekends,
                          int64_t (*local_to_unix)(int64_t day, int minute), slot_interval *out, size_t max_out)
{
    size_t n = 0;
    if (open_minute < 0 || close_minute > 24 * 60 || open_minute >= close_minute) return 0;
    for (int i = 0; i < ndays && n < max_out; i++) {
        int64_t day = first_day + i;
        /* 1970-01-01 was a Thursday: weekday 0 = Monday */
        int64_t wd = ((day % 7) + 7 + 3) % 7;
        if (!weekends && wd >= 5) continue;
        out[n].start = local_to_unix(day, open_minute);
        out[n].end = local_to_unix(day, close_minute);
        n++;
    }
    return n;
}
