/* INSi messages: parsing the reference responses, building requests, accepting a "00" return
 * (rule 6: RIS.INS.13/14, rule 11: RIS.INS.15, rule 12: RIS.INS.16). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ins_test_util.h"
#include "support/test_support.h"

static char *fixture(const char *name, size_t *len)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/reference/protocols/insi/%s", test_shared_dir(), name);
    char *data = test_read_file(path, len);
    assert_non_null(data);
    return data;
}

static insi_response parse_fixture(const char *name)
{
    size_t len;
    char *xml = fixture(name, &len);
    insi_response r;
    char err[200];
    int rc = insi_response_parse(xml, len, &r, err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s: %s\n", name, err);
    assert_int_equal(rc, 0);
    free(xml);
    return r;
}

static void test_parse_reference_responses(void **state)
{
    (void)state;
    insi_response r = parse_fixture("response_CR00_nir_with_history.xml");
    assert_int_equal(r.kind, INSI_RESPONSE_RESULT);
    assert_string_equal(r.result.code, "00");
    assert_string_equal(r.result.active.number, "1090763220834");
    assert_string_equal(r.result.active.key, "89");
    assert_string_equal(r.result.active.oid, INS_OID_NIR);
    assert_int_equal(r.result.n_history, 2);
    assert_string_equal(r.result.history[0].number, "2090763220834");
    assert_string_equal(r.result.history[0].date_start, "2019-03-01");
    assert_string_equal(r.result.given_names, "PIERRE-ALAIN MURIEL FLORIANT");
    assert_string_equal(r.result.given_name, "");
    assert_string_equal(r.result.birth_place, "63220");

    r = parse_fixture("response_CR00_corse.xml");
    assert_string_equal(r.result.active.number, "180032B020401");
    assert_string_equal(r.result.birth_place, "2B020");
    r = parse_fixture("response_CR00_nia.xml");
    assert_string_equal(r.result.active.oid, INS_OID_NIA);
    r = parse_fixture("response_CR01_none.xml");
    assert_string_equal(r.result.code, "01");
    assert_false(r.result.has_individual);
    r = parse_fixture("response_CR02_several.xml");
    assert_string_equal(r.result.code, "02");
    r = parse_fixture("fault_siram100_desir550.xml");
    assert_int_equal(r.kind, INSI_RESPONSE_FAULT);
    assert_string_equal(r.fault.code, "soap:Sender");
    assert_string_equal(r.fault.subcode, "soap:siram_100");
    assert_string_equal(r.fault.error_code, "desir_550");
    assert_non_null(strstr(r.fault.reason, "progiciel"));
    char msg[512];
    insi_fault_message(&r.fault, msg, sizeof msg);
    assert_non_null(strstr(msg, "non autorisé"));
}

static void test_parse_rejects_bad_input(void **state)
{
    (void)state;
    insi_response r;
    char err[200];
    const char *bad[] = {
        "", "not xml", "<a/>",
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/></soap:Envelope>",
        "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><x/></soap:Body></soap:Envelope>",
        "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><RESULTAT "
        "xmlns=\"http://www.cnamts.fr/INSiResultat\"><CR><CodeCR>07</CodeCR></CR></RESULTAT></soap:Body></soap:Envelope>",
        "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><RESULTAT "
        "xmlns=\"http://www.cnamts.fr/INSiResultat\"><CR><CodeCR>00</CodeCR></CR></RESULTAT></soap:Body></soap:Envelope>",
        "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><RESULTAT "
        "xmlns=\"http://www.cnamts.fr/INSiResultat\"><CR><CodeCR>00</CodeCR></CR><INDIVIDU><INSACTIF><IdIndividu>"
        "<NumIdentifiant>10907632208341234567890</NumIdentifiant></IdIndividu></INSACTIF><TIQ/></INDIVIDU>"
        "</RESULTAT></soap:Body></soap:Envelope>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(insi_response_parse(bad[i], strlen(bad[i]), &r, err, sizeof err), -1);
        assert_true(strlen(err) > 10);
    }
    assert_int_equal(insi_response_parse(NULL, 0, &r, NULL, 0), -1);
    /* external entities are never expanded nor fetched */
    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                      "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><RESULTAT "
                      "xmlns=\"http://www.cnamts.fr/INSiResultat\"><CR><CodeCR>01</CodeCR><LibelleCR>&e;</LibelleCR>"
                      "</CR></RESULTAT></soap:Body></soap:Envelope>";
    assert_int_equal(insi_response_parse(xxe, strlen(xxe), &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "DTD"));
    /* nor internal ones (billion laughs) */
    const char *lol = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
                      "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><RESULTAT "
                      "xmlns=\"http://www.cnamts.fr/INSiResultat\"><CR><CodeCR>01</CodeCR><LibelleCR>&b;</LibelleCR>"
                      "</CR></RESULTAT></soap:Body></soap:Envelope>";
    assert_int_equal(insi_response_parse(lol, strlen(lol), &r, err, sizeof err), -1);
}

