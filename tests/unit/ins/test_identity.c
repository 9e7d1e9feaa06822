/* RNIV identity rules: traits, statuses, attributes, history, outgoing rule (named after the
 * RIS.INS requirement they prove). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ins_test_util.h"

static ins_policy policy(bool auto_validate)
{
    ins_policy p;
    assert_int_equal(ins_policy_defaults(&p), 0);
    p.auto_validate = auto_validate;
    return p;
}

static ins_identity created(void)
{
    ins_traits t = test_traits();
    ins_actor a = test_actor();
    ins_identity id;
    ins_history h = {0};
    ins_problems pb;
    assert_int_equal(ins_identity_create(&t, &a, &id, &h, &pb), 0);
    return id;
}

static ins_identity with_status(ins_status st)
{
    ins_policy p = policy(true);
    ins_identity id = created();
    ins_actor a = test_actor();
    ins_problems pb;
    if (st == INS_STATUS_VALI || st == INS_STATUS_QUAL) assert_int_equal(ins_record_proof(&p, &id, "PASSEPORT", &a, NULL, &pb), 0);
    if (st == INS_STATUS_RECUP || st == INS_STATUS_QUAL) {
        insi_result r = test_result();
        assert_int_equal(ins_apply_insi_result(&p, &id, &r, &a, NULL, &pb), 0);
    }
    assert_int_equal(id.status, st);
    return id;
}

static bool has_problem(const ins_problems *pb, unsigned trait, const char *req)
{
    for (size_t i = 0; i < pb->n; i++)
        if (pb->items[i].trait == trait && strcmp(pb->items[i].requirement, req) == 0) return true;
    return false;
}

static void test_RIS_INS_01_name_writing_rules(void **state)
{
    (void)state;
    assert_true(ins_name_conforms("D'ARTAGNAN"));
    assert_true(ins_name_conforms("DUPONT--MARTIN"));
    assert_true(ins_name_conforms("DE LA FONTAINE"));
    assert_false(ins_name_conforms("Dupont"));
    assert_false(ins_name_conforms("DUPONTÉ"));
    assert_false(ins_name_conforms("-DUPONT"));
    assert_false(ins_name_conforms("DUPONT---MARTIN"));
    assert_false(ins_name_conforms("DUPONT  MARTIN"));
    assert_false(ins_name_conforms("DUP0NT"));
    assert_false(ins_name_conforms("DUPONT- MARTIN"));
    assert_false(ins_name_conforms("DUPONT -MARTIN"));
    assert_false(ins_name_conforms("D''ARC"));
    char name[128];
    memset(name, 'A', 100);
    name[100] = '\0';
    assert_true(ins_name_conforms(name)); /* 100 characters accepted (54 required) */
    name[100] = 'A';
    name[101] = '\0';
    assert_false(ins_name_conforms(name));
    char out[128];
    assert_int_equal(ins_name_to_rniv("  Hélène-Françoise  d’Œuvray ", out, sizeof out), 0);
    assert_string_equal(out, "HELENE-FRANCOISE D'OEUVRAY");
    assert_int_equal(ins_name_to_rniv("Müller", out, sizeof out), 0);
    assert_string_equal(out, "MULLER");
    assert_int_equal(ins_name_to_rniv("R2D2", out, sizeof out), -1);
    assert_int_equal(ins_name_to_rniv("\xff\xfe", out, sizeof out), -1);
}

static void test_RIS_INS_01_birth_date_day_and_month_bounds(void **state)
{
    (void)state;
    ins_traits t = test_traits();
    ins_problems pb;
    strcpy(t.birth_date, "2009-13-01");
    assert_int_equal(ins_traits_check(&t, &pb), 1);
    assert_true(has_problem(&pb, INS_TRAIT_BIRTH_DATE, "RIS.INS.01"));
    strcpy(t.birth_date, "2009-02-32");
    assert_int_equal(ins_traits_check(&t, &pb), 1);
    strcpy(t.birth_date, "2009-00-10");
    assert_int_equal(ins_traits_check(&t, &pb), 1);
    strcpy(t.birth_date, "2009-02-28");
    assert_int_equal(ins_traits_check(&t, &pb), 0);
}

