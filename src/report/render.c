/* report_render(): domain data -> pdf_report + cda_report -> PDF, CDA N1, CDA N3.
 * The INS outgoing rule is applied here, once, for the three documents. */
#include "report/report.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxslt/extensions.h>
#include <libxslt/xslt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

void report_init(void)
{
    xmlInitParser();
    /* libxslt makes its global state (extension registry and its mutex) lazily, without a
     * lock, at the first stylesheet (report_cda_html): make it here, before the threads. */
    xsltInitGlobals();
    xsltInit();
}

static int fail(char *err, size_t errlen, const char *fmt, const char *a)
{
    if (err && errlen) snprintf(err, errlen, fmt, a);
    return -1;
}

static const char *opt(const char *s)
{
    return s && *s ? s : NULL;
}

/* Strings the mapping builds; freed at the end of the call. */
typedef struct {
    buf_t indication, results, free_text, exam_label, requester, validator, site_addr;
    char (*recipient_names)[192];
    pdf_recipient *pdf_recipients;
    cda_person *cda_recipients;
} scratch;

static void scratch_free(scratch *s)
{
    buf_free(&s->indication);
    buf_free(&s->results);
    buf_free(&s->free_text);
    buf_free(&s->exam_label);
    buf_free(&s->requester);
    buf_free(&s->validator);
    buf_free(&s->site_addr);
    free(s->recipient_names);
    free(s->pdf_recipients);
    free(s->cda_recipients);
}

/* "Dr Jeanne Martin" for a doctor (suffix DR), "Jeanne Martin" otherwise. */
static int person_name(buf_t *b, const cda_person *p, bool with_title)
{
    buf_reset(b);
    int rc = 0;
    if (with_title && p->suffix && strcmp(p->suffix, "DR") == 0) rc |= buf_puts(b, "Dr ");
    if (opt(p->given)) rc |= buf_printf(b, "%s ", p->given);
    rc |= buf_puts(b, p->family ? p->family : "");
    return rc;
}

/* Section text, then an optional labelled addition as a new paragraph. */
static const char *join(buf_t *b, const char *main, const char *label, const char *extra, int *rc)
{
    if (!opt(extra)) return opt(main);
    buf_reset(b);
    if (opt(main)) *rc |= buf_printf(b, "%s\n", main);
    *rc |= buf_printf(b, "%s : %s", label, extra);
    return buf_cstr(b);
}

/* Holds something other than white space. */
static bool filled(const char *s)
{
    for (; s && *s; s++)
        if (!isspace((unsigned char)*s)) return true;
    return false;
}

static cda_sex cda_sex_of(const char *s)
{
    return strcmp(s, "F") == 0 ? CDA_SEX_F : strcmp(s, "M") == 0 ? CDA_SEX_M : CDA_SEX_UNKNOWN;
}

