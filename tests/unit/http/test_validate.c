/* Validation of request bodies and query strings against the real model descriptors, the
 * error catalogue, cookies, and static file path safety. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/http_internal.h"

static const model_resource *R(const char *name)
{
    const model_resource *r = model_resource_find(name);
    assert_non_null(r);
    return r;
}

/* Validates text against res; returns the error code or -1 on success (normalised in *out). */
static int check(const char *res, const char *text, validate_mode mode, json_t **out, http_err *e)
{
    json_t *in = NULL;
    memset(e, 0, sizeof *e);
    if (http_parse_object(text, strlen(text), &in, e) != 0) return (int)e->code;
    json_t *norm = NULL;
    int rc = http_validate_object(R(res), in, mode, &norm, e);
    json_decref(in);
    if (rc != 0) {
        assert_null(norm);
        return (int)e->code;
    }
    if (out)
        *out = norm;
    else
        json_decref(norm);
    return -1;
}

static void test_parse_object(void **state)
{
    (void)state;
    json_t *o = NULL;
    http_err e;
    assert_int_equal(http_parse_object("", 0, &o, &e), -1);
    assert_int_equal(e.code, HE_INVALID_JSON);
    assert_int_equal(e.status, 400);
    assert_int_equal(http_parse_object("{\"a\":", 5, &o, &e), -1);
    assert_int_equal(e.code, HE_INVALID_JSON);
    assert_non_null(strstr(e.message, "JSON mal formé"));
    assert_int_equal(http_parse_object("[1,2]", 5, &o, &e), -1);
    assert_int_equal(e.code, HE_INVALID_JSON);
    assert_int_equal(http_parse_object("{\"a\":1,\"a\":2}", 13, &o, &e), -1);
    assert_int_equal(http_parse_object("{\"a\":\"\\u0000\"}", 14, &o, &e), -1);
    assert_int_equal(http_parse_object("{\"a\":1} x", 9, &o, &e), -1);
    assert_int_equal(http_parse_object("{\"a\":1}", 7, &o, &e), 0);
    assert_true(json_is_object(o));
    json_decref(o);
}

static void test_parse_members(void **state)
{
    (void)state;
    static const char *const two[] = {"procedure_id", "template_id", NULL};
    json_t *o = NULL;
    http_err e;
    /* empty body: an empty object when allowed, invalid_json otherwise */
    assert_int_equal(http_parse_members("", 0, true, two, &o, &e), 0);
    assert_true(json_is_object(o));
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);
    assert_int_equal(http_parse_members("", 0, false, two, &o, &e), -1);
    assert_null(o);
    assert_int_equal(e.code, HE_INVALID_JSON);
    /* the parse errors of http_parse_object */
    assert_int_equal(http_parse_members("[1]", 3, true, two, &o, &e), -1);
    assert_int_equal(e.code, HE_INVALID_JSON);
    /* known members pass */
    const char *ok = "{\"procedure_id\":3,\"template_id\":null}";
    assert_int_equal(http_parse_members(ok, strlen(ok), false, two, &o, &e), 0);
    assert_int_equal(json_object_size(o), 2);
    json_decref(o);
    /* an unknown member is named, with the expected ones */
    const char *bad = "{\"procedure_id\":3,\"patient\":1}";
    assert_int_equal(http_parse_members(bad, strlen(bad), false, two, &o, &e), -1);
    assert_null(o);
    assert_int_equal(e.code, HE_UNKNOWN_FIELD);
    assert_int_equal(e.status, 422);
    assert_string_equal(e.field, "patient");
    assert_string_equal(e.message, "Champ inconnu : « patient » (attendu : procedure_id, template_id).");
    /* no member expected at all */
    assert_int_equal(http_parse_members("{}", 2, true, NULL, &o, &e), 0);
    json_decref(o);
    assert_int_equal(http_parse_members("{\"x\":1}", 7, true, NULL, &o, &e), -1);
    assert_string_equal(e.field, "x");
    assert_string_equal(e.message, "Champ inconnu : « x » (aucun champ attendu).");
}

static const char *good_identity =
    "{\"patient_id\":1,\"birth_name\":\"DUPONT\",\"first_given_name\":\"Marie\",\"birth_date\":\"1980-02-29\","
    "\"sex\":\"F\"}";

