/* Sample imaging reports for the CDA tests (unit, validation matrix, timing). Header-only.
 * Identifiers are test values: INS of the ANS test range (OID 1.2.250.1.213.1.4.10),
 * fictitious RPPS/FINESS, UIDs under a test root. */
#ifndef COULOIR_TESTS_CDA_FIXTURE_H
#define COULOIR_TESTS_CDA_FIXTURE_H

#include "cda/cda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *modality;
    const char *loinc, *loinc_display;
    const char *ccam, *ccam_display;
    const char *region;
    const char *site, *site_display;
    int exposure;              /* ionising radiation */
    const char *dose_code, *dose_display, *dose_unit;
    double dose_value;
    const char *technique, *findings, *conclusion;
} fixture_exam;

static const fixture_exam FIXTURE_EXAMS[] = {
    {"CT", "24727-0", "CT tête avec contraste IV", "ACQH004",
     "Scanographie du crâne, de son contenu et du tronc, avec injection intraveineuse de produit de contraste",
     "774007", "302548004", "tête entière", 1, "113813", "PDL Total : Produit Dose Longueur Total", "mGy.cm",
     1140.26, "Acquisition hélicoïdale avant et après injection de 80 mL de produit de contraste iodé.",
     "Pas de lésion intraparenchymateuse.\nPas d'effet de masse.", "Examen normal."},
    {"MR", "24590-2", "RM cerveau", NULL, NULL, "774007", "258335003", "encéphale entier", 0, NULL, NULL,
     NULL, 0, "Séquences T1, T2, FLAIR et diffusion.", "Pas d'anomalie de signal.",
     "IRM cérébrale sans particularité."},
    {"US", "24558-9", "échographie abdomen", NULL, NULL, "63337009", "302553009", "abdomen entier", 0, NULL,
     NULL, NULL, 0, "Échographie abdominale par voie sous-costale et intercostale.",
     "Foie de taille normale, homogène.\nVésicule alithiasique.", "Échographie abdominale normale."},
    {"CR", "36643-5", "RX thorax ; 2 incidences", "ZBQK002", "Radiographie du thorax", "67734004",
     "302551006", "thorax entier", 1, "113722", "PDS Total : Produit Dose Surface Total", "Gy.m2", 0.012,
     "Radiographie du thorax de face et de profil.", "Pas de foyer de condensation.",
     "Radiographie thoracique normale."},
    {"DX", "24648-8", "RX thorax ; incidence postéroantérieure verticale", "ZBQK002", "Radiographie du thorax",
     "67734004", "302551006", "thorax entier", 1, "113722", "PDS Total : Produit Dose Surface Total", "Gy.m2",
     0.008, "Radiographie numérique du thorax de face debout.", "Cœur de taille normale.",
     "Pas d'anomalie radiologique."},
    {"MG", "24606-6", "MG sein ; incidences pour dépistage", "QEQK004", "Mammographie bilatérale", "76752008",
     "181131000", "sein entier", 1, "111637", "DGM total : Dose Glandulaire Moyenne Total", "mGy", 1.35,
     "Mammographie bilatérale, incidences de face et oblique.", "Seins de densité de type B.",
     "ACR 1 : mammographie normale."},
    {"NM", "39818-0", "MN os du corps entier ; incidences avec radionucléide IV", NULL, NULL, "38266002",
     "38266002", "corps entier", 1, "113507", "Activité administrée", "MBq", 550,
     "Scintigraphie osseuse corps entier au 99mTc-HMDP, images tardives à 3 heures.",
     "Pas de foyer d'hyperfixation suspect.", "Scintigraphie osseuse normale."},
};
#define FIXTURE_NEXAMS (sizeof FIXTURE_EXAMS / sizeof FIXTURE_EXAMS[0])

/* Storage for the identifiers a fixture report points to. */
typedef struct {
    char doc_ext[32];
    char study_uid[64], series_uid[64], sop_uid[64];
    char accession[32];
    char link[256];
    cda_exam exams[4];
    cda_person recipients[2];
} fixture_ids;

