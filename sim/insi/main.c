/* couloir-insi-sim: local stand-in for the CNAM INSi teleservice (WSDL DESIR_ICIR_EXP_1.5.0).
 *
 *   couloir-insi-sim --cert server.pem --key server.key --client-ca ca.pem
 *                    [--identities identities.tsv] [--port 0] [--port-file FILE]
 *                    [--idam IDAM] [--allowed-cn INSI-AUTO,INSI-MANU] [--max-seconds N]
 *
 * Serves SOAP 1.2 over HTTPS (libmicrohttpd + GnuTLS) on 127.0.0.1, at any path, with a mandatory
 * client certificate signed by --client-ca (checked during the TLS handshake). Answers from the
 * test identities file; malformed requests get SOAP faults. Stops on SIGINT/SIGTERM or after
 * --max-seconds. Prints "listening on 127.0.0.1:PORT" once ready. */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define MAX_BODY (256 * 1024)

typedef struct {
    sim_identities ids;
    const char *idam;
    const char *allowed_cns;
} server;

typedef struct {
    buf_t body;
    int too_big;
} request;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    buf_t b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    fclose(f);
    return buf_steal(&b);
}

/* Requires and verifies the client certificate during the handshake (GnuTLS session options set
 * as soon as MHD has created the session). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)socket_context;
    if (code != MHD_CONNECTION_NOTIFY_STARTED) return;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session) return;
    gnutls_session_t s = (gnutls_session_t)ci->tls_session;
    gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
    gnutls_session_set_verify_cert(s, NULL, 0);
}

/* Verified client certificate CN into cn; -1 when absent or not trusted (checked again here,
 * whatever the handshake did). */
static int client_cn(struct MHD_Connection *conn, char *cn, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session) return -1;
    gnutls_session_t s = (gnutls_session_t)ci->tls_session;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers2(s, &status) != GNUTLS_E_SUCCESS || status != 0) return -1;
    unsigned count = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &count);
    if (!certs || count == 0) return -1;
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) != GNUTLS_E_SUCCESS) return -1;
    int rc = -1;
    size_t size = n;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == GNUTLS_E_SUCCESS &&
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &size) == GNUTLS_E_SUCCESS)
        rc = 0;
    gnutls_x509_crt_deinit(crt);
    return rc;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *ctype, const char *data,
                                 size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* "action" parameter of the Content-Type, when present. */
static void action_param(const char *ctype, char *out, size_t n)
{
    out[0] = '\0';
    const char *a = ctype ? strstr(ctype, "action=") : NULL;
    if (!a) return;
    a += 7;
    if (*a == '"') a++;
    size_t len = strcspn(a, "\";");
    if (len >= n) len = n - 1;
    memcpy(out, a, len);
    out[len] = '\0';
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)url;
    (void)version;
    server *srv = cls;
    request *req = *con_cls;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req) return MHD_NO;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_size) {
        if (req->body.len + *upload_size > MAX_BODY) req->too_big = 1;
        else buf_append(&req->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    char cn[256];
    if (client_cn(conn, cn, sizeof cn) != 0) return MHD_NO; /* no trusted client certificate: hang up */
    if (strcmp(method, "POST") != 0) {
        static const char msg[] = "INSi stand-in: POST SOAP 1.2 requests only\n";
        return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", msg, sizeof msg - 1);
    }
    const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    char action[200];
    action_param(ctype, action, sizeof action);
    buf_t out = BUF_INIT;
    unsigned status = 500;
    sim_request_ctx ctx = {&srv->ids, srv->idam, cn, srv->allowed_cns};
    if (req->too_big || !ctype || strncmp(ctype, "application/soap+xml", 20) != 0)
        sim_answer(&ctx, action, "", 0, &out, &status); /* -> fault: not a SOAP 1.2 document */
    else
        sim_answer(&ctx, action, req->body.data ? req->body.data : "", req->body.len, &out, &status);
    fprintf(stderr, "insi-sim: %s cn=%s action=%s -> HTTP %u\n", method, cn, action[0] ? action : "-", status);
    enum MHD_Result ret = send_text(conn, status, "application/soap+xml; charset=utf-8", buf_cstr(&out), out.len);
    buf_free(&out);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    request *req = *con_cls;
    if (req) {
        buf_free(&req->body);
        free(req);
        *con_cls = NULL;
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: couloir-insi-sim --cert PEM --key PEM --client-ca PEM [--identities FILE] [--port N]\n"
                    "       [--port-file FILE] [--idam IDAM] [--allowed-cn CN1,CN2] [--max-seconds N]\n");
}

int main(int argc, char **argv)
{
    const char *cert = NULL, *key = NULL, *ca = NULL, *port_file = NULL;
    const char *identities = COULOIR_SIM_INSI_DATA;
    long port = 0, max_seconds = 0;
    server srv = {{NULL, 0}, NULL, NULL};
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage();
            return 2;
        }
        if (strcmp(a, "--cert") == 0) cert = v;
        else if (strcmp(a, "--key") == 0) key = v;
        else if (strcmp(a, "--client-ca") == 0) ca = v;
        else if (strcmp(a, "--identities") == 0) identities = v;
        else if (strcmp(a, "--port") == 0) port = strtol(v, NULL, 10);
        else if (strcmp(a, "--port-file") == 0) port_file = v;
        else if (strcmp(a, "--idam") == 0) srv.idam = v;
        else if (strcmp(a, "--allowed-cn") == 0) srv.allowed_cns = v;
        else if (strcmp(a, "--max-seconds") == 0) max_seconds = strtol(v, NULL, 10);
        else {
            usage();
            return 2;
        }
    }
    if (!cert || !key || !ca || port < 0 || port > 65535) {
        usage();
        return 2;
    }
    char err[300];
    if (sim_identities_load(identities, &srv.ids, err, sizeof err) != 0) {
        fprintf(stderr, "insi-sim: %s\n", err);
        return 1;
    }
    char *cert_pem = read_file(cert), *key_pem = read_file(key), *ca_pem = read_file(ca);
    if (!cert_pem || !key_pem || !ca_pem || !*cert_pem || !*key_pem || !*ca_pem) {
        fprintf(stderr, "insi-sim: cannot read --cert, --key or --client-ca\n");
        free(cert_pem);
        free(key_pem);
        free(ca_pem);
        sim_identities_free(&srv.ids);
        return 1;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* MHD threads inherit the mask; main waits below */
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_TLS | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
        handle, &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_HTTPS_MEM_TRUST, ca_pem, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)10, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "insi-sim: cannot start HTTPS server on 127.0.0.1:%ld\n", port);
        free(cert_pem);
        free(key_pem);
        free(ca_pem);
        sim_identities_free(&srv.ids);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = di ? di->port : (unsigned)port;
    if (port_file) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "%u\n", bound);
            fclose(f);
            rename(tmp, port_file);
        }
    }
    printf("listening on 127.0.0.1:%u (%zu test identities)\n", bound, srv.ids.n);
    fflush(stdout);
    struct timespec limit = {max_seconds > 0 ? max_seconds : 24 * 3600, 0};
    int sig;
    siginfo_t info;
    while ((sig = sigtimedwait(&set, &info, &limit)) < 0 && errno == EINTR) {
    }
    MHD_stop_daemon(d);
    free(cert_pem);
    free(key_pem);
    free(ca_pem);
    sim_identities_free(&srv.ids);
    fprintf(stderr, "insi-sim: stopped (%s)\n", sig < 0 ? "time limit" : "signal");
    return 0;
}
