/* Identity statuses and attributes (RNIV rules 19-27; RIS.INS.18..36, RIS.INS.43).
 *
 * The status is never set directly: it is derived from two recorded facts,
 *   from_insi  the strict traits and the INS come from an accepted INSi return,
 *   verified   the identity was checked on a high-trust identity document,
 * as the RNIV defines it: neither = provisoire, INSi only = récupérée, document only = validée,
 * both = qualifiée. The events below are the only ones that change those facts. */
#include "ins/ins_internal.h"

#include <stdio.h>
#include <string.h>

static ins_status derive(const ins_identity *id)
{
    if (id->from_insi) return id->verified ? INS_STATUS_QUAL : INS_STATUS_RECUP;
    return id->verified ? INS_STATUS_VALI : INS_STATUS_PROV;
}

void ins_identity_refresh_status(ins_identity *id, const ins_actor *who, ins_history *hist, const char *reason)
{
    ins_status next = derive(id);
    if (next == id->status) return;
    ins_history_add(hist, who, INS_HIST_STATUS, "status", ins_status_code(id->status), ins_status_code(next), reason);
    id->status = next;
}

void ins_identity_drop_ins(ins_identity *id, const ins_actor *who, ins_history *hist, const char *reason)
{
    if (id->matricule[0] || id->oid[0]) {
        char old[96];
        snprintf(old, sizeof old, "%s %s", id->matricule, id->oid);
        ins_history_add(hist, who, INS_HIST_INS, "ins", old, "", reason);
    }
    id->matricule[0] = '\0';
    id->oid[0] = '\0';
    id->from_insi = false;
}

int ins_identity_create(const ins_traits *t, const ins_actor *who, ins_identity *out, ins_history *hist,
                        ins_problems *problems)
{
    if (ins_traits_check(t, problems) > 0) return -1;
    memset(out, 0, sizeof *out);
    out->traits = *t;
    out->status = INS_STATUS_PROV; /* RIS.INS.22: provisoire by default */
    ins_history_add(hist, who, INS_HIST_CREATED, "status", "", ins_status_code(out->status),
                    "Création de l'identité (statut « identité provisoire » par défaut)");
    return 0;
}

bool ins_insi_call_allowed(const ins_identity *id, char *why, size_t n)
{
    const char *reason = NULL;
    if (!id) reason = "identité absente";
    else if (id->attributes & INS_ATTR_FICTIVE)
        reason = "appel au téléservice INSi bloqué : l'identité porte l'attribut « identité fictive »";
    else if (id->attributes & INS_ATTR_DOUTEUSE)
        reason = "appel au téléservice INSi bloqué : l'identité porte l'attribut « identité douteuse »";
    if (reason && why && n) ins_copy_trunc(why, n, reason);
    return reason == NULL;
}

int ins_record_proof(const ins_policy *policy, ins_identity *id, const char *proof_code, const ins_actor *who,
                     ins_history *hist, ins_problems *problems)
{
    if (problems) memset(problems, 0, sizeof *problems);
    const ins_proof_type *pt = ins_policy_proof(policy, proof_code);
    if (!pt) {
        ins_problem_add(problems, 0, "RIS.INS.19", false,
                        "justificatif d'identité « %s » non paramétré pour ce site", proof_code ? proof_code : "");
        return -1;
    }
    ins_history_add(hist, who, INS_HIST_PROOF, "proof", id->proof_type, pt->code,
                    pt->high_trust ? "Justificatif à haut degré de confiance vérifié"
                                   : "Justificatif à faible degré de confiance enregistré");
    ins_copy(id->proof_type, sizeof id->proof_type, pt->code);
    if (!pt->high_trust) return 0;
    if (id->attributes & (INS_ATTR_DOUTEUSE | INS_ATTR_FICTIVE)) {
        ins_problem_add(problems, 0, "RIS.INS.27", true,
                        "identité douteuse ou fictive : elle reste au statut « identité provisoire »");
        return 0;
    }
    if (policy->auto_validate && !id->verified) {
        id->verified = true;
        ins_identity_refresh_status(id, who, hist, "Validation automatique sur justificatif à haut degré de confiance");
    }
    return 0;
}