static int check_input(const report_input *in, char *err, size_t errlen)
{
    if (!in) return fail(err, errlen, "%s", "Compte rendu absent.");
    const rpt_state *st = in->state;
    if (!st) return fail(err, errlen, "%s", "Compte rendu : état du cycle de vie absent.");
    if (!rpt_is_validated(st->status))
        return fail(err, errlen, "Impossible de produire les documents : le compte rendu est %s, il doit être validé.",
                    rpt_status_label_fr(st->status));
    if (!opt(st->document_id) || !opt(st->set_id) || st->version < 1 || !opt(st->validated_at) ||
        !opt(st->validator_rpps))
        return fail(err, errlen, "%s",
                    "Impossible de produire les documents : identifiants, version ou validation absents de l'état du compte rendu.");
    if (st->version > 1 && !opt(st->replaces_id))
        return fail(err, errlen, "%s", "Impossible de produire la correction : le document remplacé (RPLC) est inconnu.");
    if (!opt(in->id_root)) return fail(err, errlen, "%s", "Racine OID des identifiants de documents (id_root) absente.");
    if (!in->patient || !in->patient->identity || !in->patient->policy)
        return fail(err, errlen, "%s", "Identité du patient ou politique INS absente.");
    if (!in->site) return fail(err, errlen, "%s", "Site (en-tête, FINESS) absent.");
    if (!in->exams || in->n_exams == 0) return fail(err, errlen, "%s", "Aucun examen dans le compte rendu.");
    if (!opt(in->exams[0].start) || strlen(in->exams[0].start) < 10)
        return fail(err, errlen, "%s", "Date de l'examen (exams[0].start) absente.");
    /* The CR-IMG body needs both (and the PDF shows them). */
    if (!filled(in->text.text[RTPL_SEC_TECHNIQUE]))
        return fail(err, errlen, "%s", "La section « Technique » est obligatoire dans un compte rendu validé.");
    if (!filled(in->text.text[RTPL_SEC_CONCLUSION]))
        return fail(err, errlen, "%s", "La section « Conclusion » est obligatoire dans un compte rendu validé.");
    if (in->n_recipients > CDA_MAX_RECIPIENTS) return fail(err, errlen, "%s", "Trop de destinataires (32 au plus).");
    if (in->n_recipients && !in->recipients) return fail(err, errlen, "%s", "Liste des destinataires absente.");
    if (!in->validator.rpps || strcmp(in->validator.rpps, st->validator_rpps) != 0)
        return fail(err, errlen, "%s",
                    "Le RPPS du valideur ne correspond pas à celui enregistré lors de la validation du compte rendu.");
    return 0;
}

/* Report text against its template (required sections, exposure), as at validation. */
static int check_template(const report_input *in, char *err, size_t errlen)
{
    if (!in->template) return 0;
    rtpl_filled f;
    memset(&f, 0, sizeof f);
    for (int k = 0; k < RTPL_SEC_COUNT; k++) f.text[k] = in->text.text[k];
    for (size_t i = 0; i < in->n_exams; i++)
        if (in->exams[i].has_exposure && in->exams[i].ndoses > 0) f.has_exposure = true;
    return rtpl_check_report(in->template, &f, true, err, errlen);
}

static void fill_patient(const report_input *in, bool ins, cda_patient *cp, pdf_patient *pp)
{
    const report_patient *rp = in->patient;
    const ins_traits *t = &rp->identity->traits;
    const char *birthplace = opt(t->birth_place) && strcmp(t->birth_place, INS_UNKNOWN_BIRTH_PLACE) != 0
                                 ? t->birth_place
                                 : NULL;
    cp->ipp = rp->ipp;
    cp->ipp_oid = rp->ipp_oid;
    cp->birth_family = opt(t->birth_name);
    /* The list of birth given names starts with the first one: an identity recorded without
     * the list (provisoire) still names its first given name. */
    const char *given = opt(t->birth_given_names) ? t->birth_given_names : opt(t->first_given_name);
    cp->birth_given = given;
    cp->first_given = opt(t->first_given_name);
    cp->used_family = opt(t->used_name);
    cp->used_given = opt(t->used_given_name);
    cp->sex = cda_sex_of(t->sex);
    cp->birth_date = opt(t->birth_date);
    cp->birthplace_code = birthplace;
    cp->birthplace_city = rp->birthplace_city;
    cp->addr = rp->addr;
    cp->telecom = rp->telecom;

    pp->birth_name = opt(t->birth_name);
    pp->used_name = opt(t->used_name);
    pp->given_names = given;
    pp->used_given_name = opt(t->used_given_name);
    pp->birth_date = opt(t->birth_date);
    pp->sex = t->sex[0] ? t->sex[0] : 'I';
    pp->ipp = rp->ipp;
    pp->birthplace_code = birthplace;
    if (ins) { /* rule 28: the one place where the INS goes out */
        cp->ins = pp->ins_matricule = rp->identity->matricule;
        cp->ins_oid = pp->ins_oid = rp->identity->oid;
    }
}

