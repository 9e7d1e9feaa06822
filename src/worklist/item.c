/* A worklist row -> its worklist item (UTF-8 data set), IHE SWF.b RAD-5 return keys. */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "worklist/worklist_internal.h"

/* Every element is set with its dictionary VR spelt out (no dictionary lookup per value: this
 * runs for every worklist row; test_adapter checks each VR against the dictionary). */
#define CS DCM_VR('C', 'S')
#define SH DCM_VR('S', 'H')
#define LO DCM_VR('L', 'O')
#define PN DCM_VR('P', 'N')
#define DA DCM_VR('D', 'A')
#define TM DCM_VR('T', 'M')
#define UI DCM_VR('U', 'I')
#define AE DCM_VR('A', 'E')
#define UT DCM_VR('U', 'T')

static int set(dcm_dataset *ds, uint32_t tag, dcm_vr vr, const char *v)
{
    return v && v[0] ? dcm_set_string_vr(ds, tag, vr, v) : 0;
}

/* "a^b" into out (n bytes, truncated). */
static void pn(char *out, size_t n, const char *a, const char *b)
{
    size_t at = strnlen(a, n - 1);
    memcpy(out, a, at);
    if (at + 1 < n) {
        out[at++] = '^';
        size_t lb = strnlen(b, n - 1 - at);
        memcpy(out + at, b, lb);
        at += lb;
    }
    out[at] = 0;
}

/* Decimal digits of v (0 <= v), width w, zero-padded. */
static void digits(char *out, int v, int w)
{
    for (int i = w - 1; i >= 0; i--, v /= 10) out[i] = (char)('0' + v % 10);
}

static ins_status rniv_status(const char *s)
{
    if (strcmp(s, "qualifiee") == 0) return INS_STATUS_QUAL;
    if (strcmp(s, "validee") == 0) return INS_STATUS_VALI;
    if (strcmp(s, "recuperee") == 0) return INS_STATUS_RECUP;
    return INS_STATUS_PROV;
}

/* "1987-03-05" -> "19870305" ("" when malformed). */
static void da_from_iso(const char *iso, char out[9])
{
    out[0] = 0;
    if (strlen(iso) != 10 || iso[4] != '-' || iso[7] != '-') return;
    memcpy(out, iso, 4);
    memcpy(out + 4, iso + 5, 2);
    memcpy(out + 6, iso + 8, 2);
    out[8] = 0;
}

static const char *priority(const char *p)
{
    if (strcmp(p, "stat") == 0) return "STAT";
    if (strcmp(p, "urgent") == 0) return "HIGH";
    return "ROUTINE";
}

static const char *sps_status(const char *s)
{
    if (strcmp(s, "booked") == 0) return "SCHEDULED";
    if (strcmp(s, "arrived") == 0) return "ARRIVED";
    if (strcmp(s, "in_progress") == 0) return "STARTED";
    return "";
}

static int issuer_item(dcm_dataset *parent, uint32_t seq, const char *oid)
{
    dcm_dataset *it = dcm_seq_append(parent, seq);
    if (!it) return -1;
    return dcm_set_string_vr(it, DCM_UniversalEntityID, UT, oid) ||
           dcm_set_string_vr(it, DCM_UniversalEntityIDType, CS, "ISO");
}

