/* The reporting service on both store backends: the validation transaction is all or nothing
 * (a failing outbox insert leaves no document and the report unvalidated), two concurrent
 * validations of the same report give one validated version (the other is refused), the jobs
 * of contract B are queued, and a correction replaces the shared version; the channels follow the
 * data (DMP state from ZFA, requester's MSSanté address, HL7 destinations receiving reports) with
 * the reason of a channel left aside; optimistic concurrency on revision; the withdrawal reason. */
#include <pthread.h>

#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

#include "report/report.h"
#include "report/report_service.h"
#include "store/hl7feed_store.h"
#include "store/identity_store.h"
#include "store/report_store.h"
#include "store/report_template_store.h"
#include "unit/cda/cda_fixture.h"

static store_t *st;
static store_conn_t *c;
static report_service_config cfg;
static rsv_actor radio;
static int64_t exam_id;
static int64_t hl7_dest; /* an enabled HL7 destination subscribed to reports */
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
    hl7s_destination d = {0};
    snprintf(d.name, sizeof d.name, "%s", "DPI");
    snprintf(d.host, sizeof d.host, "%s", "127.0.0.1");
    d.port = 2575;
    snprintf(d.flavour, sizeof d.flavour, "%s", "omi");
    snprintf(d.charset, sizeof d.charset, "%s", "UNICODE UTF-8");
    snprintf(d.report_flavour, sizeof d.report_flavour, "%s", "oru");
    d.send_reports = d.enabled = true;
    if (s == STORE_OK) s = hl7s_destination_insert(c, &d, &hl7_dest);
    return s == STORE_OK ? 0 : -1;
}

