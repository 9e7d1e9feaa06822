/* Normalised search keys (libunistring): NFKD + case folding, combining marks dropped,
 * ligatures expanded, non-alphanumerics collapsed to one space, upper case. */
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "store/store.h"

static bool put(char *out, size_t n, size_t *len, const char *s, size_t sl)
{
    if (*len + sl + 1 > n) return false;
    memcpy(out + *len, s, sl);
    *len += sl;
    out[*len] = 0;
    return true;
}

char *store_search_key(const char *s, char *out, size_t n)
{
    if (!s || !out || n == 0) return NULL;
    out[0] = 0;
    size_t in_len = strlen(s);
    if (u8_check((const uint8_t *)s, in_len) != NULL) return NULL;
    size_t folded_len = 0;
    uint8_t *folded = u8_casefold((const uint8_t *)s, in_len, NULL, UNINORM_NFKD, NULL, &folded_len);
    if (!folded) return NULL;
    size_t len = 0;
    bool pending_space = false, ok = true;
    const uint8_t *p = folded, *end = folded + folded_len;
    while (p < end && ok) {
        ucs4_t uc;
        int l = u8_mbtouc(&uc, p, (size_t)(end - p));
        p += l;
        if (uc_is_general_category(uc, UC_CATEGORY_M)) continue; /* diacritics */
        const char *rep = NULL;
        char ascii[2] = {0, 0};
        char utf8[8];
        if (uc < 0x80 && ((uc >= 'a' && uc <= 'z') || (uc >= '0' && uc <= '9'))) {
            ascii[0] = (char)(uc >= 'a' && uc <= 'z' ? uc - 'a' + 'A' : uc);
            rep = ascii;
        } else if (uc == 0x0153) {
            rep = "OE"; /* œ */
        } else if (uc == 0x00E6) {
            rep = "AE"; /* æ */
        } else if (uc == 0x00F8) {
            rep = "O"; /* ø */
        } else if (uc == 0x0111 || uc == 0x00F0) {
            rep = "D"; /* đ ð */
        } else if (uc == 0x0142) {
            rep = "L"; /* ł */
        } else if (uc == 0x00FE) {
            rep = "TH"; /* þ */
        } else if (uc >= 0x80 && uc_is_alnum(uc)) {
            ucs4_t up = uc_toupper(uc);
            int w = u8_uctomb((uint8_t *)utf8, up, sizeof utf8 - 1);
            if (w <= 0) continue;
            utf8[w] = 0;
            rep = utf8;
        }
        if (!rep) {
            pending_space = len > 0;
            continue;
        }
        if (pending_space) ok = put(out, n, &len, " ", 1);
        pending_space = false;
        if (ok) ok = put(out, n, &len, rep, strlen(rep));
    }
    free(folded);
    return ok ? out : NULL;
}
