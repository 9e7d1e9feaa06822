/* FR-DICOM-Exposition-aux-radiations subsection: who authorised the exposure, pregnancy
 * status, dose values (FR-DICOM-Quantite), radiopharmaceutical. */
#include "cda/cda_internal.h"

#include <stdio.h>
#include <string.h>

static const struct { cda_pregnancy k; const char *code, *display, *text; } pregnancy_codes[] = {
    {CDA_PREGNANCY_UNKNOWN, "261665006", "inconnu", "Inconnu"},
    {CDA_PREGNANCY_NO, "60001007", "absence de grossesse", "Non"},
    {CDA_PREGNANCY_YES, "77386006", "enceinte", "Oui"},
};

void cb_exposure_section(cda_ctx *c)
{
    const cda_report *r = c->r;
    const cda_exam *e = c->e;
    if (!e->has_exposure) return;
    size_t pi = 0;
    for (size_t i = 0; i < sizeof pregnancy_codes / sizeof pregnancy_codes[0]; i++)
        if (pregnancy_codes[i].k == e->pregnancy) pi = i;

    cb_section_open(c, 1, "1.2.840.10008.9.8", "1.2.250.1.213.1.1.2.215", "73569-6",
                 "Exposition aux rayonnements et informations de radioprotection", CDA_OID_LOINC,
                 "LOINC", "Exposition aux rayonnements et informations de radioprotection");
    cx_start(c, "text");
    cx_start(c, "paragraph");
    char who[256];
    snprintf(who, sizeof who, "Exposition aux rayonnements ionisants autorisée par %s%s%s %s",
             cda_has(r->validator.suffix) ? r->validator.suffix : "",
             cda_has(r->validator.suffix) ? " " : "",
             cda_has(r->validator.given) ? r->validator.given : "", r->validator.family);
    cx_content(c, "exposition", who);
    cx_end(c);
    cx_start(c, "paragraph");
    cx_text(c, "Femme enceinte : ");
    cx_content(c, "grossesse", pregnancy_codes[pi].text);
    cx_end(c);
    if (e->ndoses) {
        static const char *const labels[] = {"Mesure", "Quantité"};
        cx_start(c, "table");
        cb_head_row(c, labels, 2);
        cx_start(c, "tbody");
        for (size_t i = 0; i < e->ndoses; i++) {
            char id[32], num[48], val[96];
            snprintf(id, sizeof id, "dose-%zu", i + 1);
            cb_format_decimal(e->doses[i].value, num, sizeof num, ',');
            snprintf(val, sizeof val, "%s %s", num, e->doses[i].unit);
            cx_start(c, "tr");
            cb_td_content(c, id, e->doses[i].code.display);
            cb_td_text(c, val);
            cx_end(c);
        }
        cx_end(c);
        cx_end(c);
    }
    if (cda_has(e->radiopharmaceutical.name))
        cb_product_table(c, &e->radiopharmaceutical, "Produit radiopharmaceutique administré",
                      "radiopharmaceutique", "radiopharmaceutique-activite");
    cx_end(c); /* text */

    /* Who authorised the exposure. */
    cb_entry_open(c, "procedure", "PROC");
    cx_template(c, "1.2.250.1.213.1.1.3.165");
    cx_code_open(c, "code", "121290", "Exposition du patient aux rayonnements ionisants", CDA_OID_DCM, "DCM");
    cb_original_text(c, "exposition");
    cx_end(c);
    cx_start(c, "participant");
    cx_attr(c, "typeCode", "RESP");
    cx_start(c, "participantRole");
    cx_rpps_id(c, &r->validator);
    cx_code(c, "code", "113850", "Autorisation d'irradiation", CDA_OID_DCM, "DCM");
    cx_start(c, "playingEntity");
    cx_person_name(c, &r->validator);
    cx_end(c);
    cx_end(c);
    cx_end(c);
    cx_end(c);
    cx_end(c);

    /* Pregnancy status. */
    cb_clinical_observation_open(c);
    cx_code(c, "code", "364320009", "statut de grossesse", CDA_OID_SNOMED, "SNOMED CT");
    cb_status_completed(c);
    cx_ts(c, "effectiveTime", e->start);
    cx_start(c, "value");
    cx_attr(c, "xsi:type", "CD");
    cx_attr(c, "code", pregnancy_codes[pi].code);
    cx_attr(c, "displayName", pregnancy_codes[pi].display);
    cx_attr(c, "codeSystem", CDA_OID_SNOMED);
    cx_attr(c, "codeSystemName", "SNOMED CT");
    cb_original_text(c, "grossesse");
    cx_end(c);
    cb_null_site(c);
    cx_end(c);
    cx_end(c);

    /* Dose values. */
    for (size_t i = 0; i < e->ndoses; i++) {
        char id[32], num[48];
        snprintf(id, sizeof id, "dose-%zu", i + 1);
        cb_format_decimal(e->doses[i].value, num, sizeof num, '.');
        cb_entry_open(c, "observation", "OBS");
        cx_template(c, "2.16.840.1.113883.10.20.6.2.14");
        cx_template(c, "1.2.250.1.213.1.1.3.154");
        cx_new_id(c);
        cx_code(c, "code", e->doses[i].code.code, e->doses[i].code.display, CDA_OID_DCM, "DCM");
        cb_reference(c, "text", id);
        cb_status_completed(c);
        cx_ts(c, "effectiveTime", e->start);
        cx_start(c, "value");
        cx_attr(c, "xsi:type", "PQ");
        cx_attr(c, "value", num);
        cx_attr(c, "unit", e->doses[i].unit);
        cx_end(c);
        cb_target_site(c, &e->target_site);
        cx_end(c);
        cx_end(c);
    }
    if (cda_has(e->radiopharmaceutical.name)) cb_radiopharmaceutical_entry(c, &e->radiopharmaceutical);
    cb_section_close(c);
}
