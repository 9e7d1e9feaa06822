/* Parsing: delimiters from MSH-1/MSH-2, charset from MSH-18, conversion to UTF-8 (one copy
 * of the input), then an index of segments and fields pointing into that copy. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hl7/hl7_internal.h"

const hl7_delims hl7_default_delims = {'|', '^', '~', '\\', '&', 0};
const hl7_parse_opts hl7_parse_defaults = {NULL, true};

/* U+02DC SMALL TILDE, found instead of '~' in some ANS samples ("MSH|^˜\&"). */
#define SMALL_TILDE_0 '\xCB'
#define SMALL_TILDE_1 '\x9C'

static bool delim_ok(unsigned char c)
{
    return c >= 0x21 && c <= 0x7E && !isalnum(c);
}

/* Reads MSH-1 / MSH-2 at s (s[0..2] == "MSH"). Sets *tilde when U+02DC stands for '~'.
 * Returns the length of MSH-2 in the input or a negative error. */
static int read_delims(const char *s, size_t n, hl7_delims *d, bool *tilde, hl7_error *err)
{
    *tilde = false;
    if (n < 4) {
        hl7_err_set(err, HL7_E_DELIMITERS, 1, 1, 3, "MSH-1 absent : le séparateur de champs manque après « MSH »");
        return HL7_E_DELIMITERS;
    }
    unsigned char fs = (unsigned char)s[3];
    if (!delim_ok(fs)) {
        hl7_err_set(err, HL7_E_DELIMITERS, 1, 1, 3, "MSH-1 invalide : séparateur de champs 0x%02X non autorisé", fs);
        return HL7_E_DELIMITERS;
    }
    char enc[8];
    size_t k = 0, i = 4;
    while (i < n && s[i] != (char)fs && s[i] != '\r' && s[i] != '\n') {
        if (k == 1 && s[i] == SMALL_TILDE_0 && i + 1 < n && s[i + 1] == SMALL_TILDE_1) {
            *tilde = true;
            enc[k++] = '~';
            i += 2;
            continue;
        }
        if (k >= 5) {
            hl7_err_set(err, HL7_E_DELIMITERS, 1, 2, i, "MSH-2 invalide : plus de 5 caractères d'encodage");
            return HL7_E_DELIMITERS;
        }
        enc[k++] = s[i++];
    }
    if (k < 4) {
        hl7_err_set(err, HL7_E_DELIMITERS, 1, 2, 4,
                    "MSH-2 invalide : %zu caractère(s) d'encodage au lieu de 4 (composant, répétition, échappement, sous-composant)", k);
        return HL7_E_DELIMITERS;
    }
    for (size_t a = 0; a < k; a++) {
        if (!delim_ok((unsigned char)enc[a]) || enc[a] == (char)fs) {
            hl7_err_set(err, HL7_E_DELIMITERS, 1, 2, 4 + a, "MSH-2 invalide : caractère d'encodage n° %zu non autorisé", a + 1);
            return HL7_E_DELIMITERS;
        }
        for (size_t b = 0; b < a; b++)
            if (enc[a] == enc[b]) {
                hl7_err_set(err, HL7_E_DELIMITERS, 1, 2, 4 + a, "MSH-2 invalide : le caractère « %c » est utilisé deux fois", enc[a]);
                return HL7_E_DELIMITERS;
            }
    }
    d->field = (char)fs;
    d->component = enc[0];
    d->repetition = enc[1];
    d->escape = enc[2];
    d->subcomponent = enc[3];
    d->truncation = k == 5 ? enc[4] : 0;
    return (int)(i - 4);
}

/* MSH-18 first repetition, read on the raw bytes (MSH is ASCII in every supported charset). */
static void read_msh18(const char *s, size_t n, const hl7_delims *d, const char **p, size_t *len)
{
    int field = 1; /* s[3] is MSH-1; the text after the k-th separator is MSH-(k+1) */
    size_t i = 3;
    *p = NULL;
    *len = 0;
    for (; i < n && s[i] != '\r' && s[i] != '\n'; i++) {
        if (s[i] != d->field) continue;
        field++;
        if (field == 18) {
            size_t b = i + 1, e = b;
            while (e < n && s[e] != d->field && s[e] != d->repetition && s[e] != '\r' && s[e] != '\n') e++;
            while (b < e && s[b] == ' ') b++;
            while (e > b && s[e - 1] == ' ') e--;
            *p = s + b;
            *len = e - b;
            return;
        }
    }
}

