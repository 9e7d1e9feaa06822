/* MSH-18 character sets and conversions (iconv from glibc). */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "hl7/hl7_internal.h"

const char *hl7_charset_iconv_name(const char *msh18, size_t len)
{
    static const struct { const char *hl7, *iconv; } map[] = {
        {"", "ASCII"},
        {"ASCII", "ASCII"},
        {"8859/1", "ISO-8859-1"},
        {"8859/2", "ISO-8859-2"},
        {"8859/3", "ISO-8859-3"},
        {"8859/4", "ISO-8859-4"},
        {"8859/5", "ISO-8859-5"},
        {"8859/6", "ISO-8859-6"},
        {"8859/7", "ISO-8859-7"},
        {"8859/8", "ISO-8859-8"},
        {"8859/9", "ISO-8859-9"},
        {"8859/15", "ISO-8859-15"},
        {"UNICODE UTF-8", "UTF-8"},
        /* tolerated spellings seen in the field */
        {"UTF-8", "UTF-8"},
        {"UTF8", "UTF-8"},
        {"UNICODE", "UTF-8"},
    };
    if (!msh18) return "ASCII";
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].hl7) == len && strncasecmp(map[i].hl7, msh18, len) == 0) return map[i].iconv;
    return NULL;
}

hl7_charset_kind hl7_charset_kind_of(const char *iconv_name)
{
    if (strcmp(iconv_name, "ASCII") == 0) return HL7_CS_ASCII;
    if (strcmp(iconv_name, "UTF-8") == 0) return HL7_CS_UTF8;
    if (strcmp(iconv_name, "ISO-8859-1") == 0) return HL7_CS_8859_1;
    if (strcmp(iconv_name, "ISO-8859-15") == 0) return HL7_CS_8859_15;
    return HL7_CS_OTHER_8859;
}

bool hl7_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* ASCII runs eight bytes at a time */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= len) break;
        unsigned c = u[i];
        if (c < 0x80) { i++; continue; }
        size_t n;
        unsigned min;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; min = 0x10000; }
        else goto invalid;
        if (len - i <= n) goto invalid;
        for (size_t k = 1; k <= n; k++) {
            if ((u[i + k] & 0xC0) != 0x80) goto invalid;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) goto invalid;
        i += n + 1;
    }
    return true;
invalid:
    if (bad) *bad = i;
    return false;
}

int hl7_iconv_append(const char *from, const char *to, const char *in, size_t len, buf_t *out,
                     size_t *bad_offset)
{
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1) return HL7_E_CHARSET;
    int rc = HL7_OK;
    char *src = (char *)in;
    size_t left = len;
    while (left > 0) {
        if (buf_reserve(out, left * 2 + 16) != 0) { rc = HL7_E_NOMEM; break; }
        char *dst = out->data + out->len;
        size_t room = out->cap - out->len - 1;
        size_t before = room;
        size_t r = iconv(cd, &src, &left, &dst, &room);
        out->len += before - room;
        out->data[out->len] = '\0';
        if (r == (size_t)-1) {
            if (errno == E2BIG) continue;
            if (bad_offset) *bad_offset = (size_t)(src - in);
            rc = (errno == EILSEQ && strcmp(from, "UTF-8") == 0) ? HL7_E_CHARSET : HL7_E_ENCODING;
            break;
        }
    }
    iconv_close(cd);
    return rc;
}
