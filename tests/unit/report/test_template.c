/* Report templates: checks of a template, of a report filled from it, and the JSON form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

static rtpl_template ct_head(void)
{
    rtpl_template t;
    rtpl_init(&t, "CT-CRANE", "Scanner cérébral", "CT");
    t.exam_code = (rtpl_coded){"24727-0", "CT tête avec contraste IV"};
    snprintf(t.region, sizeof t.region, "774007");
    t.target_site = (rtpl_coded){"302548004", "tête entière"};
    t.ccam = (rtpl_coded){"ACQH004", "Scanographie du crâne avec injection"};
    t.exposure = RTPL_EXPOSURE_REQUIRED;
    snprintf(t.sections[RTPL_SEC_TECHNIQUE].default_text, RTPL_TEXT_MAX, "Acquisition hélicoïdale.");
    return t;
}

static void expect_error(const rtpl_template *t, const char *fragment)
{
    char err[400] = "";
    rtpl_vocabulary voc = report_template_vocabulary();
    assert_int_equal(rtpl_check(t, &voc, err, sizeof err), -1);
    if (!strstr(err, fragment)) fail_msg("expected « %s » in « %s »", fragment, err);
}

static void test_template_check(void **state)
{
    (void)state;
    char err[400];
    rtpl_vocabulary voc = report_template_vocabulary();
    rtpl_template t = ct_head();
    assert_int_equal(rtpl_check(&t, &voc, err, sizeof err), 0);

    rtpl_template b = t;
    b.code[0] = '\0';
    expect_error(&b, "le code est obligatoire");
    b = t;
    snprintf(b.code, sizeof b.code, "ct crane");
    expect_error(&b, "le code est obligatoire");
    b = t;
    b.label[0] = '\0';
    expect_error(&b, "libellé est obligatoire");
    b = t;
    snprintf(b.modality, sizeof b.modality, "ZZ");
    expect_error(&b, "modalité « ZZ » inconnue");
    b = t;
    snprintf(b.exam_code.code, sizeof b.exam_code.code, "24727");
    expect_error(&b, "code d'examen LOINC");
    b = t;
    snprintf(b.region, sizeof b.region, "123456");
    expect_error(&b, "absente du JDV 1.2.250.1.213.1.1.5.695");
    b = t;
    snprintf(b.region, sizeof b.region, "tête");
    expect_error(&b, "code SNOMED CT attendu");
    b = t;
    b.target_site.code[0] = '\0';
    expect_error(&b, "localisation anatomique");
    b = t;
    snprintf(b.ccam.code, sizeof b.ccam.code, "ACQ04");
    expect_error(&b, "acte CCAM « ACQ04 » mal formé");
    b = t;
    b.exposure = RTPL_EXPOSURE_NONE;
    expect_error(&b, "rayonnements ionisants");
    b = t;
    b.sections[RTPL_SEC_CONCLUSION].required = false;
    expect_error(&b, "« Conclusion » est obligatoire");
    b = t;
    b.sections[RTPL_SEC_TECHNIQUE].used = false;
    expect_error(&b, "« Technique » est obligatoire");
    b = t;
    b.sections[RTPL_SEC_COMPARISON].used = false; /* with its title and no content: fine */
    b.sections[RTPL_SEC_COMPARISON].required = true;
    expect_error(&b, "n'est pas utilisée mais a un contenu");
    b = t;
    b.sections[RTPL_SEC_RESULTS].title[0] = '\0';
    expect_error(&b, "n'a pas de titre");
    b = t;
    memset(b.label, 'x', sizeof b.label); /* not terminated */
    expect_error(&b, "non terminé");
    b = t;
    b.revision = 0;
    expect_error(&b, "révision");

    /* MR: no exposure allowed. */
    rtpl_template mr;
    rtpl_init(&mr, "IRM-CERV", "IRM cérébrale", "MR");
    mr.exam_code = (rtpl_coded){"24590-2", "RM cerveau"};
    mr.target_site = (rtpl_coded){"258335003", "encéphale entier"};
    assert_int_equal(mr.exposure, RTPL_EXPOSURE_NONE);
    assert_int_equal(rtpl_check(&mr, &voc, err, sizeof err), 0);
    mr.exposure = RTPL_EXPOSURE_OPTIONAL;
    expect_error(&mr, "n'expose pas");
    /* Without a vocabulary, formats only. */
    b = t;
    snprintf(b.modality, sizeof b.modality, "ZZ");
    assert_int_equal(rtpl_check(&b, NULL, err, sizeof err), 0);
    assert_int_equal(rtpl_check(NULL, NULL, err, sizeof err), -1);
}