static void test_create_identity(void **state)
{
    (void)state;
    http_err e;
    json_t *out = NULL;
    assert_int_equal(check("identities", good_identity, VALIDATE_CREATE, &out, &e), -1);
    assert_string_equal(json_string_value(json_object_get(out, "birth_date")), "1980-02-29");
    json_decref(out);

    /* missing required field, named by its French label */
    assert_int_equal(check("identities", "{\"patient_id\":1,\"birth_name\":\"A\",\"first_given_name\":\"B\",\"sex\":\"F\"}",
                           VALIDATE_CREATE, NULL, &e),
                     HE_MISSING_FIELD);
    assert_string_equal(e.field, "birth_date");
    assert_non_null(strstr(e.message, "date de naissance"));
    assert_int_equal(e.status, 422);
    /* bad dates */
    const char *bad_dates[] = {"1980-02-30", "1981-02-29", "1980-13-01", "80-01-01", "1980-1-1", "19800101", "",
                               "1980-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"patient_id\":1,\"birth_name\":\"A\",\"first_given_name\":\"B\",\"birth_date\":\"%s\",\"sex\":\"F\"}",
                 bad_dates[i]);
        assert_int_equal(check("identities", body, VALIDATE_CREATE, NULL, &e), HE_INVALID_VALUE);
        assert_string_equal(e.field, "birth_date");
        assert_non_null(strstr(e.message, "date de naissance"));
    }
    /* wrong JSON types */
    assert_int_equal(check("identities",
                           "{\"patient_id\":\"1\",\"birth_name\":\"A\",\"first_given_name\":\"B\",\"birth_date\":\"1980-01-01\","
                           "\"sex\":\"F\"}",
                           VALIDATE_CREATE, NULL, &e),
                     HE_INVALID_TYPE);
    assert_string_equal(e.field, "patient_id");
    assert_int_equal(check("identities",
                           "{\"patient_id\":1,\"birth_name\":42,\"first_given_name\":\"B\",\"birth_date\":\"1980-01-01\","
                           "\"sex\":\"F\"}",
                           VALIDATE_CREATE, NULL, &e),
                     HE_INVALID_TYPE);
    assert_string_equal(e.field, "birth_name");
    assert_int_equal(check("identities",
                           "{\"patient_id\":1,\"birth_name\":\"A\",\"first_given_name\":\"B\",\"birth_date\":19800101,"
                           "\"sex\":\"F\"}",
                           VALIDATE_CREATE, NULL, &e),
                     HE_INVALID_TYPE);
    assert_int_equal(check("identities",
                           "{\"patient_id\":1,\"birth_name\":\"A\",\"first_given_name\":\"B\",\"birth_date\":\"1980-01-01\","
                           "\"sex\":\"F\",\"douteuse\":\"oui\"}",
                           VALIDATE_CREATE, NULL, &e),
                     HE_INVALID_TYPE);
    assert_string_equal(e.field, "douteuse");
    assert_int_equal(check("identities",
                           "{\"patient_id\":0,\"birth_name\":\"A\",\"first_given_name\":\"B\",\"birth_date\":\"1980-01-01\","
                           "\"sex\":\"F\"}",
                           VALIDATE_CREATE, NULL, &e),
                     HE_INVALID_VALUE);
    /* enum */
    assert_int_equal(check("identities",
                           "{\"patient_id\":1,\"birth_name\":\"A\",\"first_given_name\":\"B\",\"birth_date\":\"1980-01-01\","
                           "\"sex\":\"X\"}",
                           VALIDATE_CREATE, NULL, &e),
                     HE_INVALID_VALUE);
    assert_string_equal(e.field, "sex");
    assert_non_null(strstr(e.message, "sexe"));
    /* length */
    char body[600];
    char longname[200];
    memset(longname, 'A', 101);
    longname[101] = '\0';
    snprintf(body, sizeof body,
             "{\"patient_id\":1,\"birth_name\":\"%s\",\"first_given_name\":\"B\",\"birth_date\":\"1980-01-01\",\"sex\":\"F\"}",
             longname);
    assert_int_equal(check("identities", body, VALIDATE_CREATE, NULL, &e), HE_INVALID_VALUE);
    assert_string_equal(e.field, "birth_name");
    /* unknown field, read-only field */
    assert_int_equal(check("identities", "{\"birth_nam\":\"A\"}", VALIDATE_CREATE, NULL, &e), HE_UNKNOWN_FIELD);
    assert_string_equal(e.field, "birth_nam");
    assert_int_equal(check("identities", "{\"id\":3}", VALIDATE_CREATE, NULL, &e), HE_READONLY_FIELD);
    assert_int_equal(check("identities", "{\"created_at\":\"2026-01-01T00:00:00Z\"}", VALIDATE_UPDATE, NULL, &e),
                     HE_READONLY_FIELD);
    /* required field set to null or empty */
    assert_int_equal(check("identities", "{\"birth_name\":null}", VALIDATE_UPDATE, NULL, &e), HE_MISSING_FIELD);
    assert_int_equal(check("identities", "{\"birth_name\":\"\"}", VALIDATE_UPDATE, NULL, &e), HE_MISSING_FIELD);
}

