/* Bringing an INSi "00" return into an identity (rule 6: RIS.INS.13/14; rule 11: RIS.INS.15;
 * rule 12: RIS.INS.16; rule 20: RIS.INS.23/25). */
#include "ins/ins_internal.h"

#include <stdio.h>
#include <string.h>

/* Next space-separated word of *p into out (normalised); false at the end. */
static bool next_word(const char **p, char *out, size_t n)
{
    const char *s = *p;
    while (*s == ' ') s++;
    if (!*s) return false;
    const char *end = s;
    while (*end && *end != ' ') end++;
    char word[INS_NAME_MAX + 1];
    size_t len = (size_t)(end - s);
    if (len >= sizeof word) len = sizeof word - 1;
    memcpy(word, s, len);
    word[len] = '\0';
    *p = end;
    return ins_search_normalize(word, out, n) == 0;
}

bool ins_first_given_name_coherent(const char *first_given_name, const char *list)
{
    if (ins_blank(first_given_name) || ins_blank(list)) return false;
    /* the words of the first given name must be the first words of the list */
    const char *a = first_given_name, *b = list;
    char wa[INS_NAME_MAX + 1], wb[INS_NAME_MAX + 1];
    bool any = false;
    while (next_word(&a, wa, sizeof wa)) {
        if (!next_word(&b, wb, sizeof wb) || strcmp(wa, wb) != 0) return false;
        any = true;
    }
    return any;
}

static bool lunar_date(const char *d)
{
    /* YYYY-MM-DD with 00 as month or day */
    return d && strlen(d) == 10 && ((d[5] == '0' && d[6] == '0') || (d[8] == '0' && d[9] == '0'));
}

size_t insi_result_check(const ins_policy *policy, const insi_result *r, ins_problems *pb)
{
    if (pb) memset(pb, 0, sizeof *pb);
    ins_problems local;
    if (!pb) {
        memset(&local, 0, sizeof local);
        pb = &local;
    }
    if (!r || strcmp(r->code, "00") != 0 || !r->has_individual) {
        ins_problem_add(pb, 0, "RIS.INS.13", false, "le retour INSi ne contient pas une identité unique (code %s)",
                        r ? r->code : "?");
        return ins_problems_blocking(pb);
    }
    if (lunar_date(r->birth_date))
        ins_problem_add(pb, INS_TRAIT_BIRTH_DATE, "RIS.INS.15", false,
                        "date de naissance INSi « %s » avec 00 pour jour ou mois : identité non rapatriable",
                        r->birth_date);
    else if (!ins_date_valid(r->birth_date))
        ins_problem_add(pb, INS_TRAIT_BIRTH_DATE, "RIS.INS.15", false,
                        "date de naissance INSi absente ou invalide : identité non rapatriable");
    if (ins_blank(r->birth_name))
        ins_problem_add(pb, INS_TRAIT_BIRTH_NAME, "RIS.INS.16", false,
                        "nom de naissance vide dans le retour INSi : identité non rapatriable");
    else if (!ins_name_conforms(r->birth_name))
        ins_problem_add(pb, INS_TRAIT_BIRTH_NAME, "RIS.INS.01", false,
                        "nom de naissance INSi non conforme aux règles d'écriture");
    if (ins_blank(r->given_names))
        ins_problem_add(pb, INS_TRAIT_BIRTH_GIVEN_NAMES, "RIS.INS.16", false,
                        "prénom(s) de naissance vide(s) dans le retour INSi : identité non rapatriable");
    else if (!ins_name_conforms(r->given_names))
        ins_problem_add(pb, INS_TRAIT_BIRTH_GIVEN_NAMES, "RIS.INS.01", false,
                        "prénom(s) de naissance INSi non conformes aux règles d'écriture");
    if (ins_blank(r->sex))
        ins_problem_add(pb, INS_TRAIT_SEX, "RIS.INS.16", false, "sexe vide dans le retour INSi : identité non rapatriable");
    else if (strcmp(r->sex, "M") != 0 && strcmp(r->sex, "F") != 0)
        ins_problem_add(pb, INS_TRAIT_SEX, "RIS.INS.16", false, "sexe « %s » inattendu dans le retour INSi", r->sex);
    ins_matricule_status st = ins_matricule_check_parts(r->active.number, r->active.key, NULL);
    if (st != INS_MATRICULE_OK)
        ins_problem_add(pb, INS_TRAIT_MATRICULE, "RIS.INS.13", false, "matricule INS retourné invalide : %s",
                        ins_matricule_message(st));
    if (!ins_oid_accepted(policy, r->active.oid))
        ins_problem_add(pb, INS_TRAIT_OID, "RIS.INS.13", false, "OID « %s » non accepté par la configuration du site",
                        r->active.oid);
    if (!ins_blank(r->birth_place) && !ins_birth_place_valid(r->birth_place))
        ins_problem_add(pb, INS_TRAIT_BIRTH_PLACE, "RIS.INS.13", false, "code lieu de naissance INSi « %s » invalide",
                        r->birth_place);
    return ins_problems_blocking(pb);
}

