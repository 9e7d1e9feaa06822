/* Data dictionary lookups over the generated table (dict_gen.c, sorted by tag). */
#include <stdlib.h>

#include "dicom/dicom_internal.h"

const dcm_dict_entry *dcm_dict_lookup(uint32_t tag)
{
    size_t lo = 0, hi = dcm_dict_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t t = dcm_dict_entries[mid].tag;
        if (t == tag) return &dcm_dict_entries[mid];
        if (t < tag) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const dcm_dict_entry *dcm_dict_find_keyword(const char *keyword)
{
    if (!keyword) return NULL;
    for (size_t i = 0; i < dcm_dict_count; i++)
        if (strcmp(dcm_dict_entries[i].keyword, keyword) == 0) return &dcm_dict_entries[i];
    return NULL;
}

dcm_vr dcm_dict_vr(uint32_t tag)
{
    const dcm_dict_entry *e = dcm_dict_lookup(tag);
    if (e) return e->vr;
    if (DCM_ELEM(tag) == 0) return DCM_VR('U', 'L');                 /* group length */
    if ((DCM_GROUP(tag) & 1) && DCM_ELEM(tag) >= 0x10 && DCM_ELEM(tag) <= 0xFF)
        return DCM_VR('L', 'O');                                         /* private creator */
    return DCM_VR('U', 'N');
}

static const char *const text_vrs = "SHLOSTLTPNUCUT";
static const char *const string_vrs = "AEASCSDADSDTISTMUIURSHLOSTLTPNUCUT";
static const char *const known_vrs = "AEASATCSDADSDTFLFDISLOLTOBODOFOLOVOWPNSHSLSQSSSTSVTMUCUIULUNURUSUTUV";
static const char *const long_vrs = "OBODOFOLOVOWSQUCURUTUNSVUV";

static bool vr_in(dcm_vr vr, const char *list)
{
    char a = (char)(vr >> 8), b = (char)(vr & 0xFF);
    for (const char *p = list; p[0] && p[1]; p += 2)
        if (p[0] == a && p[1] == b) return true;
    return false;
}

bool dcm_vr_is_text(dcm_vr vr) { return vr_in(vr, text_vrs); }
bool dcm_vr_is_string(dcm_vr vr) { return vr_in(vr, string_vrs); }
bool dcm_vr_known(dcm_vr vr) { return vr_in(vr, known_vrs); }
bool dcm_vr_long_header(dcm_vr vr) { return vr_in(vr, long_vrs); }

const char *dcm_vr_name(dcm_vr vr, char out[3])
{
    out[0] = (char)(vr >> 8);
    out[1] = (char)(vr & 0xFF);
    out[2] = 0;
    return out;
}
