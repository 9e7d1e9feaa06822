/* Escape sequences: \F\ \S\ \T\ \R\ \E\ \P\ \Xhh..\ \.br\ \.sp\ and the formatting
 * sequences that carry no character (\H\ \N\ \.in\ ...), which are dropped on decoding. */
#include <ctype.h>
#include <string.h>

#include "hl7/hl7_internal.h"

static bool is_delim(const hl7_delims *d, char c)
{
    return c == d->field || c == d->component || c == d->repetition || c == d->subcomponent ||
           c == '\r' || c == '\n';
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return true;
}

static bool valid_body(const char *b, size_t n)
{
    if (n == 0) return false;
    if (n == 1) return strchr("FSTREPHN", b[0]) != NULL;
    switch (b[0]) {
    case 'X': return (n - 1) % 2 == 0 && all_hex(b + 1, n - 1);
    case 'C': return n == 5 && all_hex(b + 1, 4);
    case 'M': return (n == 5 || n == 7) && all_hex(b + 1, n - 1);
    case 'Z': return true; /* locally defined */
    case '.': {
        static const char *const cmds[] = {"br", "sp", "in", "ti", "sk", "ce", "fi", "nf"};
        if (n < 3) return false;
        bool known = false;
        for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++)
            if (b[1] == cmds[k][0] && b[2] == cmds[k][1]) known = true;
        if (!known) return false;
        size_t i = 3;
        if (i < n && (b[i] == '+' || b[i] == '-')) i++;
        for (; i < n; i++)
            if (!isdigit((unsigned char)b[i])) return false;
        return true;
    }
    default: return false;
    }
}

size_t hl7_escape_check(const hl7_delims *d, const char *s, size_t avail)
{
    size_t j = 1;
    while (j < avail && s[j] != d->escape) {
        if (is_delim(d, s[j])) return 0;
        j++;
    }
    if (j >= avail) return 0;
    return valid_body(s + 1, j - 1) ? j + 1 : 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
}

/* Appends the bytes of \Xhh..\ (in the message's original charset) as UTF-8. */
static int append_hex(const hl7_message *m, const char *h, size_t n, buf_t *out)
{
    char bytes[128];
    buf_t tmp = BUF_INIT;
    int rc = HL7_OK;
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        bytes[k++] = (char)(hexval(h[i]) << 4 | hexval(h[i + 1]));
        if (k == sizeof bytes || i + 3 >= n) {
            const char *from = m && m->iconv_name ? m->iconv_name : "UTF-8";
            if (strcmp(from, "ASCII") == 0 || strcmp(from, "UTF-8") == 0) {
                if (buf_append(out, bytes, k) != 0) rc = HL7_E_NOMEM;
            } else {
                buf_reset(&tmp);
                rc = hl7_iconv_append(from, "UTF-8", bytes, k, &tmp, NULL);
                if (rc == HL7_OK && buf_append(out, tmp.data, tmp.len) != 0) rc = HL7_E_NOMEM;
            }
            k = 0;
            if (rc != HL7_OK) break;
        }
    }
    buf_free(&tmp);
    return rc;
}

int hl7_unescape(const hl7_message *m, const char *raw, size_t len, buf_t *out)
{
    const hl7_delims *d = m ? &m->d : &hl7_default_delims;
    if (buf_reserve(out, len) != 0) return HL7_E_NOMEM;
    size_t i = 0;
    while (i < len) {
        const char *e = memchr(raw + i, d->escape, len - i);
        size_t run = e ? (size_t)(e - (raw + i)) : len - i;
        if (run && buf_append(out, raw + i, run) != 0) return HL7_E_NOMEM;
        i += run;
        if (i >= len) break;
        size_t k = hl7_escape_check(d, raw + i, len - i);
        if (k == 0) { /* tolerated (non-strict parse): keep the character */
            if (buf_putc(out, raw[i]) != 0) return HL7_E_NOMEM;
            i++;
            continue;
        }
        const char *b = raw + i + 1;
        size_t bn = k - 2;
        int rc = 0;
        if (bn == 1) {
            char c = 0;
            switch (b[0]) {
            case 'F': c = d->field; break;
            case 'S': c = d->component; break;
            case 'T': c = d->subcomponent; break;
            case 'R': c = d->repetition; break;
            case 'E': c = d->escape; break;
            case 'P': c = d->truncation ? d->truncation : '#'; break;
            default: break; /* \H\ \N\: highlighting, no character */
            }
            if (c) rc = buf_putc(out, c);
        } else if (b[0] == 'X') {
            rc = append_hex(m, b + 1, bn - 1, out);
            if (rc != HL7_OK) return rc;
        } else if (b[0] == '.' && (memcmp(b + 1, "br", 2) == 0 || memcmp(b + 1, "sp", 2) == 0)) {
            int count = 1;
            if (b[1] == 's' && bn > 3) {
                count = 0;
                for (size_t q = 3; q < bn && count < 100; q++)
                    if (isdigit((unsigned char)b[q])) count = count * 10 + (b[q] - '0');
                if (count < 1) count = 1;
                if (count > 100) count = 100;
            }
            for (int q = 0; q < count && rc == 0; q++) rc = buf_putc(out, '\n');
        }
        /* \Cxxyy\ \Mxxyyzz\ \Z..\ and other formatting commands carry no character */
        if (rc != 0) return HL7_E_NOMEM;
        i += k;
    }
    if (buf_puts(out, "") != 0) return HL7_E_NOMEM; /* NUL-terminated even when empty */
    return HL7_OK;
}

int hl7_escape(const hl7_delims *d, const char *text, size_t len, buf_t *out)
{
    if (!d) d = &hl7_default_delims;
    if (buf_reserve(out, len) != 0) return HL7_E_NOMEM;
    bool special[256] = {false};
    for (int c = 0; c < 0x20; c++) special[c] = true;
    special[(unsigned char)d->field] = special[(unsigned char)d->component] = true;
    special[(unsigned char)d->subcomponent] = special[(unsigned char)d->repetition] = true;
    special[(unsigned char)d->escape] = true;
    if (d->truncation) special[(unsigned char)d->truncation] = true;
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && !special[(unsigned char)text[run]]) run++;
        if (run > i && buf_append(out, text + i, run - i) != 0) return HL7_E_NOMEM;
        if (run >= len) break;
        i = run;
        char c = text[i];
        const char *rep;
        char hex[4];
        if (c == d->field) rep = "F";
        else if (c == d->component) rep = "S";
        else if (c == d->subcomponent) rep = "T";
        else if (c == d->repetition) rep = "R";
        else if (c == d->escape) rep = "E";
        else if (d->truncation && c == d->truncation) rep = "P";
        else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < len && text[i + 1] == '\n') i++;
            /* \.br\ cannot be written when '.' is the escape character itself */
            rep = d->escape == '.' ? "X0A" : ".br";
        } else {
            static const char digits[] = "0123456789ABCDEF";
            hex[0] = 'X';
            hex[1] = digits[(unsigned char)c >> 4];
            hex[2] = digits[(unsigned char)c & 15];
            hex[3] = '\0';
            rep = hex;
        }
        if (buf_putc(out, d->escape) != 0 || buf_puts(out, rep) != 0 || buf_putc(out, d->escape) != 0)
            return HL7_E_NOMEM;
        i++;
    }
    if (buf_puts(out, "") != 0) return HL7_E_NOMEM; /* NUL-terminated even when empty */
    return HL7_OK;
}
