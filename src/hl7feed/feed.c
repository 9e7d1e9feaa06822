/* hl7feed_t lifecycle: settings read once, locks, no global state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7feed/hl7feed_internal.h"

static int get_long(const config_t *cfg, const char *sec, const char *key, long min, long max, long *out, char *err,
                    size_t errlen)
{
    bool ok = false;
    *out = config_get_long(cfg, sec, key, min, max, &ok);
    if (!ok) {
        snprintf(err, errlen, "[%s] %s doit être un entier entre %ld et %ld", sec, key, min, max);
        return -1;
    }
    return 0;
}

static void copy(char *dst, size_t n, const char *s) { snprintf(dst, n, "%s", s ? s : ""); }

/* The destination of [hl7feed] pacs_* (name "pacs", orders and patients, no reports). */
static int read_pacs(hl7feed_t *f, const config_t *cfg, char *err, size_t errlen)
{
    hl7s_destination *d = &f->pacs;
    memset(d, 0, sizeof *d);
    copy(d->name, sizeof d->name, "pacs");
    copy(d->source, sizeof d->source, "config");
    const char *addr = config_get(cfg, "hl7feed", "pacs_address");
    if (addr && *addr) {
        const char *colon = strrchr(addr, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        if (!colon || colon == addr || !end || *end || port < 1 || port > 65535 ||
            (size_t)(colon - addr) >= sizeof d->host) {
            snprintf(err, errlen, "[hl7feed] pacs_address doit être de la forme hôte:port");
            return -1;
        }
        memcpy(d->host, addr, (size_t)(colon - addr));
        d->host[colon - addr] = 0;
        d->port = (int)port;
        f->pacs_enabled = true;
    }
    const char *flavour = config_get(cfg, "hl7feed", "pacs_flavour");
    if (!flavour || (strcmp(flavour, "omi") != 0 && strcmp(flavour, "orm") != 0)) {
        snprintf(err, errlen, "[hl7feed] pacs_flavour doit valoir omi ou orm");
        return -1;
    }
    copy(d->flavour, sizeof d->flavour, flavour);
    const char *cs = config_get(cfg, "hl7feed", "pacs_charset");
    if (!cs || (strcmp(cs, "UNICODE UTF-8") != 0 && strcmp(cs, "8859/1") != 0 && strcmp(cs, "8859/15") != 0)) {
        snprintf(err, errlen, "[hl7feed] pacs_charset doit valoir UNICODE UTF-8, 8859/1 ou 8859/15");
        return -1;
    }
    copy(d->charset, sizeof d->charset, cs);
    copy(d->receiving_application, sizeof d->receiving_application, config_get(cfg, "hl7feed", "pacs_application"));
    copy(d->receiving_facility, sizeof d->receiving_facility, config_get(cfg, "hl7feed", "pacs_facility"));
    copy(d->report_flavour, sizeof d->report_flavour, "oru");
    d->send_orders = d->send_patients = d->enabled = true;
    long t;
    if (get_long(cfg, "hl7feed", "pacs_ack_timeout_seconds", 1, 3600, &t, err, errlen)) return -1;
    f->ack_timeout_ms = (int)t * 1000;
    return 0;
}

/* Keeps the "config" row of hl7_destination in step with [hl7feed] pacs_*. */
static int sync_pacs(hl7feed_t *f, char *err, size_t errlen)
{
    store_conn_t *c = store_acquire(f->st);
    if (!c) {
        snprintf(err, errlen, "base de données indisponible");
        return -1;
    }
    store_status st = hl7s_destination_sync_config(c, f->pacs_enabled ? &f->pacs : NULL, &f->pacs_id);
    if (st != STORE_OK) snprintf(err, errlen, "destination HL7 de la configuration non enregistrée : %s", store_last_error(c));
    store_release(f->st, c);
    return st == STORE_OK ? 0 : -1;
}

hl7feed_t *hl7feed_new(store_t *st, const config_t *cfg, char *err, size_t errlen)
{
    hl7feed_t *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "mémoire insuffisante");
        return NULL;
    }
    f->st = st;
    f->cfg = cfg;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    pthread_mutex_init(&f->send_mu, NULL);
    long v;
    if (ins_policy_load(cfg, &f->policy, err, errlen) != 0) goto fail;
    copy(f->app, sizeof f->app, config_get(cfg, "hl7feed", "application"));
    copy(f->facility, sizeof f->facility, config_get(cfg, "hl7feed", "facility"));
    copy(f->domain_senders, sizeof f->domain_senders, config_get(cfg, "hl7feed", "domain_senders"));
    copy(f->trusted_senders, sizeof f->trusted_senders, config_get(cfg, "hl7feed", "trusted_senders"));
    if (get_long(cfg, "hl7feed", "batch_max", 1, 100000, &v, err, errlen)) goto fail;
    f->batch_max = (size_t)v;
    if (read_pacs(f, cfg, err, errlen) || sync_pacs(f, err, errlen)) goto fail;
    copy(f->listen_address, sizeof f->listen_address, config_get(cfg, "hl7", "listen_address"));
    if (get_long(cfg, "hl7", "listen_port", 0, 65535, &v, err, errlen)) goto fail;
    f->listen_port = (int)v;
    if (get_long(cfg, "hl7", "max_message_bytes", 1024, 1L << 30, &v, err, errlen)) goto fail;
    f->max_message = (size_t)v;
    if (get_long(cfg, "hl7", "idle_timeout_seconds", 1, 86400, &v, err, errlen)) goto fail;
    f->idle_timeout_ms = (int)v * 1000;
    if (get_long(cfg, "hl7", "max_connections", 1, 100000, &v, err, errlen)) goto fail;
    f->max_connections = (int)v;
    f->tls_cert = config_get(cfg, "hl7", "tls_cert_file");
    f->tls_key = config_get(cfg, "hl7", "tls_key_file");
    if ((f->tls_cert && *f->tls_cert) != (f->tls_key && *f->tls_key)) {
        snprintf(err, errlen, "[hl7] tls_cert_file et tls_key_file vont ensemble");
        goto fail;
    }
    if (f->tls_cert && !*f->tls_cert) f->tls_cert = f->tls_key = NULL;
    f->popts = hl7_parse_defaults;
    const char *und = config_get(cfg, "hl7", "undeclared_charset");
    if (und && *und) {
        if (!hl7_charset_iconv_name(und, strlen(und))) {
            snprintf(err, errlen, "[hl7] undeclared_charset : jeu de caractères HL7 inconnu");
            goto fail;
        }
        copy(f->undeclared_charset, sizeof f->undeclared_charset, und);
        f->popts.undeclared_charset = f->undeclared_charset;
    }
    f->popts.strict_escapes = false;
    return f;
fail:
    hl7feed_free(f);
    return NULL;
}

void hl7feed_free(hl7feed_t *f)
{
    if (!f) return;
    hl7feed_stop(f);
    feed_clients_free(f);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->send_mu);
    free(f);
}
