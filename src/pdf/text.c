/* Text helpers: UTF-8 -> CP1252 (iconv), file-name folding, date parsing, error messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "pdf/pdf_internal.h"

int pdf_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int pdf_text_conv_open(pdf_text_conv *c, char *err, size_t errlen)
{
    c->to_cp1252 = iconv_open("CP1252", "UTF-8");
    c->to_utf32 = iconv_open("UTF-32LE", "UTF-8");
    if (c->to_cp1252 == (iconv_t)-1 || c->to_utf32 == (iconv_t)-1) {
        pdf_text_conv_close(c);
        return pdf_fail(err, errlen, "conversion de caractères indisponible (iconv CP1252)");
    }
    return 0;
}

void pdf_text_conv_close(pdf_text_conv *c)
{
    if (c->to_cp1252 != (iconv_t)-1 && c->to_cp1252 != NULL) iconv_close(c->to_cp1252);
    if (c->to_utf32 != (iconv_t)-1 && c->to_utf32 != NULL) iconv_close(c->to_utf32);
    c->to_cp1252 = c->to_utf32 = (iconv_t)-1;
}

/* Length of the UTF-8 sequence announced by lead byte b, 0 when b cannot start one. */
static size_t utf8_seq_len(unsigned char b)
{
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) return 2;
    if (b >= 0xE0 && b <= 0xEF) return 3;
    if (b >= 0xF0 && b <= 0xF4) return 4;
    return 0;
}

/* Readable stand-ins for characters French reports use that CP1252 lacks. */
static const char *substitute(uint32_t cp)
{
    switch (cp) {
    case 0x2264: return "<=";
    case 0x2265: return ">=";
    case 0x2260: return "!=";
    case 0x2192: return "->";
    case 0x2190: return "<-";
    case 0x2212: case 0x2010: case 0x2011: return "-";
    case 0x202F: case 0x2009: case 0x2007: return "\xA0";
    case 0x2248: return "~";
    case 0x221E: return "inf.";
    default: return "?";
    }
}

/* Decodes one UTF-8 sequence (len bytes) with iconv; returns 0 and the code point, -1 if invalid. */
static int decode_one(pdf_text_conv *c, const char *p, size_t len, uint32_t *cp)
{
    unsigned char outb[8];
    char *in = (char *)p, *o = (char *)outb;
    size_t inleft = len, outleft = sizeof outb;
    iconv(c->to_utf32, NULL, NULL, NULL, NULL);
    if (iconv(c->to_utf32, &in, &inleft, &o, &outleft) == (size_t)-1 || inleft != 0 ||
        sizeof outb - outleft != 4)
        return -1;
    *cp = (uint32_t)outb[0] | (uint32_t)outb[1] << 8 | (uint32_t)outb[2] << 16 |
          (uint32_t)outb[3] << 24;
    return 0;
}

int pdf_text_to_cp1252(pdf_text_conv *c, const char *s, buf_t *out, const char *what,
                       char *err, size_t errlen)
{
    buf_reset(out);
    if (buf_reserve(out, 1) != 0) return pdf_fail(err, errlen, "mémoire insuffisante");
    out->data[0] = '\0';
    if (!s) return 0;
    size_t n = strlen(s);
    const char *p = s;
    char chunk[512];
    iconv(c->to_cp1252, NULL, NULL, NULL, NULL);
    while (n > 0) {
        char *in = (char *)p, *o = chunk;
        size_t inleft = n, outleft = sizeof chunk;
        size_t rc = iconv(c->to_cp1252, &in, &inleft, &o, &outleft);
        int saved = errno;
        /* Copy what was converted, filtering control characters. */
        for (char *q = chunk; q < o; q++) {
            unsigned char ch = (unsigned char)*q;
            if (ch == '\t') ch = ' ';
            if (ch < 0x20 && ch != '\n') continue;
            if (ch == 0x7F) continue;
            if (buf_putc(out, (char)ch) != 0) return pdf_fail(err, errlen, "mémoire insuffisante");
        }
        p = in;
        n = inleft;
        if (rc != (size_t)-1) break;
        if (saved == E2BIG) continue;
        /* EILSEQ (unmappable or invalid) or EINVAL (truncated sequence at the end). */
        size_t len = utf8_seq_len((unsigned char)*p);
        uint32_t cp = 0;
        if (len == 0 || len > n || decode_one(c, p, len, &cp) != 0)
            return pdf_fail(err, errlen, "texte invalide (UTF-8 incorrect) dans le champ « %s »",
                            what);
        if (buf_puts(out, substitute(cp)) != 0) return pdf_fail(err, errlen, "mémoire insuffisante");
        p += len;
        n -= len;
        iconv(c->to_cp1252, NULL, NULL, NULL, NULL);
    }
    return 0;
}

