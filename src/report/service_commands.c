/* Reporting service: create, edit and the life cycle commands, each in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "report/service_internal.h"
#include "store/report_template_store.h"

static rpt_actor actor_of(const rsv_actor *who)
{
    return (rpt_actor){who->login, who->display_name, who->radiologue, who->rpps && *who->rpps ? who->rpps : NULL};
}

static bool known_key(const char *key, rtpl_section_kind *k)
{
    return rtpl_section_parse(key, k);
}

/* Merges body "sections" into the stored JSON object (a null value clears a section). */
static rsv_result merge_sections(const rtpl_template *t, json_t *stored, const json_t *patch)
{
    if (!json_is_object(patch)) return rsv_res(RSV_INVALID, "sections", "%s", "« sections » doit être un objet.");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)patch, key, v) {
        rtpl_section_kind k;
        if (!known_key(key, &k))
            return rsv_res(RSV_INVALID, "sections", "Section inconnue : « %.40s ».", key);
        if (!t->sections[k].used && !json_is_null(v) && json_string_length(v) > 0)
            return rsv_res(RSV_INVALID, "sections", "La section « %s » n'existe pas dans le modèle de ce compte rendu.",
                           rtpl_section_default_title(k));
        if (json_is_null(v)) {
            json_object_del(stored, key);
            continue;
        }
        if (!json_is_string(v)) return rsv_res(RSV_INVALID, "sections", "La section « %s » doit être un texte.", key);
        if (json_string_length(v) > RTPL_SECTION_TEXT_MAX)
            return rsv_res(RSV_INVALID, "sections", "La section « %s » dépasse %d octets.", rtpl_section_default_title(k),
                           RTPL_SECTION_TEXT_MAX);
        json_object_set(stored, key, v);
    }
    return rsv_res(RSV_OK, NULL, "%s", "");
}

static const struct {
    const char *key;
    unsigned bit;
} flag_names[] = {
    {"announcement_pending", RPT_FLAG_ANNOUNCEMENT_PENDING}, {"no_dmp", RPT_FLAG_NO_DMP},
    {"masque_ps", RPT_FLAG_MASQUE_PS},                       {"invisible_patient", RPT_FLAG_INVISIBLE_PATIENT},
    {"invisible_legal_reps", RPT_FLAG_INVISIBLE_LEGAL_REPS}, {"secret_connection", RPT_FLAG_SECRET_CONNECTION},
};

json_t *rsv_flags_json(unsigned flags)
{
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
        json_object_set_new(o, flag_names[i].key, json_boolean(flags & flag_names[i].bit));
    return o;
}

rsv_result rsv_parse_flags(const json_t *patch, unsigned current, unsigned *out)
{
    if (!json_is_object(patch)) return rsv_res(RSV_INVALID, "flags", "%s", "« flags » doit être un objet.");
    unsigned f = current;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)patch, key, v) {
        size_t i = 0;
        while (i < sizeof flag_names / sizeof flag_names[0] && strcmp(flag_names[i].key, key) != 0) i++;
        if (i == sizeof flag_names / sizeof flag_names[0])
            return rsv_res(RSV_INVALID, "flags", "Option inconnue : « %.40s ».", key);
        if (!json_is_boolean(v)) return rsv_res(RSV_INVALID, "flags", "L'option « %s » doit valoir true ou false.", key);
        f = json_is_true(v) ? f | flag_names[i].bit : f & ~flag_names[i].bit;
    }
    *out = f;
    return rsv_res(RSV_OK, NULL, "%s", "");
}

static rsv_result check_members(const json_t *body, const char *const *allowed)
{
    if (!body) return rsv_res(RSV_OK, NULL, "%s", "");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++) ok = ok || strcmp(allowed[i], key) == 0;
        if (!ok) return rsv_res(RSV_UNKNOWN_MEMBER, key, "Champ inconnu : « %.60s ».", key);
    }
    return rsv_res(RSV_OK, NULL, "%s", "");
}

