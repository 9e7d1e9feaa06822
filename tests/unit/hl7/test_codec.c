/* Codec: parsing, delimiters, escapes, charsets, paths, builder, serialization, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7/hl7.h"

static const char ADT[] =
    "MSH|^~\\&|GAM|CHU-X|RIS|CABINET|20240306111154||ADT^A28^ADT_A05|MSG0001|P|2.5|||||FRA|UNICODE UTF-8\r"
    "EVN||20240306111154\r"
    "PID|1||000003^^^CHU-X&000897406&N^PI~279035121518989^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.10&ISO^INS||"
    "PAT-TROIS^DOMINIQUE^^^^^L~DUPONT^DOMINIQUE^^^^^D||19790328|F|||28 Av de Breteuil^^PARIS\r"
    "NTE|1||Ligne 1\\.br\\Ligne 2 \\F\\ pipe \\S\\ caret \\T\\ amp \\R\\ tilde \\E\\ bs \\X41\\ été\r"
    "OBX|1|TX|A||un\r"
    "OBX|2|TX|B||deux\r"
    "OBX|3|TX|C||trois^x&y\r";

static hl7_message *parse_ok(const char *s)
{
    hl7_error e;
    hl7_message *m = hl7_parse(s, strlen(s), NULL, &e);
    if (!m) fail_msg("parse failed: %d %s", e.code, e.message);
    return m;
}

static void expect(const hl7_message *m, const char *path, const char *want)
{
    buf_t b = BUF_INIT;
    assert_int_equal(hl7_get(m, path, &b), HL7_OK);
    if (strcmp(buf_cstr(&b), want) != 0) fail_msg("%s: got '%s' want '%s'", path, buf_cstr(&b), want);
    buf_free(&b);
}

static void test_paths(void **state)
{
    (void)state;
    hl7_message *m = parse_ok(ADT);
    assert_int_equal(hl7_segment_count(m), 7);
    assert_string_equal(hl7_segment_name(m, 2), "PID");
    expect(m, "MSH-1", "|");
    expect(m, "MSH-2", "^~\\&");
    expect(m, "MSH-3", "GAM");
    expect(m, "MSH-9.1", "ADT");
    expect(m, "MSH-9.2", "A28");
    expect(m, "MSH-10", "MSG0001");
    expect(m, "MSH-18", "UNICODE UTF-8");
    expect(m, "PID-3[2].1", "279035121518989");
    expect(m, "PID-3[2].4.2", "1.2.250.1.213.1.4.10");
    expect(m, "PID-3[1].4.1", "CHU-X");
    expect(m, "PID-3.5", "PI");
    expect(m, "PID-5[2].1", "DUPONT");
    expect(m, "PID-5[2].7", "D");
    expect(m, "PID-5[3].1", "");
    expect(m, "PID-99", "");
    expect(m, "ZZZ-1", "");
    expect(m, "OBX[3]-5.1", "trois");
    expect(m, "OBX[3]-5.2.2", "y");
    expect(m, "OBX[2]-5", "deux");
    expect(m, "OBX[4]-5", "");
    expect(m, "NTE-3", "Ligne 1\nLigne 2 | pipe ^ caret & amp ~ tilde \\ bs A été");
    assert_int_equal(hl7_rep_count(m, "PID-3"), 2);
    assert_int_equal(hl7_rep_count(m, "PID-4"), 0);
    assert_true(hl7_has(m, "PID-7"));
    assert_false(hl7_has(m, "PID-6"));
    assert_int_equal(hl7_segment_count_named(m, "OBX"), 3);
    assert_int_equal(hl7_segment_find(m, "OBX", 2), 5);
    assert_int_equal(hl7_field_count(m, 0), 18);
    const char *p;
    size_t n;
    assert_int_equal(hl7_get_raw(m, "NTE-3", &p, &n), HL7_OK);
    assert_true(n > 10 && memcmp(p, "Ligne 1\\.br\\", 12) == 0);
    buf_t b = BUF_INIT;
    hl7_loc loc;
    assert_int_equal(hl7_path_parse("OBX[12]-5[3].4.2", &loc), HL7_OK);
    assert_string_equal(loc.seg, "OBX");
    assert_int_equal(loc.seg_rep, 12);
    assert_int_equal(loc.field, 5);
    assert_int_equal(loc.rep, 3);
    assert_int_equal(loc.comp, 4);
    assert_int_equal(loc.sub, 2);
    const char *bad[] = {"", "PI", "pid-3", "PID", "PID-", "PID-0", "PID-3[0]", "PID-3[", "PID-3.x", "PID-3..1", "PID-3.1.2.3", "PID[2]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (hl7_get(m, bad[i], &b) != HL7_E_PATH) fail_msg("path '%s' accepted", bad[i]);
    }
    buf_free(&b);
    hl7_message_free(m);
}

static void test_roundtrip_exact(void **state)
{
    (void)state;
    hl7_message *m = parse_ok(ADT);
    buf_t out = BUF_INIT;
    hl7_error e;
    assert_int_equal(hl7_serialize(m, NULL, &out, &e), HL7_OK);
    assert_string_equal(out.data, ADT);
    buf_free(&out);
    hl7_message_free(m);
    /* LF and CRLF separators are read; output uses CR */
    const char *lf = "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5\nPID|||123\r\nPV1|1|O\n";
    m = parse_ok(lf);
    assert_int_equal(hl7_segment_count(m), 3);
    assert_int_equal(hl7_serialize(m, NULL, &out, &e), HL7_OK);
    assert_string_equal(out.data, "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5\rPID|||123\rPV1|1|O\r");
    buf_free(&out);
    hl7_message_free(m);
}

