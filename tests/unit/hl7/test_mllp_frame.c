/* MLLP deframer: split reads, several frames per read, garbage, broken frames, oversized. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7/hl7.h"

typedef struct {
    char msgs[8][256];
    size_t lens[8];
    bool over[8];
    size_t total[8];
    int n;
    int stop_after;
} sink;

static int collect(void *ctx, const hl7_mllp_frame *f)
{
    sink *s = ctx;
    assert_true(s->n < 8);
    size_t n = f->len < 255 ? f->len : 255;
    memcpy(s->msgs[s->n], f->data, n);
    s->msgs[s->n][n] = 0;
    s->lens[s->n] = f->len;
    s->over[s->n] = f->oversized;
    s->total[s->n] = f->total_len;
    s->n++;
    return s->stop_after && s->n >= s->stop_after ? 7 : 0;
}

static void test_split_every_byte(void **state)
{
    (void)state;
    const char in[] = "\x0bMSH|A\rPID|1\r\x1c\x0d\x0bMSH|B\r\x1c\x0d";
    hl7_mllp_deframer *d = hl7_mllp_deframer_new(1000, 0);
    sink s = {0};
    for (size_t i = 0; i < sizeof in - 1; i++) assert_int_equal(hl7_mllp_deframer_push(d, in + i, 1, collect, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.msgs[0], "MSH|A\rPID|1\r");
    assert_string_equal(s.msgs[1], "MSH|B\r");
    assert_false(hl7_mllp_deframer_in_frame(d));
    assert_int_equal(hl7_mllp_deframer_stats(d)->frames, 2);
    assert_int_equal(hl7_mllp_deframer_stats(d)->garbage_bytes, 0);
    hl7_mllp_deframer_free(d);
}

static void test_two_in_one_and_garbage(void **state)
{
    (void)state;
    const char in[] = "junk\r\n\x0bONE\x1c\x0dxx\x0bTWO\x1c\x0d\x0bTH\x1cREE\x1c\x0d\x0b" "broken\x0b" "FOUR\x1c\x0d\x0bPART";
    hl7_mllp_deframer *d = hl7_mllp_deframer_new(1000, 0);
    sink s = {0};
    assert_int_equal(hl7_mllp_deframer_push(d, in, sizeof in - 1, collect, &s), 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.msgs[0], "ONE");
    assert_string_equal(s.msgs[1], "TWO");
    assert_string_equal(s.msgs[2], "TH\x1cREE");
    assert_string_equal(s.msgs[3], "FOUR");
    assert_true(hl7_mllp_deframer_in_frame(d));
    const hl7_mllp_stats *st = hl7_mllp_deframer_stats(d);
    assert_int_equal(st->garbage_bytes, 6 + 2 + 6);
    assert_int_equal(st->broken_frames, 1);
    assert_int_equal(hl7_mllp_deframer_push(d, "\x1c\x0d", 2, collect, &s), 0);
    assert_int_equal(s.n, 5);
    assert_string_equal(s.msgs[4], "PART");
    hl7_mllp_deframer_free(d);
}

static void test_oversized(void **state)
{
    (void)state;
    hl7_mllp_deframer *d = hl7_mllp_deframer_new(100, 10);
    sink s = {0};
    char big[1000];
    memset(big, 'A', sizeof big);
    memcpy(big, "MSH|^~\\&|X", 10);
    assert_int_equal(hl7_mllp_deframer_push(d, "\x0b", 1, collect, &s), 0);
    for (int i = 0; i < 5; i++) assert_int_equal(hl7_mllp_deframer_push(d, big, sizeof big, collect, &s), 0);
    assert_int_equal(hl7_mllp_deframer_push(d, "\x1c\x0d\x0bOK\x1c\x0d", 7, collect, &s), 0);
    assert_int_equal(s.n, 2);
    assert_true(s.over[0]);
    assert_int_equal(s.total[0], 5000);
    assert_int_equal(s.lens[0], 10);
    assert_string_equal(s.msgs[0], "MSH|^~\\&|X");
    assert_false(s.over[1]);
    assert_string_equal(s.msgs[1], "OK");
    assert_int_equal(hl7_mllp_deframer_stats(d)->oversized, 1);
    hl7_mllp_deframer_free(d);
    /* exactly at the limit is accepted */
    d = hl7_mllp_deframer_new(4, 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(hl7_mllp_deframer_push(d, "\x0b" "ABCD\x1c\x0d\x0b" "ABCDE\x1c\x0d", 15, collect, &s), 0);
    assert_int_equal(s.n, 2);
    assert_false(s.over[0]);
    assert_true(s.over[1]);
    assert_string_equal(s.msgs[1], "ABCD");
    hl7_mllp_deframer_free(d);
}

static void test_stop(void **state)
{
    (void)state;
    hl7_mllp_deframer *d = hl7_mllp_deframer_new(0, 0);
    sink s = {0};
    s.stop_after = 1;
    assert_int_equal(hl7_mllp_deframer_push(d, "\x0b" "A\x1c\x0d\x0b" "B\x1c\x0d", 8, collect, &s), 7);
    assert_int_equal(s.n, 1);
    hl7_mllp_deframer_free(d);
    buf_t b = BUF_INIT;
    assert_int_equal(hl7_mllp_frame_append(&b, "MSH", 3), HL7_OK);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "\x0bMSH\x1c\x0d", 6);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_every_byte),
        cmocka_unit_test(test_two_in_one_and_garbage),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
