/* Appointments: free-slot search, status transitions, agenda. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "domain/slots.h"
#include "domain/workflow.h"
#include "http/http_internal.h"

#define MAX_RANGE_DAYS 31
#define MAX_ROOMS 64
#define MAX_SLOTS 1000

/* Reads an optional positive id parameter; -1 with the response set when malformed. */
static int opt_id(http_ctx *cx, const char *name, int64_t *out)
{
    *out = 0;
    const char *v = http_query_get(cx->req, name);
    if (!v) return 0;
    if (http_parse_int64(v, 1, INT64_MAX, out) != 0) {
        http_fail(cx->resp, HE_INVALID_VALUE, name, "Le paramètre « %s » doit être un identifiant (entier positif).", name);
        cx->resp->status = 400;
        return -1;
    }
    return 0;
}

/* Reads an optional local date parameter (days since epoch); -1 with the response set. */
static int opt_date(http_ctx *cx, const char *name, int64_t *out, bool *present)
{
    const char *v = http_query_get(cx->req, name);
    *present = v != NULL;
    if (!v) return 0;
    if (time_parse_date(v, out) != 0) {
        http_fail(cx->resp, HE_INVALID_VALUE, name, "Le paramètre « %s » doit être une date valide (AAAA-MM-JJ).", name);
        cx->resp->status = 400;
        return -1;
    }
    return 0;
}

/* Refuses any parameter not in `allowed`. */
static int only_params(http_ctx *cx, const char *const *allowed)
{
    for (size_t i = 0; i < cx->req->nquery; i++) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, cx->req->query[i].key) == 0) ok = true;
        for (size_t j = 0; j < i; j++)
            if (strcmp(cx->req->query[j].key, cx->req->query[i].key) == 0) ok = false;
        if (!ok) {
            http_fail(cx->resp, HE_UNKNOWN_FIELD, cx->req->query[i].key, "Paramètre inconnu ou répété : « %s ».",
                      cx->req->query[i].key);
            cx->resp->status = 400;
            return -1;
        }
    }
    return 0;
}

/* Sends a (cached) answer: gzip-compressed when that is the variant given. */
static void send_answer(http_ctx *cx, char *text, size_t len, bool gzipped)
{
    http_set_raw_json(cx->resp, 200, text, len);
    http_add_header(cx->resp, "Vary", "Accept-Encoding");
    if (gzipped) http_add_header(cx->resp, "Content-Encoding", "gzip");
}

/* Looks the answer up in the response cache; true (response set) on a hit. */
static bool cached_answer(http_ctx *cx, const char *key, uint64_t gen, int64_t *count, char **body, size_t *len,
                          bool *gzipped)
{
    if (!http_resp_cache_get(cx->app->responses, key, gen, time_monotonic_ms(), cx->req->accept_gzip, body, len,
                             gzipped, count))
        return false;
    if (cx->req->accept_gzip && !*gzipped) {
        /* First gzip client for this entry: compress once and keep the variant. */
        char *gz = NULL;
        size_t gz_len = 0;
        if (http_gzip(*body, *len, &gz, &gz_len) == 0) {
            http_resp_cache_add_gzip(cx->app->responses, key, gen, gz, gz_len);
            free(*body);
            *body = gz;
            *len = gz_len;
            *gzipped = true;
        }
    }
    return true;
}

/* Serialises body (stolen) into the response and into the response cache under the generation
 * read before the data was queried (with its gzip variant when the client accepts gzip: it is
 * computed once per cache entry, not per request). */
static void respond_cached(http_ctx *cx, json_t *body, const char *key, uint64_t gen, int64_t count)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Erreur interne du serveur.");
        return;
    }
    size_t len = strlen(text), gz_len = 0;
    char *gz = NULL;
    if (cx->req->accept_gzip && cx->app->responses && http_gzip(text, len, &gz, &gz_len) != 0) gz = NULL;
    http_resp_cache_put(cx->app->responses, key, gen, time_monotonic_ms(), text, len, gz, gz_len, count);
    if (gz) {
        free(text);
        send_answer(cx, gz, gz_len, true);
    } else {
        send_answer(cx, text, len, false);
    }
}

static int64_t today_local(void)
{
    int64_t days = 0;
    time_unix_to_local(time_now_unix(), &days, NULL);
    return days;
}

