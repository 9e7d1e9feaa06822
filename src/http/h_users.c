/* Account administration: create users (password hashed here), change passwords and roles. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "http/http_internal.h"

/* Parses a JSON array of role names into bits; -1 with the response set on error. */
static int parse_roles(http_ctx *cx, json_t *v, unsigned *out)
{
    *out = 0;
    if (!json_is_array(v) || json_array_size(v) == 0) {
        http_fail(cx->resp, v ? HE_INVALID_TYPE : HE_MISSING_FIELD, "roles",
                  "Le champ « rôles » doit être une liste non vide parmi accueil, manipulateur, radiologue, admin.");
        return -1;
    }
    size_t i;
    json_t *r;
    json_array_foreach(v, i, r) {
        unsigned bit = json_is_string(r) ? model_role_parse(json_string_value(r)) : 0;
        if (!bit) {
            http_fail(cx->resp, HE_INVALID_VALUE, "roles",
                      "Rôle inconnu dans « rôles » : valeurs possibles accueil, manipulateur, radiologue, admin.");
            return -1;
        }
        *out |= bit;
    }
    return 0;
}

static bool valid_login(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
            return false;
    return true;
}

static bool valid_rpps(const char *s)
{
    size_t n = strlen(s);
    if (n != 11) return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return false;
    return true;
}

/* Checks that every key of `in` is in `allowed` (NULL-terminated). */
static bool only_keys(http_ctx *cx, json_t *in, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) ok = true;
        if (!ok) {
            http_fail(cx->resp, HE_UNKNOWN_FIELD, key, "Champ inconnu pour un compte utilisateur : « %s ».", key);
            return false;
        }
    }
    return true;
}

static bool password_ok(http_ctx *cx, json_t *p, const char *field)
{
    if (!json_is_string(p)) {
        http_fail(cx->resp, p ? HE_INVALID_TYPE : HE_MISSING_FIELD, field, "Le mot de passe est obligatoire (texte).");
        return false;
    }
    size_t n = json_string_length(p);
    if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX || strlen(json_string_value(p)) != n) {
        http_fail(cx->resp, HE_INVALID_VALUE, field, "Le mot de passe doit compter entre %d et %d caractères.",
                  AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
        return false;
    }
    return true;
}

static store_status audit_user(http_ctx *cx, const char *action, int64_t id, const char *detail)
{
    return http_audit(cx, action, "users", id, 0, "success", detail);
}

void h_users_create(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "create")) return;
    json_t *in = NULL;
    http_err e;
    if (http_parse_object(cx->req->body, cx->req->body_len, &in, &e) != 0) {
        http_set_error(cx->resp, &e);
        return;
    }
    static const char *const keys[] = {"login", "display_name", "rpps", "roles", "password", "active", NULL};
    store_user u;
    memset(&u, 0, sizeof u);
    u.active = true;
    json_t *login = json_object_get(in, "login"), *name = json_object_get(in, "display_name"),
           *rpps = json_object_get(in, "rpps"), *active = json_object_get(in, "active");
    if (!only_keys(cx, in, keys)) goto out;
    if (!json_is_string(login) || !valid_login(json_string_value(login))) {
        http_fail(cx->resp, login ? HE_INVALID_VALUE : HE_MISSING_FIELD, "login",
                  "L'identifiant est obligatoire : 1 à 63 caractères parmi a-z, 0-9, « . », « - », « _ ».");
        goto out;
    }
    if (name && (!json_is_string(name) || json_string_length(name) == 0 || json_string_length(name) >= sizeof u.display_name)) {
        http_fail(cx->resp, json_is_string(name) ? HE_INVALID_VALUE : HE_INVALID_TYPE, "display_name",
                  "Le champ « nom affiché » doit être un texte de 1 à %zu octets.", sizeof u.display_name - 1);
        goto out;
    }
    if (rpps && !json_is_null(rpps) && (!json_is_string(rpps) || !valid_rpps(json_string_value(rpps)))) {
        http_fail(cx->resp, json_is_string(rpps) ? HE_INVALID_VALUE : HE_INVALID_TYPE, "rpps",
                  "Le champ « numéro RPPS » doit compter 11 chiffres.");
        goto out;
    }
    if (active && !json_is_boolean(active)) {
        http_fail(cx->resp, HE_INVALID_TYPE, "active", "Le champ « actif » doit valoir true ou false.");
        goto out;
    }
    if (parse_roles(cx, json_object_get(in, "roles"), &u.roles) != 0) goto out;
    if (!password_ok(cx, json_object_get(in, "password"), "password")) goto out;
    snprintf(u.login, sizeof u.login, "%s", json_string_value(login));
    snprintf(u.display_name, sizeof u.display_name, "%s", name ? json_string_value(name) : u.login);
    if (json_is_string(rpps)) snprintf(u.rpps, sizeof u.rpps, "%s", json_string_value(rpps));
    if (active) u.active = json_is_true(active);
    if (auth_hash_password(json_string_value(json_object_get(in, "password")), u.password_hash,
                           sizeof u.password_hash) != 0) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Erreur interne du serveur.");
        goto out;
    }
    int64_t id = 0;
    store_status s = store_begin(cx->conn);
    if (s == STORE_OK) s = store_user_create(cx->conn, &u, &id);
    if (s == STORE_OK) s = audit_user(cx, "user_create", id, NULL);
    if (s == STORE_OK)
        s = store_commit(cx->conn);
    else
        store_rollback(cx->conn);
    if (s == STORE_CONFLICT) {
        http_fail(cx->resp, HE_CONFLICT, "login", "Un compte avec l'identifiant « %s » existe déjà.", u.login);
    } else if (s != STORE_OK) {
        http_fail_store(cx->resp, s, NULL);
    } else {
        u.id = id;
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/users/%lld", (long long)id);
        http_add_header(cx->resp, "Location", loc);
        http_set_json(cx->resp, 201, http_user_json(&u));
    }
