/* SQL of the HL7 integration (see hl7feed_store.h): savepoints, inbox, identity feed, orders.
 * Destinations and outbound jobs: hl7feed_store_dest.c. */
#include "store/hl7feed_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "store/hl7feed_store_internal.h"

#define NP HL7S_NP

void hl7s_copy(char *dst, size_t n, const char *s) { snprintf(dst, n, "%s", s ? s : ""); }

void hl7s_now(char *out, size_t n) { time_format_utc(time_now_unix(), out, n); }

void hl7s_map_row(const db_rows *r, size_t row, const hl7s_col *map, size_t ncols, void *base)
{
    for (size_t j = 0; j < ncols && j < r->ncols; j++) {
        const char *v = db_cell(r, row, j);
        char *dst = (char *)base + map[j].offset;
        int64_t n = 0;
        switch (map[j].type) {
        case HL7S_COL_TEXT: hl7s_copy(dst, map[j].size, v); break;
        case HL7S_COL_I64:
            if (!v || !db_parse_i64(v, &n)) n = 0;
            memcpy(dst, &n, sizeof n);
            break;
        case HL7S_COL_INT: {
            if (!v || !db_parse_i64(v, &n)) n = 0;
            int i = (int)n;
            memcpy(dst, &i, sizeof i);
            break;
        }
        case HL7S_COL_BOOL: {
            bool b = v && (strcmp(v, "1") == 0 || strcmp(v, "t") == 0 || strcmp(v, "true") == 0);
            memcpy(dst, &b, sizeof b);
            break;
        }
        }
    }
}

store_status hl7s_count(store_conn_t *c, const char *sql, const db_param *p, size_t np, int64_t *n)
{
    db_rows r = {0};
    store_status st = db_exec_row(c, sql, p, np, &r);
    if (st != STORE_OK) return st;
    *n = 0;
    db_parse_i64(db_cell(&r, 0, 0), n);
    db_rows_free(&r);
    return STORE_OK;
}

static bool valid_name(const char *name)
{
    if (!name || !*name) return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
    return true;
}

static store_status sp_exec(store_conn_t *c, const char *fmt, const char *name)
{
    if (!valid_name(name)) return db_fail(c, STORE_INVALID, "invalid savepoint name");
    char sql[96];
    snprintf(sql, sizeof sql, fmt, name);
    return db_exec(c, sql, NULL, 0, NULL, NULL);
}

store_status hl7s_savepoint(store_conn_t *c, const char *name) { return sp_exec(c, "SAVEPOINT %s", name); }
store_status hl7s_release(store_conn_t *c, const char *name) { return sp_exec(c, "RELEASE SAVEPOINT %s", name); }
store_status hl7s_rollback_to(store_conn_t *c, const char *name)
{
    return sp_exec(c, "ROLLBACK TO SAVEPOINT %s", name);
}

store_status hl7s_connection_tune(store_conn_t *c)
{
    if (strcmp(store_backend(c->st), "sqlite") != 0) return STORE_OK;
    return db_exec(c, "PRAGMA temp_store=MEMORY", NULL, 0, NULL, NULL);
}

/* ------------------------------------------------------------------------------ inbox */
store_status hl7s_inbox_find(store_conn_t *c, const char *source, const char *control_id, int64_t *id, char *state,
                             size_t state_len, char *outcome, size_t outcome_len)
{
    if (!source || !control_id) return db_fail(c, STORE_INVALID, "inbox: source and control id required");
    db_param p[] = {db_text(source), db_text(control_id)};
    db_rows r = {0};
    store_status st = db_exec_row(c,
                                  "SELECT id, state, outcome FROM inbox_message WHERE source = ? AND control_id = ? "
                                  "ORDER BY id DESC LIMIT 1",
                                  p, NP(p), &r);
    if (st != STORE_OK) return st;
    if (id) db_parse_i64(db_cell(&r, 0, 0), id);
    if (state && state_len) hl7s_copy(state, state_len, db_cell(&r, 0, 1));
    if (outcome && outcome_len) hl7s_copy(outcome, outcome_len, db_cell(&r, 0, 2));
    db_rows_free(&r);
    return STORE_OK;
}

