/* Report storage (report_store.h, migration 0040): report row round trip with its life cycle
 * state, optimistic lock, one report per procedure, history, documents (three kinds per
 * version), sharing jobs joined with the outbox and the HL7 jobs fanned out per destination
 * (migration 0012), lists, to-do and the procedure read model. */
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

#include "store/hl7feed_store.h"
#include "store/report_store.h"
#include "store/worklist_sql.h"

TEST_STORE_ONE_CONNECTION(2)

typedef struct {
    int64_t patient, proc, proc2, step;
} world;

static world make_world(const char *suffix)
{
    world w;
    char ipp[32], ccam[16], ae[16], finess[16];
    snprintf(ipp, sizeof ipp, "IPP-%s", suffix);
    snprintf(ccam, sizeof ccam, "ZZQK%s", suffix);
    snprintf(ae, sizeof ae, "CT_%s", suffix);
    snprintf(finess, sizeof finess, "75000%s", suffix);
    w.patient = make_patient(c, ipp, "DURAND", "ANNE", "1970-01-02", "F");
    int64_t room = make_room(c, finess, "Scanner", "scanner");
    (void)room;
    int64_t corr = insert_or_fail(c, "correspondents",
                                  json_pack("{s:s, s:s, s:s}", "last_name", "MEDIONI", "first_name", "Stéphane",
                                            "mssante_address", "s.medioni@medecin.mssante.fr"));
    int64_t exam = insert_or_fail(c, "catalogue", json_pack("{s:s, s:s, s:s, s:s, s:i}", "ccam_code", ccam, "label",
                                                            "Scanner du crâne", "modality_type", "CT", "loinc_code",
                                                            "24725-4", "duration_minutes", 20));
    int64_t order = insert_or_fail(c, "orders", json_pack("{s:I, s:I}", "patient_id", (json_int_t)w.patient,
                                                          "requester_id", (json_int_t)corr));
    w.proc = insert_or_fail(c, "procedures",
                            json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id", (json_int_t)exam));
    w.proc2 = insert_or_fail(c, "procedures",
                             json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id", (json_int_t)exam));
    w.step = insert_or_fail(c, "steps", json_pack("{s:I, s:s, s:s, s:s}", "procedure_id", (json_int_t)w.proc,
                                                  "ae_title", ae, "modality_type", "CT", "start_at",
                                                  "2026-11-23T08:00:00Z"));
    assert_int_equal(store_set_status(c, model_resource_find("steps"), w.step, "booked", "completed", 2000), STORE_OK);
    return w;
}

static void new_report(rstore_report *r, const world *w, const char *set_id)
{
    memset(r, 0, sizeof *r);
    r->procedure_id = w->proc;
    r->patient_id = w->patient;
    r->template_json = strdup("{\"code\":\"CT\"}");
    r->sections_json = strdup("{\"technique\":\"Acquisition hélicoïdale.\"}");
    rpt_actor a = {"jbideault", "Jacques Bideault", true, "01234560801"};
    char err[256];
    assert_int_equal(rpt_init(&r->state, &a, set_id, RPT_FLAG_NO_DMP, 1000, err, sizeof err), 0);
}

static void test_report_round_trip(void **state)
{
    (void)state;
    world w = make_world("01");
    rstore_report r, got;
    new_report(&r, &w, "1.2.250.1.999.1.7.1");
    assert_int_equal(rstore_report_insert(c, &r), STORE_OK);
    assert_true(r.id > 0);

    /* one report per procedure, one set id */
    rstore_report dup;
    new_report(&dup, &w, "1.2.250.1.999.1.7.2");
    assert_int_equal(rstore_report_insert(c, &dup), STORE_CONFLICT);
    dup.procedure_id = w.proc2;
    snprintf(dup.state.set_id, sizeof dup.state.set_id, "%s", r.state.set_id);
    assert_int_equal(rstore_report_insert(c, &dup), STORE_CONFLICT);
    rstore_report_clear(&dup);

    assert_int_equal(rstore_report_get(c, r.id, &got), STORE_OK);
    assert_int_equal(got.state.status, RPT_DRAFT);
    assert_int_equal(got.state.flags, RPT_FLAG_NO_DMP);
    assert_string_equal(got.state.author, "jbideault");
    assert_string_equal(got.sections_json, r.sections_json);
    assert_null(got.addendum);
    assert_int_equal(got.revision, 0);

    /* provisional with reviewers, then validated: every rpt_state member survives */
    rpt_actor a = {"jbideault", "Jacques Bideault", true, "01234560801"};
    const char *rev[] = {"mleroy", "pdurand"};
    char err[256];
    assert_int_equal(rpt_set_provisional(&got.state, &a, rev, 2, 2000, err, sizeof err), 0);
    assert_int_equal(rpt_validate(&got.state, &a, "CR-1", "2026-11-23T10:00:00+01:00", 3000, err, sizeof err), 0);
    free(got.addendum);
    got.addendum = strdup("Ajout");
    assert_int_equal(rstore_report_update(c, &got), STORE_OK);
    assert_int_equal(got.revision, 1);

    /* a stale copy is refused */
    assert_int_equal(rstore_report_update(c, &r), STORE_CONFLICT);
    r.id = 987654;
    assert_int_equal(rstore_report_update(c, &r), STORE_NOT_FOUND);

    rstore_report again;
    assert_int_equal(rstore_report_get(c, got.id, &again), STORE_OK);
    assert_int_equal(again.state.status, RPT_VALIDATED);
    assert_int_equal(again.state.n_reviewers, 2);
    assert_string_equal(again.state.reviewers[1], "pdurand");
    assert_string_equal(again.state.document_id, "CR-1");
    assert_int_equal(again.state.version, 1);
    assert_string_equal(again.state.validator_rpps, "01234560801");
    assert_string_equal(again.state.validated_at, "2026-11-23T10:00:00+01:00");
    assert_int_equal(again.state.status_since, 3000);
    assert_string_equal(again.addendum, "Ajout");
    assert_int_equal(rstore_report_get(c, 987654, &dup), STORE_NOT_FOUND);

    /* history */
    assert_int_equal(rstore_event_add(c, got.id, "jbideault", "create", RPT_DRAFT, 0, NULL), STORE_OK);
    assert_int_equal(rstore_event_add(c, got.id, "jbideault", "validate", RPT_VALIDATED, 1, "ok"), STORE_OK);
    json_t *h;
    assert_int_equal(rstore_events_list(c, got.id, &h), STORE_OK);
    assert_int_equal(json_array_size(h), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "status")), "valide");
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "by")), "jbideault");
    json_decref(h);

    /* documents: three kinds per version; the same kind twice for a version is refused */
    const char *kinds[] = {"PDF", "CDA-N1", "CDA-N3"};
    for (int v = 1; v <= 2; v++)
        for (int k = 0; k < 3; k++) {
            rstore_document d = {0, w.patient, got.id, kinds[k], v == 1 ? "CR-1" : "CR-2", got.state.set_id, v,
                                 k ? "text/xml" : "application/pdf", k ? NULL : "CR.pdf", k ? "utf-8" : "base64",
                                 k ? "<ClinicalDocument/>" : "JVBERi0=", k ? 19 : 5, NULL};
            int64_t id = 0;
            assert_int_equal(rstore_document_add(c, &d, &id), STORE_OK);
            assert_true(id > 0);
        }
    rstore_document d = {0, w.patient, got.id, "PDF", "CR-1", got.state.set_id, 1, "application/pdf", NULL, "base64",
                         "x", 1, NULL};
    assert_int_equal(rstore_document_add(c, &d, NULL), STORE_CONFLICT);
    d.kind = "DOCX";
    d.version = 3;
    assert_int_not_equal(rstore_document_add(c, &d, NULL), STORE_OK); /* CHECK constraint */
    char *content, *enc, *mime, *name;
    int64_t doc_id;
    int ver;
    assert_int_equal(rstore_document_get(c, got.id, "CDA-N1", 0, &doc_id, &ver, &content, &enc, &mime, &name), STORE_OK);
    assert_int_equal(ver, 2);
    assert_string_equal(content, "<ClinicalDocument/>");
    assert_string_equal(enc, "utf-8");
    assert_null(name);
    free(content), free(enc), free(mime), free(name);
    assert_int_equal(rstore_document_get(c, got.id, "PDF", 1, &doc_id, &ver, &content, &enc, &mime, &name), STORE_OK);
    assert_int_equal(ver, 1);
    assert_string_equal(enc, "base64");
    assert_string_equal(name, "CR.pdf");
    free(content), free(enc), free(mime), free(name);
    assert_int_equal(rstore_document_get(c, got.id, "PDF", 7, &doc_id, &ver, &content, &enc, &mime, &name),
                     STORE_NOT_FOUND);
    json_t *docs;
    assert_int_equal(rstore_documents_list(c, got.id, &docs), STORE_OK);
    assert_int_equal(json_array_size(docs), 6);
    json_decref(docs);

    /* shares: the latest job per channel, with the outbox state */
    int64_t j1, j2, j3;
    assert_int_equal(store_outbox_enqueue(c, "report-hl7", "{}", NULL, 0, &j1), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "mssante", "{}", NULL, 0, &j2), STORE_OK);
    assert_int_equal(store_outbox_enqueue(c, "report-hl7", "{}", NULL, 0, &j3), STORE_OK);
    assert_int_equal(rstore_share_add(c, got.id, 1, "hl7", "initial", j1), STORE_OK);
    assert_int_equal(rstore_share_add(c, got.id, 1, "mssante", "send", j2), STORE_OK);
    assert_int_equal(rstore_share_add(c, got.id, 2, "hl7", "replace", j3), STORE_OK);
    assert_int_equal(store_outbox_record(c, j2, "failed", 0, "refusé"), STORE_OK);
    json_t *sh;
    assert_int_equal(rstore_shares_list(c, got.id, &sh), STORE_OK);
    assert_int_equal(json_array_size(sh), 2);
    json_t *hl7 = json_array_get(sh, 0), *mss = json_array_get(sh, 1);
    assert_string_equal(json_string_value(json_object_get(hl7, "channel")), "hl7");
    assert_string_equal(json_string_value(json_object_get(hl7, "action")), "replace");
    assert_int_equal(json_integer_value(json_object_get(hl7, "job_id")), j3);
    assert_string_equal(json_string_value(json_object_get(hl7, "state")), "pending");
    assert_string_equal(json_string_value(json_object_get(mss, "state")), "failed");
    assert_string_equal(json_string_value(json_object_get(mss, "last_error")), "refusé");
    json_decref(sh);

    /* the hl7 jobs the report-hl7 job j3 fanned out, per destination (migration 0012) */
    hl7s_destination dst;
    memset(&dst, 0, sizeof dst);
    snprintf(dst.name, sizeof dst.name, "DPI hôpital");
    snprintf(dst.host, sizeof dst.host, "127.0.0.1");
    dst.port = 2575;
    snprintf(dst.flavour, sizeof dst.flavour, "omi");
    snprintf(dst.charset, sizeof dst.charset, "UNICODE UTF-8");
    snprintf(dst.report_flavour, sizeof dst.report_flavour, "oru");
    dst.send_reports = dst.enabled = true;
    int64_t dest_id, gone_id, k1, k2, k3;
    assert_int_equal(hl7s_destination_insert(c, &dst, &dest_id), STORE_OK);
    snprintf(dst.name, sizeof dst.name, "Supprimée");
    assert_int_equal(hl7s_destination_insert(c, &dst, &gone_id), STORE_OK);
    char key[64];
    snprintf(key, sizeof key, "report-hl7:%lld:%lld", (long long)j3, (long long)dest_id);
    assert_int_equal(store_outbox_enqueue(c, "hl7", "{}", key, 0, &k1), STORE_OK);
    assert_int_equal(hl7s_outbound_link(c, k1, dest_id, "ORU^R01", "CTL1"), STORE_OK);
    assert_int_equal(hl7s_outbound_set_parent(c, key, j3), STORE_OK);
    snprintf(key, sizeof key, "report-hl7:%lld:%lld", (long long)j3, (long long)gone_id);
    assert_int_equal(store_outbox_enqueue(c, "hl7", "{}", key, 0, &k2), STORE_OK);
    assert_int_equal(hl7s_outbound_link(c, k2, gone_id, "MDM^T02", "CTL2"), STORE_OK);
    assert_int_equal(hl7s_outbound_set_parent(c, key, j3), STORE_OK);
    assert_int_equal(hl7s_destination_delete(c, gone_id), STORE_OK);
    /* an order message of the same destination has no parent */
    assert_int_equal(store_outbox_enqueue(c, "hl7", "{}", NULL, 0, &k3), STORE_OK);
    assert_int_equal(hl7s_outbound_link(c, k3, dest_id, "OMI^O23", "CTL3"), STORE_OK);
    assert_int_equal(hl7s_outbound_set_parent(c, "report-hl7:0:0", j3), STORE_NOT_FOUND);
    assert_int_equal(hl7s_outbound_set_parent(c, "", j3), STORE_INVALID);
    assert_int_equal(store_outbox_record(c, k1, "retry", 5000, "Connexion refusée"), STORE_OK);
    assert_int_equal(store_outbox_record(c, k2, "done", 0, NULL), STORE_OK);
    assert_int_equal(rstore_share_destinations(c, j3, &sh), STORE_OK);
    assert_int_equal(json_array_size(sh), 2);
    json_t *c1 = json_array_get(sh, 0), *c2 = json_array_get(sh, 1);
    assert_int_equal(json_integer_value(json_object_get(c1, "job_id")), k1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(c1, "destination"), "id")), dest_id);
    assert_string_equal(json_string_value(json_object_get(json_object_get(c1, "destination"), "name")), "DPI hôpital");
    assert_string_equal(json_string_value(json_object_get(c1, "message_type")), "ORU^R01");
    assert_string_equal(json_string_value(json_object_get(c1, "state")), "pending");
    assert_int_equal(json_integer_value(json_object_get(c1, "attempts")), 1);
    assert_string_equal(json_string_value(json_object_get(c1, "last_error")), "Connexion refusée");
    assert_non_null(json_string_value(json_object_get(c1, "next_attempt_at")));
    assert_int_equal(json_integer_value(json_object_get(c2, "job_id")), k2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(c2, "destination"), "id")), gone_id);
    assert_true(json_is_null(json_object_get(json_object_get(c2, "destination"), "name")));
    assert_string_equal(json_string_value(json_object_get(c2, "state")), "done");
    json_decref(sh);
    assert_int_equal(rstore_share_destinations(c, j1, &sh), STORE_OK);
    assert_int_equal(json_array_size(sh), 0);
    json_decref(sh);

    rstore_report_clear(&again);
    rstore_report_clear(&got);
    rstore_report_clear(&r);
}

