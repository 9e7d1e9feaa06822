/* Store side of the DICOM worklist adapter (see worklist_sql.h): one indexed statement per
 * page of scheduled steps (keyset paging on start_at, id), and the MPPS rows. */
#include "store/worklist_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "store/store_internal.h"

#define MWL_MAX_PARAMS 160
#define MWL_MAX_UIDS 64
#define MWL_MAX_NAME_KEYS 64

/* Truncating copy (one per cell of every worklist row: no printf machinery). */
static void copy(char *dst, size_t n, const char *src)
{
    size_t len = src ? strnlen(src, n - 1) : 0;
    memcpy(dst, src ? src : "", len);
    dst[len] = 0;
}

static int64_t num(const char *s)
{
    int64_t v = 0;
    return s && db_parse_i64(s, &v) ? v : 0;
}

static const char *const worklist_statuses[] = {"arrived", NULL};

static void add_eq(buf_t *sql, db_param *p, size_t *np, const char *col, const char *v)
{
    if (!v) return;
    buf_printf(sql, " AND %s = ?", col);
    p[(*np)++] = db_text(v);
}

static void add_like(buf_t *sql, db_param *p, size_t *np, const char *col, const char *v)
{
    if (!v) return;
    buf_printf(sql, " AND %s LIKE ? ESCAPE '\\'", col);
    p[(*np)++] = db_text(v);
}

/* SQLite: map the database file in this connection (asked for 8 GiB, clamped by the library to
 * its SQLITE_MAX_MMAP_SIZE: 2 GiB on Debian), so that the worklist's many small index and row
 * reads use the OS page cache directly instead of one pread() per page missing from SQLite's own
 * cache. A 1,000,000-step store is ~1.5 GB with its read model at the end of the file, which a
 * 1 GiB mapping left on the pread path. The mapping also matters under writes: in WAL mode any
 * commit by another connection empties this connection's page cache at its next read, and
 * mapped pages come back without a read. Plus up to 32 MiB of decoded pages in the cache
 * (-20% per answer when the same days are polled again). Both were measured against a 64 MiB
 * cache without mapping, at 1,000,000 steps with and without a concurrent writer (figures in
 * bench/mwl/README.md). Per connection and idempotent: cheap enough to state on every page. */
static store_status map_database(store_conn_t *c)
{
    if (c->st->drv != &db_driver_sqlite) return STORE_OK;
    static const char *const pragmas[] = {"PRAGMA mmap_size=8589934592", "PRAGMA cache_size=-32768"};
    for (size_t i = 0; i < 2; i++) {
        db_rows r;
        store_status s = db_exec(c, pragmas[i], NULL, 0, &r, NULL);
        if (s != STORE_OK) return s;
        db_rows_free(&r);
    }
    return STORE_OK;
}

/* The distinct patient name keys of the entries in [prefix, upper), at most MWL_MAX_NAME_KEYS + 1:
 * a loose index scan (one seek of ix_mwl_entry_name per key), so that the page query seeks each
 * (key, status, start_at) range instead of reading every entry of every matching name. */
static store_status name_keys(store_conn_t *c, const char *prefix, const char *upper, db_rows *r)
{
    db_param p[] = {db_text(prefix), db_text(upper), db_text(upper), db_int(MWL_MAX_NAME_KEYS + 1)};
    return db_exec(c,
                   "WITH RECURSIVE k(v) AS (SELECT MIN(patient_name_key) FROM mwl_entry "
                   "WHERE patient_name_key >= ? AND patient_name_key < ? UNION ALL "
                   "SELECT (SELECT MIN(patient_name_key) FROM mwl_entry WHERE patient_name_key > k.v "
                   "AND patient_name_key < ?) FROM k WHERE k.v IS NOT NULL) "
                   "SELECT v FROM k WHERE v IS NOT NULL LIMIT ?",
                   p, 4, r, NULL);
}

static void add_in(buf_t *sql, db_param *p, size_t *np, const char *col, const char *const *v, size_t n)
{
    buf_printf(sql, " AND %s IN (", col);
    for (size_t i = 0; i < n; i++) {
        buf_puts(sql, i ? ", ?" : "?");
        p[(*np)++] = db_text(v[i]);
    }
    buf_putc(sql, ')');
}