/* Applies "sections", "addendum", "exposure" of body to r (checked against the template). */
rsv_result rsv_apply_text(rstore_report *r, const json_t *body, bool allow_exposure)
{
    rtpl_template t;
    char err[512];
    if (report_template_from_json(r->template_json, &t, err, sizeof err) != 0)
        return rsv_res(RSV_ERROR, NULL, "Modèle du compte rendu illisible : %s", err);
    json_error_t je;
    json_t *stored = json_loads(r->sections_json, 0, &je);
    if (!json_is_object(stored)) {
        json_decref(stored);
        return rsv_res(RSV_ERROR, NULL, "%s", "Sections du compte rendu illisibles.");
    }
    rsv_result res = rsv_res(RSV_OK, NULL, "%s", "");
    json_t *v = json_object_get(body, "sections");
    if (v) res = merge_sections(&t, stored, v);
    if (res.status == RSV_OK && (v = json_object_get(body, "addendum"))) {
        if (!json_is_string(v) && !json_is_null(v))
            res = rsv_res(RSV_INVALID, "addendum", "%s", "« addendum » doit être un texte.");
        else if (json_string_length(v) > RTPL_SECTION_TEXT_MAX)
            res = rsv_res(RSV_INVALID, "addendum", "L'addendum dépasse %d octets.", RTPL_SECTION_TEXT_MAX);
        else {
            free(r->addendum);
            r->addendum = json_string_length(v) ? strdup(json_string_value(v)) : NULL;
        }
    }
    if (res.status == RSV_OK && allow_exposure && (v = json_object_get(body, "exposure"))) {
        cda_exam probe;
        memset(&probe, 0, sizeof probe);
        if (rsv_exposure_apply(v, &probe, err, sizeof err) != 0) res = rsv_res(RSV_INVALID, "exposure", "%s", err);
        else {
            free(r->exposure_json);
            r->exposure_json = json_is_null(v) ? NULL : json_dumps(v, JSON_COMPACT);
        }
    }
    if (res.status == RSV_OK) {
        /* Always-on checks (no text outside the template, doses only for ionising exams). */
        rtpl_filled f;
        memset(&f, 0, sizeof f);
        for (int k = 0; k < RTPL_SEC_COUNT; k++)
            f.text[k] = json_string_value(json_object_get(stored, rtpl_section_key((rtpl_section_kind)k)));
        if (r->exposure_json) {
            json_t *e = json_loads(r->exposure_json, 0, &je);
            cda_exam probe;
            memset(&probe, 0, sizeof probe);
            f.has_exposure = e && rsv_exposure_apply(e, &probe, err, sizeof err) == 0 && probe.has_exposure;
            json_decref(e);
        }
        if (rtpl_check_report(&t, &f, false, err, sizeof err) != 0) res = rsv_res(RSV_INVALID, "sections", "%s", err);
    }
    if (res.status == RSV_OK) {
        char *text = json_dumps(stored, JSON_COMPACT);
        if (!text) res = rsv_res(RSV_ERROR, NULL, "%s", "Mémoire insuffisante.");
        else {
            free(r->sections_json);
            r->sections_json = text;
        }
    }
    json_decref(stored);
    return res;
}

/* --- transactions ------------------------------------------------------------------------------ */
static rsv_result begin(store_conn_t *c)
{
    store_status s = store_begin(c);
    return s == STORE_OK ? rsv_res(RSV_OK, NULL, "%s", "") : rsv_store_fail(s, "");
}

static rsv_result finish(store_conn_t *c, rsv_result res)
{
    if (res.status != RSV_OK) {
        store_rollback(c);
        return res;
    }
    store_status s = store_commit(c);
    if (s != STORE_OK) {
        store_rollback(c);
        return rsv_store_fail(s, "");
    }
    return res;
}

static rsv_result load(store_conn_t *c, int64_t id, rstore_report *r)
{
    store_status s = rstore_report_get(c, id, r);
    return s == STORE_OK ? rsv_res(RSV_OK, NULL, "%s", "") : rsv_store_fail(s, "Compte rendu inconnu.");
}

/* Optimistic concurrency of the editor: body "revision" (optional) is the revision the client
 * loaded; a stale one means another user saved the report in between. */
static rsv_result check_revision(const json_t *body, const rstore_report *r)
{
    const json_t *v = body ? json_object_get(body, "revision") : NULL;
    if (!v) return rsv_res(RSV_OK, NULL, "%s", "");
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return rsv_res(RSV_INVALID, "revision", "%s", "« revision » doit être un entier positif ou nul.");
    if (json_integer_value(v) != r->revision)
        return rsv_res(RSV_CONFLICT, "revision", "%s",
                       "Le compte rendu a été modifié par un autre utilisateur : rechargez-le.");
    return rsv_res(RSV_OK, NULL, "%s", "");
}

