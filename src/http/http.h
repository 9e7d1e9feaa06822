/* The HTTP server: REST API under /api/v1, static web UI, /healthz.
 * libmicrohttpd (TLS through GnuTLS when [http] tls_cert and tls_key are set), jansson. */
#ifndef COULOIR_HTTP_HTTP_H
#define COULOIR_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "store/store.h"

typedef struct http_server http_server_t;

/* ---- hooks: what the application wires in from the other adapters --------------------------
 * The HTTP module never calls another adapter (src/hl7feed, src/worklist...) directly: the
 * application fills this table (src/app/verb_serve.c). Every member may be NULL (the route then
 * answers 503, /healthz leaves the listener out). The functions are called from the server's
 * threads, concurrently. */

/* Outcome of an inbound HL7 message reprocessed from the API. */
typedef struct {
    char ack[4];        /* "AA", "AE" or "AR" */
    int error;          /* HL7 table 0357 code (0 with AA) */
    char location[32];  /* "PID-3"... ("" when none) */
    char text[256];     /* French */
    char state[16];     /* inbox state afterwards: "processed", "failed" or "rejected" */
} http_hl7_outcome;

typedef enum {
    HTTP_LISTENER_DISABLED = 0, /* not configured to listen */
    HTTP_LISTENER_UP,           /* listening on port */
    HTTP_LISTENER_FAILED,       /* configured but could not start: error holds the reason */
} http_listener_state;

typedef struct {
    http_listener_state state;
    int port;
    char error[512];    /* French */
} http_listener_status;

typedef struct {
    void *ctx;
    /* Reprocesses inbox message id after replacing its raw text with raw (NULL: as stored).
     * STORE_OK with *out filled, STORE_NOT_FOUND, STORE_CONFLICT (already processed), or a
     * store error. */
    store_status (*hl7_reprocess)(void *ctx, int64_t id, const char *raw, http_hl7_outcome *out);
    /* State of the MLLP listener and of the DICOM listener, for /healthz. */
    void (*hl7_listener)(void *ctx, http_listener_status *out);
    void (*dicom_listener)(void *ctx, http_listener_status *out);
} http_hooks;

/* Starts serving on [http] bind:port with a thread pool. The store must outlive the server.
 * Returns NULL with a message in err on failure (port taken, bad certificate...). */
http_server_t *http_server_start(const config_t *cfg, store_t *st, char *err, size_t errlen);
/* Same with hooks (copied; hooks->ctx must outlive the server). hooks may be NULL. */
http_server_t *http_server_start_hooks(const config_t *cfg, store_t *st, const http_hooks *hooks, char *err,
                                       size_t errlen);
/* Stops accepting, finishes in-flight requests, frees everything. */
void http_server_stop(http_server_t *srv);
/* The port actually bound (useful with port 0 in tests). */
unsigned short http_server_port(const http_server_t *srv);

/* Settings declared by the HTTP server ([http] ...). */
extern const config_setting http_settings[];

#endif
