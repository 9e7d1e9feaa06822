/* Report transmission builder (ANS volet "Transmission de document(s) CDA en HL7v2"),
 * compared field by field with the ANS samples (Vague 2, volet v2.1). */
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7/hl7.h"
#include "support/test_support.h"

static char g_shared[4096];
#define VAGUE2 "reference/ans-hl7v2/Vague 2/Trans_Doc-CDA-HL7V2/TRANSMISSION_DOCS_CDA_EN_HL7V2_V2.1/"

static hl7_message *load(const char *rel)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", g_shared, rel);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("missing %s", path);
    buf_t b = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_append(&b, tmp, n);
    fclose(f);
    hl7_error e;
    hl7_message *m = hl7_parse(b.data, b.len, NULL, &e);
    if (!m) fail_msg("%s: %s", rel, e.message);
    buf_free(&b);
    return m;
}

/* Decodes base64 tolerating the samples' missing padding (and a truncated last quantum). */
static unsigned char *unb64(const hl7_message *m, const char *path, size_t *len)
{
    buf_t v = BUF_INIT;
    hl7_get(m, path, &v);
    while (v.len && v.data[v.len - 1] == '=') v.data[--v.len] = '\0';
    if (v.len % 4 == 1) v.data[--v.len] = '\0';
    size_t pad = v.len % 4 ? 4 - v.len % 4 : 0;
    for (size_t i = 0; i < pad; i++) buf_putc(&v, '=');
    unsigned char *out = malloc(v.len + 4);
    int n = EVP_DecodeBlock(out, (unsigned char *)v.data, (int)v.len);
    assert_true(n >= 0);
    *len = (size_t)n - pad;
    out[*len] = 0;
    buf_free(&v);
    return out;
}

/* Trailing blanks of the samples (spaces and U+00A0 no-break spaces) are artefacts. */
static void trim(buf_t *b)
{
    for (;;) {
        if (b->len && b->data[b->len - 1] == ' ') b->data[--b->len] = '\0';
        else if (b->len >= 2 && memcmp(b->data + b->len - 2, "\xC2\xA0", 2) == 0) b->data[b->len -= 2] = '\0';
        else break;
    }
}

/* Same decoded value at `path` in both messages (the sample's "ASIP-SANTE- PS" typo aside). */
static void same(const hl7_message *sample, const hl7_message *built, const char *path)
{
    buf_t a = BUF_INIT, b = BUF_INIT;
    hl7_get(sample, path, &a);
    hl7_get(built, path, &b);
    trim(&a);
    char *typo = strstr(a.data, "ASIP-SANTE- PS");
    if (typo) memmove(typo + 11, typo + 12, strlen(typo + 12) + 1);
    if (strcmp(a.data, b.data) != 0) fail_msg("%s: sample '%s' built '%s'", path, a.data, b.data);
    buf_free(&a);
    buf_free(&b);
}

static void same_all(const hl7_message *s, const hl7_message *m, const char *const *paths)
{
    for (size_t i = 0; paths[i]; i++) same(s, m, paths[i]);
}

static void same_segments(const hl7_message *s, const hl7_message *m)
{
    assert_int_equal(hl7_segment_count(m), hl7_segment_count(s));
    for (size_t i = 0; i < hl7_segment_count(s); i++) assert_string_equal(hl7_segment_name(m, i), hl7_segment_name(s, i));
}

/* OBX-5.5 of ED rows: same base64 text, the sample's missing padding or truncation aside. */
static void same_b64(const hl7_message *s, const hl7_message *m, const char *path)
{
    buf_t a = BUF_INIT, b = BUF_INIT;
    hl7_get(s, path, &a);
    hl7_get(m, path, &b);
    while (a.len && a.data[a.len - 1] == '=') a.data[--a.len] = '\0';
    while (b.len && b.data[b.len - 1] == '=') b.data[--b.len] = '\0';
    size_t k = a.len % 4 == 1 ? a.len - 1 : a.len;
    if (b.len < k || memcmp(a.data, b.data, k) != 0 || b.len - k >= 4)
        fail_msg("%s: base64 differs (%zu vs %zu chars)", path, a.len, b.len);
    buf_free(&a);
    buf_free(&b);
}