static int fill(const worklist_adapter *w, const store_mwl_row *r, dcm_dataset *ds)
{
    char name[260], da[9], date[16], time[16];
    if (dcm_set_string_vr(ds, DCM_SpecificCharacterSet, CS, "ISO_IR 192")) return -1;
    if (set(ds, DCM_AccessionNumber, SH, r->accession_number)) return -1;
    if (w->accession_issuer_oid[0] && issuer_item(ds, DCM_IssuerOfAccessionNumberSequence, w->accession_issuer_oid))
        return -1;
    if (r->requester_last_name[0]) {
        pn(name, sizeof name, r->requester_last_name, r->requester_first_name);
        if (set(ds, DCM_ReferringPhysicianName, PN, name)) return -1;
    }
    pn(name, sizeof name, r->birth_name, r->first_given_name);
    if (r->birth_name[0] && set(ds, DCM_PatientName, PN, name)) return -1;
    if (set(ds, DCM_PatientID, LO, r->ipp)) return -1;
    if (w->ipp_issuer_oid[0]) {
        if (dcm_set_string_vr(ds, DCM_IssuerOfPatientID, LO, w->ipp_issuer_oid)) return -1;
        if (issuer_item(ds, DCM_IssuerOfPatientIDQualifiersSequence, w->ipp_issuer_oid)) return -1;
    }
    da_from_iso(r->birth_date, da);
    if (set(ds, DCM_PatientBirthDate, DA, da) || set(ds, DCM_PatientSex, CS, r->sex)) return -1;
    /* rule 28 (RIS.INS.37): the INS only for a qualified identity, decided by ins_may_emit */
    ins_identity id;
    memset(&id, 0, sizeof id);
    snprintf(id.matricule, sizeof id.matricule, "%s", r->ins_matricule);
    snprintf(id.oid, sizeof id.oid, "%s", r->ins_oid);
    id.status = rniv_status(r->rniv_status);
    id.attributes = (r->douteuse ? INS_ATTR_DOUTEUSE : 0u) | (r->fictive ? INS_ATTR_FICTIVE : 0u);
    if (ins_may_emit(&id, &w->policy)) {
        dcm_dataset *o = dcm_seq_append(ds, DCM_OtherPatientIDsSequence);
        if (!o || dcm_set_string_vr(o, DCM_PatientID, LO, id.matricule) ||
            dcm_set_string_vr(o, DCM_IssuerOfPatientID, LO, "INS") || dcm_set_string_vr(o, DCM_TypeOfPatientID, CS, "TEXT") ||
            issuer_item(o, DCM_IssuerOfPatientIDQualifiersSequence, id.oid))
            return -1;
    }
    if (set(ds, DCM_StudyInstanceUID, UI, r->study_instance_uid)) return -1;
    if (set(ds, DCM_RequestedProcedureDescription, LO, r->exam_label)) return -1;
    if (r->ccam_code[0]) {
        dcm_dataset *c = dcm_seq_append(ds, DCM_RequestedProcedureCodeSequence);
        if (!c || dcm_set_string_vr(c, DCM_CodeValue, SH, r->ccam_code) ||
            dcm_set_string_vr(c, DCM_CodingSchemeDesignator, SH, "CCAM") || set(c, DCM_CodeMeaning, LO, r->exam_label))
            return -1;
    }
    /* scheduled procedure step, start in local time ([site] timezone) */
    int64_t days = 0;
    int minute = 0;
    time_unix_to_local(r->start_at, &days, &minute);
    int y, m, d;
    time_civil_from_days(days, &y, &m, &d);
    digits(date, ((y % 10000) + 10000) % 10000, 4);
    digits(date + 4, m % 100, 2);
    digits(date + 6, d % 100, 2);
    date[8] = 0;
    digits(time, (minute / 60) % 100, 2);
    digits(time + 2, minute % 60, 2);
    digits(time + 4, (int)(((r->start_at % 60) + 60) % 60), 2);
    time[6] = 0;
    dcm_dataset *s = dcm_seq_append(ds, DCM_ScheduledProcedureStepSequence);
    if (!s || set(s, DCM_Modality, CS, r->modality) || set(s, DCM_ScheduledStationAETitle, AE, r->ae_title) ||
        set(s, DCM_ScheduledProcedureStepStartDate, DA, date) || set(s, DCM_ScheduledProcedureStepStartTime, TM, time) ||
        set(s, DCM_ScheduledPerformingPhysicianName, PN, r->performing_physician) ||
        set(s, DCM_ScheduledProcedureStepDescription, LO, r->exam_label) ||
        set(s, DCM_ScheduledProcedureStepID, SH, r->sps_id) || set(s, DCM_ScheduledProcedureStepStatus, CS, sps_status(r->status)))
        return -1;
    if (set(ds, DCM_RequestedProcedureID, SH, r->accession_number)) return -1;
    if (dcm_set_string_vr(ds, DCM_RequestedProcedurePriority, SH, priority(r->priority))) return -1;
    return 0;
}

dcm_dataset *worklist_item_from_row(const worklist_adapter *w, const store_mwl_row *row)
{
    dcm_dataset *ds = dcm_dataset_new();
    if (ds && fill(w, row, ds) != 0) {
        dcm_dataset_free(ds);
        return NULL;
    }
    return ds;
}
