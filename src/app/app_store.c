#include "app/app_store.h"

#include <stdio.h>

store_t *app_open_store(const config_t *cfg, int migrate)
{
    char err[512];
    store_options opts = {0};
    if (store_options_from_config(cfg, &opts, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "couloir: configuration : %s\n", err);
        return NULL;
    }
    /* Study Instance UIDs and other identifiers are minted under the practice's own root. */
    opts.oid_root = config_get(cfg, "identity", "oid_root");
    store_t *st = NULL;
    /* The URL may hold a password: it is never printed, only the store's own error is. */
    if (store_open_with(config_get(cfg, "store", "url"), &opts, &st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "couloir: impossible d'ouvrir la base : %s\n", err);
        return NULL;
    }
    if (migrate && store_migrate(st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "couloir: échec de la migration du schéma : %s\n", err);
        store_close(st);
        return NULL;
    }
    return st;
}
