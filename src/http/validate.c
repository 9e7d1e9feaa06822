/* Request bodies: JSON parsing and validation against the model descriptors. */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "http/http_internal.h"

int http_parse_object(const char *body, size_t len, json_t **out, http_err *e)
{
    *out = NULL;
    if (!body || len == 0)
        return http_err_set(e, HE_INVALID_JSON, NULL, "Le corps de la requête est vide : un objet JSON est attendu.");
    json_error_t jerr;
    /* JSON_REJECT_DUPLICATES: {"a":1,"a":2} is ambiguous. "\u0000" is refused by default. */
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!v)
        return http_err_set(e, HE_INVALID_JSON, NULL, "JSON mal formé (ligne %d, colonne %d).", jerr.line,
                            jerr.column);
    if (!json_is_object(v)) {
        json_decref(v);
        return http_err_set(e, HE_INVALID_JSON, NULL, "Le corps de la requête doit être un objet JSON.");
    }
    *out = v;
    return 0;
}

int http_parse_members(const char *body, size_t len, bool empty_ok, const char *const *allowed, json_t **out,
                       http_err *e)
{
    *out = NULL;
    json_t *v = NULL;
    if (empty_ok && (!body || len == 0)) v = json_object();
    else if (http_parse_object(body, len, &v, e) != 0) return -1;
    if (!v) return http_err_set(e, HE_INTERNAL, NULL, "Mémoire insuffisante.");
    const char *key;
    json_t *member;
    json_object_foreach(v, key, member) {
        size_t i = 0;
        while (allowed && allowed[i] && strcmp(allowed[i], key) != 0) i++;
        if (allowed && allowed[i]) continue;
        char expected[256] = "";
        size_t used = 0;
        for (size_t k = 0; allowed && allowed[k] && used < sizeof expected; k++)
            used += (size_t)snprintf(expected + used, sizeof expected - used, "%s%s", k ? ", " : "", allowed[k]);
        if (expected[0]) http_err_set(e, HE_UNKNOWN_FIELD, key, "Champ inconnu : « %.60s » (attendu : %s).", key, expected);
        else http_err_set(e, HE_UNKNOWN_FIELD, key, "Champ inconnu : « %.60s » (aucun champ attendu).", key);
        json_decref(v);
        return -1;
    }
    *out = v;
    return 0;
}

static const char *label_of(const model_field *f)
{
    return f->label_fr ? f->label_fr : f->name;
}

/* Validates one value and appends its normalised form to out. */
static int check_value(const model_field *f, json_t *v, json_t *out, http_err *e)
{
    const char *label = label_of(f);
    if (json_is_null(v)) {
        if (f->flags & FIELD_REQUIRED)
            return http_err_set(e, HE_MISSING_FIELD, f->name, "Le champ « %s » est obligatoire.", label);
        json_object_set(out, f->name, v);
        return 0;
    }
    switch (f->type) {
    case FIELD_TEXT:
    case FIELD_ENUM: {
        if (!json_is_string(v))
            return http_err_set(e, HE_INVALID_TYPE, f->name, "Le champ « %s » doit être une chaîne de caractères.", label);
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (strlen(s) != len)
            return http_err_set(e, HE_INVALID_VALUE, f->name, "Le champ « %s » contient un caractère nul.", label);
        size_t max = f->max_len ? f->max_len : 255;
        if (len > max)
            return http_err_set(e, HE_INVALID_VALUE, f->name, "Le champ « %s » dépasse la longueur maximale (%zu octets).",
                                label, max);
        if (f->type == FIELD_ENUM) {
            bool ok = false;
            for (const char *const *ev = f->enum_values; ev && *ev; ev++)
                if (strcmp(*ev, s) == 0) ok = true;
            if (!ok) return http_err_set(e, HE_INVALID_VALUE, f->name, "Valeur non autorisée pour le champ « %s ».", label);
        } else if ((f->flags & FIELD_REQUIRED) && len == 0) {
            return http_err_set(e, HE_MISSING_FIELD, f->name, "Le champ « %s » ne peut pas être vide.", label);
        }
        json_object_set(out, f->name, v);
        return 0;
    }
    case FIELD_INT:
        if (!json_is_integer(v))
            return http_err_set(e, HE_INVALID_TYPE, f->name, "Le champ « %s » doit être un nombre entier.", label);
        json_object_set(out, f->name, v);
        return 0;
    case FIELD_REF:
        if (!json_is_integer(v))
            return http_err_set(e, HE_INVALID_TYPE, f->name,
                                "Le champ « %s » doit être l'identifiant (entier) d'un enregistrement.", label);
        if (json_integer_value(v) < 1)
            return http_err_set(e, HE_INVALID_VALUE, f->name, "Le champ « %s » doit être un identifiant positif.", label);
        json_object_set(out, f->name, v);
        return 0;
    case FIELD_BOOL:
        if (!json_is_boolean(v))
            return http_err_set(e, HE_INVALID_TYPE, f->name, "Le champ « %s » doit valoir true ou false.", label);
        json_object_set(out, f->name, v);
        return 0;
    case FIELD_DATE: {
        int64_t days;
        if (!json_is_string(v))
            return http_err_set(e, HE_INVALID_TYPE, f->name, "Le champ « %s » doit être une date (AAAA-MM-JJ).", label);
        if (time_parse_date(json_string_value(v), &days) != 0)
            return http_err_set(e, HE_INVALID_VALUE, f->name,
                                "Le champ « %s » n'est pas une date valide (format AAAA-MM-JJ attendu).", label);
        char buf[16];
        json_object_set_new(out, f->name, json_string(time_format_date(days, buf, sizeof buf)));
        return 0;
    }
    case FIELD_DATETIME: {
        int64_t t;
        if (!json_is_string(v))
            return http_err_set(e, HE_INVALID_TYPE, f->name,
                                "Le champ « %s » doit être une date et heure ISO 8601 (texte).", label);
        if (time_parse_datetime(json_string_value(v), &t) != 0)
            return http_err_set(e, HE_INVALID_VALUE, f->name,
                                "Le champ « %s » n'est pas une date et heure valide (ISO 8601 avec fuseau, "
                                "par exemple 2026-11-22T09:30:00+01:00).",
                                label);
        char buf[32];
        json_object_set_new(out, f->name, json_string(time_format_utc(t, buf, sizeof buf)));
        return 0;
    }
    }
    return http_err_set(e, HE_INTERNAL, f->name, "Type de champ inconnu.");
}

