/* The sharing jobs of a report (contract B of docs/reporting.md): one outbox job per channel
 * rpt_channels_decide() selects, queued in the transaction of the state change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "report/service_internal.h"

static bool flag(const rstore_report *r, unsigned f)
{
    return (r->state.flags & f) != 0;
}

static void add_masking(json_t *o, const rstore_report *r)
{
    json_object_set_new(o, "masque_ps", json_boolean(flag(r, RPT_FLAG_MASQUE_PS)));
    json_object_set_new(o, "invisible_patient",
                        json_boolean(flag(r, RPT_FLAG_INVISIBLE_PATIENT) || flag(r, RPT_FLAG_ANNOUNCEMENT_PENDING)));
    json_object_set_new(o, "invisible_legal_reps", json_boolean(flag(r, RPT_FLAG_INVISIBLE_LEGAL_REPS)));
    json_object_set_new(o, "secret_connection", json_boolean(flag(r, RPT_FLAG_SECRET_CONNECTION)));
}

/* Enqueues one job (payload stolen) and links it to the report. */
static rsv_result enqueue(store_conn_t *c, const rstore_report *r, const char *kind, const char *channel,
                          const char *action, rpt_trigger trigger, json_t *payload)
{
    char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(payload);
    if (!text) return rsv_res(RSV_ERROR, NULL, "%s", "Mémoire insuffisante.");
    char key[160];
    snprintf(key, sizeof key, "report:%lld:v%d:%s:%d:%s", (long long)r->id, r->state.version, kind, (int)trigger,
             action);
    int64_t job = 0;
    store_status s = store_outbox_enqueue(c, kind, text, key, time_now_ms(), &job);
    free(text);
    if (s == STORE_OK) s = rstore_share_add(c, r->id, r->state.version, channel, action, job);
    if (s == STORE_CONFLICT)
        return rsv_res(RSV_EXISTS, NULL, "%s", "Ce partage du compte rendu a déjà été demandé.");
    return rsv_store_fail(s, "");
}

static int64_t latest_doc(store_conn_t *c, int64_t report_id, const char *kind)
{
    char *content, *enc, *mime, *name;
    int64_t id = 0;
    int v;
    if (rstore_document_get(c, report_id, kind, 0, &id, &v, &content, &enc, &mime, &name) != STORE_OK) return 0;
    free(content), free(enc), free(mime), free(name);
    return id;
}

rsv_result rsv_share(store_conn_t *c, const report_service_config *cfg, rstore_report *r, rpt_trigger trigger,
                     int64_t n1_id, int64_t pdf_id, const rstore_procedure *proc)
{
    rstore_procedure loaded;
    if (!proc) {
        store_status s = rstore_procedure_get(c, r->procedure_id, &loaded);
        if (s != STORE_OK) return rsv_store_fail(s, "Examen du compte rendu introuvable.");
        proc = &loaded;
    }
    if (!n1_id) n1_id = latest_doc(c, r->id, "CDA-N1");
    if (!pdf_id) pdf_id = latest_doc(c, r->id, "PDF");
    bool ins = ins_may_emit(&proc->identity, &cfg->policy);
    rpt_channel_context ctx = {cfg->dmp_enabled, false, ins, proc->req_mssante[0] != '\0', 0, true};
    rpt_channels ch;
    char err[512];
    if (rpt_channels_decide(&r->state, trigger, &ctx, &ch, err, sizeof err) != 0)
        return rsv_res(RSV_CONFLICT, NULL, "%s", err);
    rsv_result res = rsv_res(RSV_OK, NULL, "%s", "");

    if (ch.dmp != RPT_DMP_NONE) {
        json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:i, s:b}", "report_id", (json_int_t)r->id, "document_id",
                              (json_int_t)n1_id, "pdf_document_id", (json_int_t)pdf_id, "action",
                              rpt_dmp_action_name(ch.dmp), "version", r->state.version, "dmp_invisible_patient",
                              ch.dmp_invisible_patient);
        add_masking(o, r);
        res = enqueue(c, r, "dmp", "dmp", rpt_dmp_action_name(ch.dmp), trigger, o);
        if (res.status == RSV_OK && (ch.dmp == RPT_DMP_SUBMIT || ch.dmp == RPT_DMP_REPLACE)) r->state.shared_to_dmp = true;
        if (res.status == RSV_OK && ch.dmp == RPT_DMP_WITHDRAW) r->state.shared_to_dmp = false;
    }
    json_t *ps = json_array();
    if (ch.mss_referrer && proc->req_mssante[0]) json_array_append_new(ps, json_string(proc->req_mssante));
    if (res.status == RSV_OK && (ch.mss_patient || json_array_size(ps) > 0)) {
        json_t *rcpt = json_array();
        for (size_t i = 0; i < json_array_size(ps); i++)
            json_array_append_new(rcpt, json_pack("{s:s, s:O}", "kind", "professionnel", "address", json_array_get(ps, i)));
        if (ch.mss_patient) json_array_append_new(rcpt, json_pack("{s:s, s:n}", "kind", "patient", "address"));
        json_t *o = json_pack("{s:I, s:I, s:I, s:o, s:i, s:s}", "report_id", (json_int_t)r->id, "document_id",
                              (json_int_t)n1_id, "pdf_document_id", (json_int_t)pdf_id, "recipients", rcpt, "version",
                              r->state.version, "action",
                              trigger == RPT_TRIGGER_CORRECTED ? "replace" : "send");
        add_masking(o, r);
        res = enqueue(c, r, "mssante", "mssante", trigger == RPT_TRIGGER_CORRECTED ? "replace" : "send", trigger, o);
    }
    if (res.status == RSV_OK && ch.hl7 != RPT_HL7_NONE) {
        bool dest_dmp = ch.dmp == RPT_DMP_SUBMIT || ch.dmp == RPT_DMP_REPLACE;
        json_t *o = json_pack("{s:I, s:I, s:s, s:b, s:O, s:b, s:i}", "report_id", (json_int_t)r->id, "document_id",
                              (json_int_t)n1_id, "action", rpt_hl7_action_name(ch.hl7), "dest_dmp", dest_dmp,
                              "dest_mssante_ps", ps, "dest_mssante_pat", ch.mss_patient, "version", r->state.version);
        add_masking(o, r);
        res = enqueue(c, r, "report-hl7", "hl7", rpt_hl7_action_name(ch.hl7), trigger, o);
    }
    json_decref(ps);
    return res;
}
