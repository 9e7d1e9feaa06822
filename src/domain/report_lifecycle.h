/* Life cycle of an imaging report (compte rendu d'imagerie), pure rules (RIS.CRR.01..06):
 *
 *   brouillon ──set_provisional──▶ provisoire ──validate──▶ validé ──correct──▶ corrigé ─┐
 *     │  ▲ edit, set_flags            │ edit, set_flags       │                  ▲ correct┘
 *     │  └────────back_to_draft───────┘                       │ withdraw         │ withdraw
 *     └──────────────validate──────────────────────────▶ validé ──────▶ retiré ◀─┘
 *
 * - provisoire: the report needs the opinion of other radiologists before validation
 *   (RIS.CRR.04); it carries the review list (at least one reader other than the author).
 * - validé: only by a user with the radiologue role and an RPPS (11 digits); the validator,
 *   the date and the time are recorded (RIS.CRR.01).
 * - corrigé: a new version of a validated report: same setId, version + 1, the new document
 *   replaces (RPLC) the previous one; validated at once by a radiologue with an RPPS.
 * - retiré: final; the shared documents are withdrawn.
 *
 * Flags (RPT_FLAG_*): announcement pending (RIS.CRR.02/03), no DMP sharing, masking choices.
 * They are chosen before validation (set_flags) or with a correction; the announcement is
 * recorded after validation (record_announcement), which releases the patient channels.
 *
 * rpt_channels_decide() says which channels a validated / corrected / withdrawn report (or a
 * recorded announcement) must go to; rpt_reminders() filters the reports left provisional or
 * unvalidated past a delay (RIS.CRR.05/06). Pure logic: no I/O, no allocation, no globals;
 * refusals are French sentences. Callers persist the state and queue the channels. */
#ifndef COULOIR_DOMAIN_REPORT_LIFECYCLE_H
#define COULOIR_DOMAIN_REPORT_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

/* Settings (section "report"): reminder_delay_hours (RIS.CRR.06). */
extern const config_setting report_lifecycle_settings[];

typedef enum {
    RPT_DRAFT,        /* brouillon */
    RPT_PROVISIONAL,  /* provisoire */
    RPT_VALIDATED,    /* validé */
    RPT_CORRECTED,    /* corrigé (a validated version > 1) */
    RPT_WITHDRAWN,    /* retiré */
    RPT_STATUS_COUNT
} rpt_status;

typedef enum {
    RPT_EV_EDIT,                /* change the text */
    RPT_EV_SET_FLAGS,           /* change announcement / DMP / masking choices */
    RPT_EV_SET_PROVISIONAL,     /* ask other readers */
    RPT_EV_BACK_TO_DRAFT,       /* leave provisoire */
    RPT_EV_VALIDATE,
    RPT_EV_CORRECT,             /* new validated version */
    RPT_EV_WITHDRAW,
    RPT_EV_RECORD_ANNOUNCEMENT, /* the announcement to the patient was made */
    RPT_EVENT_COUNT
} rpt_event;

/* Flags (bit set). */
#define RPT_FLAG_ANNOUNCEMENT_PENDING 0x01u /* annonce au patient à faire (RIS.CRR.02) */
#define RPT_FLAG_NO_DMP               0x02u /* ne pas alimenter le DMP pour ce compte rendu */
#define RPT_FLAG_MASQUE_PS            0x04u /* masqué aux professionnels de santé */
#define RPT_FLAG_INVISIBLE_PATIENT    0x08u /* non visible par le patient (choice) */
#define RPT_FLAG_INVISIBLE_LEGAL_REPS 0x10u /* non visible par les représentants légaux */
#define RPT_FLAG_SECRET_CONNECTION    0x20u /* connexion secrète */
#define RPT_FLAGS_ALL                 0x3fu

#define RPT_ID_MAX 65          /* document ids / setId: OID or "root^extension" forms, <= 64 */
#define RPT_LOGIN_MAX 64
#define RPT_MAX_REVIEWERS 8
#define RPT_TIME_MAX 32        /* ISO 8601 with offset */

