/* The sharing jobs of a report (contract B of docs/reporting.md): one outbox job per channel
 * rpt_channels_decide() selects, queued in the transaction of the state change; and their status
 * as Report.shares shows it (rsv_shares_json, the HL7 channel followed per destination). */
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
    if (s == STORE_OK) s = rstore_share_note_clear(c, r->id, channel);
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

/* Why the patient's DMP must not be fed according to the identity feed (PAM-FR ZFA), or NULL:
 * opposition to the feed (ZFA-9 IO), DMP closed (ZFA-1 FERME) or absent (INEXISTANT, older
 * NEXISTPAS). Nothing received: no objection known here (the DMP sender checks the DMP itself). */
static const char *dmp_refusal(const rstore_patient_dmp *d)
{
    if (!d->known) return NULL;
    if (strcmp(d->feed_opposition, "IO") == 0)
        return "DMP : non alimenté, le patient s'est opposé à l'alimentation de son DMP (flux d'identité).";
    if (strcmp(d->status, "FERME") == 0) return "DMP : non alimenté, le DMP du patient est fermé.";
    if (strcmp(d->status, "INEXISTANT") == 0 || strcmp(d->status, "NEXISTPAS") == 0)
        return "DMP : non alimenté, le patient n'a pas de DMP.";
    return NULL;
}

/* The domain's notes about one channel (those starting with prefix), joined. */
static void notes_of(const rpt_channels *ch, const char *prefix, char *out, size_t n)
{
    out[0] = 0;
    for (size_t i = 0; i < ch->n_notes; i++)
        if (strncmp(ch->notes[i], prefix, strlen(prefix)) == 0) {
            size_t used = strlen(out);
            snprintf(out + used, n - used, "%s%s", used ? " " : "", ch->notes[i]);
        }
}

/* Records (reason non-empty) or forgets why `channel` is not used for r. */
static rsv_result share_note(store_conn_t *c, const rstore_report *r, const char *channel, const char *reason)
{
    store_status s = reason && *reason ? rstore_share_note_set(c, r->id, r->state.version, channel, reason)
                                       : rstore_share_note_clear(c, r->id, channel);
    return rsv_store_fail(s, "");
}

/* The context of the decision, from the data read in the caller's transaction: the site's DMP
 * setting, the patient's DMP state from the identity feed, the INS, the requester's MSSanté
 * address and the HL7 destinations subscribed to reports. *refusal: the feed's DMP refusal. */
static rsv_result channel_context(store_conn_t *c, const report_service_config *cfg, const rstore_report *r,
                                  const rstore_procedure *proc, rpt_channel_context *ctx, const char **refusal)
{
    rstore_patient_dmp dmp;
    size_t n_dest = 0;
    store_status s = rstore_patient_dmp_get(c, r->patient_id, &dmp);
    if (s == STORE_OK) s = rstore_report_destinations(c, &n_dest);
    if (s != STORE_OK) return rsv_store_fail(s, "");
    *refusal = dmp_refusal(&dmp);
    ctx->dmp_enabled = cfg->dmp_enabled;
    ctx->patient_opposes_dmp = *refusal != NULL; /* the domain still follows up a shared document */
    ctx->ins_qualified = ins_may_emit(&proc->identity, &cfg->policy);
    ctx->has_referrer_mssante = proc->req_mssante[0] != '\0';
    /* The order names no professional recipient besides its requester (no copy list in the
     * data model); the patient's address is the INS one, decided by the domain. */
    ctx->n_recipients_mssante = 0;
    ctx->hl7_enabled = n_dest > 0;
    return rsv_res(RSV_OK, NULL, "%s", "");
}

/* Why each channel the decision left aside is not used (shown in Report.shares). */
static rsv_result record_notes(store_conn_t *c, const report_service_config *cfg, const rstore_report *r,
                               rpt_trigger trigger, const rpt_channels *ch, bool mss_job, const char *refusal)
{
    char text[sizeof ch->notes];
    rsv_result res = rsv_res(RSV_OK, NULL, "%s", "");
    bool decided = trigger == RPT_TRIGGER_VALIDATED || trigger == RPT_TRIGGER_CORRECTED;
    if (decided && ch->dmp == RPT_DMP_NONE) {
        /* The domain tests the site setting and the report's own exclusion first. */
        if (refusal && cfg->dmp_enabled && !flag(r, RPT_FLAG_NO_DMP)) snprintf(text, sizeof text, "%s", refusal);
        else notes_of(ch, "DMP", text, sizeof text);
        res = share_note(c, r, "dmp", text);
    }
    if (res.status == RSV_OK && decided && !mss_job) {
        notes_of(ch, "MSSanté", text, sizeof text);
        res = share_note(c, r, "mssante", text[0] ? text : "MSSanté : aucun destinataire.");
    }
    if (res.status == RSV_OK && trigger != RPT_TRIGGER_ANNOUNCEMENT && ch->hl7 == RPT_HL7_NONE)
        res = share_note(c, r, "hl7", "HL7 : aucune destination HL7 active ne reçoit les comptes rendus.");
    return res;
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
    rpt_channel_context ctx;
    const char *refusal = NULL;
    rsv_result cres = channel_context(c, cfg, r, proc, &ctx, &refusal);
    if (cres.status != RSV_OK) return cres;
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
    bool mss_job = ch.mss_patient || json_array_size(ps) > 0;
    if (res.status == RSV_OK && mss_job) {
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
    if (res.status == RSV_OK) res = record_notes(c, cfg, r, trigger, &ch, mss_job, refusal);
    return res;
}

/* --- status (Report.shares) ---------------------------------------------------------------------- */
static const char *job_status(const char *state)
{
    if (!state) return "not_applicable";
    if (strcmp(state, "done") == 0) return "sent";
    if (strcmp(state, "failed") == 0 || strcmp(state, "dead") == 0) return "failed";
    return "pending";
}

static const char *status_label(const char *status)
{
    if (strcmp(status, "sent") == 0) return "envoyé";
    if (strcmp(status, "failed") == 0) return "échec";
    if (strcmp(status, "pending") == 0) return "en attente";
    return "sans objet";
}

static const char *state_of(const json_t *job)
{
    return json_string_value(json_object_get(job, "state"));
}

static json_t *copy_or(const json_t *job, const char *key, json_t *dflt)
{
    const json_t *v = job ? json_object_get(job, key) : NULL;
    if (!v) return dflt;
    json_decref(dflt);
    return json_deep_copy(v);
}

/* job_id, attempts, last_error and next_attempt_at of o from job (NULL: none). */
static void set_job_fields(json_t *o, const json_t *job, const char *status)
{
    json_object_set_new(o, "job_id", copy_or(job, "job_id", json_null()));
    json_object_set_new(o, "attempts", copy_or(job, "attempts", json_integer(0)));
    json_object_set_new(o, "last_error", copy_or(job, "last_error", json_null()));
    json_object_set_new(o, "next_attempt_at",
                        strcmp(status, "pending") == 0 ? copy_or(job, "next_attempt_at", json_null()) : json_null());
}

static void set_status(json_t *o, const char *status, const char *label)
{
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "status_label", json_string(label ? label : status_label(status)));
}

