/* Acceptance (issue 6) through the render pipeline: a matrix of validated reports (qualified and
 * unqualified identity, every modality, a correction chain, each masking option, announcement
 * pending, several exams, a template-driven report, hostile text) rendered by report_render(),
 * and every CDA N1 and N3 checked by ../shared/tools/validate-cda in ONE call. Zero errors.
 * One broken document (negative control) must be rejected by the same call.
 * Documents and the kit's report are kept in <build>/tests/report-matrix/. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/test_support.h"
#include "unit/report/report_fixture.h"

#define MAX_FILES 96

typedef struct {
    char *path;
    bool expect_fail;
    int verdict; /* 1 pass, -1 fail, 0 none */
} doc;

static doc docs[MAX_FILES];
static size_t ndocs;
static char outdir[4096];

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "FAIL: %s: %s\n", what, detail);
    exit(1);
}

static void save(const char *name, const char *data, size_t len, bool expect_fail)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) die("cannot write", path);
    if (ndocs >= MAX_FILES) die("matrix", "too many documents");
    docs[ndocs++] = (doc){strdup(path), expect_fail, 0};
}

/* Renders one report and keeps its N1 and N3 (and checks the INS decision on the way). */
static void render(const char *name, const rfx *f, bool expect_ins)
{
    report_outputs o;
    char err[512], fname[200];
    if (report_render(&f->in, &o, err, sizeof err) != 0) die(name, err);
    if (o.ins_emitted != expect_ins || (strstr(o.n3, RFX_INS) != NULL) != expect_ins ||
        (strstr(o.n1, RFX_INS) != NULL) != expect_ins)
        die(name, "INS present/absent contrary to the outgoing rule");
    snprintf(fname, sizeof fname, "%s-n1.xml", name);
    save(fname, o.n1, o.n1_len, false);
    snprintf(fname, sizeof fname, "%s-n3.xml", name);
    save(fname, o.n3, o.n3_len, false);
    report_outputs_free(&o);
}

