/* The worklist adapter on the store (SQLite, and PostgreSQL with COULOIR_TEST_PG_URL): query
 * translation to the SQL filter, the worklist provider (exact matching, paging past one page,
 * statuses on the worklist), the patient-name key copied on the steps (migration 0023) kept in
 * sync by every writer, the INS rule (one test per case), MPPS transitions in the store, the
 * AE-title check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "domain/workflow.h"
#include "store/hl7feed_store.h"
#include "store/store_internal.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"
#include "worklist/worklist.h"

static store_t *st;
static store_conn_t *c;
static worklist_adapter *w;

static int setup(void **state)
{
    (void)state;
    st = open_test_store(2);
    ins_policy pol;
    if (ins_policy_defaults(&pol) != 0) return -1;
    worklist_options opt = {.ae_title = "COULOIR", .ipp_issuer_oid = "1.2.250.1.999.1.1",
                            .accession_issuer_oid = "1.2.250.1.999.1", .uid_root = "1.2.250.1.999.1"};
    w = worklist_adapter_new(st, &pol, &opt);
    c = store_acquire(st);
    return c && w ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    store_release(st, c);
    worklist_adapter_free(w);
    store_close(st);
    return 0;
}

/* ------------------------------------------------------------------ fixtures */

/* One exam per test (the tests share one database): distinct CCAM codes. */
static int64_t exam_ct(const char *ccam)
{
    return insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:i}", "ccam_code", ccam, "label",
                                                    "Scanographie du crâne", "modality_type", "CT", "duration_minutes", 15));
}

static int64_t add_step(int64_t pid, int64_t exam, const char *ae, const char *start, const char *accession,
                        const char *status)
{
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)pid));
    int64_t proc = insert_or_fail(c, "procedures", json_pack("{s:I, s:I, s:s}", "order_id", (json_int_t)order, "exam_id",
                                                             (json_int_t)exam, "accession_number", accession));
    int64_t step = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc,
                                                        "ae_title", ae, "modality_type", "CT", "start_at", start));
    if (strcmp(status, "booked") != 0)
        assert_int_equal(store_set_status(c, model_resource_find("steps"), step, "booked", status, time_now_unix()), STORE_OK);
    return step;
}

typedef struct {
    size_t n;
    char names[8][128];
    char sps[8][17];
    size_t stop_after; /* 0: never */
} collected;

static int collect(void *ctx, const dcm_dataset *item)
{
    collected *k = ctx;
    if (k->n < 8) {
        dcm_get_string(item, DCM_PatientName, k->names[k->n], sizeof k->names[0]);
        const dcm_dataset *s = dcm_seq_item(item, DCM_ScheduledProcedureStepSequence, 0);
        if (s) dcm_get_string(s, DCM_ScheduledProcedureStepID, k->sps[k->n], sizeof k->sps[0]);
    }
    k->n++;
    return k->stop_after && k->n >= k->stop_after ? 1 : 0;
}

