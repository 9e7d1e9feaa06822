/* The HL7 part of `couloir serve`: listener, group-commit worker, outbox delivery. */
#include <stdio.h>
#include <stdlib.h>

#include "hl7feed/hl7feed_internal.h"
#include "outbox/outbox_store.h"

struct hl7feed_service {
    hl7feed_t *feed;
    outbox_queue queue;
    outbox_t *outbox;
};

hl7feed_service *hl7feed_service_start(store_t *st, const config_t *cfg, char *err, size_t errlen)
{
    hl7feed_service *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "mémoire insuffisante");
        return NULL;
    }
    s->feed = hl7feed_new(st, cfg, err, errlen);
    if (!s->feed) goto fail;
    if (s->feed->pacs_enabled) {
        s->queue = outbox_store_queue(st);
        outbox_policy pol = outbox_default_policy();
        s->outbox = outbox_new(&s->queue, &pol);
        if (!s->outbox || hl7feed_register_sender(s->feed, s->outbox) != 0 || outbox_start(s->outbox, 1) != 0) {
            snprintf(err, errlen, "impossible de démarrer l'envoi des messages HL7");
            goto fail;
        }
    }
    if (hl7feed_start(s->feed, err, errlen) != 0) goto fail;
    return s;
fail:
    hl7feed_service_stop(s);
    return NULL;
}

int hl7feed_service_port(const hl7feed_service *s) { return s ? hl7feed_port(s->feed) : 0; }

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