static void test_update_rules(void **state)
{
    (void)state;
    http_err e;
    json_t *out = NULL;
    /* immutable on update, allowed on create */
    assert_int_equal(check("identities", "{\"patient_id\":2}", VALIDATE_UPDATE, NULL, &e), HE_READONLY_FIELD);
    assert_string_equal(e.field, "patient_id");
    /* partial update, optional field cleared with null */
    assert_int_equal(check("identities", "{\"used_name\":null,\"phone\":\"0102030405\"}", VALIDATE_UPDATE, &out, &e), -1);
    assert_true(json_is_null(json_object_get(out, "used_name")));
    json_decref(out);
    /* empty patch */
    assert_int_equal(check("identities", "{}", VALIDATE_UPDATE, NULL, &e), HE_BAD_REQUEST);
    /* datetime normalised to UTC; offset-less refused */
    assert_int_equal(check("appointments", "{\"start_at\":\"2026-11-22T09:30:00+01:00\"}", VALIDATE_UPDATE, &out, &e),
                     -1);
    assert_string_equal(json_string_value(json_object_get(out, "start_at")), "2026-11-22T08:30:00Z");
    json_decref(out);
    assert_int_equal(check("appointments", "{\"start_at\":\"2026-11-22T09:30:00\"}", VALIDATE_UPDATE, NULL, &e),
                     HE_INVALID_VALUE);
    /* fields changed only by the identity rules are refused from API input */
    assert_int_equal(check("identities", "{\"rniv_status\":\"qualifiee\"}", VALIDATE_UPDATE, NULL, &e), HE_READONLY_FIELD);
    assert_string_equal(e.field, "rniv_status");
    assert_int_equal(check("identities", "{\"ins_matricule\":\"109076322083489\"}", VALIDATE_UPDATE, NULL, &e),
                     HE_READONLY_FIELD);
    assert_int_equal(check("appointments", "{\"start_at\":\"2026-11-31T09:30:00Z\"}", VALIDATE_UPDATE, NULL, &e),
                     HE_INVALID_VALUE);
    /* integers */
    assert_int_equal(check("catalogue", "{\"duration_minutes\":1.5}", VALIDATE_UPDATE, NULL, &e), HE_INVALID_TYPE);
    assert_int_equal(check("catalogue", "{\"duration_minutes\":20}", VALIDATE_UPDATE, NULL, &e), -1);
}

static void test_every_descriptor(void **state)
{
    (void)state;
    /* An empty create body names a required field for every resource that has one; an
     * unknown field is refused everywhere. */
    size_t n;
    const model_resource *res = model_resources(&n);
    http_err e;
    for (size_t i = 0; i < n; i++) {
        json_t *in = json_object(), *out = NULL;
        bool has_required = false;
        for (size_t k = 0; k < res[i].nfields; k++)
            if ((res[i].fields[k].flags & FIELD_REQUIRED) && !(res[i].fields[k].flags & FIELD_READONLY)) has_required = true;
        int rc = http_validate_object(&res[i], in, VALIDATE_CREATE, &out, &e);
        if (has_required) {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, HE_MISSING_FIELD);
        } else {
            assert_int_equal(rc, 0);
        }
        json_decref(out);
        json_object_set_new(in, "zz_unknown", json_true());
        assert_int_equal(http_validate_object(&res[i], in, VALIDATE_UPDATE, &out, &e), -1);
        assert_int_equal(e.code, HE_UNKNOWN_FIELD);
        json_decref(in);
        assert_non_null(res[i].label_fr);
        for (size_t k = 0; k < res[i].nfields; k++) assert_non_null(res[i].fields[k].label_fr);
    }
}

