/* SQL of imaging reports (see report_store.h; tables of migration 0040). */
#include "store/report_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "store/hl7feed_store.h"
#include "store/identity_store.h"
#include "store/store_internal.h"

#define NP(a) (sizeof(a) / sizeof((a)[0]))

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool put(char *dst, size_t n, const char *s)
{
    int w = snprintf(dst, n, "%s", s ? s : "");
    return w >= 0 && (size_t)w < n;
}

static int64_t i64(const char *s)
{
    int64_t v = 0;
    return s && db_parse_i64(s, &v) ? v : 0;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *int_or_null(const char *s)
{
    int64_t v;
    return s && db_parse_i64(s, &v) ? json_integer(v) : json_null();
}

void rstore_report_clear(rstore_report *r)
{
    if (!r) return;
    free(r->template_json);
    free(r->sections_json);
    free(r->addendum);
    free(r->exposure_json);
    memset(r, 0, sizeof *r);
}

/* Reviewers <-> "a b c". */
static void reviewers_format(const rpt_state *st, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < st->n_reviewers && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, "%s%s", i ? " " : "", st->reviewers[i]);
}

static bool reviewers_parse(const char *s, rpt_state *st)
{
    st->n_reviewers = 0;
    while (s && *s) {
        while (*s == ' ') s++;
        if (!*s) break;
        size_t len = strcspn(s, " ");
        if (st->n_reviewers >= RPT_MAX_REVIEWERS || len >= RPT_LOGIN_MAX) return false;
        memcpy(st->reviewers[st->n_reviewers], s, len);
        st->reviewers[st->n_reviewers][len] = '\0';
        st->n_reviewers++;
        s += len;
    }
    return true;
}

#define REPORT_COLUMNS                                                                                            \
    "id, procedure_id, patient_id, template_id, template, status, status_since, flags, author_login, "          \
    "author_user_id, reviewers, set_id, version, document_id, replaces_id, validator_login, validator_user_id, " \
    "validator_rpps, validated_at, announcement_recorded, shared_to_dmp, sections, addendum, exposure, "        \
    "revision, created_at, updated_at"

static bool check_report(store_conn_t *c, const rstore_report *r)
{
    if (!r->template_json || !r->sections_json || !r->state.set_id[0] || !r->state.author[0]) {
        db_fail(c, STORE_INVALID, "report: template, sections, set id and author are required");
        return false;
    }
    if ((unsigned)r->state.status >= RPT_STATUS_COUNT || r->state.flags > RPT_FLAGS_ALL) {
        db_fail(c, STORE_INVALID, "report: bad status or flags");
        return false;
    }
    return true;
}

static db_param opt_int(int64_t v)
{
    return v > 0 ? db_int(v) : db_null();
}

static const char *opt_text(const char *s)
{
    return s && *s ? s : NULL;
}

store_status rstore_report_insert(store_conn_t *c, rstore_report *r)
{
    if (!check_report(c, r)) return STORE_INVALID;
    char reviewers[RPT_MAX_REVIEWERS * RPT_LOGIN_MAX];
    reviewers_format(&r->state, reviewers, sizeof reviewers);
    time_format_utc(time_now_unix(), r->created_at, sizeof r->created_at);
    memcpy(r->updated_at, r->created_at, sizeof r->updated_at);
    r->revision = 0;
    const rpt_state *s = &r->state;
    db_param p[] = {db_int(r->procedure_id), db_int(r->patient_id), opt_int(r->template_id), db_text(r->template_json),
                    db_text(rpt_status_name(s->status)), db_int(s->status_since), db_int((int64_t)s->flags),
                    db_text(s->author), opt_int(r->author_user_id), db_text(reviewers), db_text(s->set_id),
                    db_int(s->version), db_text(opt_text(s->document_id)), db_text(opt_text(s->replaces_id)),
                    db_text(opt_text(s->validator)), opt_int(r->validator_user_id),
                    db_text(opt_text(s->validator_rpps)), db_text(opt_text(s->validated_at)),
                    db_int(s->announcement_recorded), db_int(s->shared_to_dmp), db_text(r->sections_json),
                    db_text(r->addendum), db_text(r->exposure_json), db_text(r->created_at), db_text(r->updated_at)};
    db_rows out;
    store_status st = db_exec(c,
                              "INSERT INTO report (procedure_id, patient_id, template_id, template, status, status_since, "
                              "flags, author_login, author_user_id, reviewers, set_id, version, document_id, replaces_id, "
                              "validator_login, validator_user_id, validator_rpps, validated_at, announcement_recorded, "
                              "shared_to_dmp, sections, addendum, exposure, revision, created_at, updated_at) VALUES "
                              "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING id",
                              p, NP(p), &out, NULL);
    if (st != STORE_OK) return st;
    r->id = out.nrows == 1 ? i64(db_cell(&out, 0, 0)) : 0;
    db_rows_free(&out);
    return r->id > 0 ? STORE_OK : db_fail(c, STORE_ERROR, "report insert returned no id");
}

