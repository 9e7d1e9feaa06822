/* [dicom] settings: defaults, overrides, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dicom/dicom.h"

static void test_defaults_and_overrides(void **state)
{
    (void)state;
    const config_setting *tables[] = {dicom_settings};
    config_t *cfg = config_new(tables, 1);
    dcm_server_config srv = {0};
    dcm_mwl_scp_config mwl = {0};
    char err[160];
    assert_int_equal(dcm_settings_load(cfg, &srv, &mwl, err, sizeof err), 0);
    assert_string_equal(srv.ae_title, "COULOIR");
    assert_int_equal(srv.port, 11112);
    assert_int_equal(srv.max_associations, 32);
    assert_int_equal(mwl.default_charset, DCM_CS_LATIN1);
    assert_int_equal(mwl.max_results, 1000);
    assert_false(mwl.filter_calling_ae);
    assert_int_equal(config_set(cfg, "dicom", "mwl_default_charset", "ISO_IR 192"), 0);
    assert_int_equal(config_set(cfg, "dicom", "mwl_filter_calling_ae", "true"), 0);
    assert_int_equal(dcm_settings_load(cfg, &srv, &mwl, err, sizeof err), 0);
    assert_int_equal(mwl.default_charset, DCM_CS_UTF8);
    assert_true(mwl.filter_calling_ae);
    assert_int_equal(config_set(cfg, "dicom", "port", "70000"), 0);
    assert_int_equal(dcm_settings_load(cfg, &srv, &mwl, err, sizeof err), -1);
    assert_non_null(strstr(err, "port"));
    assert_int_equal(config_set(cfg, "dicom", "port", "104"), 0);
    assert_int_equal(config_set(cfg, "dicom", "mwl_default_charset", "ISO_IR 144"), 0);
    assert_int_equal(dcm_settings_load(cfg, &srv, &mwl, err, sizeof err), -1);
    assert_non_null(strstr(err, "mwl_default_charset"));
    assert_int_equal(config_set(cfg, "dicom", "mwl_default_charset", "ISO_IR 100"), 0);
    assert_int_equal(config_set(cfg, "dicom", "ae_title", "A_TITLE_LONGER_THAN_16"), 0);
    assert_int_equal(dcm_settings_load(cfg, &srv, &mwl, err, sizeof err), -1);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_defaults_and_overrides)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
