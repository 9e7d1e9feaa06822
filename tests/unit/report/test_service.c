/* The reporting service on both store backends: the validation transaction is all or nothing
 * (a failing outbox insert leaves no document and the report unvalidated), two concurrent
 * validations of the same report give one validated version (the other is refused), the jobs
 * of contract B are queued, and a correction replaces the shared version. */
#include <pthread.h>

#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

#include "report/report.h"
#include "report/report_service.h"
#include "store/identity_store.h"
#include "store/report_store.h"
#include "store/report_template_store.h"
#include "unit/cda/cda_fixture.h"

static store_t *st;
static store_conn_t *c;
static report_service_config cfg;
static rsv_actor radio;
static int64_t exam_id;
static int seq;

static int setup(void **state)
{
    (void)state;
    st = open_test_store(4);
    c = store_acquire(st);
    char err[256];
    if (!c || report_service_config_load(NULL, &cfg, err, sizeof err) != 0) return -1;
    store_user u = {0};
    snprintf(u.login, sizeof u.login, "jbideault");
    snprintf(u.display_name, sizeof u.display_name, "Dr Jacques Bideault");
    snprintf(u.rpps, sizeof u.rpps, "01234560801");
    snprintf(u.password_hash, sizeof u.password_hash, "x");
    u.roles = ROLE_RADIOLOGUE;
    u.active = true;
    int64_t uid = 0;
    if (store_user_create(c, &u, &uid) != STORE_OK) return -1;
    radio = (rsv_actor){uid, "jbideault", "Dr Jacques Bideault", "01234560801", true, "127.0.0.1"};
    make_room(c, "750990012", "Scanner 1", "scanner");
    const fixture_exam *x = &FIXTURE_EXAMS[0]; /* CT */
    exam_id = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:s, s:i}", "ccam_code", x->ccam, "label",
                                                       x->ccam_display, "modality_type", x->modality, "loinc_code",
                                                       x->loinc, "duration_minutes", 20));
    rtpl_template t;
    rtpl_init(&t, "TEST-CT", x->loinc_display, x->modality);
    t.revision = 1;
    snprintf(t.exam_code.code, sizeof t.exam_code.code, "%s", x->loinc);
    snprintf(t.exam_code.display, sizeof t.exam_code.display, "%s", x->loinc_display);
    snprintf(t.region, sizeof t.region, "%s", x->region);
    snprintf(t.target_site.code, sizeof t.target_site.code, "%s", x->site);
    snprintf(t.target_site.display, sizeof t.target_site.display, "%s", x->site_display);
    t.exposure = RTPL_EXPOSURE_OPTIONAL;
    char *json = report_template_to_json(&t, err, sizeof err);
    if (!json) return -1;
    report_template_in in = {t.code, t.label, t.modality, exam_id, json, 1};
    int64_t tid;
    store_status s = report_templates_create(c, &in, &tid);
    free(json);
    return s == STORE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    store_release(st, c);
    store_close(st);
    return 0;
}

/* A performed exam and its draft report with the texts filled. */
static int64_t draft(void)
{
    char ipp[32];
    snprintf(ipp, sizeof ipp, "SVC-%d", ++seq);
    int64_t pid = make_patient(c, ipp, "PAT-TROIS", "DOMINIQUE", "1979-03-28", "F");
    int64_t corr = insert_or_fail(c, "correspondents", json_pack("{s:s, s:s, s:s}", "last_name", "MEDIONI", "first_name",
                                                                 "Stéphane", "mssante_address",
                                                                 "stephane.medioni@medecin.mssante.fr"));
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I, s:I}", "patient_id", (json_int_t)pid, "requester_id",
                                                          (json_int_t)corr));
    int64_t proc = insert_or_fail(c, "procedures",
                                  json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id", (json_int_t)exam_id));
    insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s}", "procedure_id", (json_int_t)proc, "start_at",
                                         "2026-11-22T08:30:00Z", "ae_title", "CT1"));
    int64_t id = 0;
    rsv_result r = rsv_create(c, &cfg, &radio, proc, 0, &id);
    if (r.status != RSV_OK) fail_msg("create: %s", r.message);
    const fixture_exam *x = &FIXTURE_EXAMS[0];
    json_t *body = json_pack("{s:{s:s, s:s, s:s, s:s}}", "sections", "indication", "Céphalées.", "technique",
                             x->technique, "resultats", x->findings, "conclusion", x->conclusion);
    r = rsv_update(c, &cfg, &radio, id, body);
    json_decref(body);
    if (r.status != RSV_OK) fail_msg("update: %s", r.message);
    /* a second report for the same procedure is refused */
    int64_t other;
    assert_int_equal(rsv_create(c, &cfg, &radio, proc, 0, &other).status, RSV_EXISTS);
    return id;
}

