/* The outbox queue (claim with a lease, record attempts) and the inbox of inbound messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "store/hl7feed_store.h"
#include "store/store_internal.h"

static void iso_from_ms(int64_t ms, char *out, size_t n) { time_format_utc(ms / 1000, out, n); }

store_status store_outbox_enqueue(store_conn_t *c, const char *kind, const char *payload, const char *dedup_key,
                                  int64_t due_ms, int64_t *id)
{
    if (!kind || !*kind || strlen(kind) > 64) return db_fail(c, STORE_INVALID, "outbox: invalid kind");
    if (!payload) return db_fail(c, STORE_INVALID, "outbox: payload required");
    char due[32], now[32];
    iso_from_ms(due_ms, due, sizeof due);
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_text(kind), db_text(payload), db_text(due), db_int(due_ms), db_text(dedup_key), db_text(now)};
    db_rows r;
    store_status s = db_exec(c,
                             "INSERT INTO outbox_job (kind, payload, state, attempts, next_attempt_at, due_ms, "
                             "dedup_key, created_at) VALUES (?, ?, 'pending', 0, ?, ?, ?, ?) RETURNING id",
                             p, 6, &r, NULL);
    if (s != STORE_OK) return s;
    int64_t got = 0;
    if (r.nrows != 1 || !db_parse_i64(db_cell(&r, 0, 0), &got)) s = db_fail(c, STORE_ERROR, "insert returned no id");
    db_rows_free(&r);
    if (id) *id = got;
    return s;
}

void store_outbox_jobs_clear(store_outbox_job *jobs, size_t n)
{
    for (size_t i = 0; jobs && i < n; i++) {
        free(jobs[i].kind);
        free(jobs[i].payload);
        memset(&jobs[i], 0, sizeof jobs[i]);
    }
}

#define DUE_CONDITION "((state = 'pending' AND due_ms <= ?) OR (state = 'running' AND lease_until_ms <= ?))"

/* " AND kind IN (?, ?, ...)" for nkinds kinds ("" when none), into out. */
static void kinds_condition(size_t nkinds, char *out, size_t n)
{
    size_t used = 0;
    out[0] = 0;
    if (!nkinds) return;
    used += (size_t)snprintf(out, n, " AND kind IN (");
    for (size_t i = 0; i < nkinds && used < n; i++) used += (size_t)snprintf(out + used, n - used, i ? ", ?" : "?");
    if (used < n) snprintf(out + used, n - used, ")");
}

store_status store_outbox_claim(store_conn_t *c, int64_t now_ms, int64_t lease_ms, size_t max,
                                store_outbox_job *jobs, size_t *n)
{
    return store_outbox_claim_kinds(c, now_ms, lease_ms, NULL, 0, max, jobs, n);
}

store_status store_outbox_claim_kinds(store_conn_t *c, int64_t now_ms, int64_t lease_ms, const char *const *kinds,
                                      size_t nkinds, size_t max, store_outbox_job *jobs, size_t *n)
{
    *n = 0;
    if (max == 0) return STORE_OK;
    if (max > 1000 || lease_ms <= 0) return db_fail(c, STORE_INVALID, "outbox: bad claim size or lease");
    if (nkinds > STORE_OUTBOX_MAX_KINDS || (nkinds && !kinds))
        return db_fail(c, STORE_INVALID, "outbox: at most %d kinds", STORE_OUTBOX_MAX_KINDS);
    for (size_t i = 0; i < nkinds; i++)
        if (!kinds[i] || !*kinds[i] || strlen(kinds[i]) > 64) return db_fail(c, STORE_INVALID, "outbox: invalid kind");
    char in_kinds[32 + 4 * STORE_OUTBOX_MAX_KINDS], sql[512];
    kinds_condition(nkinds, in_kinds, sizeof in_kinds);
    snprintf(sql, sizeof sql, "SELECT id FROM outbox_job WHERE " DUE_CONDITION "%s ORDER BY due_ms, id LIMIT ?",
             in_kinds);
    db_param q[3 + STORE_OUTBOX_MAX_KINDS];
    size_t nq = 0;
    q[nq++] = db_int(now_ms);
    q[nq++] = db_int(now_ms);
    for (size_t i = 0; i < nkinds; i++) q[nq++] = db_text(kinds[i]);
    q[nq++] = db_int((int64_t)max);
    bool opened = false;
    store_status s = db_tx_auto(c, &opened);
    if (s != STORE_OK) return s;
    db_rows cand;
    s = db_exec(c, sql, q, nq, &cand, NULL);
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    for (size_t i = 0; s == STORE_OK && i < cand.nrows; i++) {
        int64_t id = 0;
        if (!db_parse_i64(db_cell(&cand, i, 0), &id)) continue;
        /* Compare-and-set: another claimer may have taken it since the SELECT. */
        db_param u[] = {db_int(now_ms + lease_ms), db_text(now), db_int(id), db_int(now_ms), db_int(now_ms)};
        db_rows r;
        s = db_exec(c,
                    "UPDATE outbox_job SET state = 'running', lease_until_ms = ?, updated_at = ? "
                    "WHERE id = ? AND " DUE_CONDITION " RETURNING kind, payload, attempts, due_ms",
                    u, 5, &r, NULL);
        if (s != STORE_OK) break;
        if (r.nrows == 1) {
            store_outbox_job *j = &jobs[*n];
            int64_t attempts = 0;
            j->id = id;
            j->kind = strdup(db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "");
            j->payload = strdup(db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "");
            (void)db_parse_i64(db_cell(&r, 0, 2), &attempts);
            j->attempts = (int)attempts;
            j->due_ms = 0;
            (void)db_parse_i64(db_cell(&r, 0, 3), &j->due_ms);
            (*n)++;
            if (!j->kind || !j->payload) s = db_fail(c, STORE_ERROR, "out of memory");
        }
        db_rows_free(&r);
    }
    if (cand.cols) db_rows_free(&cand);
    s = db_tx_end(c, opened, s);
    if (s != STORE_OK) {
        store_outbox_jobs_clear(jobs, *n);
        *n = 0;
    }
    return s;
}

