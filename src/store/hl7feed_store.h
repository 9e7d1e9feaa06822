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
/* Replaces the raw text of a message (manual correction before a reprocessing). */
store_status hl7s_inbox_set_raw(store_conn_t *c, int64_t id, const char *raw);
/* Newest first; state NULL = any. JSON array of {id, source, control_id, state, outcome,
 * received_at, processed_at}. limit 1..1000. */
store_status hl7s_inbox_list(store_conn_t *c, const char *state, int64_t limit, json_t **items);

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
/* ZFA (DMP) of a patient, fields 1..6 (NULL = empty). */
store_status hl7s_dmp_upsert(store_conn_t *c, int64_t patient_id, const char *const zfa[6]);
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

/* --- outbox -------------------------------------------------------------------------------- */
/* Delivery state of outbound jobs of `kind`, newest first: JSON array of {id, kind, state,
 * attempts, last_error, created_at, updated_at, dedup_key}. */
store_status hl7s_outbox_list(store_conn_t *c, const char *kind, int64_t limit, json_t **items);

#endif
