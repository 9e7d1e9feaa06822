/* Modality Worklist query parsing: a C-FIND identifier becomes a list of matching keys typed
 * by the rules of PS3.4 C.2.2.2 (single value, universal, wildcard, range, UID list, sequence,
 * combined date-time). The store translates this structure to SQL; dcm_mwl_match() is the
 * reference semantics. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "dicom/dicom_internal.h"

typedef struct {
    dcm_mwl_key *v;
    size_t n, cap;
} keyvec;

static dcm_mwl_key *push(keyvec *kv)
{
    if (kv->n == kv->cap) {
        size_t nc = kv->cap ? kv->cap * 2 : 16;
        dcm_mwl_key *nv = realloc(kv->v, nc * sizeof *nv);
        if (!nv) return NULL;
        kv->v = nv;
        kv->cap = nc;
    }
    dcm_mwl_key *k = &kv->v[kv->n++];
    memset(k, 0, sizeof *k);
    return k;
}

static void key_free(dcm_mwl_key *k)
{
    free((void *)k->value);
    if (k->uids) {
        for (size_t i = 0; i < k->nuids; i++) free((void *)k->uids[i]);
        free(k->uids);
    }
}

void dcm_mwl_query_free(dcm_mwl_query *q)
{
    if (!q) return;
    for (size_t i = 0; i < q->nkeys; i++) key_free(&q->keys[i]);
    free(q->keys);
    dcm_dataset_free(q->identifier);
    dcm_text_cache_free(q->conv);
    free(q);
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

int dcm_mwl_norm(dcm_vr vr, const char *s, size_t n, bool upper, char out[27])
{
    /* Date part "YYYYMMDD" and time part "HHMMSS.FFFFFF" */
    char date[9] = "", time[14] = "";
    const char *t = NULL;
    size_t tn = 0;
    if (vr == DCM_VR('D', 'A')) {
        if (n != 8 || !all_digits(s, 8)) return -1;
        memcpy(date, s, 8);
    } else if (vr == DCM_VR('D', 'T')) {
        if (n < 4) return -1;
        size_t dn = n < 8 ? n : 8;
        if (!all_digits(s, dn) || (dn != 4 && dn != 6 && dn != 8)) return -1;
        static const char lo_pad[] = "00000101", hi_pad[] = "99991231";
        memcpy(date, s, dn);
        memcpy(date + dn, (upper ? hi_pad : lo_pad) + dn, 8 - dn);
        if (n > 8) {
            t = s + 8;
            tn = n - 8;
        }
    } else if (vr == DCM_VR('T', 'M')) {
        t = s;
        tn = n;
        if (n == 0) return -1;
    } else {
        return -1;
    }
    if (vr != DCM_VR('D', 'A')) {
        /* HH[MM[SS[.F{1,6}]]] */
        size_t hn = 0;
        while (hn < tn && hn < 6 && isdigit((unsigned char)t[hn])) hn++;
        if ((hn & 1) || (tn && hn == 0)) return -1;
        const char *pad = upper ? "235959" : "000000";
        memcpy(time, t, hn);
        memcpy(time + hn, pad + hn, 6 - hn);
        time[6] = '.';
        size_t fn = 0;
        if (hn < tn) {
            if (hn != 6 || t[hn] != '.') return -1;
            fn = tn - hn - 1;
            if (fn > 6 || !all_digits(t + hn + 1, fn)) return -1;
            memcpy(time + 7, t + hn + 1, fn);
        }
        memset(time + 7 + fn, upper ? '9' : '0', 6 - fn);
        time[13] = 0;
        if (tn == 0 && vr == DCM_VR('D', 'T')) memcpy(time, upper ? "235959.999999" : "000000.000000", 14);
    }
    snprintf(out, 27, "%s%s", date, time);
    return 0;
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static bool is_wild_vr(dcm_vr vr)
{
    return vr == DCM_VR('A', 'E') || vr == DCM_VR('C', 'S') || vr == DCM_VR('L', 'O') || vr == DCM_VR('L', 'T') ||
           vr == DCM_VR('P', 'N') || vr == DCM_VR('S', 'H') || vr == DCM_VR('S', 'T') || vr == DCM_VR('U', 'C') ||
           vr == DCM_VR('U', 'R') || vr == DCM_VR('U', 'T');
}

