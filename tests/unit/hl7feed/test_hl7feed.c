/* src/hl7feed without the network: helpers (outcome text, dates, sender lists, raw inbox
 * text), then hl7feed_ingest/hl7feed_reprocess on a SQLite store: storage, duplicates, AE/AR,
 * identity rules, orders -> procedures/steps, outbound jobs enqueued in the same transaction
 * and fanned out to every subscribed destination (flavour per destination), the "hl7" sender
 * (per-destination client, charset, disabled/deleted destinations) and the "report-hl7"
 * sender (CDA N1 document -> ORU/MDM jobs, idempotent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "hl7feed/hl7feed_internal.h"
#include "hl7feed/ingest.h"
#include "ins/ins.h"
#include "store/hl7feed_store_internal.h"
#include "store/report_store.h"

static void test_outcome_text(void **state)
{
    (void)state;
    hl7feed_outcome o, back;
    feed_outcome(&o, HL7_ACK_AE, 103, "OBR[2]-4", "Examen inconnu ; « X »");
    char enc[400];
    feed_outcome_encode(&o, enc, sizeof enc);
    assert_string_equal(enc, "AE;103;OBR[2]-4;Examen inconnu ; « X »");
    feed_outcome_decode(enc, &back);
    assert_int_equal(back.code, HL7_ACK_AE);
    assert_int_equal(back.error, 103);
    assert_string_equal(back.location, "OBR[2]-4");
    assert_string_equal(back.text, "Examen inconnu ; « X »");
    feed_outcome(&o, HL7_ACK_AA, 0, NULL, NULL);
    feed_outcome_encode(&o, enc, sizeof enc);
    assert_string_equal(enc, "AA");
    feed_outcome_decode("AR;203;MSH-12;Version", &back);
    assert_int_equal(back.code, HL7_ACK_AR);
    assert_int_equal(back.error, 203);
}

static void test_dates_and_senders(void **state)
{
    (void)state;
    char iso[32], dtm[20];
    assert_int_equal(feed_dtm_to_iso("202603201030", iso, sizeof iso), 0);
    assert_string_equal(iso, "2026-03-20T09:30:00Z"); /* Europe/Paris, winter time */
    assert_int_equal(feed_dtm_to_iso("20260720103005", iso, sizeof iso), 0);
    assert_string_equal(iso, "2026-07-20T08:30:05Z"); /* summer time */
    assert_int_equal(feed_dtm_to_iso("20260230", iso, sizeof iso), -1);
    assert_int_equal(feed_dtm_to_iso("2026", iso, sizeof iso), -1);
    assert_int_equal(feed_dtm_to_iso("20261301", iso, sizeof iso), -1);
    feed_iso_to_dtm("2026-03-20T09:30:00Z", dtm, sizeof dtm);
    assert_string_equal(dtm, "202603201030");
    assert_true(feed_sender_in("HIS, PFI/CHU", "HIS/HOPITAL"));
    assert_true(feed_sender_in("HIS, PFI/CHU", "PFI/CHU"));
    assert_false(feed_sender_in("HIS, PFI/CHU", "PFI/AUTRE"));
    assert_false(feed_sender_in("", "HIS/HOPITAL"));
    assert_false(feed_sender_in("HI", "HIS/X"));
}

static void test_raw_text(void **state)
{
    (void)state;
    const char latin1[] = "MSH|^~\\&|A|B\rPID|1||1||M\xe9lanie\r";
    char *enc = ingest_raw_encode(latin1, sizeof latin1 - 1);
    assert_non_null(enc);
    assert_memory_equal(enc, "base64:", 7);
    size_t len;
    char *dec = ingest_raw_decode(enc, &len);
    assert_int_equal(len, sizeof latin1 - 1);
    assert_memory_equal(dec, latin1, len);
    free(enc);
    free(dec);
    enc = ingest_raw_encode("MSH|é", strlen("MSH|é"));
    assert_string_equal(enc, "MSH|é");
    free(enc);
    /* text that looks like our prefix is encoded too, so that it decodes to itself */
    enc = ingest_raw_encode("base64:QUJD", 11);
    dec = ingest_raw_decode(enc, &len);
    assert_string_equal(dec, "base64:QUJD");
    free(enc);
    free(dec);
}

/* ------------------------------------------------------------------ with a store */
static const config_setting test_identity_settings[] = {
    {"identity", "ipp_oid", "1.2.250.1.999.1.1", "test", false},
    {"identity", "oid_root", "1.2.250.1.999.1", "test", false},
    {NULL, NULL, NULL, NULL, false},
};