static void set_trait(ins_identity *id, char *dst, size_t n, const char *value, const char *key,
                      const ins_actor *who, ins_history *hist)
{
    if (strcmp(dst, value) == 0) return;
    ins_history_add(hist, who, INS_HIST_TRAIT, key, dst, value, "Trait alimenté par le retour INSi");
    ins_copy(dst, n, value);
    (void)id;
}

int ins_apply_insi_result(const ins_policy *policy, ins_identity *id, const insi_result *r, const ins_actor *who,
                          ins_history *hist, ins_problems *pb)
{
    char why[200];
    if (!ins_insi_call_allowed(id, why, sizeof why)) {
        if (pb) memset(pb, 0, sizeof *pb);
        ins_problem_add(pb, 0, "RIS.INS.28", false, "%s", why);
        return -1;
    }
    if (insi_result_check(policy, r, pb) > 0) return -1;
    ins_traits *t = &id->traits;
    /* rule 6 (RIS.INS.14): first given name only when empty or coherent with the list */
    char first[INS_NAME_MAX + 1];
    const char *sp = strchr(r->given_names, ' ');
    size_t flen = sp ? (size_t)(sp - r->given_names) : strlen(r->given_names);
    memcpy(first, r->given_names, flen);
    first[flen] = '\0';
    if (ins_blank(t->first_given_name)) {
        set_trait(id, t->first_given_name, sizeof t->first_given_name, first, "first_given_name", who, hist);
    } else if (!ins_first_given_name_coherent(t->first_given_name, r->given_names)) {
        ins_problem_add(pb, INS_TRAIT_FIRST_GIVEN_NAME, "RIS.INS.14", true,
                        "incohérence : le 1er prénom de naissance « %s » ne correspond pas au début de la "
                        "liste des prénoms de naissance INSi « %s » ; à vérifier",
                        t->first_given_name, r->given_names);
    }
    /* rule 6 (RIS.INS.13): strict traits from INSi; given names from ListePrenom */
    set_trait(id, t->birth_name, sizeof t->birth_name, r->birth_name, "birth_name", who, hist);
    set_trait(id, t->birth_given_names, sizeof t->birth_given_names, r->given_names, "birth_given_names", who, hist);
    set_trait(id, t->birth_date, sizeof t->birth_date, r->birth_date, "birth_date", who, hist);
    set_trait(id, t->sex, sizeof t->sex, r->sex, "sex", who, hist);
    if (ins_blank(r->birth_place)) {
        ins_problem_add(pb, INS_TRAIT_BIRTH_PLACE, "RIS.INS.13", true,
                        "lieu de naissance absent du retour INSi : code " INS_UNKNOWN_BIRTH_PLACE " conservé");
        if (ins_blank(t->birth_place))
            set_trait(id, t->birth_place, sizeof t->birth_place, INS_UNKNOWN_BIRTH_PLACE, "birth_place", who, hist);
    } else {
        set_trait(id, t->birth_place, sizeof t->birth_place, r->birth_place, "birth_place", who, hist);
    }
    char full[16], old[96], now[96];
    snprintf(full, sizeof full, "%s%s", r->active.number, r->active.key);
    if (strcmp(full, id->matricule) != 0 || strcmp(r->active.oid, id->oid) != 0) {
        snprintf(old, sizeof old, "%s %s", id->matricule, id->oid);
        snprintf(now, sizeof now, "%s %s", full, r->active.oid);
        ins_history_add(hist, who, INS_HIST_INS, "ins", id->matricule[0] ? old : "", now, "INS récupéré par INSi");
        ins_copy(id->matricule, sizeof id->matricule, full);
        ins_copy(id->oid, sizeof id->oid, r->active.oid);
    }
    id->from_insi = true;
    ins_identity_refresh_status(id, who, hist,
                                id->verified ? "Retour INSi sur identité vérifiée : identité qualifiée"
                                             : "Retour INSi : identité récupérée");
    return 0;
}
