/* Every transition of the report life cycle, allowed and refused; the commands' actor checks;
 * the sharing-channel decision table; the reminder filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "domain/report_lifecycle.h"

typedef struct {
    rpt_status from;
    rpt_event ev;
    rpt_status to;
} allowed;

static const allowed allowed_table[] = {
    {RPT_DRAFT, RPT_EV_EDIT, RPT_DRAFT},
    {RPT_DRAFT, RPT_EV_SET_FLAGS, RPT_DRAFT},
    {RPT_DRAFT, RPT_EV_SET_PROVISIONAL, RPT_PROVISIONAL},
    {RPT_DRAFT, RPT_EV_VALIDATE, RPT_VALIDATED},
    {RPT_PROVISIONAL, RPT_EV_EDIT, RPT_PROVISIONAL},
    {RPT_PROVISIONAL, RPT_EV_SET_FLAGS, RPT_PROVISIONAL},
    {RPT_PROVISIONAL, RPT_EV_BACK_TO_DRAFT, RPT_DRAFT},
    {RPT_PROVISIONAL, RPT_EV_VALIDATE, RPT_VALIDATED},
    {RPT_VALIDATED, RPT_EV_CORRECT, RPT_CORRECTED},
    {RPT_VALIDATED, RPT_EV_WITHDRAW, RPT_WITHDRAWN},
    {RPT_VALIDATED, RPT_EV_RECORD_ANNOUNCEMENT, RPT_VALIDATED},
    {RPT_CORRECTED, RPT_EV_CORRECT, RPT_CORRECTED},
    {RPT_CORRECTED, RPT_EV_WITHDRAW, RPT_WITHDRAWN},
    {RPT_CORRECTED, RPT_EV_RECORD_ANNOUNCEMENT, RPT_CORRECTED},
};
#define N_ALLOWED (sizeof allowed_table / sizeof allowed_table[0])

static const allowed *find_allowed(rpt_status from, rpt_event ev)
{
    for (size_t i = 0; i < N_ALLOWED; i++)
        if (allowed_table[i].from == from && allowed_table[i].ev == ev) return &allowed_table[i];
    return NULL;
}

static const rpt_actor RAD = {"jbideault", "Jacques Bideault", true, "01234560801"};
static const rpt_actor RAD2 = {"amartin", "Anne Martin", true, "10100000001"};
static const rpt_actor TECH = {"manip", "Paul Manip", false, NULL};
static const rpt_actor NO_RPPS = {"interne", "Interne", true, NULL};

/* Walks the status x event matrix of rpt_next. */
static void test_full_matrix(void **state)
{
    (void)state;
    size_t allowed_count = 0, refused_count = 0;
    for (int s = 0; s < RPT_STATUS_COUNT; s++)
        for (int e = 0; e < RPT_EVENT_COUNT; e++) {
            rpt_status to = RPT_STATUS_COUNT;
            char why[300] = "";
            bool ok = rpt_next((rpt_status)s, (rpt_event)e, &to, why, sizeof why);
            const allowed *a = find_allowed((rpt_status)s, (rpt_event)e);
            if (a) {
                assert_true(ok);
                assert_int_equal(to, a->to);
                allowed_count++;
            } else {
                assert_false(ok);
                assert_int_equal(to, RPT_STATUS_COUNT);
                assert_true(strncmp(why, "Impossible d", 12) == 0);
                refused_count++;
            }
        }
    assert_int_equal(allowed_count, N_ALLOWED);
    assert_int_equal(refused_count, RPT_STATUS_COUNT * RPT_EVENT_COUNT - N_ALLOWED);
}

