/* The blocks of the report page, drawn in order by render.c (internal). */
#ifndef COULOIR_PDF_BLOCKS_H
#define COULOIR_PDF_BLOCKS_H

#include "pdf/layout.h"

/* "YYYY-MM-DD" -> "DD/MM/YYYY" ("?" when malformed). */
void fr_date(const char *iso, char *out, size_t n);

void draw_letterhead(layout *L, const pdf_report *r);
/* dm: the INS datamatrix bitmap (NULL when the report carries no INS). */
int draw_patient(layout *L, const pdf_report *r, const unsigned char *dm, int dm_cols, int dm_rows);
int draw_exam(layout *L, const pdf_report *r);
/* emphasize: body in bold (the conclusion). Empty bodies draw nothing. */
int draw_section(layout *L, const char *heading, const char *body, int emphasize);
int draw_validation(layout *L, const pdf_report *r);
int draw_recipients(layout *L, const pdf_report *r);
int draw_rgpd(layout *L, const pdf_report *r);
void draw_footers(layout *L, const pdf_report *r);

#endif
