/* The worklist read model (mwl_entry, migration 0024) stays equal to the join it copies
 * (mwl_source) after every kind of write to every source table, on both backends: inserts,
 * updates through the generic resources, status transitions, the HL7 feed's IPP change and
 * merge, the MPPS status change, direct SQL updates of every column the view copies, deletes,
 * a rolled-back transaction, and two connections writing the same steps at once. */
#include <pthread.h>
#include <time.h>

#include "core/timeutil.h"
#include "store/hl7feed_store.h"
#include "store/store_internal.h"
#include "store/worklist_sql.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

TEST_STORE_ONE_CONNECTION(1)

static int64_t count(const char *sql)
{
    db_rows r;
    assert_int_equal(db_exec(c, sql, NULL, 0, &r, NULL), STORE_OK);
    int64_t v = -1;
    assert_true(db_parse_i64(db_cell(&r, 0, 0), &v));
    db_rows_free(&r);
    return v;
}

/* Fails with the first differing row when mwl_entry is not exactly mwl_source. */
static void assert_in_sync(const char *after, int64_t entries)
{
    int64_t stale = count("SELECT COUNT(*) FROM (SELECT * FROM mwl_entry EXCEPT SELECT * FROM mwl_source) d");
    int64_t missing = count("SELECT COUNT(*) FROM (SELECT * FROM mwl_source EXCEPT SELECT * FROM mwl_entry) d");
    int64_t n = count("SELECT COUNT(*) FROM mwl_entry");
    if (stale || missing || n != entries)
        fail_msg("after %s: %lld stale and %lld missing read-model rows, %lld rows (expected %lld)", after,
                 (long long)stale, (long long)missing, (long long)n, (long long)entries);
}

/* One column of a step's entry ("" when NULL). */
static const char *entry(int64_t step, const char *col, char *out, size_t n)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM mwl_entry WHERE step_id = ?", col);
    db_param p[] = {db_int(step)};
    db_rows r;
    assert_int_equal(db_exec(c, sql, p, 1, &r, NULL), STORE_OK);
    assert_int_equal(r.nrows, 1);
    snprintf(out, n, "%s", db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "");
    db_rows_free(&r);
    return out;
}

static void update(const char *resource, int64_t id, json_t *patch)
{
    store_status s = store_resource_update(c, model_resource_find(resource), id, patch);
    if (s != STORE_OK) fail_msg("update %s %lld: %s", resource, (long long)id, store_last_error(c));
    json_decref(patch);
}

static void exec(const char *sql, int64_t id)
{
    db_param p[] = {db_int(id)};
    assert_int_equal(db_exec(c, sql, p, 1, NULL, NULL), STORE_OK);
}

static int64_t identity_of(int64_t patient)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT id FROM identity WHERE patient_id = %lld", (long long)patient);
    return count(sql);
}

