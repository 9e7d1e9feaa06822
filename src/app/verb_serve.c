/* `couloir serve` and `couloir migrate`. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "app/app.h"
#include "app/app_store.h"
#include "core/log.h"
#include "hl7feed/hl7feed.h"
#include "http/http.h"
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

    store_t *st = app_open_store(cfg, 1);
    if (!st) return 1;
    char err[512];
    http_server_t *http = http_server_start(cfg, st, err, sizeof err);
    if (!http) {
        char q[600];
        LOG_ERRORF("app", "HTTP server failed to start", "error=%s", log_quote(err, q, sizeof q));
        store_close(st);
        return 1;
    }
    LOG_INFOF("app", "Couloir started", "version=%s http_port=%u store=%s", COULOIR_VERSION,
              http_server_port(http), store_backend(st));
    /* HL7 (MLLP listener, inbox, outbound messages): a failure is logged, the rest still serves. */
    hl7feed_service *hl7 = hl7feed_service_start(st, cfg, err, sizeof err);
    char quoted[600];
    if (!hl7) LOG_ERRORF("app", "HL7 service not started", "error=%s", log_quote(err, quoted, sizeof quoted));
    /* DICOM (echo, modality worklist, MPPS): a failure is logged, the rest still serves. */
    worklist_service *dicom = worklist_service_start(st, cfg, err, sizeof err);
    if (!dicom && err[0])
        LOG_ERRORF("app", "DICOM service not started", "error=%s", log_quote(err, quoted, sizeof quoted));

    int sig = 0;
    sigwait(&stop, &sig);
    LOG_INFOF("app", "stopping", "signal=%d", sig);
    worklist_service_stop(dicom);
    hl7feed_service_stop(hl7);
    http_server_stop(http);
    store_close(st);
    LOG_INFOF("app", "stopped", "%s", "");
    return 0;
}
