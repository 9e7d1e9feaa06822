/* Imaging report life cycle, sharing channels and reminders (see report_lifecycle.h). */
#include "domain/report_lifecycle.h"

#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

const config_setting report_lifecycle_settings[] = {
    {"report", "reminder_delay_hours", "24",
     "Hours after which a report still draft or provisional is listed in the reminders (RIS.CRR.06)", false},
    {NULL, NULL, NULL, NULL, false},
};

static const char *const status_names[RPT_STATUS_COUNT] = {"brouillon", "provisoire", "valide", "corrige",
                                                           "retire"};
static const char *const status_labels[RPT_STATUS_COUNT] = {"brouillon", "provisoire", "validé", "corrigé",
                                                            "retiré"};
static const char *const event_names[RPT_EVENT_COUNT] = {
    "edit", "set_flags", "set_provisional", "back_to_draft", "validate", "correct", "withdraw",
    "record_announcement"};
/* "Impossible de <verb> : <reason>." */
static const char *const event_verbs[RPT_EVENT_COUNT] = {
    "modifier le compte rendu",
    "modifier les choix de partage du compte rendu",
    "passer le compte rendu en provisoire",
    "repasser le compte rendu en brouillon",
    "valider le compte rendu",
    "corriger le compte rendu",
    "retirer le compte rendu",
    "enregistrer l'annonce au patient",
};

const char *rpt_status_name(rpt_status s)
{
    return (unsigned)s < RPT_STATUS_COUNT ? status_names[s] : "?";
}

const char *rpt_status_label_fr(rpt_status s)
{
    return (unsigned)s < RPT_STATUS_COUNT ? status_labels[s] : "inconnu";
}

const char *rpt_event_name(rpt_event e)
{
    return (unsigned)e < RPT_EVENT_COUNT ? event_names[e] : "?";
}

bool rpt_status_parse(const char *name, rpt_status *out)
{
    for (int i = 0; name && i < RPT_STATUS_COUNT; i++)
        if (strcmp(name, status_names[i]) == 0) {
            *out = (rpt_status)i;
            return true;
        }
    return false;
}

bool rpt_event_parse(const char *name, rpt_event *out)
{
    for (int i = 0; name && i < RPT_EVENT_COUNT; i++)
        if (strcmp(name, event_names[i]) == 0) {
            *out = (rpt_event)i;
            return true;
        }
    return false;
}

bool rpt_is_final(rpt_status s)
{
    return s == RPT_WITHDRAWN;
}

bool rpt_is_validated(rpt_status s)
{
    return s == RPT_VALIDATED || s == RPT_CORRECTED;
}

static void say(char *out, size_t n, const char *fmt, const char *a, const char *b)
{
    if (out && n) snprintf(out, n, fmt, a, b);
}

/* Why `ev` is refused from `from` (the table below is the positive side). */
static const char *refusal_reason(rpt_status from, rpt_event ev)
{
    switch (from) {
    case RPT_DRAFT:
        if (ev == RPT_EV_BACK_TO_DRAFT) return "il est déjà en brouillon";
        if (ev == RPT_EV_RECORD_ANNOUNCEMENT)
            return "le compte rendu n'est pas encore validé (l'annonce en attente se règle dans les choix de partage)";
        return "il n'est pas encore validé";
    case RPT_PROVISIONAL:
        if (ev == RPT_EV_SET_PROVISIONAL) return "il est déjà provisoire";
        if (ev == RPT_EV_RECORD_ANNOUNCEMENT)
            return "le compte rendu n'est pas encore validé (l'annonce en attente se règle dans les choix de partage)";
        return "il n'est pas encore validé";
    case RPT_VALIDATED:
    case RPT_CORRECTED:
        if (ev == RPT_EV_VALIDATE) return "il est déjà validé";
        return "il est validé ; toute modification passe par une correction (nouvelle version)";
    case RPT_WITHDRAWN:
        return "il a été retiré";
    default:
        return "statut inconnu";
    }
}