store_status store_outbox_get(store_conn_t *c, int64_t id, store_outbox_info *out)
{
    memset(out, 0, sizeof *out);
    db_param p[] = {db_int(id)};
    db_rows r;
    store_status s = db_exec_row(c,
                                 "SELECT id, kind, state, attempts, last_error, due_ms, created_at, updated_at "
                                 "FROM outbox_job WHERE id = ?",
                                 p, 1, &r);
    if (s == STORE_NOT_FOUND) return db_fail(c, s, "outbox job %lld not found", (long long)id);
    if (s != STORE_OK) return s;
    int64_t v = 0;
    (void)db_parse_i64(db_cell(&r, 0, 0), &out->id);
    snprintf(out->kind, sizeof out->kind, "%s", db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "");
    snprintf(out->state, sizeof out->state, "%s", db_cell(&r, 0, 2) ? db_cell(&r, 0, 2) : "");
    if (db_parse_i64(db_cell(&r, 0, 3), &v)) out->attempts = (int)v;
    snprintf(out->last_error, sizeof out->last_error, "%s", db_cell(&r, 0, 4) ? db_cell(&r, 0, 4) : "");
    (void)db_parse_i64(db_cell(&r, 0, 5), &out->due_ms);
    snprintf(out->created_at, sizeof out->created_at, "%s", db_cell(&r, 0, 6) ? db_cell(&r, 0, 6) : "");
    snprintf(out->updated_at, sizeof out->updated_at, "%s", db_cell(&r, 0, 7) ? db_cell(&r, 0, 7) : "");
    db_rows_free(&r);
    return STORE_OK;
}

store_status store_outbox_retry(store_conn_t *c, int64_t id, int64_t now_ms)
{
    char due[32], now[32];
    iso_from_ms(now_ms, due, sizeof due);
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_int(now_ms), db_text(due), db_text(now), db_int(id), db_int(now_ms)};
    int64_t changes = 0;
    store_status s = db_exec(c,
                             "UPDATE outbox_job SET state = 'pending', due_ms = ?, next_attempt_at = ?, "
                             "lease_until_ms = NULL, updated_at = ? WHERE id = ? AND (state IN ('pending', 'failed', "
                             "'dead') OR (state = 'running' AND lease_until_ms <= ?))",
                             p, 5, NULL, &changes);
    if (s != STORE_OK || changes) return s;
    db_param q[] = {db_int(id)};
    db_rows r;
    s = db_exec_row(c, "SELECT state FROM outbox_job WHERE id = ?", q, 1, &r);
    if (s == STORE_NOT_FOUND) return db_fail(c, s, "outbox job %lld not found", (long long)id);
    if (s != STORE_OK) return s;
    s = db_fail(c, STORE_CONFLICT, "outbox job %lld is %s", (long long)id, db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "?");
    db_rows_free(&r);
    return s;
}