/* Gets one row of a resource by name; NULL with the response set on failure. */
static json_t *get_row(http_ctx *cx, const char *resname, int64_t id, const char *param)
{
    const model_resource *r = model_resource_find(resname);
    if (!r) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Ressource %s absente du modèle.", resname);
        return NULL;
    }
    json_t *row = NULL;
    store_status s = store_resource_get(cx->conn, r, id, &row);
    if (s == STORE_NOT_FOUND) {
        http_fail(cx->resp, HE_INVALID_VALUE, param, "Le paramètre « %s » désigne un enregistrement inexistant (%s n° %lld).",
                  param, r->label_fr, (long long)id);
        cx->resp->status = 400;
        return NULL;
    }
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, r);
        return NULL;
    }
    return row;
}

/* Rooms equipped with an active modality of the given type. */
static int rooms_for_type(http_ctx *cx, const char *type, int64_t *rooms, size_t *nrooms)
{
    const model_resource *mod = model_resource_find("modalities");
    if (!mod) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Ressource modalities absente du modèle.");
        return -1;
    }
    store_filter f[2] = {{"modality_type", type}, {"active", "true"}};
    store_list_query q = {f, model_field_find(mod, "active") ? 2 : 1, 0, HTTP_LIST_MAX_LIMIT};
    json_t *items = NULL;
    int64_t total = 0;
    store_status s = store_resource_list(cx->conn, mod, &q, &items, &total);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, mod);
        return -1;
    }
    size_t i;
    json_t *m;
    json_array_foreach(items, i, m) {
        json_t *rid = json_object_get(m, "room_id");
        if (!json_is_integer(rid)) continue;
        bool dup = false;
        for (size_t k = 0; k < *nrooms; k++)
            if (rooms[k] == json_integer_value(rid)) dup = true;
        if (!dup && *nrooms < MAX_ROOMS) rooms[(*nrooms)++] = json_integer_value(rid);
    }
    json_decref(items);
    return 0;
}

/* The free slots for validated parameters: the body of the answer, or NULL with the response set. */
static json_t *find_slots(http_ctx *cx, const model_resource *appts, int64_t room_id, int64_t modality_id,
                          int64_t catalogue_id, int64_t duration_min, int64_t first, int64_t last, int64_t limit)
{
    int64_t rooms[MAX_ROOMS];
    size_t nrooms = 0;
    char modality_type[16] = "";
    if (catalogue_id) {
        json_t *exam = get_row(cx, "catalogue", catalogue_id, "catalogue_id");
        if (!exam) return NULL;
        if (!duration_min) duration_min = json_integer_value(json_object_get(exam, "duration_minutes"));
        const char *mt = json_string_value(json_object_get(exam, "modality_type"));
        snprintf(modality_type, sizeof modality_type, "%s", mt ? mt : "");
        json_decref(exam);
    }
    if (duration_min <= 0) {
        http_fail(cx->resp, HE_MISSING_FIELD, "catalogue_id",
                  "Indiquez l'examen (« catalogue_id ») ou la durée (« duration_minutes ») recherchée.");
        cx->resp->status = 400;
        return NULL;
    }
    if (modality_id) {
        json_t *m = get_row(cx, "modalities", modality_id, "modality_id");
        if (!m) return NULL;
        json_t *rid = json_object_get(m, "room_id");
        const char *mt = json_string_value(json_object_get(m, "modality_type"));
        bool mismatch = modality_type[0] && mt && strcmp(mt, modality_type) != 0;
        if (json_is_integer(rid) && !(room_id && room_id != json_integer_value(rid)) && !mismatch)
            rooms[nrooms++] = json_integer_value(rid);
        json_decref(m);
    } else if (room_id) {
        json_t *r = get_row(cx, "rooms", room_id, "room_id");
        if (!r) return NULL;
        json_decref(r);
        rooms[nrooms++] = room_id;
    } else if (modality_type[0]) {
        if (rooms_for_type(cx, modality_type, rooms, &nrooms) != 0) return NULL;
    } else {
        http_fail(cx->resp, HE_MISSING_FIELD, "room_id",
                  "Indiquez une salle (« room_id »), une modalité (« modality_id ») ou un examen (« catalogue_id »).");
        cx->resp->status = 400;
        return NULL;
    }

    const http_options *o = cx->app->opt;
    int ndays = (int)(last - first + 1);
    slot_interval open[MAX_RANGE_DAYS];
    size_t nopen = slots_open_windows(first, ndays, o->slots_open_minute, o->slots_close_minute, o->slots_weekends,
                                      time_local_to_unix, open, MAX_RANGE_DAYS);
    slot_request sreq = {duration_min * 60, (int64_t)o->slots_step_minutes * 60, time_now_unix()};
    slot_interval *found = calloc((size_t)limit, sizeof *found);
    json_t *items = json_array();
    int64_t range_from = time_local_to_unix(first, 0), range_to = time_local_to_unix(last + 1, 0);
    store_status s = STORE_OK;
    for (size_t r = 0; r < nrooms && found && json_array_size(items) < (size_t)limit; r++) {
        store_interval *busy = NULL;
        size_t nbusy = 0;
        s = store_room_busy(cx->conn, rooms[r], range_from, range_to, &busy, &nbusy);
        if (s != STORE_OK) break;
        slot_interval *b = calloc(nbusy ? nbusy : 1, sizeof *b);
        if (!b) {
            free(busy);
            s = STORE_ERROR;
            break;
        }
        for (size_t k = 0; k < nbusy; k++) b[k] = (slot_interval){busy[k].start, busy[k].end};
        free(busy);
        size_t want = (size_t)limit - json_array_size(items);
        size_t n = slots_find(open, nopen, b, nbusy, &sreq, found, want);
        free(b);
        for (size_t k = 0; k < n; k++) {
            char s1[32], s2[32];
            json_t *slot = json_object();
            json_object_set_new(slot, "room_id", json_integer(rooms[r]));
            json_object_set_new(slot, "start_at", json_string(time_format_utc(found[k].start, s1, sizeof s1)));
            json_object_set_new(slot, "end_at", json_string(time_format_utc(found[k].end, s2, sizeof s2)));
            json_array_append_new(items, slot);
        }
    }
    free(found);
    if (s != STORE_OK || !found) {
        json_decref(items);
        http_fail_store(cx->resp, s != STORE_OK ? s : STORE_ERROR, appts);
        return NULL;
    }
    char d1[16], d2[16];
    json_t *body = json_object();
    json_object_set_new(body, "items", items);
    json_object_set_new(body, "duration_minutes", json_integer(duration_min));
    json_object_set_new(body, "from", json_string(time_format_date(first, d1, sizeof d1)));
    json_object_set_new(body, "to", json_string(time_format_date(last, d2, sizeof d2)));
    return body;
}

