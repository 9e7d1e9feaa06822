/* FR-DICOM-Object-Catalog subsection: study -> series -> SOP instance, with the image link. */
#include "cda/cda_internal.h"

#include <stdio.h>
#include <string.h>

void cb_catalog_section(cda_ctx *c)
{
    const cda_exam *e = c->e;
    const char *sop_class = cda_has(e->sop_class_uid) ? e->sop_class_uid : cda_default_sop_class(e->modality);
    const char *sop_display = cda_sop_class_display(sop_class);

    cb_section_open(c, 1, "2.16.840.1.113883.10.20.6.1.1", "1.2.250.1.213.1.1.2.217", "121181",
                 "Catalogue d'objets DICOM", CDA_OID_DCM, "DCM", "Catalogue d'objets DICOM");
    cx_start(c, "text");
    cx_start(c, "table");
    static const char *const labels[] = {"Examen", "Modalité d'acquisition", "Lien vers les images"};
    cb_head_row(c, labels, 3);
    cx_start(c, "tbody");
    cx_start(c, "tr");
    char study[128];
    snprintf(study, sizeof study, "Study Instance UID : %s", e->study_uid);
    cb_td_text(c, study);
    cb_td_content(c, "serie-modalite", cda_modality_display(e->modality));
    cx_start(c, "td");
    char sop_id[48];
    snprintf(sop_id, sizeof sop_id, "%ssop-classe", c->idprefix);
    cx_start(c, "content");
    cx_attr(c, "ID", sop_id);
    if (cda_has(e->image_link)) {
        cx_start(c, "linkHtml");
        cx_attr(c, "href", e->image_link);
        cx_text(c, "Images de l'examen");
        cx_end(c);
    } else {
        cx_text(c, sop_display ? sop_display : sop_class);
    }
    cx_end(c);
    cx_end(c);
    cx_end(c);
    cx_end(c);
    cx_end(c);
    cx_end(c); /* text */

    cb_entry_open(c, "act", "ACT");
    cx_template(c, "1.2.840.10008.9.16");
    cx_template(c, "1.2.250.1.213.1.1.3.155");
    cx_ii(c, "id", e->study_uid, NULL);
    cx_code(c, "code", "113014", "Examen", CDA_OID_DCM, "DCM");
    cx_ts(c, "effectiveTime", e->start);

    cx_start(c, "entryRelationship");
    cx_attr(c, "typeCode", "COMP");
    cx_start(c, "act");
    cx_attr(c, "classCode", "ACT");
    cx_attr(c, "moodCode", "EVN");
    cx_template(c, "1.2.840.10008.9.17");
    cx_template(c, "1.2.250.1.213.1.1.3.156");
    cx_ii(c, "id", e->series_uid, NULL);
    cx_code_open(c, "code", "113015", "Série", CDA_OID_DCM, "DCM");
    cx_start(c, "qualifier");
    cx_code(c, "name", "121139", "Modalité", CDA_OID_DCM, "DCM");
    cx_code_open(c, "value", e->modality, cda_modality_display(e->modality), CDA_OID_DCM, "DCM");
    cb_original_text(c, "serie-modalite");
    cx_end(c);
    cx_end(c); /* qualifier */
    cx_end(c); /* code */
    cx_ts(c, "effectiveTime", e->start);

    cx_start(c, "entryRelationship");
    cx_attr(c, "typeCode", "COMP");
    cx_start(c, "observation");
    cx_attr(c, "classCode", "DGIMG");
    cx_attr(c, "moodCode", "EVN");
    cx_template(c, "1.2.840.10008.9.18");
    cx_template(c, "1.2.250.1.213.1.1.3.157");
    cx_ii(c, "id", e->sop_instance_uid, NULL);
    cx_code_open(c, "code", sop_class, sop_display, CDA_OID_DCMUID, "DCMUID");
    cb_original_text(c, "sop-classe");
    cx_end(c);
    if (cda_has(e->image_link)) {
        cx_start(c, "text");
        cx_attr(c, "mediaType", "application/dicom");
        cx_start(c, "reference");
        cx_attr(c, "value", e->image_link);
        cx_end(c);
        cx_end(c);
    }
    cx_ts(c, "effectiveTime", e->start);
    cx_end(c); /* observation */
    cx_end(c); /* entryRelationship */
    cx_end(c); /* series act */
    cx_end(c); /* entryRelationship */
    cx_end(c); /* study act */
    cx_end(c); /* entry */
    cb_section_close(c);
}
