/* Seeding of the demo data (see demo.h). Written through the generic store API only, so the
 * demo exercises the same paths as the REST API. */
#include "demo/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "demo/demo_data.h"
#include "demo/demo_templates.h"

#define DAY_START (8 * 60)
#define DAY_END (18 * 60)
#define LUNCH_START (12 * 60 + 30)
#define LUNCH_END (13 * 60 + 30)
#define MAX_PER_ROOM_DAY 9
#define INS_TEST_OID "1.2.250.1.213.1.4.10"

typedef struct {
    int day_offset;
    size_t room;
    size_t exam;
    int start_minute;
    size_t patient;
    size_t seq;
    int rank_in_day; /* 0 = first appointment of the room that day */
} demo_slot;

static bool room_takes(const demo_room *r, const demo_exam *e)
{
    return strcmp(r->modality, e->modality) == 0;
}

/* The week's plan: calls fn for every appointment, in order; returns how many. Weekends are
 * skipped; each room is filled from 08:00 with its exams, short gaps and a lunch break, never
 * past 18:00 and never overlapping. */
static bool weekend(int64_t day)
{
    int weekday = (int)((day % 7 + 7 + 4) % 7); /* 0 = Sunday */
    return weekday == 0 || weekday == 6;
}

static size_t plan(int64_t today, bool (*fn)(const demo_slot *, void *), void *ctx)
{
    size_t n = 0, seq = 0;
    /* The last working day before today comes first: its exams are done, so that the
     * radiologist's list of exams to report is not empty, whatever the day of the week. */
    int past = -1;
    while (past > -3 && weekend(today + past)) past--;
    for (int off = past; off < 7; off++) {
        if (weekend(today + off) || (off < 0 && off != past)) continue;
        for (size_t r = 0; r < demo_rooms_count; r++) {
            size_t list[32], nlist = 0;
            for (size_t e = 0; e < demo_exams_count && nlist < 32; e++)
                if (room_takes(&demo_rooms[r], &demo_exams[e])) list[nlist++] = e;
            if (!nlist) continue;
            int cursor = DAY_START;
            for (int k = 0; k < MAX_PER_ROOM_DAY; k++) {
                size_t e = list[((size_t)(off + 7) * 5 + r * 3 + (size_t)k) % nlist];
                int dur = demo_exams[e].minutes;
                if (cursor < LUNCH_END && cursor + dur > LUNCH_START) cursor = LUNCH_END;
                if (cursor + dur > DAY_END) break;
                size_t p = (seq * 7 + r) % demo_patients_count;
                if (demo_exams[e].female_only)
                    while (demo_patients[p].sex != 'F') p = (p + 1) % demo_patients_count;
                demo_slot s = {off, r, e, cursor, p, seq, k};
                if (fn && !fn(&s, ctx)) return n;
                n++;
                seq++;
                cursor += dur + ((k + off + 7 + (int)r) % 3) * 10;
            }
        }
    }
    return n;
}

void demo_expected_counts(int64_t today_days, demo_counts *out)
{
    size_t modalities = 0;
    for (size_t r = 0; r < demo_rooms_count; r++) modalities += demo_rooms[r].ae_title2 ? 2 : 1;
    *out = (demo_counts){demo_patients_count, demo_correspondents_count, demo_rooms_count, modalities,
                         demo_exams_count, plan(today_days, NULL, NULL)};
}

/* --- NIR of the test INS ----------------------------------------------------------------------- */
/* 13 digits: sex, year, month, department + commune (or 99 + country), order; key = 97 - n mod 97
 * with 2A -> 19 and 2B -> 18 for the computation. */
static void make_nir(const demo_patient *p, size_t index, char out[16])
{
    const char *place = p->birth_cog ? p->birth_cog : p->birth_country;
    char body[14];
    snprintf(body, sizeof body, "%c%.2s%.2s%.5s%03zu", p->sex == 'M' ? '1' : '2', p->birth_date + 2,
             p->birth_date + 5, place, (index * 37) % 997 + 1);
    char numeric[14];
    memcpy(numeric, body, sizeof numeric);
    if (numeric[5] == '2' && numeric[6] == 'A') memcpy(numeric + 5, "19", 2);
    if (numeric[5] == '2' && numeric[6] == 'B') memcpy(numeric + 5, "18", 2);
    unsigned long long n = strtoull(numeric, NULL, 10);
    snprintf(out, 16, "%s%02llu", body, 97 - n % 97);
}

