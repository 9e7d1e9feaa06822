/* Unit tests of the CDA builders: key XPaths of level 1 and level 3, the INS only when given,
 * the RPLC of a correction, escaping, the base64 PDF round trip, sharing codes, and the
 * French errors for bad input. */
#include "cda/cda.h"
#include "unit/cda/cda_fixture.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

typedef struct {
    xmlDocPtr doc;
    xmlXPathContextPtr xp;
} parsed;

static void parse(parsed *p, const char *xml, size_t len)
{
    p->doc = xmlReadMemory(xml, (int)len, "cda.xml", "UTF-8", XML_PARSE_NONET);
    assert_non_null(p->doc);
    p->xp = xmlXPathNewContext(p->doc);
    assert_non_null(p->xp);
    xmlXPathRegisterNs(p->xp, (const xmlChar *)"h", (const xmlChar *)"urn:hl7-org:v3");
    xmlXPathRegisterNs(p->xp, (const xmlChar *)"d", (const xmlChar *)"urn:dicom-org:ps3-20");
}

static void unparse(parsed *p)
{
    xmlXPathFreeContext(p->xp);
    xmlFreeDoc(p->doc);
}

static double num(parsed *p, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, p->xp);
    if (!o) fail_msg("bad XPath %s", expr);
    double v = xmlXPathCastToNumber(o);
    xmlXPathFreeObject(o);
    return v;
}

/* String value of an XPath (caller frees with xmlFree via str_eq). */
static void str_eq(parsed *p, const char *expr, const char *want)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, p->xp);
    if (!o) fail_msg("bad XPath %s", expr);
    xmlChar *s = xmlXPathCastToString(o);
    xmlXPathFreeObject(o);
    if (strcmp((const char *)s, want) != 0) {
        fprintf(stderr, "XPath %s = '%s', expected '%s'\n", expr, s, want);
        xmlFree(s);
        fail();
    }
    xmlFree(s);
}

static void build3(const cda_report *r, parsed *p)
{
    char err[256] = "";
    char *xml = NULL;
    size_t len = 0;
    int rc = cda_build_n3(r, &xml, &len, err, sizeof err);
    if (rc != 0) fail_msg("cda_build_n3: %s", err);
    assert_int_equal(strlen(xml), len);
    parse(p, xml, len);
    free(xml);
}