static void site_address(const cda_addr *a, buf_t *b, int *rc)
{
    buf_reset(b);
    if (opt(a->street)) *rc |= buf_printf(b, "%s%s%s", opt(a->house_number) ? a->house_number : "",
                                          opt(a->house_number) ? " " : "", a->street);
    if (opt(a->postal_code) || opt(a->city))
        *rc |= buf_printf(b, "%s%s%s%s", buf_cstr(b)[0] ? "\n" : "", opt(a->postal_code) ? a->postal_code : "",
                          opt(a->postal_code) && opt(a->city) ? " " : "", opt(a->city) ? a->city : "");
}

static int fill_recipients(const report_input *in, scratch *s, pdf_report *p, cda_report *c)
{
    size_t n = in->n_recipients;
    if (n == 0) return 0;
    s->recipient_names = calloc(n, sizeof *s->recipient_names);
    s->pdf_recipients = calloc(n, sizeof *s->pdf_recipients);
    s->cda_recipients = calloc(n, sizeof *s->cda_recipients);
    if (!s->recipient_names || !s->pdf_recipients || !s->cda_recipients) return -1;
    for (size_t i = 0; i < n; i++) {
        const report_recipient *r = &in->recipients[i];
        const cda_person *pe = &r->person;
        snprintf(s->recipient_names[i], sizeof s->recipient_names[i], "%s%s%s%s",
                 pe->suffix && strcmp(pe->suffix, "DR") == 0 ? "Dr " : "", opt(pe->given) ? pe->given : "",
                 opt(pe->given) ? " " : "", pe->family ? pe->family : "");
        s->pdf_recipients[i] = (pdf_recipient){s->recipient_names[i], r->channel,
                                               opt(r->address) ? r->address : opt(pe->mssante)};
        s->cda_recipients[i] = *pe;
    }
    p->recipients = s->pdf_recipients;
    p->n_recipients = n;
    c->recipients = s->cda_recipients;
    c->nrecipients = n;
    return 0;
}

