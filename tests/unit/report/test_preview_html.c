/* The preview of an unvalidated report (report_render_preview: "Document non validé", never
 * "Validé le") and the HTML display of a CDA N3 (report_cda_html: sections, escaping, bad input).
 * The PDF is read back with pdftotext (poppler-utils). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include <libxslt/extensions.h>
#include <libxslt/extra.h>

#include "report/service_internal.h"
#include "support/test_support.h"
#include "unit/report/report_fixture.h"

static char *pdf_text(const unsigned char *pdf, size_t len)
{
    char path[] = "/tmp/couloir-preview-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pdf, len), (ssize_t)len);
    close(fd);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 %s - 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    int c;
    while ((c = fgetc(p)) != EOF && n + 1 < cap) buf[n++] = (char)c;
    buf[n] = '\0';
    int rc = pclose(p);
    unlink(path);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void test_preview_draft(void **state)
{
    (void)state;
    rfx *f = malloc(sizeof *f);
    char err[512];
    assert_int_equal(rfx_build(f, 0, 1, true, 0, err, sizeof err), 0);
    /* back to a draft: no version, no validation, no validator RPPS */
    rpt_state draft;
    memset(&draft, 0, sizeof draft);
    rpt_actor a = rfx_radiologist();
    assert_int_equal(rpt_init(&draft, &a, "LOT-9", 0, 1000, err, sizeof err), 0);
    f->in.state = &draft;
    f->in.validator.rpps = NULL;
    /* report_render() refuses it ... */
    report_outputs o;
    assert_int_equal(report_render(&f->in, &o, err, sizeof err), -1);
    /* ... the preview renders it, marked */
    unsigned char *pdf = NULL;
    size_t len = 0;
    int rc = report_render_preview(&f->in, "2026-11-22T11:00:00+01:00", "Document non validé — brouillon", &pdf, &len,
                                   err, sizeof err);
    if (rc != 0) fail_msg("preview: %s", err);
    assert_true(len > 1000 && memcmp(pdf, "%PDF-", 5) == 0);
    char *text = pdf_text(pdf, len);
    if (!text) test_skip_or_fail("pdftotext (poppler-utils) is not installed");
    assert_non_null(strstr(text, "Document non validé — brouillon"));
    assert_null(strstr(text, "Validé le"));
    assert_non_null(strstr(text, "Examen normal."));
    free(text);
    free(pdf);

    /* empty conclusion and results: still a preview, with a placeholder */
    f->in.text.text[RTPL_SEC_RESULTS] = NULL;
    f->in.text.text[RTPL_SEC_CONCLUSION] = "  ";
    assert_int_equal(report_render_preview(&f->in, "2026-11-22T11:00:00+01:00", "Document non validé — brouillon", &pdf,
                                           &len, err, sizeof err),
                     0);
    free(pdf);
    /* bad input: a clear French error, never a crash */
    assert_int_equal(report_render_preview(&f->in, NULL, "x", &pdf, &len, err, sizeof err), -1);
    assert_null(pdf);
    assert_non_null(strstr(err, "Aperçu"));
    assert_int_equal(report_render_preview(&f->in, "hier", "Document non validé", &pdf, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "date de validation"));
    f->in.exams = NULL;
    assert_int_equal(report_render_preview(&f->in, "2026-11-22T11:00:00+01:00", "x", &pdf, &len, err, sizeof err), -1);
    free(f);
}

static void test_html(void **state)
{
    (void)state;
    rfx *f = malloc(sizeof *f);
    char err[512];
    assert_int_equal(rfx_build(f, 1, 2, true, 0, err, sizeof err), 0);
    f->in.text.text[RTPL_SEC_CONCLUSION] = "Pas d'anomalie <script>alert(1)</script> & fin.";
    report_outputs o;
    if (report_render(&f->in, &o, err, sizeof err) != 0) fail_msg("render: %s", err);
    char *html = NULL;
    size_t len = 0;
    assert_int_equal(report_cda_html(o.n3, o.n3_len, &html, &len, err, sizeof err), 0);
    assert_true(len == strlen(html));
    assert_non_null(strstr(html, "<html lang=\"fr\">"));
    assert_non_null(strstr(html, "Conclusion"));
    assert_non_null(strstr(html, "Technique"));
    assert_non_null(strstr(html, "Pas d'anomalie &lt;script&gt;alert(1)&lt;/script&gt; &amp; fin."));
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "Validé le"));
    assert_non_null(strstr(html, "BIDEAULT"));
    assert_non_null(strstr(html, "28/03/1979"));
    free(html);
    /* not XML / not a CDA */
    assert_int_equal(report_cda_html("<oops", 5, &html, &len, err, sizeof err), -1);
    assert_null(html);
    assert_non_null(strstr(err, "illisible"));
    assert_int_equal(report_cda_html("<a/>", 4, &html, &len, err, sizeof err), -1);
    assert_null(html);
    assert_non_null(strstr(err, "ClinicalDocument"));
    report_outputs_free(&o);
    free(f);
}

/* report_init() makes libxslt's global state (its extension registry), which libxslt
 * otherwise makes lazily and without a lock at the first stylesheet: two first displays of a
 * report in two server threads would race on it. Runs first, before any stylesheet. */
static void test_init_xslt(void **state)
{
    (void)state;
    assert_non_null(xsltExtModuleFunctionLookup((const xmlChar *)"node-set", XSLT_LIBXSLT_NAMESPACE));
}

int main(void)
{
    report_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_xslt),
        cmocka_unit_test(test_preview_draft),
        cmocka_unit_test(test_html),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
