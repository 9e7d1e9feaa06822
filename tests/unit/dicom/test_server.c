/* The server over real sockets (127.0.0.1, ephemeral port) with a hand-written SCU: ARTIM,
 * A-ABORT on garbage, AE title rejection, the association limit (A-ASSOCIATE-RJ transient),
 * C-ECHO with P-DATA fragmentation to a tiny peer max PDU, A-RELEASE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "dicom/dicom_internal.h"
#include "unit/dicom/pdu_client.h"


static void item(buf_t *b, uint8_t type, const char *s)
{
    uint8_t h[4] = {type, 0, 0, (uint8_t)strlen(s)};
    buf_append(b, h, 4);
    buf_append(b, s, strlen(s));
}

static void send_assoc_rq(int fd, const char *called, uint32_t max_pdu)
{
    buf_t b = BUF_INIT;
    uint8_t fixed[68] = {0, 1, 0, 0};
    memset(fixed + 4, ' ', 32);
    memcpy(fixed + 4, called, strlen(called));
    memcpy(fixed + 20, "TESTSCU", 7);
    buf_append(&b, fixed, sizeof fixed);
    item(&b, 0x10, DCM_UID_APP_CONTEXT);
    buf_t pc = BUF_INIT;
    uint8_t h[4] = {1, 0, 0, 0};
    buf_append(&pc, h, 4);
    item(&pc, 0x30, DCM_UID_VERIFICATION);
    item(&pc, 0x40, DCM_UID_IMPLICIT_LE);
    uint8_t ph[4] = {0x20, 0, 0, (uint8_t)pc.len};
    buf_append(&b, ph, 4);
    buf_append(&b, pc.data, pc.len);
    buf_free(&pc);
    uint8_t ui[12] = {0x50, 0, 0, 8, 0x51, 0, 0, 4};
    dcm_wr32be(ui + 8, max_pdu);
    buf_append(&b, ui, sizeof ui);
    uint8_t ph2[6] = {1, 0};
    dcm_wr32be(ph2 + 2, (uint32_t)b.len);
    send_all(fd, ph2, 6);
    send_all(fd, b.data, b.len);
    buf_free(&b);
}

typedef struct {
    dcm_server *srv;
    uint16_t port;
} fixture;

static int setup(void **state)
{
    static fixture f;
    static dcm_service svc[1];
    svc[0] = dcm_echo_service();
    dcm_server_config cfg = {0};
    cfg.ae_title = "COULOIR";
    cfg.bind_address = "127.0.0.1";
    cfg.max_associations = 1;
    cfg.max_pdu = 16384;
    cfg.artim_ms = 300;
    cfg.idle_timeout_ms = 3000;
    cfg.services = svc;
    cfg.nservices = 1;
    char err[160];
    f.srv = dcm_server_start(&cfg, err, sizeof err);
    if (!f.srv) fail_msg("%s", err);
    f.port = dcm_server_port(f.srv);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    dcm_server_stop(f->srv);
    return 0;
}

static void test_artim(void **state)
{
    fixture *f = *state;
    int fd = connect_to(f->port);
    int64_t t0 = time_monotonic_ms();
    uint8_t x;
    struct pollfd pfd = {fd, POLLIN, 0};
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    assert_int_equal(recv(fd, &x, 1, 0), 0); /* closed by the server */
    int64_t dt = time_monotonic_ms() - t0;
    assert_true(dt >= 250 && dt < 3000);
    close(fd);
}

static void test_garbage_aborts(void **state)
{
    fixture *f = *state;
    int fd = connect_to(f->port);
    static const uint8_t junk[10] = {9, 0, 0, 0, 0, 4, 1, 2, 3, 4};
    send_all(fd, junk, sizeof junk);
    buf_t b = BUF_INIT;
    assert_int_equal(read_pdu(fd, &b), DCM_PDU_ABORT);
    /* a valid type with an invalid body: abort too */
    close(fd);
    fd = connect_to(f->port);
    static const uint8_t shortrq[10] = {1, 0, 0, 0, 0, 4, 0, 1, 0, 0};
    send_all(fd, shortrq, sizeof shortrq);
    assert_int_equal(read_pdu(fd, &b), DCM_PDU_ABORT);
    buf_free(&b);
    close(fd);
}