/* Collects "ns|local" of the element children of a node. */
static void names_of(xmlNode *n, char *out, size_t size)
{
    out[0] = '\0';
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) {
            strncat(out, c->ns ? (const char *)c->ns->href : "", size - strlen(out) - 1);
            strncat(out, "|", size - strlen(out) - 1);
            strncat(out, (const char *)c->name, size - strlen(out) - 1);
            strncat(out, " ", size - strlen(out) - 1);
        }
}

static xmlNode *find(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) return c;
    return NULL;
}

static const insi_software sw = {"IDAM_TEST", "urn:lps:COULOIR:0.1.0", "0.1.0", "b3549edd-4ae9-472a-b26f-fd2fb4ef397f"};

/* Same header and body structure as the reference request. */
static void compare_with_sample(const char *sample_name, const buf_t *built, const char *body_name)
{
    size_t len;
    char *sample = fixture(sample_name, &len);
    xmlDoc *a = xmlReadMemory(sample, (int)len, "a.xml", NULL, XML_PARSE_NONET);
    xmlDoc *b = xmlReadMemory(built->data, (int)built->len, "b.xml", NULL, XML_PARSE_NONET);
    assert_non_null(a);
    assert_non_null(b);
    char na[2048], nb[2048];
    xmlNode *ha = find(xmlDocGetRootElement(a), "Header"), *hb = find(xmlDocGetRootElement(b), "Header");
    names_of(ha, na, sizeof na);
    names_of(hb, nb, sizeof nb);
    assert_string_equal(na, nb);
    names_of(find(ha, "ContexteLPS"), na, sizeof na);
    names_of(find(hb, "ContexteLPS"), nb, sizeof nb);
    assert_string_equal(na, nb);
    names_of(find(find(ha, "ContexteLPS"), "LPS"), na, sizeof na);
    names_of(find(find(hb, "ContexteLPS"), "LPS"), nb, sizeof nb);
    assert_string_equal(na, nb);
    xmlNode *ba = find(find(xmlDocGetRootElement(a), "Body"), body_name);
    xmlNode *bb = find(find(xmlDocGetRootElement(b), "Body"), body_name);
    assert_non_null(bb);
    assert_string_equal((const char *)ba->ns->href, (const char *)bb->ns->href);
    names_of(ba, na, sizeof na);
    names_of(bb, nb, sizeof nb);
    assert_string_equal(na, nb);
    xmlFreeDoc(a);
    xmlFreeDoc(b);
    free(sample);
}

static void test_build_traits_request_like_sample(void **state)
{
    (void)state;
    insi_traits_query q = {"ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14", NULL};
    buf_t out = BUF_INIT;
    char err[200];
    assert_int_equal(insi_build_traits_request(&sw, "medecin@example.org", "1f7425e2-b913-415c-adaa-785ee1076a70",
                                               "2026-11-22T08:30:00Z", &q, &out, err, sizeof err),
                     0);
    assert_non_null(strstr(out.data, INSI_ACTION_TRAITS));
    assert_non_null(strstr(out.data, "uuid:1f7425e2-b913-415c-adaa-785ee1076a70"));
    assert_non_null(strstr(out.data, "<ctxlps:IDAM R=\"4\">IDAM_TEST</ctxlps:IDAM>"));
    compare_with_sample("rechercherInsAvecTraitsIdentite_request.xml", &out, "RECSANSVITALE");
    buf_free(&out);
}