static void test_RIS_INS_02_mandatory_traits_always_displayed(void **state)
{
    (void)state;
    const config_setting *tables[] = {ins_settings};
    config_t *cfg = config_new(tables, 1);
    ins_policy p;
    char err[200];
    assert_int_equal(config_set(cfg, "ins", "displayed_traits", "used_name"), 0);
    assert_int_equal(ins_policy_load(cfg, &p, err, sizeof err), 0);
    unsigned shown = ins_displayed_traits(&p);
    assert_true(shown & INS_TRAIT_BIRTH_NAME);
    assert_true(shown & INS_TRAIT_FIRST_GIVEN_NAME);
    assert_true(shown & INS_TRAIT_BIRTH_DATE);
    assert_true(shown & INS_TRAIT_SEX);
    assert_true(shown & INS_TRAIT_USED_NAME);
    assert_false(shown & INS_TRAIT_MATRICULE);
    assert_int_equal(config_set(cfg, "ins", "displayed_traits", ""), 0);
    assert_int_equal(ins_policy_load(cfg, &p, err, sizeof err), 0);
    assert_int_equal(ins_displayed_traits(&p), INS_TRAITS_ALWAYS_DISPLAYED);
    assert_int_equal(config_set(cfg, "ins", "displayed_traits", "shoe_size"), 0);
    assert_int_equal(ins_policy_load(cfg, &p, err, sizeof err), -1);
    config_free(cfg);
    assert_string_equal(ins_trait_label(INS_TRAIT_BIRTH_NAME, true), "N. Nais.");
    assert_string_equal(ins_trait_label(INS_TRAIT_FIRST_GIVEN_NAME, false), "1er prénom de naissance");
}

static void test_RIS_INS_11_mandatory_traits_for_creation(void **state)
{
    (void)state;
    static const unsigned mandatory[] = {INS_TRAIT_BIRTH_NAME, INS_TRAIT_FIRST_GIVEN_NAME, INS_TRAIT_BIRTH_DATE,
                                         INS_TRAIT_SEX, INS_TRAIT_BIRTH_PLACE};
    for (size_t i = 0; i < 5; i++) {
        ins_traits t = test_traits();
        switch (mandatory[i]) {
        case INS_TRAIT_BIRTH_NAME: t.birth_name[0] = '\0'; break;
        case INS_TRAIT_FIRST_GIVEN_NAME: t.first_given_name[0] = '\0'; break;
        case INS_TRAIT_BIRTH_DATE: t.birth_date[0] = '\0'; break;
        case INS_TRAIT_SEX: t.sex[0] = '\0'; break;
        default: t.birth_place[0] = '\0'; break;
        }
        ins_identity id;
        ins_problems pb;
        ins_actor a = test_actor();
        assert_int_equal(ins_identity_create(&t, &a, &id, NULL, &pb), -1);
        assert_true(has_problem(&pb, mandatory[i], "RIS.INS.11"));
    }
    /* RNIV placeholder for an unknown birthplace is accepted */
    ins_traits t = test_traits();
    strcpy(t.birth_place, INS_UNKNOWN_BIRTH_PLACE);
    assert_int_equal(ins_traits_check(&t, NULL), 0);
    strcpy(t.birth_place, "2B020");
    assert_int_equal(ins_traits_check(&t, NULL), 0);
    strcpy(t.birth_place, "99134"); /* born abroad (Spain) */
    assert_int_equal(ins_traits_check(&t, NULL), 0);
    strcpy(t.birth_place, "6322");
    assert_int_equal(ins_traits_check(&t, NULL), 1);
    strcpy(t.birth_place, "63220");
    strcpy(t.sex, "X");
    assert_int_equal(ins_traits_check(&t, NULL), 1);
    strcpy(t.sex, "I");
    assert_int_equal(ins_traits_check(&t, NULL), 0);
}

static void test_RIS_INS_12_other_traits_optional(void **state)
{
    (void)state;
    ins_traits t;
    memset(&t, 0, sizeof t);
    strcpy(t.birth_name, "MARTIN");
    strcpy(t.first_given_name, "LEA");
    strcpy(t.birth_date, "1990-05-06");
    strcpy(t.sex, "F");
    strcpy(t.birth_place, "75056");
    ins_problems pb;
    assert_int_equal(ins_traits_check(&t, &pb), 0); /* no used name, used given name, given names list */
    assert_int_equal(pb.n, 0);
    /* a list that does not start with the first given name: a warning, not a refusal */
    strcpy(t.birth_given_names, "MARIE LEA");
    assert_int_equal(ins_traits_check(&t, &pb), 0);
    assert_int_equal(pb.n, 1);
    assert_true(pb.items[0].warning);
    assert_string_equal(pb.items[0].requirement, "RIS.INS.14");
}