/* --- seeding ------------------------------------------------------------------------------------ */
typedef struct {
    store_conn_t *c;
    int64_t today;
    int64_t *room_ids, *modality_ids, *exam_ids, *corr_ids, *patient_ids;
    store_status status;
    char *err;
    size_t errlen;
} seed_ctx;

static store_status insert(seed_ctx *x, const char *resource, json_t *obj, int64_t *id)
{
    int64_t dummy;
    if (!obj) {
        snprintf(x->err, x->errlen, "out of memory building %s", resource);
        return STORE_ERROR;
    }
    store_status s = store_resource_insert(x->c, model_resource_find(resource), obj, id ? id : &dummy);
    json_decref(obj);
    if (s != STORE_OK) snprintf(x->err, x->errlen, "demo %s: %s", resource, store_last_error(x->c));
    return s;
}

static store_status seed_reference(seed_ctx *x)
{
    int64_t site = 0;
    store_status s = insert(x, "sites",
                            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "finess", DEMO_SITE_FINESS, "name",
                                      "Centre d'imagerie du Couloir", "address", "12 rue du Faubourg Saint-Antoine",
                                      "postal_code", "75011", "city", "Paris", "phone", "01 43 55 00 00"),
                            &site);
    for (size_t r = 0; s == STORE_OK && r < demo_rooms_count; r++) {
        const demo_room *room = &demo_rooms[r];
        s = insert(x, "rooms",
                   json_pack("{s:I, s:s, s:s}", "site_id", (json_int_t)site, "name", room->name, "kind", room->kind),
                   &x->room_ids[r]);
        if (s == STORE_OK)
            s = insert(x, "modalities",
                       json_pack("{s:I, s:s, s:s, s:s}", "room_id", (json_int_t)x->room_ids[r], "ae_title",
                                 room->ae_title, "modality_type", room->modality, "station_name", room->station),
                       &x->modality_ids[r]);
        if (s == STORE_OK && room->ae_title2)
            s = insert(x, "modalities",
                       json_pack("{s:I, s:s, s:s, s:s}", "room_id", (json_int_t)x->room_ids[r], "ae_title",
                                 room->ae_title2, "modality_type", room->modality2, "station_name", room->station),
                       NULL);
    }
    for (size_t e = 0; s == STORE_OK && e < demo_exams_count; e++) {
        const demo_exam *ex = &demo_exams[e];
        s = insert(x, "catalogue",
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "ccam_code", ex->ccam, "label", ex->label, "loinc_code",
                             ex->loinc, "modality_type", ex->modality, "region_code", ex->region, "duration_minutes",
                             ex->minutes),
                   &x->exam_ids[e]);
    }
    for (size_t i = 0; s == STORE_OK && i < demo_correspondents_count; i++) {
        const demo_correspondent *d = &demo_correspondents[i];
        s = insert(x, "correspondents",
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "rpps", d->rpps, "last_name", d->last_name,
                             "first_name", d->first_name, "specialty", d->specialty, "mssante_address", d->mssante,
                             "phone", d->phone),
                   &x->corr_ids[i]);
    }
    return s;
}

