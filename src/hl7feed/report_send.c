/* The "report-hl7" outbox sender (contract B): the reporting work enqueues one job per validated
 * (corrected, withdrawn) report version with the CDA N1 document id and the sharing flags; this
 * sender reads the document and fans it out, in one transaction, as one "hl7" job per enabled
 * destination subscribed to reports: ORU^R01 or MDM^T02/T10/T04 (destination report_flavour)
 * with the CDA base64 in OBX-5 and the DMP/MSSanté metadata rows (src/hl7 report builder).
 * Idempotent: the fan-out jobs carry the dedup key "report-hl7:<job>:<destination>", so a job
 * delivered twice (at-least-once outbox) does not enqueue twice. Each fan-out job names this job
 * as its parent (hl7_outbound.parent_job_id): the report's HL7 sharing status follows them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/rand.h"
#include "hl7feed/hl7feed_internal.h"

typedef struct {
    int64_t document_id;
    hl7_report_action action;
    bool masque_ps, invisible_patient, invisible_legal_reps, secret_connection, dest_dmp, dest_mssante_pat;
    const json_t *dest_mssante_ps; /* array of addresses (borrowed from the payload) */
} report_job;

static outbox_result fail(char *error, size_t n, outbox_result r, const char *text)
{
    snprintf(error, n, "%s", text);
    return r;
}

static bool flag(const json_t *p, const char *key) { return json_is_true(json_object_get(p, key)); }

/* Reads the payload; false when it is unusable. */
static bool parse_job(const json_t *p, report_job *j)
{
    memset(j, 0, sizeof *j);
    json_t *doc = json_object_get(p, "document_id");
    const char *action = json_string_value(json_object_get(p, "action"));
    if (!json_is_integer(doc) || json_integer_value(doc) <= 0) return false;
    j->document_id = json_integer_value(doc);
    if (!action || strcmp(action, "initial") == 0) j->action = HL7_REPORT_INITIAL;
    else if (strcmp(action, "replace") == 0) j->action = HL7_REPORT_REPLACE;
    else if (strcmp(action, "delete") == 0) j->action = HL7_REPORT_DELETE;
    else return false;
    j->masque_ps = flag(p, "masque_ps");
    j->invisible_patient = flag(p, "invisible_patient");
    j->invisible_legal_reps = flag(p, "invisible_legal_reps");
    j->secret_connection = flag(p, "secret_connection");
    j->dest_dmp = flag(p, "dest_dmp");
    j->dest_mssante_pat = flag(p, "dest_mssante_pat");
    j->dest_mssante_ps = json_object_get(p, "dest_mssante_ps");
    if (j->dest_mssante_ps && !json_is_array(j->dest_mssante_ps)) return false;
    return true;
}

/* Everything the messages of one job share. */
typedef struct {
    hl7s_report_document doc;
    hl7s_identity id;
    char ipp[64], dob[16], doc_dtm[20];
    hl7_report_person *recipients;
    size_t nrecipients;
} report_data;

static store_status load(hl7feed_t *f, store_conn_t *c, const report_job *j, report_data *d)
{
    (void)f;
    store_status st = hl7s_report_document_get(c, j->document_id, &d->doc);
    if (st == STORE_OK) st = hl7s_identity_by_patient(c, d->doc.patient_id, &d->id);
    if (st == STORE_OK) st = hl7s_patient_ipp(c, d->doc.patient_id, d->ipp, sizeof d->ipp);
    if (st != STORE_OK) return st;
    snprintf(d->dob, sizeof d->dob, "%.4s%.2s%.2s", d->id.birth_date, d->id.birth_date + 5, d->id.birth_date + 8);
    feed_iso_to_dtm(d->doc.created_at, d->doc_dtm, sizeof d->doc_dtm);
    size_t n = json_array_size(j->dest_mssante_ps);
    if (n) {
        d->recipients = calloc(n, sizeof *d->recipients);
        if (!d->recipients) return STORE_ERROR;
        for (size_t i = 0; i < n; i++) {
            const char *addr = json_string_value(json_array_get(j->dest_mssante_ps, i));
            if (addr && *addr) d->recipients[d->nrecipients++].mssante = addr;
        }
    }
    return STORE_OK;
}

