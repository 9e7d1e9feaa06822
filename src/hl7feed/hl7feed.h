/* HL7 integration: the adapter between the HL7 library (src/hl7) and the domain/store.
 *
 *   - inbound: the MLLP listener of `couloir serve`. Every message is stored raw in the inbox
 *     (inbox_message) and processed in the same transaction; acknowledgements are deferred
 *     (HL7_MLLP_DEFER) and sent by a group-commit worker only after the batch is durably
 *     committed: AA processed, AE semantically invalid (ERR with code, location, French text;
 *     the message stays in the inbox as "failed", to be corrected and reprocessed), AR
 *     unsupported type/version or unreadable. A repeated MSH-10 from the same sender
 *     (MSH-3/MSH-4) is acknowledged again with the stored outcome and not processed again.
 *   - identity feed (IHE PAM, French extension): ADT A01..A47 through ins_feed_apply();
 *   - orders in (IHE SWF.b placer orders): ORM^O01 and OMI^O23 -> orders, requested
 *     procedures, scheduled steps from the exam catalogue;
 *   - outbound through the outbox (kind "hl7"): OMI^O23/ORM^O01 and ADT A08/A40 to every
 *     destination subscribed (table hl7_destination), enqueued in the transaction of the
 *     change; the "hl7" sender delivers over MLLP (one client per destination);
 *   - report transmission (kind "report-hl7", queued by the reporting code): the CDA N1 becomes
 *     ORU^R01 or MDM^T02/T10/T04 jobs for the destinations subscribed to reports.
 *
 * No global mutable state: everything hangs off an hl7feed_t. See docs/hl7-integration.md. */
#ifndef COULOIR_HL7FEED_HL7FEED_H
#define COULOIR_HL7FEED_HL7FEED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "hl7/hl7.h"
#include "outbox/outbox.h"
#include "store/store.h"

/* [hl7feed] settings (the [hl7] listener settings are hl7_settings, declared by src/hl7). */
extern const config_setting hl7feed_settings[];

typedef struct hl7feed hl7feed_t;

/* Reads [hl7] and [hl7feed] from cfg (which must outlive the handle) and keeps the destination
 * of [hl7feed] pacs_* (row "pacs" of source "config" in hl7_destination) in step with it. NULL
 * with a French message on an invalid setting or a database failure. Nothing listens before
 * hl7feed_start(). */
hl7feed_t *hl7feed_new(store_t *st, const config_t *cfg, char *err, size_t errlen);
/* Starts the MLLP listener thread and the group-commit worker (no-op when [hl7] listen_port is
 * 0). Returns 0, or -1 with a French message (e.g. port in use). */
int hl7feed_start(hl7feed_t *f, char *err, size_t errlen);
/* The bound listener port (0 when not listening). */
int hl7feed_port(const hl7feed_t *f);
/* Registers the "hl7" and "report-hl7" senders on an outbox dispatcher (before outbox_start). */
int hl7feed_register_sender(hl7feed_t *f, outbox_t *ob);
/* Stops the listener and the worker: messages not yet committed are not acknowledged (their
 * senders resend). */
void hl7feed_stop(hl7feed_t *f);
void hl7feed_free(hl7feed_t *f);

/* Everything `couloir serve` runs for HL7: the feed (listener + worker) and an outbox
 * dispatcher on the store's queue with the "hl7" and "report-hl7" senders (one worker). NULL
 * with a French message when a setting is invalid or delivery cannot start. When only the
 * listener fails (port in use...), the service is returned (delivery and reprocessing work),
 * err holds the reason and hl7feed_service_listener() reports it. */
typedef struct hl7feed_service hl7feed_service;
hl7feed_service *hl7feed_service_start(store_t *st, const config_t *cfg, char *err, size_t errlen);
/* The listener port of a running service (0 when disabled or failed). */
int hl7feed_service_port(const hl7feed_service *s);
/* State of the MLLP listener: 1 listening (*port = bound port), 0 disabled ([hl7] listen_port
 * 0, or s NULL), -1 failed to start (err = the French reason). port and err may be NULL/0. */
