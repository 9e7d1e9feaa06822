/* Page layout engine: text in CP1252 through the embedded TrueType fonts, word wrapping with
 * libharu's HPDF_Font_MeasureText, automatic page breaks. */
#include <stdlib.h>
#include <string.h>

#include "pdf/layout.h"

const rgb COLOR_TEXT = {0.10f, 0.10f, 0.12f};
const rgb COLOR_MUTED = {0.38f, 0.40f, 0.44f};
const rgb COLOR_ACCENT = {0.05f, 0.28f, 0.50f};
const rgb COLOR_RULE = {0.72f, 0.76f, 0.80f};
const rgb COLOR_SHADE = {0.94f, 0.95f, 0.97f};

static const char *to_cp(layout *L, const char *utf8)
{
    if (L->failed) return "";
    if (pdf_text_to_cp1252(&L->conv, utf8, &L->tmp, "texte", L->err, L->errlen) != 0) {
        L->failed = 1;
        return "";
    }
    return buf_cstr(&L->tmp);
}

int lay_new_page(layout *L)
{
    if (L->failed) return -1;
    HPDF_Page p = HPDF_AddPage(L->doc);
    if (!p) {
        L->failed = 1;
        return pdf_fail(L->err, L->errlen, "création de page impossible");
    }
    HPDF_Page_SetWidth(p, PAGE_W);
    HPDF_Page_SetHeight(p, PAGE_H);
    if (L->npages == L->cap_pages) {
        size_t cap = L->cap_pages ? L->cap_pages * 2 : 8;
        HPDF_Page *np = realloc(L->pages, cap * sizeof *np);
        if (!np) {
            L->failed = 1;
            return pdf_fail(L->err, L->errlen, "mémoire insuffisante");
        }
        L->pages = np;
        L->cap_pages = cap;
    }
    L->pages[L->npages++] = p;
    L->page = p;
    L->y = PAGE_H - MARGIN_TOP;
    L->bottom = FOOTER_H + 10.0f;
    if (L->npages > 1 && L->running[0]) {
        /* Running header: who and which report, so a loose page is never anonymous. */
        lay_text(L, L->regular, 8.0f, COLOR_MUTED, MARGIN_L, L->y, L->running);
        lay_rule(L, L->y - 5.0f, 0.5f, COLOR_RULE);
        L->y -= 24.0f;
    }
    return 0;
}

int lay_ensure(layout *L, float h)
{
    if (L->failed) return -1;
    if (L->y - h < L->bottom) return lay_new_page(L);
    return 0;
}

static void set_fill(HPDF_Page p, rgb c)
{
    HPDF_Page_SetRGBFill(p, c.r, c.g, c.b);
}

static float raw_text(layout *L, HPDF_Font f, float size, rgb c, float x, float y, const char *cp)
{
    HPDF_Page p = L->page;
    HPDF_Page_BeginText(p);
    HPDF_Page_SetFontAndSize(p, f, size);
    set_fill(p, c);
    HPDF_Page_TextOut(p, x, y, cp);
    HPDF_Page_EndText(p);
    return HPDF_Page_TextWidth(p, cp);
}

float lay_text(layout *L, HPDF_Font f, float size, rgb c, float x, float y, const char *utf8)
{
    const char *cp = to_cp(L, utf8);
    if (L->failed || !*cp) return 0.0f;
    return raw_text(L, f, size, c, x, y, cp);
}

float lay_width(layout *L, HPDF_Font f, float size, const char *utf8)
{
    const char *cp = to_cp(L, utf8);
    if (L->failed) return 0.0f;
    return (float)HPDF_Font_TextWidth(f, (const HPDF_BYTE *)cp, (HPDF_UINT)strlen(cp)).width *
           size / 1000.0f;
}

/* Bytes of `s` (n bytes, no '\n') that fit in width: at a space when possible, else a hard cut. */
static size_t fit(HPDF_Font f, float size, float width, const char *s, size_t n)
{
    HPDF_REAL real;
    HPDF_UINT k = HPDF_Font_MeasureText(f, (const HPDF_BYTE *)s, (HPDF_UINT)n, width, size, 0, 0,
                                        HPDF_TRUE, &real);
    if (k == 0) k = HPDF_Font_MeasureText(f, (const HPDF_BYTE *)s, (HPDF_UINT)n, width, size, 0, 0,
                                          HPDF_FALSE, &real);
    if (k == 0) k = 1; /* a single glyph wider than the column: emit it anyway */
    return k > n ? n : k;
}

/* Walks the wrapped lines of cp (CP1252); draws them when draw is set. Returns line count. */
static int flow(layout *L, HPDF_Font f, float size, float leading, rgb c, float x, float width,
                const char *cp, float para_gap, int draw)
{
    int lines = 0;
    const char *p = cp;
    char line[2048];
    while (*p) {
        size_t plen = strcspn(p, "\n");
        const char *q = p, *end = p + plen;
        if (plen == 0) { /* empty paragraph: a blank line */
            lines++;
            if (draw) L->y -= leading;
        }
        while (q < end) {
            while (q < end && *q == ' ') q++;
            if (q >= end) break;
            size_t k = fit(f, size, width, q, (size_t)(end - q));
            size_t len = k < sizeof line ? k : sizeof line - 1;
            /* Trim the trailing spaces of the line. */
            size_t tl = len;
            while (tl > 0 && q[tl - 1] == ' ') tl--;
            lines++;
            if (draw) {
                if (lay_ensure(L, leading) != 0) return -1;
                memcpy(line, q, tl);
                line[tl] = '\0';
                raw_text(L, f, size, c, x, L->y - size, line);
                L->y -= leading;
            }
            q += len;
        }
        p = *end ? end + 1 : end;
        if (draw && *p) L->y -= para_gap;
    }
    return lines;
}

int lay_paragraphs(layout *L, HPDF_Font f, float size, float leading, rgb c, float x, float width,
                   const char *utf8, float para_gap)
{
    const char *cp = to_cp(L, utf8);
    if (L->failed) return -1;
    /* The converted text lives in L->tmp, which drawing does not touch (raw_text). */
    char *copy = strdup(cp);
    if (!copy) {
        L->failed = 1;
        return pdf_fail(L->err, L->errlen, "mémoire insuffisante");
    }
    int rc = flow(L, f, size, leading, c, x, width, copy, para_gap, 1);
    free(copy);
    return rc < 0 ? -1 : 0;
}

int lay_count_lines(layout *L, HPDF_Font f, float size, float width, const char *utf8)
{
    const char *cp = to_cp(L, utf8);
    if (L->failed) return 0;
    return flow(L, f, size, 0, COLOR_TEXT, 0, width, cp, 0, 0);
}

void lay_rule(layout *L, float y, float thickness, rgb c)
{
    HPDF_Page p = L->page;
    HPDF_Page_SetRGBStroke(p, c.r, c.g, c.b);
    HPDF_Page_SetLineWidth(p, thickness);
    HPDF_Page_MoveTo(p, MARGIN_L, y);
    HPDF_Page_LineTo(p, PAGE_W - MARGIN_R, y);
    HPDF_Page_Stroke(p);
}

void lay_fill_rect(layout *L, float x, float y, float w, float h, rgb c)
{
    HPDF_Page p = L->page;
    set_fill(p, c);
    HPDF_Page_Rectangle(p, x, y, w, h);
    HPDF_Page_Fill(p);
}