store_status hl7s_inbox_get(store_conn_t *c, int64_t id, char **source, char **raw, char *state, size_t state_len)
{
    db_param p[] = {db_int(id)};
    db_rows r = {0};
    store_status st = db_exec(c, "SELECT source, raw, state FROM inbox_message WHERE id = ?", p, NP(p), &r, NULL);
    if (st != STORE_OK) return st;
    if (r.nrows == 0) {
        db_rows_free(&r);
        return db_fail(c, STORE_NOT_FOUND, "no inbox message %lld", (long long)id);
    }
    *source = strdup(db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "");
    *raw = strdup(db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "");
    hl7s_copy(state, state_len, db_cell(&r, 0, 2));
    db_rows_free(&r);
    if (!*source || !*raw) {
        free(*source);
        free(*raw);
        *source = *raw = NULL;
        return db_fail(c, STORE_ERROR, "out of memory");
    }
    return STORE_OK;
}

store_status hl7s_inbox_claim(store_conn_t *c, int64_t id)
{
    db_param p[] = {db_int(id)};
    int64_t changes = 0;
    /* The UPDATE locks the row until the end of the transaction (PostgreSQL: a concurrent claim
     * waits, then re-reads the state the first one committed). */
    store_status st = db_exec(c, "UPDATE inbox_message SET state = state WHERE id = ? AND state <> 'processed'", p,
                              NP(p), NULL, &changes);
    if (st != STORE_OK || changes > 0) return st;
    int64_t n = 0;
    st = hl7s_count(c, "SELECT COUNT(*) FROM inbox_message WHERE id = ?", p, NP(p), &n);
    if (st != STORE_OK) return st;
    return n ? db_fail(c, STORE_CONFLICT, "inbox message %lld already processed", (long long)id)
             : db_fail(c, STORE_NOT_FOUND, "no inbox message %lld", (long long)id);
}

store_status hl7s_inbox_set_raw(store_conn_t *c, int64_t id, const char *raw)
{
    db_param p[] = {db_text(raw), db_int(id)};
    int64_t changes = 0;
    store_status st = db_exec(c, "UPDATE inbox_message SET original_raw = COALESCE(original_raw, raw), raw = ? WHERE id = ?",
                              p, NP(p), NULL, &changes);
    if (st == STORE_OK && changes == 0) return db_fail(c, STORE_NOT_FOUND, "no inbox message %lld", (long long)id);
    return st;
}

/* MSH-9.1^MSH-9.2 of a stored message ("ADT^A28"; the first 512 bytes suffice), read with the
 * message's own separators; "" when the text does not start with MSH (unreadable bytes are
 * kept as base64:). */
static void message_type(const char *head, char *out, size_t n)
{
    out[0] = 0;
    if (!head || strncmp(head, "MSH", 3) != 0 || !head[3]) return;
    char sep = head[3];
    const char *p = head + 3; /* the separator before MSH-2; the 8th one precedes MSH-9 */
    for (int k = 1; k < 8; k++) {
        p = strchr(p + 1, sep);
        if (!p) return;
    }
    p++;
    char comp = head[4] && head[4] != sep ? head[4] : '^';
    size_t len = strcspn(p, (char[]){sep, '\r', '\n', 0});
    const char *second = memchr(p, comp, len);
    const char *third = second ? memchr(second + 1, comp, len - (size_t)(second + 1 - p)) : NULL;
    if (third) len = (size_t)(third - p);
    if (len >= n) len = n - 1;
    memcpy(out, p, len);
    out[len] = 0;
    for (char *q = out; *q; q++)
        if (*q == comp) *q = '^';
}

#define INBOX_COLS "id, source, control_id, substr(raw, 1, 512) AS head, state, outcome, received_at, processed_at"

/* Rows of INBOX_COLS to JSON, the head column replaced by message_type. */
static json_t *inbox_json(const db_rows *r)
{
    static const char *const ints[] = {"id", NULL};
    json_t *arr = db_rows_json(r, ints);
    for (size_t i = 0; arr && i < r->nrows; i++) {
        json_t *o = json_array_get(arr, i);
        char type[32];
        message_type(db_cell(r, i, 3), type, sizeof type);
        json_object_del(o, "head");
        json_object_set_new(o, "message_type", json_string(type));
    }
    return arr;
}

