/* The HL7 part of `couloir serve`: listener, group-commit worker, outbox delivery ("hl7" and
 * "report-hl7" senders). A listener that cannot start (port taken...) does not stop the rest:
 * outbound delivery and reprocessing keep working and the failure is reported by
 * hl7feed_service_listener() (shown by /healthz). */
#include <stdio.h>
#include <stdlib.h>

#include "hl7feed/hl7feed_internal.h"
#include "outbox/outbox_store.h"

/* Delivery threads: each destination is a lane (one message at a time, in queue order), so up to
 * this many destinations are served at once and a silent one holds only its own lane. */
#define HL7FEED_DELIVERY_THREADS 8

struct hl7feed_service {
    hl7feed_t *feed;
    outbox_queue queue;
    outbox_t *outbox;
    bool listener_failed;
    char listener_error[512];
};

hl7feed_service *hl7feed_service_start(store_t *st, const config_t *cfg, char *err, size_t errlen)
{
    if (errlen) err[0] = 0;
    hl7feed_service *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "mémoire insuffisante");
        return NULL;
    }
    s->feed = hl7feed_new(st, cfg, err, errlen);
    if (!s->feed) goto fail;
    /* Destinations can be added through the API at any time: delivery always runs. */
    s->queue = outbox_store_queue(st);
    outbox_policy pol = outbox_default_policy();
    s->outbox = outbox_new(&s->queue, &pol);
    if (!s->outbox || hl7feed_register_sender(s->feed, s->outbox) != 0 ||
        outbox_start(s->outbox, HL7FEED_DELIVERY_THREADS) != 0) {
        snprintf(err, errlen, "impossible de démarrer l'envoi des messages HL7");
        goto fail;
    }
    if (hl7feed_start(s->feed, s->listener_error, sizeof s->listener_error) != 0) {
        s->listener_failed = true;
        snprintf(err, errlen, "%s", s->listener_error);
    }
    return s;
fail:
    hl7feed_service_stop(s);
    return NULL;
}

int hl7feed_service_port(const hl7feed_service *s) { return s ? hl7feed_port(s->feed) : 0; }

int hl7feed_service_listener(const hl7feed_service *s, int *port, char *err, size_t errlen)
{
    if (port) *port = 0;
    if (errlen) err[0] = 0;
    if (!s) return 0;
    if (s->listener_failed) {
        snprintf(err, errlen, "%s", s->listener_error);
        return -1;
    }
    int p = hl7feed_port(s->feed);
    if (port) *port = p;
    return p > 0 ? 1 : 0;
}

hl7feed_t *hl7feed_service_feed(hl7feed_service *s) { return s ? s->feed : NULL; }

void hl7feed_service_stop(hl7feed_service *s)
{
    if (!s) return;
    if (s->feed) hl7feed_stop(s->feed);
    if (s->outbox) {
        outbox_stop(s->outbox);
        outbox_free(s->outbox);
    }
    hl7feed_free(s->feed);
    free(s);
}