static store_status row_to_report(store_conn_t *c, const db_rows *r, rstore_report *o)
{
    rpt_state *s = &o->state;
    o->id = i64(db_cell(r, 0, 0));
    o->procedure_id = i64(db_cell(r, 0, 1));
    o->patient_id = i64(db_cell(r, 0, 2));
    o->template_id = i64(db_cell(r, 0, 3));
    o->template_json = dup_or_null(db_cell(r, 0, 4));
    bool ok = rpt_status_parse(db_cell(r, 0, 5) ? db_cell(r, 0, 5) : "", &s->status);
    s->status_since = i64(db_cell(r, 0, 6));
    s->flags = (unsigned)i64(db_cell(r, 0, 7));
    ok = ok && put(s->author, sizeof s->author, db_cell(r, 0, 8));
    o->author_user_id = i64(db_cell(r, 0, 9));
    ok = ok && reviewers_parse(db_cell(r, 0, 10), s);
    ok = ok && put(s->set_id, sizeof s->set_id, db_cell(r, 0, 11));
    s->version = (int)i64(db_cell(r, 0, 12));
    ok = ok && put(s->document_id, sizeof s->document_id, db_cell(r, 0, 13)) &&
         put(s->replaces_id, sizeof s->replaces_id, db_cell(r, 0, 14)) &&
         put(s->validator, sizeof s->validator, db_cell(r, 0, 15));
    o->validator_user_id = i64(db_cell(r, 0, 16));
    ok = ok && put(s->validator_rpps, sizeof s->validator_rpps, db_cell(r, 0, 17)) &&
         put(s->validated_at, sizeof s->validated_at, db_cell(r, 0, 18));
    s->announcement_recorded = i64(db_cell(r, 0, 19)) != 0;
    s->shared_to_dmp = i64(db_cell(r, 0, 20)) != 0;
    o->sections_json = dup_or_null(db_cell(r, 0, 21));
    o->addendum = dup_or_null(db_cell(r, 0, 22));
    o->exposure_json = dup_or_null(db_cell(r, 0, 23));
    o->revision = i64(db_cell(r, 0, 24));
    ok = ok && put(o->created_at, sizeof o->created_at, db_cell(r, 0, 25)) &&
         put(o->updated_at, sizeof o->updated_at, db_cell(r, 0, 26));
    if (!o->template_json || !o->sections_json) ok = false;
    if (!ok) {
        long long id = (long long)o->id;
        rstore_report_clear(o);
        return db_fail(c, STORE_INVALID, "report %lld: a stored value is malformed or too long", id);
    }
    return STORE_OK;
}

store_status rstore_report_get(store_conn_t *c, int64_t id, rstore_report *out)
{
    memset(out, 0, sizeof *out);
    db_rows r;
    db_param p[] = {db_int(id)};
    store_status s = db_exec_row(c, "SELECT " REPORT_COLUMNS " FROM report WHERE id = ?", p, NP(p), &r);
    if (s != STORE_OK) return s;
    s = row_to_report(c, &r, out);
    db_rows_free(&r);
    return s;
}