store_status store_outbox_record(store_conn_t *c, int64_t id, const char *state, int64_t next_ms, const char *error)
{
    const char *db_state;
    bool retry = false;
    if (state && strcmp(state, "done") == 0) {
        db_state = "done";
    } else if (state && strcmp(state, "retry") == 0) {
        db_state = "pending";
        retry = true;
    } else if (state && strcmp(state, "failed") == 0) {
        db_state = "failed";
    } else {
        return db_fail(c, STORE_INVALID, "outbox: state must be done, retry or failed");
    }
    char next[32], now[32];
    iso_from_ms(next_ms, next, sizeof next);
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_text(db_state), db_int(retry ? 1 : 0), db_int(next_ms), db_int(retry ? 1 : 0), db_text(next),
                    db_text(error), db_text(now), db_int(id)};
    int64_t changes = 0;
    store_status s = db_exec(c,
                             "UPDATE outbox_job SET state = ?, attempts = attempts + 1, lease_until_ms = NULL, "
                             "due_ms = CASE WHEN ? = 1 THEN ? ELSE due_ms END, "
                             "next_attempt_at = CASE WHEN ? = 1 THEN ? ELSE next_attempt_at END, "
                             "last_error = ?, updated_at = ? WHERE id = ?",
                             p, 8, NULL, &changes);
    if (s == STORE_OK && changes == 0) s = db_fail(c, STORE_NOT_FOUND, "outbox job %lld not found", (long long)id);
    return s;
}

store_status store_outbox_postpone(store_conn_t *c, int64_t id, int64_t due_ms, bool *changed)
{
    if (changed) *changed = false;
    char due[32], now[32];
    iso_from_ms(due_ms, due, sizeof due);
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_int(due_ms), db_text(due), db_text(now), db_int(id)};
    int64_t changes = 0;
    store_status s = db_exec(c,
                             "UPDATE outbox_job SET state = 'pending', lease_until_ms = NULL, due_ms = ?, "
                             "next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'running'",
                             p, 4, NULL, &changes);
    if (s != STORE_OK) return s;
    if (changes) {
        if (changed) *changed = true;
        return STORE_OK;
    }
    db_param q[] = {db_int(id)};
    db_rows r;
    s = db_exec_row(c, "SELECT state FROM outbox_job WHERE id = ?", q, 1, &r);
    if (s == STORE_NOT_FOUND) return db_fail(c, s, "outbox job %lld not found", (long long)id);
    if (s == STORE_OK) db_rows_free(&r);
    return s;
}

store_status store_inbox_insert(store_conn_t *c, const char *source, const char *control_id, const char *raw,
                                int64_t *id)
{
    if (!source || !*source || !raw) return db_fail(c, STORE_INVALID, "inbox: source and raw message required");
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_text(source), db_text(control_id), db_text(raw), db_text(now)};
    db_rows r;
    store_status s = db_exec(c,
                             "INSERT INTO inbox_message (source, control_id, raw, state, received_at) "
                             "VALUES (?, ?, ?, 'received', ?) RETURNING id",
                             p, 4, &r, NULL);
    if (s != STORE_OK) return s;
    int64_t got = 0;
    if (r.nrows != 1 || !db_parse_i64(db_cell(&r, 0, 0), &got)) s = db_fail(c, STORE_ERROR, "insert returned no id");
    db_rows_free(&r);
    if (id) *id = got;
    return s;
}

store_status store_inbox_finish(store_conn_t *c, int64_t id, const char *state, const char *outcome)
{
    if (!state || (strcmp(state, "processed") != 0 && strcmp(state, "failed") != 0 && strcmp(state, "rejected") != 0))
        return db_fail(c, STORE_INVALID, "inbox: state must be processed, failed or rejected");
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_text(state), db_text(outcome), db_text(now), db_int(id)};
    int64_t changes = 0;
    store_status s = db_exec(c, "UPDATE inbox_message SET state = ?, outcome = ?, processed_at = ? WHERE id = ?", p,
                             4, NULL, &changes);
    if (s == STORE_OK && changes == 0) s = db_fail(c, STORE_NOT_FOUND, "inbox message %lld not found", (long long)id);
    return s;
}

store_status store_inbox_find(store_conn_t *c, const char *source, const char *control_id, int64_t *id,
                              char *state, size_t state_len)
{
    /* The HL7 store side reads the same row with its outcome: one query for both. */
    return hl7s_inbox_find(c, source, control_id, id, state, state_len, NULL, 0);
}
