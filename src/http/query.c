/* Query-string parameters: paging, filters, search. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "http/http_internal.h"

int http_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s) return -1;
    const char *p = s;
    if (*p == '-') p++;
    if (!*p) return -1;
    for (; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

const char *http_query_get(const http_request *r, const char *key)
{
    for (size_t i = 0; i < r->nquery; i++)
        if (strcmp(r->query[i].key, key) == 0) return r->query[i].value;
    return NULL;
}

static int parse_paging_param(const http_kv *kv, store_list_query *q, bool *seen_offset, bool *seen_limit,
                              http_err *e)
{
    if (strcmp(kv->key, "offset") == 0) {
        if (*seen_offset) return http_err_set(e, HE_BAD_REQUEST, "offset", "Le paramètre « offset » est répété.");
        *seen_offset = true;
        if (http_parse_int64(kv->value, 0, INT64_MAX / 2, &q->offset) != 0)
            return http_err_set(e, HE_INVALID_VALUE, "offset",
                                "Le paramètre « offset » doit être un entier positif ou nul.");
        return 1;
    }
    if (strcmp(kv->key, "limit") == 0) {
        if (*seen_limit) return http_err_set(e, HE_BAD_REQUEST, "limit", "Le paramètre « limit » est répété.");
        *seen_limit = true;
        if (http_parse_int64(kv->value, 1, HTTP_LIST_MAX_LIMIT, &q->limit) != 0)
            return http_err_set(e, HE_INVALID_VALUE, "limit", "Le paramètre « limit » doit être un entier entre 1 et %d.",
                                HTTP_LIST_MAX_LIMIT);
        return 1;
    }
    return 0;
}

/* Checks a filter value against the field's type so the store never sees nonsense. */
static int check_filter_value(const model_field *f, const char *v, http_err *e)
{
    const char *label = f->label_fr ? f->label_fr : f->name;
    int64_t tmp;
    switch (f->type) {
    case FIELD_INT:
    case FIELD_REF:
        if (http_parse_int64(v, f->type == FIELD_REF ? 1 : INT64_MIN, INT64_MAX, &tmp) != 0)
            return http_err_set(e, HE_INVALID_VALUE, f->name, "Le filtre « %s » doit être un entier.", label);
        break;
    case FIELD_BOOL:
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
            return http_err_set(e, HE_INVALID_VALUE, f->name, "Le filtre « %s » doit valoir true ou false.", label);
        break;
    case FIELD_DATE:
    case FIELD_DATETIME: /* datetime columns are filtered by day */
        if (time_parse_date(v, &tmp) != 0)
            return http_err_set(e, HE_INVALID_VALUE, f->name,
                                "Le filtre « %s » doit être une date valide au format AAAA-MM-JJ.", label);
        break;
    case FIELD_ENUM: {
        bool ok = false;
        for (const char *const *ev = f->enum_values; ev && *ev; ev++)
            if (strcmp(*ev, v) == 0) ok = true;
        if (!ok) return http_err_set(e, HE_INVALID_VALUE, f->name, "Valeur non autorisée pour le filtre « %s ».", label);
        break;
    }
    case FIELD_TEXT: {
        size_t max = f->max_len ? f->max_len : 255;
        if (strlen(v) > max)
            return http_err_set(e, HE_INVALID_VALUE, f->name, "Le filtre « %s » dépasse %zu caractères.", label, max);
        break;
    }
    }
    return 0;
}

static void paging_defaults(store_list_query *q, store_filter *filters)
{
    q->filters = filters;
    q->nfilters = 0;
    q->offset = 0;
    q->limit = HTTP_LIST_DEFAULT_LIMIT;
}

static int add_filter(store_filter *filters, store_list_query *q, const http_kv *kv, http_err *e)
{
    for (size_t j = 0; j < q->nfilters; j++)
        if (strcmp(filters[j].field, kv->key) == 0)
            return http_err_set(e, HE_BAD_REQUEST, kv->key, "Le paramètre « %s » est répété.", kv->key);
    if (q->nfilters >= HTTP_MAX_FILTERS)
        return http_err_set(e, HE_BAD_REQUEST, NULL, "Trop de filtres (au plus %d).", HTTP_MAX_FILTERS);
    filters[q->nfilters].field = kv->key;
    filters[q->nfilters].value = kv->value;
    q->nfilters++;
    return 0;
}

int http_parse_list_query(const model_resource *res, const http_kv *kv, size_t n, store_filter *filters,
                          store_list_query *q, http_err *e)
{
    paging_defaults(q, filters);
    bool so = false, sl = false;
    for (size_t i = 0; i < n; i++) {
        int r = parse_paging_param(&kv[i], q, &so, &sl, e);
        if (r < 0) goto fail;
        if (r > 0) continue;
        if (strcmp(kv[i].key, "q") == 0) {
            bool searchable = false;
            for (size_t k = 0; k < res->nfields; k++)
                if (res->fields[k].flags & FIELD_SEARCH) searchable = true;
            if (!searchable) {
                http_err_set(e, HE_UNKNOWN_FIELD, "q", "La recherche « q » n'est pas disponible pour cette ressource (%s).",
                             res->label_fr);
                goto fail;
            }
            if (!kv[i].value[0] || strlen(kv[i].value) > 255) {
                http_err_set(e, HE_INVALID_VALUE, "q", "Le texte recherché « q » doit contenir de 1 à 255 caractères.");
                goto fail;
            }
            if (add_filter(filters, q, &kv[i], e) < 0) goto fail;
            continue;
        }
        const model_field *f = model_field_find(res, kv[i].key);
        if (!f || !(f->flags & FIELD_FILTER) || (f->flags & FIELD_SECRET)) {
            http_err_set(e, HE_UNKNOWN_FIELD, kv[i].key, "Filtre inconnu pour la ressource %s : « %s ».", res->label_fr,
                         kv[i].key);
            goto fail;
        }
        if (check_filter_value(f, kv[i].value, e) < 0 || add_filter(filters, q, &kv[i], e) < 0) goto fail;
    }
    return 0;
fail:
    e->status = 400;
    return -1;
}

int http_parse_paging(const http_kv *kv, size_t n, const char *const *allowed, store_filter *filters,
                      store_list_query *q, http_err *e)
{
    paging_defaults(q, filters);
    bool so = false, sl = false;
    for (size_t i = 0; i < n; i++) {
        int r = parse_paging_param(&kv[i], q, &so, &sl, e);
        if (r < 0) goto fail;
        if (r > 0) continue;
        bool ok = false;
        for (const char *const *a = allowed; a && *a; a++)
            if (strcmp(*a, kv[i].key) == 0) ok = true;
        if (!ok) {
            http_err_set(e, HE_UNKNOWN_FIELD, kv[i].key, "Paramètre inconnu : « %s ».", kv[i].key);
            goto fail;
        }
        if (add_filter(filters, q, &kv[i], e) < 0) goto fail;
    }
    return 0;
fail:
    e->status = 400;
    return -1;
}
