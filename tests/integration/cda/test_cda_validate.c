/* Acceptance (issue 6): a matrix of imaging reports (qualified and unqualified identity, every
 * modality, a correction, every masking option, announcement pending, minimal and hostile
 * inputs), each written as CDA level 1 and level 3, all checked by the ANS validation kit
 * (../shared/tools/validate-cda: XSD + ANS schematrons) in ONE call. Zero errors required.
 *
 * Two deliberately broken documents (negative controls) go through the same call and must be
 * reported as failing: proof that the kit really checks what we send it.
 *
 * The documents and the kit's report are kept in <build>/tests/cda-matrix/ for inspection. */
#include "cda/cda.h"
#include "support/test_support.h"
#include "unit/cda/cda_fixture.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FILES 128

static char *files[MAX_FILES];
static int expect_fail[MAX_FILES];
static size_t nfiles;
static char outdir[4096];
static unsigned char *pdf;
static size_t pdf_len;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "FAIL: %s: %s\n", what, detail);
    exit(1);
}

static void write_file(const char *name, const char *data, size_t len)
{
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) die("cannot write", path);
    if (nfiles >= MAX_FILES) die("matrix", "too many files");
    files[nfiles++] = strdup(path);
}

/* Writes a copy of xml where `from` is replaced by `to`, expected to FAIL validation. */
static void emit_broken(const char *name, const char *xml, const char *from, const char *to)
{
    const char *at = strstr(xml, from);
    if (!at) die("negative control", from);
    size_t head = (size_t)(at - xml), flen = strlen(from), tlen = strlen(to), len = strlen(xml);
    char *s = malloc(len - flen + tlen + 1);
    if (!s) die("negative control", "out of memory");
    memcpy(s, xml, head);
    memcpy(s + head, to, tlen);
    memcpy(s + head + tlen, at + flen, len - head - flen + 1);
    write_file(name, s, strlen(s));
    expect_fail[nfiles - 1] = 1;
    free(s);
}

/* Writes <name>-n1.xml and <name>-n3.xml for the report. */
static void emit(const char *name, const cda_report *r)
{
    char err[256], fname[256];
    char *xml;
    size_t len;
    if (cda_build_n3(r, &xml, &len, err, sizeof err) != 0) die(name, err);
    snprintf(fname, sizeof fname, "%s-n3.xml", name);
    write_file(fname, xml, len);
    free(xml);
    if (cda_build_n1(r, pdf, pdf_len, &xml, &len, err, sizeof err) != 0) die(name, err);
    snprintf(fname, sizeof fname, "%s-n1.xml", name);
    write_file(fname, xml, len);
    free(xml);
}

static void mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) die("mkdir", tmp);
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) die("mkdir", tmp);
}

static void build_matrix(void)
{
    cda_report r;
    fixture_ids ids;
    char name[64];
    unsigned n = 0;

    /* Every modality, with and without a qualified identity (INS). */
    for (int qualified = 1; qualified >= 0; qualified--) {
        for (size_t i = 0; i < FIXTURE_NEXAMS; i++) {
            fixture_report(&r, &ids, i, n++, qualified);
            snprintf(name, sizeof name, "%s-%s", FIXTURE_EXAMS[i].modality, qualified ? "ins" : "sans-ins");
            emit(name, &r);
        }
    }

    /* A correction: version 2 of the same set, replacing version 1, with an addendum. */
    fixture_ids ids1, ids2;
    cda_report v1, v2;
    fixture_report(&v1, &ids1, 0, n++, 1);
    fixture_report(&v2, &ids2, 0, n++, 1);
    v2.set_id = v1.set_id;
    v2.version = 2;
    v2.replaces = v1.id;
    ids2.exams[0].study_uid = ids1.exams[0].study_uid;
    v2.text.addendum = "Correction : la latéralité a été rectifiée.";
    v2.text.addendum_author = v1.validator;
    v2.text.addendum_time = "2026-11-23T08:00:00+01:00";
    emit("correction-v1", &v1);
    emit("correction-v2-rplc", &v2);

    /* Each masking option, the announcement pending, the HL7 confidentiality levels. */
    static const char *const masks[] = {"masque-ps", "invisible-patient", "invisible-representants",
                                        "connexion-secrete", "annonce-en-attente"};
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        fixture_report(&r, &ids, m, n++, m % 2 == 0);
        r.masking.masque_ps = m == 0;
        r.masking.invisible_patient = m == 1;
        r.masking.invisible_legal_reps = m == 2;
        r.masking.secret_connection = m == 3;
        r.masking.announcement_pending = m == 4;
        emit(masks[m], &r);
    }
    fixture_report(&r, &ids, 3, n++, 1);
    r.confidentiality = 'R';
    emit("confidentialite-R", &r);
    fixture_report(&r, &ids, 1, n++, 0);
    r.confidentiality = 'V';
    emit("confidentialite-V", &r);

    /* One report covering several exams (CT head + CT chest + chest X-ray), several studies. */
    fixture_report(&r, &ids, 0, n++, 1);
    static fixture_ids more1, more2; /* the exams point into these buffers */
    cda_report tmp;
    fixture_report(&tmp, &more1, 3, n++, 1);
    ids.exams[1] = more1.exams[0];
    ids.exams[1].loinc = (cda_cv){"24627-2", "CT thorax"};
    ids.exams[1].region = "67734004";
    ids.exams[1].target_site = (cda_cv){"302551006", "thorax entier"};
    ids.exams[1].start = "2026-11-22T09:46:00+01:00";
    ids.exams[1].end = "2026-11-22T09:55:00+01:00";
    ids.exams[1].modality = "CT";
    ids.exams[1].sop_class_uid = NULL;
    fixture_report(&tmp, &more2, 3, n++, 1);
    ids.exams[2] = more2.exams[0];
    r.nexams = 3;
    emit("multi-examens", &r);

    /* Minimal report: only what is mandatory. */
    fixture_report(&r, &ids, 1, n++, 0);
    r.patient.used_family = r.patient.used_given = r.patient.birthplace_code = r.patient.birthplace_city = NULL;
    r.patient.addr = (cda_addr){0};
    r.patient.sex = CDA_SEX_UNKNOWN;
    r.requester = (cda_person){0};
    ids.exams[0].order_id = (cda_ii){0};
    ids.exams[0].ccam = (cda_cv){0};
    ids.exams[0].region = NULL;
    ids.exams[0].end = NULL;
    ids.exams[0].image_link = NULL;
    r.nrecipients = 0;
    r.text = (cda_sections){0};
    r.text.conclusion = "Conclusion.";
    r.encounter_code = NULL;
    r.site.finess = NULL;
    r.site.siret = "12345678900012"; /* a practice without FINESS */
    emit("minimal", &r);

    /* Hostile text: markup characters, quotes, multi-line, non-Latin characters. */
    fixture_report(&r, &ids, 0, n++, 1);
    r.patient.birth_family = "O'NEIL-<SCRIPT>";
    r.patient.used_given = "Zoë \"Zo\" & Åsa";
    r.text.indication = "Douleur > 3/10 & fièvre < 38 °C\n\n  <b>pas du HTML</b>  \r\n]]> fin";
    r.text.findings = "Lésion de 12 × 8 mm ; « aspect bénin » ; ≤ 5 % ; 日本語";
    r.text.conclusion = "Rien d'alarmant </text> & <!-- pas un commentaire -->";
    ids.exams[0].image_link = "https://pacs.example.fr/v?a=1&b=<2>&c=\"3\"";
    emit("texte-hostile", &r);

    /* Negative controls: a wrong conclusion code (level 3), no languageCode (level 1). */
    char err[256], *xml;
    size_t len;
    fixture_report(&r, &ids, 0, n++, 1);
    if (cda_build_n3(&r, &xml, &len, err, sizeof err) != 0) die("control", err);
    emit_broken("controle-negatif-n3.xml", xml, "code=\"19005-8\"", "code=\"19005-9\"");
    free(xml);
    if (cda_build_n1(&r, pdf, pdf_len, &xml, &len, err, sizeof err) != 0) die("control", err);
    emit_broken("controle-negatif-n1.xml", xml, "<languageCode code=\"fr-FR\"/>", "");
    free(xml);
}

