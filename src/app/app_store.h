#ifndef COULOIR_APP_STORE_H
#define COULOIR_APP_STORE_H

#include "core/config.h"
#include "store/store.h"

/* Opens the store named by [store] url with [store] pool_size, migrating it when `migrate`
 * is non-zero. Prints a French error and returns NULL on failure. */
store_t *app_open_store(const config_t *cfg, int migrate);

#endif
