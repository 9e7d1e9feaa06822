/* Internal: one inbound message inside an open transaction (see ingest.c). */
#ifndef COULOIR_HL7FEED_INGEST_H
#define COULOIR_HL7FEED_INGEST_H

#include "hl7feed/hl7feed_internal.h"

/* Inbox row + duplicate check + processing; fills *o and the serialized ACK (ack may be NULL).
 * STORE_OK, or a store error after which the whole transaction must be rolled back. */
store_status ingest_one(hl7feed_t *f, store_conn_t *c, const char *peer, const char *msg, size_t len,
                        hl7feed_outcome *o, buf_t *ack);
/* Records a message the store failed on as "failed" (AE internal error) in its own transaction. */
store_status ingest_record_failure(hl7feed_t *f, store_conn_t *c, const char *peer, const char *msg, size_t len,
                                   const char *detail, hl7feed_outcome *o, buf_t *ack);
/* Inbox text of raw bytes: as is when valid UTF-8 without NUL, else "base64:..." (malloc'ed). */
char *ingest_raw_encode(const char *msg, size_t len);
/* Back to the bytes (malloc'ed, NUL-terminated); NULL on malformed base64. */
char *ingest_raw_decode(const char *stored, size_t *len);
/* "MSH-3.1/MSH-4.1". */
void ingest_sender(const hl7_message *m, char *sender, size_t n);

#endif