store_status rstore_report_update(store_conn_t *c, rstore_report *r)
{
    if (!check_report(c, r)) return STORE_INVALID;
    char reviewers[RPT_MAX_REVIEWERS * RPT_LOGIN_MAX];
    reviewers_format(&r->state, reviewers, sizeof reviewers);
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    const rpt_state *s = &r->state;
    db_param p[] = {opt_int(r->template_id), db_text(r->template_json), db_text(rpt_status_name(s->status)),
                    db_int(s->status_since), db_int((int64_t)s->flags), db_text(reviewers), db_int(s->version),
                    db_text(opt_text(s->document_id)), db_text(opt_text(s->replaces_id)),
                    db_text(opt_text(s->validator)), opt_int(r->validator_user_id),
                    db_text(opt_text(s->validator_rpps)), db_text(opt_text(s->validated_at)),
                    db_int(s->announcement_recorded), db_int(s->shared_to_dmp), db_text(r->sections_json),
                    db_text(r->addendum), db_text(r->exposure_json), db_text(now), db_int(r->id),
                    db_int(r->revision)};
    int64_t changes = 0;
    store_status st = db_exec(c,
                              "UPDATE report SET template_id = ?, template = ?, status = ?, status_since = ?, flags = ?, "
                              "reviewers = ?, version = ?, document_id = ?, replaces_id = ?, validator_login = ?, "
                              "validator_user_id = ?, validator_rpps = ?, validated_at = ?, announcement_recorded = ?, "
                              "shared_to_dmp = ?, sections = ?, addendum = ?, exposure = ?, updated_at = ?, "
                              "revision = revision + 1 WHERE id = ? AND revision = ?",
                              p, NP(p), NULL, &changes);
    if (st != STORE_OK) return st;
    if (changes == 0) {
        db_rows x;
        db_param q[] = {db_int(r->id)};
        st = db_exec_row(c, "SELECT id FROM report WHERE id = ?", q, 1, &x);
        if (st != STORE_OK) return st;
        db_rows_free(&x);
        return db_fail(c, STORE_CONFLICT, "report %lld changed concurrently", (long long)r->id);
    }
    r->revision++;
    memcpy(r->updated_at, now, sizeof r->updated_at);
    return STORE_OK;
}

store_status rstore_event_add(store_conn_t *c, int64_t report_id, const char *actor, const char *event,
                              rpt_status status, int version, const char *detail)
{
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_int(report_id), db_text(now), db_text(actor), db_text(event), db_text(rpt_status_name(status)),
                    db_int(version), db_text(detail)};
    return db_exec(c,
                   "INSERT INTO report_event (report_id, at, actor, event, status, version, detail) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   p, NP(p), NULL, NULL);
}