static void test_read_model_follows_every_write(void **state)
{
    (void)state;
    char v[128];
    int64_t exam = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "ccam_code", "ZBQK002",
                                                            "label", "Radiographie du thorax", "loinc_code", "30745-4",
                                                            "modality_type", "DX", "region_code", "CHEST",
                                                            "duration_minutes", 10));
    int64_t corr = insert_or_fail(c, "correspondents", json_pack("{s:s, s:s, s:s}", "rpps", "10002314572", "last_name",
                                                                 "Lemoine", "first_name", "Hélène"));
    int64_t pa = make_patient(c, "RM-1", "Moreau", "Luc", "1961-03-04", "M");
    /* a patient whose identity comes after the step */
    int64_t pb = insert_or_fail(c, "patients", json_pack("{s:s}", "ipp", "RM-2"));
    assert_in_sync("patients without steps", 0);

    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I, s:I, s:s}", "patient_id", (json_int_t)pa,
                                                          "requester_id", (json_int_t)corr, "reason", "Toux"));
    int64_t proc = insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id",
                                                             (json_int_t)exam));
    int64_t s1 = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc,
                                                      "ae_title", "DX1", "modality_type", "DX", "start_at",
                                                      "2026-11-24T08:00:00Z"));
    int64_t s2 = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc,
                                                      "ae_title", "DX2", "modality_type", "DX", "start_at",
                                                      "2026-11-24T09:00:00Z"));
    int64_t order_b = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)pb));
    int64_t proc_b = insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order_b,
                                                               "exam_id", (json_int_t)exam));
    int64_t s3 = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc_b,
                                                      "ae_title", "DX1", "modality_type", "DX", "start_at",
                                                      "2026-11-24T10:00:00Z"));
    assert_in_sync("step inserts", 3);
    assert_string_equal(entry(s1, "birth_name", v, sizeof v), "Moreau");
    assert_string_equal(entry(s3, "birth_name", v, sizeof v), "");

    /* identity inserted after the step, then its traits, INS and status changed */
    insert_or_fail(c, "identities", json_pack("{s:I, s:s, s:s, s:s, s:s}", "patient_id", (json_int_t)pb, "birth_name",
                                              "Fabre", "first_given_name", "Inès", "birth_date", "1980-02-02", "sex",
                                              "F"));
    assert_in_sync("identity insert", 3);
    assert_string_equal(entry(s3, "patient_name_key", v, sizeof v), "FABRE");
    update("identities", identity_of(pa),
           json_pack("{s:s, s:s, s:s, s:s}", "birth_name", "Moreau-Lenoir", "used_name", "Lenoir", "ins_matricule",
                     "161036912345678", "ins_oid", "1.2.250.1.213.1.4.8"));
    assert_in_sync("identity update", 3);
    assert_string_equal(entry(s2, "patient_name_key", v, sizeof v), "MOREAU LENOIR");
    assert_string_equal(entry(s2, "ins_matricule", v, sizeof v), "161036912345678");

    /* step: status transition, time and station moved */
    assert_int_equal(store_set_status(c, model_resource_find("steps"), s1, "booked", "arrived", time_now_unix()),
                     STORE_OK);
    update("steps", s2, json_pack("{s:s, s:s}", "start_at", "2026-11-25T07:30:00Z", "ae_title", "DX3"));
    assert_in_sync("step updates", 3);
    assert_string_equal(entry(s1, "status", v, sizeof v), "arrived");
    assert_string_equal(entry(s2, "ae_title", v, sizeof v), "DX3");

    /* MPPS: in progress */
    assert_int_equal(store_mpps_step_status(c, s1, "arrived", "in_progress", time_now_unix()), STORE_OK);
    assert_in_sync("MPPS status", 3);
    assert_string_equal(entry(s1, "status", v, sizeof v), "in_progress");

    /* order, procedure, exam and requester edits reach every step they feed */
    update("orders", order, json_pack("{s:s, s:s}", "priority", "urgent", "placer_number", "PL-9"));
    exec("UPDATE requested_procedure SET accession_number = 'ACC-RM-9' WHERE id = ?", proc); /* not an API field */
    update("catalogue", exam, json_pack("{s:s}", "label", "Radiographie du thorax de face"));
    update("correspondents", corr, json_pack("{s:s}", "last_name", "Lemoine-Petit"));
    assert_in_sync("order, procedure, exam, requester updates", 3);
    assert_string_equal(entry(s2, "priority", v, sizeof v), "urgent");
    assert_string_equal(entry(s2, "accession_number", v, sizeof v), "ACC-RM-9");

    /* HL7 feed: IPP change, then patient B merged into A */
    assert_int_equal(hl7s_patient_change_ipp(c, pa, "RM-1B"), STORE_OK);
    assert_in_sync("IPP change", 3);
    assert_string_equal(entry(s1, "ipp", v, sizeof v), "RM-1B");
    assert_int_equal(hl7s_patient_merge(c, pb, pa), STORE_OK);
    assert_in_sync("merge", 3);
    assert_string_equal(entry(s3, "birth_name", v, sizeof v), "Moreau-Lenoir");
    assert_string_equal(entry(s3, "ipp", v, sizeof v), "RM-1B");

    /* a rolled-back write leaves the read model as it was */
    assert_int_equal(store_begin(c), STORE_OK);
    update("identities", identity_of(pa), json_pack("{s:s}", "birth_name", "Annulé"));
    assert_string_equal(entry(s1, "birth_name", v, sizeof v), "Annulé");
    store_rollback(c);
    assert_in_sync("rollback", 3);
    assert_string_equal(entry(s1, "birth_name", v, sizeof v), "Moreau-Lenoir");

    /* direct SQL: an identity removed, then a step removed */
    exec("DELETE FROM identity_history WHERE identity_id = ?", identity_of(pb));
    exec("DELETE FROM identity_event WHERE identity_id = ?", identity_of(pb));
    exec("DELETE FROM identity WHERE id = ?", identity_of(pb));
    exec("DELETE FROM appointment WHERE step_id = ?", s2);
    exec("DELETE FROM scheduled_step WHERE id = ?", s2);
    assert_in_sync("deletes", 2);

    /* and the worklist reads it: the station's arrived and in-progress steps */
    const char *const statuses[] = {"arrived", "in_progress", NULL};
    store_mwl_filter f = {.ae_title = "DX1", .statuses = statuses};
    store_mwl_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(store_mwl_page(c, &f, &rows, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].step_id, s1);
    assert_string_equal(rows[0].birth_name, "Moreau-Lenoir");
    assert_string_equal(rows[0].accession_number, "ACC-RM-9");
    /* exam and requester are joined at read time: their edits show at once */
    assert_string_equal(rows[0].exam_label, "Radiographie du thorax de face");
    assert_string_equal(rows[0].requester_last_name, "Lemoine-Petit");
    free(rows);
    store_worklist_query wq = {.ae_title = "DX1", .statuses = statuses};
    store_worklist_item *items = NULL;
    assert_int_equal(store_worklist(c, &wq, &items, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].exam_label, "Radiographie du thorax de face");
    assert_string_equal(items[0].loinc_code, "30745-4");
    assert_string_equal(items[0].requester_last_name, "Lemoine-Petit");
    assert_string_equal(items[0].requester_rpps, "10002314572");
    free(items);
}

