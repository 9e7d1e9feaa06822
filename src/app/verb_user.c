/* `couloir user add LOGIN --role R[,R] [--name NOM] [--rpps N] (--password-stdin | --password-env VAR)` */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/app_store.h"
#include "auth/auth.h"
#include "domain/model.h"
#include "store/store.h"

/* "accueil,admin" -> role bits; 0 when any name is unknown. */
static unsigned parse_roles(const char *list)
{
    unsigned roles = 0;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned r = model_role_parse(tok);
        if (!r) return 0;
        roles |= r;
    }
    return roles;
}

static int read_password_stdin(char *out, size_t n)
{
    if (!fgets(out, (int)n, stdin)) return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

int app_user_add_with(store_t *st, const char *login, unsigned roles, const char *name, const char *rpps,
                      const char *password, char *err, size_t errlen);

int app_user_add_with(store_t *st, const char *login, unsigned roles, const char *name, const char *rpps,
                      const char *password, char *err, size_t errlen)
{
    store_user u = {0};
    snprintf(u.login, sizeof u.login, "%s", login);
    snprintf(u.display_name, sizeof u.display_name, "%s", name ? name : login);
    snprintf(u.rpps, sizeof u.rpps, "%s", rpps ? rpps : "");
    u.roles = roles;
    u.active = true;
    if (auth_hash_password(password, u.password_hash, sizeof u.password_hash) != 0) {
        snprintf(err, errlen, "hachage du mot de passe impossible");
        return -1;
    }
    store_conn_t *c = store_acquire(st);
    if (!c) {
        snprintf(err, errlen, "base indisponible");
        return -1;
    }
    int64_t id = 0;
    store_status s = store_user_create(c, &u, &id);
    if (s != STORE_OK)
        snprintf(err, errlen, s == STORE_CONFLICT ? "le compte « %s » existe déjà" : "création impossible (%s)",
                 s == STORE_CONFLICT ? login : store_last_error(c));
    store_release(st, c);
    return s == STORE_OK ? 0 : -1;
}

int app_user(config_t *cfg, int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "add") != 0) {
        fprintf(stderr, "usage: couloir user add LOGIN --role R[,R] [--name NOM] [--rpps N] "
                        "(--password-stdin | --password-env VAR)\n");
        return 2;
    }
    const char *login = argv[2], *roles_arg = NULL, *name = NULL, *rpps = NULL, *pw_env = NULL;
    int pw_stdin = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) roles_arg = argv[++i];
        else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) name = argv[++i];
        else if (strcmp(argv[i], "--rpps") == 0 && i + 1 < argc) rpps = argv[++i];
        else if (strcmp(argv[i], "--password-env") == 0 && i + 1 < argc) pw_env = argv[++i];
        else if (strcmp(argv[i], "--password-stdin") == 0) pw_stdin = 1;
        else {
            fprintf(stderr, "couloir user add: argument inconnu : %s\n", argv[i]);
            return 2;
        }
    }
    unsigned roles = roles_arg ? parse_roles(roles_arg) : 0;
    if (!roles) {
        fprintf(stderr, "couloir user add: --role attendu parmi accueil, manipulateur, radiologue, admin\n");
        return 2;
    }
    char password[256] = "";
    if (pw_env) {
        const char *v = getenv(pw_env);
        if (!v) {
            fprintf(stderr, "couloir user add: la variable %s n'est pas définie\n", pw_env);
            return 2;
        }
        snprintf(password, sizeof password, "%s", v);
    } else if (!pw_stdin || read_password_stdin(password, sizeof password) != 0) {
        fprintf(stderr, "couloir user add: mot de passe attendu (--password-stdin ou --password-env VAR)\n");
        return 2;
    }
    if (strlen(password) < 8) {
        fprintf(stderr, "couloir user add: le mot de passe doit compter au moins 8 caractères\n");
        return 2;
    }
    store_t *st = app_open_store(cfg, 1);
    if (!st) return 1;
    char err[256];
    int rc = app_user_add_with(st, login, roles, name, rpps, password, err, sizeof err);
    explicit_bzero(password, sizeof password);
    store_close(st);
    if (rc != 0) {
        fprintf(stderr, "couloir user add: %s\n", err);
        return 1;
    }
    printf("compte « %s » créé\n", login);
    return 0;
}