static void test_own_delimiters_values(void **state)
{
    (void)state;
    const char *s = "MSH*:!$%*APP*FAC*RCV*RFAC*20240101**ORM:O01*42*P*2.3.1\rPID***ID1:::AUTH!ID2:::AUTH2**NOM:PRENOM*X $F$ Y\r";
    hl7_message *m = parse_ok(s);
    expect(m, "MSH-9.2", "O01");
    expect(m, "PID-3[2].1", "ID2");
    expect(m, "PID-3[2].4", "AUTH2");
    expect(m, "PID-5.2", "PRENOM");
    expect(m, "PID-6", "X * Y");
    buf_t out = BUF_INIT;
    assert_int_equal(hl7_serialize(m, NULL, &out, NULL), HL7_OK);
    assert_string_equal(out.data, s);
    assert_int_equal(hl7_set(m, "PID-5.1", "A*B:C!D$E%F"), HL7_OK);
    expect(m, "PID-5.1", "A*B:C!D$E%F");
    const char *p;
    size_t n;
    hl7_get_raw(m, "PID-5", &p, &n);
    assert_int_equal(n, strlen("A$F$B$S$C$R$D$E$E$T$F:PRENOM"));
    assert_memory_equal(p, "A$F$B$S$C$R$D$E$E$T$F:PRENOM", n);
    buf_free(&out);
    hl7_message_free(m);
}