static int64_t count(const char *sql, int64_t report_id)
{
    /* counts through the read model (documents list / jobs) to stay on the public API */
    json_t *items = NULL;
    store_status s = strcmp(sql, "documents") == 0 ? rstore_documents_list(c, report_id, &items)
                                                   : rstore_shares_list(c, report_id, &items);
    assert_int_equal(s, STORE_OK);
    int64_t n = (int64_t)json_array_size(items);
    json_decref(items);
    return n;
}

static void test_all_or_nothing(void **state)
{
    (void)state;
    int64_t id = draft();
    /* a job with the dedup key the validation will use makes its enqueue fail */
    char key[128];
    snprintf(key, sizeof key, "report:%lld:v1:report-hl7:%d:initial", (long long)id, (int)RPT_TRIGGER_VALIDATED);
    int64_t job;
    assert_int_equal(store_outbox_enqueue(c, "report-hl7", "{}", key, 0, &job), STORE_OK);
    rsv_result r = rsv_command(c, &cfg, &radio, id, "validate", NULL);
    assert_int_equal(r.status, RSV_EXISTS);
    assert_true(strlen(r.message) > 10);
    rstore_report rep;
    assert_int_equal(rstore_report_get(c, id, &rep), STORE_OK);
    assert_int_equal(rep.state.status, RPT_DRAFT);
    assert_int_equal(rep.state.version, 0);
    rstore_report_clear(&rep);
    assert_int_equal(count("documents", id), 0);
    assert_int_equal(count("shares", id), 0);
}

static void test_validate_correct(void **state)
{
    (void)state;
    int64_t id = draft();
    /* refusals: no RPPS, not a radiologist, unknown action, unknown member */
    rsv_actor no_rpps = radio;
    no_rpps.rpps = NULL;
    assert_int_equal(rsv_command(c, &cfg, &no_rpps, id, "validate", NULL).status, RSV_FORBIDDEN);
    rsv_actor manip = radio;
    manip.radiologue = false;
    assert_int_equal(rsv_command(c, &cfg, &manip, id, "validate", NULL).status, RSV_FORBIDDEN);
    assert_int_equal(rsv_command(c, &cfg, &radio, id, "publish", NULL).status, RSV_NOT_FOUND);
    json_t *bad = json_pack("{s:b}", "force", 1);
    assert_int_equal(rsv_command(c, &cfg, &radio, id, "validate", bad).status, RSV_UNKNOWN_MEMBER);
    json_decref(bad);
    assert_int_equal(rsv_command(c, &cfg, &radio, 987654, "validate", NULL).status, RSV_NOT_FOUND);

    rsv_result r = rsv_command(c, &cfg, &radio, id, "validate", NULL);
    if (r.status != RSV_OK) fail_msg("validate: %s", r.message);
    assert_int_equal(count("documents", id), 3);
    json_t *shares;
    assert_int_equal(rstore_shares_list(c, id, &shares), STORE_OK);
    bool hl7 = false;
    for (size_t i = 0; i < json_array_size(shares); i++) {
        json_t *s = json_array_get(shares, i);
        if (strcmp(json_string_value(json_object_get(s, "channel")), "hl7") == 0) {
            hl7 = true;
            assert_string_equal(json_string_value(json_object_get(s, "action")), "initial");
            assert_string_equal(json_string_value(json_object_get(s, "state")), "pending");
        }
        assert_string_not_equal(json_string_value(json_object_get(s, "channel")), "dmp"); /* dmp_enabled false */
    }
    assert_true(hl7);
    json_decref(shares);
    /* the stored PDF decodes; the N1 is XML */
    unsigned char *data;
    size_t len;
    char mime[64], name[160];
    int64_t pid;
    r = rsv_document(c, id, "PDF", 0, &data, &len, mime, sizeof mime, name, sizeof name, &pid);
    assert_int_equal(r.status, RSV_OK);
    assert_true(len > 1000 && memcmp(data, "%PDF-", 5) == 0);
    assert_string_equal(mime, "application/pdf");
    assert_non_null(strstr(name, "CR-IMAGERIE_"));
    free(data);
    r = rsv_document(c, id, "CDA-N1", 1, &data, &len, mime, sizeof mime, name, sizeof name, &pid);
    assert_int_equal(r.status, RSV_OK);
    assert_true(strstr((char *)data, "nonXMLBody") != NULL);
    free(data);

    json_t *body = json_pack("{s:{s:s}, s:s}", "sections", "conclusion", "Examen normal. Erratum.", "addendum",
                             "Conclusion précisée.");
    r = rsv_command(c, &cfg, &radio, id, "correct", body);
    json_decref(body);
    if (r.status != RSV_OK) fail_msg("correct: %s", r.message);
    assert_int_equal(count("documents", id), 6);
    r = rsv_document(c, id, "CDA-N3", 0, &data, &len, mime, sizeof mime, name, sizeof name, &pid);
    assert_int_equal(r.status, RSV_OK);
    assert_non_null(strstr((char *)data, "typeCode=\"RPLC\""));
    assert_non_null(strstr((char *)data, "Conclusion précisée."));
    free(data);
    assert_int_equal(rsv_document(c, id, "CDA-N3", 3, &data, &len, mime, sizeof mime, name, sizeof name, &pid).status,
                     RSV_NOT_FOUND);
    json_t *view;
    assert_int_equal(rsv_view(c, id, &view, &pid).status, RSV_OK);
    assert_string_equal(json_string_value(json_object_get(view, "status")), "corrige");
    assert_int_equal(json_integer_value(json_object_get(view, "version")), 2);
    assert_int_equal(json_array_size(json_object_get(view, "history")), 4); /* create, edit, validate, correct */
    json_decref(view);
}

