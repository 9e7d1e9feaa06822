/* The render pipeline: INS only for a qualified identity (PDF text and datamatrix, N1, N3);
 * a correction gets RPLC and version + 1; announcement pending -> INVISIBLE_PATIENT; refusals;
 * the same bytes from several threads. The PDF is read back with poppler-utils (pdftotext,
 * pdfimages, pdftoppm) and dmtx-utils (dmtxread decodes the INS datamatrix). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <unistd.h>

#include "support/test_support.h"
#include "unit/report/report_fixture.h"

/* Text of the PDF (pdftotext), malloc'd, spaces removed when squeeze. */
static char *pdf_text(const report_outputs *o, bool squeeze)
{
    char path[] = "/tmp/couloir-report-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, o->pdf, o->pdf_len), (ssize_t)o->pdf_len);
    close(fd);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 %s - 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    int c;
    while ((c = fgetc(p)) != EOF && len + 1 < cap)
        if (!squeeze || (c != ' ' && c != '\n')) buf[len++] = (char)c;
    buf[len] = '\0';
    assert_int_equal(pclose(p), 0);
    unlink(path);
    return buf;
}

/* Output of a shell command (malloc'd, NUL-terminated; binary-safe length in *len). */
static char *capture(const char *cmd, size_t *len)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - 1 - n, p)) > 0) n += got;
    buf[n] = '\0';
    assert_int_equal(pclose(p), 0);
    if (len) *len = n;
    return buf;
}

/* The INS datamatrix read back from the rendered page (pdfimages counts the images; pdftoppm
 * rasterises the top-right corner where the pdf module draws it; dmtxread decodes it). */
