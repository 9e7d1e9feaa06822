/* store_migration_sql: dialect tokens and dialect sections of the migration scripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

static char err[256];

static char *sql_for(const db_driver *drv, const char *script)
{
    err[0] = 0;
    return store_migration_sql(drv, script, err, sizeof err);
}

static void expect(const db_driver *drv, const char *script, const char *want)
{
    char *got = sql_for(drv, script);
    if (!got) fail_msg("refused: %s", err);
    assert_string_equal(got, want);
    free(got);
}

static void test_tokens(void **state)
{
    (void)state;
    expect(&db_driver_sqlite, "CREATE TABLE t (id @ID@, k @KEY@, b @BLOB@, s TEXT @BIN@);",
           "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER PRIMARY KEY, b BLOB, s TEXT COLLATE BINARY);");
    expect(&db_driver_pg, "x @KEY@ y @BIN@", "x BIGINT PRIMARY KEY y COLLATE \"C\"");
    /* a token cut by the end of the script is plain text */
    expect(&db_driver_sqlite, "@KE", "@KE");
}

static void test_sections(void **state)
{
    (void)state;
    static const char script[] = "A;\n-- [sqlite]\nS1;\nS2;\n-- [postgresql]\nP1;\n-- [all]\nB;";
    /* marker and dropped lines stay as empty lines: line numbers are kept */
    expect(&db_driver_sqlite, script, "A;\n\nS1;\nS2;\n\n\n\nB;");
    expect(&db_driver_pg, script, "A;\n\n\n\n\nP1;\n\nB;");
    /* CRLF and trailing blanks after a marker; no newline at the end */
    expect(&db_driver_pg, "-- [postgresql] \r\nP;\r\n-- [all]\t\r\nB;\r\n", "\nP;\r\n\nB;\r\n");
    expect(&db_driver_sqlite, "-- [postgresql]\r\nP;\r\n-- [all]\r\nB;", "\n\n\nB;");
    /* ordinary comments, even with brackets further on, are text */
    expect(&db_driver_sqlite, "-- see [sqlite]\n--[sqlite]\n", "-- see [sqlite]\n--[sqlite]\n");
    expect(&db_driver_sqlite, "", "");
}

static void test_bad_markers(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "A;\n-- [SQLite]\nS;\n-- [all]\n", /* case */
        "A;\n-- [sqlite] only\nS;\n-- [all]\n", /* trailing text */
        "-- [mysql]\nM;\n-- [all]\n",
        "-- [\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(sql_for(&db_driver_sqlite, bad[i]));
        assert_non_null(strstr(err, "unknown section marker"));
    }
    assert_null(sql_for(&db_driver_pg, "A;\n-- [SQLite]\n"));
    assert_string_equal(err, "line 2: unknown section marker (expected \"-- [sqlite]\", \"-- [postgresql]\" or \"-- [all]\")");
    /* a section left open would silently drop the rest of the file for the other backend */
    assert_null(sql_for(&db_driver_pg, "A;\n-- [sqlite]\nS;\nB;\n"));
    assert_string_equal(err, "line 2: section not closed by \"-- [all]\"");
    assert_null(sql_for(&db_driver_sqlite, "A;\n-- [sqlite]\nS;"));
}

/* Every embedded migration is accepted for both backends. */
static void test_embedded_migrations(void **state)
{
    (void)state;
    for (size_t i = 0; i < store_migrations_count; i++) {
        const db_driver *drivers[] = {&db_driver_sqlite, &db_driver_pg};
        for (size_t d = 0; d < 2; d++) {
            char *sql = sql_for(drivers[d], store_migrations[i].sql);
            if (!sql) fail_msg("%s (%s): %s", store_migrations[i].name, drivers[d]->name, err);
            assert_null(strstr(sql, "@KEY@"));
            free(sql);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_bad_markers),
        cmocka_unit_test(test_embedded_migrations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
