/* Every transition of the appointment / procedure-step life cycle, allowed and refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/workflow.h"

typedef struct {
    wf_status from;
    wf_event ev;
    wf_status to;
} allowed;

static const allowed allowed_table[] = {
    {WF_BOOKED, WF_EV_ARRIVE, WF_ARRIVED},
    {WF_BOOKED, WF_EV_CANCEL, WF_CANCELLED},
    {WF_BOOKED, WF_EV_NO_SHOW, WF_NO_SHOW},
    {WF_ARRIVED, WF_EV_START, WF_IN_PROGRESS},
    {WF_ARRIVED, WF_EV_CANCEL, WF_CANCELLED},
    {WF_IN_PROGRESS, WF_EV_COMPLETE, WF_COMPLETED},
    {WF_IN_PROGRESS, WF_EV_DISCONTINUE, WF_DISCONTINUED},
};

static const allowed *find_allowed(wf_status from, wf_event ev)
{
    for (size_t i = 0; i < sizeof allowed_table / sizeof allowed_table[0]; i++)
        if (allowed_table[i].from == from && allowed_table[i].ev == ev) return &allowed_table[i];
    return NULL;
}

/* Walks the whole status x event matrix: the 7 allowed pairs move to their target, the 35
 * others are refused with a French sentence and leave the output untouched. */
static void test_full_matrix(void **state)
{
    (void)state;
    int allowed_count = 0, refused_count = 0;
    for (int s = 0; s < WF_STATUS_COUNT; s++)
        for (int e = 0; e < WF_EVENT_COUNT; e++) {
            wf_status to = WF_STATUS_COUNT;
            char why[200] = "";
            bool ok = wf_next((wf_status)s, (wf_event)e, &to, why, sizeof why);
            const allowed *a = find_allowed((wf_status)s, (wf_event)e);
            if (a) {
                assert_true(ok);
                assert_int_equal(to, a->to);
                allowed_count++;
            } else {
                assert_false(ok);
                assert_int_equal(to, WF_STATUS_COUNT);
                assert_true(strncmp(why, "Impossible de ", 14) == 0);
                refused_count++;
            }
        }
    assert_int_equal(allowed_count, 7);
    assert_int_equal(refused_count, WF_STATUS_COUNT * WF_EVENT_COUNT - 7);
}

static void test_refusal_messages(void **state)
{
    (void)state;
    wf_status to;
    char why[200];
    assert_false(wf_next(WF_BOOKED, WF_EV_START, &to, why, sizeof why));
    assert_string_equal(why, "Impossible de démarrer l'examen : le patient n'est pas encore arrivé.");
    assert_false(wf_next(WF_IN_PROGRESS, WF_EV_CANCEL, &to, why, sizeof why));
    assert_string_equal(why, "Impossible de annuler le rendez-vous : l'examen a déjà commencé.");
    assert_false(wf_next(WF_CANCELLED, WF_EV_ARRIVE, &to, why, sizeof why));
    assert_string_equal(why, "Impossible de marquer le patient arrivé : le rendez-vous est clos (annulé).");
    assert_false(wf_next(WF_ARRIVED, WF_EV_NO_SHOW, &to, why, sizeof why));
    assert_non_null(strstr(why, "le patient est arrivé"));
    assert_false(wf_next((wf_status)99, WF_EV_ARRIVE, &to, why, sizeof why));
    assert_false(wf_next(WF_BOOKED, (wf_event)99, &to, NULL, 0));
}

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < WF_STATUS_COUNT; s++) {
        wf_status back;
        assert_true(wf_status_parse(wf_status_name((wf_status)s), &back));
        assert_int_equal(back, s);
    }
    for (int e = 0; e < WF_EVENT_COUNT; e++) {
        wf_event back;
        assert_true(wf_event_parse(wf_event_name((wf_event)e), &back));
        assert_int_equal(back, e);
    }
    wf_status s;
    wf_event e;
    assert_false(wf_status_parse("BOOKED", &s));
    assert_false(wf_status_parse(NULL, &s));
    assert_false(wf_event_parse("noshow", &e));
    assert_true(wf_is_final(WF_NO_SHOW));
    assert_false(wf_is_final(WF_ARRIVED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_matrix),
        cmocka_unit_test(test_refusal_messages),
        cmocka_unit_test(test_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