static void test_errors(void **state)
{
    (void)state;
    struct { const char *in; hl7_err code; } cases[] = {
        {"", HL7_E_EMPTY},
        {"\r\n  \n", HL7_E_EMPTY},
        {"PID|||1\r", HL7_E_NO_MSH},
        {"MS", HL7_E_NO_MSH},
        {"MSH", HL7_E_DELIMITERS},
        {"MSHA^~\\&|x\r", HL7_E_DELIMITERS},
        {"MSH|^~\\|x\r", HL7_E_DELIMITERS},
        {"MSH|^^\\&|x\r", HL7_E_DELIMITERS},
        {"MSH|^~\\&&&|x\r", HL7_E_DELIMITERS},
        {"MSH|^~|&|x\r", HL7_E_DELIMITERS},
        {"MSH|^~\\&|A\rPID|1|\\Q\\\r", HL7_E_ESCAPE},
        {"MSH|^~\\&|A\rPID|1|abc\\F|x\r", HL7_E_ESCAPE},
        {"MSH|^~\\&|A\rPID|1|abc\\XA\\\r", HL7_E_ESCAPE},
        {"MSH|^~\\&|A\rPID|1|\\\\\r", HL7_E_ESCAPE},
        {"MSH|^~\\&|A\rpid|1\r", HL7_E_SEGMENT},
        {"MSH|^~\\&|A\rPIDX|1\r", HL7_E_SEGMENT},
        {"MSH|^~\\&|A\rMSH|^~\\&|B\r", HL7_E_SEGMENT},
        {"MSH|^~\\&|A|||||||||||||||8859/99\r", HL7_E_CHARSET},
        {"MSH|^~\\&|A|||||||||||||||UNICODE UTF-8\rPID|\xE9t\xE9\r", HL7_E_ENCODING},
        {"MSH|^~\\&|A\rPID|\xE9t\xE9\r", HL7_E_ENCODING},
        {"MSH|^~\\&|A|||||||||||||||UNICODE UTF-8\rPID|ok\xC0\xAF\r", HL7_E_ENCODING},         /* overlong */
        {"MSH|^~\\&|A|||||||||||||||UNICODE UTF-8\rPID|ok\xED\xA0\x80\r", HL7_E_ENCODING},     /* surrogate */
        {"MSH|^~\\&|A|||||||||||||||UNICODE UTF-8\rPID|0123456789ok\xE2\x82", HL7_E_ENCODING},  /* truncated */
        {"MSH|^~\\&|A|||||||||||||||UNICODE UTF-8\rPID|ok\xF4\x90\x80\x80\r", HL7_E_ENCODING}, /* > U+10FFFF */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hl7_error e;
        hl7_message *m = hl7_parse(cases[i].in, strlen(cases[i].in), NULL, &e);
        if (m || e.code != cases[i].code)
            fail_msg("case %zu: got %d (%s) want %d", i, m ? 0 : e.code, m ? "" : e.message, cases[i].code);
        assert_true(strlen(e.message) > 5);
    }
    hl7_error e;
    const char *s = "MSH|^~\\&|A\rPID|1|ok\rOBX|1|TX|x||bad \\Q\\ here\r";
    assert_null(hl7_parse(s, strlen(s), NULL, &e));
    assert_int_equal(e.segment, 3);
    assert_int_equal(e.field, 5);
    assert_non_null(strstr(e.message, "OBX-5"));
    /* lenient escapes keep the characters */
    hl7_parse_opts o = hl7_parse_defaults;
    o.strict_escapes = false;
    hl7_message *m = hl7_parse(s, strlen(s), &o, &e);
    assert_non_null(m);
    expect(m, "OBX-5", "bad \\Q\\ here");
    hl7_message_free(m);
    assert_string_equal(hl7_strerror(HL7_E_NO_MSH), "le message ne commence pas par un segment MSH");
}

static void test_charsets(void **state)
{
    (void)state;
    /* ISO 8859-1 in, UTF-8 inside, 8859-1 out again */
    const char l1[] = "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5|||||FRA|8859/1\rPID|||1||H\xC9LO\xCFSE^Ren\xE9\r";
    hl7_message *m = parse_ok(l1);
    expect(m, "PID-5.1", "HÉLOÏSE");
    expect(m, "PID-5.2", "René");
    assert_string_equal(hl7_message_charset(m), "8859/1");
    buf_t out = BUF_INIT;
    assert_int_equal(hl7_serialize(m, NULL, &out, NULL), HL7_OK);
    assert_string_equal(out.data, l1);
    /* to UTF-8 for another destination: MSH-18 follows */
    buf_reset(&out);
    assert_int_equal(hl7_serialize(m, "UNICODE UTF-8", &out, NULL), HL7_OK);
    assert_non_null(strstr(out.data, "|UNICODE UTF-8\rPID|||1||HÉLOÏSE^René\r"));
    /* a character 8859-1 lacks is refused with a clear error */
    assert_int_equal(hl7_set(m, "PID-5.2", "Zoë €"), HL7_OK);
    buf_reset(&out);
    hl7_error e;
    assert_int_equal(hl7_serialize(m, "8859/1", &out, &e), HL7_E_CHARSET);
    assert_non_null(strstr(e.message, "€"));
    buf_reset(&out);
    assert_int_equal(hl7_serialize(m, "8859/15", &out, &e), HL7_OK);
    assert_non_null(strstr(out.data, "|8859/15\r"));
    assert_non_null(strstr(out.data, "Zo\xEB \xA4"));
    hl7_message_free(m);
    /* 8859/15: 0xA4 is the euro sign */
    const char l15[] = "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5|||||FRA|8859/15\rNTE|1||100 \xA4 \\XE9\\\r";
    m = parse_ok(l15);
    expect(m, "NTE-3", "100 € é");
    hl7_message_free(m);
    /* undeclared charset: ASCII and UTF-8 accepted, 8-bit accepted only with a fallback */
    const char und[] = "MSH|^~\\&|A\rPID|||1||GR\xC9GOIRE\r";
    hl7_error err;
    assert_null(hl7_parse(und, strlen(und), NULL, &err));
    assert_int_equal(err.code, HL7_E_ENCODING);
    hl7_parse_opts o = {"8859/1", true};
    m = hl7_parse(und, strlen(und), &o, &err);
    assert_non_null(m);
    expect(m, "PID-5", "GRÉGOIRE");
    hl7_message_free(m);
    /* BOM and leading blank lines tolerated */
    const char bom[] = "\xEF\xBB\xBF\r\nMSH|^~\\&|A|||||||||||||||UNICODE UTF-8\rPID|||1||Ł\r";
    m = parse_ok(bom);
    expect(m, "PID-5", "Ł");
    hl7_message_free(m);
    buf_free(&out);
    assert_string_equal(hl7_charset_iconv_name("8859/15", 7), "ISO-8859-15");
    assert_null(hl7_charset_iconv_name("EBCDIC", 6));
}

