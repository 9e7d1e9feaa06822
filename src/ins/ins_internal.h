/* Helpers shared by the files of the ins module (not part of the public API). */
#ifndef COULOIR_INS_INTERNAL_H
#define COULOIR_INS_INTERNAL_H

#include "ins/ins.h"

/* Copies src into dst (size n); returns 0, or -1 (dst = "") when it does not fit. */
int ins_copy(char *dst, size_t n, const char *src);
/* Like ins_copy but never fails: truncates on a UTF-8 boundary (for messages and history). */
void ins_copy_trunc(char *dst, size_t n, const char *src);

/* Appends a problem (blocking unless warning). Returns the number of blocking problems so far. */
void ins_problem_add(ins_problems *p, unsigned trait, const char *requirement, bool warning,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
size_t ins_problems_blocking(const ins_problems *p);

/* Appends a history entry (silently dropped when hist is NULL; the last slot records overflow). */
void ins_history_add(ins_history *h, const ins_actor *who, ins_history_kind kind, const char *field,
                     const char *old_value, const char *new_value, const char *reason);

/* Recomputes the status from the facts (from_insi, verified) and records the change. */
void ins_identity_refresh_status(ins_identity *id, const ins_actor *who, ins_history *hist,
                                 const char *reason);
/* Drops the INS (matricule + OID + from_insi) and records it. */
void ins_identity_drop_ins(ins_identity *id, const ins_actor *who, ins_history *hist, const char *reason);

/* True when s is NULL or only spaces. */
bool ins_blank(const char *s);
/* Validates YYYY-MM-DD strictly (real calendar date). */
bool ins_date_valid(const char *s);
/* INSEE COG: 5 digits, or 2A/2B + 3 digits (99xxx abroad, 99999 unknown). */
bool ins_birth_place_valid(const char *s);

/* UTF-8 decoding: reads one code point at *p (advancing it); returns -1 on a malformed
 * sequence (then *p advances by one byte). */
long ins_utf8_next(const char **p);
/* ASCII folding of a code point: letters with diacritics to their base letter (Œ -> OE,
 * ß -> SS), typographic apostrophes to ', dashes to -, no-break space to ' '. Returns the
 * number of bytes written to out (1..2), 0 when the code point has no folding. */
int ins_fold_codepoint(long cp, char out[3]);

#endif