void h_slots(http_ctx *cx)
{
    const model_resource *appts = model_resource_find("appointments");
    if (!appts || !http_require_roles(cx, appts->read_roles, NULL, "list")) return;
    static const char *const params[] = {"room_id", "modality_id", "catalogue_id", "duration_minutes", "from", "to", "limit",
                                         NULL};
    if (only_params(cx, params) != 0) return;
    int64_t room_id, modality_id, catalogue_id, first, last, duration_min = 0, limit = 100;
    bool has_from, has_to;
    if (opt_id(cx, "room_id", &room_id) || opt_id(cx, "modality_id", &modality_id) ||
        opt_id(cx, "catalogue_id", &catalogue_id) || opt_date(cx, "from", &first, &has_from) ||
        opt_date(cx, "to", &last, &has_to))
        return;
    const char *dv = http_query_get(cx->req, "duration_minutes"), *lv = http_query_get(cx->req, "limit");
    if (dv && http_parse_int64(dv, 1, 480, &duration_min) != 0) {
        http_fail(cx->resp, HE_INVALID_VALUE, "duration_minutes", "Le paramètre « duration_minutes » doit être un entier entre 1 et 480.");
        cx->resp->status = 400;
        return;
    }
    if (lv && http_parse_int64(lv, 1, MAX_SLOTS, &limit) != 0) {
        http_fail(cx->resp, HE_INVALID_VALUE, "limit", "Le paramètre « limit » doit être un entier entre 1 et %d.", MAX_SLOTS);
        cx->resp->status = 400;
        return;
    }
    if (!has_from) first = today_local();
    if (!has_to) last = first;
    if (last < first || last - first >= MAX_RANGE_DAYS) {
        http_fail(cx->resp, HE_INVALID_VALUE, "to", "La période doit aller de « from » à « to » inclus, sur au plus %d jours.",
                  MAX_RANGE_DAYS);
        cx->resp->status = 400;
        return;
    }

    /* The answer depends only on these parameters and the data (and on the current time, for
     * slots already begun today: bounded by the cache TTL). */
    char key[256];
    snprintf(key, sizeof key, "slots r=%lld m=%lld c=%lld d=%lld f=%lld t=%lld l=%lld", (long long)room_id,
             (long long)modality_id, (long long)catalogue_id, (long long)duration_min, (long long)first,
             (long long)last, (long long)limit);
    uint64_t gen = store_write_generation(cx->app->st);
    char *hit = NULL;
    size_t hit_len = 0;
    bool gz = false;
    if (cached_answer(cx, key, gen, NULL, &hit, &hit_len, &gz)) {
        send_answer(cx, hit, hit_len, gz);
        return;
    }
    /* One snapshot for every query, without the write lock. */
    store_status s = store_begin_read(cx->conn);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, appts);
        return;
    }
    json_t *body = find_slots(cx, appts, room_id, modality_id, catalogue_id, duration_min, first, last, limit);
    store_rollback(cx->conn); /* ends the read transaction */
    if (body) respond_cached(cx, body, key, gen, 0);
}

