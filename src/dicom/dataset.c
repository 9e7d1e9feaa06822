/* In-memory data sets: a tag-sorted array of elements; sequence items are data sets. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "dicom/dicom_internal.h"

struct dcm_dataset {
    dcm_element *el;
    size_t n, cap;
};

void dcm_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

dcm_dataset *dcm_dataset_new(void) { return calloc(1, sizeof(dcm_dataset)); }

static void element_clear(dcm_element *e)
{
    free(e->value);
    for (uint32_t i = 0; i < e->nitems; i++) dcm_dataset_free(e->items[i]);
    free(e->items);
    e->value = NULL;
    e->items = NULL;
    e->len = e->nitems = e->items_cap = 0;
}

void dcm_dataset_free(dcm_dataset *ds)
{
    if (!ds) return;
    for (size_t i = 0; i < ds->n; i++) element_clear(&ds->el[i]);
    free(ds->el);
    free(ds);
}

size_t dcm_dataset_count(const dcm_dataset *ds) { return ds ? ds->n : 0; }
const dcm_element *dcm_dataset_at(const dcm_dataset *ds, size_t i) { return ds && i < ds->n ? &ds->el[i] : NULL; }

/* Index of tag, or -(insertion point)-1. */
static long find_index(const dcm_dataset *ds, uint32_t tag)
{
    size_t lo = 0, hi = ds->n;
    /* fast path: appending in order */
    if (ds->n && ds->el[ds->n - 1].tag < tag) return -(long)ds->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ds->el[mid].tag == tag) return (long)mid;
        if (ds->el[mid].tag < tag) lo = mid + 1;
        else hi = mid;
    }
    return -(long)lo - 1;
}

const dcm_element *dcm_find(const dcm_dataset *ds, uint32_t tag)
{
    if (!ds) return NULL;
    long i = find_index(ds, tag);
    return i >= 0 ? &ds->el[i] : NULL;
}

dcm_element *dcm_find_mut(dcm_dataset *ds, uint32_t tag)
{
    if (!ds) return NULL;
    long i = find_index(ds, tag);
    return i >= 0 ? &ds->el[i] : NULL;
}

bool dcm_has(const dcm_dataset *ds, uint32_t tag) { return dcm_find(ds, tag) != NULL; }

int dcm_remove(dcm_dataset *ds, uint32_t tag)
{
    long i = find_index(ds, tag);
    if (i < 0) return -1;
    element_clear(&ds->el[i]);
    memmove(&ds->el[i], &ds->el[i + 1], (ds->n - (size_t)i - 1) * sizeof(dcm_element));
    ds->n--;
    return 0;
}

/* Finds or inserts an element for tag (cleared when it existed). */
static dcm_element *slot(dcm_dataset *ds, uint32_t tag, dcm_vr vr)
{
    long i = find_index(ds, tag);
    if (i >= 0) {
        element_clear(&ds->el[i]);
        ds->el[i].vr = vr;
        return &ds->el[i];
    }
    size_t at = (size_t)(-i - 1);
    if (ds->n == ds->cap) {
        size_t nc = ds->cap ? ds->cap * 2 : 16;
        dcm_element *ne = realloc(ds->el, nc * sizeof(dcm_element));
        if (!ne) return NULL;
        ds->el = ne;
        ds->cap = nc;
    }
    memmove(&ds->el[at + 1], &ds->el[at], (ds->n - at) * sizeof(dcm_element));
    ds->n++;
    dcm_element *e = &ds->el[at];
    memset(e, 0, sizeof *e);
    e->tag = tag;
    e->vr = vr;
    return e;
}

int dcm_element_set_value(dcm_element *el, const void *value, size_t len)
{
    if (len > 0xFFFFFFF0u) return -1;
    uint8_t *v = NULL;
    if (len) {
        v = malloc(len);
        if (!v) return -1;
        memcpy(v, value, len);
    }
    free(el->value);
    el->value = v;
    el->len = (uint32_t)len;
    return 0;
}

