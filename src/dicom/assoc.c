/* One association, SCP side: ARTIM-bounded wait for A-ASSOCIATE-RQ, negotiation, DIMSE message
 * reassembly and dispatch to the services, release and abort (PS3.8 9, PS3.7 9). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "dicom/dicom_internal.h"

/* Queued PDUs are written once they exceed this size (or with a final response). */
#define DCM_TX_FLUSH 16384u

typedef struct {
    uint8_t id;
    bool accepted;
    dcm_ts ts;
    const dcm_service *svc;
} pc_state;

struct dcm_assoc {
    int fd;
    SSL *ssl;        /* NULL without TLS */
    char tls[96];
    char subject[256];
    uint32_t id;
    char calling[17], called[17], peer[64];
    uint32_t peer_max_pdu;
    uint32_t our_max_pdu;
    int idle_ms;
    pc_state pcs[DCM_MAX_PCS];
    size_t npcs;
    buf_t rx;        /* current PDU body */
    buf_t cmd, data; /* message being reassembled */
    uint8_t msg_pcid;
    bool cmd_done, data_expected, msg_done;
    buf_t tx;        /* PDUs queued for writing */
    buf_t cmdtx;     /* encoded command being sent */
    unsigned pending_run; /* pending responses since the last final one */
    unsigned flushes, flushes_checked; /* writes of queued PDUs; count at the last cancel check */
    bool broken;     /* the association must end (abort already sent or peer gone) */
    bool released;
    unsigned messages;
};

const char *dcm_assoc_calling_ae(const dcm_assoc *a) { return a->calling; }
const char *dcm_assoc_called_ae(const dcm_assoc *a) { return a->called; }
const char *dcm_assoc_peer(const dcm_assoc *a) { return a->peer; }
const char *dcm_assoc_tls(const dcm_assoc *a) { return a->tls; }
const char *dcm_assoc_peer_subject(const dcm_assoc *a) { return a->subject; }
uint32_t dcm_assoc_id(const dcm_assoc *a) { return a->id; }

void dcm_status_set(dcm_status *st, uint16_t code, const char *fmt, ...)
{
    st->code = code;
    st->comment[0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->comment, sizeof st->comment, fmt, ap);
        va_end(ap);
    }
}

/* ---------------------------------------------------------------- socket I/O */

/* Waits until fd is readable (or writable); 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short ev, int timeout_ms)
{
    for (;;) {
        struct pollfd pfd = {fd, ev, 0};
        int pr = poll(&pfd, 1, timeout_ms);
        if (pr < 0 && errno == EINTR) continue;
        return pr < 0 ? -1 : pr;
    }
}

/* Reads exactly n bytes, each wait bounded by timeout_ms. 0, -1 error/EOF, -2 timeout.
 * With TLS the socket is non-blocking and OpenSSL's WANT_READ/WANT_WRITE drive the waits. */
