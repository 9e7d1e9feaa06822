/* HL7 destinations (hl7_destination), the link of outbound jobs to them (hl7_outbound), the
 * delivery view of outbound HL7 jobs, and the CDA document rows read by the report transmission.
 * See hl7feed_store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/hl7feed_store.h"
#include "store/hl7feed_store_internal.h"

#define NP HL7S_NP

#define DEST_COLS                                                                                                    \
    "id, name, source, host, port, flavour, charset, receiving_application, receiving_facility, send_orders, "      \
    "send_patients, send_reports, report_flavour, tls, enabled, created_at, updated_at"

static const hl7s_col dest_map[] = {
    HL7S_I64(hl7s_destination, id),
    HL7S_TEXT(hl7s_destination, name),
    HL7S_TEXT(hl7s_destination, source),
    HL7S_TEXT(hl7s_destination, host),
    HL7S_INT(hl7s_destination, port),
    HL7S_TEXT(hl7s_destination, flavour),
    HL7S_TEXT(hl7s_destination, charset),
    HL7S_TEXT(hl7s_destination, receiving_application),
    HL7S_TEXT(hl7s_destination, receiving_facility),
    HL7S_BOOL(hl7s_destination, send_orders),
    HL7S_BOOL(hl7s_destination, send_patients),
    HL7S_BOOL(hl7s_destination, send_reports),
    HL7S_TEXT(hl7s_destination, report_flavour),
    HL7S_BOOL(hl7s_destination, tls),
    HL7S_BOOL(hl7s_destination, enabled),
    HL7S_TEXT(hl7s_destination, created_at),
    HL7S_TEXT(hl7s_destination, updated_at),
};

/* The parameters of every column written by insert/update, in DEST_WRITE_COLS order. */
#define DEST_WRITE_COLS                                                                                              \
    "name, source, host, port, flavour, charset, receiving_application, receiving_facility, send_orders, "          \
    "send_patients, send_reports, report_flavour, tls, enabled, updated_at"
#define DEST_NWRITE 15

static void dest_params(const hl7s_destination *d, const char *now, db_param *p)
{
    db_param v[DEST_NWRITE] = {
        db_text(d->name),           db_text(d->source[0] ? d->source : "api"), db_text(d->host),
        db_int(d->port),            db_text(d->flavour),                        db_text(d->charset),
        db_text(d->receiving_application), db_text(d->receiving_facility),     db_int(d->send_orders),
        db_int(d->send_patients),   db_int(d->send_reports),                    db_text(d->report_flavour),
        db_int(d->tls),             db_int(d->enabled),                         db_text(now),
    };
    memcpy(p, v, sizeof v);
}

store_status hl7s_destination_insert(store_conn_t *c, const hl7s_destination *d, int64_t *id)
{
    char now[32];
    hl7s_now(now, sizeof now);
    db_param p[DEST_NWRITE + 1];
    dest_params(d, now, p);
    p[DEST_NWRITE] = db_text(now);
    db_rows r = {0};
    store_status st = db_exec_row(c,
                                  "INSERT INTO hl7_destination (" DEST_WRITE_COLS ", created_at) VALUES "
                                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                  p, NP(p), &r);
    if (st != STORE_OK) return st;
    *id = 0;
    db_parse_i64(db_cell(&r, 0, 0), id);
    db_rows_free(&r);
    return STORE_OK;
}

store_status hl7s_destination_update(store_conn_t *c, const hl7s_destination *d)
{
    char now[32];
    hl7s_now(now, sizeof now);
    db_param p[DEST_NWRITE + 1];
    dest_params(d, now, p);
    p[DEST_NWRITE] = db_int(d->id);
    int64_t changes = 0;
    store_status st = db_exec(c,
                              "UPDATE hl7_destination SET name = ?, source = ?, host = ?, port = ?, flavour = ?, "
                              "charset = ?, receiving_application = ?, receiving_facility = ?, send_orders = ?, "
                              "send_patients = ?, send_reports = ?, report_flavour = ?, tls = ?, enabled = ?, "
                              "updated_at = ? WHERE id = ?",
                              p, NP(p), NULL, &changes);
    if (st == STORE_OK && changes == 0) return db_fail(c, STORE_NOT_FOUND, "no HL7 destination %lld", (long long)d->id);
    return st;
}

