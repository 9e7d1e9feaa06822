/* Writes sample reports as PDF files for the script test (poppler / dmtx checks):
 *   pdf_render_tool OUTDIR
 * produces qualified.pdf, unqualified.pdf, long.pdf, qualified.dm (expected datamatrix
 * content) and qualified.name (file name);
 *   pdf_render_tool --bench N
 * renders the qualified report N times and prints the median and p95 times in ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pdf/pdf.h"
#include "unit/pdf/report_fixture.h"

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "cannot write %s\n", path);
        if (f) fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int render_to(const char *dir, const char *name, const pdf_report *r)
{
    unsigned char *pdf = NULL;
    size_t len = 0;
    char err[512];
    if (pdf_render_report(r, NULL, &pdf, &len, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", name, err);
        return -1;
    }
    int rc = write_file(dir, name, pdf, len);
    free(pdf);
    return rc;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int bench(int n)
{
    if (n < 1 || n > 100000) return 2;
    double *t = malloc(sizeof *t * (size_t)n);
    if (!t) return 1;
    pdf_report r;
    fixture_report(&r);
    size_t bytes = 0;
    for (int i = 0; i < n; i++) {
        unsigned char *pdf = NULL;
        size_t len = 0;
        char err[512];
        double t0 = now_ms();
        if (pdf_render_report(&r, NULL, &pdf, &len, err, sizeof err) != 0) {
            fprintf(stderr, "render: %s\n", err);
            free(t);
            return 1;
        }
        t[i] = now_ms() - t0;
        bytes = len;
        free(pdf);
    }
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("renders=%d median_ms=%.2f p95_ms=%.2f min_ms=%.2f max_ms=%.2f pdf_bytes=%zu\n", n,
           t[n / 2], t[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1], t[0], t[n - 1], bytes);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--bench") == 0) return bench(atoi(argv[2]));
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    pdf_report r;
    fixture_report(&r);
    if (render_to(dir, "qualified.pdf", &r) != 0) return 1;
    char dm[512], err[256];
    int n = pdf_ins_datamatrix_content(&r.patient, dm, sizeof dm, err, sizeof err);
    if (n < 0 || write_file(dir, "qualified.dm", dm, (size_t)n) != 0) return 1;
    char fname[128];
    if (pdf_file_name(&r, fname, sizeof fname, err, sizeof err) < 0 ||
        write_file(dir, "qualified.name", fname, strlen(fname)) != 0)
        return 1;

    fixture_unqualified(&r);
    if (render_to(dir, "unqualified.pdf", &r) != 0) return 1;

    /* A long report: 60 paragraphs of findings must paginate. */
    fixture_report(&r);
    char *long_text = malloc(60 * 400);
    if (!long_text) return 1;
    long_text[0] = '\0';
    for (int i = 1; i <= 60; i++) {
        char para[400];
        snprintf(para, sizeof para,
                 "Paragraphe %d : analyse détaillée du segment pulmonaire, sans anomalie "
                 "de densité ni épaississement pleural ; contrôle à prévoir selon l'évolution "
                 "clinique et les antécédents.%s", i, i < 60 ? "\n" : "");
        strcat(long_text, para);
    }
    r.sections.results = long_text;
    int rc = render_to(dir, "long.pdf", &r);
    free(long_text);
    return rc == 0 ? 0 : 1;
}