/* The entry's columns of an answer (see fill_row). The exam's codes and label and the
 * requester's name are not in the entry (migration 0024): fill_row takes them from the rows
 * load_refs fetched once per page for the distinct exam and requester ids, which costs two
 * small statements per page instead of two more B-tree searches per answer. */
#define MWL_COLUMNS                                                                                               \
    "step_id, procedure_id, patient_id, start_at, sps_id, ae_title, modality_type, status, performing_physician, " \
    "accession_number, study_instance_uid, exam_id, requester_id, ipp, birth_name, used_name, first_given_name, "  \
    "birth_date, sex, ins_matricule, ins_oid, rniv_status, douteuse, fictive, priority"
enum { COL_EXAM_ID = 11, COL_REQUESTER_ID = 12 };

/* A row of a small joined table: its id and two text columns (owned by a db_rows). */
typedef struct {
    int64_t id;
    const char *a, *b;
} ref_row;

static int ref_order(const void *x, const void *y)
{
    int64_t i = ((const ref_row *)x)->id, j = ((const ref_row *)y)->id;
    return (i > j) - (i < j);
}

static int id_order(const void *x, const void *y)
{
    int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
    return (i > j) - (i < j);
}

/* The rows that `select` ("SELECT id, a, b FROM table") gives for the distinct non-NULL ids
 * of column `col` of r, sorted by id in *refs (malloc'ed; its strings live in *out). */
static store_status load_refs(store_conn_t *c, const db_rows *r, size_t col, const char *select, db_rows *out,
                              ref_row **refs, size_t *nrefs)
{
    *refs = NULL;
    *nrefs = 0;
    memset(out, 0, sizeof *out);
    int64_t *ids = malloc((r->nrows ? r->nrows : 1) * sizeof *ids);
    if (!ids) return db_fail(c, STORE_ERROR, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++)
        if (db_cell(r, i, col)) ids[n++] = num(db_cell(r, i, col));
    qsort(ids, n, sizeof *ids, id_order);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (distinct == 0 || ids[i] != ids[distinct - 1]) ids[distinct++] = ids[i];
    if (distinct == 0) {
        free(ids);
        return STORE_OK;
    }
    /* The list is padded to a power of two (the last id repeated): a dozen statement texts in
     * all, so the prepared-statement cache keeps them instead of one per count of ids. */
    size_t slots = 1;
    while (slots < distinct) slots *= 2;
    db_param *p = malloc(slots * sizeof *p);
    buf_t sql = BUF_INIT;
    buf_puts(&sql, select);
    buf_puts(&sql, " WHERE id IN (");
    for (size_t i = 0; p && i < slots; i++) {
        buf_puts(&sql, i ? ", ?" : "?");
        p[i] = db_int(ids[i < distinct ? i : distinct - 1]);
    }
    buf_putc(&sql, ')');
    store_status s = p && buf_cstr(&sql)[0] ? db_exec(c, buf_cstr(&sql), p, slots, out, NULL)
                                            : db_fail(c, STORE_ERROR, "out of memory");
    buf_free(&sql);
    free(p);
    free(ids);
    if (s != STORE_OK) return s;
    *refs = malloc((out->nrows ? out->nrows : 1) * sizeof **refs);
    if (!*refs) {
        db_rows_free(out);
        return db_fail(c, STORE_ERROR, "out of memory");
    }
    for (size_t i = 0; i < out->nrows; i++)
        (*refs)[i] = (ref_row){num(db_cell(out, i, 0)), db_cell(out, i, 1), db_cell(out, i, 2)};
    qsort(*refs, out->nrows, sizeof **refs, ref_order);
    *nrefs = out->nrows;
    return STORE_OK;
}

static const ref_row *find_ref(const ref_row *refs, size_t n, const char *id)
{
    if (!id || !n) return NULL;
    ref_row key = {num(id), NULL, NULL};
    return bsearch(&key, refs, n, sizeof *refs, ref_order);
}