static void test_n3_header(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    parsed p;
    fixture_report(&r, &ids, 0, 7, 1);
    build3(&r, &p);
    str_eq(&p, "/h:ClinicalDocument/h:realmCode/@code", "FR");
    assert_int_equal(num(&p, "count(/h:ClinicalDocument/h:templateId[@root='1.2.250.1.213.1.1.1.45' and @extension='2024.01'])"), 1);
    assert_int_equal(num(&p, "count(/h:ClinicalDocument/h:templateId)"), 6);
    str_eq(&p, "/h:ClinicalDocument/h:code/@code", "18748-4");
    str_eq(&p, "/h:ClinicalDocument/h:code/h:translation/@code", "24727-0");
    str_eq(&p, "/h:ClinicalDocument/h:effectiveTime/@value", "20261122101500+0100");
    str_eq(&p, "/h:ClinicalDocument/h:id/@extension", "CR-7");
    str_eq(&p, "/h:ClinicalDocument/h:versionNumber/@value", "1");
    str_eq(&p, "/h:ClinicalDocument/h:languageCode/@code", "fr-FR");
    str_eq(&p, "/h:ClinicalDocument/h:confidentialityCode/@code", "N");
    /* Patient: INS first, then the IPP; birth names with the BR qualifier. */
    str_eq(&p, "/h:ClinicalDocument/h:recordTarget/h:patientRole/h:id[1]/@root", "1.2.250.1.213.1.4.10");
    str_eq(&p, "/h:ClinicalDocument/h:recordTarget/h:patientRole/h:id[1]/@extension", "279035121518989");
    str_eq(&p, "/h:ClinicalDocument/h:recordTarget/h:patientRole/h:id[2]/@extension", "IPP0001234");
    str_eq(&p, "//h:patient/h:name/h:family[@qualifier='BR']", "DUPONT");
    str_eq(&p, "//h:patient/h:name/h:given[@qualifier='BR']", "JEAN");
    str_eq(&p, "//h:patient/h:birthTime/@value", "19790328");
    str_eq(&p, "//h:patient/h:administrativeGenderCode/@code", "M");
    /* Author, custodian, validator with RPPS / FINESS. */
    str_eq(&p, "/h:ClinicalDocument/h:author/h:assignedAuthor/h:id/@extension", "801234560801");
    str_eq(&p, "/h:ClinicalDocument/h:author/h:assignedAuthor/h:id/@root", "1.2.250.1.71.4.2.1");
    str_eq(&p, "//h:representedCustodianOrganization/h:id/@extension", "1920008059");
    str_eq(&p, "/h:ClinicalDocument/h:legalAuthenticator/h:signatureCode/@code", "S");
    str_eq(&p, "/h:ClinicalDocument/h:legalAuthenticator/h:time/@value", "20261122101400+0100");
    /* Requester with MSSanté address (RIS.DOC.05), recipients (RIS.DOC.04). */
    str_eq(&p, "/h:ClinicalDocument/h:participant[@typeCode='REF']//h:telecom/@value",
           "mailto:stephane.medioni@medecin.mssante.fr");
    assert_int_equal(num(&p, "count(/h:ClinicalDocument/h:informationRecipient)"), 2);
    /* Order and accession number; service event = study. */
    str_eq(&p, "//h:inFulfillmentOf/h:order/d:accessionNumber/@extension", ids.accession);
    str_eq(&p, "//h:inFulfillmentOf/h:order/h:id/@extension", "CMD-42");
    str_eq(&p, "//h:serviceEvent/h:id/@root", ids.study_uid);
    str_eq(&p, "//h:serviceEvent/h:code/@code", "24727-0");
    str_eq(&p, "//h:serviceEvent/h:code/h:translation[@codeSystem='1.2.250.1.215.300.1']/@code", "ACQH004");
    str_eq(&p, "//h:serviceEvent/h:code/h:translation[h:qualifier/h:name/@code='121139']/@code", "CT");
    str_eq(&p, "//h:serviceEvent/h:code/h:translation[h:qualifier/h:name/@code='39111-0']/@code", "774007");
    assert_int_equal(num(&p, "count(//h:relatedDocument)"), 0);
    unparse(&p);
}

