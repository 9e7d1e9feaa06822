/* Internal pieces of the pdf module, shared between its source files. */
#ifndef COULOIR_PDF_PDF_INTERNAL_H
#define COULOIR_PDF_PDF_INTERNAL_H

#include <iconv.h>
#include <stddef.h>

#include <hpdf.h>

#include "core/buf.h"
#include "pdf/pdf.h"

/* Formats a French error message into err (never NULL-deref: err may be NULL). Returns -1. */
int pdf_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* UTF-8 -> Windows-1252 (the WinAnsiEncoding of the embedded simple TrueType fonts).
 * One converter per render (iconv descriptors are not shared between threads). */
typedef struct {
    iconv_t to_cp1252;
    iconv_t to_utf32;
} pdf_text_conv;

int pdf_text_conv_open(pdf_text_conv *c, char *err, size_t errlen);
void pdf_text_conv_close(pdf_text_conv *c);
/* Converts s (UTF-8) into out as CP1252 (NUL-terminated). Characters without a CP1252 form
 * get a readable substitute (">=" for U+2265...) or '?'; tabs become spaces and other
 * control characters except '\n' are dropped. Returns 0, or -1 when s is not valid UTF-8
 * (err names `what`). */
int pdf_text_to_cp1252(pdf_text_conv *c, const char *s, buf_t *out, const char *what,
                       char *err, size_t errlen);

/* Cuts an incomplete UTF-8 sequence left at the end of s by a truncating snprintf. */
void pdf_utf8_trim(char *s);

/* Folds CP1252 text into an ASCII file-name token: letters upper-cased with accents removed
 * (Œ -> OE), digits kept, anything else becomes a single '-'; leading/trailing '-' dropped. */
void pdf_fold_token(const char *cp1252, buf_t *out);

/* Checks "YYYY-MM-DD"; fills y, m, d. Returns 0 or -1. */
int pdf_parse_date(const char *s, int *y, int *m, int *d);
/* Checks an ISO 8601 date-time with offset; extracts the wall-clock fields as written and the
 * offset in minutes (Z = 0). Returns 0 or -1. */
int pdf_parse_datetime(const char *s, int *y, int *mo, int *d, int *h, int *mi, int *sec,
                       int *offset_min);

/* PDF/A-1b plumbing libharu 2.3.0 does not get right (see pdfa.c). */
typedef struct {
    const char *title;     /* UTF-8 */
    const char *author;    /* UTF-8 */
    const char *subject;   /* UTF-8 */
    const char *keywords;  /* UTF-8 */
    int y, mo, d, h, mi, s, offset_min; /* creation = modification date */
    const char *id_seed;   /* document id + version: seeds the trailer /ID */
} pdf_meta;

int pdf_pdfa_apply(HPDF_Doc doc, const pdf_meta *m, const char *icc_path, char *err, size_t errlen);

/* Encodes content as an ECC 200 DataMatrix (square, auto size) with libdmtx and returns an
 * 8-bit grey bitmap, one pixel per module, top row first (malloc'd), in *pix (*side x *side),
 * quiet zone not included. Returns 0 or -1 with err set. */
int pdf_datamatrix_bitmap(const char *content, size_t len, unsigned char **pix, int *cols,
                          int *rows, char *err, size_t errlen);

#endif
