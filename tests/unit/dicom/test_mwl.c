/* Worklist: query parsing into typed keys, the reference matcher (PS3.4 C.2.2.2), and the
 * answer builder (exactly the return keys, Specific Character Set always present). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dicom/dicom.h"

/* A worklist item (UTF-8), one SPS. */
static dcm_dataset *item(const char *name, const char *pid, const char *acc, const char *date, const char *time,
                         const char *modality, const char *aet, const char *study_uid)
{
    dcm_dataset *ds = dcm_dataset_new();
    dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 192");
    dcm_set_string(ds, DCM_AccessionNumber, acc);
    dcm_dataset *iss = dcm_seq_append(ds, DCM_IssuerOfAccessionNumberSequence);
    dcm_set_string(iss, DCM_LocalNamespaceEntityID, "COULOIR");
    dcm_set_string(ds, DCM_PatientName, name);
    dcm_set_string(ds, DCM_PatientID, pid);
    dcm_set_string(ds, DCM_PatientBirthDate, "19700101");
    dcm_dataset *other = dcm_seq_append(ds, DCM_OtherPatientIDsSequence);
    dcm_set_string(other, DCM_PatientID, "170017512345678");
    dcm_set_string(other, DCM_IssuerOfPatientID, "1.2.250.1.213.1.4.8");
    dcm_set_string(ds, DCM_StudyInstanceUID, study_uid);
    dcm_set_string(ds, DCM_RequestedProcedureID, "RP1");
    dcm_dataset *sps = dcm_seq_append(ds, DCM_ScheduledProcedureStepSequence);
    dcm_set_string(sps, DCM_Modality, modality);
    dcm_set_string(sps, DCM_ScheduledStationAETitle, aet);
    dcm_set_string(sps, DCM_ScheduledProcedureStepStartDate, date);
    dcm_set_string(sps, DCM_ScheduledProcedureStepStartTime, time);
    dcm_set_string(sps, DCM_ScheduledProcedureStepID, "SPS1");
    dcm_dataset *code = dcm_seq_append(sps, DCM_ScheduledProtocolCodeSequence);
    dcm_set_string(code, DCM_CodeValue, "ZBQK002");
    return ds;
}

typedef struct {
    dcm_dataset *items[6];
} fixture;

static int setup(void **state)
{
    static fixture f;
    f.items[0] = item("DUPONT^JEAN", "P1", "A1", "20261122", "083000", "CT", "CT1", "1.2.3.1");
    f.items[1] = item("DUPOND^MARIE", "P2", "A2", "20261122", "101500", "MR", "MR1", "1.2.3.2");
    f.items[2] = item("H\xC3\x89RON^Z\xC3\x89LIE", "P3", "A3", "20261123", "0900", "CT", "CT1", "1.2.3.3");
    f.items[3] = item("\xC5\x81UKASZ^ANNA", "P4", "A4", "20261121", "235959", "US", "US1\\US2", "1.2.3.4");
    f.items[4] = item("dupont^jean", "P5", "A5", "20261124", "120000.5", "CT", "CT2", "1.2.3.5");
    f.items[5] = NULL;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; f->items[i]; i++) dcm_dataset_free(f->items[i]);
    return 0;
}

/* Query builder: top-level key/value pairs and SPS key/value pairs (NULL-terminated). */
static dcm_dataset *query(const char *const *top, const char *const *sps)
{
    dcm_dataset *q = dcm_dataset_new();
    for (int i = 0; top && top[i]; i += 2) {
        const dcm_dict_entry *e = dcm_dict_find_keyword(top[i]);
        assert_non_null(e);
        dcm_set_string(q, e->tag, top[i + 1]);
    }
    if (sps) {
        dcm_dataset *it = dcm_seq_append(q, DCM_ScheduledProcedureStepSequence);
        for (int i = 0; sps[i]; i += 2) {
            const dcm_dict_entry *e = dcm_dict_find_keyword(sps[i]);
            assert_non_null(e);
            dcm_set_string(it, e->tag, sps[i + 1]);
        }
    }
    return q;
}

