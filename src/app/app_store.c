#include "app/app_store.h"

#include <stdbool.h>
#include <stdio.h>

#include "core/log.h"

store_t *app_open_store(const config_t *cfg, int migrate)
{
    const char *url = config_get(cfg, "store", "url");
    bool ok;
    long pool = config_get_long(cfg, "store", "pool_size", 1, 256, &ok);
    if (!ok) {
        fprintf(stderr, "couloir: [store] pool_size doit être un entier entre 1 et 256\n");
        return NULL;
    }
    char err[512];
    store_t *st = NULL;
    if (store_open(url, (int)pool, &st, err, sizeof err) != STORE_OK) {
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
