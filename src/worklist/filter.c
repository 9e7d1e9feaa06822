/* dcm_mwl_query -> store_mwl_filter: the SQL part of a worklist query. Every criterion selects
 * a superset of what dcm_mwl_match accepts; the matcher stays the exact filter. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "worklist/worklist_internal.h"

static char *own(worklist_filter *wf, size_t n)
{
    if (wf->nowned == sizeof wf->owned / sizeof wf->owned[0]) return NULL;
    char *p = malloc(n);
    if (p) wf->owned[wf->nowned++] = p;
    return p;
}

/* DICOM wildcard ('*', '?') -> LIKE pattern with '\' escapes. */
static const char *like_pattern(worklist_filter *wf, const char *v)
{
    size_t n = strlen(v);
    char *p = own(wf, 2 * n + 1);
    if (!p) return NULL;
    char *o = p;
    for (const char *s = v; *s; s++) {
        if (*s == '*') *o++ = '%';
        else if (*s == '?') *o++ = '_';
        else {
            if (*s == '%' || *s == '_' || *s == '\\') *o++ = '\\';
            *o++ = *s;
        }
    }
    *o = 0;
    return p;
}

static const char *dup_str(worklist_filter *wf, const char *v)
{
    char *p = own(wf, strlen(v) + 1);
    if (p) strcpy(p, v);
    return p;
}

/* The family-name component's literal prefix (up to '^', '=', '*' or '?') as a search key. */
static const char *name_key(worklist_filter *wf, const char *v)
{
    char prefix[256];
    size_t n = strcspn(v, "^=*?");
    if (n == 0 || n >= sizeof prefix) return NULL;
    memcpy(prefix, v, n);
    prefix[n] = 0;
    char key[300];
    if (!store_search_key(prefix, key, sizeof key) || !key[0]) return NULL;
    /* a key ending inside a word keeps its prefix property; a trailing separator was trimmed */
    return dup_str(wf, key);
}

static int parse_day(const char *s, int64_t *days)
{
    char iso[11];
    if (strlen(s) < 8) return -1;
    memcpy(iso, s, 4);
    iso[4] = '-';
    memcpy(iso + 5, s + 4, 2);
    iso[7] = '-';
    memcpy(iso + 8, s + 6, 2);
    iso[10] = 0;
    return time_parse_date(iso, days);
}

/* Local-day range [lo, hi] -> UTC [from, to) with a margin for DST changes. */
static void day_range(const char *lo, const char *hi, store_mwl_filter *f)
{
    int64_t d;
    if (lo[0] && parse_day(lo, &d) == 0) {
        int64_t from = time_local_to_unix(d, 0) - 3600;
        if (!f->from || from > f->from) f->from = from;
    }
    if (hi[0] && parse_day(hi, &d) == 0) {
        int64_t to = time_local_to_unix(d + 1, 0) + 3600;
        if (!f->to || to < f->to) f->to = to;
    }
}

int worklist_filter_from_query(const dcm_mwl_query *q, worklist_filter *wf)
{
    memset(wf, 0, sizeof *wf);
    store_mwl_filter *f = &wf->f;
    for (size_t i = 0; i < q->nkeys; i++) {
        const dcm_mwl_key *k = &q->keys[i];
        bool single = k->type == DCM_MATCH_SINGLE, wild = k->type == DCM_MATCH_WILDCARD;
        if (k->depth == 0) {
            switch (k->tag) {
            case DCM_PatientName:
                if ((single || wild) && k->value && !f->birth_name_key) f->birth_name_key = name_key(wf, k->value);
                break;
            case DCM_PatientID:
                if (single) f->ipp = k->value;
                else if (wild && !(f->ipp_like = like_pattern(wf, k->value))) goto oom;
                break;
            case DCM_AccessionNumber:
                if (single) f->accession = k->value;
                else if (wild && !(f->accession_like = like_pattern(wf, k->value))) goto oom;
                break;
            case DCM_StudyInstanceUID:
                if (single && k->value) {
                    wf->uids[0] = k->value;
                    f->study_uids = wf->uids;
                    f->nstudy_uids = 1;
                } else if (k->type == DCM_MATCH_UID_LIST && k->nuids <= 64) {
                    for (size_t u = 0; u < k->nuids; u++) wf->uids[u] = k->uids[u];
                    f->study_uids = wf->uids;
                    f->nstudy_uids = k->nuids;
                }
                break;
            default: break;
            }
        } else if (k->depth == 1 && k->parent == DCM_ScheduledProcedureStepSequence) {
            switch (k->tag) {
            case DCM_ScheduledStationAETitle:
                if (single) f->ae_title = k->value;
                break;
            case DCM_Modality:
                if (single) f->modality = k->value;
                break;
            case DCM_ScheduledProcedureStepID:
                if (single) f->sps_id = k->value;
                else if (wild && !(f->sps_id_like = like_pattern(wf, k->value))) goto oom;
                break;
            case DCM_ScheduledProcedureStepStartDate:
                if (single || k->type == DCM_MATCH_RANGE || k->type == DCM_MATCH_DATETIME_RANGE) day_range(k->lo, k->hi, f);
                break;
            default: break;
            }
        }
    }
    /* "filter by calling AE title": the station must hold that AE title */
    if (q->station_filter[0]) {
        if (f->ae_title && strcmp(f->ae_title, q->station_filter) != 0) return 1;
        f->ae_title = q->station_filter;
    }
    if (f->from && f->to && f->to <= f->from) return 1;
    return 0;
oom:
    worklist_filter_clear(wf);
    return -1;
}

void worklist_filter_clear(worklist_filter *wf)
{
    for (size_t i = 0; i < wf->nowned; i++) free(wf->owned[i]);
    wf->nowned = 0;
}