/* Bit mask of the fixture items matching the query. */
static unsigned run(fixture *f, dcm_dataset *qds, const char *station)
{
    dcm_mwl_query *q = NULL;
    dcm_status st;
    assert_int_equal(dcm_mwl_query_parse(qds, DCM_CS_LATIN1, station, &q, &st), 0);
    unsigned mask = 0;
    for (int i = 0; f->items[i]; i++)
        if (dcm_mwl_match(q, f->items[i])) mask |= 1u << i;
    dcm_mwl_query_free(q);
    return mask;
}

#define Q(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_universal_and_single(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, query(Q("PatientName", ""), NULL), NULL), 0x1F);
    assert_int_equal(run(f, query(Q("PatientName", "*"), NULL), NULL), 0x1F);
    assert_int_equal(run(f, query(Q("PatientID", "P2"), NULL), NULL), 0x02);
    assert_int_equal(run(f, query(Q("PatientID", "P"), NULL), NULL), 0x00);
    /* PN: case-insensitive, trailing '^' insignificant */
    assert_int_equal(run(f, query(Q("PatientName", "DUPONT^JEAN^^"), NULL), NULL), 0x11);
    /* CS: case-sensitive */
    assert_int_equal(run(f, query(NULL, Q("Modality", "ct")), NULL), 0x00);
    assert_int_equal(run(f, query(NULL, Q("Modality", "CT")), NULL), 0x15);
    /* multi-valued item attribute: any value */
    assert_int_equal(run(f, query(NULL, Q("ScheduledStationAETitle", "US2")), NULL), 0x08);
    /* single date */
    assert_int_equal(run(f, query(NULL, Q("ScheduledProcedureStepStartDate", "20261122")), NULL), 0x03);
    /* a missing attribute never matches a non-universal key */
    assert_int_equal(run(f, query(Q("AdmissionID", "X"), NULL), NULL), 0x00);
}

static void test_wildcards(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, query(Q("PatientName", "DUPON*"), NULL), NULL), 0x13);
    assert_int_equal(run(f, query(Q("PatientName", "DUPON?^*"), NULL), NULL), 0x13);
    assert_int_equal(run(f, query(Q("PatientName", "*JEAN"), NULL), NULL), 0x11);
    /* '?' is one character, even a multi-byte one */
    assert_int_equal(run(f, query(Q("PatientName", "H?RON^*"), NULL), NULL), 0x04);
    assert_int_equal(run(f, query(Q("PatientName", "?UKASZ*"), NULL), NULL), 0x08);
    assert_int_equal(run(f, query(Q("SpecificCharacterSet", "ISO_IR 192", "PatientName", "H\xC3\x89RON*"), NULL), NULL), 0x04);
    assert_int_equal(run(f, query(Q("SpecificCharacterSet", "ISO_IR 100", "PatientName", "H\xC9RON*"), NULL), NULL), 0x04);
    assert_int_equal(run(f, query(Q("AccessionNumber", "A*"), NULL), NULL), 0x1F);
    assert_int_equal(run(f, query(Q("AccessionNumber", "*3"), NULL), NULL), 0x04);
    assert_int_equal(run(f, query(Q("AccessionNumber", "A??"), NULL), NULL), 0x00);
    assert_int_equal(run(f, query(NULL, Q("ScheduledStationAETitle", "CT*")), NULL), 0x15);
}

static void test_ranges(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, query(NULL, Q("ScheduledProcedureStepStartDate", "20261122-20261123")), NULL), 0x07);
    assert_int_equal(run(f, query(NULL, Q("ScheduledProcedureStepStartDate", "20261123-")), NULL), 0x14);
    assert_int_equal(run(f, query(NULL, Q("ScheduledProcedureStepStartDate", "-20261121")), NULL), 0x08);
    assert_int_equal(run(f, query(Q("PatientBirthDate", "19690101-19701231"), NULL), NULL), 0x1F);
    /* time alone: "09-10" covers 09:00:00 to 10:59:59.999999 */
    assert_int_equal(run(f, query(NULL, Q("ScheduledProcedureStepStartTime", "09-10")), NULL), 0x06);
    assert_int_equal(run(f, query(NULL, Q("ScheduledProcedureStepStartTime", "1200-")), NULL), 0x18);
    /* combined date-time (C.2.2.2.5): from 22 Nov 10:00 to 23 Nov 09:00 */
    assert_int_equal(run(f, query(NULL, Q("ScheduledProcedureStepStartDate", "20261122-20261123",
                                          "ScheduledProcedureStepStartTime", "1000-0900")), NULL), 0x06);
    /* single date + time range */
    assert_int_equal(run(f, query(NULL, Q("ScheduledProcedureStepStartDate", "20261122",
                                          "ScheduledProcedureStepStartTime", "0800-0900")), NULL), 0x01);
}