bool rpt_next(rpt_status from, rpt_event ev, rpt_status *to, char *refusal, size_t refusal_len)
{
    if ((unsigned)from >= RPT_STATUS_COUNT || (unsigned)ev >= RPT_EVENT_COUNT) {
        say(refusal, refusal_len, "%s%s", "Impossible : statut ou action inconnus.", "");
        return false;
    }
    int next = -1;
    switch (from) {
    case RPT_DRAFT:
        if (ev == RPT_EV_EDIT || ev == RPT_EV_SET_FLAGS) next = RPT_DRAFT;
        else if (ev == RPT_EV_SET_PROVISIONAL) next = RPT_PROVISIONAL;
        else if (ev == RPT_EV_VALIDATE) next = RPT_VALIDATED;
        break;
    case RPT_PROVISIONAL:
        if (ev == RPT_EV_EDIT || ev == RPT_EV_SET_FLAGS) next = RPT_PROVISIONAL;
        else if (ev == RPT_EV_BACK_TO_DRAFT) next = RPT_DRAFT;
        else if (ev == RPT_EV_VALIDATE) next = RPT_VALIDATED;
        break;
    case RPT_VALIDATED:
    case RPT_CORRECTED:
        if (ev == RPT_EV_CORRECT) next = RPT_CORRECTED;
        else if (ev == RPT_EV_WITHDRAW) next = RPT_WITHDRAWN;
        else if (ev == RPT_EV_RECORD_ANNOUNCEMENT) next = (int)from;
        break;
    default:
        break;
    }
    if (next < 0) {
        say(refusal, refusal_len, "Impossible de %s : %s.", event_verbs[ev], refusal_reason(from, ev));
        return false;
    }
    *to = (rpt_status)next;
    return true;
}

/* ------------------------------------------------------------------ commands */

static bool copy_str(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n) return false;
    memcpy(dst, src, len + 1);
    return true;
}

