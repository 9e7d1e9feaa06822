/* Data-set codec: implicit/explicit VR little endian, sequences of defined and undefined
 * length, malformed input, Part 10 files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dicom/dicom.h"

static dcm_dataset *sample(void)
{
    dcm_dataset *ds = dcm_dataset_new();
    assert_int_equal(dcm_set_string(ds, DCM_PatientName, "DUPONT^JEAN"), 0);
    assert_int_equal(dcm_set_string(ds, DCM_PatientID, "IPP123"), 0);      /* even */
    assert_int_equal(dcm_set_string(ds, DCM_AccessionNumber, "A1"), 0);
    assert_int_equal(dcm_set_string(ds, DCM_StudyInstanceUID, "1.2.3.45"), 0);
    assert_int_equal(dcm_set_u16(ds, DCM_Status, 0xFF00), 0);
    dcm_dataset *sps = dcm_seq_append(ds, DCM_ScheduledProcedureStepSequence);
    assert_non_null(sps);
    assert_int_equal(dcm_set_string(sps, DCM_Modality, "CT"), 0);
    dcm_dataset *code = dcm_seq_append(sps, DCM_ScheduledProtocolCodeSequence);
    assert_int_equal(dcm_set_string(code, DCM_CodeValue, "ZBQK002"), 0);
    assert_int_equal(dcm_seq_set_empty(ds, DCM_ReferencedStudySequence), 0);
    return ds;
}

static void check_sample(const dcm_dataset *ds)
{
    char v[80];
    assert_int_equal(dcm_get_string(ds, DCM_PatientName, v, sizeof v), 11);
    assert_string_equal(v, "DUPONT^JEAN");
    assert_int_equal(dcm_get_string(ds, DCM_StudyInstanceUID, v, sizeof v), 8);
    assert_string_equal(v, "1.2.3.45");
    uint16_t s;
    assert_int_equal(dcm_get_u16(ds, DCM_Status, &s), 0);
    assert_int_equal(s, 0xFF00);
    assert_int_equal(dcm_seq_count(ds, DCM_ScheduledProcedureStepSequence), 1);
    const dcm_dataset *sps = dcm_seq_item(ds, DCM_ScheduledProcedureStepSequence, 0);
    assert_int_equal(dcm_get_string(sps, DCM_Modality, v, sizeof v), 2);
    const dcm_dataset *code = dcm_seq_item(sps, DCM_ScheduledProtocolCodeSequence, 0);
    assert_int_equal(dcm_get_string(code, DCM_CodeValue, v, sizeof v), 7);
    assert_string_equal(v, "ZBQK002");
    assert_true(dcm_has(ds, DCM_ReferencedStudySequence));
    assert_int_equal(dcm_seq_count(ds, DCM_ReferencedStudySequence), 0);
}

static void roundtrip(dcm_ts ts)
{
    dcm_dataset *ds = sample();
    buf_t b = BUF_INIT;
    assert_int_equal(dcm_encode(ds, ts, &b), 0);
    assert_int_equal(b.len % 2, 0);
    dcm_dataset *back = NULL;
    char err[160];
    assert_int_equal(dcm_decode((const uint8_t *)b.data, b.len, ts, &back, err, sizeof err), 0);
    check_sample(back);
    /* re-encoding gives the same bytes */
    buf_t b2 = BUF_INIT;
    assert_int_equal(dcm_encode(back, ts, &b2), 0);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    buf_free(&b);
    buf_free(&b2);
    dcm_dataset_free(back);
    dcm_dataset_free(ds);
}

static void test_roundtrip_implicit(void **state) { (void)state; roundtrip(DCM_TS_IMPLICIT_LE); }
static void test_roundtrip_explicit(void **state) { (void)state; roundtrip(DCM_TS_EXPLICIT_LE); }