typedef struct {
    char dir[64];
    store_t *st;
    config_t *cfg;
    hl7feed_t *f;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/hl7feed-unit-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    char url[128], err[512];
    snprintf(url, sizeof url, "sqlite:%s/t.db", fx->dir);
    store_options so = {.pool_size = 2, .oid_root = "1.2.250.1.999.1"};
    assert_int_equal(store_open_with(url, &so, &fx->st, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(fx->st, err, sizeof err), STORE_OK);
    const config_setting *const tables[] = {hl7_settings, hl7feed_settings, ins_settings, test_identity_settings};
    fx->cfg = config_new(tables, 4);
    assert_int_equal(config_set(fx->cfg, "hl7feed", "pacs_address", "127.0.0.1:1"), 0);
    assert_int_equal(config_set(fx->cfg, "hl7feed", "domain_senders", "DOMAINE"), 0);
    assert_int_equal(config_set(fx->cfg, "ins", "accepted_oids", INS_OID_NIR "," INS_OID_NIA "," INS_OID_TEST_NIR), 0);
    fx->f = hl7feed_new(fx->st, fx->cfg, err, sizeof err);
    assert_non_null(fx->f);
    store_conn_t *c = store_acquire(fx->st);
    json_t *exam = json_pack("{s:s,s:s,s:s,s:i}", "ccam_code", "ACQK001", "label", "Scanner du crâne", "modality_type",
                             "CT", "duration_minutes", 15);
    int64_t id;
    assert_int_equal(store_resource_insert(c, model_resource_find("catalogue"), exam, &id), STORE_OK);
    json_decref(exam);
    store_release(fx->st, c);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    hl7feed_free(fx->f);
    config_free(fx->cfg);
    store_close(fx->st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
    assert_int_equal(system(cmd), 0);
    free(fx);
    return 0;
}

static hl7_ack_code ingest(fixture *fx, const char *msg, hl7feed_outcome *o, buf_t *ack)
{
    buf_reset(ack);
    assert_int_equal(hl7feed_ingest(fx->f, "127.0.0.1:1", msg, strlen(msg), o, ack), STORE_OK);
    if (o->code != HL7_ACK_AA) fprintf(stderr, "outcome: %s %s\n", o->location, o->text);
    return o->code;
}

static int64_t count(fixture *fx, const char *resource, const char *field, const char *value)
{
    store_conn_t *c = store_acquire(fx->st);
    store_filter flt = {field, value};
    store_list_query q = {&flt, field ? 1 : 0, 0, 10};
    json_t *items;
    int64_t total = -1;
    assert_int_equal(store_resource_list(c, model_resource_find(resource), &q, &items, &total), STORE_OK);
    json_decref(items);
    store_release(fx->st, c);
    return total;
}

#define A28(ctl, ipp, extra_pid)                                                                              \
    "MSH|^~\\&|HIS|HOP|COULOIR|CAB|20260315101500||ADT^A28^ADT_A05|" ctl "|P|2.5|||||FRA|UNICODE UTF-8\r"    \
    "EVN||20260315101500\r"                                                                                  \
    "PID|1||" ipp "^^^HIS^PI" extra_pid "\rPV1|1|O\r"

static void test_ingest(void **state)
{
    fixture *fx = *state;
    hl7feed_outcome o;
    buf_t ack = BUF_INIT;
    assert_int_equal(ingest(fx, A28("C1", "P1", "||Lefèvre^Zoé^Zoé Anne^^^^L||19900105|F"), &o, &ack), HL7_ACK_AA);
    assert_non_null(strstr(buf_cstr(&ack), "MSA|AA|C1"));
    assert_int_equal(count(fx, "patients", "ipp", "P1"), 1);
    assert_int_equal(count(fx, "identities", "birth_date", "1990-01-05"), 1);
    /* ADT A08 to the PACS enqueued with the patient */
    store_conn_t *c = store_acquire(fx->st);
    json_t *jobs;
    assert_int_equal(hl7s_outbox_list(c, NULL, 0, 10, 0, &jobs, NULL), STORE_OK);
    assert_int_equal(json_array_size(jobs), 1);
    json_decref(jobs);
    store_release(fx->st, c);

    /* duplicate: AA again, no second inbox row, not processed again */
    assert_int_equal(ingest(fx, A28("C1", "P9", "||AUTRE^X^^^^^L||19900105|F"), &o, &ack), HL7_ACK_AA);
    assert_int_equal(count(fx, "patients", "ipp", "P9"), 0);

    /* no sex: AE located on PID-8; the message stays failed in the inbox */
    assert_int_equal(ingest(fx, A28("C2", "P2", "||MARTIN^LEA^^^^^L||19900105|"), &o, &ack), HL7_ACK_AE);
    assert_string_equal(o.location, "PID-8");
    assert_non_null(strstr(buf_cstr(&ack), "ERR|"));
    c = store_acquire(fx->st);
    int64_t id;
    char st[16], out[400];
    assert_int_equal(hl7s_inbox_find(c, "hl7:HIS/HOP", "C2", &id, st, sizeof st, out, sizeof out), STORE_OK);
    assert_string_equal(st, "failed");
    store_release(fx->st, c);
    /* corrected and reprocessed */
    assert_int_equal(hl7feed_reprocess(fx->f, id, A28("C2", "P2", "||MARTIN^LEA^^^^^L||19900105|F"), &o), STORE_OK);
    assert_int_equal(o.code, HL7_ACK_AA);
    assert_int_equal(count(fx, "patients", "ipp", "P2"), 1);
    /* the message as received is kept beside the correction (review R7) */
    c = store_acquire(fx->st);
    json_t *kept = NULL;
    assert_int_equal(hl7s_inbox_get_json(c, id, &kept), STORE_OK);
    store_release(fx->st, c);
    assert_non_null(strstr(json_string_value(json_object_get(kept, "original_raw")), "||19900105|\r"));
    assert_non_null(strstr(json_string_value(json_object_get(kept, "raw")), "||19900105|F"));
    json_decref(kept);
    assert_int_equal(hl7feed_reprocess(fx->f, id, NULL, &o), STORE_CONFLICT);
    assert_int_equal(hl7feed_reprocess(fx->f, 999999, NULL, &o), STORE_NOT_FOUND);

    /* unreadable: AR; unsupported event: AR */
    assert_int_equal(ingest(fx, "PID|1||x\r", &o, &ack), HL7_ACK_AR);
    assert_non_null(strstr(buf_cstr(&ack), "MSA|AR"));
    assert_int_equal(ingest(fx,
                            "MSH|^~\\&|HIS|HOP|||20260315||ADT^A99|C3|P|2.5\rPID|1||P3^^^HIS^PI||X^Y^^^^^L||19900101|M\r",
                            &o, &ack),
                     HL7_ACK_AR);
    assert_int_equal(o.error, HL7_ERR_UNSUPPORTED_EVENT);
    buf_free(&ack);
}

#define ORM(ctl, placer, control, code)                                                                         \
    "MSH|^~\\&|HIS|HOP|COULOIR|CAB|20260315101500||ORM^O01|" ctl "|P|2.3.1\r"                                  \
    "PID|1||P5^^^HIS^PI||DURAND^PAUL^^^^^L||19500101|M\rPV1|1|O\r"                                            \
    "ORC|" control "|" placer "^HIS|||||^^^202603201030^^S\r"                                                  \
    "OBR|1|" placer "^HIS||" code "^Scanner^CCAM\r"                                                             \
    "ORC|" control "|" placer "^HIS|||||^^^202603201030^^S\r"                                                  \
    "OBR|2|" placer "^HIS||" code "^Scanner^CCAM\r"

static void test_orders(void **state)
{
    fixture *fx = *state;
    hl7feed_outcome o;
    buf_t ack = BUF_INIT;
    assert_int_equal(ingest(fx, ORM("O1", "PL1", "NW", "ACQK001"), &o, &ack), HL7_ACK_AA);
    assert_int_equal(count(fx, "orders", "placer_number", "PL1"), 1);
    assert_int_equal(count(fx, "procedures", NULL, NULL), 2);
    assert_int_equal(count(fx, "steps", NULL, NULL), 2);
    store_conn_t *c = store_acquire(fx->st);
    int64_t order_id, patient_id;
    char status[16];
    assert_int_equal(hl7s_order_by_placer(c, "PL1", &order_id, &patient_id, status, sizeof status), STORE_OK);
    hl7s_procedure *procs;
    size_t n;
    assert_int_equal(hl7s_order_procedures(c, order_id, &procs, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(procs[0].study_instance_uid, "1.2.250.1.999.1.", 16);
    char start0[32], acc0[17], acc1[17];
    feed_copy(start0, sizeof start0, procs[0].start_at);
    feed_copy(acc0, sizeof acc0, procs[0].accession_number);
    feed_copy(acc1, sizeof acc1, procs[1].accession_number);
    free(procs);
    assert_string_equal(start0, "2026-03-20T09:30:00Z");
    assert_string_not_equal(acc0, acc1);
    json_t *order;
    assert_int_equal(store_resource_get(c, model_resource_find("orders"), order_id, &order), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(order, "priority")), "stat");
    json_decref(order);
    /* the OMI^O23 for the PACS is in the outbox */
    json_t *jobs;
    assert_int_equal(hl7s_outbox_list(c, NULL, 0, 10, 0, &jobs, NULL), STORE_OK);
    assert_true(json_array_size(jobs) >= 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(jobs, 0), "state")), "pending");
    json_decref(jobs);
    bool omi = false;
    store_outbox_job claimed[16];
    size_t nc = 0;
    assert_int_equal(store_outbox_claim(c, INT64_MAX / 2, 1000, 16, claimed, &nc), STORE_OK);
    for (size_t i = 0; i < nc; i++)
        if (strstr(claimed[i].payload, "OMI^O23") && strstr(claimed[i].payload, "ORC|NW|PL1")) omi = true;
    store_outbox_jobs_clear(claimed, nc);
    assert_true(omi);
    store_release(fx->st, c);

    /* unknown exam: AE on OBR-4, nothing written (savepoint rolled back) */
    assert_int_equal(ingest(fx, ORM("O2", "PL2", "NW", "ZZZZ999"), &o, &ack), HL7_ACK_AE);
    assert_string_equal(o.location, "OBR[1]-4");
    assert_int_equal(count(fx, "orders", "placer_number", "PL2"), 0);
    /* cancel */
    assert_int_equal(ingest(fx, ORM("O3", "PL1", "CA", "ACQK001"), &o, &ack), HL7_ACK_AA);
    assert_int_equal(count(fx, "orders", "status", "cancelled"), 1);
    assert_int_equal(count(fx, "steps", "status", "cancelled"), 2);
    /* unknown order: AE */
    assert_int_equal(ingest(fx, ORM("O4", "PL7", "XO", "ACQK001"), &o, &ack), HL7_ACK_AE);
    assert_int_equal(o.error, HL7_ERR_UNKNOWN_KEY);
    buf_free(&ack);
}


/* ------------------------------------------------------------------ destinations and fan-out */
static int64_t add_destination(fixture *fx, const char *name, const char *host, int port, const char *flavour,
                               const char *charset, bool orders, bool patients, bool reports, const char *rflavour)
{
    hl7s_destination d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "%s", name);
    snprintf(d.host, sizeof d.host, "%s", host);
    d.port = port;
    snprintf(d.flavour, sizeof d.flavour, "%s", flavour);
    snprintf(d.charset, sizeof d.charset, "%s", charset);
    snprintf(d.report_flavour, sizeof d.report_flavour, "%s", rflavour);
    snprintf(d.receiving_application, sizeof d.receiving_application, "APP-%s", name);
    d.send_orders = orders;
    d.send_patients = patients;
    d.send_reports = reports;
    d.enabled = true;
    int64_t id = 0;
    store_conn_t *c = store_acquire(fx->st);
    assert_int_equal(hl7s_destination_insert(c, &d, &id), STORE_OK);
    store_release(fx->st, c);
    return id;
}