store_status rstore_events_list(store_conn_t *c, int64_t report_id, json_t **items)
{
    *items = NULL;
    db_rows r;
    db_param p[] = {db_int(report_id)};
    store_status s = db_exec(c,
                             "SELECT at, actor AS \"by\", event, status, version, detail FROM report_event "
                             "WHERE report_id = ? ORDER BY id",
                             p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    static const char *const ints[] = {"version", NULL};
    *items = db_rows_json(&r, ints);
    db_rows_free(&r);
    return STORE_OK;
}

/* --- documents ---------------------------------------------------------------------------- */
store_status rstore_document_add(store_conn_t *c, const rstore_document *d, int64_t *id)
{
    if (!d->kind || !d->unique_id || !d->set_id || d->version < 1 || !d->mime_type || !d->encoding || !d->content)
        return db_fail(c, STORE_INVALID, "document: kind, ids, version, type, encoding and content are required");
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_int(d->patient_id), db_int(d->report_id), db_text(d->kind), db_text(d->unique_id),
                    db_text(d->set_id), db_int(d->version), db_text(d->mime_type), db_text(d->file_name),
                    db_text(d->encoding), db_text(d->content), db_int(d->size), db_text(d->sha256), db_text(now)};
    db_rows r;
    store_status s = db_exec(c,
                             "INSERT INTO document (patient_id, report_id, kind, unique_id, set_id, version, mime_type, "
                             "file_name, content_encoding, content, size_bytes, content_sha256, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                             p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    int64_t got = r.nrows == 1 ? i64(db_cell(&r, 0, 0)) : 0;
    db_rows_free(&r);
    if (id) *id = got;
    return got > 0 ? STORE_OK : db_fail(c, STORE_ERROR, "document insert returned no id");
}

store_status rstore_document_get(store_conn_t *c, int64_t report_id, const char *kind, int version, int64_t *doc_id,
                                 int *got_version, char **content, char **encoding, char **mime, char **file_name)
{
    *content = *encoding = *mime = *file_name = NULL;
    db_rows r;
    db_param p[] = {db_int(report_id), db_text(kind), db_int(version), db_int(version)};
    store_status s = db_exec_row(c,
                                 "SELECT id, version, content, content_encoding, mime_type, file_name FROM document "
                                 "WHERE report_id = ? AND kind = ? AND (? = 0 OR version = ?) ORDER BY version DESC LIMIT 1",
                                 p, NP(p), &r);
    if (s != STORE_OK) return s;
    if (doc_id) *doc_id = i64(db_cell(&r, 0, 0));
    if (got_version) *got_version = (int)i64(db_cell(&r, 0, 1));
    *content = dup_or_null(db_cell(&r, 0, 2));
    *encoding = dup_or_null(db_cell(&r, 0, 3));
    *mime = dup_or_null(db_cell(&r, 0, 4));
    *file_name = dup_or_null(db_cell(&r, 0, 5));
    db_rows_free(&r);
    if (!*content || !*encoding || !*mime) {
        free(*content), free(*encoding), free(*mime), free(*file_name);
        *content = *encoding = *mime = *file_name = NULL;
        return db_fail(c, STORE_ERROR, "out of memory");
    }
    return STORE_OK;
}

store_status rstore_documents_list(store_conn_t *c, int64_t report_id, json_t **items)
{
    *items = NULL;
    db_rows r;
    db_param p[] = {db_int(report_id)};
    store_status s = db_exec(c,
                             "SELECT id, kind, version, created_at, size_bytes AS size FROM document "
                             "WHERE report_id = ? ORDER BY version, kind",
                             p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    static const char *const ints[] = {"id", "version", "size", NULL};
    *items = db_rows_json(&r, ints);
    db_rows_free(&r);
    return STORE_OK;
}

/* --- sharing jobs ------------------------------------------------------------------------------ */
store_status rstore_share_add(store_conn_t *c, int64_t report_id, int version, const char *channel,
                              const char *action, int64_t job_id)
{
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_int(report_id), db_int(version), db_text(channel), db_text(action), db_int(job_id),
                    db_text(now)};
    return db_exec(c,
                   "INSERT INTO report_share (report_id, version, channel, action, outbox_job_id, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   p, NP(p), NULL, NULL);
}

store_status rstore_shares_list(store_conn_t *c, int64_t report_id, json_t **items)
{
    *items = NULL;
    db_rows r;
    db_param p[] = {db_int(report_id), db_int(report_id)};
    store_status s = db_exec(c,
                             "SELECT s.channel, s.action, s.version, j.id AS job_id, j.state, j.attempts, "
                             "j.last_error, j.next_attempt_at FROM report_share s JOIN outbox_job j ON j.id = s.outbox_job_id "
                             "WHERE s.report_id = ? AND s.id IN (SELECT MAX(id) FROM report_share WHERE report_id = ? "
                             "GROUP BY channel) ORDER BY s.channel",
                             p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    static const char *const ints[] = {"version", "job_id", "attempts", NULL};
    json_t *a = db_rows_json(&r, ints);
    db_rows_free(&r);
    /* A channel left aside by the latest decision: its reason replaces the older job. */
    s = db_exec(c, "SELECT channel, version, reason FROM report_share_note WHERE report_id = ? ORDER BY channel", p, 1,
                &r, NULL);
    if (s != STORE_OK) {
        json_decref(a);
        return s;
    }
    for (size_t i = 0; i < r.nrows; i++) {
        const char *channel = db_cell(&r, i, 0);
        for (size_t k = json_array_size(a); k-- > 0;)
            if (strcmp(json_string_value(json_object_get(json_array_get(a, k), "channel")), channel) == 0)
                json_array_remove(a, k);
        json_array_append_new(a, json_pack("{s:s, s:n, s:o, s:n, s:n, s:i, s:n, s:n, s:o}", "channel", channel,
                                           "action", "version", int_or_null(db_cell(&r, i, 1)), "job_id", "state",
                                           "attempts", 0, "last_error", "next_attempt_at", "reason",
                                           str_or_null(db_cell(&r, i, 2))));
    }
    db_rows_free(&r);
    *items = a;
    return STORE_OK;
}

store_status rstore_share_note_set(store_conn_t *c, int64_t report_id, int version, const char *channel,
                                   const char *reason)
{
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_int(report_id), db_text(channel), db_int(version), db_text(reason), db_text(now)};
    return db_exec(c,
                   "INSERT INTO report_share_note (report_id, channel, version, reason, created_at) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT (report_id, channel) DO UPDATE SET version = excluded.version, "
                   "reason = excluded.reason, created_at = excluded.created_at",
                   p, NP(p), NULL, NULL);
}

store_status rstore_share_note_clear(store_conn_t *c, int64_t report_id, const char *channel)
{
    db_param p[] = {db_int(report_id), db_text(channel)};
    return db_exec(c, "DELETE FROM report_share_note WHERE report_id = ? AND channel = ?", p, NP(p), NULL, NULL);
}

store_status rstore_patient_dmp_get(store_conn_t *c, int64_t patient_id, rstore_patient_dmp *out)
{
    memset(out, 0, sizeof *out);
    db_rows r;
    db_param p[] = {db_int(patient_id)};
    store_status s = db_exec(c, "SELECT dmp_status, feed_opposition FROM patient_dmp WHERE patient_id = ?", p, NP(p),
                             &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows > 0) {
        out->known = true;
        put(out->status, sizeof out->status, db_cell(&r, 0, 0));
        put(out->feed_opposition, sizeof out->feed_opposition, db_cell(&r, 0, 1));
    }
    db_rows_free(&r);
    return STORE_OK;
}

store_status rstore_report_destinations(store_conn_t *c, size_t *n)
{
    *n = 0;
    hl7s_destination *list = NULL;
    store_status s = hl7s_destination_list(c, HL7S_REPORTS, true, &list, n);
    free(list);
    return s;
}

store_status rstore_share_destinations(store_conn_t *c, int64_t parent_job_id, json_t **items)
{
    *items = NULL;
    db_rows r;
    db_param p[] = {db_int(parent_job_id)};
    store_status s = db_exec(c,
                             "SELECT j.id, o.destination_id, d.name, o.message_type, j.state, j.attempts, j.last_error, "
                             "j.next_attempt_at FROM hl7_outbound o JOIN outbox_job j ON j.id = o.job_id "
                             "LEFT JOIN hl7_destination d ON d.id = o.destination_id WHERE o.parent_job_id = ? "
                             "ORDER BY j.id",
                             p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    json_t *a = json_array();
    for (size_t i = 0; i < r.nrows; i++) {
        const char *dest = db_cell(&r, i, 1);
        json_t *d = dest ? json_pack("{s:o, s:o}", "id", int_or_null(dest), "name", str_or_null(db_cell(&r, i, 2)))
                         : json_null();
        json_array_append_new(
            a, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "job_id", int_or_null(db_cell(&r, i, 0)), "destination",
                         d, "message_type", str_or_null(db_cell(&r, i, 3)), "state", str_or_null(db_cell(&r, i, 4)),
                         "attempts", int_or_null(db_cell(&r, i, 5)), "last_error", str_or_null(db_cell(&r, i, 6)),
                         "next_attempt_at", str_or_null(db_cell(&r, i, 7))));
    }
    db_rows_free(&r);
    *items = a;
    return STORE_OK;
}

/* --- read models -------------------------------------------------------------------------------- */
/* Patient columns (7) starting at `col`. */
static json_t *patient_json(const db_rows *r, size_t row, size_t col)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", int_or_null(db_cell(r, row, col)), "ipp",
                     str_or_null(db_cell(r, row, col + 1)), "birth_name", str_or_null(db_cell(r, row, col + 2)),
                     "used_name", str_or_null(db_cell(r, row, col + 3)), "first_given_name",
                     str_or_null(db_cell(r, row, col + 4)), "birth_date", str_or_null(db_cell(r, row, col + 5)), "sex",
                     str_or_null(db_cell(r, row, col + 6)));
}