static void test_n3_body(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    parsed p;
    fixture_report(&r, &ids, 0, 4, 1);
    build3(&r, &p);
    const char *sb = "/h:ClinicalDocument/h:component/h:structuredBody/h:component/h:section";
    char x[512];
    snprintf(x, sizeof x, "count(%s[h:templateId/@root='1.2.250.1.213.1.1.2.209'])", sb);
    assert_int_equal(num(&p, x), 1); /* conclusion */
    snprintf(x, sizeof x, "count(%s[h:templateId/@root='1.2.250.1.213.1.1.2.206'])", sb);
    assert_int_equal(num(&p, x), 1); /* imaging procedure */
    snprintf(x, sizeof x, "count(%s[h:templateId/@root='1.2.250.1.213.1.1.2.205'])", sb);
    assert_int_equal(num(&p, x), 1); /* clinical information */
    /* The three history observations the schematron wants. */
    assert_int_equal(num(&p, "count(//h:observation[h:code/@code='11348-0' or h:code/@code='47519-4'])"), 2);
    /* n even: the contraindication is free text (value ST). */
    str_eq(&p, "//h:observation[h:code/@code='64100-1']/h:value", "Aucune contre-indication connue.");
    /* Object catalog: study -> series -> SOP instance with the image link. */
    str_eq(&p, "//h:act[h:templateId/@root='1.2.250.1.213.1.1.3.155']/h:id/@root", ids.study_uid);
    str_eq(&p, "//h:act[h:templateId/@root='1.2.250.1.213.1.1.3.156']/h:id/@root", ids.series_uid);
    str_eq(&p, "//h:observation[@classCode='DGIMG']/h:id/@root", ids.sop_uid);
    str_eq(&p, "//h:observation[@classCode='DGIMG']/h:code/@code", "1.2.840.10008.5.1.4.1.1.2");
    str_eq(&p, "//h:observation[@classCode='DGIMG']/h:text/h:reference/@value", ids.link);
    /* Radiation exposure: authorising physician, pregnancy, two doses with decimal point. */
    str_eq(&p, "//h:procedure[h:templateId/@root='1.2.250.1.213.1.1.3.165']//h:participantRole/h:code/@code", "113850");
    str_eq(&p, "//h:observation[h:code/@code='364320009']/h:value/@code", "60001007");
    str_eq(&p, "//h:observation[h:code/@code='113813']/h:value/@value", "1140.26");
    str_eq(&p, "//h:observation[h:code/@code='113813']/h:value/@unit", "mGy.cm");
    str_eq(&p, "//h:observation[h:code/@code='113830']/h:value/@value", "13.64");
    /* Every narrative reference points at an existing ID. */
    assert_int_equal(num(&p, "count(//h:reference[starts-with(@value,'#')][not(substring(@value,2) = //@ID)])"), 0);
    /* Technique entry: method (modality) and target site. */
    str_eq(&p, "//h:procedure[h:templateId/@root='1.2.250.1.213.1.1.3.153']/h:methodCode/@code", "CT");
    str_eq(&p, "//h:procedure[h:templateId/@root='1.2.250.1.213.1.1.3.153']/h:targetSiteCode/@code", "302548004");
    unparse(&p);
}

static void test_coded_contraindication(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    parsed p;
    fixture_report(&r, &ids, 0, 5, 1); /* n odd: coded contraindication */
    build3(&r, &p);
    str_eq(&p, "//h:observation[h:code/@code='64100-1']/h:value/@code", "MED-1105");
    str_eq(&p, "//h:observation[h:code/@code='64100-1']/h:value/@codeSystem", "1.2.250.1.213.1.1.4.322");
    str_eq(&p, "//h:content[@ID='contre-indications']", "Allergie connue aux produits de contraste iodés.");
    unparse(&p);
    r.text.contraindication = (cda_cv){"N18.9", "Maladie rénale chronique, sans précision"};
    build3(&r, &p);
    str_eq(&p, "//h:observation[h:code/@code='64100-1']/h:value/@codeSystem", "2.16.840.1.113883.6.3");
    unparse(&p);
}

static void expect_error(cda_report *r, const char *fragment);

static void test_multi_exam(void **state)
{
    (void)state;
    cda_report r, tmp;
    fixture_ids ids, more;
    parsed p;
    fixture_report(&r, &ids, 0, 2, 1);          /* CT head, with exposure and contrast */
    fixture_report(&tmp, &more, 3, 3, 1);       /* chest X-ray */
    ids.exams[1] = more.exams[0];
    ids.exams[1].start = "2026-11-22T09:10:00+01:00"; /* earlier than the CT */
    ids.exams[1].end = "2026-11-22T10:05:00+01:00";   /* later than the CT */
    r.nexams = 2;
    build3(&r, &p);
    assert_int_equal(num(&p, "count(/h:ClinicalDocument/h:documentationOf)"), 2);
    assert_int_equal(num(&p, "count(/h:ClinicalDocument/h:inFulfillmentOf)"), 2);
    assert_int_equal(num(&p, "count(/h:ClinicalDocument/h:code/h:translation)"), 2);
    str_eq(&p, "/h:ClinicalDocument/h:documentationOf[2]/h:serviceEvent/h:id/@root", more.study_uid);
    str_eq(&p, "/h:ClinicalDocument/h:title",
           "Compte rendu d'imagerie médicale - CT tête avec contraste IV + RX thorax ; 2 incidences");
    assert_int_equal(num(&p, "count(//h:section[h:templateId/@root='1.2.250.1.213.1.1.2.206'])"), 2);
    assert_int_equal(num(&p, "count(//h:section[h:templateId/@root='1.2.250.1.213.1.1.2.217'])"), 2);
    /* IDs are unique and every reference resolves. */
    assert_int_equal(num(&p, "count(//@ID[. = preceding::*/@ID])"), 0);
    assert_int_equal(num(&p, "count(//h:reference[starts-with(@value,'#')][not(substring(@value,2) = //@ID)])"), 0);
    assert_int_equal(num(&p, "count(//h:content[@ID='e2-acte'])"), 1);
    /* The encounter spans both exams. */
    str_eq(&p, "//h:encompassingEncounter/h:effectiveTime/h:low/@value", "20261122091000+0100");
    str_eq(&p, "//h:encompassingEncounter/h:effectiveTime/h:high/@value", "20261122100500+0100");
    unparse(&p);

    /* The same study twice is refused; so are zero exams. */
    ids.exams[1].study_uid = ids.exams[0].study_uid;
    expect_error(&r, "exams[1].study_uid");
    r.nexams = 0;
    expect_error(&r, "exams");
}

