/* Store side of imaging reports (issue 6; tables of migration 0040): the report row with its
 * life cycle state (domain/report_lifecycle.h rpt_state), its history, its documents (PDF,
 * CDA N1, CDA N3 per version) and the sharing jobs queued for it, plus the read models of the
 * reporting API (lists, to-do, everything report_render() needs about a procedure).
 *
 * Same conventions as store.h: every function returns a store_status and records an English
 * detail in store_last_error(conn); every write runs inside the caller's transaction when one
 * is open (src/report/report_service.c writes the new state, the documents, the outbox jobs
 * and the audit event in ONE transaction). Contents are text: the CDA XML as is, the PDF in
 * base64 (encoding "base64"): the caller encodes and decodes. */
#ifndef COULOIR_STORE_REPORT_STORE_H
#define COULOIR_STORE_REPORT_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/report_lifecycle.h"
#include "ins/ins.h"
#include "store/store.h"

/* One report row. The char * members are owned (malloc'ed) and freed by rstore_report_clear. */
typedef struct {
    int64_t id;
    int64_t procedure_id;
    int64_t patient_id;
    int64_t template_id;          /* 0: none (template built in code) */
    char *template_json;          /* template as used (report/report.h JSON form), required */
    rpt_state state;
    int64_t author_user_id;       /* 0: none */
    int64_t validator_user_id;    /* 0: none */
    char *sections_json;          /* JSON object: section key -> text, required */
    char *addendum;               /* may be NULL */
    char *exposure_json;          /* JSON object or NULL */
    int64_t revision;             /* bumped by every rstore_report_update (optimistic lock) */
    char created_at[32];          /* ISO 8601 UTC */
    char updated_at[32];
} rstore_report;

void rstore_report_clear(rstore_report *r);

/* Inserts r (id, revision, created_at/updated_at are set). STORE_CONFLICT when the procedure
 * already has a report (or the set id exists), STORE_INVALID for a missing required member. */
store_status rstore_report_insert(store_conn_t *c, rstore_report *r);
/* STORE_NOT_FOUND when absent; *out is cleared first (call rstore_report_clear after). */
store_status rstore_report_get(store_conn_t *c, int64_t id, rstore_report *out);
/* Writes every mutable member of r when its stored revision is still r->revision, then bumps
 * r->revision and r->updated_at. STORE_CONFLICT on a concurrent change, STORE_NOT_FOUND. */
store_status rstore_report_update(store_conn_t *c, rstore_report *r);

/* One history row (event: rpt_event name or "create"; detail: French, may be NULL). */
store_status rstore_event_add(store_conn_t *c, int64_t report_id, const char *actor, const char *event,
                              rpt_status status, int version, const char *detail);
/* [{at, by, event, status, version, detail}] oldest first. */
store_status rstore_events_list(store_conn_t *c, int64_t report_id, json_t **items);

/* --- documents ----------------------------------------------------------------------------- */
typedef struct {
    int64_t id;
    int64_t patient_id, report_id;
    const char *kind;             /* "PDF", "CDA-N1", "CDA-N3" */
    const char *unique_id;        /* document id */
    const char *set_id;
    int version;                  /* >= 1 */
    const char *mime_type;
    const char *file_name;        /* may be NULL */
    const char *encoding;         /* "utf-8" or "base64" */
    const char *content;          /* text as stored */
    int64_t size;                 /* decoded size in bytes */
    const char *sha256;           /* hex of the decoded content, may be NULL */
} rstore_document;

/* STORE_CONFLICT when the (set_id, version, kind) exists. */
store_status rstore_document_add(store_conn_t *c, const rstore_document *d, int64_t *id);
/* The document of `kind` of a report, version `version` (0: the highest stored). *content,
 * *encoding, *mime, *file_name are malloc'ed (free them; file_name may be NULL). */
store_status rstore_document_get(store_conn_t *c, int64_t report_id, const char *kind, int version, int64_t *doc_id,
                                 int *got_version, char **content, char **encoding, char **mime, char **file_name);
/* [{id, kind, version, created_at, size}] by version then kind. */
store_status rstore_documents_list(store_conn_t *c, int64_t report_id, json_t **items);

/* --- sharing jobs ------------------------------------------------------------------------------ */
/* Links an outbox job (queued in the same transaction) to a report version. channel: "dmp",
 * "mssante" or "hl7". */
store_status rstore_share_add(store_conn_t *c, int64_t report_id, int version, const char *channel,
                              const char *action, int64_t job_id);