/* Copies (or converts) the input into m->buf as UTF-8. */
static int load_text(hl7_message *m, const char *s, size_t n, bool tilde, const hl7_parse_opts *o,
                     size_t skipped, hl7_error *err)
{
    const char *cs;
    size_t cslen;
    read_msh18(s, n, &m->d, &cs, &cslen);
    if (cslen >= sizeof m->charset) {
        hl7_err_set(err, HL7_E_CHARSET, 1, 18, 0, "MSH-18 : jeu de caractères « %.*s » non pris en charge", (int)cslen, cs);
        return HL7_E_CHARSET;
    }
    memcpy(m->charset, cs ? cs : "", cslen);
    m->charset[cslen] = '\0';
    const char *iname = hl7_charset_iconv_name(m->charset, cslen);
    if (!iname) {
        hl7_err_set(err, HL7_E_CHARSET, 1, 18, 0,
                    "MSH-18 : jeu de caractères « %s » non pris en charge (attendu : 8859/1, 8859/15, UNICODE UTF-8 ou vide)", m->charset);
        return HL7_E_CHARSET;
    }
    m->iconv_name = iname;
    m->cs = hl7_charset_kind_of(iname);

    buf_t b = BUF_INIT;
    int rc = HL7_OK;
    size_t bad = 0;
    if (m->cs == HL7_CS_ASCII || m->cs == HL7_CS_UTF8) {
        if (hl7_utf8_valid(s, n, &bad)) { /* ASCII is valid UTF-8 */
            rc = buf_append(&b, s, n) == 0 ? HL7_OK : HL7_E_NOMEM;
        } else if (m->cs == HL7_CS_ASCII && o->undeclared_charset) {
            const char *fallback = hl7_charset_iconv_name(o->undeclared_charset, strlen(o->undeclared_charset));
            if (!fallback) {
                hl7_err_set(err, HL7_E_CHARSET, 0, 0, 0, "jeu de caractères par défaut « %s » non pris en charge", o->undeclared_charset);
                return HL7_E_CHARSET;
            }
            m->iconv_name = fallback;
            rc = hl7_iconv_append(fallback, "UTF-8", s, n, &b, &bad);
        } else {
            hl7_err_set(err, HL7_E_ENCODING, 0, 0, skipped + bad,
                        m->cs == HL7_CS_UTF8
                            ? "octet invalide en UTF-8 à la position %zu (MSH-18 déclare UNICODE UTF-8)"
                            : "octet non ASCII à la position %zu alors que MSH-18 ne déclare aucun jeu de caractères",
                        skipped + bad);
            return HL7_E_ENCODING;
        }
    } else {
        rc = hl7_iconv_append(iname, "UTF-8", s, n, &b, &bad);
    }
    if (rc != HL7_OK) {
        buf_free(&b);
        if (rc == HL7_E_NOMEM) hl7_err_set(err, rc, 0, 0, 0, NULL);
        else hl7_err_set(err, HL7_E_ENCODING, 0, 0, skipped + bad, "octet invalide pour le jeu de caractères %s à la position %zu", m->charset, skipped + bad);
        return rc == HL7_E_NOMEM ? rc : HL7_E_ENCODING;
    }
    if (tilde) {
        /* The message declared U+02DC as its repetition separator: every occurrence is one. */
        size_t w = 0;
        for (size_t r = 0; r < b.len; r++) {
            if (b.data[r] == '~') {
                buf_free(&b);
                hl7_err_set(err, HL7_E_DELIMITERS, 0, 0, r,
                            "MSH-2 déclare « ˜ » (U+02DC) comme séparateur de répétitions mais le message contient aussi « ~ »");
                return HL7_E_DELIMITERS;
            }
            if (b.data[r] == SMALL_TILDE_0 && r + 1 < b.len && b.data[r + 1] == SMALL_TILDE_1) {
                b.data[w++] = '~';
                r++;
            } else {
                b.data[w++] = b.data[r];
            }
        }
        b.len = w;
        b.data[w] = '\0';
    }
    if (!b.data && buf_puts(&b, "") != 0) return HL7_E_NOMEM;
    m->buflen = b.len;
    m->buf = b.data;
    return HL7_OK;
}