/* Undefined-length sequence and item, written by the streaming writer, explicit VR. */
static void test_undefined_length(void **state)
{
    (void)state;
    for (int t = 0; t < 2; t++) {
        dcm_ts ts = t ? DCM_TS_EXPLICIT_LE : DCM_TS_IMPLICIT_LE;
        buf_t b = BUF_INIT;
        assert_int_equal(dcm_write_element(&b, ts, DCM_PatientName, DCM_VR('P', 'N'), "ABC", 3), 0);
        assert_int_equal(dcm_write_seq_begin(&b, ts, DCM_ScheduledProcedureStepSequence), 0);
        assert_int_equal(dcm_write_item_begin(&b), 0);
        assert_int_equal(dcm_write_element(&b, ts, DCM_Modality, DCM_VR('C', 'S'), "MR", 2), 0);
        assert_int_equal(dcm_write_item_end(&b), 0);
        assert_int_equal(dcm_write_item_begin(&b), 0);
        assert_int_equal(dcm_write_item_end(&b), 0);
        assert_int_equal(dcm_write_seq_end(&b), 0);
        assert_int_equal(dcm_write_u16(&b, ts, 0x00280010u, 512), 0);
        dcm_dataset *ds = NULL;
        char err[160];
        assert_int_equal(dcm_decode((const uint8_t *)b.data, b.len, ts, &ds, err, sizeof err), 0);
        char v[16];
        assert_int_equal(dcm_get_string(ds, DCM_PatientName, v, sizeof v), 3); /* padding trimmed */
        assert_string_equal(v, "ABC");
        assert_int_equal(dcm_seq_count(ds, DCM_ScheduledProcedureStepSequence), 2);
        assert_int_equal(dcm_get_string(dcm_seq_item(ds, DCM_ScheduledProcedureStepSequence, 0), DCM_Modality, v, sizeof v), 2);
        uint16_t rows;
        assert_int_equal(dcm_get_u16(ds, 0x00280010u, &rows), 0);
        assert_int_equal(rows, 512);
        dcm_dataset_free(ds);
        buf_free(&b);
    }
}

/* Hand-written bytes: explicit VR LE with a defined-length SQ of one defined-length item. */
static void test_defined_length_bytes(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {
        0x40, 0x00, 0x00, 0x01, 'S', 'Q', 0, 0, 18, 0, 0, 0,   /* (0040,0100) SQ len 18 */
        0xFE, 0xFF, 0x00, 0xE0, 10, 0, 0, 0,                   /* item len 10 */
        0x08, 0x00, 0x60, 0x00, 'C', 'S', 2, 0, 'U', 'S',      /* (0008,0060) CS "US" */
        0x10, 0x00, 0x20, 0x00, 'L', 'O', 2, 0, 'P', '1',      /* (0010,0020) LO "P1" */
    };
    dcm_dataset *ds = NULL;
    char err[160];
    assert_int_equal(dcm_decode(bytes, sizeof bytes, DCM_TS_EXPLICIT_LE, &ds, err, sizeof err), 0);
    char v[8];
    assert_int_equal(dcm_get_string(dcm_seq_item(ds, DCM_ScheduledProcedureStepSequence, 0), DCM_Modality, v, sizeof v), 2);
    assert_string_equal(v, "US");
    assert_int_equal(dcm_get_string(ds, DCM_PatientID, v, sizeof v), 2);
    dcm_dataset_free(ds);
}

static void expect_fail(const uint8_t *b, size_t n, dcm_ts ts, const char *what)
{
    dcm_dataset *ds = (dcm_dataset *)1;
    char err[160] = "";
    assert_int_equal(dcm_decode(b, n, ts, &ds, err, sizeof err), -1);
    assert_null(ds);
    if (!strstr(err, what)) fail_msg("error '%s' does not mention '%s'", err, what);
}

