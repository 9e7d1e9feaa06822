/* MLLP server: one epoll loop, non-blocking sockets, many connections, per-connection idle
 * timeout, synchronous handler (the caller persists before it acknowledges). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "hl7/hl7_internal.h"

typedef struct conn {
    int fd;
    uint64_t id;
    char peer[64];
    hl7_mllp_deframer *df;
    buf_t out;
    size_t out_off;
    int64_t last_ms;
    bool close_after_flush;
    bool want_out;
    bool paused; /* reading suspended until pending ACKs are flushed */
    SSL *ssl; /* NULL: plain TCP */
    struct conn *prev, *next;
    struct hl7_mllp_server *srv;
} conn;

/* A deferred reply queued by hl7_mllp_server_reply() (any thread). */
typedef struct reply {
    uint64_t conn_id;
    bool close;
    size_t len;
    struct reply *next;
    char data[];
} reply;

struct hl7_mllp_server {
    pthread_mutex_t lock; /* guards replies */
    reply *replies, **replies_tail;
    int lfd, epfd, wakefd;
    int port;
    SSL_CTX *tls;
    size_t max_message;
    size_t max_pending; /* pending ACK bytes above which a connection is not read */
    int idle_timeout_ms;
    int max_connections;
    hl7_mllp_handler handler;
    void *handler_ctx;
    conn *conns;
    conn *dead;
    int64_t last_scan_ms;
    uint64_t next_id;
    atomic_bool stop;
    hl7_mllp_server_stats st;
    buf_t ack;
};

static int listen_tag, wake_tag; /* addresses used as epoll tags only (never written) */

static void free_dead(hl7_mllp_server *s)
{
    while (s->dead) {
        conn *c = s->dead;
        s->dead = c->next;
        free(c);
    }
}

static void conn_close(hl7_mllp_server *s, conn *c)
{
    epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->ssl) SSL_free(c->ssl);
    c->ssl = NULL;
    close(c->fd);
    if (c->prev) c->prev->next = c->next;
    else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    const hl7_mllp_stats *ds = hl7_mllp_deframer_stats(c->df);
    s->st.garbage_bytes += ds->garbage_bytes;
    s->st.broken_frames += ds->broken_frames;
    hl7_mllp_deframer_free(c->df);
    c->df = NULL;
    buf_free(&c->out);
    c->fd = -1;
    /* freed at the end of the poll iteration: later events of the batch may name it */
    c->prev = NULL;
    c->next = s->dead;
    s->dead = c;
    s->st.closed++;
    s->st.open--;
}

hl7_mllp_server *hl7_mllp_server_new(const hl7_mllp_server_opts *o, hl7_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    if (!o || !o->handler || o->port < 0 || o->port > 65535) {
        hl7_err_set(err, HL7_E_INVALID, 0, 0, 0, "serveur MLLP : paramètres invalides (gestionnaire ou port)");
        return NULL;
    }
    hl7_mllp_server *s = calloc(1, sizeof *s);
    if (!s) {
        hl7_err_set(err, HL7_E_NOMEM, 0, 0, 0, NULL);
        return NULL;
    }
    s->lfd = s->epfd = s->wakefd = -1;
    pthread_mutex_init(&s->lock, NULL);
    s->replies_tail = &s->replies;
    s->max_message = o->max_message ? o->max_message : 16u << 20;
    s->max_pending = o->max_pending_output ? o->max_pending_output : 4u << 20;
    s->idle_timeout_ms = o->idle_timeout_ms > 0 ? o->idle_timeout_ms : 60000;
    s->max_connections = o->max_connections > 0 ? o->max_connections : 1024;
    s->handler = o->handler;
    s->handler_ctx = o->handler_ctx;
    atomic_init(&s->stop, false);
    if (o->tls_cert_file || o->tls_key_file) {
        if (!o->tls_cert_file || !o->tls_key_file) {
            hl7_err_set(err, HL7_E_INVALID, 0, 0, 0, "serveur MLLP : TLS demande un certificat et une clé privée");
            goto fail;
        }
        s->tls = hl7_tls_server_ctx(o->tls_cert_file, o->tls_key_file, err);
        if (!s->tls) goto fail;
    }

    const char *addr = o->bind_address && *o->bind_address ? o->bind_address : "0.0.0.0";
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%d", o->port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(addr, portstr, &hints, &res);
    if (gai != 0) {
        hl7_err_set(err, HL7_E_IO, 0, 0, 0, "serveur MLLP : adresse d'écoute « %s » invalide (%s)", addr, gai_strerror(gai));
        goto fail;
    }
    s->lfd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s->lfd < 0 || setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s->lfd, res->ai_addr, res->ai_addrlen) != 0 || listen(s->lfd, 256) != 0) {
        hl7_err_set(err, HL7_E_IO, 0, 0, 0, "serveur MLLP : impossible d'écouter sur %s:%d (%s)", addr, o->port, strerror(errno));
        freeaddrinfo(res);
        goto fail;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(s->lfd, (struct sockaddr *)&ss, &sl) == 0)
        s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                : ((struct sockaddr_in *)&ss)->sin_port);
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_tag};
    struct epoll_event wev = {.events = EPOLLIN, .data.ptr = &wake_tag};
    if (s->epfd < 0 || s->wakefd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev) != 0 ||
        epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wakefd, &wev) != 0) {
        hl7_err_set(err, HL7_E_IO, 0, 0, 0, "serveur MLLP : epoll indisponible (%s)", strerror(errno));
        goto fail;
    }
    return s;
