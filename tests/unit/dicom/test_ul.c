/* Upper layer PDUs and the MPPS state rules (pure functions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dicom/dicom_internal.h"

static void item(buf_t *b, uint8_t type, const char *s)
{
    uint8_t h[4] = {type, 0, 0, (uint8_t)strlen(s)};
    buf_append(b, h, 4);
    buf_append(b, s, strlen(s));
}

/* A-ASSOCIATE-RQ body as an SCU would send it. */
static void build_rq(buf_t *b, int npc)
{
    uint8_t fixed[68] = {0, 1, 0, 0};
    memcpy(fixed + 4, "COULOIR         ", 16);
    memcpy(fixed + 20, "CT_SALLE1       ", 16);
    buf_append(b, fixed, sizeof fixed);
    item(b, 0x10, DCM_UID_APP_CONTEXT);
    for (int i = 0; i < npc; i++) {
        buf_t pc = BUF_INIT;
        uint8_t h[4] = {(uint8_t)(1 + 2 * i), 0, 0, 0};
        buf_append(&pc, h, 4);
        item(&pc, 0x30, DCM_UID_MWL_FIND);
        item(&pc, 0x40, DCM_UID_IMPLICIT_LE);
        item(&pc, 0x40, "1.2.840.10008.1.2.2");
        uint8_t ph[4] = {0x20, 0, (uint8_t)(pc.len >> 8), (uint8_t)pc.len};
        buf_append(b, ph, 4);
        buf_append(b, pc.data, pc.len);
        buf_free(&pc);
    }
    uint8_t ui[12] = {0x50, 0, 0, 8, 0x51, 0, 0, 4, 0, 0, 0x40, 0};
    buf_append(b, ui, sizeof ui);
}

static void test_assoc_rq(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    build_rq(&b, 2);
    dcm_assoc_rq rq;
    char err[120];
    assert_int_equal(dcm_ul_parse_assoc_rq((const uint8_t *)b.data, b.len, &rq, err, sizeof err), 0);
    assert_string_equal(rq.called, "COULOIR");
    assert_string_equal(rq.calling, "CT_SALLE1");
    assert_int_equal(rq.npcs, 2);
    assert_int_equal(rq.pcs[1].id, 3);
    assert_string_equal(rq.pcs[0].abstract_syntax, DCM_UID_MWL_FIND);
    assert_int_equal(rq.pcs[0].nts, 2);
    assert_int_equal(rq.max_pdu, 16384);
    /* every truncation is refused cleanly */
    for (size_t n = 0; n < b.len; n++) {
        int rc = dcm_ul_parse_assoc_rq((const uint8_t *)b.data, n, &rq, err, sizeof err);
        if (n >= 68 && rc == 0) continue; /* cut exactly between items can still parse */
        assert_int_equal(rc, -1);
    }
    /* the AC answers each context with the same id */
    dcm_pc_ac ac[2] = {{1, 0, DCM_UID_IMPLICIT_LE}, {3, 4, NULL}};
    buf_t out = BUF_INIT;
    assert_int_equal(dcm_ul_build_assoc_ac(&rq, ac, 2, 65536, &out), 0);
    assert_int_equal((uint8_t)out.data[0], DCM_PDU_ASSOC_AC);
    assert_int_equal(dcm_rd32be((const uint8_t *)out.data + 2), out.len - 6);
    buf_free(&out);
    buf_free(&b);
}

static int count_pdv(void *ud, uint8_t pcid, uint8_t control, const uint8_t *data, size_t len)
{
    int *n = ud;
    (void)data;
    assert_int_equal(pcid, 1);
    assert_int_equal(len, 2);
    (*n) += control;
    return 0;
}

static void test_pdata(void **state)
{
    (void)state;
    static const uint8_t two[] = {0, 0, 0, 4, 1, 3, 'a', 'b', 0, 0, 0, 4, 1, 2, 'c', 'd'};
    int n = 0;
    char err[80];
    assert_int_equal(dcm_ul_parse_pdata(two, sizeof two, count_pdv, &n, err, sizeof err), 0);
    assert_int_equal(n, 5);
    static const uint8_t overflow[] = {0, 0, 0, 40, 1, 3, 'a', 'b'};
    assert_int_equal(dcm_ul_parse_pdata(overflow, sizeof overflow, count_pdv, &n, err, sizeof err), -1);
    static const uint8_t tiny[] = {0, 0, 0, 1, 1};
    assert_int_equal(dcm_ul_parse_pdata(tiny, sizeof tiny, count_pdv, &n, err, sizeof err), -1);
    assert_int_equal(dcm_ul_parse_pdata(two, 0, count_pdv, &n, err, sizeof err), -1);
}

static void test_simple_pdus(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    assert_int_equal(dcm_ul_build_assoc_rj(1, 1, 3, &b), 0);
    static const uint8_t rj[] = {3, 0, 0, 0, 0, 4, 0, 1, 1, 3};
    assert_memory_equal(b.data, rj, sizeof rj);
    buf_reset(&b);
    assert_int_equal(dcm_ul_build_abort(2, 6, &b), 0);
    static const uint8_t ab[] = {7, 0, 0, 0, 0, 4, 0, 0, 2, 6};
    assert_memory_equal(b.data, ab, sizeof ab);
    buf_free(&b);
    char ae[17];
    dcm_ul_ae_title((const uint8_t *)"  CT1           ", ae);
    assert_string_equal(ae, "CT1");
}

static void test_mpps_transitions(void **state)
{
    (void)state;
    dcm_status st;
    assert_int_equal(dcm_mpps_check_transition(DCM_PPS_IN_PROGRESS, DCM_PPS_COMPLETED, &st), 0);
    assert_int_equal(dcm_mpps_check_transition(DCM_PPS_IN_PROGRESS, DCM_PPS_DISCONTINUED, &st), 0);
    assert_int_equal(dcm_mpps_check_transition(DCM_PPS_IN_PROGRESS, DCM_PPS_IN_PROGRESS, &st), 0);
    assert_int_equal(dcm_mpps_check_transition(DCM_PPS_COMPLETED, DCM_PPS_DISCONTINUED, &st), -1);
    assert_int_equal(st.code, 0x0110);
    assert_int_equal(st.error_id, 0xA710);
    assert_int_equal(dcm_mpps_check_transition(DCM_PPS_DISCONTINUED, DCM_PPS_IN_PROGRESS, &st), -1);
    assert_int_equal(st.code, 0x0110);
    assert_int_equal(dcm_mpps_check_transition(DCM_PPS_IN_PROGRESS, DCM_PPS_UNKNOWN, &st), -1);
    assert_int_equal(st.code, 0x0106);
    assert_int_equal(st.offending_tag, DCM_PerformedProcedureStepStatus);
    assert_int_equal(dcm_pps_status_parse("COMPLETED"), DCM_PPS_COMPLETED);
    assert_int_equal(dcm_pps_status_parse("DONE"), DCM_PPS_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assoc_rq),
        cmocka_unit_test(test_pdata),
        cmocka_unit_test(test_simple_pdus),
        cmocka_unit_test(test_mpps_transitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
