/* Settings of the reporting service and their loading (report_service.h). */
#include <stdio.h>
#include <string.h>

#include "report/report_service.h"
#include "domain/report_lifecycle.h"

const config_setting report_service_settings[] = {
    {"report", "dmp_enabled", "false",
     "Feed the patients' DMP with validated reports (queues \"dmp\" sharing jobs; true or false).", false},
    {"report", "site_sector", "AMBULATOIRE",
     "Activity sector of the practice in the CDA header (JDV_J04 XdsPracticeSettingCode code).", false},
    {"report", "site_sector_label", "Ambulatoire", "Display name of [report] site_sector.", false},
    {"report", "site_facility_type", "SA08",
     "Type of healthcare facility in the CDA header (JDV_J02 HealthcareFacilityTypeCode code).", false},
    {"report", "site_facility_type_label", "Cabinet de groupe", "Display name of [report] site_facility_type.", false},
    {NULL, NULL, NULL, NULL, false},
};

/* True when the configuration registered section.key (reading an undeclared setting is a
 * programming error for the config module). */
static bool declared(const config_t *cfg, const char *section, const char *key)
{
    for (size_t i = 0; cfg; i++) {
        const config_setting *s = config_setting_at(cfg, i);
        if (!s) break;
        if (strcmp(s->section, section) == 0 && strcmp(s->key, key) == 0) return true;
    }
    return false;
}

/* The value of section.key, else the default of the table that declares it, else def. */
static const char *get(const config_t *cfg, const char *section, const char *key, const char *def)
{
    if (declared(cfg, section, key)) {
        const char *v = config_get(cfg, section, key);
        return v ? v : "";
    }
    return def;
}

static const char *table_default(const config_setting *t, const char *key)
{
    for (; t->section; t++)
        if (strcmp(t->key, key) == 0) return t->default_value;
    return "";
}

static int copy(char *dst, size_t n, const char *v, const char *what, char *err, size_t errlen)
{
    int w = snprintf(dst, n, "%s", v ? v : "");
    if (w < 0 || (size_t)w >= n) {
        snprintf(err, errlen, "Paramètre %s trop long.", what);
        return -1;
    }
    return 0;
}

int report_service_config_load(const config_t *cfg, report_service_config *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    const char *root = get(cfg, "identity", "oid_root", "1.2.250.1.999.1");
    if (!root || !*root || strlen(root) > 100) {
        snprintf(err, errlen, "%s", "[identity] oid_root : OID absent ou trop long.");
        return -1;
    }
    snprintf(o->id_root, sizeof o->id_root, "%s.3", root);
    snprintf(o->accession_oid, sizeof o->accession_oid, "%s.5", root);
    if (copy(o->ipp_oid, sizeof o->ipp_oid, get(cfg, "identity", "ipp_oid", "1.2.250.1.999.1.1"), "[identity] ipp_oid",
             err, errlen) != 0)
        return -1;
    int rc = declared(cfg, "ins", "accepted_oids") ? ins_policy_load(cfg, &o->policy, err, errlen)
                                                   : ins_policy_defaults(&o->policy);
    if (rc != 0) {
        if (!err[0]) snprintf(err, errlen, "%s", "Politique INS invalide.");
        return -1;
    }
    if (copy(o->rgpd_notice, sizeof o->rgpd_notice, get(cfg, "pdf", "rgpd_notice", table_default(pdf_settings, "rgpd_notice")),
             "[pdf] rgpd_notice", err, errlen) != 0 ||
        copy(o->font_regular, sizeof o->font_regular, get(cfg, "pdf", "font_regular", PDF_DEFAULT_FONT_REGULAR),
             "[pdf] font_regular", err, errlen) != 0 ||
        copy(o->font_bold, sizeof o->font_bold, get(cfg, "pdf", "font_bold", PDF_DEFAULT_FONT_BOLD), "[pdf] font_bold",
             err, errlen) != 0 ||
        copy(o->icc_profile, sizeof o->icc_profile, get(cfg, "pdf", "icc_profile", PDF_DEFAULT_ICC_PROFILE),
             "[pdf] icc_profile", err, errlen) != 0)
        return -1;
    const config_setting *t = report_service_settings;
    const char *dmp = get(cfg, "report", "dmp_enabled", table_default(t, "dmp_enabled"));
    if (strcmp(dmp, "true") != 0 && strcmp(dmp, "false") != 0) {
        snprintf(err, errlen, "%s", "[report] dmp_enabled : true ou false est attendu.");
        return -1;
    }
    o->dmp_enabled = strcmp(dmp, "true") == 0;
    if (copy(o->sector, sizeof o->sector, get(cfg, "report", "site_sector", table_default(t, "site_sector")),
             "[report] site_sector", err, errlen) != 0 ||
        copy(o->sector_label, sizeof o->sector_label,
             get(cfg, "report", "site_sector_label", table_default(t, "site_sector_label")), "[report] site_sector_label",
             err, errlen) != 0 ||
        copy(o->facility, sizeof o->facility, get(cfg, "report", "site_facility_type", table_default(t, "site_facility_type")),
             "[report] site_facility_type", err, errlen) != 0 ||
        copy(o->facility_label, sizeof o->facility_label,
             get(cfg, "report", "site_facility_type_label", table_default(t, "site_facility_type_label")),
             "[report] site_facility_type_label", err, errlen) != 0)
        return -1;
    if (declared(cfg, "report", "reminder_delay_hours")) {
        if (rpt_reminder_delay(cfg, &o->reminder_delay_s, err, errlen) != 0) return -1;
    } else {
        o->reminder_delay_s = 24 * 3600;
    }
    return 0;
}
