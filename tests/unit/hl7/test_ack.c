/* Original-mode acknowledgements: MSH swap, MSA, ERR per version, charset, raw fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7/hl7.h"

static void expect(const hl7_message *m, const char *path, const char *want)
{
    buf_t b = BUF_INIT;
    assert_int_equal(hl7_get(m, path, &b), HL7_OK);
    if (strcmp(buf_cstr(&b), want) != 0) fail_msg("%s: got '%s' want '%s'", path, buf_cstr(&b), want);
    buf_free(&b);
}

static hl7_message *reparse(hl7_message *ack, buf_t *out)
{
    buf_reset(out);
    hl7_error e;
    assert_int_equal(hl7_serialize(ack, NULL, out, &e), HL7_OK);
    hl7_message *r = hl7_parse(out->data, out->len, NULL, &e);
    if (!r) fail_msg("ack does not parse: %s", e.message);
    return r;
}

static void test_aa_25(void **state)
{
    (void)state;
    const char *s = "MSH|^~\\&|GAM|CHU-X|RIS|CAB|20240306111154||ADT^A28^ADT_A05|MSG42|P|2.5|||||FRA|UNICODE UTF-8|FR\rPID|||1\r";
    hl7_message *m = hl7_parse(s, strlen(s), NULL, NULL);
    assert_non_null(m);
    hl7_ack_opts o = {NULL, NULL, "ACK1"};
    hl7_message *a = hl7_ack_build(m, HL7_ACK_AA, NULL, &o);
    assert_non_null(a);
    buf_t out = BUF_INIT;
    hl7_message *r = reparse(a, &out);
    expect(r, "MSH-3", "RIS");
    expect(r, "MSH-4", "CAB");
    expect(r, "MSH-5", "GAM");
    expect(r, "MSH-6", "CHU-X");
    expect(r, "MSH-9", "ACK^A28^ACK");
    expect(r, "MSH-10", "ACK1");
    expect(r, "MSH-11", "P");
    expect(r, "MSH-12", "2.5");
    expect(r, "MSH-17", "FRA");
    expect(r, "MSH-18", "UNICODE UTF-8");
    expect(r, "MSH-19", "FR");
    expect(r, "MSA-1", "AA");
    expect(r, "MSA-2", "MSG42");
    assert_int_equal(hl7_segment_count(r), 2);
    buf_t t = BUF_INIT;
    hl7_get(r, "MSH-7", &t);
    assert_int_equal(t.len, 14);
    buf_free(&t);
    hl7_message_free(r);
    hl7_message_free(a);
    /* generated control ids differ */
    hl7_message *a1 = hl7_ack_build(m, HL7_ACK_AA, NULL, NULL);
    hl7_message *a2 = hl7_ack_build(m, HL7_ACK_AA, NULL, NULL);
    const char *p1, *p2;
    size_t n1, n2;
    hl7_get_raw(a1, "MSH-10", &p1, &n1);
    hl7_get_raw(a2, "MSH-10", &p2, &n2);
    assert_int_equal(n1, 20);
    assert_false(n1 == n2 && memcmp(p1, p2, n1) == 0);
    hl7_message_free(a1);
    hl7_message_free(a2);
    hl7_message_free(m);
    buf_free(&out);
}

static void test_ae_err_25_latin1(void **state)
{
    (void)state;
    const char *s = "MSH|^~\\&|GAM|CHU-X|RIS|CAB|20240306111154||ORM^O01^ORM_O01|C7|P|2.5^FRA^2.11|||||FRA|8859/1\rPID|||1\r";
    hl7_message *m = hl7_parse(s, strlen(s), NULL, NULL);
    assert_non_null(m);
    hl7_ack_error e = {.code = HL7_ERR_REQUIRED_FIELD, .severity = 'E', .text_fr = "Identifiant du patient (PID-3) absent : élément obligatoire"};
    hl7_path_parse("PID-3", &e.location);
    hl7_message *a = hl7_ack_build(m, HL7_ACK_AE, &e, NULL);
    assert_non_null(a);
    buf_t out = BUF_INIT;
    assert_int_equal(hl7_serialize(a, NULL, &out, NULL), HL7_OK);
    /* converted to the sender's charset: é is one byte 0xE9 */
    assert_non_null(strstr(out.data, "\xE9l\xE9ment"));
    assert_non_null(strstr(out.data, "|8859/1\r"));
    hl7_message *r = hl7_parse(out.data, out.len, NULL, NULL);
    assert_non_null(r);
    expect(r, "MSA-1", "AE");
    expect(r, "MSA-2", "C7");
    expect(r, "MSA-3", "");
    expect(r, "MSH-12.1", "2.5");
    expect(r, "MSH-12.3", "2.11");
    expect(r, "ERR-2", "PID^1^3^1");
    expect(r, "ERR-3", "101^Required field missing^HL70357");
    expect(r, "ERR-4", "E");
    expect(r, "ERR-8", "Identifiant du patient (PID-3) absent : élément obligatoire");
    expect(r, "ERR-1", "");
    hl7_message_free(r);
    hl7_message_free(a);
    hl7_message_free(m);
    buf_free(&out);
}