static void test_no_ins_when_not_given(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    parsed p;
    fixture_report(&r, &ids, 1, 3, 0);
    build3(&r, &p);
    assert_int_equal(num(&p, "count(//h:recordTarget/h:patientRole/h:id)"), 1);
    str_eq(&p, "//h:recordTarget/h:patientRole/h:id/@root", "1.2.250.1.999.1.1");
    assert_int_equal(num(&p, "count(//*[starts-with(@root,'1.2.250.1.213.1.4.')])"), 0);
    /* MR: no radiation exposure section, no CCAM translation. */
    assert_int_equal(num(&p, "count(//h:section[h:templateId/@root='1.2.250.1.213.1.1.2.215'])"), 0);
    assert_int_equal(num(&p, "count(//h:translation[@codeSystem='1.2.250.1.215.300.1'])"), 0);
    unparse(&p);
    /* Level 1 as well. */
    size_t plen = 0;
    unsigned char *pdf = fixture_pdf(&plen);
    char *xml, err[256];
    size_t len;
    assert_int_equal(cda_build_n1(&r, pdf, plen, &xml, &len, err, sizeof err), 0);
    parse(&p, xml, len);
    assert_int_equal(num(&p, "count(//h:recordTarget/h:patientRole/h:id)"), 1);
    unparse(&p);
    free(xml);
    free(pdf);
}

static void test_correction_rplc(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    parsed p;
    fixture_report(&r, &ids, 2, 5, 1);
    r.version = 3;
    r.replaces = (cda_ii){"1.2.250.1.999.1.3", "CR-4"};
    build3(&r, &p);
    str_eq(&p, "/h:ClinicalDocument/h:relatedDocument/@typeCode", "RPLC");
    str_eq(&p, "/h:ClinicalDocument/h:relatedDocument/h:parentDocument/h:id/@extension", "CR-4");
    str_eq(&p, "/h:ClinicalDocument/h:versionNumber/@value", "3");
    str_eq(&p, "/h:ClinicalDocument/h:setId/@extension", "CR-5");
    unparse(&p);

    /* A version 2 without the replaced document is refused. */
    r.replaces = (cda_ii){0};
    char *xml = (char *)1, err[256] = "";
    size_t len = 99;
    assert_int_equal(cda_build_n3(&r, &xml, &len, err, sizeof err), -1);
    assert_null(xml);
    assert_int_equal(len, 0);
    assert_non_null(strstr(err, "replaces"));
}

