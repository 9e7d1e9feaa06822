/* docs/openapi.yaml is generated from the model descriptors and the route table, so that it can
 * never drift from the code. This program is both the generator and the test:
 *   test_http_openapi --write docs/openapi.yaml   regenerates the document
 *   test_http_openapi                            fails when the committed document is stale
 * The hand-written parts (auth, appointments, audit, users) are below; the generic resources
 * come from model_resources(). Every route of http_api_routes() must be documented. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/http_internal.h"

static buf_t out = BUF_INIT;

__attribute__((format(printf, 1, 2))) static void y(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&out, fmt, ap);
    va_end(ap);
    buf_putc(&out, '\n');
}

/* A YAML double-quoted scalar. */
static const char *q(const char *s)
{
    static char tmp[4][1024];
    static int k;
    char *o = tmp[k++ % 4];
    size_t n = 0;
    o[n++] = '"';
    for (; *s && n < sizeof tmp[0] - 4; s++) {
        if (*s == '"' || *s == '\\') o[n++] = '\\';
        o[n++] = *s;
    }
    o[n++] = '"';
    o[n] = '\0';
    return o;
}

/* Feature documentation, one file per feature (included: they use y(), q(), op(), ok()...). */
static void openapi_report_paths(void);
static void openapi_report_schemas(void);
static void openapi_hl7_paths(void);
static void openapi_hl7_schemas(void);

static void roles_text(unsigned roles, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned bit = 1; bit <= ROLE_ADMIN; bit <<= 1)
        if (roles & bit) used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", model_role_name(bit));
}

static void camel(const char *name, char *buf, size_t n)
{
    /* "patients" -> "Patients" (schema names) */
    snprintf(buf, n, "%s", name);
    if (buf[0] >= 'a' && buf[0] <= 'z') buf[0] = (char)(buf[0] - 'a' + 'A');
}

static void field_schema(const model_field *f, const char *indent, bool input)
{
    switch (f->type) {
    case FIELD_TEXT:
        y("%stype: string", indent);
        y("%smaxLength: %zu", indent, f->max_len ? f->max_len : 255);
        break;
    case FIELD_INT:
        y("%stype: integer", indent);
        y("%sformat: int64", indent);
        break;
    case FIELD_BOOL:
        y("%stype: boolean", indent);
        break;
    case FIELD_DATE:
        y("%stype: string", indent);
        y("%sformat: date", indent);
        break;
    case FIELD_DATETIME:
        y("%stype: string", indent);
        y("%sformat: date-time", indent);
        break;
    case FIELD_ENUM:
        y("%stype: string", indent);
        y("%senum:", indent);
        for (const char *const *e = f->enum_values; e && *e; e++) y("%s  - %s", indent, q(*e));
        break;
    case FIELD_REF:
        y("%stype: integer", indent);
        y("%sformat: int64", indent);
        y("%sminimum: 1", indent);
        break;
    }
    char desc[512];
    snprintf(desc, sizeof desc, "%s%s%s%s%s", f->label_fr, f->type == FIELD_REF ? " (id of " : "",
             f->type == FIELD_REF ? f->ref_resource : "", f->type == FIELD_REF ? ")" : "",
             (f->flags & FIELD_IMMUTABLE) ? "; set on creation only" : "");
    y("%sdescription: %s", indent, q(desc));
    if (!(f->flags & FIELD_REQUIRED)) y("%snullable: true", indent);
    if (!input && (f->flags & (FIELD_READONLY | FIELD_RULED))) y("%sreadOnly: true", indent);
}