#define PATIENT_COLUMNS "pa.id, pa.ipp, i.birth_name, i.used_name, i.first_given_name, i.birth_date, i.sex"

store_status rstore_report_list(store_conn_t *c, const rstore_list_query *q, json_t **items, int64_t *total)
{
    *items = NULL;
    *total = 0;
    if (q->limit < 1 || q->limit > 1000 || q->offset < 0) return db_fail(c, STORE_INVALID, "report list: bad paging");
    rpt_status status;
    if (q->status && !rpt_status_parse(q->status, &status))
        return db_fail(c, STORE_INVALID, "report list: unknown status");
    const char *where = "WHERE (CAST(? AS TEXT) IS NULL OR r.status = ?) AND (? = 0 OR r.patient_id = ?) AND "
                        "(? = 0 OR r.procedure_id = ?) AND (? = 0 OR (r.status IN ('brouillon', 'provisoire') "
                        "AND r.status_since < ?))";
    db_param p[] = {db_text(q->status), db_text(q->status), db_int(q->patient_id), db_int(q->patient_id),
                    db_int(q->procedure_id), db_int(q->procedure_id), db_int(q->stale_before), db_int(q->stale_before),
                    db_int(q->limit), db_int(q->offset)};
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM report r %s", where);
    db_rows r;
    store_status s = db_exec_row(c, sql, p, 8, &r);
    if (s != STORE_OK) return s;
    *total = i64(db_cell(&r, 0, 0));
    db_rows_free(&r);
    snprintf(sql, sizeof sql,
             "SELECT r.id, r.procedure_id, p.accession_number, e.label, e.modality_type, r.status, r.version, "
             "r.updated_at, r.validated_at, COALESCE(u.display_name, r.validator_login), r.flags, " PATIENT_COLUMNS
             " FROM report r JOIN requested_procedure p ON p.id = r.procedure_id "
             "JOIN exam_catalogue e ON e.id = p.exam_id JOIN patient pa ON pa.id = r.patient_id "
             "LEFT JOIN identity i ON i.patient_id = pa.id LEFT JOIN app_user u ON u.id = r.validator_user_id "
             "%s ORDER BY %s LIMIT ? OFFSET ?",
             where, q->stale_before > 0 ? "r.status_since, r.id" : "r.updated_at DESC, r.id DESC");
    s = db_exec(c, sql, p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    json_t *a = json_array();
    for (size_t i = 0; i < r.nrows; i++)
        json_array_append_new(
            a, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                         int_or_null(db_cell(&r, i, 0)), "procedure_id", int_or_null(db_cell(&r, i, 1)),
                         "accession_number", str_or_null(db_cell(&r, i, 2)), "exam_label",
                         str_or_null(db_cell(&r, i, 3)), "modality", str_or_null(db_cell(&r, i, 4)), "status",
                         str_or_null(db_cell(&r, i, 5)), "version", int_or_null(db_cell(&r, i, 6)), "updated_at",
                         str_or_null(db_cell(&r, i, 7)), "validated_at", str_or_null(db_cell(&r, i, 8)),
                         "validator_name", str_or_null(db_cell(&r, i, 9)), "flags", int_or_null(db_cell(&r, i, 10)),
                         "patient", patient_json(&r, i, 11)));
    db_rows_free(&r);
    *items = a;
    return STORE_OK;
}

