/* The server's life cycle over a real socket: start on a free port, /healthz, 404/405 JSON,
 * oversized bodies, security headers, clean stop; and the start-up errors (port taken, bad
 * settings, unreadable TLS files). The store is SQLite in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/http.h"
#include "store/store.h"

typedef struct {
    store_t *st;
    config_t *cfg;
} fixture;

static config_t *new_config(void)
{
    const config_setting *tables[] = {http_settings};
    config_t *cfg = config_new(tables, 1);
    assert_non_null(cfg);
    assert_int_equal(config_set(cfg, "http", "bind", "127.0.0.1"), 0);
    assert_int_equal(config_set(cfg, "http", "port", "0"), 0);
    assert_int_equal(config_set(cfg, "http", "threads", "2"), 0);
    assert_int_equal(config_set(cfg, "http", "max_body_bytes", "2048"), 0);
    assert_int_equal(config_set(cfg, "http", "web_root", ""), 0);
    return cfg;
}

static int setup(void **state)
{
    static fixture f;
    char err[256];
    if (store_open("sqlite::memory:", 1, &f.st, err, sizeof err) != STORE_OK) return -1;
    if (store_migrate(f.st, err, sizeof err) != STORE_OK) return -1;
    f.cfg = new_config();
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    config_free(f->cfg);
    store_close(f->st);
    return 0;
}

/* Sends a raw request and reads the whole answer (Connection: close) into out. */
static size_t exchange(unsigned short port, const char *request, char *out, size_t outlen)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    size_t len = strlen(request), sent = 0;
    while (sent < len) {
        ssize_t w = send(fd, request + sent, len - sent, MSG_NOSIGNAL);
        if (w <= 0) break;
        sent += (size_t)w;
    }
    size_t got = 0;
    for (;;) {
        ssize_t r = recv(fd, out + got, outlen - 1 - got, 0);
        if (r <= 0) break;
        got += (size_t)r;
        if (got == outlen - 1) break;
    }
    out[got] = '\0';
    close(fd);
    return got;
}

static void test_serve(void **state)
{
    fixture *f = *state;
    char err[256] = "";
    http_server_t *srv = http_server_start(f->cfg, f->st, err, sizeof err);
    assert_non_null(srv);
    unsigned short port = http_server_port(srv);
    assert_true(port > 0);
    char buf[8192];

    exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf, sizeof buf);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strstr(buf, "Content-Type: application/json; charset=utf-8"));
    assert_non_null(strstr(buf, "X-Content-Type-Options: nosniff"));
    assert_non_null(strstr(buf, "\"status\":\"ok\""));
    assert_non_null(strstr(buf, "\"store\":\"sqlite\""));

    exchange(port, "GET /api/v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf, sizeof buf);
    assert_non_null(strstr(buf, "HTTP/1.1 404"));
    assert_non_null(strstr(buf, "\"code\":\"not_found\""));

    exchange(port, "DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf, sizeof buf);
    assert_non_null(strstr(buf, "HTTP/1.1 405"));
    assert_non_null(strstr(buf, "Allow: GET"));

    /* no session */
    exchange(port, "GET /api/v1/patients HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf, sizeof buf);
    assert_non_null(strstr(buf, "HTTP/1.1 401"));
    assert_non_null(strstr(buf, "\"code\":\"unauthenticated\""));

    /* announced body over the cap: refused before reading it */
    exchange(port,
             "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
             "Content-Length: 100000\r\n\r\n{",
             buf, sizeof buf);
    assert_non_null(strstr(buf, "HTTP/1.1 413"));
    assert_non_null(strstr(buf, "\"code\":\"too_large\""));

    /* chunked body over the cap: counted while it arrives */
    char big[6000];
    int n = snprintf(big, sizeof big,
                     "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "bb8\r\n");
    memset(big + n, 'a', 3000);
    snprintf(big + n + 3000, sizeof big - (size_t)n - 3000, "\r\n0\r\n\r\n");
    exchange(port, big, buf, sizeof buf);
    assert_non_null(strstr(buf, "HTTP/1.1 413"));

    /* malformed login body */
    exchange(port,
             "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\n{\"a\":",
             buf, sizeof buf);
    assert_non_null(strstr(buf, "HTTP/1.1 400"));
    assert_non_null(strstr(buf, "\"code\":\"invalid_json\""));

    /* unknown login */
    const char *body = "{\"login\":\"nobody\",\"password\":\"whatever-1\"}";
    char req[512];
    snprintf(req, sizeof req,
             "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    exchange(port, req, buf, sizeof buf);
    assert_non_null(strstr(buf, "HTTP/1.1 401"));

    /* static files are off without web_root */
    exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf, sizeof buf);
    assert_non_null(strstr(buf, "HTTP/1.1 404"));

    /* the same port cannot be taken twice */
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%u", port);
    config_t *cfg2 = new_config();
    config_set(cfg2, "http", "port", portstr);
    assert_null(http_server_start(cfg2, f->st, err, sizeof err));
    assert_non_null(strstr(err, "cannot listen"));
    config_free(cfg2);

    http_server_stop(srv);
}

static void test_bad_settings(void **state)
{
    fixture *f = *state;
    char err[256];
    struct {
        const char *key, *value, *expect;
    } cases[] = {
        {"threads", "0", "threads"},
        {"port", "70000", "port"},
        {"max_body_bytes", "abc", "max_body_bytes"},
        {"tls_cert", "/nonexistent/cert.pem", "tls_cert and tls_key"},
        {"bind", "no-such-host.invalid", "bind"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config_t *cfg = new_config();
        assert_int_equal(config_set(cfg, "http", cases[i].key, cases[i].value), 0);
        err[0] = '\0';
        assert_null(http_server_start(cfg, f->st, err, sizeof err));
        if (!strstr(err, cases[i].expect)) fail_msg("case %zu: unexpected error \"%s\"", i, err);
        config_free(cfg);
    }
    /* both TLS files set but unreadable */
    config_t *cfg = new_config();
    config_set(cfg, "http", "tls_cert", "/nonexistent/cert.pem");
    config_set(cfg, "http", "tls_key", "/nonexistent/key.pem");
    assert_null(http_server_start(cfg, f->st, err, sizeof err));
    assert_non_null(strstr(err, "cannot open /nonexistent/cert.pem"));
    config_free(cfg);
    http_server_stop(NULL);
    assert_int_equal(http_server_port(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve),
        cmocka_unit_test(test_bad_settings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