static void test_build_vitale_request_like_sample(void **state)
{
    (void)state;
    insi_vitale_query q = {"1090763220834", "89", "ECETINSI", "2009-07-14", "1", "01", "631", "0000"};
    buf_t out = BUF_INIT;
    char err[200];
    assert_int_equal(insi_build_vitale_request(&sw, "medecin@example.org", "7d1f1c8e-3f60-4a7a-9a2b-6f0b0f7c1e22",
                                               "2026-11-22T08:30:00Z", &q, &out, err, sizeof err),
                     0);
    assert_non_null(strstr(out.data, INSI_ACTION_VITALE));
    assert_non_null(strstr(out.data, "<ctxbam:Organisme>631</ctxbam:Organisme>"));
    compare_with_sample("rechercherInsAvecCarteVitale_request.xml", &out, "RECVITALE");
    buf_free(&out);
    /* lunar birth dates are legal on a card */
    insi_vitale_query lunar = {"1090763220834", "89", NULL, "1985-00-00", "1", NULL, NULL, NULL};
    assert_int_equal(insi_build_vitale_request(&sw, "u", "id", "2026-11-22T08:30:00Z", &lunar, &out, err, sizeof err), 0);
    buf_free(&out);
}

static void test_build_rejects_bad_queries(void **state)
{
    (void)state;
    buf_t out = BUF_INIT;
    char err[200];
    insi_traits_query bad_name = {"Ecetinsi", "PIERRE", "M", "2009-07-14", NULL};
    insi_traits_query bad_sex = {"ECETINSI", "PIERRE", "I", "2009-07-14", NULL};
    insi_traits_query bad_date = {"ECETINSI", "PIERRE", "M", "2009-07-00", NULL};
    insi_traits_query bad_place = {"ECETINSI", "PIERRE", "M", "2009-07-14", "6A220"};
    const insi_traits_query *all[] = {&bad_name, &bad_sex, &bad_date, &bad_place, NULL};
    for (size_t i = 0; all[i]; i++) {
        assert_int_equal(insi_build_traits_request(&sw, "u", "id", "t", all[i], &out, err, sizeof err), -1);
        assert_non_null(strstr(err, "requête INSi"));
    }
    insi_traits_query ok = {"ECETINSI", "PIERRE", "M", "2009-07-14", NULL};
    insi_software nosw = {NULL, "n", "v", "i"};
    assert_int_equal(insi_build_traits_request(&nosw, "u", "id", "t", &ok, &out, err, sizeof err), -1);
    assert_int_equal(insi_build_traits_request(&sw, "", "id", "t", &ok, &out, err, sizeof err), -1);
    insi_vitale_query badkey = {"1090763220834", "88", NULL, "2009-07-14", "1", NULL, NULL, NULL};
    assert_int_equal(insi_build_vitale_request(&sw, "u", "id", "t", &badkey, &out, err, sizeof err), -1);
    assert_int_equal(out.len, 0);
}

static ins_identity provisional(void)
{
    ins_traits t = test_traits();
    ins_actor a = test_actor();
    ins_identity id;
    assert_int_equal(ins_identity_create(&t, &a, &id, NULL, NULL), 0);
    return id;
}