static int read_full(dcm_assoc *a, void *dst, size_t n, int timeout_ms)
{
    uint8_t *p = dst;
    while (n) {
        if (a->ssl) {
            int r = SSL_read(a->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
            if (r > 0) {
                p += r;
                n -= (size_t)r;
                continue;
            }
            int e = SSL_get_error(a->ssl, r);
            int w = e == SSL_ERROR_WANT_READ ? wait_fd(a->fd, POLLIN, timeout_ms)
                    : e == SSL_ERROR_WANT_WRITE ? wait_fd(a->fd, POLLOUT, timeout_ms) : -1;
            if (w == 0) return -2;
            if (w < 0) return -1;
            continue;
        }
        int w = wait_fd(a->fd, POLLIN, timeout_ms);
        if (w == 0) return -2;
        if (w < 0) return -1;
        ssize_t r = recv(a->fd, p, n, 0);
        if (r == 0) return -1;
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_full(dcm_assoc *a, const void *src, size_t n, int timeout_ms)
{
    const uint8_t *p = src;
    while (n) {
        if (a->ssl) {
            int r = SSL_write(a->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
            if (r > 0) {
                p += r;
                n -= (size_t)r;
                continue;
            }
            int e = SSL_get_error(a->ssl, r);
            int w = e == SSL_ERROR_WANT_READ ? wait_fd(a->fd, POLLIN, timeout_ms)
                    : e == SSL_ERROR_WANT_WRITE ? wait_fd(a->fd, POLLOUT, timeout_ms) : -1;
            if (w == 0) return -2;
            if (w < 0) return -1;
            continue;
        }
        int w = wait_fd(a->fd, POLLOUT, timeout_ms);
        if (w == 0) return -2;
        if (w < 0) return -1;
        ssize_t r = send(a->fd, p, n, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* True when bytes are waiting (in the socket or already decrypted by OpenSSL). */
static bool readable_now(dcm_assoc *a)
{
    if (a->ssl && SSL_pending(a->ssl) > 0) return true;
    return wait_fd(a->fd, POLLIN, 0) > 0;
}

/* TLS handshake bounded by the ARTIM timer. */
static bool tls_accept(dcm_assoc *a, dcm_ssl_ctx *ctx, int artim_ms)
{
    int fl = fcntl(a->fd, F_GETFL);
    if (fl < 0 || fcntl(a->fd, F_SETFL, fl | O_NONBLOCK) != 0) return false;
    a->ssl = SSL_new(ctx);
    if (!a->ssl || SSL_set_fd(a->ssl, a->fd) != 1) return false;
    int64_t until = time_monotonic_ms() + artim_ms;
    for (;;) {
        ERR_clear_error();
        int r = SSL_accept(a->ssl);
        if (r == 1) break;
        int e = SSL_get_error(a->ssl, r);
        int left = (int)(until - time_monotonic_ms());
        int w = left <= 0 ? 0
                : e == SSL_ERROR_WANT_READ ? wait_fd(a->fd, POLLIN, left)
                : e == SSL_ERROR_WANT_WRITE ? wait_fd(a->fd, POLLOUT, left) : -1;
        if (w <= 0) {
            char why[160] = "timeout";
            if (w < 0) ERR_error_string_n(ERR_peek_last_error(), why, sizeof why);
            LOG_WARNF(DCM_LOG, "TLS handshake failed", "assoc=%u peer=%s why=\"%s\"", a->id, a->peer, why);
            return false;
        }
    }
    snprintf(a->tls, sizeof a->tls, "%s %s", SSL_get_version(a->ssl), SSL_get_cipher_name(a->ssl));
    X509 *cert = SSL_get_peer_certificate(a->ssl);
    if (cert) {
        char subject[256];
        X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
        for (char *c = subject; *c; c++)
            if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = '?'; /* log-safe */
        snprintf(a->subject, sizeof a->subject, "%s", subject);
        X509_free(cert);
    }
    return true;
}

/* Reads one PDU into a->rx; returns its type, -1 on error/EOF, -2 on timeout, -3 too long. */
static int read_pdu(dcm_assoc *a, int timeout_ms, uint32_t max_len)
{
    uint8_t h[6];
    int rc = read_full(a, h, 6, timeout_ms);
    if (rc != 0) return rc;
    uint32_t len = dcm_rd32be(h + 2);
    if (len > max_len) return -3;
    buf_reset(&a->rx);
    if (buf_reserve(&a->rx, len + 1) != 0) return -1;
    if (len && (rc = read_full(a, a->rx.data, len, timeout_ms)) != 0) return rc;
    a->rx.len = len;
    return h[0];
}

static void send_abort(dcm_assoc *a, uint8_t source, uint8_t reason, const char *why)
{
    LOG_WARNF(DCM_LOG, "association aborted", "assoc=%u calling=%s source=%u reason=%u why=\"%s\"", a->id, a->calling,
              source, reason, why);
    buf_t b = BUF_INIT;
    buf_reset(&a->tx); /* queued responses are dropped */
    if (dcm_ul_build_abort(source, reason, &b) == 0) (void)write_full(a, b.data, b.len, 2000);
    buf_free(&b);
    a->broken = true;
}

/* ARTIM after our last PDU: wait (bounded) for the peer to close. */
static void artim_linger(dcm_assoc *a, int artim_ms)
{
    int64_t until = time_monotonic_ms() + artim_ms;
    uint8_t tmp[256];
    if (a->ssl) (void)SSL_shutdown(a->ssl);
    shutdown(a->fd, SHUT_WR);
    while (time_monotonic_ms() < until) {
        if (wait_fd(a->fd, POLLIN, (int)(until - time_monotonic_ms())) <= 0) break;
        ssize_t r = recv(a->fd, tmp, sizeof tmp, 0);
        if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) break;
    }
}

/* ---------------------------------------------------------------- negotiation */

static const dcm_service *find_service(const dcm_server_config *cfg, const char *as)
{
    for (size_t i = 0; i < cfg->nservices; i++)
        if (strcmp(cfg->services[i].sop_class_uid, as) == 0) return &cfg->services[i];
    return NULL;
}

static int send_buf(dcm_assoc *a, buf_t *b)
{
    int rc = write_full(a, b->data, b->len, a->idle_ms);
    buf_reset(b);
    if (rc != 0) a->broken = true;
    return rc;
}

static void reject(dcm_assoc *a, uint8_t result, uint8_t source, uint8_t reason, const char *why, int artim_ms)
{
    LOG_WARNF(DCM_LOG, "association rejected", "assoc=%u peer=%s calling=%s called=%s result=%u source=%u reason=%u why=\"%s\"",
              a->id, a->peer, a->calling, a->called, result, source, reason, why);
    if (dcm_ul_build_assoc_rj(result, source, reason, &a->tx) == 0 && send_buf(a, &a->tx) == 0) artim_linger(a, artim_ms);
}

/* Returns true when the association is established. *slot set when a slot was reserved. */
static bool negotiate(dcm_assoc *a, const dcm_assoc_env *env, bool *slot)
{
    const dcm_server_config *cfg = env->cfg;
    int t = read_pdu(a, cfg->artim_ms, DCM_MAX_ASSOC_RQ_LEN);
    if (t == -2) {
        LOG_WARNF(DCM_LOG, "ARTIM expired before A-ASSOCIATE-RQ", "assoc=%u peer=%s", a->id, a->peer);
        return false;
    }
    if (t < 0) {
        if (t == -3) send_abort(a, 2, 6, "A-ASSOCIATE-RQ too long");
        return false;
    }
    if (t != DCM_PDU_ASSOC_RQ) {
        send_abort(a, 2, 2, "unexpected PDU before A-ASSOCIATE-RQ");
        return false;
    }
    dcm_assoc_rq *rq = malloc(sizeof *rq);
    if (!rq) return false;
    char err[160];
    bool ok = false;
    if (dcm_ul_parse_assoc_rq((const uint8_t *)a->rx.data, a->rx.len, rq, err, sizeof err) != 0) {
        send_abort(a, 2, 6, err);
        goto out;
    }
    snprintf(a->calling, sizeof a->calling, "%s", rq->calling);
    snprintf(a->called, sizeof a->called, "%s", rq->called);
    if (!(rq->protocol_version & 1)) {
        reject(a, 1, 2, 2, "protocol version not supported", cfg->artim_ms);
        goto out;
    }
    if (strcmp(rq->app_context, DCM_UID_APP_CONTEXT) != 0) {
        reject(a, 1, 1, 2, "application context name not supported", cfg->artim_ms);
        goto out;
    }
    int reason = 0;
    if (cfg->check) reason = cfg->check(cfg->check_ud, rq->calling, rq->called, a->peer);
    else if (cfg->ae_title && strcmp(rq->called, cfg->ae_title) != 0) reason = DCM_RJ_CALLED_AE_NOT_RECOGNIZED;
    if (reason) {
        reject(a, 1, 1, (uint8_t)reason,
               reason == DCM_RJ_CALLING_AE_NOT_RECOGNIZED  ? "calling AE title not recognized"
               : reason == DCM_RJ_CALLED_AE_NOT_RECOGNIZED ? "called AE title not recognized"
                                                           : "refused by the application",
               cfg->artim_ms);
        goto out;
    }
    if (!env->reserve(env->srv)) {
        reject(a, 2, 3, 2, "local limit of concurrent associations exceeded", cfg->artim_ms);
        goto out;
    }
    *slot = true;
    dcm_pc_ac ac[DCM_MAX_PCS];
    size_t naccepted = 0;
    a->npcs = rq->npcs;
    for (size_t i = 0; i < rq->npcs; i++) {
        const dcm_pc_rq *p = &rq->pcs[i];
        pc_state *s = &a->pcs[i];
        s->id = p->id;
        ac[i].id = p->id;
        ac[i].ts = p->ts[0];
        s->svc = find_service(cfg, p->abstract_syntax);
        if (!s->svc) {
            ac[i].result = 3;
            continue;
        }
        int best = -1;
        for (size_t k = 0; k < p->nts; k++) {
            dcm_ts ts;
            if (dcm_ts_from_uid(p->ts[k], &ts) == 0 && (int)ts > best) best = (int)ts; /* explicit preferred */
        }
        if (best < 0) {
            ac[i].result = 4;
            continue;
        }
        s->ts = (dcm_ts)best;
        s->accepted = true;
        ac[i].result = 0;
        ac[i].ts = dcm_ts_uid(s->ts);
        naccepted++;
    }
    a->peer_max_pdu = rq->max_pdu;
    if (dcm_ul_build_assoc_ac(rq, ac, rq->npcs, a->our_max_pdu, &a->tx) != 0 || send_buf(a, &a->tx) != 0) goto out;
    LOG_INFOF(DCM_LOG, "association accepted",
              "assoc=%u peer=%s calling=%s called=%s contexts=%zu accepted=%zu peer_max_pdu=%u impl=%s tls=\"%s\" "
              "client_cert=\"%s\"", a->id, a->peer, a->calling, a->called, rq->npcs, naccepted, rq->max_pdu,
              rq->impl_class_uid[0] ? rq->impl_class_uid : "-", a->tls, a->subject);
    ok = true;
out:
    free(rq);
    return ok;
}

/* ---------------------------------------------------------------- DIMSE */

static pc_state *pc_find(dcm_assoc *a, uint8_t id)
{
    for (size_t i = 0; i < a->npcs; i++)
        if (a->pcs[i].id == id) return a->pcs[i].accepted ? &a->pcs[i] : NULL;
    return NULL;
}

static int on_pdv(void *ud, uint8_t pcid, uint8_t control, const uint8_t *data, size_t len)
{
    dcm_assoc *a = ud;
    bool is_cmd = control & 1, last = control & 2;
    if (!pc_find(a, pcid)) return 2;
    if (a->msg_done) return 3; /* a message is complete; no PDV may follow in this PDU */
    if (a->cmd.len == 0 && !a->cmd_done && !is_cmd) return 3;
    if (a->cmd.len && pcid != a->msg_pcid) return 3;
    a->msg_pcid = pcid;
    if (is_cmd) {
        if (a->cmd_done) return 3;
        if (a->cmd.len + len > 1024 * 1024) return 4;
        if (buf_append(&a->cmd, data, len) != 0) return 4;
        if (last) {
            a->cmd_done = true;
            dcm_dataset *c = NULL;
            uint16_t type = 0x0101;
            if (dcm_decode((const uint8_t *)a->cmd.data, a->cmd.len, DCM_TS_IMPLICIT_LE, &c, NULL, 0) != 0) return 5;
            (void)dcm_get_u16(c, DCM_CommandDataSetType, &type);
            dcm_dataset_free(c);
            a->data_expected = type != 0x0101;
            if (!a->data_expected) a->msg_done = true;
        }
    } else {
        if (!a->cmd_done || !a->data_expected) return 3;
        if (a->data.len + len > DCM_MAX_MESSAGE) return 4;
        if (buf_append(&a->data, data, len) != 0) return 4;
        if (last) a->msg_done = true;
    }
    return 0;
}

static void reset_message(dcm_assoc *a)
{
    buf_reset(&a->cmd);
    buf_reset(&a->data);
    a->cmd_done = a->data_expected = a->msg_done = false;
}

/* Reads PDUs until a complete DIMSE message is assembled. Returns 1 (message ready), 0
 * (released or aborted by the peer), -1 (error, association broken). */
static int next_message(dcm_assoc *a)
{
    while (!a->msg_done) {
        int t = read_pdu(a, a->idle_ms, a->our_max_pdu + 4096);
        if (t == -2) { send_abort(a, 2, 0, "idle timeout"); return -1; }
        if (t == -3) { send_abort(a, 2, 6, "PDU longer than the negotiated maximum"); return -1; }
        if (t < 0) {
            LOG_WARNF(DCM_LOG, "connection lost", "assoc=%u calling=%s", a->id, a->calling);
            a->broken = true;
            return -1;
        }
        if (t == DCM_PDU_PDATA) {
            char err[120];
            int rc = dcm_ul_parse_pdata((const uint8_t *)a->rx.data, a->rx.len, on_pdv, a, err, sizeof err);
            if (rc != 0) {
                send_abort(a, 2, 6, rc == -1 ? err : rc == 2 ? "PDV on a presentation context not accepted"
                                               : rc == 4 ? "DIMSE message too large" : "PDV sequence invalid");
                return -1;
            }
        } else if (t == DCM_PDU_RELEASE_RQ) {
            if (a->cmd.len || a->data.len) { send_abort(a, 2, 2, "A-RELEASE-RQ inside a message"); return -1; }
            buf_reset(&a->tx);
            if (dcm_ul_build_release(DCM_PDU_RELEASE_RP, &a->tx) == 0) (void)send_buf(a, &a->tx);
            a->released = true;
            return 0;
        } else if (t == DCM_PDU_ABORT) {
            LOG_WARNF(DCM_LOG, "association aborted by peer", "assoc=%u calling=%s", a->id, a->calling);
            a->broken = true;
            return 0;
        } else {
            send_abort(a, 2, 2, "unexpected PDU type");
            return -1;
        }
    }
    return 1;
}

/* Writes what is queued in a->tx. */
static int flush_tx(dcm_assoc *a)
{
    if (a->broken) return -1;
    if (!a->tx.len) return 0;
    a->flushes++;
    return send_buf(a, &a->tx);
}

/* Appends one DIMSE message to a->tx as P-DATA-TF PDUs of at most the peer's maximum length:
 * the command PDV and the data set PDV(s) share a PDU as long as they fit, so a small C-FIND
 * response is one PDU (two PDVs). A PDU never holds PDVs of two messages. Complete PDUs are
 * written out whenever more than DCM_TX_FLUSH bytes are queued. */
static int queue_message(dcm_assoc *a, uint8_t pcid, const buf_t *cmd, const uint8_t *data, size_t len)
{
    if (a->broken) return -1;
    size_t max_body = a->peer_max_pdu ? a->peer_max_pdu : 1024 * 1024 + 6;
    if (max_body < 64) max_body = 64; /* below any sensible peer: 58-byte fragments */
    size_t pdu = SIZE_MAX;            /* offset of the open PDU's header in a->tx */
    for (int part = 0; part < 2; part++) {
        const uint8_t *p = part == 0 ? (const uint8_t *)cmd->data : data;
        size_t n = part == 0 ? cmd->len : len;
        if (part == 1 && !data) break;
        do {
            size_t body = pdu == SIZE_MAX ? 0 : a->tx.len - pdu - 6;
            if (pdu == SIZE_MAX || body + 6 >= max_body) { /* no room for one more byte of PDV */
                if (pdu != SIZE_MAX) {
                    dcm_wr32be((uint8_t *)a->tx.data + pdu + 2, (uint32_t)body);
                    if (a->tx.len >= DCM_TX_FLUSH && flush_tx(a) != 0) return -1;
                }
                uint8_t h[6] = {DCM_PDU_PDATA, 0, 0, 0, 0, 0};
                pdu = a->tx.len;
                if (buf_append(&a->tx, h, 6) != 0) return -1;
                body = 0;
            }
            size_t room = max_body - body - 6;
            size_t chunk = n < room ? n : room;
            uint8_t h[6];
            dcm_wr32be(h, (uint32_t)(chunk + 2));
            h[4] = pcid;
            h[5] = (uint8_t)((part == 0 ? 1 : 0) | (chunk == n ? 2 : 0));
            if (buf_append(&a->tx, h, 6) != 0 || (chunk && buf_append(&a->tx, p, chunk) != 0)) return -1;
            p += chunk;
            n -= chunk;
        } while (n);
    }
    dcm_wr32be((uint8_t *)a->tx.data + pdu + 2, (uint32_t)(a->tx.len - pdu - 6));
    return 0;
}

/* A message only partly queued (memory) is never written: the association ends. */
/* A message that could not be queued whole (write error, memory): the association cannot go
 * on, and the peer is told so by an A-ABORT (service provider) rather than a bare close. */
static int queue_failed(dcm_assoc *a)
{
    send_abort(a, 2, 0, "a message could not be queued");
    return -1;
}

static void patch_group_length(buf_t *enc)
{
    dcm_wr32le((uint8_t *)enc->data + 8, (uint32_t)(enc->len - 12));
}

int dcm_assoc_send(dcm_assoc *a, uint8_t pcid, dcm_dataset *command, const uint8_t *data, size_t len)
{
    if (a->broken) return -1;
    if (dcm_set_u16(command, DCM_CommandDataSetType, data ? 0x0102 : 0x0101) != 0) return -1;
    buf_reset(&a->cmdtx);
    uint8_t zero[4] = {0};
    int rc = dcm_write_element(&a->cmdtx, DCM_TS_IMPLICIT_LE, DCM_CommandGroupLength, DCM_VR('U', 'L'), zero, 4);
    if (rc == 0) rc = dcm_encode(command, DCM_TS_IMPLICIT_LE, &a->cmdtx);
    if (rc != 0) return -1;
    patch_group_length(&a->cmdtx);
    if (queue_message(a, pcid, &a->cmdtx, data, len) != 0) return queue_failed(a);
    return flush_tx(a);
}

static int put_str(buf_t *b, uint32_t tag, dcm_vr vr, const char *s)
{
    return dcm_write_element(b, DCM_TS_IMPLICIT_LE, tag, vr, s, strlen(s));
}

/* Encodes the response command directly (tag order), without an intermediate data set. */
int dcm_assoc_respond(dcm_assoc *a, const dcm_message *rq, const dcm_status *st, const char *sop_instance,
                      const uint8_t *data, size_t len)
{
    if (a->broken) return -1;
    buf_t *b = &a->cmdtx;
    buf_reset(b);
    uint8_t zero[4] = {0};
    int rc = dcm_write_element(b, DCM_TS_IMPLICIT_LE, DCM_CommandGroupLength, DCM_VR('U', 'L'), zero, 4);
    if (rq->sop_class[0]) rc |= put_str(b, DCM_AffectedSOPClassUID, DCM_VR('U', 'I'), rq->sop_class);
    rc |= dcm_write_u16(b, DCM_TS_IMPLICIT_LE, DCM_CommandField, (uint16_t)(rq->command_field | 0x8000));
    rc |= dcm_write_u16(b, DCM_TS_IMPLICIT_LE, DCM_MessageIDBeingRespondedTo, rq->message_id);
    rc |= dcm_write_u16(b, DCM_TS_IMPLICIT_LE, DCM_CommandDataSetType, data ? 0x0102 : 0x0101);
    rc |= dcm_write_u16(b, DCM_TS_IMPLICIT_LE, DCM_Status, st->code);
    if (st->offending_tag) {
        uint8_t at[4];
        dcm_wr16le(at, DCM_GROUP(st->offending_tag));
        dcm_wr16le(at + 2, DCM_ELEM(st->offending_tag));
        rc |= dcm_write_element(b, DCM_TS_IMPLICIT_LE, DCM_OffendingElement, DCM_VR('A', 'T'), at, 4);
    }
    if (st->comment[0]) rc |= put_str(b, DCM_ErrorComment, DCM_VR('L', 'O'), st->comment);
    if (st->error_id) rc |= dcm_write_u16(b, DCM_TS_IMPLICIT_LE, DCM_ErrorID, st->error_id);
    if (sop_instance && *sop_instance) rc |= put_str(b, DCM_AffectedSOPInstanceUID, DCM_VR('U', 'I'), sop_instance);
    if (rc != 0) return -1;
    patch_group_length(b);
    if (queue_message(a, rq->pcid, b, data, len) != 0) return queue_failed(a);
    /* pending responses are coalesced: the first one leaves at once (the modality shows it and
     * may cancel), the next ones when DCM_TX_FLUSH bytes are queued or with the final response */
    bool pending = st->code == DCM_STATUS_PENDING || st->code == DCM_STATUS_PENDING_WARNING;
    if (pending && a->pending_run++ > 0 && a->tx.len < DCM_TX_FLUSH) return 0;
    if (!pending) a->pending_run = 0;
    return flush_tx(a);
}

bool dcm_assoc_cancel_requested(dcm_assoc *a, uint16_t message_id)
{
    if (a->broken) return true;
    /* the peer reacts to what it has received: look for a C-CANCEL once per write of queued
     * responses (one poll per write instead of one per answer) */
    if (a->flushes == a->flushes_checked) return false;
    a->flushes_checked = a->flushes;
    if (!readable_now(a)) return false;
    reset_message(a);
    int rc = next_message(a);
    if (rc <= 0) {
        a->broken = true;
        return true;
    }
    dcm_dataset *c = NULL;
    uint16_t field = 0, id = 0;
    bool cancel = false;
    if (dcm_decode((const uint8_t *)a->cmd.data, a->cmd.len, DCM_TS_IMPLICIT_LE, &c, NULL, 0) == 0 &&
        dcm_get_u16(c, DCM_CommandField, &field) == 0 && field == DCM_C_CANCEL_RQ &&
        dcm_get_u16(c, DCM_MessageIDBeingRespondedTo, &id) == 0)
        cancel = id == message_id;
    dcm_dataset_free(c);
    reset_message(a);
    if (!cancel) {
        send_abort(a, 2, 2, "message received while a C-FIND is in progress");
        return true;
    }
    LOG_INFOF(DCM_LOG, "C-CANCEL received", "assoc=%u message_id=%u", a->id, message_id);
    return true;
}

/* Decodes the complete message and hands it to its service. Returns 0, or -1 to end. */
static int dispatch(dcm_assoc *a)
{
    pc_state *pc = pc_find(a, a->msg_pcid);
    dcm_dataset *cmd = NULL;
    dcm_message m;
    memset(&m, 0, sizeof m);
    m.pcid = a->msg_pcid;
    m.ts = pc->ts;
    if (dcm_decode((const uint8_t *)a->cmd.data, a->cmd.len, DCM_TS_IMPLICIT_LE, &cmd, NULL, 0) != 0 ||
        dcm_get_u16(cmd, DCM_CommandField, &m.command_field) != 0) {
        dcm_dataset_free(cmd);
        send_abort(a, 2, 6, "undecodable DIMSE command");
        return -1;
    }
    (void)dcm_get_u16(cmd, DCM_MessageID, &m.message_id);
    if (dcm_get_string(cmd, DCM_AffectedSOPClassUID, m.sop_class, sizeof m.sop_class) < 0)
        (void)dcm_get_string(cmd, DCM_RequestedSOPClassUID, m.sop_class, sizeof m.sop_class);
    if (dcm_get_string(cmd, DCM_AffectedSOPInstanceUID, m.sop_instance, sizeof m.sop_instance) < 0 &&
        dcm_get_string(cmd, DCM_RequestedSOPInstanceUID, m.sop_instance, sizeof m.sop_instance) < 0)
        m.sop_instance[0] = 0;
    m.command = cmd;
    a->messages++;
    int rc = 0;
    dcm_status st;
    memset(&st, 0, sizeof st);
    if (m.command_field == DCM_C_CANCEL_RQ) { /* a cancel for a finished operation: ignore */
        dcm_dataset_free(cmd);
        return 0;
    }
    if (m.command_field & 0x8000) {
        dcm_dataset_free(cmd);
        send_abort(a, 2, 2, "unexpected DIMSE response");
        return -1;
    }
    if (strcmp(m.sop_class, pc->svc->sop_class_uid) != 0) {
        dcm_status_set(&st, DCM_STATUS_SOP_CLASS_NOT_SUPPORTED, "SOP class %s not negotiated on context %u",
                       m.sop_class[0] ? m.sop_class : "(none)", m.pcid);
        LOG_WARNF(DCM_LOG, "DIMSE refused", "assoc=%u status=0x%04X comment=\"%s\"", a->id, st.code, st.comment);
        rc = dcm_assoc_respond(a, &m, &st, NULL, NULL, 0);
    } else {
        char err[160] = "";
        if (a->data_expected &&
            dcm_decode((const uint8_t *)a->data.data, a->data.len, pc->ts, &m.data, err, sizeof err) != 0) {
            dcm_status_set(&st, m.command_field == DCM_C_FIND_RQ ? DCM_STATUS_IDENTIFIER_MISMATCH : DCM_STATUS_PROCESSING_FAILURE,
                           "%s", err);
            LOG_WARNF(DCM_LOG, "DIMSE data set refused", "assoc=%u status=0x%04X comment=\"%s\"", a->id, st.code, st.comment);
            rc = dcm_assoc_respond(a, &m, &st, NULL, NULL, 0);
        } else {
            rc = pc->svc->handle(a, &m, pc->svc->ud);
        }
    }
    dcm_dataset_free(m.data);
    dcm_dataset_free(cmd);
    return rc != 0 || a->broken ? -1 : 0;
}

void dcm_assoc_serve(int fd, const char *peer, const dcm_assoc_env *env)
{
    dcm_assoc *a = calloc(1, sizeof *a);
    if (!a) return;
    a->fd = fd;
    a->id = env->id;
    snprintf(a->peer, sizeof a->peer, "%s", peer);
    snprintf(a->tls, sizeof a->tls, "-");
    a->our_max_pdu = env->cfg->max_pdu ? env->cfg->max_pdu : 65536;
    a->idle_ms = env->cfg->idle_timeout_ms > 0 ? env->cfg->idle_timeout_ms : 60000;
    bool slot = false;
    int64_t t0 = time_monotonic_ms();
    int artim = env->cfg->artim_ms > 0 ? env->cfg->artim_ms : 30000;
    if ((!env->tls || tls_accept(a, env->tls, artim)) && negotiate(a, env, &slot)) {
        for (;;) {
            reset_message(a);
            int rc = next_message(a);
            if (rc <= 0) break;
            if (dispatch(a) != 0) break;
        }
        if (a->released) {
            LOG_INFOF(DCM_LOG, "association released", "assoc=%u calling=%s messages=%u duration_ms=%lld", a->id,
                      a->calling, a->messages, (long long)(time_monotonic_ms() - t0));
            artim_linger(a, artim);
        }
    }
    if (slot) env->release(env->srv);
    SSL_free(a->ssl);
    buf_free(&a->rx);
    buf_free(&a->cmd);
    buf_free(&a->data);
    buf_free(&a->tx);
    buf_free(&a->cmdtx);
    free(a);
}