/* Turns the destination's report subscription on or off. */
static void hl7_reports(bool on)
{
    hl7s_destination d;
    assert_int_equal(hl7s_destination_get(c, hl7_dest, &d), STORE_OK);
    d.send_reports = on;
    assert_int_equal(hl7s_destination_update(c, &d), STORE_OK);
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
        if (strcmp(json_string_value(json_object_get(s, "channel")), "dmp") == 0) { /* dmp_enabled false */
            assert_true(json_is_null(json_object_get(s, "job_id")));
            assert_non_null(strstr(json_string_value(json_object_get(s, "reason")), "non activée"));
        }
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

/* The share of one channel in the Report view: its status_label. */
static void share_label(int64_t id, const char *channel, char *label, size_t n)
{
    json_t *view;
    int64_t pid;
    label[0] = 0;
    assert_int_equal(rsv_view(c, id, &view, &pid).status, RSV_OK);
    json_t *shares = json_object_get(view, "shares");
    for (size_t i = 0; i < json_array_size(shares); i++) {
        json_t *sh = json_array_get(shares, i);
        if (strcmp(json_string_value(json_object_get(sh, "channel")), channel) == 0)
            snprintf(label, n, "%s", json_string_value(json_object_get(sh, "status_label")));
    }
    json_decref(view);
}

/* Qualifies the identity of report id's patient with a test NIR the policy accepts; returns
 * the patient id. */
static int64_t qualify(int64_t id)
{
    rstore_report rep;
    assert_int_equal(rstore_report_get(c, id, &rep), STORE_OK);
    rstore_procedure p;
    assert_int_equal(rstore_procedure_get(c, rep.procedure_id, &p), STORE_OK);
    rstore_report_clear(&rep);
    ins_identity ident = p.identity;
    /* a distinct test NIR per patient (one INS per identity), with its key */
    static unsigned serial = 189;
    long long base = 2790351215000LL + serial++ % 1000;
    snprintf(ident.matricule, sizeof ident.matricule, "%lld%02lld", base, 97 - base % 97);
    snprintf(ident.oid, sizeof ident.oid, "%s", INS_OID_TEST_NIR);
    ident.status = INS_STATUS_QUAL;
    ident.verified = ident.from_insi = true;
    assert_int_equal(ids_identity_save(c, p.identity_id, &ident, NULL), STORE_OK);
    return p.patient_id;
}

static void test_channels(void **state)
{
    (void)state;
    int64_t id = draft();
    /* qualified identity with a test NIR the policy accepts, DMP fed by the site */
    qualify(id);
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

/* The channels follow the data (review R1): the patient's DMP state received in ZFA (opposition
 * to the feed, DMP closed, no DMP), the requester's MSSanté address and the HL7 destinations
 * subscribed to reports; a channel left aside shows its French reason. */
static void validate_with_zfa(const char *status, const char *opposition, const char *want_dmp_reason)
{
    int64_t id = draft();
    int64_t patient = qualify(id);
    const char *zfa[HL7S_ZFA_FIELDS] = {status, "20240309111154", NULL, NULL, NULL, NULL, opposition,
                                        "20240309111154"};
    assert_int_equal(hl7s_dmp_upsert(c, patient, zfa), STORE_OK);
    rsv_result r = rsv_command(c, &cfg, &radio, id, "validate", NULL);
    if (r.status != RSV_OK) fail_msg("validate: %s", r.message);
    char st_[32], action[32], label[1200];
    share_of(id, "dmp", st_, sizeof st_, action, sizeof action);
    share_label(id, "dmp", label, sizeof label);
    if (!want_dmp_reason) {
        assert_string_equal(st_, "pending");
        assert_string_equal(action, "submit");
        return;
    }
    assert_string_equal(st_, "not_applicable");
    if (!strstr(label, want_dmp_reason)) fail_msg("dmp label: %s (expected %s)", label, want_dmp_reason);
}

static void test_channels_from_data(void **state)
{
    (void)state;
    report_service_config saved = cfg;
    cfg.dmp_enabled = true;
    snprintf(cfg.policy.accepted_oids[cfg.policy.n_accepted_oids++], INS_OID_MAX, "%s", INS_OID_TEST_NIR);
    validate_with_zfa("ACTIF", "IO", "opposé à l'alimentation");
    validate_with_zfa("FERME", "INO", "DMP du patient est fermé");
    validate_with_zfa("INEXISTANT", NULL, "n'a pas de DMP");
    validate_with_zfa("ACTIF", "INO", NULL);
    validate_with_zfa("ACTIF", "NA", NULL);

    /* an opposition received after the report went to the DMP: its correction still replaces the
     * shared version (the DMP must not keep the erroneous one) */
    {
        int64_t rid = draft();
        int64_t patient = qualify(rid);
        rsv_result v = rsv_command(c, &cfg, &radio, rid, "validate", NULL);
        if (v.status != RSV_OK) fail_msg("validate: %s", v.message);
        const char *zfa[HL7S_ZFA_FIELDS] = {"ACTIF", "20240309111154", NULL, NULL, NULL, NULL, "IO", "20240309111154"};
        assert_int_equal(hl7s_dmp_upsert(c, patient, zfa), STORE_OK);
        json_t *fix = json_pack("{s:{s:s}}", "sections", "conclusion", "Examen normal, précisé.");
        v = rsv_command(c, &cfg, &radio, rid, "correct", fix);
        json_decref(fix);
        if (v.status != RSV_OK) fail_msg("correct: %s", v.message);
        char st2[32], act2[32];
        share_of(rid, "dmp", st2, sizeof st2, act2, sizeof act2);
        assert_string_equal(st2, "pending");
        assert_string_equal(act2, "replace");
    }

    /* no HL7 destination subscribed to reports: no report-hl7 job, the reason shown */
    hl7_reports(false);
    int64_t id = draft();
    rsv_result r = rsv_command(c, &cfg, &radio, id, "validate", NULL);
    hl7_reports(true);
    if (r.status != RSV_OK) fail_msg("validate: %s", r.message);
    char st_[32], action[32], label[1200];
    share_of(id, "hl7", st_, sizeof st_, action, sizeof action);
    assert_string_equal(st_, "not_applicable");
    share_label(id, "hl7", label, sizeof label);
    assert_non_null(strstr(label, "aucune destination HL7"));
    /* not qualified: no DMP (reason: the INS); the requester's address gives the MSSanté job */
    share_of(id, "dmp", st_, sizeof st_, action, sizeof action);
    assert_string_equal(st_, "not_applicable");
    share_label(id, "dmp", label, sizeof label);
    assert_non_null(strstr(label, "identité du patient n'est pas qualifiée"));
    share_of(id, "mssante", st_, sizeof st_, action, sizeof action);
    assert_string_equal(st_, "pending");
    /* a correction once a destination receives reports: the hl7 job replaces the reason */
    json_t *body = json_pack("{s:{s:s}}", "sections", "conclusion", "Examen normal, précisé.");
    r = rsv_command(c, &cfg, &radio, id, "correct", body);
    json_decref(body);
    if (r.status != RSV_OK) fail_msg("correct: %s", r.message);
    share_of(id, "hl7", st_, sizeof st_, action, sizeof action);
    assert_string_equal(st_, "pending");
    assert_string_equal(action, "replace");
    cfg = saved;
}

/* Optimistic concurrency (review R9) and the withdrawal reason (R10). */
static void test_revision_and_reason(void **state)
{
    (void)state;
    int64_t id = draft();
    json_t *view;
    int64_t pid;
    assert_int_equal(rsv_view(c, id, &view, &pid).status, RSV_OK);
    json_int_t rev = json_integer_value(json_object_get(view, "revision"));
    assert_non_null(json_object_get(view, "revision"));
    json_decref(view);
    json_t *body = json_pack("{s:{s:s}, s:I}", "sections", "conclusion", "Première.", "revision", rev);
    rsv_result r = rsv_update(c, &cfg, &radio, id, body);
    json_decref(body);
    if (r.status != RSV_OK) fail_msg("update: %s", r.message);
    /* the other radiologist still holds rev */
    body = json_pack("{s:{s:s}, s:I}", "sections", "conclusion", "Seconde.", "revision", rev);
    r = rsv_update(c, &cfg, &radio, id, body);
    json_decref(body);
    assert_int_equal(r.status, RSV_CONFLICT);
    assert_non_null(strstr(r.message, "modifié par un autre utilisateur"));
    body = json_pack("{s:I}", "revision", rev);
    assert_int_equal(rsv_command(c, &cfg, &radio, id, "validate", body).status, RSV_CONFLICT);
    json_decref(body);
    body = json_pack("{s:s}", "revision", "1");
    assert_int_equal(rsv_update(c, &cfg, &radio, id, body).status, RSV_INVALID);
    json_decref(body);
    body = json_pack("{s:I}", "revision", rev + 1);
    r = rsv_command(c, &cfg, &radio, id, "validate", body);
    json_decref(body);
    if (r.status != RSV_OK) fail_msg("validate with the current revision: %s", r.message);

    /* withdrawal: a reason is required, not blank, at most 1000 characters (not bytes) */
    assert_int_equal(rsv_command(c, &cfg, &radio, id, "withdraw", NULL).status, RSV_INVALID);
    body = json_pack("{s:s}", "reason", "  \n\t ");
    assert_int_equal(rsv_command(c, &cfg, &radio, id, "withdraw", body).status, RSV_INVALID);
    json_decref(body);
    char reason[2100];
    size_t o = 0;
    for (int i = 0; i < 1000; i++) o += (size_t)snprintf(reason + o, sizeof reason - o, "%s", "é");
    body = json_pack("{s:s}", "reason", reason); /* 1000 characters, 2000 bytes */
    r = rsv_command(c, &cfg, &radio, id, "withdraw", body);
    json_decref(body);
    if (r.status != RSV_OK) fail_msg("withdraw: %s", r.message);
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

/* A template of the CT fixture exam coded for `modality`, tied to `exam` (0: generic). */
static int64_t make_template(const char *modality, int64_t exam)
{
    const fixture_exam *x = &FIXTURE_EXAMS[0];
    char code[32], err[256];
    snprintf(code, sizeof code, "TPL-%d", ++seq);
    rtpl_template t;
    rtpl_init(&t, code, x->loinc_display, modality);
    t.revision = 1;
    snprintf(t.exam_code.code, sizeof t.exam_code.code, "%s", x->loinc);
    snprintf(t.exam_code.display, sizeof t.exam_code.display, "%s", x->loinc_display);
    snprintf(t.region, sizeof t.region, "%s", x->region);
    snprintf(t.target_site.code, sizeof t.target_site.code, "%s", x->site);
    snprintf(t.target_site.display, sizeof t.target_site.display, "%s", x->site_display);
    char *json = report_template_to_json(&t, err, sizeof err);
    if (!json) fail_msg("template: %s", err);
    report_template_in in = {t.code, t.label, t.modality, exam, json, 1};
    int64_t id = 0;
    store_status s = report_templates_create(c, &in, &id);
    free(json);
    if (s != STORE_OK) fail_msg("template: %s", store_last_error(c));
    return id;
}

/* A procedure of `exam` for a new patient. */
static int64_t procedure_of(int64_t exam)
{
    char ipp[32];
    snprintf(ipp, sizeof ipp, "SVC-%d", ++seq);
    int64_t pid = make_patient(c, ipp, "CHOIX-MODELE", "CAMILLE", "1985-06-07", "F");
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)pid));
    return insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id", (json_int_t)exam));
}

