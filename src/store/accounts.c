/* Local users and their sessions (stored by token hash, never by token). */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "store/store_internal.h"

static store_status user_from_row(store_conn_t *c, const db_rows *r, store_user *out, bool with_hash)
{
    memset(out, 0, sizeof *out);
    if (!db_parse_i64(db_cell(r, 0, 0), &out->id)) return db_fail(c, STORE_ERROR, "bad user id");
    snprintf(out->login, sizeof out->login, "%s", db_cell(r, 0, 1) ? db_cell(r, 0, 1) : "");
    snprintf(out->display_name, sizeof out->display_name, "%s", db_cell(r, 0, 2) ? db_cell(r, 0, 2) : "");
    snprintf(out->rpps, sizeof out->rpps, "%s", db_cell(r, 0, 3) ? db_cell(r, 0, 3) : "");
    unsigned roles = 0;
    if (db_cell(r, 0, 4)) (void)db_roles_parse(db_cell(r, 0, 4), &roles);
    out->roles = roles;
    out->active = db_cell(r, 0, 5) && strcmp(db_cell(r, 0, 5), "0") != 0;
    if (with_hash && db_cell(r, 0, 6)) snprintf(out->password_hash, sizeof out->password_hash, "%s", db_cell(r, 0, 6));
    return STORE_OK;
}