static int map(const report_input *in, bool ins, scratch *s, cda_report *c, pdf_report *p, char *date,
               char *err, size_t errlen)
{
    const rpt_state *st = in->state;
    const report_text *tx = &in->text;
    int rc = 0;

    /* CDA level 1 and 3 header and body. */
    c->id = (cda_ii){in->id_root, st->document_id};
    c->set_id = (cda_ii){in->id_root, st->set_id};
    c->version = st->version;
    if (st->version > 1) c->replaces = (cda_ii){in->id_root, st->replaces_id};
    c->effective_time = st->validated_at;
    c->title = in->title;
    c->confidentiality = in->confidentiality;
    c->masking = (cda_masking){(st->flags & RPT_FLAG_MASQUE_PS) != 0, (st->flags & RPT_FLAG_INVISIBLE_PATIENT) != 0,
                               (st->flags & RPT_FLAG_INVISIBLE_LEGAL_REPS) != 0,
                               (st->flags & RPT_FLAG_SECRET_CONNECTION) != 0,
                               (st->flags & RPT_FLAG_ANNOUNCEMENT_PENDING) != 0};
    fill_patient(in, ins, &c->patient, &p->patient);
    c->author = in->author.family ? in->author : in->validator;
    c->author_time = opt(in->authored_at) ? in->authored_at : st->validated_at;
    c->validator = in->validator;
    c->validation_time = st->validated_at;
    c->site = in->site->org;
    c->encounter_code = in->encounter_code;
    c->requester = in->requester;
    c->exams = in->exams;
    c->nexams = in->n_exams;
    c->text = (cda_sections){
        .indication = opt(tx->text[RTPL_SEC_INDICATION]),
        .medical_history = opt(tx->text[RTPL_SEC_HISTORY]),
        .surgical_history = opt(tx->surgical_history),
        .contraindications = opt(tx->contraindications),
        .contraindication = tx->contraindication,
        .technique = opt(tx->text[RTPL_SEC_TECHNIQUE]),
        .findings = opt(tx->text[RTPL_SEC_RESULTS]),
        .comparison = opt(tx->text[RTPL_SEC_COMPARISON]),
        .conclusion = opt(tx->text[RTPL_SEC_CONCLUSION]),
    };
    if (opt(tx->addendum)) {
        c->text.addendum = tx->addendum;
        c->text.addendum_author = in->validator;
        c->text.addendum_time = st->validated_at;
    }

    /* PDF: the same facts, laid out for paper. */
    const cda_exam *e0 = &in->exams[0];
    site_address(&in->site->org.addr, &s->site_addr, &rc);
    p->site = (pdf_site){in->site->org.name, opt(buf_cstr(&s->site_addr)), in->site->phone, in->site->org.finess};
    memcpy(date, e0->start, 10);
    date[10] = '\0';
    buf_reset(&s->exam_label);
    for (size_t i = 0; i < in->n_exams; i++) {
        const cda_exam *e = &in->exams[i];
        const char *label = opt(e->ccam.display) ? e->ccam.display : e->loinc.display;
        rc |= buf_printf(&s->exam_label, "%s%s", i ? " ; " : "", label ? label : "");
    }
    const char *req_name = NULL;
    if (in->requester.family) {
        rc |= person_name(&s->requester, &in->requester, true);
        req_name = buf_cstr(&s->requester);
    }
    p->exam = (pdf_exam){date, e0->modality, opt(e0->ccam.code), buf_cstr(&s->exam_label), e0->accession, req_name,
                         opt(in->requester.mssante)};
    p->sections = (pdf_sections){
        .indication = join(&s->indication, tx->text[RTPL_SEC_INDICATION], "Antécédents", tx->text[RTPL_SEC_HISTORY], &rc),
        .technique = opt(tx->text[RTPL_SEC_TECHNIQUE]),
        .results = join(&s->results, tx->text[RTPL_SEC_RESULTS], "Comparaison", tx->text[RTPL_SEC_COMPARISON], &rc),
        .conclusion = opt(tx->text[RTPL_SEC_CONCLUSION]),
        .free_text = opt(tx->addendum) ? join(&s->free_text, NULL, "Addendum (correction)", tx->addendum, &rc) : NULL,
    };
    rc |= person_name(&s->validator, &in->validator, false);
    p->validation = (pdf_validation){buf_cstr(&s->validator), in->validator.rpps, st->validated_at};
    p->rgpd_notice = in->rgpd_notice;
    p->document_id = st->set_id;
    p->version = st->version;
    p->title = in->title;
    if (fill_recipients(in, s, p, c) != 0) rc = -1;
    if (rc != 0) return fail(err, errlen, "%s", "Mémoire insuffisante.");
    return 0;
}

int report_render(const report_input *in, report_outputs *out, char *err, size_t errlen)
{
    if (!out) return fail(err, errlen, "%s", "Sortie absente.");
    memset(out, 0, sizeof *out);
    if (check_input(in, err, errlen) != 0 || check_template(in, err, errlen) != 0) return -1;

    /* The INS outgoing rule, once for the PDF, the N1 and the N3. */
    bool ins = ins_may_emit(in->patient->identity, in->patient->policy);

    scratch s;
    memset(&s, 0, sizeof s);
    cda_report c;
    pdf_report p;
    memset(&c, 0, sizeof c);
    memset(&p, 0, sizeof p);
    char date[11];
    char why[512];
    int rc = map(in, ins, &s, &c, &p, date, err, errlen);
    if (rc == 0 && cda_report_check(&c, why, sizeof why) != 0) {
        rc = fail(err, errlen, "Document CDA impossible : %s", why);
    }
    if (rc == 0 && pdf_render_report(&p, in->pdf_options, &out->pdf, &out->pdf_len, why, sizeof why) != 0)
        rc = fail(err, errlen, "PDF impossible : %s", why);
    if (rc == 0 && pdf_file_name(&p, out->pdf_name, sizeof out->pdf_name, why, sizeof why) < 0)
        rc = fail(err, errlen, "Nom du fichier PDF impossible : %s", why);
    if (rc == 0 && cda_build_n1(&c, out->pdf, out->pdf_len, &out->n1, &out->n1_len, why, sizeof why) != 0)
        rc = fail(err, errlen, "CDA niveau 1 impossible : %s", why);
    if (rc == 0 && cda_build_n3(&c, &out->n3, &out->n3_len, why, sizeof why) != 0)
        rc = fail(err, errlen, "CDA niveau 3 impossible : %s", why);
    if (rc == 0) {
        out->n_sharing = cda_sharing_codes(&c, out->sharing, REPORT_MAX_SHARING_CODES);
        out->ins_emitted = ins;
    }
    scratch_free(&s);
    if (rc != 0) report_outputs_free(out);
    return rc;
}