store_status hl7s_destination_delete(store_conn_t *c, int64_t id)
{
    db_param p[] = {db_int(id)};
    int64_t changes = 0;
    store_status st = db_exec(c, "DELETE FROM hl7_destination WHERE id = ?", p, NP(p), NULL, &changes);
    if (st == STORE_OK && changes == 0) return db_fail(c, STORE_NOT_FOUND, "no HL7 destination %lld", (long long)id);
    return st;
}

store_status hl7s_destination_get(store_conn_t *c, int64_t id, hl7s_destination *out)
{
    db_param p[] = {db_int(id)};
    db_rows r = {0};
    store_status st = db_exec_row(c, "SELECT " DEST_COLS " FROM hl7_destination WHERE id = ?", p, NP(p), &r);
    if (st != STORE_OK) return st;
    memset(out, 0, sizeof *out);
    hl7s_map_row(&r, 0, dest_map, NP(dest_map), out);
    db_rows_free(&r);
    return STORE_OK;
}

store_status hl7s_destination_list(store_conn_t *c, hl7s_subscription sub, bool enabled_only, hl7s_destination **out,
                                   size_t *n)
{
    static const char *const filters[] = {
        [HL7S_ANY] = "1 = 1",
        [HL7S_ORDERS] = "send_orders = 1",
        [HL7S_PATIENTS] = "send_patients = 1",
        [HL7S_REPORTS] = "send_reports = 1",
    };
    *out = NULL;
    *n = 0;
    if ((int)sub < 0 || (size_t)sub >= NP(filters)) return db_fail(c, STORE_INVALID, "unknown subscription");
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " DEST_COLS " FROM hl7_destination WHERE %s%s ORDER BY id", filters[sub],
             enabled_only ? " AND enabled = 1" : "");
    db_rows r = {0};
    store_status st = db_exec(c, sql, NULL, 0, &r, NULL);
    if (st != STORE_OK) return st;
    if (r.nrows) {
        *out = calloc(r.nrows, sizeof **out);
        if (!*out) {
            db_rows_free(&r);
            return db_fail(c, STORE_ERROR, "out of memory");
        }
    }
    for (size_t i = 0; i < r.nrows; i++) hl7s_map_row(&r, i, dest_map, NP(dest_map), &(*out)[i]);
    *n = r.nrows;
    db_rows_free(&r);
    return STORE_OK;
}

store_status hl7s_destination_sync_config(store_conn_t *c, const hl7s_destination *d, int64_t *id)
{
    bool opened = false;
    store_status st = db_tx_auto(c, &opened);
    if (st != STORE_OK) return st;
    db_rows r = {0};
    int64_t existing = 0;
    st = db_exec(c, "SELECT id FROM hl7_destination WHERE source = 'config' ORDER BY id LIMIT 1", NULL, 0, &r, NULL);
    if (st == STORE_OK) {
        if (r.nrows) db_parse_i64(db_cell(&r, 0, 0), &existing);
        db_rows_free(&r);
    }
    if (id) *id = 0;
    if (st == STORE_OK && !d && existing) {
        db_param p[] = {db_int(existing)};
        st = db_exec(c, "DELETE FROM hl7_destination WHERE id = ?", p, NP(p), NULL, NULL);
    } else if (st == STORE_OK && d) {
        hl7s_destination row = *d;
        hl7s_copy(row.source, sizeof row.source, "config");
        row.id = existing;
        if (existing) st = hl7s_destination_update(c, &row);
        else st = hl7s_destination_insert(c, &row, &row.id);
        if (st == STORE_OK && id) *id = row.id;
    }
    return db_tx_end(c, opened, st);
}