static void test_refusal_messages(void **state)
{
    (void)state;
    rpt_status to;
    char why[300];
    assert_false(rpt_next(RPT_WITHDRAWN, RPT_EV_VALIDATE, &to, why, sizeof why));
    assert_string_equal(why, "Impossible de valider le compte rendu : il a été retiré.");
    assert_false(rpt_next(RPT_VALIDATED, RPT_EV_EDIT, &to, why, sizeof why));
    assert_string_equal(why, "Impossible de modifier le compte rendu : il est validé ; toute modification passe par "
                             "une correction (nouvelle version).");
    assert_false(rpt_next(RPT_DRAFT, RPT_EV_CORRECT, &to, why, sizeof why));
    assert_string_equal(why, "Impossible de corriger le compte rendu : il n'est pas encore validé.");
    assert_false(rpt_next(RPT_PROVISIONAL, RPT_EV_SET_PROVISIONAL, &to, why, sizeof why));
    assert_string_equal(why, "Impossible de passer le compte rendu en provisoire : il est déjà provisoire.");
    assert_false(rpt_next(RPT_CORRECTED, RPT_EV_VALIDATE, &to, why, sizeof why));
    assert_string_equal(why, "Impossible de valider le compte rendu : il est déjà validé.");
    assert_false(rpt_next((rpt_status)42, RPT_EV_EDIT, &to, why, sizeof why));
    assert_false(rpt_next(RPT_DRAFT, (rpt_event)42, &to, NULL, 0));
}

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < RPT_STATUS_COUNT; s++) {
        rpt_status back;
        assert_true(rpt_status_parse(rpt_status_name((rpt_status)s), &back));
        assert_int_equal(back, s);
    }
    for (int e = 0; e < RPT_EVENT_COUNT; e++) {
        rpt_event back;
        assert_true(rpt_event_parse(rpt_event_name((rpt_event)e), &back));
        assert_int_equal(back, e);
    }
    rpt_status st;
    assert_false(rpt_status_parse("valid", &st));
    assert_false(rpt_status_parse(NULL, &st));
    assert_string_equal(rpt_status_label_fr(RPT_VALIDATED), "validé");
    assert_true(rpt_is_final(RPT_WITHDRAWN));
    assert_false(rpt_is_final(RPT_CORRECTED));
}

static rpt_state fresh(unsigned flags)
{
    rpt_state st;
    char err[300];
    assert_int_equal(rpt_init(&st, &RAD, "LOT-1", flags, 100, err, sizeof err), 0);
    return st;
}

static rpt_state validated(unsigned flags)
{
    rpt_state st = fresh(flags);
    char err[300];
    assert_int_equal(rpt_validate(&st, &RAD, "CR-1", "2026-11-22T10:14:00+01:00", 200, err, sizeof err), 0);
    return st;
}

/* The command functions agree with the table for every (status, event) pair: an allowed one
 * with a good actor succeeds and lands on the target; a refused one leaves the state intact. */
static void test_commands_match_table(void **state)
{
    (void)state;
    for (int s = 0; s < RPT_STATUS_COUNT; s++)
        for (int e = 0; e < RPT_EVENT_COUNT; e++) {
            rpt_state st = fresh(RPT_FLAG_ANNOUNCEMENT_PENDING);
            char err[300] = "";
            /* Bring the report to status s. */
            if (s == RPT_PROVISIONAL || s == RPT_VALIDATED || s == RPT_CORRECTED || s == RPT_WITHDRAWN) {
                if (s == RPT_PROVISIONAL) {
                    const char *rev[] = {"amartin"};
                    assert_int_equal(rpt_set_provisional(&st, &RAD, rev, 1, 150, err, sizeof err), 0);
                } else {
                    assert_int_equal(rpt_validate(&st, &RAD, "CR-1", "2026-11-22T10:14:00+01:00", 200, err, sizeof err), 0);
                    if (s == RPT_CORRECTED)
                        assert_int_equal(rpt_correct(&st, &RAD, "CR-2", RPT_FLAG_ANNOUNCEMENT_PENDING,
                                                     "2026-11-23T08:00:00+01:00", 300, err, sizeof err), 0);
                    if (s == RPT_WITHDRAWN) assert_int_equal(rpt_withdraw(&st, &RAD, 300, err, sizeof err), 0);
                }
            }
            assert_int_equal(st.status, s);
            rpt_state before = st;
            const char *rev[] = {"amartin"};
            int rc = -2;
            switch ((rpt_event)e) {
            case RPT_EV_EDIT: rc = rpt_edit(&st, &RAD, err, sizeof err); break;
            case RPT_EV_SET_FLAGS: rc = rpt_set_flags(&st, &RAD, RPT_FLAG_NO_DMP, err, sizeof err); break;
            case RPT_EV_SET_PROVISIONAL: rc = rpt_set_provisional(&st, &RAD, rev, 1, 400, err, sizeof err); break;
            case RPT_EV_BACK_TO_DRAFT: rc = rpt_back_to_draft(&st, &RAD, 400, err, sizeof err); break;
            case RPT_EV_VALIDATE:
                rc = rpt_validate(&st, &RAD, "CR-9", "2026-11-24T08:00:00+01:00", 400, err, sizeof err);
                break;
            case RPT_EV_CORRECT:
                rc = rpt_correct(&st, &RAD, "CR-9", 0, "2026-11-24T08:00:00+01:00", 400, err, sizeof err);
                break;
            case RPT_EV_WITHDRAW: rc = rpt_withdraw(&st, &RAD, 400, err, sizeof err); break;
            case RPT_EV_RECORD_ANNOUNCEMENT: rc = rpt_record_announcement(&st, &RAD, err, sizeof err); break;
            default: fail();
            }
            const allowed *a = find_allowed((rpt_status)s, (rpt_event)e);
            if (a) {
                if (rc != 0) fail_msg("%s from %s: %s", rpt_event_name((rpt_event)e), rpt_status_name((rpt_status)s), err);
                assert_int_equal(st.status, a->to);
            } else {
                assert_int_equal(rc, -1);
                assert_true(strncmp(err, "Impossible d", 12) == 0);
                assert_memory_equal(&st, &before, sizeof st);
            }
        }
}

