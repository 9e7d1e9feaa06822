/* Settings of the ins module and the site policy derived from them (accepted OIDs, displayed
 * traits, identity documents and their trust level, roles). */
#include "ins/ins_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const config_setting ins_settings[] = {
    {"ins", "accepted_oids", INS_OID_NIR "," INS_OID_NIA,
     "Comma-separated INS OIDs accepted from INSi, feeds and users (add 1.2.250.1.213.1.4.10 "
     "test NIR and 1.2.250.1.213.1.4.11 demo NIR on test platforms only)", false},
    {"ins", "displayed_traits", "matricule,oid,birth_given_names,birth_place,used_name,used_given_name",
     "Optional identity traits shown on screen and paper (birth_name, first_given_name, birth_date "
     "and sex are always shown); keys: matricule, oid, birth_given_names, birth_place, used_name, "
     "used_given_name",
     false},
    {"ins", "auto_validate", "false",
     "Validate an identity as soon as a high-trust identity document is recorded (RNIV rule 19); "
     "false requires a manual validation",
     false},
    {"ins", "proof_types",
     "PASSEPORT=haut,CNI=haut,TITRE_SEJOUR=haut,IDENTIFICATION_ELECTRONIQUE=haut,"
     "LIVRET_FAMILLE=faible,ACTE_NAISSANCE=faible,PERMIS_CONDUIRE=faible,CARTE_VITALE=faible",
     "Identity documents the site accepts, CODE=haut|faible (trust level), comma-separated", false},
    {"ins", "view_roles", "accueil,manipulateur,radiologue,admin",
     "Roles allowed to see the INS (RIS.INS.05)", false},
    {"ins", "insi_roles", "accueil,admin",
     "Roles allowed to call the INSi teleservice (RIS.INS.06)", false},
    {"ins", "super_user_roles", "admin",
     "Roles allowed to modify the strict traits of a recovered or qualified identity (rule 26)", false},
    {"insi", "url", NULL, "INSi endpoint, e.g. https://qualiflps-services-ps-tlsm.ameli.fr:443/lps", false},
    {"insi", "cert_file", NULL, "Client certificate (PEM) of the organisation for INSi (IGC-Santé)", false},
    {"insi", "key_file", NULL, "Private key (PEM) of the INSi client certificate", true},
    {"insi", "ca_file", NULL, "CA bundle used to check the INSi server certificate (default: system store)", false},
    {"insi", "timeout_ms", "15000", "Timeout of one INSi call in milliseconds", false},
    {"insi", "idam", NULL, "Software authorisation number delivered by the CNDA (ContexteLPS/IDAM)", false},
    {"insi", "software_name", "urn:lps:COULOIR:0.1.0", "Software name sent in ContexteLPS/Nom", false},
    {"insi", "software_version", "0.1.0", "Software version sent in ContexteLPS/Version", false},
    {"insi", "instance", NULL, "Installation identifier (UUID) sent in ContexteLPS/Instance", false},
    {NULL, NULL, NULL, NULL, false},
};

static const struct {
    const char *key;
    ins_trait trait;
} trait_keys[] = {
    {"matricule", INS_TRAIT_MATRICULE},
    {"oid", INS_TRAIT_OID},
    {"birth_name", INS_TRAIT_BIRTH_NAME},
    {"birth_given_names", INS_TRAIT_BIRTH_GIVEN_NAMES},
    {"first_given_name", INS_TRAIT_FIRST_GIVEN_NAME},
    {"birth_date", INS_TRAIT_BIRTH_DATE},
    {"sex", INS_TRAIT_SEX},
    {"birth_place", INS_TRAIT_BIRTH_PLACE},
    {"used_name", INS_TRAIT_USED_NAME},
    {"used_given_name", INS_TRAIT_USED_GIVEN_NAME},
};

const char *ins_trait_key(ins_trait t)
{
    for (size_t i = 0; i < sizeof trait_keys / sizeof trait_keys[0]; i++)
        if (trait_keys[i].trait == t) return trait_keys[i].key;
    return "?";
}

/* Splits a comma-separated list, calling fn on each trimmed non-empty item. */
typedef int (*item_fn)(void *ctx, const char *item, char *err, size_t errlen);
static int split_list(const char *list, item_fn fn, void *ctx, char *err, size_t errlen)
{
    if (!list) return 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        const char *end = p;
        while (*end && *end != ',') end++;
        const char *last = end;
        while (last > p && last[-1] == ' ') last--;
        char item[128];
        size_t len = (size_t)(last - p);
        if (len >= sizeof item) {
            snprintf(err, errlen, "élément trop long dans la liste « %.40s… »", p);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (fn(ctx, item, err, errlen) != 0) return -1;
        p = end;
    }
    return 0;
}

static int add_oid(void *ctx, const char *item, char *err, size_t errlen)
{
    ins_policy *p = ctx;
    if (ins_kind_from_oid(item) == INS_KIND_UNKNOWN) {
        snprintf(err, errlen, "[ins] accepted_oids : « %s » n'est pas un OID d'INS", item);
        return -1;
    }
    if (p->n_accepted_oids >= INS_MAX_OIDS) {
        snprintf(err, errlen, "[ins] accepted_oids : trop d'OID");
        return -1;
    }
    ins_copy(p->accepted_oids[p->n_accepted_oids++], INS_OID_MAX, item);
    return 0;
}

static int add_trait(void *ctx, const char *item, char *err, size_t errlen)
{
    ins_policy *p = ctx;
    for (size_t i = 0; i < sizeof trait_keys / sizeof trait_keys[0]; i++)
        if (strcasecmp(trait_keys[i].key, item) == 0) {
            p->displayed_traits |= trait_keys[i].trait;
            return 0;
        }
    snprintf(err, errlen, "[ins] displayed_traits : trait inconnu « %s »", item);
    return -1;
}

