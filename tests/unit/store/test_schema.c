/* Migrations (idempotent, recorded) and the resource descriptors of domain/model.h checked
 * against the live schema of each backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "domain/model.h"
#include "unit/store/backend.h"

static void test_migrate_idempotent(void **state)
{
    (void)state;
    store_t *st = open_test_store(2);
    int v = store_schema_version(st);
    assert_true(v >= 6);
    char err[256] = "";
    /* A second and third run apply nothing and keep the version. */
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    assert_int_equal(store_schema_version(st), v);
    assert_string_equal(store_backend(st), g_backend.backend);
    /* A new store on the same database sees the same version and migrates to nothing. */
    store_t *again = open_test_store(1);
    assert_int_equal(store_schema_version(again), v);
    store_close(again);
    store_close(st);
}

/* True when `SELECT column FROM table` is valid on the live schema. */
static bool column_exists(store_conn_t *c, const char *table, const char *column)
{
    json_t *items = NULL;
    (void)items;
    char sql[256];
    snprintf(sql, sizeof sql, "%s", table);
    /* Use the generic list machinery would hide the column; ask the database directly through
     * a filter-free list of a one-field pseudo resource. */
    model_field fields[] = {{"id", FIELD_INT, FIELD_READONLY, 0, NULL, NULL, "id"},
                            {column, FIELD_TEXT, 0, 0, NULL, NULL, column}};
    model_resource pseudo = {"pseudo", table, fields, 2, 0, 0, false, false, "pseudo", "id"};
    store_list_query q = {NULL, 0, 0, 1};
    int64_t total = 0;
    store_status s = store_resource_list(c, &pseudo, &q, &items, &total);
    json_decref(items);
    if (s != STORE_OK) store_rollback(c);
    return s == STORE_OK;
}

static void test_descriptors_match_schema(void **state)
{
    (void)state;
    store_t *st = open_test_store(1);
    store_conn_t *c = store_acquire(st);
    assert_non_null(c);
    size_t n = 0;
    const model_resource *all = model_resources(&n);
    assert_true(n >= 12);
    for (size_t r = 0; r < n; r++) {
        const model_resource *res = &all[r];
        assert_ptr_equal(model_resource_find(res->name), res);
        assert_non_null(res->label_fr);
        assert_string_equal(res->fields[0].name, "id");
        assert_true(res->fields[0].flags & FIELD_READONLY);
        assert_true(res->read_roles != 0);
        for (size_t i = 0; i < res->nfields; i++) {
            const model_field *f = &res->fields[i];
            assert_ptr_equal(model_field_find(res, f->name), f);
            assert_non_null(f->label_fr);
            if (!column_exists(c, res->table, f->name)) fail_msg("%s.%s: no such column", res->table, f->name);
            if (f->flags & FIELD_SEARCH) {
                char key[96];
                snprintf(key, sizeof key, "%s_key", f->name);
                if (!column_exists(c, res->table, key)) fail_msg("%s.%s: no such search column", res->table, key);
            }
            if (f->type == FIELD_REF) {
                assert_non_null(f->ref_resource);
                if (!model_resource_find(f->ref_resource))
                    fail_msg("%s.%s: REF to unknown resource %s", res->name, f->name, f->ref_resource);
            }
            if (f->type == FIELD_ENUM) assert_non_null(f->enum_values);
            if (strcmp(f->name, "status") == 0) assert_true(f->flags & FIELD_READONLY);
            /* A required field cannot be read-only (nobody could set it). */
            assert_false((f->flags & FIELD_REQUIRED) && (f->flags & FIELD_READONLY));
        }
    }
    /* The negative control: a missing column is detected. */
    assert_false(column_exists(c, "patient", "no_such_column"));
    assert_null(model_resource_find("nope"));
    assert_null(model_field_find(model_resource_find("patients"), "nope"));
    store_release(st, c);
    store_close(st);
}

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(model_role_parse("accueil"), ROLE_ACCUEIL);
    assert_int_equal(model_role_parse("manipulateur"), ROLE_MANIPULATEUR);
    assert_int_equal(model_role_parse("radiologue"), ROLE_RADIOLOGUE);
    assert_int_equal(model_role_parse("admin"), ROLE_ADMIN);
    assert_int_equal(model_role_parse("Admin"), 0);
    assert_int_equal(model_role_parse(NULL), 0);
    assert_string_equal(model_role_name(ROLE_RADIOLOGUE), "radiologue");
    assert_null(model_role_name(ROLE_ADMIN | ROLE_ACCUEIL));
    const model_resource *p = model_resource_find("patients");
    assert_true(p->read_roles & ROLE_MANIPULATEUR);
    assert_true(p->write_roles & ROLE_ACCUEIL);
    assert_false(p->write_roles & ROLE_MANIPULATEUR);
    assert_true(p->patient_data);
    assert_true(model_resource_find("sites")->write_roles == ROLE_ADMIN);
    const model_field *h = model_field_find(model_resource_find("users"), "password_hash");
    assert_true(h->flags & FIELD_SECRET);
}

static void test_search_key(void **state)
{
    (void)state;
    char k[128];
    assert_string_equal(store_search_key("Éloïse-Marie  d'Aubigné", k, sizeof k), "ELOISE MARIE D AUBIGNE");
    assert_string_equal(store_search_key("  Œdipe Ærø straße ", k, sizeof k), "OEDIPE AERO STRASSE");
    assert_string_equal(store_search_key("ÇA", k, sizeof k), "CA");
    assert_string_equal(store_search_key("", k, sizeof k), "");
    assert_null(store_search_key("\xff\xfe", k, sizeof k));
    assert_null(store_search_key("abcdef", k, 4));
}

static int run(const char *backend)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_idempotent),
        cmocka_unit_test(test_descriptors_match_schema),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_search_key),
    };
    return _cmocka_run_group_tests(backend, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}

int main(void) { return test_run_backends(run); }
