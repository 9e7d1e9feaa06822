/* Character sets: default repertoire, ISO_IR 100 and ISO_IR 192 to and from UTF-8; others
 * refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dicom/dicom.h"

static void test_parse(void **state)
{
    (void)state;
    dcm_charset cs;
    assert_int_equal(dcm_charset_parse("", &cs), 0);
    assert_int_equal(cs, DCM_CS_DEFAULT);
    assert_int_equal(dcm_charset_parse("ISO_IR 6", &cs), 0);
    assert_int_equal(dcm_charset_parse("ISO_IR 100", &cs), 0);
    assert_int_equal(cs, DCM_CS_LATIN1);
    assert_int_equal(dcm_charset_parse("ISO_IR 192", &cs), 0);
    assert_int_equal(cs, DCM_CS_UTF8);
    assert_int_equal(dcm_charset_parse("ISO_IR 144", &cs), -1);           /* Cyrillic */
    assert_int_equal(dcm_charset_parse("\\ISO 2022 IR 87", &cs), -1);     /* code extensions */
    assert_int_equal(dcm_charset_parse("ISO 2022 IR 100", &cs), -1);
    assert_string_equal(dcm_charset_term(DCM_CS_LATIN1), "ISO_IR 100");
}

static void test_latin1_to_utf8(void **state)
{
    (void)state;
    dcm_dataset *ds = dcm_dataset_new();
    dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 100");
    dcm_set_string(ds, DCM_PatientName, "H\xC9RON^Z\xC9LIE");          /* HÉRON^ZÉLIE */
    dcm_dataset *item = dcm_seq_append(ds, DCM_ScheduledProcedureStepSequence);
    dcm_set_string(item, DCM_ScheduledProcedureStepDescription, "Scanner c\xE9r\xE9" "bral");
    char err[120];
    assert_int_equal(dcm_dataset_to_utf8(ds, err, sizeof err), 0);
    char v[64];
    dcm_get_string(ds, DCM_PatientName, v, sizeof v);
    assert_string_equal(v, "H\xC3\x89RON^Z\xC3\x89LIE");
    dcm_get_string(dcm_seq_item(ds, DCM_ScheduledProcedureStepSequence, 0), DCM_ScheduledProcedureStepDescription, v, sizeof v);
    assert_string_equal(v, "Scanner c\xC3\xA9r\xC3\xA9" "bral");
    dcm_get_string(ds, DCM_SpecificCharacterSet, v, sizeof v);
    assert_string_equal(v, "ISO_IR 192");
    dcm_dataset_free(ds);
}

static void test_refusals(void **state)
{
    (void)state;
    char err[120];
    dcm_dataset *ds = dcm_dataset_new();
    dcm_set_string(ds, DCM_PatientName, "H\xC9RON");      /* non-ASCII without charset */
    assert_int_equal(dcm_dataset_to_utf8(ds, err, sizeof err), -1);
    assert_non_null(strstr(err, "without Specific Character Set"));
    dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 192");
    assert_int_equal(dcm_dataset_to_utf8(ds, err, sizeof err), -1);  /* invalid UTF-8 */
    assert_non_null(strstr(err, "invalid for ISO_IR 192"));
    dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 13");
    assert_int_equal(dcm_dataset_to_utf8(ds, err, sizeof err), -1);
    assert_non_null(strstr(err, "unsupported Specific Character Set 'ISO_IR 13'"));
    dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 192");
    dcm_set_string(ds, DCM_PatientName, "\xE7\x8E\x8B");      /* valid UTF-8 */
    assert_int_equal(dcm_dataset_to_utf8(ds, err, sizeof err), 0);
    dcm_dataset_free(ds);
}

static void test_from_utf8(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    assert_int_equal(dcm_text_from_utf8("CL\xC3\x89MENT", 8, DCM_CS_LATIN1, &b), 0);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data, "CL\xC9MENT", 7);
    buf_reset(&b);
    assert_int_equal(dcm_text_from_utf8("CL\xC3\x89MENT", 8, DCM_CS_DEFAULT, &b), -2);
    assert_int_equal(b.len, 0);
    assert_int_equal(dcm_text_from_utf8("\xC5\x81UKASZ", 7, DCM_CS_LATIN1, &b), -2);  /* Ł not in Latin-1 */
    assert_int_equal(b.len, 0);
    assert_int_equal(dcm_text_from_utf8("\xC5\x81UKASZ", 7, DCM_CS_UTF8, &b), 0);
    assert_int_equal(b.len, 7);
    assert_true(dcm_text_fits("ABC", 3, DCM_CS_DEFAULT));
    assert_false(dcm_text_fits("\xE7\x8E\x8B", 3, DCM_CS_LATIN1));
    assert_true(dcm_text_fits("\xC3\xA9", 2, DCM_CS_LATIN1));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_latin1_to_utf8),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_from_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