int dcm_set_bytes(dcm_dataset *ds, uint32_t tag, dcm_vr vr, const void *value, size_t len)
{
    if (!ds) return -1;
    if (vr == DCM_VR_NONE) vr = dcm_dict_vr(tag);
    if (vr == DCM_VR('S', 'Q')) return -1;
    dcm_element *e = slot(ds, tag, vr);
    if (!e) return -1;
    if (dcm_element_set_value(e, value, len) != 0) {
        dcm_remove(ds, tag);
        return -1;
    }
    return 0;
}

int dcm_set_string(dcm_dataset *ds, uint32_t tag, const char *value)
{
    return dcm_set_bytes(ds, tag, DCM_VR_NONE, value ? value : "", value ? strlen(value) : 0);
}

int dcm_set_string_vr(dcm_dataset *ds, uint32_t tag, dcm_vr vr, const char *value)
{
    return dcm_set_bytes(ds, tag, vr, value ? value : "", value ? strlen(value) : 0);
}

int dcm_set_u16(dcm_dataset *ds, uint32_t tag, uint16_t v)
{
    uint8_t b[2];
    dcm_wr16le(b, v);
    return dcm_set_bytes(ds, tag, DCM_VR('U', 'S'), b, 2);
}

int dcm_set_u32(dcm_dataset *ds, uint32_t tag, uint32_t v)
{
    uint8_t b[4];
    dcm_wr32le(b, v);
    return dcm_set_bytes(ds, tag, DCM_VR('U', 'L'), b, 4);
}

static dcm_element *seq_element(dcm_dataset *ds, uint32_t tag)
{
    long i = find_index(ds, tag);
    if (i >= 0) {
        dcm_element *e = &ds->el[i];
        if (e->vr != DCM_VR('S', 'Q')) {
            element_clear(e);
            e->vr = DCM_VR('S', 'Q');
        }
        return e;
    }
    return slot(ds, tag, DCM_VR('S', 'Q'));
}

int dcm_seq_append_owned(dcm_dataset *ds, uint32_t tag, dcm_dataset *item)
{
    dcm_element *e = seq_element(ds, tag);
    if (!e) return -1;
    if (e->nitems == e->items_cap) {
        uint32_t nc = e->items_cap ? e->items_cap * 2 : 2;
        dcm_dataset **ni = realloc(e->items, nc * sizeof *ni);
        if (!ni) return -1;
        e->items = ni;
        e->items_cap = nc;
    }
    e->items[e->nitems++] = item;
    return 0;
}

dcm_dataset *dcm_seq_append(dcm_dataset *ds, uint32_t tag)
{
    if (!ds) return NULL;
    dcm_dataset *item = dcm_dataset_new();
    if (!item) return NULL;
    if (dcm_seq_append_owned(ds, tag, item) != 0) {
        dcm_dataset_free(item);
        return NULL;
    }
    return item;
}

int dcm_seq_set_empty(dcm_dataset *ds, uint32_t tag)
{
    if (!ds) return -1;
    dcm_element *e = seq_element(ds, tag);
    if (!e) return -1;
    for (uint32_t i = 0; i < e->nitems; i++) dcm_dataset_free(e->items[i]);
    e->nitems = 0;
    return 0;
}

size_t dcm_seq_count(const dcm_dataset *ds, uint32_t tag)
{
    const dcm_element *e = dcm_find(ds, tag);
    return e && e->vr == DCM_VR('S', 'Q') ? e->nitems : 0;
}

const dcm_dataset *dcm_seq_item(const dcm_dataset *ds, uint32_t tag, size_t i)
{
    const dcm_element *e = dcm_find(ds, tag);
    return e && e->vr == DCM_VR('S', 'Q') && i < e->nitems ? e->items[i] : NULL;
}