/* Payloads of the "hl7" jobs enqueued for destination dest (claimed, then released as done). */
static size_t jobs_for(fixture *fx, int64_t dest, char payloads[][4096], size_t max)
{
    store_conn_t *c = store_acquire(fx->st);
    store_outbox_job claimed[32];
    size_t nc = 0, n = 0;
    assert_int_equal(store_outbox_claim(c, INT64_MAX / 2, 1000, 32, claimed, &nc), STORE_OK);
    for (size_t i = 0; i < nc; i++) {
        json_error_t e;
        json_t *p = json_loads(claimed[i].payload, 0, &e);
        if (strcmp(claimed[i].kind, "hl7") == 0 && json_integer_value(json_object_get(p, "destination_id")) == dest &&
            n < max)
            snprintf(payloads[n++], 4096, "%s", json_string_value(json_object_get(p, "message")));
        json_decref(p);
        assert_int_equal(store_outbox_record(c, claimed[i].id, "done", 0, NULL), STORE_OK);
    }
    store_outbox_jobs_clear(claimed, nc);
    store_release(fx->st, c);
    return n;
}

static void test_fan_out(void **state)
{
    fixture *fx = *state;
    hl7feed_outcome o;
    buf_t ack = BUF_INIT;
    int64_t pacs = fx->f->pacs_id; /* [hl7feed] pacs_address: OMI, orders and patients */
    assert_true(pacs > 0);
    int64_t ris = add_destination(fx, "ris", "127.0.0.1", 2, "orm", "8859/1", true, false, true, "mdm");
    int64_t off = add_destination(fx, "off", "127.0.0.1", 3, "omi", "UNICODE UTF-8", true, true, false, "oru");
    store_conn_t *c = store_acquire(fx->st);
    hl7s_destination d;
    assert_int_equal(hl7s_destination_get(c, off, &d), STORE_OK);
    d.enabled = false;
    assert_int_equal(hl7s_destination_update(c, &d), STORE_OK);
    store_release(fx->st, c);

    assert_int_equal(ingest(fx, ORM("F1", "PLF", "NW", "ACQK001"), &o, &ack), HL7_ACK_AA);
    static char msgs[8][4096];
    /* the PACS: OMI^O23 addressed to its MSH-5 */
    size_t n = jobs_for(fx, pacs, msgs, 8);
    assert_int_equal(n, 1);
    assert_non_null(strstr(msgs[0], "OMI^O23"));
    assert_non_null(strstr(msgs[0], "|PACS|"));
    assert_non_null(strstr(msgs[0], "IPC|"));
    /* the RIS: ORM^O01 with ZDS, not the patient (send_patients false); the disabled one: nothing */
    assert_int_equal(jobs_for(fx, ris, msgs, 8), 0); /* already claimed above: check the link instead */
    c = store_acquire(fx->st);
    json_t *items;
    int64_t total = 0;
    assert_int_equal(hl7s_outbox_list(c, NULL, ris, 10, 0, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "message_type")), "ORM^O01");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(items, 0), "destination"),
                                                          "name")),
                        "ris");
    json_decref(items);
    assert_int_equal(hl7s_outbox_list(c, NULL, off, 10, 0, &items, &total), STORE_OK);
    assert_int_equal(total, 0);
    json_decref(items);
    store_release(fx->st, c);
    /* a cancel: one job per subscribed destination, checked by content this time */
    assert_int_equal(ingest(fx, ORM("F2", "PLF", "CA", "ACQK001"), &o, &ack), HL7_ACK_AA);
    assert_int_equal(count(fx, "orders", "status", "cancelled"), 1);
    c = store_acquire(fx->st);
    store_outbox_job claimed[16];
    size_t nc = 0;
    assert_int_equal(store_outbox_claim(c, INT64_MAX / 2, 1000, 16, claimed, &nc), STORE_OK);
    int orm = 0, omi2 = 0;
    for (size_t i = 0; i < nc; i++) {
        if (strstr(claimed[i].payload, "ORM^O01") && strstr(claimed[i].payload, "ORC|CA|PLF") &&
            strstr(claimed[i].payload, "APP-ris"))
            orm++;
        if (strstr(claimed[i].payload, "OMI^O23") && strstr(claimed[i].payload, "ORC|CA|PLF")) omi2++;
    }
    store_outbox_jobs_clear(claimed, nc);
    store_release(fx->st, c);
    assert_int_equal(orm, 1);
    assert_int_equal(omi2, 1);
    buf_free(&ack);
}