static void fill_row(store_mwl_row *it, const db_rows *r, size_t row, const ref_row *exam, const ref_row *requester)
{
#define CELL(k) db_cell(r, row, k)
    it->step_id = num(CELL(0));
    it->procedure_id = num(CELL(1));
    it->patient_id = num(CELL(2));
    copy(it->start_at_text, sizeof it->start_at_text, CELL(3));
    if (!CELL(3) || time_parse_datetime(CELL(3), &it->start_at) != 0) it->start_at = 0;
    copy(it->sps_id, sizeof it->sps_id, CELL(4));
    copy(it->ae_title, sizeof it->ae_title, CELL(5));
    copy(it->modality, sizeof it->modality, CELL(6));
    copy(it->status, sizeof it->status, CELL(7));
    copy(it->performing_physician, sizeof it->performing_physician, CELL(8));
    copy(it->accession_number, sizeof it->accession_number, CELL(9));
    copy(it->study_instance_uid, sizeof it->study_instance_uid, CELL(10));
    copy(it->ccam_code, sizeof it->ccam_code, exam ? exam->a : NULL);
    copy(it->exam_label, sizeof it->exam_label, exam ? exam->b : NULL);
    copy(it->ipp, sizeof it->ipp, CELL(13));
    copy(it->birth_name, sizeof it->birth_name, CELL(14));
    copy(it->used_name, sizeof it->used_name, CELL(15));
    copy(it->first_given_name, sizeof it->first_given_name, CELL(16));
    copy(it->birth_date, sizeof it->birth_date, CELL(17));
    copy(it->sex, sizeof it->sex, CELL(18));
    copy(it->ins_matricule, sizeof it->ins_matricule, CELL(19));
    copy(it->ins_oid, sizeof it->ins_oid, CELL(20));
    copy(it->rniv_status, sizeof it->rniv_status, CELL(21));
    it->douteuse = num(CELL(22)) != 0;
    it->fictive = num(CELL(23)) != 0;
    copy(it->priority, sizeof it->priority, CELL(24));
    copy(it->requester_last_name, sizeof it->requester_last_name, requester ? requester->a : NULL);
    copy(it->requester_first_name, sizeof it->requester_first_name, requester ? requester->b : NULL);
#undef CELL
}

/* Row order of a worklist page: start_at (stored text: UTC ISO 8601, so text order is time
 * order), then step id. */
typedef struct {
    const char *start_at;
    int64_t step_id;
    size_t row;
} page_key;

static int page_order(const void *a, const void *b)
{
    const page_key *x = a, *y = b;
    int c = strcmp(x->start_at, y->start_at);
    return c ? c : (x->step_id > y->step_id) - (x->step_id < y->step_id);
}

/* order[i] = the result row that comes i-th in page order. -1 when out of memory. */
static int sort_rows(const db_rows *r, size_t *order)
{
    page_key *k = malloc((r->nrows ? r->nrows : 1) * sizeof *k);
    if (!k) return -1;
    for (size_t i = 0; i < r->nrows; i++) {
        const char *start = db_cell(r, i, 3);
        k[i] = (page_key){start ? start : "", num(db_cell(r, i, 0)), i};
    }
    qsort(k, r->nrows, sizeof *k, page_order);
    for (size_t i = 0; i < r->nrows; i++) order[i] = k[i].row;
    free(k);
    return 0;
}