/* Applies the same event to the scheduled step linked to the appointment, when allowed. */
static store_status follow_step(http_ctx *cx, const json_t *appt, wf_event ev, int64_t now)
{
    json_t *sid = json_object_get(appt, "step_id");
    const model_resource *steps = model_resource_find("steps");
    if (!json_is_integer(sid) || !steps || !model_field_find(steps, "status")) return STORE_OK;
    json_t *step = NULL;
    store_status s = store_resource_get(cx->conn, steps, json_integer_value(sid), &step);
    if (s != STORE_OK) {
        json_decref(step);
        return s == STORE_NOT_FOUND ? STORE_OK : s;
    }
    wf_status from, to;
    if (wf_status_parse(json_string_value(json_object_get(step, "status")), &from) && wf_next(from, ev, &to, NULL, 0))
        s = store_set_status(cx->conn, steps, json_integer_value(sid), wf_status_name(from), wf_status_name(to), now);
    json_decref(step);
    return s;
}

void h_transition(http_ctx *cx)
{
    const model_resource *res = model_resource_find("appointments");
    if (!res) {
        http_fail(cx->resp, HE_NOT_FOUND, NULL, "Adresse inconnue.");
        return;
    }
    wf_event ev;
    if (!wf_event_parse(cx->action, &ev)) {
        http_fail(cx->resp, HE_NOT_FOUND, NULL,
                  "Action inconnue : valeurs possibles arrive, start, complete, discontinue, cancel, no-show.");
        return;
    }
    cx->res = res;
    /* Reception records arrivals, cancellations and no-shows; technologists and radiologists
     * run the exam itself. */
    unsigned roles = res->write_roles | ROLE_ADMIN;
    if (ev == WF_EV_START || ev == WF_EV_COMPLETE || ev == WF_EV_DISCONTINUE)
        roles |= ROLE_MANIPULATEUR | ROLE_RADIOLOGUE;
    if (!http_require_roles(cx, roles, res, "transition")) return;
    if (cx->req->body_len > 0) {
        http_fail(cx->resp, HE_BAD_REQUEST, NULL, "Cette action n'attend pas de corps de requête.");
        return;
    }
    json_t *appt = NULL, *updated = NULL;
    int64_t now = time_now_unix();
    char reason[256] = "";
    store_status s = store_begin(cx->conn);
    if (s == STORE_OK) s = store_resource_get(cx->conn, res, cx->id, &appt);
    if (s != STORE_OK) {
        store_rollback(cx->conn);
        json_decref(appt);
        http_fail_store(cx->resp, s, res);
        return;
    }
    int64_t pid = http_patient_of(cx->conn, res, appt, cx->id, 0);
    wf_status from, to;
    if (!wf_status_parse(json_string_value(json_object_get(appt, "status")), &from)) {
        store_rollback(cx->conn);
        json_decref(appt);
        http_fail(cx->resp, HE_INTERNAL, NULL, "Statut du rendez-vous inconnu.");
        return;
    }
    char detail[96];
    if (!wf_next(from, ev, &to, reason, sizeof reason)) {
        snprintf(detail, sizeof detail, "%s refusé depuis %s", wf_event_name(ev), wf_status_name(from));
        if (http_audit(cx, "transition", res->name, cx->id, pid, "denied", detail) == STORE_OK)
            store_commit(cx->conn);
        else
            store_rollback(cx->conn);
        json_decref(appt);
        http_fail(cx->resp, HE_TRANSITION_REFUSED, "status", "%s", reason);
        return;
    }
    /* The step first, then the appointment: the order of MPPS and of the HL7 merge, so that two
     * of them never hold each other's rows (on PostgreSQL a step write also takes the worklist
     * read model's lock, see migration 0024). */
    s = follow_step(cx, appt, ev, now);
    if (s == STORE_OK) s = store_set_status(cx->conn, res, cx->id, wf_status_name(from), wf_status_name(to), now);
    if (s == STORE_OK) {
        snprintf(detail, sizeof detail, "%s: %s -> %s", wf_event_name(ev), wf_status_name(from), wf_status_name(to));
        s = http_audit(cx, "transition", res->name, cx->id, pid, "success", detail);
    }
    if (s == STORE_OK) s = store_resource_get(cx->conn, res, cx->id, &updated);
    if (s == STORE_OK)
        s = store_commit(cx->conn);
    else
        store_rollback(cx->conn);
    json_decref(appt);
    if (s == STORE_CONFLICT) {
        json_decref(updated);
        http_fail(cx->resp, HE_CONFLICT, "status",
                  "Le rendez-vous a été modifié entre-temps par un autre poste : rechargez-le puis réessayez.");
        return;
    }
    if (s != STORE_OK) {
        json_decref(updated);
        http_fail_store(cx->resp, s, res);
        return;
    }
    http_set_json(cx->resp, 200, updated);
}