/* A template chosen explicitly follows the rule of the automatic choice: the exam's own active
 * template or an active generic one of its modality; another exam's template (its codes would
 * be wrong in the CDA), another modality's or a deactivated one is refused. */
static void test_template_choice(void **state)
{
    (void)state;
    const fixture_exam *x = &FIXTURE_EXAMS[0];
    char ccam[16];
    snprintf(ccam, sizeof ccam, "ZZQK%03d", ++seq);
    int64_t other_exam = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:s, s:i}", "ccam_code", ccam, "label",
                                                                  "Autre scanner", "modality_type", x->modality,
                                                                  "loinc_code", x->loinc, "duration_minutes", 20));
    int64_t of_other = make_template(x->modality, other_exam);
    int64_t generic_mr = make_template("MR", 0);
    int64_t generic_ct = make_template(x->modality, 0);

    int64_t id = 0;
    rsv_result r = rsv_create(c, &cfg, &radio, procedure_of(exam_id), of_other, &id);
    assert_int_equal(r.status, RSV_INVALID);
    assert_string_equal(r.field, "template_id");
    assert_non_null(strstr(r.message, "prévu pour un autre examen"));
    assert_int_equal(id, 0);
    r = rsv_create(c, &cfg, &radio, procedure_of(exam_id), generic_mr, &id);
    assert_int_equal(r.status, RSV_INVALID);
    assert_non_null(strstr(r.message, "prévu pour un autre examen"));
    r = rsv_create(c, &cfg, &radio, procedure_of(exam_id), 999999, &id);
    assert_int_equal(r.status, RSV_INVALID);
    assert_string_equal(r.message, "Modèle de compte rendu inconnu.");

    /* the generic template of the exam's modality is accepted and recorded */
    r = rsv_create(c, &cfg, &radio, procedure_of(exam_id), generic_ct, &id);
    if (r.status != RSV_OK) fail_msg("create: %s", r.message);
    rstore_report rep;
    assert_int_equal(rstore_report_get(c, id, &rep), STORE_OK);
    assert_int_equal(rep.template_id, generic_ct);
    rstore_report_clear(&rep);
    /* referenced, it is deactivated rather than deleted, and no longer offered */
    bool deactivated = false;
    assert_int_equal(report_templates_delete(c, generic_ct, &deactivated), STORE_OK);
    assert_true(deactivated);
    int64_t again = 0;
    r = rsv_create(c, &cfg, &radio, procedure_of(exam_id), generic_ct, &again);
    assert_int_equal(r.status, RSV_INVALID);
    assert_non_null(strstr(r.message, "est désactivé"));
    assert_int_equal(again, 0);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_validate_correct),
        cmocka_unit_test(test_concurrent_validations),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_channels_from_data),
        cmocka_unit_test(test_revision_and_reason),
        cmocka_unit_test(test_no_template),
        cmocka_unit_test(test_template_choice),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void)
{
    report_init();
    return test_run_backends(run);
}
