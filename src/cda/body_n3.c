/* Structured body of the CR-IMG 2024.01 document (level 3): the sections and entries the
 * ANS schematron CI-SIS_IMG-CR-IMG_2024.01 requires (see docs/cda.md for the mapping). */
#include "cda/cda_internal.h"

#include <stdio.h>
#include <string.h>

/* A text-only section (findings, comparison, conclusion). */
static void text_section(cda_ctx *c, const char *tpl_base, const char *tpl_fr, const char *code,
                         const char *display, const char *title, const char *text)
{
    cb_section_open(c, 0, tpl_base, tpl_fr, code, display, CDA_OID_LOINC, "LOINC", title);
    cx_start(c, "text");
    cx_paragraphs(c, text);
    cx_end(c);
    cb_section_close(c);
}

/* ---- Clinical information: request + medical history ---------------------------------- */

static void history_observation(cda_ctx *c, const char *code, const char *display, const char *content_id)
{
    cb_clinical_observation_open(c);
    cx_code(c, "code", code, display, CDA_OID_LOINC, "LOINC");
    cb_reference(c, "text", content_id);
    cb_status_completed(c);
    cx_start(c, "value");
    cx_attr(c, "xsi:type", "CD");
    cb_original_text(c, content_id);
    cx_end(c);
    cb_null_site(c);
    cx_end(c);
    cx_end(c);
}

/* Code system of a JDV_Contre_indications_CISIS code. */
static const char *contraindication_system(const char *code, const char **name)
{
    if (strncmp(code, "MED-", 4) == 0 || strncmp(code, "GEN-", 4) == 0) {
        *name = NULL;
        return "1.2.250.1.213.1.1.4.322";
    }
    if (code[0] >= 'A' && code[0] <= 'Z') {
        *name = "CIM-10";
        return "2.16.840.1.113883.6.3";
    }
    *name = "SNOMED CT";
    return CDA_OID_SNOMED;
}

/* The contraindication entry is mandatory; its value is coded from the JDV when the caller
 * coded it, otherwise it is the free text itself (xsi:type ST, which the rules accept). */
static void contraindication_observation(cda_ctx *c, const cda_cv *ci, const char *free_text)
{
    const char *system_name = NULL;
    const char *system = cda_has(ci->code) ? contraindication_system(ci->code, &system_name) : NULL;
    cb_clinical_observation_open(c);
    cx_code(c, "code", "64100-1", "Contre-indications", CDA_OID_LOINC, "LOINC");
    cb_reference(c, "text", "contre-indications");
    cb_status_completed(c);
    cx_start(c, "value");
    if (system) {
        cx_attr(c, "xsi:type", "CD");
        cx_attr(c, "code", ci->code);
        cx_attr(c, "displayName", ci->display);
        cx_attr(c, "codeSystem", system);
        cx_attr(c, "codeSystemName", system_name);
        cb_original_text(c, "contre-indications");
    } else {
        cx_attr(c, "xsi:type", "ST");
        cx_text(c, free_text);
    }
    cx_end(c);
    cb_null_site(c);
    cx_end(c);
    cx_end(c);
}

static void history_row(cda_ctx *c, const char *label, const char *id, const char *text)
{
    cx_start(c, "tr");
    cx_elem_text(c, "th", label);
    cx_start(c, "td");
    cx_content(c, id, cda_has(text) ? text : CDA_NOT_PROVIDED);
    cx_end(c);
    cx_end(c);
}

static void clinical_information(cda_ctx *c)
{
    const cda_sections *t = &c->r->text;
    if (!cda_has(t->indication) && !cda_has(t->medical_history) && !cda_has(t->surgical_history) &&
        !cda_has(t->contraindications))
        return;
    cb_section_open(c, 0, "1.2.840.10008.9.2", "1.2.250.1.213.1.1.2.205", "55752-0",
                 "Informations cliniques", CDA_OID_LOINC, "LOINC", "Informations cliniques");
    cx_start(c, "text"); /* the content is in the two subsections (as in the ANS example) */
    cx_end(c);

    cb_section_open(c, 1, "1.2.840.10008.9.7", "1.2.250.1.213.1.1.2.211", "55115-0", "Demande",
                 CDA_OID_LOINC, "LOINC", "Indication de l'examen");
    cx_start(c, "text");
    cx_paragraphs(c, cda_has(t->indication) ? t->indication : CDA_NOT_PROVIDED);
    cx_end(c);
    cb_section_close(c);

    cb_section_open(c, 1, "2.16.840.1.113883.10.20.22.2.39", "1.2.250.1.213.1.1.2.213", "11329-0",
                 "Historique médical", CDA_OID_LOINC, "LOINC", "Antécédents et contre-indications");
    cx_start(c, "text");
    cx_start(c, "table");
    cx_start(c, "tbody");
    history_row(c, "Antécédents médicaux", "antecedents-medicaux", t->medical_history);
    history_row(c, "Antécédents chirurgicaux", "antecedents-chirurgicaux", t->surgical_history);
    history_row(c, "Contre-indications", "contre-indications", t->contraindications);
    cx_end(c);
    cx_end(c);
    cx_end(c);
    history_observation(c, "11348-0", "Antécédents médicaux", "antecedents-medicaux");
    history_observation(c, "47519-4", "Antécédents chirurgicaux", "antecedents-chirurgicaux");
    contraindication_observation(c, &t->contraindication,
                                 cda_has(t->contraindications) ? t->contraindications : CDA_NOT_PROVIDED);
    cb_section_close(c);

    cb_section_close(c);
}

