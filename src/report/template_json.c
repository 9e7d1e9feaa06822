/* JSON form of report templates (jansson), see report.h for the format. */
#include "report/report.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, const char *a)
{
    if (err && errlen) snprintf(err, errlen, fmt, a);
    return -1;
}

static json_t *coded(const rtpl_coded *c)
{
    return json_pack("{s:s, s:s}", "code", c->code, "display", c->display);
}

char *report_template_to_json(const rtpl_template *t, char *err, size_t errlen)
{
    if (!t) {
        fail(err, errlen, "%s", "Modèle absent.");
        return NULL;
    }
    json_t *sections = json_array();
    for (int k = 0; sections && k < RTPL_SEC_COUNT; k++) {
        const rtpl_section *s = &t->sections[k];
        if (!s->used) continue;
        json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "key", rtpl_section_key((rtpl_section_kind)k), "title", s->title,
                              "required", s->required, "default_text", s->default_text);
        if (!o || json_array_append_new(sections, o) != 0) {
            json_decref(sections);
            sections = NULL;
        }
    }
    json_t *root = NULL;
    if (sections)
        root = json_pack("{s:s, s:s, s:i, s:s, s:o, s:s, s:o, s:o, s:s, s:o}", "code", t->code, "label", t->label,
                         "revision", t->revision, "modality", t->modality, "exam_code", coded(&t->exam_code), "region",
                         t->region, "target_site", coded(&t->target_site), "ccam", coded(&t->ccam), "exposure",
                         rtpl_exposure_name(t->exposure), "sections", sections);
    /* json_pack steals "o" references even on failure. */
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text) fail(err, errlen, "%s", "Modèle : conversion en JSON impossible (texte non UTF-8 ou mémoire insuffisante).");
    return text;
}

/* Copies a string member into dst (size n); absent is allowed when !required. */
static int get_str(json_t *obj, const char *key, bool required, char *dst, size_t n, const char *ctx, char *err,
                   size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    char what[160];
    snprintf(what, sizeof what, "%s%s%s", ctx, *ctx ? "." : "", key);
    if (!v || json_is_null(v)) {
        if (required) return fail(err, errlen, "Modèle : le champ « %s » est obligatoire.", what);
        dst[0] = '\0';
        return 0;
    }
    if (!json_is_string(v)) return fail(err, errlen, "Modèle : le champ « %s » doit être une chaîne.", what);
    size_t len = json_string_length(v);
    if (len >= n) return fail(err, errlen, "Modèle : le champ « %s » est trop long.", what);
    memcpy(dst, json_string_value(v), len + 1);
    return 0;
}

static int only_keys(json_t *obj, const char *const *keys, size_t nkeys, const char *ctx, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        size_t i = 0;
        while (i < nkeys && strcmp(keys[i], k) != 0) i++;
        if (i == nkeys) {
            char what[200];
            snprintf(what, sizeof what, "%s%s%.120s", ctx, *ctx ? "." : "", k);
            return fail(err, errlen, "Modèle : champ inconnu « %s ».", what);
        }
    }
    return 0;
}

static int get_coded(json_t *root, const char *key, bool required, rtpl_coded *out, char *err, size_t errlen)
{
    static const char *const keys[] = {"code", "display"};
    json_t *v = json_object_get(root, key);
    memset(out, 0, sizeof *out);
    if (!v || json_is_null(v)) return required ? fail(err, errlen, "Modèle : le champ « %s » est obligatoire.", key) : 0;
    if (!json_is_object(v)) return fail(err, errlen, "Modèle : le champ « %s » doit être un objet {code, display}.", key);
    if (only_keys(v, keys, 2, key, err, errlen) != 0) return -1;
    if (get_str(v, "code", required, out->code, sizeof out->code, key, err, errlen) != 0 ||
        get_str(v, "display", required, out->display, sizeof out->display, key, err, errlen) != 0)
        return -1;
    return 0;
}

