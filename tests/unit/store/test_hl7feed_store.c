/* Store side of the HL7 integration on SQLite and PostgreSQL: destinations (CRUD, the row kept
 * in step with the configuration, subscriptions), the delivery view of outbound HL7 jobs
 * (filters, paging, totals), the inbox views, store_inbox_find (shared with hl7s_inbox_find)
 * and the CDA document read by the report transmission. */
#include <pthread.h>
#include <time.h>

#include "store/hl7feed_store.h"
#include "store/hl7feed_store_internal.h"
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

TEST_STORE_ONE_CONNECTION(2)

static hl7s_destination dest(const char *name, const char *host, int port, const char *flavour)
{
    hl7s_destination d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "%s", name);
    snprintf(d.host, sizeof d.host, "%s", host);
    d.port = port;
    snprintf(d.flavour, sizeof d.flavour, "%s", flavour);
    snprintf(d.charset, sizeof d.charset, "UNICODE UTF-8");
    snprintf(d.report_flavour, sizeof d.report_flavour, "oru");
    snprintf(d.receiving_application, sizeof d.receiving_application, "PACS");
    d.send_orders = d.send_patients = d.enabled = true;
    return d;
}

static size_t count_list(hl7s_subscription sub, bool enabled_only, hl7s_destination *first)
{
    hl7s_destination *all = NULL;
    size_t n = 99;
    assert_int_equal(hl7s_destination_list(c, sub, enabled_only, &all, &n), STORE_OK);
    if (n && first) *first = all[0];
    free(all);
    return n;
}

static void test_destinations(void **state)
{
    (void)state;
    hl7s_destination a = dest("pacs-a", "pacs.example", 2575, "omi"), b = dest("ris-b", "10.0.0.2", 3000, "orm");
    b.send_patients = false;
    b.send_reports = true;
    snprintf(b.report_flavour, sizeof b.report_flavour, "mdm");
    snprintf(b.charset, sizeof b.charset, "8859/15");
    int64_t ida = 0, idb = 0, dup = 0;
    assert_int_equal(hl7s_destination_insert(c, &a, &ida), STORE_OK);
    assert_int_equal(hl7s_destination_insert(c, &b, &idb), STORE_OK);
    assert_true(ida > 0 && idb > ida);
    assert_int_equal(hl7s_destination_insert(c, &a, &dup), STORE_CONFLICT); /* same name */
    hl7s_destination bad = dest("bad", "h", 0, "omi");
    assert_int_not_equal(hl7s_destination_insert(c, &bad, &dup), STORE_OK); /* port out of range */
    bad = dest("bad", "h", 1, "xyz");
    assert_int_not_equal(hl7s_destination_insert(c, &bad, &dup), STORE_OK); /* unknown flavour */

    hl7s_destination got;
    assert_int_equal(hl7s_destination_get(c, idb, &got), STORE_OK);
    assert_string_equal(got.name, "ris-b");
    assert_string_equal(got.source, "api");
    assert_string_equal(got.host, "10.0.0.2");
    assert_int_equal(got.port, 3000);
    assert_string_equal(got.flavour, "orm");
    assert_string_equal(got.charset, "8859/15");
    assert_string_equal(got.report_flavour, "mdm");
    assert_true(got.send_orders && !got.send_patients && got.send_reports && got.enabled && !got.tls);
    assert_true(got.created_at[0] && got.updated_at[0]);
    assert_int_equal(hl7s_destination_get(c, idb + 100, &got), STORE_NOT_FOUND);

    /* subscriptions and the enabled filter */
    assert_int_equal(count_list(HL7S_ANY, false, NULL), 2);
    assert_int_equal(count_list(HL7S_PATIENTS, true, &got), 1);
    assert_int_equal(got.id, ida);
    assert_int_equal(count_list(HL7S_REPORTS, true, &got), 1);
    assert_int_equal(got.id, idb);
    a.id = ida;
    a.enabled = false;
    a.port = 2576;
    assert_int_equal(hl7s_destination_update(c, &a), STORE_OK);
    assert_int_equal(count_list(HL7S_ORDERS, true, &got), 1);
    assert_int_equal(got.id, idb);
    assert_int_equal(count_list(HL7S_ORDERS, false, NULL), 2);
    assert_int_equal(hl7s_destination_get(c, ida, &got), STORE_OK);
    assert_int_equal(got.port, 2576);
    assert_false(got.enabled);
    b.id = idb;
    snprintf(b.name, sizeof b.name, "pacs-a");
    assert_int_equal(hl7s_destination_update(c, &b), STORE_CONFLICT);
    a.id = idb + 100;
    assert_int_equal(hl7s_destination_update(c, &a), STORE_NOT_FOUND);

    /* the JSON shape of the API */
    json_t *j = hl7s_destination_json(&got);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), ida);
    assert_string_equal(json_string_value(json_object_get(j, "source")), "api");
    assert_true(json_is_false(json_object_get(j, "enabled")));
    assert_true(json_is_true(json_object_get(j, "send_orders")));
    assert_int_equal(json_object_size(j), 17);
    json_decref(j);

    /* the destination of the configuration: inserted, then updated in place, then removed */
    hl7s_destination cfg = dest("pacs", "127.0.0.1", 2575, "omi");
    int64_t idc = 0, idc2 = 0;
    assert_int_equal(hl7s_destination_sync_config(c, &cfg, &idc), STORE_OK);
    assert_true(idc > idb);
    assert_int_equal(hl7s_destination_get(c, idc, &got), STORE_OK);
    assert_string_equal(got.source, "config");
    snprintf(cfg.host, sizeof cfg.host, "pacs.local");
    assert_int_equal(hl7s_destination_sync_config(c, &cfg, &idc2), STORE_OK);
    assert_int_equal(idc2, idc);
    assert_int_equal(hl7s_destination_get(c, idc, &got), STORE_OK);
    assert_string_equal(got.host, "pacs.local");
    assert_int_equal(count_list(HL7S_ANY, false, NULL), 3);
    assert_int_equal(hl7s_destination_sync_config(c, NULL, &idc2), STORE_OK);
    assert_int_equal(idc2, 0);
    assert_int_equal(hl7s_destination_get(c, idc, &got), STORE_NOT_FOUND);
    /* inside a caller's transaction, rolled back with it */
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(hl7s_destination_sync_config(c, &cfg, &idc2), STORE_OK);
    store_rollback(c);
    assert_int_equal(count_list(HL7S_ANY, false, NULL), 2);

    assert_int_equal(hl7s_destination_delete(c, idb), STORE_OK);
    assert_int_equal(hl7s_destination_delete(c, idb), STORE_NOT_FOUND);
    assert_int_equal(count_list(HL7S_ANY, false, NULL), 1);
}

