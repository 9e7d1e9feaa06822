/* Unit tests of the pdf module: INS datamatrix content, file name, text conversion, PDF/A
 * structure, input validation, determinism and concurrent rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdf/pdf.h"
#include "pdf/pdf_internal.h"
#include "unit/pdf/report_fixture.h"

static int contains(const unsigned char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0) return 1;
    return 0;
}

/* ---- INS datamatrix content ------------------------------------------------------------ */

static void test_datamatrix_content(void **state)
{
    (void)state;
    pdf_report r;
    fixture_report(&r);
    char out[512], err[256];
    int n = pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err);
    const char *expected = "IS010000000000000000000000"
                           "S1279035121518989"
                           "S21.2.250.1.213.1.4.10" /* 20 characters: no GS */
                           "S3DOMINIQUE MARIE\x1D"
                           "S4PAT-TROIS\x1D"
                           "S5F"
                           "S628-03-1979"
                           "S751215";
    assert_int_equal(n, (int)strlen(expected));
    assert_string_equal(out, expected);

    /* Lower-case traits are upper-cased; no birthplace: no S7; a 19-character OID ends with GS. */
    r.patient.given_names = "jean-luc";
    r.patient.birth_name = "d'ornano";
    r.patient.birthplace_code = NULL;
    r.patient.ins_oid = "1.2.250.1.213.1.4.8";
    r.patient.sex = 'M';
    n = pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err);
    assert_true(n > 0);
    assert_string_equal(out, "IS010000000000000000000000S1279035121518989S21.2.250.1.213.1.4.8\x1D"
                             "S3JEAN-LUC\x1DS4D'ORNANO\x1DS5MS628-03-1979");

    /* Corsican NIR (2A) is a valid matricule. */
    r.patient.ins_matricule = "179032A12345678";
    n = pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err);
    assert_true(n > 0);
}

static void test_datamatrix_refusals(void **state)
{
    (void)state;
    pdf_report r;
    char out[512], err[256];

    fixture_unqualified(&r);
    assert_int_equal(pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "aucune INS"));

    fixture_report(&r);
    r.patient.ins_matricule = "27903512151898"; /* 14 characters */
    assert_int_equal(pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "15 caractères"));

    fixture_report(&r);
    r.patient.ins_matricule = "27903512X518989";
    assert_int_equal(pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err), -1);

    fixture_report(&r);
    r.patient.birth_name = "DUPRÉ"; /* INSi traits carry no diacritics: refuse, never alter */
    assert_int_equal(pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "nom de naissance"));

    fixture_report(&r);
    r.patient.sex = 'I'; /* allowed on the document, not in an INS datamatrix */
    assert_int_equal(pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "sexe"));

    fixture_report(&r);
    r.patient.birthplace_code = "123";
    assert_int_equal(pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err), -1);

    fixture_report(&r);
    r.patient.ins_oid = "1.2.250.1.213.1.4.8.1234"; /* 24 > 20 */
    assert_int_equal(pdf_ins_datamatrix_content(&r.patient, out, sizeof out, err, sizeof err), -1);

    fixture_report(&r);
    assert_int_equal(pdf_ins_datamatrix_content(&r.patient, out, 20, err, sizeof err), -1);
    assert_non_null(strstr(err, "trop petit"));
}

static void test_datamatrix_bitmap(void **state)
{
    (void)state;
    unsigned char *pix = NULL;
    int cols = 0, rows = 0;
    char err[256];
    const char *msg = "IS010000000000000000000000S1279035121518989";
    assert_int_equal(pdf_datamatrix_bitmap(msg, strlen(msg), &pix, &cols, &rows, err, sizeof err), 0);
    assert_non_null(pix);
    assert_int_equal(cols, rows);
    assert_true(cols >= 10);
    /* ECC 200 finder pattern: solid left column and bottom row, alternating top row. */
    for (int y = 0; y < rows; y++) assert_int_equal(pix[(size_t)y * (size_t)cols], 0x00);
    for (int x = 0; x < cols; x++) assert_int_equal(pix[(size_t)(rows - 1) * (size_t)cols + (size_t)x], 0x00);
    for (int x = 0; x < cols; x++) assert_int_equal(pix[x], (x % 2 == 0) ? 0x00 : 0xFF);
    free(pix);
}

/* ---- file name ------------------------------------------------------------------------- */