static void test_init(void **state)
{
    (void)state;
    rpt_state st;
    char err[300];
    assert_int_equal(rpt_init(&st, &RAD, "", 0, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "setId"));
    assert_int_equal(rpt_init(&st, &RAD, "LOT", 0x100, 1, err, sizeof err), -1);
    assert_int_equal(rpt_init(&st, NULL, "LOT", 0, 1, err, sizeof err), -1);
    assert_string_equal(err, "Action refusée : utilisateur non identifié.");
    assert_int_equal(rpt_init(&st, &RAD, "LOT", RPT_FLAG_NO_DMP, 7, err, sizeof err), 0);
    assert_int_equal(st.status, RPT_DRAFT);
    assert_int_equal(st.version, 0);
    assert_int_equal(st.status_since, 7);
    assert_string_equal(st.author, "jbideault");
}

static void test_provisional_review_list(void **state)
{
    (void)state;
    rpt_state st = fresh(0);
    char err[300];
    assert_int_equal(rpt_set_provisional(&st, &RAD, NULL, 0, 5, err, sizeof err), -1);
    assert_string_equal(err, "Impossible de passer le compte rendu en provisoire : indiquez au moins un autre radiologue relecteur.");
    const char *self[] = {"jbideault"};
    assert_int_equal(rpt_set_provisional(&st, &RAD, self, 1, 5, err, sizeof err), -1);
    assert_non_null(strstr(err, "un autre radiologue que vous"));
    const char *dup[] = {"amartin", "amartin"};
    assert_int_equal(rpt_set_provisional(&st, &RAD, dup, 2, 5, err, sizeof err), -1);
    assert_non_null(strstr(err, "cité deux fois"));
    const char *nine[9] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    assert_int_equal(rpt_set_provisional(&st, &RAD, nine, 9, 5, err, sizeof err), -1);
    const char *two[] = {"amartin", "pdurand"};
    assert_int_equal(rpt_set_provisional(&st, &RAD, two, 2, 5, err, sizeof err), 0);
    assert_int_equal(st.status, RPT_PROVISIONAL);
    assert_int_equal(st.n_reviewers, 2);
    assert_string_equal(st.reviewers[1], "pdurand");
    assert_int_equal(st.status_since, 5);
    assert_int_equal(rpt_back_to_draft(&st, &RAD2, 6, err, sizeof err), 0);
    assert_int_equal(st.n_reviewers, 0);
    assert_int_equal(st.status, RPT_DRAFT);
}

