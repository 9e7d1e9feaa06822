/* Router: patterns, placeholders, method mismatch (405 + Allow), the API route table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/http_internal.h"

static void h_a(http_ctx *cx) { (void)cx; }
static void h_b(http_ctx *cx) { (void)cx; }

static const http_route table[] = {
    {"GET", "/api/v1/auth/me", h_a, AUTH_SESSION},
    {"GET", "/api/v1/appointments/slots", h_a, AUTH_SESSION},
    {"POST", "/api/v1/appointments/{id}/{action}", h_b, AUTH_SESSION},
    {"GET", "/api/v1/{res}", h_a, AUTH_SESSION},
    {"POST", "/api/v1/{res}", h_b, AUTH_SESSION},
    {"GET", "/api/v1/{res}/{id}", h_a, AUTH_SESSION},
    {"DELETE", "/api/v1/{res}/{id}", h_b, AUTH_SESSION},
};
#define NT (sizeof table / sizeof table[0])

static route_result m(const char *method, const char *path, const http_route **r, route_params *p, char *allow)
{
    return http_route_match(table, NT, method, path, r, p, allow, 64);
}

static void test_literal_and_placeholders(void **state)
{
    (void)state;
    const http_route *r = NULL;
    route_params p;
    char allow[64];
    assert_int_equal(m("GET", "/api/v1/auth/me", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r, &table[0]);
    assert_int_equal(m("GET", "/api/v1/appointments/slots", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r, &table[1]);
    assert_int_equal(m("POST", "/api/v1/appointments/42/arrive", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r, &table[2]);
    assert_int_equal(p.id, 42);
    assert_string_equal(p.action, "arrive");
    assert_int_equal(m("GET", "/api/v1/patients", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r, &table[3]);
    assert_string_equal(p.res, "patients");
    assert_int_equal(m("GET", "/api/v1/rooms/7", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r, &table[5]);
    assert_int_equal(p.id, 7);
    assert_string_equal(p.res, "rooms");
}

static void test_no_match(void **state)
{
    (void)state;
    const http_route *r = NULL;
    route_params p;
    char allow[64];
    /* unknown resource, bad ids, trailing slash, extra segments, empty segments */
    assert_int_equal(m("GET", "/api/v1/nosuch", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "/api/v1/rooms/0", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "/api/v1/rooms/-3", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "/api/v1/rooms/12abc", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "/api/v1/rooms/99999999999999999999", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "/api/v1/rooms/", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "/api/v1/rooms/1/2", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "/api/v1//1", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "/api/v1", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("GET", "api/v1/rooms", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(m("POST", "/api/v1/appointments/1/", &r, &p, allow), ROUTE_NO_PATH);
}

static void test_method_not_allowed(void **state)
{
    (void)state;
    const http_route *r = NULL;
    route_params p;
    char allow[64];
    assert_int_equal(m("PUT", "/api/v1/rooms/3", &r, &p, allow), ROUTE_BAD_METHOD);
    assert_string_equal(allow, "GET, DELETE");
    assert_int_equal(m("DELETE", "/api/v1/rooms", &r, &p, allow), ROUTE_BAD_METHOD);
    assert_string_equal(allow, "GET, POST");
    assert_int_equal(m("POST", "/api/v1/auth/me", &r, &p, allow), ROUTE_BAD_METHOD);
    assert_string_equal(allow, "GET");
}

static void test_api_table(void **state)
{
    (void)state;
    size_t n;
    const http_route *rt = http_api_routes(&n), *r = NULL;
    route_params p;
    char allow[64];
    assert_true(n > 10);
    /* specific routes win over the generic ones */
    assert_int_equal(http_route_match(rt, n, "POST", "/api/v1/users", &r, &p, allow, sizeof allow), ROUTE_FOUND);
    assert_ptr_equal(r->handler, h_users_create);
    assert_int_equal(http_route_match(rt, n, "GET", "/api/v1/users", &r, &p, allow, sizeof allow), ROUTE_FOUND);
    assert_ptr_equal(r->handler, h_resource_list);
    assert_int_equal(http_route_match(rt, n, "GET", "/api/v1/appointments/slots", &r, &p, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_ptr_equal(r->handler, h_slots);
    assert_int_equal(http_route_match(rt, n, "POST", "/api/v1/appointments/5/no-show", &r, &p, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_ptr_equal(r->handler, h_transition);
    assert_int_equal(http_route_match(rt, n, "POST", "/api/v1/auth/login", &r, &p, allow, sizeof allow), ROUTE_FOUND);
    assert_int_equal(r->auth, AUTH_NONE);
    assert_int_equal(http_route_match(rt, n, "GET", "/healthz", &r, &p, allow, sizeof allow), ROUTE_FOUND);
    assert_int_equal(r->auth, AUTH_NONE);
    /* every other route requires a session */
    size_t public_routes = 0;
    for (size_t i = 0; i < n; i++)
        if (rt[i].auth == AUTH_NONE) public_routes++;
    assert_int_equal(public_routes, 2);
    /* every model resource is reachable */
    size_t nres;
    const model_resource *res = model_resources(&nres);
    for (size_t i = 0; i < nres; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/%s/1", res[i].name);
        assert_int_equal(http_route_match(rt, n, "GET", path, &r, &p, allow, sizeof allow), ROUTE_FOUND);
        assert_ptr_equal(r->handler, h_resource_get);
    }
}

static void test_parse_int64(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(http_parse_int64("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(http_parse_int64("10", 0, 10, &v), 0);
    assert_int_equal(http_parse_int64("11", 0, 10, &v), -1);
    assert_int_equal(http_parse_int64("-1", 0, 10, &v), -1);
    assert_int_equal(http_parse_int64("-5", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(http_parse_int64("", 0, 10, &v), -1);
    assert_int_equal(http_parse_int64("-", -10, 10, &v), -1);
    assert_int_equal(http_parse_int64(" 1", 0, 10, &v), -1);
    assert_int_equal(http_parse_int64("1 ", 0, 10, &v), -1);
    assert_int_equal(http_parse_int64("+1", 0, 10, &v), -1);
    assert_int_equal(http_parse_int64("0x1", 0, 10, &v), -1);
    assert_int_equal(http_parse_int64("9223372036854775808", 0, INT64_MAX, &v), -1);
    assert_int_equal(http_parse_int64("9223372036854775807", 0, INT64_MAX, &v), 0);
    assert_int_equal(http_parse_int64(NULL, 0, 10, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_and_placeholders),
        cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_api_table),
        cmocka_unit_test(test_parse_int64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