static bool is_rpps(const char *s)
{
    if (!s || strlen(s) != 11) return false;
    for (size_t i = 0; i < 11; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static int check_actor(const rpt_actor *who, char *err, size_t errlen)
{
    if (!who || !who->login || !*who->login) {
        say(err, errlen, "%s%s", "Action refusée : utilisateur non identifié.", "");
        return -1;
    }
    if (strlen(who->login) >= RPT_LOGIN_MAX) {
        say(err, errlen, "%s%s", "Action refusée : identifiant d'utilisateur trop long.", "");
        return -1;
    }
    return 0;
}

/* Validation and correction: radiologue role and a well-formed RPPS (RIS.CRR.01). */
static int check_validator(const rpt_actor *who, const char *verb, char *err, size_t errlen)
{
    if (!who->radiologue) {
        say(err, errlen, "Impossible de %s : seul un radiologue peut valider un compte rendu (%s n'a pas ce rôle).",
            verb, who->name && *who->name ? who->name : who->login);
        return -1;
    }
    if (!is_rpps(who->rpps)) {
        say(err, errlen, "Impossible de %s : %s, le numéro RPPS du radiologue valideur (11 chiffres) est absent ou invalide.",
            verb, who->rpps && *who->rpps ? "RPPS mal formé" : "RPPS absent");
        return -1;
    }
    return 0;
}

static int check_time(const char *validated_at, const char *verb, char *err, size_t errlen)
{
    int64_t t;
    if (!validated_at || !*validated_at || strlen(validated_at) >= RPT_TIME_MAX) {
        say(err, errlen, "Impossible de %s : %s.", verb, "date et heure de validation absentes ou trop longues");
        return -1;
    }
    if (time_parse_datetime(validated_at, &t) != 0) {
        say(err, errlen, "Impossible de %s : date et heure de validation invalides « %s » (AAAA-MM-JJThh:mm:ss+hh:mm attendu).",
            verb, validated_at);
        return -1;
    }
    return 0;
}

static int check_doc_id(const char *id, const char *verb, char *err, size_t errlen)
{
    if (!id || !*id || strlen(id) >= RPT_ID_MAX) {
        say(err, errlen, "Impossible de %s : %s.", verb, "identifiant du document absent ou trop long (64 caractères au plus)");
        return -1;
    }
    return 0;
}

static int transition(const rpt_state *st, rpt_event ev, rpt_status *to, char *err, size_t errlen)
{
    if (!st) {
        say(err, errlen, "%s%s", "Compte rendu absent.", "");
        return -1;
    }
    return rpt_next(st->status, ev, to, err, errlen) ? 0 : -1;
}

int rpt_init(rpt_state *st, const rpt_actor *author, const char *set_id, unsigned flags, int64_t now,
             char *err, size_t errlen)
{
    if (check_actor(author, err, errlen) != 0) return -1;
    if (!set_id || !*set_id || strlen(set_id) >= RPT_ID_MAX) {
        say(err, errlen, "%s%s", "Impossible de créer le compte rendu : identifiant de lot (setId) absent ou trop long.", "");
        return -1;
    }
    if (flags & ~RPT_FLAGS_ALL) {
        say(err, errlen, "%s%s", "Impossible de créer le compte rendu : choix de partage inconnus.", "");
        return -1;
    }
    memset(st, 0, sizeof *st);
    st->status = RPT_DRAFT;
    st->flags = flags;
    copy_str(st->author, sizeof st->author, author->login);
    copy_str(st->set_id, sizeof st->set_id, set_id);
    st->status_since = now;
    return 0;
}

int rpt_edit(rpt_state *st, const rpt_actor *who, char *err, size_t errlen)
{
    rpt_status to;
    if (transition(st, RPT_EV_EDIT, &to, err, errlen) != 0 || check_actor(who, err, errlen) != 0) return -1;
    return 0; /* the text lives with the caller; the status stays */
}

int rpt_set_flags(rpt_state *st, const rpt_actor *who, unsigned flags, char *err, size_t errlen)
{
    rpt_status to;
    if (transition(st, RPT_EV_SET_FLAGS, &to, err, errlen) != 0 || check_actor(who, err, errlen) != 0) return -1;
    if (flags & ~RPT_FLAGS_ALL) {
        say(err, errlen, "%s%s", "Impossible de modifier les choix de partage : valeur inconnue.", "");
        return -1;
    }
    st->flags = flags;
    return 0;
}

int rpt_set_provisional(rpt_state *st, const rpt_actor *who, const char *const *reviewers,
                        size_t n_reviewers, int64_t now, char *err, size_t errlen)
{
    static const char verb[] = "passer le compte rendu en provisoire";
    rpt_status to;
    if (transition(st, RPT_EV_SET_PROVISIONAL, &to, err, errlen) != 0 || check_actor(who, err, errlen) != 0)
        return -1;
    if (n_reviewers == 0 || !reviewers) {
        say(err, errlen, "Impossible de %s : %s.", verb, "indiquez au moins un autre radiologue relecteur");
        return -1;
    }
    if (n_reviewers > RPT_MAX_REVIEWERS) {
        say(err, errlen, "Impossible de %s : %s.", verb, "trop de relecteurs (8 au plus)");
        return -1;
    }
    for (size_t i = 0; i < n_reviewers; i++) {
        const char *r = reviewers[i];
        if (!r || !*r || strlen(r) >= RPT_LOGIN_MAX) {
            say(err, errlen, "Impossible de %s : %s.", verb, "relecteur sans identifiant ou identifiant trop long");
            return -1;
        }
        if (strcmp(r, who->login) == 0) {
            say(err, errlen, "Impossible de %s : %s.", verb, "un relecteur doit être un autre radiologue que vous");
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(r, reviewers[j]) == 0) {
                say(err, errlen, "Impossible de %s : le relecteur %s est cité deux fois.", verb, r);
                return -1;
            }
    }
    for (size_t i = 0; i < n_reviewers; i++) copy_str(st->reviewers[i], RPT_LOGIN_MAX, reviewers[i]);
    st->n_reviewers = n_reviewers;
    st->status = to;
    st->status_since = now;
    return 0;
}

int rpt_back_to_draft(rpt_state *st, const rpt_actor *who, int64_t now, char *err, size_t errlen)
{
    rpt_status to;
    if (transition(st, RPT_EV_BACK_TO_DRAFT, &to, err, errlen) != 0 || check_actor(who, err, errlen) != 0)
        return -1;
    st->status = to;
    st->n_reviewers = 0;
    memset(st->reviewers, 0, sizeof st->reviewers);
    st->status_since = now;
    return 0;
}

static void record_validation(rpt_state *st, const rpt_actor *who, const char *validated_at)
{
    copy_str(st->validator, sizeof st->validator, who->login);
    copy_str(st->validator_rpps, sizeof st->validator_rpps, who->rpps);
    copy_str(st->validated_at, sizeof st->validated_at, validated_at);
}

int rpt_validate(rpt_state *st, const rpt_actor *who, const char *document_id, const char *validated_at,
                 int64_t now, char *err, size_t errlen)
{
    static const char verb[] = "valider le compte rendu";
    rpt_status to;
    if (transition(st, RPT_EV_VALIDATE, &to, err, errlen) != 0 || check_actor(who, err, errlen) != 0 ||
        check_validator(who, verb, err, errlen) != 0 || check_doc_id(document_id, verb, err, errlen) != 0 ||
        check_time(validated_at, verb, err, errlen) != 0)
        return -1;
    st->status = to;
    st->version = 1;
    copy_str(st->document_id, sizeof st->document_id, document_id);
    st->replaces_id[0] = '\0';
    record_validation(st, who, validated_at);
    st->status_since = now;
    st->announcement_recorded = false;
    return 0;
}

int rpt_correct(rpt_state *st, const rpt_actor *who, const char *new_document_id, unsigned flags,
                const char *validated_at, int64_t now, char *err, size_t errlen)
{
    static const char verb[] = "corriger le compte rendu";
    rpt_status to;
    if (transition(st, RPT_EV_CORRECT, &to, err, errlen) != 0 || check_actor(who, err, errlen) != 0 ||
        check_validator(who, verb, err, errlen) != 0 || check_doc_id(new_document_id, verb, err, errlen) != 0 ||
        check_time(validated_at, verb, err, errlen) != 0)
        return -1;
    if (strcmp(new_document_id, st->document_id) == 0) {
        say(err, errlen, "Impossible de %s : %s.", verb, "la nouvelle version doit avoir un nouvel identifiant de document");
        return -1;
    }
    if (flags & ~RPT_FLAGS_ALL) {
        say(err, errlen, "Impossible de %s : %s.", verb, "choix de partage inconnus");
        return -1;
    }
    /* The announcement, once made, stays made: a correction cannot ask for it again. */
    if ((flags & RPT_FLAG_ANNOUNCEMENT_PENDING) && !(st->flags & RPT_FLAG_ANNOUNCEMENT_PENDING)) {
        say(err, errlen, "Impossible de %s : %s.", verb,
            "l'annonce au patient a déjà été faite ; elle ne peut pas redevenir en attente");
        return -1;
    }
    copy_str(st->replaces_id, sizeof st->replaces_id, st->document_id);
    copy_str(st->document_id, sizeof st->document_id, new_document_id);
    st->version++;
    st->flags = flags;
    st->status = to;
    record_validation(st, who, validated_at);
    st->status_since = now;
    return 0;
}

int rpt_withdraw(rpt_state *st, const rpt_actor *who, int64_t now, char *err, size_t errlen)
{
    rpt_status to;
    if (transition(st, RPT_EV_WITHDRAW, &to, err, errlen) != 0 || check_actor(who, err, errlen) != 0) return -1;
    if (!who->radiologue) {
        say(err, errlen, "%s%s", "Impossible de retirer le compte rendu : seul un radiologue peut retirer un compte rendu validé.", "");
        return -1;
    }
    st->status = to;
    st->status_since = now;
    return 0;
}

int rpt_record_announcement(rpt_state *st, const rpt_actor *who, char *err, size_t errlen)
{
    rpt_status to;
    if (transition(st, RPT_EV_RECORD_ANNOUNCEMENT, &to, err, errlen) != 0 || check_actor(who, err, errlen) != 0)
        return -1;
    if (!(st->flags & RPT_FLAG_ANNOUNCEMENT_PENDING)) {
        say(err, errlen, "%s%s", "Impossible d'enregistrer l'annonce au patient : aucune annonce n'est en attente pour ce compte rendu.", "");
        return -1;
    }
    st->flags &= ~RPT_FLAG_ANNOUNCEMENT_PENDING;
    st->announcement_recorded = true;
    return 0;
}

/* ------------------------------------------------------------------ channels */

const char *rpt_dmp_action_name(rpt_dmp_action a)
{
    static const char *const names[] = {"none", "submit", "replace", "withdraw", "unmask_patient"};
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

const char *rpt_hl7_action_name(rpt_hl7_action a)
{
    static const char *const names[] = {"none", "initial", "replace", "delete"};
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

static void note(rpt_channels *out, const char *text)
{
    if (out->n_notes < RPT_MAX_NOTES) snprintf(out->notes[out->n_notes++], sizeof out->notes[0], "%s", text);
}

/* DMP: may this report go to the DMP at all? */
static bool dmp_allowed(const rpt_state *st, const rpt_channel_context *ctx, rpt_channels *out)
{
    if (!ctx->dmp_enabled) {
        note(out, "DMP : alimentation non activée pour le site.");
        return false;
    }
    if (st->flags & RPT_FLAG_NO_DMP) {
        note(out, "DMP : non alimenté, ce compte rendu est exclu du partage DMP.");
        return false;
    }
    /* An opposition (or a closed DMP) stops new documents, not the follow-up of one already
     * shared: its correction must replace it and its withdrawal withdraw it, or the erroneous
     * version would stay in the DMP. */
    if (ctx->patient_opposes_dmp && !st->shared_to_dmp) {
        note(out, "DMP : non alimenté, le patient s'est opposé à l'alimentation de son DMP.");
        return false;
    }
    if (!ctx->ins_qualified) {
        note(out, "DMP : non alimenté, l'identité du patient n'est pas qualifiée (INS non transmissible).");
        return false;
    }
    return true;
}

/* MSSanté to the patient: qualified INS, no pending announcement, not hidden from the patient. */
static bool patient_allowed(const rpt_state *st, const rpt_channel_context *ctx, rpt_channels *out)
{
    if (st->flags & RPT_FLAG_ANNOUNCEMENT_PENDING) {
        note(out, "MSSanté patient : pas d'envoi tant que l'annonce au patient n'est pas enregistrée.");
        return false;
    }
    if (st->flags & RPT_FLAG_INVISIBLE_PATIENT) {
        note(out, "MSSanté patient : pas d'envoi, le compte rendu est non visible par le patient.");
        return false;
    }
    if (!ctx->ins_qualified) {
        note(out, "MSSanté patient : pas d'envoi, l'identité n'est pas qualifiée (pas d'adresse MSSanté patient).");
        return false;
    }
    return true;
}

static void professionals(const rpt_state *st, const rpt_channel_context *ctx, rpt_channels *out)
{
    (void)st;
    out->mss_referrer = ctx->has_referrer_mssante;
    if (!out->mss_referrer) note(out, "MSSanté médecin demandeur : pas d'adresse MSSanté connue.");
    out->mss_recipients = ctx->n_recipients_mssante > 0;
}

int rpt_channels_decide(const rpt_state *st, rpt_trigger trigger, const rpt_channel_context *ctx,
                        rpt_channels *out, char *err, size_t errlen)
{
    if (!st || !ctx || !out) {
        say(err, errlen, "%s%s", "Décision de diffusion impossible : paramètres absents.", "");
        return -1;
    }
    memset(out, 0, sizeof *out);
    bool invisible = (st->flags & (RPT_FLAG_ANNOUNCEMENT_PENDING | RPT_FLAG_INVISIBLE_PATIENT)) != 0;
    switch (trigger) {
    case RPT_TRIGGER_VALIDATED:
    case RPT_TRIGGER_CORRECTED: {
        rpt_status want = trigger == RPT_TRIGGER_VALIDATED ? RPT_VALIDATED : RPT_CORRECTED;
        if (st->status != want) {
            say(err, errlen, "Décision de diffusion impossible : le compte rendu est %s, pas %s.",
                rpt_status_label_fr(st->status), rpt_status_label_fr(want));
            return -1;
        }
        if (dmp_allowed(st, ctx, out)) {
            /* A correction replaces the shared version; if none was shared it is a first submission. */
            out->dmp = trigger == RPT_TRIGGER_CORRECTED && st->shared_to_dmp ? RPT_DMP_REPLACE : RPT_DMP_SUBMIT;
            out->dmp_invisible_patient = invisible;
        }
        out->mss_patient = patient_allowed(st, ctx, out);
        professionals(st, ctx, out);
        out->hl7 = !ctx->hl7_enabled ? RPT_HL7_NONE
                   : trigger == RPT_TRIGGER_VALIDATED ? RPT_HL7_INITIAL
                                                      : RPT_HL7_REPLACE;
        break;
    }
    case RPT_TRIGGER_WITHDRAWN:
        if (st->status != RPT_WITHDRAWN) {
            say(err, errlen, "Décision de diffusion impossible : le compte rendu est %s, pas %s.",
                rpt_status_label_fr(st->status), rpt_status_label_fr(RPT_WITHDRAWN));
            return -1;
        }
        if (st->shared_to_dmp) out->dmp = RPT_DMP_WITHDRAW;
        else note(out, "DMP : aucun document partagé à retirer.");
        out->hl7 = ctx->hl7_enabled ? RPT_HL7_DELETE : RPT_HL7_NONE;
        note(out, "MSSanté : pas d'envoi automatique d'un compte rendu retiré.");
        break;
    case RPT_TRIGGER_ANNOUNCEMENT:
        if (!rpt_is_validated(st->status) || !st->announcement_recorded ||
            (st->flags & RPT_FLAG_ANNOUNCEMENT_PENDING)) {
            say(err, errlen, "%s%s", "Décision de diffusion impossible : aucune annonce au patient enregistrée sur un compte rendu validé.", "");
            return -1;
        }
        /* The document stays hidden when the patient-visibility choice was made on purpose. */
        if (st->shared_to_dmp && !(st->flags & RPT_FLAG_INVISIBLE_PATIENT)) out->dmp = RPT_DMP_UNMASK_PATIENT;
        else if (!st->shared_to_dmp && dmp_allowed(st, ctx, out)) {
            out->dmp = RPT_DMP_SUBMIT; /* not shared yet (e.g. the DMP was unreachable) */
            out->dmp_invisible_patient = (st->flags & RPT_FLAG_INVISIBLE_PATIENT) != 0;
        }
        out->mss_patient = patient_allowed(st, ctx, out);
        break;
    default:
        say(err, errlen, "%s%s", "Décision de diffusion impossible : événement inconnu.", "");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ reminders */

/* Adds index i to out_idx sorted by age (oldest first); when full, keeps the oldest ones. */
static void insert_by_age(const rpt_pending *items, size_t i, size_t *out_idx, size_t max, size_t *written)
{
    if (!out_idx || max == 0) return;
    size_t pos = *written;
    while (pos > 0 && items[out_idx[pos - 1]].since > items[i].since) pos--;
    if (pos >= max) return;
    size_t last = *written < max ? *written : max - 1;
    for (size_t k = last; k > pos; k--) out_idx[k] = out_idx[k - 1];
    out_idx[pos] = i;
    if (*written < max) (*written)++;
}

static bool unvalidated(rpt_status s)
{
    return s == RPT_DRAFT || s == RPT_PROVISIONAL;
}

size_t rpt_reminders(const rpt_pending *items, size_t n, int64_t now, int64_t delay_seconds,
                     size_t *out_idx, size_t max)
{
    if (delay_seconds < 0) delay_seconds = 0;
    size_t total = 0, written = 0;
    for (size_t i = 0; items && i < n; i++) {
        if (!unvalidated(items[i].status) || now - items[i].since <= delay_seconds) continue;
        total++;
        insert_by_age(items, i, out_idx, max, &written);
    }
    return total;
}

size_t rpt_review_list(const rpt_pending *items, size_t n, int64_t from, int64_t to, size_t *out_idx,
                       size_t max)
{
    size_t total = 0, written = 0;
    for (size_t i = 0; items && i < n; i++) {
        if (!unvalidated(items[i].status) || items[i].since < from || items[i].since > to) continue;
        total++;
        insert_by_age(items, i, out_idx, max, &written);
    }
    return total;
}

int rpt_reminder_delay(const config_t *cfg, int64_t *seconds, char *err, size_t errlen)
{
    bool ok = false;
    long hours = cfg ? config_get_long(cfg, "report", "reminder_delay_hours", 1, 8760, &ok) : -1;
    if (!ok) {
        say(err, errlen, "%s%s", "[report] reminder_delay_hours : un nombre d'heures entre 1 et 8760 est attendu.", "");
        return -1;
    }
    *seconds = (int64_t)hours * 3600;
    return 0;
}
