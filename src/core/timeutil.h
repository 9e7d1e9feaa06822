/* Dates and times as Couloir exchanges them: ISO 8601 in the API and the store
 * ("2026-11-22", "2026-11-22T08:30:00Z", "2026-11-22T09:30:00+01:00"), DICOM DA/TM and
 * HL7 DTM ("20261122083000") at the edges. All functions validate the calendar strictly. */
#ifndef COULOIR_CORE_TIMEUTIL_H
#define COULOIR_CORE_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* True when y-m-d is a real calendar date (1..9999). */
bool time_valid_date(int y, int m, int d);

/* "YYYY-MM-DD" -> days since 1970-01-01 in *days; returns 0 or -1 when malformed/invalid. */
int time_parse_date(const char *s, int64_t *days);
/* ISO 8601 date-time with 'Z' or ±HH:MM offset (seconds optional, fraction ignored)
 * -> Unix seconds (UTC). A date-time without offset is refused (-1): ambiguous. */
int time_parse_datetime(const char *s, int64_t *unix_seconds);

/* Formats Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" (out >= 21 bytes). */
const char *time_format_utc(int64_t unix_seconds, char *out, size_t n);
/* Formats days since epoch as "YYYY-MM-DD" (out >= 11 bytes). */
const char *time_format_date(int64_t days, char *out, size_t n);

/* Days since 1970-01-01 for a civil date, and back (proleptic Gregorian). */
int64_t time_days_from_civil(int y, int m, int d);
void time_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Local civil time (the process time zone, set once at start-up from [site] timezone via TZ)
 * -> unix seconds: `days` since epoch of the local calendar date, minute of that day.
 * Ambiguous or skipped local times (DST changes) resolve as mktime() does with tm_isdst = -1. */
int64_t time_local_to_unix(int64_t days, int minute_of_day);
/* Unix seconds -> local calendar day (days since epoch) and minute of day. */
void time_unix_to_local(int64_t unix_seconds, int64_t *days, int *minute_of_day);

/* Current time. */
int64_t time_now_unix(void);
int64_t time_now_ms(void);            /* CLOCK_REALTIME milliseconds */
int64_t time_monotonic_ms(void);      /* CLOCK_MONOTONIC milliseconds */

#endif