store_status store_mwl_page(store_conn_t *c, const store_mwl_filter *f, store_mwl_row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    store_status ms = map_database(c);
    if (ms != STORE_OK) return ms;
    size_t limit = f->limit ? f->limit : 500;
    if (limit > 5000) return db_fail(c, STORE_INVALID, "worklist page: limit above 5000");
    if (f->nstudy_uids > MWL_MAX_UIDS) return db_fail(c, STORE_INVALID, "worklist page: more than 64 UIDs");
    const char *const *statuses = f->statuses ? f->statuses : worklist_statuses;
    size_t ns = 0;
    while (statuses[ns]) ns++;
    if (ns == 0 || ns > 7) return db_fail(c, STORE_INVALID, "worklist page: 1 to 7 statuses");
    db_param p[MWL_MAX_PARAMS];
    size_t np = 0;
    char a[32], b[32], upper[1024];
    bool by_name = f->birth_name_key && f->birth_name_key[0];
    if (by_name && strlen(f->birth_name_key) > sizeof upper - 5)
        return db_fail(c, STORE_INVALID, "worklist page: name key too long");
    db_rows keys = {0};
    if (by_name) {
        /* prefix range on the key: [key, key + U+10FFFF), narrowed to the keys present */
        snprintf(upper, sizeof upper, "%s\xf4\x8f\xbf\xbf", f->birth_name_key);
        store_status ks = name_keys(c, f->birth_name_key, upper, &keys);
        if (ks != STORE_OK) return ks;
        if (keys.nrows == 0) {
            db_rows_free(&keys);
            *rows = calloc(1, sizeof **rows);
            return *rows ? STORE_OK : db_fail(c, STORE_ERROR, "out of memory");
        }
    }
    /* Every criterion is a column of the read model (migration 0024): no join. */
    buf_t where = BUF_INIT;
    buf_puts(&where, " WHERE 1 = 1");
    add_in(&where, p, &np, "status", statuses, ns);
    add_eq(&where, p, &np, "ae_title", f->ae_title);
    add_eq(&where, p, &np, "modality_type", f->modality);
    if (f->from) {
        time_format_utc(f->from, a, sizeof a);
        buf_puts(&where, " AND start_at >= ?");
        p[np++] = db_text(a);
    }
    if (f->to) {
        time_format_utc(f->to, b, sizeof b);
        buf_puts(&where, " AND start_at < ?");
        p[np++] = db_text(b);
    }
    add_eq(&where, p, &np, "ipp", f->ipp);
    add_like(&where, p, &np, "ipp", f->ipp_like);
    add_eq(&where, p, &np, "accession_number", f->accession);
    add_like(&where, p, &np, "accession_number", f->accession_like);
    add_eq(&where, p, &np, "sps_id", f->sps_id);
    add_like(&where, p, &np, "sps_id", f->sps_id_like);
    if (f->nstudy_uids) add_in(&where, p, &np, "study_instance_uid", f->study_uids, f->nstudy_uids);
    if (by_name && keys.nrows <= MWL_MAX_NAME_KEYS) {
        const char *k[MWL_MAX_NAME_KEYS];
        for (size_t i = 0; i < keys.nrows; i++) k[i] = db_cell(&keys, i, 0);
        add_in(&where, p, &np, "patient_name_key", k, keys.nrows);
    } else if (by_name) {
        buf_puts(&where, " AND patient_name_key >= ? AND patient_name_key < ?");
        p[np++] = db_text(f->birth_name_key);
        p[np++] = db_text(upper);
    }
    if (f->after_start_at) {
        /* "start_at >= ?" lets the index seek past the previous pages instead of reading them */
        buf_puts(&where, " AND start_at >= ? AND (start_at > ? OR step_id > ?)");
        p[np++] = db_text(f->after_start_at);
        p[np++] = db_text(f->after_start_at);
        p[np++] = db_int(f->after_id);
    }
    buf_puts(&where, " ORDER BY start_at, step_id LIMIT ?");
    p[np++] = db_int((int64_t)limit);
    /* Without a name criterion, one statement: the station, modality or status index gives the
     * entries in (start_at, step_id) order, so the LIMIT stops early and each answer costs one
     * row lookup. With it, the page of step ids first, from the name index alone (one range per
     * name key, sorted), then the rows of those steps only, put back in page order here: an
     * outer ORDER BY would copy every whole row through SQLite's sorter (+1 ms per 500 rows). */
    buf_t sql = BUF_INIT;
    buf_puts(&sql, "SELECT " MWL_COLUMNS " FROM mwl_entry");
    if (by_name) {
        buf_puts(&sql, " WHERE step_id IN (SELECT step_id FROM mwl_entry");
        buf_puts(&sql, buf_cstr(&where));
        buf_putc(&sql, ')');
    } else {
        buf_puts(&sql, buf_cstr(&where));
    }
    buf_free(&where);
    db_rows r;
    store_status s = db_exec(c, buf_cstr(&sql), p, np, &r, NULL);
    buf_free(&sql);
    db_rows_free(&keys); /* after the statement: its parameters point into keys */
    if (s != STORE_OK) return s;
    db_rows exams = {0}, requesters = {0};
    ref_row *exam = NULL, *requester = NULL;
    size_t nexam = 0, nrequester = 0;
    s = load_refs(c, &r, COL_EXAM_ID, "SELECT id, ccam_code, label FROM exam_catalogue", &exams, &exam, &nexam);
    if (s == STORE_OK)
        s = load_refs(c, &r, COL_REQUESTER_ID, "SELECT id, last_name, first_name FROM correspondent", &requesters,
                      &requester, &nrequester);
    store_mwl_row *out = NULL;
    size_t *order = NULL;
    if (s == STORE_OK) {
        out = malloc((r.nrows ? r.nrows : 1) * sizeof *out); /* every field is set by fill_row */
        order = by_name ? malloc((r.nrows ? r.nrows : 1) * sizeof *order) : NULL;
        if (!out || (by_name && (!order || sort_rows(&r, order) != 0))) s = db_fail(c, STORE_ERROR, "out of memory");
    }
    for (size_t row = 0; s == STORE_OK && row < r.nrows; row++) {
        size_t at = order ? order[row] : row;
        fill_row(&out[row], &r, at, find_ref(exam, nexam, db_cell(&r, at, COL_EXAM_ID)),
                 find_ref(requester, nrequester, db_cell(&r, at, COL_REQUESTER_ID)));
    }
    free(order);
    free(exam);
    free(requester);
    db_rows_free(&exams);
    db_rows_free(&requesters);
    if (s != STORE_OK) {
        free(out);
        db_rows_free(&r);
        return s;
    }
    *n = r.nrows;
    *rows = out;
    db_rows_free(&r);
    return STORE_OK;
}

