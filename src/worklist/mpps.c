/* The MPPS provider: performed_step rows and the step / appointment life cycle
 * (domain/workflow.h decides every transition). */
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "core/uid.h"
#include "domain/workflow.h"
#include "worklist/worklist_internal.h"

static const char *pps_name(dcm_pps_status s)
{
    switch (s) {
    case DCM_PPS_IN_PROGRESS: return "in_progress";
    case DCM_PPS_COMPLETED: return "completed";
    case DCM_PPS_DISCONTINUED: return "discontinued";
    default: return NULL;
    }
}

static dcm_pps_status pps_parse(const char *s)
{
    if (strcmp(s, "in_progress") == 0) return DCM_PPS_IN_PROGRESS;
    if (strcmp(s, "completed") == 0) return DCM_PPS_COMPLETED;
    if (strcmp(s, "discontinued") == 0) return DCM_PPS_DISCONTINUED;
    return DCM_PPS_UNKNOWN;
}

/* The series and images the modality lists in Performed Series Sequence, as the JSON kept in
 * performed_step.dataset ({"series":[{"series_uid", "modality", "images":[{"sop_class_uid",
 * "sop_instance_uid"}]}]}); the report's DICOM object catalog reads it. NULL (malloc'd text
 * otherwise) when the message lists no series, so that an N-SET without it keeps what an
 * earlier message gave. */
static char *performed_series_json(const dcm_dataset *attrs)
{
    size_t ns = attrs ? dcm_seq_count(attrs, DCM_PerformedSeriesSequence) : 0;
    if (ns == 0) return NULL;
    json_t *series = json_array();
    for (size_t i = 0; i < ns; i++) {
        const dcm_dataset *se = dcm_seq_item(attrs, DCM_PerformedSeriesSequence, i);
        char uid[65], modality[17];
        if (dcm_get_string(se, DCM_SeriesInstanceUID, uid, sizeof uid) <= 0 || !uid_valid(uid)) continue;
        json_t *images = json_array();
        size_t ni = dcm_seq_count(se, DCM_ReferencedImageSequence);
        for (size_t k = 0; k < ni; k++) {
            const dcm_dataset *im = dcm_seq_item(se, DCM_ReferencedImageSequence, k);
            char cls[65], inst[65];
            /* Only well-formed UIDs go on: they end up in the CDA sent to the DMP. */
            if (dcm_get_string(im, DCM_ReferencedSOPInstanceUID, inst, sizeof inst) <= 0 || !uid_valid(inst)) continue;
            if (dcm_get_string(im, DCM_ReferencedSOPClassUID, cls, sizeof cls) <= 0 || !uid_valid(cls)) cls[0] = '\0';
            json_array_append_new(images, json_pack("{s:s,s:s}", "sop_class_uid", cls, "sop_instance_uid", inst));
        }
        if (dcm_get_string(se, DCM_Modality, modality, sizeof modality) <= 0) modality[0] = '\0';
        json_array_append_new(series, json_pack("{s:s,s:s,s:o}", "series_uid", uid, "modality", modality, "images",
                                                images));
    }
    json_t *root = json_pack("{s:o}", "series", series);
    char *text = json_array_size(series) ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return text;
}

/* Local DA + TM of the data set -> unix seconds; 0 when absent or malformed. */
static int64_t local_time(const dcm_dataset *ds, uint32_t date_tag, uint32_t time_tag)
{
    char d[16], t[32];
    if (!ds || dcm_get_string(ds, date_tag, d, sizeof d) != 8) return 0;
    int64_t days;
    char iso[11];
    snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", d, d + 4, d + 6);
    if (time_parse_date(iso, &days) != 0) return 0;
    int hh = 0, mm = 0, ss = 0;
    int tl = dcm_get_string(ds, time_tag, t, sizeof t);
    if (tl >= 2) {
        if (sscanf(t, "%2d%2d%2d", &hh, &mm, &ss) < 1 || hh > 23 || mm > 59 || ss > 60) hh = mm = ss = 0;
    }
    return time_local_to_unix(days, hh * 60 + mm) + ss;
}

static void refuse_store(dcm_status *st, store_conn_t *c, store_status s)
{
    LOG_ERRORF(WL_LOG, "MPPS store failure", "status=%s error=\"%s\"", store_status_name(s), store_last_error(c));
    dcm_status_set(st, DCM_STATUS_PROCESSING_FAILURE, "database error");
}