static int64_t job(const char *kind, const char *dedup, int64_t dest_id, const char *type, const char *ctl)
{
    int64_t id = 0;
    assert_int_equal(store_outbox_enqueue(c, kind, "{}", dedup, 1000, &id), STORE_OK);
    if (type && hl7s_outbound_link(c, id, dest_id, type, ctl) != STORE_OK) fail_msg("link: %s", store_last_error(c));
    return id;
}

static json_t *outbox(const char *state, int64_t dest_id, int64_t limit, int64_t offset, int64_t *total)
{
    json_t *items = NULL;
    store_status s = hl7s_outbox_list(c, state, dest_id, limit, offset, &items, total);
    if (s != STORE_OK) fail_msg("outbox list: %s", store_last_error(c));
    return items;
}

static void test_outbound(void **state)
{
    (void)state;
    hl7s_destination a = dest("out-a", "h", 1, "omi"), b = dest("out-b", "h", 2, "orm");
    int64_t ida, idb;
    assert_int_equal(hl7s_destination_insert(c, &a, &ida), STORE_OK);
    assert_int_equal(hl7s_destination_insert(c, &b, &idb), STORE_OK);
    int64_t j1 = job("hl7", NULL, ida, "OMI^O23", "C1");
    int64_t j2 = job("hl7", "report-hl7:7:2", idb, "MDM^T02", "C2");
    int64_t j3 = job("report-hl7", NULL, 0, NULL, NULL);
    job("dmp", NULL, 0, NULL, NULL); /* not an HL7 job */
    assert_int_equal(store_outbox_record(c, j1, "done", 0, NULL), STORE_OK);
    assert_int_equal(store_outbox_record(c, j2, "retry", 99000, "Destination injoignable"), STORE_OK);

    int64_t total = 0;
    json_t *items = outbox(NULL, 0, 10, 0, &total);
    assert_int_equal(total, 3);
    assert_int_equal(json_array_size(items), 3);
    json_t *first = json_array_get(items, 0); /* newest first: the report-hl7 job */
    assert_int_equal(json_integer_value(json_object_get(first, "id")), j3);
    assert_string_equal(json_string_value(json_object_get(first, "kind")), "report-hl7");
    assert_true(json_is_null(json_object_get(first, "destination")));
    json_t *second = json_array_get(items, 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(second, "destination"), "id")), idb);
    assert_string_equal(json_string_value(json_object_get(json_object_get(second, "destination"), "name")), "out-b");
    assert_string_equal(json_string_value(json_object_get(second, "message_type")), "MDM^T02");
    assert_string_equal(json_string_value(json_object_get(second, "control_id")), "C2");
    assert_string_equal(json_string_value(json_object_get(second, "state")), "pending");
    assert_int_equal(json_integer_value(json_object_get(second, "attempts")), 1);
    assert_string_equal(json_string_value(json_object_get(second, "last_error")), "Destination injoignable");
    assert_true(json_is_string(json_object_get(second, "next_attempt_at")));
    json_t *third = json_array_get(items, 2);
    assert_string_equal(json_string_value(json_object_get(third, "state")), "done");
    assert_true(json_is_null(json_object_get(third, "next_attempt_at"))); /* nothing left to attempt */
    json_decref(items);

    items = outbox(NULL, ida, 10, 0, &total);
    assert_int_equal(total, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), j1);
    json_decref(items);
    items = outbox("pending", 0, 10, 0, &total);
    assert_int_equal(total, 2);
    json_decref(items);
    items = outbox("done", idb, 10, 0, &total);
    assert_int_equal(total, 0);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    items = outbox(NULL, 0, 1, 1, &total); /* paging: total ignores it */
    assert_int_equal(total, 3);
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), j2);
    json_decref(items);
    assert_int_equal(hl7s_outbox_list(c, NULL, 0, 0, 0, &items, &total), STORE_INVALID);
    assert_int_equal(hl7s_outbox_list(c, NULL, 0, 10, -1, &items, &total), STORE_INVALID);

    int64_t n = 0;
    assert_int_equal(hl7s_outbox_count_prefix(c, "report-hl7:7:", &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hl7s_outbox_count_prefix(c, "report-hl7:70:", &n), STORE_OK);
    assert_int_equal(n, 0);
    /* a deleted destination leaves its jobs, without a name */
    assert_int_equal(hl7s_destination_delete(c, idb), STORE_OK);
    items = outbox(NULL, idb, 10, 0, &total);
    assert_int_equal(total, 1);
    assert_true(json_is_null(json_object_get(json_object_get(json_array_get(items, 0), "destination"), "name")));
    json_decref(items);
}