int http_validate_object(const model_resource *res, const json_t *in, validate_mode mode, json_t **out,
                         http_err *e)
{
    *out = NULL;
    if (!json_is_object(in)) return http_err_set(e, HE_INVALID_JSON, NULL, "Un objet JSON est attendu.");
    json_t *norm = json_object();
    if (!norm) return http_err_set(e, HE_INTERNAL, NULL, "Mémoire insuffisante.");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)in, key, v) {
        const model_field *f = model_field_find(res, key);
        if (!f) {
            http_err_set(e, HE_UNKNOWN_FIELD, key, "Champ inconnu pour la ressource %s : « %s ».", res->label_fr, key);
            goto fail;
        }
        if (f->flags & FIELD_READONLY) {
            http_err_set(e, HE_READONLY_FIELD, f->name, "Le champ « %s » est géré par le serveur et ne peut pas être modifié.",
                         label_of(f));
            goto fail;
        }
        if (f->flags & FIELD_RULED) {
            http_err_set(e, HE_READONLY_FIELD, f->name,
                         "Le champ « %s » ne change que par les règles d'identitovigilance (téléservice INSi, "
                         "contrôle d'un justificatif d'identité).",
                         label_of(f));
            goto fail;
        }
        if (mode == VALIDATE_UPDATE && (f->flags & FIELD_IMMUTABLE)) {
            http_err_set(e, HE_READONLY_FIELD, f->name, "Le champ « %s » ne peut plus être modifié après la création.",
                         label_of(f));
            goto fail;
        }
        if (check_value(f, v, norm, e) < 0) goto fail;
    }
    if (mode == VALIDATE_CREATE) {
        for (size_t i = 0; i < res->nfields; i++) {
            const model_field *f = &res->fields[i];
            if ((f->flags & FIELD_REQUIRED) && !(f->flags & FIELD_READONLY) && !json_object_get(norm, f->name)) {
                http_err_set(e, HE_MISSING_FIELD, f->name, "Le champ « %s » est obligatoire.", label_of(f));
                goto fail;
            }
        }
    } else if (json_object_size(norm) == 0) {
        http_err_set(e, HE_BAD_REQUEST, NULL, "Aucun champ à modifier.");
        goto fail;
    }
    *out = norm;
    return 0;
fail:
    json_decref(norm);
    return -1;
}

int http_check_refs(store_conn_t *c, const model_resource *res, const json_t *obj, http_err *e)
{
    for (size_t i = 0; i < res->nfields; i++) {
        const model_field *f = &res->fields[i];
        if (f->type != FIELD_REF) continue;
        json_t *v = json_object_get(obj, f->name);
        if (!json_is_integer(v)) continue;
        const model_resource *target = model_resource_find(f->ref_resource);
        if (!target) continue; /* the store's foreign key still guards it */
        json_t *row = NULL;
        store_status s = store_resource_get(c, target, json_integer_value(v), &row);
        json_decref(row);
        if (s == STORE_NOT_FOUND)
            return http_err_set(e, HE_INVALID_VALUE, f->name, "Le champ « %s » désigne un enregistrement inexistant (%s n° %lld).",
                                label_of(f), target->label_fr, (long long)json_integer_value(v));
        if (s != STORE_OK)
            return http_err_set(e, s == STORE_BUSY ? HE_UNAVAILABLE : HE_INTERNAL, NULL,
                                "Impossible de vérifier le champ « %s ».", label_of(f));
    }
    return 0;
}
