/* The outbox queue on the store's outbox_job table (store_outbox_claim_kinds / store_outbox_record). */
#ifndef COULOIR_OUTBOX_STORE_H
#define COULOIR_OUTBOX_STORE_H

#include "outbox/outbox.h"
#include "store/store.h"

/* A queue whose callbacks use connections from `st` (which must outlive the queue). */
outbox_queue outbox_store_queue(store_t *st);

#endif