out:
    explicit_bzero(u.password_hash, sizeof u.password_hash);
    json_decref(in);
}

void h_users_password(http_ctx *cx)
{
    /* An admin sets anyone's password; a user changes their own by giving the current one. */
    bool self = cx->id == cx->user.id;
    bool admin = (cx->user.roles & ROLE_ADMIN) != 0;
    if (!self && !http_require_roles(cx, ROLE_ADMIN, NULL, "update")) return;
    json_t *in = NULL;
    http_err e;
    if (http_parse_object(cx->req->body, cx->req->body_len, &in, &e) != 0) {
        http_set_error(cx->resp, &e);
        return;
    }
    static const char *const keys[] = {"password", "current_password", NULL};
    char hash[AUTH_HASH_MAX] = "";
    if (!only_keys(cx, in, keys) || !password_ok(cx, json_object_get(in, "password"), "password")) goto out;
    store_user target;
    store_status s = store_user_by_id(cx->conn, cx->id, &target);
    if (s != STORE_OK) {
        http_fail(cx->resp, s == STORE_NOT_FOUND ? HE_NOT_FOUND : HE_INTERNAL, NULL,
                  s == STORE_NOT_FOUND ? "Compte utilisateur introuvable." : "Erreur interne du serveur.");
        goto out;
    }
    if (self && !admin) {
        json_t *cur = json_object_get(in, "current_password");
        store_user withhash;
        if (!json_is_string(cur)) {
            http_fail(cx->resp, HE_MISSING_FIELD, "current_password", "Le mot de passe actuel est obligatoire.");
            goto out;
        }
        if (store_user_by_login(cx->conn, target.login, &withhash) != STORE_OK ||
            !auth_verify_password(json_string_value(cur), withhash.password_hash)) {
            http_fail(cx->resp, HE_FORBIDDEN, "current_password", "Le mot de passe actuel est incorrect.");
            goto out;
        }
    }
    if (auth_hash_password(json_string_value(json_object_get(in, "password")), hash, sizeof hash) != 0) {
        http_fail(cx->resp, HE_INTERNAL, NULL, "Erreur interne du serveur.");
        goto out;
    }
    s = store_begin(cx->conn);
    if (s == STORE_OK) s = store_user_set_password(cx->conn, cx->id, hash);
    /* A new password ends the account's other sessions (a stolen session dies with the old
     * password); the session making the change stays open. */
    int64_t ended = 0;
    if (s == STORE_OK)
        s = store_session_delete_user(cx->conn, cx->id, self && cx->user.session_hash[0] ? cx->user.session_hash : NULL,
                                      &ended);
    char detail[64];
    snprintf(detail, sizeof detail, "%lld session(s) fermée(s)", (long long)ended);
    if (s == STORE_OK) s = audit_user(cx, "password_change", cx->id, detail);
    if (s == STORE_OK)
        s = store_commit(cx->conn);
    else
        store_rollback(cx->conn);
    if (s != STORE_OK) {
        http_fail_store(cx->resp, s, NULL);
    } else {
        http_session_cache_forget_user(cx->app->sessions, cx->id);
        http_set_json(cx->resp, 204, NULL);
    }
out:
    explicit_bzero(hash, sizeof hash);
    json_decref(in);
}