/* Number of code points of a valid UTF-8 text (jansson strings are valid UTF-8). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/* Saves r, its history row and the audit event. */
rsv_result rsv_save(store_conn_t *c, const rsv_actor *who, rstore_report *r, const char *event, const char *action,
                       const char *detail)
{
    store_status s = rstore_report_update(c, r);
    if (s == STORE_OK) s = rstore_event_add(c, r->id, who->login, event, r->state.status, r->state.version, detail);
    if (s == STORE_OK) s = rsv_audit(c, who, action, r->id, r->patient_id, event);
    return rsv_store_fail(s, "Compte rendu inconnu.");
}

/* --- create -------------------------------------------------------------------------------------- */
static rsv_result template_for(store_conn_t *c, const rstore_procedure *p, int64_t *template_id, char **json)
{
    *json = NULL;
    store_status s;
    if (*template_id > 0) {
        /* The same rule as the automatic choice below: an active template of this exam, or a
         * generic one of its modality (another exam's template would put its LOINC code,
         * region, target site and CCAM act in the CDA). */
        report_template_row row;
        s = report_templates_get_row(c, *template_id, &row);
        if (s == STORE_NOT_FOUND) return rsv_res(RSV_INVALID, "template_id", "%s", "Modèle de compte rendu inconnu.");
        if (s != STORE_OK) return rsv_store_fail(s, "");
        rsv_result res = rsv_res(RSV_OK, NULL, "%s", "");
        if (!row.active)
            res = rsv_res(RSV_INVALID, "template_id", "Le modèle « %.60s » est désactivé : choisissez-en un autre.",
                          row.code);
        else if (row.exam_id ? row.exam_id != p->exam_id : strcmp(row.modality, p->modality) != 0)
            res = rsv_res(RSV_INVALID, "template_id",
                          "Le modèle « %.60s » est prévu pour un autre examen : ses codes (LOINC, région, site "
                          "anatomique) seraient faux dans le compte rendu.",
                          row.code);
        else {
            *json = row.json;
            row.json = NULL;
        }
        report_template_row_clear(&row);
        return res;
    }
    s = report_templates_find_for_exam(c, p->exam_id, template_id, json);
    if (s == STORE_OK) return rsv_res(RSV_OK, NULL, "%s", "");
    if (s != STORE_NOT_FOUND) return rsv_store_fail(s, "");
    /* No template of its own nor a generic one of its modality: a report needs the coded
     * fields (region, target site) only a template gives, so an admin must write one. */
    return rsv_res(RSV_INVALID, "template_id", "%s",
                   "Aucun modèle de compte rendu pour cet examen : un administrateur doit en créer un.");
}

rsv_result rsv_create(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who, int64_t procedure_id,
                      int64_t template_id, int64_t *report_id)
{
    (void)cfg;
    if (!who->radiologue) return rsv_res(RSV_FORBIDDEN, NULL, "%s", "Seul un radiologue peut rédiger un compte rendu.");
    rsv_result res = begin(c);
    if (res.status != RSV_OK) return res;
    rstore_procedure p;
    store_status s = rstore_procedure_get(c, procedure_id, &p);
    if (s == STORE_NOT_FOUND) return finish(c, rsv_res(RSV_INVALID, "procedure_id", "%s", "Examen inconnu."));
    if (s != STORE_OK) return finish(c, rsv_store_fail(s, ""));
    rstore_report r;
    memset(&r, 0, sizeof r);
    res = template_for(c, &p, &template_id, &r.template_json);
    rtpl_template t;
    char err[512];
    if (res.status == RSV_OK && report_template_from_json(r.template_json, &t, err, sizeof err) != 0)
        res = rsv_res(RSV_ERROR, NULL, "Modèle de compte rendu illisible : %s", err);
    char set_id[RPT_ID_MAX], hex[17];
    if (res.status == RSV_OK) {
        rand_hex(hex, 8);
        snprintf(set_id, sizeof set_id, "CR%s", hex);
        rpt_actor a = actor_of(who);
        if (rpt_init(&r.state, &a, set_id, 0, time_now_unix(), err, sizeof err) != 0)
            res = rsv_res(RSV_CONFLICT, NULL, "%s", err);
    }
    if (res.status == RSV_OK) {
        json_t *sections = json_object();
        rtpl_filled f;
        rtpl_prefill(&t, &f);
        for (int k = 0; k < RTPL_SEC_COUNT; k++)
            if (t.sections[k].used)
                json_object_set_new(sections, rtpl_section_key((rtpl_section_kind)k), json_string(f.text[k] ? f.text[k] : ""));
        r.sections_json = json_dumps(sections, JSON_COMPACT);
        json_decref(sections);
        r.procedure_id = procedure_id;
        r.patient_id = p.patient_id;
        r.template_id = template_id;
        r.author_user_id = who->user_id;
        s = rstore_report_insert(c, &r);
        if (s == STORE_CONFLICT)
            res = rsv_res(RSV_EXISTS, "procedure_id", "%s", "Cet examen a déjà un compte rendu.");
        else if (s != STORE_OK)
            res = rsv_store_fail(s, "");
    }
    if (res.status == RSV_OK) {
        s = rstore_event_add(c, r.id, who->login, "create", r.state.status, 0, NULL);
        if (s == STORE_OK) s = rsv_audit(c, who, "create", r.id, r.patient_id, NULL);
        res = rsv_store_fail(s, "");
    }
    if (res.status == RSV_OK) *report_id = r.id;
    rstore_report_clear(&r);
    return finish(c, res);
}