/* ------------------------------------------------------------------ report-hl7 */
static void exec_sql(store_conn_t *c, const char *sql, const db_param *p, size_t np)
{
    if (db_exec(c, sql, p, np, NULL, NULL) != STORE_OK) fail_msg("%s: %s", sql, store_last_error(c));
}

/* A validated report of the order PLR (ingested) with its CDA N1 document; returns the document id. */
static int64_t report_document(fixture *fx)
{
    hl7feed_outcome o;
    buf_t ack = BUF_INIT;
    assert_int_equal(ingest(fx, ORM("R1", "PLR", "NW", "ACQK001"), &o, &ack), HL7_ACK_AA);
    buf_free(&ack);
    store_conn_t *c = store_acquire(fx->st);
    int64_t order_id, patient_id, proc = 0, rid = 0, doc = 0;
    char status[16];
    assert_int_equal(hl7s_order_by_placer(c, "PLR", &order_id, &patient_id, status, sizeof status), STORE_OK);
    db_param q[] = {db_int(order_id)};
    assert_int_equal(hl7s_count(c, "SELECT MIN(id) FROM requested_procedure WHERE order_id = ?", q, 1, &proc),
                     STORE_OK);
    db_param rp[] = {db_int(proc), db_int(patient_id)};
    exec_sql(c,
             "INSERT INTO report (procedure_id, patient_id, template, status, status_since, author_login, set_id, "
             "version, validator_rpps, validated_at, sections, created_at, updated_at) VALUES (?, ?, '{}', 'valide', "
             "0, 'drx', '1.2.250.1.999.1.9.1', 1, '10101010101', '2026-03-01T10:00:00+01:00', '{}', "
             "'2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z')",
             rp, 2);
    assert_int_equal(hl7s_count(c, "SELECT MAX(id) FROM report", NULL, 0, &rid), STORE_OK);
    db_param dp[] = {db_int(patient_id), db_int(rid)};
    exec_sql(c,
             "INSERT INTO document (patient_id, report_id, kind, unique_id, set_id, version, mime_type, "
             "content_encoding, content, size_bytes, created_at) VALUES (?, ?, 'CDA-N1', '1.2.250.1.999.1.9.1.1', "
             "'1.2.250.1.999.1.9.1', 1, 'text/xml', 'utf-8', '<ClinicalDocument>Compte rendu é</ClinicalDocument>', "
             "52, '2026-03-01T09:00:00Z')",
             dp, 2);
    assert_int_equal(hl7s_count(c, "SELECT MAX(id) FROM document", NULL, 0, &doc), STORE_OK);
    store_release(fx->st, c);
    return doc;
}