static void same_obx_rows(const hl7_message *s, const hl7_message *m)
{
    size_t n = hl7_segment_count_named(s, "OBX");
    assert_int_equal(hl7_segment_count_named(m, "OBX"), n);
    for (size_t i = 1; i <= n; i++) {
        const char *f[] = {"1", "2", "3", "11", "5.1", "5.2", "5.3", "5.4"};
        char p[32];
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
            snprintf(p, sizeof p, "OBX[%zu]-%s", i, f[k]);
            same(s, m, p);
        }
        snprintf(p, sizeof p, "OBX[%zu]-5.5", i);
        same_b64(s, m, p);
    }
}

static const hl7_report_person hoda = {"801234567897", "IDNPS", "Hoda", "Adam", "adam.hoda@test-ci-sis.mssante.fr"};

static hl7_report_tx mdm_input(const hl7_message *sample, unsigned char **cda, size_t *cda_len, char **mail)
{
    *cda = unb64(sample, "OBX[1]-5.5", cda_len);
    size_t ml;
    *mail = (char *)unb64(sample, "OBX[12]-5.5", &ml);
    hl7_report_tx in = {0};
    in.kind = HL7_REPORT_MDM;
    in.action = HL7_REPORT_INITIAL;
    in.sending_app = "RIS-Y";
    in.sending_facility = "Organisation-Y";
    in.receiving_app = "PFI-Y";
    in.receiving_facility = "Organisation-Y";
    in.message_datetime = "202106060931";
    in.event_datetime = "20211005152908";
    in.control_id = "015";
    in.ins_qualified = true;
    in.ins = "279035121518989";
    in.ins_oid = "1.2.250.1.213.1.4.10";
    in.birth_name = "PAT-TROIS";
    in.first_given = "DOMINIQUE";
    in.given_names = "DOMINIQUE";
    in.birth_date = "19790328";
    in.sex = "F";
    in.birthplace_cog = "63220";
    in.patient_class = "I";
    in.location = "UFNEPH";
    in.visit_number = "000897406";
    in.doc_id = "1.2.250.1.71.4.2.2.120456789.71024000081";
    in.version = 1;
    in.doc_datetime = "202212160932";
    in.cda = *cda;
    in.cda_len = *cda_len;
    in.author = (hl7_report_person){"801234564895", "IDNPS", "Eric", "Thomas", NULL};
    in.org_name = "Organisation-Y";
    in.org_id = "300017985";
    in.recipients = &hoda;
    in.nrecipients = 1;
    in.invisible_patient = in.invisible_rep_legaux = in.connexion_secrete = true;
    in.dest_dmp = in.dest_mssante_ps = true;
    in.mail_body_ps = *mail;
    return in;
}

static const char *const mdm_paths[] = {
    "MSH-3", "MSH-4", "MSH-5", "MSH-6", "MSH-7", "MSH-9", "MSH-10", "MSH-11", "MSH-12", "MSH-17", "MSH-18", "MSH-21",
    "EVN-2", "EVN-6",
    "PID-3.1", "PID-3.4", "PID-3.5", "PID-5", "PID-7", "PID-8", "PID-32",
    "PV1-1", "PV1-2", "PV1-3", "PV1-19.1", "PV1-19.5",
    "ORC-1", "OBR-1", "OBR-4",
    "TXA-1", "TXA-2", "TXA-3", "TXA-4", "TXA-12", "TXA-13", "TXA-17", "TXA-22",
    "PRT[1]-2", "PRT[1]-4", "PRT[1]-5", "PRT[1]-8",
    "PRT[2]-2", "PRT[2]-4", "PRT[2]-5", "PRT[2]-15",
    NULL};

static void check_birthplace(const hl7_message *m)
{
    /* the BDL repetition of PID-11 carries the INSEE code of the birthplace */
    buf_t v = BUF_INIT;
    hl7_get(m, "PID-11[1].7", &v);
    assert_string_equal(v.data, "BDL");
    hl7_get(m, "PID-11[1].9", &v);
    assert_string_equal(v.data, "63220");
    buf_free(&v);
}