static void test_RIS_INS_13_insi_fills_strict_traits(void **state)
{
    (void)state;
    ins_policy p;
    ins_policy_defaults(&p);
    insi_response resp = parse_fixture("response_CR00_corse.xml");
    ins_identity id;
    ins_traits t;
    memset(&t, 0, sizeof t);
    strcpy(t.birth_name, "CORSE");
    strcpy(t.first_given_name, "ANTHONY");
    strcpy(t.birth_date, "1980-03-02");
    strcpy(t.sex, "M");
    strcpy(t.birth_place, "99999");
    ins_actor a = test_actor();
    assert_int_equal(ins_identity_create(&t, &a, &id, NULL, NULL), 0);
    ins_history h = {0};
    ins_problems pb;
    assert_int_equal(ins_apply_insi_result(&p, &id, &resp.result, &a, &h, &pb), 0);
    assert_int_equal(id.status, INS_STATUS_RECUP);
    assert_string_equal(id.matricule, "180032B02040123");
    assert_string_equal(id.oid, INS_OID_NIR);
    assert_string_equal(id.traits.birth_place, "2B020");
    assert_string_equal(id.traits.birth_given_names, "ANTHONY"); /* from ListePrenom */
    /* from the history fixture: the list, not Prenom */
    insi_response hist = parse_fixture("response_CR00_nir_with_history.xml");
    ins_identity id2 = provisional();
    id2.traits.birth_given_names[0] = '\0';
    assert_int_equal(ins_apply_insi_result(&p, &id2, &hist.result, &a, NULL, &pb), 0);
    assert_string_equal(id2.traits.birth_given_names, "PIERRE-ALAIN MURIEL FLORIANT");
    /* NIA accepted by default, test OID is not */
    insi_response nia = parse_fixture("response_CR00_nia.xml");
    assert_int_equal(insi_result_check(&p, &nia.result, &pb), 0);
    strcpy(nia.result.active.oid, INS_OID_TEST_NIR);
    assert_int_equal(insi_result_check(&p, &nia.result, &pb), 1);
    /* 01 / 02 cannot be applied */
    insi_response none = parse_fixture("response_CR01_none.xml");
    assert_int_equal(ins_apply_insi_result(&p, &id2, &none.result, &a, NULL, &pb), -1);
}

static void test_RIS_INS_14_first_given_name_coherence(void **state)
{
    (void)state;
    assert_true(ins_first_given_name_coherent("PIERRE-ALAIN", "PIERRE-ALAIN MURIEL FLORIANT"));
    assert_true(ins_first_given_name_coherent("Pierre-Alain", "PIERRE-ALAIN MURIEL"));
    assert_false(ins_first_given_name_coherent("PIERRE", "PIERRE-ALAIN MURIEL FLORIANT"));
    assert_false(ins_first_given_name_coherent("MURIEL", "PIERRE-ALAIN MURIEL FLORIANT"));
    assert_false(ins_first_given_name_coherent("", "PIERRE"));
    ins_policy p;
    ins_policy_defaults(&p);
    ins_identity id = provisional();
    strcpy(id.traits.first_given_name, "MURIEL");
    insi_result r = test_result();
    ins_actor a = test_actor();
    ins_problems pb;
    assert_int_equal(ins_apply_insi_result(&p, &id, &r, &a, NULL, &pb), 0);
    assert_string_equal(id.traits.first_given_name, "MURIEL"); /* not overwritten */
    bool warned = false;
    for (size_t i = 0; i < pb.n; i++)
        if (strcmp(pb.items[i].requirement, "RIS.INS.14") == 0 && pb.items[i].warning) warned = true;
    assert_true(warned);
    /* empty first given name: completed from the list */
    ins_identity id2 = provisional();
    id2.traits.first_given_name[0] = '\0';
    assert_int_equal(ins_apply_insi_result(&p, &id2, &r, &a, NULL, &pb), 0);
    assert_string_equal(id2.traits.first_given_name, "PIERRE-ALAIN");
}

static void test_RIS_INS_15_refuse_00_day_or_month(void **state)
{
    (void)state;
    ins_policy p;
    ins_policy_defaults(&p);
    const char *dates[] = {"2009-00-14", "2009-07-00", "2009-00-00"};
    for (size_t i = 0; i < 3; i++) {
        insi_result r = test_result();
        strcpy(r.birth_date, dates[i]);
        ins_identity id = provisional();
        ins_identity before = id;
        ins_actor a = test_actor();
        ins_problems pb;
        assert_int_equal(ins_apply_insi_result(&p, &id, &r, &a, NULL, &pb), -1);
        assert_string_equal(pb.items[0].requirement, "RIS.INS.15");
        assert_memory_equal(&id, &before, sizeof id); /* nothing brought in */
    }
}

