/* Reporting application logic (issue 6): creating, editing and moving imaging reports through
 * their life cycle, with persistence (store/report_store.h), rendering (report_render) and the
 * sharing jobs of the outbox. No SQL here; no HTTP either (src/http/h_reports.c maps the
 * results to answers).
 *
 * Every write runs in ONE store transaction: the new report state, its history row, the audit
 * event and — on validation / correction — the PDF/A-1b, CDA N1 and CDA N3 documents and the
 * outbox jobs of the channels rpt_channels_decide() selects (kinds "dmp", "mssante",
 * "report-hl7", payloads of docs/reporting.md), so that a document is never shared without
 * being stored, nor stored without being queued. A concurrent change of the same report is a
 * RSV_CONFLICT (optimistic lock), never a lost update.
 *
 * Thread safety: no global state; the functions may run concurrently on different
 * connections (report_init() must have been called once from the main thread). */
#ifndef COULOIR_REPORT_REPORT_SERVICE_H
#define COULOIR_REPORT_REPORT_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "ins/ins.h"
#include "pdf/pdf.h"
#include "store/store.h"

/* Settings declared by the service (section [report], besides reminder_delay_hours):
 *   dmp_enabled, site_sector, site_sector_label, site_facility_type, site_facility_type_label. */
extern const config_setting report_service_settings[];

/* What the service reads from the configuration, once (report_service_config_load). */
typedef struct {
    char id_root[128];           /* OID root of report document ids: [identity] oid_root + ".3" */
    char ipp_oid[128];           /* [identity] ipp_oid */
    char accession_oid[128];     /* issuer of accession numbers: [identity] oid_root + ".5" */
    ins_policy policy;           /* [ins] (outgoing rule) */
    char rgpd_notice[2048];      /* [pdf] rgpd_notice */
    char font_regular[512], font_bold[512], icc_profile[512];
    bool dmp_enabled;            /* [report] dmp_enabled */
    char sector[64], sector_label[128], facility[64], facility_label[128];
    int64_t reminder_delay_s;    /* [report] reminder_delay_hours in seconds */
} report_service_config;

/* Reads the settings; a setting whose table the configuration did not register takes its
 * default (so that tools and tests may pass NULL). Returns 0, or -1 with a French message. */
int report_service_config_load(const config_t *cfg, report_service_config *out, char *err, size_t errlen);

typedef enum {
    RSV_OK = 0,
    RSV_NOT_FOUND,     /* 404: report, procedure, document */
    RSV_FORBIDDEN,     /* 403: role or RPPS */
    RSV_INVALID,       /* 422: bad member in the request */
    RSV_CONFLICT,      /* 409: a transition the life cycle refuses */
    RSV_UNAVAILABLE,   /* 503: database busy */
    RSV_STALE,         /* 409: concurrent change of the same report */
    RSV_ERROR,         /* 500 */
    RSV_UNKNOWN_MEMBER,/* 422: a request member the command does not know */
    RSV_EXISTS,        /* 409: the procedure already has a report, a share was already queued */
} rsv_status;

/* Who acts (the logged-in user). */
typedef struct {
    int64_t user_id;
    const char *login;
    const char *display_name;    /* "Dr Sophie Lambert" */
    const char *rpps;            /* NULL or "" when none */
    bool radiologue;
    const char *client_addr;     /* for the audit trail */
} rsv_actor;

/* Result of a command: status and a French message (for the user) when not RSV_OK. */
typedef struct {
    rsv_status status;
    char message[512];
    char field[64];              /* offending request member, "" when none */
} rsv_result;

/* POST /reports: creates the brouillon report of a procedure with the template's default texts.
 * template_id 0: the template of the exam (report_templates_find_for_exam); RSV_INVALID with a
 * French message when the exam has neither its own nor a generic template of its modality. */
rsv_result rsv_create(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who, int64_t procedure_id,
                      int64_t template_id, int64_t *report_id);

/* PATCH /reports/{id}: body members "sections", "flags", "exposure", "addendum" (any subset). */
rsv_result rsv_update(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who, int64_t report_id,
                      const json_t *body);

/* POST /reports/{id}/{action}: "provisional" {"reviewers":[...]}, "draft", "validate",
 * "correct" {"sections", "addendum", "flags"}, "withdraw" {"reason"}, "announce". */
rsv_result rsv_command(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who, int64_t report_id,
                       const char *action, const json_t *body);

/* The Report object of the API (contract A). *patient_id receives the report's patient (for
 * the audit of the read). */
rsv_result rsv_view(store_conn_t *c, int64_t report_id, json_t **out, int64_t *patient_id);

/* Adds status_label and the flags booleans (announcement_pending) to ReportSummary items. */
void rsv_decorate_summaries(json_t *items);

/* A stored document of the report: kind "PDF", "CDA-N1", "CDA-N3"; version 0 = current.
 * *data (malloc'ed) holds *len bytes (the PDF decoded); mime and file name are copied. */
rsv_result rsv_document(store_conn_t *c, int64_t report_id, const char *kind, int version, unsigned char **data,
                        size_t *len, char *mime, size_t mime_len, char *file_name, size_t name_len, int64_t *patient_id);

/* HTML rendering (XSLT) of the stored CDA N3 of a version (0 = current), for display. */
rsv_result rsv_html(store_conn_t *c, int64_t report_id, int version, char **html, size_t *len, int64_t *patient_id);

/* PDF of the current text marked "Document non validé" (any status; nothing is stored). */
rsv_result rsv_preview(store_conn_t *c, const report_service_config *cfg, int64_t report_id, unsigned char **pdf,
                       size_t *len, int64_t *patient_id);

#endif
