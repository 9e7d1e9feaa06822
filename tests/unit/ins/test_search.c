/* Prior-identity search (rule 17: RIS.INS.07, RIS.INS.09, RIS.INS.10). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ins_test_util.h"

static ins_prior_query q(const char *date, const char *name, const char *given)
{
    ins_prior_query r;
    memset(&r, 0, sizeof r);
    strcpy(r.birth_date, date);
    strcpy(r.name_prefix, name ? name : "");
    strcpy(r.given_prefix, given ? given : "");
    return r;
}

static ins_traits person(const char *birth, const char *used, const char *first, const char *list, const char *used_given,
                         const char *date)
{
    ins_traits t;
    memset(&t, 0, sizeof t);
    strcpy(t.birth_name, birth);
    strcpy(t.used_name, used);
    strcpy(t.first_given_name, first);
    strcpy(t.birth_given_names, list);
    strcpy(t.used_given_name, used_given);
    strcpy(t.birth_date, date);
    strcpy(t.sex, "F");
    strcpy(t.birth_place, "63113");
    return t;
}

static void test_RIS_INS_07_by_birth_date_alone(void **state)
{
    (void)state;
    ins_traits a = person("MARTIN", "", "LEA", "LEA MARIE", "", "1990-05-06");
    ins_traits b = person("DURAND", "", "ZOE", "ZOE", "", "1990-05-06");
    ins_traits c = person("MARTIN", "", "LEA", "LEA", "", "1990-05-07");
    ins_prior_query qq = q("1990-05-06", NULL, NULL);
    assert_true(ins_prior_match(&qq, &a));
    assert_true(ins_prior_match(&qq, &b));
    assert_false(ins_prior_match(&qq, &c));
    char err[200];
    ins_prior_query none = q("", "MART", NULL);
    assert_int_equal(ins_prior_query_check(&none, err, sizeof err), -1);
    assert_non_null(strstr(err, "date de naissance"));
    assert_false(ins_prior_match(&none, &a));
    ins_prior_query bad = q("1990-02-30", NULL, NULL);
    assert_int_equal(ins_prior_query_check(&bad, err, sizeof err), -1);
}

static void test_RIS_INS_07_name_prefix_birth_or_used_name(void **state)
{
    (void)state;
    ins_traits t = person("MARTIN", "DUPONT", "LEA", "LEA", "", "1990-05-06");
    ins_prior_query by_birth = q("1990-05-06", "mar", NULL);
    ins_prior_query by_used = q("1990-05-06", "Dup", NULL);
    ins_prior_query other = q("1990-05-06", "DUR", NULL);
    ins_prior_query inside = q("1990-05-06", "TIN", NULL); /* not a prefix */
    assert_true(ins_prior_match(&by_birth, &t));
    assert_true(ins_prior_match(&by_used, &t));
    assert_false(ins_prior_match(&other, &t));
    assert_false(ins_prior_match(&inside, &t));
}

static void test_RIS_INS_09_ignores_hyphens_apostrophes_diacritics(void **state)
{
    (void)state;
    /* stored without hyphen, typed with one */
    ins_traits plain = person("MARTINDUPONT", "", "JEANNE", "JEANNE", "", "1980-01-02");
    ins_prior_query typed_hyphen = q("1980-01-02", "Martin-Dup", NULL);
    assert_true(ins_prior_match(&typed_hyphen, &plain));
    /* stored with a hyphen in the given name, typed without */
    ins_traits hyph = person("DURAND", "", "MARIE-CLAIRE", "MARIE-CLAIRE ANNE", "", "1980-01-02");
    ins_prior_query no_hyphen = q("1980-01-02", NULL, "marieclai");
    ins_prior_query space = q("1980-01-02", NULL, "marie clai");
    assert_true(ins_prior_match(&no_hyphen, &hyph));
    assert_true(ins_prior_match(&space, &hyph));
    /* double hyphen typed, stored without */
    ins_prior_query dbl = q("1980-01-02", "MARTIN--DUP", NULL);
    assert_true(ins_prior_match(&dbl, &plain));
    /* apostrophe typed (straight and typographic), stored without */
    ins_traits noapo = person("DARTAGNAN", "", "CHARLES", "CHARLES", "", "1980-01-02");
    ins_prior_query apo = q("1980-01-02", "d'Art", NULL);
    ins_prior_query apo2 = q("1980-01-02", "D\xe2\x80\x99" "ART", NULL);
    assert_true(ins_prior_match(&apo, &noapo));
    assert_true(ins_prior_match(&apo2, &noapo));
    /* accents and cedilla */
    ins_traits acc = person("FRANCOIS", "", "HELENE", "HELENE", "", "1980-01-02");
    ins_prior_query typed_acc = q("1980-01-02", "Franç", "Hélè");
    assert_true(ins_prior_match(&typed_acc, &acc));
    char out[64];
    assert_int_equal(ins_search_normalize("  L'Haÿ-les--Roses Œuf ", out, sizeof out), 0);
    assert_string_equal(out, "LHAYLESROSESOEUF");
    assert_int_equal(ins_search_normalize("ABCDEFGH", out, 4), -1);
}