static void run_mdm(const char *sample_rel, hl7_report_action action)
{
    hl7_message *s = load(sample_rel);
    unsigned char *cda;
    size_t cda_len;
    char *mail;
    hl7_report_tx in = mdm_input(s, &cda, &cda_len, &mail);
    in.action = action;
    if (action != HL7_REPORT_INITIAL) {
        in.doc_id = "1.2.250.1.71.4.2.2.120456789.71024000082";
        in.parent_doc_id = "1.2.250.1.71.4.2.2.120456789.71024000081";
        in.version = 2;
        in.invisible_patient = in.invisible_rep_legaux = false;
        in.modif_conf_code = action == HL7_REPORT_REPLACE;
    }
    hl7_error e;
    hl7_message *m = hl7_report_build(&in, &e);
    if (!m) fail_msg("build: %s", e.message);
    /* through the wire format and back */
    buf_t out = BUF_INIT;
    assert_int_equal(hl7_serialize(m, NULL, &out, &e), HL7_OK);
    hl7_message *r = hl7_parse(out.data, out.len, NULL, &e);
    assert_non_null(r);
    same_segments(s, r);
    same_all(s, r, mdm_paths);
    same_obx_rows(s, r);
    check_birthplace(r);
    size_t back_len;
    unsigned char *back = unb64(r, "OBX[1]-5.5", &back_len);
    assert_int_equal(back_len, cda_len);
    assert_memory_equal(back, cda, cda_len);
    free(back);
    hl7_message_free(r);
    hl7_message_free(m);
    hl7_message_free(s);
    buf_free(&out);
    free(cda);
    free(mail);
}

static void test_mdm_initial(void **state)
{
    (void)state;
    run_mdm(VAGUE2 "MDM/Transmission initiale MDM/message_MDM_CR_Radio_INIT_N1_Base64.er7", HL7_REPORT_INITIAL);
}

static void test_mdm_replace(void **state)
{
    (void)state;
    run_mdm(VAGUE2 "MDM/Remplacement MDM/message_MDM_CR_Radio_RPLC_N1.er7", HL7_REPORT_REPLACE);
}

static void test_mdm_delete(void **state)
{
    (void)state;
    run_mdm(VAGUE2 "MDM/Suppression MDM/message_MDM_CR_Radio_DEL_N1.er7", HL7_REPORT_DELETE);
}

static void test_oru_initial(void **state)
{
    (void)state;
    hl7_message *s = load(VAGUE2 "ORU/Transmission initiale ORU/message_ORU_CR_Bio_INIT_N3_SEGUR.hl7");
    size_t cda_len, ml;
    unsigned char *cda = unb64(s, "OBX[1]-5.5", &cda_len);
    char *mail = (char *)unb64(s, "OBX[12]-5.5", &ml);
    hl7_report_tx in = {0};
    in.kind = HL7_REPORT_ORU;
    in.sending_app = "SIL-Y";
    in.sending_facility = "labo";
    in.receiving_app = "PFI-X";
    in.receiving_facility = "Organisation-X";
    in.message_datetime = "202106060931";
    in.control_id = "015";
    in.ins_qualified = true;
    in.ins = "279035121518989";
    in.ins_oid = "1.2.250.1.213.1.4.10";
    in.birth_name = "PAT-TROIS";
    in.first_given = "DOMINIQUE";
    in.given_names = "DOMINIQUE";
    in.birth_date = "19790328";
    in.sex = "F";
    in.patient_class = "I";
    in.location = "UFNEPH";
    in.visit_number = "000897406";
    in.placer_order = "98765431";
    in.placer_app = "Nephro";
    in.filler_order = "1001-E1";
    in.filler_app = "labo";
    in.doc_code = "11502-2";
    in.doc_display = "CR d'examens biologiques";
    in.doc_id = "1.2.250.1.213.1.1.9.1";
    in.version = 1;
    in.cda = cda;
    in.cda_len = cda_len;
    in.author = (hl7_report_person){"801234567866", "IDNPS", "DIAZ", "Thierry", NULL};
    in.org_name = "labo";
    in.org_id = "1120459876";
    in.recipients = &hoda;
    in.nrecipients = 1;
    in.reply_to = "adam.hoda@test-ci-sis.mssante.fr";
    in.dest_dmp = in.dest_mssante_ps = in.dest_mssante_pat = in.ack_reception = in.ack_lecture = true;
    in.mail_body_ps = mail;
    hl7_error e;
    hl7_message *m = hl7_report_build(&in, &e);
    if (!m) fail_msg("build: %s", e.message);
    buf_t out = BUF_INIT;
    assert_int_equal(hl7_serialize(m, NULL, &out, &e), HL7_OK);
    hl7_message *r = hl7_parse(out.data, out.len, NULL, &e);
    assert_non_null(r);
    same_segments(s, r);
    static const char *const paths[] = {
        "MSH-3", "MSH-4", "MSH-5", "MSH-6", "MSH-7", "MSH-9", "MSH-10", "MSH-11", "MSH-12", "MSH-17", "MSH-18", "MSH-21",
        "PID-3.1", "PID-3.4", "PID-3.5", "PID-5", "PID-7", "PID-8", "PID-32", "PV1-2", "PV1-3", "PV1-19.1",
        "ORC-1", "ORC-2", "ORC-3", "OBR-1", "OBR-2", "OBR-3", "OBR-4", "OBR-25",
        "PRT[1]-4", "PRT[1]-5", "PRT[1]-8", "PRT[2]-4", "PRT[2]-5", "PRT[2]-15.4", "PRT[3]-4", "PRT[3]-5.2", "PRT[3]-5.3",
        "PRT[3]-5.10", "PRT[3]-5.13", "PRT[4]-4", "PRT[4]-15.4", NULL};
    same_all(s, r, paths);
    same_obx_rows(s, r);
    /* the patient's MSSanté address is built from the qualified INS (the sample's is a placeholder) */
    buf_t v = BUF_INIT;
    hl7_get(r, "PRT[3]-15.4", &v);
    assert_string_equal(v.data, "279035121518989@patient.mssante.fr");
    hl7_get(r, "PRT[3]-5.1", &v);
    assert_string_equal(v.data, "279035121518989");
    buf_free(&v);
    hl7_message_free(r);
    hl7_message_free(m);
    hl7_message_free(s);
    buf_free(&out);
    free(cda);
    free(mail);
}