static void test_uid_list_and_sequences(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, query(Q("StudyInstanceUID", "1.2.3.2\\1.2.3.5\\9.9"), NULL), NULL), 0x12);
    assert_int_equal(run(f, query(Q("StudyInstanceUID", "1.2.3.2"), NULL), NULL), 0x02);
    /* keys in the same SPS item must hold together */
    assert_int_equal(run(f, query(NULL, Q("Modality", "CT", "ScheduledStationAETitle", "CT1")), NULL), 0x05);
    assert_int_equal(run(f, query(NULL, Q("Modality", "MR", "ScheduledStationAETitle", "CT1")), NULL), 0x00);
    /* nested: Scheduled Protocol Code Sequence inside the SPS */
    dcm_dataset *q = query(NULL, Q("Modality", "CT"));
    dcm_dataset *sps = (dcm_dataset *)dcm_seq_item(q, DCM_ScheduledProcedureStepSequence, 0);
    dcm_dataset *code = dcm_seq_append(sps, DCM_ScheduledProtocolCodeSequence);
    dcm_set_string(code, DCM_CodeValue, "ZBQK002");
    assert_int_equal(run(f, q, NULL), 0x15);
    q = query(NULL, Q("Modality", "CT"));
    sps = (dcm_dataset *)dcm_seq_item(q, DCM_ScheduledProcedureStepSequence, 0);
    code = dcm_seq_append(sps, DCM_ScheduledProtocolCodeSequence);
    dcm_set_string(code, DCM_CodeValue, "OTHER");
    assert_int_equal(run(f, q, NULL), 0x00);
    /* station filter (calling AE title option) */
    assert_int_equal(run(f, query(Q("PatientName", ""), NULL), "CT1"), 0x05);
    assert_int_equal(run(f, query(NULL, Q("Modality", "CT")), "CT2"), 0x10);
    assert_int_equal(run(f, query(NULL, Q("Modality", "MR")), "CT2"), 0x00);
}

static void test_structured_query(void **state)
{
    (void)state;
    dcm_dataset *qds = query(Q("PatientName", "DUP*", "PatientID", "", "StudyInstanceUID", "1.2\\1.3"),
                             Q("Modality", "CT", "ScheduledProcedureStepStartDate", "20261122-",
                               "ScheduledProcedureStepStartTime", "0800-", "ScheduledStationAETitle", ""));
    dcm_mwl_query *q = NULL;
    dcm_status st;
    assert_int_equal(dcm_mwl_query_parse(qds, DCM_CS_LATIN1, NULL, &q, &st), 0);
    /* PatientName WILDCARD, StudyInstanceUID UID_LIST, SPS SEQUENCE{Modality SINGLE, Start DATETIME_RANGE} */
    assert_int_equal(q->nkeys, 5);
    assert_int_equal(q->keys[0].tag, DCM_PatientName);
    assert_int_equal(q->keys[0].type, DCM_MATCH_WILDCARD);
    assert_string_equal(q->keys[0].value, "DUP*");
    assert_int_equal(q->keys[1].type, DCM_MATCH_UID_LIST);
    assert_int_equal(q->keys[1].nuids, 2);
    assert_string_equal(q->keys[1].uids[1], "1.3");
    assert_int_equal(q->keys[2].type, DCM_MATCH_SEQUENCE);
    assert_int_equal(q->keys[2].nsub, 2);
    assert_int_equal(q->keys[3].tag, DCM_Modality);
    assert_int_equal(q->keys[3].depth, 1);
    assert_int_equal(q->keys[3].parent, DCM_ScheduledProcedureStepSequence);
    assert_int_equal(q->keys[4].type, DCM_MATCH_DATETIME_RANGE);
    assert_string_equal(q->keys[4].lo, "20261122080000.000000");
    assert_string_equal(q->keys[4].hi, "");
    assert_int_equal(q->answer_charset, DCM_CS_LATIN1);
    char d[200];
    assert_string_equal(dcm_mwl_query_describe(q, d, sizeof d),
                        "00100010:wildcard,0020000D:uids,00400100/00080060:single,00400100/00400002+00400003:datetime");
    assert_string_equal(dcm_mwl_query_describe(q, d, 30), "00100010:wildcard..."); /* cut at a key boundary */
    dcm_mwl_query_free(q);
}

