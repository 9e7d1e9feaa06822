/* Building and modifying messages, and serializing them. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hl7/hl7_internal.h"

static void set_delim_text(hl7_message *m)
{
    m->delim_text[0][0] = m->d.field;
    m->delim_text[0][1] = '\0';
    char *e = m->delim_text[1];
    *e++ = m->d.component;
    *e++ = m->d.repetition;
    *e++ = m->d.escape;
    *e++ = m->d.subcomponent;
    if (m->d.truncation) *e++ = m->d.truncation;
    *e = '\0';
}

void hl7_segments_free(hl7_message *m)
{
    for (size_t i = 0; i < m->nsegs; i++) {
        hl7_segment *s = &m->segs[i];
        for (uint32_t k = 0; k < s->n; k++)
            if (s->f[k].owned) free((void *)s->f[k].p);
        if (s->own_array) free(s->f);
    }
    free(m->segs);
    m->segs = NULL;
    m->nsegs = m->segcap = 0;
}

static bool valid_name(const char *name)
{
    if (!name || strlen(name) != 3 || !isupper((unsigned char)name[0])) return false;
    for (int i = 1; i < 3; i++)
        if (!isupper((unsigned char)name[i]) && !isdigit((unsigned char)name[i])) return false;
    return true;
}

static long append_segment(hl7_message *m, const char *name)
{
    if (m->nsegs == m->segcap) {
        size_t nc = m->segcap ? m->segcap * 2 : 16;
        hl7_segment *p = realloc(m->segs, nc * sizeof *p);
        if (!p) return HL7_E_NOMEM;
        /* field 0 points at the segment name, which moved */
        for (size_t i = 0; i < m->nsegs; i++)
            if (p[i].n > 0) p[i].f[0].p = p[i].name;
        m->segs = p;
        m->segcap = nc;
    }
    hl7_segment *s = &m->segs[m->nsegs];
    memset(s, 0, sizeof *s);
    s->f = calloc(8, sizeof *s->f);
    if (!s->f) return HL7_E_NOMEM;
    s->cap = 8;
    s->own_array = 1;
    memcpy(s->name, name, 3);
    s->n = 1;
    s->f[0] = (hl7_field){s->name, 3, 0};
    return (long)m->nsegs++;
}

hl7_message *hl7_message_new(const hl7_delims *d)
{
    hl7_message *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->d = d ? *d : hl7_default_delims;
    set_delim_text(m);
    m->iconv_name = "ASCII";
    m->cs = HL7_CS_ASCII;
    if (append_segment(m, "MSH") < 0) {
        hl7_message_free(m);
        return NULL;
    }
    hl7_segment *s = &m->segs[0];
    s->f[1] = (hl7_field){m->delim_text[0], 1, 0};
    s->f[2] = (hl7_field){m->delim_text[1], (uint32_t)strlen(m->delim_text[1]), 0};
    s->n = 3;
    return m;
}

long hl7_segment_append(hl7_message *m, const char *name)
{
    if (!valid_name(name) || strcmp(name, "MSH") == 0) return HL7_E_INVALID;
    return append_segment(m, name);
}

int hl7_field_store(hl7_segment *s, int field, const char *p, size_t len)
{
    if (field < 1 || len > UINT32_MAX) return HL7_E_INVALID;
    if ((uint32_t)field >= s->cap || !s->own_array) {
        uint32_t nc = s->cap > 8 ? s->cap : 8;
        while (nc <= (uint32_t)field) nc *= 2;
        hl7_field *f = calloc(nc, sizeof *f);
        if (!f) return HL7_E_NOMEM;
        memcpy(f, s->f, s->n * sizeof *f);
        if (s->own_array) free(s->f);
        s->f = f;
        s->cap = nc;
        s->own_array = 1;
    }
    char *copy = malloc(len + 1);
    if (!copy) return HL7_E_NOMEM;
    memcpy(copy, p, len);
    copy[len] = '\0';
    while (s->n <= (uint32_t)field) s->f[s->n++] = (hl7_field){"", 0, 0};
    if (s->f[field].owned) free((void *)s->f[field].p);
    s->f[field] = (hl7_field){copy, (uint32_t)len, 1};
    return HL7_OK;
}