static void test_identity_rules(void **state)
{
    (void)state;
    const unsigned char cda[] = "<ClinicalDocument/>";
    hl7_report_tx in = {0};
    in.kind = HL7_REPORT_MDM;
    in.control_id = "1";
    in.ipp = "IPP42";
    in.ipp_authority = "CAB";
    in.ipp_authority_oid = "1.2.250.1.999.1";
    in.ins = "279035121518989"; /* known but NOT qualified: must not be sent */
    in.ins_oid = "1.2.250.1.213.1.4.8";
    in.birth_name = "DUPONT";
    in.first_given = "Jean";
    in.used_name = "MARTIN";
    in.doc_id = "1.2.3.4";
    in.cda = cda;
    in.cda_len = sizeof cda - 1;
    in.org_name = "Cabinet";
    in.dest_dmp = true;
    hl7_error e;
    hl7_message *m = hl7_report_build(&in, &e);
    assert_non_null(m);
    assert_int_equal(hl7_rep_count(m, "PID-3"), 1);
    buf_t v = BUF_INIT;
    hl7_get(m, "PID-3", &v);
    assert_string_equal(v.data, "IPP42^^^CAB&1.2.250.1.999.1&ISO^PI");
    hl7_get(m, "PID-32", &v);
    assert_string_equal(v.data, "");
    hl7_get(m, "PID-5[2]", &v);
    assert_string_equal(v.data, "MARTIN^^^^^^D");
    buf_t out = BUF_INIT;
    hl7_serialize(m, NULL, &out, NULL);
    assert_null(strstr(out.data, "279035121518989"));
    buf_free(&out);
    hl7_message_free(m);
    /* MSSanté to the patient needs a qualified INS */
    in.dest_mssante_pat = true;
    assert_null(hl7_report_build(&in, &e));
    assert_int_equal(e.code, HL7_E_INVALID);
    assert_non_null(strstr(e.message, "qualifiée"));
    in.dest_mssante_pat = false;
    /* bad inputs */
    in.action = HL7_REPORT_REPLACE;
    assert_null(hl7_report_build(&in, &e));
    assert_non_null(strstr(e.message, "TXA-13"));
    in.action = HL7_REPORT_INITIAL;
    in.dest_mssante_ps = true;
    assert_null(hl7_report_build(&in, &e));
    in.dest_mssante_ps = false;
    in.ins_qualified = true;
    in.ins = "12345";
    assert_null(hl7_report_build(&in, &e));
    in.ins_qualified = false;
    in.doc_id = NULL;
    assert_null(hl7_report_build(&in, &e));
    assert_non_null(strstr(e.message, "TXA-12"));
    in.doc_id = "1.2.3.4";
    in.version = 3;
    assert_null(hl7_report_build(&in, &e));
    buf_free(&v);
}

int main(void)
{
    snprintf(g_shared, sizeof g_shared, "%s", test_shared_dir());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mdm_initial),
        cmocka_unit_test(test_mdm_replace),
        cmocka_unit_test(test_mdm_delete),
        cmocka_unit_test(test_oru_initial),
        cmocka_unit_test(test_identity_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