static int q(const char *res, const char *const *pairs, store_list_query *out, store_filter *filters, http_err *e)
{
    http_kv kv[HTTP_MAX_QUERY];
    size_t n = 0;
    for (; pairs[2 * n]; n++) kv[n] = (http_kv){pairs[2 * n], pairs[2 * n + 1]};
    memset(e, 0, sizeof *e);
    if (http_parse_list_query(R(res), kv, n, filters, out, e) == 0) return -1;
    assert_int_equal(e->status, 400);
    return (int)e->code;
}

static void test_list_query(void **state)
{
    (void)state;
    store_list_query lq;
    store_filter f[HTTP_MAX_FILTERS];
    http_err e;
    const char *none[] = {NULL};
    assert_int_equal(q("identities", none, &lq, f, &e), -1);
    assert_int_equal(lq.offset, 0);
    assert_int_equal(lq.limit, 50);
    assert_int_equal(lq.nfilters, 0);
    const char *ok[] = {"offset", "20", "limit", "1000", "sex", "F", "birth_date", "1980-01-01", "q", "dup", NULL};
    assert_int_equal(q("identities", ok, &lq, f, &e), -1);
    assert_int_equal(lq.offset, 20);
    assert_int_equal(lq.limit, 1000);
    assert_int_equal(lq.nfilters, 3);
    assert_string_equal(f[2].field, "q");
    struct {
        const char *k, *v;
        int code;
    } bad[] = {
        {"limit", "0", HE_INVALID_VALUE},       {"limit", "1001", HE_INVALID_VALUE},
        {"limit", "ten", HE_INVALID_VALUE},     {"offset", "-1", HE_INVALID_VALUE},
        {"offset", "", HE_INVALID_VALUE},       {"nosuch", "1", HE_UNKNOWN_FIELD},
        {"birth_name", "X", HE_UNKNOWN_FIELD},  /* searchable but not a filter */
        {"sex", "Z", HE_INVALID_VALUE},         {"birth_date", "1980-02-30", HE_INVALID_VALUE},
        {"patient_id", "abc", HE_INVALID_VALUE}, {"douteuse", "yes", HE_INVALID_VALUE},
        {"q", "", HE_INVALID_VALUE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *pairs[] = {bad[i].k, bad[i].v, NULL};
        assert_int_equal(q("identities", pairs, &lq, f, &e), bad[i].code);
        assert_string_equal(e.field, bad[i].k);
    }
    const char *rep[] = {"limit", "5", "limit", "6", NULL};
    assert_int_equal(q("identities", rep, &lq, f, &e), HE_BAD_REQUEST);
    const char *rep2[] = {"sex", "F", "sex", "M", NULL};
    assert_int_equal(q("identities", rep2, &lq, f, &e), HE_BAD_REQUEST);
    /* secret fields are never filters; q needs a searchable resource */
    const char *secret[] = {"password_hash", "x", NULL};
    assert_int_equal(q("users", secret, &lq, f, &e), HE_UNKNOWN_FIELD);
    const char *noq[] = {"q", "x", NULL};
    assert_int_equal(q("orders", noq, &lq, f, &e), HE_UNKNOWN_FIELD);
}

static void test_paging_allowed(void **state)
{
    (void)state;
    static const char *const allowed[] = {"action", "user_id", NULL};
    http_kv kv[] = {{"action", "read"}, {"limit", "10"}};
    store_filter f[HTTP_MAX_FILTERS];
    store_list_query lq;
    http_err e;
    assert_int_equal(http_parse_paging(kv, 2, allowed, f, &lq, &e), 0);
    assert_int_equal(lq.nfilters, 1);
    assert_int_equal(lq.limit, 10);
    http_kv bad[] = {{"object", "x"}};
    assert_int_equal(http_parse_paging(bad, 1, allowed, f, &lq, &e), -1);
    assert_int_equal(e.code, HE_UNKNOWN_FIELD);
    assert_int_equal(e.status, 400);
}

static void test_error_json(void **state)
{
    (void)state;
    http_err e;
    http_err_set(&e, HE_INVALID_VALUE, "birth_date", "Le champ « %s » n'est pas valide.", "date de naissance");
    json_t *j = http_err_json(&e);
    json_t *inner = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(inner, "code")), "invalid_value");
    assert_string_equal(json_string_value(json_object_get(inner, "field")), "birth_date");
    assert_string_equal(json_string_value(json_object_get(inner, "message")),
                        "Le champ « date de naissance » n'est pas valide.");
    json_decref(j);
    /* invalid UTF-8 (truncated) message still yields JSON */
    http_err_set(&e, HE_BAD_REQUEST, "\xc3", "%s", "abc\xc3");
    j = http_err_json(&e);
    assert_non_null(json_object_get(json_object_get(j, "error"), "message"));
    assert_null(json_object_get(json_object_get(j, "error"), "field"));
    json_decref(j);
    /* catalogue statuses */
    assert_int_equal(http_errcode_status(HE_TOO_LARGE), 413);
    assert_int_equal(http_errcode_status(HE_RATE_LIMITED), 429);
    assert_int_equal(http_errcode_status(HE_CSRF_FAILED), 403);
    assert_int_equal(http_errcode_status(HE_TRANSITION_REFUSED), 409);
    assert_string_equal(http_errcode_name(HE_UNAUTHENTICATED), "unauthenticated");
    for (int c = 0; c < HE_COUNT; c++) assert_non_null(http_errcode_name((http_errcode)c));
}