/* A query: PatientName (may be NULL: universal), SPS AE, modality, start date (may be NULL). */
static dcm_mwl_query *query(const char *name, const char *ae, const char *modality, const char *date, const char *station)
{
    dcm_dataset *ds = dcm_dataset_new();
    assert_non_null(ds);
    assert_int_equal(dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 192"), 0);
    assert_int_equal(dcm_set_string(ds, DCM_PatientName, name ? name : ""), 0);
    assert_int_equal(dcm_set_string(ds, DCM_PatientID, ""), 0);
    assert_int_equal(dcm_set_string(ds, DCM_AccessionNumber, ""), 0);
    dcm_dataset *s = dcm_seq_append(ds, DCM_ScheduledProcedureStepSequence);
    assert_non_null(s);
    assert_int_equal(dcm_set_string(s, DCM_ScheduledStationAETitle, ae ? ae : ""), 0);
    assert_int_equal(dcm_set_string(s, DCM_Modality, modality ? modality : ""), 0);
    assert_int_equal(dcm_set_string(s, DCM_ScheduledProcedureStepStartDate, date ? date : ""), 0);
    assert_int_equal(dcm_set_string(s, DCM_ScheduledProcedureStepID, ""), 0);
    dcm_mwl_query *q = NULL;
    dcm_status stt = {0};
    assert_int_equal(dcm_mwl_query_parse(ds, DCM_CS_UTF8, station ? station : "", &q, &stt), 0);
    return q;
}

/* ------------------------------------------------------------------ translation */

static void test_filter(void **state)
{
    (void)state;
    dcm_mwl_query *q = query("HÉRON*", "CT1", "CT", "20261124-20261125", NULL);
    worklist_filter wf;
    assert_int_equal(worklist_filter_from_query(q, &wf), 0);
    assert_string_equal(wf.f.birth_name_key, "HERON");
    assert_string_equal(wf.f.ae_title, "CT1");
    assert_string_equal(wf.f.modality, "CT");
    /* local days with a margin: covers 2026-11-24 00:00 local .. 2026-11-26 00:00 local */
    assert_true(wf.f.from > 0 && wf.f.from <= time_local_to_unix(time_days_from_civil(2026, 11, 24), 0));
    assert_true(wf.f.to >= time_local_to_unix(time_days_from_civil(2026, 11, 26), 0));
    assert_true(wf.f.to - wf.f.from < 4 * 86400);
    worklist_filter_clear(&wf);
    dcm_mwl_query_free(q);

    /* a calling-AE filter that contradicts the AE key: nothing can match */
    q = query(NULL, "CT1", NULL, NULL, "MR1");
    assert_int_equal(worklist_filter_from_query(q, &wf), 1);
    worklist_filter_clear(&wf);
    dcm_mwl_query_free(q);
    q = query(NULL, NULL, NULL, NULL, "MR1");
    assert_int_equal(worklist_filter_from_query(q, &wf), 0);
    assert_string_equal(wf.f.ae_title, "MR1");
    worklist_filter_clear(&wf);
    dcm_mwl_query_free(q);

    /* wildcards on other keys become escaped LIKE patterns */
    dcm_dataset *ds = dcm_dataset_new();
    assert_int_equal(dcm_set_string(ds, DCM_AccessionNumber, "A_1%*?"), 0);
    assert_int_equal(dcm_set_string(ds, DCM_PatientID, "IPP42"), 0);
    dcm_status stt = {0};
    assert_int_equal(dcm_mwl_query_parse(ds, DCM_CS_UTF8, "", &q, &stt), 0);
    assert_int_equal(worklist_filter_from_query(q, &wf), 0);
    assert_string_equal(wf.f.accession_like, "A\\_1\\%%_");
    assert_string_equal(wf.f.ipp, "IPP42");
    assert_null(wf.f.birth_name_key);
    worklist_filter_clear(&wf);
    dcm_mwl_query_free(q);
}

/* ------------------------------------------------------------------ provider */

static void test_find(void **state)
{
    (void)state;
    int64_t exam = exam_ct("ACQK001");
    int64_t p1 = make_patient(c, "WL-1", "Héron", "Zélie", "1988-02-08", "F");
    int64_t p2 = make_patient(c, "WL-2", "HERON", "Paul", "1950-01-01", "M");
    int64_t p3 = make_patient(c, "WL-3", "Martin", "Anne", "1960-05-05", "F");
    add_step(p1, exam, "CT1", "2026-11-24T08:00:00Z", "ACC1", "arrived");
    add_step(p2, exam, "CT1", "2026-11-24T09:00:00Z", "ACC2", "arrived");
    add_step(p3, exam, "CT1", "2026-11-24T10:00:00Z", "ACC3", "arrived");
    add_step(p3, exam, "CT1", "2026-11-24T11:00:00Z", "ACC4", "booked");      /* not arrived: off the list */
    add_step(p3, exam, "CT2", "2026-11-25T08:00:00Z", "ACC5", "arrived");
    add_step(p1, exam, "CT1", "2026-11-23T22:30:00Z", "ACC6", "arrived");     /* 23:30 local on the 23rd */

    collected k = {0};
    dcm_status stt = {0};
    dcm_mwl_query *q = query("HERON*", NULL, NULL, NULL, NULL);
    assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
    /* PN: ASCII case-insensitive; "HERON*" does not match "Héron" (É is not E) */
    assert_int_equal(k.n, 1);
    assert_string_equal(k.names[0], "HERON^Paul");
    dcm_mwl_query_free(q);

    memset(&k, 0, sizeof k);
    q = query("Héron*", NULL, NULL, NULL, NULL);
    assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
    assert_int_equal(k.n, 2); /* both steps of Héron, ordered by start */
    assert_string_equal(k.names[0], "Héron^Zélie");
    dcm_mwl_query_free(q);

    /* local day (Europe/Paris) of the SPS start: 2026-11-24 holds 3 arrived CT1 steps, not the
     * one at 23:30 local the day before, not the booked one */
    memset(&k, 0, sizeof k);
    q = query(NULL, "CT1", "CT", "20261124", NULL);
    assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
    assert_int_equal(k.n, 3);
    dcm_mwl_query_free(q);
    memset(&k, 0, sizeof k);
    q = query(NULL, NULL, NULL, "20261123", NULL);
    assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
    assert_int_equal(k.n, 1);
    dcm_mwl_query_free(q);

    /* emit asking to stop (cancel / cap) stops the provider */
    memset(&k, 0, sizeof k);
    k.stop_after = 2;
    q = query(NULL, NULL, NULL, NULL, NULL);
    assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
    assert_int_equal(k.n, 2);
    dcm_mwl_query_free(q);

    /* calling-AE filter */
    memset(&k, 0, sizeof k);
    q = query(NULL, NULL, NULL, NULL, "CT2");
    assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
    assert_int_equal(k.n, 1);
    dcm_mwl_query_free(q);
}

static void test_paging(void **state)
{
    (void)state;
    int64_t exam = exam_ct("ACQK002");
    int64_t p = make_patient(c, "PG-1", "Paging", "Test", "1970-01-01", "M");
    assert_int_equal(store_begin(c), STORE_OK);
    char acc[17], start[32];
    for (int i = 0; i < 1203; i++) {
        snprintf(acc, sizeof acc, "PG%05d", i);
        /* many steps share a start time: paging must not lose or repeat any */
        snprintf(start, sizeof start, "2026-11-24T%02d:%02d:00Z", 8 + (i / 100) % 10, (i % 4) * 15);
        add_step(p, exam, "CT9", start, acc, "arrived");
    }
    assert_int_equal(store_commit(c), STORE_OK);
    collected k = {0};
    dcm_status stt = {0};
    dcm_mwl_query *q = query(NULL, "CT9", NULL, NULL, NULL);
    assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
    assert_int_equal(k.n, 1203);
    /* the emitter stops while the reader thread is pages ahead: nothing lost, nothing leaked */
    for (size_t stop = 1; stop <= 1203; stop += 301) {
        memset(&k, 0, sizeof k);
        k.stop_after = stop;
        assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
        assert_int_equal(k.n, stop);
    }
    dcm_mwl_query_free(q);
}

/* ------------------------------------------------------------------ name key in the read model */

/* The name key of a step in the worklist read model ("" when NULL). */
static const char *name_key_of(int64_t step, char *out, size_t n)
{
    db_param p[] = {db_int(step)};
    db_rows r;
    assert_int_equal(db_exec(c, "SELECT patient_name_key FROM mwl_entry WHERE step_id = ?", p, 1, &r, NULL), STORE_OK);
    assert_int_equal(r.nrows, 1);
    snprintf(out, n, "%s", db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "");
    db_rows_free(&r);
    return out;
}

/* Number of answers to a PatientName query (and the first name answered). */
static size_t answers(const char *name, char *first, size_t n)
{
    collected k = {0};
    dcm_status stt = {0};
    dcm_mwl_query *q = query(name, NULL, NULL, NULL, NULL);
    assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
    dcm_mwl_query_free(q);
    if (first) snprintf(first, n, "%s", k.n ? k.names[0] : "");
    return k.n;
}

static void test_name_key_sync(void **state)
{
    (void)state;
    char v[128];
    int64_t exam = exam_ct("ACQK903");
    /* a step inserted after its identity takes the identity's key */
    int64_t pa = make_patient(c, "NK-1", "Dubreuil", "Marc", "1970-01-01", "M");
    int64_t sa = add_step(pa, exam, "CT1", "2026-11-26T08:00:00Z", "NK1", "arrived");
    assert_string_equal(name_key_of(sa, v, sizeof v), "DUBREUIL");
    assert_int_equal(answers("DUBREUIL*", NULL, 0), 1);

    /* the birth name changed through the identity API (store_resource_update): the key follows */
    db_param p[] = {db_int(pa)};
    db_rows r;
    assert_int_equal(db_exec(c, "SELECT id FROM identity WHERE patient_id = ?", p, 1, &r, NULL), STORE_OK);
    int64_t ida = 0;
    assert_true(db_parse_i64(db_cell(&r, 0, 0), &ida));
    db_rows_free(&r);
    json_t *patch = json_pack("{s:s}", "birth_name", "Lacombe-Dubreuil");
    assert_int_equal(store_resource_update(c, model_resource_find("identities"), ida, patch), STORE_OK);
    json_decref(patch);
    assert_string_equal(name_key_of(sa, v, sizeof v), "LACOMBE DUBREUIL");
    assert_int_equal(answers("DUBREUIL*", NULL, 0), 0);
    assert_int_equal(answers("LACOMBE*", v, sizeof v), 1);
    assert_string_equal(v, "Lacombe-Dubreuil^Marc");
    /* another field changed: the key stays */
    patch = json_pack("{s:s}", "first_given_name", "Marcel");
    assert_int_equal(store_resource_update(c, model_resource_find("identities"), ida, patch), STORE_OK);
    json_decref(patch);
    assert_string_equal(name_key_of(sa, v, sizeof v), "LACOMBE DUBREUIL");

    /* a patient whose identity is recorded after the step: the key arrives with the identity */
    int64_t pb = insert_or_fail(c, "patients", json_pack("{s:s}", "ipp", "NK-2"));
    int64_t sb = add_step(pb, exam, "CT1", "2026-11-26T09:00:00Z", "NK2", "arrived");
    assert_string_equal(name_key_of(sb, v, sizeof v), "");
    insert_or_fail(c, "identities", json_pack("{s:I, s:s, s:s, s:s, s:s}", "patient_id", (json_int_t)pb, "birth_name",
                                              "Fabre", "first_given_name", "Inès", "birth_date", "1980-02-02", "sex", "F"));
    assert_string_equal(name_key_of(sb, v, sizeof v), "FABRE");
    assert_int_equal(answers("FABRE*", NULL, 0), 1);

    /* patient merge (HL7 A40): the merged patient's steps take the surviving identity's key */
    assert_int_equal(hl7s_patient_merge(c, pb, pa), STORE_OK);
    assert_string_equal(name_key_of(sb, v, sizeof v), "LACOMBE DUBREUIL");
    assert_int_equal(answers("FABRE*", NULL, 0), 0);
    assert_int_equal(answers("LACOMBE*", NULL, 0), 2);
}

static void test_name_key_many(void **state)
{
    (void)state;
    int64_t exam = exam_ct("ACQK904");
    char name[16], acc[17];
    /* 70 distinct family names under one prefix: more than the 64 keys listed by the page query,
     * which then falls back to the key range; answers are the same either way */
    assert_int_equal(store_begin(c), STORE_OK);
    for (int i = 0; i < 70; i++) {
        snprintf(name, sizeof name, "Quenot%c%c", 'a' + i / 26, 'a' + i % 26);
        snprintf(acc, sizeof acc, "NM%03d", i);
        int64_t pid = make_patient(c, acc, name, "Luc", "1990-01-01", "M");
        add_step(pid, exam, "CT1", "2026-11-27T08:00:00Z", acc, "arrived");
    }
    assert_int_equal(store_commit(c), STORE_OK);
    assert_int_equal(answers("QUENOT*", NULL, 0), 70);
    assert_int_equal(answers("Quenot*", NULL, 0), 70); /* PN: ASCII case-insensitive */
    assert_int_equal(answers("QUENOTA*", NULL, 0), 26);
    assert_int_equal(answers("QUENOTB?^LUC", NULL, 0), 26);
    assert_int_equal(answers("QUENOTCB^Luc", NULL, 0), 1);
    assert_int_equal(answers("QUENOTZ*", NULL, 0), 0); /* no key under the prefix */
    assert_int_equal(answers("*NOTAA^Luc", NULL, 0), 1); /* no literal prefix: no key criterion */
}

/* A name query covering several keys answers in start time order, then step order, whatever
 * the order of the keys and of the rows' creation (the store sorts the page it fetched by id). */
static void test_name_key_order(void **state)
{
    (void)state;
    int64_t exam = exam_ct("ACQK905");
    static const struct {
        const char *name, *start, *acc;
    } steps[] = {
        {"Vasseur", "2026-11-28T11:00:00Z", "NO1"}, {"Vassal", "2026-11-28T09:00:00Z", "NO2"},
        {"Vasquez", "2026-11-28T10:00:00Z", "NO3"}, {"Vassal", "2026-11-28T08:30:00Z", "NO4"},
        {"Vasseur", "2026-11-28T09:00:00Z", "NO5"},
    };
    assert_int_equal(store_begin(c), STORE_OK);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int64_t pid = make_patient(c, steps[i].acc, steps[i].name, "Léa", "1990-01-01", "F");
        add_step(pid, exam, "CT1", steps[i].start, steps[i].acc, "arrived");
    }
    assert_int_equal(store_commit(c), STORE_OK);
    collected k = {0};
    dcm_status stt = {0};
    dcm_mwl_query *q = query("VAS*", NULL, NULL, "20261128", NULL);
    assert_int_equal(worklist_mwl_find(w, q, collect, &k, &stt), 0);
    dcm_mwl_query_free(q);
    assert_int_equal(k.n, 5);
    /* 08:30 Vassal, 09:00 Vassal then Vasseur (same time: step order), 10:00 Vasquez, 11:00 Vasseur */
    static const char *const expected[] = {"Vassal^Léa", "Vassal^Léa", "Vasseur^Léa", "Vasquez^Léa", "Vasseur^Léa"};
    for (size_t i = 0; i < 5; i++) assert_string_equal(k.names[i], expected[i]);
}