/* Writes into out the text s with its idx-th part (split by sep, 1-based) replaced by val,
 * padding with separators when the text has fewer parts. */
static int replace_part(const char *s, size_t n, char sep, int idx, const char *val, size_t vlen, buf_t *out)
{
    const char *end = s + n, *b = s;
    int k = 1;
    for (; k < idx; k++) {
        const char *q = memchr(b, sep, (size_t)(end - b));
        if (!q) break;
        b = q + 1;
    }
    if (k < idx) { /* fewer parts than idx: append all, then pad */
        if (buf_append(out, s, n) != 0) return HL7_E_NOMEM;
        for (; k < idx; k++)
            if (buf_putc(out, sep) != 0) return HL7_E_NOMEM;
        return buf_append(out, val, vlen) == 0 && buf_puts(out, "") == 0 ? HL7_OK : HL7_E_NOMEM;
    }
    const char *q = memchr(b, sep, (size_t)(end - b));
    const char *e = q ? q : end;
    if (buf_append(out, s, (size_t)(b - s)) != 0 || buf_append(out, val, vlen) != 0 ||
        buf_append(out, e, (size_t)(end - e)) != 0 || buf_puts(out, "") != 0)
        return HL7_E_NOMEM;
    return HL7_OK;
}

int hl7_seg_set_raw(hl7_message *m, size_t segi, int field, int rep, int comp, int sub,
                    const char *raw, size_t len)
{
    if (segi >= m->nsegs || field < 1 || rep < 0 || comp < 0 || sub < 0 || (sub > 0 && comp == 0))
        return HL7_E_INVALID;
    hl7_segment *s = &m->segs[segi];
    bool msh = memcmp(s->name, "MSH", 3) == 0;
    if (msh && field <= 2) return HL7_E_INVALID; /* delimiters are fixed at creation */
    if (!raw) { raw = ""; len = 0; }
    const char *cur = "";
    size_t curlen = 0;
    if ((uint32_t)field < s->n) {
        cur = s->f[field].p;
        curlen = s->f[field].len;
    }
    if (rep < 1) rep = 1;
    int rc = HL7_OK;
    buf_t a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
    const char *rp, *cp;
    size_t rn, cn;
    hl7_piece(&m->d, cur, curlen, rep, 0, 0, &rp, &rn);
    const char *newrep = raw;
    size_t newrep_len = len;
    if (comp > 0) {
        const char *newcomp = raw;
        size_t newcomp_len = len;
        if (sub > 0) {
            hl7_piece(&m->d, rp, rn, 1, comp, 0, &cp, &cn);
            rc = replace_part(cp, cn, m->d.subcomponent, sub, raw, len, &a);
            newcomp = a.data;
            newcomp_len = a.len;
        }
        if (rc == HL7_OK) rc = replace_part(rp, rn, m->d.component, comp, newcomp, newcomp_len, &b);
        newrep = b.data;
        newrep_len = b.len;
    }
    if (rc == HL7_OK) rc = replace_part(cur, curlen, m->d.repetition, rep, newrep, newrep_len, &c);
    if (rc == HL7_OK) rc = hl7_field_store(s, field, c.data, c.len);
    if (rc == HL7_OK && msh && field == 18) {
        const char *p;
        size_t n;
        hl7_piece(&m->d, s->f[18].p, s->f[18].len, 1, 0, 0, &p, &n);
        if (n >= sizeof m->charset) n = sizeof m->charset - 1;
        memcpy(m->charset, p, n);
        m->charset[n] = '\0';
    }
    buf_free(&a);
    buf_free(&b);
    buf_free(&c);
    return rc;
}

int hl7_seg_set(hl7_message *m, size_t seg, int field, int rep, int comp, int sub, const char *value)
{
    buf_t e = BUF_INIT;
    int rc = hl7_escape(&m->d, value ? value : "", value ? strlen(value) : 0, &e);
    if (rc == HL7_OK) rc = hl7_seg_set_raw(m, seg, field, rep, comp, sub, e.data, e.len);
    buf_free(&e);
    return rc;
}