static void test_small_tilde(void **state)
{
    (void)state;
    /* Some ANS samples write U+02DC instead of '~' in MSH-2 and as the separator. */
    const char s[] = "MSH|^\xCB\x9C\\&|A|B|C|D|2021||ORU^R01|1|P|2.5|||||FRA|UNICODE UTF-8\rPID|||1||X||||||Rue^^PARIS^^75007^FRA^H\xCB\x9C^^^^^^BDL^^63220\r";
    hl7_message *m = parse_ok(s);
    assert_int_equal(hl7_message_delims(m)->repetition, '~');
    expect(m, "PID-11[2].7", "BDL");
    expect(m, "PID-11[2].9", "63220");
    hl7_message_free(m);
    const char both[] = "MSH|^\xCB\x9C\\&|A\rPID|||1~2\r";
    hl7_error e;
    assert_null(hl7_parse(both, strlen(both), NULL, &e));
    assert_int_equal(e.code, HL7_E_DELIMITERS);
}

static void test_builder(void **state)
{
    (void)state;
    hl7_message *m = hl7_message_new(NULL);
    assert_non_null(m);
    assert_int_equal(hl7_set(m, "MSH-3", "COULOIR"), HL7_OK);
    assert_int_equal(hl7_set(m, "MSH-9.1", "ORU"), HL7_OK);
    assert_int_equal(hl7_set(m, "MSH-9.3", "ORU_R01"), HL7_OK);
    assert_int_equal(hl7_set(m, "MSH-9.2", "R01"), HL7_OK);
    assert_int_equal(hl7_set(m, "MSH-12", "2.5"), HL7_OK);
    assert_int_equal(hl7_set(m, "MSH-18", "UNICODE UTF-8"), HL7_OK);
    assert_int_equal(hl7_set(m, "PID-3", "x"), HL7_E_NOT_FOUND);
    assert_int_equal(hl7_set(m, "MSH-1", "#"), HL7_E_INVALID);
    long pid = hl7_segment_append(m, "PID");
    assert_int_equal(pid, 1);
    assert_int_equal(hl7_segment_append(m, "pid"), HL7_E_INVALID);
    assert_int_equal(hl7_segment_append(m, "MSH"), HL7_E_INVALID);
    assert_int_equal(hl7_set(m, "PID-3[2].4.2", "1.2.250.1.213.1.4.8"), HL7_OK);
    assert_int_equal(hl7_set(m, "PID-3[2].1", "1234567890123"), HL7_OK);
    assert_int_equal(hl7_set(m, "PID-3[1].1", "IPP1"), HL7_OK);
    assert_int_equal(hl7_set(m, "PID-5.1", "D'ARC|^~\\&"), HL7_OK);
    assert_int_equal(hl7_set(m, "PID-5.2", "Jeanne\nLigne"), HL7_OK);
    for (int i = 0; i < 20; i++) assert_true(hl7_segment_append(m, "OBX") > 0); /* grows the array */
    assert_int_equal(hl7_set(m, "OBX[20]-5", "vingt"), HL7_OK);
    assert_int_equal(hl7_seg_set(m, 2, 1, 1, 0, 0, "1"), HL7_OK);
    assert_int_equal(hl7_seg_set_raw(m, 2, 3, 1, 0, 0, "C^Texte^L", 9), HL7_OK);
    buf_t out = BUF_INIT;
    assert_int_equal(hl7_serialize(m, NULL, &out, NULL), HL7_OK);
    const char *want_pid = "PID|||IPP1~1234567890123^^^&1.2.250.1.213.1.4.8||D'ARC\\F\\\\S\\\\R\\\\E\\\\T\\^Jeanne\\.br\\Ligne\r";
    if (!strstr(out.data, want_pid)) fail_msg("PID: %s", out.data);
    assert_int_equal(strncmp(out.data, "MSH|^~\\&|COULOIR||||||ORU^R01^ORU_R01|||2.5||||||UNICODE UTF-8\r", 62), 0);
    assert_non_null(strstr(out.data, "OBX|1||C^Texte^L\r"));
    assert_non_null(strstr(out.data, "OBX|||||vingt\r"));
    /* reparse: same values */
    hl7_message *r = parse_ok(out.data);
    expect(r, "PID-5.1", "D'ARC|^~\\&");
    expect(r, "PID-5.2", "Jeanne\nLigne");
    expect(r, "PID-3[2].4.2", "1.2.250.1.213.1.4.8");
    expect(r, "OBX[1]-3.2", "Texte");
    expect(r, "OBX[20]-5", "vingt");
    /* replacing in the middle keeps the neighbours */
    assert_int_equal(hl7_set(r, "PID-3[2].1", "X"), HL7_OK);
    expect(r, "PID-3[2].4.2", "1.2.250.1.213.1.4.8");
    expect(r, "PID-3[1]", "IPP1");
    assert_int_equal(hl7_set(r, "PID-3", NULL), HL7_OK);
    expect(r, "PID-3[2].1", "X");
    expect(r, "PID-3[1]", "");
    hl7_message_free(r);
    buf_free(&out);
    hl7_message_free(m);
}

