/* INS matricule, key, kind, OIDs from configuration, INS search input (RIS.INS.08). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ins_test_util.h"
#include "support/test_support.h"

static void test_key_vectors_file(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/reference/protocols/insi/ins_matricule_key_vectors.txt", test_shared_dir());
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    int valid = 0, counter = 0;
    bool counter_examples = false;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') {
            if (strstr(line, "Counter-examples")) counter_examples = true;
            continue;
        }
        char number[32], key[8], oid[64];
        if (sscanf(line, "%31s %7s %63s", number, key, oid) != 3) continue;
        ins_matricule m;
        ins_matricule_status st = ins_matricule_check_parts(number, key, &m);
        if (!counter_examples) {
            assert_int_equal(st, INS_MATRICULE_OK);
            assert_int_equal(ins_key_compute(number), atoi(key));
            char full[48];
            snprintf(full, sizeof full, "%s%s", number, key);
            assert_string_equal(m.full, full);
            assert_int_equal(ins_matricule_parse(full, NULL), INS_MATRICULE_OK);
            if (strcmp(oid, "-") != 0) assert_int_not_equal(ins_kind_from_oid(oid), INS_KIND_UNKNOWN);
            valid++;
        } else {
            assert_int_equal(st, INS_MATRICULE_KEY_MISMATCH);
            const char *computed = strstr(line, "computed key is ");
            if (computed) assert_int_equal(ins_key_compute(number), atoi(computed + 16));
            counter++;
        }
    }
    fclose(f);
    assert_true(valid >= 8);
    assert_true(counter >= 2);
}

static void test_corsica_substitution(void **state)
{
    (void)state;
    /* 2B -> 18 and 2A -> 19 before the modulo */
    assert_int_equal(ins_key_compute("180032B020401"), ins_key_compute("1800318020401"));
    assert_int_equal(ins_key_compute("180032A020401"), ins_key_compute("1800319020401"));
    assert_int_equal(ins_key_compute("180032B020401"), 23);
    /* lower case accepted, stored upper case */
    ins_matricule m;
    assert_int_equal(ins_matricule_parse("180032b02040123", &m), INS_MATRICULE_OK);
    assert_string_equal(m.number, "180032B020401");
    /* A/B only after a 2 in position 6 */
    assert_int_equal(ins_matricule_parse("180033B02040123", NULL), INS_MATRICULE_CORSICA);
    assert_int_equal(ins_key_compute("180033B020401"), -1);
}

static void test_malformed(void **state)
{
    (void)state;
    assert_int_equal(ins_matricule_parse(NULL, NULL), INS_MATRICULE_EMPTY);
    assert_int_equal(ins_matricule_parse("   ", NULL), INS_MATRICULE_EMPTY);
    assert_int_equal(ins_matricule_parse("10907632208348", NULL), INS_MATRICULE_LENGTH);
    assert_int_equal(ins_matricule_parse("1090763220834890", NULL), INS_MATRICULE_LENGTH);
    assert_int_equal(ins_matricule_parse("1090763X2083489", NULL), INS_MATRICULE_CHARS);
    assert_int_equal(ins_matricule_parse("10907632208348X", NULL), INS_MATRICULE_CHARS);
    assert_int_equal(ins_matricule_parse("109076322083488", NULL), INS_MATRICULE_KEY_MISMATCH);
    assert_int_equal(ins_matricule_parse("1 09 07 63 220 834 89", NULL), INS_MATRICULE_OK);
    assert_int_equal(ins_matricule_parse("1-09-07-63-220-834-89", NULL), INS_MATRICULE_LENGTH);
    assert_int_equal(ins_key_compute("123"), -1);
    assert_int_equal(ins_key_compute(NULL), -1);
    for (int st = INS_MATRICULE_OK; st <= INS_MATRICULE_KEY_MISMATCH; st++)
        assert_true(strlen(ins_matricule_message((ins_matricule_status)st)) > 5);
}

