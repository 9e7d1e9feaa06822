/* Report.shares (rsv_shares_json): the status of each channel from its outbox job, and for HL7
 * the aggregate of the hand-off job "report-hl7" and of the jobs it fanned out per destination,
 * every rule of docs/reporting.md "Sharing status". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/service_internal.h"

/* A row of rstore_shares_list(). */
static json_t *job(const char *channel, json_int_t id, const char *state, int attempts, const char *error,
                   const char *next)
{
    return json_pack("{s:s, s:s, s:i, s:I, s:s, s:i, s:s?, s:s}", "channel", channel, "action",
                     strcmp(channel, "hl7") == 0 ? "initial" : "send", "version", 1, "job_id", id, "state", state,
                     "attempts", attempts, "last_error", error, "next_attempt_at", next);
}

/* A row of rstore_share_destinations(). */
static json_t *dest(json_int_t id, json_int_t dest_id, const char *name, const char *state, int attempts,
                    const char *error, const char *next)
{
    return json_pack("{s:I, s:{s:I, s:s}, s:s, s:s, s:i, s:s?, s:s}", "job_id", id, "destination", "id", dest_id,
                     "name", name, "message_type", "ORU^R01", "state", state, "attempts", attempts, "last_error", error,
                     "next_attempt_at", next);
}