/* RIS.CRR.01: only a radiologue with an RPPS validates; validator, date and time recorded. */
static void test_validate_needs_radiologist_with_rpps(void **state)
{
    (void)state;
    rpt_state st = fresh(0), before = st;
    char err[300];
    assert_int_equal(rpt_validate(&st, &TECH, "CR-1", "2026-11-22T10:14:00+01:00", 9, err, sizeof err), -1);
    assert_string_equal(err, "Impossible de valider le compte rendu : seul un radiologue peut valider un compte rendu "
                             "(Paul Manip n'a pas ce rôle).");
    assert_int_equal(rpt_validate(&st, &NO_RPPS, "CR-1", "2026-11-22T10:14:00+01:00", 9, err, sizeof err), -1);
    assert_non_null(strstr(err, "RPPS absent"));
    rpt_actor bad = {"x", NULL, true, "0123456789A"};
    assert_int_equal(rpt_validate(&st, &bad, "CR-1", "2026-11-22T10:14:00+01:00", 9, err, sizeof err), -1);
    assert_non_null(strstr(err, "RPPS mal formé"));
    assert_int_equal(rpt_validate(&st, &RAD, "", "2026-11-22T10:14:00+01:00", 9, err, sizeof err), -1);
    assert_int_equal(rpt_validate(&st, &RAD, "CR-1", "", 9, err, sizeof err), -1);
    assert_non_null(strstr(err, "date et heure de validation"));
    assert_int_equal(rpt_validate(&st, &RAD, "CR-1", "2026-11-22T10:14:00", 9, err, sizeof err), -1);
    assert_non_null(strstr(err, "invalides « 2026-11-22T10:14:00 »"));
    assert_int_equal(rpt_validate(&st, &RAD, "CR-1", "2026-02-30T10:14:00+01:00", 9, err, sizeof err), -1);
    assert_memory_equal(&st, &before, sizeof st);
    assert_int_equal(rpt_validate(&st, &RAD, "CR-1", "2026-11-22T10:14:00+01:00", 9, err, sizeof err), 0);
    assert_int_equal(st.status, RPT_VALIDATED);
    assert_int_equal(st.version, 1);
    assert_string_equal(st.document_id, "CR-1");
    assert_string_equal(st.replaces_id, "");
    assert_string_equal(st.validator, "jbideault");
    assert_string_equal(st.validator_rpps, "01234560801");
    assert_string_equal(st.validated_at, "2026-11-22T10:14:00+01:00");
}

/* A correction: same setId, version + 1, replaces the previous document. */
static void test_correction_chain(void **state)
{
    (void)state;
    rpt_state st = validated(0);
    char err[300];
    assert_int_equal(rpt_correct(&st, &RAD2, "CR-1", 0, "2026-11-23T08:00:00+01:00", 9, err, sizeof err), -1);
    assert_non_null(strstr(err, "nouvel identifiant"));
    assert_int_equal(rpt_correct(&st, &TECH, "CR-2", 0, "2026-11-23T08:00:00+01:00", 9, err, sizeof err), -1);
    assert_int_equal(rpt_correct(&st, &RAD2, "CR-2", RPT_FLAG_MASQUE_PS, "2026-11-23T08:00:00+01:00", 9, err, sizeof err), 0);
    assert_int_equal(st.status, RPT_CORRECTED);
    assert_int_equal(st.version, 2);
    assert_string_equal(st.set_id, "LOT-1");
    assert_string_equal(st.document_id, "CR-2");
    assert_string_equal(st.replaces_id, "CR-1");
    assert_string_equal(st.validator, "amartin");
    assert_int_equal(st.flags, RPT_FLAG_MASQUE_PS);
    assert_int_equal(rpt_correct(&st, &RAD, "CR-3", 0, "2026-11-24T08:00:00+01:00", 10, err, sizeof err), 0);
    assert_int_equal(st.version, 3);
    assert_string_equal(st.replaces_id, "CR-2");
    /* A made announcement cannot become pending again. */
    assert_int_equal(rpt_correct(&st, &RAD, "CR-4", RPT_FLAG_ANNOUNCEMENT_PENDING, "2026-11-24T09:00:00+01:00", 11,
                                 err, sizeof err), -1);
    assert_non_null(strstr(err, "ne peut pas redevenir en attente"));
    assert_int_equal(rpt_withdraw(&st, &TECH, 12, err, sizeof err), -1);
    assert_int_equal(rpt_withdraw(&st, &RAD, 12, err, sizeof err), 0);
    assert_int_equal(st.status, RPT_WITHDRAWN);
    assert_int_equal(rpt_correct(&st, &RAD, "CR-5", 0, "2026-11-24T09:00:00+01:00", 13, err, sizeof err), -1);
    assert_string_equal(err, "Impossible de corriger le compte rendu : il a été retiré.");
}