static void test_lists(void **state)
{
    (void)state;
    world w = make_world("02");
    json_t *items;
    int64_t total;

    /* the performed exam without a report is to do */
    assert_int_equal(rstore_exams_to_report(c, 100, &items), STORE_OK);
    size_t before = json_array_size(items);
    bool found = false;
    for (size_t i = 0; i < before; i++) {
        json_t *it = json_array_get(items, i);
        if (json_integer_value(json_object_get(it, "procedure_id")) != w.proc) continue;
        found = true;
        assert_true(json_is_null(json_object_get(it, "report_id")));
        assert_string_equal(json_string_value(json_object_get(it, "step_status")), "completed");
        assert_string_equal(json_string_value(json_object_get(json_object_get(it, "patient"), "birth_name")), "DURAND");
    }
    assert_true(found);
    json_decref(items);

    rstore_report r;
    new_report(&r, &w, "1.2.250.1.999.1.7.20");
    r.state.status_since = 100;
    assert_int_equal(rstore_report_insert(c, &r), STORE_OK);

    rstore_list_query q = {.patient_id = w.patient, .limit = 10};
    assert_int_equal(rstore_report_list(c, &q, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    json_t *it = json_array_get(items, 0);
    assert_int_equal(json_integer_value(json_object_get(it, "id")), r.id);
    assert_string_equal(json_string_value(json_object_get(it, "status")), "brouillon");
    assert_string_equal(json_string_value(json_object_get(it, "exam_label")), "Scanner du crâne");
    assert_string_equal(json_string_value(json_object_get(it, "modality")), "CT");
    assert_int_equal(json_integer_value(json_object_get(it, "flags")), RPT_FLAG_NO_DMP);
    assert_string_equal(json_string_value(json_object_get(json_object_get(it, "patient"), "ipp")), "IPP-02");
    json_decref(items);

    q.status = "valide";
    assert_int_equal(rstore_report_list(c, &q, &items, &total), STORE_OK);
    assert_int_equal(total, 0);
    json_decref(items);
    q.status = "perdu";
    assert_int_equal(rstore_report_list(c, &q, &items, &total), STORE_INVALID);
    q.status = NULL;
    q.limit = 0;
    assert_int_equal(rstore_report_list(c, &q, &items, &total), STORE_INVALID);

    /* reminders: brouillon since t=100 is stale at 200, not at 50 */
    rstore_list_query stale = {.patient_id = w.patient, .stale_before = 200, .limit = 10};
    assert_int_equal(rstore_report_list(c, &stale, &items, &total), STORE_OK);
    assert_int_equal(total, 1);
    json_decref(items);
    stale.stale_before = 50;
    assert_int_equal(rstore_report_list(c, &stale, &items, &total), STORE_OK);
    assert_int_equal(total, 0);
    json_decref(items);

    /* a draft report keeps the exam in the to-do list, with its report */
    assert_int_equal(rstore_exams_to_report(c, 100, &items), STORE_OK);
    found = false;
    for (size_t i = 0; i < json_array_size(items); i++) {
        it = json_array_get(items, i);
        if (json_integer_value(json_object_get(it, "procedure_id")) != w.proc) continue;
        found = true;
        assert_int_equal(json_integer_value(json_object_get(it, "report_id")), r.id);
        assert_string_equal(json_string_value(json_object_get(it, "report_status")), "brouillon");
    }
    assert_true(found);
    json_decref(items);

    /* validated: no longer to do */
    rpt_actor a = {"jbideault", "Jacques Bideault", true, "01234560801"};
    char err[256];
    assert_int_equal(rpt_validate(&r.state, &a, "CR-20", "2026-11-23T10:00:00+01:00", 3000, err, sizeof err), 0);
    assert_int_equal(rstore_report_update(c, &r), STORE_OK);
    assert_int_equal(rstore_exams_to_report(c, 100, &items), STORE_OK);
    for (size_t i = 0; i < json_array_size(items); i++)
        assert_int_not_equal(json_integer_value(json_object_get(json_array_get(items, i), "procedure_id")), w.proc);
    json_decref(items);
    assert_int_equal(rstore_exams_to_report(c, 0, &items), STORE_INVALID);
    rstore_report_clear(&r);
}

static void test_procedure(void **state)
{
    (void)state;
    world w = make_world("03");
    rstore_procedure p;
    assert_int_equal(rstore_procedure_get(c, w.proc, &p), STORE_OK);
    assert_int_equal(p.patient_id, w.patient);
    assert_string_equal(p.ipp, "IPP-03");
    assert_string_equal(p.identity.traits.birth_name, "DURAND");
    assert_string_equal(p.modality, "CT");
    assert_string_equal(p.loinc_code, "24725-4");
    assert_string_equal(p.exam_label, "Scanner du crâne");
    assert_string_equal(p.req_last, "MEDIONI");
    assert_string_equal(p.req_mssante, "s.medioni@medecin.mssante.fr");
    assert_string_equal(p.performed_start, "2026-11-23T08:00:00Z");
    assert_true(p.site_name[0] != '\0');
    assert_true(strlen(p.study_instance_uid) > 4);
    assert_string_equal(p.series_uid, ""); /* no MPPS yet: no image known */
    assert_int_equal(rstore_procedure_get(c, 987654, &p), STORE_NOT_FOUND);

    /* an MPPS that listed its images: the first image of the first series that has one */
    const char *ds = "{\"series\":[{\"series_uid\":\"1.2.3.9\",\"images\":[]},"
                     "{\"series_uid\":\"1.2.3.10\",\"images\":[{\"sop_class_uid\":\"1.2.840.10008.5.1.4.1.1.2\","
                     "\"sop_instance_uid\":\"1.2.3.10.1\"},{\"sop_class_uid\":\"1.2.840.10008.5.1.4.1.1.2\","
                     "\"sop_instance_uid\":\"1.2.3.10.2\"}]}]}";
    assert_int_equal(store_pps_insert(c, "1.2.3.99.1", 0, w.proc, "CT1", "completed", 1795420800, ds), STORE_OK);
    assert_int_equal(rstore_procedure_get(c, w.proc, &p), STORE_OK);
    assert_string_equal(p.series_uid, "1.2.3.10");
    assert_string_equal(p.sop_instance_uid, "1.2.3.10.1");
    assert_string_equal(p.sop_class_uid, "1.2.840.10008.5.1.4.1.1.2");
    assert_string_equal(p.performed_start, "2026-11-23T08:00:00Z");
    /* text that is not that JSON leaves the images unknown */
    assert_int_equal(store_pps_insert(c, "1.2.3.99.2", 0, w.proc, "CT1", "completed", 1795420800, "pas du JSON"),
                     STORE_OK);
    assert_int_equal(rstore_procedure_get(c, w.proc, &p), STORE_OK);
    assert_string_equal(p.series_uid, "");
}

/* The data the sharing decision reads (review R1): the patient's DMP state from ZFA, the HL7
 * destinations receiving reports, and the reason of a channel left aside replacing its older job. */
static void test_share_context(void **state)
{
    (void)state;
    world w = make_world("77");
    rstore_patient_dmp d;
    assert_int_equal(rstore_patient_dmp_get(c, w.patient, &d), STORE_OK);
    assert_false(d.known);
    const char *zfa[HL7S_ZFA_FIELDS] = {"ACTIF", "20240309111154", NULL, NULL, NULL, NULL, "IO", "20240309111154"};
    assert_int_equal(hl7s_dmp_upsert(c, w.patient, zfa), STORE_OK);
    assert_int_equal(rstore_patient_dmp_get(c, w.patient, &d), STORE_OK);
    assert_true(d.known);
    assert_string_equal(d.status, "ACTIF");
    assert_string_equal(d.feed_opposition, "IO");

    size_t before = 0, after = 0;
    assert_int_equal(rstore_report_destinations(c, &before), STORE_OK);
    hl7s_destination dst;
    memset(&dst, 0, sizeof dst);
    snprintf(dst.name, sizeof dst.name, "DPI contexte");
    snprintf(dst.host, sizeof dst.host, "127.0.0.1");
    dst.port = 2575;
    snprintf(dst.flavour, sizeof dst.flavour, "omi");
    snprintf(dst.charset, sizeof dst.charset, "UNICODE UTF-8");
    snprintf(dst.report_flavour, sizeof dst.report_flavour, "oru");
    dst.send_reports = true;
    dst.enabled = false; /* disabled: does not count */
    int64_t dest_id;
    assert_int_equal(hl7s_destination_insert(c, &dst, &dest_id), STORE_OK);
    assert_int_equal(rstore_report_destinations(c, &after), STORE_OK);
    assert_int_equal(after, before);
    dst.id = dest_id;
    dst.enabled = true;
    assert_int_equal(hl7s_destination_update(c, &dst), STORE_OK);
    assert_int_equal(rstore_report_destinations(c, &after), STORE_OK);
    assert_int_equal(after, before + 1);

    rstore_report r;
    new_report(&r, &w, "CR-CTX-77");
    assert_int_equal(rstore_report_insert(c, &r), STORE_OK);
    int64_t job;
    assert_int_equal(store_outbox_enqueue(c, "dmp", "{}", NULL, 0, &job), STORE_OK);
    assert_int_equal(rstore_share_add(c, r.id, 1, "dmp", "submit", job), STORE_OK);
    assert_int_equal(rstore_share_note_set(c, r.id, 2, "dmp", "DMP : premier motif."), STORE_OK);
    assert_int_equal(rstore_share_note_set(c, r.id, 2, "dmp", "DMP : non alimenté, le DMP du patient est fermé."),
                     STORE_OK);
    json_t *sh;
    assert_int_equal(rstore_shares_list(c, r.id, &sh), STORE_OK);
    assert_int_equal(json_array_size(sh), 1); /* the reason replaces the older job */
    json_t *e = json_array_get(sh, 0);
    assert_true(json_is_null(json_object_get(e, "job_id")));
    assert_int_equal(json_integer_value(json_object_get(e, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "DMP : non alimenté, le DMP du patient est fermé.");
    json_decref(sh);
    assert_int_equal(rstore_share_note_clear(c, r.id, "dmp"), STORE_OK);
    assert_int_equal(rstore_shares_list(c, r.id, &sh), STORE_OK);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(sh, 0), "job_id")), job);
    json_decref(sh);
    rstore_report_clear(&r);
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_round_trip),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_procedure),
        cmocka_unit_test(test_share_context),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
