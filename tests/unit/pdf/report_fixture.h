/* A complete imaging report used by the pdf tests and the render tool. */
#ifndef COULOIR_TESTS_PDF_REPORT_FIXTURE_H
#define COULOIR_TESTS_PDF_REPORT_FIXTURE_H

#include <string.h>

#include "pdf/pdf.h"

static const pdf_recipient fixture_recipients[] = {
    {"Dr Jeanne Martin (médecin demandeur)", "MSSanté", "jeanne.martin@medecin.mssante.fr"},
    {"Dr Paul Lefèvre (médecin traitant)", "MSSanté", "paul.lefevre@medecin.mssante.fr"},
    {"Patient", "MSSanté", "279035121518989@patient.mssante.fr"},
    {"Dossier Médical Partagé", "DMP", NULL},
};

/* Fills r with a qualified-identity report (INS set: the caller applied the outgoing rule). */
static inline void fixture_report(pdf_report *r)
{
    memset(r, 0, sizeof *r);
    r->site.name = "Cabinet de radiologie Ambroise Paré";
    r->site.address = "12 rue de l'Hôpital\n75013 Paris";
    r->site.phone = "01 45 67 89 10";
    r->site.finess = "750000001";
    r->patient.birth_name = "PAT-TROIS";
    r->patient.used_name = "DUPRÉ";
    r->patient.given_names = "DOMINIQUE MARIE";
    r->patient.used_given_name = "Dominique";
    r->patient.birth_date = "1979-03-28";
    r->patient.sex = 'F';
    r->patient.ipp = "IPP000123";
    r->patient.ins_matricule = "279035121518989";
    r->patient.ins_oid = "1.2.250.1.213.1.4.10";
    r->patient.birthplace_code = "51215";
    r->exam.date = "2026-11-21";
    r->exam.modality = "CT";
    r->exam.ccam_code = "ZBQK002";
    r->exam.ccam_label = "Scanographie du thorax, sans injection de produit de contraste";
    r->exam.accession_number = "ACC2026-000042";
    r->exam.requester_name = "Dr Jeanne Martin";
    r->exam.requester_mssante = "jeanne.martin@medecin.mssante.fr";
    r->sections.indication = "Toux persistante depuis trois mois chez une patiente ancienne fumeuse. "
                             "Recherche d'une lésion pulmonaire.";
    r->sections.technique = "Acquisition hélicoïdale du thorax, coupes fines de 1 mm, "
                            "reconstructions en fenêtres parenchymateuse et médiastinale. "
                            "PDL : 210 mGy·cm.";
    r->sections.results = "Pas de nodule ni de masse pulmonaire suspecte.\n"
                          "Discrètes bronchectasies cylindriques du lobe inférieur droit.\n"
                          "Absence d'adénomégalie médiastinale ou hilaire. Pas d'épanchement pleural "
                          "ni péricardique. Cœur de taille normale.";
    r->sections.conclusion = "Pas de lésion tumorale pulmonaire visible. Discrètes bronchectasies "
                             "du lobe inférieur droit, à confronter au contexte clinique.";
    r->validation.validator_name = "Élise Durand-Œuvray";
    r->validation.validator_rpps = "10101234567";
    r->validation.validated_at = "2026-11-22T09:15:00+01:00";
    r->recipients = fixture_recipients;
    r->n_recipients = sizeof fixture_recipients / sizeof fixture_recipients[0];
    r->rgpd_notice = "Vos données personnelles sont traitées par le cabinet pour la réalisation de "
                     "votre examen et la transmission de son compte rendu aux professionnels qui vous "
                     "suivent. Vous disposez d'un droit d'accès, de rectification et d'opposition "
                     "auprès du cabinet (dpo@radiologie-ambroise.fr) ; vous pouvez saisir la CNIL.";
    r->document_id = "1.2.250.1.999.1.4.20261122.42";
    r->version = 1;
}

/* The same patient without a qualified identity: no INS for the document. */
static inline void fixture_unqualified(pdf_report *r)
{
    fixture_report(r);
    r->patient.ins_matricule = NULL;
    r->patient.ins_oid = NULL;
}

#endif
