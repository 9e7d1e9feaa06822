/* Traits: labels, RNIV writing rules (rule 1) and the checks before creating an identity
 * (rule 5: RIS.INS.11, RIS.INS.12). */
#include "ins/ins_internal.h"

#include <string.h>

const char *ins_status_code(ins_status st)
{
    switch (st) {
    case INS_STATUS_PROV: return "PROV";
    case INS_STATUS_RECUP: return "RECUP";
    case INS_STATUS_VALI: return "VALI";
    case INS_STATUS_QUAL: return "QUAL";
    }
    return "?";
}

const char *ins_status_label(ins_status st)
{
    switch (st) {
    case INS_STATUS_PROV: return "Identité provisoire";
    case INS_STATUS_RECUP: return "Identité récupérée";
    case INS_STATUS_VALI: return "Identité validée";
    case INS_STATUS_QUAL: return "Identité qualifiée";
    }
    return "?";
}

int ins_status_parse(const char *code, ins_status *out)
{
    static const ins_status all[] = {INS_STATUS_PROV, INS_STATUS_RECUP, INS_STATUS_VALI, INS_STATUS_QUAL};
    for (size_t i = 0; code && i < 4; i++)
        if (strcmp(code, ins_status_code(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

const char *ins_trait_label(ins_trait t, bool abbreviated)
{
    /* Labels of the v2 conformity scenarios (rule 3 and rule 32). */
    switch (t) {
    case INS_TRAIT_MATRICULE: return abbreviated ? "INS" : "Matricule INS";
    case INS_TRAIT_OID: return "OID";
    case INS_TRAIT_BIRTH_NAME: return abbreviated ? "N. Nais." : "Nom de naissance";
    case INS_TRAIT_BIRTH_GIVEN_NAMES: return abbreviated ? "Pr. Nais." : "Prénom(s) de naissance";
    case INS_TRAIT_FIRST_GIVEN_NAME: return abbreviated ? "Pr. 1" : "1er prénom de naissance";
    case INS_TRAIT_BIRTH_DATE: return abbreviated ? "DDN" : "Date de naissance";
    case INS_TRAIT_SEX: return abbreviated ? "S." : "Sexe";
    case INS_TRAIT_BIRTH_PLACE: return abbreviated ? "INSEE Nais." : "Lieu de naissance - Code INSEE";
    case INS_TRAIT_USED_NAME: return abbreviated ? "N. Ut." : "Nom utilisé";
    case INS_TRAIT_USED_GIVEN_NAME: return abbreviated ? "Pr. Ut." : "Prénom utilisé";
    }
    return "?";
}

bool ins_name_conforms(const char *s)
{
    if (!s) return false;
    size_t len = strlen(s);
    if (len == 0 || len > INS_NAME_MAX) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool letter = c >= 'A' && c <= 'Z';
        if (letter) continue;
        if (c != ' ' && c != '-' && c != '\'') return false;
        if (i == 0 || i == len - 1) return false; /* no leading or trailing separator */
        if (c == ' ' && s[i + 1] == ' ') return false;
        if (c == '-' && s[i + 1] == '-' && i + 2 < len && s[i + 2] == '-') return false; /* '---' */
        if (c == '-' && (s[i + 1] == ' ' || s[i + 1] == '\'' || s[i - 1] == ' ')) return false;
        if (c == '\'' && (s[i + 1] == '\'' || s[i + 1] == '-' || s[i + 1] == ' ')) return false;
    }
    return true;
}

int ins_name_to_rniv(const char *in, char *out, size_t n)
{
    if (!in || !out || n == 0) return -1;
    size_t len = 0;
    const char *p = in;
    while (*p) {
        long cp = ins_utf8_next(&p);
        char tmp[3];
        int k;
        if (cp < 0) return -1;
        if (cp < 0x80) {
            tmp[0] = (char)cp;
            k = 1;
        } else if ((k = ins_fold_codepoint(cp, tmp)) == 0) {
            return -1;
        }
        for (int i = 0; i < k; i++) {
            char c = tmp[i];
            if (c >= 'a' && c <= 'z') c = (char)(c - 32);
            if (c == '\t') c = ' ';
            if (!((c >= 'A' && c <= 'Z') || c == ' ' || c == '-' || c == '\'')) return -1;
            if (c == ' ' && (len == 0 || out[len - 1] == ' ')) continue; /* trim / collapse */
            if (len + 1 >= n) return -1;
            out[len++] = c;
        }
    }
    while (len > 0 && out[len - 1] == ' ') len--;
    out[len] = '\0';
    return len ? 0 : -1;
}

bool ins_birth_place_valid(const char *s)
{
    if (!s || strlen(s) != 5) return false;
    for (int i = 0; i < 5; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') continue;
        if (i == 1 && s[0] == '2' && (c == 'A' || c == 'B')) continue; /* Corsica 2A/2B */
        return false;
    }
    return true;
}

static void check_name(ins_problems *pb, unsigned trait, const char *value, bool required)
{
    const char *label = ins_trait_label((ins_trait)trait, false);
    if (ins_blank(value)) {
        if (required)
            ins_problem_add(pb, trait, "RIS.INS.11", false, "%s obligatoire pour créer l'identité", label);
        return;
    }
    if (strlen(value) > INS_NAME_MAX)
        ins_problem_add(pb, trait, "RIS.INS.01", false, "%s : 100 caractères au plus", label);
    else if (!ins_name_conforms(value))
        ins_problem_add(pb, trait, "RIS.INS.01", false,
                        "%s : majuscules sans accent, espace, tiret ou apostrophe uniquement", label);
}

size_t ins_traits_check(const ins_traits *t, ins_problems *pb)
{
    if (pb) memset(pb, 0, sizeof *pb);
    ins_problems local;
    if (!pb) {
        memset(&local, 0, sizeof local);
        pb = &local;
    }
    if (!t) {
        ins_problem_add(pb, 0, "RIS.INS.11", false, "traits d'identité absents");
        return ins_problems_blocking(pb);
    }
    check_name(pb, INS_TRAIT_BIRTH_NAME, t->birth_name, true);
    check_name(pb, INS_TRAIT_FIRST_GIVEN_NAME, t->first_given_name, true);
    check_name(pb, INS_TRAIT_BIRTH_GIVEN_NAMES, t->birth_given_names, false);
    check_name(pb, INS_TRAIT_USED_NAME, t->used_name, false);
    check_name(pb, INS_TRAIT_USED_GIVEN_NAME, t->used_given_name, false);
    if (!ins_blank(t->first_given_name) && !ins_blank(t->birth_given_names) &&
        ins_name_conforms(t->first_given_name) && ins_name_conforms(t->birth_given_names) &&
        !ins_first_given_name_coherent(t->first_given_name, t->birth_given_names))
        ins_problem_add(pb, INS_TRAIT_FIRST_GIVEN_NAME, "RIS.INS.14", true,
                        "le 1er prénom de naissance n'est pas le premier de la liste des prénoms de naissance");
    if (ins_blank(t->birth_date))
        ins_problem_add(pb, INS_TRAIT_BIRTH_DATE, "RIS.INS.11", false,
                        "Date de naissance obligatoire pour créer l'identité");
    else if (!ins_date_valid(t->birth_date))
        ins_problem_add(pb, INS_TRAIT_BIRTH_DATE, "RIS.INS.01", false,
                        "Date de naissance invalide : jour entre 1 et 31, mois entre 1 et 12, date réelle");
    if (ins_blank(t->sex))
        ins_problem_add(pb, INS_TRAIT_SEX, "RIS.INS.11", false, "Sexe obligatoire pour créer l'identité");
    else if (strcmp(t->sex, "M") != 0 && strcmp(t->sex, "F") != 0 && strcmp(t->sex, "I") != 0)
        ins_problem_add(pb, INS_TRAIT_SEX, "RIS.INS.01", false, "Sexe : M, F ou I (indéterminé)");
    if (ins_blank(t->birth_place))
        ins_problem_add(pb, INS_TRAIT_BIRTH_PLACE, "RIS.INS.11", false,
                        "Code lieu de naissance obligatoire (saisir " INS_UNKNOWN_BIRTH_PLACE
                        " s'il est inconnu)");
    else if (!ins_birth_place_valid(t->birth_place))
        ins_problem_add(pb, INS_TRAIT_BIRTH_PLACE, "RIS.INS.01", false,
                        "Code lieu de naissance : code INSEE à 5 caractères (99xxx pour l'étranger, "
                        INS_UNKNOWN_BIRTH_PLACE " si inconnu)");
    return ins_problems_blocking(pb);
}
