/* Handlers of the HL7 interface routes (routes_hl7.inc): the inbox of inbound messages (list,
 * one message with its raw text, correction and reprocessing through http_hooks), the delivery
 * state of outbound HL7 jobs, and the HL7 destinations. Admin role only. Internal to src/http. */
#ifndef COULOIR_HTTP_H_HL7_H
#define COULOIR_HTTP_H_HL7_H

#include "http/http_internal.h"

/* h_hl7.c */
void h_hl7_inbox_list(http_ctx *cx);      /* GET  /api/v1/hl7/inbox?state=&limit=&offset= */
void h_hl7_inbox_get(http_ctx *cx);       /* GET  /api/v1/hl7/inbox/{id} */
void h_hl7_inbox_reprocess(http_ctx *cx); /* POST /api/v1/hl7/inbox/{id}/reprocess {"raw": "..."} */
void h_hl7_outbox_list(http_ctx *cx);     /* GET  /api/v1/hl7/outbox?state=&destination_id=&limit=&offset= */

/* h_hl7_dest.c */
void h_hl7_dest_list(http_ctx *cx);       /* GET    /api/v1/hl7/destinations */
void h_hl7_dest_create(http_ctx *cx);     /* POST   /api/v1/hl7/destinations */
void h_hl7_dest_get(http_ctx *cx);        /* GET    /api/v1/hl7/destinations/{id} */
void h_hl7_dest_update(http_ctx *cx);     /* PATCH  /api/v1/hl7/destinations/{id} */
void h_hl7_dest_delete(http_ctx *cx);     /* DELETE /api/v1/hl7/destinations/{id} */

#endif
