/* Identities received from a feed (HL7 PAM-FR ADT): rule 30 and the conformity scenarios of
 * RIS.INS.38/39/45/46/55/56. The feed never downgrades a qualifiée identity, and an INS it
 * carries is taken only with PID-32 = VALI from our own domain or a trusted sender. */
#include "ins/ins_internal.h"

#include <stdio.h>
#include <string.h>

static void note(ins_feed_decision *d, const char *text)
{
    if (!d->note[0]) ins_copy_trunc(d->note, sizeof d->note, text);
}

/* Complementary traits only (used name, used given name), when the feed carries them. */
static void apply_complementary(ins_identity *id, const ins_traits *in, const ins_actor *who, ins_history *hist)
{
    if (!ins_blank(in->used_name) && strcmp(in->used_name, id->traits.used_name) != 0) {
        ins_history_add(hist, who, INS_HIST_TRAIT, "used_name", id->traits.used_name, in->used_name, "Flux d'identité");
        ins_copy(id->traits.used_name, sizeof id->traits.used_name, in->used_name);
    }
    if (!ins_blank(in->used_given_name) && strcmp(in->used_given_name, id->traits.used_given_name) != 0) {
        ins_history_add(hist, who, INS_HIST_TRAIT, "used_given_name", id->traits.used_given_name,
                        in->used_given_name, "Flux d'identité");
        ins_copy(id->traits.used_given_name, sizeof id->traits.used_given_name, in->used_given_name);
    }
}

static bool strict_differs(const ins_traits *a, const ins_traits *b)
{
    return strcmp(a->birth_name, b->birth_name) != 0 || strcmp(a->first_given_name, b->first_given_name) != 0 ||
           (b->birth_given_names[0] && strcmp(a->birth_given_names, b->birth_given_names) != 0) ||
           strcmp(a->birth_date, b->birth_date) != 0 || strcmp(a->sex, b->sex) != 0 ||
           strcmp(a->birth_place, b->birth_place) != 0;
}

int ins_feed_apply(const ins_policy *policy, ins_identity *id, bool existing, const ins_feed_identity *in,
                   const ins_actor *who, ins_feed_decision *d, ins_history *hist, ins_problems *pb)
{
    memset(d, 0, sizeof *d);
    if (pb) memset(pb, 0, sizeof *pb);
    if (ins_traits_check(&in->traits, pb) > 0) return -1;

    bool has_ins = !ins_blank(in->matricule);
    ins_matricule m;
    bool ins_ok = has_ins && ins_matricule_parse(in->matricule, &m) == INS_MATRICULE_OK &&
                  ins_oid_accepted(policy, in->oid);
    bool vali = strcmp(in->reliability, "VALI") == 0;
    bool trusted = in->same_domain || in->trusted_sender;

    if (!existing) {
        if (ins_identity_create(&in->traits, who, id, hist, pb) != 0) return -1;
        d->apply_traits = true;
    } else if (id->status == INS_STATUS_QUAL) {
        /* never downgraded by a feed; strict traits and INS stay as qualified */
        apply_complementary(id, &in->traits, who, hist);
        d->status = id->status;
        if (strict_differs(&id->traits, &in->traits) || (has_ins && strcmp(in->matricule, id->matricule) != 0))
            note(d, "Flux d'identité divergent d'une identité qualifiée : non appliqué, à vérifier "
                    "par la cellule d'identitovigilance");
        return 0;
    } else {
        /* optional fields the message leaves empty keep their current value */
        ins_traits merged = in->traits;
        if (ins_blank(merged.birth_given_names))
            memcpy(merged.birth_given_names, id->traits.birth_given_names, sizeof merged.birth_given_names);
        if (ins_blank(merged.used_name))
            memcpy(merged.used_name, id->traits.used_name, sizeof merged.used_name);
        if (ins_blank(merged.used_given_name))
            memcpy(merged.used_given_name, id->traits.used_given_name, sizeof merged.used_given_name);
        ins_problems tmp;
        if (ins_modify_traits(id, &merged, false, who, hist, &tmp) == 0) {
            d->apply_traits = true;
        } else {
            /* strict traits locked (identité récupérée): complementary traits only */
            apply_complementary(id, &in->traits, who, hist);
            note(d, "Traits stricts verrouillés (identité récupérée) : seuls les traits complémentaires "
                    "du flux sont appliqués");
        }
    }

    if (strcmp(in->reliability, "DOUTE") == 0) ins_set_attributes(id, id->attributes | INS_ATTR_DOUTEUSE, who, hist);
    if (strcmp(in->reliability, "FICTI") == 0) ins_set_attributes(id, id->attributes | INS_ATTR_FICTIVE, who, hist);

    if (has_ins && !ins_ok) {
        note(d, "INS du flux invalide (clé ou OID) : non enregistré");
    } else if (has_ins && vali && trusted && !(id->attributes & (INS_ATTR_DOUTEUSE | INS_ATTR_FICTIVE))) {
        /* RIS.INS.55/56 (PID-32 = VALI from our domain), RIS.INS.39 (trust contract) */
        if (d->apply_traits) {
            if (strcmp(id->matricule, m.full) != 0 || strcmp(id->oid, in->oid) != 0) {
                char now[96];
                snprintf(now, sizeof now, "%s %s", m.full, in->oid);
                ins_history_add(hist, who, INS_HIST_INS, "ins", id->matricule, now, "INS reçu par flux (PID-32 VALI)");
                ins_copy(id->matricule, sizeof id->matricule, m.full);
                ins_copy(id->oid, sizeof id->oid, in->oid);
            }
            id->from_insi = true;
            id->verified = true;
            d->apply_ins = true;
            ins_identity_refresh_status(id, who, hist, "Identité qualifiée reçue par flux de confiance");
        } else {
            note(d, "INS du flux non appliqué : traits stricts verrouillés");
        }
    } else if (has_ins && vali && !trusted) {
        /* rule 30 (RIS.INS.38), rule 52 (RIS.INS.46): requalify through an INSi verification */
        d->needs_verification = true;
        note(d, "INS reçu d'un autre domaine d'identification : vérification INSi requise avant intégration");
    } else if (has_ins) {
        /* RIS.INS.56 scenario: PID-32 other than VALI -> everything but the INS */
        note(d, "INS du flux ignoré : identité non qualifiée chez l'émetteur (PID-32 différent de VALI)");
    }
    d->status = id->status;
    return 0;
}