static void test_cookie(void **state)
{
    (void)state;
    char v[80];
    assert_true(http_cookie_get("a=1; couloir_session=abc; b=2", "couloir_session", v, sizeof v));
    assert_string_equal(v, "abc");
    assert_true(http_cookie_get("couloir_session=xyz", "couloir_session", v, sizeof v));
    assert_string_equal(v, "xyz");
    assert_false(http_cookie_get("xcouloir_session=1", "couloir_session", v, sizeof v));
    assert_false(http_cookie_get("couloir_session", "couloir_session", v, sizeof v));
    assert_false(http_cookie_get("couloir_session=toolong", "couloir_session", v, 4));
    assert_false(http_cookie_get(NULL, "couloir_session", v, sizeof v));
}

static void test_static_files(void **state)
{
    (void)state;
    char root[] = "/tmp/couloir-static-XXXXXX";
    assert_non_null(mkdtemp(root));
    char path[256];
    snprintf(path, sizeof path, "%s/index.html", root);
    FILE *f = fopen(path, "w");
    fputs("<!doctype html><title>Couloir</title>", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/app.js", root);
    f = fopen(path, "w");
    fputs("export {};", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/.secret", root);
    f = fopen(path, "w");
    fputs("x", f);
    fclose(f);
    /* a symlink escaping the root */
    snprintf(path, sizeof path, "%s/passwd", root);
    assert_int_equal(symlink("/etc/passwd", path), 0);

    http_options opt;
    memset(&opt, 0, sizeof opt);
    assert_non_null(realpath(root, opt.web_root));
    http_response r;
    memset(&r, 0, sizeof r);
    http_static_serve(&opt, "/", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.raw_type, "text/html; charset=utf-8");
    assert_int_equal(r.raw_len, strlen("<!doctype html><title>Couloir</title>"));
    http_response_free(&r);
    memset(&r, 0, sizeof r);
    http_static_serve(&opt, "/app.js", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.raw_type, "text/javascript; charset=utf-8");
    http_response_free(&r);
    const char *refused[] = {"/../etc/passwd", "/..", "/.secret", "/passwd", "/nosuch", "//etc/passwd",
                             "/a/../index.html", "/app.js\\", "/\x01", "index.html"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        memset(&r, 0, sizeof r);
        http_static_serve(&opt, refused[i], &r);
        assert_int_equal(r.status, 404);
        assert_null(r.raw);
        http_response_free(&r);
    }
    /* no web_root: everything 404 */
    opt.web_root[0] = '\0';
    memset(&r, 0, sizeof r);
    http_static_serve(&opt, "/", &r);
    assert_int_equal(r.status, 404);
    http_response_free(&r);

    const char *names[] = {"index.html", "app.js", ".secret", "passwd"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", root, names[i]);
        unlink(path);
    }
    rmdir(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_object),  cmocka_unit_test(test_parse_members),  cmocka_unit_test(test_create_identity),
        cmocka_unit_test(test_update_rules),  cmocka_unit_test(test_every_descriptor),
        cmocka_unit_test(test_list_query),    cmocka_unit_test(test_paging_allowed),
        cmocka_unit_test(test_error_json),    cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_static_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
