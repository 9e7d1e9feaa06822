/* MLLP client: connect with timeout, send a framed message, wait for the framed ACK,
 * reconnect and resend on failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "hl7/hl7_internal.h"

struct hl7_mllp_client {
    char *host;
    int port;
    int connect_timeout_ms, ack_timeout_ms, retries;
    size_t max_message;
    int fd;
    hl7_mllp_deframer *df;
    bool tls;
    char *ca_file;
    SSL_CTX *tls_ctx; /* created on the first TLS connection */
    SSL *ssl;
};

hl7_mllp_client *hl7_mllp_client_new(const hl7_mllp_client_opts *o)
{
    if (!o || !o->host || o->port <= 0 || o->port > 65535) return NULL;
    hl7_mllp_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->host = strdup(o->host);
    c->port = o->port;
    c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
    c->ack_timeout_ms = o->ack_timeout_ms > 0 ? o->ack_timeout_ms : 30000;
    c->retries = o->retries > 0 ? o->retries : 0;
    c->max_message = o->max_message ? o->max_message : 1u << 20;
    c->fd = -1;
    c->tls = o->tls;
    c->ca_file = o->tls_ca_file ? strdup(o->tls_ca_file) : NULL;
    if (!c->host || (o->tls_ca_file && !c->ca_file)) {
        free(c->host);
        free(c->ca_file);
        free(c);
        return NULL;
    }
    return c;
}

void hl7_mllp_client_close(hl7_mllp_client *c)
{
    if (c && c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c && c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (c) {
        hl7_mllp_deframer_free(c->df);
        c->df = NULL;
    }
}

void hl7_mllp_client_free(hl7_mllp_client *c)
{
    if (!c) return;
    hl7_mllp_client_close(c);
    if (c->tls_ctx) SSL_CTX_free(c->tls_ctx);
    free(c->host);
    free(c->ca_file);
    free(c);
}

static int connect_one(hl7_mllp_client *c, const struct addrinfo *ai, hl7_error *err)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            close(fd);
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r;
        do r = poll(&p, 1, c->connect_timeout_ms);
        while (r < 0 && errno == EINTR);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (r == 0) {
            close(fd);
            hl7_err_set(err, HL7_E_TIMEOUT, 0, 0, 0, "connexion MLLP à %s:%d : délai de %d ms dépassé", c->host, c->port, c->connect_timeout_ms);
            errno = ETIMEDOUT;
            return -1;
        }
        if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            close(fd);
            errno = soerr ? soerr : errno;
            return -1;
        }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Waits until fd is ready for `events` or the deadline passes (0 ready, -1 timeout/error). */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int left = (int)(deadline - time_monotonic_ms());
        if (left <= 0) return -1;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, left);
        if (r > 0) return 0;
        if (r < 0 && errno != EINTR) return -1;
    }
}

static int tls_handshake(hl7_mllp_client *c, hl7_error *err)
{
    if (!c->tls_ctx) {
        c->tls_ctx = hl7_tls_client_ctx(c->ca_file, err);
        if (!c->tls_ctx) {
            hl7_mllp_client_close(c);
            return HL7_E_INVALID;
        }
    }
    c->ssl = SSL_new(c->tls_ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 || SSL_set1_host(c->ssl, c->host) != 1) {
        hl7_mllp_client_close(c);
        hl7_err_set(err, HL7_E_NOMEM, 0, 0, 0, NULL);
        return HL7_E_NOMEM;
    }
    unsigned char tmp[16];
    if (inet_pton(AF_INET, c->host, tmp) != 1 && inet_pton(AF_INET6, c->host, tmp) != 1)
        SSL_set_tlsext_host_name(c->ssl, c->host);
    int64_t deadline = time_monotonic_ms() + c->connect_timeout_ms;
    for (;;) {
        int r = SSL_connect(c->ssl);
        if (r == 1) return HL7_OK;
        int e = SSL_get_error(c->ssl, r);
        if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
            wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) == 0)
            continue;
        char why[256] = "délai dépassé";
        unsigned long ssl_err = ERR_get_error();
        if (ssl_err) ERR_error_string_n(ssl_err, why, sizeof why);
        long verify = SSL_get_verify_result(c->ssl);
        if (verify != X509_V_OK) snprintf(why, sizeof why, "certificat refusé : %s", X509_verify_cert_error_string(verify));
        ERR_clear_error();
        hl7_mllp_client_close(c);
        hl7_err_set(err, HL7_E_PROTOCOL, 0, 0, 0, "connexion TLS à %s:%d impossible (%s)", c->host, c->port, why);
        return HL7_E_PROTOCOL;
    }
}