static void test_RIS_INS_22_default_status_provisoire(void **state)
{
    (void)state;
    ins_traits t = test_traits();
    ins_actor a = test_actor();
    ins_identity id;
    ins_history h = {0};
    assert_int_equal(ins_identity_create(&t, &a, &id, &h, NULL), 0);
    assert_int_equal(id.status, INS_STATUS_PROV);
    assert_string_equal(ins_status_code(id.status), "PROV");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.entries[0].kind, INS_HIST_CREATED);
    assert_string_equal(h.entries[0].actor, "secretaire.dupont");
}

static void test_RIS_INS_18_19_identity_document_types_configurable(void **state)
{
    (void)state;
    const config_setting *tables[] = {ins_settings};
    config_t *cfg = config_new(tables, 1);
    assert_int_equal(config_set(cfg, "ins", "proof_types", "CARTE_SEJOUR=haut,FACTURE=faible"), 0);
    ins_policy p;
    char err[200];
    assert_int_equal(ins_policy_load(cfg, &p, err, sizeof err), 0);
    config_free(cfg);
    assert_non_null(ins_policy_proof(&p, "carte_sejour"));
    assert_true(ins_policy_proof(&p, "CARTE_SEJOUR")->high_trust);
    assert_false(ins_policy_proof(&p, "FACTURE")->high_trust);
    ins_identity id = created();
    ins_actor a = test_actor();
    ins_history h = {0};
    ins_problems pb;
    assert_int_equal(ins_record_proof(&p, &id, "PASSEPORT", &a, &h, &pb), -1); /* not configured here */
    assert_true(has_problem(&pb, 0, "RIS.INS.19"));
    assert_int_equal(ins_record_proof(&p, &id, "FACTURE", &a, &h, &pb), 0);
    assert_string_equal(id.proof_type, "FACTURE");
    assert_int_equal(id.status, INS_STATUS_PROV);
    assert_int_equal(h.entries[h.n - 1].kind, INS_HIST_PROOF);
}

static void test_RIS_INS_20_manual_validation(void **state)
{
    (void)state;
    ins_policy p = policy(false);
    ins_identity id = created();
    ins_actor a = test_actor();
    ins_problems pb;
    assert_int_equal(ins_validate_manually(&p, &id, &a, NULL, &pb), -1); /* no document yet */
    assert_true(has_problem(&pb, 0, "RIS.INS.20"));
    assert_int_equal(ins_record_proof(&p, &id, "LIVRET_FAMILLE", &a, NULL, &pb), 0);
    assert_int_equal(ins_validate_manually(&p, &id, &a, NULL, &pb), -1); /* low trust */
    assert_int_equal(ins_record_proof(&p, &id, "CNI", &a, NULL, &pb), 0);
    assert_int_equal(id.status, INS_STATUS_PROV); /* no automatic validation */
    ins_history h = {0};
    assert_int_equal(ins_validate_manually(&p, &id, &a, &h, &pb), 0);
    assert_int_equal(id.status, INS_STATUS_VALI);
    assert_int_equal(h.entries[0].kind, INS_HIST_STATUS);
}

static void test_RIS_INS_21_automatic_validation_can_be_disabled(void **state)
{
    (void)state;
    ins_actor a = test_actor();
    ins_problems pb;
    ins_policy on = policy(true), off = policy(false);
    ins_identity id1 = created(), id2 = created();
    assert_int_equal(ins_record_proof(&on, &id1, "PASSEPORT", &a, NULL, &pb), 0);
    assert_int_equal(id1.status, INS_STATUS_VALI);
    assert_int_equal(ins_record_proof(&off, &id2, "PASSEPORT", &a, NULL, &pb), 0);
    assert_int_equal(id2.status, INS_STATUS_PROV);
    /* default configuration: disabled */
    ins_policy def;
    ins_policy_defaults(&def);
    assert_false(def.auto_validate);
}

static void test_RIS_INS_23_recuperee_after_insi(void **state)
{
    (void)state;
    ins_identity id = with_status(INS_STATUS_RECUP);
    assert_string_equal(id.matricule, "109076322083489");
    assert_string_equal(id.oid, INS_OID_NIR);
    assert_true(id.from_insi);
}

static void test_RIS_INS_24_validee_after_document(void **state)
{
    (void)state;
    ins_identity id = with_status(INS_STATUS_VALI);
    assert_string_equal(id.matricule, "");
    assert_string_equal(id.proof_type, "PASSEPORT");
}

