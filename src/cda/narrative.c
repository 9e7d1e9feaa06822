/* Building blocks shared by the level 3 body: sections, narrative references, tables. */
#include "cda/cda_internal.h"

#include <stdio.h>
#include <string.h>

void cb_section_open(cda_ctx *c, int subsection, const char *tpl_base, const char *tpl_fr,
                         const char *code, const char *display, const char *system,
                         const char *system_name, const char *title)
{
    cx_start(c, "component");
    cx_start(c, "section");
    if (subsection) {
        cx_attr(c, "classCode", "DOCSECT");
        cx_attr(c, "moodCode", "EVN");
    }
    cx_template(c, tpl_base);
    cx_template(c, tpl_fr);
    cx_new_id(c);
    cx_code(c, "code", code, display, system, system_name);
    cx_elem_text(c, "title", title);
}

void cb_section_close(cda_ctx *c)
{
    cx_end(c); /* section */
    cx_end(c); /* component */
}

void cb_reference(cda_ctx *c, const char *elem, const char *target)
{
    char ref[128];
    snprintf(ref, sizeof ref, "#%s%s", c->idprefix, target);
    cx_start(c, elem);
    cx_start(c, "reference");
    cx_attr(c, "value", ref);
    cx_end(c);
    cx_end(c);
}

void cb_original_text(cda_ctx *c, const char *target)
{
    cb_reference(c, "originalText", target);
}

void cb_status_completed(cda_ctx *c)
{
    cx_start(c, "statusCode");
    cx_attr(c, "code", "completed");
    cx_end(c);
}

/* <entry><element classCode=... moodCode="EVN">: the caller closes both with cx_end. */
void cb_entry_open(cda_ctx *c, const char *element, const char *class_code)
{
    cx_start(c, "entry");
    cx_start(c, element);
    cx_attr(c, "classCode", class_code);
    cx_attr(c, "moodCode", "EVN");
}

/* An observation entry of the imaging clinical-information kind (IHE 2.16.840.1.113883.10.20.6.2.13,
 * CI-SIS 1.2.250.1.213.1.1.3.150) with a fresh id; the caller writes code... and closes both. */
void cb_clinical_observation_open(cda_ctx *c)
{
    cb_entry_open(c, "observation", "OBS");
    cx_template(c, "2.16.840.1.113883.10.20.6.2.13");
    cx_template(c, "1.2.250.1.213.1.1.3.150");
    cx_new_id(c);
}

/* The exam's SNOMED CT target site, pointing at the "acte-localisation" narrative cell. */
void cb_target_site(cda_ctx *c, const cda_cv *site)
{
    cx_start(c, "targetSiteCode");
    cx_attr(c, "xsi:type", "CD");
    cx_attr(c, "code", site->code);
    cx_attr(c, "displayName", site->display);
    cx_attr(c, "codeSystem", CDA_OID_SNOMED);
    cx_attr(c, "codeSystemName", "SNOMED CT");
    cb_original_text(c, "acte-localisation");
    cx_end(c);
}

void cb_null_site(cda_ctx *c)
{
    cx_start(c, "targetSiteCode");
    cx_attr(c, "nullFlavor", "NA");
    cx_end(c);
}

void cb_td_content(cda_ctx *c, const char *id, const char *text)
{
    cx_start(c, "td");
    cx_content(c, id, text);
    cx_end(c);
}

void cb_td_text(cda_ctx *c, const char *text)
{
    cx_start(c, "td");
    cx_text(c, text);
    cx_end(c);
}

void cb_head_row(cda_ctx *c, const char *const *labels, size_t n)
{
    cx_start(c, "thead");
    cx_start(c, "tr");
    for (size_t i = 0; i < n; i++) cx_elem_text(c, "th", labels[i]);
    cx_end(c);
    cx_end(c);
}

void cb_format_decimal(double v, char *out, size_t n, char sep)
{
    snprintf(out, n, "%.6g", v);
    if (sep != '.') {
        char *dot = strchr(out, '.');
        if (dot) *dot = sep;
    }
}