static int do_connect(hl7_mllp_client *c, hl7_error *err)
{
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%d", c->port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(c->host, portstr, &hints, &res);
    if (gai != 0) {
        hl7_err_set(err, HL7_E_IO, 0, 0, 0, "connexion MLLP : hôte « %s » introuvable (%s)", c->host, gai_strerror(gai));
        return HL7_E_IO;
    }
    int fd = -1, last = 0;
    if (err) err->code = HL7_OK;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = connect_one(c, ai, err);
        last = errno;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (err && err->code == HL7_E_TIMEOUT) return HL7_E_TIMEOUT;
        hl7_err_set(err, HL7_E_IO, 0, 0, 0, "connexion MLLP à %s:%d impossible (%s)", c->host, c->port, strerror(last));
        return HL7_E_IO;
    }
    c->fd = fd;
    c->df = hl7_mllp_deframer_new(c->max_message, 0);
    if (!c->df) {
        hl7_mllp_client_close(c);
        return HL7_E_NOMEM;
    }
    return c->tls ? tls_handshake(c, err) : HL7_OK;
}

typedef struct {
    buf_t *ack;
    int got;
    bool oversized;
} ack_ctx;

static int got_frame(void *ctx, const hl7_mllp_frame *f)
{
    ack_ctx *a = ctx;
    a->got = 1;
    a->oversized = f->oversized;
    buf_reset(a->ack);
    if (buf_append(a->ack, f->data, f->len) != 0) return HL7_E_NOMEM;
    return 1; /* one ACK per message */
}

static int exchange(hl7_mllp_client *c, const char *frame, size_t flen, buf_t *ack, hl7_error *err)
{
    int64_t deadline = time_monotonic_ms() + c->ack_timeout_ms;
    size_t off = 0;
    while (off < flen) {
        ssize_t w = hl7_io_write(c->fd, c->ssl, frame + off, flen - off);
        if (w == HL7_IO_AGAIN) {
            if (wait_fd(c->fd, POLLOUT, deadline) != 0) {
                hl7_err_set(err, HL7_E_TIMEOUT, 0, 0, 0, "envoi MLLP à %s:%d : délai dépassé", c->host, c->port);
                return HL7_E_TIMEOUT;
            }
            continue;
        }
        if (w < 0) {
            hl7_err_set(err, HL7_E_IO, 0, 0, 0, "envoi MLLP à %s:%d impossible (%s)", c->host, c->port, strerror(errno));
            return HL7_E_IO;
        }
        off += (size_t)w;
    }
    ack_ctx a = {ack, 0, false};
    char rbuf[16384];
    for (;;) {
        ssize_t n = hl7_io_read(c->fd, c->ssl, rbuf, sizeof rbuf);
        if (n == HL7_IO_AGAIN) {
            if (wait_fd(c->fd, POLLIN, deadline) != 0) {
                hl7_err_set(err, HL7_E_TIMEOUT, 0, 0, 0, "aucun accusé de réception de %s:%d en %d ms", c->host, c->port,
                            c->ack_timeout_ms);
                return HL7_E_TIMEOUT;
            }
            continue;
        }
        if (n <= 0) {
            hl7_err_set(err, HL7_E_IO, 0, 0, 0, "connexion MLLP fermée par %s:%d avant l'accusé de réception", c->host, c->port);
            return HL7_E_IO;
        }
        int rc = hl7_mllp_deframer_push(c->df, rbuf, (size_t)n, got_frame, &a);
        if (rc < 0) {
            hl7_err_set(err, rc, 0, 0, 0, NULL);
            return rc;
        }
        if (a.got) {
            if (a.oversized) {
                hl7_err_set(err, HL7_E_PROTOCOL, 0, 0, 0, "accusé de réception de %s:%d trop volumineux", c->host, c->port);
                return HL7_E_PROTOCOL;
            }
            return HL7_OK;
        }
    }
}

int hl7_mllp_client_send(hl7_mllp_client *c, const char *msg, size_t len, buf_t *ack, hl7_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    buf_t frame = BUF_INIT;
    if (hl7_mllp_frame_append(&frame, msg, len) != HL7_OK) {
        hl7_err_set(err, HL7_E_NOMEM, 0, 0, 0, NULL);
        return HL7_E_NOMEM;
    }
    int rc = HL7_E_IO;
    for (int attempt = 0; attempt <= c->retries; attempt++) {
        if (attempt > 0) { /* short back-off between attempts: 100, 200, 400 ms ... up to 1 s */
            int delay = 100 << (attempt - 1 < 4 ? attempt - 1 : 4);
            poll(NULL, 0, delay > 1000 ? 1000 : delay);
        }
        if (c->fd < 0) {
            rc = do_connect(c, err);
            if (rc != HL7_OK) {
                if (rc == HL7_E_NOMEM) break;
                continue;
            }
        }
        rc = exchange(c, frame.data, frame.len, ack, err);
        if (rc == HL7_OK) break;
        hl7_mllp_client_close(c); /* unknown stream state: start afresh */
        if (rc == HL7_E_NOMEM) break;
    }
    buf_free(&frame);
    return rc;
}