static void test_report_sender(void **state)
{
    fixture *fx = *state;
    int64_t doc = report_document(fx);
    static char msgs[8][4096];
    jobs_for(fx, 0, msgs, 8); /* the order's own jobs out of the way */
    int64_t oru = add_destination(fx, "oru", "127.0.0.1", 2, "omi", "UNICODE UTF-8", false, false, true, "oru");
    int64_t mdm = add_destination(fx, "mdm", "127.0.0.1", 3, "orm", "8859/15", false, false, true, "mdm");
    char payload[512], error[256] = "";
    snprintf(payload, sizeof payload,
             "{\"report_id\":1,\"document_id\":%lld,\"action\":\"initial\",\"masque_ps\":true,"
             "\"invisible_patient\":false,\"invisible_legal_reps\":false,\"secret_connection\":false,"
             "\"dest_dmp\":true,\"dest_mssante_ps\":[\"dr.x@medecin.mssante.fr\"],\"dest_mssante_pat\":false}",
             (long long)doc);
    outbox_job job = {501, "report-hl7", payload, 0, 0};
    assert_int_equal(feed_send_report(fx->f, &job, error, sizeof error), OUTBOX_SENT);
    /* one job per destination subscribed to reports (not the PACS: send_reports false) */
    assert_int_equal(jobs_for(fx, fx->f->pacs_id, msgs, 8), 0);
    size_t n = jobs_for(fx, 0, msgs, 8);
    (void)n;
    store_conn_t *c = store_acquire(fx->st);
    json_t *items;
    int64_t total;
    assert_int_equal(hl7s_outbox_list(c, NULL, oru, 10, 0, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "message_type")), "ORU^R01");
    json_decref(items);
    assert_int_equal(hl7s_outbox_list(c, NULL, mdm, 10, 0, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "message_type")), "MDM^T02");
    json_decref(items);
    /* each fan-out job names the report-hl7 job as its parent (the report's HL7 sharing status) */
    assert_int_equal(rstore_share_destinations(c, job.id, &items), STORE_OK);
    assert_int_equal(json_array_size(items), 2);
    const json_t *first = json_array_get(items, 0), *second = json_array_get(items, 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "destination"), "id")), oru);
    assert_string_equal(json_string_value(json_object_get(json_object_get(first, "destination"), "name")), "oru");
    assert_string_equal(json_string_value(json_object_get(first, "message_type")), "ORU^R01");
    assert_string_equal(json_string_value(json_object_get(first, "state")), "done"); /* jobs_for */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(second, "destination"), "id")), mdm);
    assert_string_equal(json_string_value(json_object_get(second, "message_type")), "MDM^T02");
    json_decref(items);
    assert_int_equal(rstore_share_destinations(c, 999999, &items), STORE_OK);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    /* delivered twice (at-least-once outbox): nothing more */
    assert_int_equal(feed_send_report(fx->f, &job, error, sizeof error), OUTBOX_SENT);
    assert_int_equal(hl7s_outbox_list(c, NULL, 0, 10, 0, &items, &total), STORE_OK);
    int hl7_jobs = 0;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (json_object_get(json_object_get(json_array_get(items, i), "destination"), "id") &&
            strstr(json_string_value(json_object_get(json_array_get(items, i), "message_type")) ?: "", "R01"))
            hl7_jobs++;
    json_decref(items);
    assert_int_equal(hl7_jobs, 1);
    /* the messages: CDA in base64, metadata rows, the identity of the ordered patient */
    store_outbox_job claimed[16];
    size_t nc = 0;
    assert_int_equal(store_begin(c), STORE_OK);
    db_param none[] = {db_int(0)};
    (void)none;
    assert_int_equal(db_exec(c, "UPDATE outbox_job SET state = 'pending', due_ms = 0 WHERE kind = 'hl7'", NULL, 0, NULL,
                             NULL),
                     STORE_OK);
    assert_int_equal(store_commit(c), STORE_OK);
    assert_int_equal(store_outbox_claim(c, INT64_MAX / 2, 1000, 16, claimed, &nc), STORE_OK);
    bool seen_oru = false, seen_mdm = false;
    for (size_t i = 0; i < nc; i++) {
        const char *p = claimed[i].payload;
        if (strstr(p, "ORU^R01")) {
            seen_oru = true;
            assert_non_null(strstr(p, "DURAND"));
            assert_non_null(strstr(p, "MASQUE_PS"));
            assert_non_null(strstr(p, "DESTDMP"));
            assert_non_null(strstr(p, "dr.x@medecin.mssante.fr"));
            /* base64 of "<ClinicalDocument>" */
            assert_non_null(strstr(p, "PENsaW5pY2FsRG9jdW1lbnQ+"));
        }
        if (strstr(p, "MDM^T02") && strstr(p, "TXA|") && strstr(p, "1.2.250.1.999.1.9.1.1")) seen_mdm = true;
    }
    store_outbox_jobs_clear(claimed, nc);
    store_release(fx->st, c);
    assert_true(seen_oru && seen_mdm);

    /* unusable requests are refused for good with a French reason */
    outbox_job bad = {502, "report-hl7", "{\"document_id\":\"x\"}", 0, 0};
    assert_int_equal(feed_send_report(fx->f, &bad, error, sizeof error), OUTBOX_REJECTED);
    assert_non_null(strstr(error, "illisible"));
    snprintf(payload, sizeof payload, "{\"document_id\":%lld,\"action\":\"initial\"}", (long long)doc + 50);
    outbox_job missing = {503, "report-hl7", payload, 0, 0};
    assert_int_equal(feed_send_report(fx->f, &missing, error, sizeof error), OUTBOX_REJECTED);
    assert_non_null(strstr(error, "introuvable"));
    /* a replacement of a version 1 is refused by the builder (its reason is kept) */
    snprintf(payload, sizeof payload, "{\"document_id\":%lld,\"action\":\"replace\"}", (long long)doc);
    outbox_job repl = {504, "report-hl7", payload, 0, 0};
    assert_int_equal(feed_send_report(fx->f, &repl, error, sizeof error), OUTBOX_REJECTED);
    assert_non_null(strstr(error, "version"));
}