/* ------------------------------------------------------------------ INS rule */

static store_mwl_row row_with(const char *matricule, const char *oid, const char *rniv, bool douteuse, bool fictive)
{
    store_mwl_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.birth_name, sizeof r.birth_name, "NOËL");
    snprintf(r.first_given_name, sizeof r.first_given_name, "Gaëlle");
    snprintf(r.ipp, sizeof r.ipp, "IPP1");
    snprintf(r.accession_number, sizeof r.accession_number, "ACC1");
    snprintf(r.ins_matricule, sizeof r.ins_matricule, "%s", matricule);
    snprintf(r.ins_oid, sizeof r.ins_oid, "%s", oid);
    snprintf(r.rniv_status, sizeof r.rniv_status, "%s", rniv);
    snprintf(r.status, sizeof r.status, "arrived");
    snprintf(r.priority, sizeof r.priority, "routine");
    r.douteuse = douteuse;
    r.fictive = fictive;
    r.start_at = 1795507200; /* 2026-11-24T08:00:00Z */
    return r;
}

static const char *valid_matricule(void)
{
    static char m[16];
    long long n = 2700175123456LL;
    snprintf(m, sizeof m, "%lld%02lld", n, 97 - n % 97);
    return m;
}

#define NIR_OID "1.2.250.1.213.1.4.8"

