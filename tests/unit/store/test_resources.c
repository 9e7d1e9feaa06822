/* Every resource of domain/model.h, generically from its descriptor: a record with every
 * writable field is inserted (referenced rows created on the way), read back field by field,
 * found by each of its FILTER fields and by q on each SEARCH field, then updated field by
 * field. Catches any drift between descriptors and migrations on both backends. */
#include "unit/store/backend.h"
#include "unit/store/fixtures.h"

static store_t *st;
static store_conn_t *c;
static int counter;

static int setup(void **state)
{
    (void)state;
    st = open_test_store(1);
    c = store_acquire(st);
    return c ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    store_release(st, c);
    store_close(st);
    return 0;
}

static int64_t create_full(const model_resource *res, json_t **given);

/* A valid sample value for a field (unique where needed). */
static json_t *sample(const model_field *f, bool second)
{
    char buf[64];
    size_t max = f->max_len ? f->max_len : 255;
    switch (f->type) {
    case FIELD_TEXT:
        if (strcmp(f->name, "roles") == 0) return json_string(second ? "accueil radiologue" : "admin");
        snprintf(buf, sizeof buf, "%s%d", second ? "Zé" : "Ré", ++counter);
        if (strlen(buf) > max) snprintf(buf, sizeof buf, "%0*d", (int)max, ++counter % 1000);
        return json_string(buf);
    case FIELD_INT: return json_integer(second ? 45 : 30);
    case FIELD_BOOL: return json_boolean(!second);
    case FIELD_DATE: return json_string(second ? "1981-06-07" : "1980-05-06");
    case FIELD_DATETIME:
        if (strncmp(f->name, "end", 3) == 0) return json_string(second ? "2026-11-25T12:00:00Z" : "2026-11-25T11:00:00Z");
        return json_string(second ? "2026-11-25T10:30:00Z" : "2026-11-25T10:00:00Z");
    case FIELD_ENUM: return json_string(f->enum_values[second && f->enum_values[1] ? 1 : 0]);
    case FIELD_REF: {
        const model_resource *ref = model_resource_find(f->ref_resource);
        json_t *ignored = NULL;
        int64_t id = create_full(ref, &ignored);
        json_decref(ignored);
        return json_integer(id);
    }
    }
    return json_null();
}

/* Inserts a record with every writable field; *given receives what was sent. */
static int64_t create_full(const model_resource *res, json_t **given)
{
    json_t *o = json_object();
    for (size_t i = 0; i < res->nfields; i++) {
        const model_field *f = &res->fields[i];
        if (f->flags & FIELD_READONLY) continue;
        /* self-references (patients.merged_into) would recurse forever */
        if (f->type == FIELD_REF && strcmp(f->ref_resource, res->name) == 0) continue;
        json_object_set_new(o, f->name, sample(f, false));
    }
    int64_t id = 0;
    store_status s = store_resource_insert(c, res, o, &id);
    if (s != STORE_OK) fail_msg("insert %s: %s %s", res->name, store_status_name(s), store_last_error(c));
    *given = o;
    return id;
}

static void expect_found(const model_resource *res, int64_t id, const char *field, const char *value)
{
    char idtxt[24];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    store_filter f[] = {{field, value}, {"id", idtxt}};
    store_list_query q = {f, 2, 0, 10};
    json_t *items = NULL;
    int64_t total = 0;
    store_status s = store_resource_list(c, res, &q, &items, &total);
    if (s != STORE_OK) fail_msg("%s filter %s=%s: %s", res->name, field, value, store_last_error(c));
    if (total != 1) fail_msg("%s filter %s=%s: %lld rows", res->name, field, value, (long long)total);
    json_decref(items);
}

static void filter_text(const json_t *v, char *out, size_t n)
{
    if (json_is_integer(v)) snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v)) snprintf(out, n, "%s", json_is_true(v) ? "true" : "false");
    else snprintf(out, n, "%s", json_string_value(v));
}

static void test_every_resource(void **state)
{
    (void)state;
    size_t n = 0;
    const model_resource *all = model_resources(&n);
    for (size_t r = 0; r < n; r++) {
        const model_resource *res = &all[r];
        json_t *given = NULL;
        int64_t id = create_full(res, &given);
        json_t *row = NULL;
        assert_int_equal(store_resource_get(c, res, id, &row), STORE_OK);
        for (size_t i = 0; i < res->nfields; i++) {
            const model_field *f = &res->fields[i];
            json_t *got = json_object_get(row, f->name);
            if (f->flags & FIELD_SECRET) {
                assert_null(got);
                continue;
            }
            assert_non_null(got); /* every non-secret field is returned, possibly null */
            json_t *sent = json_object_get(given, f->name);
            if (sent && !json_equal(sent, got)) {
                char *a = json_dumps(sent, JSON_ENCODE_ANY), *b = json_dumps(got, JSON_ENCODE_ANY);
                fail_msg("%s.%s: sent %s, read %s", res->name, f->name, a, b);
            }
            if ((f->flags & FIELD_FILTER) && !json_is_null(got)) {
                char v[128];
                filter_text(got, v, sizeof v);
                expect_found(res, id, f->name, v);
            }
            if ((f->flags & FIELD_SEARCH) && json_is_string(got)) expect_found(res, id, "q", json_string_value(got));
        }
        json_decref(row);
        /* update every writable, mutable field */
        json_t *patch = json_object();
        for (size_t i = 0; i < res->nfields; i++) {
            const model_field *f = &res->fields[i];
            if (f->flags & (FIELD_READONLY | FIELD_IMMUTABLE)) continue;
            if (f->type == FIELD_REF && strcmp(f->ref_resource, res->name) == 0) continue;
            json_object_set_new(patch, f->name, sample(f, true));
        }
        store_status s = store_resource_update(c, res, id, patch);
        if (s != STORE_OK) fail_msg("update %s: %s %s", res->name, store_status_name(s), store_last_error(c));
        assert_int_equal(store_resource_get(c, res, id, &row), STORE_OK);
        const char *key;
        json_t *v;
        json_object_foreach(patch, key, v) {
            if (!json_equal(v, json_object_get(row, key))) fail_msg("%s.%s not updated", res->name, key);
        }
        if (model_field_find(res, "updated_at")) assert_true(json_is_string(json_object_get(row, "updated_at")));
        json_decref(row);
        json_decref(patch);
        json_decref(given);
    }
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_resource),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], setup, teardown);
}

int main(void) { return test_run_backends(run); }