static void resource_schemas(const model_resource *r)
{
    char name[64];
    camel(r->name, name, sizeof name);
    y("    %s:", name);
    y("      type: object");
    y("      description: %s", q(r->label_fr));
    y("      properties:");
    for (size_t i = 0; i < r->nfields; i++) {
        const model_field *f = &r->fields[i];
        if (f->flags & FIELD_SECRET) continue;
        y("        %s:", f->name);
        field_schema(f, "          ", false);
    }
    y("    %sInput:", name);
    y("      type: object");
    y("      additionalProperties: false");
    y("      description: %s", q("Writable fields; unknown or read-only fields are refused (422)."));
    bool any_required = false;
    for (size_t i = 0; i < r->nfields; i++)
        if ((r->fields[i].flags & FIELD_REQUIRED) && !(r->fields[i].flags & (FIELD_READONLY | FIELD_SECRET)))
            any_required = true;
    if (any_required) {
        y("      required:");
        for (size_t i = 0; i < r->nfields; i++)
            if ((r->fields[i].flags & FIELD_REQUIRED) && !(r->fields[i].flags & (FIELD_READONLY | FIELD_SECRET)))
                y("        - %s", r->fields[i].name);
    }
    y("      properties:");
    for (size_t i = 0; i < r->nfields; i++) {
        const model_field *f = &r->fields[i];
        if (f->flags & (FIELD_READONLY | FIELD_RULED | FIELD_SECRET)) continue;
        y("        %s:", f->name);
        field_schema(f, "          ", true);
    }
}

static void errors(const char *codes)
{
    /* codes: space-separated HTTP statuses */
    char copy[128];
    snprintf(copy, sizeof copy, "%s", codes);
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) y("        \"%s\": {$ref: \"#/components/responses/E%s\"}", t, t);
}

static void json_body(const char *ref, bool required)
{
    y("      requestBody:");
    y("        required: %s", required ? "true" : "false");
    y("        content:");
    y("          application/json:");
    y("            schema: {$ref: \"#/components/schemas/%s\"}", ref);
}

static void ok(const char *status, const char *desc, const char *ref)
{
    y("        \"%s\":", status);
    y("          description: %s", q(desc));
    if (ref) {
        y("          content:");
        y("            application/json:");
        y("              schema: {$ref: \"#/components/schemas/%s\"}", ref);
    }
}

static void op(const char *method, const char *summary, const char *tag, bool state_changing)
{
    y("    %s:", method);
    y("      summary: %s", q(summary));
    y("      tags: [%s]", tag);
    if (state_changing) y("      security: [{cookieAuth: [], csrfToken: []}]");
}

static void query_param(const char *name, const char *type, const char *format, const char *desc, bool required)
{
    y("        - name: %s", name);
    y("          in: query");
    y("          required: %s", required ? "true" : "false");
    y("          description: %s", q(desc));
    if (format)
        y("          schema: {type: %s, format: %s}", type, format);
    else
        y("          schema: {type: %s}", type);
}

