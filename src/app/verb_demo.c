/* `couloir demo`: demo data and demo accounts on the configured store (idempotent). */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/app_store.h"
#include "core/timeutil.h"
#include "demo/demo.h"
#include "domain/model.h"
#include "store/store.h"

int app_user_add_with(store_t *st, const char *login, unsigned roles, const char *name, const char *rpps,
                      const char *password, char *err, size_t errlen);

/* Creates the demo accounts that do not exist yet. */
static int ensure_demo_users(store_t *st)
{
    for (const demo_user *u = demo_users; u->login; u++) {
        store_conn_t *c = store_acquire(st);
        if (!c) return -1;
        store_user existing;
        store_status s = store_user_by_login(c, u->login, &existing);
        store_release(st, c);
        if (s == STORE_OK) continue;
        char err[256];
        if (app_user_add_with(st, u->login, model_role_parse(u->role), u->display_name, u->rpps, u->password, err,
                              sizeof err) != 0) {
            fprintf(stderr, "couloir demo: compte %s : %s\n", u->login, err);
            return -1;
        }
    }
    return 0;
}

int app_demo(config_t *cfg)
{
    store_t *st = app_open_store(cfg, 1);
    if (!st) return 1;
    int64_t today = 0;
    time_unix_to_local(time_now_unix(), &today, NULL);
    char err[512];
    if (demo_seed(st, today, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "couloir demo: données de démonstration impossibles à créer : %s\n", err);
        store_close(st);
        return 1;
    }
    int rc = ensure_demo_users(st);
    store_close(st);
    if (rc != 0) return 1;

    printf("\nDonnées de démonstration prêtes.\n\n");
    /* The default public URL names port 8080: follow an overridden [http] port instead. */
    const char *url = config_get(cfg, "site", "public_url");
    const char *port = config_get(cfg, "http", "port");
    if (url && strcmp(url, "http://localhost:8080") == 0 && port && strcmp(port, "8080") != 0)
        printf("Couloir : http://localhost:%s\n", port);
    else
        printf("Couloir : %s\n", url ? url : "");
    const char *insi = config_get(cfg, "insi", "url"); /* the INSi stand-in when started by scripts/demo.sh */
    if (insi && *insi) printf("Téléservice INSi (simulateur couloir-insi-sim) : %s\n", insi);
    printf("\nComptes de démonstration :\n");
    for (const demo_user *u = demo_users; u->login; u++)
        printf("  %-14s mot de passe %-18s rôle %s\n", u->login, u->password, u->role);
    printf("\n");
    return 0;
}
