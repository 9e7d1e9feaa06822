/* libmicrohttpd glue: daemon life cycle, request bodies with a hard cap, response emission
 * with security headers, access log. Everything else happens in http_dispatch(). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/http_internal.h"

struct http_server {
    struct MHD_Daemon *daemon;
    pthread_mutex_t mu;          /* guards deferred and stopping */
    pthread_cond_t cv;
    size_t deferred;             /* suspended connections waiting for their read audit */
    bool stopping;               /* http_server_stop() runs: new requests get 503, none is held */
    http_app app;
    http_options opt;
    http_hooks hooks;            /* app.hooks points here (all NULL when none were given) */
    char *tls_cert_pem;
    char *tls_key_pem;
    unsigned short port;
};

/* Per-request state, from the first callback to the completion notification. */
typedef struct {
    buf_t body;
    bool too_large;
    int64_t t0_ms;
    /* An answer held (connection suspended) until its read audit event is durable. */
    bool deferred;
    bool api;
    http_response resp;
    http_user user;
    http_server_t *srv;
    struct MHD_Connection *conn;
    store_status audit_status;   /* written by the audit writer thread before it resumes us */
} req_state;

/* ---- configuration ---------------------------------------------------------------------- */

static bool declared(const config_t *cfg, const char *section, const char *key)
{
    for (size_t i = 0;; i++) {
        const config_setting *s = config_setting_at(cfg, i);
        if (!s) return false;
        if (strcmp(s->section, section) == 0 && strcmp(s->key, key) == 0) return true;
    }
}

static long get_long(const config_t *cfg, const char *key, long min, long max, char *err, size_t errlen, bool *ok)
{
    bool good = true;
    long v = config_get_long(cfg, "http", key, min, max, &good);
    if (!good) {
        snprintf(err, errlen, "[http] %s must be an integer between %ld and %ld", key, min, max);
        *ok = false;
    }
    return v;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    buf_t b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > 1024 * 1024 || buf_append(&b, chunk, n) != 0) {
            snprintf(err, errlen, "%s is too large for a PEM file", path);
            fclose(f);
            buf_free(&b);
            return NULL;
        }
    }
    fclose(f);
    return buf_steal(&b);
}

static int load_options(const config_t *cfg, http_server_t *srv, char *err, size_t errlen)
{
    bool ok = true;
    http_options *o = &srv->opt;
    o->max_body_bytes = (size_t)get_long(cfg, "max_body_bytes", 1024, 256L * 1024 * 1024, err, errlen, &ok);
    if (!ok) return -1;
    o->session_ttl_seconds = get_long(cfg, "session_ttl_minutes", 1, 60L * 24 * 30, err, errlen, &ok) * 60;
    if (!ok) return -1;
    o->slots_step_minutes = (int)get_long(cfg, "slot_step_minutes", 1, 240, err, errlen, &ok);
    if (!ok) return -1;
    o->slots_weekends = config_get_bool(cfg, "http", "slot_weekends");
    /* Opening hours belong to [site] (declared by the application). */
    o->slots_open_minute = 8 * 60;
    o->slots_close_minute = 19 * 60;
    if (declared(cfg, "site", "open_minute") && declared(cfg, "site", "close_minute")) {
        bool a = true, b = true;
        long open = config_get_long(cfg, "site", "open_minute", 0, 1439, &a);
        long close = config_get_long(cfg, "site", "close_minute", 1, 1440, &b);
        if (!a || !b || close <= open) {
            snprintf(err, errlen, "[site] open_minute/close_minute must satisfy 0 <= open < close <= 1440");
            return -1;
        }
        o->slots_open_minute = (int)open;
        o->slots_close_minute = (int)close;
    }
    const char *root = config_get(cfg, "http", "web_root");
    o->web_root[0] = '\0';
    if (root && *root) {
        char real[PATH_MAX];
        if (realpath(root, real))
            snprintf(o->web_root, sizeof o->web_root, "%s", real);
        else
            LOG_WARNF("http", "web_root not found, static files disabled", "web_root=%s", root);
    }
    return 0;
}

/* ---- request handling ----------------------------------------------------------------------- */

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    http_request *r = cls;
    if (r->nquery >= HTTP_MAX_QUERY) {
        r->query_overflow = true;
        return MHD_NO;
    }
    r->query[r->nquery].key = key ? key : "";
    r->query[r->nquery].value = value ? value : "";
    r->nquery++;
    return MHD_YES;
}

/* "q,limit": the names of the query parameters, never their values (they may carry patient
 * names or birth dates). */
static void query_keys(const http_request *r, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->nquery && used + 1 < n; i++) {
        int w = snprintf(out + used, n - used, "%s%s", i ? "," : "", r->query[i].key);
        if (w < 0 || (size_t)w >= n - used) break;
        used += (size_t)w;
    }
}

