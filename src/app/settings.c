/* The registry of every module's settings: the one place that knows them all. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "core/log.h"
#include "dicom/dicom.h"
#include "domain/report_lifecycle.h"
#include "hl7/hl7.h"
#include "hl7feed/hl7feed.h"
#include "http/http.h"
#include "ins/ins.h"
#include "pdf/pdf.h"
#include "report/report_service.h"
#include "store/store.h"
#include "worklist/worklist.h"

const config_setting app_settings[] = {
    {"log", "level", "info", "Minimum level written to stderr: debug, info, warn or error.", false},
    {"site", "name", "Centre d'imagerie médicale", "Name of the practice, shown in the UI and on documents.", false},
    {"site", "timezone", "Europe/Paris", "IANA time zone of the practice: agenda days and opening hours are local to it.", false},
    {"site", "open_minute", "480", "Opening time of the rooms, in minutes after local midnight (480 = 08:00).", false},
    {"site", "close_minute", "1140", "Closing time of the rooms, in minutes after local midnight (1140 = 19:00).", false},
    {"site", "public_url", "http://localhost:8080", "URL at which users reach Couloir (printed by `couloir demo`, used in links).", false},
    {"identity", "oid_root", "1.2.250.1.999.1",
     "OID root under which Couloir mints identifiers (Study Instance UIDs, accession numbers, document ids). "
     "Replace the default by the practice's own registered OID.", false},
    {"identity", "ipp_oid", "1.2.250.1.999.1.1", "OID of the practice's local patient identifier (IPP) domain.", false},
    {NULL, NULL, NULL, NULL, false},
};

static const config_setting *const all_tables[] = {
    app_settings,
    store_settings,
    http_settings,
    ins_settings,
    report_lifecycle_settings,
    report_service_settings,
    pdf_settings,
    hl7_settings,
    hl7feed_settings,
    dicom_settings,
    worklist_settings,
};

/* A relative [http] web_root that does not exist from the working directory falls back to the
 * web/ folder of the source tree this binary was built from, so that `couloir serve` started
 * from anywhere still serves the UI. */
static void resolve_web_root(config_t *cfg)
{
    const char *root = config_get(cfg, "http", "web_root");
    if (!root || root[0] == '/') return;
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/index.html", root);
    if (access(probe, R_OK) == 0) return;
    snprintf(probe, sizeof probe, "%s/index.html", COULOIR_BUILT_WEB_ROOT);
    if (access(probe, R_OK) == 0) config_set(cfg, "http", "web_root", COULOIR_BUILT_WEB_ROOT);
}

config_t *app_load_config(const char *path)
{
    config_t *cfg = config_new(all_tables, sizeof all_tables / sizeof all_tables[0]);
    if (!cfg) {
        fprintf(stderr, "couloir: out of memory\n");
        return NULL;
    }
    char err[512];
    if (config_load(cfg, path, err, sizeof err) != 0) {
        fprintf(stderr, "couloir: configuration: %s\n", err);
        config_free(cfg);
        return NULL;
    }
    int level = log_level_parse(config_get(cfg, "log", "level"));
    if (level < 0) {
        fprintf(stderr, "couloir: configuration: [log] level must be debug, info, warn or error\n");
        config_free(cfg);
        return NULL;
    }
    log_set_level((log_level)level);
    /* The process time zone drives every local-time conversion (agenda, documents). */
    const char *tz = config_get(cfg, "site", "timezone");
    if (tz && *tz) {
        setenv("TZ", tz, 1);
        tzset();
    }
    resolve_web_root(cfg);
    return cfg;
}