/* Every element of the item has its dictionary VR (item.c spells them out). */
static bool vrs_from_dictionary(const dcm_dataset *ds)
{
    for (size_t i = 0; i < dcm_dataset_count(ds); i++) {
        const dcm_element *e = dcm_dataset_at(ds, i);
        if (e->vr != dcm_dict_vr(e->tag)) {
            print_error("tag %08X: VR %04X, dictionary %04X\n", e->tag, e->vr, dcm_dict_vr(e->tag));
            return false;
        }
        for (uint32_t k = 0; k < e->nitems; k++)
            if (!vrs_from_dictionary(e->items[k])) return false;
    }
    return true;
}

/* true when the item carries the INS with its issuer */
static bool has_ins(store_mwl_row r)
{
    dcm_dataset *ds = worklist_item_from_row(w, &r);
    assert_non_null(ds);
    bool found = false;
    const dcm_dataset *o = dcm_seq_item(ds, DCM_OtherPatientIDsSequence, 0);
    if (o) {
        char id[32], oid[65];
        const dcm_dataset *iss = dcm_seq_item(o, DCM_IssuerOfPatientIDQualifiersSequence, 0);
        assert_non_null(iss);
        assert_true(dcm_get_string(o, DCM_PatientID, id, sizeof id) > 0);
        assert_true(dcm_get_string(iss, DCM_UniversalEntityID, oid, sizeof oid) > 0);
        assert_string_equal(id, r.ins_matricule);
        assert_string_equal(oid, r.ins_oid);
        found = true;
    }
    assert_true(vrs_from_dictionary(ds));
    dcm_dataset_free(ds);
    return found;
}