static void test_flags_and_announcement(void **state)
{
    (void)state;
    rpt_state st = fresh(0);
    char err[300];
    assert_int_equal(rpt_set_flags(&st, &RAD, 0x80, err, sizeof err), -1);
    assert_int_equal(rpt_set_flags(&st, &RAD, RPT_FLAG_ANNOUNCEMENT_PENDING | RPT_FLAG_INVISIBLE_LEGAL_REPS, err, sizeof err), 0);
    assert_int_equal(rpt_record_announcement(&st, &RAD, err, sizeof err), -1); /* not validated yet */
    assert_int_equal(rpt_validate(&st, &RAD, "CR-1", "2026-11-22T10:14:00+01:00", 9, err, sizeof err), 0);
    assert_int_equal(rpt_set_flags(&st, &RAD, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "correction"));
    assert_int_equal(rpt_record_announcement(&st, NULL, err, sizeof err), -1);
    assert_int_equal(rpt_record_announcement(&st, &RAD2, err, sizeof err), 0);
    assert_int_equal(st.flags, RPT_FLAG_INVISIBLE_LEGAL_REPS);
    assert_true(st.announcement_recorded);
    assert_int_equal(rpt_record_announcement(&st, &RAD2, err, sizeof err), -1);
    assert_string_equal(err, "Impossible d'enregistrer l'annonce au patient : aucune annonce n'est en attente pour ce compte rendu.");
}

/* ------------------------------------------------------------------ channels */

static const rpt_channel_context ALL_ON = {true, false, true, true, 1, true};

static void test_channels_validated(void **state)
{
    (void)state;
    rpt_state st = validated(0);
    rpt_channels ch;
    char err[300];
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_VALIDATED, &ALL_ON, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_SUBMIT);
    assert_false(ch.dmp_invisible_patient);
    assert_true(ch.mss_patient);
    assert_true(ch.mss_referrer);
    assert_true(ch.mss_recipients);
    assert_int_equal(ch.hl7, RPT_HL7_INITIAL);
    assert_int_equal(ch.n_notes, 0);
    /* Wrong trigger for the state. */
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_CORRECTED, &ALL_ON, &ch, err, sizeof err), -1);
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_WITHDRAWN, &ALL_ON, &ch, err, sizeof err), -1);
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_ANNOUNCEMENT, &ALL_ON, &ch, err, sizeof err), -1);
    rpt_state draft = fresh(0);
    assert_int_equal(rpt_channels_decide(&draft, RPT_TRIGGER_VALIDATED, &ALL_ON, &ch, err, sizeof err), -1);
    assert_non_null(strstr(err, "brouillon"));
}

/* RIS.CRR.02/03: announcement pending -> DMP with INVISIBLE_PATIENT, no MSSanté to the patient;
 * once recorded -> DMP visibility lifted and MSSanté to the patient. */
static void test_channels_announcement(void **state)
{
    (void)state;
    rpt_state st = validated(RPT_FLAG_ANNOUNCEMENT_PENDING);
    rpt_channels ch;
    char err[300];
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_VALIDATED, &ALL_ON, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_SUBMIT);
    assert_true(ch.dmp_invisible_patient);
    assert_false(ch.mss_patient);
    assert_true(ch.mss_referrer);
    assert_non_null(strstr(ch.notes[0], "annonce"));
    st.shared_to_dmp = true;
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_ANNOUNCEMENT, &ALL_ON, &ch, err, sizeof err), -1);
    assert_int_equal(rpt_record_announcement(&st, &RAD, err, sizeof err), 0);
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_ANNOUNCEMENT, &ALL_ON, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_UNMASK_PATIENT);
    assert_true(ch.mss_patient);
    assert_false(ch.mss_referrer); /* already sent at validation */
    assert_int_equal(ch.hl7, RPT_HL7_NONE);
}