/* Every column mwl_source copies, changed in direct SQL (as a script or a future writer
 * would): the trigger of its table must re-copy the steps it feeds. (Exam and requester
 * columns are joined by the readers, not copied: test_read_model_follows_every_write.) */
static void test_every_copied_column(void **state)
{
    (void)state;
    int64_t n = count("SELECT COUNT(*) FROM mwl_entry") + 2; /* the tests share one database */
    int64_t exam = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:i}", "ccam_code", "ZCQM001", "label",
                                                            "Échographie abdominale", "modality_type", "US",
                                                            "duration_minutes", 20));
    int64_t exam2 = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:i}", "ccam_code", "ZCQM002", "label",
                                                             "Échographie pelvienne", "modality_type", "US",
                                                             "duration_minutes", 20));
    int64_t corr = insert_or_fail(c, "correspondents", json_pack("{s:s, s:s}", "rpps", "10003456789", "last_name",
                                                                 "Roux"));
    int64_t corr2 = insert_or_fail(c, "correspondents", json_pack("{s:s}", "last_name", "Blanc"));
    int64_t pa = make_patient(c, "COL-1", "Girard", "Anne", "1970-05-06", "F");
    int64_t pb = make_patient(c, "COL-2", "Perrin", "Paul", "1971-07-08", "M");
    int64_t pc = insert_or_fail(c, "patients", json_pack("{s:s}", "ipp", "COL-3")); /* no identity */
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I, s:I}", "patient_id", (json_int_t)pa, "requester_id",
                                                          (json_int_t)corr));
    int64_t order2 = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)pb));
    int64_t proc = insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id",
                                                             (json_int_t)exam));
    int64_t proc2 = insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)order2, "exam_id",
                                                              (json_int_t)exam));
    int64_t step = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc,
                                                        "ae_title", "US1", "modality_type", "US", "start_at",
                                                        "2026-12-01T08:00:00Z"));
    insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc2, "ae_title", "US1",
                                         "modality_type", "US", "start_at", "2026-12-01T09:00:00Z"));
    assert_in_sync("setup", n);
    int64_t ida = identity_of(pa);
    const struct {
        const char *sql;
        int64_t id;
    } writes[] = {
        {"UPDATE scheduled_step SET start_at = '2026-12-02T10:00:00Z' WHERE id = ?", step},
        {"UPDATE scheduled_step SET status = 'arrived' WHERE id = ?", step},
        {"UPDATE scheduled_step SET sps_id = 'SCOL0001' WHERE id = ?", step},
        {"UPDATE scheduled_step SET ae_title = 'US2' WHERE id = ?", step},
        {"UPDATE scheduled_step SET modality_type = 'DX' WHERE id = ?", step},
        {"UPDATE scheduled_step SET performing_physician = 'MARTIN^Luc' WHERE id = ?", step},
        {"UPDATE requested_procedure SET accession_number = 'ACC-COL-9' WHERE id = ?", proc},
        {"UPDATE requested_procedure SET study_instance_uid = '1.2.250.1.999.9.9' WHERE id = ?", proc},
        {"UPDATE requested_procedure SET exam_id = ? WHERE id = %lld", exam2},
        {"UPDATE imaging_order SET placer_number = 'PL-COL' WHERE id = ?", order},
        {"UPDATE imaging_order SET filler_number = 'FI-COL' WHERE id = ?", order},
        {"UPDATE imaging_order SET priority = 'stat' WHERE id = ?", order},
        {"UPDATE imaging_order SET reason = 'Douleurs' WHERE id = ?", order},
        {"UPDATE imaging_order SET requester_id = ? WHERE id = %lld", corr2},
        {"UPDATE imaging_order SET requester_id = NULL WHERE id = ?", order},
        {"UPDATE patient SET ipp = 'COL-1B' WHERE id = ?", pa},
        {"UPDATE identity SET birth_name = 'Girard-Roy', birth_name_key = 'GIRARD ROY' WHERE id = ?", ida},
        {"UPDATE identity SET used_name = 'Roy', used_name_key = 'ROY' WHERE id = ?", ida},
        {"UPDATE identity SET first_given_name = 'Annie', given_names = 'Annie Marie' WHERE id = ?", ida},
        {"UPDATE identity SET birth_date = '1970-05-07', sex = 'I' WHERE id = ?", ida},
        {"UPDATE identity SET ins_matricule = '270059912345678', ins_oid = '1.2.250.1.213.1.4.8' WHERE id = ?", ida},
        {"UPDATE identity SET rniv_status = 'qualifiee' WHERE id = ?", ida},
        {"UPDATE identity SET douteuse = 1, fictive = 1 WHERE id = ?", ida},
        {"UPDATE imaging_order SET requester_id = ? WHERE id = %lld", corr},
        {"UPDATE scheduled_step SET procedure_id = ? WHERE id = %lld", proc2},
        {"UPDATE requested_procedure SET order_id = ? WHERE id = %lld", order},
        {"UPDATE imaging_order SET patient_id = ? WHERE id = %lld", pb},
        /* the identity of A moves to the patient without one, C, whose order it then names */
        {"UPDATE imaging_order SET patient_id = ? WHERE id = %lld", pc},
        {"UPDATE identity SET patient_id = ? WHERE id = %lld", pc},
        {"UPDATE scheduled_step SET id = 900001 WHERE id = ?", step},
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        /* "%lld" rows: the parameter is the new value and the row id is in the text */
        char sql[256];
        const char *fmt = writes[i].sql;
        if (strstr(fmt, "%lld")) {
            int64_t row = strstr(fmt, "requested_procedure SET exam_id") ? proc
                          : strstr(fmt, "scheduled_step SET procedure_id") ? step
                          : strstr(fmt, "requested_procedure SET order_id") ? proc2
                          : strstr(fmt, "identity SET patient_id") ? ida
                                                                     : order;
            snprintf(sql, sizeof sql, fmt, (long long)row);
        } else {
            snprintf(sql, sizeof sql, "%s", fmt);
        }
        exec(sql, writes[i].id);
        assert_in_sync(sql, n);
    }
    char v[128];
    assert_string_equal(entry(900001, "birth_name", v, sizeof v), "Girard-Roy");
    assert_string_equal(entry(900001, "ipp", v, sizeof v), "COL-3");
}