static void test_ins_qualified(void **state)
{
    (void)state;
    assert_true(has_ins(row_with(valid_matricule(), NIR_OID, "qualifiee", false, false)));
}
static void test_ins_validated(void **state)
{
    (void)state;
    assert_false(has_ins(row_with(valid_matricule(), NIR_OID, "validee", false, false)));
}
static void test_ins_provisional(void **state)
{
    (void)state;
    assert_false(has_ins(row_with(valid_matricule(), NIR_OID, "provisoire", false, false)));
}
static void test_ins_recovered(void **state)
{
    (void)state;
    assert_false(has_ins(row_with(valid_matricule(), NIR_OID, "recuperee", false, false)));
}
static void test_ins_doubtful(void **state)
{
    (void)state;
    assert_false(has_ins(row_with(valid_matricule(), NIR_OID, "qualifiee", true, false)));
}
static void test_ins_fictitious(void **state)
{
    (void)state;
    assert_false(has_ins(row_with(valid_matricule(), NIR_OID, "qualifiee", false, true)));
}
static void test_ins_bad_key(void **state)
{
    (void)state;
    assert_false(has_ins(row_with("270017512345600", NIR_OID, "qualifiee", false, false)));
}
static void test_ins_oid_not_accepted(void **state)
{
    (void)state;
    assert_false(has_ins(row_with(valid_matricule(), "1.2.3.4", "qualifiee", false, false)));
}

