/* Modality Worklist C-FIND responses on the wire (127.0.0.1, ephemeral port, hand-written SCU,
 * in-memory worklist): each pending response is one P-DATA-TF PDU holding its command PDV and
 * its data set PDV when it fits the peer's max PDU; with a small max PDU the responses are
 * fragmented, never exceed it and never mix two messages in one PDU; every answer decodes and
 * they arrive in order; a C-CANCEL sent after the first response stops the stream (responses
 * are coalesced into large writes, the first one leaving at once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dicom/dicom_internal.h"
#include "unit/dicom/pdu_client.h"

#define NITEMS 400

typedef struct {
    dcm_mwl_memory *mem;
    dcm_mwl_scp_config mwl;
    dcm_server *srv;
    uint16_t port;
    atomic_bool slow; /* set by the test thread, read by the association thread */
} fixture;

typedef struct {
    dcm_mwl_emit_fn emit;
    void *ctx;
} slow_emit_ctx;

static int slow_emit(void *ud, const dcm_dataset *item)
{
    slow_emit_ctx *e = ud;
    usleep(200);
    return e->emit(e->ctx, item);
}

/* The in-memory provider, slowed down on demand. */
static int find(void *ud, const dcm_mwl_query *q, dcm_mwl_emit_fn emit, void *emit_ctx, dcm_status *st)
{
    fixture *f = ud;
    if (!f->slow) return dcm_mwl_memory_find(f->mem, q, emit, emit_ctx, st);
    slow_emit_ctx e = {emit, emit_ctx};
    return dcm_mwl_memory_find(f->mem, q, slow_emit, &e, st);
}


static void item(buf_t *b, uint8_t type, const char *s)
{
    uint8_t h[4] = {type, 0, 0, (uint8_t)strlen(s)};
    buf_append(b, h, 4);
    buf_append(b, s, strlen(s));
}

/* A-ASSOCIATE-RQ for the worklist (implicit VR LE), announcing max_pdu; reads the AC. */
static int associate(uint16_t port, uint32_t max_pdu)
{
    int fd = connect_to(port);
    buf_t b = BUF_INIT;
    uint8_t fixed[68] = {0, 1, 0, 0};
    memset(fixed + 4, ' ', 32);
    memcpy(fixed + 4, "COULOIR", 7);
    memcpy(fixed + 20, "TESTSCU", 7);
    buf_append(&b, fixed, sizeof fixed);
    item(&b, 0x10, DCM_UID_APP_CONTEXT);
    buf_t pc = BUF_INIT;
    uint8_t h[4] = {1, 0, 0, 0};
    buf_append(&pc, h, 4);
    item(&pc, 0x30, DCM_UID_MWL_FIND);
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
    assert_int_equal(read_pdu(fd, &b), DCM_PDU_ASSOC_AC);
    buf_free(&b);
    return fd;
}

/* Sends a command (and an optional data set) as one P-DATA-TF PDU each. */
static void send_message(int fd, dcm_dataset *cmd, const dcm_dataset *data)
{
    dcm_set_u16(cmd, DCM_CommandDataSetType, data ? 0x0102 : 0x0101);
    for (int part = 0; part < 2; part++) {
        if (part == 1 && !data) break;
        buf_t enc = BUF_INIT;
        assert_int_equal(dcm_encode(part == 0 ? cmd : data, DCM_TS_IMPLICIT_LE, &enc), 0);
        uint8_t h[12] = {4, 0};
        dcm_wr32be(h + 2, (uint32_t)enc.len + 6);
        dcm_wr32be(h + 6, (uint32_t)enc.len + 2);
        h[10] = 1;
        h[11] = (uint8_t)(part == 0 ? 3 : 2);
        send_all(fd, h, 12);
        send_all(fd, enc.data, enc.len);
        buf_free(&enc);
    }
}