fail:
    hl7_mllp_server_free(s);
    return NULL;
}

int hl7_mllp_server_port(const hl7_mllp_server *s) { return s->port; }

void hl7_mllp_server_stop(hl7_mllp_server *s)
{
    atomic_store(&s->stop, true);
    uint64_t one = 1;
    ssize_t w = write(s->wakefd, &one, sizeof one);
    (void)w;
}

int hl7_mllp_server_reply(hl7_mllp_server *s, uint64_t conn_id, const char *ack, size_t len)
{
    reply *r = malloc(sizeof *r + (ack ? len : 0));
    if (!r) return HL7_E_NOMEM;
    r->conn_id = conn_id;
    r->close = ack == NULL;
    r->len = ack ? len : 0;
    r->next = NULL;
    if (ack && len) memcpy(r->data, ack, len);
    pthread_mutex_lock(&s->lock);
    *s->replies_tail = r;
    s->replies_tail = &r->next;
    pthread_mutex_unlock(&s->lock);
    uint64_t one = 1;
    ssize_t w = write(s->wakefd, &one, sizeof one);
    (void)w;
    return HL7_OK;
}

static int flush_out(hl7_mllp_server *s, struct conn *c);

/* Moves the queued deferred replies onto their connections (event loop thread). */
static void drain_replies(hl7_mllp_server *s)
{
    pthread_mutex_lock(&s->lock);
    reply *list = s->replies;
    s->replies = NULL;
    s->replies_tail = &s->replies;
    pthread_mutex_unlock(&s->lock);
    while (list) {
        reply *r = list;
        list = r->next;
        conn *c = s->conns;
        while (c && c->id != r->conn_id) c = c->next;
        if (!c) {
            s->st.replies_dropped++;
        } else if (r->close) {
            conn_close(s, c);
        } else if (hl7_mllp_frame_append(&c->out, r->data, r->len) != HL7_OK || flush_out(s, c) != 0) {
            conn_close(s, c);
        }
        free(r);
    }
}

void hl7_mllp_server_get_stats(const hl7_mllp_server *s, hl7_mllp_server_stats *out)
{
    *out = s->st;
    for (const conn *c = s->conns; c; c = c->next) {
        const hl7_mllp_stats *ds = hl7_mllp_deframer_stats(c->df);
        out->garbage_bytes += ds->garbage_bytes;
        out->broken_frames += ds->broken_frames;
    }
}

void hl7_mllp_server_free(hl7_mllp_server *s)
{
    if (!s) return;
    while (s->conns) conn_close(s, s->conns);
    free_dead(s);
    if (s->lfd >= 0) close(s->lfd);
    if (s->epfd >= 0) close(s->epfd);
    if (s->wakefd >= 0) close(s->wakefd);
    while (s->replies) {
        reply *r = s->replies;
        s->replies = r->next;
        free(r);
    }
    pthread_mutex_destroy(&s->lock);
    if (s->tls) SSL_CTX_free(s->tls);
    buf_free(&s->ack);
    free(s);
}

