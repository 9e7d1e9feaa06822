/* Store side of the HL7 integration (src/hl7feed): the SQL that store.h lacks for the inbox
 * (listing, correction, duplicate answers), the identity feed (lookups by IPP/INS, merge,
 * identifier change, review list, DMP consent, visits) and orders (catalogue lookup, order
 * status cascade). Same conventions as store.h: every function returns a store_status and
 * records an English detail in store_last_error(conn); all of them run inside the caller's
 * transaction when one is open. */
#ifndef COULOIR_STORE_HL7FEED_STORE_H
#define COULOIR_STORE_HL7FEED_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* Savepoints (name: [a-z0-9_]+) to undo one message of a group-commit batch. */
store_status hl7s_savepoint(store_conn_t *c, const char *name);
store_status hl7s_release(store_conn_t *c, const char *name);
store_status hl7s_rollback_to(store_conn_t *c, const char *name);

/* Connection settings for batches of savepoints: SQLite keeps its savepoint sub-journals in
 * memory (PRAGMA temp_store=MEMORY) instead of temporary files. No-op on PostgreSQL. */
store_status hl7s_connection_tune(store_conn_t *c);

/* --- inbox --------------------------------------------------------------------------------- */
/* The latest message of `source` with `control_id`: id, state and outcome (may be ""). */
store_status hl7s_inbox_find(store_conn_t *c, const char *source, const char *control_id, int64_t *id,
                             char *state, size_t state_len, char *outcome, size_t outcome_len);
/* One message: *source and *raw are malloc'ed (free()). */
store_status hl7s_inbox_get(store_conn_t *c, int64_t id, char **source, char **raw, char *state, size_t state_len);
/* Claims message id for a reprocessing in the caller's transaction: locks its row when it is
 * not processed yet (two concurrent reprocessings run one after the other; the second then sees
 * the first one's state). STORE_CONFLICT when already processed, STORE_NOT_FOUND. */
store_status hl7s_inbox_claim(store_conn_t *c, int64_t id);
/* Replaces the raw text of a message (manual correction before a reprocessing); the text as
 * received is kept in original_raw at the first correction. */
store_status hl7s_inbox_set_raw(store_conn_t *c, int64_t id, const char *raw);
/* Newest first; state NULL = any, offset >= 0, limit 1..1000. *items: JSON array of {id, source,
 * control_id, message_type (MSH-9 read from the stored text, "" when unreadable), state,
 * outcome, received_at, processed_at}; *total (may be NULL): rows matching the filter. */
store_status hl7s_inbox_list(store_conn_t *c, const char *state, int64_t limit, int64_t offset, json_t **items,
                             int64_t *total);
/* One message as a JSON object: the fields of hl7s_inbox_list plus raw (the stored text) and
 * original_raw (the text as received when raw was corrected, else null).
 * STORE_NOT_FOUND when none. */
store_status hl7s_inbox_get_json(store_conn_t *c, int64_t id, json_t **obj);

/* --- patients and identities --------------------------------------------------------------- */
typedef struct {
    int64_t id, patient_id;
    char birth_name[101], used_name[101], first_given_name[101], given_names[256], used_given_name[101];
    char birth_date[11], sex[2], birth_cog[6], ins_matricule[16], ins_oid[33], rniv_status[16];
    bool douteuse, fictive, homonyme;
} hl7s_identity;

/* Patient by IPP: its id, and merged_into (0 when not merged). STORE_NOT_FOUND when none. */
store_status hl7s_patient_by_ipp(store_conn_t *c, const char *ipp, int64_t *patient_id, int64_t *merged_into);
store_status hl7s_patient_ipp(store_conn_t *c, int64_t patient_id, char *ipp, size_t n);
/* Patient holding that INS matricule. */
store_status hl7s_patient_by_ins(store_conn_t *c, const char *matricule, int64_t *patient_id);
store_status hl7s_identity_by_patient(store_conn_t *c, int64_t patient_id, hl7s_identity *out);
/* A47: the IPP of a patient changes (the IPP is immutable through the generic API). */
store_status hl7s_patient_change_ipp(store_conn_t *c, int64_t patient_id, const char *new_ipp);
/* A40: orders, appointments and visits of `from` move to `into`; `from` becomes inactive with
 * merged_into set. */
