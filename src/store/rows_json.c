/* Query results as JSON (store_internal.h): one object per row, keyed by the column names the
 * SQL gives (alias a column to rename it), NULL cells as null. */
#include <string.h>

#include "store/store_internal.h"

json_t *db_rows_json(const db_rows *r, const char *const *int_cols)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r->nrows; i++) {
        json_t *o = json_object();
        for (size_t j = 0; o && j < r->ncols; j++) {
            const char *v = db_cell(r, i, j);
            bool is_int = false;
            for (const char *const *k = int_cols; k && *k; k++)
                if (strcmp(*k, r->cols[j]) == 0) is_int = true;
            int64_t n;
            if (!v) json_object_set_new(o, r->cols[j], json_null());
            else if (is_int && db_parse_i64(v, &n)) json_object_set_new(o, r->cols[j], json_integer(n));
            else json_object_set_new(o, r->cols[j], json_string(v));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}