store_status rstore_exams_to_report(store_conn_t *c, int64_t limit, json_t **items)
{
    *items = NULL;
    if (limit < 1 || limit > 1000) return db_fail(c, STORE_INVALID, "to-do: bad limit");
    db_param p[] = {db_int(limit)};
    db_rows r;
    store_status s = db_exec(
        c,
        "SELECT p.id, p.accession_number, e.label, COALESCE(s.modality_type, e.modality_type), s.status, "
        "COALESCE((SELECT MAX(COALESCE(ps.ended_at, ps.started_at)) FROM performed_step ps WHERE ps.step_id = s.id), "
        "s.status_changed_at, s.start_at), r.id, r.status, " PATIENT_COLUMNS
        " FROM scheduled_step s JOIN requested_procedure p ON p.id = s.procedure_id "
        "JOIN exam_catalogue e ON e.id = p.exam_id JOIN imaging_order o ON o.id = p.order_id "
        "JOIN patient pa ON pa.id = o.patient_id LEFT JOIN identity i ON i.patient_id = pa.id "
        "LEFT JOIN report r ON r.procedure_id = p.id "
        "WHERE s.status IN ('in_progress', 'completed') AND (r.id IS NULL OR r.status IN ('brouillon', 'provisoire')) "
        "AND s.id = (SELECT MAX(s2.id) FROM scheduled_step s2 WHERE s2.procedure_id = p.id "
        "AND s2.status IN ('in_progress', 'completed')) "
        "ORDER BY COALESCE(s.status_changed_at, s.start_at), p.id LIMIT ?",
        p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    json_t *a = json_array();
    for (size_t i = 0; i < r.nrows; i++)
        json_array_append_new(
            a, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "procedure_id", int_or_null(db_cell(&r, i, 0)),
                         "accession_number", str_or_null(db_cell(&r, i, 1)), "exam_label",
                         str_or_null(db_cell(&r, i, 2)), "modality", str_or_null(db_cell(&r, i, 3)), "step_status",
                         str_or_null(db_cell(&r, i, 4)), "performed_at", str_or_null(db_cell(&r, i, 5)), "report_id",
                         int_or_null(db_cell(&r, i, 6)), "report_status", str_or_null(db_cell(&r, i, 7)), "patient",
                         patient_json(&r, i, 8)));
    db_rows_free(&r);
    *items = a;
    return STORE_OK;
}