static void build_matrix(void)
{
    static rfx f; /* large: keep off the stack */
    char err[512], name[96];
    unsigned n = 100;

    for (int q = 1; q >= 0; q--)
        for (size_t i = 0; i < FIXTURE_NEXAMS; i++) {
            if (rfx_build(&f, i, n++, q, 0, err, sizeof err) != 0) die("fixture", err);
            snprintf(name, sizeof name, "%s-%s", FIXTURE_EXAMS[i].modality, q ? "ins" : "sans-ins");
            render(name, &f, q);
        }

    /* Correction chain: v1, v2 (RPLC v1), v3 (RPLC v2) with an addendum. */
    if (rfx_build(&f, 3, n++, true, 0, err, sizeof err) != 0) die("fixture", err);
    render("correction-v1", &f, true);
    rpt_actor rad = rfx_radiologist();
    f.in.text.addendum = "Correction : latéralité rectifiée (gauche).";
    if (rpt_correct(&f.state, &rad, "CR-CORR-2", 0, "2026-11-23T08:00:00+01:00", 3000, err, sizeof err) != 0)
        die("correct", err);
    render("correction-v2", &f, true);
    if (rpt_correct(&f.state, &rad, "CR-CORR-3", RPT_FLAG_MASQUE_PS, "2026-11-24T08:00:00+01:00", 4000, err,
                    sizeof err) != 0)
        die("correct", err);
    render("correction-v3", &f, true);

    /* Each masking option and the announcement pending (qualified and not, alternately). */
    static const struct {
        unsigned flags;
        const char *name;
    } masks[] = {{RPT_FLAG_MASQUE_PS, "masque-ps"},
                 {RPT_FLAG_INVISIBLE_PATIENT, "invisible-patient"},
                 {RPT_FLAG_INVISIBLE_LEGAL_REPS, "invisible-representants"},
                 {RPT_FLAG_SECRET_CONNECTION, "connexion-secrete"},
                 {RPT_FLAG_ANNOUNCEMENT_PENDING, "annonce-en-attente"},
                 {RPT_FLAG_ANNOUNCEMENT_PENDING | RPT_FLAG_NO_DMP | RPT_FLAG_MASQUE_PS, "annonce-sans-dmp-masque"}};
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        if (rfx_build(&f, m, n++, m % 2 == 0, masks[m].flags, err, sizeof err) != 0) die("fixture", err);
        render(masks[m].name, &f, m % 2 == 0);
    }

    /* Two exams in one report, confidentiality R. */
    if (rfx_build(&f, 0, n++, true, 0, err, sizeof err) != 0) die("fixture", err);
    f.exams[1] = f.exams[0];
    f.exams[1].study_uid = "1.2.250.1.999.1.2.9001";
    f.exams[1].series_uid = "1.2.250.1.999.1.2.9001.1";
    f.exams[1].sop_instance_uid = "1.2.250.1.999.1.2.9001.1.1";
    f.exams[1].accession = "B000901";
    f.exams[1].loinc = (cda_cv){"24627-2", "CT thorax"};
    f.exams[1].region = "67734004";
    f.exams[1].target_site = (cda_cv){"302551006", "thorax entier"};
    f.exams[1].ccam = (cda_cv){NULL, NULL};
    f.in.n_exams = 2;
    f.in.confidentiality = 'R';
    render("deux-examens", &f, true);

    /* Template-driven report: the exam's codes come from the template (JSON, as an admin saves it). */
    const char *json =
        "{\"code\":\"MG-DEP\",\"label\":\"Mammographie de dépistage\",\"modality\":\"MG\","
        "\"exam_code\":{\"code\":\"24606-6\",\"display\":\"MG sein ; incidences pour dépistage\"},"
        "\"region\":\"76752008\",\"target_site\":{\"code\":\"181131000\",\"display\":\"sein entier\"},"
        "\"ccam\":{\"code\":\"QEQK004\",\"display\":\"Mammographie bilatérale\"},\"exposure\":\"required\","
        "\"sections\":[{\"key\":\"indication\",\"title\":\"Indication\",\"required\":true},"
        "{\"key\":\"technique\",\"title\":\"Technique\",\"required\":true},"
        "{\"key\":\"resultats\",\"title\":\"Résultats\",\"required\":true},"
        "{\"key\":\"conclusion\",\"title\":\"Conclusion\",\"required\":true}]}";
    static rtpl_template tpl;
    if (report_template_from_json(json, &tpl, err, sizeof err) != 0) die("template", err);
    if (rfx_build(&f, 5, n++, true, 0, err, sizeof err) != 0) die("fixture", err);
    f.exams[0].modality = NULL;
    f.exams[0].loinc = (cda_cv){NULL, NULL};
    f.exams[0].region = NULL;
    f.exams[0].target_site = (cda_cv){NULL, NULL};
    f.exams[0].ccam = (cda_cv){NULL, NULL};
    report_exam_from_template(&tpl, &f.exams[0]);
    f.in.template = &tpl;
    f.in.text.text[RTPL_SEC_HISTORY] = NULL;
    render("modele-mammographie", &f, true);

    /* Hostile text everywhere the user types. */
    if (rfx_build(&f, 1, n++, false, 0, err, sizeof err) != 0) die("fixture", err);
    f.in.text.text[RTPL_SEC_INDICATION] = "Douleur > 3/10 & fièvre < 38 °C\n\n  <b>pas du HTML</b>  \r\n]]> fin";
    f.in.text.text[RTPL_SEC_RESULTS] = "Lésion de 12 × 8 mm ; « aspect bénin » ; ≤ 5 %";
    f.in.text.text[RTPL_SEC_CONCLUSION] = "Rien d'alarmant </text> & <!-- pas un commentaire -->";
    f.in.text.text[RTPL_SEC_COMPARISON] = "Comparé au 12/03/2025 : \"stable\".";
    render("texte-hostile", &f, false);

    /* Negative control: an N3 with the wrong document type code must be rejected. */
    if (rfx_build(&f, 0, n++, true, 0, err, sizeof err) != 0) die("fixture", err);
    report_outputs o;
    if (report_render(&f.in, &o, err, sizeof err) != 0) die("control", err);
    char *at = strstr(o.n3, "code=\"18748-4\"");
    if (!at) die("control", "18748-4 not found");
    memcpy(at, "code=\"18748-5\"", 14);
    save("controle-negatif-n3.xml", o.n3, o.n3_len, true);
    report_outputs_free(&o);
}