enum { C_TEXT = 0, C_FS = 1, C_EOL = 2, C_ESC = 3 };

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need) nc *= 2;
    void *p = realloc(*arr, nc * elem);
    if (!p) return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

static int index_segments(hl7_message *m, const hl7_parse_opts *o, size_t skipped, hl7_error *err)
{
    unsigned char cls[256] = {0};
    cls[(unsigned char)m->d.field] = C_FS;
    cls['\r'] = C_EOL;
    cls['\n'] = C_EOL;
    cls[(unsigned char)m->d.escape] = C_ESC;

    const char *s = m->buf;
    size_t n = m->buflen;
    size_t fcap = 0, nf = 0;
    hl7_field *fields = NULL;
    size_t i = 0;
    while (i < n) {
        if (s[i] == '\r' || s[i] == '\n') { i++; continue; }
        size_t segno = m->nsegs + 1;
        if (grow((void **)&m->segs, &m->segcap, m->nsegs + 1, sizeof *m->segs) != 0) goto nomem;
        hl7_segment *seg = &m->segs[m->nsegs];
        memset(seg, 0, sizeof *seg);
        size_t name_start = i;
        while (i < n && cls[(unsigned char)s[i]] != C_FS && cls[(unsigned char)s[i]] != C_EOL) i++;
        size_t nlen = i - name_start;
        bool name_ok = nlen == 3 && isupper((unsigned char)s[name_start]);
        for (size_t k = 0; name_ok && k < 3; k++)
            name_ok = isupper((unsigned char)s[name_start + k]) || isdigit((unsigned char)s[name_start + k]);
        if (!name_ok) {
            hl7_err_set(err, HL7_E_SEGMENT, segno, 0, skipped + name_start,
                        "segment n° %zu : nom « %.*s » invalide (3 caractères majuscules ou chiffres attendus)",
                        segno, (int)(nlen > 20 ? 20 : nlen), s + name_start);
            free(fields);
            return HL7_E_SEGMENT;
        }
        memcpy(seg->name, s + name_start, 3);
        seg->name[3] = '\0';
        bool is_msh = memcmp(seg->name, "MSH", 3) == 0;
        if (segno == 1 && !is_msh) {
            hl7_err_set(err, HL7_E_NO_MSH, 1, 0, skipped, NULL);
            free(fields);
            return HL7_E_NO_MSH;
        }
        size_t first = nf;
        if (grow((void **)&fields, &fcap, nf + 3, sizeof *fields) != 0) goto nomem;
        fields[nf++] = (hl7_field){s + name_start, 3, 0};
        if (is_msh) {
            if (segno != 1) {
                hl7_err_set(err, HL7_E_SEGMENT, segno, 0, skipped + name_start,
                            "segment n° %zu : un second segment MSH dans le même message", segno);
                free(fields);
                return HL7_E_SEGMENT;
            }
            /* MSH-1 and MSH-2 are taken verbatim, never split nor unescaped. */
            fields[nf++] = (hl7_field){s + 3, 1, 0};
            size_t b = 4;
            while (b < n && s[b] != m->d.field && cls[(unsigned char)s[b]] != C_EOL) b++;
            fields[nf++] = (hl7_field){s + 4, (uint32_t)(b - 4), 0};
            i = b;
        }
        int fieldno = is_msh ? 2 : 0;
        while (i < n && cls[(unsigned char)s[i]] == C_FS) {
            i++;
            fieldno++;
            size_t b = i;
            for (;;) {
                while (i < n && cls[(unsigned char)s[i]] == C_TEXT) i++;
                if (i < n && cls[(unsigned char)s[i]] == C_ESC) {
                    size_t k = hl7_escape_check(&m->d, s + i, n - i);
                    if (k == 0) {
                        if (o->strict_escapes) {
                            size_t e = i + 1;
                            while (e < n && e < i + 12 && cls[(unsigned char)s[e]] == C_TEXT) e++;
                            hl7_err_set(err, HL7_E_ESCAPE, segno, fieldno, skipped + i,
                                        "%s-%d : séquence d'échappement invalide « %.*s » (segment n° %zu)",
                                        seg->name, fieldno, (int)(e - i), s + i, segno);
                            free(fields);
                            return HL7_E_ESCAPE;
                        }
                        k = 1;
                    }
                    i += k;
                    continue;
                }
                break;
            }
            if (i - b > UINT32_MAX) {
                hl7_err_set(err, HL7_E_TOO_LARGE, segno, fieldno, skipped + b, "champ de plus de 4 Gio");
                free(fields);
                return HL7_E_TOO_LARGE;
            }
            if (grow((void **)&fields, &fcap, nf + 1, sizeof *fields) != 0) goto nomem;
            fields[nf++] = (hl7_field){s + b, (uint32_t)(i - b), 0};
        }
        seg->n = (uint32_t)(nf - first);
        seg->cap = seg->n;
        seg->f = (hl7_field *)(uintptr_t)first; /* fixed up below, after the last realloc */
        m->nsegs++;
    }
    if (m->nsegs == 0) {
        free(fields);
        hl7_err_set(err, HL7_E_EMPTY, 0, 0, 0, NULL);
        return HL7_E_EMPTY;
    }
    for (size_t k = 0; k < m->nsegs; k++) m->segs[k].f = fields + (uintptr_t)m->segs[k].f;
    m->fields = fields;
    return HL7_OK;
nomem:
    free(fields);
    hl7_err_set(err, HL7_E_NOMEM, 0, 0, 0, NULL);
    return HL7_E_NOMEM;
}

