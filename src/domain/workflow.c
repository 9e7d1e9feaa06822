#include "domain/workflow.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[WF_STATUS_COUNT] = {
    "booked", "arrived", "in_progress", "completed", "discontinued", "cancelled", "no_show",
};
static const char *const status_labels[WF_STATUS_COUNT] = {
    "réservé", "patient arrivé", "examen en cours", "examen terminé", "examen interrompu", "annulé",
    "patient absent",
};
static const char *const event_names[WF_EVENT_COUNT] = {
    "arrive", "start", "complete", "discontinue", "cancel", "no-show",
};
/* What the user tried to do, to open the refusal sentence. */
static const char *const event_actions[WF_EVENT_COUNT] = {
    "marquer le patient arrivé", "démarrer l'examen", "terminer l'examen", "interrompre l'examen",
    "annuler le rendez-vous", "déclarer le patient absent",
};

/* The transition table: target status, or -1 when refused. */
static const int transitions[WF_STATUS_COUNT][WF_EVENT_COUNT] = {
    /*                 arrive      start           complete      discontinue      cancel        no-show */
    [WF_BOOKED]      = {WF_ARRIVED, -1,             -1,           -1,              WF_CANCELLED, WF_NO_SHOW},
    [WF_ARRIVED]     = {-1,         WF_IN_PROGRESS, -1,           -1,              WF_CANCELLED, -1},
    [WF_IN_PROGRESS] = {-1,         -1,             WF_COMPLETED, WF_DISCONTINUED, -1,           -1},
    [WF_COMPLETED]   = {-1, -1, -1, -1, -1, -1},
    [WF_DISCONTINUED]= {-1, -1, -1, -1, -1, -1},
    [WF_CANCELLED]   = {-1, -1, -1, -1, -1, -1},
    [WF_NO_SHOW]     = {-1, -1, -1, -1, -1, -1},
};

const char *wf_status_name(wf_status s) { return (unsigned)s < WF_STATUS_COUNT ? status_names[s] : "?"; }
const char *wf_status_label_fr(wf_status s) { return (unsigned)s < WF_STATUS_COUNT ? status_labels[s] : "?"; }
const char *wf_event_name(wf_event e) { return (unsigned)e < WF_EVENT_COUNT ? event_names[e] : "?"; }

bool wf_status_parse(const char *name, wf_status *out)
{
    for (int i = 0; name && i < WF_STATUS_COUNT; i++)
        if (strcmp(name, status_names[i]) == 0) {
            *out = (wf_status)i;
            return true;
        }
    return false;
}

bool wf_event_parse(const char *name, wf_event *out)
{
    for (int i = 0; name && i < WF_EVENT_COUNT; i++)
        if (strcmp(name, event_names[i]) == 0) {
            *out = (wf_event)i;
            return true;
        }
    return false;
}

bool wf_is_final(wf_status s)
{
    return s == WF_COMPLETED || s == WF_DISCONTINUED || s == WF_CANCELLED || s == WF_NO_SHOW;
}

/* Why an event is refused from a status, in the user's words. */
static const char *refusal_reason(wf_status from, wf_event ev)
{
    if (wf_is_final(from)) return NULL; /* generic "already <final>" sentence */
    switch (ev) {
    case WF_EV_ARRIVE: return "le patient est déjà arrivé";
    case WF_EV_START: return from == WF_BOOKED ? "le patient n'est pas encore arrivé" : "l'examen a déjà commencé";
    case WF_EV_COMPLETE:
    case WF_EV_DISCONTINUE: return "l'examen n'a pas commencé";
    case WF_EV_CANCEL: return "l'examen a déjà commencé";
    case WF_EV_NO_SHOW: return "le patient est arrivé";
    default: return "action inconnue";
    }
}

bool wf_next(wf_status from, wf_event ev, wf_status *to, char *refusal, size_t refusal_len)
{
    if ((unsigned)from >= WF_STATUS_COUNT || (unsigned)ev >= WF_EVENT_COUNT) {
        if (refusal && refusal_len) snprintf(refusal, refusal_len, "Action ou statut inconnu.");
        return false;
    }
    int target = transitions[from][ev];
    if (target >= 0) {
        *to = (wf_status)target;
        return true;
    }
    if (refusal && refusal_len) {
        const char *why = refusal_reason(from, ev);
        if (why)
            snprintf(refusal, refusal_len, "Impossible de %s : %s.", event_actions[ev], why);
        else
            snprintf(refusal, refusal_len, "Impossible de %s : le rendez-vous est clos (%s).", event_actions[ev],
                     status_labels[from]);
    }
    return false;
}