static int get_sections(json_t *root, rtpl_template *t, char *err, size_t errlen)
{
    static const char *const keys[] = {"key", "title", "required", "default_text"};
    json_t *arr = json_object_get(root, "sections");
    if (!json_is_array(arr)) return fail(err, errlen, "%s", "Modèle : le champ « sections » (tableau) est obligatoire.");
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        char ctx[32];
        snprintf(ctx, sizeof ctx, "sections[%zu]", i);
        if (!json_is_object(o)) return fail(err, errlen, "Modèle : « %s » doit être un objet.", ctx);
        if (only_keys(o, keys, 4, ctx, err, errlen) != 0) return -1;
        char key[RTPL_CODE_MAX];
        rtpl_section_kind kind;
        if (get_str(o, "key", true, key, sizeof key, ctx, err, errlen) != 0) return -1;
        if (!rtpl_section_parse(key, &kind))
            return fail(err, errlen,
                        "Modèle : section inconnue « %s » (indication, antecedents, technique, resultats, comparaison, conclusion).",
                        key);
        rtpl_section *s = &t->sections[kind];
        if (s->used) return fail(err, errlen, "Modèle : la section « %s » est présente deux fois.", key);
        s->used = true;
        if (get_str(o, "title", true, s->title, sizeof s->title, ctx, err, errlen) != 0 ||
            get_str(o, "default_text", false, s->default_text, sizeof s->default_text, ctx, err, errlen) != 0)
            return -1;
        json_t *req = json_object_get(o, "required");
        if (req && !json_is_boolean(req)) return fail(err, errlen, "Modèle : « %s.required » doit être vrai ou faux.", ctx);
        s->required = req && json_is_true(req);
    }
    return 0;
}

static int parse(json_t *root, rtpl_template *t, char *err, size_t errlen)
{
    static const char *const keys[] = {"code", "label", "revision", "modality", "exam_code", "region",
                                       "target_site", "ccam", "exposure", "sections"};
    if (!json_is_object(root)) return fail(err, errlen, "%s", "Modèle : un objet JSON est attendu.");
    if (only_keys(root, keys, sizeof keys / sizeof keys[0], "", err, errlen) != 0) return -1;
    if (get_str(root, "code", true, t->code, sizeof t->code, "", err, errlen) != 0 ||
        get_str(root, "label", true, t->label, sizeof t->label, "", err, errlen) != 0 ||
        get_str(root, "modality", true, t->modality, sizeof t->modality, "", err, errlen) != 0 ||
        get_str(root, "region", false, t->region, sizeof t->region, "", err, errlen) != 0)
        return -1;
    json_t *rev = json_object_get(root, "revision");
    if (rev && !json_is_integer(rev)) return fail(err, errlen, "%s", "Modèle : « revision » doit être un entier.");
    json_int_t r = rev ? json_integer_value(rev) : 1;
    if (r < 1 || r > 1000000) return fail(err, errlen, "%s", "Modèle : « revision » doit être compris entre 1 et 1000000.");
    t->revision = (int)r;
    if (get_coded(root, "exam_code", true, &t->exam_code, err, errlen) != 0 ||
        get_coded(root, "target_site", true, &t->target_site, err, errlen) != 0 ||
        get_coded(root, "ccam", false, &t->ccam, err, errlen) != 0)
        return -1;
    char exposure[16];
    if (get_str(root, "exposure", true, exposure, sizeof exposure, "", err, errlen) != 0) return -1;
    if (!rtpl_exposure_parse(exposure, &t->exposure))
        return fail(err, errlen, "Modèle : exposition « %s » inconnue (none, optional, required).", exposure);
    return get_sections(root, t, err, errlen);
}

int report_template_from_json(const char *json, rtpl_template *out, char *err, size_t errlen)
{
    if (!json || !out) return fail(err, errlen, "%s", "Modèle JSON absent.");
    json_error_t je;
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char msg[220];
        snprintf(msg, sizeof msg, "ligne %d, colonne %d : %.150s", je.line, je.column, je.text);
        return fail(err, errlen, "Modèle : JSON invalide (%s).", msg);
    }
    rtpl_template t;
    memset(&t, 0, sizeof t);
    int rc = parse(root, &t, err, errlen);
    json_decref(root);
    if (rc != 0) return -1;
    rtpl_vocabulary voc = report_template_vocabulary();
    if (rtpl_check(&t, &voc, err, errlen) != 0) return -1;
    *out = t;
    return 0;
}