static void test_inbox(void **state)
{
    (void)state;
    int64_t i1, i2, i3, found = 0;
    assert_int_equal(store_inbox_insert(c, "hl7:HIS/H", "X1",
                                        "MSH|^~\\&|HIS|H|COULOIR|C|20260101||ADT^A28^ADT_A05|X1|P|2.5\rPID|1", &i1),
                     STORE_OK);
    assert_int_equal(store_inbox_insert(c, "hl7:HIS/H", "X2", "MSH#$~\\&#HIS#H#C#C#2026##ORM$O01#X2#P#2.3.1\r", &i2),
                     STORE_OK);
    assert_int_equal(store_inbox_insert(c, "hl7:peer", NULL, "base64:AAEC", &i3), STORE_OK);
    assert_int_equal(store_inbox_finish(c, i1, "processed", "AA;0;;"), STORE_OK);
    assert_int_equal(store_inbox_finish(c, i2, "failed", "AE;103;OBR[1]-4;Examen inconnu"), STORE_OK);

    /* the generic lookup and the HL7 one read the same row */
    char state_[16], outcome[64];
    assert_int_equal(store_inbox_find(c, "hl7:HIS/H", "X2", &found, state_, sizeof state_), STORE_OK);
    assert_int_equal(found, i2);
    assert_string_equal(state_, "failed");
    assert_int_equal(hl7s_inbox_find(c, "hl7:HIS/H", "X2", &found, state_, sizeof state_, outcome, sizeof outcome),
                     STORE_OK);
    assert_string_equal(outcome, "AE;103;OBR[1]-4;Examen inconnu");
    assert_int_equal(store_inbox_find(c, "hl7:HIS/H", "X9", &found, state_, sizeof state_), STORE_NOT_FOUND);
    assert_int_equal(store_inbox_find(c, NULL, "X9", &found, state_, sizeof state_), STORE_INVALID);

    json_t *items = NULL;
    int64_t total = 0;
    assert_int_equal(hl7s_inbox_list(c, NULL, 10, 0, &items, &total), STORE_OK);
    assert_int_equal(total, 3);
    assert_int_equal(json_array_size(items), 3);
    json_t *m2 = json_array_get(items, 1), *m3 = json_array_get(items, 0), *m1 = json_array_get(items, 2);
    assert_string_equal(json_string_value(json_object_get(m1, "message_type")), "ADT^A28");
    assert_string_equal(json_string_value(json_object_get(m2, "message_type")), "ORM^O01"); /* own separators */
    assert_string_equal(json_string_value(json_object_get(m3, "message_type")), "");
    assert_null(json_object_get(m1, "raw"));
    assert_null(json_object_get(m1, "head"));
    assert_string_equal(json_string_value(json_object_get(m2, "state")), "failed");
    json_decref(items);
    assert_int_equal(hl7s_inbox_list(c, "failed", 10, 0, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), i2);
    json_decref(items);
    assert_int_equal(hl7s_inbox_list(c, NULL, 1, 2, &items, &total), STORE_OK);
    assert_int_equal(total, 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), i1);
    json_decref(items);

    json_t *one = NULL;
    assert_int_equal(hl7s_inbox_get_json(c, i1, &one), STORE_OK);
    assert_non_null(strstr(json_string_value(json_object_get(one, "raw")), "PID|1"));
    assert_string_equal(json_string_value(json_object_get(one, "control_id")), "X1");
    assert_string_equal(json_string_value(json_object_get(one, "message_type")), "ADT^A28");
    json_decref(one);
    assert_int_equal(hl7s_inbox_get_json(c, i3 + 10, &one), STORE_NOT_FOUND);
}

