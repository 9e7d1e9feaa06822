/* Helpers shared by the files of the HL7 store side (hl7feed_store*.c): one declarative mapping
 * from result columns to struct members instead of a copy per column and per query. */
#ifndef COULOIR_STORE_HL7FEED_STORE_INTERNAL_H
#define COULOIR_STORE_HL7FEED_STORE_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "store/store_internal.h"

#define HL7S_NP(a) (sizeof(a) / sizeof((a)[0]))

typedef enum { HL7S_COL_TEXT, HL7S_COL_I64, HL7S_COL_INT, HL7S_COL_BOOL } hl7s_col_type;

/* Column i of a row goes to the member at `offset` (size `size` for text). */
typedef struct {
    hl7s_col_type type;
    size_t offset, size;
} hl7s_col;

#define HL7S_TEXT(type, member) {HL7S_COL_TEXT, offsetof(type, member), sizeof(((type *)0)->member)}
#define HL7S_I64(type, member) {HL7S_COL_I64, offsetof(type, member), sizeof(int64_t)}
#define HL7S_INT(type, member) {HL7S_COL_INT, offsetof(type, member), sizeof(int)}
#define HL7S_BOOL(type, member) {HL7S_COL_BOOL, offsetof(type, member), sizeof(bool)}

/* Fills the struct at base from row `row` of r, column j into map[j] (NULL cells: "", 0, false;
 * text truncated to the member). */
void hl7s_map_row(const db_rows *r, size_t row, const hl7s_col *map, size_t ncols, void *base);

/* Copies s (NULL = "") into dst, truncated to n - 1 bytes. */
void hl7s_copy(char *dst, size_t n, const char *s);
/* Now as ISO 8601 UTC. */
void hl7s_now(char *out, size_t n);

/* One integer of a COUNT(*) (or any single-cell) query. */
store_status hl7s_count(store_conn_t *c, const char *sql, const db_param *p, size_t np, int64_t *n);

#endif