static void resource_paths(const model_resource *r)
{
    char name[64], rr[128], wr[128], summary[256];
    camel(r->name, name, sizeof name);
    roles_text(r->read_roles, rr, sizeof rr);
    roles_text(r->write_roles, wr, sizeof wr);
    bool users = strcmp(r->name, "users") == 0;
    y("  /api/v1/%s:", r->name);
    snprintf(summary, sizeof summary, "List (%s) - roles: %s%s", r->label_fr, rr, r->patient_data ? "; audited" : "");
    op("get", summary, r->name, false);
    y("      parameters:");
    y("        - $ref: \"#/components/parameters/offset\"");
    y("        - $ref: \"#/components/parameters/limit\"");
    bool search = false;
    for (size_t i = 0; i < r->nfields; i++) {
        const model_field *f = &r->fields[i];
        if (f->flags & FIELD_SEARCH) search = true;
        if (!(f->flags & FIELD_FILTER) || (f->flags & FIELD_SECRET)) continue;
        char d[256];
        snprintf(d, sizeof d, "Exact filter on %s%s", f->label_fr,
                 f->type == FIELD_DATETIME ? " (a date YYYY-MM-DD: that day)" : "");
        query_param(f->name, f->type == FIELD_INT || f->type == FIELD_REF ? "integer" : f->type == FIELD_BOOL ? "boolean" : "string",
                    f->type == FIELD_DATE || f->type == FIELD_DATETIME ? "date" : NULL, d, false);
    }
    if (search) y("        - $ref: \"#/components/parameters/q\"");
    y("      responses:");
    y("        \"200\":");
    y("          description: %s", q("One page of rows and the total count"));
    y("          content:");
    y("            application/json:");
    y("              schema:");
    y("                allOf:");
    y("                  - $ref: \"#/components/schemas/Page\"");
    y("                  - type: object");
    y("                    properties:");
    y("                      items: {type: array, items: {$ref: \"#/components/schemas/%s\"}}", name);
    errors("400 401 403");
    if (users) {
        op("post", "Create a user account with a password (hashed with argon2id) - roles: admin", "users", true);
        json_body("UserCreate", true);
        y("      responses:");
        ok("201", "Created (Location header)", "User");
        errors("400 401 403 409 413 422");
    } else {
        snprintf(summary, sizeof summary, "Create (%s) - roles: %s", r->label_fr, wr);
        op("post", summary, r->name, true);
        char ref[80];
        snprintf(ref, sizeof ref, "%sInput", name);
        json_body(ref, true);
        y("      responses:");
        ok("201", "Created (Location header)", name);
        errors("400 401 403 409 413 422");
    }
    y("  /api/v1/%s/{id}:", r->name);
    y("    parameters:");
    y("      - $ref: \"#/components/parameters/id\"");
    snprintf(summary, sizeof summary, "Get one (%s) - roles: %s%s", r->label_fr, rr, r->patient_data ? "; audited" : "");
    op("get", summary, r->name, false);
    y("      responses:");
    ok("200", "The row", name);
    errors("401 403 404");
    snprintf(summary, sizeof summary, "Update some fields (%s) - roles: %s", r->label_fr, wr);
    op("patch", summary, r->name, true);
    y("      requestBody:");
    y("        required: true");
    y("        content:");
    y("          application/json:");
    y("            schema:");
    y("              $ref: \"#/components/schemas/%sInput\"", name);
    y("              description: %s", q("Any subset of the writable fields (required ones may not be null)"));
    y("      responses:");
    ok("200", "The updated row", name);
    errors("400 401 403 404 409 413 422");
    if (r->deletable) {
        snprintf(summary, sizeof summary, "Delete (%s) - roles: %s", r->label_fr, wr);
        op("delete", summary, r->name, true);
        y("      responses:");
        ok("204", "Deleted", NULL);
        errors("401 403 404 409");
    }
}

