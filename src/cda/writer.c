/* xmlTextWriter wrappers that remember the first failure (see cda_internal.h). */
#include "cda/cda_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define X(s) ((const xmlChar *)(s))

static void check(cda_ctx *c, int rc)
{
    if (rc < 0) c->failed = 1;
}

void cda_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void cx_start(cda_ctx *c, const char *name)
{
    if (!c->failed) check(c, xmlTextWriterStartElement(c->w, X(name)));
}

void cx_start_ns(cda_ctx *c, const char *prefix, const char *name, const char *uri)
{
    if (!c->failed) check(c, xmlTextWriterStartElementNS(c->w, X(prefix), X(name), X(uri)));
}

void cx_end(cda_ctx *c)
{
    if (!c->failed) check(c, xmlTextWriterEndElement(c->w));
}

void cx_attr(cda_ctx *c, const char *name, const char *value)
{
    if (!c->failed && value) check(c, xmlTextWriterWriteAttribute(c->w, X(name), X(value)));
}

void cx_text(cda_ctx *c, const char *text)
{
    if (!c->failed && text && *text) check(c, xmlTextWriterWriteString(c->w, X(text)));
}

void cx_comment(cda_ctx *c, const char *text)
{
    if (!c->failed) check(c, xmlTextWriterWriteComment(c->w, X(text)));
}

void cx_elem_text(cda_ctx *c, const char *name, const char *text)
{
    if (!cda_has(text)) return;
    cx_start(c, name);
    cx_text(c, text);
    cx_end(c);
}

void cx_ii(cda_ctx *c, const char *elem, const char *root, const char *extension)
{
    cx_start(c, elem);
    cx_attr(c, "root", root);
    if (cda_has(extension)) cx_attr(c, "extension", extension);
    cx_end(c);
}

void cx_template(cda_ctx *c, const char *root)
{
    cx_ii(c, "templateId", root, NULL);
}

void cx_new_id(cda_ctx *c)
{
    char ext[160];
    c->seq++;
    if (cda_has(c->r->id.extension))
        snprintf(ext, sizeof ext, "%s.%u", c->r->id.extension, c->seq);
    else
        snprintf(ext, sizeof ext, "%u", c->seq);
    cx_ii(c, "id", c->r->id.root, ext);
}

void cx_code_open(cda_ctx *c, const char *elem, const char *code, const char *display,
                  const char *system, const char *system_name)
{
    cx_start(c, elem);
    cx_attr(c, "code", code);
    if (cda_has(display)) cx_attr(c, "displayName", display);
    cx_attr(c, "codeSystem", system);
    cx_attr(c, "codeSystemName", system_name);
}

void cx_code(cda_ctx *c, const char *elem, const char *code, const char *display,
             const char *system, const char *system_name)
{
    cx_code_open(c, elem, code, display, system, system_name);
    cx_end(c);
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

int cda_hl7_ts(const char *iso, char *out, size_t n)
{
    if (!iso || n < 20) return -1;
    size_t len = strlen(iso);
    /* YYYY-MM-DD */
    if (len < 10 || !digits(iso, 4) || iso[4] != '-' || !digits(iso + 5, 2) || iso[7] != '-' ||
        !digits(iso + 8, 2))
        return -1;
    char *o = out;
    memcpy(o, iso, 4); memcpy(o + 4, iso + 5, 2); memcpy(o + 6, iso + 8, 2);
    o += 8;
    if (len == 10) { *o = '\0'; return 0; }
    /* THH:MM[:SS][.fff](Z|±HH:MM) */
    const char *p = iso + 10;
    if (*p != 'T' || !digits(p + 1, 2) || p[3] != ':' || !digits(p + 4, 2)) return -1;
    memcpy(o, p + 1, 2); memcpy(o + 2, p + 4, 2);
    o += 4;
    p += 6;
    if (*p == ':') {
        if (!digits(p + 1, 2)) return -1;
        memcpy(o, p + 1, 2);
        p += 3;
    } else {
        memcpy(o, "00", 2);
    }
    o += 2;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'Z' && p[1] == '\0') {
        memcpy(o, "+0000", 6);
        return 0;
    }
    if ((*p == '+' || *p == '-') && digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2) && p[6] == '\0') {
        o[0] = *p; memcpy(o + 1, p + 1, 2); memcpy(o + 3, p + 4, 2); o[5] = '\0';
        return 0;
    }
    return -1;
}

void cx_ts(cda_ctx *c, const char *elem, const char *iso)
{
    char ts[32];
    if (cda_hl7_ts(iso, ts, sizeof ts) != 0) {
        c->failed = 1; /* cda_report_check rejects malformed times before we get here */
        return;
    }
    cx_start(c, elem);
    cx_attr(c, "value", ts);
    cx_end(c);
}

/* Calls fn(line, len) for each line of text with surrounding blanks trimmed, skipping empty
 * lines. */
static void each_line(cda_ctx *c, const char *text, void (*fn)(cda_ctx *, const char *, size_t, int))
{
    int first = 1;
    const char *p = text;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *s = p;
        size_t m = n;
        while (m && (*s == ' ' || *s == '\t' || *s == '\r')) { s++; m--; }
        while (m && (s[m - 1] == ' ' || s[m - 1] == '\t' || s[m - 1] == '\r')) m--;
        if (m) {
            fn(c, s, m, first);
            first = 0;
        }
        p = e ? e + 1 : NULL;
    }
}

static void write_n(cda_ctx *c, const char *s, size_t n)
{
    char stackbuf[512];
    char *tmp = n < sizeof stackbuf ? stackbuf : malloc(n + 1);
    if (!tmp) { c->failed = 1; return; }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    cx_text(c, tmp);
    if (tmp != stackbuf) free(tmp);
}

static void para_line(cda_ctx *c, const char *s, size_t n, int first)
{
    (void)first;
    cx_start(c, "paragraph");
    write_n(c, s, n);
    cx_end(c);
}

void cx_paragraphs(cda_ctx *c, const char *text)
{
    each_line(c, text, para_line);
}

static void content_line(cda_ctx *c, const char *s, size_t n, int first)
{
    if (!first) {
        cx_start(c, "br");
        cx_end(c);
    }
    write_n(c, s, n);
}

void cx_content(cda_ctx *c, const char *id, const char *text)
{
    char full[96];
    snprintf(full, sizeof full, "%s%s", c->idprefix, id);
    cx_start(c, "content");
    cx_attr(c, "ID", full);
    each_line(c, text, content_line);
    cx_end(c);
}