static void send_find(int fd, uint16_t message_id)
{
    dcm_dataset *cmd = dcm_dataset_new();
    dcm_set_string(cmd, DCM_AffectedSOPClassUID, DCM_UID_MWL_FIND);
    dcm_set_u16(cmd, DCM_CommandField, DCM_C_FIND_RQ);
    dcm_set_u16(cmd, DCM_MessageID, message_id);
    dcm_set_u16(cmd, DCM_Priority, 0);
    dcm_dataset *q = dcm_dataset_new();
    dcm_set_string(q, DCM_PatientName, "");
    dcm_set_string(q, DCM_PatientID, "");
    dcm_dataset *s = dcm_seq_append(q, DCM_ScheduledProcedureStepSequence);
    dcm_set_string(s, DCM_Modality, "CT");
    dcm_set_string(s, DCM_ScheduledProcedureStepID, "");
    send_message(fd, cmd, q);
    dcm_dataset_free(q);
    dcm_dataset_free(cmd);
}

static void send_cancel(int fd, uint16_t message_id)
{
    dcm_dataset *cmd = dcm_dataset_new();
    dcm_set_u16(cmd, DCM_CommandField, DCM_C_CANCEL_RQ);
    dcm_set_u16(cmd, DCM_MessageIDBeingRespondedTo, message_id);
    send_message(fd, cmd, NULL);
    dcm_dataset_free(cmd);
}

typedef struct {
    size_t pdus, pdus_with_two_pdvs, answers;
    uint16_t final_status;
    bool order_ok;
} stream;

/* Reads responses until the final one, checking the PDU structure against max_pdu. When
 * cancel_after is non-zero, sends a C-CANCEL once that many answers arrived. */
static stream read_responses(int fd, uint32_t max_pdu, size_t cancel_after)
{
    stream r = {0, 0, 0, 0, true};
    buf_t b = BUF_INIT, cmd = BUF_INIT, data = BUF_INIT;
    bool done = false, cancelled = false;
    while (!done) {
        assert_int_equal(read_pdu(fd, &b), DCM_PDU_PDATA);
        assert_true(b.len <= max_pdu);
        r.pdus++;
        size_t pos = 0, npdv = 0, messages_ended = 0;
        while (pos < b.len) {
            assert_true(pos + 6 <= b.len);
            uint32_t l = dcm_rd32be((const uint8_t *)b.data + pos);
            assert_true(l >= 2 && pos + 4 + l <= b.len);
            uint8_t ctl = (uint8_t)b.data[pos + 5];
            /* nothing may follow the end of a message in the same PDU */
            assert_int_equal(messages_ended, 0);
            buf_append(ctl & 1 ? &cmd : &data, b.data + pos + 6, l - 2);
            npdv++;
            pos += 4 + l;
            if (!(ctl & 2)) continue;
            if (ctl & 1) {
                dcm_dataset *c = NULL;
                assert_int_equal(dcm_decode((const uint8_t *)cmd.data, cmd.len, DCM_TS_IMPLICIT_LE, &c, NULL, 0), 0);
                uint16_t st = 0, type = 0;
                assert_int_equal(dcm_get_u16(c, DCM_Status, &st), 0);
                assert_int_equal(dcm_get_u16(c, DCM_CommandDataSetType, &type), 0);
                dcm_dataset_free(c);
                buf_reset(&cmd);
                if (type == 0x0101) { /* no data set: the final response */
                    r.final_status = st;
                    done = true;
                    messages_ended++;
                } else {
                    assert_int_equal(st, DCM_STATUS_PENDING);
                }
            } else {
                dcm_dataset *d = NULL;
                assert_int_equal(dcm_decode((const uint8_t *)data.data, data.len, DCM_TS_IMPLICIT_LE, &d, NULL, 0), 0);
                char id[32], want[32];
                snprintf(want, sizeof want, "IPP%05zu", r.answers);
                assert_true(dcm_get_string(d, DCM_PatientID, id, sizeof id) > 0);
                if (strcmp(id, want) != 0) r.order_ok = false;
                assert_true(dcm_has(d, DCM_SpecificCharacterSet));
                dcm_dataset_free(d);
                buf_reset(&data);
                r.answers++;
                messages_ended++;
                if (cancel_after && r.answers == cancel_after && !cancelled) {
                    send_cancel(fd, 1);
                    cancelled = true;
                }
            }
        }
        if (npdv == 2) r.pdus_with_two_pdvs++;
    }
    buf_free(&b);
    buf_free(&cmd);
    buf_free(&data);
    return r;
}

