/* Page layout engine of the report: A4 pages, wrapped paragraphs, pagination (internal). */
#ifndef COULOIR_PDF_LAYOUT_H
#define COULOIR_PDF_LAYOUT_H

#include "pdf/pdf_internal.h"

#define PAGE_W 595.276f
#define PAGE_H 841.89f
#define MARGIN_L 51.0f
#define MARGIN_R 51.0f
#define MARGIN_TOP 40.0f
#define FOOTER_H 34.0f /* page footer band above the bottom edge */
#define CONTENT_W (PAGE_W - MARGIN_L - MARGIN_R)

typedef struct {
    float r, g, b;
} rgb;

typedef struct {
    HPDF_Doc doc;
    HPDF_Font regular, bold;
    HPDF_Page page;
    HPDF_Page *pages;
    size_t npages, cap_pages;
    float y;             /* current baseline cursor, from the bottom of the page */
    float bottom;        /* lowest y content may reach on the current page */
    pdf_text_conv conv;
    buf_t tmp;           /* scratch CP1252 text */
    char running[256];   /* running header of pages 2+, UTF-8 */
    char *err;
    size_t errlen;
    int failed;          /* set by the first error (libharu or ours) */
    HPDF_STATUS hpdf_error, hpdf_detail;
} layout;

extern const rgb COLOR_TEXT, COLOR_MUTED, COLOR_ACCENT, COLOR_RULE, COLOR_SHADE;

int lay_new_page(layout *L);
/* Makes sure h points fit above the bottom limit, starting a new page otherwise. */
int lay_ensure(layout *L, float h);
/* Single line of UTF-8 text at (x, y); returns its width. */
float lay_text(layout *L, HPDF_Font f, float size, rgb c, float x, float y, const char *utf8);
/* Width of UTF-8 text in font f at size. */
float lay_width(layout *L, HPDF_Font f, float size, const char *utf8);
/* Wrapped paragraphs ('\n' separates them) flowing across pages from the cursor.
 * para_gap: extra space between paragraphs. */
int lay_paragraphs(layout *L, HPDF_Font f, float size, float leading, rgb c, float x, float width,
                   const char *utf8, float para_gap);
/* Number of lines the text needs in that width (no drawing). */
int lay_count_lines(layout *L, HPDF_Font f, float size, float width, const char *utf8);
/* Horizontal rule across the content width at y. */
void lay_rule(layout *L, float y, float thickness, rgb c);
void lay_fill_rect(layout *L, float x, float y, float w, float h, rgb c);

#endif
