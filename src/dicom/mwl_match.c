/* Reference (in-memory) worklist matching, PS3.4 C.2.2.2: the semantics the store's SQL
 * translation must reproduce. Values are UTF-8 (the query and the items were converted).
 * PN matching is insensitive to ASCII case and ignores trailing '^' (C.2.2.2.1 allows it and
 * IHE SWF recommends it); every other VR matches case-sensitively. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "dicom/dicom_internal.h"

static int fold(int c, bool ci) { return ci && c < 0x80 ? tolower(c) : c; }

/* Length of the UTF-8 character starting at s (1 for invalid bytes). */
static size_t u8len(const unsigned char *s, size_t n)
{
    size_t l = 1;
    if (s[0] >= 0xF0) l = 4;
    else if (s[0] >= 0xE0) l = 3;
    else if (s[0] >= 0xC0) l = 2;
    return l <= n ? l : 1;
}

/* '*' any sequence, '?' one character (C.2.2.2.4). Iterative with single backtrack point. */
static bool glob(const char *p, size_t pn, const char *t, size_t tn, bool ci)
{
    size_t pi = 0, ti = 0, star_p = (size_t)-1, star_t = 0;
    while (ti < tn) {
        if (pi < pn && p[pi] == '*') {
            star_p = ++pi;
            star_t = ti;
        } else if (pi < pn && p[pi] == '?') {
            pi++;
            ti += u8len((const unsigned char *)t + ti, tn - ti);
        } else if (pi < pn && fold((unsigned char)p[pi], ci) == fold((unsigned char)t[ti], ci)) {
            pi++;
            ti++;
        } else if (star_p != (size_t)-1) {
            pi = star_p;
            star_t += u8len((const unsigned char *)t + star_t, tn - star_t);
            ti = star_t;
        } else {
            return false;
        }
    }
    while (pi < pn && p[pi] == '*') pi++;
    return pi == pn;
}

static bool eq(const char *a, size_t an, const char *b, size_t bn, bool ci)
{
    if (an != bn) return false;
    for (size_t i = 0; i < an; i++)
        if (fold((unsigned char)a[i], ci) != fold((unsigned char)b[i], ci)) return false;
    return true;
}

static bool multi_valued(dcm_vr vr)
{
    return vr != DCM_VR('L', 'T') && vr != DCM_VR('S', 'T') && vr != DCM_VR('U', 'T') && vr != DCM_VR('U', 'R');
}

/* Matches one value of the item (trimmed) against key k. */
static bool match_value(const dcm_mwl_key *k, const char *v, size_t vn)
{
    bool pn = k->vr == DCM_VR('P', 'N');
    if (pn)
        while (vn && v[vn - 1] == '^') vn--;
    switch (k->type) {
    case DCM_MATCH_SINGLE:
        if (k->vr == DCM_VR('D', 'A') || k->vr == DCM_VR('T', 'M') || k->vr == DCM_VR('D', 'T')) {
            char nv[27];
            if (dcm_mwl_norm(k->vr, v, vn, false, nv) != 0) return false;
            return strcmp(nv, k->lo) >= 0 && strcmp(nv, k->hi) <= 0;
        } else {
            const char *kv = k->value;
            size_t kn = strlen(kv);
            if (pn)
                while (kn && kv[kn - 1] == '^') kn--;
            return eq(kv, kn, v, vn, pn);
        }
    case DCM_MATCH_WILDCARD: return glob(k->value, strlen(k->value), v, vn, pn);
    case DCM_MATCH_RANGE: {
        char nv[27];
        if (dcm_mwl_norm(k->vr, v, vn, false, nv) != 0) return false;
        return (!k->lo[0] || strcmp(nv, k->lo) >= 0) && (!k->hi[0] || strcmp(nv, k->hi) <= 0);
    }
    case DCM_MATCH_UID_LIST:
        for (size_t i = 0; i < k->nuids; i++)
            if (eq(k->uids[i], strlen(k->uids[i]), v, vn, false)) return true;
        return false;
    default: return true;
    }
}