/* The first image of the performed series recorded from the MPPS (performed_step.dataset:
 * {"series":[{"series_uid":..., "images":[{"sop_class_uid":..., "sop_instance_uid":...}]}]}),
 * into o; left "" when the modality named none or the text is not that JSON. */
static void first_image(const char *dataset, rstore_procedure *o)
{
    if (!dataset || !*dataset) return;
    json_t *root = json_loads(dataset, 0, NULL);
    json_t *series = json_object_get(root, "series");
    for (size_t i = 0; i < json_array_size(series); i++) {
        json_t *se = json_array_get(series, i);
        const char *suid = json_string_value(json_object_get(se, "series_uid"));
        json_t *img = json_array_get(json_object_get(se, "images"), 0);
        const char *iuid = json_string_value(json_object_get(img, "sop_instance_uid"));
        const char *cuid = json_string_value(json_object_get(img, "sop_class_uid"));
        if (suid && iuid && put(o->series_uid, sizeof o->series_uid, suid) &&
            put(o->sop_instance_uid, sizeof o->sop_instance_uid, iuid) &&
            put(o->sop_class_uid, sizeof o->sop_class_uid, cuid ? cuid : ""))
            break;
        o->series_uid[0] = o->sop_instance_uid[0] = o->sop_class_uid[0] = '\0';
    }
    json_decref(root);
}