static void test_n1_pdf_roundtrip(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    parsed p;
    fixture_report(&r, &ids, 5, 9, 1);
    size_t plen = 0;
    unsigned char *pdf = fixture_pdf(&plen);
    char *xml, err[256];
    size_t len;
    assert_int_equal(cda_build_n1(&r, pdf, plen, &xml, &len, err, sizeof err), 0);
    parse(&p, xml, len);
    assert_int_equal(num(&p, "count(/h:ClinicalDocument/h:templateId)"), 3);
    assert_int_equal(num(&p, "count(/h:ClinicalDocument/h:templateId[@root='1.3.6.1.4.1.19376.1.2.20'])"), 1);
    assert_int_equal(num(&p, "count(//h:structuredBody)"), 0);
    str_eq(&p, "/h:ClinicalDocument/h:code/@code", "18748-4");
    str_eq(&p, "/h:ClinicalDocument/h:code/h:translation/@code", "24606-6");
    str_eq(&p, "//h:nonXMLBody/h:text/@mediaType", "application/pdf");
    str_eq(&p, "//h:nonXMLBody/h:text/@representation", "B64");
    /* Decode the base64 and compare with the PDF. */
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)"string(//h:nonXMLBody/h:text)", p.xp);
    const char *b64 = (const char *)o->stringval;
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char *dec = malloc(strlen(b64));
    size_t dn = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *s = b64; *s; s++) {
        const char *q = strchr(tbl, *s);
        if (!q || !*s) continue; /* whitespace, '=' */
        acc = (acc << 6) | (unsigned)(q - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dec[dn++] = (unsigned char)(acc >> bits);
        }
    }
    assert_int_equal(dn, plen);
    assert_memory_equal(dec, pdf, plen);
    free(dec);
    xmlXPathFreeObject(o);
    unparse(&p);
    free(xml);

    /* Not a PDF: refused. */
    assert_int_equal(cda_build_n1(&r, (const unsigned char *)"hello", 5, &xml, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "PDF"));
    assert_int_equal(cda_build_n1(&r, NULL, 0, &xml, &len, err, sizeof err), -1);
    free(pdf);
}

static void test_site_siret(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    parsed p;
    fixture_report(&r, &ids, 0, 1, 1);
    r.site.finess = NULL;
    r.site.siret = "12345678900012";
    build3(&r, &p);
    str_eq(&p, "//h:representedCustodianOrganization/h:id/@extension", "312345678900012");
    str_eq(&p, "//h:healthCareFacility/h:id/@root", "1.2.250.1.71.4.2.2");
    unparse(&p);
}

static void test_escaping(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    parsed p;
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.conclusion = "A < B & C > D \"E\" </text><evil/>";
    r.patient.birth_family = "<O'NEIL>";
    build3(&r, &p);
    str_eq(&p, "//h:section[h:code/@code='19005-8']/h:text/h:paragraph", "A < B & C > D \"E\" </text><evil/>");
    str_eq(&p, "//h:patient/h:name/h:family[@qualifier='BR']", "<O'NEIL>");
    assert_int_equal(num(&p, "count(//evil) + count(//h:evil)"), 0);
    unparse(&p);
}

static void test_multiline_paragraphs(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    parsed p;
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.findings = "Ligne 1\r\n\n   Ligne 2  \nLigne 3";
    build3(&r, &p);
    assert_int_equal(num(&p, "count(//h:section[h:code/@code='59776-5']/h:text/h:paragraph)"), 3);
    str_eq(&p, "//h:section[h:code/@code='59776-5']/h:text/h:paragraph[2]", "Ligne 2");
    unparse(&p);
}

static void expect_error(cda_report *r, const char *fragment)
{
    char *xml = NULL, err[256] = "";
    size_t len = 0;
    assert_int_equal(cda_build_n3(r, &xml, &len, err, sizeof err), -1);
    assert_null(xml);
    if (!strstr(err, fragment)) fail_msg("error '%s' does not mention '%s'", err, fragment);
    assert_int_equal(cda_report_check(r, err, sizeof err), -1);
}