static void test_RIS_INS_25_qualifiee_both_orders(void **state)
{
    (void)state;
    ins_policy p = policy(true);
    ins_actor a = test_actor();
    ins_problems pb;
    insi_result r = test_result();
    /* document then INSi */
    ins_identity id = with_status(INS_STATUS_VALI);
    assert_int_equal(ins_apply_insi_result(&p, &id, &r, &a, NULL, &pb), 0);
    assert_int_equal(id.status, INS_STATUS_QUAL);
    /* INSi then document */
    ins_identity id2 = with_status(INS_STATUS_RECUP);
    ins_history h = {0};
    assert_int_equal(ins_record_proof(&p, &id2, "CNI", &a, &h, &pb), 0);
    assert_int_equal(id2.status, INS_STATUS_QUAL);
    assert_int_equal(h.entries[h.n - 1].kind, INS_HIST_STATUS);
    assert_string_equal(h.entries[h.n - 1].old_value, "RECUP");
    assert_string_equal(h.entries[h.n - 1].new_value, "QUAL");
}

static void test_RIS_INS_26_status_changes_historised(void **state)
{
    (void)state;
    ins_policy p = policy(true);
    ins_actor a = {"agent.martin", 1800000000};
    ins_history h = {0};
    ins_problems pb;
    ins_traits t = test_traits();
    ins_identity id;
    assert_int_equal(ins_identity_create(&t, &a, &id, &h, &pb), 0);
    assert_int_equal(ins_record_proof(&p, &id, "PASSEPORT", &a, &h, &pb), 0);
    insi_result r = test_result();
    assert_int_equal(ins_apply_insi_result(&p, &id, &r, &a, &h, &pb), 0);
    int status_changes = 0;
    for (size_t i = 0; i < h.n; i++) {
        const ins_history_entry *e = &h.entries[i];
        assert_int_equal(e->at, 1800000000);
        assert_string_equal(e->actor, "agent.martin");
        if (e->kind == INS_HIST_STATUS) {
            status_changes++;
            assert_true(strlen(e->old_value) > 0); /* previous status kept */
            assert_true(strlen(e->reason) > 0);
        }
    }
    assert_int_equal(status_changes, 2); /* PROV -> VALI -> QUAL */
}

static void test_RIS_INS_27_douteuse_fictive_back_to_provisoire(void **state)
{
    (void)state;
    ins_status from[] = {INS_STATUS_QUAL, INS_STATUS_RECUP, INS_STATUS_VALI};
    unsigned attrs[] = {INS_ATTR_DOUTEUSE, INS_ATTR_FICTIVE};
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 2; j++) {
            ins_identity id = with_status(from[i]);
            ins_actor a = test_actor();
            ins_history h = {0};
            assert_int_equal(ins_set_attributes(&id, attrs[j], &a, &h), 0);
            assert_int_equal(id.status, INS_STATUS_PROV);
            assert_string_equal(id.matricule, ""); /* RIS.INS.35 */
            assert_string_equal(id.oid, "");
        }
    /* homonyme alone changes nothing */
    ins_identity id = with_status(INS_STATUS_QUAL);
    ins_actor a = test_actor();
    assert_int_equal(ins_set_attributes(&id, INS_ATTR_HOMONYME, &a, NULL), 0);
    assert_int_equal(id.status, INS_STATUS_QUAL);
}

static void test_RIS_INS_28_insi_blocked_for_douteuse_or_fictive(void **state)
{
    (void)state;
    ins_identity id = created();
    char why[200];
    assert_true(ins_insi_call_allowed(&id, why, sizeof why));
    ins_actor a = test_actor();
    ins_set_attributes(&id, INS_ATTR_DOUTEUSE, &a, NULL);
    assert_false(ins_insi_call_allowed(&id, why, sizeof why));
    assert_non_null(strstr(why, "douteuse"));
    ins_set_attributes(&id, INS_ATTR_FICTIVE, &a, NULL);
    assert_false(ins_insi_call_allowed(&id, why, sizeof why));
    assert_non_null(strstr(why, "fictive"));
    /* an INSi result cannot be applied either */
    ins_policy p = policy(false);
    insi_result r = test_result();
    ins_problems pb;
    assert_int_equal(ins_apply_insi_result(&p, &id, &r, &a, NULL, &pb), -1);
    assert_true(has_problem(&pb, 0, "RIS.INS.28"));
}