static int add_proof(void *ctx, const char *item, char *err, size_t errlen)
{
    ins_policy *p = ctx;
    const char *eq = strchr(item, '=');
    if (!eq || eq == item) {
        snprintf(err, errlen, "[ins] proof_types : « %s » attendu sous la forme CODE=haut|faible", item);
        return -1;
    }
    bool high;
    if (strcasecmp(eq + 1, "haut") == 0) high = true;
    else if (strcasecmp(eq + 1, "faible") == 0) high = false;
    else {
        snprintf(err, errlen, "[ins] proof_types : niveau de confiance « %s » inconnu (haut ou faible)", eq + 1);
        return -1;
    }
    if (p->n_proofs >= INS_MAX_PROOFS || (size_t)(eq - item) >= INS_CODE_MAX) {
        snprintf(err, errlen, "[ins] proof_types : trop de justificatifs ou code trop long");
        return -1;
    }
    ins_proof_type *pt = &p->proofs[p->n_proofs++];
    memcpy(pt->code, item, (size_t)(eq - item));
    pt->code[eq - item] = '\0';
    pt->high_trust = high;
    return 0;
}

typedef struct {
    char (*roles)[INS_CODE_MAX];
    size_t *n;
    const char *setting;
} role_ctx;

static int add_role(void *ctx, const char *item, char *err, size_t errlen)
{
    role_ctx *r = ctx;
    if (*r->n >= INS_MAX_ROLES || ins_copy(r->roles[*r->n], INS_CODE_MAX, item) != 0) {
        snprintf(err, errlen, "[ins] %s : trop de rôles ou nom de rôle trop long", r->setting);
        return -1;
    }
    (*r->n)++;
    return 0;
}

typedef const char *(*getter)(const void *src, const char *key);

static int load(getter get, const void *src, ins_policy *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char dummy[256]; /* discarded message when the caller wants none */
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (split_list(get(src, "accepted_oids"), add_oid, out, err, errlen) != 0) return -1;
    if (split_list(get(src, "displayed_traits"), add_trait, out, err, errlen) != 0) return -1;
    out->displayed_traits |= INS_TRAITS_ALWAYS_DISPLAYED;
    const char *av = get(src, "auto_validate");
    if (av && (strcasecmp(av, "true") == 0 || strcasecmp(av, "yes") == 0 || strcmp(av, "1") == 0))
        out->auto_validate = true;
    else if (av && !(strcasecmp(av, "false") == 0 || strcasecmp(av, "no") == 0 || strcmp(av, "0") == 0 || !*av)) {
        snprintf(err, errlen, "[ins] auto_validate : valeur « %s » invalide (true ou false)", av);
        return -1;
    }
    if (split_list(get(src, "proof_types"), add_proof, out, err, errlen) != 0) return -1;
    role_ctx v = {out->view_roles, &out->n_view_roles, "view_roles"};
    role_ctx i = {out->insi_roles, &out->n_insi_roles, "insi_roles"};
    role_ctx s = {out->super_roles, &out->n_super_roles, "super_user_roles"};
    if (split_list(get(src, "view_roles"), add_role, &v, err, errlen) != 0) return -1;
    if (split_list(get(src, "insi_roles"), add_role, &i, err, errlen) != 0) return -1;
    if (split_list(get(src, "super_user_roles"), add_role, &s, err, errlen) != 0) return -1;
    return 0;
}

static const char *get_config(const void *src, const char *key)
{
    return config_get(src, "ins", key);
}

static const char *get_default(const void *src, const char *key)
{
    (void)src;
    for (const config_setting *s = ins_settings; s->section; s++)
        if (strcmp(s->section, "ins") == 0 && strcmp(s->key, key) == 0) return s->default_value;
    return NULL;
}

int ins_policy_load(const config_t *cfg, ins_policy *out, char *err, size_t errlen)
{
    return load(get_config, cfg, out, err, errlen);
}

int ins_policy_defaults(ins_policy *out)
{
    return load(get_default, NULL, out, NULL, 0);
}

bool ins_oid_accepted(const ins_policy *policy, const char *oid)
{
    if (!policy || !oid) return false;
    for (size_t i = 0; i < policy->n_accepted_oids; i++)
        if (strcmp(policy->accepted_oids[i], oid) == 0) return true;
    return false;
}

const ins_proof_type *ins_policy_proof(const ins_policy *policy, const char *code)
{
    if (!policy || !code) return NULL;
    for (size_t i = 0; i < policy->n_proofs; i++)
        if (strcasecmp(policy->proofs[i].code, code) == 0) return &policy->proofs[i];
    return NULL;
}

bool ins_role_allowed(const ins_policy *policy, ins_permission perm, const char *role)
{
    if (!policy || !role || !*role) return false;
    const char(*roles)[INS_CODE_MAX];
    size_t n;
    switch (perm) {
    case INS_PERM_VIEW_INS: roles = policy->view_roles; n = policy->n_view_roles; break;
    case INS_PERM_CALL_INSI: roles = policy->insi_roles; n = policy->n_insi_roles; break;
    case INS_PERM_EDIT_STRICT: roles = policy->super_roles; n = policy->n_super_roles; break;
    default: return false;
    }
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(roles[i], role) == 0) return true;
    return false;
}

unsigned ins_displayed_traits(const ins_policy *policy)
{
    unsigned t = policy ? policy->displayed_traits : 0;
    return (t & INS_TRAIT_ALL) | INS_TRAITS_ALWAYS_DISPLAYED;
}
