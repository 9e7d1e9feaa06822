/* Readable dumps of a message for interface engineers: an indented text tree or JSON, with
 * standard field names and values decoded to UTF-8. */
#include <stdio.h>
#include <string.h>

#include "hl7/hl7_internal.h"

static int json_str(buf_t *o, const char *s, size_t n)
{
    if (buf_putc(o, '"') != 0) return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        if (buf_append(o, s + run, i - run) != 0) return -1;
        run = i + 1;
        int rc;
        if (c == '"' || c == '\\') rc = buf_printf(o, "\\%c", c);
        else if (c == '\n') rc = buf_puts(o, "\\n");
        else rc = buf_printf(o, "\\u%04x", c);
        if (rc != 0) return -1;
    }
    if (buf_append(o, s + run, n - run) != 0) return -1;
    return buf_putc(o, '"');
}

/* Text value on one line: line breaks shown as "\n", long values shortened. */
static int text_value(buf_t *o, const char *s, size_t n)
{
    size_t shown = n > 120 ? 100 : n;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc = c == '\n' ? buf_puts(o, "\\n") : c < 0x20 ? buf_printf(o, "\\x%02X", c) : buf_putc(o, (char)c);
        if (rc != 0) return -1;
    }
    if (shown < n) {
        /* do not cut a UTF-8 sequence: drop a trailing partial one */
        while (o->len && ((unsigned char)o->data[o->len - 1] & 0xC0) == 0x80) o->len--;
        if (o->len && (unsigned char)o->data[o->len - 1] >= 0xC0) o->len--;
        o->data[o->len] = '\0';
        if (buf_printf(o, "… (%zu octets)", n) != 0) return -1;
    }
    return 0;
}

static size_t parts(const char *p, size_t n, char sep)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++) k += p[i] == sep;
    return k;
}

int hl7_dump(const hl7_message *m, hl7_dump_format fmt, buf_t *o)
{
    const hl7_delims *d = &m->d;
    buf_t v = BUF_INIT;
    int rc = 0;
    bool json = fmt == HL7_DUMP_JSON;
    if (json) {
        rc |= buf_puts(o, "{\"charset\": ");
        rc |= json_str(o, m->charset, strlen(m->charset));
        rc |= buf_puts(o, ", \"segments\": [");
    }
    for (size_t s = 0; s < m->nsegs && rc == 0; s++) {
        const hl7_segment *seg = &m->segs[s];
        size_t occ = 0;
        for (size_t k = 0; k <= s; k++) occ += memcmp(m->segs[k].name, seg->name, 3) == 0;
        if (json) rc |= buf_printf(o, "%s\n {\"segment\": \"%s\", \"occurrence\": %zu, \"fields\": [", s ? "," : "", seg->name, occ);
        else rc |= buf_printf(o, "%s%s\n", s ? "\n" : "", seg->name);
        bool first_field = true;
        for (uint32_t f = 1; f < seg->n && rc == 0; f++) {
            const hl7_field *fl = &seg->f[f];
            if (fl->len == 0) continue;
            bool msh12 = memcmp(seg->name, "MSH", 3) == 0 && f <= 2;
            size_t reps = msh12 ? 1 : parts(fl->p, fl->len, d->repetition);
            const char *name = hl7_field_name(seg->name, (int)f);
            for (size_t r = 1; r <= reps && rc == 0; r++) {
                const char *rp;
                size_t rn;
                if (msh12) {
                    rp = fl->p;
                    rn = fl->len;
                } else {
                    hl7_piece(d, fl->p, fl->len, (int)r, 0, 0, &rp, &rn);
                }
                if (rn == 0) continue;
                char path[48];
                if (reps > 1) snprintf(path, sizeof path, "%s-%u[%zu]", seg->name, f, r);
                else snprintf(path, sizeof path, "%s-%u", seg->name, f);
                buf_reset(&v);
                if (msh12) rc |= buf_append(&v, rp, rn);
                else if (hl7_unescape(m, rp, rn, &v) != HL7_OK) rc = -1;
                if (json) {
                    rc |= buf_printf(o, "%s\n  {\"path\": \"%s\", \"name\": ", first_field ? "" : ",", path);
                    rc |= name ? json_str(o, name, strlen(name)) : buf_puts(o, "null");
                    rc |= buf_puts(o, ", \"value\": ");
                    rc |= json_str(o, v.data ? v.data : "", v.len);
                } else {
                    rc |= buf_printf(o, "  %-12s %-36s ", path, name ? name : "");
                    rc |= text_value(o, v.data ? v.data : "", v.len);
                    rc |= buf_putc(o, '\n');
                }
                first_field = false;
                /* components and sub-components, when the repetition has structure */
                size_t comps = msh12 ? 1 : parts(rp, rn, d->component);
                bool structured = comps > 1 || (!msh12 && memchr(rp, d->subcomponent, rn));
                if (json && structured) rc |= buf_puts(o, ", \"components\": [");
                bool first_comp = true;
                for (size_t c = 1; structured && c <= comps && rc == 0; c++) {
                    const char *cp;
                    size_t cn;
                    hl7_piece(d, rp, rn, 1, (int)c, 0, &cp, &cn);
                    size_t subs = parts(cp, cn, d->subcomponent);
                    for (size_t sc = 1; sc <= subs && rc == 0; sc++) {
                        const char *sp = cp;
                        size_t sn = cn;
                        if (subs > 1) hl7_piece(d, cp, cn, 1, 1, (int)sc, &sp, &sn);
                        if (sn == 0) continue;
                        char cpath[64];
                        if (subs > 1) snprintf(cpath, sizeof cpath, "%s.%zu.%zu", path, c, sc);
                        else snprintf(cpath, sizeof cpath, "%s.%zu", path, c);
                        buf_reset(&v);
                        if (hl7_unescape(m, sp, sn, &v) != HL7_OK) rc = -1;
                        if (json) {
                            rc |= buf_printf(o, "%s{\"path\": \"%s\", \"value\": ", first_comp ? "" : ", ", cpath);
                            rc |= json_str(o, v.data ? v.data : "", v.len);
                            rc |= buf_putc(o, '}');
                        } else {
                            rc |= buf_printf(o, "    %-47s ", cpath);
                            rc |= text_value(o, v.data ? v.data : "", v.len);
                            rc |= buf_putc(o, '\n');
                        }
                        first_comp = false;
                    }
                }
                if (json && structured) rc |= buf_putc(o, ']');
                if (json) rc |= buf_putc(o, '}');
            }
        }
        if (json) rc |= buf_puts(o, "]}");
    }
    if (json) rc |= buf_puts(o, "\n]}\n");
    buf_free(&v);
    return rc == 0 ? HL7_OK : HL7_E_NOMEM;
}