/* ------------------------------------------------------------------ the "hl7" sender */
typedef struct {
    hl7_ack_code answer;
    int received;
} peer_state;

static int peer_handler(void *ctx, const hl7_mllp_peer *peer, const char *msg, size_t len, buf_t *ack)
{
    (void)peer;
    peer_state *ps = ctx;
    ps->received++;
    hl7_error e;
    hl7_message *m = hl7_parse(msg, len, NULL, &e);
    if (!m) return -1;
    hl7_ack_error err = {.code = HL7_ERR_UNKNOWN_KEY, .severity = 'E', .text_fr = "Patient inconnu du PACS"};
    hl7_message *a = hl7_ack_build(m, ps->answer, ps->answer == HL7_ACK_AA ? NULL : &err, NULL);
    int rc = a ? hl7_serialize(a, NULL, ack, &e) : -1;
    hl7_message_free(a);
    hl7_message_free(m);
    return rc == HL7_OK ? 0 : -1;
}

static void *peer_run(void *arg)
{
    hl7_mllp_server_run(arg);
    return NULL;
}

static void test_sender(void **state)
{
    fixture *fx = *state;
    peer_state ps = {HL7_ACK_AA, 0};
    hl7_mllp_server_opts so = {.bind_address = "127.0.0.1", .handler = peer_handler, .handler_ctx = &ps};
    hl7_error herr;
    hl7_mllp_server *srv = hl7_mllp_server_new(&so, &herr);
    assert_non_null(srv);
    char addr[64], err[512];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", hl7_mllp_server_port(srv));
    assert_int_equal(config_set(fx->cfg, "hl7feed", "pacs_address", addr), 0);
    assert_int_equal(config_set(fx->cfg, "hl7feed", "pacs_charset", "8859/1"), 0);
    hl7feed_t *f = hl7feed_new(fx->st, fx->cfg, err, sizeof err);
    assert_non_null(f);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, peer_run, srv), 0);

    const char *payload = "{\"destination\":\"pacs\",\"message\":\"MSH|^~\\\\&|COULOIR||PACS||20260101||ADT^A08^ADT_A01|X1|P|2.5|||||FRA|UNICODE UTF-8\\rPID|1||P1^^^C^PI||LEFÈVRE^ZOÉ^^^^^L\\r\"}";
    outbox_job job = {1, "hl7", payload, 0, 0};
    char error[256] = "";
    assert_int_equal(feed_send(f, &job, error, sizeof error), OUTBOX_SENT);
    ps.answer = HL7_ACK_AE;
    assert_int_equal(feed_send(f, &job, error, sizeof error), OUTBOX_REJECTED);
    assert_non_null(strstr(error, "Patient inconnu du PACS"));
    assert_int_equal(ps.received, 2);
    /* a malformed payload is refused for good */
    outbox_job bad = {2, "hl7", "{}", 0, 0};
    assert_int_equal(feed_send(f, &bad, error, sizeof error), OUTBOX_REJECTED);
    /* a destination of the table, by id: its own client and charset; disabled: waits; deleted: refused */
    ps.answer = HL7_ACK_AA;
    int64_t other = add_destination(fx, "autre", "127.0.0.1", hl7_mllp_server_port(srv), "orm", "8859/15", true, true,
                                    false, "oru");
    char payload2[512];
    snprintf(payload2, sizeof payload2,
             "{\"destination_id\":%lld,\"message\":\"MSH|^~\\\\&|COULOIR||X||20260101||ADT^A08^ADT_A01|X2|P|2.5|||||"
             "FRA|UNICODE UTF-8\\rPID|1||P1^^^C^PI||ŒUVRE^ZOÉ^^^^^L\\r\"}",
             (long long)other);
    outbox_job job2 = {3, "hl7", payload2, 0, 0};
    /* lanes: the destination read without parsing the message */
    {
        char lane[32], expect[32], big[256];
        assert_int_equal(feed_send_lane(f, &job, lane, sizeof lane), 0); /* legacy "destination": "pacs" */
        snprintf(expect, sizeof expect, "dest-%lld", (long long)f->pacs_id);
        assert_string_equal(lane, expect);
        assert_int_equal(feed_send_lane(f, &job2, lane, sizeof lane), 0);
        snprintf(expect, sizeof expect, "dest-%lld", (long long)other);
        assert_string_equal(lane, expect);
        const struct {
            const char *payload;
            const char *lane; /* NULL: the kind's lane (-1) */
        } cases[] = {
            /* the id first (as enqueued): what follows is not even read */
            {"{\"destination_id\":42,\"message\":\"MSH|unterminated", "dest-42"},
            {" {\n \"destination_id\" : 7 , \"message\":\"x\"}", "dest-7"},
            /* after other members, skipped with their escapes and nesting */
            {"{\"message\":\"a\\\"destination_id\\\":9 \\\\\",\"meta\":{\"destination_id\":3,\"l\":[1,\"}]\",{}]},"
             "\"n\":null,\"destination_id\":12}",
             "dest-12"},
            {"{\"destination_id\":0,\"destination\":\"pacs\",\"message\":\"x\"}", expect},
            {"{\"destin\\u0061tion_id\":5,\"message\":\"x\"}", "dest-5"}, /* escaped key: parsed in full */
            {"{\"destination_id\":5.0,\"message\":\"x\"}", NULL},        /* not an integer */
            {"{\"destination_id\":\"5\"}", NULL},
            {"{\"destination_id\":-3}", NULL},
            {"{\"destination\":\"autre\",\"message\":\"x\"}", NULL},
            {"{}", NULL},
            {"[5]", NULL},
            {"", NULL},
            {"{\"message\":\"x\",\"destination_id\":", NULL},
        };
        snprintf(expect, sizeof expect, "dest-%lld", (long long)f->pacs_id);
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            outbox_job lj = {10, "hl7", cases[i].payload, 0, 0};
            snprintf(lane, sizeof lane, "unset");
            int rc = feed_send_lane(f, &lj, lane, sizeof lane);
            snprintf(big, sizeof big, "case %zu: rc=%d lane=%s", i, rc, lane);
            if (cases[i].lane) {
                assert_int_equal(rc, 0);
                assert_string_equal(lane, cases[i].lane);
            } else if (rc != -1) {
                fail_msg("%s", big);
            }
        }
        /* an ORU carrying a CDA: megabytes of message after the id, read in constant time */
        size_t mb = 8u << 20;
        char *huge = malloc(mb + 64);
        assert_non_null(huge);
        int hdr = snprintf(huge, 64, "{\"destination_id\":%lld,\"message\":\"", (long long)other);
        memset(huge + hdr, 'A', mb);
        strcpy(huge + hdr + mb, "\"}");
        outbox_job hj = {11, "hl7", huge, 0, 0};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int k = 0; k < 100; k++) assert_int_equal(feed_send_lane(f, &hj, lane, sizeof lane), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        assert_true(ms < 100.0); /* 100 full parses of 8 MB take seconds */
        snprintf(expect, sizeof expect, "dest-%lld", (long long)other);
        assert_string_equal(lane, expect);
        free(huge);
    }
    assert_int_equal(feed_send(f, &job2, error, sizeof error), OUTBOX_SENT);
    assert_int_equal(ps.received, 3);
    store_conn_t *c = store_acquire(fx->st);
    hl7s_destination d;
    assert_int_equal(hl7s_destination_get(c, other, &d), STORE_OK);
    d.enabled = false;
    assert_int_equal(hl7s_destination_update(c, &d), STORE_OK);
    assert_int_equal(feed_send(f, &job2, error, sizeof error), OUTBOX_RETRY);
    assert_non_null(strstr(error, "désactivée"));
    assert_int_equal(hl7s_destination_delete(c, other), STORE_OK);
    store_release(fx->st, c);
    assert_int_equal(feed_send(f, &job2, error, sizeof error), OUTBOX_REJECTED);
    assert_non_null(strstr(error, "inconnue"));
    assert_int_equal(ps.received, 3);
    hl7_mllp_server_stop(srv);
    pthread_join(th, NULL);
    hl7_mllp_server_free(srv);
    /* nobody listening any more: retried later */
    assert_int_equal(feed_send(f, &job, error, sizeof error), OUTBOX_RETRY);
    hl7feed_free(f);
}

int main(void)
{
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outcome_text),
        cmocka_unit_test(test_dates_and_senders),
        cmocka_unit_test(test_raw_text),
        cmocka_unit_test_setup_teardown(test_ingest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sender, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fan_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_sender, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
