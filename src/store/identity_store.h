/* Store side of the identity API (src/http/h_identity.c): loading and saving an identity as the
 * src/ins rules see it (ins_identity), the identity-vigilance history they produce, the identity
 * documents checked, and the INSi call traces. Same conventions as store.h: every function
 * returns a store_status and records an English detail in store_last_error(conn); all of them
 * run inside the caller's transaction when one is open (the caller writes the identity change,
 * its history, its proof, its traces and its audit event in one transaction).
 *
 * Only the plain structs of ins/ins.h are used here (no call into the ins library). */
#ifndef COULOIR_STORE_IDENTITY_STORE_H
#define COULOIR_STORE_IDENTITY_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ins/ins.h"
#include "store/store.h"

/* The identity row `identity_id` as the rules see it, and its patient. STORE_NOT_FOUND when
 * absent. Rows written before migration 0030 get their provenance from the status. */
store_status ids_identity_get(store_conn_t *c, int64_t identity_id, int64_t *patient_id, ins_identity *out);

/* Writes traits, INS, status, attributes and provenance of `id` into the row (the previous row
 * is copied into identity_history first, as for every identity update). proof_checked_at: ISO
 * UTC time of a document check to record with id->proof_type, NULL to keep the stored one. */
store_status ids_identity_save(store_conn_t *c, int64_t identity_id, const ins_identity *id,
                               const char *proof_checked_at);

/* One identity_event row per history entry (user_id 0: none). */
store_status ids_events_add(store_conn_t *c, int64_t identity_id, int64_t patient_id, int64_t user_id,
                            const ins_history *h);

/* One identity document check. */
store_status ids_proof_add(store_conn_t *c, int64_t identity_id, int64_t patient_id, int64_t user_id,
                           const char *actor, const char *proof_type, bool high_trust, int64_t at);

/* One INSi call. returned_json: the identity of a CR 00 answer (NULL otherwise). */
store_status ids_trace_add(store_conn_t *c, int64_t identity_id, int64_t patient_id, int64_t user_id,
                           const insi_trace *t, const char *returned_json, int64_t *trace_id);

/* A trace: its identity, outcome, returned identity (*returned malloc'ed, NULL when none) and
 * whether it was already accepted. */
store_status ids_trace_get(store_conn_t *c, int64_t trace_id, int64_t *identity_id, char *outcome, size_t outcome_len,
                           char **returned, bool *accepted);
/* Marks a trace accepted; STORE_CONFLICT when it already was (concurrent acceptance). */
store_status ids_trace_mark_accepted(store_conn_t *c, int64_t trace_id, const char *at_iso);

/* Lists, oldest first, as JSON arrays of objects named after the columns. limit 1..10000. */
store_status ids_events_list(store_conn_t *c, int64_t identity_id, int64_t limit, json_t **items);
store_status ids_proofs_list(store_conn_t *c, int64_t identity_id, int64_t limit, json_t **items);
store_status ids_traces_list(store_conn_t *c, int64_t identity_id, int64_t limit, json_t **items);

#endif