int ins_validate_manually(const ins_policy *policy, ins_identity *id, const ins_actor *who, ins_history *hist,
                          ins_problems *problems)
{
    if (problems) memset(problems, 0, sizeof *problems);
    const ins_proof_type *pt = ins_policy_proof(policy, id->proof_type);
    if (!pt || !pt->high_trust) {
        ins_problem_add(problems, 0, "RIS.INS.20", false,
                        "la validation exige un justificatif à haut degré de confiance enregistré au préalable");
        return -1;
    }
    if (id->attributes & (INS_ATTR_DOUTEUSE | INS_ATTR_FICTIVE)) {
        ins_problem_add(problems, 0, "RIS.INS.27", false,
                        "une identité douteuse ou fictive ne peut pas être validée");
        return -1;
    }
    if (!id->verified) {
        id->verified = true;
        ins_identity_refresh_status(id, who, hist, "Validation manuelle de l'identité sur justificatif");
    }
    return 0;
}

static void attr_text(unsigned a, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s", (a & INS_ATTR_DOUTEUSE) ? "douteuse " : "", (a & INS_ATTR_FICTIVE) ? "fictive " : "",
             (a & INS_ATTR_HOMONYME) ? "homonyme " : "");
    size_t len = strlen(out);
    if (len) out[len - 1] = '\0';
}

int ins_set_attributes(ins_identity *id, unsigned attributes, const ins_actor *who, ins_history *hist)
{
    attributes &= INS_ATTR_DOUTEUSE | INS_ATTR_FICTIVE | INS_ATTR_HOMONYME;
    if (attributes == id->attributes) return 0;
    char before[40], after[40];
    attr_text(id->attributes, before, sizeof before);
    attr_text(attributes, after, sizeof after);
    ins_history_add(hist, who, INS_HIST_ATTRIBUTE, "attributes", before, after, "Modification des attributs de l'identité");
    unsigned added = attributes & ~id->attributes;
    id->attributes = attributes;
    if (added & (INS_ATTR_DOUTEUSE | INS_ATTR_FICTIVE)) {
        /* rule 25 (RIS.INS.27): back to provisoire; rule 27 (RIS.INS.35): INS removed */
        ins_identity_drop_ins(id, who, hist, "Identité douteuse ou fictive : matricule INS et OID supprimés");
        id->verified = false;
        ins_identity_refresh_status(id, who, hist, "Identité douteuse ou fictive : retour au statut provisoire");
    }
    return 0;
}

typedef struct {
    unsigned trait;
    size_t offset;
    size_t size;
} trait_field;

#define FIELD(t, m) {t, offsetof(ins_traits, m), sizeof(((ins_traits *)0)->m)}
static const trait_field fields[] = {
    FIELD(INS_TRAIT_BIRTH_NAME, birth_name),
    FIELD(INS_TRAIT_BIRTH_GIVEN_NAMES, birth_given_names),
    FIELD(INS_TRAIT_FIRST_GIVEN_NAME, first_given_name),
    FIELD(INS_TRAIT_BIRTH_DATE, birth_date),
    FIELD(INS_TRAIT_SEX, sex),
    FIELD(INS_TRAIT_BIRTH_PLACE, birth_place),
    FIELD(INS_TRAIT_USED_NAME, used_name),
    FIELD(INS_TRAIT_USED_GIVEN_NAME, used_given_name),
};

static const char *field_of(const ins_traits *t, const trait_field *f)
{
    return (const char *)t + f->offset;
}