static void test_file_name(void **state)
{
    (void)state;
    pdf_report r;
    fixture_report(&r);
    char name[128], err[256];
    int n = pdf_file_name(&r, name, sizeof name, err, sizeof err);
    assert_string_equal(name, "CR-IMAGERIE_20261121_PAT-TROIS_DOMINIQUE_V1.pdf");
    assert_int_equal(n, (int)strlen(name));

    r.patient.birth_name = "Lefèvre-Œuvray d'Arçy";
    r.patient.given_names = "Éloïse Marie";
    r.version = 3;
    pdf_file_name(&r, name, sizeof name, err, sizeof err);
    assert_string_equal(name, "CR-IMAGERIE_20261121_LEFEVRE-OEUVRAY-D-ARCY_ELOISE_V3.pdf");

    /* Very long names are cut; the result stays within 100 bytes and ends with .pdf. */
    r.patient.birth_name = "Abcdefghijklmnopqrstuvwxyz Abcdefghijklmnopqrstuvwxyz Abcdefghijklmnopqrstuvwxyz";
    r.patient.given_names = "Abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";
    n = pdf_file_name(&r, name, sizeof name, err, sizeof err);
    assert_true(n > 0 && n <= 100);
    assert_string_equal(name + n - 4, ".pdf");
    for (int i = 0; i < n; i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.pdf", name[i]));

    r.exam.date = "2026-02-30";
    assert_int_equal(pdf_file_name(&r, name, sizeof name, err, sizeof err), -1);
    assert_non_null(strstr(err, "date d'examen"));
    fixture_report(&r);
    assert_int_equal(pdf_file_name(&r, name, 10, err, sizeof err), -1);
}

/* ---- text conversion ------------------------------------------------------------------- */

static void test_text_conversion(void **state)
{
    (void)state;
    char cut[] = "abc\xC3";
    pdf_utf8_trim(cut);
    assert_string_equal(cut, "abc");
    char cut3[] = "x\xE2\x82";
    pdf_utf8_trim(cut3);
    assert_string_equal(cut3, "x");
    char whole[] = "\xE2\x82\xAC\xC3\xA9";
    pdf_utf8_trim(whole);
    assert_string_equal(whole, "\xE2\x82\xAC\xC3\xA9");
    pdf_text_conv c;
    char err[256];
    buf_t out = BUF_INIT;
    assert_int_equal(pdf_text_conv_open(&c, err, sizeof err), 0);
    assert_int_equal(pdf_text_to_cp1252(&c, "Cœur à 5 € ≥ 3\tmm", &out, "t", err, sizeof err), 0);
    assert_string_equal(buf_cstr(&out), "C\x9C" "ur \xE0 5 \x80 >= 3 mm");
    assert_int_equal(pdf_text_to_cp1252(&c, "flèche → ici ✓", &out, "t", err, sizeof err), 0);
    assert_string_equal(buf_cstr(&out), "fl\xE8" "che -> ici ?");
    assert_int_equal(pdf_text_to_cp1252(&c, "bad \xC3( utf8", &out, "résultats", err, sizeof err), -1);
    assert_non_null(strstr(err, "résultats"));
    assert_int_equal(pdf_text_to_cp1252(&c, "tronqué \xE2\x82", &out, "x", err, sizeof err), -1);
    pdf_text_conv_close(&c);
    buf_free(&out);
}

/* ---- rendering ------------------------------------------------------------------------- */

static void test_render_structure(void **state)
{
    (void)state;
    pdf_report r;
    fixture_report(&r);
    unsigned char *pdf = NULL;
    size_t len = 0;
    char err[512];
    assert_int_equal(pdf_render_report(&r, NULL, &pdf, &len, err, sizeof err), 0);
    assert_non_null(pdf);
    assert_memory_equal(pdf, "%PDF-1.4\n%", 10);
    /* Binary comment on the second line (ISO 19005-1 6.1.2). */
    assert_true(pdf[10] > 127 && pdf[11] > 127 && pdf[12] > 127 && pdf[13] > 127);
    assert_true(contains(pdf, len, "<pdfaid:part>1</pdfaid:part>"));
    assert_true(contains(pdf, len, "<pdfaid:conformance>B</pdfaid:conformance>"));
    assert_true(contains(pdf, len, "/Type /Metadata\n/Subtype /XML"));
    assert_true(contains(pdf, len, "/S /GTS_PDFA1"));
    assert_true(contains(pdf, len, "/DestOutputProfile "));
    assert_false(contains(pdf, len, "/DestOutputProfile  ")); /* libharu 2.3.0's broken key */
    assert_true(contains(pdf, len, "/FontFile2"));
    assert_true(contains(pdf, len, "/Encoding /WinAnsiEncoding"));
    assert_false(contains(pdf, len, "/Differences"));
    assert_true(contains(pdf, len, "/ID [ <"));
    assert_true(contains(pdf, len, "/Subtype /Image"));       /* the datamatrix */
    assert_false(contains(pdf, len, "/Encrypt"));
    assert_false(contains(pdf, len, "/JavaScript"));
    assert_false(contains(pdf, len, "/SMask"));
    /* Info dates equal the XMP ones (the validation time). */
    assert_true(contains(pdf, len, "/CreationDate (D:20261122091500+01'00')"));
    assert_true(contains(pdf, len, "<xmp:CreateDate>2026-11-22T09:15:00+01:00</xmp:CreateDate>"));
    /* XMP text is escaped UTF-8 equal to the Info values. */
    assert_true(contains(pdf, len, "Dr \xC3\x89lise Durand-\xC5\x92uvray</rdf:li>"));
    free(pdf);

    fixture_unqualified(&r);
    assert_int_equal(pdf_render_report(&r, NULL, &pdf, &len, err, sizeof err), 0);
    assert_false(contains(pdf, len, "/Subtype /Image")); /* no datamatrix without INS */
    free(pdf);
}

static void test_render_deterministic(void **state)
{
    (void)state;
    pdf_report r;
    fixture_report(&r);
    unsigned char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    char err[512];
    assert_int_equal(pdf_render_report(&r, NULL, &a, &la, err, sizeof err), 0);
    assert_int_equal(pdf_render_report(&r, NULL, &b, &lb, err, sizeof err), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
}

typedef struct {
    unsigned char *pdf;
    size_t len;
    int rc;
} thread_out;

static void *render_thread(void *arg)
{
    thread_out *o = arg;
    pdf_report r;
    fixture_report(&r);
    char err[512];
    o->rc = pdf_render_report(&r, NULL, &o->pdf, &o->len, err, sizeof err);
    return NULL;
}

static void test_render_concurrent(void **state)
{
    (void)state;
    enum { N = 4 };
    pthread_t t[N];
    thread_out o[N];
    memset(o, 0, sizeof o);
    for (int i = 0; i < N; i++) assert_int_equal(pthread_create(&t[i], NULL, render_thread, &o[i]), 0);
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++) {
        assert_int_equal(o[i].rc, 0);
        assert_int_equal(o[i].len, o[0].len);
        assert_memory_equal(o[i].pdf, o[0].pdf, o[0].len);
    }
    for (int i = 0; i < N; i++) free(o[i].pdf);
}

static void expect_refusal(const pdf_report *r, const pdf_options *opt, const char *fragment)
{
    unsigned char *pdf = (unsigned char *)"sentinel";
    size_t len = 42;
    char err[512] = "";
    assert_int_equal(pdf_render_report(r, opt, &pdf, &len, err, sizeof err), -1);
    assert_null(pdf);
    assert_int_equal(len, 0);
    if (!strstr(err, fragment)) fail_msg("error \"%s\" lacks \"%s\"", err, fragment);
}

static void test_render_refusals(void **state)
{
    (void)state;
    pdf_report r;
    fixture_report(&r); r.site.name = NULL; expect_refusal(&r, NULL, "nom du site");
    fixture_report(&r); r.patient.birth_name = ""; expect_refusal(&r, NULL, "nom de naissance");
    fixture_report(&r); r.patient.birth_date = "28/03/1979"; expect_refusal(&r, NULL, "date de naissance");
    fixture_report(&r); r.patient.sex = 0; expect_refusal(&r, NULL, "sexe");
    fixture_report(&r); r.patient.ipp = NULL; expect_refusal(&r, NULL, "IPP");
    fixture_report(&r); r.patient.ins_oid = NULL; expect_refusal(&r, NULL, "INS incomplète");
    fixture_report(&r); r.patient.birth_name = "MÜLLER"; expect_refusal(&r, NULL, "datamatrix INS");
    fixture_report(&r); r.exam.date = "2026-13-01"; expect_refusal(&r, NULL, "date d'examen");
    fixture_report(&r); r.exam.ccam_label = NULL; expect_refusal(&r, NULL, "libellé de l'acte");
    fixture_report(&r); r.sections.results = NULL; r.sections.conclusion = "";
    expect_refusal(&r, NULL, "résultats ou conclusion");
    fixture_report(&r); r.validation.validator_rpps = "1234"; expect_refusal(&r, NULL, "RPPS");
    fixture_report(&r); r.validation.validated_at = "2026-11-22T09:15:00"; expect_refusal(&r, NULL, "date de validation");
    fixture_report(&r); r.validation.validator_name = NULL; expect_refusal(&r, NULL, "valideur");
    fixture_report(&r); r.document_id = NULL; expect_refusal(&r, NULL, "identifiant du document");
    fixture_report(&r); r.version = 0; expect_refusal(&r, NULL, "version");
    fixture_report(&r); r.recipients = NULL; expect_refusal(&r, NULL, "destinataires");
    pdf_recipient bad[1] = {{"Dr X", NULL, NULL}};
    fixture_report(&r); r.recipients = bad; r.n_recipients = 1; expect_refusal(&r, NULL, "destinataire n° 1");
    fixture_report(&r); r.sections.results = "texte \xFF invalide"; expect_refusal(&r, NULL, "« résultats »");
    fixture_report(&r); r.site.address = "rue \xC3"; expect_refusal(&r, NULL, "« adresse du site »");
    expect_refusal(NULL, NULL, "compte rendu absent");

    pdf_options opt = {"/nonexistent/font.ttf", NULL, NULL};
    fixture_report(&r);
    expect_refusal(&r, &opt, "police introuvable");
    opt = (pdf_options){NULL, NULL, "/nonexistent/profile.icc"};
    expect_refusal(&r, &opt, "profil ICC introuvable");

    /* An ICC v4 profile is refused: PDF/A-1 (PDF 1.4) allows ICC v2 only. */
    char path[] = "/tmp/couloir-test-icc-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unsigned char head[128] = {0};
    head[8] = 4;
    memcpy(head + 16, "RGB ", 4);
    memcpy(head + 36, "acsp", 4);
    assert_int_equal(write(fd, head, sizeof head), (ssize_t)sizeof head);
    close(fd);
    opt = (pdf_options){NULL, NULL, path};
    expect_refusal(&r, &opt, "ICC v2");
    unlink(path);

    unsigned char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(pdf_render_report(&r, NULL, NULL, &len, NULL, 0), -1); /* err may be NULL */
    assert_int_equal(pdf_render_report(&r, NULL, &pdf, NULL, NULL, 0), -1);
}

/* Hostile but valid input: unbreakable words, many recipients, blank lines, long notice. */
static void test_render_extremes(void **state)
{
    (void)state;
    pdf_report r;
    fixture_unqualified(&r); /* accented given names below: no INS datamatrix possible */
    size_t n = 6000;
    char *word = malloc(n + 1);
    assert_non_null(word);
    memset(word, 'W', n);
    word[n] = '\0';
    r.sections.results = word;
    r.sections.free_text = "\n\n   \n\t\x01texte après lignes vides\n";
    r.site.address = "";
    r.patient.used_name = "PAT-TROIS"; /* same as birth name: not repeated */
    enum { NR = 150 };
    pdf_recipient *many = calloc(NR, sizeof *many);
    assert_non_null(many);
    for (int i = 0; i < NR; i++) {
        many[i].name = "Dr Destinataire Très-Longuement-Nommé de la Clinique Saint-Exupéry";
        many[i].channel = "MSSanté";
        many[i].address = "destinataire.tres.longuement.nomme@clinique-saint-exupery.mssante.fr";
    }
    r.recipients = many;
    r.n_recipients = NR;
    r.rgpd_notice = word; /* even a notice longer than a page must not loop or crash */
    /* Names long enough to be cut in the running header and footer, cut inside "é". */
    char longname[400];
    memset(longname, 'E', sizeof longname);
    for (size_t i = 0; i + 2 < sizeof longname; i += 2) memcpy(longname + i, "\xC3\xA9", 2);
    longname[sizeof longname - 1] = '\0';
    r.site.name = longname;
    r.patient.given_names = longname;
    unsigned char *pdf = NULL;
    size_t len = 0;
    char err[512];
    int rc = pdf_render_report(&r, NULL, &pdf, &len, err, sizeof err);
    if (rc != 0) fail_msg("render failed: %s", err);
    assert_true(len > 1000);
    free(pdf);
    free(many);
    free(word);
}

static void test_settings_table(void **state)
{
    (void)state;
    int n = 0, notice = 0;
    for (const config_setting *s = pdf_settings; s->section; s++, n++) {
        assert_string_equal(s->section, "pdf");
        assert_non_null(s->help);
        if (strcmp(s->key, "rgpd_notice") == 0) notice = 1;
    }
    assert_int_equal(n, 4);
    assert_true(notice);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datamatrix_content),
        cmocka_unit_test(test_datamatrix_refusals),
        cmocka_unit_test(test_datamatrix_bitmap),
        cmocka_unit_test(test_file_name),
        cmocka_unit_test(test_text_conversion),
        cmocka_unit_test(test_render_structure),
        cmocka_unit_test(test_render_deterministic),
        cmocka_unit_test(test_render_concurrent),
        cmocka_unit_test(test_render_refusals),
        cmocka_unit_test(test_render_extremes),
        cmocka_unit_test(test_settings_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