static void test_refused_queries(void **state)
{
    (void)state;
    dcm_mwl_query *q = NULL;
    dcm_status st;
    assert_int_equal(dcm_mwl_query_parse(query(Q("SpecificCharacterSet", "ISO_IR 144"), NULL), DCM_CS_LATIN1, NULL, &q, &st), -1);
    assert_int_equal(st.code, 0xC000);
    assert_non_null(strstr(st.comment, "ISO_IR 144"));
    assert_int_equal(dcm_mwl_query_parse(query(NULL, Q("ScheduledProcedureStepStartDate", "2026-11-22")), DCM_CS_LATIN1,
                                         NULL, &q, &st), -1);
    assert_int_equal(st.code, 0xC000);
    assert_int_equal(st.offending_tag, DCM_ScheduledProcedureStepStartDate);
    assert_int_equal(dcm_mwl_query_parse(query(Q("QueryRetrieveLevel", "STUDY"), NULL), DCM_CS_LATIN1, NULL, &q, &st), -1);
    assert_int_equal(st.code, 0xA900);
    dcm_dataset *two = query(NULL, Q("Modality", "CT"));
    dcm_seq_append(two, DCM_ScheduledProcedureStepSequence);
    assert_int_equal(dcm_mwl_query_parse(two, DCM_CS_LATIN1, NULL, &q, &st), -1);
    assert_int_equal(st.code, 0xA900);
    assert_int_equal(dcm_mwl_query_parse(NULL, DCM_CS_LATIN1, NULL, &q, &st), -1);
    assert_int_equal(st.code, 0xA900);
    dcm_dataset *latin_bad = query(Q("SpecificCharacterSet", "", "PatientName", "H\xC9RON"), NULL);
    assert_int_equal(dcm_mwl_query_parse(latin_bad, DCM_CS_LATIN1, NULL, &q, &st), -1);
    assert_int_equal(st.code, 0xC000);
}

