/* The DICOM worklist adapter: Couloir's store behind the DICOM library's providers.
 *
 *   - Modality Worklist C-FIND: the query (dcm_mwl_query) is translated into one indexed SQL
 *     statement per page (store/worklist_sql.h) that selects a superset of the answers, and
 *     every row, turned into its worklist item (IHE SWF.b RAD-5 return keys), goes through the
 *     reference matcher dcm_mwl_match as the exact final filter.
 *   - Steps on the worklist: scheduled steps whose status is "arrived" (domain/workflow.h: a
 *     step reaches the modality worklist when the patient has arrived). Their SPS Status is
 *     ARRIVED.
 *   - MPPS: N-CREATE IN PROGRESS starts the step (workflow event "start"), N-SET COMPLETED /
 *     DISCONTINUED completes / discontinues it; the performed_step row keeps status and times.
 *   - Associations: the calling AE title must be an active modality's AE title unless
 *     [worklist] accept_any_calling_ae is true; the called AE title must be [dicom] ae_title.
 *   - INS: in Other Patient IDs Sequence with its issuer only when ins_may_emit() says so.
 * Thread-safe: one store connection per call, acquired from the pool. */
#ifndef COULOIR_WORKLIST_WORKLIST_H
#define COULOIR_WORKLIST_WORKLIST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "dicom/dicom.h"
#include "ins/ins.h"
#include "store/store.h"
#include "store/worklist_sql.h"

/* [worklist] settings (enabled, accept_any_calling_ae, accession_issuer_oid). */
extern const config_setting worklist_settings[];

/* Options of the adapter; strings are copied by worklist_adapter_new. */
typedef struct {
    const char *ae_title;             /* our AE title (called AE title check) */
    bool accept_any_calling_ae;       /* false: calling AE must be an active modality */
    const char *ipp_issuer_oid;       /* Issuer of Patient ID qualifiers (the IPP domain OID) */
    const char *accession_issuer_oid; /* Issuer of Accession Number Sequence, Universal Entity ID */
    const char *uid_root;             /* root for MPPS instance UIDs the SCU leaves to us */
} worklist_options;

typedef struct worklist_adapter worklist_adapter;

/* The adapter over st (borrowed; must outlive it) with policy (copied). NULL on out-of-memory. */
worklist_adapter *worklist_adapter_new(store_t *st, const ins_policy *policy, const worklist_options *opt);
void worklist_adapter_free(worklist_adapter *w);

/* Providers for the DICOM library (ud = the adapter). */
int worklist_mwl_find(void *ud, const dcm_mwl_query *q, dcm_mwl_emit_fn emit, void *emit_ctx, dcm_status *st);
int worklist_mpps_create(void *ud, const dcm_mpps_request *rq, dcm_status *st);
int worklist_mpps_set(void *ud, const dcm_mpps_request *rq, dcm_status *st);
/* dcm_assoc_check_fn: called AE = ours, calling AE = a modality (unless any is accepted). */
int worklist_check_association(void *ud, const char *calling_ae, const char *called_ae, const char *peer);

/* The worklist item (UTF-8, Specific Character Set ISO_IR 192) of one row: patient (name =
 * birth name^first given name, IPP with issuer, birth date, sex, INS only when ins_may_emit),
 * accession number with issuer, referring physician, requested procedure (ID = accession
 * number, description, CCAM code, priority), Study Instance UID, and the Scheduled Procedure
 * Step Sequence (modality, station AE, local start date/time, performing physician,
 * description, SPS ID, status). NULL on out-of-memory. */
dcm_dataset *worklist_item_from_row(const worklist_adapter *w, const store_mwl_row *row);

/* Translates q into the SQL filter (superset of the answers). Strings of f point into buf
 * (caller-provided storage, freed with worklist_filter_clear). Returns 0, or 1 when no row can
 * match (e.g. an impossible date), or -1 on out-of-memory. */
typedef struct {
    store_mwl_filter f;
    char *owned[16];
    size_t nowned;
    const char *uids[64];
} worklist_filter;
int worklist_filter_from_query(const dcm_mwl_query *q, worklist_filter *wf);
void worklist_filter_clear(worklist_filter *wf);

/* `couloir serve`: the DICOM server (C-ECHO, MWL, MPPS) from the [dicom] and [worklist]
 * settings. Returns NULL with err when disabled ([worklist] enabled = false: err = "") or on
 * failure. */
typedef struct worklist_service worklist_service;
worklist_service *worklist_service_start(store_t *st, const config_t *cfg, char *err, size_t errlen);
uint16_t worklist_service_port(const worklist_service *s);
void worklist_service_stop(worklist_service *s); /* NULL allowed */

#endif