/* --- edit ---------------------------------------------------------------------------------------- */
rsv_result rsv_update(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who, int64_t report_id,
                      const json_t *body)
{
    (void)cfg;
    static const char *const allowed[] = {"sections", "flags", "exposure", "addendum", "revision", NULL};
    rsv_result res = check_members(body, allowed);
    if (res.status != RSV_OK) return res;
    if (!who->radiologue) return rsv_res(RSV_FORBIDDEN, NULL, "%s", "Seul un radiologue peut modifier un compte rendu.");
    if ((res = begin(c)).status != RSV_OK) return res;
    rstore_report r;
    res = load(c, report_id, &r);
    if (res.status == RSV_OK) res = check_revision(body, &r);
    rpt_actor a = actor_of(who);
    char err[512];
    const char *event = "edit";
    if (res.status == RSV_OK && rpt_edit(&r.state, &a, err, sizeof err) != 0)
        res = rsv_res(RSV_CONFLICT, NULL, "%s", err);
    if (res.status == RSV_OK) res = rsv_apply_text(&r, body, true);
    json_t *flags = json_object_get(body, "flags");
    if (res.status == RSV_OK && flags) {
        unsigned f;
        res = rsv_parse_flags(flags, r.state.flags, &f);
        if (res.status == RSV_OK && rpt_set_flags(&r.state, &a, f, err, sizeof err) != 0)
            res = rsv_res(RSV_CONFLICT, "flags", "%s", err);
        if (!json_object_get(body, "sections") && !json_object_get(body, "addendum") && !json_object_get(body, "exposure"))
            event = "set_flags";
    }
    if (res.status == RSV_OK) res = rsv_save(c, who, &r, event, "update", NULL);
    rstore_report_clear(&r);
    return finish(c, res);
}

/* --- life cycle commands --------------------------------------------------------------------------- */
static rsv_result parse_reviewers(const json_t *body, const char **out, size_t *n)
{
    json_t *list = json_object_get(body, "reviewers");
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > RPT_MAX_REVIEWERS)
        return rsv_res(RSV_INVALID, "reviewers", "Indiquez de 1 à %d relecteurs (identifiants de connexion).",
                       RPT_MAX_REVIEWERS);
    for (size_t i = 0; i < json_array_size(list); i++) {
        out[i] = json_string_value(json_array_get(list, i));
        if (!out[i] || !*out[i] || strlen(out[i]) >= RPT_LOGIN_MAX)
            return rsv_res(RSV_INVALID, "reviewers", "Relecteur n° %zu : identifiant invalide.", i + 1);
    }
    *n = json_array_size(list);
    return rsv_res(RSV_OK, NULL, "%s", "");
}