static void check_datamatrix(const rfx *f, const report_outputs *o, bool qualified)
{
    char dir[] = "/tmp/couloir-dm-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], cmd[400];
    snprintf(path, sizeof path, "%s/r.pdf", dir);
    FILE *w = fopen(path, "wb");
    assert_non_null(w);
    assert_int_equal(fwrite(o->pdf, 1, o->pdf_len, w), o->pdf_len);
    fclose(w);
    snprintf(cmd, sizeof cmd, "pdfimages -list %s | tail -n +3 | wc -l", path);
    char *count = capture(cmd, NULL);
    assert_int_equal(atoi(count), qualified ? 1 : 0);
    free(count);
    if (qualified) {
        snprintf(cmd, sizeof cmd,
                 "pdftoppm -r 200 -f 1 -l 1 -gray -x 1000 -y 0 -W 654 -H 900 %s %s/q && dmtxread -N1 -m 20000 %s/q-*.pgm",
                 path, dir, dir);
        size_t len;
        char *decoded = capture(cmd, &len);
        /* Expected content from the same traits, as the pdf module defines it. */
        pdf_patient pp = {f->identity.traits.birth_name, NULL, f->identity.traits.birth_given_names, NULL,
                          f->identity.traits.birth_date, 'F', "IPP0001234", RFX_INS, INS_OID_TEST_NIR,
                          f->identity.traits.birth_place};
        char expected[256], err[200];
        int n = pdf_ins_datamatrix_content(&pp, expected, sizeof expected, err, sizeof err);
        assert_true(n > 0);
        assert_int_equal(len, (size_t)n);
        assert_memory_equal(decoded, expected, len);
        free(decoded);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void render_ok(const rfx *f, report_outputs *o)
{
    char err[512];
    if (report_render(&f->in, o, err, sizeof err) != 0) fail_msg("%s", err);
    assert_non_null(o->pdf);
    assert_true(o->pdf_len > 1000);
    assert_memory_equal(o->pdf, "%PDF-", 5);
    assert_non_null(strstr(o->n1, "<nonXMLBody"));
    assert_non_null(strstr(o->n3, "1.2.250.1.213.1.1.1.45"));
}

static bool has_code(const report_outputs *o, const char *code)
{
    for (size_t i = 0; i < o->n_sharing; i++)
        if (strcmp(o->sharing[i].code, code) == 0) return true;
    return false;
}

static void test_ins_only_when_qualified(void **state)
{
    (void)state;
    char err[512];
    for (int qualified = 1; qualified >= 0; qualified--) {
        rfx f;
        assert_int_equal(rfx_build(&f, 0, 1, qualified, 0, err, sizeof err), 0);
        report_outputs o;
        render_ok(&f, &o);
        assert_int_equal(o.ins_emitted, qualified);
        char *text = pdf_text(&o, true);
        /* The INS printed on paper, with its nature; the traits always. */
        assert_int_equal(strstr(text, RFX_INS) != NULL, qualified);
        assert_non_null(strstr(text, "PAT-TROIS"));
        assert_non_null(strstr(text, RFX_RPPS));
        assert_non_null(strstr(text, "GARNIER"));
        assert_non_null(strstr(text, "stephane.medioni@medecin.mssante.fr"));
        assert_non_null(strstr(text, "(RGPD)"));
        free(text);
        check_datamatrix(&f, &o, qualified);
        assert_int_equal(strstr(o.n1, "extension=\"" RFX_INS "\"") != NULL, qualified);
        assert_int_equal(strstr(o.n3, "extension=\"" RFX_INS "\"") != NULL, qualified);
        assert_int_equal(strstr(o.n3, INS_OID_TEST_NIR) != NULL, qualified);
        /* The IPP always. */
        assert_non_null(strstr(o.n3, "IPP0001234"));
        assert_non_null(strstr(o.n1, "IPP0001234"));
        assert_string_equal(o.pdf_name, "CR-IMAGERIE_20261122_PAT-TROIS_DOMINIQUE_V1.pdf");
        assert_true(has_code(&o, "N"));
        assert_false(has_code(&o, "INVISIBLE_PATIENT"));
        report_outputs_free(&o);
        assert_null(o.pdf);
    }
    /* A qualified identity whose OID the policy refuses: no INS anywhere. */
    rfx f;
    assert_int_equal(rfx_build(&f, 0, 2, true, 0, err, sizeof err), 0);
    f.policy.n_accepted_oids = 2; /* NIR and NIA only: the test OID is not accepted */
    report_outputs o;
    render_ok(&f, &o);
    assert_false(o.ins_emitted);
    assert_null(strstr(o.n3, RFX_INS));
    report_outputs_free(&o);
}

/* A correction: same setId, version 2, RPLC of the first document, addendum. */
static void test_correction(void **state)
{
    (void)state;
    char err[512];
    rfx f;
    assert_int_equal(rfx_build(&f, 3, 5, true, 0, err, sizeof err), 0);
    rpt_actor rad = rfx_radiologist();
    assert_int_equal(rpt_correct(&f.state, &rad, "CR-5-V2", 0, "2026-11-23T08:00:00+01:00", 3000, err, sizeof err), 0);
    f.in.text.addendum = "Correction de la latéralité.";
    report_outputs o;
    render_ok(&f, &o);
    assert_non_null(strstr(o.n3, "<versionNumber value=\"2\"/>"));
    assert_non_null(strstr(o.n1, "<versionNumber value=\"2\"/>"));
    assert_non_null(strstr(o.n3, "typeCode=\"RPLC\""));
    assert_non_null(strstr(o.n1, "typeCode=\"RPLC\""));
    assert_non_null(strstr(o.n3, "<setId root=\"" RFX_ID_ROOT "\" extension=\"LOT-5\"/>"));
    assert_non_null(strstr(o.n3, "<id root=\"" RFX_ID_ROOT "\" extension=\"CR-5-V2\"/>"));
    const char *rel = strstr(o.n3, "<relatedDocument");
    assert_non_null(rel);
    assert_non_null(strstr(rel, "extension=\"CR-5\""));
    assert_non_null(strstr(o.n3, "Correction de la latéralité."));
    assert_string_equal(o.pdf_name, "CR-IMAGERIE_20261122_PAT-TROIS_DOMINIQUE_V2.pdf");
    char *text = pdf_text(&o, false);
    assert_non_null(strstr(text, "Correction de la latéralité."));
    free(text);
    report_outputs_free(&o);
}

/* RIS.CRR.02: announcement pending -> INVISIBLE_PATIENT in the sharing codes, and the
 * channel decision sends nothing to the patient. Masking choices -> their codes. */
static void test_announcement_and_masking(void **state)
{
    (void)state;
    char err[512];
    rfx f;
    assert_int_equal(rfx_build(&f, 1, 7, true, RPT_FLAG_ANNOUNCEMENT_PENDING, err, sizeof err), 0);
    report_outputs o;
    render_ok(&f, &o);
    assert_true(has_code(&o, "INVISIBLE_PATIENT"));
    assert_false(has_code(&o, "MASQUE_PS"));
    report_outputs_free(&o);
    rpt_channel_context ctx = {true, false, true, true, 1, true};
    rpt_channels ch;
    assert_int_equal(rpt_channels_decide(&f.state, RPT_TRIGGER_VALIDATED, &ctx, &ch, err, sizeof err), 0);
    assert_false(ch.mss_patient);
    assert_true(ch.dmp_invisible_patient);

    static const struct {
        unsigned flag;
        const char *code;
    } masks[] = {{RPT_FLAG_MASQUE_PS, "MASQUE_PS"},
                 {RPT_FLAG_INVISIBLE_PATIENT, "INVISIBLE_PATIENT"},
                 {RPT_FLAG_INVISIBLE_LEGAL_REPS, "INVISIBLE_REPRESENTANTS_LEGAUX"},
                 {RPT_FLAG_SECRET_CONNECTION, "CONNEXION_SECRETE"}};
    for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        assert_int_equal(rfx_build(&f, i, 8 + (unsigned)i, true, masks[i].flag, err, sizeof err), 0);
        render_ok(&f, &o);
        for (size_t j = 0; j < sizeof masks / sizeof masks[0]; j++)
            assert_int_equal(has_code(&o, masks[j].code), i == j);
        report_outputs_free(&o);
    }
}

static void expect_refusal(const report_input *in, const char *fragment)
{
    char err[512] = "";
    report_outputs o;
    if (report_render(in, &o, err, sizeof err) != -1) {
        report_outputs_free(&o);
        fail_msg("not refused (expected « %s »)", fragment);
    }
    assert_null(o.pdf);
    assert_null(o.n1);
    assert_null(o.n3);
    if (!strstr(err, fragment)) fail_msg("expected « %s » in « %s »", fragment, err);
}

static void test_refusals(void **state)
{
    (void)state;
    char err[512];
    rfx f;
    assert_int_equal(rfx_build(&f, 0, 20, true, 0, err, sizeof err), 0);
    report_outputs o;
    assert_int_equal(report_render(NULL, &o, err, sizeof err), -1);
    assert_int_equal(report_render(&f.in, NULL, err, sizeof err), -1);

    rfx g = f;
    g.in.state = &g.state;
    g.state.status = RPT_PROVISIONAL;
    expect_refusal(&g.in, "le compte rendu est provisoire, il doit être validé");
    g = f;
    g.in.state = &g.state;
    g.in.validator.rpps = "10100000001";
    expect_refusal(&g.in, "RPPS du valideur ne correspond pas");
    g = f;
    g.in.state = &g.state;
    g.in.n_exams = 0;
    expect_refusal(&g.in, "Aucun examen");
    g = f;
    g.in.state = &g.state;
    g.in.text.text[RTPL_SEC_TECHNIQUE] = NULL;
    expect_refusal(&g.in, "La section « Technique » est obligatoire");
    g.in.text.text[RTPL_SEC_TECHNIQUE] = f.in.text.text[RTPL_SEC_TECHNIQUE];
    g.in.text.text[RTPL_SEC_CONCLUSION] = " ";
    expect_refusal(&g.in, "La section « Conclusion » est obligatoire");
    g = f;
    g.in.state = &g.state;
    g.identity.traits.birth_date[0] = '\0';
    g.patient.identity = &g.identity;
    g.in.patient = &g.patient;
    expect_refusal(&g.in, "Document CDA impossible");
    g = f;
    g.in.state = &g.state;
    g.in.id_root = NULL;
    expect_refusal(&g.in, "id_root");

    /* With a template: required sections and exposure are checked. */
    rtpl_template t;
    rtpl_init(&t, "CT-CRANE", "Scanner cérébral", "CT");
    t.exposure = RTPL_EXPOSURE_REQUIRED;
    g = f;
    g.in.state = &g.state;
    g.in.template = &t;
    g.in.text.text[RTPL_SEC_RESULTS] = "";
    expect_refusal(&g.in, "La section « Résultats » est obligatoire avant la validation.");
    g.in.text.text[RTPL_SEC_RESULTS] = "Normal.";
    g.exams[0].has_exposure = false;
    g.in.exams = g.exams;
    expect_refusal(&g.in, "exposition aux rayonnements");
}

static void test_template_codes_fill_exam(void **state)
{
    (void)state;
    rtpl_template t;
    rtpl_init(&t, "MG-DEP", "Mammographie de dépistage", "MG");
    t.exam_code = (rtpl_coded){"24606-6", "MG sein ; incidences pour dépistage"};
    snprintf(t.region, sizeof t.region, "76752008");
    t.target_site = (rtpl_coded){"181131000", "sein entier"};
    t.ccam = (rtpl_coded){"QEQK004", "Mammographie bilatérale"};
    cda_exam e;
    memset(&e, 0, sizeof e);
    e.region = "774007"; /* already set: kept */
    report_exam_from_template(&t, &e);
    assert_string_equal(e.modality, "MG");
    assert_string_equal(e.loinc.code, "24606-6");
    assert_string_equal(e.region, "774007");
    assert_string_equal(e.target_site.display, "sein entier");
    assert_string_equal(e.ccam.code, "QEQK004");
}

typedef struct {
    const rfx *f;
    report_outputs o;
    int rc;
} job;

static void *run(void *arg)
{
    job *j = arg;
    char err[512];
    for (int i = 0; i < 5 && j->rc == 0; i++) {
        report_outputs_free(&j->o);
        j->rc = report_render(&j->f->in, &j->o, err, sizeof err);
    }
    return NULL;
}

/* No global state: four threads render the same report and get identical bytes. */
static void test_threads(void **state)
{
    (void)state;
    char err[512];
    rfx f;
    assert_int_equal(rfx_build(&f, 0, 30, true, RPT_FLAG_MASQUE_PS, err, sizeof err), 0);
    report_outputs ref;
    render_ok(&f, &ref);
    job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){&f, {0}, 0};
        assert_int_equal(pthread_create(&th[i], NULL, run, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].rc, 0);
        assert_int_equal(jobs[i].o.pdf_len, ref.pdf_len);
        assert_memory_equal(jobs[i].o.pdf, ref.pdf, ref.pdf_len);
        assert_string_equal(jobs[i].o.n1, ref.n1);
        assert_string_equal(jobs[i].o.n3, ref.n3);
        report_outputs_free(&jobs[i].o);
    }
    report_outputs_free(&ref);
}

int main(void)
{
    if (system("command -v pdftotext >/dev/null && command -v pdfimages >/dev/null && command -v pdftoppm >/dev/null && command -v dmtxread >/dev/null 2>&1") != 0)
        test_skip_or_fail("poppler-utils and dmtx-utils (deps/apt/test-report.txt) are needed to read the PDF back");
    report_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ins_only_when_qualified),
        cmocka_unit_test(test_correction),
        cmocka_unit_test(test_announcement_and_masking),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_template_codes_fill_exam),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
