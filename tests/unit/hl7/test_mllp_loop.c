/* MLLP server run loop in a thread with Couloir's client: many sequential messages, stop from
 * another thread, connection cap, handler refusing (connection closed, client reconnects). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hl7/hl7.h"

typedef struct {
    atomic_int calls;
    atomic_int refuse_next; /* fail the handler once: the connection is closed without ACK */
} app;

static int handler(void *ctx, const hl7_mllp_peer *peer, const char *msg, size_t len, buf_t *ack)
{
    app *a = ctx;
    (void)peer;
    atomic_fetch_add(&a->calls, 1);
    if (atomic_exchange(&a->refuse_next, 0)) return -1;
    hl7_message *m = hl7_parse(msg, len, NULL, NULL);
    if (!m) return -1;
    hl7_message *r = hl7_ack_build(m, HL7_ACK_AA, NULL, NULL);
    int rc = hl7_serialize(r, NULL, ack, NULL);
    hl7_message_free(r);
    hl7_message_free(m);
    return rc == HL7_OK ? 0 : -1;
}

static void *run(void *arg)
{
    return (void *)(intptr_t)hl7_mllp_server_run(arg);
}

static void expect_msa2(const buf_t *ack, const char *ctl)
{
    hl7_message *a = hl7_parse(ack->data, ack->len, NULL, NULL);
    assert_non_null(a);
    buf_t v = BUF_INIT;
    hl7_get(a, "MSA-1", &v);
    assert_string_equal(v.data, "AA");
    hl7_get(a, "MSA-2", &v);
    assert_string_equal(v.data, ctl);
    buf_free(&v);
    hl7_message_free(a);
}

static void test_loop(void **state)
{
    (void)state;
    app a = {0};
    hl7_mllp_server_opts o = {.bind_address = "127.0.0.1", .port = 0, .idle_timeout_ms = 5000,
                              .max_connections = 2, .handler = handler, .handler_ctx = &a};
    hl7_error e;
    hl7_mllp_server *s = hl7_mllp_server_new(&o, &e);
    assert_non_null(s);
    int port = hl7_mllp_server_port(s);
    assert_true(port > 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, run, s), 0);

    hl7_mllp_client_opts co = {"127.0.0.1", port, 2000, 2000, 2, 0, false, NULL};
    hl7_mllp_client *c = hl7_mllp_client_new(&co);
    assert_non_null(c);
    buf_t ack = BUF_INIT;
    char msg[256], ctl[16];
    for (int i = 0; i < 200; i++) {
        snprintf(ctl, sizeof ctl, "C%d", i);
        snprintf(msg, sizeof msg, "MSH|^~\\&|A|B|C|D|2026||ADT^A28|%s|P|2.5\rPID|||%d\r", ctl, i);
        if (i == 100) atomic_store(&a.refuse_next, 1); /* closed once: the client resends */
        assert_int_equal(hl7_mllp_client_send(c, msg, strlen(msg), &ack, &e), HL7_OK);
        expect_msa2(&ack, ctl);
    }
    assert_int_equal(atomic_load(&a.calls), 201);

    /* connection cap: the client holds one, two more sockets: the second is refused */
    int fds[2];
    for (int k = 0; k < 2; k++) {
        fds[k] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fds[k], (struct sockaddr *)&sa, sizeof sa), 0);
    }
    struct timeval tv = {3, 0};
    setsockopt(fds[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char b;
    assert_int_equal(recv(fds[1], &b, 1, 0), 0); /* closed by the server */
    close(fds[0]);
    close(fds[1]);

    hl7_mllp_server_stop(s);
    void *ret;
    pthread_join(th, &ret);
    assert_int_equal((intptr_t)ret, HL7_OK);
    hl7_mllp_server_stats st;
    hl7_mllp_server_get_stats(s, &st);
    assert_int_equal(st.messages, 201);
    assert_int_equal(st.handler_failures, 1);
    assert_true(st.refused >= 1);
    hl7_mllp_client_free(c);
    hl7_mllp_server_free(s);
    buf_free(&ack);

    /* invalid options are refused with a French message */
    hl7_mllp_server_opts bad = {.bind_address = "999.1.1.1", .handler = handler};
    assert_null(hl7_mllp_server_new(&bad, &e));
    assert_non_null(strstr(e.message, "adresse"));
    hl7_mllp_server_opts notls = {.bind_address = "127.0.0.1", .handler = handler, .tls_cert_file = "/nonexistent.pem",
                                  .tls_key_file = "/nonexistent.key"};
    assert_null(hl7_mllp_server_new(&notls, &e));
    assert_non_null(strstr(e.message, "certificat"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_loop)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
