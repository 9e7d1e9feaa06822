/* A validated imaging report as the domain holds it, ready for report_render(). Header-only.
 * Exam values come from the CDA fixture (tests/unit/cda/cda_fixture.h); identifiers are test
 * values (INS of the ANS test range, OID 1.2.250.1.213.1.4.10; fictitious RPPS/FINESS). */
#ifndef COULOIR_TESTS_REPORT_FIXTURE_H
#define COULOIR_TESTS_REPORT_FIXTURE_H

#include "report/report.h"
#include "unit/cda/cda_fixture.h"

#define RFX_INS "279035121518989"
#define RFX_ID_ROOT "1.2.250.1.999.1.3"
#define RFX_VALIDATED_AT "2026-11-22T10:14:00+01:00"
#define RFX_RPPS "01234560801"

typedef struct {
    ins_policy policy;
    ins_identity identity;
    report_patient patient;
    report_site site;
    rpt_state state;
    cda_exam exams[2];
    report_recipient recipients[2];
    char doc_id[32], set_id[32], study[64], series[64], sop[64], accession[32];
    report_input in;
} rfx;

static const cda_person RFX_RADIOLOGIST = {
    RFX_RPPS, "BIDEAULT", "Jacques", "M", "DR", {"G15_10/SM44", "Médecin - Radio-diagnostic (SM)"},
    "tel:0146000000", "jacques.bideault@radiologie.mssante.fr", {"12", "rue Ambroise", "75010", "PARIS", NULL}};

static inline rpt_actor rfx_radiologist(void)
{
    return (rpt_actor){"jbideault", "Jacques Bideault", true, RFX_RPPS};
}

/* Builds a report for FIXTURE_EXAMS[exam_index], validated through the life cycle, with the
 * given flags. n makes identifiers unique. qualified: identity qualifiée; otherwise validée
 * (the matricule is still stored, and must NOT go out). Returns 0, or -1 (message in err). */
static inline int rfx_build(rfx *f, size_t exam_index, unsigned n, bool qualified, unsigned flags, char *err,
                            size_t errlen)
{
    const fixture_exam *x = &FIXTURE_EXAMS[exam_index % FIXTURE_NEXAMS];
    memset(f, 0, sizeof *f);
    if (ins_policy_defaults(&f->policy) != 0) return -1;
    snprintf(f->policy.accepted_oids[f->policy.n_accepted_oids++], INS_OID_MAX, "%s", INS_OID_TEST_NIR);

    ins_identity *id = &f->identity;
    snprintf(id->traits.birth_name, sizeof id->traits.birth_name, "PAT-TROIS");
    snprintf(id->traits.birth_given_names, sizeof id->traits.birth_given_names, "DOMINIQUE MARIE-LOUISE");
    snprintf(id->traits.first_given_name, sizeof id->traits.first_given_name, "DOMINIQUE");
    snprintf(id->traits.used_name, sizeof id->traits.used_name, "MARTIN");
    snprintf(id->traits.birth_date, sizeof id->traits.birth_date, "1979-03-28");
    snprintf(id->traits.sex, sizeof id->traits.sex, "F");
    snprintf(id->traits.birth_place, sizeof id->traits.birth_place, "51215");
    snprintf(id->matricule, sizeof id->matricule, RFX_INS);
    snprintf(id->oid, sizeof id->oid, INS_OID_TEST_NIR);
    id->status = qualified ? INS_STATUS_QUAL : INS_STATUS_VALI;
    id->verified = true;
    id->from_insi = qualified;

    f->patient = (report_patient){id, &f->policy, "IPP0001234", "1.2.250.1.999.1.1", "DOMPREMY",
                                  {"28", "avenue de Breteuil", "75007", "PARIS", "FRANCE"}, NULL};
    f->site = (report_site){{"920008059", NULL, "Centre de radiologie Ambroise", "tel:0146000000",
                             {"12", "rue Ambroise", "75010", "PARIS", NULL},
                             {"AMBULATOIRE", "Ambulatoire"}, {"SA08", "Cabinet de groupe"}},
                            "01 46 00 00 00"};

    snprintf(f->doc_id, sizeof f->doc_id, "CR-%u", n);
    snprintf(f->set_id, sizeof f->set_id, "LOT-%u", n);
    rpt_actor rad = rfx_radiologist();
    if (rpt_init(&f->state, &rad, f->set_id, flags, 1000, err, errlen) != 0) return -1;
    if (rpt_validate(&f->state, &rad, f->doc_id, RFX_VALIDATED_AT, 2000, err, errlen) != 0) return -1;

    snprintf(f->study, sizeof f->study, "1.2.250.1.999.1.2.%u", n + 1);
    snprintf(f->series, sizeof f->series, "1.2.250.1.999.1.2.%u.1", n + 1);
    snprintf(f->sop, sizeof f->sop, "1.2.250.1.999.1.2.%u.1.1", n + 1);
    snprintf(f->accession, sizeof f->accession, "A%06u", n + 1);
    cda_exam *e = &f->exams[0];
    e->study_uid = f->study;
    e->series_uid = f->series;
    e->sop_instance_uid = f->sop;
    e->accession = f->accession;
    e->accession_oid = "1.2.250.1.999.1.5";
    e->loinc = (cda_cv){x->loinc, x->loinc_display};
    e->ccam = (cda_cv){x->ccam, x->ccam_display};
    e->modality = x->modality;
    e->region = x->region;
    e->target_site = (cda_cv){x->site, x->site_display};
    e->start = "2026-11-22T09:30:00+01:00";
    e->end = "2026-11-22T09:45:00+01:00";
    if (x->exposure) {
        e->has_exposure = true;
        e->pregnancy = CDA_PREGNANCY_NO;
        e->doses[0] = (cda_dose){{x->dose_code, x->dose_display}, x->dose_value, x->dose_unit};
        e->ndoses = 1;
    }

    static const cda_person requester = {"10003456789", "MEDIONI", "Stéphane", "M", "DR",
                                         {"G15_10/SM26", "Médecin - Qualifié en Médecine Générale (SM)"}, NULL,
                                         "stephane.medioni@medecin.mssante.fr",
                                         {"3", "rue du Petit-Pont", "75005", "PARIS", NULL}};
    f->recipients[0] = (report_recipient){requester, "MSSanté", NULL};
    f->recipients[1] = (report_recipient){{"10001234567", "GARNIER", "Claire", "MME", "DR", {NULL, NULL}, NULL,
                                           "claire.garnier@hopital.mssante.fr", {NULL, NULL, NULL, NULL, NULL}},
                                          "MSSanté", NULL};

    report_input *in = &f->in;
    in->state = &f->state;
    in->id_root = RFX_ID_ROOT;
    in->patient = &f->patient;
    in->site = &f->site;
    in->validator = RFX_RADIOLOGIST;
    in->requester = requester;
    in->recipients = f->recipients;
    in->n_recipients = 2;
    in->exams = f->exams;
    in->n_exams = 1;
    in->text.text[RTPL_SEC_INDICATION] = "Céphalées inhabituelles depuis 3 semaines.";
    in->text.text[RTPL_SEC_HISTORY] = "Hypertension artérielle traitée.";
    in->text.text[RTPL_SEC_TECHNIQUE] = x->technique;
    in->text.text[RTPL_SEC_RESULTS] = x->findings;
    in->text.text[RTPL_SEC_CONCLUSION] = x->conclusion;
    in->rgpd_notice = "Vos données sont traitées par le centre pour votre prise en charge (RGPD).";
    return 0;
}

#endif