static void test_RIS_INS_29_strict_traits_locked(void **state)
{
    (void)state;
    ins_status locked[] = {INS_STATUS_RECUP, INS_STATUS_QUAL};
    for (size_t i = 0; i < 2; i++) {
        ins_identity id = with_status(locked[i]);
        ins_traits next = id.traits;
        strcpy(next.birth_name, "ECETINSY");
        strcpy(next.birth_date, "2009-07-15");
        ins_actor a = test_actor();
        ins_problems pb;
        assert_int_equal(ins_modify_traits(&id, &next, false, &a, NULL, &pb), -1);
        assert_true(has_problem(&pb, INS_TRAIT_BIRTH_NAME, "RIS.INS.29"));
        assert_true(has_problem(&pb, INS_TRAIT_BIRTH_DATE, "RIS.INS.29"));
        assert_string_equal(id.traits.birth_name, "ECETINSI");
        assert_int_equal(id.status, locked[i]);
    }
}

static void test_RIS_INS_31_complementary_traits_free(void **state)
{
    (void)state;
    ins_identity id = with_status(INS_STATUS_QUAL);
    ins_traits next = id.traits;
    strcpy(next.used_name, "DURAND");
    strcpy(next.used_given_name, "PIERRE");
    ins_actor a = test_actor();
    ins_history h = {0};
    ins_problems pb;
    assert_int_equal(ins_modify_traits(&id, &next, false, &a, &h, &pb), 0);
    assert_string_equal(id.traits.used_name, "DURAND");
    assert_int_equal(id.status, INS_STATUS_QUAL);
    assert_string_equal(id.matricule, "109076322083489");
    assert_int_equal(h.n, 2);
    assert_string_equal(h.entries[0].field, "used_name");
}

static void test_RIS_INS_33_strict_change_by_super_user_downgrades(void **state)
{
    (void)state;
    struct {
        ins_status from, to;
    } cases[] = {{INS_STATUS_RECUP, INS_STATUS_PROV}, {INS_STATUS_QUAL, INS_STATUS_VALI}};
    for (size_t i = 0; i < 2; i++) {
        ins_identity id = with_status(cases[i].from);
        ins_traits next = id.traits;
        strcpy(next.birth_place, "63113");
        ins_actor a = {"identitovigilance.chef", 1800000000};
        ins_history h = {0};
        ins_problems pb;
        assert_int_equal(ins_modify_traits(&id, &next, true, &a, &h, &pb), 0);
        assert_int_equal(id.status, cases[i].to);
        assert_string_equal(id.matricule, ""); /* RIS.INS.32 / .35 */
        assert_string_equal(id.oid, "");
        bool ins_hist = false;
        for (size_t k = 0; k < h.n; k++)
            if (h.entries[k].kind == INS_HIST_INS) ins_hist = true;
        assert_true(ins_hist);
    }
}

static void test_validee_strict_change_loses_validation(void **state)
{
    (void)state;
    ins_identity id = with_status(INS_STATUS_VALI);
    ins_traits next = id.traits;
    strcpy(next.sex, "F");
    ins_actor a = test_actor();
    assert_int_equal(ins_modify_traits(&id, &next, false, &a, NULL, NULL), 0);
    assert_int_equal(id.status, INS_STATUS_PROV);
    assert_false(id.verified);
}

static void test_RIS_INS_43_verification_ko_downgrades(void **state)
{
    (void)state;
    ins_identity id = with_status(INS_STATUS_QUAL);
    ins_actor a = test_actor();
    ins_history h = {0};
    ins_on_verification_ko(&id, &a, &h);
    assert_int_equal(id.status, INS_STATUS_PROV);
    assert_string_equal(id.matricule, "");
    assert_string_equal(id.oid, "");
}

