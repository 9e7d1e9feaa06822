/* The DICOM server: a listening socket, an accept thread, one detached thread per
 * association. Concurrency is bounded twice: max_associations established associations (more
 * are rejected with A-ASSOCIATE-RJ "local limit exceeded") and max_associations + 8 threads
 * (connections beyond are closed at once). dcm_server_stop() shuts the sockets down and waits. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/log.h"
#include "dicom/dicom_internal.h"

typedef struct conn conn;
struct dcm_server {
    dcm_server_config cfg;
    dcm_service *services;
    char ae_title[17];
    SSL_CTX *tls;          /* NULL: plain TCP */
    int lfd;
    uint16_t port;
    pthread_t acceptor;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    unsigned threads;      /* connection threads alive */
    unsigned assocs;       /* established associations */
    uint32_t next_id;
    int *fds;              /* sockets of the live threads (for stop) */
    size_t nfds, capfds;
};

struct conn {
    dcm_server *s;
    int fd;
    uint32_t id;
    char peer[64];
};

uint16_t dcm_server_port(const dcm_server *s) { return s->port; }

static bool reserve(void *srv)
{
    dcm_server *s = srv;
    pthread_mutex_lock(&s->mu);
    bool ok = !s->stopping && s->assocs < s->cfg.max_associations;
    if (ok) s->assocs++;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static void release(void *srv)
{
    dcm_server *s = srv;
    pthread_mutex_lock(&s->mu);
    s->assocs--;
    pthread_mutex_unlock(&s->mu);
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    dcm_server *s = c->s;
    dcm_assoc_env env = {&s->cfg, s->tls, reserve, release, s, c->id};
    dcm_assoc_serve(c->fd, c->peer, &env);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nfds; i++)
        if (s->fds[i] == c->fd) {
            s->fds[i] = s->fds[--s->nfds];
            break;
        }
    close(c->fd);
    s->threads--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    free(c);
    return NULL;
}

static void *accept_main(void *arg)
{
    dcm_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stop = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (stop) break;
        struct pollfd pfd = {s->lfd, POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0) continue;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept(s->lfd, (struct sockaddr *)&ss, &sl);
        if (fd < 0) continue;
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->s = s;
        c->fd = fd;
        char host[INET6_ADDRSTRLEN] = "?";
        uint16_t port = 0;
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
            port = ntohs(in->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
            port = ntohs(in6->sin6_port);
        }
        snprintf(c->peer, sizeof c->peer, "%s:%u", host, port);
        pthread_mutex_lock(&s->mu);
        c->id = ++s->next_id;
        bool room = s->threads < s->cfg.max_associations + 8 && !s->stopping;
        if (room && s->nfds == s->capfds) {
            size_t nc = s->capfds ? s->capfds * 2 : 16;
            int *nf = realloc(s->fds, nc * sizeof *nf);
            if (nf) {
                s->fds = nf;
                s->capfds = nc;
            } else {
                room = false;
            }
        }
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (room && pthread_create(&th, &attr, conn_main, c) == 0) {
            s->fds[s->nfds++] = fd;
            s->threads++;
            c = NULL;
        }
        pthread_attr_destroy(&attr);
        pthread_mutex_unlock(&s->mu);
        if (c) {
            LOG_WARNF(DCM_LOG, "connection refused: too many connections", "peer=%s", c->peer);
            close(fd);
            free(c);
        }
    }
    return NULL;
}

/* TLS context: BCP 195 (TLS 1.2 minimum), server certificate and key, optional client
 * certificate verification. */
static SSL_CTX *tls_context(const dcm_server_config *cfg, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    char why[200] = "";
    if (!ctx) goto fail;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_certificate) != 1) {
        snprintf(why, sizeof why, "certificate %s", cfg->tls_certificate);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_private_key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(why, sizeof why, "private key %s", cfg->tls_private_key);
        goto fail;
    }
    if (cfg->tls_ca_certificates) {
        if (SSL_CTX_load_verify_locations(ctx, cfg->tls_ca_certificates, NULL) != 1) {
            snprintf(why, sizeof why, "CA certificates %s", cfg->tls_ca_certificates);
            goto fail;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (cfg->tls_require_client_certificate ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                           NULL);
    } else if (cfg->tls_require_client_certificate) {
        snprintf(why, sizeof why, "client certificates required but no CA certificates given");
        goto fail;
    }
    return ctx;
fail:;
    char ossl[160] = "";
    unsigned long e = ERR_get_error();
    if (e) ERR_error_string_n(e, ossl, sizeof ossl);
    dcm_errf(err, errlen, "TLS setup failed: %s %s", why, ossl);
    SSL_CTX_free(ctx);
    return NULL;
}

