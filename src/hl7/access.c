/* Reading: path parsing, locating segments and pieces, decoded values. */
#include <ctype.h>
#include <string.h>

#include "hl7/hl7_internal.h"

static int read_num(const char **s, long max)
{
    const char *p = *s;
    if (!isdigit((unsigned char)*p)) return -1;
    long v = 0;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (*p - '0');
        if (v > max) return -1;
        p++;
    }
    *s = p;
    return (int)v;
}

static int read_bracket(const char **s, long max, int *out)
{
    if (**s != '[') return 0;
    (*s)++;
    int v = read_num(s, max);
    if (v < 1 || **s != ']') return -1;
    (*s)++;
    *out = v;
    return 0;
}

int hl7_path_parse(const char *path, hl7_loc *loc)
{
    memset(loc, 0, sizeof *loc);
    if (!path) return HL7_E_PATH;
    const char *s = path;
    for (int i = 0; i < 3; i++) {
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i])) return HL7_E_PATH;
        loc->seg[i] = s[i];
    }
    s += 3;
    int segrep = 1;
    if (read_bracket(&s, 1000000, &segrep) != 0) return HL7_E_PATH;
    loc->seg_rep = (size_t)segrep;
    if (*s != '-' && *s != '.') return HL7_E_PATH;
    s++;
    loc->field = read_num(&s, 100000);
    if (loc->field < 1) return HL7_E_PATH;
    loc->rep = 1;
    if (read_bracket(&s, 100000, &loc->rep) != 0) return HL7_E_PATH;
    if (*s == '.') {
        s++;
        loc->comp = read_num(&s, 100000);
        if (loc->comp < 1) return HL7_E_PATH;
        if (*s == '.') {
            s++;
            loc->sub = read_num(&s, 100000);
            if (loc->sub < 1) return HL7_E_PATH;
        }
    }
    return *s == '\0' ? HL7_OK : HL7_E_PATH;
}

/* The idx-th (1-based) part of [p, p+len) split by sep; absent parts are empty. */
static void nth_part(const char *p, size_t len, char sep, int idx, const char **out, size_t *outlen)
{
    const char *end = p + len;
    const char *b = p;
    for (int k = 1; k < idx; k++) {
        const char *q = memchr(b, sep, (size_t)(end - b));
        if (!q) {
            *out = end;
            *outlen = 0;
            return;
        }
        b = q + 1;
    }
    const char *q = memchr(b, sep, (size_t)(end - b));
    *out = b;
    *outlen = (size_t)((q ? q : end) - b);
}

void hl7_piece(const hl7_delims *d, const char *p, size_t len, int rep, int comp, int sub,
               const char **out, size_t *outlen)
{
    nth_part(p, len, d->repetition, rep < 1 ? 1 : rep, out, outlen);
    if (comp > 0) nth_part(*out, *outlen, d->component, comp, out, outlen);
    if (comp > 0 && sub > 0) nth_part(*out, *outlen, d->subcomponent, sub, out, outlen);
}

hl7_segment *hl7_seg_at(const hl7_message *m, const char *name, size_t nth)
{
    size_t seen = 0;
    for (size_t i = 0; i < m->nsegs; i++)
        if (memcmp(m->segs[i].name, name, 3) == 0 && ++seen == nth) return &m->segs[i];
    return NULL;
}

long hl7_segment_find(const hl7_message *m, const char *name, size_t nth)
{
    if (!name || strlen(name) != 3) return -1;
    hl7_segment *s = hl7_seg_at(m, name, nth ? nth : 1);
    return s ? (long)(s - m->segs) : -1;
}

size_t hl7_segment_count_named(const hl7_message *m, const char *name)
{
    size_t n = 0;
    if (!name || strlen(name) != 3) return 0;
    for (size_t i = 0; i < m->nsegs; i++)
        if (memcmp(m->segs[i].name, name, 3) == 0) n++;
    return n;
}

int hl7_loc_raw(const hl7_message *m, const hl7_loc *loc, const char **p, size_t *len)
{
    *p = "";
    *len = 0;
    if (loc->field < 1) return HL7_E_PATH;
    hl7_segment *s = hl7_seg_at(m, loc->seg, loc->seg_rep ? loc->seg_rep : 1);
    if (!s || (uint32_t)loc->field >= s->n) return HL7_OK;
    const hl7_field *f = &s->f[loc->field];
    if (memcmp(s->name, "MSH", 3) == 0 && loc->field <= 2) {
        *p = f->p;
        *len = f->len;
        return HL7_OK;
    }
    hl7_piece(&m->d, f->p, f->len, loc->rep, loc->comp, loc->sub, p, len);
    return HL7_OK;
}

int hl7_get_raw(const hl7_message *m, const char *path, const char **p, size_t *len)
{
    hl7_loc loc;
    *p = "";
    *len = 0;
    int rc = hl7_path_parse(path, &loc);
    return rc != HL7_OK ? rc : hl7_loc_raw(m, &loc, p, len);
}

int hl7_loc_get(const hl7_message *m, const hl7_loc *loc, buf_t *out)
{
    const char *p;
    size_t n;
    buf_reset(out);
    int rc = hl7_loc_raw(m, loc, &p, &n);
    if (rc != HL7_OK) return rc;
    if (memcmp(loc->seg, "MSH", 3) == 0 && loc->field <= 2)
        return buf_append(out, p, n) == 0 && buf_puts(out, "") == 0 ? HL7_OK : HL7_E_NOMEM;
    return hl7_unescape(m, p, n, out);
}

int hl7_get(const hl7_message *m, const char *path, buf_t *out)
{
    hl7_loc loc;
    buf_reset(out);
    int rc = hl7_path_parse(path, &loc);
    if (rc != HL7_OK) {
        if (buf_puts(out, "") != 0) return HL7_E_NOMEM;
        return rc;
    }
    return hl7_loc_get(m, &loc, out);
}

bool hl7_has(const hl7_message *m, const char *path)
{
    const char *p;
    size_t n;
    return hl7_get_raw(m, path, &p, &n) == HL7_OK && n > 0;
}

int hl7_rep_count(const hl7_message *m, const char *path)
{
    hl7_loc loc;
    if (hl7_path_parse(path, &loc) != HL7_OK) return HL7_E_PATH;
    hl7_segment *s = hl7_seg_at(m, loc.seg, loc.seg_rep);
    if (!s || (uint32_t)loc.field >= s->n) return 0;
    const hl7_field *f = &s->f[loc.field];
    if (f->len == 0) return 0;
    if (memcmp(s->name, "MSH", 3) == 0 && loc.field <= 2) return 1;
    int n = 1;
    for (uint32_t i = 0; i < f->len; i++)
        if (f->p[i] == m->d.repetition) n++;
    return n;
}
