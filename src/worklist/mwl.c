/* The Modality Worklist provider: pages of SQL rows, exact matching, emission. */
#include <stdlib.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "worklist/worklist_internal.h"

#define WL_PAGE 500

int worklist_mwl_find(void *ud, const dcm_mwl_query *q, dcm_mwl_emit_fn emit, void *emit_ctx, dcm_status *st)
{
    worklist_adapter *w = ud;
    worklist_filter wf;
    int rc = worklist_filter_from_query(q, &wf);
    if (rc < 0) {
        dcm_status_set(st, DCM_STATUS_OUT_OF_RESOURCES, "out of memory");
        return -1;
    }
    if (rc == 1) return 0; /* nothing can match */
    store_conn_t *c = store_acquire(w->st);
    if (!c) {
        worklist_filter_clear(&wf);
        dcm_status_set(st, DCM_STATUS_OUT_OF_RESOURCES, "database busy");
        return -1;
    }
    int64_t t0 = time_monotonic_ms();
    size_t scanned = 0, matched = 0;
    char after[32] = "";
    int result = 0;
    bool stop = false;
    wf.f.limit = WL_PAGE;
    while (!stop) {
        store_mwl_row *rows = NULL;
        size_t n = 0;
        wf.f.after_start_at = after[0] ? after : NULL;
        store_status s = store_mwl_page(c, &wf.f, &rows, &n);
        if (s != STORE_OK) {
            LOG_ERRORF(WL_LOG, "worklist query failed", "status=%s error=\"%s\"", store_status_name(s), store_last_error(c));
            dcm_status_set(st, DCM_STATUS_UNABLE_TO_PROCESS, "database error");
            result = -1;
            break;
        }
        for (size_t i = 0; i < n && !stop; i++) {
            scanned++;
            dcm_dataset *item = worklist_item_from_row(w, &rows[i]);
            if (!item) {
                dcm_status_set(st, DCM_STATUS_OUT_OF_RESOURCES, "out of memory");
                result = -1;
                stop = true;
                break;
            }
            if (dcm_mwl_match(q, item)) {
                matched++;
                if (emit(emit_ctx, item) != 0) stop = true;
            }
            dcm_dataset_free(item);
        }
        if (n == WL_PAGE) {
            snprintf(after, sizeof after, "%s", rows[n - 1].start_at_text);
            wf.f.after_id = rows[n - 1].step_id;
        } else {
            stop = true;
        }
        free(rows);
    }
    store_release(w->st, c);
    worklist_filter_clear(&wf);
    LOG_DEBUGF(WL_LOG, "worklist rows", "scanned=%zu matched=%zu duration_ms=%lld", scanned, matched,
               (long long)(time_monotonic_ms() - t0));
    return result;
}
