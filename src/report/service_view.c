/* Reporting service: the Report object of the API, summaries, stored documents and preview. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/timeutil.h"
#include "report/service_internal.h"

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static const char *const rniv_codes[] = {"provisoire", "recuperee", "validee", "qualifiee"};

static json_t *patient_json(int64_t id, const rstore_procedure *p)
{
    const ins_traits *t = &p->identity.traits;
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "ipp", p->ipp, "birth_name",
                     t->birth_name, "used_name", str_or_null(t->used_name), "first_given_name", t->first_given_name,
                     "birth_date", t->birth_date, "sex", t->sex, "ins_status",
                     rniv_codes[(unsigned)p->identity.status < 4 ? p->identity.status : 0]);
}

static json_t *template_json(const rstore_report *r)
{
    rtpl_template t;
    char err[256];
    if (report_template_from_json(r->template_json, &t, err, sizeof err) != 0) return json_null();
    json_t *secs = json_array();
    for (int k = 0; k < RTPL_SEC_COUNT; k++)
        if (t.sections[k].used)
            json_array_append_new(secs, json_pack("{s:s, s:s, s:b}", "key", rtpl_section_key((rtpl_section_kind)k),
                                                  "title", t.sections[k].title, "required", t.sections[k].required));
    return json_pack("{s:o, s:s, s:s, s:s, s:s, s:o}", "id", r->template_id ? json_integer(r->template_id) : json_null(),
                     "code", t.code, "label", t.label, "modality", t.modality, "exposure", rtpl_exposure_name(t.exposure),
                     "sections", secs);
}

/* The jobs the latest "report-hl7" job of the report fanned out (empty array when none). */
static store_status hl7_destinations(store_conn_t *c, const json_t *jobs, json_t **out)
{
    size_t i;
    const json_t *j;
    json_array_foreach(jobs, i, j) {
        const char *ch = json_string_value(json_object_get(j, "channel"));
        if (ch && strcmp(ch, "hl7") == 0)
            return rstore_share_destinations(c, json_integer_value(json_object_get(j, "job_id")), out);
    }
    *out = json_array();
    return STORE_OK;
}

rsv_result rsv_view(store_conn_t *c, int64_t report_id, json_t **out, int64_t *patient_id)
{
    *out = NULL;
    rstore_report r;
    store_status s = rstore_report_get(c, report_id, &r);
    if (s != STORE_OK) return rsv_store_fail(s, "Compte rendu inconnu.");
    *patient_id = r.patient_id;
    rstore_procedure p;
    json_t *history = NULL, *docs = NULL, *jobs = NULL, *dests = NULL;
    s = rstore_procedure_get(c, r.procedure_id, &p);
    if (s == STORE_OK) s = rstore_events_list(c, r.id, &history);
    if (s == STORE_OK) s = rstore_documents_list(c, r.id, &docs);
    if (s == STORE_OK) s = rstore_shares_list(c, r.id, &jobs);
    if (s == STORE_OK) s = hl7_destinations(c, jobs, &dests);
    if (s != STORE_OK) {
        json_decref(history), json_decref(docs), json_decref(jobs), json_decref(dests);
        rstore_report_clear(&r);
        return rsv_store_fail(s, "Examen du compte rendu introuvable.");
    }
    json_error_t je;
    json_t *sections = json_loads(r.sections_json, 0, &je);
    json_t *exposure = r.exposure_json ? json_loads(r.exposure_json, 0, &je) : NULL;
    json_t *reviewers = json_array();
    for (size_t i = 0; i < r.state.n_reviewers; i++) json_array_append_new(reviewers, json_string(r.state.reviewers[i]));
    json_t *validator = json_null();
    if (r.state.validator[0]) {
        store_user u;
        const char *name = r.state.validator;
        if (store_user_by_login(c, r.state.validator, &u) == STORE_OK) name = u.display_name;
        json_decref(validator);
        validator = json_pack("{s:s, s:s, s:o}", "login", r.state.validator, "name", name, "rpps",
                              str_or_null(r.state.validator_rpps));
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r.id));
    json_object_set_new(o, "procedure_id", json_integer(r.procedure_id));
    json_object_set_new(o, "accession_number", json_string(p.accession_number));
    json_object_set_new(o, "exam_label", json_string(p.exam_label));
    json_object_set_new(o, "modality", json_string(p.modality));
    json_object_set_new(o, "patient", patient_json(r.patient_id, &p));
    json_object_set_new(o, "template", template_json(&r));
    json_object_set_new(o, "sections", sections ? sections : json_object());
    json_object_set_new(o, "addendum", str_or_null(r.addendum));
    json_object_set_new(o, "exposure", exposure ? exposure : json_null());
    json_object_set_new(o, "flags", rsv_flags_json(r.state.flags));
    json_object_set_new(o, "status", json_string(rpt_status_name(r.state.status)));
    json_object_set_new(o, "status_label", json_string(rpt_status_label_fr(r.state.status)));
    json_object_set_new(o, "version", json_integer(r.state.version));
    json_object_set_new(o, "revision", json_integer(r.revision));
    json_object_set_new(o, "set_id", json_string(r.state.set_id));
    json_object_set_new(o, "document_id", str_or_null(r.state.document_id));
    json_object_set_new(o, "author", json_string(r.state.author));
    json_object_set_new(o, "validated_at", str_or_null(r.state.validated_at));
    json_object_set_new(o, "validator", validator);
    json_object_set_new(o, "reviewers", reviewers);
    json_object_set_new(o, "announcement_recorded", json_boolean(r.state.announcement_recorded));
    json_object_set_new(o, "created_at", json_string(r.created_at));
    json_object_set_new(o, "updated_at", json_string(r.updated_at));
    json_object_set_new(o, "history", history);
    json_object_set_new(o, "documents", docs);
    json_object_set_new(o, "shares", rsv_shares_json(jobs, dests));
    json_decref(jobs);
    json_decref(dests);
    rstore_report_clear(&r);
    *out = o;
    return rsv_res(RSV_OK, NULL, "%s", "");
}