static void client_address(struct MHD_Connection *conn, char *out, size_t n)
{
    snprintf(out, n, "unknown");
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)n);
}

static void add_security_headers(const http_server_t *srv, struct MHD_Response *mr, bool api)
{
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(mr, "X-Frame-Options", "DENY");
    MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(mr, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    MHD_add_response_header(mr, "Cross-Origin-Opener-Policy", "same-origin");
    if (api) MHD_add_response_header(mr, "Cache-Control", "no-store");
    if (srv->opt.tls) MHD_add_response_header(mr, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result send_response(http_server_t *srv, struct MHD_Connection *conn, http_response *resp, bool api)
{
    struct MHD_Response *mr = NULL;
    if (resp->raw) {
        mr = MHD_create_response_from_buffer_with_free_callback(resp->raw_len, resp->raw, free);
        if (mr) {
            resp->raw = NULL;
            MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp->raw_type);
        }
    } else if (resp->json) {
        char *text = json_dumps(resp->json, JSON_COMPACT);
        if (!text) {
            /* Cannot happen with our own objects; keep the contract with a minimal error. */
            text = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"Erreur interne du serveur.\"}}");
            resp->status = 500;
        }
        if (text) {
            mr = MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
            if (!mr) free(text);
        }
        if (mr) MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    } else {
        mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!mr) return MHD_NO;
    add_security_headers(srv, mr, api);
    for (size_t i = 0; i < resp->nheaders; i++) MHD_add_response_header(mr, resp->headers[i].name, resp->headers[i].value);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)resp->status, mr);
    MHD_destroy_response(mr);
    return rc;
}

static void access_log(const http_request *req, int status, int64_t t0, const http_user *user)
{
    if (log_get_level() > LOG_INFO) return; /* skip the formatting work too */
    char qpath[512], qkeys[256], qk[300];
    query_keys(req, qkeys, sizeof qkeys);
    log_emit(LOG_INFO, "http", "request", "method=%s path=%s query_keys=%s status=%d duration_ms=%lld user=%s client=%s",
             req->method, log_quote(req->path, qpath, sizeof qpath), log_quote(qkeys, qk, sizeof qk), status,
             (long long)(time_monotonic_ms() - t0), user && user->authenticated ? user->login : "-", req->client_addr);
}

/* Audit writer thread: the event is committed (or failed); let MHD send the held answer. */
static void on_audit_done(void *arg, store_status status)
{
    req_state *rs = arg;
    rs->audit_status = status;
    MHD_resume_connection(rs->conn); /* rs may be gone from here on */
}

/* A held answer was sent or dropped: the daemon may stop once none is left. */
static void deferred_done(http_server_t *srv)
{
    pthread_mutex_lock(&srv->mu);
    srv->deferred--;
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
}

/* Holds the answer and suspends the connection until its read audit event is durable (group
 * commit): the thread goes on serving other connections meanwhile. Returns false, holding
 * nothing, once http_server_stop() runs (it waits only for the answers already held). */
static bool defer_for_audit(http_server_t *srv, struct MHD_Connection *conn, req_state *rs, const http_response *resp,
                            const http_user *user, bool api)
{
    pthread_mutex_lock(&srv->mu);
    bool stopping = srv->stopping;
    if (!stopping) srv->deferred++;
    pthread_mutex_unlock(&srv->mu);
    if (stopping) return false;
    rs->deferred = true;
    rs->resp = *resp; /* takes ownership of its bodies */
    rs->user = *user;
    rs->api = api;
    rs->srv = srv;
    rs->conn = conn;
    rs->audit_status = STORE_ERROR;
    const http_deferred_audit *d = &resp->audit;
    char idbuf[24];
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)d->object_id);
    store_audit_event ev = {
        .user_id = d->user_id,
        .action = d->action,
        .object_type = d->object_type,
        .object_id = d->object_id > 0 ? idbuf : NULL,
        .patient_id = d->patient_id,
        .client_addr = d->client_addr,
        .outcome = "success",
        .detail = d->detail[0] ? d->detail : NULL,
    };
    MHD_suspend_connection(conn);
    if (store_audit_read_async(srv->app.st, &ev, on_audit_done, rs) != STORE_OK) on_audit_done(rs, STORE_ERROR);
    return true;
}