/* A second reprocessing of the same message, on its own connection: claims it in a transaction. */
typedef struct {
    int64_t id;
    store_status status;
    bool done;
    pthread_mutex_t mu;
} claim_arg;

static void *claimer(void *p)
{
    claim_arg *a = p;
    store_conn_t *own = store_acquire(st);
    store_status s = own ? store_begin(own) : STORE_BUSY;
    if (s == STORE_OK) s = hl7s_inbox_claim(own, a->id);
    if (own) {
        store_rollback(own);
        store_release(st, own);
    }
    pthread_mutex_lock(&a->mu);
    a->status = s;
    a->done = true;
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Reprocessing (review R7): the claim is atomic, and a correction keeps the text as received. */
static void test_inbox_reprocess(void **state)
{
    (void)state;
    int64_t id;
    assert_int_equal(store_inbox_insert(c, "hl7:HIS/H", "R1", "MSH|^~\\&|HIS|H|C|C|2026||ADT^A28|R1|P|2.5\rPID|1\r",
                                        &id),
                     STORE_OK);
    assert_int_equal(store_inbox_finish(c, id, "failed", "AE;101;PID-8;Sexe absent"), STORE_OK);
    assert_int_equal(hl7s_inbox_claim(c, id + 1000), STORE_NOT_FOUND);

    json_t *one = NULL;
    assert_int_equal(hl7s_inbox_get_json(c, id, &one), STORE_OK);
    assert_true(json_is_null(json_object_get(one, "original_raw"))); /* never corrected */
    json_decref(one);
    assert_int_equal(hl7s_inbox_set_raw(c, id, "MSH|corrected once"), STORE_OK);
    assert_int_equal(hl7s_inbox_set_raw(c, id, "MSH|corrected twice"), STORE_OK);
    assert_int_equal(hl7s_inbox_get_json(c, id, &one), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(one, "raw")), "MSH|corrected twice");
    assert_non_null(strstr(json_string_value(json_object_get(one, "original_raw")), "ADT^A28|R1"));
    json_decref(one);

    /* first reprocessing holds the claim; a concurrent one waits, then sees "processed" */
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(hl7s_inbox_claim(c, id), STORE_OK);
    claim_arg a = {id, STORE_ERROR, false, PTHREAD_MUTEX_INITIALIZER};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, claimer, &a), 0);
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    pthread_mutex_lock(&a.mu);
    bool early = a.done;
    pthread_mutex_unlock(&a.mu);
    assert_int_equal(store_inbox_finish(c, id, "processed", "AA"), STORE_OK);
    assert_int_equal(store_commit(c), STORE_OK);
    pthread_join(th, NULL);
    assert_false(early); /* it waited for the first one */
    assert_int_equal(a.status, STORE_CONFLICT);
    assert_int_equal(hl7s_inbox_claim(c, id), STORE_CONFLICT);
}

static void exec_sql(const char *sql, const db_param *p, size_t np)
{
    if (db_exec(c, sql, p, np, NULL, NULL) != STORE_OK) fail_msg("%s: %s", sql, store_last_error(c));
}

