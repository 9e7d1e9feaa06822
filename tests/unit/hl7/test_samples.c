/* Every HL7 v2 message of the ANS samples (../shared/reference/ans-hl7v2) and of the
 * MSSanté protocol samples parses; key fields are checked; parse -> serialize -> parse keeps
 * every field, and the serialization equals the input with CR separators. */
#include <ftw.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hl7/hl7.h"
#include "support/test_support.h"

static char g_shared[4096];
static int g_files, g_messages, g_ed;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    buf_t b = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_append(&b, tmp, n);
    fclose(f);
    *len = b.len;
    return buf_steal(&b);
}

/* Drops '#' comment lines; returns the lines (CR/LF split, empty lines dropped). */
static size_t split_lines(char *text, size_t len, char **lines, size_t max)
{
    size_t n = 0;
    char *p = text, *end = text + len;
    while (p < end && n < max) {
        char *e = p;
        while (e < end && *e != '\r' && *e != '\n') e++;
        *e = '\0';
        if (e > p && p[0] != '#') lines[n++] = p;
        p = e + 1;
    }
    return n;
}

static void check_value(const hl7_message *m, const char *where, const char *path, const char *want)
{
    buf_t b = BUF_INIT;
    assert_int_equal(hl7_get(m, path, &b), HL7_OK);
    if (strcmp(buf_cstr(&b), want) != 0) fail_msg("%s %s: got '%s' want '%s'", where, path, buf_cstr(&b), want);
    buf_free(&b);
}

/* Every embedded document (OBX ED Base64) decodes. */
static void check_ed(const hl7_message *m, const char *where)
{
    size_t nobx = hl7_segment_count_named(m, "OBX");
    buf_t v = BUF_INIT;
    for (size_t i = 1; i <= nobx; i++) {
        char path[32];
        snprintf(path, sizeof path, "OBX[%zu]-2", i);
        hl7_get(m, path, &v);
        if (strcmp(v.data, "ED") != 0) continue;
        snprintf(path, sizeof path, "OBX[%zu]-5.4", i);
        hl7_get(m, path, &v);
        if (strcasecmp(v.data, "Base64") != 0) continue;
        snprintf(path, sizeof path, "OBX[%zu]-5.5", i);
        hl7_get(m, path, &v);
        size_t n = v.len;
        while (n > 0 && (v.data[n - 1] == ' ')) n--;
        n -= n % 4; /* some samples truncate their example text mid-quantum */
        if (n == 0) fail_msg("%s %s: empty base64", where, path);
        unsigned char *out = malloc(n + 4);
        int dec = EVP_DecodeBlock(out, (const unsigned char *)v.data, (int)n);
        if (dec <= 0) fail_msg("%s %s: base64 does not decode (%zu chars)", where, path, n);
        assert_true(out[0] >= 0x20); /* text or XML, never binary */
        free(out);
        g_ed++;
    }
    buf_free(&v);
}

static void roundtrip(const char *where, const char *in, size_t len, const char *normalized)
{
    hl7_error e;
    hl7_message *m = hl7_parse(in, len, NULL, &e);
    if (!m) fail_msg("%s: %s (segment %zu, champ %d)", where, e.message, e.segment, e.field);
    const char *p;
    size_t n;
    assert_int_equal(hl7_get_raw(m, "MSH-9.1", &p, &n), HL7_OK);
    if (n != 3) fail_msg("%s: MSH-9.1 missing", where);
    assert_true(hl7_has(m, "MSH-10"));
    buf_t ver = BUF_INIT;
    hl7_get(m, "MSH-12.1", &ver);
    if (strncmp(ver.data, "2.", 2) != 0) fail_msg("%s: MSH-12 '%s'", where, ver.data);
    buf_free(&ver);
    check_ed(m, where);

    buf_t out = BUF_INIT;
    assert_int_equal(hl7_serialize(m, NULL, &out, &e), HL7_OK);
    if (strcmp(out.data, normalized) != 0) fail_msg("%s: serialization differs from the input", where);
    hl7_message *r = hl7_parse(out.data, out.len, NULL, &e);
    if (!r) fail_msg("%s: reparse: %s", where, e.message);
    assert_int_equal(hl7_segment_count(r), hl7_segment_count(m));
    for (size_t s = 0; s < hl7_segment_count(m); s++) {
        assert_string_equal(hl7_segment_name(r, s), hl7_segment_name(m, s));
        assert_int_equal(hl7_field_count(r, s), hl7_field_count(m, s));
    }
    buf_free(&out);
    hl7_message_free(r);
    hl7_message_free(m);
    g_messages++;
}