void h_agenda(http_ctx *cx)
{
    const model_resource *res = model_resource_find("appointments");
    if (!res || !http_require_roles(cx, res->read_roles, res, "agenda")) return;
    static const char *const params[] = {"date", "days", "room_id", "modality_id", NULL};
    if (only_params(cx, params) != 0) return;
    int64_t day, days = 1, room_id, modality_id;
    bool has_date;
    if (opt_date(cx, "date", &day, &has_date) || opt_id(cx, "room_id", &room_id) ||
        opt_id(cx, "modality_id", &modality_id))
        return;
    if (!has_date) day = today_local();
    const char *dv = http_query_get(cx->req, "days");
    if (dv && http_parse_int64(dv, 1, 7, &days) != 0) {
        http_fail(cx->resp, HE_INVALID_VALUE, "days", "Le paramètre « days » doit être un entier entre 1 et 7.");
        cx->resp->status = 400;
        return;
    }
    int64_t from = time_local_to_unix(day, 0), to = time_local_to_unix(day + days, 0);
    char key[160], detail[64];
    snprintf(key, sizeof key, "agenda d=%lld n=%lld r=%lld m=%lld", (long long)day, (long long)days,
             (long long)room_id, (long long)modality_id);
    uint64_t gen = store_write_generation(cx->app->st);
    char *hit = NULL;
    size_t hit_len = 0;
    int64_t count = 0;
    bool gz = false;
    if (cached_answer(cx, key, gen, &count, &hit, &hit_len, &gz)) {
        /* Every access is audited, cached or not, and durably before the data leaves. */
        snprintf(detail, sizeof detail, "agenda: %lld rendez-vous", (long long)count);
        store_status s = http_audit_read(cx, "list", res->name, 0, 0, detail);
        if (s != STORE_OK) {
            free(hit);
            http_fail_store(cx->resp, s, res);
            return;
        }
        send_answer(cx, hit, hit_len, gz);
        return;
    }
    json_t *items = NULL;
    store_status s = store_begin_read(cx->conn);
    if (s == STORE_OK) {
        s = store_agenda(cx->conn, room_id, modality_id, from, to, &items);
        store_rollback(cx->conn); /* ends the read transaction */
    }
    if (s == STORE_OK) {
        snprintf(detail, sizeof detail, "agenda: %zu rendez-vous", json_array_size(items));
        s = http_audit_read(cx, "list", res->name, 0, 0, detail);
    }
    if (s != STORE_OK) {
        json_decref(items);
        http_fail_store(cx->resp, s, res);
        return;
    }
    int64_t n = (int64_t)json_array_size(items);
    char d1[16];
    json_t *body = json_object();
    json_object_set_new(body, "items", items);
    json_object_set_new(body, "date", json_string(time_format_date(day, d1, sizeof d1)));
    json_object_set_new(body, "days", json_integer(days));
    respond_cached(cx, body, key, gen, n);
}
