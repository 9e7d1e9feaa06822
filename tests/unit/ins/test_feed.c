/* Identity feeds (HL7 PAM-FR ADT): RIS.INS.38, .39, .55/.56 scenarios; a feed never downgrades a
 * qualified identity and an INS without PID-32 = VALI never makes an identity qualifiée. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ins_test_util.h"

static ins_feed_identity feed(const char *reliability, bool same_domain)
{
    ins_feed_identity f;
    memset(&f, 0, sizeof f);
    f.traits = test_traits();
    strcpy(f.matricule, "109076322083489");
    strcpy(f.oid, INS_OID_NIR);
    strcpy(f.reliability, reliability);
    f.same_domain = same_domain;
    f.sender = "HIS";
    return f;
}

static ins_policy pol(void)
{
    ins_policy p;
    ins_policy_defaults(&p);
    return p;
}

static void test_RIS_INS_56_vali_with_ins_from_our_domain(void **state)
{
    (void)state;
    ins_policy p = pol();
    ins_feed_identity f = feed("VALI", true);
    ins_identity id;
    ins_feed_decision d;
    ins_actor a = {"hl7:HIS", 1800000000};
    ins_history h = {0};
    ins_problems pb;
    assert_int_equal(ins_feed_apply(&p, &id, false, &f, &a, &d, &h, &pb), 0);
    assert_true(d.apply_ins);
    assert_int_equal(id.status, INS_STATUS_QUAL);
    assert_string_equal(id.matricule, "109076322083489");
    assert_true(ins_may_emit(&id, &p));
}

static void test_RIS_INS_56_ins_without_vali_is_not_taken(void **state)
{
    (void)state;
    ins_policy p = pol();
    const char *rel[] = {"PROV", ""};
    for (size_t i = 0; i < 2; i++) {
        ins_feed_identity f = feed(rel[i], true);
        ins_identity id;
        ins_feed_decision d;
        ins_actor a = {"hl7:HIS", 1800000000};
        assert_int_equal(ins_feed_apply(&p, &id, false, &f, &a, &d, NULL, NULL), 0);
        assert_false(d.apply_ins);
        assert_int_equal(id.status, INS_STATUS_PROV);
        assert_string_equal(id.matricule, "");
        assert_true(strlen(d.note) > 0);
        assert_string_equal(id.traits.birth_name, "ECETINSI"); /* everything but the INS */
    }
}

static void test_feed_with_ins_never_qualifies_a_provisional_identity(void **state)
{
    (void)state;
    ins_policy p = pol();
    ins_traits t = test_traits();
    ins_actor a = {"hl7:HIS", 1800000000};
    ins_identity id;
    assert_int_equal(ins_identity_create(&t, &a, &id, NULL, NULL), 0);
    ins_feed_identity f = feed("PROV", true);
    ins_feed_decision d;
    assert_int_equal(ins_feed_apply(&p, &id, true, &f, &a, &d, NULL, NULL), 0);
    assert_int_equal(id.status, INS_STATUS_PROV);
    assert_false(ins_may_emit(&id, &p));
    /* an invalid INS with VALI is not taken either */
    ins_feed_identity bad = feed("VALI", true);
    strcpy(bad.matricule, "109076322083488");
    assert_int_equal(ins_feed_apply(&p, &id, true, &bad, &a, &d, NULL, NULL), 0);
    assert_int_equal(id.status, INS_STATUS_PROV);
    assert_string_equal(id.matricule, "");
}

static void test_feed_never_downgrades_qualified(void **state)
{
    (void)state;
    ins_policy p = pol();
    ins_identity id;
    ins_feed_decision d;
    ins_actor a = {"hl7:HIS", 1800000000};
    ins_feed_identity q = feed("VALI", true);
    assert_int_equal(ins_feed_apply(&p, &id, false, &q, &a, &d, NULL, NULL), 0);
    assert_int_equal(id.status, INS_STATUS_QUAL);
    const char *rel[] = {"PROV", "DOUTE", "FICTI", ""};
    for (size_t i = 0; i < 4; i++) {
        ins_feed_identity f = feed(rel[i], true);
        f.matricule[0] = '\0';
        strcpy(f.traits.birth_name, "AUTRENOM");
        strcpy(f.traits.used_name, "DUPONT");
        ins_identity copy = id;
        assert_int_equal(ins_feed_apply(&p, &copy, true, &f, &a, &d, NULL, NULL), 0);
        assert_int_equal(copy.status, INS_STATUS_QUAL);
        assert_string_equal(copy.matricule, "109076322083489");
        assert_string_equal(copy.traits.birth_name, "ECETINSI");
        assert_string_equal(copy.traits.used_name, "DUPONT"); /* complementary traits follow */
        assert_true(strlen(d.note) > 0);
    }
}