static bool match_element(const dcm_mwl_key *k, const dcm_dataset *ds)
{
    const dcm_element *e = dcm_find(ds, k->tag);
    if (!e || e->vr == DCM_VR('S', 'Q') || e->len == 0) return false;
    if (k->type == DCM_MATCH_DATETIME_RANGE) {
        char d[16], t[32], nv[27], dt[48];
        if (dcm_get_string(ds, k->tag, d, sizeof d) != 8) return false;
        int tl = dcm_get_string(ds, k->tag2, t, sizeof t);
        if (tl < 0) tl = 0;
        snprintf(dt, sizeof dt, "%s%s", d, tl ? t : "000000");
        if (dcm_mwl_norm(DCM_VR('D', 'T'), dt, strlen(dt), false, nv) != 0) return false;
        return (!k->lo[0] || strcmp(nv, k->lo) >= 0) && (!k->hi[0] || strcmp(nv, k->hi) <= 0);
    }
    const uint8_t *p = e->value;
    size_t n = e->len;
    size_t start = 0;
    bool split = multi_valued(e->vr);
    for (size_t i = 0; i <= n; i++) {
        if (i == n || (split && p[i] == '\\')) {
            const uint8_t *s = p + start;
            size_t sn = i - start;
            dcm_trim(e->vr, &s, &sn);
            if (match_value(k, (const char *)s, sn)) return true;
            start = i + 1;
        }
    }
    return false;
}

bool dcm_mwl_match_keys(const dcm_mwl_key *keys, size_t n, const dcm_dataset *ds)
{
    for (size_t i = 0; i < n; i++) {
        const dcm_mwl_key *k = &keys[i];
        if (k->type == DCM_MATCH_SEQUENCE) {
            const dcm_element *e = dcm_find(ds, k->tag);
            bool any = false;
            if (e && e->vr == DCM_VR('S', 'Q'))
                for (uint32_t j = 0; j < e->nitems && !any; j++) any = dcm_mwl_match_keys(k + 1, k->nsub, e->items[j]);
            if (!any) return false;
            i += k->nsub;
            continue;
        }
        if (k->type == DCM_MATCH_UNIVERSAL) continue;
        if (!match_element(k, ds)) return false;
    }
    return true;
}

bool dcm_mwl_station_ok(const dcm_mwl_query *q, const dcm_dataset *sps_item)
{
    if (!q->station_filter[0]) return true;
    dcm_mwl_key k = {0};
    k.tag = DCM_ScheduledStationAETitle;
    k.vr = DCM_VR('A', 'E');
    k.type = DCM_MATCH_SINGLE;
    k.value = q->station_filter;
    return match_element(&k, sps_item);
}

bool dcm_mwl_match(const dcm_mwl_query *q, const dcm_dataset *item)
{
    if (!dcm_mwl_match_keys(q->keys, q->nkeys, item)) return false;
    if (!q->station_filter[0]) return true;
    /* the station filter and the query's SPS keys must hold for the same SPS item */
    const dcm_mwl_key *sps = NULL;
    for (size_t i = 0; i < q->nkeys; i++)
        if (q->keys[i].depth == 0 && q->keys[i].tag == DCM_ScheduledProcedureStepSequence &&
            q->keys[i].type == DCM_MATCH_SEQUENCE)
            sps = &q->keys[i];
    for (size_t j = 0; j < dcm_seq_count(item, DCM_ScheduledProcedureStepSequence); j++) {
        const dcm_dataset *it = dcm_seq_item(item, DCM_ScheduledProcedureStepSequence, j);
        if (dcm_mwl_station_ok(q, it) && (!sps || dcm_mwl_match_keys(sps + 1, sps->nsub, it))) return true;
    }
    return false;
}

/* ---------------------------------------------------------------- in-memory provider */

struct dcm_mwl_memory {
    dcm_dataset **items;
    size_t n, cap;
};

dcm_mwl_memory *dcm_mwl_memory_new(void) { return calloc(1, sizeof(dcm_mwl_memory)); }

void dcm_mwl_memory_free(dcm_mwl_memory *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) dcm_dataset_free(m->items[i]);
    free(m->items);
    free(m);
}

int dcm_mwl_memory_add(dcm_mwl_memory *m, const dcm_dataset *item)
{
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        dcm_dataset **ni = realloc(m->items, nc * sizeof *ni);
        if (!ni) return -1;
        m->items = ni;
        m->cap = nc;
    }
    dcm_dataset *c = dcm_dataset_clone(item);
    if (!c) return -1;
    m->items[m->n++] = c;
    return 0;
}

size_t dcm_mwl_memory_count(const dcm_mwl_memory *m) { return m->n; }

int dcm_mwl_memory_find(void *ud, const dcm_mwl_query *q, dcm_mwl_emit_fn emit, void *emit_ctx, dcm_status *st)
{
    (void)st;
    const dcm_mwl_memory *m = ud;
    for (size_t i = 0; i < m->n; i++)
        if (dcm_mwl_match(q, m->items[i]) && emit(emit_ctx, m->items[i]) != 0) break;
    return 0;
}
