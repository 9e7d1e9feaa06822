/* Internal helpers of the CDA module: a small layer over xmlTextWriter that records the
 * first failure instead of making every caller test every call. */
#ifndef COULOIR_CDA_INTERNAL_H
#define COULOIR_CDA_INTERNAL_H

#include "cda/cda.h"

#include <libxml/xmlwriter.h>

/* OIDs and code systems used across the module. */
#define CDA_OID_LOINC "2.16.840.1.113883.6.1"
#define CDA_OID_SNOMED "2.16.840.1.113883.6.96"
#define CDA_OID_DCM "1.2.840.10008.2.16.4"
#define CDA_OID_DCMUID "1.2.840.10008.2.6.1"
#define CDA_OID_CCAM "1.2.250.1.215.300.1"
#define CDA_OID_RPPS "1.2.250.1.71.4.2.1"
#define CDA_OID_FINESS "1.2.250.1.71.4.2.2"
#define CDA_OID_PROFESSION "1.2.250.1.213.1.1.4.5"
#define CDA_OID_SECTOR "1.2.250.1.213.1.1.4.9"
#define CDA_OID_FACILITY "1.2.250.1.71.4.2.4"
#define CDA_OID_CONFIDENTIALITY "2.16.840.1.113883.5.25"
#define CDA_OID_GENDER "2.16.840.1.113883.5.1"
#define CDA_OID_ACTCODE "2.16.840.1.113883.5.4"

typedef struct {
    xmlTextWriterPtr w;
    int failed;               /* set by the first libxml2 failure; later calls do nothing */
    const cda_report *r;
    unsigned seq;             /* counter for generated entry/section ids */
    const cda_exam *e;        /* the exam being written (body), NULL outside an exam */
    char idprefix[24];        /* "e<n>-" while writing exam n: keeps narrative IDs unique */
} cda_ctx;

/* Element/attribute/text primitives (no-ops once ctx->failed). NULL attribute values are
 * skipped, NULL texts write nothing. */
void cx_start(cda_ctx *c, const char *name);
void cx_start_ns(cda_ctx *c, const char *prefix, const char *name, const char *uri);
void cx_end(cda_ctx *c);
void cx_attr(cda_ctx *c, const char *name, const char *value);
void cx_text(cda_ctx *c, const char *text);
void cx_comment(cda_ctx *c, const char *text);
void cx_elem_text(cda_ctx *c, const char *name, const char *text); /* skipped when text NULL/"" */

/* <elem root=".." extension=".."/> */
void cx_ii(cda_ctx *c, const char *elem, const char *root, const char *extension);
/* <templateId root=".."/> */
void cx_template(cda_ctx *c, const char *root);
/* Fresh, deterministic id for a section or entry: document id root, extension
 * "<document extension>.<n>" (or "<n>"). */
void cx_new_id(cda_ctx *c);
/* Coded element: cx_code_open leaves it open for children; cx_code closes it. */
void cx_code_open(cda_ctx *c, const char *elem, const char *code, const char *display,
                  const char *system, const char *system_name);
void cx_code(cda_ctx *c, const char *elem, const char *code, const char *display,
             const char *system, const char *system_name);
/* <elem value="YYYYMMDDHHMMSS+HHMM"/> from ISO 8601 (with offset) or "YYYY-MM-DD". */
void cx_ts(cda_ctx *c, const char *elem, const char *iso);
/* Free text: each non-empty line in its own <paragraph>. */
void cx_paragraphs(cda_ctx *c, const char *text);
/* Free text as <content ID="<idprefix>id">line<br/>line</content>. */
void cx_content(cda_ctx *c, const char *id, const char *text);

/* Shared header pieces. */
void cx_addr(cda_ctx *c, const cda_addr *a);
void cx_person_name(cda_ctx *c, const cda_person *p);
void cx_rpps_id(cda_ctx *c, const cda_person *p);
void cx_finess_id(cda_ctx *c, const cda_org *o);
void cx_telecoms(cda_ctx *c, const char *telecom, const char *mssante, const char *use);
void cx_organization(cda_ctx *c, const char *elem, const cda_org *o, int with_sector);

/* Converts ISO 8601 ("2026-11-22T09:30:00+01:00", "...Z", or "2026-11-22") to an HL7 TS
 * ("20261122093000+0100" / "20261122"). Returns 0 or -1 when malformed. */
int cda_hl7_ts(const char *iso, char *out, size_t n);

/* Header (everything before the body). level3 selects the template ids. */
void cda_write_header(cda_ctx *c, int level3);
/* Structured body of CR-IMG 2024.01 (body_n3.c) and its parts. */
void cda_write_body_n3(cda_ctx *c);

#define CDA_NOT_PROVIDED "Non renseigné"

/* narrative.c: <component><section [DOCSECT/EVN]> + 2 templateIds + id + code + title. */
void cb_section_open(cda_ctx *c, int subsection, const char *tpl_base, const char *tpl_fr,
                     const char *code, const char *display, const char *system,
                     const char *system_name, const char *title);
void cb_section_close(cda_ctx *c);
/* <elem><reference value="#<idprefix>target"/></elem> and the originalText form of it. */
void cb_reference(cda_ctx *c, const char *elem, const char *target);
void cb_original_text(cda_ctx *c, const char *target);
void cb_status_completed(cda_ctx *c);
void cb_entry_open(cda_ctx *c, const char *element, const char *class_code); /* <entry><element ... EVN> */
void cb_clinical_observation_open(cda_ctx *c); /* entry + observation 6.2.13 / 3.150 + id */
void cb_target_site(cda_ctx *c, const cda_cv *site); /* SNOMED CT targetSiteCode */
void cb_null_site(cda_ctx *c);                       /* <targetSiteCode nullFlavor="NA"/> */
void cb_td_content(cda_ctx *c, const char *id, const char *text);
void cb_td_text(cda_ctx *c, const char *text);
void cb_head_row(cda_ctx *c, const char *const *labels, size_t n);
/* %.6g with `sep` as the decimal separator (',' in French narrative, '.' in values). */
void cb_format_decimal(double v, char *out, size_t n, char sep);

/* products.c */
void cb_product_table(cda_ctx *c, const cda_product *p, const char *first_header, const char *id,
                      const char *dose_id);
void cb_contrast_entry(cda_ctx *c, const cda_product *p);
void cb_radiopharmaceutical_entry(cda_ctx *c, const cda_product *p);
/* exposure.c, catalog.c: subsections of the current exam (c->e). */
void cb_exposure_section(cda_ctx *c);
void cb_catalog_section(cda_ctx *c);

/* Document title (the explicit one or the default built from the exams). */
const char *cda_title(const cda_report *r, char *buf, size_t n);

/* Snprintf into err, tolerating err == NULL. */
void cda_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline int cda_has(const char *s) { return s && *s; }

#endif