store_status rstore_procedure_get(store_conn_t *c, int64_t procedure_id, rstore_procedure *o)
{
    memset(o, 0, sizeof *o);
    db_param p[] = {db_int(procedure_id)};
    db_rows r;
    store_status s = db_exec_row(
        c,
        "SELECT p.id, p.order_id, o.patient_id, p.exam_id, i.id, p.accession_number, p.study_instance_uid, pa.ipp, "
        "e.label, e.ccam_code, e.loinc_code, e.modality_type, e.region_code, o.placer_number, "
        "c.rpps, c.last_name, c.first_name, c.mssante_address "
        "FROM requested_procedure p JOIN imaging_order o ON o.id = p.order_id JOIN patient pa ON pa.id = o.patient_id "
        "JOIN exam_catalogue e ON e.id = p.exam_id LEFT JOIN identity i ON i.patient_id = pa.id "
        "LEFT JOIN correspondent c ON c.id = o.requester_id WHERE p.id = ?",
        p, NP(p), &r);
    if (s != STORE_OK) return s;
    o->procedure_id = i64(db_cell(&r, 0, 0));
    o->order_id = i64(db_cell(&r, 0, 1));
    o->patient_id = i64(db_cell(&r, 0, 2));
    o->exam_id = i64(db_cell(&r, 0, 3));
    o->identity_id = i64(db_cell(&r, 0, 4));
    bool ok = put(o->accession_number, sizeof o->accession_number, db_cell(&r, 0, 5)) &&
              put(o->study_instance_uid, sizeof o->study_instance_uid, db_cell(&r, 0, 6)) &&
              put(o->ipp, sizeof o->ipp, db_cell(&r, 0, 7)) && put(o->exam_label, sizeof o->exam_label, db_cell(&r, 0, 8)) &&
              put(o->ccam_code, sizeof o->ccam_code, db_cell(&r, 0, 9)) &&
              put(o->loinc_code, sizeof o->loinc_code, db_cell(&r, 0, 10)) &&
              put(o->modality, sizeof o->modality, db_cell(&r, 0, 11)) &&
              put(o->region_code, sizeof o->region_code, db_cell(&r, 0, 12)) &&
              put(o->placer_number, sizeof o->placer_number, db_cell(&r, 0, 13)) &&
              put(o->req_rpps, sizeof o->req_rpps, db_cell(&r, 0, 14)) &&
              put(o->req_last, sizeof o->req_last, db_cell(&r, 0, 15)) &&
              put(o->req_first, sizeof o->req_first, db_cell(&r, 0, 16)) &&
              put(o->req_mssante, sizeof o->req_mssante, db_cell(&r, 0, 17));
    db_rows_free(&r);
    if (!ok) return db_fail(c, STORE_INVALID, "procedure %lld: a stored value is too long", (long long)procedure_id);
    if (o->identity_id == 0) return db_fail(c, STORE_INVALID, "procedure %lld: the patient has no identity", (long long)procedure_id);
    int64_t pid = 0;
    s = ids_identity_get(c, o->identity_id, &pid, &o->identity);
    if (s != STORE_OK) return s;

    /* Exam times and images: the latest performed step, else the scheduled start. */
    s = db_exec(c,
                "SELECT started_at, ended_at, dataset FROM performed_step WHERE procedure_id = ? "
                "AND started_at IS NOT NULL ORDER BY id DESC LIMIT 1",
                p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows == 1) {
        put(o->performed_start, sizeof o->performed_start, db_cell(&r, 0, 0));
        put(o->performed_end, sizeof o->performed_end, db_cell(&r, 0, 1));
        first_image(db_cell(&r, 0, 2), o);
    }
    db_rows_free(&r);
    if (!o->performed_start[0]) {
        s = db_exec(c, "SELECT start_at FROM scheduled_step WHERE procedure_id = ? ORDER BY id DESC LIMIT 1", p, NP(p),
                    &r, NULL);
        if (s != STORE_OK) return s;
        if (r.nrows == 1) put(o->performed_start, sizeof o->performed_start, db_cell(&r, 0, 0));
        db_rows_free(&r);
    }

    /* Site: the room of the procedure's appointment, else the first active site. */
    s = db_exec(c,
                "SELECT si.name, si.finess, si.address, si.postal_code, si.city, si.phone FROM site si WHERE si.id = "
                "COALESCE((SELECT ro.site_id FROM appointment a JOIN room ro ON ro.id = a.room_id "
                "WHERE a.procedure_id = ? ORDER BY a.id DESC LIMIT 1), "
                "(SELECT MIN(id) FROM site WHERE active = 1))",
                p, NP(p), &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows == 1) {
        ok = put(o->site_name, sizeof o->site_name, db_cell(&r, 0, 0)) &&
             put(o->site_finess, sizeof o->site_finess, db_cell(&r, 0, 1)) &&
             put(o->site_address, sizeof o->site_address, db_cell(&r, 0, 2)) &&
             put(o->site_postal, sizeof o->site_postal, db_cell(&r, 0, 3)) &&
             put(o->site_city, sizeof o->site_city, db_cell(&r, 0, 4)) &&
             put(o->site_phone, sizeof o->site_phone, db_cell(&r, 0, 5));
    }
    db_rows_free(&r);
    if (!ok) return db_fail(c, STORE_INVALID, "site of procedure %lld: a stored value is too long", (long long)procedure_id);
    return STORE_OK;
}