static void release(int fd)
{
    buf_t b = BUF_INIT;
    dcm_ul_build_release(DCM_PDU_RELEASE_RQ, &b);
    send_all(fd, b.data, b.len);
    assert_int_equal(read_pdu(fd, &b), DCM_PDU_RELEASE_RP);
    buf_free(&b);
    close(fd);
}

static void test_one_pdu_per_response(void **state)
{
    fixture *f = *state;
    int fd = associate(f->port, 16384);
    send_find(fd, 1);
    stream r = read_responses(fd, 16384, 0);
    assert_int_equal(r.answers, NITEMS);
    assert_int_equal(r.final_status, DCM_STATUS_SUCCESS);
    assert_true(r.order_ok);
    /* NITEMS pending responses of two PDVs (command + data set) each, then the final one */
    assert_int_equal(r.pdus, NITEMS + 1);
    assert_int_equal(r.pdus_with_two_pdvs, NITEMS);
    release(fd);
}

static void test_small_max_pdu(void **state)
{
    fixture *f = *state;
    static const uint32_t sizes[] = {64, 100, 257, 1024};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int fd = associate(f->port, sizes[i]);
        send_find(fd, 1);
        stream r = read_responses(fd, sizes[i], 0);
        assert_int_equal(r.answers, NITEMS);
        assert_int_equal(r.final_status, DCM_STATUS_SUCCESS);
        assert_true(r.order_ok);
        /* answers of about 200 bytes: fragmented below that, one PDU each above */
        if (sizes[i] < 200) assert_true(r.pdus > NITEMS + 1);
        else assert_true(r.pdus >= NITEMS + 1);
        release(fd);
    }
}

static void test_cancel(void **state)
{
    fixture *f = *state;
    f->slow = true; /* the provider takes 200 us per answer: the stream is still going */
    int fd = associate(f->port, 16384);
    send_find(fd, 1);
    stream r = read_responses(fd, 16384, 1);
    assert_int_equal(r.final_status, DCM_STATUS_CANCEL);
    assert_true(r.answers >= 1 && r.answers < NITEMS);
    f->slow = false;
    release(fd);
}

static int setup(void **state)
{
    static fixture f;
    static dcm_service svc[1];
    f.mem = dcm_mwl_memory_new();
    assert_non_null(f.mem);
    for (int i = 0; i < NITEMS; i++) {
        dcm_dataset *it = dcm_dataset_new();
        char v[64];
        snprintf(v, sizeof v, "PATIENT%05d^Prénom", i);
        dcm_set_string(it, DCM_SpecificCharacterSet, "ISO_IR 192");
        dcm_set_string(it, DCM_PatientName, v);
        snprintf(v, sizeof v, "IPP%05d", i);
        dcm_set_string(it, DCM_PatientID, v);
        dcm_dataset *s = dcm_seq_append(it, DCM_ScheduledProcedureStepSequence);
        dcm_set_string(s, DCM_Modality, "CT");
        snprintf(v, sizeof v, "SPS%05d", i);
        dcm_set_string(s, DCM_ScheduledProcedureStepID, v);
        dcm_set_string(s, DCM_ScheduledProcedureStepDescription, "Scanner thoracique avec injection de produit de contraste");
        assert_int_equal(dcm_mwl_memory_add(f.mem, it), 0);
        dcm_dataset_free(it);
    }
    f.mwl = (dcm_mwl_scp_config){.find = find, .ud = &f, .max_results = 0,
                                 .default_charset = DCM_CS_UTF8};
    svc[0] = dcm_mwl_service(&f.mwl);
    dcm_server_config cfg = {0};
    cfg.ae_title = "COULOIR";
    cfg.bind_address = "127.0.0.1";
    cfg.max_associations = 2;
    cfg.max_pdu = 16384;
    cfg.artim_ms = 1000;
    cfg.idle_timeout_ms = 10000;
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
    dcm_mwl_memory_free(f->mem);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_pdu_per_response),
        cmocka_unit_test(test_small_max_pdu),
        cmocka_unit_test(test_cancel),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
