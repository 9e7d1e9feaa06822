/* Timing and percentiles shared by the reporting benchmarks (bench_report, bench_report_store). */
#ifndef COULOIR_BENCH_REPORT_STATS_H
#define COULOIR_BENCH_REPORT_STATS_H

#include <math.h>
#include <stddef.h>
#include <time.h>

static inline double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Wall-clock (monotonic) and process CPU time, in milliseconds. */
static inline double now_ms(void) { return clock_ms(CLOCK_MONOTONIC); }
static inline double cpu_ms(void) { return clock_ms(CLOCK_PROCESS_CPUTIME_ID); }

/* qsort comparator of doubles. */
static inline int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of n sorted values. */
static inline double pct(const double *sorted, size_t n, double p)
{
    size_t i = (size_t)ceil(p / 100.0 * (double)n);
    return sorted[i ? i - 1 : 0];
}

#endif
