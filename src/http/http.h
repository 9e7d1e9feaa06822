/* The HTTP server: REST API under /api/v1, static web UI, /healthz.
 * libmicrohttpd (TLS through GnuTLS when [http] tls_cert and tls_key are set), jansson. */
#ifndef COULOIR_HTTP_HTTP_H
#define COULOIR_HTTP_HTTP_H

#include <stddef.h>

#include "core/config.h"
#include "store/store.h"

typedef struct http_server http_server_t;

/* Starts serving on [http] bind:port with a thread pool. The store must outlive the server.
 * Returns NULL with a message in err on failure (port taken, bad certificate...). */
http_server_t *http_server_start(const config_t *cfg, store_t *st, char *err, size_t errlen);
/* Stops accepting, finishes in-flight requests, frees everything. */
void http_server_stop(http_server_t *srv);
/* The port actually bound (useful with port 0 in tests). */
unsigned short http_server_port(const http_server_t *srv);

/* Settings declared by the HTTP server ([http] ...). */
extern const config_setting http_settings[];

#endif