static void data_clear(report_data *d)
{
    hl7s_report_document_clear(&d->doc);
    free(d->recipients);
}

/* The message for one destination, serialized in UTF-8 into out; type receives MSH-9. */
static int build(hl7feed_t *f, const report_job *j, const report_data *d, const hl7s_destination *dest,
                 const char *ctl, buf_t *out, char *type, size_t tlen, hl7_error *err)
{
    bool qualified = feed_ins_emittable(f, &d->id);
    const char *sex = strcmp(d->id.sex, "I") == 0 ? "U" : d->id.sex;
    hl7_report_tx tx = {
        .kind = strcmp(dest->report_flavour, "mdm") == 0 ? HL7_REPORT_MDM : HL7_REPORT_ORU,
        .action = j->action,
        .sending_app = f->app,
        .sending_facility = f->facility,
        .receiving_app = dest->receiving_application,
        .receiving_facility = dest->receiving_facility,
        .control_id = ctl,
        .ipp = d->ipp,
        .ipp_authority = f->app,
        .ipp_authority_oid = config_get(f->cfg, "identity", "ipp_oid"),
        .ins_qualified = qualified,
        .ins = qualified ? d->id.ins_matricule : NULL,
        .ins_oid = qualified ? d->id.ins_oid : NULL,
        .identity_status = feed_reliability(d->id.rniv_status),
        .birth_name = d->id.birth_name,
        .first_given = d->id.first_given_name,
        .given_names = d->id.given_names,
        .used_name = d->id.used_name[0] ? d->id.used_name : NULL,
        .used_given = d->id.used_given_name[0] ? d->id.used_given_name : NULL,
        .birth_date = d->dob,
        .sex = sex,
        .birthplace_cog = d->id.birth_cog[0] ? d->id.birth_cog : NULL,
        .placer_order = d->doc.placer_number[0] ? d->doc.placer_number : NULL,
        .filler_order = d->doc.accession_number,
        .filler_app = f->app,
        .doc_id = d->doc.unique_id,
        .parent_doc_id = j->action == HL7_REPORT_DELETE ? d->doc.unique_id
                         : d->doc.replaces_id[0]        ? d->doc.replaces_id
                                                        : NULL,
        .set_id = d->doc.set_id,
        .version = d->doc.version,
        .doc_datetime = d->doc_dtm,
        .cda = (const unsigned char *)d->doc.content,
        .cda_len = d->doc.content_len,
        .author = {.id = d->doc.author_rpps[0] ? d->doc.author_rpps : NULL,
                   .family = d->doc.author_name[0] ? d->doc.author_name : NULL},
        .org_name = f->facility[0] ? f->facility : f->app,
        .recipients = d->recipients,
        .nrecipients = d->nrecipients,
        .masque_ps = j->masque_ps,
        .invisible_patient = j->invisible_patient,
        .invisible_rep_legaux = j->invisible_legal_reps,
        .connexion_secrete = j->secret_connection,
        .dest_dmp = j->dest_dmp,
        .dest_mssante_ps = d->nrecipients > 0,
        .dest_mssante_pat = j->dest_mssante_pat,
    };
    hl7_message *m = hl7_report_build(&tx, err);
    if (!m) return -1;
    char t1[8], t2[8];
    snprintf(type, tlen, "%s^%s", feed_getn(m, "MSH-9.1", t1, sizeof t1), feed_getn(m, "MSH-9.2", t2, sizeof t2));
    int rc = hl7_serialize(m, NULL, out, err);
    hl7_message_free(m);
    return rc == HL7_OK ? 0 : -1;
}