/* An exam, a patient with its identity, an order, a procedure and one booked step at `start`
 * on station `ae`; returns the step id, the patient's in *patient, the procedure's in *proc. */
typedef struct {
    const char *ccam, *label, *modality, *ipp, *name, *first, *ae, *start;
} one_step_spec;

static int64_t one_step(const one_step_spec *o, int64_t *patient, int64_t *proc, int64_t *order)
{
    int64_t exam = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:i}", "ccam_code", o->ccam, "label",
                                                            o->label, "modality_type", o->modality,
                                                            "duration_minutes", 15));
    *patient = make_patient(c, o->ipp, o->name, o->first, "1990-01-01", "F");
    *order = insert_or_fail(c, "orders", json_pack("{s:I}", "patient_id", (json_int_t)*patient));
    *proc = insert_or_fail(c, "procedures", json_pack("{s:I, s:I}", "order_id", (json_int_t)*order, "exam_id",
                                                      (json_int_t)exam));
    return insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)*proc, "ae_title",
                                                o->ae, "modality_type", o->modality, "start_at", o->start));
}

/* Identity removed while its patient still has steps: the entries lose the traits. */
static void test_identity_delete_with_steps(void **state)
{
    (void)state;
    int64_t pa, proc, order;
    one_step_spec spec = {"ZBQK003", "Radiographie du bassin", "DX", "DEL-1", "Lambert", "Noé", "DX1",
                          "2026-12-03T08:00:00Z"};
    int64_t step = one_step(&spec, &pa, &proc, &order);
    int64_t before = count("SELECT COUNT(*) FROM mwl_entry");
    exec("DELETE FROM identity_event WHERE identity_id = ?", identity_of(pa));
    exec("DELETE FROM identity WHERE patient_id = ?", pa);
    assert_in_sync("identity delete", before);
    char v[128];
    assert_string_equal(entry(step, "birth_name", v, sizeof v), "");
    assert_string_equal(entry(step, "ipp", v, sizeof v), "DEL-1");
}

