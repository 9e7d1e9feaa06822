/* Renders N validated reports through report_render() (PDF/A-1b + CDA N1 with the PDF inside +
 * CDA N3) and prints the median, p95 and p99 time per report (one thread). Reports vary in
 * modality, identity status and masking. Storage is measured by bench_report_store (bench_store.c).
 * Usage: bench_report [N]   (default 1000) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit/report/report_fixture.h"
#include "bench_stats.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1 || n > 1000000) {
        fprintf(stderr, "usage: bench_report [N 1..1000000]\n");
        return 2;
    }
    report_init();
    double *t = malloc((size_t)n * sizeof *t);
    rfx *f = malloc(sizeof *f);
    if (!t || !f) return 1;
    static const unsigned flags[] = {0, RPT_FLAG_ANNOUNCEMENT_PENDING, RPT_FLAG_MASQUE_PS, 0};
    char err[512];
    size_t bytes = 0;
    for (long i = 0; i < n; i++) {
        if (rfx_build(f, (size_t)i, (unsigned)i, i % 3 != 0, flags[i % 4], err, sizeof err) != 0) {
            fprintf(stderr, "fixture: %s\n", err);
            return 1;
        }
        report_outputs o;
        double t0 = now_ms();
        int rc = report_render(&f->in, &o, err, sizeof err);
        t[i] = now_ms() - t0;
        if (rc != 0) {
            fprintf(stderr, "report %ld: %s\n", i, err);
            return 1;
        }
        bytes += o.pdf_len + o.n1_len + o.n3_len;
        report_outputs_free(&o);
    }
    qsort(t, (size_t)n, sizeof *t, cmp);
    double sum = 0;
    for (long i = 0; i < n; i++) sum += t[i];
    printf("reports rendered        : %ld (PDF/A-1b + CDA N1 + CDA N3 each)\n", n);
    printf("per report, ms          : median %.2f  p95 %.2f  p99 %.2f  max %.2f  mean %.2f\n", pct(t, (size_t)n, 50),
           pct(t, (size_t)n, 95), pct(t, (size_t)n, 99), t[n - 1], sum / (double)n);
    printf("throughput              : %.0f reports/s (one thread)\n", 1000.0 * (double)n / sum);
    printf("average output          : %.0f KiB per report (PDF + N1 + N3)\n", (double)bytes / (double)n / 1024.0);
    printf("storage (validation -> stored N1 + N3 + PDF + jobs): see bench_report_store\n");
    free(t);
    free(f);
    return 0;
}