static void test_report_document(void **state)
{
    (void)state;
    int64_t pid = make_patient(c, "IPP-R1", "DURAND", "ALICE", "1975-04-02", "F");
    int64_t exam = insert_or_fail(c, "catalogue", json_pack("{s:s,s:s,s:s,s:i}", "ccam_code", "ACQK001", "label",
                                                            "Scanner", "modality_type", "CT", "duration_minutes", 15));
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I,s:s}", "patient_id", (json_int_t)pid,
                                                          "placer_number", "PL-77"));
    int64_t proc = insert_or_fail(c, "procedures", json_pack("{s:I,s:I,s:s}", "order_id", (json_int_t)order, "exam_id",
                                                             (json_int_t)exam, "accession_number", "ACC77"));
    store_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.login, sizeof u.login, "drmartin");
    snprintf(u.display_name, sizeof u.display_name, "Dr Paul MARTIN");
    snprintf(u.rpps, sizeof u.rpps, "10101010101");
    u.roles = ROLE_RADIOLOGUE;
    u.active = true;
    int64_t uid = 0;
    assert_int_equal(store_user_create(c, &u, &uid), STORE_OK);
    db_param rp[] = {db_int(proc), db_int(pid), db_int(uid)};
    exec_sql("INSERT INTO report (procedure_id, patient_id, template, status, status_since, author_login, set_id, "
             "version, validator_user_id, validator_rpps, validated_at, sections, created_at, updated_at) VALUES "
             "(?, ?, '{}', 'corrige', 0, 'drmartin', '1.2.3.9', 2, ?, '10101010101', '2026-03-01T10:00:00+01:00', "
             "'{}', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z')",
             rp, 3);
    int64_t rid = 0;
    assert_int_equal(hl7s_count(c, "SELECT MAX(id) FROM report", NULL, 0, &rid), STORE_OK);
    static const char *const docs[][4] = {
        {"CDA-N1", "1.2.3.9.1", "1", "<ClinicalDocument>v1</ClinicalDocument>"},
        {"CDA-N1", "1.2.3.9.2", "2", "<ClinicalDocument>v2 é</ClinicalDocument>"},
        {"PDF", "1.2.3.9.2", "2", "JVBERi0="},
    };
    for (size_t i = 0; i < 3; i++) {
        db_param p[] = {db_int(pid), db_int(rid), db_text(docs[i][0]), db_text(docs[i][1]), db_text(docs[i][2]),
                        db_text(i == 2 ? "base64" : "utf-8"), db_text(docs[i][3])};
        exec_sql("INSERT INTO document (patient_id, report_id, kind, unique_id, set_id, version, mime_type, "
                 "content_encoding, content, size_bytes, created_at) VALUES (?, ?, ?, ?, '1.2.3.9', "
                 "CAST(? AS INTEGER), 'text/xml', ?, ?, 10, '2026-03-01T09:00:00Z')",
                 p, 7);
    }
    int64_t d2 = 0;
    assert_int_equal(hl7s_count(c, "SELECT id FROM document WHERE kind = 'CDA-N1' AND version = 2", NULL, 0, &d2),
                     STORE_OK);
    hl7s_report_document d;
    assert_int_equal(hl7s_report_document_get(c, d2, &d), STORE_OK);
    assert_int_equal(d.report_id, rid);
    assert_int_equal(d.patient_id, pid);
    assert_int_equal(d.procedure_id, proc);
    assert_string_equal(d.kind, "CDA-N1");
    assert_string_equal(d.unique_id, "1.2.3.9.2");
    assert_string_equal(d.replaces_id, "1.2.3.9.1"); /* the N1 of version 1 */
    assert_int_equal(d.version, 2);
    assert_string_equal(d.content, "<ClinicalDocument>v2 é</ClinicalDocument>");
    assert_int_equal(d.content_len, strlen(d.content));
    assert_string_equal(d.accession_number, "ACC77");
    assert_string_equal(d.placer_number, "PL-77");
    assert_string_equal(d.author_rpps, "10101010101");
    assert_string_equal(d.author_name, "Dr Paul MARTIN");
    hl7s_report_document_clear(&d);
    assert_int_equal(hl7s_report_document_get(c, d2 + 1, &d), STORE_INVALID); /* the base64 PDF */
    assert_int_equal(hl7s_report_document_get(c, d2 + 100, &d), STORE_NOT_FOUND);
}

static int run(const char *backend)
{
    printf("[%s]\n", backend);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_destinations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbox_reprocess, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_document, setup, teardown),
    };
    return cmocka_run_group_tests_name(backend, tests, NULL, NULL);
}

int main(void) { return test_run_backends(run); }