/* The answer holds exactly the return keys, in tag order, with Specific Character Set. */
static void test_answer(void **state)
{
    fixture *f = *state;
    dcm_dataset *qds = query(Q("SpecificCharacterSet", "ISO_IR 100", "PatientName", "", "PatientID", "", "AdmissionID", ""),
                             Q("Modality", "", "ScheduledProcedureStepStartDate", ""));
    dcm_seq_set_empty(qds, DCM_OtherPatientIDsSequence);          /* zero items: whole items returned */
    dcm_dataset *iss = dcm_seq_append(qds, DCM_IssuerOfAccessionNumberSequence);
    dcm_set_string(iss, DCM_LocalNamespaceEntityID, "");
    dcm_mwl_query *q = NULL;
    dcm_status st;
    assert_int_equal(dcm_mwl_query_parse(qds, DCM_CS_UTF8, NULL, &q, &st), 0);
    for (int t = 0; t < 2; t++) {
        dcm_ts ts = t ? DCM_TS_EXPLICIT_LE : DCM_TS_IMPLICIT_LE;
        buf_t b = BUF_INIT;
        assert_int_equal(dcm_mwl_encode_answer(q, f->items[2], ts, &b), 0);
        dcm_dataset *ans = NULL;
        char err[120], v[64];
        assert_int_equal(dcm_decode((const uint8_t *)b.data, b.len, ts, &ans, err, sizeof err), 0);
        assert_int_equal(dcm_dataset_count(ans), 7);
        assert_int_equal(dcm_get_string(ans, DCM_SpecificCharacterSet, v, sizeof v), 10);
        assert_string_equal(v, "ISO_IR 100");
        dcm_get_string(ans, DCM_PatientName, v, sizeof v);
        assert_string_equal(v, "H\xC9RON^Z\xC9LIE");                 /* Latin-1 on the wire */
        assert_int_equal(dcm_get_string(ans, DCM_AdmissionID, v, sizeof v), 0); /* absent: empty */
        assert_false(dcm_has(ans, DCM_AccessionNumber));             /* not requested */
        const dcm_dataset *sps = dcm_seq_item(ans, DCM_ScheduledProcedureStepSequence, 0);
        assert_int_equal(dcm_dataset_count(sps), 2);
        dcm_get_string(sps, DCM_ScheduledProcedureStepStartDate, v, sizeof v);
        assert_string_equal(v, "20261123");
        const dcm_dataset *other = dcm_seq_item(ans, DCM_OtherPatientIDsSequence, 0);
        dcm_get_string(other, DCM_IssuerOfPatientID, v, sizeof v);
        assert_string_equal(v, "1.2.250.1.213.1.4.8");
        dcm_get_string(dcm_seq_item(ans, DCM_IssuerOfAccessionNumberSequence, 0), DCM_LocalNamespaceEntityID, v, sizeof v);
        assert_string_equal(v, "COULOIR");
        dcm_dataset_free(ans);
        /* a name outside Latin-1: the whole answer switches to UTF-8 */
        buf_reset(&b);
        assert_int_equal(dcm_mwl_encode_answer(q, f->items[3], ts, &b), 0);
        assert_int_equal(dcm_decode((const uint8_t *)b.data, b.len, ts, &ans, err, sizeof err), 0);
        dcm_get_string(ans, DCM_SpecificCharacterSet, v, sizeof v);
        assert_string_equal(v, "ISO_IR 192");
        dcm_get_string(ans, DCM_PatientName, v, sizeof v);
        assert_string_equal(v, "\xC5\x81UKASZ^ANNA");
        dcm_dataset_free(ans);
        buf_free(&b);
    }
    dcm_mwl_query_free(q);
    /* no charset in the query, ASCII values, default UTF-8: (0008,0005) still present */
    assert_int_equal(dcm_mwl_query_parse(query(Q("PatientID", ""), NULL), DCM_CS_DEFAULT, NULL, &q, &st), 0);
    buf_t b = BUF_INIT;
    assert_int_equal(dcm_mwl_encode_answer(q, f->items[0], DCM_TS_EXPLICIT_LE, &b), 0);
    dcm_dataset *ans = NULL;
    assert_int_equal(dcm_decode((const uint8_t *)b.data, b.len, DCM_TS_EXPLICIT_LE, &ans, NULL, 0), 0);
    assert_true(dcm_has(ans, DCM_SpecificCharacterSet));
    assert_int_equal(dcm_dataset_count(ans), 2);
    dcm_dataset_free(ans);
    buf_free(&b);
    dcm_mwl_query_free(q);
}

static int collect(void *ud, const dcm_dataset *it)
{
    (void)it;
    (*(int *)ud)++;
    return 0;
}

static void test_memory_provider(void **state)
{
    fixture *f = *state;
    dcm_mwl_memory *m = dcm_mwl_memory_new();
    for (int i = 0; f->items[i]; i++) assert_int_equal(dcm_mwl_memory_add(m, f->items[i]), 0);
    assert_int_equal(dcm_mwl_memory_count(m), 5);
    dcm_mwl_query *q = NULL;
    dcm_status st;
    assert_int_equal(dcm_mwl_query_parse(query(NULL, Q("Modality", "CT")), DCM_CS_LATIN1, NULL, &q, &st), 0);
    int n = 0;
    assert_int_equal(dcm_mwl_memory_find(m, q, collect, &n, &st), 0);
    assert_int_equal(n, 3);
    dcm_mwl_query_free(q);
    dcm_mwl_memory_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_universal_and_single),
        cmocka_unit_test(test_wildcards),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_uid_list_and_sequences),
        cmocka_unit_test(test_structured_query),
        cmocka_unit_test(test_refused_queries),
        cmocka_unit_test(test_answer),
        cmocka_unit_test(test_memory_provider),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