void rsv_decorate_summaries(json_t *items)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        rpt_status st;
        const char *name = json_string_value(json_object_get(it, "status"));
        json_object_set_new(it, "status_label",
                            name && rpt_status_parse(name, &st) ? json_string(rpt_status_label_fr(st)) : json_null());
        if (json_object_get(it, "flags")) {
            unsigned f = (unsigned)json_integer_value(json_object_get(it, "flags"));
            json_object_set_new(it, "announcement_pending", json_boolean(f & RPT_FLAG_ANNOUNCEMENT_PENDING));
            json_object_del(it, "flags");
        }
    }
}

static unsigned char *unbase64(const char *b, size_t *len)
{
    size_t bl = strlen(b);
    if (bl % 4 != 0 || bl > (size_t)1 << 30) return NULL;
    unsigned char *out = malloc(bl / 4 * 3 + 1);
    if (!out) return NULL;
    int n = EVP_DecodeBlock(out, (const unsigned char *)b, (int)bl);
    if (n < 0) {
        free(out);
        return NULL;
    }
    while (bl && b[bl - 1] == '=' && n > 0) { /* EVP_DecodeBlock counts the padding */
        bl--;
        n--;
    }
    *len = (size_t)n;
    return out;
}

rsv_result rsv_document(store_conn_t *c, int64_t report_id, const char *kind, int version, unsigned char **data,
                        size_t *len, char *mime, size_t mime_len, char *file_name, size_t name_len, int64_t *patient_id)
{
    *data = NULL;
    *len = 0;
    rstore_report r;
    store_status s = rstore_report_get(c, report_id, &r);
    if (s != STORE_OK) return rsv_store_fail(s, "Compte rendu inconnu.");
    *patient_id = r.patient_id;
    char set_id[RPT_ID_MAX];
    snprintf(set_id, sizeof set_id, "%s", r.state.set_id);
    bool validated_once = r.state.version > 0;
    rstore_report_clear(&r);
    if (!validated_once)
        return rsv_res(RSV_NOT_FOUND, NULL, "%s",
                       "Aucun document : le compte rendu n'a pas encore été validé (utilisez l'aperçu).");
    char *content, *enc, *m, *name;
    int64_t id;
    int got;
    s = rstore_document_get(c, report_id, kind, version, &id, &got, &content, &enc, &m, &name);
    if (s == STORE_NOT_FOUND)
        return rsv_res(RSV_NOT_FOUND, NULL, "Aucun document de cette version (%d) pour ce compte rendu.", version);
    if (s != STORE_OK) return rsv_store_fail(s, "");
    rsv_result res = rsv_res(RSV_OK, NULL, "%s", "");
    if (strcmp(enc, "base64") == 0) {
        *data = unbase64(content, len);
        if (!*data) res = rsv_res(RSV_ERROR, NULL, "%s", "Document enregistré illisible.");
        free(content);
    } else {
        *data = (unsigned char *)content;
        *len = strlen(content);
    }
    snprintf(mime, mime_len, "%s", m);
    if (name) snprintf(file_name, name_len, "%s", name);
    else snprintf(file_name, name_len, "CR-IMAGERIE_%s_V%d_%s.xml", set_id, got, strcmp(kind, "CDA-N1") == 0 ? "N1" : "N3");
    free(enc), free(m), free(name);
    return res;
}

rsv_result rsv_preview(store_conn_t *c, const report_service_config *cfg, int64_t report_id, unsigned char **pdf,
                       size_t *len, int64_t *patient_id)
{
    *pdf = NULL;
    *len = 0;
    rstore_report r;
    store_status s = rstore_report_get(c, report_id, &r);
    if (s != STORE_OK) return rsv_store_fail(s, "Compte rendu inconnu.");
    *patient_id = r.patient_id;
    rsv_render_ctx *x = malloc(sizeof *x);
    if (!x) {
        rstore_report_clear(&r);
        return rsv_res(RSV_ERROR, NULL, "%s", "Mémoire insuffisante.");
    }
    rsv_actor val = {0};
    store_user u;
    const char *vlogin = r.state.validator[0] ? r.state.validator : r.state.author;
    if (store_user_by_login(c, vlogin, &u) == STORE_OK) val = (rsv_actor){u.id, u.login, u.display_name, u.rpps, true, NULL};
    rsv_result res = rsv_render_prepare(c, cfg, &r, &r.state, val.login ? &val : NULL, x);
    char at[RPT_TIME_MAX], notice[160], err[512];
    rsv_now_local(at, sizeof at);
    snprintf(notice, sizeof notice, "Document non validé — %s",
             rpt_is_validated(r.state.status) || r.state.status == RPT_WITHDRAWN ? "aperçu"
                                                                                  : rpt_status_label_fr(r.state.status));
    if (res.status == RSV_OK) {
        x->in.title = "Compte rendu d'imagerie médicale — DOCUMENT NON VALIDÉ";
        if (report_render_preview(&x->in, at, notice, pdf, len, err, sizeof err) != 0)
            res = rsv_res(RSV_INVALID, NULL, "%s", err);
    }
    rsv_render_free(x);
    free(x);
    rstore_report_clear(&r);
    return res;
}