store_status hl7s_patient_merge(store_conn_t *c, int64_t from, int64_t into);
/* Identity-vigilance review list. incoming_json may be NULL. */
store_status hl7s_review_add(store_conn_t *c, int64_t patient_id, int64_t inbox_id, const char *reason,
                             const char *incoming_json);
store_status hl7s_review_count(store_conn_t *c, int64_t patient_id, int64_t *n);
/* ZFA (PAM-FR: DMP status and consents) fields kept per patient: 1..6 (status, its date, access
 * authorisation and oppositions to emergency access) then 9 and 10 (opposition to the DMP feed:
 * IO, INO or NA, and its date). */
#define HL7S_ZFA_FIELDS 8
/* ZFA of a patient: zfa[0..5] = ZFA-1..6, zfa[6] = ZFA-9, zfa[7] = ZFA-10 (NULL = empty). */
store_status hl7s_dmp_upsert(store_conn_t *c, int64_t patient_id, const char *const zfa[HL7S_ZFA_FIELDS]);
/* PV1 visit (by visit number). status: "active", "discharged" or "cancelled". */
store_status hl7s_visit_upsert(store_conn_t *c, int64_t patient_id, const char *visit_number, const char *patient_class,
                               const char *location, const char *admitted_at, const char *discharged_at,
                               const char *status);

/* --- orders -------------------------------------------------------------------------------- */
/* Active catalogue exam by CCAM code (or LOINC code). */
store_status hl7s_exam_by_code(store_conn_t *c, const char *code, int64_t *exam_id, char *modality, size_t mlen,
                               char *label, size_t llen);
/* Latest order with that placer number. status: its status. */
store_status hl7s_order_by_placer(store_conn_t *c, const char *placer, int64_t *order_id, int64_t *patient_id,
                                  char *status, size_t slen);
/* Sets the status of an order and of its procedures and steps that are not finished
 * (completed/cancelled/discontinued stay). */
store_status hl7s_order_set_status(store_conn_t *c, int64_t order_id, const char *order_status,
                                   const char *step_status);
/* Moves the booked steps of an order to start_at (ISO UTC). */
store_status hl7s_order_reschedule(store_conn_t *c, int64_t order_id, const char *start_at);

typedef struct {
    int64_t procedure_id;
    char accession_number[17], study_instance_uid[65], status[16];
    char ccam_code[8], exam_label[256], modality[8];
    char sps_id[17], start_at[32], ae_title[17];
} hl7s_procedure;
/* Procedures of an order with their first step; *out malloc'ed (free()). */
store_status hl7s_order_procedures(store_conn_t *c, int64_t order_id, hl7s_procedure **out, size_t *n);
store_status hl7s_order_count(store_conn_t *c, int64_t *n);

/* --- destinations (table hl7_destination) --------------------------------------------------- */
typedef struct {
    int64_t id;
    char name[65];
    char source[8];                 /* "api" or "config" (defined by [hl7feed] pacs_*, read-only) */
    char host[256];
    int port;
    char flavour[4];                /* "omi" or "orm" */
    char charset[16];               /* "UNICODE UTF-8", "8859/1", "8859/15" */
    char receiving_application[65]; /* MSH-5 */
    char receiving_facility[65];    /* MSH-6 */
    bool send_orders, send_patients, send_reports;
    char report_flavour[4];         /* "oru" or "mdm" */
    bool tls, enabled;
    char created_at[32], updated_at[32];
} hl7s_destination;

