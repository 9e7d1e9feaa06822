/* SQL of the identity API (see identity_store.h). */
#include "store/identity_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "domain/model.h"
#include "store/store_internal.h"

#define NP(a) (sizeof(a) / sizeof((a)[0]))

static const char *const rniv_codes[] = {"provisoire", "recuperee", "validee", "qualifiee"};

/* Copies a cell; false when it does not fit (never truncated silently). */
static bool put(char *dst, size_t n, const char *s)
{
    int w = snprintf(dst, n, "%s", s ? s : "");
    return w >= 0 && (size_t)w < n;
}

static bool flag(const char *s) { return s && strcmp(s, "1") == 0; }

store_status ids_identity_get(store_conn_t *c, int64_t identity_id, int64_t *patient_id, ins_identity *out)
{
    db_rows r = {0};
    db_param p[] = {db_int(identity_id)};
    store_status s = db_exec(c,
                             "SELECT patient_id, birth_name, given_names, first_given_name, birth_date, sex, birth_cog, "
                             "used_name, used_given_name, ins_matricule, ins_oid, rniv_status, douteuse, fictive, "
                             "homonyme, ins_from_insi, ins_verified, ins_proof_type FROM identity WHERE id = ?",
                             p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows == 0) {
        db_rows_free(&r);
        return db_fail(c, STORE_NOT_FOUND, "no identity %lld", (long long)identity_id);
    }
    memset(out, 0, sizeof *out);
    ins_traits *t = &out->traits;
    bool ok = db_parse_i64(db_cell(&r, 0, 0), patient_id) && put(t->birth_name, sizeof t->birth_name, db_cell(&r, 0, 1)) &&
              put(t->birth_given_names, sizeof t->birth_given_names, db_cell(&r, 0, 2)) &&
              put(t->first_given_name, sizeof t->first_given_name, db_cell(&r, 0, 3)) &&
              put(t->birth_date, sizeof t->birth_date, db_cell(&r, 0, 4)) && put(t->sex, sizeof t->sex, db_cell(&r, 0, 5)) &&
              put(t->birth_place, sizeof t->birth_place, db_cell(&r, 0, 6)) &&
              put(t->used_name, sizeof t->used_name, db_cell(&r, 0, 7)) &&
              put(t->used_given_name, sizeof t->used_given_name, db_cell(&r, 0, 8)) &&
              put(out->matricule, sizeof out->matricule, db_cell(&r, 0, 9)) &&
              put(out->oid, sizeof out->oid, db_cell(&r, 0, 10)) &&
              put(out->proof_type, sizeof out->proof_type, db_cell(&r, 0, 17));
    const char *st = db_cell(&r, 0, 11);
    out->status = INS_STATUS_PROV;
    for (int i = 0; i < 4; i++)
        if (st && strcmp(st, rniv_codes[i]) == 0) out->status = (ins_status)i;
    out->attributes = (flag(db_cell(&r, 0, 12)) ? INS_ATTR_DOUTEUSE : 0) | (flag(db_cell(&r, 0, 13)) ? INS_ATTR_FICTIVE : 0) |
                      (flag(db_cell(&r, 0, 14)) ? INS_ATTR_HOMONYME : 0);
    /* rows older than migration 0030 carry no provenance: récupérée/qualifiée came from INSi,
     * validée/qualifiée from a checked document */
    out->from_insi = flag(db_cell(&r, 0, 15)) || out->status == INS_STATUS_RECUP || out->status == INS_STATUS_QUAL;
    out->verified = flag(db_cell(&r, 0, 16)) || out->status == INS_STATUS_VALI || out->status == INS_STATUS_QUAL;
    db_rows_free(&r);
    return ok ? STORE_OK : db_fail(c, STORE_INVALID, "identity %lld: a stored value is too long", (long long)identity_id);
}

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* The identity_document enum of the identity table for a proof code of [ins] proof_types. */
static const char *document_column(const char *code)
{
    static const struct {
        const char *code, *column;
    } map[] = {{"PASSEPORT", "passeport"}, {"CNI", "carte_identite"}, {"TITRE_SEJOUR", "titre_sejour"},
               {"ACTE_NAISSANCE", "acte_naissance"}, {"LIVRET_FAMILLE", "livret_famille"}};
    for (size_t i = 0; i < NP(map); i++)
        if (strcasecmp(code, map[i].code) == 0) return map[i].column;
    return "autre";
}

