/* Helpers shared by C tests. Header-only so any test can include it. */
#ifndef COULOIR_TESTS_SUPPORT_H
#define COULOIR_TESTS_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ctest treats this exit code as "skipped" (SKIP_RETURN_CODE, set in cmake/Couloir.cmake). */
#define TEST_SKIP_CODE 77

static inline int test_in_ci(void)
{
    const char *ci = getenv("CI");
    return ci && strcmp(ci, "true") == 0;
}

/* Skips the whole test program (exit 77) with a message, or fails it under CI=true:
 * CI must never silently skip what it is meant to prove. */
static inline void test_skip_or_fail(const char *why)
{
    if (test_in_ci()) {
        fprintf(stderr, "FAIL (CI=true, cannot skip): %s\n", why);
        exit(1);
    }
    fprintf(stderr, "SKIP: %s\n", why);
    exit(TEST_SKIP_CODE);
}

/* Path of ../shared (the project's reference material), from COULOIR_SHARED_DIR or beside
 * the source tree. Skips (or fails under CI) when absent. */
static inline const char *test_shared_dir(void)
{
    static char path[4096];
    const char *env = getenv("COULOIR_SHARED_DIR");
    if (env && *env) snprintf(path, sizeof path, "%s", env);
    else snprintf(path, sizeof path, "%s/../shared", getenv("COULOIR_SOURCE_DIR") ? getenv("COULOIR_SOURCE_DIR") : ".");
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        test_skip_or_fail("../shared (reference material) is absent; set COULOIR_SHARED_DIR");
    return path;
}

/* libpq connection URL of the throwaway PostgreSQL cluster started by scripts/test.sh,
 * or NULL when none (callers then skip the PostgreSQL half via test_skip_or_fail). */
static inline const char *test_pg_url(void)
{
    const char *url = getenv("COULOIR_TEST_PG_URL");
    return url && *url ? url : NULL;
}

#endif