/* One fan-out job as the API shows it: its row plus status and status_label. */
static json_t *destination_json(const json_t *d)
{
    json_t *o = json_deep_copy(d);
    const char *st = job_status(state_of(d));
    set_status(o, st, NULL);
    if (strcmp(st, "pending") != 0) json_object_set_new(o, "next_attempt_at", json_null());
    return o;
}

/* The hl7 entry once its hand-off job is done: the aggregate of the destinations. */
static void hl7_aggregate(json_t *o, const json_t *dests)
{
    size_t n = json_array_size(dests), i;
    if (n == 0) {
        set_status(o, "not_applicable", "sans objet : aucune destination HL7 ne reçoit les comptes rendus");
        json_object_set_new(o, "last_error", json_null());
        json_object_set_new(o, "next_attempt_at", json_null());
        return;
    }
    const json_t *failed = NULL, *retrying = NULL, *pending = NULL, *d;
    const char *earliest = NULL;
    int64_t max_attempts = 0;
    json_array_foreach(dests, i, d) {
        const char *st = job_status(state_of(d));
        int64_t att = json_integer_value(json_object_get(d, "attempts"));
        if (att > max_attempts) max_attempts = att;
        if (strcmp(st, "failed") == 0) {
            if (!failed) failed = d;
        } else if (strcmp(st, "pending") == 0) {
            if (!pending) pending = d;
            if (!retrying && (att > 0 || json_string_value(json_object_get(d, "last_error")))) retrying = d;
            const char *next = json_string_value(json_object_get(d, "next_attempt_at"));
            if (next && (!earliest || strcmp(next, earliest) < 0)) earliest = next;
        }
    }
    if (failed) {
        set_status(o, "failed", NULL);
        set_job_fields(o, failed, "failed");
    } else if (pending) {
        set_status(o, "pending", NULL);
        set_job_fields(o, retrying ? retrying : pending, "pending");
        json_object_set_new(o, "next_attempt_at", earliest ? json_string(earliest) : json_null());
    } else {
        set_status(o, "sent", NULL);
        json_object_set_new(o, "attempts", json_integer(max_attempts));
        json_object_set_new(o, "last_error", json_null());
        json_object_set_new(o, "next_attempt_at", json_null());
    }
}

json_t *rsv_shares_json(const json_t *jobs, const json_t *hl7_destinations)
{
    static const char *const channels[] = {"dmp", "mssante", "hl7"};
    json_t *out = json_array();
    for (size_t i = 0; i < 3; i++) {
        const json_t *job = NULL, *j;
        size_t k;
        json_array_foreach(jobs, k, j) {
            const char *ch = json_string_value(json_object_get(j, "channel"));
            if (ch && strcmp(ch, channels[i]) == 0) job = j;
        }
        const char *st = job_status(job ? state_of(job) : NULL);
        json_t *o = json_pack("{s:s}", "channel", channels[i]);
        /* A channel the latest decision left aside carries the French reason. */
        const char *reason = job ? json_string_value(json_object_get(job, "reason")) : NULL;
        char label[1100];
        if (reason) snprintf(label, sizeof label, "sans objet — %s", reason);
        set_status(o, st, reason ? label : NULL);
        json_object_set_new(o, "action", copy_or(job, "action", json_null()));
        set_job_fields(o, job, st);
        if (strcmp(channels[i], "hl7") == 0) {
            json_t *list = json_array();
            json_array_foreach(job ? hl7_destinations : NULL, k, j) json_array_append_new(list, destination_json(j));
            if (job && strcmp(st, "sent") == 0) hl7_aggregate(o, list);
            json_object_set_new(o, "destinations", list);
        }
        json_array_append_new(out, o);
    }
    return out;
}