static void test_channels_restrictions(void **state)
{
    (void)state;
    rpt_channels ch;
    char err[300];
    /* No DMP for this report. */
    rpt_state st = validated(RPT_FLAG_NO_DMP);
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_VALIDATED, &ALL_ON, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_NONE);
    assert_true(ch.mss_patient);
    assert_non_null(strstr(ch.notes[0], "exclu du partage DMP"));
    /* Identity not qualified: neither DMP nor MSSanté patient. */
    rpt_channel_context ctx = ALL_ON;
    ctx.ins_qualified = false;
    st = validated(0);
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_VALIDATED, &ctx, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_NONE);
    assert_false(ch.mss_patient);
    assert_true(ch.mss_referrer);
    assert_int_equal(ch.n_notes, 2);
    /* Invisible to the patient by choice: DMP hidden, no patient message. */
    st = validated(RPT_FLAG_INVISIBLE_PATIENT);
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_VALIDATED, &ALL_ON, &ch, err, sizeof err), 0);
    assert_true(ch.dmp_invisible_patient);
    assert_false(ch.mss_patient);
    /* Site without DMP, patient opposed, no referrer address, no HL7. */
    ctx = ALL_ON;
    ctx.dmp_enabled = false;
    ctx.has_referrer_mssante = false;
    ctx.n_recipients_mssante = 0;
    ctx.hl7_enabled = false;
    st = validated(0);
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_VALIDATED, &ctx, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_NONE);
    assert_false(ch.mss_referrer);
    assert_false(ch.mss_recipients);
    assert_int_equal(ch.hl7, RPT_HL7_NONE);
    ctx = ALL_ON;
    ctx.patient_opposes_dmp = true;
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_VALIDATED, &ctx, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_NONE);
    assert_non_null(strstr(ch.notes[0], "opposé"));
}

static void test_channels_correction_and_withdrawal(void **state)
{
    (void)state;
    rpt_channels ch;
    char err[300];
    rpt_state st = validated(0);
    assert_int_equal(rpt_correct(&st, &RAD, "CR-2", 0, "2026-11-23T08:00:00+01:00", 9, err, sizeof err), 0);
    /* Never shared to the DMP (e.g. the site enabled it later): a first submission. */
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_CORRECTED, &ALL_ON, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_SUBMIT);
    st.shared_to_dmp = true;
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_CORRECTED, &ALL_ON, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_REPLACE);
    assert_int_equal(ch.hl7, RPT_HL7_REPLACE);
    assert_true(ch.mss_referrer);
    assert_true(ch.mss_patient);
    /* an opposition received after the document was shared: the shared version is still replaced */
    rpt_channel_context opposed = ALL_ON;
    opposed.patient_opposes_dmp = true;
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_CORRECTED, &opposed, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_REPLACE);
    assert_int_equal(rpt_withdraw(&st, &RAD, 10, err, sizeof err), 0);
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_WITHDRAWN, &ALL_ON, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_WITHDRAW);
    assert_int_equal(ch.hl7, RPT_HL7_DELETE);
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_WITHDRAWN, &opposed, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_WITHDRAW);
    assert_false(ch.mss_patient || ch.mss_referrer || ch.mss_recipients);
    st.shared_to_dmp = false;
    assert_int_equal(rpt_channels_decide(&st, RPT_TRIGGER_WITHDRAWN, &ALL_ON, &ch, err, sizeof err), 0);
    assert_int_equal(ch.dmp, RPT_DMP_NONE);
    assert_string_equal(rpt_dmp_action_name(RPT_DMP_UNMASK_PATIENT), "unmask_patient");
    assert_string_equal(rpt_hl7_action_name(RPT_HL7_DELETE), "delete");
}

/* ------------------------------------------------------------------ reminders */

