/* HL7 destinations API (admin): the MLLP peers receiving orders, patient updates and reports.
 * The destination defined by [hl7feed] pacs_* ("source": "config") is listed but read-only.
 * Every write is audited in the transaction of the change. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/h_hl7.h"
#include "store/hl7feed_store.h"

typedef enum { F_TEXT, F_PORT, F_BOOL, F_ENUM } field_kind;

typedef struct {
    const char *key, *label;
    field_kind kind;
    size_t offset, size;         /* member of hl7s_destination */
    const char *const *values;   /* F_ENUM */
    const char *values_text;
    bool required;               /* at creation */
    bool host;                   /* host-name characters only */
} dest_field;

static const char *const flavours[] = {"omi", "orm", NULL};
static const char *const charsets[] = {"UNICODE UTF-8", "8859/1", "8859/15", NULL};
static const char *const report_flavours[] = {"oru", "mdm", NULL};

#define TEXT(k, l, m, req, h) {k, l, F_TEXT, offsetof(hl7s_destination, m), sizeof(((hl7s_destination *)0)->m), NULL, NULL, req, h}
#define BOOL(k, l, m) {k, l, F_BOOL, offsetof(hl7s_destination, m), sizeof(bool), NULL, NULL, false, false}
#define ENUM(k, l, m, v, vt) {k, l, F_ENUM, offsetof(hl7s_destination, m), sizeof(((hl7s_destination *)0)->m), v, vt, false, false}

static const dest_field fields[] = {
    TEXT("name", "nom", name, true, false),
    TEXT("host", "hôte", host, true, true),
    {"port", "port", F_PORT, offsetof(hl7s_destination, port), sizeof(int), NULL, NULL, true, false},
    ENUM("flavour", "messages de demande", flavour, flavours, "omi, orm"),
    ENUM("charset", "jeu de caractères", charset, charsets, "UNICODE UTF-8, 8859/1, 8859/15"),
    TEXT("receiving_application", "application destinataire (MSH-5)", receiving_application, false, false),
    TEXT("receiving_facility", "établissement destinataire (MSH-6)", receiving_facility, false, false),
    BOOL("send_orders", "envoi des demandes", send_orders),
    BOOL("send_patients", "envoi des patients", send_patients),
    BOOL("send_reports", "envoi des comptes rendus", send_reports),
    ENUM("report_flavour", "messages de compte rendu", report_flavour, report_flavours, "oru, mdm"),
    BOOL("tls", "TLS", tls),
    BOOL("enabled", "active", enabled),
};
static const char *const readonly[] = {"id", "source", "created_at", "updated_at", NULL};

static bool text_ok(const char *s, bool host)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) return false;
        if (host && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                      *p == '-' || *p == '_' || *p == ':'))
            return false;
    }
    return true;
}

/* Applies one field of the request to d; -1 with the response set. */
static int apply(http_ctx *cx, const dest_field *f, json_t *v, hl7s_destination *d)
{
    char *dst = (char *)d + f->offset;
    switch (f->kind) {
    case F_TEXT: {
        size_t len = json_is_string(v) ? json_string_length(v) : 0;
        const char *s = json_string_value(v);
        size_t min = f->required ? 1 : 0;
        if (!json_is_string(v) || len < min || len >= f->size || strlen(s) != len || !text_ok(s, f->host)) {
            http_fail(cx->resp, json_is_string(v) ? HE_INVALID_VALUE : HE_INVALID_TYPE, f->key,
                      f->host ? "Le champ « %s » doit être un nom d'hôte ou une adresse IP (1 à %zu caractères)."
                              : "Le champ « %s » doit être un texte de %zu caractères au plus, sans caractère de contrôle.",
                      f->label, f->size - 1);
            return -1;
        }
        if (f->offset == offsetof(hl7s_destination, name) && strcasecmp(s, "pacs") == 0) {
            http_fail(cx->resp, HE_INVALID_VALUE, f->key,
                      "Le nom « pacs » est réservé à la destination définie par la configuration ([hl7feed] "
                      "pacs_address).");
            return -1;
        }
        snprintf(dst, f->size, "%s", s);
        return 0;
    }
    case F_PORT: {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535) {
            http_fail(cx->resp, json_is_integer(v) ? HE_INVALID_VALUE : HE_INVALID_TYPE, f->key,
                      "Le champ « port » doit être un entier entre 1 et 65535.");
            return -1;
        }
        int port = (int)json_integer_value(v);
        memcpy(dst, &port, sizeof port);
        return 0;
    }
    case F_BOOL: {
        if (!json_is_boolean(v)) {
            http_fail(cx->resp, HE_INVALID_TYPE, f->key, "Le champ « %s » doit valoir true ou false.", f->label);
            return -1;
        }
        bool b = json_is_true(v);
        memcpy(dst, &b, sizeof b);
        return 0;
    }
    case F_ENUM:
        for (const char *const *e = f->values; json_is_string(v) && *e; e++)
            if (strcmp(*e, json_string_value(v)) == 0) {
                snprintf(dst, f->size, "%s", *e);
                return 0;
            }
        http_fail(cx->resp, json_is_string(v) ? HE_INVALID_VALUE : HE_INVALID_TYPE, f->key,
                  "Le champ « %s » doit valoir %s.", f->label, f->values_text);
        return -1;
    }
    return -1;
}

/* Reads the request body into d (which holds the defaults or the current row). For an update,
 * read-only fields are accepted when they repeat the current value. -1 with the response set. */