/* Who acts. */
typedef struct {
    const char *login;       /* required */
    const char *name;        /* display name, e.g. "Pierre Durand" (optional) */
    bool radiologue;         /* holds the radiologue role */
    const char *rpps;        /* 11 digits, NULL when none */
} rpt_actor;

/* State of one report, persisted by the caller. Zero it, then rpt_init(). */
typedef struct {
    rpt_status status;
    unsigned flags;                        /* RPT_FLAG_* */
    char author[RPT_LOGIN_MAX];
    char reviewers[RPT_MAX_REVIEWERS][RPT_LOGIN_MAX]; /* review list (provisoire) */
    size_t n_reviewers;
    char set_id[RPT_ID_MAX];               /* same for every version */
    int version;                           /* version of the current document (0 before validation) */
    char document_id[RPT_ID_MAX];          /* current validated document ("" before) */
    char replaces_id[RPT_ID_MAX];          /* document this version replaces ("" for version 1) */
    char validator[RPT_LOGIN_MAX];
    char validator_rpps[12];
    char validated_at[RPT_TIME_MAX];       /* ISO 8601 with offset, as given by the caller */
    int64_t status_since;                  /* Unix seconds of the last status change */
    bool announcement_recorded;            /* an announcement was recorded after validation */
    bool shared_to_dmp;                    /* set by the caller once a DMP submission is queued */
} rpt_state;

/* Wire names: "brouillon", "provisoire", "valide", "corrige", "retire";
 * events "edit", "set_flags", "set_provisional", "back_to_draft", "validate", "correct",
 * "withdraw", "record_announcement". */
const char *rpt_status_name(rpt_status s);
const char *rpt_status_label_fr(rpt_status s);  /* "brouillon", "provisoire", "validé", ... */
const char *rpt_event_name(rpt_event e);
bool rpt_status_parse(const char *name, rpt_status *out);
bool rpt_event_parse(const char *name, rpt_event *out);
bool rpt_is_final(rpt_status s);
/* True for validé and corrigé: a document exists and was shared. */
bool rpt_is_validated(rpt_status s);

/* The transition table alone (status x event). Returns true and sets *to when allowed;
 * otherwise false and a French sentence in refusal ("Impossible de valider le compte rendu :
 * il a été retiré."). *to is untouched on refusal. */
bool rpt_next(rpt_status from, rpt_event ev, rpt_status *to, char *refusal, size_t refusal_len);

/* Starts a report: brouillon, author, setId (required), given flags, status_since = now.
 * Returns 0, or -1 with a French message. */
int rpt_init(rpt_state *st, const rpt_actor *author, const char *set_id, unsigned flags, int64_t now,
             char *err, size_t errlen);

/* Commands: each checks the transition and the actor, then updates *st. They return 0, or -1
 * with a French refusal and *st unchanged. `now` is Unix seconds. */
int rpt_edit(rpt_state *st, const rpt_actor *who, char *err, size_t errlen);
int rpt_set_flags(rpt_state *st, const rpt_actor *who, unsigned flags, char *err, size_t errlen);
/* reviewers: logins of the other readers (1..RPT_MAX_REVIEWERS, none equal to `who`). */
int rpt_set_provisional(rpt_state *st, const rpt_actor *who, const char *const *reviewers,
                        size_t n_reviewers, int64_t now, char *err, size_t errlen);
int rpt_back_to_draft(rpt_state *st, const rpt_actor *who, int64_t now, char *err, size_t errlen);
/* document_id: id of the document the validation produces (version 1).
 * validated_at: the ISO 8601 date-time with offset printed on the report (checked with
 * time_parse_datetime: a value without offset is refused). */
int rpt_validate(rpt_state *st, const rpt_actor *who, const char *document_id, const char *validated_at,
                 int64_t now, char *err, size_t errlen);
/* A new version: version + 1, replaces_id = previous document_id, document_id = new one,
 * flags = new flags (the choices of the new version); validator and time recorded. */
int rpt_correct(rpt_state *st, const rpt_actor *who, const char *new_document_id, unsigned flags,
                const char *validated_at, int64_t now, char *err, size_t errlen);
int rpt_withdraw(rpt_state *st, const rpt_actor *who, int64_t now, char *err, size_t errlen);
/* Clears RPT_FLAG_ANNOUNCEMENT_PENDING; refused when none is pending. */
int rpt_record_announcement(rpt_state *st, const rpt_actor *who, char *err, size_t errlen);