static void test_reminders(void **state)
{
    (void)state;
    const int64_t now = 1000000, day = 86400;
    const rpt_pending items[] = {
        {"a", RPT_DRAFT, now - 2 * day},        /* overdue */
        {"b", RPT_PROVISIONAL, now - 3 * day},  /* overdue, oldest */
        {"c", RPT_VALIDATED, now - 9 * day},    /* validated: never */
        {"d", RPT_PROVISIONAL, now - day},      /* exactly the delay: not yet */
        {"e", RPT_DRAFT, now - day - 1},        /* just past */
        {"f", RPT_WITHDRAWN, now - 9 * day},
        {"g", RPT_CORRECTED, now - 9 * day},
    };
    size_t idx[8];
    size_t n = rpt_reminders(items, 7, now, day, idx, 8);
    assert_int_equal(n, 3);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 0);
    assert_int_equal(idx[2], 4);
    /* Bounded output keeps the oldest, still counts all. */
    n = rpt_reminders(items, 7, now, day, idx, 2);
    assert_int_equal(n, 3);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 0);
    assert_int_equal(rpt_reminders(items, 7, now, day, NULL, 0), 3);
    assert_int_equal(rpt_reminders(items, 7, now, -5, idx, 8), 4); /* negative delay = 0 */
    assert_int_equal(rpt_reminders(NULL, 3, now, day, idx, 8), 0);
    assert_string_equal(report_lifecycle_settings[0].key, "reminder_delay_hours");
}

/* RIS.CRR.05: drafts and provisional reports whose status changed within a period. */
static void test_review_list(void **state)
{
    (void)state;
    const rpt_pending items[] = {
        {"a", RPT_PROVISIONAL, 500}, {"b", RPT_DRAFT, 100},     {"c", RPT_VALIDATED, 300},
        {"d", RPT_PROVISIONAL, 99},  {"e", RPT_DRAFT, 200},     {"f", RPT_PROVISIONAL, 501},
    };
    size_t idx[6];
    assert_int_equal(rpt_review_list(items, 6, 100, 500, idx, 6), 3);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 4);
    assert_int_equal(idx[2], 0);
    assert_int_equal(rpt_review_list(items, 6, 600, 700, idx, 6), 0);
    assert_int_equal(rpt_review_list(items, 6, 0, 1000, idx, 1), 5);
    assert_int_equal(idx[0], 3);
}

static void test_reminder_delay_setting(void **state)
{
    (void)state;
    const config_setting *tables[] = {report_lifecycle_settings};
    config_t *cfg = config_new(tables, 1);
    assert_non_null(cfg);
    int64_t secs = 0;
    char err[200];
    assert_int_equal(rpt_reminder_delay(cfg, &secs, err, sizeof err), 0);
    assert_int_equal(secs, 24 * 3600);
    assert_int_equal(config_set(cfg, "report", "reminder_delay_hours", "72"), 0);
    assert_int_equal(rpt_reminder_delay(cfg, &secs, err, sizeof err), 0);
    assert_int_equal(secs, 72 * 3600);
    assert_int_equal(config_set(cfg, "report", "reminder_delay_hours", "0"), 0);
    assert_int_equal(rpt_reminder_delay(cfg, &secs, err, sizeof err), -1);
    assert_non_null(strstr(err, "entre 1 et 8760"));
    assert_int_equal(config_set(cfg, "report", "reminder_delay_hours", "deux jours"), 0);
    assert_int_equal(rpt_reminder_delay(cfg, &secs, err, sizeof err), -1);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_matrix),
        cmocka_unit_test(test_refusal_messages),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_commands_match_table),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_provisional_review_list),
        cmocka_unit_test(test_validate_needs_radiologist_with_rpps),
        cmocka_unit_test(test_correction_chain),
        cmocka_unit_test(test_flags_and_announcement),
        cmocka_unit_test(test_channels_validated),
        cmocka_unit_test(test_channels_announcement),
        cmocka_unit_test(test_channels_restrictions),
        cmocka_unit_test(test_channels_correction_and_withdrawal),
        cmocka_unit_test(test_reminders),
        cmocka_unit_test(test_review_list),
        cmocka_unit_test(test_reminder_delay_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
