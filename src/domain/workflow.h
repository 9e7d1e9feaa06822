/* Life cycle of appointments and scheduled procedure steps:
 *
 *   booked ──arrive──▶ arrived ──start──▶ in_progress ──complete──▶ completed
 *     │                  │                    └──────discontinue──▶ discontinued
 *     ├──cancel──▶ cancelled ◀──cancel──┘
 *     └──no-show─▶ no_show
 *
 * A step reaches the modality worklist when the patient has arrived; MPPS moves it to
 * in_progress and then completed or discontinued. Completed, discontinued, cancelled and
 * no_show are final. Pure logic: callers apply the decision (store_set_status). */
#ifndef COULOIR_DOMAIN_WORKFLOW_H
#define COULOIR_DOMAIN_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    WF_BOOKED,
    WF_ARRIVED,
    WF_IN_PROGRESS,
    WF_COMPLETED,
    WF_DISCONTINUED,
    WF_CANCELLED,
    WF_NO_SHOW,
    WF_STATUS_COUNT
} wf_status;

typedef enum {
    WF_EV_ARRIVE,
    WF_EV_START,
    WF_EV_COMPLETE,
    WF_EV_DISCONTINUE,
    WF_EV_CANCEL,
    WF_EV_NO_SHOW,
    WF_EVENT_COUNT
} wf_event;

/* Wire names: statuses "booked", "arrived", "in_progress", "completed", "discontinued",
 * "cancelled", "no_show"; events "arrive", "start", "complete", "discontinue", "cancel", "no-show". */
const char *wf_status_name(wf_status s);
const char *wf_status_label_fr(wf_status s);   /* "réservé", "arrivé", ... */
const char *wf_event_name(wf_event e);
bool wf_status_parse(const char *name, wf_status *out);
bool wf_event_parse(const char *name, wf_event *out);
bool wf_is_final(wf_status s);

/* Decides a transition. Returns true and sets *to when `ev` is allowed from `from`;
 * otherwise returns false and, when refusal is not NULL, writes a French sentence explaining
 * why (e.g. "Impossible de démarrer l'examen : le patient n'est pas encore arrivé."). */
bool wf_next(wf_status from, wf_event ev, wf_status *to, char *refusal, size_t refusal_len);

#endif