store_status hl7s_inbox_list(store_conn_t *c, const char *state, int64_t limit, int64_t offset, json_t **items,
                             int64_t *total)
{
    if (limit < 1 || limit > 1000 || offset < 0) return db_fail(c, STORE_INVALID, "limit or offset out of range");
    db_param p[] = {db_text(state), db_text(state), db_int(limit), db_int(offset)};
    db_rows r = {0};
    store_status st = db_exec(c,
                              "SELECT " INBOX_COLS " FROM inbox_message WHERE (CAST(? AS TEXT) IS NULL OR state = ?) "
                              "ORDER BY id DESC LIMIT ? OFFSET ?",
                              p, NP(p), &r, NULL);
    if (st != STORE_OK) return st;
    *items = inbox_json(&r);
    db_rows_free(&r);
    if (!*items) return db_fail(c, STORE_ERROR, "out of memory");
    if (total) st = hl7s_count(c, "SELECT COUNT(*) FROM inbox_message WHERE (CAST(? AS TEXT) IS NULL OR state = ?)", p,
                               2, total);
    if (st != STORE_OK) {
        json_decref(*items);
        *items = NULL;
    }
    return st;
}

store_status hl7s_inbox_get_json(store_conn_t *c, int64_t id, json_t **obj)
{
    db_param p[] = {db_int(id)};
    db_rows r = {0};
    store_status st = db_exec_row(c, "SELECT " INBOX_COLS ", raw, original_raw FROM inbox_message WHERE id = ?", p, NP(p), &r);
    if (st != STORE_OK) return st;
    json_t *arr = inbox_json(&r);
    db_rows_free(&r);
    *obj = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return *obj ? STORE_OK : db_fail(c, STORE_ERROR, "out of memory");
}

/* ------------------------------------------------------------------------------ patients */
static store_status one_int(store_conn_t *c, const char *sql, const db_param *p, size_t np, int64_t *out,
                            int64_t *second)
{
    db_rows r = {0};
    store_status st = db_exec_row(c, sql, p, np, &r);
    if (st != STORE_OK) return st;
    *out = 0;
    db_parse_i64(db_cell(&r, 0, 0), out);
    if (second) {
        *second = 0;
        if (r.ncols > 1 && db_cell(&r, 0, 1)) db_parse_i64(db_cell(&r, 0, 1), second);
    }
    db_rows_free(&r);
    return STORE_OK;
}

store_status hl7s_patient_by_ipp(store_conn_t *c, const char *ipp, int64_t *patient_id, int64_t *merged_into)
{
    db_param p[] = {db_text(ipp)};
    return one_int(c, "SELECT id, merged_into FROM patient WHERE ipp = ?", p, NP(p), patient_id, merged_into);
}

store_status hl7s_patient_ipp(store_conn_t *c, int64_t patient_id, char *ipp, size_t n)
{
    db_param p[] = {db_int(patient_id)};
    db_rows r = {0};
    store_status st = db_exec(c, "SELECT ipp FROM patient WHERE id = ?", p, NP(p), &r, NULL);
    if (st != STORE_OK) return st;
    st = r.nrows ? STORE_OK : STORE_NOT_FOUND;
    if (r.nrows) hl7s_copy(ipp, n, db_cell(&r, 0, 0));
    db_rows_free(&r);
    return st;
}

store_status hl7s_patient_by_ins(store_conn_t *c, const char *matricule, int64_t *patient_id)
{
    db_param p[] = {db_text(matricule)};
    return one_int(c, "SELECT patient_id FROM identity WHERE ins_matricule = ?", p, NP(p), patient_id, NULL);
}

