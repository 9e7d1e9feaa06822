/* The couloir binary: verbs and the settings registry. Internal to src/app. */
#ifndef COULOIR_APP_APP_H
#define COULOIR_APP_APP_H

#include "core/config.h"

/* Settings owned by the application itself ([log], [site], [identity]). */
extern const config_setting app_settings[];

/* A configuration that knows every module's settings, loaded from `path` (may be NULL) and
 * the environment. Applies [log] level and [site] timezone to the process. NULL on error
 * (message printed to stderr). */
config_t *app_load_config(const char *path);

/* Verbs; each returns the process exit status. argv[0] is the verb. */
int app_serve(config_t *cfg);
int app_migrate(config_t *cfg);
int app_demo(config_t *cfg);
int app_user(config_t *cfg, int argc, char **argv);
int app_config(config_t *cfg, int argc, char **argv);

#endif