typedef struct {
    int64_t id;
    rsv_status status;
} race_arg;

static void *racer(void *p)
{
    race_arg *a = p;
    store_conn_t *own = store_acquire(st);
    if (!own) {
        a->status = RSV_ERROR;
        return NULL;
    }
    a->status = rsv_command(own, &cfg, &radio, a->id, "validate", NULL).status;
    store_release(st, own);
    return NULL;
}

static void test_concurrent_validations(void **state)
{
    (void)state;
    int64_t id = draft();
    race_arg a[2] = {{id, RSV_ERROR}, {id, RSV_ERROR}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, racer, &a[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    int ok = (a[0].status == RSV_OK) + (a[1].status == RSV_OK);
    assert_int_equal(ok, 1);
    rsv_status other = a[0].status == RSV_OK ? a[1].status : a[0].status;
    /* the loser saw the validated report (SQLite: serialised) or collided on commit (PostgreSQL) */
    assert_true(other == RSV_CONFLICT || other == RSV_STALE || other == RSV_EXISTS || other == RSV_UNAVAILABLE);
    assert_int_equal(count("documents", id), 3);
    assert_true(count("shares", id) >= 1); /* one job per channel of ONE validation */
}

/* The share state of one channel in the Report view ("not_applicable" when none). */
static void share_of(int64_t id, const char *channel, char *status, size_t n, char *action, size_t an)
{
    json_t *view;
    int64_t pid;
    assert_int_equal(rsv_view(c, id, &view, &pid).status, RSV_OK);
    json_t *shares = json_object_get(view, "shares");
    for (size_t i = 0; i < json_array_size(shares); i++) {
        json_t *sh = json_array_get(shares, i);
        if (strcmp(json_string_value(json_object_get(sh, "channel")), channel) != 0) continue;
        snprintf(status, n, "%s", json_string_value(json_object_get(sh, "status")));
        const char *a = json_string_value(json_object_get(sh, "action"));
        snprintf(action, an, "%s", a ? a : "");
    }
    json_decref(view);
}

static void test_channels(void **state)
{
    (void)state;
    int64_t id = draft();
    /* qualified identity with a test NIR the policy accepts, DMP fed by the site */
    rstore_report rep;
    assert_int_equal(rstore_report_get(c, id, &rep), STORE_OK);
    rstore_procedure p;
    assert_int_equal(rstore_procedure_get(c, rep.procedure_id, &p), STORE_OK);
    rstore_report_clear(&rep);
    ins_identity ident = p.identity;
    snprintf(ident.matricule, sizeof ident.matricule, "%s", "279035121518989");
    snprintf(ident.oid, sizeof ident.oid, "%s", INS_OID_TEST_NIR);
    ident.status = INS_STATUS_QUAL;
    ident.verified = ident.from_insi = true;
    assert_int_equal(ids_identity_save(c, p.identity_id, &ident, NULL), STORE_OK);
    report_service_config saved = cfg;
    cfg.dmp_enabled = true;
    snprintf(cfg.policy.accepted_oids[cfg.policy.n_accepted_oids++], INS_OID_MAX, "%s", INS_OID_TEST_NIR);

    json_t *flags = json_pack("{s:{s:b}}", "flags", "announcement_pending", 1);
    assert_int_equal(rsv_update(c, &cfg, &radio, id, flags).status, RSV_OK);
    json_decref(flags);
    rsv_result r = rsv_command(c, &cfg, &radio, id, "validate", NULL);
    if (r.status != RSV_OK) fail_msg("validate: %s", r.message);
    char state_[32] = "", action[32] = "";
    share_of(id, "dmp", state_, sizeof state_, action, sizeof action);
    assert_string_equal(state_, "pending");
    assert_string_equal(action, "submit");
    share_of(id, "mssante", state_, sizeof state_, action, sizeof action);
    assert_string_equal(state_, "pending"); /* the requester; not the patient while the announcement is pending */
    share_of(id, "hl7", state_, sizeof state_, action, sizeof action);
    assert_string_equal(action, "initial");

    /* the announcement lifts the patient mask of the shared document */
    r = rsv_command(c, &cfg, &radio, id, "announce", NULL);
    if (r.status != RSV_OK) fail_msg("announce: %s", r.message);
    share_of(id, "dmp", state_, sizeof state_, action, sizeof action);
    assert_string_equal(action, "unmask_patient");
    /* a correction replaces the shared version; a withdrawal withdraws it */
    json_t *body = json_pack("{s:{s:s}}", "sections", "conclusion", "Examen normal, précisé.");
    r = rsv_command(c, &cfg, &radio, id, "correct", body);
    json_decref(body);
    if (r.status != RSV_OK) fail_msg("correct: %s", r.message);
    share_of(id, "dmp", state_, sizeof state_, action, sizeof action);
    assert_string_equal(action, "replace");
    share_of(id, "hl7", state_, sizeof state_, action, sizeof action);
    assert_string_equal(action, "replace");
    json_t *why = json_pack("{s:s}", "reason", "Erreur de patient.");
    r = rsv_command(c, &cfg, &radio, id, "withdraw", why);
    json_decref(why);
    if (r.status != RSV_OK) fail_msg("withdraw: %s", r.message);
    share_of(id, "dmp", state_, sizeof state_, action, sizeof action);
    assert_string_equal(action, "withdraw");
    share_of(id, "hl7", state_, sizeof state_, action, sizeof action);
    assert_string_equal(action, "delete");
    cfg = saved;
}

/* An exam with neither its own template nor a generic one of its modality: creation is refused
 * with a message telling what to do (never a made-up template without coded fields). */
static void test_no_template(void **state)
{
    (void)state;
    const fixture_exam *x = &FIXTURE_EXAMS[0];
    char ccam[16];
    snprintf(ccam, sizeof ccam, "ZZQK%03d", ++seq);
    int64_t bare = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:s, s:i}", "ccam_code", ccam, "label",
                                                            "Acte sans modèle", "modality_type", "MR", "loinc_code",
                                                            x->loinc, "duration_minutes", 20));
    char ipp[32];
    snprintf(ipp, sizeof ipp, "SVC-%d", ++seq);
    int64_t pid = make_patient(c, ipp, "SANS-MODELE", "CLAUDE", "1980-01-02", "M");
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)pid));
    int64_t proc = insert_or_fail(c, "procedures",
                                  json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id", (json_int_t)bare));
    int64_t id = 0;
    rsv_result r = rsv_create(c, &cfg, &radio, proc, 0, &id);
    assert_int_equal(r.status, RSV_INVALID);
    assert_string_equal(r.field, "template_id");
    assert_non_null(strstr(r.message, "Aucun modèle de compte rendu pour cet examen"));
    assert_int_equal(id, 0);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_validate_correct),
        cmocka_unit_test(test_concurrent_validations),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_no_template),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void)
{
    report_init();
    return test_run_backends(run);
}
