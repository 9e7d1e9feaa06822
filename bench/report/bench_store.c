/* Validation benchmark: N draft reports on a fresh SQLite store (temporary directory), each then
 * validated through the reporting service exactly as POST /api/v1/reports/{id}/validate does:
 * one transaction with the new state, the rendering of the PDF/A-1b + CDA N1 + CDA N3, the
 * three stored documents, the outbox jobs, the history row and the audit event. Prints the
 * median, p95 and p99 time from the validation call to its commit. Reports vary in modality
 * (the CDA fixture exams) and identity status (one in three qualifiée: INS + datamatrix).
 * Usage: bench_report_store [N]   (default 1000) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "report/report.h"
#include "report/report_service.h"
#include "store/identity_store.h"
#include "store/report_template_store.h"
#include "unit/cda/cda_fixture.h"
#include "bench_stats.h"

static void die(const char *what, store_conn_t *c)
{
    fprintf(stderr, "bench_report_store: %s: %s\n", what, c ? store_last_error(c) : "");
    exit(1);
}

static int64_t insert(store_conn_t *c, const char *res, json_t *o)
{
    int64_t id = 0;
    if (!o || store_resource_insert(c, model_resource_find(res), o, &id) != STORE_OK) die(res, c);
    json_decref(o);
    return id;
}

/* One catalogue exam and its template per fixture exam. */
static void seed_reference(store_conn_t *c, int64_t *exam_ids)
{
    insert(c, "sites", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "finess", "750990012", "name",
                                 "Centre d'imagerie du banc", "address", "12 rue Ambroise", "postal_code", "75010",
                                 "city", "PARIS", "phone", "01 46 00 00 00"));
    for (size_t i = 0; i < FIXTURE_NEXAMS; i++) {
        const fixture_exam *x = &FIXTURE_EXAMS[i];
        char ccam[8];
        snprintf(ccam, sizeof ccam, "%s", x->ccam ? x->ccam : "ZZQK001");
        if (x->ccam == NULL || (i > 0 && FIXTURE_EXAMS[i - 1].ccam && strcmp(FIXTURE_EXAMS[i - 1].ccam, x->ccam) == 0))
            snprintf(ccam, sizeof ccam, "ZZQK%03zu", 100 + i);
        exam_ids[i] = insert(c, "catalogue",
                             json_pack("{s:s, s:s, s:s, s:s, s:i}", "ccam_code", ccam, "label",
                                       x->ccam_display ? x->ccam_display : x->loinc_display, "modality_type",
                                       x->modality, "loinc_code", x->loinc, "duration_minutes", 20));
        rtpl_template t;
        char code[RTPL_CODE_MAX];
        snprintf(code, sizeof code, "BENCH-%s", x->modality);
        rtpl_init(&t, code, x->loinc_display, x->modality);
        t.revision = 1;
        snprintf(t.exam_code.code, sizeof t.exam_code.code, "%s", x->loinc);
        snprintf(t.exam_code.display, sizeof t.exam_code.display, "%s", x->loinc_display);
        snprintf(t.region, sizeof t.region, "%s", x->region);
        snprintf(t.target_site.code, sizeof t.target_site.code, "%s", x->site);
        snprintf(t.target_site.display, sizeof t.target_site.display, "%s", x->site_display);
        t.exposure = x->exposure ? RTPL_EXPOSURE_OPTIONAL : RTPL_EXPOSURE_NONE;
        char err[256];
        char *json = report_template_to_json(&t, err, sizeof err);
        if (!json) die(err, NULL);
        report_template_in in = {t.code, t.label, t.modality, exam_ids[i], json, 1};
        int64_t id;
        if (report_templates_create(c, &in, &id) != STORE_OK) die("template", c);
        free(json);
    }
    insert(c, "correspondents", json_pack("{s:s, s:s, s:s, s:s}", "rpps", "10003456789", "last_name", "MEDIONI",
                                          "first_name", "Stéphane", "mssante_address",
                                          "stephane.medioni@medecin.mssante.fr"));
}

