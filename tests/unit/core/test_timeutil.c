#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/timeutil.h"

static void test_valid_dates(void **state)
{
    (void)state;
    assert_true(time_valid_date(2024, 2, 29));
    assert_false(time_valid_date(2023, 2, 29));
    assert_false(time_valid_date(1900, 2, 29));
    assert_true(time_valid_date(2000, 2, 29));
    assert_false(time_valid_date(2026, 13, 1));
    assert_false(time_valid_date(2026, 4, 31));
    assert_false(time_valid_date(2026, 0, 10));
}

static void test_parse_date(void **state)
{
    (void)state;
    int64_t d;
    assert_int_equal(time_parse_date("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(time_parse_date("2026-11-22", &d), 0);
    char out[16];
    assert_string_equal(time_format_date(d, out, sizeof out), "2026-11-22");
    assert_int_equal(time_parse_date("2026-11-31", &d), -1);
    assert_int_equal(time_parse_date("2026-1-01", &d), -1);
    assert_int_equal(time_parse_date("2026-11-22x", &d), -1);
    assert_int_equal(time_parse_date("", &d), -1);
    assert_int_equal(time_parse_date(NULL, &d), -1);
}

static void test_parse_datetime(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(time_parse_datetime("1970-01-01T00:00:00Z", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(time_parse_datetime("2026-11-22T09:30:00+01:00", &t), 0);
    char out[32];
    assert_string_equal(time_format_utc(t, out, sizeof out), "2026-11-22T08:30:00Z");
    assert_int_equal(time_parse_datetime("2026-11-22T08:30Z", &t), 0);
    assert_string_equal(time_format_utc(t, out, sizeof out), "2026-11-22T08:30:00Z");
    assert_int_equal(time_parse_datetime("2026-11-22T08:30:00.250Z", &t), 0);
    assert_int_equal(time_parse_datetime("2026-11-22T08:30:00", &t), -1);   /* no offset */
    assert_int_equal(time_parse_datetime("2026-11-22T24:00:00Z", &t), -1);
    assert_int_equal(time_parse_datetime("2026-11-22T08:30:00Zjunk", &t), -1);
    assert_int_equal(time_parse_datetime("2026-02-30T08:30:00Z", &t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_dates),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_parse_datetime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
