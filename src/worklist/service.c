/* The adapter object, the association check, the [worklist] settings and the DICOM server of
 * `couloir serve`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "worklist/worklist_internal.h"

const config_setting worklist_settings[] = {
    {"worklist", "enabled", "true", "start the DICOM server (echo, modality worklist, MPPS) with `couloir serve`", false},
    {"worklist", "accept_any_calling_ae", "false",
     "accept associations from any calling AE title (otherwise only the AE titles of active modalities)", false},
    {"worklist", "accession_issuer_oid", NULL,
     "OID put in Issuer of Accession Number Sequence (default: [identity] oid_root)", false},
    {NULL, NULL, NULL, NULL, false},
};

static void copy(char *dst, size_t n, const char *src) { snprintf(dst, n, "%s", src ? src : ""); }

worklist_adapter *worklist_adapter_new(store_t *st, const ins_policy *policy, const worklist_options *opt)
{
    worklist_adapter *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->st = st;
    w->policy = *policy;
    copy(w->ae_title, sizeof w->ae_title, opt->ae_title);
    w->accept_any_calling_ae = opt->accept_any_calling_ae;
    copy(w->ipp_issuer_oid, sizeof w->ipp_issuer_oid, opt->ipp_issuer_oid);
    copy(w->accession_issuer_oid, sizeof w->accession_issuer_oid, opt->accession_issuer_oid);
    copy(w->uid_root, sizeof w->uid_root, opt->uid_root);
    return w;
}

void worklist_adapter_free(worklist_adapter *w) { free(w); }

int worklist_check_association(void *ud, const char *calling_ae, const char *called_ae, const char *peer)
{
    worklist_adapter *w = ud;
    if (strcmp(called_ae, w->ae_title) != 0) return DCM_RJ_CALLED_AE_NOT_RECOGNIZED;
    if (w->accept_any_calling_ae) return 0;
    store_conn_t *c = store_acquire(w->st);
    if (!c) return DCM_RJ_NO_REASON;
    bool known = false;
    store_status s = store_mwl_modality_known(c, calling_ae, &known);
    if (s != STORE_OK)
        LOG_ERRORF(WL_LOG, "modality lookup failed", "status=%s error=\"%s\"", store_status_name(s), store_last_error(c));
    store_release(w->st, c);
    if (s != STORE_OK) return DCM_RJ_NO_REASON;
    if (!known) {
        LOG_WARNF(WL_LOG, "calling AE title is not a configured modality", "calling=%s peer=%s", calling_ae, peer);
        return DCM_RJ_CALLING_AE_NOT_RECOGNIZED;
    }
    return 0;
}

struct worklist_service {
    worklist_adapter *w;
    dcm_mwl_scp_config mwl;
    dcm_mpps_scp_config mpps;
    dcm_server *srv;
};

worklist_service *worklist_service_start(store_t *st, const config_t *cfg, char *err, size_t errlen)
{
    if (errlen) err[0] = 0;
    if (!config_get_bool(cfg, "worklist", "enabled")) return NULL;
    dcm_server_config srv = {0};
    worklist_service *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (dcm_settings_load(cfg, &srv, &s->mwl, err, errlen) != 0) goto fail;
    ins_policy policy;
    if (ins_policy_load(cfg, &policy, err, errlen) != 0) goto fail;
    const char *acc = config_get(cfg, "worklist", "accession_issuer_oid");
    worklist_options opt = {
        .ae_title = srv.ae_title,
        .accept_any_calling_ae = config_get_bool(cfg, "worklist", "accept_any_calling_ae"),
        .ipp_issuer_oid = config_get(cfg, "identity", "ipp_oid"),
        .accession_issuer_oid = acc && *acc ? acc : config_get(cfg, "identity", "oid_root"),
        .uid_root = config_get(cfg, "identity", "oid_root"),
    };
    s->w = worklist_adapter_new(st, &policy, &opt);
    if (!s->w) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    s->mwl.find = worklist_mwl_find;
    s->mwl.ud = s->w;
    s->mpps.n_create = worklist_mpps_create;
    s->mpps.n_set = worklist_mpps_set;
    s->mpps.ud = s->w;
    s->mpps.uid_root = s->w->uid_root;
    dcm_service services[3] = {dcm_echo_service(), dcm_mwl_service(&s->mwl), dcm_mpps_service(&s->mpps)};
    srv.services = services;
    srv.nservices = 3;
    srv.check = worklist_check_association;
    srv.check_ud = s->w;
    s->srv = dcm_server_start(&srv, err, errlen);
    if (!s->srv) goto fail;
    return s;
fail:
    worklist_adapter_free(s->w);
    free(s);
    return NULL;
}

uint16_t worklist_service_port(const worklist_service *s) { return s ? dcm_server_port(s->srv) : 0; }

void worklist_service_stop(worklist_service *s)
{
    if (!s) return;
    dcm_server_stop(s->srv);
    worklist_adapter_free(s->w);
    free(s);
}
