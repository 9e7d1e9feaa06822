/* The store side of the DICOM worklist adapter (src/worklist): paged, indexed reads of the
 * scheduled steps on the modality worklist (from the read model mwl_entry, migration 0024, kept
 * equal to its source tables by triggers), the modality AE-title check, and the MPPS
 * (performed procedure step) rows. Declared apart from store.h (owned by the store module);
 * implemented in worklist_sql.c. Same conventions as store.h: store_status results, details in
 * store_last_error(c). */
#ifndef COULOIR_STORE_WORKLIST_SQL_H
#define COULOIR_STORE_WORKLIST_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* SQL-expressible part of a worklist query. Every criterion is optional (NULL / 0 = any) and
 * may only narrow the rows; the caller applies the exact DICOM matching afterwards, so a
 * criterion may select a superset (e.g. LIKE is ASCII case-insensitive on SQLite). */
typedef struct {
    const char *ae_title;            /* scheduled_step.ae_title = */
    const char *modality;            /* scheduled_step.modality_type = */
    int64_t from, to;                /* start_at in [from, to) (unix seconds); 0 = open end */
    const char *ipp;                 /* patient.ipp = */
    const char *ipp_like;            /* patient.ipp LIKE (pattern with '\' escapes) */
    const char *accession;           /* requested_procedure.accession_number = */
    const char *accession_like;
    const char *sps_id;              /* scheduled_step.sps_id = */
    const char *sps_id_like;
    const char *const *study_uids;   /* requested_procedure.study_instance_uid IN (...) */
    size_t nstudy_uids;              /* at most 64 */
    const char *birth_name_key;      /* identity.birth_name_key starts with (store_search_key form) */
    const char *const *statuses;     /* NULL-terminated step statuses (1..7); NULL = {"arrived"} */
    /* keyset paging: rows strictly after (after_start_at, after_id) in (start_at, id) order */
    const char *after_start_at;      /* stored text of start_at; NULL = from the first row */
    int64_t after_id;
    size_t limit;                    /* page size 1..5000 (0 = 500) */
} store_mwl_filter;

typedef struct {
    int64_t step_id, procedure_id, patient_id;
    int64_t start_at;                /* unix seconds */
    char start_at_text[32];          /* as stored (for paging) */
    char sps_id[17], ae_title[17], modality[8], status[16], performing_physician[65];
    char accession_number[17], study_instance_uid[65], ccam_code[8], exam_label[256];
    char ipp[21], birth_name[101], used_name[101], first_given_name[101], birth_date[11], sex[2];
    char ins_matricule[16], ins_oid[33], rniv_status[16];
    bool douteuse, fictive;
    char priority[8];
    char requester_last_name[101], requester_first_name[101];
} store_mwl_row;

/* One page of worklist rows ordered by start_at then step id. *rows: malloc'ed (free()). */
store_status store_mwl_page(store_conn_t *c, const store_mwl_filter *f, store_mwl_row **rows, size_t *n);

/* *known = an active modality has this AE title. */
store_status store_mwl_modality_known(store_conn_t *c, const char *ae_title, bool *known);

/* The scheduled step named by an MPPS (SPS ID first, else the first step of the accession
 * number's procedure). STORE_NOT_FOUND when neither names a step. */
store_status store_mpps_find_step(store_conn_t *c, const char *sps_id, const char *accession, int64_t *step_id,
                                  int64_t *procedure_id, char *status, size_t status_len);
/* Compare-and-set of a step's status and of the appointments booked on it (same from status
 * only), status_changed_at = at. STORE_CONFLICT when the step is no longer in `from`. */
store_status store_mpps_step_status(store_conn_t *c, int64_t step_id, const char *from, const char *to, int64_t at);

typedef struct {
    int64_t id;
    int64_t step_id;                 /* 0: unscheduled */
    char status[16];                 /* in_progress, completed, discontinued */
    char ae_title[17];
} store_pps_row;

/* Inserts a performed_step row. STORE_CONFLICT when the SOP instance UID exists. step_id /
 * procedure_id 0 = NULL; started_at / ended_at 0 = NULL; dataset: JSON text or NULL. */
store_status store_pps_insert(store_conn_t *c, const char *sop_instance_uid, int64_t step_id, int64_t procedure_id,
                              const char *ae_title, const char *status, int64_t started_at, const char *dataset);
store_status store_pps_get(store_conn_t *c, const char *sop_instance_uid, store_pps_row *out);
/* Sets status (NULL: unchanged), ended_at (0: unchanged), dataset (NULL: unchanged). */
store_status store_pps_update(store_conn_t *c, int64_t id, const char *status, int64_t ended_at, const char *dataset);

#endif
