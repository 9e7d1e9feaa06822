/* The reporting service's mapping of stored data (report row, procedure, template, users) to
 * report_input, and small shared helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timeutil.h"
#include "report/service_internal.h"

rsv_result rsv_res(rsv_status st, const char *field, const char *fmt, ...)
{
    rsv_result r;
    memset(&r, 0, sizeof r);
    r.status = st;
    if (field) snprintf(r.field, sizeof r.field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.message, sizeof r.message, fmt, ap);
    va_end(ap);
    return r;
}

rsv_result rsv_store_fail(store_status s, const char *what)
{
    switch (s) {
    case STORE_OK: return rsv_res(RSV_OK, NULL, "%s", "");
    case STORE_NOT_FOUND: return rsv_res(RSV_NOT_FOUND, NULL, "%s", what);
    case STORE_CONFLICT:
        return rsv_res(RSV_STALE, NULL, "%s",
                       "Le compte rendu a été modifié entre-temps ou existe déjà : rechargez-le puis recommencez.");
    case STORE_BUSY: return rsv_res(RSV_UNAVAILABLE, NULL, "%s", "Base de données occupée : réessayez dans un instant.");
    case STORE_INVALID: return rsv_res(RSV_INVALID, NULL, "%s", "Données enregistrées invalides pour ce compte rendu.");
    default: return rsv_res(RSV_ERROR, NULL, "%s", "Erreur interne de la base de données.");
    }
}

void rsv_person_from_name(const char *display, char *buf, size_t n, cda_person *p)
{
    memset(p, 0, sizeof *p);
    snprintf(buf, n, "%s", display ? display : "");
    char *s = buf;
    while (*s == ' ') s++;
    if ((strncmp(s, "Dr ", 3) == 0 || strncmp(s, "Dr. ", 4) == 0)) {
        p->suffix = "DR";
        s += s[2] == '.' ? 4 : 3;
    }
    char *last = strrchr(s, ' ');
    if (last && last[1]) {
        *last = '\0';
        p->given = s;
        p->family = last + 1;
    } else {
        p->family = s;
    }
}

/* strftime %z gives +0100: the CDA and the PDF want +01:00. */
static void iso_local(time_t t, char *out, size_t n)
{
    struct tm tm;
    localtime_r(&t, &tm);
    char z[8];
    strftime(z, sizeof z, "%z", &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s%.3s:%.2s", base, z, z + 3);
}

void rsv_now_local(char *out, size_t n)
{
    iso_local((time_t)time_now_unix(), out, n);
}

int rsv_local_from_iso(const char *iso, char *out, size_t n)
{
    int64_t t;
    if (!iso || time_parse_datetime(iso, &t) != 0) return -1;
    iso_local((time_t)t, out, n);
    return 0;
}

store_status rsv_audit(store_conn_t *c, const rsv_actor *who, const char *action, int64_t report_id,
                       int64_t patient_id, const char *detail)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)report_id);
    store_audit_event ev = {who->user_id, action, "reports", id, patient_id, who->client_addr, "success", detail};
    return store_audit_insert(c, &ev);
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : NULL;
}

int rsv_exposure_apply(const json_t *e, cda_exam *exam, char *err, size_t errlen)
{
    if (!e || json_is_null(e)) return 0;
    if (!json_is_object(e)) {
        snprintf(err, errlen, "%s", "Exposition aux rayonnements : un objet est attendu.");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)e, key, v) {
        if (strcmp(key, "pregnancy") != 0 && strcmp(key, "doses") != 0) {
            snprintf(err, errlen, "Exposition aux rayonnements : champ inconnu « %.40s ».", key);
            return -1;
        }
    }
    const char *preg = jstr(e, "pregnancy");
    exam->pregnancy = CDA_PREGNANCY_UNKNOWN;
    if (preg && strcmp(preg, "non") == 0) exam->pregnancy = CDA_PREGNANCY_NO;
    else if (preg && strcmp(preg, "oui") == 0) exam->pregnancy = CDA_PREGNANCY_YES;
    else if (preg && strcmp(preg, "inconnu") != 0) {
        snprintf(err, errlen, "%s", "Exposition aux rayonnements : grossesse « oui », « non » ou « inconnu » attendu.");
        return -1;
    }
    json_t *doses = json_object_get(e, "doses");
    if (doses && !json_is_array(doses)) {
        snprintf(err, errlen, "%s", "Exposition aux rayonnements : « doses » doit être une liste.");
        return -1;
    }
    if (json_array_size(doses) > CDA_MAX_DOSES) {
        snprintf(err, errlen, "Exposition aux rayonnements : %d doses au plus.", CDA_MAX_DOSES);
        return -1;
    }
    exam->ndoses = 0;
    for (size_t i = 0; i < json_array_size(doses); i++) {
        json_t *d = json_array_get(doses, i);
        const char *code = jstr(d, "code"), *display = jstr(d, "display"), *unit = jstr(d, "unit");
        json_t *value = json_object_get(d, "value");
        if (!code || !display || !unit || !json_is_number(value) || json_number_value(value) < 0) {
            snprintf(err, errlen,
                     "Exposition aux rayonnements : la dose n° %zu doit avoir code, display, unit et une valeur positive.",
                     i + 1);
            return -1;
        }
        exam->doses[exam->ndoses++] = (cda_dose){{code, display}, json_number_value(value), unit};
    }
    exam->has_exposure = exam->ndoses > 0;
    return 0;
}