static void test_bad_input(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    fixture_report(&r, &ids, 0, 1, 1);
    char err[256];
    assert_int_equal(cda_report_check(&r, err, sizeof err), 0);

    ids.exams[0].study_uid = "1.2.03.4";
    expect_error(&r, "exams[0].study_uid");
    fixture_report(&r, &ids, 0, 1, 1);
    ids.exams[0].modality = "ZZ";
    expect_error(&r, "modalité inconnue");
    fixture_report(&r, &ids, 0, 1, 1);
    ids.exams[0].region = "12345";
    expect_error(&r, "exams[0].region");
    fixture_report(&r, &ids, 0, 1, 1);
    r.validator.rpps = "123";
    expect_error(&r, "validator.rpps");
    fixture_report(&r, &ids, 0, 1, 1);
    r.patient.ins_oid = NULL;
    expect_error(&r, "patient.ins");
    fixture_report(&r, &ids, 0, 1, 1);
    r.patient.ins = "27903512151898X";
    expect_error(&r, "patient.ins");
    fixture_report(&r, &ids, 0, 1, 1);
    r.patient.ins_oid = "1.2.250.1.213.1.4.2";
    expect_error(&r, "patient.ins_oid");
    fixture_report(&r, &ids, 0, 1, 1);
    r.site.finess = NULL;
    r.site.siret = "1234567890123";
    expect_error(&r, "site.siret");
    fixture_report(&r, &ids, 0, 1, 1);
    r.effective_time = "2026-11-22T10:15:00";
    expect_error(&r, "effective_time");
    fixture_report(&r, &ids, 0, 1, 1);
    r.patient.birth_date = "1979-02-30";
    expect_error(&r, "birth_date");
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.conclusion = NULL;
    expect_error(&r, "text.conclusion");
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.findings = "bad \x01 control";
    expect_error(&r, "text.findings");
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.findings = "bad \xc3\x28 utf8";
    expect_error(&r, "UTF-8");
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.findings = "surrogate \xed\xa5\x90";
    expect_error(&r, "UTF-8");
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.findings = "overlong \xe0\x80\xaf";
    expect_error(&r, "UTF-8");
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.findings = "beyond \xf4\x90\x80\x80";
    expect_error(&r, "UTF-8");
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.findings = "nonchar \xef\xbf\xbf";
    expect_error(&r, "UTF-8");
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.findings = "ok \xf0\x9f\x98\x80 \xe6\x97\xa5";
    assert_int_equal(cda_report_check(&r, err, sizeof err), 0);
    fixture_report(&r, &ids, 0, 1, 1);
    ids.exams[0].loinc.code = "18748";
    expect_error(&r, "LOINC");
    fixture_report(&r, &ids, 0, 1, 1);
    r.site.finess = NULL;
    expect_error(&r, "FINESS");
    fixture_report(&r, &ids, 0, 1, 1);
    r.text.addendum = "Ajout";
    expect_error(&r, "addendum_author");
    fixture_report(&r, &ids, 0, 1, 1);
    ids.exams[0].ndoses = CDA_MAX_DOSES + 1;
    expect_error(&r, "ndoses");
    fixture_report(&r, &ids, 0, 1, 1);
    r.confidentiality = 'X';
    expect_error(&r, "confidentiality");
    assert_int_equal(cda_report_check(NULL, err, sizeof err), -1);
    /* NULL output pointers: an error, not a crash. */
    fixture_report(&r, &ids, 0, 1, 1);
    assert_int_equal(cda_build_n3(&r, NULL, NULL, err, sizeof err), -1);
}

/* Random bytes in free-text and name fields: either a clear error, or well-formed XML.
 * Deterministic (fixed seed). */