static int read_body(http_ctx *cx, bool create, hl7s_destination *d)
{
    json_t *in = NULL;
    http_err e;
    if (http_parse_object(cx->req->body, cx->req->body_len, &in, &e) != 0) {
        http_set_error(cx->resp, &e);
        return -1;
    }
    json_t *current = create ? NULL : hl7s_destination_json(d);
    const char *key;
    json_t *v;
    int rc = 0;
    json_object_foreach(in, key, v) {
        const dest_field *f = NULL;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            if (strcmp(fields[i].key, key) == 0) f = &fields[i];
        if (f) {
            if ((rc = apply(cx, f, v, d)) != 0) break;
            continue;
        }
        bool ro = false;
        for (const char *const *r = readonly; *r; r++)
            if (strcmp(*r, key) == 0) ro = true;
        if (ro && current && json_equal(json_object_get(current, key), v)) continue;
        if (ro) http_fail(cx->resp, HE_READONLY_FIELD, key, "Le champ « %s » ne peut pas être modifié.", key);
        else
            http_fail(cx->resp, HE_UNKNOWN_FIELD, key, "Champ inconnu pour une destination HL7 : « %s ».", key);
        rc = -1;
        break;
    }
    for (size_t i = 0; rc == 0 && create && i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].required && !json_object_get(in, fields[i].key)) {
            http_fail(cx->resp, HE_MISSING_FIELD, fields[i].key, "Le champ « %s » est obligatoire.", fields[i].label);
            rc = -1;
        }
    json_decref(current);
    json_decref(in);
    return rc;
}

/* The row of {id}; false with a 404 when absent. */
static bool load(http_ctx *cx, hl7s_destination *d)
{
    store_status st = hl7s_destination_get(cx->conn, cx->id, d);
    if (st == STORE_NOT_FOUND) http_fail(cx->resp, HE_NOT_FOUND, NULL, "Destination HL7 introuvable.");
    else if (st != STORE_OK) http_fail_store(cx->resp, st, NULL);
    return st == STORE_OK;
}

static bool writable(http_ctx *cx, const hl7s_destination *d)
{
    if (strcmp(d->source, "config") != 0) return true;
    http_fail(cx->resp, HE_CONFLICT, NULL,
              "Cette destination est définie par la configuration ([hl7feed] pacs_address) : elle se modifie dans le "
              "fichier de configuration.");
    return false;
}

/* Runs the write and its audit event in one transaction, then answers. */
static void write_and_answer(http_ctx *cx, const char *action, hl7s_destination *d, int status)
{
    store_status st = store_begin(cx->conn);
    if (st == STORE_OK) {
        if (strcmp(action, "hl7_destination_create") == 0) st = hl7s_destination_insert(cx->conn, d, &d->id);
        else if (strcmp(action, "hl7_destination_update") == 0) st = hl7s_destination_update(cx->conn, d);
        else st = hl7s_destination_delete(cx->conn, d->id);
    }
    if (st == STORE_OK) st = http_audit(cx, action, "hl7_destination", d->id, 0, "success", d->name);
    if (st == STORE_OK && status != 204) st = hl7s_destination_get(cx->conn, d->id, d);
    if (st == STORE_OK) st = store_commit(cx->conn);
    else store_rollback(cx->conn);
    if (st == STORE_CONFLICT) {
        http_fail(cx->resp, HE_CONFLICT, "name", "Une destination HL7 nommée « %s » existe déjà.", d->name);
        return;
    }
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, NULL);
        return;
    }
    if (status == 204) {
        http_set_json(cx->resp, 204, NULL);
        return;
    }
    if (status == 201) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/hl7/destinations/%lld", (long long)d->id);
        http_add_header(cx->resp, "Location", loc);
    }
    http_set_json(cx->resp, status, hl7s_destination_json(d));
}

void h_hl7_dest_list(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "read")) return;
    hl7s_destination *all = NULL;
    size_t n = 0;
    store_status st = hl7s_destination_list(cx->conn, HL7S_ANY, false, &all, &n);
    if (st != STORE_OK) {
        http_fail_store(cx->resp, st, NULL);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(items, hl7s_destination_json(&all[i]));
    free(all);
    http_set_json(cx->resp, 200, json_pack("{s:o}", "items", items));
}

void h_hl7_dest_get(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "read")) return;
    hl7s_destination d;
    if (load(cx, &d)) http_set_json(cx->resp, 200, hl7s_destination_json(&d));
}

void h_hl7_dest_create(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "create")) return;
    hl7s_destination d = {
        .flavour = "omi", .charset = "UNICODE UTF-8", .report_flavour = "oru", .source = "api",
        .send_orders = true, .send_patients = true, .send_reports = false, .tls = false, .enabled = true,
    };
    if (read_body(cx, true, &d) != 0) return;
    write_and_answer(cx, "hl7_destination_create", &d, 201);
}

void h_hl7_dest_update(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "update")) return;
    hl7s_destination d;
    if (!load(cx, &d) || !writable(cx, &d) || read_body(cx, false, &d) != 0) return;
    write_and_answer(cx, "hl7_destination_update", &d, 200);
}

void h_hl7_dest_delete(http_ctx *cx)
{
    if (!http_require_roles(cx, ROLE_ADMIN, NULL, "delete")) return;
    hl7s_destination d;
    if (!load(cx, &d) || !writable(cx, &d)) return;
    write_and_answer(cx, "hl7_destination_delete", &d, 204);
}