static void do_accept(hl7_mllp_server *s)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        if (s->st.open >= (uint64_t)s->max_connections) {
            close(fd);
            s->st.refused++;
            LOG_WARNF("hl7", "MLLP connection refused", "reason=max_connections max=%d", s->max_connections);
            continue;
        }
        conn *c = calloc(1, sizeof *c);
        if (c) c->df = hl7_mllp_deframer_new(s->max_message, 0);
        if (!c || !c->df) {
            if (c) free(c);
            close(fd);
            s->st.refused++;
            continue;
        }
        if (s->tls) {
            c->ssl = SSL_new(s->tls);
            if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
                if (c->ssl) SSL_free(c->ssl);
                hl7_mllp_deframer_free(c->df);
                free(c);
                close(fd);
                s->st.refused++;
                continue;
            }
            SSL_set_accept_state(c->ssl); /* the handshake runs inside the first reads */
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->srv = s;
        c->id = ++s->next_id;
        c->last_ms = time_monotonic_ms();
        char host[INET6_ADDRSTRLEN] = "?";
        int port = 0;
        if (ss.ss_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            if (c->ssl) SSL_free(c->ssl);
            hl7_mllp_deframer_free(c->df);
            free(c);
            close(fd);
            continue;
        }
        c->next = s->conns;
        if (s->conns) s->conns->prev = c;
        s->conns = c;
        s->st.accepted++;
        s->st.open++;
    }
}

/* Writes what is pending; returns -1 when the connection must be closed. */
static int flush_out(hl7_mllp_server *s, conn *c)
{
    while (c->out_off < c->out.len) {
        ssize_t w = hl7_io_write(c->fd, c->ssl, c->out.data + c->out_off, c->out.len - c->out_off);
        if (w == HL7_IO_AGAIN) break;
        if (w < 0) return -1;
        c->out_off += (size_t)w;
        c->last_ms = time_monotonic_ms();
    }
    if (c->out_off == c->out.len) {
        buf_reset(&c->out);
        c->out_off = 0;
        if (c->close_after_flush) return -1;
    }
    /* back-pressure: a peer that sends without reading its ACKs is not read any more until
     * they are flushed, so pending output stays bounded */
    bool want = c->out.len > 0;
    bool paused = c->out.len - c->out_off > s->max_pending;
    if (want != c->want_out || paused != c->paused) {
        uint32_t events = (paused ? 0 : EPOLLIN | EPOLLRDHUP) | (want ? EPOLLOUT : 0);
        struct epoll_event ev = {.events = events, .data.ptr = c};
        epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = want;
        c->paused = paused;
    }
    return 0;
}

static int on_frame(void *ctx, const hl7_mllp_frame *f)
{
    conn *c = ctx;
    hl7_mllp_server *s = c->srv;
    buf_reset(&s->ack);
    if (f->oversized) {
        s->st.oversized++;
        char text[160];
        snprintf(text, sizeof text, "Message refusé : %zu octets, au-delà de la taille maximale acceptée (%zu octets)",
                 f->total_len, s->max_message);
        hl7_ack_error e = {.code = HL7_ERR_INTERNAL, .severity = 'E', .text_fr = text};
        hl7_message *ack = hl7_ack_build_raw(f->data, f->len, HL7_ACK_AR, &e, NULL);
        int rc = ack ? hl7_serialize(ack, NULL, &s->ack, NULL) : HL7_E_NOMEM;
        if (rc != HL7_OK) {
            buf_reset(&s->ack);
            rc = ack ? hl7_serialize(ack, "UNICODE UTF-8", &s->ack, NULL) : rc;
        }
        hl7_message_free(ack);
        LOG_WARNF("hl7", "MLLP message too large, rejected", "peer=%s size=%zu max=%zu", c->peer, f->total_len, s->max_message);
        if (rc != HL7_OK) return 1;
    } else {
        s->st.messages++;
        int hr = s->handler(s->handler_ctx, &(hl7_mllp_peer){c->peer, c->id}, f->data, f->len, &s->ack);
        if (hr == HL7_MLLP_DEFER) {
            s->st.deferred++;
            return 0;
        }
        if (hr != 0) {
            s->st.handler_failures++;
            return 1; /* close without acknowledging: the sender will resend */
        }
    }
    if (s->ack.len == 0) return 0; /* handler chose not to answer */
    return hl7_mllp_frame_append(&c->out, s->ack.data, s->ack.len) == HL7_OK ? 0 : 1;
}

