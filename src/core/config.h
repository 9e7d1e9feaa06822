/* Configuration: an INI file (inih) plus environment overrides.
 *
 * Every setting is declared once in a config_setting table (section, key, default, help);
 * each module owns its table and the application registers them all (see app/settings.c).
 * docs/configuration.md documents every declared setting; a unit test checks it.
 *
 * Precedence: environment COULOIR_<SECTION>_<KEY> (upper case) > file > default.
 * A key in the file that no table declares is an error (typos must not pass silently). */
#ifndef COULOIR_CORE_CONFIG_H
#define COULOIR_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *section;
    const char *key;
    const char *default_value; /* NULL: unset by default */
    const char *help;          /* one line, English, copied into docs/configuration.md */
    bool secret;               /* never printed (config dump shows "***") */
} config_setting;

typedef struct config config_t;

/* Creates a configuration knowing the given tables (each terminated by a {NULL} entry). */
config_t *config_new(const config_setting *const *tables, size_t ntables);
void config_free(config_t *cfg);

/* Loads an INI file (path may be NULL: defaults + environment only). Returns 0, or -1
 * with a message in err (size errlen) naming the file, line and problem. */
int config_load(config_t *cfg, const char *path, char *err, size_t errlen);
/* Applies COULOIR_<SECTION>_<KEY> environment variables (called by config_load too). */
void config_apply_env(config_t *cfg);
/* Sets a value programmatically (tests, command-line flags). Returns -1 if undeclared. */
int config_set(config_t *cfg, const char *section, const char *key, const char *value);

/* Value or NULL when unset. Asking for an undeclared setting aborts (a programming error). */
const char *config_get(const config_t *cfg, const char *section, const char *key);
/* Integer value; returns -1 into *ok=false when the value is not an integer in range. */
long config_get_long(const config_t *cfg, const char *section, const char *key, long min, long max, bool *ok);
bool config_get_bool(const config_t *cfg, const char *section, const char *key);

/* Iterates declared settings (for docs and `couloir config`). Returns NULL past the end. */
const config_setting *config_setting_at(const config_t *cfg, size_t i);

#endif