int hl7_loc_set(hl7_message *m, const hl7_loc *loc, const char *value)
{
    long idx = hl7_segment_find(m, loc->seg, loc->seg_rep ? loc->seg_rep : 1);
    if (idx < 0) return HL7_E_NOT_FOUND;
    return hl7_seg_set(m, (size_t)idx, loc->field, loc->rep, loc->comp, loc->sub, value);
}

int hl7_set(hl7_message *m, const char *path, const char *value)
{
    hl7_loc loc;
    int rc = hl7_path_parse(path, &loc);
    return rc != HL7_OK ? rc : hl7_loc_set(m, &loc, value);
}

static int write_segments(const hl7_message *m, buf_t *out)
{
    for (size_t i = 0; i < m->nsegs; i++) {
        const hl7_segment *s = &m->segs[i];
        bool msh = memcmp(s->name, "MSH", 3) == 0;
        if (buf_append(out, s->name, 3) != 0) return HL7_E_NOMEM;
        uint32_t k = 1;
        if (msh) {
            if (buf_putc(out, m->d.field) != 0 || buf_puts(out, m->delim_text[1]) != 0) return HL7_E_NOMEM;
            k = 3;
        }
        for (; k < s->n; k++)
            if (buf_putc(out, m->d.field) != 0 || buf_append(out, s->f[k].p, s->f[k].len) != 0)
                return HL7_E_NOMEM;
        if (buf_putc(out, '\r') != 0) return HL7_E_NOMEM;
    }
    return HL7_OK;
}

int hl7_serialize(hl7_message *m, const char *charset, buf_t *out, hl7_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    if (charset) {
        if (!hl7_charset_iconv_name(charset, strlen(charset))) {
            hl7_err_set(err, HL7_E_CHARSET, 0, 0, 0, "jeu de caractères de destination « %s » non pris en charge", charset);
            return HL7_E_CHARSET;
        }
        if (strcmp(charset, m->charset) != 0) {
            buf_t e = BUF_INIT;
            int rc = hl7_escape(&m->d, charset, strlen(charset), &e);
            if (rc == HL7_OK) rc = hl7_seg_set_raw(m, 0, 18, 1, 0, 0, e.data, e.len);
            buf_free(&e);
            if (rc != HL7_OK) {
                hl7_err_set(err, rc, 1, 18, 0, NULL);
                return rc;
            }
        }
    }
    const char *target = hl7_charset_iconv_name(m->charset, strlen(m->charset));
    if (!target) {
        hl7_err_set(err, HL7_E_CHARSET, 1, 18, 0, "MSH-18 : jeu de caractères « %s » non pris en charge", m->charset);
        return HL7_E_CHARSET;
    }
    if (strcmp(target, "UTF-8") == 0 || strcmp(target, "ASCII") == 0) {
        int rc = write_segments(m, out);
        if (rc != HL7_OK) hl7_err_set(err, rc, 0, 0, 0, NULL);
        return rc;
    }
    buf_t tmp = BUF_INIT;
    int rc = write_segments(m, &tmp);
    size_t bad = 0;
    if (rc == HL7_OK) rc = hl7_iconv_append("UTF-8", target, tmp.data, tmp.len, out, &bad);
    if (rc == HL7_E_CHARSET || rc == HL7_E_ENCODING) {
        size_t e = bad;
        while (e < tmp.len && e < bad + 4 && ((unsigned char)tmp.data[e] & 0x80)) e++;
        hl7_err_set(err, HL7_E_CHARSET, 0, 0, bad, "le caractère « %.*s » (position %zu) n'existe pas dans le jeu de caractères %s",
                    (int)(e - bad), tmp.data + bad, bad, m->charset);
        rc = HL7_E_CHARSET;
    } else if (rc != HL7_OK) {
        hl7_err_set(err, rc, 0, 0, 0, NULL);
    }
    buf_free(&tmp);
    return rc;
}

const char *hl7_now_dtm(char *out, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    if (strftime(out, n, "%Y%m%d%H%M%S", &tm) == 0 && n) out[0] = '\0';
    return out;
}