/* SQLite: an outer statement's conflict clause (OR IGNORE, OR FAIL) overrides the one of the
 * statements its triggers run; the triggers must still re-copy the entry (they use no
 * conflict-prone statement). PostgreSQL has no such clause. */
static void test_sqlite_conflict_clauses(void **state)
{
    (void)state;
    if (strcmp(g_backend.backend, "sqlite") != 0) return;
    int64_t pa, proc, order;
    one_step_spec spec = {"NZQN001", "IRM du genou", "MR", "OR-1", "Barbier", "Eva", "MR1", "2026-12-05T08:00:00Z"};
    int64_t step = one_step(&spec, &pa, &proc, &order);
    int64_t n = count("SELECT COUNT(*) FROM mwl_entry");
    exec("UPDATE OR IGNORE identity SET birth_name = 'Barbier-Roux' WHERE patient_id = ?", pa);
    exec("UPDATE OR FAIL scheduled_step SET status = 'arrived' WHERE id = ?", step);
    exec("UPDATE OR REPLACE scheduled_step SET ae_title = 'MR2' WHERE id = ?", step);
    assert_in_sync("outer conflict clauses", n);
    /* a REPLACE that removes another row: that step's entry goes with it */
    int64_t other = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc,
                                                         "ae_title", "MR1", "modality_type", "MR", "start_at",
                                                         "2026-12-05T09:00:00Z", "sps_id", "SOR-OTHER"));
    assert_in_sync("second step", n + 1);
    exec("UPDATE OR REPLACE scheduled_step SET sps_id = 'SOR-OTHER' WHERE id = ?", step);
    assert_int_equal(count("SELECT COUNT(*) FROM scheduled_step WHERE sps_id = 'SOR-OTHER'"), 1);
    assert_in_sync("a REPLACE removing another step", n);
    (void)other;
    char v[128];
    assert_string_equal(entry(step, "birth_name", v, sizeof v), "Barbier-Roux");
    assert_string_equal(entry(step, "status", v, sizeof v), "arrived");
}

/* Two connections: one holds an uncommitted change of a step (or an identity) while the other
 * writes another source row of the same entry. Once both have committed, the entry must hold
 * both changes: on PostgreSQL the second re-copy must not write its older snapshot over the
 * first one's (mwl_lock); on SQLite the second writer waits for the first. */
typedef struct {
    store_conn_t *conn;
    int64_t patient;
    int64_t procedure;
    store_status result;
    int64_t step, order;
} second_writer;

static void *change_ipp(void *arg)
{
    second_writer *w = arg;
    w->result = hl7s_patient_change_ipp(w->conn, w->patient, "CONC-1B");
    return NULL;
}

static void *add_step_for(void *arg)
{
    second_writer *w = arg;
    int64_t id = 0;
    json_t *step = json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)w->procedure, "ae_title", "CT1",
                             "modality_type", "CT", "start_at", "2026-12-04T11:00:00Z");
    w->result = store_resource_insert(w->conn, model_resource_find("steps"), step, &id);
    json_decref(step);
    return NULL;
}

/* A transaction editing the step, then its order (priority): the opposite order of the first
 * writer of the third case below. */