store_status store_user_create(store_conn_t *c, const store_user *u, int64_t *id)
{
    if (!u->login[0] || !u->display_name[0]) return db_fail(c, STORE_INVALID, "login and display name are required");
    if (!u->roles || (u->roles & ~(unsigned)ROLE_ALL)) return db_fail(c, STORE_INVALID, "invalid roles");
    char roles[96], now[32], lkey[160], dkey[400];
    db_roles_format(u->roles, roles, sizeof roles);
    time_format_utc(time_now_unix(), now, sizeof now);
    if (!store_search_key(u->login, lkey, sizeof lkey) || !store_search_key(u->display_name, dkey, sizeof dkey))
        return db_fail(c, STORE_INVALID, "login or display name is not valid UTF-8");
    db_param p[] = {
        db_text(u->login), db_text(lkey), db_text(u->display_name), db_text(dkey),
        db_text(u->rpps[0] ? u->rpps : NULL), db_text(roles),
        db_text(u->password_hash[0] ? u->password_hash : NULL), db_int(u->active ? 1 : 0), db_text(now),
    };
    db_rows r;
    store_status s = db_exec(c,
                             "INSERT INTO app_user (login, login_key, display_name, display_name_key, rpps, roles, "
                             "password_hash, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                             p, 9, &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows != 1 || !db_parse_i64(db_cell(&r, 0, 0), id)) s = db_fail(c, STORE_ERROR, "insert returned no id");
    db_rows_free(&r);
    return s;
}

#define USER_COLS "id, login, display_name, rpps, roles, active, password_hash"

store_status store_user_by_login(store_conn_t *c, const char *login, store_user *out)
{
    db_param p[] = {db_text(login)};
    db_rows r;
    store_status s = db_exec(c, "SELECT " USER_COLS " FROM app_user WHERE login = ?", p, 1, &r, NULL);
    if (s != STORE_OK) return s;
    s = r.nrows ? user_from_row(c, &r, out, true) : db_fail(c, STORE_NOT_FOUND, "no such user");
    db_rows_free(&r);
    return s;
}

store_status store_user_by_id(store_conn_t *c, int64_t id, store_user *out)
{
    db_param p[] = {db_int(id)};
    db_rows r;
    store_status s = db_exec(c, "SELECT " USER_COLS " FROM app_user WHERE id = ?", p, 1, &r, NULL);
    if (s != STORE_OK) return s;
    s = r.nrows ? user_from_row(c, &r, out, false) : db_fail(c, STORE_NOT_FOUND, "no such user");
    db_rows_free(&r);
    return s;
}

store_status store_user_set_password(store_conn_t *c, int64_t id, const char *password_hash)
{
    if (!password_hash || !*password_hash || strlen(password_hash) >= sizeof((store_user *)0)->password_hash)
        return db_fail(c, STORE_INVALID, "invalid password hash");
    char now[32];
    time_format_utc(time_now_unix(), now, sizeof now);
    db_param p[] = {db_text(password_hash), db_text(now), db_int(id)};
    int64_t changes = 0;
    store_status s =
        db_exec(c, "UPDATE app_user SET password_hash = ?, updated_at = ? WHERE id = ?", p, 3, NULL, &changes);
    if (s == STORE_OK && changes == 0) s = db_fail(c, STORE_NOT_FOUND, "no such user");
    return s;
}

store_status store_session_create(store_conn_t *c, const char *token_hash, int64_t user_id, const char *csrf_token,
                                  int64_t expires_at, const char *client_addr)
{
    if (!token_hash || !*token_hash || !csrf_token || !*csrf_token)
        return db_fail(c, STORE_INVALID, "token hash and CSRF token are required");
    int64_t now = time_now_unix();
    /* Housekeeping: expired sessions are useless; drop them as new ones arrive. */
    db_param e[] = {db_int(now)};
    store_status s = db_exec(c, "DELETE FROM user_session WHERE expires_at <= ?", e, 1, NULL, NULL);
    if (s != STORE_OK) return s;
    db_param p[] = {db_text(token_hash), db_int(user_id), db_text(csrf_token), db_int(now), db_int(expires_at),
                    db_text(client_addr)};
    return db_exec(c,
                   "INSERT INTO user_session (token_hash, user_id, csrf_token, created_at, expires_at, client_addr) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   p, 6, NULL, NULL);
}

store_status store_session_lookup(store_conn_t *c, const char *token_hash, int64_t now, int64_t *user_id,
                                  char *csrf_out, size_t csrf_len)
{
    db_param p[] = {db_text(token_hash), db_int(now)};
    db_rows r;
    store_status s = db_exec(c,
                             "SELECT s.user_id, s.csrf_token FROM user_session s JOIN app_user u ON u.id = s.user_id "
                             "WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1",
                             p, 2, &r, NULL);
    if (s != STORE_OK) return s;
    if (r.nrows == 0) {
        db_rows_free(&r);
        return db_fail(c, STORE_NOT_FOUND, "no such session (unknown, expired or user inactive)");
    }
    if (!db_parse_i64(db_cell(&r, 0, 0), user_id)) s = db_fail(c, STORE_ERROR, "bad session row");
    if (csrf_out && csrf_len) snprintf(csrf_out, csrf_len, "%s", db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "");
    db_rows_free(&r);
    return s;
}

store_status store_session_delete(store_conn_t *c, const char *token_hash)
{
    db_param p[] = {db_text(token_hash)};
    int64_t changes = 0;
    store_status s = db_exec(c, "DELETE FROM user_session WHERE token_hash = ?", p, 1, NULL, &changes);
    if (s == STORE_OK && changes == 0) s = db_fail(c, STORE_NOT_FOUND, "no such session");
    return s;
}

store_status store_session_delete_user(store_conn_t *c, int64_t user_id, const char *keep_token_hash,
                                       int64_t *deleted)
{
    int64_t changes = 0;
    store_status s;
    if (keep_token_hash) {
        db_param p[] = {db_int(user_id), db_text(keep_token_hash)};
        s = db_exec(c, "DELETE FROM user_session WHERE user_id = ? AND token_hash <> ?", p, 2, NULL, &changes);
    } else {
        db_param p[] = {db_int(user_id)};
        s = db_exec(c, "DELETE FROM user_session WHERE user_id = ?", p, 1, NULL, &changes);
    }
    if (deleted) *deleted = s == STORE_OK ? changes : 0;
    return s;
}