int report_render_preview(const report_input *in, const char *at, const char *notice, unsigned char **pdf,
                          size_t *pdf_len, char *err, size_t errlen)
{
    if (!pdf || !pdf_len) return fail(err, errlen, "%s", "Sortie absente.");
    *pdf = NULL;
    *pdf_len = 0;
    if (!in || !in->state || !in->patient || !in->patient->identity || !in->patient->policy || !in->site ||
        !in->exams || in->n_exams == 0)
        return fail(err, errlen, "%s", "Aperçu impossible : compte rendu, patient, site ou examen absent.");
    if (!opt(in->exams[0].start) || strlen(in->exams[0].start) < 10)
        return fail(err, errlen, "%s", "Date de l'examen (exams[0].start) absente.");
    if (!opt(at) || !opt(notice)) return fail(err, errlen, "%s", "Aperçu impossible : date ou mention absente.");
    if (!opt(in->id_root)) return fail(err, errlen, "%s", "Racine OID des identifiants de documents (id_root) absente.");
    /* The current text as if it were the next version, never marked "Validé". */
    rpt_state st = *in->state;
    if (!st.set_id[0]) snprintf(st.set_id, sizeof st.set_id, "%s", "APERCU");
    if (!st.document_id[0]) snprintf(st.document_id, sizeof st.document_id, "%s", st.set_id);
    if (st.version < 1) st.version = 1;
    snprintf(st.validated_at, sizeof st.validated_at, "%s", at);
    report_input copy = *in;
    copy.state = &st;
    if (!filled(copy.text.text[RTPL_SEC_RESULTS]) && !filled(copy.text.text[RTPL_SEC_CONCLUSION]))
        copy.text.text[RTPL_SEC_CONCLUSION] = "(conclusion à rédiger)";
    bool ins = ins_may_emit(in->patient->identity, in->patient->policy);
    scratch s;
    memset(&s, 0, sizeof s);
    cda_report c;
    pdf_report p;
    memset(&c, 0, sizeof c);
    memset(&p, 0, sizeof p);
    char date[11], why[512];
    int rc = map(&copy, ins, &s, &c, &p, date, err, errlen);
    if (rc == 0) {
        p.draft_notice = notice;
        if (!opt(p.validation.validator_rpps)) p.validation.validator_rpps = NULL;
        if (pdf_render_report(&p, in->pdf_options, pdf, pdf_len, why, sizeof why) != 0)
            rc = fail(err, errlen, "Aperçu PDF impossible : %s", why);
    }
    scratch_free(&s);
    return rc;
}

void report_outputs_free(report_outputs *out)
{
    if (!out) return;
    free(out->pdf);
    free(out->n1);
    free(out->n3);
    memset(out, 0, sizeof *out);
}

void report_exam_from_template(const rtpl_template *t, cda_exam *exam)
{
    if (!t || !exam) return;
    if (!exam->modality && t->modality[0]) exam->modality = t->modality;
    if (!exam->loinc.code && t->exam_code.code[0]) exam->loinc = (cda_cv){t->exam_code.code, t->exam_code.display};
    if (!exam->region && t->region[0]) exam->region = t->region;
    if (!exam->target_site.code && t->target_site.code[0])
        exam->target_site = (cda_cv){t->target_site.code, t->target_site.display};
    if (!exam->ccam.code && t->ccam.code[0]) exam->ccam = (cda_cv){t->ccam.code, t->ccam.display};
}

rtpl_vocabulary report_template_vocabulary(void)
{
    return (rtpl_vocabulary){cda_modality_display, cda_region_display};
}