hl7_message *hl7_parse(const char *data, size_t len, const hl7_parse_opts *opts, hl7_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    const hl7_parse_opts *o = opts ? opts : &hl7_parse_defaults;
    size_t skip = 0;
    if (!data) len = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) skip = 3;
    while (skip < len && (data[skip] == '\r' || data[skip] == '\n' || data[skip] == ' ' || data[skip] == '\t')) skip++;
    if (skip >= len) {
        hl7_err_set(err, HL7_E_EMPTY, 0, 0, 0, NULL);
        return NULL;
    }
    const char *s = data + skip;
    size_t n = len - skip;
    if (n < 3 || memcmp(s, "MSH", 3) != 0) {
        size_t e = 0;
        while (e < n && e < 3 && s[e] != '\r' && s[e] != '\n') e++;
        hl7_err_set(err, HL7_E_NO_MSH, 1, 0, skip,
                    "le message doit commencer par un segment MSH (trouvé « %.*s »)", (int)e, s);
        return NULL;
    }
    hl7_message *m = calloc(1, sizeof *m);
    if (!m) {
        hl7_err_set(err, HL7_E_NOMEM, 0, 0, 0, NULL);
        return NULL;
    }
    bool tilde;
    int rc = read_delims(s, n, &m->d, &tilde, err);
    if (rc >= 0) rc = load_text(m, s, n, tilde, o, skip, err);
    if (rc >= 0) {
        /* delimiter texts, used for MSH-1/MSH-2 when serializing */
        m->delim_text[0][0] = m->d.field;
        char *e = m->delim_text[1];
        *e++ = m->d.component;
        *e++ = m->d.repetition;
        *e++ = m->d.escape;
        *e++ = m->d.subcomponent;
        if (m->d.truncation) *e++ = m->d.truncation;
        *e = '\0';
        rc = index_segments(m, o, skip, err);
        if (rc < 0) m->nsegs = 0; /* segments hold field indexes, not pointers, until success */
    }
    if (rc < 0) {
        hl7_message_free(m);
        return NULL;
    }
    return m;
}

void hl7_message_free(hl7_message *m)
{
    if (!m) return;
    hl7_segments_free(m);
    free(m->fields);
    free(m->buf);
    free(m);
}

const hl7_delims *hl7_message_delims(const hl7_message *m) { return &m->d; }
const char *hl7_message_charset(const hl7_message *m) { return m->charset; }
size_t hl7_segment_count(const hl7_message *m) { return m->nsegs; }

const char *hl7_segment_name(const hl7_message *m, size_t seg)
{
    return seg < m->nsegs ? m->segs[seg].name : NULL;
}

size_t hl7_field_count(const hl7_message *m, size_t seg)
{
    return seg < m->nsegs && m->segs[seg].n > 0 ? m->segs[seg].n - 1 : 0;
}