store_status ids_identity_save(store_conn_t *c, int64_t identity_id, const ins_identity *id,
                               const char *proof_checked_at)
{
    const model_resource *res = model_resource_find("identities");
    if (!res) return db_fail(c, STORE_ERROR, "identities resource missing");
    json_t *o = json_object();
    if (!o) return db_fail(c, STORE_ERROR, "out of memory");
    const ins_traits *t = &id->traits;
    json_object_set_new(o, "birth_name", json_string(t->birth_name));
    json_object_set_new(o, "used_name", str_or_null(t->used_name));
    json_object_set_new(o, "first_given_name", json_string(t->first_given_name));
    json_object_set_new(o, "given_names", str_or_null(t->birth_given_names));
    json_object_set_new(o, "used_given_name", str_or_null(t->used_given_name));
    json_object_set_new(o, "birth_date", json_string(t->birth_date));
    json_object_set_new(o, "sex", json_string(t->sex));
    json_object_set_new(o, "birth_cog", str_or_null(t->birth_place));
    json_object_set_new(o, "ins_matricule", str_or_null(id->matricule));
    json_object_set_new(o, "ins_oid", str_or_null(id->oid));
    json_object_set_new(o, "rniv_status", json_string(rniv_codes[id->status]));
    json_object_set_new(o, "douteuse", json_boolean(id->attributes & INS_ATTR_DOUTEUSE));
    json_object_set_new(o, "fictive", json_boolean(id->attributes & INS_ATTR_FICTIVE));
    json_object_set_new(o, "homonyme", json_boolean(id->attributes & INS_ATTR_HOMONYME));
    store_status s = store_resource_update(c, res, identity_id, o);
    json_decref(o);
    if (s != STORE_OK) return s;
    db_param p[] = {db_int(id->from_insi ? 1 : 0), db_int(id->verified ? 1 : 0),
                    db_text(id->proof_type[0] ? id->proof_type : NULL), db_text(proof_checked_at),
                    db_text(proof_checked_at && id->proof_type[0] ? document_column(id->proof_type) : NULL),
                    db_int(identity_id)};
    return db_exec(c,
                   "UPDATE identity SET ins_from_insi = ?, ins_verified = ?, ins_proof_type = ?, "
                   "id_document_checked_at = COALESCE(?, id_document_checked_at), "
                   "id_document_type = COALESCE(?, id_document_type) WHERE id = ?",
                   p, NP(p), NULL, NULL);
}

static const char *kind_code(ins_history_kind k)
{
    switch (k) {
    case INS_HIST_CREATED: return "created";
    case INS_HIST_STATUS: return "status";
    case INS_HIST_TRAIT: return "trait";
    case INS_HIST_INS: return "ins";
    case INS_HIST_ATTRIBUTE: return "attribute";
    case INS_HIST_PROOF: return "proof";
    }
    return "trait";
}