json_t *hl7s_destination_json(const hl7s_destination *d)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:s,s:b,s:b,s:s,s:s}", "id", (json_int_t)d->id,
                     "name", d->name, "source", d->source, "host", d->host, "port", d->port, "flavour", d->flavour,
                     "charset", d->charset, "receiving_application", d->receiving_application, "receiving_facility",
                     d->receiving_facility, "send_orders", d->send_orders, "send_patients", d->send_patients,
                     "send_reports", d->send_reports, "report_flavour", d->report_flavour, "tls", d->tls, "enabled",
                     d->enabled, "created_at", d->created_at, "updated_at", d->updated_at);
}

/* ------------------------------------------------------------------------------ outbound jobs */
store_status hl7s_outbound_link(store_conn_t *c, int64_t job_id, int64_t destination_id, const char *message_type,
                                const char *control_id)
{
    db_param p[] = {db_int(job_id), destination_id > 0 ? db_int(destination_id) : db_null(), db_text(message_type),
                    db_text(control_id)};
    return db_exec(c, "INSERT INTO hl7_outbound (job_id, destination_id, message_type, control_id) VALUES (?, ?, ?, ?)",
                   p, NP(p), NULL, NULL);
}

store_status hl7s_outbound_set_parent(store_conn_t *c, const char *dedup_key, int64_t parent_job_id)
{
    if (!dedup_key || !*dedup_key || parent_job_id <= 0) return db_fail(c, STORE_INVALID, "outbound parent: bad key");
    db_param p[] = {db_int(parent_job_id), db_text(dedup_key)};
    int64_t changed = 0;
    store_status s = db_exec(c,
                             "UPDATE hl7_outbound SET parent_job_id = ? WHERE job_id = (SELECT id FROM outbox_job "
                             "WHERE dedup_key = ?)",
                             p, NP(p), NULL, &changed);
    if (s == STORE_OK && changed == 0) return db_fail(c, STORE_NOT_FOUND, "outbound parent: no such job");
    return s;
}

store_status hl7s_outbox_count_prefix(store_conn_t *c, const char *prefix, int64_t *n)
{
    /* substr rather than LIKE: the prefix may hold '%' or '_' */
    db_param p[] = {db_int((int64_t)strlen(prefix)), db_text(prefix)};
    return hl7s_count(c, "SELECT COUNT(*) FROM outbox_job WHERE substr(dedup_key, 1, CAST(? AS INTEGER)) = ?", p, NP(p), n);
}

#define OUTBOX_FROM                                                                                                  \
    " FROM outbox_job j LEFT JOIN hl7_outbound o ON o.job_id = j.id LEFT JOIN hl7_destination d "                    \
    "ON d.id = o.destination_id WHERE j.kind IN ('hl7', 'report-hl7') AND (CAST(? AS TEXT) IS NULL OR j.state = ?) " \
    "AND (? = 0 OR o.destination_id = ?)"

store_status hl7s_outbox_list(store_conn_t *c, const char *state, int64_t destination_id, int64_t limit,
                              int64_t offset, json_t **items, int64_t *total)
{
    if (limit < 1 || limit > 1000 || offset < 0) return db_fail(c, STORE_INVALID, "limit or offset out of range");
    db_param p[] = {db_text(state), db_text(state), db_int(destination_id), db_int(destination_id),
                    db_int(limit),  db_int(offset)};
    db_rows r = {0};
    store_status st = db_exec(c,
                              "SELECT j.id, j.kind, o.destination_id, d.name, o.message_type, o.control_id, j.state, "
                              "j.attempts, j.last_error, j.next_attempt_at, j.created_at, j.updated_at" OUTBOX_FROM
                              " ORDER BY j.id DESC LIMIT ? OFFSET ?",
                              p, NP(p), &r, NULL);
    if (st != STORE_OK) return st;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r.nrows; i++) {
        int64_t id = 0, dest = 0, attempts = 0;
        db_parse_i64(db_cell(&r, i, 0), &id);
        const char *dest_cell = db_cell(&r, i, 2), *state_cell = db_cell(&r, i, 6);
        json_t *destination = json_null();
        if (dest_cell && db_parse_i64(dest_cell, &dest))
            destination = json_pack("{s:I,s:o}", "id", (json_int_t)dest, "name",
                                    db_cell(&r, i, 3) ? json_string(db_cell(&r, i, 3)) : json_null());
        db_parse_i64(db_cell(&r, i, 7), &attempts);
        bool waiting = state_cell && strcmp(state_cell, "pending") == 0;
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(id));
        json_object_set_new(o, "kind", json_string(db_cell(&r, i, 1)));
        json_object_set_new(o, "destination", destination);
        for (size_t k = 4; k <= 11; k++) {
            static const char *const names[] = {NULL, NULL, NULL, NULL, "message_type", "control_id", "state",
                                                "attempts", "last_error", "next_attempt_at", "created_at",
                                                "updated_at"};
            const char *v = db_cell(&r, i, k);
            json_t *jv = v ? json_string(v) : json_null();
            if (k == 7) {
                json_decref(jv);
                jv = json_integer(attempts);
            } else if (k == 9 && !waiting) {
                json_decref(jv);
                jv = json_null();
            }
            json_object_set_new(o, names[k], jv);
        }
        json_array_append_new(arr, o);
    }
    db_rows_free(&r);
    if (!arr) return db_fail(c, STORE_ERROR, "out of memory");
    if (total) st = hl7s_count(c, "SELECT COUNT(*)" OUTBOX_FROM, p, 4, total);
    if (st != STORE_OK) json_decref(arr);
    else *items = arr;
    return st;
}