static void generate(void)
{
    size_t n;
    const model_resource *res = model_resources(&n);
    y("# GENERATED by tests/unit/http/test_openapi.c from the model descriptors and the route table.");
    y("# Regenerate: build/tests/unit/http/test_http_openapi --write docs/openapi.yaml (the test fails when stale).");
    y("openapi: 3.0.3");
    y("info:");
    y("  title: Couloir REST API");
    y("  version: \"1\"");
    y("  description: >-");
    y("    REST API of Couloir, a radiology information system. Conventions, the login/CSRF flow and");
    y("    the error catalogue are described in docs/api.md. Every response body is JSON");
    y("    (application/json; charset=utf-8); errors carry a stable code and a French message.");
    y("servers:");
    y("  - url: /");
    y("security:");
    y("  - cookieAuth: []");
    y("tags:");
    y("  - name: auth");
    y("  - name: appointments");
    y("  - name: audit");
    y("  - name: system");
    for (size_t i = 0; i < n; i++)
        if (strcmp(res[i].name, "appointments") != 0) y("  - name: %s", res[i].name);
    y("paths:");
    /* system */
    y("  /healthz:");
    y("    get:");
    y("      summary: %s", q("Liveness, store check and the HL7/DICOM listeners (no authentication)"));
    y("      description: %s", q("status describes the store; degraded is true when a configured listener is not running (e.g. its port could not be bound), with the reason under listeners."));
    y("      tags: [system]");
    y("      security: []");
    y("      responses:");
    ok("200", "The store answers", "Health");
    ok("503", "The store does not answer", "Health");
    /* auth */
    y("  /api/v1/auth/login:");
    y("    post:");
    y("      summary: %s", q("Log in: sets the couloir_session cookie (HttpOnly; SameSite=Strict; Path=/; Secure under TLS) and returns the CSRF token"));
    y("      tags: [auth]");
    y("      security: []");
    json_body("Credentials", true);
    y("      responses:");
    ok("200", "Logged in", "Session");
    errors("400 401 413 422 429");
    y("  /api/v1/auth/logout:");
    y("    post:");
    y("      summary: %s", q("Log out (deletes the session, clears the cookie)"));
    y("      tags: [auth]");
    y("      security: [{cookieAuth: [], csrfToken: []}]");
    y("      responses:");
    ok("204", "Logged out", NULL);
    errors("401 403");
    y("  /api/v1/auth/me:");
    y("    get:");
    y("      summary: %s", q("The current user and the session's CSRF token"));
    y("      tags: [auth]");
    y("      responses:");
    ok("200", "Current session", "Session");
    errors("401");
    /* users */
    y("  /api/v1/users/{id}/password:");
    y("    parameters:");
    y("      - $ref: \"#/components/parameters/id\"");
    op("put", "Set a password: admin for anyone; a user for themselves with current_password", "users", true);
    json_body("PasswordChange", true);
    y("      responses:");
    ok("204", "Password changed", NULL);
    errors("400 401 403 404 413 422");
    y("  /api/v1/users/{id}/roles:");
    y("    parameters:");
    y("      - $ref: \"#/components/parameters/id\"");
    op("put", "Replace the roles of a user - roles: admin", "users", true);
    json_body("RolesChange", true);
    y("      responses:");
    ok("200", "The updated user", "User");
    errors("400 401 403 404 409 413 422");
    /* audit */
    y("  /api/v1/audit:");
    y("    get:");
    y("      summary: %s", q("The audit trail, newest first - roles: admin"));
    y("      tags: [audit]");
    y("      parameters:");
    y("        - $ref: \"#/components/parameters/offset\"");
    y("        - $ref: \"#/components/parameters/limit\"");
    query_param("user_id", "integer", NULL, "Events of this user (0: anonymous/system)", false);
    query_param("action", "string", NULL, "read, list, create, update, delete, transition, login, login_failed, logout, ...", false);
    query_param("object_type", "string", NULL, "Resource name (patients, appointments, user, ...)", false);
    query_param("patient_id", "integer", NULL, "Events concerning this patient", false);
    query_param("from", "string", "date-time", "Events at or after (ISO 8601 with offset, or a date)", false);
    query_param("to", "string", "date-time", "Events before (ISO 8601 with offset, or a date)", false);
    y("      responses:");
    y("        \"200\":");
    y("          description: One page of audit events");
    y("          content:");
    y("            application/json:");
    y("              schema:");
    y("                allOf:");
    y("                  - $ref: \"#/components/schemas/Page\"");
    y("                  - type: object");
    y("                    properties:");
    y("                      items: {type: array, items: {$ref: \"#/components/schemas/AuditEvent\"}}");
    errors("400 401 403");
    /* appointments */
    y("  /api/v1/appointments/slots:");
    y("    get:");
    y("      summary: %s", q("Free slots for an exam: per room, modality or every room equipped for the exam's modality type, over a date range (opening hours from [site], step from [http] slot_step_minutes)"));
    y("      tags: [appointments]");
    y("      parameters:");
    query_param("room_id", "integer", NULL, "Only this room", false);
    query_param("modality_id", "integer", NULL, "Only the room of this modality", false);
    query_param("catalogue_id", "integer", NULL, "The exam (gives the duration and the modality type)", false);
    query_param("duration_minutes", "integer", NULL, "Duration when no catalogue_id (1-480)", false);
    query_param("from", "string", "date", "First day (local), default today", false);
    query_param("to", "string", "date", "Last day included (local), default from; at most 31 days", false);
    query_param("limit", "integer", NULL, "At most this many slots (1-1000, default 100)", false);
    y("      responses:");
    ok("200", "Free slots in chronological order per room", "SlotList");
    errors("400 401 403");
    y("  /api/v1/appointments/{id}/{action}:");
    y("    parameters:");
    y("      - $ref: \"#/components/parameters/id\"");
    y("      - name: action");
    y("        in: path");
    y("        required: true");
    y("        schema: {type: string, enum: [arrive, start, complete, discontinue, cancel, no-show]}");
    op("post", "Status transition decided by the domain's state machine (compare-and-set; audited)", "appointments", true);
    y("      description: %s", q("arrive, cancel, no-show: accueil; start, complete, discontinue: accueil, manipulateur, radiologue. No body."));
    y("      responses:");
    ok("200", "The appointment in its new status", "Appointments");
    errors("400 401 403 404 409");
    y("  /api/v1/agenda:");
    y("    get:");
    y("      summary: %s", q("Appointments of 1 to 7 days with patient and exam labels (audited)"));
    y("      tags: [appointments]");
    y("      parameters:");
    query_param("date", "string", "date", "First day (local), default today", false);
    query_param("days", "integer", NULL, "Number of days, 1-7 (default 1)", false);
    query_param("room_id", "integer", NULL, "Only this room", false);
    query_param("modality_id", "integer", NULL, "Only the room of this modality", false);
    y("      responses:");
    ok("200", "Agenda rows ordered by start time", "Agenda");
    errors("400 401 403");
    /* identity API (src/http/h_identity.c) */
    y("  /api/v1/identities/{id}/insi-search:");
    y("    parameters:");
    y("      - $ref: \"#/components/parameters/id\"");
    op("post", "Searches the INSi teleservice with the identity's traits (one call per birth given name, then the whole list); every call is traced and audited", "identities", true);
    y("      description: %s", q("Roles of [ins] insi_roles (RIS.INS.06). Empty body or {}. The INS of a 00 answer appears only for [ins] view_roles. 409 transition_refused when the identity may not be searched (douteuse/fictive, missing traits); 503 when INSi is not configured or unreachable."));
    y("      responses:");
    ok("200", "Outcome 00/01/02/FAULT/PROTOCOL, French message, the calls and, for 00, the returned identity with its trace_id", "InsiSearch");
    errors("400 401 403 404 409 422 503");
    y("  /api/v1/identities/{id}/insi-accept:");
    y("    parameters:");
    y("      - $ref: \"#/components/parameters/id\"");
    op("post", "Brings the identity returned by a traced 00 answer into the identity (status récupérée, or qualifiée when already validated)", "identities", true);
    y("      description: %s", q("Roles of [ins] insi_roles. Returns checked by RIS.INS.13-16: a refusal is 409 transition_refused whose error lists problems (requirement, trait, message). A trace is accepted once (409 conflict)."));
    json_body("InsiAccept", true);
    y("      responses:");
    ok("200", "The identity after the change, warnings and a French message", "IdentityChange");
    errors("400 401 403 404 409 422");
    y("  /api/v1/identities/{id}/proof:");
    y("    parameters:");
    y("      - $ref: \"#/components/parameters/id\"");
    op("post", "Records the identity document checked (RNIV rule 19); a high-trust one validates the identity (validate: true, or [ins] auto_validate): validée, or qualifiée when récupérée", "identities", true);
    y("      description: %s", q("Write roles of identities (accueil). proof_type: a code of [ins] proof_types."));
    json_body("IdentityProof", true);
    y("      responses:");
    ok("200", "The identity after the change, warnings and a French message", "IdentityChange");
    errors("400 401 403 404 409 422");
    y("  /api/v1/identities/{id}/history:");
    y("    parameters:");
    y("      - $ref: \"#/components/parameters/id\"");
    op("get", "Identity-vigilance history (status, traits, INS, attributes, documents) and documents checked (audited)", "identities", false);
    y("      description: %s", q("Read roles of identities; INS values are masked (masked: true) for roles outside [ins] view_roles."));
    y("      responses:");
    ok("200", "The identity, its events (oldest first) and its document checks", "IdentityHistory");
    errors("400 401 403 404");
    y("  /api/v1/identities/{id}/insi-traces:");
    y("    parameters:");
    y("      - $ref: \"#/components/parameters/id\"");
    op("get", "Trace of every INSi call made for the identity: who, when, operation, query, result code, duration (audited)", "identities", false);
    y("      description: %s", q("Roles of [ins] insi_roles; result is null for roles outside [ins] view_roles."));
    y("      responses:");
    ok("200", "Traces, oldest first", "InsiTraces");
    errors("400 401 403 404");
    y("  /api/v1/identities/proof-types:");
    op("get", "Identity documents accepted by this site ([ins] proof_types) and whether a high-trust one validates at once", "identities", false);
    y("      description: %s", q("Read roles of identities."));
    y("      responses:");
    ok("200", "Accepted documents", "ProofTypes");
    errors("400 401 403");
    openapi_report_paths();
    openapi_hl7_paths();
    for (size_t i = 0; i < n; i++) resource_paths(&res[i]);

    y("components:");
    y("  securitySchemes:");
    y("    cookieAuth: {type: apiKey, in: cookie, name: couloir_session}");
    y("    csrfToken: {type: apiKey, in: header, name: X-CSRF-Token, description: %s}",
      q("Required on every POST, PUT, PATCH and DELETE of a session (value returned by login and /auth/me)"));
    y("  parameters:");
    y("    id: {name: id, in: path, required: true, schema: {type: integer, format: int64, minimum: 1}}");
    y("    offset: {name: offset, in: query, required: false, schema: {type: integer, minimum: 0, default: 0}}");
    y("    limit: {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: %d, default: %d}}",
      HTTP_LIST_MAX_LIMIT, HTTP_LIST_DEFAULT_LIMIT);
    y("    q: {name: q, in: query, required: false, description: %s, schema: {type: string, minLength: 1, maxLength: 255}}",
      q("Prefix search, case and diacritics insensitive, on the searchable fields"));
    y("  responses:");
    for (int c = 0; c < HE_COUNT; c++) {
        int st = http_errcode_status((http_errcode)c);
        char key[8];
        snprintf(key, sizeof key, "E%d", st);
        /* one response per status, listing its codes */
        bool first = true;
        for (int d = 0; d < c; d++)
            if (http_errcode_status((http_errcode)d) == st) first = false;
        if (!first) continue;
        char codes[256] = "";
        size_t used = 0;
        for (int d = 0; d < HE_COUNT; d++)
            if (http_errcode_status((http_errcode)d) == st)
                used += (size_t)snprintf(codes + used, sizeof codes - used, "%s%s", used ? ", " : "",
                                         http_errcode_name((http_errcode)d));
        if (st == 422 || st == 400) {
            /* query-string validation errors use 400 with the 422 codes */
            used += (size_t)snprintf(codes + used, sizeof codes - used, "%s", st == 400 ? " (and the 422 codes for query parameters)" : "");
        }
        y("    %s:", key);
        y("      description: %s", q(codes));
        y("      content:");
        y("        application/json:");
        y("          schema: {$ref: \"#/components/schemas/Error\"}");
    }
    y("  schemas:");
    y("    Error:");
    y("      type: object");
    y("      required: [error]");
    y("      properties:");
    y("        error:");
    y("          type: object");
    y("          required: [code, message]");
    y("          properties:");
    y("            code:");
    y("              type: string");
    y("              enum:");
    for (int c = 0; c < HE_COUNT; c++) y("                - %s", http_errcode_name((http_errcode)c));
    y("            message: {type: string, description: %s}", q("French, for the user"));
    y("            field: {type: string, description: %s}", q("The offending field or query parameter, when there is one"));
    y("      example: {error: {code: invalid_value, message: %s, field: birth_date}}",
      q("Le champ « date de naissance » n'est pas une date valide (format AAAA-MM-JJ attendu)."));
    y("    Page:");
    y("      type: object");
    y("      properties:");
    y("        total: {type: integer, description: %s}", q("Rows matching the filters, ignoring offset and limit"));
    y("        offset: {type: integer}");
    y("        limit: {type: integer}");
    y("    Health:");
    y("      type: object");
    y("      properties:");
    y("        status: {type: string, enum: [ok, error]}");
    y("        store: {type: string, enum: [sqlite, postgresql]}");
    y("        schema_version: {type: integer}");
    y("        degraded: {type: boolean, description: %s}", q("A configured HL7 or DICOM listener is not running"));
    y("        listeners:");
    y("          type: object");
    y("          additionalProperties:");
    y("            type: object");
    y("            properties:");
    y("              state: {type: string, enum: [listening, degraded, disabled]}");
    y("              port: {type: integer}");
    y("              error: {type: string, description: %s}", q("Why the listener is not running (French)"));
    y("    Credentials:");
    y("      type: object");
    y("      additionalProperties: false");
    y("      required: [login, password]");
    y("      properties:");
    y("        login: {type: string, maxLength: 63}");
    y("        password: {type: string, maxLength: %d}", AUTH_PASSWORD_MAX);
    y("    User:");
    y("      type: object");
    y("      properties:");
    y("        id: {type: integer}");
    y("        login: {type: string}");
    y("        display_name: {type: string}");
    y("        rpps: {type: string, nullable: true}");
    y("        roles: {type: array, items: {type: string, enum: [accueil, manipulateur, radiologue, admin]}}");
    y("        active: {type: boolean}");
    y("    Session:");
    y("      type: object");
    y("      properties:");
    y("        user: {$ref: \"#/components/schemas/User\"}");
    y("        csrf_token: {type: string, description: %s}", q("64 hex characters; send it as X-CSRF-Token"));
    y("    UserCreate:");
    y("      type: object");
    y("      additionalProperties: false");
    y("      required: [login, roles, password]");
    y("      properties:");
    y("        login: {type: string, pattern: \"^[a-z0-9._-]{1,63}$\"}");
    y("        display_name: {type: string, maxLength: 127}");
    y("        rpps: {type: string, pattern: \"^[0-9]{11}$\", nullable: true}");
    y("        roles: {type: array, minItems: 1, items: {type: string, enum: [accueil, manipulateur, radiologue, admin]}}");
    y("        password: {type: string, minLength: %d, maxLength: %d}", AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
    y("        active: {type: boolean}");
    y("    PasswordChange:");
    y("      type: object");
    y("      additionalProperties: false");
    y("      required: [password]");
    y("      properties:");
    y("        password: {type: string, minLength: %d, maxLength: %d}", AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
    y("        current_password: {type: string, description: %s}", q("Required when changing one's own password without the admin role"));
    y("    RolesChange:");
    y("      type: object");
    y("      additionalProperties: false");
    y("      required: [roles]");
    y("      properties:");
    y("        roles: {type: array, minItems: 1, items: {type: string, enum: [accueil, manipulateur, radiologue, admin]}}");
    y("    AuditEvent:");
    y("      type: object");
    y("      description: %s", q("As stored by store_audit_insert: user, action, object, time, client address, outcome"));
    y("      additionalProperties: true");
    y("    Slot:");
    y("      type: object");
    y("      properties:");
    y("        room_id: {type: integer}");
    y("        start_at: {type: string, format: date-time}");
    y("        end_at: {type: string, format: date-time}");
    y("    SlotList:");
    y("      type: object");
    y("      properties:");
    y("        items: {type: array, items: {$ref: \"#/components/schemas/Slot\"}}");
    y("        duration_minutes: {type: integer}");
    y("        from: {type: string, format: date}");
    y("        to: {type: string, format: date}");
    y("    Agenda:");
    y("      type: object");
    y("      properties:");
    y("        items: {type: array, items: {type: object, additionalProperties: true}}");
    y("        date: {type: string, format: date}");
    y("        days: {type: integer}");
    y("    InsiSearch:");
    y("      type: object");
    y("      properties:");
    y("        outcome: {type: string, enum: [\"00\", \"01\", \"02\", FAULT, PROTOCOL]}");
    y("        message: {type: string, description: %s}", q("French"));
    y("        result: {type: object, nullable: true, additionalProperties: true, description: %s}",
      q("00 only: trace_id, birth_name, given_names, first_given_name, sex, birth_date, birth_place and, for view roles, ins_matricule, ins_oid, ins_kind"));
    y("        calls: {type: array, items: {type: object, properties: {trace_id: {type: integer}, operation: {type: string}, outcome: {type: string}, message: {type: string}, duration_ms: {type: integer}}}}");
    y("    InsiAccept:");
    y("      type: object");
    y("      required: [trace_id]");
    y("      additionalProperties: false");
    y("      properties:");
    y("        trace_id: {type: integer, minimum: 1, description: %s}", q("The trace of a 00 answer for this identity"));
    y("    IdentityProof:");
    y("      type: object");
    y("      required: [proof_type]");
    y("      additionalProperties: false");
    y("      properties:");
    y("        proof_type: {type: string, description: %s}", q("Code of [ins] proof_types, e.g. PASSEPORT, CNI"));
    y("        validate: {type: boolean, description: %s}", q("Validate the identity now (needs a high-trust document)"));
    y("    IdentityChange:");
    y("      type: object");
    y("      properties:");
    y("        identity: {type: object, additionalProperties: true, description: %s}",
      q("id, patient_id, status (PROV RECUP VALI QUAL), status_label, traits, attributes, proof_type, verified, from_insi and, for view roles, ins_matricule and ins_oid"));
    y("        warnings: {type: array, items: {type: object, properties: {requirement: {type: string}, message: {type: string}}}}");
    y("        message: {type: string}");
    y("    IdentityHistory:");
    y("      type: object");
    y("      properties:");
    y("        identity: {type: object, additionalProperties: true}");
    y("        events: {type: array, items: {type: object, properties: {id: {type: integer}, at: {type: string, format: date-time}, actor: {type: string}, user_id: {type: integer, nullable: true}, kind: {type: string, enum: [created, status, trait, ins, attribute, proof]}, field: {type: string}, old_value: {type: string, nullable: true}, new_value: {type: string, nullable: true}, reason: {type: string, nullable: true}, masked: {type: boolean}}}}");
    y("        proofs: {type: array, items: {type: object, properties: {id: {type: integer}, proof_type: {type: string}, high_trust: {type: boolean}, checked_at: {type: string, format: date-time}, user_id: {type: integer, nullable: true}, actor: {type: string}}}}");
    y("    ProofTypes:");
    y("      type: object");
    y("      properties:");
    y("        items: {type: array, items: {type: object, properties: {code: {type: string}, high_trust: {type: boolean}}}}");
    y("        auto_validate: {type: boolean, description: %s}", q("A high-trust document validates the identity without the validate flag"));
    y("    InsiTraces:");
    y("      type: object");
    y("      properties:");
    y("        items: {type: array, items: {type: object, properties: {id: {type: integer}, at: {type: string, format: date-time}, duration_ms: {type: integer}, who: {type: string}, user_id: {type: integer, nullable: true}, operation: {type: string}, message_id: {type: string, nullable: true}, query: {type: string, nullable: true}, http_status: {type: integer, nullable: true}, outcome: {type: string}, result: {type: string, nullable: true}, accepted_at: {type: string, nullable: true}}}}");
    openapi_report_schemas();
    openapi_hl7_schemas();
    for (size_t i = 0; i < n; i++) resource_schemas(&res[i]);
}

#include "openapi_reports.inc"
#include "openapi_hl7.inc"

/* Every route of the table appears as a path (placeholders {res} expanded). */
static int check_routes(const char *doc)
{
    size_t nr, nres;
    const http_route *rt = http_api_routes(&nr);
    const model_resource *res = model_resources(&nres);
    int bad = 0;
    for (size_t i = 0; i < nr; i++) {
        const char *p = rt[i].pattern;
        if (strstr(p, "{res}")) {
            for (size_t k = 0; k < nres; k++) {
                char path[256];
                const char *at = strstr(p, "{res}");
                snprintf(path, sizeof path, "  %.*s%s%s:\n", (int)(at - p), p, res[k].name, at + 5);
                if (!strstr(doc, path)) {
                    fprintf(stderr, "undocumented route: %s", path + 2);
                    bad = 1;
                }
            }
        } else {
            char path[256];
            snprintf(path, sizeof path, "  %s:\n", p);
            if (!strstr(doc, path)) {
                fprintf(stderr, "undocumented route: %s\n", p);
                bad = 1;
            }
        }
    }
    return bad;
}

int main(int argc, char **argv)
{
    generate();
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        FILE *f = fopen(argv[2], "w");
        if (!f || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0) {
            perror(argv[2]);
            return 1;
        }
        buf_free(&out);
        return 0;
    }
    int rc = check_routes(buf_cstr(&out));
    char path[4096];
    const char *src = getenv("COULOIR_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/docs/openapi.yaml", src ? src : COULOIR_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    buf_t doc = BUF_INIT;
    if (f) {
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&doc, chunk, n);
        fclose(f);
    }
    if (!f || doc.len != out.len || memcmp(doc.data, out.data, out.len) != 0) {
        fprintf(stderr, "%s is missing or stale: regenerate it with\n  %s --write %s\n", path, argv[0], path);
        rc = 1;
    } else {
        printf("docs/openapi.yaml is up to date (%zu bytes)\n", out.len);
    }
    buf_free(&doc);
    buf_free(&out);
    return rc;
}
