/* A worklist row -> its worklist item (UTF-8 data set), IHE SWF.b RAD-5 return keys. */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "worklist/worklist_internal.h"

static int set(dcm_dataset *ds, uint32_t tag, const char *v)
{
    return v && v[0] ? dcm_set_string(ds, tag, v) : 0;
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
    snprintf(out, 9, "%.4s%.2s%.2s", iso, iso + 5, iso + 8);
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
    return dcm_set_string(it, DCM_UniversalEntityID, oid) || dcm_set_string(it, DCM_UniversalEntityIDType, "ISO");
}

static int fill(const worklist_adapter *w, const store_mwl_row *r, dcm_dataset *ds)
{
    char name[260], da[9], date[16], time[16];
    if (dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 192")) return -1;
    if (set(ds, DCM_AccessionNumber, r->accession_number)) return -1;
    if (w->accession_issuer_oid[0] && issuer_item(ds, DCM_IssuerOfAccessionNumberSequence, w->accession_issuer_oid))
        return -1;
    if (r->requester_last_name[0]) {
        snprintf(name, sizeof name, "%s^%s", r->requester_last_name, r->requester_first_name);
        if (set(ds, DCM_ReferringPhysicianName, name)) return -1;
    }
    snprintf(name, sizeof name, "%s^%s", r->birth_name, r->first_given_name);
    if (r->birth_name[0] && set(ds, DCM_PatientName, name)) return -1;
    if (set(ds, DCM_PatientID, r->ipp)) return -1;
    if (w->ipp_issuer_oid[0]) {
        if (dcm_set_string(ds, DCM_IssuerOfPatientID, w->ipp_issuer_oid)) return -1;
        if (issuer_item(ds, DCM_IssuerOfPatientIDQualifiersSequence, w->ipp_issuer_oid)) return -1;
    }
    da_from_iso(r->birth_date, da);
    if (set(ds, DCM_PatientBirthDate, da) || set(ds, DCM_PatientSex, r->sex)) return -1;
    /* rule 28 (RIS.INS.37): the INS only for a qualified identity, decided by ins_may_emit */
    ins_identity id;
    memset(&id, 0, sizeof id);
    snprintf(id.matricule, sizeof id.matricule, "%s", r->ins_matricule);
    snprintf(id.oid, sizeof id.oid, "%s", r->ins_oid);
    id.status = rniv_status(r->rniv_status);
    id.attributes = (r->douteuse ? INS_ATTR_DOUTEUSE : 0u) | (r->fictive ? INS_ATTR_FICTIVE : 0u);
    if (ins_may_emit(&id, &w->policy)) {
        dcm_dataset *o = dcm_seq_append(ds, DCM_OtherPatientIDsSequence);
        if (!o || dcm_set_string(o, DCM_PatientID, id.matricule) || dcm_set_string(o, DCM_IssuerOfPatientID, "INS") ||
            dcm_set_string(o, DCM_TypeOfPatientID, "TEXT") ||
            issuer_item(o, DCM_IssuerOfPatientIDQualifiersSequence, id.oid))
            return -1;
    }
    if (set(ds, DCM_StudyInstanceUID, r->study_instance_uid)) return -1;
    if (set(ds, DCM_RequestedProcedureDescription, r->exam_label)) return -1;
    if (r->ccam_code[0]) {
        dcm_dataset *c = dcm_seq_append(ds, DCM_RequestedProcedureCodeSequence);
        if (!c || dcm_set_string(c, DCM_CodeValue, r->ccam_code) || dcm_set_string(c, DCM_CodingSchemeDesignator, "CCAM") ||
            set(c, DCM_CodeMeaning, r->exam_label))
            return -1;
    }
    /* scheduled procedure step, start in local time ([site] timezone) */
    int64_t days = 0;
    int minute = 0;
    time_unix_to_local(r->start_at, &days, &minute);
    int y, m, d;
    time_civil_from_days(days, &y, &m, &d);
    snprintf(date, sizeof date, "%04d%02d%02d", y % 10000, m % 100, d % 100);
    snprintf(time, sizeof time, "%02d%02d%02d", (minute / 60) % 100, minute % 60, (int)(((r->start_at % 60) + 60) % 60));
    dcm_dataset *s = dcm_seq_append(ds, DCM_ScheduledProcedureStepSequence);
    if (!s || set(s, DCM_Modality, r->modality) || set(s, DCM_ScheduledStationAETitle, r->ae_title) ||
        set(s, DCM_ScheduledProcedureStepStartDate, date) || set(s, DCM_ScheduledProcedureStepStartTime, time) ||
        set(s, DCM_ScheduledPerformingPhysicianName, r->performing_physician) ||
        set(s, DCM_ScheduledProcedureStepDescription, r->exam_label) || set(s, DCM_ScheduledProcedureStepID, r->sps_id) ||
        set(s, DCM_ScheduledProcedureStepStatus, sps_status(r->status)))
        return -1;
    if (set(ds, DCM_RequestedProcedureID, r->accession_number)) return -1;
    if (dcm_set_string(ds, DCM_RequestedProcedurePriority, priority(r->priority))) return -1;
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