void pdf_utf8_trim(char *s)
{
    size_t n = strlen(s), i = n;
    /* Walk back over continuation bytes to the lead byte of the last sequence. */
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && n - i < 3) i--;
    if (i == 0) return;
    size_t need = utf8_seq_len((unsigned char)s[i - 1]);
    if (need > 1 && n - (i - 1) < need) s[i - 1] = '\0';
}

/* Upper-case ASCII spelling of CP1252 letters 0xC0..0xFF (NULL: not a letter). */
static const char *fold_high(unsigned char ch)
{
    static const char *const tab[64] = {
        "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I", /* C0 */
        "D", "N", "O", "O", "O", "O", "O", NULL, "O", "U", "U", "U", "U", "Y", "TH", "SS", /* D0 */
        "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I", /* E0 */
        "D", "N", "O", "O", "O", "O", "O", NULL, "O", "U", "U", "U", "U", "Y", "TH", "Y", /* F0 */
    };
    if (ch >= 0xC0) return tab[ch - 0xC0];
    switch (ch) {
    case 0x8A: case 0x9A: return "S";
    case 0x8C: case 0x9C: return "OE";
    case 0x8E: case 0x9E: return "Z";
    case 0x9F: return "Y";
    default: return NULL;
    }
}

void pdf_fold_token(const char *cp1252, buf_t *out)
{
    int pending_dash = 0;
    size_t start = out->len;
    for (const unsigned char *p = (const unsigned char *)cp1252; p && *p; p++) {
        char one[2] = {0, 0};
        const char *piece = NULL;
        if ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
            one[0] = (char)*p;
            piece = one;
        } else if (*p >= 'a' && *p <= 'z') {
            one[0] = (char)(*p - 'a' + 'A');
            piece = one;
        } else {
            piece = fold_high(*p);
        }
        if (!piece) {
            pending_dash = 1;
            continue;
        }
        if (pending_dash && out->len > start) buf_putc(out, '-');
        pending_dash = 0;
        buf_puts(out, piece);
    }
}

int pdf_parse_date(const char *s, int *y, int *m, int *d)
{
    int64_t days;
    if (!s || time_parse_date(s, &days) != 0) return -1;
    time_civil_from_days(days, y, m, d);
    return 0;
}

static int two(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

int pdf_parse_datetime(const char *s, int *y, int *mo, int *d, int *h, int *mi, int *sec,
                       int *offset_min)
{
    int64_t unix_s;
    if (!s || time_parse_datetime(s, &unix_s) != 0) return -1;
    /* time_parse_datetime validated the shape: YYYY-MM-DDTHH:MM[:SS][.fff](Z|±HH:MM). */
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    if (pdf_parse_date(date, y, mo, d) != 0) return -1;
    *h = two(s + 11);
    *mi = two(s + 14);
    *sec = (s[16] == ':') ? two(s + 17) : 0;
    const char *z = s + strlen(s) - 1;
    if (*z == 'Z' || *z == 'z') {
        *offset_min = 0;
    } else {
        const char *o = s + strlen(s) - 6; /* ±HH:MM */
        if ((o[0] != '+' && o[0] != '-') || o[3] != ':') return -1;
        int off = two(o + 1) * 60 + two(o + 4);
        *offset_min = o[0] == '-' ? -off : off;
    }
    return 0;
}
