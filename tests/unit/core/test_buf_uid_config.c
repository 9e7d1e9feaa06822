#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/uid.h"

static void test_buf(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    assert_string_equal(buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++) assert_int_equal(buf_printf(&b, "%d,", i), 0);
    assert_true(b.len > 3000);
    assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
    char *s = buf_steal(&b);
    assert_null(b.data);
    free(s);
    buf_free(&b);
}

static void test_uid(void **state)
{
    (void)state;
    assert_true(uid_valid("1.2.250.1.213.1.4.8"));
    assert_false(uid_valid("1.2.05"));
    assert_false(uid_valid("1..2"));
    assert_false(uid_valid("1.2."));
    assert_false(uid_valid("1.2.a"));
    assert_false(uid_valid(""));
    char u1[65], u2[65];
    assert_int_equal(uid_generate("1.2.250.1.999", "1", u1, sizeof u1), 0);
    assert_int_equal(uid_generate("1.2.250.1.999", "1", u2, sizeof u2), 0);
    assert_true(uid_valid(u1));
    assert_string_not_equal(u1, u2);
    char big[65];
    assert_int_equal(uid_generate("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22", "1", big, sizeof big), -1);
}

static void test_log_quote(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(log_quote("plain", out, sizeof out), "plain");
    assert_string_equal(log_quote("a b", out, sizeof out), "\"a b\"");
    assert_string_equal(log_quote("x=\"y\"", out, sizeof out), "\"x=\\\"y\\\"\"");
    assert_string_equal(log_quote("", out, sizeof out), "\"\"");
}

static const config_setting settings[] = {
    {"http", "port", "8080", "HTTP port", false},
    {"http", "tls_cert", NULL, "certificate", false},
    {"store", "password", "s3cret", "database password", true},
    {NULL, NULL, NULL, NULL, false},
};

static void test_config(void **state)
{
    (void)state;
    const config_setting *tables[] = {settings};
    config_t *cfg = config_new(tables, 1);
    char path[] = "/tmp/couloir-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("[http]\nport = 9090\n", f);
    fclose(f);
    char err[256];
    unsetenv("COULOIR_HTTP_PORT");
    assert_int_equal(config_load(cfg, path, err, sizeof err), 0);
    bool ok;
    assert_int_equal(config_get_long(cfg, "http", "port", 1, 65535, &ok), 9090);
    assert_true(ok);
    assert_null(config_get(cfg, "http", "tls_cert"));
    setenv("COULOIR_HTTP_PORT", "7070", 1);
    config_apply_env(cfg);
    assert_int_equal(config_get_long(cfg, "http", "port", 1, 65535, &ok), 7070);
    unsetenv("COULOIR_HTTP_PORT");
    f = fopen(path, "w");
    fputs("[http]\nprot = 9090\n", f);
    fclose(f);
    assert_int_equal(config_load(cfg, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown setting [http] prot"));
    assert_int_equal(config_set(cfg, "http", "port", "abc"), 0);
    config_get_long(cfg, "http", "port", 1, 65535, &ok);
    assert_false(ok);
    unlink(path);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_uid),
        cmocka_unit_test(test_log_quote),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