static void test_filled_report(void **state)
{
    (void)state;
    char err[400];
    rtpl_template t = ct_head();
    rtpl_filled f;
    rtpl_prefill(&t, &f);
    assert_string_equal(f.text[RTPL_SEC_TECHNIQUE], "Acquisition hélicoïdale.");
    assert_null(f.text[RTPL_SEC_CONCLUSION]);
    /* A draft may be incomplete. */
    assert_int_equal(rtpl_check_report(&t, &f, false, err, sizeof err), 0);
    /* Validation needs every required section. */
    assert_int_equal(rtpl_check_report(&t, &f, true, err, sizeof err), -1);
    assert_string_equal(err, "La section « Indication / histoire clinique » est obligatoire avant la validation.");
    f.text[RTPL_SEC_INDICATION] = "Céphalées.";
    f.text[RTPL_SEC_RESULTS] = "Normal.";
    f.text[RTPL_SEC_CONCLUSION] = "  \n\t ";
    assert_int_equal(rtpl_check_report(&t, &f, true, err, sizeof err), -1);
    assert_string_equal(err, "La section « Conclusion » est obligatoire avant la validation.");
    f.text[RTPL_SEC_CONCLUSION] = "Examen normal.";
    assert_int_equal(rtpl_check_report(&t, &f, true, err, sizeof err), -1);
    assert_non_null(strstr(err, "exposition aux rayonnements"));
    f.has_exposure = true;
    assert_int_equal(rtpl_check_report(&t, &f, true, err, sizeof err), 0);
    /* Optional sections may stay empty; unused ones must stay empty. */
    t.sections[RTPL_SEC_COMPARISON] = (rtpl_section){0};
    f.text[RTPL_SEC_COMPARISON] = "Stable.";
    assert_int_equal(rtpl_check_report(&t, &f, false, err, sizeof err), -1);
    assert_non_null(strstr(err, "ne fait pas partie du modèle CT-CRANE"));
    f.text[RTPL_SEC_COMPARISON] = NULL;
    /* Too long. */
    char *big = malloc(RTPL_SECTION_TEXT_MAX + 2);
    assert_non_null(big);
    memset(big, 'a', RTPL_SECTION_TEXT_MAX + 1);
    big[RTPL_SECTION_TEXT_MAX + 1] = '\0';
    f.text[RTPL_SEC_RESULTS] = big;
    assert_int_equal(rtpl_check_report(&t, &f, false, err, sizeof err), -1);
    assert_non_null(strstr(err, "trop longue"));
    free(big);
    /* Doses on a non-ionising template. */
    rtpl_template us;
    rtpl_init(&us, "ECHO-ABDO", "Échographie abdominale", "US");
    rtpl_filled g = {{0}, true};
    assert_int_equal(rtpl_check_report(&us, &g, false, err, sizeof err), -1);
    assert_non_null(strstr(err, "ne prévoit pas d'exposition"));
}

static void test_json_round_trip(void **state)
{
    (void)state;
    char err[400];
    rtpl_template t = ct_head();
    t.sections[RTPL_SEC_COMPARISON] = (rtpl_section){0}; /* unused section: absent from JSON */
    snprintf(t.sections[RTPL_SEC_CONCLUSION].default_text, RTPL_TEXT_MAX, "Pas d'anomalie « décelable ».\nFin.");
    char *json = report_template_to_json(&t, err, sizeof err);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"exposure\": \"required\""));
    assert_null(strstr(json, "comparaison"));
    rtpl_template back;
    if (report_template_from_json(json, &back, err, sizeof err) != 0) fail_msg("%s", err);
    free(json);
    assert_memory_equal(&back, &t, sizeof t);
}