/* Enqueues the messages for every destination (caller's transaction). */
static outbox_result fan_out(hl7feed_t *f, store_conn_t *c, const outbox_job *job, const report_job *j,
                             const report_data *d, const hl7s_destination *dests, size_t nd, char *error,
                             size_t error_len)
{
    for (size_t i = 0; i < nd; i++) {
        char ctl[24], type[16], dedup[64];
        if (rand_hex(ctl, 10) != 0) return fail(error, error_len, OUTBOX_RETRY, "Générateur aléatoire indisponible");
        buf_t out = BUF_INIT;
        hl7_error herr;
        memset(&herr, 0, sizeof herr);
        if (build(f, j, d, &dests[i], ctl, &out, type, sizeof type, &herr) != 0) {
            buf_free(&out);
            snprintf(error, error_len, "Transmission HL7 du compte rendu impossible vers « %s » : %s", dests[i].name,
                     herr.message);
            return OUTBOX_REJECTED;
        }
        snprintf(dedup, sizeof dedup, "report-hl7:%lld:%lld", (long long)job->id, (long long)dests[i].id);
        store_status st = feed_enqueue_message(f, c, dests[i].id, out.data, out.len, type, ctl, dedup);
        if (st == STORE_OK) st = hl7s_outbound_set_parent(c, dedup, job->id);
        buf_free(&out);
        if (st != STORE_OK) return fail(error, error_len, OUTBOX_RETRY, "Base de données indisponible");
    }
    return OUTBOX_SENT;
}

outbox_result feed_send_report(void *ctx, const outbox_job *job, char *error, size_t error_len)
{
    hl7feed_t *f = ctx;
    json_error_t jerr;
    json_t *p = json_loads(job->payload, 0, &jerr);
    report_job j;
    if (!p || !parse_job(p, &j)) {
        json_decref(p);
        return fail(error, error_len, OUTBOX_REJECTED, "Demande de transmission HL7 du compte rendu illisible");
    }
    store_conn_t *c = store_acquire(f->st);
    if (!c) {
        json_decref(p);
        return fail(error, error_len, OUTBOX_RETRY, "Base de données indisponible");
    }
    char prefix[48];
    snprintf(prefix, sizeof prefix, "report-hl7:%lld:", (long long)job->id);
    int64_t done = 0;
    hl7s_destination *dests = NULL;
    size_t nd = 0;
    report_data d;
    memset(&d, 0, sizeof d);
    outbox_result r = OUTBOX_SENT;
    store_status st = store_begin(c);
    if (st == STORE_OK) st = hl7s_outbox_count_prefix(c, prefix, &done);
    if (st == STORE_OK && done == 0) st = hl7s_destination_list(c, HL7S_REPORTS, true, &dests, &nd);
    if (st == STORE_OK && done == 0 && nd > 0) {
        st = load(f, c, &j, &d);
        if (st == STORE_OK && strcmp(d.doc.kind, "CDA-N1") != 0) st = STORE_INVALID;
        if (st == STORE_OK) r = fan_out(f, c, job, &j, &d, dests, nd, error, error_len);
    }
    if (st == STORE_NOT_FOUND || st == STORE_INVALID)
        r = fail(error, error_len, OUTBOX_REJECTED, "Document CDA N1 du compte rendu introuvable");
    else if (st != STORE_OK)
        r = fail(error, error_len, OUTBOX_RETRY, "Base de données indisponible");
    if (st == STORE_OK && r == OUTBOX_SENT) st = store_commit(c);
    else store_rollback(c);
    if (st != STORE_OK && r == OUTBOX_SENT) r = fail(error, error_len, OUTBOX_RETRY, "Base de données indisponible");
    if (r == OUTBOX_SENT && done == 0)
        LOG_INFOF("hl7feed", "report fanned out", "job=%lld document=%lld destinations=%zu", (long long)job->id,
                  (long long)j.document_id, nd);
    store_release(f->st, c);
    data_clear(&d);
    free(dests);
    json_decref(p);
    if (r == OUTBOX_SENT && nd > 0 && done == 0 && f->outbox) outbox_wake(f->outbox);
    return r;
}