static void test_RIS_INS_37_ins_emitted_only_when_qualified(void **state)
{
    (void)state;
    ins_policy p = policy(true);
    assert_false(ins_may_emit(&(ins_identity){0}, &p));
    assert_false(ins_may_emit(NULL, &p));
    ins_identity prov = with_status(INS_STATUS_PROV), recup = with_status(INS_STATUS_RECUP),
                 vali = with_status(INS_STATUS_VALI), qual = with_status(INS_STATUS_QUAL);
    assert_false(ins_may_emit(&prov, &p));
    assert_false(ins_may_emit(&recup, &p)); /* has an INS, but récupérée */
    assert_false(ins_may_emit(&vali, &p));
    assert_true(ins_may_emit(&qual, &p));
    ins_identity bad = qual;
    bad.matricule[14] = '8'; /* wrong key */
    assert_false(ins_may_emit(&bad, &p));
    ins_policy test_only = p;
    test_only.n_accepted_oids = 1;
    strcpy(test_only.accepted_oids[0], INS_OID_TEST_NIR);
    assert_false(ins_may_emit(&qual, &test_only)); /* OID no longer accepted */
    bad = qual;
    bad.attributes = INS_ATTR_DOUTEUSE; /* inconsistent struct: still refused */
    assert_false(ins_may_emit(&bad, &p));
}

static void test_RIS_INS_52_matricule_on_paper_with_nature(void **state)
{
    (void)state;
    ins_policy p = policy(true);
    ins_identity qual = with_status(INS_STATUS_QUAL), recup = with_status(INS_STATUS_RECUP);
    char out[64];
    assert_int_equal(ins_display_matricule(&qual, &p, out, sizeof out), 0);
    assert_string_equal(out, "1 09 07 63 220 834 89 (NIR)");
    assert_int_equal(ins_display_matricule(&recup, &p, out, sizeof out), -1); /* RIS.INS.37 on paper */
    assert_string_equal(out, "");
    assert_int_equal(ins_display_matricule(&qual, &p, out, 10), -1);
}

static void test_RIS_INS_05_06_roles(void **state)
{
    (void)state;
    ins_policy p = policy(false);
    assert_true(ins_role_allowed(&p, INS_PERM_VIEW_INS, "radiologue"));
    assert_false(ins_role_allowed(&p, INS_PERM_CALL_INSI, "radiologue"));
    /* defaults use Couloir's roles: reception calls INSi, the administrator acts as the
     * identity-vigilance referent for strict traits */
    assert_true(ins_role_allowed(&p, INS_PERM_CALL_INSI, "accueil"));
    assert_false(ins_role_allowed(&p, INS_PERM_CALL_INSI, "manipulateur"));
    assert_false(ins_role_allowed(&p, INS_PERM_EDIT_STRICT, "accueil"));
    assert_true(ins_role_allowed(&p, INS_PERM_EDIT_STRICT, "admin"));
    assert_false(ins_role_allowed(&p, INS_PERM_VIEW_INS, "invite"));
    assert_false(ins_role_allowed(&p, INS_PERM_VIEW_INS, ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_RIS_INS_01_name_writing_rules),
        cmocka_unit_test(test_RIS_INS_01_birth_date_day_and_month_bounds),
        cmocka_unit_test(test_RIS_INS_02_mandatory_traits_always_displayed),
        cmocka_unit_test(test_RIS_INS_11_mandatory_traits_for_creation),
        cmocka_unit_test(test_RIS_INS_12_other_traits_optional),
        cmocka_unit_test(test_RIS_INS_22_default_status_provisoire),
        cmocka_unit_test(test_RIS_INS_18_19_identity_document_types_configurable),
        cmocka_unit_test(test_RIS_INS_20_manual_validation),
        cmocka_unit_test(test_RIS_INS_21_automatic_validation_can_be_disabled),
        cmocka_unit_test(test_RIS_INS_23_recuperee_after_insi),
        cmocka_unit_test(test_RIS_INS_24_validee_after_document),
        cmocka_unit_test(test_RIS_INS_25_qualifiee_both_orders),
        cmocka_unit_test(test_RIS_INS_26_status_changes_historised),
        cmocka_unit_test(test_RIS_INS_27_douteuse_fictive_back_to_provisoire),
        cmocka_unit_test(test_RIS_INS_28_insi_blocked_for_douteuse_or_fictive),
        cmocka_unit_test(test_RIS_INS_29_strict_traits_locked),
        cmocka_unit_test(test_RIS_INS_31_complementary_traits_free),
        cmocka_unit_test(test_RIS_INS_33_strict_change_by_super_user_downgrades),
        cmocka_unit_test(test_validee_strict_change_loses_validation),
        cmocka_unit_test(test_RIS_INS_43_verification_ko_downgrades),
        cmocka_unit_test(test_RIS_INS_37_ins_emitted_only_when_qualified),
        cmocka_unit_test(test_RIS_INS_52_matricule_on_paper_with_nature),
        cmocka_unit_test(test_RIS_INS_05_06_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