/* Classifies one non-sequence element into a key (or none when universal). */
static int add_value_key(keyvec *kv, const dcm_element *e, uint8_t depth, uint32_t parent, uint32_t parent2,
                         dcm_status *st)
{
    if (!dcm_vr_is_string(e->vr) || e->len == 0) return 0; /* binary keys: return keys only */
    const uint8_t *p = e->value;
    size_t n = e->len;
    dcm_trim(e->vr, &p, &n);
    const char *s = (const char *)p;
    if (n == 0 || (n == 1 && s[0] == '*')) return 0; /* universal */
    dcm_mwl_key *k = push(kv);
    if (!k) goto oom;
    k->tag = e->tag;
    k->vr = e->vr;
    k->depth = depth;
    k->parent = parent;
    k->parent2 = parent2;
    if (e->vr == DCM_VR('D', 'A') || e->vr == DCM_VR('T', 'M') || e->vr == DCM_VR('D', 'T')) {
        const char *dash = memchr(s, '-', n);
        if (dash) {
            size_t ln = (size_t)(dash - s), hn = n - ln - 1;
            if ((ln == 0 && hn == 0) || memchr(dash + 1, '-', hn) ||
                (ln && dcm_mwl_norm(e->vr, s, ln, false, k->lo) != 0) ||
                (hn && dcm_mwl_norm(e->vr, dash + 1, hn, true, k->hi) != 0))
                goto bad;
            k->type = DCM_MATCH_RANGE;
            return 0;
        }
        char tmp[27];
        if (dcm_mwl_norm(e->vr, s, n, false, tmp) != 0) goto bad;
        /* a single date/time is the range it denotes ("08" = 08:00:00 to 08:59:59.999999) */
        (void)dcm_mwl_norm(e->vr, s, n, false, k->lo);
        (void)dcm_mwl_norm(e->vr, s, n, true, k->hi);
        k->type = DCM_MATCH_SINGLE;
        k->value = dupn(s, n);
        if (!k->value) goto oom;
        return 0;
    }
    if (e->vr == DCM_VR('U', 'I') && memchr(s, '\\', n)) {
        k->type = DCM_MATCH_UID_LIST;
        size_t cnt = 1;
        for (size_t i = 0; i < n; i++) cnt += s[i] == '\\';
        k->uids = calloc(cnt, sizeof *k->uids);
        if (!k->uids) goto oom;
        size_t start = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i == n || s[i] == '\\') {
                const uint8_t *u = (const uint8_t *)s + start;
                size_t un = i - start;
                dcm_trim(e->vr, &u, &un);
                k->uids[k->nuids] = dupn((const char *)u, un);
                if (!k->uids[k->nuids]) goto oom;
                k->nuids++;
                start = i + 1;
            }
        }
        return 0;
    }
    k->type = is_wild_vr(e->vr) && (memchr(s, '*', n) || memchr(s, '?', n)) ? DCM_MATCH_WILDCARD : DCM_MATCH_SINGLE;
    k->value = dupn(s, n);
    if (!k->value) goto oom;
    return 0;
bad:
    dcm_status_set(st, DCM_STATUS_UNABLE_TO_PROCESS, "invalid %s value in key (%04X,%04X)",
                   e->vr == DCM_VR('D', 'A') ? "date" : e->vr == DCM_VR('T', 'M') ? "time" : "date-time", DCM_GROUP(e->tag),
                   DCM_ELEM(e->tag));
    st->offending_tag = e->tag;
    return -1;
oom:
    dcm_status_set(st, DCM_STATUS_OUT_OF_RESOURCES, "out of memory");
    return -1;
}

static int add_level(keyvec *kv, const dcm_dataset *ds, uint8_t depth, uint32_t parent, uint32_t parent2, dcm_status *st)
{
    for (size_t i = 0; i < dcm_dataset_count(ds); i++) {
        const dcm_element *e = dcm_dataset_at(ds, i);
        if (e->tag == DCM_SpecificCharacterSet) continue;
        if (DCM_GROUP(e->tag) == 0x0002 || DCM_GROUP(e->tag) == 0x0000) {
            dcm_status_set(st, DCM_STATUS_IDENTIFIER_MISMATCH, "group %04X element in a C-FIND identifier", DCM_GROUP(e->tag));
            return -1;
        }
        if (e->vr != DCM_VR('S', 'Q')) {
            if (dcm_dict_vr(e->tag) == DCM_VR('S', 'Q')) {
                dcm_status_set(st, DCM_STATUS_IDENTIFIER_MISMATCH, "(%04X,%04X) must be a sequence", DCM_GROUP(e->tag),
                               DCM_ELEM(e->tag));
                st->offending_tag = e->tag;
                return -1;
            }
            if (add_value_key(kv, e, depth, parent, parent2, st) != 0) return -1;
            continue;
        }
        if (e->nitems > 1) {
            dcm_status_set(st, DCM_STATUS_IDENTIFIER_MISMATCH, "sequence key (%04X,%04X) with more than one item",
                           DCM_GROUP(e->tag), DCM_ELEM(e->tag));
            st->offending_tag = e->tag;
            return -1;
        }
        if (e->nitems == 0 || depth >= 2) continue; /* return key only */
        size_t at = kv->n;
        dcm_mwl_key *k = push(kv);
        if (!k) {
            dcm_status_set(st, DCM_STATUS_OUT_OF_RESOURCES, "out of memory");
            return -1;
        }
        k->tag = e->tag;
        k->vr = e->vr;
        k->depth = depth;
        k->parent = parent;
        k->parent2 = parent2;
        k->type = DCM_MATCH_SEQUENCE;
        if (add_level(kv, e->items[0], (uint8_t)(depth + 1), e->tag, parent, st) != 0) return -1;
        kv->v[at].nsub = kv->n - at - 1;
        if (kv->v[at].nsub == 0) kv->n--; /* all members universal: universal sequence */
    }
    return 0;
}