int hl7feed_service_listener(const hl7feed_service *s, int *port, char *err, size_t errlen);
/* The feed of a service (for hl7feed_reprocess...), NULL when s is NULL. */
hl7feed_t *hl7feed_service_feed(hl7feed_service *s);
/* Stops the listener, the worker and the outbox (in-flight deliveries finish); frees. */
void hl7feed_service_stop(hl7feed_service *s);

/* Outcome of the processing of one message. */
typedef struct {
    hl7_ack_code code;  /* AA, AE or AR */
    int error;          /* HL7 table 0357 code (0 with AA) */
    char location[32];  /* "PID-3", "OBR[2]-4"... ("" when none) */
    char text[256];     /* French */
} hl7feed_outcome;

/* Processes one inbound message exactly as the listener does (inbox row, duplicate detection,
 * processing, outcome), in its own transaction, and builds the serialized ACK into ack (may be
 * NULL). `peer` names the connection for unreadable messages. Returns STORE_OK with *out
 * filled, or the store error (nothing committed: the message must be resent). */
store_status hl7feed_ingest(hl7feed_t *f, const char *peer, const char *msg, size_t len, hl7feed_outcome *out,
                            buf_t *ack);

/* --- inbox tools (CLI and API) ------------------------------------------------------------- */
/* Reprocesses inbox message `id` (any state but "processed"), after replacing its raw text
 * with `corrected` when not NULL. Returns STORE_OK with *out filled (the new state is
 * "processed" with AA, "failed"/"rejected" otherwise), STORE_NOT_FOUND, STORE_CONFLICT when
 * already processed, or a store error. */
store_status hl7feed_reprocess(hl7feed_t *f, int64_t id, const char *corrected, hl7feed_outcome *out);

/* JSON views used by the CLI (`couloir hl7 inbox|reprocess|outbox`); the HTTP API
 * (/api/v1/hl7/..., src/http/h_hl7.c) reads the same store functions and reprocesses through
 * the http_hooks the application fills with hl7feed_reprocess:
 *   hl7feed_api_inbox_list   {"items": [...], "total": N}   (state: received|processed|failed|rejected)
 *   hl7feed_api_reprocess    {"ack", "error", "location", "text", "state"} (body {"raw": "..."} optional)
 *   hl7feed_api_outbox_list  {"items": [...], "total": N}
 * Each returns an HTTP status and a new JSON body in *body ({"error": "..."} in French on failure). */
int hl7feed_api_inbox_list(hl7feed_t *f, const char *state, const char *limit, json_t **body);
int hl7feed_api_reprocess(hl7feed_t *f, int64_t id, const json_t *request, json_t **body);
int hl7feed_api_outbox_list(hl7feed_t *f, const char *limit, json_t **body);

/* `couloir hl7 inbox [--state S] [--limit N]`, `couloir hl7 reprocess ID [--raw FILE]`,
 * `couloir hl7 outbox [--limit N]`. argv[0] is "hl7". Returns the exit status. */
int hl7feed_cli_main(store_t *st, const config_t *cfg, int argc, char **argv);

/* `couloir hl7 parse FILE [--json]` (readable tree or JSON of a message, non-zero exit with a
 * located error when malformed) and `couloir hl7 send HOST:PORT FILE` (sends over MLLP, prints
 * the acknowledgement, exit 0 on AA/CA). argv[0] is "hl7". Needs no configuration. */
int hl7feed_tool_main(int argc, char **argv);

/* --- outbound (also for other modules: scheduling UI, identity screens) ------------------ */
/* Enqueue, inside the caller's open transaction, the message for an order to every enabled
 * destination subscribed to orders (table hl7_destination, OMI^O23 or ORM^O01 per its flavour):
 * control "NW" (scheduled), "XO" (updated) or "CA" (cancelled). No-op (STORE_OK) when there is
 * no such destination. */
store_status hl7feed_enqueue_order(hl7feed_t *f, store_conn_t *c, int64_t order_id, const char *control);
/* ADT^A08 (patient update) or, with merged_ipp, ADT^A40 (merge of merged_ipp into the patient),
 * to every enabled destination subscribed to patients. */
store_status hl7feed_enqueue_patient(hl7feed_t *f, store_conn_t *c, int64_t patient_id, const char *merged_ipp);

#endif