/* ---- Imaging procedure: technique, radiation exposure, object catalog ------------------ */

static void technique_entry(cda_ctx *c)
{
    const cda_exam *e = c->e;
    cb_entry_open(c, "procedure", "PROC");
    cx_template(c, "1.2.840.10008.9.14");
    cx_template(c, "1.2.250.1.213.1.1.3.153");
    cx_new_id(c);
    cx_code_open(c, "code", e->loinc.code, e->loinc.display, CDA_OID_LOINC, "LOINC");
    cb_original_text(c, "acte");
    if (cda_has(e->ccam.code))
        cx_code(c, "translation", e->ccam.code, e->ccam.display, CDA_OID_CCAM, "CCAM");
    cx_end(c);
    cb_reference(c, "text", "acte-description");
    cx_ts(c, "effectiveTime", e->start);
    cx_code_open(c, "methodCode", e->modality, cda_modality_display(e->modality), CDA_OID_DCM, "DCM");
    cb_original_text(c, "acte-modalite");
    cx_end(c);
    cb_target_site(c, &e->target_site);
    cx_end(c);
    cx_end(c);
}

static void imaging_procedure(cda_ctx *c)
{
    const cda_report *r = c->r;
    const cda_exam *e = c->e;
    cb_section_open(c, 0, "1.2.840.10008.9.3", "1.2.250.1.213.1.1.2.206", "55111-9",
                 "Description de l'acte d'imagerie", CDA_OID_LOINC, "LOINC", "Technique");
    cx_start(c, "text");
    cx_start(c, "table");
    static const char *const labels[] = {"Acte d'imagerie", "Description de l'acte",
                                         "Modalité d'imagerie", "Localisation anatomique"};
    cb_head_row(c, labels, 4);
    cx_start(c, "tbody");
    cx_start(c, "tr");
    cx_start(c, "td");
    char act[512];
    snprintf(act, sizeof act, "[LOINC : %s] %s", e->loinc.code, e->loinc.display);
    cx_content(c, "acte", act);
    if (cda_has(e->ccam.code)) {
        snprintf(act, sizeof act, "[CCAM : %s] %s", e->ccam.code, cda_has(e->ccam.display) ? e->ccam.display : "");
        cx_start(c, "br");
        cx_end(c);
        cx_text(c, act);
    }
    cx_end(c);
    cb_td_content(c, "acte-description", cda_has(r->text.technique) ? r->text.technique : CDA_NOT_PROVIDED);
    cb_td_content(c, "acte-modalite", cda_modality_display(e->modality));
    cb_td_content(c, "acte-localisation", e->target_site.display);
    cx_end(c);
    cx_end(c);
    cx_end(c);
    if (cda_has(e->contrast.name)) cb_product_table(c, &e->contrast, "Produit administré", "produit", "produit-dose");
    cx_end(c); /* text */
    technique_entry(c);
    if (cda_has(e->contrast.name)) cb_contrast_entry(c, &e->contrast);
    cb_exposure_section(c);
    cb_catalog_section(c);
    cb_section_close(c);
}

static void addendum_section(cda_ctx *c)
{
    const cda_report *r = c->r;
    const cda_sections *t = &r->text;
    if (!cda_has(t->addendum)) return;
    cb_section_open(c, 0, "1.2.840.10008.9.6", "1.2.250.1.213.1.1.2.210", "55107-7", "Addendum",
                 CDA_OID_LOINC, "LOINC", "Addendum");
    cx_start(c, "text");
    cx_paragraphs(c, t->addendum);
    cx_end(c);
    cx_start(c, "author");
    cx_ts(c, "time", t->addendum_time);
    cx_start(c, "assignedAuthor");
    cx_rpps_id(c, &t->addendum_author);
    if (cda_has(t->addendum_author.profession.code))
        cx_code(c, "code", t->addendum_author.profession.code, t->addendum_author.profession.display,
                CDA_OID_PROFESSION, NULL);
    cx_start(c, "assignedPerson");
    cx_person_name(c, &t->addendum_author);
    cx_end(c);
    cx_organization(c, "representedOrganization", &r->site, 0);
    cx_end(c);
    cx_end(c);
    cb_section_close(c);
}

void cda_write_body_n3(cda_ctx *c)
{
    const cda_sections *t = &c->r->text;
    cx_start(c, "component");
    cx_start(c, "structuredBody");
    clinical_information(c);
    for (size_t i = 0; i < c->r->nexams; i++) {
        c->e = &c->r->exams[i];
        snprintf(c->idprefix, sizeof c->idprefix, "e%zu-", i + 1);
        imaging_procedure(c);
    }
    c->e = NULL;
    c->idprefix[0] = '\0';
    if (cda_has(t->findings))
        text_section(c, "2.16.840.1.113883.10.20.6.1.2", "1.2.250.1.213.1.1.2.208", "59776-5",
                     "Résultats de l'acte", "Résultats", t->findings);
    if (cda_has(t->comparison))
        text_section(c, "1.2.840.10008.9.4", "1.2.250.1.213.1.1.2.207", "18834-2",
                     "Examen de comparaison radiologique", "Comparaison avec les examens antérieurs",
                     t->comparison);
    text_section(c, "1.2.840.10008.9.5", "1.2.250.1.213.1.1.2.209", "19005-8", "Conclusions",
                 "Conclusion", t->conclusion);
    addendum_section(c);
    cx_end(c);
    cx_end(c);
}