store_status hl7s_identity_by_patient(store_conn_t *c, int64_t patient_id, hl7s_identity *o)
{
    static const hl7s_col map[] = {
        HL7S_I64(hl7s_identity, id),                 HL7S_I64(hl7s_identity, patient_id),
        HL7S_TEXT(hl7s_identity, birth_name),        HL7S_TEXT(hl7s_identity, used_name),
        HL7S_TEXT(hl7s_identity, first_given_name),  HL7S_TEXT(hl7s_identity, given_names),
        HL7S_TEXT(hl7s_identity, used_given_name),   HL7S_TEXT(hl7s_identity, birth_date),
        HL7S_TEXT(hl7s_identity, sex),               HL7S_TEXT(hl7s_identity, birth_cog),
        HL7S_TEXT(hl7s_identity, ins_matricule),     HL7S_TEXT(hl7s_identity, ins_oid),
        HL7S_TEXT(hl7s_identity, rniv_status),       HL7S_BOOL(hl7s_identity, douteuse),
        HL7S_BOOL(hl7s_identity, fictive),           HL7S_BOOL(hl7s_identity, homonyme),
    };
    db_param p[] = {db_int(patient_id)};
    db_rows r = {0};
    store_status st = db_exec_row(c,
                                  "SELECT id, patient_id, birth_name, used_name, first_given_name, given_names, "
                                  "used_given_name, birth_date, sex, birth_cog, ins_matricule, ins_oid, rniv_status, "
                                  "douteuse, fictive, homonyme FROM identity WHERE patient_id = ?",
                                  p, NP(p), &r);
    if (st != STORE_OK) return st;
    memset(o, 0, sizeof *o);
    hl7s_map_row(&r, 0, map, NP(map), o);
    db_rows_free(&r);
    return STORE_OK;
}

store_status hl7s_patient_change_ipp(store_conn_t *c, int64_t patient_id, const char *new_ipp)
{
    char key[128], now[32];
    if (!store_search_key(new_ipp, key, sizeof key)) return db_fail(c, STORE_INVALID, "invalid IPP");
    hl7s_now(now, sizeof now);
    db_param p[] = {db_text(new_ipp), db_text(key), db_text(now), db_int(patient_id)};
    int64_t changes = 0;
    store_status st =
        db_exec(c, "UPDATE patient SET ipp = ?, ipp_key = ?, updated_at = ? WHERE id = ?", p, NP(p), NULL, &changes);
    if (st == STORE_OK && changes == 0) return db_fail(c, STORE_NOT_FOUND, "no patient %lld", (long long)patient_id);
    return st;
}

store_status hl7s_patient_merge(store_conn_t *c, int64_t from, int64_t into)
{
    if (from == into) return db_fail(c, STORE_INVALID, "a patient cannot be merged into itself");
    char now[32];
    hl7s_now(now, sizeof now);
    static const char *const moves[] = {
        "UPDATE imaging_order SET patient_id = ? WHERE patient_id = ?",
        "UPDATE appointment SET patient_id = ? WHERE patient_id = ?",
        "UPDATE patient_visit SET patient_id = ? WHERE patient_id = ?",
    };
    for (size_t i = 0; i < NP(moves); i++) {
        db_param p[] = {db_int(into), db_int(from)};
        store_status st = db_exec(c, moves[i], p, NP(p), NULL, NULL);
        if (st != STORE_OK) return st;
    }
    db_param p[] = {db_int(into), db_text(now), db_int(from)};
    int64_t changes = 0;
    store_status st = db_exec(c, "UPDATE patient SET active = 0, merged_into = ?, updated_at = ? WHERE id = ?", p,
                              NP(p), NULL, &changes);
    if (st == STORE_OK && changes == 0) return db_fail(c, STORE_NOT_FOUND, "no patient %lld", (long long)from);
    return st;
}