int worklist_mpps_create(void *ud, const dcm_mpps_request *rq, dcm_status *st)
{
    worklist_adapter *w = ud;
    if (rq->status != DCM_PPS_IN_PROGRESS) {
        dcm_status_set(st, DCM_STATUS_INVALID_ATTRIBUTE_VALUE, "N-CREATE: Performed Procedure Step Status must be IN PROGRESS");
        st->offending_tag = DCM_PerformedProcedureStepStatus;
        return -1;
    }
    char sps_id[65] = "", accession[65] = "";
    const dcm_dataset *ssa =
        rq->attributes ? dcm_seq_item(rq->attributes, DCM_ScheduledStepAttributesSequence, 0) : NULL;
    if (ssa) {
        (void)dcm_get_string(ssa, DCM_ScheduledProcedureStepID, sps_id, sizeof sps_id);
        (void)dcm_get_string(ssa, DCM_AccessionNumber, accession, sizeof accession);
    }
    int64_t started = local_time(rq->attributes, DCM_PerformedProcedureStepStartDate, DCM_PerformedProcedureStepStartTime);
    if (!started) started = time_now_unix();
    store_conn_t *c = store_acquire(w->st);
    if (!c) {
        dcm_status_set(st, DCM_STATUS_PROCESSING_FAILURE, "database busy");
        return -1;
    }
    int rc = -1;
    store_status s = store_begin(c);
    if (s != STORE_OK) {
        refuse_store(st, c, s);
        goto out;
    }
    store_pps_row existing;
    s = store_pps_get(c, rq->sop_instance_uid, &existing);
    if (s == STORE_OK) {
        dcm_status_set(st, DCM_STATUS_DUPLICATE_INSTANCE, "Performed Procedure Step already exists");
        goto rollback;
    }
    if (s != STORE_NOT_FOUND) {
        refuse_store(st, c, s);
        goto rollback;
    }
    int64_t step = 0, proc = 0;
    char status[16] = "";
    s = store_mpps_find_step(c, sps_id, accession, &step, &proc, status, sizeof status);
    if (s != STORE_OK && s != STORE_NOT_FOUND) {
        refuse_store(st, c, s);
        goto rollback;
    }
    if (s == STORE_OK) {
        wf_status from, to;
        if (!wf_status_parse(status, &from) || !wf_next(from, WF_EV_START, &to, NULL, 0)) {
            dcm_status_set(st, DCM_STATUS_PROCESSING_FAILURE, "scheduled step %s is %s: cannot start", sps_id[0] ? sps_id : accession,
                           status);
            goto rollback;
        }
        s = store_mpps_step_status(c, step, wf_status_name(from), wf_status_name(to), started);
        if (s != STORE_OK) {
            refuse_store(st, c, s);
            goto rollback;
        }
    } else {
        LOG_WARNF(WL_LOG, "MPPS without a known scheduled step (unscheduled case)", "instance=%s", rq->sop_instance_uid);
    }
    char *series = performed_series_json(rq->attributes);
    s = store_pps_insert(c, rq->sop_instance_uid, step, proc, rq->calling_ae, "in_progress", started, series);
    free(series);
    if (s == STORE_CONFLICT) {
        dcm_status_set(st, DCM_STATUS_DUPLICATE_INSTANCE, "Performed Procedure Step already exists");
        goto rollback;
    }
    if (s != STORE_OK) {
        refuse_store(st, c, s);
        goto rollback;
    }
    s = store_commit(c);
    if (s != STORE_OK) {
        refuse_store(st, c, s);
        goto out;
    }
    LOG_INFOF(WL_LOG, "MPPS in progress", "instance=%s step_id=%lld", rq->sop_instance_uid, (long long)step);
    rc = 0;
    goto out;
rollback:
    store_rollback(c);
out:
    store_release(w->st, c);
    return rc;
}

int worklist_mpps_set(void *ud, const dcm_mpps_request *rq, dcm_status *st)
{
    worklist_adapter *w = ud;
    store_conn_t *c = store_acquire(w->st);
    if (!c) {
        dcm_status_set(st, DCM_STATUS_PROCESSING_FAILURE, "database busy");
        return -1;
    }
    int rc = -1;
    store_status s = store_begin(c);
    if (s != STORE_OK) {
        refuse_store(st, c, s);
        goto out;
    }
    store_pps_row pps;
    s = store_pps_get(c, rq->sop_instance_uid, &pps);
    if (s == STORE_NOT_FOUND) {
        dcm_status_set(st, DCM_STATUS_NO_SUCH_INSTANCE, "unknown Performed Procedure Step");
        goto rollback;
    }
    if (s != STORE_OK) {
        refuse_store(st, c, s);
        goto rollback;
    }
    dcm_pps_status cur = pps_parse(pps.status);
    dcm_pps_status to = rq->status == DCM_PPS_UNKNOWN ? cur : rq->status;
    if (dcm_mpps_check_transition(cur, to, st) != 0) goto rollback;
    int64_t ended = 0;
    if (to != DCM_PPS_IN_PROGRESS) {
        ended = local_time(rq->attributes, DCM_PerformedProcedureStepEndDate, DCM_PerformedProcedureStepEndTime);
        if (!ended) ended = time_now_unix();
        if (pps.step_id) {
            wf_status wto;
            wf_event ev = to == DCM_PPS_COMPLETED ? WF_EV_COMPLETE : WF_EV_DISCONTINUE;
            if (!wf_next(WF_IN_PROGRESS, ev, &wto, NULL, 0)) {
                dcm_status_set(st, DCM_STATUS_PROCESSING_FAILURE, "transition refused by the workflow");
                goto rollback;
            }
            s = store_mpps_step_status(c, pps.step_id, wf_status_name(WF_IN_PROGRESS), wf_status_name(wto), ended);
            if (s == STORE_CONFLICT) {
                dcm_status_set(st, DCM_STATUS_PROCESSING_FAILURE, "scheduled step is no longer in progress");
                st->error_id = DCM_ERROR_ID_MPPS_NOT_UPDATABLE;
                goto rollback;
            }
            if (s != STORE_OK) {
                refuse_store(st, c, s);
                goto rollback;
            }
        }
    }
    char *series = performed_series_json(rq->attributes);
    s = store_pps_update(c, pps.id, pps_name(to), ended, series);
    free(series);
    if (s == STORE_OK) s = store_commit(c);
    if (s != STORE_OK) {
        refuse_store(st, c, s);
        store_rollback(c);
        goto out;
    }
    LOG_INFOF(WL_LOG, "MPPS updated", "instance=%s status=%s step_id=%lld", rq->sop_instance_uid, pps_name(to),
              (long long)pps.step_id);
    rc = 0;
    goto out;
rollback:
    store_rollback(c);
out:
    store_release(w->st, c);
    return rc;
}