static void test_item_keys(void **state)
{
    (void)state;
    store_mwl_row r = row_with("", "", "provisoire", false, false);
    snprintf(r.birth_date, sizeof r.birth_date, "1975-03-09");
    snprintf(r.modality, sizeof r.modality, "CT");
    snprintf(r.ae_title, sizeof r.ae_title, "CT1");
    snprintf(r.sps_id, sizeof r.sps_id, "S1");
    snprintf(r.study_instance_uid, sizeof r.study_instance_uid, "1.2.3");
    dcm_dataset *ds = worklist_item_from_row(w, &r);
    assert_non_null(ds);
    char v[128];
    assert_true(dcm_get_string(ds, DCM_SpecificCharacterSet, v, sizeof v) > 0);
    assert_string_equal(v, "ISO_IR 192");
    dcm_get_string(ds, DCM_PatientName, v, sizeof v);
    assert_string_equal(v, "NOËL^Gaëlle");
    dcm_get_string(ds, DCM_PatientBirthDate, v, sizeof v);
    assert_string_equal(v, "19750309");
    dcm_get_string(ds, DCM_RequestedProcedureID, v, sizeof v);
    assert_string_equal(v, "ACC1");
    const dcm_dataset *iss = dcm_seq_item(ds, DCM_IssuerOfAccessionNumberSequence, 0);
    assert_non_null(iss);
    dcm_get_string(iss, DCM_UniversalEntityID, v, sizeof v);
    assert_string_equal(v, "1.2.250.1.999.1");
    const dcm_dataset *s = dcm_seq_item(ds, DCM_ScheduledProcedureStepSequence, 0);
    assert_non_null(s);
    dcm_get_string(s, DCM_ScheduledProcedureStepStartDate, v, sizeof v);
    assert_string_equal(v, "20261124");
    dcm_get_string(s, DCM_ScheduledProcedureStepStartTime, v, sizeof v);
    assert_string_equal(v, "090000"); /* Europe/Paris, winter */
    dcm_get_string(s, DCM_ScheduledProcedureStepStatus, v, sizeof v);
    assert_string_equal(v, "ARRIVED");
    assert_false(dcm_has(ds, DCM_OtherPatientIDsSequence));
    assert_true(vrs_from_dictionary(ds));
    dcm_dataset_free(ds);
}

/* ------------------------------------------------------------------ MPPS */

static dcm_mpps_request mpps_rq(const char *uid, dcm_pps_status status, dcm_dataset *attrs)
{
    return (dcm_mpps_request){.calling_ae = "CT1", .sop_instance_uid = uid, .status = status, .attributes = attrs};
}

static const char *step_status(int64_t id, char *out, size_t n)
{
    json_t *o = NULL;
    assert_int_equal(store_resource_get(c, model_resource_find("steps"), id, &o), STORE_OK);
    snprintf(out, n, "%s", json_string_value(json_object_get(o, "status")));
    json_decref(o);
    return out;
}