/* Splits a file into messages (each starting at an MSH line) and checks each. */
static void check_file(const char *path)
{
    size_t len;
    char *text = slurp(path, &len);
    assert_non_null(text);
    static char *lines[20000];
    size_t n = split_lines(text, len, lines, 20000);
    size_t i = 0;
    int msgs = 0;
    while (i < n) {
        if (strncmp(lines[i], "MSH", 3) != 0) { i++; continue; }
        buf_t raw = BUF_INIT, norm = BUF_INIT;
        size_t j = i;
        do {
            buf_puts(&raw, lines[j]);
            buf_puts(&raw, j % 2 ? "\n" : "\r\n"); /* mixed separators on purpose */
            /* expected output: CR separators, U+02DC read as '~' */
            for (const char *c = lines[j]; *c; c++) {
                if (c[0] == '\xCB' && c[1] == '\x9C') { buf_putc(&norm, '~'); c++; }
                else buf_putc(&norm, *c);
            }
            buf_putc(&norm, '\r');
            j++;
        } while (j < n && strncmp(lines[j], "MSH", 3) != 0);
        char where[4200];
        snprintf(where, sizeof where, "%s#%d", path + strlen(g_shared), msgs + 1);
        roundtrip(where, raw.data, raw.len, norm.data);
        buf_free(&raw);
        buf_free(&norm);
        msgs++;
        i = j;
    }
    if (msgs) g_files++;
    free(text);
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F) return 0;
    const char *dot = strrchr(path, '.');
    if (dot && (strcasecmp(dot, ".xml") == 0 || strcasecmp(dot, ".md") == 0)) return 0;
    check_file(path);
    return 0;
}

static void test_all_samples(void **state)
{
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/reference/ans-hl7v2", g_shared);
    assert_int_equal(nftw(dir, visit, 16, FTW_PHYS), 0);
    snprintf(dir, sizeof dir, "%s/reference/protocols/mssante/hl7v2_MDM_T02_from_mssante_to_ris.er7", g_shared);
    check_file(dir);
    fprintf(stderr, "samples: %d files, %d messages, %d embedded documents decoded\n", g_files, g_messages, g_ed);
    assert_true(g_files >= 45);
    assert_true(g_messages >= 50);
    assert_true(g_ed >= 60);
}

static hl7_message *load(const char *rel, int nth)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/reference/%s", g_shared, rel);
    size_t len;
    char *text = slurp(path, &len);
    if (!text) fail_msg("missing sample %s", rel);
    static char *lines[20000];
    size_t n = split_lines(text, len, lines, 20000);
    buf_t raw = BUF_INIT;
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(lines[i], "MSH", 3) == 0) seen++;
        if (seen == nth) {
            buf_puts(&raw, lines[i]);
            buf_putc(&raw, '\r');
        }
    }
    hl7_error e;
    hl7_message *m = hl7_parse(raw.data, raw.len, NULL, &e);
    if (!m) fail_msg("%s: %s", rel, e.message);
    buf_free(&raw);
    free(text);
    return m;
}