static void test_escape_api(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    assert_int_equal(hl7_escape(NULL, "a|b\r\nc\x01", 7, &b), HL7_OK);
    assert_string_equal(b.data, "a\\F\\b\\.br\\c\\X01\\");
    buf_t u = BUF_INIT;
    assert_int_equal(hl7_unescape(NULL, b.data, b.len, &u), HL7_OK);
    assert_string_equal(u.data, "a|b\nc\x01");
    buf_reset(&u);
    const char *fmt = "\\H\\gras\\N\\ \\.sp2\\x\\.in+4\\y\\Zloc\\\\C2842\\";
    assert_int_equal(hl7_unescape(NULL, fmt, strlen(fmt), &u), HL7_OK);
    assert_string_equal(u.data, "gras \n\nxy");
    /* '.' as the escape character: line breaks as \X0A\ */
    hl7_delims dot = {'|', '^', '~', '.', '&', 0};
    buf_reset(&b);
    assert_int_equal(hl7_escape(&dot, "a\nb.c", 5, &b), HL7_OK);
    assert_string_equal(b.data, "a.X0A.b.E.c");
    buf_free(&u);
    buf_free(&b);
}

static void test_dump(void **state)
{
    (void)state;
    hl7_message *m = parse_ok(ADT);
    assert_int_equal(hl7_set(m, "OBX[1]-5", "é0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"), HL7_OK);
    buf_t t = BUF_INIT, j = BUF_INIT;
    assert_int_equal(hl7_dump(m, HL7_DUMP_TEXT, &t), HL7_OK);
    assert_non_null(strstr(t.data, "  PID-5[2]     Patient Name                         DUPONT^DOMINIQUE^^^^^D\n"));
    assert_non_null(strstr(t.data, "    PID-3[2].4.2 "));
    assert_non_null(strstr(t.data, "Ligne 1\\nLigne 2 | pipe"));
    assert_non_null(strstr(t.data, "… (132 octets)"));
    assert_int_equal(hl7_dump(m, HL7_DUMP_JSON, &j), HL7_OK);
    const char *prefix = "{\"charset\": \"UNICODE UTF-8\", \"segments\": [";
    assert_int_equal(strncmp(j.data, prefix, strlen(prefix)), 0);
    assert_non_null(strstr(j.data, "{\"path\": \"PID-3[2].4.2\", \"value\": \"1.2.250.1.213.1.4.10\"}"));
    assert_non_null(strstr(j.data, "\"value\": \"Ligne 1\\nLigne 2 | pipe ^ caret & amp ~ tilde \\\\ bs A été\""));
    assert_string_equal(hl7_field_name("PID", 5), "Patient Name");
    assert_string_equal(hl7_field_name("OBX", 5), "Observation Value");
    assert_null(hl7_field_name("PID", 99));
    assert_null(hl7_field_name("ZZZ", 1));
    buf_free(&t);
    buf_free(&j);
    hl7_message_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_roundtrip_exact),
        cmocka_unit_test(test_own_delimiters_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_small_tilde),
        cmocka_unit_test(test_builder),
        cmocka_unit_test(test_escape_api),
        cmocka_unit_test(test_dump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