static void test_RIS_INS_16_refuse_empty_traits(void **state)
{
    (void)state;
    ins_policy p;
    ins_policy_defaults(&p);
    for (int which = 0; which < 3; which++) {
        insi_result r = test_result();
        if (which == 0) r.birth_name[0] = '\0';
        if (which == 1) r.given_names[0] = '\0';
        if (which == 2) r.sex[0] = '\0';
        ins_identity id = provisional();
        ins_actor a = test_actor();
        ins_problems pb;
        assert_int_equal(ins_apply_insi_result(&p, &id, &r, &a, NULL, &pb), -1);
        assert_string_equal(pb.items[0].requirement, "RIS.INS.16");
        assert_string_equal(id.matricule, "");
        assert_int_equal(id.status, INS_STATUS_PROV);
    }
}

static void test_client_configuration_errors(void **state)
{
    (void)state;
    const config_setting *tables[] = {ins_settings};
    config_t *cfg = config_new(tables, 1);
    insi_client_options o;
    char err[200];
    assert_int_equal(insi_client_options_from_config(cfg, &o, err, sizeof err), -1);
    assert_non_null(strstr(err, "non configuré"));
    config_set(cfg, "insi", "url", "https://127.0.0.1:1/lps");
    config_set(cfg, "insi", "cert_file", "/nonexistent/cert.pem");
    config_set(cfg, "insi", "key_file", "/nonexistent/key.pem");
    config_set(cfg, "insi", "idam", "IDAM");
    config_set(cfg, "insi", "instance", "6f1c2a54-0d1e-4c1a-9a57-3a3b2c1d0e0f");
    assert_int_equal(insi_client_options_from_config(cfg, &o, err, sizeof err), 0);
    assert_int_equal(o.timeout_ms, 15000);
    insi_client *c = insi_client_new(&o, err, sizeof err);
    assert_non_null(c);
    /* unreadable client certificate: a transport error with a French message, and a trace */
    insi_traits_query q = {"ECETINSI", "PIERRE", "M", "2009-07-14", NULL};
    insi_call call;
    assert_int_equal(insi_search_traits(c, "u", &q, &call), -1);
    assert_int_equal(call.outcome, INSI_OUTCOME_TRANSPORT);
    assert_true(strlen(call.message) > 10);
    assert_string_equal(call.trace.outcome, "TRANSPORT");
    /* invalid query: refused before any network use */
    insi_traits_query bad = {"ECETINSI", "", "M", "2009-07-14", NULL};
    assert_int_equal(insi_search_traits(c, "u", &bad, &call), -1);
    assert_int_equal(call.outcome, INSI_OUTCOME_REFUSED);
    assert_non_null(strstr(call.trace.query, "NomNaissance=ECETINSI"));
    assert_int_equal(insi_search_traits(c, "", &q, &call), -1);
    assert_int_equal(call.outcome, INSI_OUTCOME_REFUSED);
    insi_client_free(c);
    config_set(cfg, "insi", "url", "http://insi.example/lps");
    assert_int_equal(insi_client_options_from_config(cfg, &o, err, sizeof err), 0);
    assert_null(insi_client_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "https"));
    config_set(cfg, "insi", "timeout_ms", "abc");
    assert_int_equal(insi_client_options_from_config(cfg, &o, err, sizeof err), -1);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_reference_responses),
        cmocka_unit_test(test_parse_rejects_bad_input),
        cmocka_unit_test(test_build_traits_request_like_sample),
        cmocka_unit_test(test_build_vitale_request_like_sample),
        cmocka_unit_test(test_build_rejects_bad_queries),
        cmocka_unit_test(test_RIS_INS_13_insi_fills_strict_traits),
        cmocka_unit_test(test_RIS_INS_14_first_given_name_coherence),
        cmocka_unit_test(test_RIS_INS_15_refuse_00_day_or_month),
        cmocka_unit_test(test_RIS_INS_16_refuse_empty_traits),
        cmocka_unit_test(test_client_configuration_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
