/* The outbox queue (claim with a lease, record attempts) and the inbox of inbound messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
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

store_status store_outbox_claim(store_conn_t *c, int64_t now_ms, int64_t lease_ms, size_t max,
                                store_outbox_job *jobs, size_t *n)
{
    *n = 0;
    if (max == 0) return STORE_OK;
    if (max > 1000 || lease_ms <= 0) return db_fail(c, STORE_INVALID, "outbox: bad claim size or lease");
    bool opened = false;
    store_status s = db_tx_auto(c, &opened);
    if (s != STORE_OK) return s;
    db_param q[] = {db_int(now_ms), db_int(now_ms), db_int((int64_t)max)};
    db_rows cand;
    s = db_exec(c, "SELECT id FROM outbox_job WHERE " DUE_CONDITION " ORDER BY due_ms, id LIMIT ?", q, 3, &cand,
                NULL);
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
                    "WHERE id = ? AND " DUE_CONDITION " RETURNING kind, payload, attempts",
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
    if (!source || !control_id) return db_fail(c, STORE_INVALID, "inbox: source and control id required");
    db_param p[] = {db_text(source), db_text(control_id)};
    db_rows r;
    store_status s = db_exec(c,
                             "SELECT id, state FROM inbox_message WHERE source = ? AND control_id = ? "
                             "ORDER BY id DESC LIMIT 1",
                             p, 2, &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows == 0) {
        db_rows_free(&r);
        return db_fail(c, STORE_NOT_FOUND, "no such inbox message");
    }
    if (id) (void)db_parse_i64(db_cell(&r, 0, 0), id);
    if (state && state_len) snprintf(state, state_len, "%s", db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "");
    db_rows_free(&r);
    return STORE_OK;
}