/* ------------------------------------------------------------------------------ report documents */
void hl7s_report_document_clear(hl7s_report_document *d)
{
    if (!d) return;
    free(d->content);
    memset(d, 0, sizeof *d);
}

store_status hl7s_report_document_get(store_conn_t *c, int64_t document_id, hl7s_report_document *out)
{
    static const hl7s_col map[] = {
        HL7S_I64(hl7s_report_document, document_id),      HL7S_I64(hl7s_report_document, report_id),
        HL7S_I64(hl7s_report_document, patient_id),       HL7S_I64(hl7s_report_document, procedure_id),
        HL7S_TEXT(hl7s_report_document, kind),            HL7S_TEXT(hl7s_report_document, unique_id),
        HL7S_TEXT(hl7s_report_document, set_id),          HL7S_TEXT(hl7s_report_document, replaces_id),
        HL7S_INT(hl7s_report_document, version),          HL7S_TEXT(hl7s_report_document, validated_at),
        HL7S_TEXT(hl7s_report_document, created_at),      HL7S_TEXT(hl7s_report_document, accession_number),
        HL7S_TEXT(hl7s_report_document, placer_number),   HL7S_TEXT(hl7s_report_document, author_rpps),
        HL7S_TEXT(hl7s_report_document, author_name),
    };
    memset(out, 0, sizeof *out);
    db_param p[] = {db_int(document_id)};
    db_rows r = {0};
    store_status st = db_exec_row(
        c,
        "SELECT d.id, d.report_id, d.patient_id, r.procedure_id, d.kind, d.unique_id, d.set_id, "
        "(SELECT pd.unique_id FROM document pd WHERE pd.set_id = d.set_id AND pd.kind = d.kind "
        "AND pd.version = d.version - 1), d.version, r.validated_at, d.created_at, rp.accession_number, "
        "o.placer_number, r.validator_rpps, u.display_name, d.content_encoding, d.content "
        "FROM document d JOIN report r ON r.id = d.report_id "
        "JOIN requested_procedure rp ON rp.id = r.procedure_id JOIN imaging_order o ON o.id = rp.order_id "
        "LEFT JOIN app_user u ON u.id = r.validator_user_id WHERE d.id = ?",
        p, NP(p), &r);
    if (st != STORE_OK) return st;
    hl7s_map_row(&r, 0, map, NP(map), out);
    const char *enc = db_cell(&r, 0, NP(map)), *content = db_cell(&r, 0, NP(map) + 1);
    if (!enc || strcmp(enc, "utf-8") != 0 || !content) {
        db_rows_free(&r);
        return db_fail(c, STORE_INVALID, "document %lld is not a text document", (long long)document_id);
    }
    out->content_len = strlen(content);
    out->content = strdup(content);
    db_rows_free(&r);
    return out->content ? STORE_OK : db_fail(c, STORE_ERROR, "out of memory");
}
