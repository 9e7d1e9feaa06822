/* UTF-8 decoding and ASCII folding of the Latin letters French names use. Hand-written because
 * iconv's //TRANSLIT depends on the process locale (not thread-safe to switch) and may produce
 * '?' for letters we must fold; the table below covers Latin-1 Supplement and Latin Extended-A. */
#include "ins/ins_internal.h"

long ins_utf8_next(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    unsigned char c = s[0];
    long cp;
    int len;
    if (c < 0x80) {
        *p += 1;
        return c;
    }
    if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; len = 2; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; len = 3; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; len = 4; }
    else { *p += 1; return -1; }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) { *p += 1; return -1; }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* overlong forms and surrogates are malformed */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        *p += 1;
        return -1;
    }
    *p += len;
    return cp;
}

/* U+00C0..U+00FF; '*' = two letters (see below), '.' = no folding */
static const char latin1[] = "AAAAAA*CEEEEIIIIDNOOOOO.OUUUUY**"
                             "aaaaaa*ceeeeiiiidnooooo.ouuuuy*y";
/* U+0100..U+017F */
static const char latin_ext_a[] = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi**JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo**"
                                  "RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

int ins_fold_codepoint(long cp, char out[3])
{
    char c = 0;
    if (cp >= 0xC0 && cp <= 0xFF) {
        c = latin1[cp - 0xC0];
        if (c == '*') {
            switch (cp) {
            case 0xC6: out[0] = 'A'; out[1] = 'E'; return 2;
            case 0xE6: out[0] = 'a'; out[1] = 'e'; return 2;
            case 0xDE: out[0] = 'T'; out[1] = 'H'; return 2;
            case 0xFE: out[0] = 't'; out[1] = 'h'; return 2;
            case 0xDF: out[0] = 's'; out[1] = 's'; return 2;
            default: return 0;
            }
        }
    } else if (cp >= 0x100 && cp <= 0x17F) {
        c = latin_ext_a[cp - 0x100];
        if (c == '*') {
            switch (cp) {
            case 0x132: out[0] = 'I'; out[1] = 'J'; return 2;
            case 0x133: out[0] = 'i'; out[1] = 'j'; return 2;
            case 0x152: out[0] = 'O'; out[1] = 'E'; return 2;
            case 0x153: out[0] = 'o'; out[1] = 'e'; return 2;
            default: return 0;
            }
        }
    } else {
        switch (cp) {
        case 0xA0: c = ' '; break;                     /* no-break space */
        case 0x2018: case 0x2019: case 0x02BC: case 0xB4: case 0x60: c = '\''; break;
        case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2212: c = '-'; break;
        default: return 0;
        }
    }
    if (c == '.' || c == 0) return 0;
    out[0] = c;
    return 1;
}