static void on_readable(hl7_mllp_server *s, conn *c)
{
    char rbuf[65536];
    /* plain TCP: at most 16 reads per event (fairness); TLS: until the SSL buffer is empty,
     * since decrypted bytes it holds raise no further epoll event */
    for (int k = 0; (c->ssl || k < 16) && c->out.len - c->out_off <= s->max_pending; k++) {
        ssize_t r = hl7_io_read(c->fd, c->ssl, rbuf, sizeof rbuf);
        if (r == HL7_IO_AGAIN) break;
        if (r <= 0) {
            conn_close(s, c);
            return;
        }
        c->last_ms = time_monotonic_ms();
        if (hl7_mllp_deframer_push(c->df, rbuf, (size_t)r, on_frame, c) != 0) {
            c->close_after_flush = true;
            break;
        }
        if (!c->ssl && (size_t)r < sizeof rbuf) break;
    }
    if (flush_out(s, c) != 0) conn_close(s, c);
}

static void expire_idle(hl7_mllp_server *s)
{
    int64_t now = time_monotonic_ms();
    int tick = s->idle_timeout_ms / 10 > 0 ? s->idle_timeout_ms / 10 : 1;
    if (tick > 100) tick = 100;
    if (now - s->last_scan_ms < tick) return; /* the scan is O(connections): not on every event */
    s->last_scan_ms = now;
    conn *c = s->conns;
    while (c) {
        conn *next = c->next;
        if (now - c->last_ms >= s->idle_timeout_ms) {
            LOG_INFOF("hl7", "MLLP connection idle, closed", "peer=%s timeout_ms=%d partial=%d", c->peer,
                      s->idle_timeout_ms, hl7_mllp_deframer_in_frame(c->df) ? 1 : 0);
            s->st.timeouts++;
            conn_close(s, c);
        }
        c = next;
    }
}

int hl7_mllp_server_poll(hl7_mllp_server *s, int timeout_ms)
{
    struct epoll_event evs[64];
    int wait = timeout_ms;
    if (s->conns) {
        int tick = s->idle_timeout_ms / 4 > 0 ? s->idle_timeout_ms / 4 : 1;
        if (tick > 250) tick = 250;
        if (wait < 0 || wait > tick) wait = tick;
    }
    int n = epoll_wait(s->epfd, evs, 64, wait);
    if (n < 0) return errno == EINTR ? HL7_OK : HL7_E_IO;
    for (int i = 0; i < n; i++) {
        void *tag = evs[i].data.ptr;
        if (tag == &listen_tag) {
            do_accept(s);
        } else if (tag == &wake_tag) {
            uint64_t v;
            ssize_t r = read(s->wakefd, &v, sizeof v);
            (void)r;
            drain_replies(s);
        } else {
            conn *c = tag;
            if (c->fd < 0) continue; /* closed by an earlier event of this batch */
            if ((evs[i].events & (EPOLLHUP | EPOLLERR)) && c->paused) {
                conn_close(s, c); /* peer gone while we waited for it to read */
            } else if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                on_readable(s, c);
            } else if (evs[i].events & EPOLLOUT) {
                bool was_paused = c->paused;
                if (flush_out(s, c) != 0) conn_close(s, c);
                else if (was_paused && !c->paused && c->ssl && SSL_pending(c->ssl) > 0)
                    on_readable(s, c); /* decrypted bytes waiting inside OpenSSL raise no event */
            }
        }
    }
    expire_idle(s);
    free_dead(s);
    return HL7_OK;
}

int hl7_mllp_server_run(hl7_mllp_server *s)
{
    while (!atomic_load(&s->stop)) {
        int rc = hl7_mllp_server_poll(s, 1000);
        if (rc != HL7_OK) return rc;
    }
    atomic_store(&s->stop, false);
    return HL7_OK;
}
