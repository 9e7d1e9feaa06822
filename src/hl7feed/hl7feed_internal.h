/* Internals of src/hl7feed shared by its files. */
#ifndef COULOIR_HL7FEED_INTERNAL_H
#define COULOIR_HL7FEED_INTERNAL_H

#include <pthread.h>

#include "hl7feed/hl7feed.h"
#include "ins/ins.h"
#include "store/hl7feed_store.h"

typedef struct ingest_item ingest_item;

/* A reconnecting MLLP client to one destination, remade when its address changes. Allocated
 * once per destination and kept until hl7feed_free (feed_clients_free); io_mu serialises the
 * deliveries to that destination, so that one slow destination never holds the others. */
typedef struct {
    int64_t destination_id;
    pthread_mutex_t io_mu;    /* held during a delivery; guards host, port, tls, client */
    char host[256];
    int port;
    bool tls;
    hl7_mllp_client *client;
} feed_client;

struct hl7feed {
    store_t *st;
    const config_t *cfg;
    ins_policy policy;
    hl7_parse_opts popts;
    char undeclared_charset[32];
    char app[64], facility[64];
    char domain_senders[512], trusted_senders[512];
    size_t batch_max;
    /* the destination defined by [hl7feed] pacs_* (row of source "config" in hl7_destination) */
    bool pacs_enabled;
    hl7s_destination pacs;
    int64_t pacs_id;          /* its row (0 when none) */
    int ack_timeout_ms;       /* [hl7feed] pacs_ack_timeout_seconds, for every destination */
    pthread_mutex_t send_mu;  /* guards the clients array (never held during network I/O) */
    feed_client **clients;
    size_t nclients;
    outbox_t *outbox;   /* woken after a commit that enqueued messages (may be NULL) */
    uint64_t enqueued;  /* outbound jobs enqueued so far (atomic) */
    /* listener */
    char listen_address[64];
    int listen_port;
    size_t max_message;
    int idle_timeout_ms, max_connections;
    const char *tls_cert, *tls_key;
    hl7_mllp_server *server;
    pthread_t server_thread;
    bool server_running;
    /* group-commit worker */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ingest_item *head, *tail;
    bool stopping;
    pthread_t worker;
    bool worker_running;
};

/* Copies s (NULL = "") into dst, truncated to n - 1 bytes. */
void feed_copy(char *dst, size_t n, const char *s);
/* Sets an outcome (text copied, truncated to fit). */
void feed_outcome(hl7feed_outcome *o, hl7_ack_code code, int error, const char *location, const char *text);
/* Maps a store failure inside the processing of one message to an outcome: conflicts and
 * invalid data become AE; returns true when it did, false for BUSY/ERROR (abort the batch). */
bool feed_store_outcome(store_status st, store_conn_t *c, hl7feed_outcome *o);

/* Decoded value of a path ("" when absent); out must be initialised. */
const char *feed_get(const hl7_message *m, const char *path, buf_t *out);
/* Same into a fixed buffer (truncated); returns dst. */
const char *feed_getn(const hl7_message *m, const char *path, char *dst, size_t n);
/* HL7 DTM (local time, YYYYMMDD[HHMM[SS]]) to ISO UTC "YYYY-MM-DDTHH:MM:SSZ"; -1 when invalid. */
int feed_dtm_to_iso(const char *dtm, char *out, size_t n);
/* ISO UTC to HL7 DTM in local time. */
void feed_iso_to_dtm(const char *iso, char *out, size_t n);
/* True when `sender` appears in the comma-separated list. */
bool feed_sender_in(const char *list, const char *sender);

/* Processing of a parsed, supported message inside an open transaction (in a savepoint).
 * STORE_OK: *o is set (AA or AE). Other statuses: see feed_store_outcome. */
store_status feed_process_adt(hl7feed_t *f, store_conn_t *c, const hl7_message *m, const char *event,
                              const char *sender, int64_t inbox_id, hl7feed_outcome *o);
store_status feed_process_order(hl7feed_t *f, store_conn_t *c, const hl7_message *m, const char *sender,
                                int64_t inbox_id, hl7feed_outcome *o);

/* Finds or creates the patient of the message's PID through the identity rules (used by ADT
 * and orders). *patient_id receives it; *changed whether the identity was created or changed.
 * STORE_OK with o->code AE when the PID is invalid. */
store_status feed_patient_upsert(hl7feed_t *f, store_conn_t *c, const hl7_message *m, const char *sender,
                                 int64_t inbox_id, int64_t *patient_id, bool *changed, hl7feed_outcome *o);

/* Whole-message dispatch: version/type checks and processing (used by ingest and reprocess). */
store_status feed_dispatch(hl7feed_t *f, store_conn_t *c, const hl7_message *m, const char *sender,
                           int64_t inbox_id, hl7feed_outcome *o);
/* "AE;101;PID-3;texte" <-> outcome (the inbox keeps it to answer repeated messages). */
void feed_outcome_encode(const hl7feed_outcome *o, char *out, size_t n);
void feed_outcome_decode(const char *s, hl7feed_outcome *o);
/* Serialized ACK of `m` (or of raw bytes when m is NULL) for outcome o. */
int feed_build_ack(hl7feed_t *f, const hl7_message *m, const char *raw, size_t len, const hl7feed_outcome *o,
                   buf_t *ack);

/* PID-32 of an identity status ("VALI" for qualified/validated identities, else "PROV"). */
const char *feed_reliability(const char *rniv_status);
/* True when the INS of the identity may be sent (ins_may_emit: qualified, valid key, OID). */
bool feed_ins_emittable(const hl7feed_t *f, const hl7s_identity *r);

/* The "hl7" outbox sender: payload {"destination_id": N, "message": "..."} (the former
 * {"destination": "pacs", ...} names the configured destination). */
outbox_result feed_send(void *ctx, const outbox_job *job, char *error, size_t error_len);
/* The delivery lane of an "hl7" job: "dest-<id>" (outbox_lane_fn): one lane per destination. */
int feed_send_lane(void *ctx, const outbox_job *job, char *lane, size_t lane_len);
/* Frees the MLLP clients (hl7feed_free, once no delivery runs). */
void feed_clients_free(hl7feed_t *f);
/* The "report-hl7" sender (contract B of the reporting work): reads the CDA N1 document and
 * enqueues one "hl7" job per enabled destination subscribed to reports, in one transaction. */
outbox_result feed_send_report(void *ctx, const outbox_job *job, char *error, size_t error_len);

/* Enqueues, inside the caller's transaction, the serialized UTF-8 message for destination
 * dest_id ("hl7" job with its hl7_outbound link: message_type "OMI^O23", control_id MSH-10).
 * dedup_key may be NULL. */
store_status feed_enqueue_message(hl7feed_t *f, store_conn_t *c, int64_t dest_id, const char *message, size_t len,
                                  const char *message_type, const char *control_id, const char *dedup_key);

#endif
