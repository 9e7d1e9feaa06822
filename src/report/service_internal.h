/* Internals of the reporting service shared by its files (report_service.h). */
#ifndef COULOIR_REPORT_SERVICE_INTERNAL_H
#define COULOIR_REPORT_SERVICE_INTERNAL_H

#include <jansson.h>
#include <stdarg.h>

#include "report/report.h"
#include "report/report_service.h"
#include "store/report_store.h"

/* Fills r and returns it (French message). */
rsv_result rsv_res(rsv_status st, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Maps a store failure (NOT_FOUND names `what`, e.g. "Compte rendu inconnu."). */
rsv_result rsv_store_fail(store_status s, const char *what);

/* A person as the CDA wants it from a display name ("Dr Sophie Lambert" -> suffix DR, given
 * "Sophie", family "Lambert"). Strings point into buf. */
void rsv_person_from_name(const char *display, char *buf, size_t n, cda_person *p);

/* Now as ISO 8601 with the local offset ("2026-11-22T10:14:00+01:00"); an ISO UTC time
 * ("...Z") converted the same way. */
void rsv_now_local(char *out, size_t n);
int rsv_local_from_iso(const char *iso, char *out, size_t n);

/* Everything report_render() needs about one report, with the storage of its strings. */
typedef struct {
    rstore_procedure proc;
    rtpl_template tpl;
    store_user author;
    char author_buf[256], validator_buf[256], requester_family[101], requester_given[101];
    char street[256], start[40], end[40], series[192], sop[192], ccam_label[256], site_phone_uri[64];
    json_t *sections;             /* parsed sections_json (owned) */
    json_t *exposure;             /* parsed exposure_json (owned, may be NULL) */
    cda_exam exam;
    report_patient patient;
    report_site site;
    report_recipient recipients[1];
    pdf_options pdf;
    report_input in;
} rsv_render_ctx;

/* Loads and maps (state: the rpt_state to render, e.g. the new one after validation;
 * validator: the validating user, may be NULL for a preview). */
rsv_result rsv_render_prepare(store_conn_t *c, const report_service_config *cfg, const rstore_report *r,
                              const rpt_state *state, const rsv_actor *validator, rsv_render_ctx *x);
void rsv_render_free(rsv_render_ctx *x);

/* Parses exposure JSON into the exam (doses, pregnancy). -1 with a French message. */
int rsv_exposure_apply(const json_t *exposure, cda_exam *exam, char *err, size_t errlen);

/* Records the audit event of a write (inside the transaction). */
store_status rsv_audit(store_conn_t *c, const rsv_actor *who, const char *action, int64_t report_id,
                       int64_t patient_id, const char *detail);

/* Flags <-> the API's "flags" object. */
json_t *rsv_flags_json(unsigned flags);
rsv_result rsv_parse_flags(const json_t *patch, unsigned current, unsigned *out);
/* Applies body "sections" / "addendum" (/ "exposure") to r, checked against its template. */
rsv_result rsv_apply_text(rstore_report *r, const json_t *body, bool allow_exposure);
/* Saves r (optimistic lock), its history row (event) and the audit event (action). */
rsv_result rsv_save(store_conn_t *c, const rsv_actor *who, rstore_report *r, const char *event, const char *action,
                    const char *detail);

/* Validation or correction inside the caller's transaction: new state, rendering, the three
 * documents, the sharing jobs, history and audit. */
rsv_result rsv_validate_in_tx(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who,
                              rstore_report *r, bool correct, const json_t *body);

/* Queues the outbox jobs rpt_channels_decide() selects for `trigger` applied to r->state (the
 * state after the command) and links them to the report (report_share). n1_id / pdf_id: the
 * documents of the version (0: the latest stored). proc may be NULL (loaded). May set
 * r->state.shared_to_dmp. */
rsv_result rsv_share(store_conn_t *c, const report_service_config *cfg, rstore_report *r, rpt_trigger trigger,
                     int64_t n1_id, int64_t pdf_id, const rstore_procedure *proc);

/* Report.shares: one entry per channel (dmp, mssante, hl7) {channel, status (sent, pending,
 * failed, not_applicable), status_label (French), job_id, action, attempts, last_error,
 * next_attempt_at}. jobs: rstore_shares_list(); the status of dmp/mssante is the state of their
 * job. hl7_destinations (may be NULL): rstore_share_destinations() of the hl7 job, which is the
 * hand-off ("report-hl7"): the hl7 entry aggregates it with the jobs it fanned out (docs/
 * reporting.md, "Sharing status"): hand-off not done -> its state; done without destination ->
 * not_applicable; else failed if a destination failed for good, pending if one is pending or
 * retrying, sent when all are done. job_id, attempts and last_error are then those of the job to
 * retry (first failed, else first retrying, else first pending destination), next_attempt_at the
 * earliest of the pending ones. The hl7 entry adds "destinations": the fan-out jobs, each with
 * its own status and status_label. New reference (never NULL). */
json_t *rsv_shares_json(const json_t *jobs, const json_t *hl7_destinations);

/* HTML (UTF-8, French) of a CDA N3 document through the display stylesheet (html.c). */
int report_cda_html(const char *cda, size_t len, char **html, size_t *html_len, char *err, size_t errlen);

#endif
