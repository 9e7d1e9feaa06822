#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/slots.h"

#define H 3600
#define M 60

static void test_empty_room_fills_window(void **state)
{
    (void)state;
    slot_interval open = {8 * H, 10 * H};
    slot_request req = {30 * M, 15 * M, 0};
    slot_interval out[32];
    size_t n = slots_find(&open, 1, NULL, 0, &req, out, 32);
    /* 8:00, 8:15, ..., 9:30 */
    assert_int_equal(n, 7);
    assert_int_equal(out[0].start, 8 * H);
    assert_int_equal(out[6].start, 9 * H + 30 * M);
    assert_int_equal(out[6].end, 10 * H);
}

static void test_busy_intervals_skipped_unsorted_overlapping(void **state)
{
    (void)state;
    slot_interval open = {8 * H, 12 * H};
    slot_interval busy[] = {
        {10 * H, 10 * H + 45 * M},
        {8 * H + 20 * M, 9 * H},      /* overlaps the next one */
        {8 * H + 50 * M, 9 * H + 10 * M},
    };
    slot_request req = {30 * M, 15 * M, 0};
    slot_interval out[32];
    size_t n = slots_find(&open, 1, busy, 3, &req, out, 32);
    /* 8:00 does not fit (8:20 busy); 9:15, 9:30 ok (9:30-10:00); 9:45 no; 10:45, 11:00, 11:15, 11:30 */
    int64_t expect[] = {9 * H + 15 * M, 9 * H + 30 * M, 10 * H + 45 * M, 11 * H, 11 * H + 15 * M, 11 * H + 30 * M};
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) assert_int_equal(out[i].start, expect[i]);
}

static void test_not_before_and_cap(void **state)
{
    (void)state;
    slot_interval open[] = {{14 * H, 16 * H}, {8 * H, 9 * H}};
    slot_request req = {20 * M, 10 * M, 8 * H + 35 * M};
    slot_interval out[3];
    size_t n = slots_find(open, 2, NULL, 0, &req, out, 3);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].start, 8 * H + 40 * M); /* aligned on the 10-minute grid */
    assert_int_equal(out[1].start, 14 * H);
    assert_int_equal(out[2].start, 14 * H + 10 * M);
}

static void test_invalid_requests(void **state)
{
    (void)state;
    slot_interval open = {0, H};
    slot_interval out[4];
    slot_request zero = {0, 10, 0};
    slot_request negstep = {10, -1, 0};
    assert_int_equal(slots_find(&open, 1, NULL, 0, &zero, out, 4), 0);
    assert_int_equal(slots_find(&open, 1, NULL, 0, &negstep, out, 4), 0);
    slot_request toolong = {2 * H, 10 * M, 0};
    assert_int_equal(slots_find(&open, 1, NULL, 0, &toolong, out, 4), 0);
}

static int64_t utc_plus_one(int64_t day, int minute) { return day * 86400 + minute * 60 - 3600; }

static void test_open_windows_skip_weekends(void **state)
{
    (void)state;
    slot_interval w[10];
    /* 2026-11-20 is a Friday: days 20777 (Fri), 20778 (Sat), 20779 (Sun), 20780 (Mon) */
    size_t n = slots_open_windows(20777, 4, 8 * 60, 19 * 60, 0, utc_plus_one, w, 10);
    assert_int_equal(n, 2);
    assert_int_equal(w[0].start, 20777LL * 86400 + 7 * H);
    assert_int_equal(w[1].start, 20780LL * 86400 + 7 * H);
    assert_int_equal(slots_open_windows(20777, 4, 8 * 60, 19 * 60, 1, utc_plus_one, w, 10), 4);
    assert_int_equal(slots_open_windows(20777, 4, 19 * 60, 8 * 60, 1, utc_plus_one, w, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_room_fills_window),
        cmocka_unit_test(test_busy_intervals_skipped_unsorted_overlapping),
        cmocka_unit_test(test_not_before_and_cap),
        cmocka_unit_test(test_invalid_requests),
        cmocka_unit_test(test_open_windows_skip_weekends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