static void test_feed_keeps_optional_fields_it_does_not_carry(void **state)
{
    (void)state;
    ins_policy p = pol();
    ins_traits t = test_traits();
    strcpy(t.used_name, "DURAND");
    ins_actor a = {"hl7:HIS", 1800000000};
    ins_identity id;
    assert_int_equal(ins_identity_create(&t, &a, &id, NULL, NULL), 0);
    id.verified = true; /* validée */
    id.status = INS_STATUS_VALI;
    ins_feed_identity f = feed("PROV", true);
    f.matricule[0] = '\0';
    f.traits.birth_given_names[0] = '\0';
    f.traits.used_name[0] = '\0';
    ins_feed_decision d;
    assert_int_equal(ins_feed_apply(&p, &id, true, &f, &a, &d, NULL, NULL), 0);
    assert_string_equal(id.traits.birth_given_names, "PIERRE-ALAIN MURIEL FLORIANT");
    assert_string_equal(id.traits.used_name, "DURAND");
    assert_int_equal(id.status, INS_STATUS_VALI); /* nothing strict changed: validation kept */
    /* a strict change through the feed on a validée identity loses the validation */
    strcpy(f.traits.birth_place, "63113");
    assert_int_equal(ins_feed_apply(&p, &id, true, &f, &a, &d, NULL, NULL), 0);
    assert_int_equal(id.status, INS_STATUS_PROV);
}

static void test_RIS_INS_38_other_domain_needs_verification(void **state)
{
    (void)state;
    ins_policy p = pol();
    ins_feed_identity f = feed("VALI", false);
    ins_identity id;
    ins_feed_decision d;
    ins_actor a = {"hl7:CLINIQUE", 1800000000};
    assert_int_equal(ins_feed_apply(&p, &id, false, &f, &a, &d, NULL, NULL), 0);
    assert_true(d.needs_verification);
    assert_false(d.apply_ins);
    assert_int_equal(id.status, INS_STATUS_PROV);
    assert_string_equal(id.matricule, "");
}

static void test_RIS_INS_39_trusted_sender_qualifies(void **state)
{
    (void)state;
    ins_policy p = pol();
    ins_feed_identity f = feed("VALI", false);
    f.trusted_sender = true;
    ins_identity id;
    ins_feed_decision d;
    ins_actor a = {"hl7:CLINIQUE", 1800000000};
    assert_int_equal(ins_feed_apply(&p, &id, false, &f, &a, &d, NULL, NULL), 0);
    assert_int_equal(id.status, INS_STATUS_QUAL);
}

static void test_feed_with_bad_traits_refused(void **state)
{
    (void)state;
    ins_policy p = pol();
    ins_feed_identity f = feed("VALI", true);
    f.traits.birth_date[0] = '\0';
    ins_identity id;
    ins_feed_decision d;
    ins_actor a = {"hl7:HIS", 1800000000};
    ins_problems pb;
    assert_int_equal(ins_feed_apply(&p, &id, false, &f, &a, &d, NULL, &pb), -1);
    assert_true(pb.n >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_RIS_INS_56_vali_with_ins_from_our_domain),
        cmocka_unit_test(test_RIS_INS_56_ins_without_vali_is_not_taken),
        cmocka_unit_test(test_feed_with_ins_never_qualifies_a_provisional_identity),
        cmocka_unit_test(test_feed_never_downgrades_qualified),
        cmocka_unit_test(test_feed_keeps_optional_fields_it_does_not_carry),
        cmocka_unit_test(test_RIS_INS_38_other_domain_needs_verification),
        cmocka_unit_test(test_RIS_INS_39_trusted_sender_qualifies),
        cmocka_unit_test(test_feed_with_bad_traits_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