static void test_kind_from_oid(void **state)
{
    (void)state;
    assert_int_equal(ins_kind_from_oid("1.2.250.1.213.1.4.8"), INS_KIND_NIR);
    assert_int_equal(ins_kind_from_oid("1.2.250.1.213.1.4.9"), INS_KIND_NIA);
    assert_int_equal(ins_kind_from_oid("1.2.250.1.213.1.4.10"), INS_KIND_TEST_NIR);
    assert_int_equal(ins_kind_from_oid("1.2.250.1.213.1.4.11"), INS_KIND_DEMO_NIR);
    assert_int_equal(ins_kind_from_oid("1.2.250.1.213.1.4.1"), INS_KIND_UNKNOWN);
    assert_int_equal(ins_kind_from_oid(NULL), INS_KIND_UNKNOWN);
    assert_string_equal(ins_kind_nature(INS_KIND_TEST_NIR), "NIR");
    assert_string_equal(ins_kind_nature(INS_KIND_NIA), "NIA");
    assert_null(ins_kind_nature(INS_KIND_UNKNOWN));
}

static void test_accepted_oids_come_from_configuration(void **state)
{
    (void)state;
    const config_setting *tables[] = {ins_settings};
    config_t *cfg = config_new(tables, 1);
    assert_non_null(cfg);
    ins_policy p;
    char err[200];
    assert_int_equal(ins_policy_load(cfg, &p, err, sizeof err), 0);
    assert_true(ins_oid_accepted(&p, INS_OID_NIR));
    assert_true(ins_oid_accepted(&p, INS_OID_NIA));
    assert_false(ins_oid_accepted(&p, INS_OID_TEST_NIR));
    assert_int_equal(config_set(cfg, "ins", "accepted_oids", "1.2.250.1.213.1.4.10, 1.2.250.1.213.1.4.11"), 0);
    assert_int_equal(ins_policy_load(cfg, &p, err, sizeof err), 0);
    assert_true(ins_oid_accepted(&p, INS_OID_TEST_NIR));
    assert_true(ins_oid_accepted(&p, INS_OID_DEMO_NIR));
    assert_false(ins_oid_accepted(&p, INS_OID_NIR));
    assert_int_equal(config_set(cfg, "ins", "accepted_oids", "1.2.3"), 0);
    assert_int_equal(ins_policy_load(cfg, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "accepted_oids"));
    assert_int_equal(config_set(cfg, "ins", "accepted_oids", INS_OID_NIR), 0);
    assert_int_equal(config_set(cfg, "ins", "proof_types", "PASSEPORT=tres"), 0);
    assert_int_equal(ins_policy_load(cfg, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "proof_types"));
    config_free(cfg);
}

static void test_RIS_INS_08_search_by_matricule_needs_15_chars_and_key(void **state)
{
    (void)state;
    char out[16], err[200];
    assert_int_equal(ins_search_matricule_check("109076322083489", out, err, sizeof err), 0);
    assert_string_equal(out, "109076322083489");
    assert_int_equal(ins_search_matricule_check("1090763220834", out, err, sizeof err), -1);
    assert_non_null(strstr(err, "15 caractères"));
    assert_int_equal(ins_search_matricule_check("109076322083488", out, err, sizeof err), -1);
    assert_non_null(strstr(err, "clé"));
    assert_int_equal(ins_search_matricule_check("10907632", out, err, sizeof err), -1);
}

static void test_check_cli_exit_codes(void **state)
{
    (void)state;
    FILE *saved = stdout;
    stdout = fopen("/dev/null", "w");
    assert_non_null(stdout);
    char *ok_nir[] = {"check", "109076322083489", "1.2.250.1.213.1.4.8", NULL};
    char *ok_nooid[] = {"check", "180032B02040123", NULL};
    char *bad_key[] = {"check", "109076322083488", NULL};
    char *bad_oid[] = {"check", "109076322083489", "1.2.3", NULL};
    char *usage[] = {"check", NULL};
    int r1 = ins_check_main(3, ok_nir), r2 = ins_check_main(2, ok_nooid), r3 = ins_check_main(2, bad_key),
        r4 = ins_check_main(3, bad_oid), r5 = ins_check_main(1, usage);
    fclose(stdout);
    stdout = saved;
    assert_int_equal(r1, 0);
    assert_int_equal(r2, 0);
    assert_int_equal(r3, 1);
    assert_int_equal(r4, 1);
    assert_int_equal(r5, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_vectors_file),
        cmocka_unit_test(test_corsica_substitution),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_kind_from_oid),
        cmocka_unit_test(test_accepted_oids_come_from_configuration),
        cmocka_unit_test(test_RIS_INS_08_search_by_matricule_needs_15_chars_and_key),
        cmocka_unit_test(test_check_cli_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
