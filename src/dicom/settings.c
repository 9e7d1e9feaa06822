/* The [dicom] configuration section: declarations and loading into the server and worklist
 * configurations. */
#include "dicom/dicom_internal.h"

const config_setting dicom_settings[] = {
    {"dicom", "ae_title", "COULOIR", "AE title of the DICOM server (called AE title checked on association)", false},
    {"dicom", "bind_address", "0.0.0.0", "address the DICOM server listens on", false},
    {"dicom", "port", "11112", "TCP port of the DICOM server (worklist, MPPS, echo)", false},
    {"dicom", "max_associations", "32", "maximum number of concurrent DICOM associations", false},
    {"dicom", "max_pdu", "65536", "maximum P-DATA-TF PDU length received (announced in A-ASSOCIATE-AC)", false},
    {"dicom", "artim_timeout_ms", "30000", "ARTIM timer: wait for A-ASSOCIATE-RQ and for the peer to close", false},
    {"dicom", "idle_timeout_ms", "60000", "an association silent for this long is aborted", false},
    {"dicom", "mwl_max_results", "1000", "maximum number of worklist answers to one C-FIND (0: unlimited)", false},
    {"dicom", "mwl_default_charset", "ISO_IR 100",
     "character set of worklist answers when the query names none (ISO_IR 100 or ISO_IR 192)", false},
    {"dicom", "mwl_filter_calling_ae", "false",
     "a worklist query only returns the steps scheduled on the calling AE title", false},
    {"dicom", "tls_certificate", NULL, "PEM certificate of the DICOM server; with tls_private_key, DICOM over TLS only", false},
    {"dicom", "tls_private_key", NULL, "PEM private key of the DICOM server certificate", true},
    {"dicom", "tls_ca_certificates", NULL, "PEM CA bundle used to verify modality (client) certificates", false},
    {"dicom", "tls_require_client_certificate", "false", "refuse TLS clients without a certificate signed by tls_ca_certificates", false},
    {NULL, NULL, NULL, NULL, false},
};

static int get_long(const config_t *cfg, const char *key, long min, long max, long *out, char *err, size_t errlen)
{
    bool ok = false;
    *out = config_get_long(cfg, "dicom", key, min, max, &ok);
    if (!ok) {
        dcm_errf(err, errlen, "[dicom] %s must be an integer between %ld and %ld", key, min, max);
        return -1;
    }
    return 0;
}

int dcm_settings_load(const config_t *cfg, dcm_server_config *srv, dcm_mwl_scp_config *mwl, char *err, size_t errlen)
{
    long port, maxa, pdu, artim, idle, maxr;
    if (get_long(cfg, "port", 0, 65535, &port, err, errlen) || get_long(cfg, "max_associations", 1, 4096, &maxa, err, errlen) ||
        get_long(cfg, "max_pdu", 4096, 16 * 1024 * 1024, &pdu, err, errlen) ||
        get_long(cfg, "artim_timeout_ms", 100, 600000, &artim, err, errlen) ||
        get_long(cfg, "idle_timeout_ms", 1000, 86400000, &idle, err, errlen) ||
        get_long(cfg, "mwl_max_results", 0, 1000000, &maxr, err, errlen))
        return -1;
    const char *ae = config_get(cfg, "dicom", "ae_title");
    if (!ae || !*ae || strlen(ae) > 16) {
        dcm_errf(err, errlen, "[dicom] ae_title must have 1 to 16 characters");
        return -1;
    }
    dcm_charset cs;
    const char *csn = config_get(cfg, "dicom", "mwl_default_charset");
    if (!csn || dcm_charset_parse(csn, &cs) != 0 || cs == DCM_CS_DEFAULT) {
        dcm_errf(err, errlen, "[dicom] mwl_default_charset must be ISO_IR 100 or ISO_IR 192");
        return -1;
    }
    if (srv) {
        srv->ae_title = ae;
        srv->bind_address = config_get(cfg, "dicom", "bind_address");
        srv->port = (uint16_t)port;
        srv->max_associations = (unsigned)maxa;
        srv->max_pdu = (uint32_t)pdu;
        srv->artim_ms = (int)artim;
        srv->idle_timeout_ms = (int)idle;
        srv->tls_certificate = config_get(cfg, "dicom", "tls_certificate");
        srv->tls_private_key = config_get(cfg, "dicom", "tls_private_key");
        srv->tls_ca_certificates = config_get(cfg, "dicom", "tls_ca_certificates");
        srv->tls_require_client_certificate = config_get_bool(cfg, "dicom", "tls_require_client_certificate");
    }
    if (mwl) {
        mwl->max_results = (unsigned)maxr;
        mwl->default_charset = cs;
        mwl->filter_calling_ae = config_get_bool(cfg, "dicom", "mwl_filter_calling_ae");
    }
    return 0;
}