/* Runs the kit once on every file, its report going to `report`. */
static int run_validator(const char *tool, const char *report)
{
    char *argv[MAX_FILES + 3];
    size_t k = 0;
    argv[k++] = (char *)tool;
    argv[k++] = "-q";
    for (size_t i = 0; i < nfiles; i++) argv[k++] = files[i];
    argv[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) die("fork", strerror(errno));
    if (pid == 0) {
        FILE *out = freopen(report, "w", stdout);
        if (!out) _exit(127);
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
                          "(deps/apt/test-cda.txt)");

    const char *bin = getenv("COULOIR_BINARY_DIR");
    snprintf(outdir, sizeof outdir, "%s/tests/cda-matrix", bin && *bin ? bin : ".");
    mkdir_p(outdir);
    pdf = fixture_pdf(&pdf_len);
    if (!pdf) die("fixture_pdf", "out of memory");
    build_matrix();
    printf("%zu documents written to %s; running validate-cda once on all of them\n", nfiles, outdir);

    char report[4200];
    snprintf(report, sizeof report, "%s/validate-cda.txt", outdir);
    int rc = run_validator(tool, report);
    free(pdf);
    if (rc == 2 || rc == 127) test_skip_or_fail("validate-cda could not run (setup problem, exit 2)");

    /* Read the report: "== <file>" then, later, "=> PASS (...)" or "=> FAIL (...)". */
    FILE *f = fopen(report, "r");
    if (!f) die("cannot read", report);
    char line[8192];
    size_t current = MAX_FILES, bad = 0, seen = 0;
    int verdict[MAX_FILES] = {0}; /* 1 pass, -1 fail */
    while (fgets(line, sizeof line, f)) {
        fputs(line, stdout);
        if (strncmp(line, "== ", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            current = MAX_FILES;
            for (size_t i = 0; i < nfiles; i++)
                if (strcmp(files[i], line + 3) == 0) current = i;
        } else if (current < MAX_FILES && strstr(line, "=> PASS")) {
            verdict[current] = 1;
        } else if (current < MAX_FILES && strstr(line, "=> FAIL")) {
            verdict[current] = -1;
        }
    }
    fclose(f);
    for (size_t i = 0; i < nfiles; i++) {
        int want = expect_fail[i] ? -1 : 1;
        if (verdict[i] != 0) seen++;
        if (verdict[i] != want) {
            fprintf(stderr, "FAIL: %s: %s\n", files[i],
                    verdict[i] == 0 ? "no verdict in the report"
                    : want == 1     ? "validate-cda reported errors"
                                    : "negative control was NOT rejected");
            bad++;
        }
        free(files[i]);
    }
    if (rc != 0 && rc != 1) {
        fprintf(stderr, "FAIL: validate-cda exit status %d\n", rc);
        bad++;
    }
    if (bad) {
        fprintf(stderr, "FAIL: %zu problem(s); documents and report kept in %s\n", bad, outdir);
        return 1;
    }
    printf("PASS: %zu documents passed validate-cda with zero errors; both negative controls were rejected\n",
           seen - 2);
    return 0;
}