static void test_random_text(void **state)
{
    (void)state;
    unsigned seed = 12345;
    char junk[64];
    size_t plen = 0;
    unsigned char *pdf = fixture_pdf(&plen);
    int built = 0, refused = 0;
    for (int i = 0; i < 400; i++) {
        size_t n = 1 + (size_t)(rand_r(&seed) % (sizeof junk - 1));
        for (size_t j = 0; j < n; j++) {
            int k = rand_r(&seed) % 24;
            junk[j] = (char)(k == 0 ? rand_r(&seed) % 256 : k < 6 ? "<>&\"'\n"[rand_r(&seed) % 6] : 'a' + rand_r(&seed) % 26);
            if (junk[j] == '\0') junk[j] = 'x';
        }
        junk[n] = '\0';
        cda_report r;
        fixture_ids ids;
        fixture_report(&r, &ids, (size_t)i, (unsigned)i, i % 2);
        if (i % 3 == 0) r.text.findings = junk;
        else if (i % 3 == 1) r.patient.birth_family = junk;
        else r.text.conclusion = junk;
        char *xml = NULL, err[256] = "";
        size_t len = 0;
        if (cda_build_n3(&r, &xml, &len, err, sizeof err) != 0) {
            assert_null(xml);
            assert_true(strlen(err) > 0);
            refused++;
            continue;
        }
        built++;
        xmlDocPtr doc = xmlReadMemory(xml, (int)len, "r.xml", "UTF-8", XML_PARSE_NONET);
        assert_non_null(doc);
        xmlFreeDoc(doc);
        free(xml);
        assert_int_equal(cda_build_n1(&r, pdf, plen, &xml, &len, err, sizeof err), 0);
        doc = xmlReadMemory(xml, (int)len, "r.xml", "UTF-8", XML_PARSE_NONET);
        assert_non_null(doc);
        xmlFreeDoc(doc);
        free(xml);
    }
    assert_true(built > 50);
    assert_true(refused > 50);
    free(pdf);
}

static void test_sharing_codes(void **state)
{
    (void)state;
    cda_report r;
    fixture_ids ids;
    fixture_report(&r, &ids, 0, 1, 1);
    cda_coded codes[8];
    assert_int_equal(cda_sharing_codes(&r, codes, 8), 1);
    assert_string_equal(codes[0].code, "N");
    assert_string_equal(codes[0].system, "2.16.840.1.113883.5.25");

    r.masking.announcement_pending = true;
    assert_int_equal(cda_sharing_codes(&r, codes, 8), 2);
    assert_string_equal(codes[1].code, "INVISIBLE_PATIENT");
    assert_string_equal(codes[1].system, "1.2.250.1.213.1.1.4.13");

    r.masking.invisible_patient = true; /* no duplicate */
    r.masking.masque_ps = true;
    r.masking.invisible_legal_reps = true;
    r.masking.secret_connection = true;
    r.confidentiality = 'R';
    assert_int_equal(cda_sharing_codes(&r, codes, 8), 5);
    assert_string_equal(codes[0].code, "R");
    assert_string_equal(codes[1].code, "MASQUE_PS");
    assert_string_equal(codes[2].code, "INVISIBLE_PATIENT");
    assert_string_equal(codes[3].code, "INVISIBLE_REPRESENTANTS_LEGAUX");
    assert_string_equal(codes[4].code, "CONNEXION_SECRETE");
    /* Truncated output still reports the full count. */
    assert_int_equal(cda_sharing_codes(&r, codes, 2), 5);
}

static void test_vocab(void **state)
{
    (void)state;
    assert_string_equal(cda_modality_display("CT"), "Tomodensitométrie");
    assert_null(cda_modality_display("ZZ"));
    assert_null(cda_modality_display(NULL));
    assert_string_equal(cda_region_display("76752008"), "sein");
    assert_string_equal(cda_default_sop_class("MG"), "1.2.840.10008.5.1.4.1.1.1.2");
    assert_string_equal(cda_sop_class_display("1.2.840.10008.5.1.4.1.1.4"), "MR Image Storage");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_n3_header),
        cmocka_unit_test(test_n3_body),
        cmocka_unit_test(test_coded_contraindication),
        cmocka_unit_test(test_multi_exam),
        cmocka_unit_test(test_no_ins_when_not_given),
        cmocka_unit_test(test_correction_rplc),
        cmocka_unit_test(test_n1_pdf_roundtrip),
        cmocka_unit_test(test_site_siret),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_multiline_paragraphs),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_random_text),
        cmocka_unit_test(test_sharing_codes),
        cmocka_unit_test(test_vocab),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