static const char *appt_status(int64_t id, char *out, size_t n)
{
    json_t *o = NULL;
    assert_int_equal(store_resource_get(c, model_resource_find("appointments"), id, &o), STORE_OK);
    snprintf(out, n, "%s", json_string_value(json_object_get(o, "status")));
    json_decref(o);
    return out;
}

static void test_mpps(void **state)
{
    (void)state;
    int64_t exam = exam_ct("ACQK003");
    int64_t p = make_patient(c, "MP-1", "Mpps", "Test", "1970-01-01", "M");
    int64_t s1 = add_step(p, exam, "CT1", "2026-11-24T08:00:00Z", "MPACC1", "arrived");
    int64_t s2 = add_step(p, exam, "CT1", "2026-11-24T09:00:00Z", "MPACC2", "booked");
    char sps1[32], sps2[32], buf[32];
    json_t *o = NULL;
    assert_int_equal(store_resource_get(c, model_resource_find("steps"), s1, &o), STORE_OK);
    snprintf(sps1, sizeof sps1, "%s", json_string_value(json_object_get(o, "sps_id")));
    json_decref(o);
    assert_int_equal(store_resource_get(c, model_resource_find("steps"), s2, &o), STORE_OK);
    snprintf(sps2, sizeof sps2, "%s", json_string_value(json_object_get(o, "sps_id")));
    json_decref(o);

    /* the appointment booked on step 1 (patient arrived) follows the step */
    int64_t room = make_room(c, "750000099", "Scanner 1", "scanner");
    int64_t appt = insert_or_fail(c, "appointments",
                                  json_pack("{s:I, s:I, s:s, s:s, s:I}", "patient_id", (json_int_t)p, "room_id",
                                            (json_int_t)room, "start_at", "2026-11-24T08:00:00Z", "end_at",
                                            "2026-11-24T08:15:00Z", "step_id", (json_int_t)s1));
    assert_int_equal(store_set_status(c, model_resource_find("appointments"), appt, "booked", "arrived", time_now_unix()),
                     STORE_OK);
    dcm_dataset *a = dcm_dataset_new();
    dcm_dataset *ssa = dcm_seq_append(a, DCM_ScheduledStepAttributesSequence);
    assert_int_equal(dcm_set_string(ssa, DCM_ScheduledProcedureStepID, sps1), 0);
    assert_int_equal(dcm_set_string(a, DCM_PerformedProcedureStepStartDate, "20261124"), 0);
    assert_int_equal(dcm_set_string(a, DCM_PerformedProcedureStepStartTime, "0905"), 0);
    dcm_status stt = {0};
    /* N-CREATE not IN PROGRESS: 0x0106 */
    dcm_mpps_request rq = mpps_rq("1.2.3.1", DCM_PPS_COMPLETED, a);
    assert_int_equal(worklist_mpps_create(w, &rq, &stt), -1);
    assert_int_equal(stt.code, DCM_STATUS_INVALID_ATTRIBUTE_VALUE);
    /* IN PROGRESS: the step starts */
    rq = mpps_rq("1.2.3.1", DCM_PPS_IN_PROGRESS, a);
    assert_int_equal(worklist_mpps_create(w, &rq, &stt), 0);
    assert_string_equal(step_status(s1, buf, sizeof buf), "in_progress");
    assert_string_equal(appt_status(appt, buf, sizeof buf), "in_progress");
    /* duplicate: 0x0111 */
    memset(&stt, 0, sizeof stt);
    assert_int_equal(worklist_mpps_create(w, &rq, &stt), -1);
    assert_int_equal(stt.code, DCM_STATUS_DUPLICATE_INSTANCE);
    store_pps_row pps;
    assert_int_equal(store_pps_get(c, "1.2.3.1", &pps), STORE_OK);
    assert_string_equal(pps.status, "in_progress");
    assert_int_equal(pps.step_id, s1);
    /* N-SET IN PROGRESS (attributes only) keeps the status; COMPLETED completes the step */
    dcm_dataset *e = dcm_dataset_new();
    rq = mpps_rq("1.2.3.1", DCM_PPS_UNKNOWN, e);
    assert_int_equal(worklist_mpps_set(w, &rq, &stt), 0);
    rq = mpps_rq("1.2.3.1", DCM_PPS_COMPLETED, e);
    assert_int_equal(worklist_mpps_set(w, &rq, &stt), 0);
    assert_string_equal(step_status(s1, buf, sizeof buf), "completed");
    assert_string_equal(appt_status(appt, buf, sizeof buf), "completed");
    assert_int_equal(store_pps_get(c, "1.2.3.1", &pps), STORE_OK);
    assert_string_equal(pps.status, "completed");
    /* final: 0x0110 with Error ID A710 */
    memset(&stt, 0, sizeof stt);
    rq = mpps_rq("1.2.3.1", DCM_PPS_DISCONTINUED, e);
    assert_int_equal(worklist_mpps_set(w, &rq, &stt), -1);
    assert_int_equal(stt.code, DCM_STATUS_PROCESSING_FAILURE);
    assert_int_equal(stt.error_id, DCM_ERROR_ID_MPPS_NOT_UPDATABLE);
    /* unknown instance: 0x0112 */
    rq = mpps_rq("9.9.9", DCM_PPS_COMPLETED, e);
    assert_int_equal(worklist_mpps_set(w, &rq, &stt), -1);
    assert_int_equal(stt.code, DCM_STATUS_NO_SUCH_INSTANCE);
    /* a booked step cannot start (workflow): 0x0110, nothing stored */
    assert_int_equal(dcm_set_string(ssa, DCM_ScheduledProcedureStepID, sps2), 0);
    rq = mpps_rq("1.2.3.2", DCM_PPS_IN_PROGRESS, a);
    assert_int_equal(worklist_mpps_create(w, &rq, &stt), -1);
    assert_int_equal(stt.code, DCM_STATUS_PROCESSING_FAILURE);
    assert_int_equal(store_pps_get(c, "1.2.3.2", &pps), STORE_NOT_FOUND);
    assert_string_equal(step_status(s2, buf, sizeof buf), "booked");
    /* unscheduled (no known step): accepted, DISCONTINUED afterwards */
    assert_int_equal(dcm_set_string(ssa, DCM_ScheduledProcedureStepID, "NOPE"), 0);
    rq = mpps_rq("1.2.3.3", DCM_PPS_IN_PROGRESS, a);
    assert_int_equal(worklist_mpps_create(w, &rq, &stt), 0);
    rq = mpps_rq("1.2.3.3", DCM_PPS_DISCONTINUED, e);
    assert_int_equal(worklist_mpps_set(w, &rq, &stt), 0);
    assert_int_equal(store_pps_get(c, "1.2.3.3", &pps), STORE_OK);
    assert_string_equal(pps.status, "discontinued");
    assert_int_equal(pps.step_id, 0);
    dcm_dataset_free(a);
    dcm_dataset_free(e);
}