static void test_key_fields(void **state)
{
    (void)state;
    hl7_message *m = load("ans-hl7v2/Vague 2/Consentement_DMP_PAMFR/ConsentementConsultation_NonOppositionAlimentation.er7", 1);
    const char *w = "PAM consent";
    check_value(m, w, "MSH-9", "ADT^A01^ADT_A01");
    check_value(m, w, "MSH-12.1", "2.5");
    check_value(m, w, "MSH-18", "UNICODE UTF-8");
    check_value(m, w, "PID-3[1].1", "000003");
    check_value(m, w, "PID-3[1].5", "PI");
    check_value(m, w, "PID-3[2].1", "279035121518989");
    check_value(m, w, "PID-3[2].4.2", "1.2.250.1.213.1.4.10");
    check_value(m, w, "PID-3[2].5", "INS");
    check_value(m, w, "PID-5.1", "PAT-TROIS");
    check_value(m, w, "PID-5.7", "L");
    check_value(m, w, "PID-7", "19790328");
    check_value(m, w, "PID-8", "F");
    check_value(m, w, "PID-11[2].7", "BDL");
    check_value(m, w, "PID-11[2].9", "63220");
    check_value(m, w, "PV1-7.2", "Réault");
    check_value(m, w, "ZFA-1", "ACTIF");
    hl7_message_free(m);

    m = load("ans-hl7v2/Volets/TRANS_DOC_CDA_HL7V2/V2.0/ORU/Transmission initiale ORU/message_ORU_CR_Bio_INIT_N1_N3.hl7", 1);
    w = "ORU V2.0 (U+02DC)";
    check_value(m, w, "MSH-9", "ORU^R01^ORU_R01");
    check_value(m, w, "PID-3.1", "277076322082910");
    check_value(m, w, "PID-3.4.2", "1.2.250.1.213.1.4.8");
    check_value(m, w, "PID-5.1", "NESSI");
    check_value(m, w, "PID-11[2].9", "63220");
    check_value(m, w, "OBX[1]-5.4", "Base64");
    check_value(m, w, "OBX[3]-3.1", "MASQUE_PS");
    check_value(m, w, "OBX[3]-3.2", "Masqué aux professionnels de Santé");
    check_value(m, w, "OBX[3]-5.1", "N");
    check_value(m, w, "OBX[8]-3.1", "DESTDMP");
    check_value(m, w, "OBX[8]-5.1", "Y");
    check_value(m, w, "PRT[3]-4.1", "RCT");
    check_value(m, w, "PRT[3]-15.4", "2770763220829106@patient.mssante.fr");
    hl7_message_free(m);

    m = load("ans-hl7v2/Vague 2/Trans_Doc-CDA-HL7V2/TRANSMISSION_DOCS_CDA_EN_HL7V2_V2.1/MDM/Transmission initiale MDM/message_MDM_CR_Radio_INIT_N1.er7", 1);
    w = "MDM T02";
    check_value(m, w, "MSH-9", "MDM^T02^MDM_T02");
    check_value(m, w, "MSH-12", "2.6");
    check_value(m, w, "MSH-21", "2.1^CISIS_CDA_HL7_V2");
    check_value(m, w, "TXA-2", "18748-4");
    check_value(m, w, "TXA-12", "1.2.250.1.71.4.2.2.120456789.71024000081");
    check_value(m, w, "TXA-17", "AU");
    check_value(m, w, "OBX[1]-3.2", "CR d'imagerie médicale");
    check_value(m, w, "OBX[1]-5.2", "text");
    check_value(m, w, "OBX[1]-5.3", "XML");
    check_value(m, w, "OBX[5]-3.1", "CONNEXION_SECRETE");
    check_value(m, w, "OBX[5]-5", "Y^^expandedYes-NoIndicator");
    hl7_message_free(m);

    m = load("protocols/mssante/hl7v2_MDM_T02_from_mssante_to_ris.er7", 2);
    w = "MSSanté ACK";
    check_value(m, w, "MSH-9", "ACK^T02^ACK");
    check_value(m, w, "MSA-1", "AA");
    check_value(m, w, "MSA-2", "015");
    hl7_message_free(m);
}

/* The ORU extract has no MSH and wraps base64 lines: rebuilt with a header, then parsed. */
static void test_oru_extract(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/reference/protocols/mssante/hl7v2_ORU_OBX_example_ris_to_pfi.er7", g_shared);
    size_t len;
    char *text = slurp(path, &len);
    assert_non_null(text);
    static char *lines[2000];
    size_t n = split_lines(text, len, lines, 2000);
    buf_t raw = BUF_INIT;
    buf_puts(&raw, "MSH|^~\\&|RIS|CAB|PFI|GHT|20250101||ORU^R01^ORU_R01|1|P|2.5|||||FRA|UNICODE UTF-8");
    for (size_t i = 0; i < n; i++) {
        bool seg = strlen(lines[i]) > 3 && lines[i][3] == '|';
        buf_puts(&raw, seg ? "\r" : "");
        buf_puts(&raw, lines[i]);
    }
    buf_putc(&raw, '\r');
    hl7_error e;
    hl7_message *m = hl7_parse(raw.data, raw.len, NULL, &e);
    if (!m) fail_msg("ORU extract: %s", e.message);
    check_value(m, "ORU extract", "OBX[1]-5.4", "Base64");
    check_value(m, "ORU extract", "OBX[2]-3.1", "MASQUE_PS");
    check_value(m, "ORU extract", "OBX[2]-5.1", "Y");
    check_value(m, "ORU extract", "OBX[9]-3.1", "DESTMSSANTEPAT");
    check_value(m, "ORU extract", "PRT[2]-15.4", "146026322000196@patient.mssante.fr");
    check_value(m, "ORU extract", "NTE-4", "FIN");
    hl7_message_free(m);
    buf_free(&raw);
    free(text);
}

int main(void)
{
    snprintf(g_shared, sizeof g_shared, "%s", test_shared_dir());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_samples),
        cmocka_unit_test(test_key_fields),
        cmocka_unit_test(test_oru_extract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
