/* A whole association, SCP side: the input is the byte stream a peer sends (A-ASSOCIATE-RQ,
 * P-DATA-TF with DIMSE commands and data sets, A-RELEASE-RQ...), fed through a socketpair to
 * dcm_assoc_serve with the echo, worklist (in-memory, two items) and MPPS services. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "dicom/dicom_internal.h"

static bool reserve(void *srv) { (void)srv; return true; }
static void release(void *srv) { (void)srv; }

static int n_create(void *ud, const dcm_mpps_request *rq, dcm_status *st)
{
    (void)ud;
    if (rq->attributes && dcm_has(rq->attributes, DCM_PatientID)) return 0;
    dcm_status_set(st, DCM_STATUS_DUPLICATE_INSTANCE, "exists");
    return -1;
}

static int n_set(void *ud, const dcm_mpps_request *rq, dcm_status *st)
{
    (void)ud;
    return dcm_mpps_check_transition(DCM_PPS_IN_PROGRESS, rq->status, st);
}

static dcm_mwl_memory *worklist(void)
{
    dcm_mwl_memory *m = dcm_mwl_memory_new();
    for (int i = 0; i < 2; i++) {
        dcm_dataset *ds = dcm_dataset_new();
        dcm_set_string(ds, DCM_SpecificCharacterSet, "ISO_IR 192");
        dcm_set_string(ds, DCM_PatientName, i ? "H\xC3\x89RON^Z\xC3\x89LIE" : "\xC5\x81UKASZ^ANNA");
        dcm_set_string(ds, DCM_PatientID, i ? "IPP1" : "IPP2");
        dcm_dataset *sps = dcm_seq_append(ds, DCM_ScheduledProcedureStepSequence);
        dcm_set_string(sps, DCM_Modality, "CT");
        dcm_set_string(sps, DCM_ScheduledStationAETitle, "CT1");
        dcm_set_string(sps, DCM_ScheduledProcedureStepStartDate, "20261122");
        dcm_mwl_memory_add(m, ds);
        dcm_dataset_free(ds);
    }
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dcm_mwl_memory *mem;
    if (!mem) {
        log_set_level(LOG_ERROR);
        mem = worklist();
    }
    if (size > 65536) return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 0;
    int buf = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    if (size && write(sv[0], data, size) != (ssize_t)size) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    shutdown(sv[0], SHUT_WR);
    dcm_mwl_scp_config mwl = {dcm_mwl_memory_find, mem, 5, DCM_CS_LATIN1, (size & 1) != 0};
    dcm_mpps_scp_config mpps = {n_create, n_set, NULL, NULL};
    dcm_service services[3] = {dcm_echo_service(), dcm_mwl_service(&mwl), dcm_mpps_service(&mpps)};
    dcm_server_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ae_title = "COULOIR";
    cfg.max_associations = 1;
    cfg.max_pdu = 16384;
    cfg.artim_ms = 50;
    cfg.idle_timeout_ms = 50;
    cfg.services = services;
    cfg.nservices = 3;
    dcm_assoc_env env = {&cfg, NULL, reserve, release, NULL, 1};
    dcm_assoc_serve(sv[1], "fuzz", &env);
    close(sv[0]);
    close(sv[1]);
    return 0;
}
