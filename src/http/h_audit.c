/* GET /api/v1/audit: the audit trail, admin only, with filters and paging. */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "http/http_internal.h"

void h_audit_list(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "list")) return;
    static const char *const allowed[] = {"user_id", "action", "object_type", "patient_id", "from", "to", NULL};
    store_filter filters[HTTP_MAX_FILTERS];
    store_list_query q;
    http_err e;
    if (http_parse_paging(cx->req->query, cx->req->nquery, allowed, filters, &q, &e) != 0) {
        http_set_error(cx->resp, &e);
        return;
    }
    char times[2][32];
    int nt = 0;
    for (size_t i = 0; i < q.nfilters; i++) {
        const char *k = filters[i].field, *v = filters[i].value;
        int64_t n;
        if (strcmp(k, "user_id") == 0 || strcmp(k, "patient_id") == 0) {
            if (http_parse_int64(v, 0, INT64_MAX, &n) != 0) {
                http_fail(cx->resp, HE_INVALID_VALUE, k, "Le paramètre « %s » doit être un entier positif ou nul.", k);
                cx->resp->status = 400;
                return;
            }
        } else if (strcmp(k, "from") == 0 || strcmp(k, "to") == 0) {
            int64_t t;
            if (time_parse_datetime(v, &t) != 0) {
                int64_t d;
                if (time_parse_date(v, &d) != 0) {
                    http_fail(cx->resp, HE_INVALID_VALUE, k,
                              "Le paramètre « %s » doit être une date (AAAA-MM-JJ) ou une date et heure ISO 8601 avec fuseau.", k);
                    cx->resp->status = 400;
                    return;
                }
                t = d * 86400; /* a bare date is taken as UTC midnight */
            }
            filters[i].value = time_format_utc(t, times[nt], sizeof times[nt]);
            nt++;
        } else if (!v[0] || strlen(v) > 64) {
            http_fail(cx->resp, HE_INVALID_VALUE, k, "Le paramètre « %s » doit contenir de 1 à 64 caractères.", k);
            cx->resp->status = 400;
            return;
        }
    }
    json_t *items = NULL;
    int64_t total = 0;
    store_status s = store_audit_list(cx->conn, &q, &items, &total);
    if (s != STORE_OK) {
        json_decref(items);
        if (s == STORE_INVALID) {
            http_fail(cx->resp, HE_BAD_REQUEST, NULL, "Filtres du journal d'audit invalides.");
            return;
        }
        http_fail_store(cx->resp, s, NULL);
        return;
    }
    json_t *body = json_object();
    json_object_set_new(body, "items", items);
    json_object_set_new(body, "total", json_integer(total));
    json_object_set_new(body, "offset", json_integer(q.offset));
    json_object_set_new(body, "limit", json_integer(q.limit));
    http_set_json(cx->resp, 200, body);
}