store_status ids_events_add(store_conn_t *c, int64_t identity_id, int64_t patient_id, int64_t user_id,
                            const ins_history *h)
{
    if (h->dropped) return db_fail(c, STORE_INVALID, "%zu history entries did not fit", h->dropped);
    for (size_t i = 0; i < h->n; i++) {
        const ins_history_entry *e = &h->entries[i];
        char at[32];
        time_format_utc(e->at, at, sizeof at);
        db_param p[] = {db_int(identity_id), db_int(patient_id), db_text(at), db_text(e->actor),
                        user_id > 0 ? db_int(user_id) : db_null(), db_text(kind_code(e->kind)), db_text(e->field),
                        db_text(e->old_value[0] ? e->old_value : NULL), db_text(e->new_value[0] ? e->new_value : NULL),
                        db_text(e->reason[0] ? e->reason : NULL)};
        store_status s = db_exec(c,
                                 "INSERT INTO identity_event (identity_id, patient_id, at, actor, user_id, kind, field, "
                                 "old_value, new_value, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 p, NP(p), NULL, NULL);
        if (s != STORE_OK) return s;
    }
    return STORE_OK;
}

store_status ids_proof_add(store_conn_t *c, int64_t identity_id, int64_t patient_id, int64_t user_id,
                           const char *actor, const char *proof_type, bool high_trust, int64_t at)
{
    char when[32];
    time_format_utc(at, when, sizeof when);
    db_param p[] = {db_int(identity_id), db_int(patient_id), db_text(proof_type), db_int(high_trust ? 1 : 0),
                    db_text(when), user_id > 0 ? db_int(user_id) : db_null(), db_text(actor)};
    return db_exec(c,
                   "INSERT INTO identity_proof (identity_id, patient_id, proof_type, high_trust, checked_at, user_id, "
                   "actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   p, NP(p), NULL, NULL);
}

store_status ids_trace_add(store_conn_t *c, int64_t identity_id, int64_t patient_id, int64_t user_id,
                           const insi_trace *t, const char *returned_json, int64_t *trace_id)
{
    char at[40];
    time_format_utc(t->at_ms / 1000, at, sizeof at);
    db_param p[] = {identity_id > 0 ? db_int(identity_id) : db_null(),
                    patient_id > 0 ? db_int(patient_id) : db_null(),
                    user_id > 0 ? db_int(user_id) : db_null(),
                    db_text(t->who),
                    db_text(at),
                    db_int(t->duration_ms),
                    db_text(t->operation),
                    db_text(t->message_id[0] ? t->message_id : NULL),
                    db_text(t->query[0] ? t->query : NULL),
                    t->http_status ? db_int(t->http_status) : db_null(),
                    db_text(t->outcome),
                    db_text(t->result[0] ? t->result : NULL),
                    db_text(returned_json)};
    db_rows r = {0};
    store_status s = db_exec(c,
                             "INSERT INTO insi_trace (identity_id, patient_id, user_id, who, at, duration_ms, operation, "
                             "message_id, query, http_status, outcome, result, returned) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                             p, NP(p), &r, NULL);
    if (s == STORE_OK && (r.nrows != 1 || !db_parse_i64(db_cell(&r, 0, 0), trace_id)))
        s = db_fail(c, STORE_ERROR, "insi_trace: no id returned");
    db_rows_free(&r);
    return s;
}

store_status ids_trace_get(store_conn_t *c, int64_t trace_id, int64_t *identity_id, char *outcome, size_t outcome_len,
                           char **returned, bool *accepted)
{
    *returned = NULL;
    db_rows r = {0};
    db_param p[] = {db_int(trace_id)};
    store_status s = db_exec(c, "SELECT identity_id, outcome, returned, accepted_at FROM insi_trace WHERE id = ?", p,
                             NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows == 0) {
        db_rows_free(&r);
        return db_fail(c, STORE_NOT_FOUND, "no INSi trace %lld", (long long)trace_id);
    }
    *identity_id = 0;
    if (db_cell(&r, 0, 0)) db_parse_i64(db_cell(&r, 0, 0), identity_id);
    put(outcome, outcome_len, db_cell(&r, 0, 1));
    *accepted = db_cell(&r, 0, 3) != NULL;
    if (db_cell(&r, 0, 2) && !(*returned = strdup(db_cell(&r, 0, 2)))) s = db_fail(c, STORE_ERROR, "out of memory");
    db_rows_free(&r);
    return s;
}

store_status ids_trace_mark_accepted(store_conn_t *c, int64_t trace_id, const char *at_iso)
{
    db_param p[] = {db_text(at_iso), db_int(trace_id)};
    int64_t changes = 0;
    store_status s = db_exec(c, "UPDATE insi_trace SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL", p,
                             NP(p), NULL, &changes);
    if (s == STORE_OK && changes != 1) s = db_fail(c, STORE_CONFLICT, "INSi trace %lld already accepted", (long long)trace_id);
    return s;
}

static bool integer_column(const char *name)
{
    static const char *const ints[] = {"id", "identity_id", "patient_id", "user_id", "duration_ms", "http_status"};
    for (size_t i = 0; i < NP(ints); i++)
        if (strcmp(name, ints[i]) == 0) return true;
    return false;
}

static store_status list(store_conn_t *c, const char *sql, int64_t identity_id, int64_t limit, json_t **items)
{
    *items = NULL;
    if (limit < 1 || limit > 10000) return db_fail(c, STORE_INVALID, "limit out of range");
    db_rows r = {0};
    db_param p[] = {db_int(identity_id), db_int(limit)};
    store_status s = db_exec(c, sql, p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    json_t *a = json_array();
    for (size_t i = 0; a && i < r.nrows; i++) {
        json_t *o = json_object();
        if (!o) break;
        for (size_t k = 0; k < r.ncols; k++) {
            const char *v = db_cell(&r, i, k), *name = r.cols[k];
            int64_t n;
            json_t *j;
            if (!v) j = json_null();
            else if (strcmp(name, "high_trust") == 0) j = json_boolean(strcmp(v, "1") == 0);
            else if (integer_column(name) && db_parse_i64(v, &n)) j = json_integer(n);
            else j = json_string(v);
            json_object_set_new(o, name, j);
        }
        json_array_append_new(a, o);
    }
    size_t nrows = r.nrows;
    db_rows_free(&r);
    if (!a || json_array_size(a) != nrows) {
        json_decref(a);
        return db_fail(c, STORE_ERROR, "out of memory");
    }
    *items = a;
    return STORE_OK;
}

store_status ids_events_list(store_conn_t *c, int64_t identity_id, int64_t limit, json_t **items)
{
    return list(c,
                "SELECT id, at, actor, user_id, kind, field, old_value, new_value, reason FROM identity_event "
                "WHERE identity_id = ? ORDER BY id LIMIT ?",
                identity_id, limit, items);
}

store_status ids_proofs_list(store_conn_t *c, int64_t identity_id, int64_t limit, json_t **items)
{
    return list(c,
                "SELECT id, proof_type, high_trust, checked_at, user_id, actor FROM identity_proof "
                "WHERE identity_id = ? ORDER BY id LIMIT ?",
                identity_id, limit, items);
}

store_status ids_traces_list(store_conn_t *c, int64_t identity_id, int64_t limit, json_t **items)
{
    return list(c,
                "SELECT id, at, duration_ms, who, user_id, operation, message_id, query, http_status, outcome, result, "
                "accepted_at FROM insi_trace WHERE identity_id = ? ORDER BY id LIMIT ?",
                identity_id, limit, items);
}