/* The answer to a request that arrives while the server stops (nothing is held any more). */
static enum MHD_Result send_stopping(http_server_t *srv, struct MHD_Connection *conn, const http_request *req,
                                     int64_t t0_ms)
{
    http_response resp;
    memset(&resp, 0, sizeof resp);
    http_fail(&resp, HE_UNAVAILABLE, NULL, "Le serveur s'arrête : veuillez réessayer dans un instant.");
    http_add_header(&resp, "Retry-After", "5");
    http_add_header(&resp, "Connection", "close");
    enum MHD_Result rc = send_response(srv, conn, &resp, true);
    access_log(req, resp.status, t0_ms, NULL);
    http_response_free(&resp);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    http_server_t *srv = cls;
    req_state *rs = *con_cls;
    if (!rs) {
        rs = calloc(1, sizeof *rs);
        if (!rs) return MHD_NO;
        rs->t0_ms = time_monotonic_ms();
        *con_cls = rs;
        /* Refuse early when the announced length already exceeds the cap. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        int64_t announced = 0;
        if (cl && http_parse_int64(cl, 0, INT64_MAX, &announced) == 0 && (uint64_t)announced > srv->opt.max_body_bytes)
            rs->too_large = true;
        if (!rs->too_large) return MHD_YES;
    }
    if (*upload_data_size > 0 && !rs->too_large) {
        if (rs->body.len + *upload_data_size > srv->opt.max_body_bytes) {
            rs->too_large = true;
            buf_free(&rs->body);
        } else if (buf_append(&rs->body, upload_data, *upload_data_size) != 0) {
            return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) { /* discarding the rest of an oversized body */
        *upload_data_size = 0;
        return MHD_YES;
    }

    char addr[INET6_ADDRSTRLEN + 1];
    client_address(conn, addr, sizeof addr);
    http_request req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.path = url;
    req.body = buf_cstr(&rs->body);
    req.body_len = rs->body.len;
    req.client_addr = addr;
    req.cookie_session = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "couloir_session");
    req.csrf_header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
    req.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &req);

    if (rs->deferred) {
        /* Resumed: the read audit event is committed (or failed: then the data is not sent). */
        rs->deferred = false;
        deferred_done(srv);
        if (rs->audit_status != STORE_OK) {
            http_response_free(&rs->resp);
            memset(&rs->resp, 0, sizeof rs->resp);
            http_fail(&rs->resp, HE_UNAVAILABLE, NULL,
                      "Le journal d'audit est momentanément indisponible : la consultation n'a pas pu être "
                      "enregistrée, veuillez réessayer.");
            http_add_header(&rs->resp, "Retry-After", "1");
            rs->api = true;
        }
        enum MHD_Result rc = send_response(srv, conn, &rs->resp, rs->api);
        access_log(&req, rs->resp.status, rs->t0_ms, &rs->user);
        http_response_free(&rs->resp);
        return rc;
    }
    pthread_mutex_lock(&srv->mu);
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->mu);
    if (stopping) return send_stopping(srv, conn, &req, rs->t0_ms);
    req.defer_audit = srv->app.st != NULL;
    req.accept_gzip = http_accepts_gzip(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding"));

    http_response resp;
    memset(&resp, 0, sizeof resp);
    http_user user;
    memset(&user, 0, sizeof user);
    bool api = true;
    if (rs->too_large) {
        http_fail(&resp, HE_TOO_LARGE, NULL, "Le corps de la requête dépasse la taille maximale autorisée (%zu octets).",
                  srv->opt.max_body_bytes);
        http_add_header(&resp, "Connection", "close");
    } else {
        http_dispatch(&srv->app, &req, &resp, &user);
        api = resp.raw == NULL || resp.raw_api;
    }
    if (resp.audit.pending) {
        if (defer_for_audit(srv, conn, rs, &resp, &user, api)) return MHD_YES;
        http_response_free(&resp); /* the read is not audited: its data is not sent */
        return send_stopping(srv, conn, &req, rs->t0_ms);
    }
    enum MHD_Result rc = send_response(srv, conn, &resp, api);
    access_log(&req, resp.status, rs->t0_ms, &user);
    http_response_free(&resp);
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    req_state *rs = *con_cls;
    if (!rs) return;
    if (rs->deferred) { /* the client left while its answer was held */
        http_response_free(&rs->resp);
        deferred_done(cls);
    }
    buf_free(&rs->body);
    free(rs);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    char q[600];
    log_emit(LOG_WARN, "http", "libmicrohttpd", "detail=%s", log_quote(msg, q, sizeof q));
}

/* ---- life cycle ------------------------------------------------------------------------------ */

static void server_free(http_server_t *srv)
{
    if (!srv) return;
    auth_ratelimit_free(srv->app.rl);
    http_session_cache_free(srv->app.sessions);
    http_resp_cache_free(srv->app.responses);
    http_identity_stop(&srv->app);
    free(srv->tls_cert_pem);
    free(srv->tls_key_pem);
    pthread_cond_destroy(&srv->cv);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}

http_server_t *http_server_start(const config_t *cfg, store_t *st, char *err, size_t errlen)
{
    return http_server_start_hooks(cfg, st, NULL, err, errlen);
}