static void test_malformed(void **state)
{
    (void)state;
    static const uint8_t truncated[] = {0x10, 0x00, 0x10, 0x00, 'P', 'N', 8, 0, 'A', 'B'};
    expect_fail(truncated, sizeof truncated, DCM_TS_EXPLICIT_LE, "beyond the end");
    static const uint8_t badvr[] = {0x10, 0x00, 0x10, 0x00, 'Z', 'Z', 0, 0};
    expect_fail(badvr, sizeof badvr, DCM_TS_EXPLICIT_LE, "unknown value representation");
    static const uint8_t header[] = {0x10, 0x00, 0x10};
    expect_fail(header, sizeof header, DCM_TS_EXPLICIT_LE, "truncated element header");
    static const uint8_t noitem[] = {0x40, 0x00, 0x00, 0x01, 'S', 'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
                                     0x08, 0x00, 0x60, 0x00, 'C', 'S', 0, 0};
    expect_fail(noitem, sizeof noitem, DCM_TS_EXPLICIT_LE, "expected an item");
    static const uint8_t unterminated[] = {0x40, 0x00, 0x00, 0x01, 'S', 'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
                                           0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF};
    expect_fail(unterminated, sizeof unterminated, DCM_TS_EXPLICIT_LE, "without its delimitation");
    static const uint8_t undef_ob[] = {0x09, 0x00, 0x10, 0x10, 'O', 'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    expect_fail(undef_ob, sizeof undef_ob, DCM_TS_EXPLICIT_LE, "undefined length on a non-sequence");
    /* nesting bomb: 40 nested undefined-length sequences */
    buf_t b = BUF_INIT;
    for (int i = 0; i < 40; i++) {
        assert_int_equal(dcm_write_seq_begin(&b, DCM_TS_EXPLICIT_LE, DCM_ScheduledProcedureStepSequence), 0);
        assert_int_equal(dcm_write_item_begin(&b), 0);
    }
    expect_fail((const uint8_t *)b.data, b.len, DCM_TS_EXPLICIT_LE, "nested too deeply");
    buf_free(&b);
}

static void test_ts(void **state)
{
    (void)state;
    dcm_ts ts;
    assert_int_equal(dcm_ts_from_uid("1.2.840.10008.1.2", &ts), 0);
    assert_int_equal(ts, DCM_TS_IMPLICIT_LE);
    assert_int_equal(dcm_ts_from_uid("1.2.840.10008.1.2.1", &ts), 0);
    assert_int_equal(ts, DCM_TS_EXPLICIT_LE);
    assert_int_equal(dcm_ts_from_uid("1.2.840.10008.1.2.2", &ts), -1);     /* big endian */
    assert_int_equal(dcm_ts_from_uid("1.2.840.10008.1.2.1.99", &ts), -1);  /* deflate */
    assert_int_equal(dcm_ts_from_uid("1.2.840.10008.1.2.4.50", &ts), -1);  /* JPEG */
}

static void test_part10(void **state)
{
    (void)state;
    char path[] = "/tmp/couloir-dicom-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    dcm_dataset *ds = sample();
    char err[200];
    assert_int_equal(dcm_file_write(path, ds, "1.2.840.10008.5.1.4.31", "1.2.3.4.5", DCM_TS_EXPLICIT_LE, err, sizeof err), 0);
    dcm_dataset *meta = NULL, *back = NULL;
    assert_int_equal(dcm_file_read(path, &meta, &back, err, sizeof err), 0);
    check_sample(back);
    char v[80];
    assert_int_equal(dcm_get_string(meta, DCM_TransferSyntaxUID, v, sizeof v), 19);
    assert_string_equal(v, DCM_UID_EXPLICIT_LE);
    assert_int_equal(dcm_get_string(meta, DCM_MediaStorageSOPInstanceUID, v, sizeof v), 9);
    assert_int_equal(dcm_get_string(meta, DCM_ImplementationClassUID, v, sizeof v) > 0, 1);
    dcm_dataset_free(meta);
    dcm_dataset_free(back);
    /* implicit VR body */
    assert_int_equal(dcm_file_write(path, ds, "1.2.840.10008.5.1.4.31", "1.2.3.4.5", DCM_TS_IMPLICIT_LE, err, sizeof err), 0);
    assert_int_equal(dcm_file_read(path, NULL, &back, err, sizeof err), 0);
    check_sample(back);
    dcm_dataset_free(back);
    /* not a Part 10 file */
    FILE *f = fopen(path, "wb");
    fputs("hello", f);
    fclose(f);
    assert_int_equal(dcm_file_read(path, NULL, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a DICOM Part 10 file"));
    assert_int_equal(dcm_file_read("/nonexistent/x.dcm", NULL, &back, err, sizeof err), -1);
    unlink(path);
    dcm_dataset_free(ds);
}

static void test_dataset_api(void **state)
{
    (void)state;
    dcm_dataset *ds = dcm_dataset_new();
    /* out-of-order insertion stays sorted; replace keeps one element */
    assert_int_equal(dcm_set_string(ds, DCM_PatientID, "B"), 0);
    assert_int_equal(dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 100"), 0);
    assert_int_equal(dcm_set_string(ds, DCM_PatientID, "C"), 0);
    assert_int_equal(dcm_dataset_count(ds), 2);
    assert_int_equal(dcm_dataset_at(ds, 0)->tag, DCM_SpecificCharacterSet);
    assert_int_equal(dcm_set_string(ds, DCM_ScheduledStationAETitle, "CT1\\CT2 "), 0);
    char v[8];
    assert_int_equal(dcm_get_string_at(ds, DCM_ScheduledStationAETitle, 1, v, sizeof v), 3);
    assert_string_equal(v, "CT2");
    assert_int_equal(dcm_get_string_at(ds, DCM_ScheduledStationAETitle, 2, v, sizeof v), -1);
    assert_int_equal(dcm_get_string(ds, DCM_ScheduledStationAETitle, v, 4), -2);
    assert_int_equal(dcm_get_string(ds, DCM_PatientName, v, sizeof v), -1);
    dcm_dataset *c = dcm_dataset_clone(ds);
    assert_int_equal(dcm_remove(ds, DCM_PatientID), 0);
    assert_int_equal(dcm_remove(ds, DCM_PatientID), -1);
    assert_int_equal(dcm_get_string(c, DCM_PatientID, v, sizeof v), 1);
    dcm_dataset_free(c);
    dcm_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_implicit), cmocka_unit_test(test_roundtrip_explicit),
        cmocka_unit_test(test_undefined_length),   cmocka_unit_test(test_defined_length_bytes),
        cmocka_unit_test(test_malformed),          cmocka_unit_test(test_ts),
        cmocka_unit_test(test_part10),             cmocka_unit_test(test_dataset_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