/* Bit set of traits that differ. */
static unsigned traits_diff(const ins_traits *a, const ins_traits *b)
{
    unsigned d = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(field_of(a, &fields[i]), field_of(b, &fields[i])) != 0) d |= fields[i].trait;
    return d;
}

int ins_modify_traits(ins_identity *id, const ins_traits *next, bool super_user, const ins_actor *who,
                      ins_history *hist, ins_problems *problems)
{
    if (ins_traits_check(next, problems) > 0) return -1;
    unsigned diff = traits_diff(&id->traits, next);
    unsigned strict = diff & INS_TRAITS_STRICT;
    bool locked = id->status == INS_STATUS_RECUP || id->status == INS_STATUS_QUAL;
    if (strict && locked && !super_user) {
        /* rule 26 (RIS.INS.29): strict traits of an INSi-sourced identity are read-only */
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            if (strict & fields[i].trait)
                ins_problem_add(problems, fields[i].trait, "RIS.INS.29", false,
                                "%s non modifiable : identité au statut « %s » (habilitation spécifique requise)",
                                ins_trait_label((ins_trait)fields[i].trait, false), ins_status_label(id->status));
        return -1;
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (diff & fields[i].trait)
            ins_history_add(hist, who, INS_HIST_TRAIT, ins_trait_key((ins_trait)fields[i].trait),
                            field_of(&id->traits, &fields[i]), field_of(next, &fields[i]),
                            (fields[i].trait & INS_TRAITS_STRICT) ? "Modification d'un trait strict"
                                                                  : "Modification d'un trait complémentaire");
    id->traits = *next;
    if (!strict) return 0; /* rule 26 (RIS.INS.31): complementary traits stay free */
    if (id->from_insi) {
        /* rule 27 (RIS.INS.32/33/35): INS invalidated, RECUP -> PROV, QUAL -> VALI */
        ins_identity_drop_ins(id, who, hist, "Trait strict modifié : matricule INS et OID invalidés");
        ins_identity_refresh_status(id, who, hist, "Trait strict modifié : statut rétrogradé");
    } else if (id->verified) {
        /* a validée identity was checked against other traits: the check is lost */
        id->verified = false;
        ins_identity_refresh_status(id, who, hist, "Trait strict modifié : validation à refaire sur justificatif");
    }
    return 0;
}

int ins_on_verification_ko(ins_identity *id, const ins_actor *who, ins_history *hist)
{
    /* rule 49 (RIS.INS.43): demoted and INS removed; the scenario expects "provisoire" */
    ins_identity_drop_ins(id, who, hist, "Vérification INSi KO : matricule INS et OID supprimés");
    id->verified = false;
    ins_identity_refresh_status(id, who, hist, "Vérification INSi KO : statut rétrogradé");
    return 0;
}

bool ins_may_emit(const ins_identity *id, const ins_policy *policy)
{
    if (!id || !policy) return false;
    if (id->status != INS_STATUS_QUAL) return false;            /* rule 28, RIS.INS.37 */
    if (id->attributes & (INS_ATTR_DOUTEUSE | INS_ATTR_FICTIVE)) return false;
    if (ins_matricule_parse(id->matricule, NULL) != INS_MATRICULE_OK) return false;
    return ins_oid_accepted(policy, id->oid);
}

int ins_display_matricule(const ins_identity *id, const ins_policy *policy, char *out, size_t n)
{
    if (!out || n == 0) return -1;
    out[0] = '\0';
    if (!ins_may_emit(id, policy)) return -1;
    const char *m = id->matricule;
    const char *nature = ins_kind_nature(ins_kind_from_oid(id->oid));
    /* sex, year, month, department, commune, order, key: 1 09 07 63 220 834 89 */
    int len = snprintf(out, n, "%.1s %.2s %.2s %.2s %.3s %.3s %.2s (%s)", m, m + 1, m + 3, m + 5, m + 7, m + 10,
                       m + 13, nature ? nature : "?");
    if (len < 0 || (size_t)len >= n) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}