rsv_result rsv_command(store_conn_t *c, const report_service_config *cfg, const rsv_actor *who, int64_t report_id,
                       const char *action, const json_t *body)
{
    static const char *const none[] = {"revision", NULL};
    static const char *const prov[] = {"reviewers", "revision", NULL};
    static const char *const corr[] = {"sections", "addendum", "flags", "revision", NULL};
    static const char *const wd[] = {"reason", "revision", NULL};
    const char *const *allowed = strcmp(action, "provisional") == 0 ? prov
                                 : strcmp(action, "correct") == 0   ? corr
                                 : strcmp(action, "withdraw") == 0  ? wd
                                                                    : none;
    if (strcmp(action, "provisional") != 0 && strcmp(action, "draft") != 0 && strcmp(action, "validate") != 0 &&
        strcmp(action, "correct") != 0 && strcmp(action, "withdraw") != 0 && strcmp(action, "announce") != 0)
        return rsv_res(RSV_NOT_FOUND, NULL, "Action inconnue : « %.32s ».", action);
    rsv_result res = check_members(body, allowed);
    if (res.status != RSV_OK) return res;
    if (!who->radiologue) return rsv_res(RSV_FORBIDDEN, NULL, "%s", "Seul un radiologue peut faire évoluer un compte rendu.");
    if ((strcmp(action, "validate") == 0 || strcmp(action, "correct") == 0) && (!who->rpps || !*who->rpps))
        return rsv_res(RSV_FORBIDDEN, NULL, "%s",
                       "Validation refusée : votre compte n'a pas de numéro RPPS (obligatoire pour valider un compte rendu).");
    if ((res = begin(c)).status != RSV_OK) return res;
    rstore_report r;
    res = load(c, report_id, &r);
    if (res.status != RSV_OK) return finish(c, res);
    res = check_revision(body, &r);
    if (res.status != RSV_OK) {
        rstore_report_clear(&r);
        return finish(c, res);
    }
    rpt_actor a = actor_of(who);
    char err[512] = "";
    int64_t now = time_now_unix();
    const char *detail = NULL;
    if (strcmp(action, "provisional") == 0) {
        const char *rev[RPT_MAX_REVIEWERS];
        size_t n = 0;
        res = parse_reviewers(body, rev, &n);
        for (size_t i = 0; res.status == RSV_OK && i < n; i++) {
            store_user u;
            store_status s = store_user_by_login(c, rev[i], &u);
            if (s == STORE_NOT_FOUND || (s == STORE_OK && (!u.active || !(u.roles & ROLE_RADIOLOGUE))))
                res = rsv_res(RSV_INVALID, "reviewers", "Relecteur « %.60s » inconnu ou sans le rôle radiologue.", rev[i]);
            else if (s != STORE_OK)
                res = rsv_store_fail(s, "");
        }
        if (res.status == RSV_OK && rpt_set_provisional(&r.state, &a, rev, n, now, err, sizeof err) != 0)
            res = rsv_res(RSV_CONFLICT, "reviewers", "%s", err);
        if (res.status == RSV_OK) res = rsv_save(c, who, &r, "set_provisional", "update", NULL);
    } else if (strcmp(action, "draft") == 0) {
        if (rpt_back_to_draft(&r.state, &a, now, err, sizeof err) != 0) res = rsv_res(RSV_CONFLICT, NULL, "%s", err);
        if (res.status == RSV_OK) res = rsv_save(c, who, &r, "back_to_draft", "update", NULL);
    } else if (strcmp(action, "validate") == 0 || strcmp(action, "correct") == 0) {
        res = rsv_validate_in_tx(c, cfg, who, &r, strcmp(action, "correct") == 0, body);
    } else if (strcmp(action, "withdraw") == 0) {
        json_t *reason = json_object_get(body, "reason");
        const char *text = json_string_value(reason);
        size_t blank = text ? strspn(text, " \t\r\n") : 0;
        if (reason && !json_is_string(reason))
            res = rsv_res(RSV_INVALID, "reason", "%s", "« reason » doit être un texte.");
        else if (!text || !text[blank])
            res = rsv_res(RSV_INVALID, "reason", "%s", "Indiquez le motif du retrait du compte rendu.");
        else if (utf8_chars(text) > 1000)
            res = rsv_res(RSV_INVALID, "reason", "%s", "Motif trop long (1 000 caractères au plus).");
        detail = text;
        if (res.status == RSV_OK && rpt_withdraw(&r.state, &a, now, err, sizeof err) != 0)
            res = rsv_res(RSV_CONFLICT, NULL, "%s", err);
        if (res.status == RSV_OK) res = rsv_share(c, cfg, &r, RPT_TRIGGER_WITHDRAWN, 0, 0, NULL);
        if (res.status == RSV_OK) res = rsv_save(c, who, &r, "withdraw", "withdraw", detail);
    } else { /* announce */
        if (rpt_record_announcement(&r.state, &a, err, sizeof err) != 0) res = rsv_res(RSV_CONFLICT, NULL, "%s", err);
        if (res.status == RSV_OK) res = rsv_share(c, cfg, &r, RPT_TRIGGER_ANNOUNCEMENT, 0, 0, NULL);
        if (res.status == RSV_OK) res = rsv_save(c, who, &r, "record_announcement", "update", NULL);
    }
    rstore_report_clear(&r);
    return finish(c, res);
}