static void test_called_ae_rejected(void **state)
{
    fixture *f = *state;
    int fd = connect_to(f->port);
    send_assoc_rq(fd, "SOMEONE", 16384);
    buf_t b = BUF_INIT;
    assert_int_equal(read_pdu(fd, &b), DCM_PDU_ASSOC_RJ);
    assert_int_equal((uint8_t)b.data[1], 1); /* permanent */
    assert_int_equal((uint8_t)b.data[2], 1); /* service user */
    assert_int_equal((uint8_t)b.data[3], 7); /* called AE title not recognized */
    buf_free(&b);
    close(fd);
}

static void test_limit_echo_release(void **state)
{
    fixture *f = *state;
    buf_t b = BUF_INIT;
    int a = connect_to(f->port);
    send_assoc_rq(a, "COULOIR", 64); /* tiny max PDU: responses arrive in fragments */
    assert_int_equal(read_pdu(a, &b), DCM_PDU_ASSOC_AC);
    /* second association while the first is open: transient rejection, local limit */
    int c = connect_to(f->port);
    send_assoc_rq(c, "COULOIR", 16384);
    assert_int_equal(read_pdu(c, &b), DCM_PDU_ASSOC_RJ);
    assert_int_equal((uint8_t)b.data[1], 2);
    assert_int_equal((uint8_t)b.data[2], 3);
    assert_int_equal((uint8_t)b.data[3], 2);
    close(c);
    /* C-ECHO-RQ */
    dcm_dataset *cmd = dcm_dataset_new();
    dcm_set_string(cmd, DCM_AffectedSOPClassUID, DCM_UID_VERIFICATION);
    dcm_set_u16(cmd, DCM_CommandField, 0x0030);
    dcm_set_u16(cmd, DCM_MessageID, 7);
    dcm_set_u16(cmd, DCM_CommandDataSetType, 0x0101);
    buf_t enc = BUF_INIT;
    assert_int_equal(dcm_encode(cmd, DCM_TS_IMPLICIT_LE, &enc), 0);
    dcm_dataset_free(cmd);
    uint8_t h[12] = {4, 0};
    dcm_wr32be(h + 2, (uint32_t)enc.len + 6);
    dcm_wr32be(h + 6, (uint32_t)enc.len + 2);
    h[10] = 1;
    h[11] = 3;
    send_all(a, h, 12);
    send_all(a, enc.data, enc.len);
    buf_free(&enc);
    /* reassemble the response from several P-DATA-TF PDUs of at most 64 bytes */
    buf_t rsp = BUF_INIT;
    int pdus = 0;
    for (;;) {
        assert_int_equal(read_pdu(a, &b), DCM_PDU_PDATA);
        assert_true(b.len <= 64);
        pdus++;
        uint32_t l = dcm_rd32be((const uint8_t *)b.data);
        buf_append(&rsp, b.data + 6, l - 2);
        if (b.data[5] & 2) break;
    }
    assert_true(pdus > 1);
    dcm_dataset *r = NULL;
    assert_int_equal(dcm_decode((const uint8_t *)rsp.data, rsp.len, DCM_TS_IMPLICIT_LE, &r, NULL, 0), 0);
    uint16_t v;
    assert_int_equal(dcm_get_u16(r, DCM_CommandField, &v), 0);
    assert_int_equal(v, 0x8030);
    assert_int_equal(dcm_get_u16(r, DCM_MessageIDBeingRespondedTo, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(dcm_get_u16(r, DCM_Status, &v), 0);
    assert_int_equal(v, 0);
    dcm_dataset_free(r);
    buf_free(&rsp);
    /* release */
    buf_t rel = BUF_INIT;
    dcm_ul_build_release(DCM_PDU_RELEASE_RQ, &rel);
    send_all(a, rel.data, rel.len);
    buf_free(&rel);
    assert_int_equal(read_pdu(a, &b), DCM_PDU_RELEASE_RP);
    close(a);
    /* the slot is free again */
    usleep(100 * 1000);
    c = connect_to(f->port);
    send_assoc_rq(c, "COULOIR", 16384);
    assert_int_equal(read_pdu(c, &b), DCM_PDU_ASSOC_AC);
    close(c); /* dropped without release: the server notices and frees the slot */
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_artim),
        cmocka_unit_test(test_garbage_aborts),
        cmocka_unit_test(test_called_ae_rejected),
        cmocka_unit_test(test_limit_echo_release),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
