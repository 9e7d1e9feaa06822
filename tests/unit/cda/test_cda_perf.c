/* Timing: median wall time to build CDA N1 + N3 for one report (1,000 runs), printed as
 * "cda_build_n1+n3 median_us=..." (bench figure for issue 6). Fails only when the median
 * exceeds the whole-chain budget (50 ms), which would be a gross regression. */
#include "cda/cda.h"
#include "core/timeutil.h"
#include "unit/cda/cda_fixture.h"

#include <libxml/parser.h>
#include <time.h>

#define RUNS 1000

static int cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

int main(void)
{
    static long t[RUNS];
    cda_report r;
    fixture_ids ids;
    size_t plen = 0;
    unsigned char *pdf = fixture_pdf(&plen);
    /* A PDF of realistic size (~60 KB): the fixture page padded with a comment. */
    size_t big = 60000;
    unsigned char *doc = malloc(big);
    if (!pdf || !doc) return 1;
    memset(doc, '%', big);
    memcpy(doc, pdf, plen);
    size_t n3_len = 0, n1_len = 0;
    for (int i = 0; i < RUNS; i++) {
        fixture_report(&r, &ids, (size_t)i, (unsigned)i, i % 2);
        char *a, *b, err[256];
        size_t la, lb;
        long t0 = now_us();
        if (cda_build_n3(&r, &a, &la, err, sizeof err) != 0 ||
            cda_build_n1(&r, doc, big, &b, &lb, err, sizeof err) != 0) {
            fprintf(stderr, "FAIL: %s\n", err);
            return 1;
        }
        t[i] = now_us() - t0;
        n3_len = la;
        n1_len = lb;
        free(a);
        free(b);
    }
    qsort(t, RUNS, sizeof t[0], cmp);
    printf("cda_build_n1+n3 runs=%d median_us=%ld p99_us=%ld n3_bytes=%zu n1_bytes=%zu pdf_bytes=%zu\n",
           RUNS, t[RUNS / 2], t[RUNS * 99 / 100], n3_len, n1_len, big);
    free(pdf);
    free(doc);
    xmlCleanupParser();
    if (t[RUNS / 2] > 50000) {
        fprintf(stderr, "FAIL: median above 50 ms\n");
        return 1;
    }
    return 0;
}