dcm_dataset *dcm_dataset_clone(const dcm_dataset *ds)
{
    dcm_dataset *c = dcm_dataset_new();
    if (!c || !ds) return c;
    c->el = calloc(ds->n ? ds->n : 1, sizeof(dcm_element));
    if (!c->el) goto fail;
    c->cap = ds->n ? ds->n : 1;
    for (size_t i = 0; i < ds->n; i++) {
        const dcm_element *s = &ds->el[i];
        dcm_element *d = &c->el[i];
        d->tag = s->tag;
        d->vr = s->vr;
        c->n = i + 1;
        if (s->vr == DCM_VR('S', 'Q')) {
            if (s->nitems) {
                d->items = calloc(s->nitems, sizeof *d->items);
                if (!d->items) goto fail;
                d->items_cap = s->nitems;
                for (uint32_t k = 0; k < s->nitems; k++) {
                    d->items[k] = dcm_dataset_clone(s->items[k]);
                    if (!d->items[k]) goto fail;
                    d->nitems = k + 1;
                }
            }
        } else if (dcm_element_set_value(d, s->value, s->len) != 0) {
            goto fail;
        }
    }
    return c;
fail:
    dcm_dataset_free(c);
    return NULL;
}

void dcm_trim(dcm_vr vr, const uint8_t **p, size_t *n)
{
    const uint8_t *s = *p;
    size_t len = *n;
    while (len && (s[len - 1] == ' ' || s[len - 1] == 0)) len--;
    if (!dcm_vr_is_text(vr) || vr == DCM_VR('P', 'N'))
        while (len && s[0] == ' ') { s++; len--; }
    *p = s;
    *n = len;
}

int dcm_get_string_at(const dcm_dataset *ds, uint32_t tag, size_t idx, char *out, size_t n)
{
    const dcm_element *e = dcm_find(ds, tag);
    if (!e || e->vr == DCM_VR('S', 'Q')) return -1;
    const uint8_t *p = e->value;
    size_t len = e->len;
    bool multi = e->vr != DCM_VR('L', 'T') && e->vr != DCM_VR('S', 'T') && e->vr != DCM_VR('U', 'T') &&
                 e->vr != DCM_VR('U', 'R');
    if (multi) {
        size_t k = 0, start = 0;
        for (size_t i = 0; i <= len; i++) {
            if (i == len || p[i] == '\\') {
                if (k == idx) {
                    p = e->value + start;
                    len = i - start;
                    goto found;
                }
                k++;
                start = i + 1;
            }
        }
        return -1;
    } else if (idx) {
        return -1;
    }
found:;
    const uint8_t *s = p;
    size_t sl = len;
    if (s) dcm_trim(e->vr, &s, &sl);
    else sl = 0;
    if (sl + 1 > n) return -2;
    if (sl) memcpy(out, s, sl);
    out[sl] = 0;
    return (int)sl;
}

int dcm_get_string(const dcm_dataset *ds, uint32_t tag, char *out, size_t n)
{
    const dcm_element *e = dcm_find(ds, tag);
    if (!e || e->vr == DCM_VR('S', 'Q')) return -1;
    const uint8_t *s = e->value;
    size_t sl = e->len;
    if (s) dcm_trim(e->vr, &s, &sl);
    else sl = 0;
    if (sl + 1 > n) return -2;
    if (sl) memcpy(out, s, sl);
    out[sl] = 0;
    return (int)sl;
}

int dcm_get_u16(const dcm_dataset *ds, uint32_t tag, uint16_t *out)
{
    const dcm_element *e = dcm_find(ds, tag);
    if (!e || e->len < 2) return -1;
    *out = dcm_rd16le(e->value);
    return 0;
}

int dcm_get_u32(const dcm_dataset *ds, uint32_t tag, uint32_t *out)
{
    const dcm_element *e = dcm_find(ds, tag);
    if (!e || e->len < 4) return -1;
    *out = dcm_rd32le(e->value);
    return 0;
}