static int run_validator(const char *tool, const char *report)
{
    char *argv[MAX_FILES + 3];
    size_t k = 0;
    argv[k++] = (char *)tool;
    argv[k++] = "-q";
    for (size_t i = 0; i < ndocs; i++) argv[k++] = docs[i].path;
    argv[k] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) die("fork", strerror(errno));
    if (pid == 0) {
        if (!freopen(report, "w", stdout)) _exit(127);
        execv(tool, argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) die("waitpid", strerror(errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(void)
{
    const char *shared = test_shared_dir();
    char tool[4200];
    snprintf(tool, sizeof tool, "%s/tools/validate-cda", shared);
    if (access(tool, X_OK) != 0) test_skip_or_fail("../shared/tools/validate-cda is absent");
    if (system("command -v java >/dev/null 2>&1 && command -v xmllint >/dev/null 2>&1 && "
               "test -r /usr/share/java/Saxon-HE.jar") != 0)
        test_skip_or_fail("validate-cda needs default-jre-headless, libsaxonhe-java and libxml2-utils "
                          "(deps/apt/test-report.txt)");
    report_init();
    const char *bin = getenv("COULOIR_BINARY_DIR");
    snprintf(outdir, sizeof outdir, "%s/tests", bin && *bin ? bin : ".");
    if (mkdir(outdir, 0755) != 0 && errno != EEXIST) die("mkdir", outdir);
    strncat(outdir, "/report-matrix", sizeof outdir - strlen(outdir) - 1);
    if (mkdir(outdir, 0755) != 0 && errno != EEXIST) die("mkdir", outdir);

    build_matrix();
    printf("%zu documents rendered into %s; validate-cda runs once on all of them\n", ndocs, outdir);
    char report[4400];
    snprintf(report, sizeof report, "%s/validate-cda.txt", outdir);
    int rc = run_validator(tool, report);
    if (rc == 2 || rc == 127) test_skip_or_fail("validate-cda could not run (setup problem)");

    FILE *f = fopen(report, "r");
    if (!f) die("cannot read", report);
    char line[8192];
    doc *current = NULL;
    while (fgets(line, sizeof line, f)) {
        fputs(line, stdout);
        if (strncmp(line, "== ", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            current = NULL;
            for (size_t i = 0; i < ndocs; i++)
                if (strcmp(docs[i].path, line + 3) == 0) current = &docs[i];
        } else if (current && strstr(line, "=> PASS")) {
            current->verdict = 1;
        } else if (current && strstr(line, "=> FAIL")) {
            current->verdict = -1;
        }
    }
    fclose(f);
    size_t bad = 0, passed = 0;
    for (size_t i = 0; i < ndocs; i++) {
        int want = docs[i].expect_fail ? -1 : 1;
        if (docs[i].verdict != want) {
            fprintf(stderr, "FAIL: %s: %s\n", docs[i].path,
                    docs[i].verdict == 0 ? "no verdict in the report"
                    : want == 1          ? "validate-cda reported errors"
                                         : "negative control was NOT rejected");
            bad++;
        } else if (want == 1) {
            passed++;
        }
        free(docs[i].path);
    }
    if (rc != 0 && rc != 1) {
        fprintf(stderr, "FAIL: validate-cda exit status %d\n", rc);
        bad++;
    }
    if (bad) {
        fprintf(stderr, "FAIL: %zu problem(s); see %s\n", bad, outdir);
        return 1;
    }
    printf("PASS: %zu documents passed validate-cda with zero errors; the negative control was rejected\n", passed);
    return 0;
}
