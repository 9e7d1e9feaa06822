/* Administered products: contrast agent (FR-DICOM-Administration-produit-de-sante) and
 * radiopharmaceutical (FR-DICOM-Administration-radiopharmaceutique). */
#include "cda/cda_internal.h"

#include <stdio.h>
#include <string.h>

#define OID_EDQM "0.4.0.127.0.16.1.1.2.1"
#define OID_ATC "2.16.840.1.113883.6.73"
#define OID_CIP "1.2.250.1.213.2.3.2"

/* Narrative row describing a product: name [CIP], dose, route, lot. */
static void product_row(cda_ctx *c, const cda_product *p, const char *id, const char *dose_id)
{
    char buf[256], num[48];
    cx_start(c, "tr");
    if (cda_has(p->cip)) snprintf(buf, sizeof buf, "%s [CIP : %s]", p->name, p->cip);
    else snprintf(buf, sizeof buf, "%s", p->name);
    cx_start(c, "td");
    cx_content(c, id, buf);
    cx_end(c);
    cx_start(c, "td");
    if (p->dose > 0) {
        snprintf(num, sizeof num, "%.6g", p->dose);
        char *dot = strchr(num, '.');
        if (dot) *dot = ',';
        snprintf(buf, sizeof buf, "%s %s", num, p->dose_unit);
        cx_content(c, dose_id, buf);
    }
    cx_end(c);
    cx_start(c, "td");
    cx_text(c, cda_has(p->route.display) ? p->route.display : "");
    cx_end(c);
    cx_start(c, "td");
    cx_text(c, cda_has(p->lot) ? p->lot : "");
    cx_end(c);
    cx_end(c);
}

void cb_product_table(cda_ctx *c, const cda_product *p, const char *first_header, const char *id,
                          const char *dose_id)
{
    const char *labels[] = {first_header, "Dose", "Voie d'administration", "Numéro de lot"};
    cx_start(c, "table");
    cx_start(c, "thead");
    cx_start(c, "tr");
    for (size_t i = 0; i < 4; i++) cx_elem_text(c, "th", labels[i]);
    cx_end(c);
    cx_end(c);
    cx_start(c, "tbody");
    product_row(c, p, id, dose_id);
    cx_end(c);
    cx_end(c);
}

/* route, dose, consumable: the part shared by both product entries. */
static void product_details(cda_ctx *c, const cda_product *p, const char *id, const char *dose_id,
                            int radiopharmaceutical)
{
    if (cda_has(p->route.code))
        cx_code(c, "routeCode", p->route.code, p->route.display, OID_EDQM, "EDQM");
    if (p->dose > 0) {
        char num[48];
        snprintf(num, sizeof num, "%.6g", p->dose);
        cx_start(c, "doseQuantity");
        cx_attr(c, "value", num);
        cx_attr(c, "unit", p->dose_unit);
        cx_start(c, "translation");
        cb_original_text(c, dose_id);
        cx_end(c);
        cx_end(c);
    }
    cx_start(c, "consumable");
    if (radiopharmaceutical) cx_attr(c, "typeCode", "CSM");
    cx_start(c, "manufacturedProduct");
    cx_attr(c, "classCode", "MANU");
    cx_start(c, "manufacturedMaterial");
    cx_start(c, "code");
    cb_original_text(c, id);
    if (cda_has(p->cip)) cx_code(c, "translation", p->cip, p->name, OID_CIP, "CIP");
    if (cda_has(p->atc.code)) cx_code(c, "translation", p->atc.code, p->atc.display, OID_ATC, "ATC");
    cx_end(c);
    cx_elem_text(c, "name", p->name);
    cx_elem_text(c, "lotNumberText", p->lot);
    cx_end(c);
    cx_end(c);
    cx_end(c);
}

void cb_contrast_entry(cda_ctx *c, const cda_product *p)
{
    cb_entry_open(c, "substanceAdministration", "SBADM");
    cx_template(c, "1.2.840.10008.9.13");
    cx_template(c, "1.2.250.1.213.1.1.3.151");
    cx_new_id(c);
    cb_reference(c, "text", "produit");
    cb_status_completed(c);
    product_details(c, p, "produit", "produit-dose", 0);
    cx_end(c);
    cx_end(c);
}

void cb_radiopharmaceutical_entry(cda_ctx *c, const cda_product *p)
{
    cb_entry_open(c, "substanceAdministration", "SBADM");
    cx_template(c, "1.2.250.1.213.1.1.3.173");
    cx_code(c, "code", "440252007", "administration de produits radiopharmaceutiques", CDA_OID_SNOMED, "SNOMED CT");
    product_details(c, p, "radiopharmaceutique", "radiopharmaceutique-activite", 1);
    cx_end(c);
    cx_end(c);
}