static store_status seed_patients(seed_ctx *x)
{
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    store_status s = STORE_OK;
    for (size_t i = 0; s == STORE_OK && i < demo_patients_count; i++) {
        const demo_patient *p = &demo_patients[i];
        char ipp[32];
        snprintf(ipp, sizeof ipp, "DEMO%06zu", i + 1);
        s = insert(x, "patients", json_pack("{s:s}", "ipp", ipp), &x->patient_ids[i]);
        if (s != STORE_OK) break;
        char first[64];
        snprintf(first, sizeof first, "%s", p->given_names);
        char *space = strchr(first, ' ');
        if (space) *space = 0;
        char sex[2] = {p->sex, 0};
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "patient_id",
                              (json_int_t)x->patient_ids[i], "birth_name", p->birth_name, "first_given_name", first,
                              "given_names", p->given_names, "birth_date", p->birth_date, "sex", sex, "rniv_status",
                              p->rniv, "douteuse", p->douteuse, "fictive", p->fictive, "homonyme", p->homonyme);
        if (o && p->used_name) json_object_set_new(o, "used_name", json_string(p->used_name));
        if (o && p->birth_cog) json_object_set_new(o, "birth_cog", json_string(p->birth_cog));
        if (o && p->birth_country) json_object_set_new(o, "birth_country", json_string(p->birth_country));
        if (o && p->document) {
            json_object_set_new(o, "id_document_type", json_string(p->document));
            json_object_set_new(o, "id_document_checked_at", json_string(now));
        }
        if (o && (strcmp(p->rniv, "recuperee") == 0 || strcmp(p->rniv, "qualifiee") == 0)) {
            char nir[16];
            make_nir(p, i, nir);
            json_object_set_new(o, "ins_matricule", json_string(nir));
            json_object_set_new(o, "ins_oid", json_string(INS_TEST_OID));
        }
        if (o) {
            char phone[48];
            snprintf(phone, sizeof phone, "06 12 34 %02zu %02zu", (i * 7) % 100, (i * 13) % 100);
            json_object_set_new(o, "phone", json_string(phone));
        }
        s = insert(x, "identities", o, NULL);
    }
    return s;
}

/* Moves a row from booked/scheduled to `to` (demo history of today's first appointments). */
static store_status set_status(seed_ctx *x, const char *res, int64_t id, const char *from, const char *to, int64_t at)
{
    store_status s = store_set_status(x->c, model_resource_find(res), id, from, to, at);
    if (s != STORE_OK) snprintf(x->err, x->errlen, "demo status %s: %s", res, store_last_error(x->c));
    return s;
}

static bool seed_slot(const demo_slot *sl, void *p)
{
    seed_ctx *x = p;
    const demo_exam *ex = &demo_exams[sl->exam];
    const demo_room *room = &demo_rooms[sl->room];
    int64_t day = x->today + sl->day_offset;
    int64_t start = time_local_to_unix(day, sl->start_minute);
    int64_t end = start + (int64_t)ex->minutes * 60;
    char start_iso[32], end_iso[32], ordered_iso[32], date[16], placer[32], filler[48];
    time_format_utc(start, start_iso, sizeof start_iso);
    time_format_utc(end, end_iso, sizeof end_iso);
    time_format_utc(start - 86400 * (int64_t)(3 + sl->seq % 20), ordered_iso, sizeof ordered_iso);
    time_format_date(day, date, sizeof date);
    snprintf(placer, sizeof placer, "DEM%05zu", sl->seq + 1);
    snprintf(filler, sizeof filler, "CO%.4s%.2s%.2s%04zu", date, date + 5, date + 8, sl->seq + 1);
    int64_t order = 0, proc = 0, step = 0, appt = 0;
    store_status s = insert(x, "orders",
                            json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s}", "patient_id",
                                      (json_int_t)x->patient_ids[sl->patient], "placer_number", placer,
                                      "filler_number", filler, "requester_id",
                                      (json_int_t)x->corr_ids[sl->seq % demo_correspondents_count], "reason",
                                      demo_reasons[sl->seq % demo_reasons_count], "priority",
                                      sl->seq % 11 == 0 ? "urgent" : "routine", "ordered_at", ordered_iso),
                            &order);
    if (s == STORE_OK)
        s = insert(x, "procedures",
                   json_pack("{s:I, s:I}", "order_id", (json_int_t)order, "exam_id", (json_int_t)x->exam_ids[sl->exam]),
                   &proc);
    if (s == STORE_OK)
        s = insert(x, "steps",
                   json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "procedure_id", (json_int_t)proc, "modality_id",
                             (json_int_t)x->modality_ids[sl->room], "ae_title", room->ae_title, "modality_type",
                             ex->modality, "start_at", start_iso, "performing_physician", "LAMBERT^SOPHIE^^^Dr"),
                   &step);
    if (s == STORE_OK)
        s = insert(x, "appointments",
                   json_pack("{s:I, s:I, s:s, s:s, s:I, s:I}", "patient_id", (json_int_t)x->patient_ids[sl->patient],
                             "room_id", (json_int_t)x->room_ids[sl->room], "start_at", start_iso, "end_at", end_iso,
                             "procedure_id", (json_int_t)proc, "step_id", (json_int_t)step),
                   &appt);
    /* The last working day: every exam is done. Today: the first appointment of each room is
     * done, the second patient has arrived. */
    if (s == STORE_OK && (sl->day_offset < 0 || (sl->day_offset == 0 && sl->rank_in_day == 0))) {
        s = set_status(x, "appointments", appt, "booked", "completed", end);
        if (s == STORE_OK) s = set_status(x, "steps", step, "booked", "completed", end);
        if (s == STORE_OK) s = set_status(x, "procedures", proc, "scheduled", "completed", end);
        if (s == STORE_OK) s = set_status(x, "orders", order, "scheduled", "completed", end);
    } else if (s == STORE_OK && sl->day_offset == 0 && sl->rank_in_day == 1) {
        s = set_status(x, "appointments", appt, "booked", "arrived", start - 600);
        if (s == STORE_OK) s = set_status(x, "steps", step, "booked", "arrived", start - 600);
    }
    x->status = s;
    return s == STORE_OK;
}