/* Subscriptions for hl7s_destination_list. */
typedef enum { HL7S_ANY, HL7S_ORDERS, HL7S_PATIENTS, HL7S_REPORTS } hl7s_subscription;

/* Inserts d (its id, created_at and updated_at are ignored) and returns the new id. CONFLICT when
 * the name is taken, INVALID when a value breaks a constraint. */
store_status hl7s_destination_insert(store_conn_t *c, const hl7s_destination *d, int64_t *id);
/* Replaces every field of row d->id (source included). NOT_FOUND, CONFLICT, INVALID. */
store_status hl7s_destination_update(store_conn_t *c, const hl7s_destination *d);
store_status hl7s_destination_delete(store_conn_t *c, int64_t id);
store_status hl7s_destination_get(store_conn_t *c, int64_t id, hl7s_destination *out);
/* Destinations ordered by id: every one (HL7S_ANY, enabled_only false), or the enabled ones
 * subscribed to a kind of message. *out malloc'ed (free()), NULL when *n is 0. */
store_status hl7s_destination_list(store_conn_t *c, hl7s_subscription sub, bool enabled_only, hl7s_destination **out,
                                   size_t *n);
/* Keeps the destination defined by the configuration in step: d (source forced to "config")
 * replaces the row of source "config" or is inserted; d NULL deletes that row. *id (may be
 * NULL) receives its id (0 when deleted). Runs in its own transaction when none is open. */
store_status hl7s_destination_sync_config(store_conn_t *c, const hl7s_destination *d, int64_t *id);
/* JSON of a destination (the API's shape, with "source"). */
json_t *hl7s_destination_json(const hl7s_destination *d);

/* --- outbound messages (outbox jobs of kind "hl7" / "report-hl7") ------------------------------ */
/* Records which destination, message type (MSH-9) and control id (MSH-10) an "hl7" job carries. */
store_status hl7s_outbound_link(store_conn_t *c, int64_t job_id, int64_t destination_id, const char *message_type,
                                const char *control_id);
/* Links the "hl7" job whose dedup_key is dedup_key (already linked by hl7s_outbound_link) to
 * the "report-hl7" job that fanned it out (column parent_job_id, migration 0012): the sharing
 * status of a report follows its destinations through it. NOT_FOUND when no such job. */
store_status hl7s_outbound_set_parent(store_conn_t *c, const char *dedup_key, int64_t parent_job_id);
/* Jobs with a dedup_key starting with prefix (fan-outs already done). */
store_status hl7s_outbox_count_prefix(store_conn_t *c, const char *prefix, int64_t *n);
/* Delivery state of the outbound HL7 jobs (kinds "hl7" and "report-hl7"), newest first; state
 * NULL = any (pending, running, done, failed), destination_id 0 = any. *items: JSON array of
 * {id, kind, destination:{id,name}|null, message_type, control_id, state, attempts, last_error,
 * next_attempt_at, created_at, updated_at}; *total (may be NULL): rows matching the filters. */
store_status hl7s_outbox_list(store_conn_t *c, const char *state, int64_t destination_id, int64_t limit,
                              int64_t offset, json_t **items, int64_t *total);

/* --- reports (report-hl7 fan-out) ------------------------------------------------------------- */
/* What the report transmission needs of a CDA document row and its report. */
typedef struct {
    int64_t document_id, report_id, patient_id, procedure_id;
    char kind[8];                         /* "CDA-N1"... */
    char unique_id[128], set_id[128], replaces_id[128];
    int version;
    char *content;                        /* the CDA XML (malloc'ed: hl7s_report_document_clear) */
    size_t content_len;
    char validated_at[40], created_at[40];
    char accession_number[17], placer_number[64];
    char author_rpps[16], author_name[128];
} hl7s_report_document;

store_status hl7s_report_document_get(store_conn_t *c, int64_t document_id, hl7s_report_document *out);
void hl7s_report_document_clear(hl7s_report_document *d);

#endif
