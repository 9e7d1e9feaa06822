/* `couloir serve` and `couloir migrate`. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/app_store.h"
#include "core/log.h"
#include "hl7feed/hl7feed.h"
#include "http/http.h"
#include "report/report.h"
#include "store/store.h"
#include "worklist/worklist.h"

int app_migrate(config_t *cfg)
{
    store_t *st = app_open_store(cfg, 1);
    if (!st) return 1;
    printf("schéma à jour (version %d, %s)\n", store_schema_version(st), store_backend(st));
    store_close(st);
    return 0;
}

/* What the HTTP hooks reach: the HL7 service and the DICOM listener (set before the HTTP server
 * starts, read-only afterwards). */
typedef struct {
    hl7feed_service *hl7;
    char hl7_error[512];      /* the service itself could not start */
    worklist_service *dicom;
    char dicom_error[512];    /* "" with dicom NULL: disabled */
} serve_ctx;

static store_status hook_reprocess(void *ctx, int64_t id, const char *raw, http_hl7_outcome *out)
{
    serve_ctx *s = ctx;
    hl7feed_t *f = hl7feed_service_feed(s->hl7);
    if (!f) return STORE_BUSY;
    hl7feed_outcome o;
    memset(&o, 0, sizeof o);
    store_status st = hl7feed_reprocess(f, id, raw, &o);
    if (st != STORE_OK) return st;
    snprintf(out->ack, sizeof out->ack, "%s", o.code == HL7_ACK_AA ? "AA" : o.code == HL7_ACK_AE ? "AE" : "AR");
    snprintf(out->state, sizeof out->state, "%s",
             o.code == HL7_ACK_AA ? "processed" : o.code == HL7_ACK_AE ? "failed" : "rejected");
    out->error = o.error;
    snprintf(out->location, sizeof out->location, "%s", o.location);
    snprintf(out->text, sizeof out->text, "%s", o.text);
    return STORE_OK;
}

static void hook_hl7_listener(void *ctx, http_listener_status *out)
{
    serve_ctx *s = ctx;
    if (!s->hl7) {
        out->state = s->hl7_error[0] ? HTTP_LISTENER_FAILED : HTTP_LISTENER_DISABLED;
        snprintf(out->error, sizeof out->error, "%s", s->hl7_error);
        return;
    }
    int r = hl7feed_service_listener(s->hl7, &out->port, out->error, sizeof out->error);
    out->state = r > 0 ? HTTP_LISTENER_UP : r < 0 ? HTTP_LISTENER_FAILED : HTTP_LISTENER_DISABLED;
}

static void hook_dicom_listener(void *ctx, http_listener_status *out)
{
    serve_ctx *s = ctx;
    out->port = s->dicom ? worklist_service_port(s->dicom) : 0;
    out->state = s->dicom ? HTTP_LISTENER_UP : s->dicom_error[0] ? HTTP_LISTENER_FAILED : HTTP_LISTENER_DISABLED;
    snprintf(out->error, sizeof out->error, "%s", s->dicom_error);
}

int app_serve(config_t *cfg)
{
    /* Block the stop signals before any thread starts, so that every thread inherits the mask
     * and only sigwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* libxml2's first initialisation is not thread-safe: do it here, before the HTTP and HL7
     * threads render or parse documents. */
    report_init();

    store_t *st = app_open_store(cfg, 1);
    if (!st) return 1;
    char err[512], quoted[600];
    serve_ctx sc;
    memset(&sc, 0, sizeof sc);
    /* HL7 (MLLP listener, inbox, outbound messages) and DICOM (echo, modality worklist, MPPS)
     * first, so that the HTTP hooks see them: a failure is logged and shown by /healthz
     * ("degraded"), the rest still serves. */
    sc.hl7 = hl7feed_service_start(st, cfg, err, sizeof err);
    if (!sc.hl7) snprintf(sc.hl7_error, sizeof sc.hl7_error, "%s", err);
    if (!sc.hl7) LOG_ERRORF("app", "HL7 service not started", "error=%s", log_quote(err, quoted, sizeof quoted));
    else if (err[0]) /* delivery and reprocessing run; only the MLLP listener is missing */
        LOG_ERRORF("app", "HL7 listener not started", "error=%s", log_quote(err, quoted, sizeof quoted));
    sc.dicom = worklist_service_start(st, cfg, err, sizeof err);
    if (!sc.dicom && err[0]) {
        snprintf(sc.dicom_error, sizeof sc.dicom_error, "%s", err);
        LOG_ERRORF("app", "DICOM service not started", "error=%s", log_quote(err, quoted, sizeof quoted));
    }
    http_hooks hooks = {
        .ctx = &sc,
        .hl7_reprocess = hook_reprocess,
        .hl7_listener = hook_hl7_listener,
        .dicom_listener = hook_dicom_listener,
    };
    http_server_t *http = http_server_start_hooks(cfg, st, &hooks, err, sizeof err);
    if (!http) {
        LOG_ERRORF("app", "HTTP server failed to start", "error=%s", log_quote(err, quoted, sizeof quoted));
        worklist_service_stop(sc.dicom);
        hl7feed_service_stop(sc.hl7);
        store_close(st);
        return 1;
    }
    LOG_INFOF("app", "Couloir started", "version=%s http_port=%u store=%s", COULOIR_VERSION,
              http_server_port(http), store_backend(st));

    int sig = 0;
    sigwait(&stop, &sig);
    LOG_INFOF("app", "stopping", "signal=%d", sig);
    http_server_stop(http);
    worklist_service_stop(sc.dicom);
    hl7feed_service_stop(sc.hl7);
    store_close(st);
    LOG_INFOF("app", "stopped", "%s", "");
    return 0;
}