http_server_t *http_server_start_hooks(const config_t *cfg, store_t *st, const http_hooks *hooks, char *err,
                                       size_t errlen)
{
    http_server_t *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cv, NULL);
    bool ok = true;
    long port = get_long(cfg, "port", 0, 65535, err, errlen, &ok);
    long threads = ok ? get_long(cfg, "threads", 1, 64, err, errlen, &ok) : 0;
    long max_attempts = ok ? get_long(cfg, "login_max_attempts", 1, 1000, err, errlen, &ok) : 0;
    long window = ok ? get_long(cfg, "login_window_seconds", 1, 86400, err, errlen, &ok) : 0;
    if (!ok || load_options(cfg, srv, err, errlen) != 0) {
        server_free(srv);
        return NULL;
    }
    srv->app.st = st;
    srv->app.opt = &srv->opt;
    srv->app.cfg = cfg;
    if (hooks) srv->hooks = *hooks;
    srv->app.hooks = &srv->hooks;
    http_identity_start(&srv->app);
    long cache_s = get_long(cfg, "session_cache_seconds", 0, 60, err, errlen, &ok);
    if (!ok) {
        server_free(srv);
        return NULL;
    }
    long resp_ms = get_long(cfg, "response_cache_ms", 0, 60000, err, errlen, &ok);
    long resp_n = ok ? get_long(cfg, "response_cache_entries", 1, 4096, err, errlen, &ok) : 0;
    if (!ok) {
        server_free(srv);
        return NULL;
    }
    srv->app.sessions = http_session_cache_new(cache_s * 1000);
    srv->app.responses = http_resp_cache_new((size_t)resp_n, resp_ms, 4u << 20);
    srv->app.rl = auth_ratelimit_new((int)max_attempts, (int)window, 4096);
    if (!srv->app.rl || (cache_s > 0 && !srv->app.sessions) || (resp_ms > 0 && !srv->app.responses)) {
        snprintf(err, errlen, "out of memory");
        server_free(srv);
        return NULL;
    }

    const char *cert = config_get(cfg, "http", "tls_cert"), *key = config_get(cfg, "http", "tls_key");
    if ((cert && *cert) != (key && *key)) {
        snprintf(err, errlen, "[http] tls_cert and tls_key must be set together");
        server_free(srv);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (cert && *cert) {
        srv->tls_cert_pem = read_file(cert, err, errlen);
        srv->tls_key_pem = srv->tls_cert_pem ? read_file(key, err, errlen) : NULL;
        if (!srv->tls_key_pem) {
            server_free(srv);
            return NULL;
        }
        flags |= MHD_USE_TLS;
        srv->opt.tls = true;
    }

    const char *bind = config_get(cfg, "http", "bind");
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%ld", port);
    int gai = getaddrinfo(bind && *bind ? bind : NULL, portstr, &hints, &ai);
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "[http] bind: cannot resolve %s: %s", bind ? bind : "(any)", gai_strerror(gai));
        server_free(srv);
        return NULL;
    }
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;

    struct MHD_OptionItem tls_opts[] = {
        {srv->opt.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, srv->tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    srv->daemon = MHD_start_daemon(
        /* the logger first, so that libmicrohttpd reports option errors through it */
        flags, (uint16_t)port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!srv->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%ld%s (address in use, bad certificate or key?)",
                 bind ? bind : "*", port, srv->opt.tls ? " with TLS" : "");
        server_free(srv);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : (unsigned short)port;
    LOG_INFOF("http", "listening", "bind=%s port=%u threads=%ld tls=%s web_root=%s", bind ? bind : "*", srv->port,
              threads, srv->opt.tls ? "on" : "off", srv->opt.web_root[0] ? srv->opt.web_root : "-");
    return srv;
}

void http_server_stop(http_server_t *srv)
{
    if (!srv) return;
    if (srv->daemon) {
        /* Suspended connections must be resumed and handled before the daemon goes: wait for
         * their audit events (the store's audit writer always answers, within its busy timeout)
         * and for the worker threads to send or drop the held answers. Meanwhile new requests
         * are answered 503 and never held, so the wait ends.
         * MHD_quiesce_daemon() is NOT used: with a thread pool in epoll mode (ours) it races with
         * the worker threads, which remove the listen socket from their own epoll sets when they
         * see the quiesce flag; the loser's epoll_ctl(DEL) fails with ENOENT and libmicrohttpd
         * aborts ("Failed to remove listen FD from epoll set", libmicrohttpd 0.9.75 to 1.0).
         * MHD_stop_daemon() alone stops the workers through their ITC and closes the socket. */
        pthread_mutex_lock(&srv->mu);
        srv->stopping = true;
        while (srv->deferred > 0) pthread_cond_wait(&srv->cv, &srv->mu);
        pthread_mutex_unlock(&srv->mu);
        MHD_stop_daemon(srv->daemon);
    }
    server_free(srv);
}

unsigned short http_server_port(const http_server_t *srv)
{
    return srv ? srv->port : 0;
}