/* The latest job of each channel: [{channel, action, version, job_id, state, attempts,
 * last_error, next_attempt_at}] (state is the outbox_job state). */
store_status rstore_shares_list(store_conn_t *c, int64_t report_id, json_t **items);
/* The "hl7" jobs the "report-hl7" job parent_job_id fanned out, one per destination (table
 * hl7_outbound, column parent_job_id of migration 0012), by job id: [{job_id, destination:{id,
 * name}|null (name null when the destination was deleted), message_type, state, attempts,
 * last_error, next_attempt_at}] (state is the outbox_job state). Empty when none. */
store_status rstore_share_destinations(store_conn_t *c, int64_t parent_job_id, json_t **items);

/* Why a channel was not used by the latest sharing decision of a report (French reason, shown
 * in Report.shares as not_applicable): one row per report and channel, replaced by the next
 * decision; rstore_share_note_clear when a later decision queues a job on the channel.
 * rstore_shares_list returns such a channel as {channel, version, job_id: null, state: null,
 * attempts: 0, reason} in place of its older job. */
store_status rstore_share_note_set(store_conn_t *c, int64_t report_id, int version, const char *channel,
                                   const char *reason);
store_status rstore_share_note_clear(store_conn_t *c, int64_t report_id, const char *channel);

/* The patient's DMP state received from the identity feed (PAM-FR ZFA, table patient_dmp). */
typedef struct {
    bool known;                   /* a ZFA was received (else nothing below is set) */
    char status[32];              /* ZFA-1: ACTIF / FERME / INEXISTANT (older: OUVERT / NEXISTPAS), "" */
    char feed_opposition[16];     /* ZFA-9: IO (opposition), INO (no opposition), NA (not asked), "" */
} rstore_patient_dmp;
/* STORE_OK with out->known false when the patient has no row. */
store_status rstore_patient_dmp_get(store_conn_t *c, int64_t patient_id, rstore_patient_dmp *out);
/* How many enabled HL7 destinations are subscribed to reports (hl7s_destination_list HL7S_REPORTS). */
store_status rstore_report_destinations(store_conn_t *c, size_t *n);

/* --- read models -------------------------------------------------------------------------------- */
typedef struct {
    const char *status;           /* wire status name or NULL */
    int64_t patient_id;           /* 0: any */
    int64_t procedure_id;         /* 0: any */
    int64_t stale_before;         /* > 0: brouillon/provisoire whose status_since < this (unix s) */
    int64_t limit, offset;        /* limit 1..1000 */
} rstore_list_query;

/* ReportSummary objects (contract A): id, procedure_id, accession_number, exam_label, modality,
 * patient{id, ipp, birth_name, used_name, first_given_name, birth_date, sex}, status, version,
 * updated_at, validated_at, validator_name, flags (integer: the caller derives the booleans and
 * status_label). Newest change first (stale lists: oldest first). */
store_status rstore_report_list(store_conn_t *c, const rstore_list_query *q, json_t **items, int64_t *total);

/* Exams to report: scheduled steps in_progress/completed whose procedure has no validated
 * report: [{procedure_id, accession_number, exam_label, modality, patient{...}, step_status,
 * performed_at, report_id|null, report_status|null}], oldest first, at most limit. */
store_status rstore_exams_to_report(store_conn_t *c, int64_t limit, json_t **items);

/* Everything about a procedure the reports need (owned strings are fixed-size copies). */
typedef struct {
    int64_t procedure_id, order_id, patient_id, exam_id, identity_id;
    char accession_number[32];
    char study_instance_uid[80];
    char ipp[32];
    ins_identity identity;
    char exam_label[256], ccam_code[16], loinc_code[16], modality[8], region_code[32];
    char performed_start[32];     /* ISO UTC of the exam start ("" when unknown) */
    char performed_end[32];
    /* The first image the modality reported in its MPPS (Performed Series Sequence), for the
     * DICOM object catalog of the CDA; "" when the MPPS named none. */
    char series_uid[65], sop_class_uid[65], sop_instance_uid[65];
    char placer_number[32];
    /* requester (correspondent), all "" when none */
    char req_rpps[16], req_last[101], req_first[101], req_mssante[256];
    /* site of the exam room (or the first active site) */
    char site_name[256], site_finess[16], site_address[256], site_postal[16], site_city[101], site_phone[40];
} rstore_procedure;

/* STORE_NOT_FOUND when the procedure does not exist. */
store_status rstore_procedure_get(store_conn_t *c, int64_t procedure_id, rstore_procedure *out);

#endif