void rsv_render_free(rsv_render_ctx *x)
{
    if (!x) return;
    json_decref(x->sections);
    json_decref(x->exposure);
    memset(x, 0, sizeof *x);
}

static const char *opt(const char *s)
{
    return s && *s ? s : NULL;
}

rsv_result rsv_render_prepare(store_conn_t *c, const report_service_config *cfg, const rstore_report *r,
                              const rpt_state *state, const rsv_actor *validator, rsv_render_ctx *x)
{
    memset(x, 0, sizeof *x);
    store_status s = rstore_procedure_get(c, r->procedure_id, &x->proc);
    if (s != STORE_OK) return rsv_store_fail(s, "Examen du compte rendu introuvable.");
    char err[512] = "";
    if (report_template_from_json(r->template_json, &x->tpl, err, sizeof err) != 0)
        return rsv_res(RSV_ERROR, NULL, "Modèle du compte rendu illisible : %s", err);
    json_error_t je;
    x->sections = json_loads(r->sections_json, 0, &je);
    if (!json_is_object(x->sections)) return rsv_res(RSV_ERROR, NULL, "%s", "Sections du compte rendu illisibles.");
    if (r->exposure_json && !(x->exposure = json_loads(r->exposure_json, 0, &je)))
        return rsv_res(RSV_ERROR, NULL, "%s", "Exposition aux rayonnements illisible.");

    const rstore_procedure *p = &x->proc;
    /* patient */
    x->patient = (report_patient){&p->identity, &cfg->policy, p->ipp, cfg->ipp_oid, NULL, {0}, NULL};
    /* site */
    if (!p->site_name[0]) return rsv_res(RSV_CONFLICT, NULL, "%s", "Aucun site (en-tête, FINESS) n'est enregistré.");
    snprintf(x->street, sizeof x->street, "%s", p->site_address);
    if (p->site_phone[0]) {
        size_t k = 0;
        k += (size_t)snprintf(x->site_phone_uri, sizeof x->site_phone_uri, "tel:");
        for (const char *q = p->site_phone; *q && k + 1 < sizeof x->site_phone_uri; q++)
            if ((*q >= '0' && *q <= '9') || *q == '+') x->site_phone_uri[k++] = *q;
        x->site_phone_uri[k] = '\0';
    }
    x->site.org = (cda_org){opt(p->site_finess), NULL, p->site_name, opt(x->site_phone_uri),
                            {NULL, opt(x->street), opt(p->site_postal), opt(p->site_city), NULL},
                            {cfg->sector, cfg->sector_label}, {cfg->facility, cfg->facility_label}};
    x->site.phone = opt(p->site_phone);
    /* exam */
    cda_exam *e = &x->exam;
    if (!p->performed_start[0] || rsv_local_from_iso(p->performed_start, x->start, sizeof x->start) != 0)
        return rsv_res(RSV_CONFLICT, NULL, "%s", "Date de l'examen inconnue : aucune étape planifiée ou réalisée.");
    e->start = x->start;
    if (p->performed_end[0] && rsv_local_from_iso(p->performed_end, x->end, sizeof x->end) == 0) e->end = x->end;
    e->study_uid = p->study_instance_uid;
    e->accession = p->accession_number;
    e->accession_oid = cfg->accession_oid;
    if (p->placer_number[0]) e->order_id = (cda_ii){cfg->id_root, p->placer_number};
    /* The DICOM object catalog names one series and one instance: the first image the modality
     * reported in its MPPS. A modality that reports none leaves only the study known; the
     * references are then derived from it (docs/reporting.md). */
    /* A class outside the CI-SIS value set (JDV 1.2.250.1.213.1.1.5.689) would make the document
     * invalid, and another class must not be paired with the real instance: such an image is
     * not named. */
    bool known_class = !p->sop_class_uid[0] || cda_sop_class_display(p->sop_class_uid);
    if (p->series_uid[0] && p->sop_instance_uid[0] && known_class) {
        snprintf(x->series, sizeof x->series, "%s", p->series_uid);
        snprintf(x->sop, sizeof x->sop, "%s", p->sop_instance_uid);
        if (p->sop_class_uid[0]) e->sop_class_uid = p->sop_class_uid;
    } else {
        snprintf(x->series, sizeof x->series, "%s.1", p->study_instance_uid);
        snprintf(x->sop, sizeof x->sop, "%s.1.1", p->study_instance_uid);
        if (strlen(x->sop) > 64) {
            snprintf(x->series, sizeof x->series, "%s.4.%lld.1", cfg->id_root, (long long)r->id);
            snprintf(x->sop, sizeof x->sop, "%s.4.%lld.1.1", cfg->id_root, (long long)r->id);
        }
    }
    e->series_uid = x->series;
    e->sop_instance_uid = x->sop;
    e->modality = opt(p->modality);
    snprintf(x->ccam_label, sizeof x->ccam_label, "%s", p->exam_label);
    if (p->ccam_code[0]) e->ccam = (cda_cv){p->ccam_code, x->ccam_label};
    report_exam_from_template(&x->tpl, e);
    if (!e->loinc.code && p->loinc_code[0]) e->loinc = (cda_cv){p->loinc_code, x->ccam_label};
    if (rsv_exposure_apply(x->exposure, e, err, sizeof err) != 0) return rsv_res(RSV_INVALID, "exposure", "%s", err);
    /* people */
    cda_person author;
    if (store_user_by_login(c, state->author, &x->author) == STORE_OK) {
        rsv_person_from_name(x->author.display_name, x->author_buf, sizeof x->author_buf, &author);
        author.rpps = opt(x->author.rpps);
        author.profession = (cda_cv){"G15_10/SM44", "Médecin - Radio-diagnostic (SM)"};
        if (author.rpps) x->in.author = author;
    }
    if (validator) {
        rsv_person_from_name(validator->display_name, x->validator_buf, sizeof x->validator_buf, &x->in.validator);
        x->in.validator.rpps = opt(validator->rpps);
        x->in.validator.profession = (cda_cv){"G15_10/SM44", "Médecin - Radio-diagnostic (SM)"};
    }
    if (p->req_last[0]) {
        snprintf(x->requester_family, sizeof x->requester_family, "%s", p->req_last);
        snprintf(x->requester_given, sizeof x->requester_given, "%s", p->req_first);
        cda_person *q = &x->in.requester;
        q->rpps = opt(p->req_rpps);
        q->family = x->requester_family;
        q->given = opt(x->requester_given);
        q->suffix = "DR";
        q->mssante = opt(p->req_mssante);
        x->recipients[0] = (report_recipient){*q, q->mssante ? "MSSanté" : "Courrier", NULL};
        x->in.recipients = x->recipients;
        x->in.n_recipients = 1;
    }
    /* text */
    for (int k = 0; k < RTPL_SEC_COUNT; k++)
        x->in.text.text[k] = opt(json_string_value(json_object_get(x->sections, rtpl_section_key((rtpl_section_kind)k))));
    x->in.text.addendum = opt(r->addendum);
    x->pdf = (pdf_options){cfg->font_regular, cfg->font_bold, cfg->icc_profile};

    report_input *in = &x->in;
    in->state = state;
    in->id_root = cfg->id_root;
    in->patient = &x->patient;
    in->site = &x->site;
    in->exams = &x->exam;
    in->n_exams = 1;
    in->template = &x->tpl;
    in->rgpd_notice = cfg->rgpd_notice;
    in->pdf_options = &x->pdf;
    return rsv_res(RSV_OK, NULL, "%s", "");
}