/* ------------------------------------------------------------------ associations */

static void test_check(void **state)
{
    (void)state;
    insert_or_fail(c, "modalities", json_pack("{s:s, s:s}", "ae_title", "CT_SALLE1", "modality_type", "CT"));
    assert_int_equal(worklist_check_association(w, "CT_SALLE1", "COULOIR", "127.0.0.1"), 0);
    assert_int_equal(worklist_check_association(w, "INTRUDER", "COULOIR", "127.0.0.1"), DCM_RJ_CALLING_AE_NOT_RECOGNIZED);
    assert_int_equal(worklist_check_association(w, "CT_SALLE1", "OTHER", "127.0.0.1"), DCM_RJ_CALLED_AE_NOT_RECOGNIZED);
    ins_policy pol;
    ins_policy_defaults(&pol);
    worklist_options opt = {.ae_title = "COULOIR", .accept_any_calling_ae = true};
    worklist_adapter *any = worklist_adapter_new(st, &pol, &opt);
    assert_non_null(any);
    assert_int_equal(worklist_check_association(any, "INTRUDER", "COULOIR", "127.0.0.1"), 0);
    assert_int_equal(worklist_check_association(any, "INTRUDER", "OTHER", "127.0.0.1"), DCM_RJ_CALLED_AE_NOT_RECOGNIZED);
    worklist_adapter_free(any);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_key_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_key_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_key_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ins_qualified, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ins_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ins_provisional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ins_recovered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ins_doubtful, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ins_fictitious, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ins_bad_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ins_oid_not_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_item_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mpps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}

int main(void)
{
    /* SPS dates and times are local to the practice */
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    return test_run_backends(run);
}