/* Combines SPS Start Date and Start Time keys of one level into one date-time range
 * (PS3.4 C.2.2.2.5), when both are present. */
static void combine_datetime(dcm_mwl_key *keys, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        if (keys[i].tag != DCM_ScheduledProcedureStepStartDate) continue;
        for (size_t j = i + 1; j < *n; j++) {
            if (keys[j].tag != DCM_ScheduledProcedureStepStartTime || keys[j].parent != keys[i].parent ||
                keys[j].depth != keys[i].depth)
                continue;
            dcm_mwl_key *d = &keys[i], *t = &keys[j];
            char lo[27] = "", hi[27] = "";
            if (d->lo[0] && t->lo[0]) snprintf(lo, sizeof lo, "%.8s%.13s", d->lo, t->lo);
            else if (d->lo[0]) snprintf(lo, sizeof lo, "%.8s000000.000000", d->lo);
            if (d->hi[0] && t->hi[0]) snprintf(hi, sizeof hi, "%.8s%.13s", d->hi, t->hi);
            else if (d->hi[0]) snprintf(hi, sizeof hi, "%.8s235959.999999", d->hi);
            memcpy(d->lo, lo, sizeof lo);
            memcpy(d->hi, hi, sizeof hi);
            d->type = DCM_MATCH_DATETIME_RANGE;
            d->tag2 = t->tag;
            d->vr = DCM_VR('D', 'T');
            free((void *)d->value);
            d->value = NULL;
            key_free(t);
            memmove(t, t + 1, (*n - j - 1) * sizeof *t);
            (*n)--;
            /* fix the enclosing sequence sizes */
            for (size_t k = 0; k < i; k++)
                if (keys[k].type == DCM_MATCH_SEQUENCE && k + keys[k].nsub >= j) keys[k].nsub--;
            return;
        }
    }
}

/* A Scheduled Procedure Step Sequence key with no item or an empty item asks for the whole
 * step: it is expanded to the SPS attributes of PS3.4 Table K.6-1 (as DCMTK's wlmscpfs does). */
static int expand_sps(dcm_dataset *identifier)
{
    static const uint32_t keys[] = {
        DCM_Modality, 0x00321070u /* Requested Contrast Agent */, DCM_ScheduledStationAETitle,
        DCM_ScheduledProcedureStepStartDate, DCM_ScheduledProcedureStepStartTime, 0x00400004u /* End Date */,
        0x00400005u /* End Time */, DCM_ScheduledPerformingPhysicianName, DCM_ScheduledProcedureStepDescription,
        DCM_ScheduledProtocolCodeSequence, DCM_ScheduledProcedureStepID, DCM_ScheduledStationName,
        DCM_ScheduledProcedureStepLocation, 0x00400012u /* Pre-Medication */, DCM_ScheduledProcedureStepStatus,
        0x00400400u /* Comments on the Scheduled Procedure Step */,
    };
    if (dcm_seq_set_empty(identifier, DCM_ScheduledProcedureStepSequence) != 0) return -1;
    dcm_dataset *item = dcm_seq_append(identifier, DCM_ScheduledProcedureStepSequence);
    if (!item) return -1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int rc = dcm_dict_vr(keys[i]) == DCM_VR('S', 'Q') ? dcm_seq_set_empty(item, keys[i]) : dcm_set_string(item, keys[i], "");
        if (rc != 0) return -1;
    }
    return 0;
}