store_status store_mwl_modality_known(store_conn_t *c, const char *ae_title, bool *known)
{
    *known = false;
    db_param p[] = {db_text(ae_title)};
    db_rows r;
    store_status s = db_exec(c, "SELECT 1 FROM modality WHERE ae_title = ? AND active = 1", p, 1, &r, NULL);
    if (s != STORE_OK) return s;
    *known = r.nrows > 0;
    db_rows_free(&r);
    return STORE_OK;
}

store_status store_mpps_find_step(store_conn_t *c, const char *sps_id, const char *accession, int64_t *step_id,
                                  int64_t *procedure_id, char *status, size_t status_len)
{
    db_rows r;
    store_status s = STORE_NOT_FOUND;
    if (sps_id && *sps_id) {
        db_param p[] = {db_text(sps_id)};
        s = db_exec(c, "SELECT id, procedure_id, status FROM scheduled_step WHERE sps_id = ?", p, 1, &r, NULL);
        if (s != STORE_OK) return s;
        if (r.nrows == 0) {
            db_rows_free(&r);
            s = STORE_NOT_FOUND;
        }
    }
    if (s == STORE_NOT_FOUND && accession && *accession) {
        db_param p[] = {db_text(accession)};
        s = db_exec(c,
                    "SELECT s.id, s.procedure_id, s.status FROM scheduled_step s JOIN requested_procedure rp "
                    "ON rp.id = s.procedure_id WHERE rp.accession_number = ? ORDER BY s.start_at, s.id LIMIT 1",
                    p, 1, &r, NULL);
        if (s != STORE_OK) return s;
        if (r.nrows == 0) {
            db_rows_free(&r);
            s = STORE_NOT_FOUND;
        }
    }
    if (s != STORE_OK) return db_fail(c, STORE_NOT_FOUND, "no scheduled step for this MPPS");
    *step_id = num(db_cell(&r, 0, 0));
    *procedure_id = num(db_cell(&r, 0, 1));
    copy(status, status_len, db_cell(&r, 0, 2));
    db_rows_free(&r);
    return STORE_OK;
}