static void test_RIS_INS_10_all_given_name_fields(void **state)
{
    (void)state;
    ins_traits t = person("MARTIN", "", "ANNE", "ANNE SOPHIE LOUISE", "SOSO", "1975-03-04");
    const char *hits[] = {"ann", "soph", "LOU", "so", "anne sophie"};
    for (size_t i = 0; i < 5; i++) {
        ins_prior_query qq = q("1975-03-04", NULL, hits[i]);
        assert_true(ins_prior_match(&qq, &t));
    }
    ins_prior_query miss = q("1975-03-04", NULL, "CLAIRE");
    assert_false(ins_prior_match(&miss, &t));
    /* name and given name together must both match */
    ins_prior_query both = q("1975-03-04", "MAR", "LOU");
    ins_prior_query wrong = q("1975-03-04", "DUR", "LOU");
    assert_true(ins_prior_match(&both, &t));
    assert_false(ins_prior_match(&wrong, &t));
}

static void test_search_keys_for_the_store(void **state)
{
    (void)state;
    ins_traits t = person("MARTIN--DUPONT", "D'ARC", "ANNE", "ANNE SOPHIE-MARIE", "SOSO", "1975-03-04");
    ins_search_keys k;
    assert_int_equal(ins_search_keys_build(&t, &k), 0);
    const char *names[] = {"MARTINDUPONT", "DARC"};
    for (size_t i = 0; i < 2; i++) {
        bool found = false;
        for (size_t j = 0; j < k.n_names; j++) found |= strcmp(k.names[j], names[i]) == 0;
        assert_true(found);
    }
    const char *given[] = {"ANNE", "ANNESOPHIEMARIE", "SOPHIEMARIE", "SOSO"};
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        for (size_t j = 0; j < k.n_given; j++) found |= strcmp(k.given[j], given[i]) == 0;
        assert_true(found);
    }
    /* no duplicates: ANNE appears once although present in two fields */
    size_t anne = 0;
    for (size_t j = 0; j < k.n_given; j++) anne += strcmp(k.given[j], "ANNE") == 0;
    assert_int_equal(anne, 1);
    /* every key found by prefix answers the same as the predicate */
    char norm[64];
    ins_search_normalize("soph", norm, sizeof norm);
    bool prefix_hit = false;
    for (size_t j = 0; j < k.n_given; j++) prefix_hit |= strncmp(k.given[j], norm, strlen(norm)) == 0;
    ins_prior_query qq = q("1975-03-04", NULL, "soph");
    assert_true(prefix_hit);
    assert_true(ins_prior_match(&qq, &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_RIS_INS_07_by_birth_date_alone),
        cmocka_unit_test(test_RIS_INS_07_name_prefix_birth_or_used_name),
        cmocka_unit_test(test_RIS_INS_09_ignores_hyphens_apostrophes_diacritics),
        cmocka_unit_test(test_RIS_INS_10_all_given_name_fields),
        cmocka_unit_test(test_search_keys_for_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
