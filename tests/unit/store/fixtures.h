/* Small builders shared by the store tests: insert a row of a resource from a JSON literal. */
#ifndef COULOIR_TESTS_STORE_FIXTURES_H
#define COULOIR_TESTS_STORE_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store/store.h"

/* Inserts json (a jansson pack format and its arguments) into resource `name`; returns the id
 * or fails the test with the store's error. */
static inline int64_t insert_or_fail(store_conn_t *c, const char *name, json_t *obj)
{
    const model_resource *res = model_resource_find(name);
    assert_non_null(res);
    assert_non_null(obj);
    int64_t id = 0;
    store_status s = store_resource_insert(c, res, obj, &id);
    if (s != STORE_OK) fail_msg("insert %s: %s (%s)", name, store_status_name(s), store_last_error(c));
    json_decref(obj);
    assert_true(id > 0);
    return id;
}

static inline store_status try_insert(store_conn_t *c, const char *name, json_t *obj)
{
    int64_t id = 0;
    store_status s = store_resource_insert(c, model_resource_find(name), obj, &id);
    json_decref(obj);
    return s;
}

/* A patient with an identity; returns the patient id. */
static inline int64_t make_patient(store_conn_t *c, const char *ipp, const char *birth_name, const char *first,
                            const char *birth_date, const char *sex)
{
    int64_t pid = insert_or_fail(c, "patients", ipp ? json_pack("{s:s}", "ipp", ipp) : json_object());
    insert_or_fail(c, "identities",
                   json_pack("{s:I, s:s, s:s, s:s, s:s}", "patient_id", (json_int_t)pid, "birth_name", birth_name,
                             "first_given_name", first, "birth_date", birth_date, "sex", sex));
    return pid;
}

/* Site + room; returns the room id. */
static inline int64_t make_room(store_conn_t *c, const char *finess, const char *room_name, const char *kind)
{
    int64_t site = insert_or_fail(c, "sites", json_pack("{s:s, s:s}", "finess", finess, "name", "Centre test"));
    return insert_or_fail(c, "rooms",
                          json_pack("{s:I, s:s, s:s}", "site_id", (json_int_t)site, "name", room_name, "kind", kind));
}

#endif