/* A patient (qualifiée when qualified), an order, a procedure of exam_id and its performed step. */
static int64_t seed_procedure(store_conn_t *c, int64_t exam_id, long i, bool qualified)
{
    int64_t pid = insert(c, "patients", json_object());
    int64_t iid = insert(c, "identities", json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "patient_id", (json_int_t)pid,
                                                    "birth_name", "PAT-TROIS", "first_given_name", "DOMINIQUE",
                                                    "given_names", "DOMINIQUE MARIE-LOUISE", "birth_date", "1979-03-28",
                                                    "sex", "F"));
    if (qualified) {
        ins_identity id;
        int64_t p2;
        if (ids_identity_get(c, iid, &p2, &id) != STORE_OK) die("identity", c);
        /* a test-range NIR per patient (ins_matricule is unique): commune and order vary */
        char number[14];
        snprintf(number, sizeof number, "2790351%03ld%03ld", 215 + (i / 1000) % 700, i % 1000);
        int key = ins_key_compute(number);
        if (key < 0) die("NIR key", NULL);
        snprintf(id.matricule, sizeof id.matricule, "%.13s%02d", number, key % 100);
        snprintf(id.oid, sizeof id.oid, "%s", INS_OID_TEST_NIR);
        id.status = INS_STATUS_QUAL;
        id.verified = id.from_insi = true;
        if (ids_identity_save(c, iid, &id, NULL) != STORE_OK) die("identity save", c);
    }
    int64_t order = insert(c, "orders", json_pack("{s:I, s:i}", "patient_id", (json_int_t)pid, "requester_id", 1));
    int64_t proc = insert(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id",
                                                     (json_int_t)exam_id));
    int64_t step = insert(c, "steps", json_pack("{s:I, s:s, s:s}", "procedure_id", (json_int_t)proc, "start_at",
                                                "2026-11-22T08:30:00Z", "ae_title", "BENCH"));
    if (store_set_status(c, model_resource_find("steps"), step, "booked", "completed", 1) != STORE_OK) die("step", c);
    return proc;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (n < 1 || n > 100000) {
        fprintf(stderr, "usage: bench_report_store [N 1..100000]\n");
        return 2;
    }
    report_init();
    log_set_level(LOG_WARN);
    char dir[] = "/tmp/couloir-bench-report-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char url[256], err[512];
    snprintf(url, sizeof url, "sqlite:%s/bench.db", dir);
    store_t *st = NULL;
    store_options o = {.pool_size = 2, .busy_timeout_ms = 5000};
    if (store_open_with(url, &o, &st, err, sizeof err) != STORE_OK || store_migrate(st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "store: %s\n", err);
        return 1;
    }
    store_conn_t *c = store_acquire(st);
    report_service_config cfg;
    if (!c || report_service_config_load(NULL, &cfg, err, sizeof err) != 0) die(err, c);
    snprintf(cfg.policy.accepted_oids[cfg.policy.n_accepted_oids++], INS_OID_MAX, "%s", INS_OID_TEST_NIR);
    store_user u = {0};
    snprintf(u.login, sizeof u.login, "jbideault");
    snprintf(u.display_name, sizeof u.display_name, "Dr Jacques Bideault");
    snprintf(u.rpps, sizeof u.rpps, "01234560801");
    u.roles = ROLE_RADIOLOGUE;
    u.active = true;
    snprintf(u.password_hash, sizeof u.password_hash, "x");
    int64_t uid = 0;
    if (store_begin(c) != STORE_OK || store_user_create(c, &u, &uid) != STORE_OK) die("user", c);
    int64_t exam_ids[FIXTURE_NEXAMS];
    seed_reference(c, exam_ids);
    if (store_commit(c) != STORE_OK) die("commit", c);
    rsv_actor who = {uid, u.login, u.display_name, u.rpps, true, "127.0.0.1"};

    /* Drafts, outside the measure. */
    int64_t *ids = malloc((size_t)n * sizeof *ids);
    double *t = malloc((size_t)n * sizeof *t), *cpu = malloc((size_t)n * sizeof *cpu);
    if (!ids || !t || !cpu) return 1;
    for (long i = 0; i < n; i++) {
        const fixture_exam *x = &FIXTURE_EXAMS[(size_t)i % FIXTURE_NEXAMS];
        if (store_begin(c) != STORE_OK) die("begin", c);
        int64_t proc = seed_procedure(c, exam_ids[(size_t)i % FIXTURE_NEXAMS], i, i % 3 == 0);
        if (store_commit(c) != STORE_OK) die("commit", c);
        rsv_result r = rsv_create(c, &cfg, &who, proc, 0, &ids[i]);
        if (r.status != RSV_OK) die(r.message, c);
        json_t *body = json_pack("{s:{s:s, s:s, s:s, s:s}}", "sections", "indication",
                                 "Céphalées inhabituelles depuis 3 semaines.", "technique", x->technique, "resultats",
                                 x->findings, "conclusion", x->conclusion);
        r = rsv_update(c, &cfg, &who, ids[i], body);
        json_decref(body);
        if (r.status != RSV_OK) die(r.message, c);
    }
    /* The measure: validation -> committed documents and jobs. */
    for (long i = 0; i < n; i++) {
        double t0 = now_ms(), c0 = cpu_ms();
        rsv_result r = rsv_command(c, &cfg, &who, ids[i], "validate", NULL);
        t[i] = now_ms() - t0;
        cpu[i] = cpu_ms() - c0;
        if (r.status != RSV_OK) {
            fprintf(stderr, "report %ld: %s\n", i, r.message);
            return 1;
        }
    }
    qsort(t, (size_t)n, sizeof *t, cmp);
    qsort(cpu, (size_t)n, sizeof *cpu, cmp);
    double sum = 0;
    for (long i = 0; i < n; i++) sum += t[i];
    printf("reports validated        : %ld (SQLite, WAL, synchronous=FULL; one thread)\n", n);
    printf("validation -> committed PDF/A-1b + CDA N1 + CDA N3 + outbox jobs + history + audit, per report, ms:\n");
    printf("                           median %.2f  p95 %.2f  p99 %.2f  max %.2f  mean %.2f\n", pct(t, (size_t)n, 50),
           pct(t, (size_t)n, 95), pct(t, (size_t)n, 99), t[n - 1], sum / (double)n);
    printf("CPU time of the process  : median %.2f  p99 %.2f ms per validation (insensitive to other load)\n",
           pct(cpu, (size_t)n, 50), pct(cpu, (size_t)n, 99));
    printf("throughput               : %.0f validations/s\n", 1000.0 * (double)n / sum);
    store_release(st, c);
    store_close(st);
    char path[512];
    const char *suffix[] = {"bench.db", "bench.db-wal", "bench.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, suffix[i]);
        unlink(path);
    }
    rmdir(dir);
    free(ids);
    free(t);
    free(cpu);
    return 0;
}