/* Fills r with a complete, valid report for FIXTURE_EXAMS[exam_index]; n makes the
 * identifiers unique. qualified: INS present (the caller's outgoing rule said yes). */
static inline void fixture_report(cda_report *r, fixture_ids *ids, size_t exam_index, unsigned n, int qualified)
{
    const fixture_exam *x = &FIXTURE_EXAMS[exam_index % FIXTURE_NEXAMS];
    memset(r, 0, sizeof *r);
    snprintf(ids->doc_ext, sizeof ids->doc_ext, "CR-%u", n);
    snprintf(ids->study_uid, sizeof ids->study_uid, "1.2.250.1.999.1.2.%u", n + 1);
    snprintf(ids->series_uid, sizeof ids->series_uid, "1.2.250.1.999.1.2.%u.1", n + 1);
    snprintf(ids->sop_uid, sizeof ids->sop_uid, "1.2.250.1.999.1.2.%u.1.1", n + 1);
    snprintf(ids->accession, sizeof ids->accession, "A%06u", n + 1);
    snprintf(ids->link, sizeof ids->link,
             "https://pacs.example.fr/viewer?requestType=WADO&studyUID=%s&seriesUID=%s", ids->study_uid,
             ids->series_uid);

    r->id = (cda_ii){"1.2.250.1.999.1.3", ids->doc_ext};
    r->set_id = (cda_ii){"1.2.250.1.999.1.4", ids->doc_ext};
    r->version = 1;
    r->effective_time = "2026-11-22T10:15:00+01:00";
    r->confidentiality = 'N';

    cda_patient *p = &r->patient;
    p->ipp = "IPP0001234";
    p->ipp_oid = "1.2.250.1.999.1.1";
    if (qualified) {
        p->ins = "279035121518989";
        p->ins_oid = "1.2.250.1.213.1.4.10";
    }
    int female = strcmp(x->modality, "MG") == 0 || n % 2 == 0;
    p->birth_family = female ? "PAT-TROIS" : "DUPONT";
    p->birth_given = female ? "DOMINIQUE MARIE-LOUISE" : "JEAN PIERRE";
    p->used_family = female ? "MARTIN" : NULL;
    p->used_given = female ? "Dominique" : "Jean";
    p->sex = female ? CDA_SEX_F : CDA_SEX_M;
    p->birth_date = "1979-03-28";
    p->birthplace_code = "51215";
    p->birthplace_city = "DOMPREMY";
    p->addr = (cda_addr){"28", "avenue de Breteuil", "75007", "PARIS", "FRANCE"};

    static const cda_person radiologist = {
        "01234560801", "BIDEAULT", "Jacques", "M", "DR",
        {"G15_10/SM44", "Médecin - Radio-diagnostic (SM)"}, "tel:0146000000",
        "jacques.bideault@radiologie.mssante.fr", {"12", "rue Ambroise", "75010", "PARIS", NULL}};
    r->author = radiologist;
    r->author_time = "2026-11-22T10:10:00+01:00";
    r->validator = radiologist;
    r->validation_time = "2026-11-22T10:14:00+01:00";
    r->site = (cda_org){"920008059", NULL, "Centre de radiologie Ambroise", "tel:0146000000",
                        {"12", "rue Ambroise", "75010", "PARIS", NULL},
                        {"AMBULATOIRE", "Ambulatoire"}, {"SA08", "Cabinet de groupe"}};
    r->encounter_code = "AMB";

    cda_exam *e = &ids->exams[0];
    memset(ids->exams, 0, sizeof ids->exams);
    r->exams = ids->exams;
    r->nexams = 1;
    e->study_uid = ids->study_uid;
    e->series_uid = ids->series_uid;
    e->sop_instance_uid = ids->sop_uid;
    e->accession = ids->accession;
    e->accession_oid = "1.2.250.1.999.1.5";
    e->order_id = (cda_ii){"1.2.250.1.999.1.6", "CMD-42"};
    e->loinc = (cda_cv){x->loinc, x->loinc_display};
    e->ccam = (cda_cv){x->ccam, x->ccam_display};
    e->modality = x->modality;
    e->region = x->region;
    e->target_site = (cda_cv){x->site, x->site_display};
    e->start = "2026-11-22T09:30:00+01:00";
    e->end = "2026-11-22T09:45:00+01:00";
    e->image_link = n % 3 == 2 ? NULL : ids->link;
    r->requester = (cda_person){"10003456789", "MEDIONI", "Stéphane", "M", "DR",
                                {"G15_10/SM26", "Médecin - Qualifié en Médecine Générale (SM)"},
                                NULL, "stephane.medioni@medecin.mssante.fr",
                                {"3", "rue du Petit-Pont", "75005", "PARIS", NULL}};
    if (x->exposure) {
        e->has_exposure = 1;
        e->pregnancy = female ? CDA_PREGNANCY_NO : CDA_PREGNANCY_UNKNOWN;
        e->doses[0] = (cda_dose){{x->dose_code, x->dose_display}, x->dose_value, x->dose_unit};
        e->ndoses = 1;
        if (strcmp(x->modality, "CT") == 0) {
            e->doses[1] = (cda_dose){{"113830", "IDSV Moyen : Indice de Dose Scanographique Volumique"}, 13.64, "mGy"};
            e->ndoses = 2;
        }
    }

    if (strcmp(x->modality, "CT") == 0)
        e->contrast = (cda_product){"XENETIX 350", {"V08AB11", "IOBITRIDOL"}, "3400936915657", 80, "mL",
                                    {"20045000", "Voie intraveineuse"}, "0002034"};
    if (strcmp(x->modality, "NM") == 0)
        e->radiopharmaceutical = (cda_product){"99mTc-oxidronate (HMDP)", {"V09BA01", "technétium (99mTc) oxidronate"},
                                               NULL, 550, "MBq", {"20045000", "Voie intraveineuse"}, "L2611"};

    cda_sections *t = &r->text;
    t->indication = "Céphalées inhabituelles depuis 3 semaines.";
    t->medical_history = "Hypertension artérielle traitée.";
    t->surgical_history = n % 2 ? NULL : "Appendicectomie (2001).";
    if (n % 2) {
        t->contraindications = "Allergie connue aux produits de contraste iodés.";
        t->contraindication = (cda_cv){"MED-1105", "Hypersensibilité au PDC iodé"};
    } else {
        t->contraindications = "Aucune contre-indication connue.";
    }
    t->technique = x->technique;
    t->findings = x->findings;
    t->comparison = n % 2 ? "Comparaison avec l'examen du 12/03/2025 : stabilité." : NULL;
    t->conclusion = x->conclusion;

    ids->recipients[0] = r->requester;
    ids->recipients[1] = (cda_person){"10001234567", "GARNIER", "Claire", "MME", "DR", {NULL, NULL}, NULL,
                                    "claire.garnier@hopital.mssante.fr", {NULL, NULL, NULL, NULL, NULL}};
    r->recipients = ids->recipients;
    r->nrecipients = 2;
}

/* A small valid PDF (one empty A4 page) with a correct cross-reference table, malloc'd. */
static inline unsigned char *fixture_pdf(size_t *len)
{
    const char *objs[] = {
        "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
        "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>\nendobj\n",
        "4 0 obj\n<< /Length 0 >>\nstream\n\nendstream\nendobj\n",
    };
    *len = 0;
    char *buf = malloc(2048);
    if (!buf) return NULL;
    size_t off = (size_t)snprintf(buf, 2048, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n");
    size_t xref[4];
    for (int i = 0; i < 4; i++) {
        xref[i] = off;
        off += (size_t)snprintf(buf + off, 2048 - off, "%s", objs[i]);
    }
    size_t xref_at = off;
    off += (size_t)snprintf(buf + off, 2048 - off, "xref\n0 5\n0000000000 65535 f \n");
    for (int i = 0; i < 4; i++) off += (size_t)snprintf(buf + off, 2048 - off, "%010zu 00000 n \n", xref[i]);
    off += (size_t)snprintf(buf + off, 2048 - off, "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref_at);
    *len = off;
    return (unsigned char *)buf;
}

#endif