static void test_ar_231(void **state)
{
    (void)state;
    const char *s = "MSH|^~\\&|HIS|H|RIS|R|2024||ZZZ^Z99|X1|P|2.3.1\rPID|||1\r";
    hl7_message *m = hl7_parse(s, strlen(s), NULL, NULL);
    hl7_ack_error e = {.code = HL7_ERR_UNSUPPORTED_MESSAGE_TYPE, .text_fr = "Type de message ZZZ^Z99 non pris en charge"};
    hl7_path_parse("MSH-9", &e.location);
    hl7_message *a = hl7_ack_build(m, HL7_ACK_AR, &e, NULL);
    buf_t out = BUF_INIT;
    hl7_message *r = reparse(a, &out);
    expect(r, "MSH-9", "ACK^Z99^ACK");
    expect(r, "MSH-12", "2.3.1");
    expect(r, "MSA-1", "AR");
    expect(r, "MSA-3", "Type de message ZZZ^Z99 non pris en charge");
    expect(r, "ERR-1.1", "MSH");
    expect(r, "ERR-1.2", "1");
    expect(r, "ERR-1.3", "9");
    expect(r, "ERR-1.4.1", "200");
    expect(r, "ERR-1.4.2", "Type de message ZZZ^Z99 non pris en charge");
    expect(r, "ERR-1.4.3", "HL70357");
    expect(r, "ERR-2", "");
    hl7_message_free(r);
    hl7_message_free(a);
    hl7_message_free(m);
    buf_free(&out);
}

static void test_raw(void **state)
{
    (void)state;
    /* a message that does not parse (bad escape) still gets its header read */
    const char *s = "MSH|^~\\&|HIS|H|RIS|R|2024||ADT^A08|ID77|P|2.5\rPID|||\\Q\\\r";
    assert_null(hl7_parse(s, strlen(s), NULL, NULL));
    hl7_ack_error e = {.code = HL7_ERR_DATA_TYPE, .text_fr = "Message illisible"};
    hl7_message *a = hl7_ack_build_raw(s, strlen(s), HL7_ACK_AR, &e, NULL);
    buf_t out = BUF_INIT;
    hl7_message *r = reparse(a, &out);
    expect(r, "MSA-1", "AR");
    expect(r, "MSA-2", "ID77");
    expect(r, "MSH-5", "HIS");
    expect(r, "ERR-8", "Message illisible");
    hl7_message_free(r);
    hl7_message_free(a);
    /* garbage: defaults */
    a = hl7_ack_build_raw("garbage", 7, HL7_ACK_AR, &e, NULL);
    r = reparse(a, &out);
    expect(r, "MSA-1", "AR");
    expect(r, "MSA-2", "");
    expect(r, "MSH-12", "2.5");
    expect(r, "ERR-3.1", "102");
    hl7_message_free(r);
    hl7_message_free(a);
    /* truncated header (oversized frame head) */
    const char *t = "MSH|^~\\&|HIS|H|RIS|R|2024||ORU^R01|BIG1|P|2.5|||||FRA|8859/1\rOBX|1|ED|x||^TEXT^XML^Base64^QUJD";
    a = hl7_ack_build_raw(t, strlen(t), HL7_ACK_AR, &e, NULL);
    r = reparse(a, &out);
    expect(r, "MSA-2", "BIG1");
    expect(r, "MSH-9.2", "R01");
    expect(r, "MSH-18", "8859/1");
    hl7_message_free(r);
    hl7_message_free(a);
    buf_free(&out);
    assert_string_equal(hl7_table0357_text(207), "Application internal error");
    assert_null(hl7_table0357_text(999));
}

/* Found by fuzzing: the default version "2.5" must be escaped when "." is the field separator. */
static void test_unusual_separator(void **state)
{
    (void)state;
    const char *s = "MSH.^~\\&";
    hl7_message *m = hl7_parse(s, strlen(s), NULL, NULL);
    assert_non_null(m);
    hl7_message *a = hl7_ack_build(m, HL7_ACK_AA, NULL, NULL);
    buf_t out = BUF_INIT;
    hl7_message *r = reparse(a, &out);
    assert_non_null(strstr(out.data, ".2\\F\\5"));
    expect(r, "MSH-12", "2.5");
    expect(r, "MSA-1", "AA");
    assert_int_equal(hl7_field_count(r, 0), hl7_field_count(a, 0));
    hl7_message_free(r);
    hl7_message_free(a);
    hl7_message_free(m);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aa_25),
        cmocka_unit_test(test_ae_err_25_latin1),
        cmocka_unit_test(test_ar_231),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_unusual_separator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