store_status hl7s_review_add(store_conn_t *c, int64_t patient_id, int64_t inbox_id, const char *reason,
                             const char *incoming_json)
{
    char now[32];
    hl7s_now(now, sizeof now);
    db_param p[] = {db_int(patient_id), inbox_id > 0 ? db_int(inbox_id) : db_null(), db_text(reason),
                    db_text(incoming_json), db_text(now)};
    return db_exec(c,
                   "INSERT INTO identity_review (patient_id, inbox_id, reason, incoming, created_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   p, NP(p), NULL, NULL);
}

store_status hl7s_review_count(store_conn_t *c, int64_t patient_id, int64_t *n)
{
    db_param p[] = {db_int(patient_id)};
    return hl7s_count(c, "SELECT COUNT(*) FROM identity_review WHERE patient_id = ? AND state = 'open'", p, NP(p), n);
}

store_status hl7s_dmp_upsert(store_conn_t *c, int64_t patient_id, const char *const zfa[HL7S_ZFA_FIELDS])
{
    char now[32];
    hl7s_now(now, sizeof now);
    db_param p[] = {db_int(patient_id), db_text(zfa[0]), db_text(zfa[1]), db_text(zfa[2]), db_text(zfa[3]),
                    db_text(zfa[4]),    db_text(zfa[5]), db_text(zfa[6]), db_text(zfa[7]), db_text(now)};
    return db_exec(c,
                   "INSERT INTO patient_dmp (patient_id, dmp_status, dmp_status_at, access_authorised, access_at, "
                   "opposition_bris_de_glace, opposition_centre15, feed_opposition, feed_opposition_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (patient_id) DO UPDATE SET dmp_status = excluded.dmp_status, "
                   "dmp_status_at = excluded.dmp_status_at, access_authorised = excluded.access_authorised, "
                   "access_at = excluded.access_at, opposition_bris_de_glace = excluded.opposition_bris_de_glace, "
                   "opposition_centre15 = excluded.opposition_centre15, feed_opposition = excluded.feed_opposition, "
                   "feed_opposition_at = excluded.feed_opposition_at, updated_at = excluded.updated_at",
                   p, NP(p), NULL, NULL);
}

store_status hl7s_visit_upsert(store_conn_t *c, int64_t patient_id, const char *visit_number, const char *patient_class,
                               const char *location, const char *admitted_at, const char *discharged_at,
                               const char *status)
{
    char now[32];
    hl7s_now(now, sizeof now);
    db_param p[] = {db_int(patient_id),     db_text(visit_number),  db_text(patient_class), db_text(location),
                    db_text(admitted_at),   db_text(discharged_at), db_text(status),        db_text(now)};
    return db_exec(c,
                   "INSERT INTO patient_visit (patient_id, visit_number, patient_class, location, admitted_at, "
                   "discharged_at, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (visit_number) DO UPDATE SET patient_id = excluded.patient_id, "
                   "patient_class = COALESCE(excluded.patient_class, patient_visit.patient_class), "
                   "location = COALESCE(excluded.location, patient_visit.location), "
                   "admitted_at = COALESCE(excluded.admitted_at, patient_visit.admitted_at), "
                   "discharged_at = excluded.discharged_at, status = excluded.status, "
                   "updated_at = excluded.updated_at",
                   p, NP(p), NULL, NULL);
}

/* ------------------------------------------------------------------------------ orders */
store_status hl7s_exam_by_code(store_conn_t *c, const char *code, int64_t *exam_id, char *modality, size_t mlen,
                               char *label, size_t llen)
{
    db_param p[] = {db_text(code), db_text(code)};
    db_rows r = {0};
    store_status st = db_exec_row(c,
                              "SELECT id, modality_type, label FROM exam_catalogue WHERE active = 1 AND "
                              "(ccam_code = ? OR loinc_code = ?) ORDER BY id LIMIT 1",
                              p, NP(p), &r);
    if (st != STORE_OK) return st;
    db_parse_i64(db_cell(&r, 0, 0), exam_id);
    hl7s_copy(modality, mlen, db_cell(&r, 0, 1));
    hl7s_copy(label, llen, db_cell(&r, 0, 2));
    db_rows_free(&r);
    return STORE_OK;
}

store_status hl7s_order_by_placer(store_conn_t *c, const char *placer, int64_t *order_id, int64_t *patient_id,
                                  char *status, size_t slen)
{
    db_param p[] = {db_text(placer)};
    db_rows r = {0};
    store_status st = db_exec_row(c,
                              "SELECT id, patient_id, status FROM imaging_order WHERE placer_number = ? "
                              "ORDER BY id DESC LIMIT 1",
                              p, NP(p), &r);
    if (st != STORE_OK) return st;
    db_parse_i64(db_cell(&r, 0, 0), order_id);
    db_parse_i64(db_cell(&r, 0, 1), patient_id);
    hl7s_copy(status, slen, db_cell(&r, 0, 2));
    db_rows_free(&r);
    return STORE_OK;
}

store_status hl7s_order_set_status(store_conn_t *c, int64_t order_id, const char *order_status,
                                   const char *step_status)
{
    char now[32];
    hl7s_now(now, sizeof now);
    /* the order, its open procedures, their booked/arrived steps */
    static const char *const updates[] = {
        "UPDATE imaging_order SET status = ?, status_changed_at = ?, updated_at = ? WHERE id = ? "
        "AND status NOT IN ('completed', 'cancelled', 'discontinued')",
        "UPDATE requested_procedure SET status = ?, status_changed_at = ?, updated_at = ? WHERE order_id = ? "
        "AND status NOT IN ('completed', 'cancelled', 'discontinued')",
        "UPDATE scheduled_step SET status = ?, status_changed_at = ?, updated_at = ? WHERE procedure_id IN "
        "(SELECT id FROM requested_procedure WHERE order_id = ?) AND status IN ('booked', 'arrived')",
    };
    for (size_t i = 0; i < NP(updates); i++) {
        db_param p[] = {db_text(i < 2 ? order_status : step_status), db_text(now), db_text(now), db_int(order_id)};
        store_status st = db_exec(c, updates[i], p, NP(p), NULL, NULL);
        if (st != STORE_OK) return st;
    }
    return STORE_OK;
}

store_status hl7s_order_reschedule(store_conn_t *c, int64_t order_id, const char *start_at)
{
    char now[32];
    hl7s_now(now, sizeof now);
    db_param p[] = {db_text(start_at), db_text(now), db_int(order_id)};
    return db_exec(c,
                   "UPDATE scheduled_step SET start_at = ?, updated_at = ? WHERE status = 'booked' AND procedure_id "
                   "IN (SELECT id FROM requested_procedure WHERE order_id = ?)",
                   p, NP(p), NULL, NULL);
}

store_status hl7s_order_procedures(store_conn_t *c, int64_t order_id, hl7s_procedure **out, size_t *n)
{
    static const hl7s_col map[] = {
        HL7S_I64(hl7s_procedure, procedure_id),  HL7S_TEXT(hl7s_procedure, accession_number),
        HL7S_TEXT(hl7s_procedure, study_instance_uid), HL7S_TEXT(hl7s_procedure, status),
        HL7S_TEXT(hl7s_procedure, ccam_code),    HL7S_TEXT(hl7s_procedure, exam_label),
        HL7S_TEXT(hl7s_procedure, modality),     HL7S_TEXT(hl7s_procedure, sps_id),
        HL7S_TEXT(hl7s_procedure, start_at),     HL7S_TEXT(hl7s_procedure, ae_title),
    };
    *out = NULL;
    *n = 0;
    db_param p[] = {db_int(order_id)};
    db_rows r = {0};
    store_status st = db_exec(
        c,
        "SELECT rp.id, rp.accession_number, rp.study_instance_uid, rp.status, e.ccam_code, e.label, "
        "e.modality_type, s.sps_id, s.start_at, s.ae_title FROM requested_procedure rp "
        "JOIN exam_catalogue e ON e.id = rp.exam_id "
        "LEFT JOIN scheduled_step s ON s.id = (SELECT MIN(id) FROM scheduled_step WHERE procedure_id = rp.id) "
        "WHERE rp.order_id = ? ORDER BY rp.id",
        p, NP(p), &r, NULL);
    if (st != STORE_OK) return st;
    if (r.nrows) {
        *out = calloc(r.nrows, sizeof **out);
        if (!*out) {
            db_rows_free(&r);
            return db_fail(c, STORE_ERROR, "out of memory");
        }
    }
    for (size_t i = 0; i < r.nrows; i++) hl7s_map_row(&r, i, map, NP(map), &(*out)[i]);
    *n = r.nrows;
    db_rows_free(&r);
    return STORE_OK;
}

store_status hl7s_order_count(store_conn_t *c, int64_t *n)
{
    return hl7s_count(c, "SELECT COUNT(*) FROM imaging_order", NULL, 0, n);
}