static const json_t *channel(const json_t *shares, const char *name)
{
    size_t i;
    const json_t *s;
    json_array_foreach(shares, i, s) if (strcmp(json_string_value(json_object_get(s, "channel")), name) == 0) return s;
    fail_msg("no share for channel %s", name);
    return NULL;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static json_int_t num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* The hl7 share for a hand-off job in parent_state and those destinations (stolen). */
static json_t *hl7_with(const char *parent_state, json_t *dests)
{
    json_t *jobs = json_pack("[o]", job("hl7", 10, parent_state, 1, NULL, "2026-11-22T10:00:00Z"));
    json_t *shares = rsv_shares_json(jobs, dests);
    json_decref(jobs);
    json_decref(dests);
    json_t *h = json_incref((json_t *)channel(shares, "hl7"));
    json_decref(shares);
    return h;
}

static void test_no_job(void **state)
{
    (void)state;
    json_t *jobs = json_array();
    json_t *shares = rsv_shares_json(jobs, NULL);
    assert_int_equal(json_array_size(shares), 3);
    const char *names[] = {"dmp", "mssante", "hl7"};
    for (size_t i = 0; i < 3; i++) {
        const json_t *s = json_array_get(shares, i);
        assert_string_equal(str(s, "channel"), names[i]);
        assert_string_equal(str(s, "status"), "not_applicable");
        assert_string_equal(str(s, "status_label"), "sans objet");
        assert_true(json_is_null(json_object_get(s, "job_id")));
        assert_true(json_is_null(json_object_get(s, "action")));
        assert_int_equal(num(s, "attempts"), 0);
        assert_true(json_is_null(json_object_get(s, "last_error")));
        assert_true(json_is_null(json_object_get(s, "next_attempt_at")));
    }
    assert_int_equal(json_array_size(json_object_get(channel(shares, "hl7"), "destinations")), 0);
    assert_null(json_object_get(channel(shares, "dmp"), "destinations"));
    json_decref(shares);
    json_decref(jobs);
}

/* A channel the latest decision left aside (rstore_shares_list: job_id and state null, reason). */
static void test_left_aside(void **state)
{
    (void)state;
    json_t *jobs = json_pack("[{s:s, s:n, s:i, s:n, s:n, s:i, s:n, s:n, s:s},"
                             " {s:s, s:n, s:i, s:n, s:n, s:i, s:n, s:n, s:s}]",
                             "channel", "dmp", "action", "version", 1, "job_id", "state", "attempts", 0, "last_error",
                             "next_attempt_at", "reason", "DMP : non alimenté, le DMP du patient est fermé.", "channel",
                             "hl7", "action", "version", 1, "job_id", "state", "attempts", 0, "last_error",
                             "next_attempt_at", "reason", "HL7 : aucune destination HL7 active ne reçoit les comptes rendus.");
    json_t *none = json_array();
    json_t *shares = rsv_shares_json(jobs, none);
    json_decref(none);
    const json_t *dmp = channel(shares, "dmp");
    assert_string_equal(str(dmp, "status"), "not_applicable");
    assert_string_equal(str(dmp, "status_label"), "sans objet — DMP : non alimenté, le DMP du patient est fermé.");
    assert_true(json_is_null(json_object_get(dmp, "job_id")));
    const json_t *hl7 = channel(shares, "hl7");
    assert_string_equal(str(hl7, "status"), "not_applicable");
    assert_non_null(strstr(str(hl7, "status_label"), "aucune destination HL7 active"));
    assert_int_equal(json_array_size(json_object_get(hl7, "destinations")), 0);
    assert_string_equal(str(channel(shares, "mssante"), "status_label"), "sans objet");
    json_decref(shares);
    json_decref(jobs);
}

static void test_plain_channels(void **state)
{
    (void)state;
    static const struct {
        const char *state, *status, *label;
        bool next;
    } cases[] = {
        {"pending", "pending", "en attente", true}, {"running", "pending", "en attente", true},
        {"done", "sent", "envoyé", false},          {"failed", "failed", "échec", false},
        {"dead", "failed", "échec", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *jobs = json_pack("[o, o]", job("dmp", 1, cases[i].state, 2, "refusé", "2026-11-22T10:00:00Z"),
                                 job("mssante", 2, cases[i].state, 0, NULL, "2026-11-22T10:00:00Z"));
        json_t *shares = rsv_shares_json(jobs, NULL);
        const json_t *dmp = channel(shares, "dmp");
        assert_string_equal(str(dmp, "status"), cases[i].status);
        assert_string_equal(str(dmp, "status_label"), cases[i].label);
        assert_int_equal(num(dmp, "job_id"), 1);
        assert_string_equal(str(dmp, "action"), "send");
        assert_int_equal(num(dmp, "attempts"), 2);
        assert_string_equal(str(dmp, "last_error"), "refusé");
        if (cases[i].next) assert_string_equal(str(dmp, "next_attempt_at"), "2026-11-22T10:00:00Z");
        else assert_true(json_is_null(json_object_get(dmp, "next_attempt_at")));
        assert_int_equal(num(channel(shares, "mssante"), "job_id"), 2);
        assert_string_equal(str(channel(shares, "hl7"), "status"), "not_applicable");
        json_decref(shares);
        json_decref(jobs);
    }
}

/* Hand-off not done: the channel is its state, whatever the destinations. */
static void test_hl7_handoff_not_done(void **state)
{
    (void)state;
    json_t *h = hl7_with("pending", json_array());
    assert_string_equal(str(h, "status"), "pending");
    assert_int_equal(num(h, "job_id"), 10);
    assert_string_equal(str(h, "next_attempt_at"), "2026-11-22T10:00:00Z");
    assert_int_equal(json_array_size(json_object_get(h, "destinations")), 0);
    json_decref(h);

    h = hl7_with("running", NULL);
    assert_string_equal(str(h, "status"), "pending");
    assert_int_equal(json_array_size(json_object_get(h, "destinations")), 0);
    json_decref(h);

    h = hl7_with("failed", json_pack("[o]", dest(20, 1, "PACS", "done", 1, NULL, "2026-11-22T10:00:00Z")));
    assert_string_equal(str(h, "status"), "failed");
    assert_int_equal(num(h, "job_id"), 10);
    /* the destinations already fanned out are listed */
    assert_int_equal(json_array_size(json_object_get(h, "destinations")), 1);
    json_decref(h);
}

static void test_hl7_no_destination(void **state)
{
    (void)state;
    json_t *h = hl7_with("done", json_array());
    assert_string_equal(str(h, "status"), "not_applicable");
    assert_non_null(strstr(str(h, "status_label"), "aucune destination HL7 ne reçoit les comptes rendus"));
    assert_int_equal(num(h, "job_id"), 10);
    assert_true(json_is_null(json_object_get(h, "last_error")));
    assert_true(json_is_null(json_object_get(h, "next_attempt_at")));
    json_decref(h);
    h = hl7_with("done", NULL);
    assert_string_equal(str(h, "status"), "not_applicable");
    json_decref(h);
}

static void test_hl7_all_sent(void **state)
{
    (void)state;
    json_t *h = hl7_with("done", json_pack("[o, o]", dest(20, 1, "PACS", "done", 1, NULL, "2026-11-22T10:00:00Z"),
                                           dest(21, 2, "DPI", "done", 3, "ancien refus", "2026-11-22T10:05:00Z")));
    assert_string_equal(str(h, "status"), "sent");
    assert_string_equal(str(h, "status_label"), "envoyé");
    assert_int_equal(num(h, "job_id"), 10);
    assert_int_equal(num(h, "attempts"), 3);
    assert_true(json_is_null(json_object_get(h, "last_error")));
    assert_true(json_is_null(json_object_get(h, "next_attempt_at")));
    const json_t *d = json_object_get(h, "destinations");
    assert_int_equal(json_array_size(d), 2);
    const json_t *d1 = json_array_get(d, 1);
    assert_int_equal(num(d1, "job_id"), 21);
    assert_int_equal(num(json_object_get(d1, "destination"), "id"), 2);
    assert_string_equal(str(json_object_get(d1, "destination"), "name"), "DPI");
    assert_string_equal(str(d1, "message_type"), "ORU^R01");
    assert_string_equal(str(d1, "state"), "done");
    assert_string_equal(str(d1, "status"), "sent");
    assert_string_equal(str(d1, "status_label"), "envoyé");
    assert_int_equal(num(d1, "attempts"), 3);
    assert_true(json_is_null(json_object_get(d1, "next_attempt_at")));
    json_decref(h);
}

/* Pending if one destination is pending or retrying: the retrying one is the job to retry, the
 * next attempt is the earliest of the pending ones. */
static void test_hl7_pending(void **state)
{
    (void)state;
    json_t *h = hl7_with("done", json_pack("[o, o, o, o]", dest(20, 1, "PACS", "done", 1, NULL, "2026-11-22T09:00:00Z"),
                                           dest(21, 2, "DPI", "pending", 0, NULL, "2026-11-22T10:07:00Z"),
                                           dest(22, 3, "RIS2", "pending", 2, "Connexion refusée",
                                                "2026-11-22T10:09:00Z"),
                                           dest(23, 4, "RIS3", "running", 0, NULL, "2026-11-22T10:03:00Z")));
    assert_string_equal(str(h, "status"), "pending");
    assert_string_equal(str(h, "status_label"), "en attente");
    assert_int_equal(num(h, "job_id"), 22);
    assert_int_equal(num(h, "attempts"), 2);
    assert_string_equal(str(h, "last_error"), "Connexion refusée");
    assert_string_equal(str(h, "next_attempt_at"), "2026-11-22T10:03:00Z");
    const json_t *d = json_object_get(h, "destinations");
    assert_string_equal(str(json_array_get(d, 0), "status"), "sent");
    assert_string_equal(str(json_array_get(d, 2), "status"), "pending");
    assert_string_equal(str(json_array_get(d, 2), "last_error"), "Connexion refusée");
    assert_string_equal(str(json_array_get(d, 3), "status"), "pending");
    json_decref(h);

    /* none retrying yet: the first pending one */
    h = hl7_with("done", json_pack("[o, o]", dest(20, 1, "PACS", "done", 1, NULL, "2026-11-22T09:00:00Z"),
                                   dest(21, 2, "DPI", "pending", 0, NULL, "2026-11-22T10:07:00Z")));
    assert_string_equal(str(h, "status"), "pending");
    assert_int_equal(num(h, "job_id"), 21);
    assert_int_equal(num(h, "attempts"), 0);
    assert_true(json_is_null(json_object_get(h, "last_error")));
    assert_string_equal(str(h, "next_attempt_at"), "2026-11-22T10:07:00Z");
    json_decref(h);
}

/* Failed if any destination failed for good, even when others still wait. */
static void test_hl7_failed(void **state)
{
    (void)state;
    json_t *h = hl7_with("done", json_pack("[o, o, o]", dest(20, 1, "PACS", "pending", 1, "Délai dépassé",
                                                              "2026-11-22T10:07:00Z"),
                                           dest(21, 2, "DPI", "failed", 5, "Refus AR", "2026-11-22T10:01:00Z"),
                                           dest(22, 3, "RIS2", "dead", 9, "Mort", "2026-11-22T10:02:00Z")));
    assert_string_equal(str(h, "status"), "failed");
    assert_string_equal(str(h, "status_label"), "échec");
    assert_int_equal(num(h, "job_id"), 21);
    assert_int_equal(num(h, "attempts"), 5);
    assert_string_equal(str(h, "last_error"), "Refus AR");
    assert_true(json_is_null(json_object_get(h, "next_attempt_at")));
    const json_t *d = json_object_get(h, "destinations");
    assert_string_equal(str(json_array_get(d, 1), "status"), "failed");
    assert_true(json_is_null(json_object_get(json_array_get(d, 1), "next_attempt_at")));
    assert_string_equal(str(json_array_get(d, 2), "status"), "failed");
    assert_string_equal(str(json_array_get(d, 0), "next_attempt_at"), "2026-11-22T10:07:00Z");
    json_decref(h);

    h = hl7_with("done", json_pack("[o]", dest(22, 3, "RIS2", "dead", 9, "Mort", "2026-11-22T10:02:00Z")));
    assert_string_equal(str(h, "status"), "failed");
    assert_int_equal(num(h, "job_id"), 22);
    json_decref(h);
}

/* A deleted destination (null) is listed all the same; destinations without an hl7 job are ignored. */
static void test_hl7_edge(void **state)
{
    (void)state;
    json_t *d = dest(20, 1, "PACS", "failed", 1, "x", "2026-11-22T10:00:00Z");
    json_object_set_new(d, "destination", json_null());
    json_t *h = hl7_with("done", json_pack("[o]", d));
    assert_string_equal(str(h, "status"), "failed");
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(h, "destinations"), 0), "destination")));
    json_decref(h);

    json_t *jobs = json_pack("[o]", job("dmp", 1, "done", 1, NULL, "2026-11-22T10:00:00Z"));
    json_t *dests = json_pack("[o]", dest(20, 1, "PACS", "failed", 1, "x", "2026-11-22T10:00:00Z"));
    json_t *shares = rsv_shares_json(jobs, dests);
    const json_t *hl7 = channel(shares, "hl7");
    assert_string_equal(str(hl7, "status"), "not_applicable");
    assert_int_equal(json_array_size(json_object_get(hl7, "destinations")), 0);
    json_decref(shares);
    json_decref(dests);
    json_decref(jobs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_job),
        cmocka_unit_test(test_plain_channels),
        cmocka_unit_test(test_left_aside),
        cmocka_unit_test(test_hl7_handoff_not_done),
        cmocka_unit_test(test_hl7_no_destination),
        cmocka_unit_test(test_hl7_all_sent),
        cmocka_unit_test(test_hl7_pending),
        cmocka_unit_test(test_hl7_failed),
        cmocka_unit_test(test_hl7_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