dcm_server *dcm_server_start(const dcm_server_config *cfg, char *err, size_t errlen)
{
    dcm_server *s = calloc(1, sizeof *s);
    if (!s) {
        dcm_errf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    if (!s->cfg.max_associations) s->cfg.max_associations = 32;
    if (s->cfg.artim_ms <= 0) s->cfg.artim_ms = 30000;
    if (s->cfg.max_pdu < 4096 || s->cfg.max_pdu > 16u * 1024 * 1024) s->cfg.max_pdu = 65536;
    if (cfg->ae_title) {
        snprintf(s->ae_title, sizeof s->ae_title, "%s", cfg->ae_title);
        s->cfg.ae_title = s->ae_title;
    }
    s->services = calloc(cfg->nservices ? cfg->nservices : 1, sizeof *s->services);
    if (!s->services) {
        free(s);
        dcm_errf(err, errlen, "out of memory");
        return NULL;
    }
    if (cfg->nservices) memcpy(s->services, cfg->services, cfg->nservices * sizeof *s->services);
    s->cfg.services = s->services;
    if ((cfg->tls_certificate && *cfg->tls_certificate) || (cfg->tls_private_key && *cfg->tls_private_key)) {
        if (!cfg->tls_certificate || !cfg->tls_private_key) {
            dcm_errf(err, errlen, "TLS needs both a certificate and a private key");
            free(s->services);
            free(s);
            return NULL;
        }
        s->tls = tls_context(cfg, err, errlen);
        if (!s->tls) {
            free(s->services);
            free(s);
            return NULL;
        }
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->lfd = -1;
    const char *addr = cfg->bind_address ? cfg->bind_address : "0.0.0.0";
    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    memset(&a6, 0, sizeof a6);
    memset(&a4, 0, sizeof a4);
    struct sockaddr *sa;
    socklen_t salen;
    if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons(cfg->port);
        sa = (struct sockaddr *)&a4;
        salen = sizeof a4;
    } else if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons(cfg->port);
        sa = (struct sockaddr *)&a6;
        salen = sizeof a6;
    } else {
        dcm_errf(err, errlen, "invalid bind address '%s'", addr);
        goto fail;
    }
    s->lfd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s->lfd < 0 || setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 || bind(s->lfd, sa, salen) != 0 ||
        listen(s->lfd, 64) != 0) {
        dcm_errf(err, errlen, "cannot listen on %s:%u: %s", addr, cfg->port, strerror(errno));
        goto fail;
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    getsockname(s->lfd, (struct sockaddr *)&bound, &bl);
    s->port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                               : ((struct sockaddr_in6 *)&bound)->sin6_port);
    if (pthread_create(&s->acceptor, NULL, accept_main, s) != 0) {
        dcm_errf(err, errlen, "cannot start the accept thread");
        goto fail;
    }
    LOG_INFOF(DCM_LOG, "DICOM server listening", "address=%s port=%u ae_title=%s max_associations=%u services=%zu tls=%s", addr,
              s->port, s->ae_title[0] ? s->ae_title : "-", s->cfg.max_associations, cfg->nservices, s->tls ? "yes" : "no");
    return s;
fail:
    if (s->lfd >= 0) close(s->lfd);
    SSL_CTX_free(s->tls);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->services);
    free(s);
    return NULL;
}

void dcm_server_stop(dcm_server *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->acceptor, NULL);
    close(s->lfd);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nfds; i++) shutdown(s->fds[i], SHUT_RDWR);
    while (s->threads) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    LOG_INFOF(DCM_LOG, "DICOM server stopped", "port=%u", s->port);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    SSL_CTX_free(s->tls);
    free(s->fds);
    free(s->services);
    free(s);
}
