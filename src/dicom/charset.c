/* Character sets: the default repertoire (ISO-IR 6), ISO_IR 100 (Latin-1) and ISO_IR 192
 * (UTF-8), converted to and from UTF-8 with iconv(3). ISO 2022 code extensions and the other
 * repertoires are refused (PS3.3 C.12.1.1.2). */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>

#include "dicom/dicom_internal.h"

int dcm_charset_parse(const char *value, dcm_charset *out)
{
    if (!value) return -1;
    /* a single value, already trimmed by dcm_get_string; multi-valued means ISO 2022 */
    if (strchr(value, '\\')) return -1;
    if (value[0] == 0 || strcmp(value, "ISO_IR 6") == 0) { *out = DCM_CS_DEFAULT; return 0; }
    if (strcmp(value, "ISO_IR 100") == 0) { *out = DCM_CS_LATIN1; return 0; }
    if (strcmp(value, "ISO_IR 192") == 0) { *out = DCM_CS_UTF8; return 0; }
    return -1;
}

const char *dcm_charset_term(dcm_charset cs)
{
    switch (cs) {
    case DCM_CS_LATIN1: return "ISO_IR 100";
    case DCM_CS_UTF8: return "ISO_IR 192";
    default: return "";
    }
}

static bool is_ascii(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80 || p[i] == 0x1B) return false;
    return true;
}

/* Converts n bytes with iconv from `from` to `to`, appending to out. Returns 0, -1 (memory or
 * iconv unavailable), -2 (invalid or unrepresentable sequence). */
static int iconv_append(const char *to, const char *from, const uint8_t *in, size_t n, buf_t *out)
{
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1) return -1;
    char *ip = (char *)(uintptr_t)in;
    size_t il = n;
    int rc = 0;
    while (il > 0) {
        if (buf_reserve(out, il * 2 + 8) != 0) { rc = -1; break; }
        char *op = out->data + out->len;
        size_t ol = out->cap - out->len - 1;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        out->len = (size_t)(op - out->data);
        out->data[out->len] = 0;
        if (r == (size_t)-1 && errno != E2BIG) { rc = -2; break; }
    }
    iconv_close(cd);
    return rc;
}

/* Converts with an already-open descriptor (reset before use). */
static int iconv_append_cd(iconv_t cd, const uint8_t *in, size_t n, buf_t *out)
{
    char *ip = (char *)(uintptr_t)in;
    size_t il = n;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (il > 0) {
        if (buf_reserve(out, il * 2 + 8) != 0) return -1;
        char *op = out->data + out->len;
        size_t ol = out->cap - out->len - 1;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        out->len = (size_t)(op - out->data);
        out->data[out->len] = 0;
        if (r == (size_t)-1 && errno != E2BIG) return -2;
    }
    return 0;
}

int dcm_text_from_utf8_cached(void **cache, const char *in, size_t n, dcm_charset cs, buf_t *out)
{
    if (cs == DCM_CS_UTF8 || is_ascii((const uint8_t *)in, n)) return buf_append(out, in, n);
    if (cs == DCM_CS_DEFAULT) return -2;
    if (!*cache) {
        iconv_t cd = iconv_open("ISO-8859-1", "UTF-8");
        if (cd == (iconv_t)-1) return -1;
        *cache = cd;
    }
    size_t mark = out->len;
    int rc = iconv_append_cd((iconv_t)*cache, (const uint8_t *)in, n, out);
    if (rc != 0) {
        out->len = mark;
        if (out->data) out->data[mark] = 0;
    }
    return rc;
}

void dcm_text_cache_free(void *cache)
{
    if (cache) iconv_close((iconv_t)cache);
}

int dcm_text_from_utf8(const char *in, size_t n, dcm_charset cs, buf_t *out)
{
    if (cs == DCM_CS_UTF8 || is_ascii((const uint8_t *)in, n)) return buf_append(out, in, n);
    if (cs == DCM_CS_DEFAULT) return -2;
    size_t mark = out->len;
    int rc = iconv_append("ISO-8859-1", "UTF-8", (const uint8_t *)in, n, out);
    if (rc != 0) {
        out->len = mark;
        if (out->data) out->data[mark] = 0;
    }
    return rc;
}

bool dcm_text_fits(const char *in, size_t n, dcm_charset cs)
{
    if (cs == DCM_CS_UTF8 || is_ascii((const uint8_t *)in, n)) return true;
    if (cs == DCM_CS_DEFAULT) return false;
    buf_t tmp = BUF_INIT;
    int rc = dcm_text_from_utf8(in, n, cs, &tmp);
    buf_free(&tmp);
    return rc == 0;
}

static int convert_rec(dcm_dataset *ds, dcm_charset inherited, int depth, buf_t *scratch, char *err, size_t errlen)
{
    if (depth > DCM_MAX_DEPTH) return -1;
    dcm_charset cs = inherited;
    char term[80];
    int tl = dcm_get_string(ds, DCM_SpecificCharacterSet, term, sizeof term);
    if (tl == -2 || (tl >= 0 && dcm_charset_parse(term, &cs) != 0)) {
        dcm_errf(err, errlen, "unsupported Specific Character Set '%.40s'", tl >= 0 ? term : "?");
        return -1;
    }
    for (size_t i = 0; i < dcm_dataset_count(ds); i++) {
        dcm_element *e = (dcm_element *)dcm_dataset_at(ds, i);
        if (e->vr == DCM_VR('S', 'Q')) {
            for (uint32_t k = 0; k < e->nitems; k++)
                if (convert_rec(e->items[k], cs, depth + 1, scratch, err, errlen) != 0) return -1;
            continue;
        }
        if (!e->len || is_ascii(e->value, e->len)) continue;
        if (!dcm_vr_is_text(e->vr)) {
            if (dcm_vr_is_string(e->vr)) {
                dcm_errf(err, errlen, "non-ASCII byte in (%04X,%04X)", DCM_GROUP(e->tag), DCM_ELEM(e->tag));
                return -1;
            }
            continue;
        }
        if (cs == DCM_CS_DEFAULT) {
            dcm_errf(err, errlen, "non-ASCII text in (%04X,%04X) without Specific Character Set", DCM_GROUP(e->tag),
                     DCM_ELEM(e->tag));
            return -1;
        }
        buf_reset(scratch);
        int rc = iconv_append("UTF-8", cs == DCM_CS_LATIN1 ? "ISO-8859-1" : "UTF-8", e->value, e->len, scratch);
        if (rc != 0) {
            dcm_errf(err, errlen, "text of (%04X,%04X) invalid for %s", DCM_GROUP(e->tag), DCM_ELEM(e->tag),
                     dcm_charset_term(cs));
            return -1;
        }
        if (dcm_element_set_value(e, scratch->data, scratch->len) != 0) {
            dcm_errf(err, errlen, "out of memory");
            return -1;
        }
    }
    if (tl >= 0 && cs != DCM_CS_DEFAULT && cs != DCM_CS_UTF8) {
        if (dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 192") != 0) return -1;
    }
    return 0;
}

int dcm_dataset_to_utf8(dcm_dataset *ds, char *err, size_t errlen)
{
    buf_t scratch = BUF_INIT;
    int rc = convert_rec(ds, DCM_CS_DEFAULT, 0, &scratch, err, errlen);
    buf_free(&scratch);
    return rc;
}