static void expect_json_error(const char *json, const char *fragment)
{
    char err[400] = "";
    rtpl_template t;
    assert_int_equal(report_template_from_json(json, &t, err, sizeof err), -1);
    if (!strstr(err, fragment)) fail_msg("expected « %s » in « %s »", fragment, err);
}

#define BASE                                                                                                    \
    "\"code\":\"IRM\",\"label\":\"IRM\",\"modality\":\"MR\",\"exam_code\":{\"code\":\"24590-2\",\"display\":" \
    "\"RM cerveau\"},\"target_site\":{\"code\":\"258335003\",\"display\":\"encéphale entier\"},"

static void test_json_errors(void **state)
{
    (void)state;
    char err[400];
    rtpl_template t;
    const char *good = "{" BASE "\"exposure\":\"none\",\"sections\":[{\"key\":\"technique\",\"title\":\"Technique\","
                       "\"required\":true},{\"key\":\"conclusion\",\"title\":\"Conclusion\",\"required\":true}]}";
    if (report_template_from_json(good, &t, err, sizeof err) != 0) fail_msg("%s", err);
    assert_true(t.sections[RTPL_SEC_TECHNIQUE].used);
    assert_false(t.sections[RTPL_SEC_INDICATION].used);
    assert_int_equal(t.revision, 1);

    expect_json_error("{", "JSON invalide (ligne 1");
    expect_json_error("[]", "un objet JSON est attendu");
    expect_json_error("{" BASE "\"exposure\":\"none\",\"sections\":[],\"couleur\":1}", "champ inconnu « couleur »");
    expect_json_error("{" BASE "\"exposure\":\"beaucoup\",\"sections\":[]}", "exposition « beaucoup » inconnue");
    expect_json_error("{" BASE "\"exposure\":\"none\"}", "« sections » (tableau) est obligatoire");
    expect_json_error("{" BASE "\"exposure\":\"none\",\"sections\":[{\"key\":\"avis\",\"title\":\"x\"}]}",
                      "section inconnue « avis »");
    expect_json_error("{" BASE "\"exposure\":\"none\",\"sections\":[{\"key\":\"technique\",\"title\":\"T\",\"required\":true},"
                      "{\"key\":\"technique\",\"title\":\"T\"}]}",
                      "présente deux fois");
    expect_json_error("{" BASE "\"exposure\":\"none\",\"sections\":[{\"key\":\"technique\",\"title\":\"T\",\"required\":\"oui\"}]}",
                      "« sections[0].required » doit être vrai ou faux");
    expect_json_error("{" BASE "\"exposure\":\"none\",\"sections\":[{\"key\":\"technique\",\"title\":\"T\",\"x\":1}]}",
                      "champ inconnu « sections[0].x »");
    expect_json_error("{" BASE "\"exposure\":\"none\",\"sections\":[{\"key\":\"technique\",\"title\":\"T\",\"required\":true}]}",
                      "« Conclusion » est obligatoire");
    expect_json_error("{" BASE "\"exposure\":\"none\",\"revision\":\"2\",\"sections\":[]}", "« revision » doit être un entier");
    expect_json_error("{" BASE "\"exposure\":\"none\",\"revision\":0,\"sections\":[]}", "compris entre 1");
    expect_json_error("{\"label\":\"x\"}", "« code » est obligatoire");
    expect_json_error("{" BASE "\"code\":\"B\",\"exposure\":\"none\",\"sections\":[]}", "JSON invalide");
    expect_json_error("{" BASE "\"exposure\":\"none\",\"ccam\":\"ACQH004\",\"sections\":[]}", "doit être un objet");
    expect_json_error("{\"code\":\"IRM\",\"label\":\"IRM\",\"modality\":\"MR\",\"exam_code\":{\"code\":\"24590-2\"},"
                      "\"target_site\":{\"code\":\"1\",\"display\":\"x\"},\"exposure\":\"none\",\"sections\":[]}",
                      "« exam_code.display » est obligatoire");
    char longcode[200];
    snprintf(longcode, sizeof longcode, "{\"code\":\"%0100d\"}", 7);
    expect_json_error(longcode, "« code » est trop long");
    expect_json_error("{\"code\":\"A\\u0000B\"}", "JSON invalide");
    assert_int_equal(report_template_from_json(NULL, &t, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_check),
        cmocka_unit_test(test_filled_report),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