static store_status already_seeded(store_conn_t *c, bool *yes, char *err, size_t errlen)
{
    store_filter f[] = {{"finess", DEMO_SITE_FINESS}};
    store_list_query q = {f, 1, 0, 1};
    json_t *items = NULL;
    int64_t total = 0;
    store_status s = store_resource_list(c, model_resource_find("sites"), &q, &items, &total);
    json_decref(items);
    if (s != STORE_OK) snprintf(err, errlen, "demo: %s", store_last_error(c));
    *yes = total > 0;
    return s;
}

store_status demo_seed(store_t *st, int64_t today_days, char *err, size_t errlen)
{
    if (errlen) err[0] = 0;
    store_conn_t *c = store_acquire(st);
    if (!c) {
        snprintf(err, errlen, "demo: no database connection available");
        return STORE_BUSY;
    }
    int64_t room_ids[8] = {0}, modality_ids[8] = {0};
    int64_t *exam_ids = calloc(demo_exams_count, sizeof *exam_ids);
    int64_t *corr_ids = calloc(demo_correspondents_count, sizeof *corr_ids);
    int64_t *patient_ids = calloc(demo_patients_count, sizeof *patient_ids);
    seed_ctx x = {c, today_days, room_ids, modality_ids, exam_ids, corr_ids, patient_ids, STORE_OK, err, errlen};
    store_status s = STORE_OK;
    if (!exam_ids || !corr_ids || !patient_ids) {
        snprintf(err, errlen, "out of memory");
        s = STORE_ERROR;
        goto out;
    }
    if ((s = store_begin(c)) != STORE_OK) {
        snprintf(err, errlen, "demo: %s", store_last_error(c));
        goto out;
    }
    bool yes = false;
    s = already_seeded(c, &yes, err, errlen);
    if (s == STORE_OK && !yes) {
        s = seed_reference(&x);
        if (s == STORE_OK) s = demo_seed_templates(c, exam_ids, err, errlen);
        if (s == STORE_OK) s = seed_patients(&x);
        if (s == STORE_OK) {
            plan(today_days, seed_slot, &x);
            s = x.status;
        }
    }
    if (s == STORE_OK && !yes) {
        s = store_commit(c);
        if (s != STORE_OK) snprintf(err, errlen, "demo: commit: %s", store_last_error(c));
    } else {
        store_rollback(c);
    }
out:
    free(exam_ids);
    free(corr_ids);
    free(patient_ids);
    store_release(st, c);
    return s;
}
