/* Test server for the integration tests: serves the worklist items of a directory of Part 10
 * files (*.wl, e.g. written by dump2dcm) through the in-memory provider, C-ECHO, and MPPS with
 * an in-memory state (every accepted change printed as "MPPS <uid> <status>" on stdout).
 *   wlserver DIR [--ae AE] [--calling AE,AE...] [--max-results N] [--filter-calling-ae]
 *                [--max-assoc N] [--artim MS] [--lifetime S]
 *                [--tls-cert PEM --tls-key PEM [--tls-ca PEM (client certificates required)]]
 * Prints "PORT <n>" once listening on 127.0.0.1 (ephemeral port); stops on SIGTERM, when stdin
 * closes, or after --lifetime seconds (default 120). */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dicom/dicom.h"

typedef struct {
    char uid[65];
    dcm_pps_status status;
} pps;

typedef struct {
    pthread_mutex_t mu;
    pps *v;
    size_t n, cap;
    const char *calling; /* comma-separated allowed calling AE titles, or NULL: any */
    const char *ae;
} state;

static int check(void *ud, const char *calling, const char *called, const char *peer)
{
    (void)peer;
    state *s = ud;
    if (strcmp(called, s->ae) != 0) return DCM_RJ_CALLED_AE_NOT_RECOGNIZED;
    if (!s->calling) return 0;
    size_t n = strlen(calling);
    for (const char *p = s->calling; *p;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        if (l == n && strncmp(p, calling, n) == 0) return 0;
        p += l + (c ? 1 : 0);
    }
    return DCM_RJ_CALLING_AE_NOT_RECOGNIZED;
}

static pps *find(state *s, const char *uid)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].uid, uid) == 0) return &s->v[i];
    return NULL;
}

static int n_create(void *ud, const dcm_mpps_request *rq, dcm_status *st)
{
    state *s = ud;
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    if (find(s, rq->sop_instance_uid)) {
        dcm_status_set(st, DCM_STATUS_DUPLICATE_INSTANCE, "Performed Procedure Step already exists");
        rc = -1;
    } else {
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 8;
            s->v = realloc(s->v, s->cap * sizeof *s->v);
            if (!s->v) abort();
        }
        snprintf(s->v[s->n].uid, sizeof s->v[s->n].uid, "%s", rq->sop_instance_uid);
        s->v[s->n++].status = rq->status;
        printf("MPPS %s %s\n", rq->sop_instance_uid, dcm_pps_status_name(rq->status));
        fflush(stdout);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int n_set(void *ud, const dcm_mpps_request *rq, dcm_status *st)
{
    state *s = ud;
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    pps *p = find(s, rq->sop_instance_uid);
    if (!p) {
        dcm_status_set(st, DCM_STATUS_NO_SUCH_INSTANCE, "unknown Performed Procedure Step");
        rc = -1;
    } else {
        dcm_pps_status to = rq->status == DCM_PPS_UNKNOWN ? p->status : rq->status;
        rc = dcm_mpps_check_transition(p->status, to, st);
        if (rc == 0) {
            p->status = to;
            printf("MPPS %s %s\n", p->uid, dcm_pps_status_name(to));
            fflush(stdout);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int load(dcm_mwl_memory *m, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", dir);
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 4 || strcmp(de->d_name + l - 3, ".wl") != 0) continue;
        char path[4096], err[256];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        dcm_dataset *ds = NULL;
        if (dcm_file_read(path, NULL, &ds, err, sizeof err) != 0 || dcm_dataset_to_utf8(ds, err, sizeof err) != 0 ||
            dcm_mwl_memory_add(m, ds) != 0) {
            fprintf(stderr, "%s: %s\n", path, err);
            rc = -1;
        }
        dcm_dataset_free(ds);
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: wlserver DIR [options]\n");
        return 2;
    }
    state s = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, NULL, "COULOIR"};
    dcm_mwl_scp_config mwl = {dcm_mwl_memory_find, NULL, 0, DCM_CS_LATIN1, false};
    dcm_mpps_scp_config mpps = {n_create, n_set, &s, NULL};
    unsigned max_assoc = 8;
    int artim = 5000, lifetime = 120;
    const char *tls_cert = NULL, *tls_key = NULL, *tls_ca = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--ae") == 0 && v) s.ae = argv[++i];
        else if (strcmp(a, "--calling") == 0 && v) s.calling = argv[++i];
        else if (strcmp(a, "--max-results") == 0 && v) mwl.max_results = (unsigned)atoi(argv[++i]);
        else if (strcmp(a, "--filter-calling-ae") == 0) mwl.filter_calling_ae = true;
        else if (strcmp(a, "--utf8") == 0) mwl.default_charset = DCM_CS_UTF8;
        else if (strcmp(a, "--max-assoc") == 0 && v) max_assoc = (unsigned)atoi(argv[++i]);
        else if (strcmp(a, "--artim") == 0 && v) artim = atoi(argv[++i]);
        else if (strcmp(a, "--lifetime") == 0 && v) lifetime = atoi(argv[++i]);
        else if (strcmp(a, "--tls-cert") == 0 && v) tls_cert = argv[++i];
        else if (strcmp(a, "--tls-key") == 0 && v) tls_key = argv[++i];
        else if (strcmp(a, "--tls-ca") == 0 && v) tls_ca = argv[++i];
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
    }
    dcm_mwl_memory *m = dcm_mwl_memory_new();
    if (!m || load(m, argv[1]) != 0) {
        dcm_mwl_memory_free(m);
        return 1;
    }
    mwl.ud = m;
    dcm_service services[3] = {dcm_echo_service(), dcm_mwl_service(&mwl), dcm_mpps_service(&mpps)};
    dcm_server_config cfg = {0};
    cfg.ae_title = s.ae;
    cfg.bind_address = "127.0.0.1";
    cfg.max_associations = max_assoc;
    cfg.max_pdu = 16384;
    cfg.artim_ms = artim;
    cfg.idle_timeout_ms = 30000;
    cfg.check = check;
    cfg.check_ud = &s;
    cfg.services = services;
    cfg.nservices = 3;
    cfg.tls_certificate = tls_cert;
    cfg.tls_private_key = tls_key;
    cfg.tls_ca_certificates = tls_ca;
    cfg.tls_require_client_certificate = tls_ca != NULL;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads inherit the mask; main polls below */
    char err[200];
    dcm_server *srv = dcm_server_start(&cfg, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "%s\n", err);
        dcm_mwl_memory_free(m);
        return 1;
    }
    printf("PORT %u\nITEMS %zu\n", dcm_server_port(srv), dcm_mwl_memory_count(m));
    fflush(stdout);
    time_t end = time(NULL) + lifetime;
    while (time(NULL) < end) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        if (sigtimedwait(&set, NULL, &ts) > 0) break;
        struct pollfd pfd = {0, POLLIN, 0};
        if (poll(&pfd, 1, 0) > 0) {
            char tmp[64];
            if (read(0, tmp, sizeof tmp) <= 0) break;
        }
    }
    dcm_server_stop(srv);
    dcm_mwl_memory_free(m);
    free(s.v);
    return 0;
}