static void *edit_step_then_order(void *arg)
{
    second_writer *w = arg;
    db_param ps[] = {db_int(w->step)}, po[] = {db_int(w->order)};
    w->result = store_begin(w->conn);
    if (w->result == STORE_OK)
        w->result = db_exec(w->conn, "UPDATE scheduled_step SET performing_physician = 'NUIT^Jo' WHERE id = ?", ps, 1,
                            NULL, NULL);
    if (w->result == STORE_OK)
        w->result = db_exec(w->conn, "UPDATE imaging_order SET priority = 'urgent' WHERE id = ?", po, 1, NULL, NULL);
    if (w->result == STORE_OK) w->result = store_commit(w->conn);
    else store_rollback(w->conn);
    return NULL;
}

/* first: BEGIN, sql (id), then while the second writer runs: then_sql (then_id) when given,
 * COMMIT. */
static void concurrently(store_conn_t *first, const char *sql, int64_t id, second_writer *w, void *(*fn)(void *),
                         const char *then_sql, int64_t then_id)
{
    assert_int_equal(store_begin(first), STORE_OK);
    db_param p[] = {db_int(id)};
    assert_int_equal(db_exec(first, sql, p, 1, NULL, NULL), STORE_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fn, w), 0);
    struct timespec pause = {0, 300 * 1000 * 1000}; /* the second writer is waiting by then */
    nanosleep(&pause, NULL);
    if (then_sql) {
        db_param q[] = {db_int(then_id)};
        store_status s = db_exec(first, then_sql, q, 1, NULL, NULL);
        if (s != STORE_OK) fail_msg("first writer, second statement: %s", store_last_error(first));
    }
    assert_int_equal(store_commit(first), STORE_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
    if (w->result != STORE_OK) fail_msg("second writer: %s", store_last_error(w->conn));
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    store_t *st2 = open_test_store(2);
    store_conn_t *c1 = store_acquire(st2), *c2 = store_acquire(st2);
    assert_non_null(c1);
    assert_non_null(c2);
    int64_t pa, proc, order;
    one_step_spec spec = {"ACQK004", "Scanner du crâne", "CT", "CONC-1", "Fontaine", "Iris", "CT1",
                          "2026-12-04T08:00:00Z"};
    int64_t step = one_step(&spec, &pa, &proc, &order);
    int64_t n = count("SELECT COUNT(*) FROM mwl_entry");
    char v[128];

    /* a step cancelled (uncommitted) while the patient's IPP changes */
    second_writer w = {c2, pa, proc, STORE_ERROR, 0, 0};
    concurrently(c1, "UPDATE scheduled_step SET status = 'cancelled' WHERE id = ?", step, &w, change_ipp, NULL, 0);
    assert_in_sync("status change beside an IPP change", n);
    assert_string_equal(entry(step, "status", v, sizeof v), "cancelled");
    assert_string_equal(entry(step, "ipp", v, sizeof v), "CONC-1B");

    /* a birth name changed (uncommitted) while a step is booked for the patient */
    second_writer w2 = {c2, pa, proc, STORE_ERROR, 0, 0};
    concurrently(c1, "UPDATE identity SET birth_name = 'Fontaine-Leroy', birth_name_key = 'FONTAINE LEROY' "
                     "WHERE patient_id = ?", pa, &w2, add_step_for, NULL, 0);
    assert_in_sync("rename beside a new step", n + 1);
    assert_int_equal(count("SELECT COUNT(*) FROM mwl_entry WHERE patient_name_key = 'FONTAINE LEROY'"), 2);

    /* the order's status (a column the entry does not copy), then the step, against the step
     * then the order's priority: each waits for the other's first row unless the order
     * status statement already took the lock (PostgreSQL would fail one with a deadlock) */
    second_writer w3 = {c2, pa, proc, STORE_ERROR, step, order};
    concurrently(c1, "UPDATE imaging_order SET status = 'in_progress' WHERE id = ?", order, &w3, edit_step_then_order,
                 "UPDATE scheduled_step SET performing_physician = 'JOUR^Al' WHERE id = ?", step);
    assert_in_sync("order then step beside step then order", n + 1);
    assert_string_equal(entry(step, "performing_physician", v, sizeof v), "NUIT^Jo");
    assert_string_equal(entry(step, "priority", v, sizeof v), "urgent");

    store_release(st2, c1);
    store_release(st2, c2);
    store_close(st2);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_model_follows_every_write),
        cmocka_unit_test(test_every_copied_column),
        cmocka_unit_test(test_identity_delete_with_steps),
        cmocka_unit_test(test_sqlite_conflict_clauses),
        cmocka_unit_test(test_concurrent_writers),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