store_status store_mpps_step_status(store_conn_t *c, int64_t step_id, const char *from, const char *to, int64_t at)
{
    char now[32];
    time_format_utc(at, now, sizeof now);
    bool opened = false;
    store_status s = db_tx_auto(c, &opened);
    if (s != STORE_OK) return s;
    int64_t changes = 0;
    db_param p[] = {db_text(to), db_text(now), db_text(now), db_int(step_id), db_text(from)};
    s = db_exec(c, "UPDATE scheduled_step SET status = ?, status_changed_at = ?, updated_at = ? WHERE id = ? AND status = ?",
                p, 5, NULL, &changes);
    if (s == STORE_OK && changes != 1) s = db_fail(c, STORE_CONFLICT, "scheduled step %lld is no longer %s", (long long)step_id, from);
    if (s == STORE_OK)
        s = db_exec(c, "UPDATE appointment SET status = ?, status_changed_at = ?, updated_at = ? WHERE step_id = ? AND status = ?",
                    p, 5, NULL, NULL);
    return db_tx_end(c, opened, s);
}

store_status store_pps_insert(store_conn_t *c, const char *sop_instance_uid, int64_t step_id, int64_t procedure_id,
                              const char *ae_title, const char *status, int64_t started_at, const char *dataset)
{
    char now[32], start[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    if (started_at) time_format_utc(started_at, start, sizeof start);
    db_rows r;
    db_param chk[] = {db_text(sop_instance_uid)};
    store_status s = db_exec(c, "SELECT id FROM performed_step WHERE sop_instance_uid = ?", chk, 1, &r, NULL);
    if (s != STORE_OK) return s;
    size_t found = r.nrows;
    db_rows_free(&r);
    if (found) return db_fail(c, STORE_CONFLICT, "performed step %s already exists", sop_instance_uid);
    db_param p[] = {db_text(sop_instance_uid), step_id ? db_int(step_id) : db_null(),
                    procedure_id ? db_int(procedure_id) : db_null(), db_text(ae_title), db_text(status),
                    started_at ? db_text(start) : db_null(), db_text(dataset), db_text(now)};
    return db_exec(c,
                   "INSERT INTO performed_step (sop_instance_uid, step_id, procedure_id, ae_title, status, started_at, "
                   "dataset, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   p, 8, NULL, NULL);
}

store_status store_pps_get(store_conn_t *c, const char *sop_instance_uid, store_pps_row *out)
{
    memset(out, 0, sizeof *out);
    db_param p[] = {db_text(sop_instance_uid)};
    db_rows r;
    store_status s = db_exec(c, "SELECT id, step_id, status, ae_title FROM performed_step WHERE sop_instance_uid = ?", p, 1,
                             &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows == 0) {
        db_rows_free(&r);
        return db_fail(c, STORE_NOT_FOUND, "no performed step %s", sop_instance_uid);
    }
    out->id = num(db_cell(&r, 0, 0));
    out->step_id = num(db_cell(&r, 0, 1));
    copy(out->status, sizeof out->status, db_cell(&r, 0, 2));
    copy(out->ae_title, sizeof out->ae_title, db_cell(&r, 0, 3));
    db_rows_free(&r);
    return STORE_OK;
}

store_status store_pps_update(store_conn_t *c, int64_t id, const char *status, int64_t ended_at, const char *dataset)
{
    char now[32], end[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    if (ended_at) time_format_utc(ended_at, end, sizeof end);
    db_param p[] = {db_text(status), ended_at ? db_text(end) : db_null(), db_text(dataset), db_text(now), db_int(id)};
    int64_t changes = 0;
    store_status s = db_exec(c,
                             "UPDATE performed_step SET status = COALESCE(?, status), ended_at = COALESCE(?, ended_at), "
                             "dataset = COALESCE(?, dataset), updated_at = ? WHERE id = ?",
                             p, 5, NULL, &changes);
    if (s == STORE_OK && changes != 1) return db_fail(c, STORE_NOT_FOUND, "no performed step %lld", (long long)id);
    return s;
}
