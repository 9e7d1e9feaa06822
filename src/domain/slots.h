/* Free-slot search for the agenda: given the opening windows of a room and its busy
 * intervals, list the start times where an exam of a given duration fits. Pure logic. */
#ifndef COULOIR_DOMAIN_SLOTS_H
#define COULOIR_DOMAIN_SLOTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t start; /* unix seconds, inclusive */
    int64_t end;   /* unix seconds, exclusive */
} slot_interval;

typedef struct {
    int64_t duration;   /* seconds the exam needs, > 0 */
    int64_t step;       /* candidate starts are aligned on multiples of step from the window start, > 0 */
    int64_t not_before; /* no slot starting before this instant (e.g. now) */
} slot_request;

/* Writes up to max_out free slots (each [start, start+duration)) into out, in chronological
 * order; returns how many were written. `open` and `busy` need not be sorted and may overlap;
 * inputs are not modified. Returns 0 on invalid requests (duration or step <= 0). */
size_t slots_find(const slot_interval *open, size_t nopen, const slot_interval *busy, size_t nbusy,
                  const slot_request *req, slot_interval *out, size_t max_out);

/* Opening windows for `ndays` days from `first_day` (days since epoch, local calendar), each day
 * [open_minute, close_minute) local time, skipping Saturdays and Sundays unless weekends is
 * non-zero. `local_to_unix` converts (day, minute of day) in the site's time zone to unix
 * seconds (timeutil's time_local_to_unix in production; a fixed offset in tests).
 * Returns the number of windows written (<= max_out). */
size_t slots_open_windows(int64_t first_day, int ndays, int open_minute, int close_minute, int weekends,
                          int64_t (*local_to_unix)(int64_t day, int minute), slot_interval *out, size_t max_out);

#endif