int dcm_mwl_query_parse(dcm_dataset *identifier, dcm_charset default_charset, const char *station_filter,
                        dcm_mwl_query **out, dcm_status *st)
{
    *out = NULL;
    memset(st, 0, sizeof *st);
    if (!identifier) {
        dcm_status_set(st, DCM_STATUS_IDENTIFIER_MISMATCH, "C-FIND without identifier");
        return -1;
    }
    char term[80];
    dcm_charset cs = DCM_CS_DEFAULT;
    int tl = dcm_get_string(identifier, DCM_SpecificCharacterSet, term, sizeof term);
    if (tl == -2 || (tl >= 0 && dcm_charset_parse(term, &cs) != 0)) {
        dcm_status_set(st, DCM_STATUS_UNABLE_TO_PROCESS, "Specific Character Set not supported: %.30s",
                       tl >= 0 ? term : "(too long)");
        st->offending_tag = DCM_SpecificCharacterSet;
        dcm_dataset_free(identifier);
        return -1;
    }
    char err[120];
    if (dcm_dataset_to_utf8(identifier, err, sizeof err) != 0) {
        dcm_status_set(st, DCM_STATUS_UNABLE_TO_PROCESS, "%s", err);
        dcm_dataset_free(identifier);
        return -1;
    }
    const dcm_element *sps = dcm_find(identifier, DCM_ScheduledProcedureStepSequence);
    if (dcm_has(identifier, DCM_QueryRetrieveLevel) || (sps && sps->vr != DCM_VR('S', 'Q'))) {
        dcm_status_set(st, DCM_STATUS_IDENTIFIER_MISMATCH, "identifier is not a Modality Worklist query");
        dcm_dataset_free(identifier);
        return -1;
    }
    if (sps && (sps->nitems == 0 || dcm_dataset_count(sps->items[0]) == 0) && expand_sps(identifier) != 0) {
        dcm_status_set(st, DCM_STATUS_OUT_OF_RESOURCES, "out of memory");
        dcm_dataset_free(identifier);
        return -1;
    }
    dcm_mwl_query *q = calloc(1, sizeof *q);
    keyvec kv = {0};
    if (!q) {
        dcm_status_set(st, DCM_STATUS_OUT_OF_RESOURCES, "out of memory");
        dcm_dataset_free(identifier);
        return -1;
    }
    q->identifier = identifier;
    q->answer_charset = tl > 0 ? cs : default_charset;
    if (station_filter) snprintf(q->station_filter, sizeof q->station_filter, "%s", station_filter);
    if (add_level(&kv, identifier, 0, 0, 0, st) != 0) {
        q->keys = kv.v;
        q->nkeys = kv.n;
        dcm_mwl_query_free(q);
        return -1;
    }
    combine_datetime(kv.v, &kv.n);
    q->keys = kv.v;
    q->nkeys = kv.n;
    *out = q;
    return 0;
}

static const char *type_name(dcm_match_type t)
{
    switch (t) {
    case DCM_MATCH_SINGLE: return "single";
    case DCM_MATCH_WILDCARD: return "wildcard";
    case DCM_MATCH_RANGE: return "range";
    case DCM_MATCH_UID_LIST: return "uids";
    case DCM_MATCH_SEQUENCE: return "sequence";
    case DCM_MATCH_DATETIME_RANGE: return "datetime";
    default: return "universal";
    }
}

const char *dcm_mwl_query_describe(const dcm_mwl_query *q, char *out, size_t n)
{
    if (!n) return out;
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < q->nkeys; i++) {
        const dcm_mwl_key *k = &q->keys[i];
        if (k->type == DCM_MATCH_SEQUENCE) continue; /* shown as the prefix of its members */
        char one[80];
        int l;
        char path[24] = "";
        if (k->depth >= 2) snprintf(path, sizeof path, "%08X/%08X/", k->parent2, k->parent);
        else if (k->depth == 1) snprintf(path, sizeof path, "%08X/", k->parent);
        if (k->type == DCM_MATCH_DATETIME_RANGE)
            l = snprintf(one, sizeof one, "%s%s%08X+%08X:%s", len ? "," : "", path, k->tag, k->tag2, type_name(k->type));
        else
            l = snprintf(one, sizeof one, "%s%s%08X:%s", len ? "," : "", path, k->tag, type_name(k->type));
        if (l < 0) break;
        if (len + (size_t)l + 4 > n) {
            if (n >= 4) snprintf(out + (len + 4 > n ? n - 4 : len), 4, "...");
            return out;
        }
        memcpy(out + len, one, (size_t)l + 1);
        len += (size_t)l;
    }
    if (!len) snprintf(out, n, "-");
    return out;
}