/* ------------------------------------------------------------------ channels */
typedef enum {
    RPT_TRIGGER_VALIDATED,      /* first validation */
    RPT_TRIGGER_CORRECTED,      /* a correction was validated */
    RPT_TRIGGER_WITHDRAWN,
    RPT_TRIGGER_ANNOUNCEMENT,   /* the announcement was recorded */
} rpt_trigger;

typedef enum {
    RPT_DMP_NONE,
    RPT_DMP_SUBMIT,             /* new document */
    RPT_DMP_REPLACE,            /* new version replacing the previous one (RPLC) */
    RPT_DMP_WITHDRAW,           /* withdraw the shared document */
    RPT_DMP_UNMASK_PATIENT,     /* lift INVISIBLE_PATIENT after the announcement */
} rpt_dmp_action;

typedef enum {
    RPT_HL7_NONE,
    RPT_HL7_INITIAL,            /* ORU^R01 OBX-11 F / MDM^T02 */
    RPT_HL7_REPLACE,            /* ORU^R01 OBX-11 C / MDM^T10 */
    RPT_HL7_DELETE,             /* ORU^R01 OBX-11 D / MDM^T04 */
} rpt_hl7_action;

/* What the site and the patient allow (the caller knows it). */
typedef struct {
    bool dmp_enabled;           /* the site feeds the DMP */
    bool patient_opposes_dmp;   /* the patient opposed the DMP feed (or has no open DMP): no new
                                   document; one already shared is still replaced or withdrawn */
    bool ins_qualified;         /* ins_may_emit() was true: the MSSanté patient address exists */
    bool has_referrer_mssante;  /* the requester has an MSSanté address */
    size_t n_recipients_mssante;/* other recipients with an MSSanté address */
    bool hl7_enabled;           /* an HL7 report destination is configured */
} rpt_channel_context;

#define RPT_MAX_NOTES 6
typedef struct {
    rpt_dmp_action dmp;
    bool dmp_invisible_patient; /* submit/replace with INVISIBLE_PATIENT */
    bool mss_patient;
    bool mss_referrer;
    bool mss_recipients;
    rpt_hl7_action hl7;
    char notes[RPT_MAX_NOTES][160]; /* French: why a channel is not used */
    size_t n_notes;
} rpt_channels;

/* Decides the channels for `trigger` applied to `st` (the state AFTER the command).
 * Returns 0, or -1 with a French message when the trigger does not match the state. */
int rpt_channels_decide(const rpt_state *st, rpt_trigger trigger, const rpt_channel_context *ctx,
                        rpt_channels *out, char *err, size_t errlen);
const char *rpt_dmp_action_name(rpt_dmp_action a);   /* "none", "submit", "replace", ... */
const char *rpt_hl7_action_name(rpt_hl7_action a);   /* "none", "initial", "replace", "delete" */

/* ------------------------------------------------------------------ reminders */
typedef struct {
    const char *report_id;
    rpt_status status;
    int64_t since;              /* Unix seconds of the last status change */
} rpt_pending;

/* Indices (into items) of the reports still brouillon or provisoire for longer than
 * delay_seconds at `now`, oldest first. Writes at most max indices; returns how many match
 * in total (may exceed max). delay_seconds < 0 is treated as 0. */
size_t rpt_reminders(const rpt_pending *items, size_t n, int64_t now, int64_t delay_seconds,
                     size_t *out_idx, size_t max);

/* Review list (RIS.CRR.05): indices of the reports still brouillon or provisoire whose last
 * status change falls in [from, to] (Unix seconds, inclusive), oldest first; same output
 * convention as rpt_reminders. */
size_t rpt_review_list(const rpt_pending *items, size_t n, int64_t from, int64_t to, size_t *out_idx,
                       size_t max);

/* The [report] reminder_delay_hours setting in seconds. Returns 0, or -1 with a French message
 * when the value is not an integer from 1 to 8760 (one year). */
int rpt_reminder_delay(const config_t *cfg, int64_t *seconds, char *err, size_t errlen);

#endif
