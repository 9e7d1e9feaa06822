/* Input checks: every field the documents need, with a French message naming it. */
#include "cda/cda_internal.h"

#include "core/timeutil.h"
#include "core/uid.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char *err;
    size_t errlen;
    int bad;
} chk;

#define FAIL(k, ...) do { if (!(k)->bad) cda_set_err((k)->err, (k)->errlen, __VA_ARGS__); (k)->bad = 1; } while (0)

static int all_digits(const char *s, size_t n)
{
    if (strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

/* Strict UTF-8 (no overlong form, no surrogate, nothing above U+10FFFF) made only of
 * characters XML 1.0 allows: no control character other than tab, CR, LF; no U+FFFE/U+FFFF. */
static int clean_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return 0;
            p++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; min = 0x10000; }
        else return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
            return 0;
        p += n + 1;
    }
    return 1;
}

static void text(chk *k, const char *field, const char *s, int required, size_t max)
{
    if (!cda_has(s)) {
        if (required) FAIL(k, "champ %s : obligatoire", field);
        return;
    }
    if (strlen(s) > max) FAIL(k, "champ %s : trop long (%zu caractères au plus)", field, max);
    else if (!clean_text(s)) FAIL(k, "champ %s : texte UTF-8 invalide ou caractère de contrôle", field);
}

static int is_uuid(const char *s)
{
    if (strlen(s) != 36) return 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* OID syntax (as a DICOM UID, which is stricter than needed for OIDs but what we mint). */
static void oid(chk *k, const char *field, const char *s, int required)
{
    if (!cda_has(s)) {
        if (required) FAIL(k, "champ %s : OID obligatoire", field);
        return;
    }
    if (!uid_valid(s)) FAIL(k, "champ %s : OID invalide « %s »", field, s);
}

static void ii(chk *k, const char *field, const cda_ii *v, int required)
{
    if (!cda_has(v->root)) {
        if (required) FAIL(k, "champ %s.root : identifiant obligatoire", field);
        return;
    }
    if (!uid_valid(v->root) && !is_uuid(v->root))
        FAIL(k, "champ %s.root : ni un OID ni un UUID « %s »", field, v->root);
    text(k, field, v->extension, 0, 64);
}

static void datetime(chk *k, const char *field, const char *s, int required)
{
    if (!cda_has(s)) {
        if (required) FAIL(k, "champ %s : date et heure obligatoires", field);
        return;
    }
    int64_t t;
    char ts[32];
    if (time_parse_datetime(s, &t) != 0 || cda_hl7_ts(s, ts, sizeof ts) != 0)
        FAIL(k, "champ %s : date et heure ISO 8601 avec fuseau attendues (« %s »)", field, s);
}

static void rpps(chk *k, const char *field, const char *s, int required)
{
    if (!cda_has(s)) {
        if (required) FAIL(k, "champ %s : numéro RPPS obligatoire", field);
        return;
    }
    if (!all_digits(s, 11)) FAIL(k, "champ %s : le RPPS doit compter 11 chiffres (« %s »)", field, s);
}

static void person(chk *k, const char *field, const cda_person *p, int need_rpps, int need_profession)
{
    char f[96];
    snprintf(f, sizeof f, "%s.rpps", field);
    rpps(k, f, p->rpps, need_rpps);
    snprintf(f, sizeof f, "%s.family", field);
    text(k, f, p->family, 1, 80);
    snprintf(f, sizeof f, "%s.given", field);
    text(k, f, p->given, 0, 80);
    snprintf(f, sizeof f, "%s.prefix", field);
    text(k, f, p->prefix, 0, 20);
    snprintf(f, sizeof f, "%s.suffix", field);
    text(k, f, p->suffix, 0, 20);
    snprintf(f, sizeof f, "%s.profession.code", field);
    text(k, f, p->profession.code, need_profession, 40);
    snprintf(f, sizeof f, "%s.profession.display", field);
    text(k, f, p->profession.display, 0, 200);
    snprintf(f, sizeof f, "%s.telecom", field);
    text(k, f, p->telecom, 0, 200);
    snprintf(f, sizeof f, "%s.mssante", field);
    text(k, f, p->mssante, 0, 200);
    if (cda_has(p->mssante) && !strchr(p->mssante, '@'))
        FAIL(k, "champ %s.mssante : adresse de messagerie invalide « %s »", field, p->mssante);
    snprintf(f, sizeof f, "%s.addr", field);
    text(k, f, p->addr.house_number, 0, 20);
    text(k, f, p->addr.street, 0, 200);
    text(k, f, p->addr.postal_code, 0, 20);
    text(k, f, p->addr.city, 0, 80);
    text(k, f, p->addr.country, 0, 80);
}

static void patient(chk *k, const cda_patient *p)
{
    text(k, "patient.ipp", p->ipp, 1, 64);
    oid(k, "patient.ipp_oid", p->ipp_oid, 1);
    if (cda_has(p->ins) != cda_has(p->ins_oid))
        FAIL(k, "champ patient.ins : le matricule INS et son OID vont ensemble");
    if (cda_has(p->ins)) {
        int ok = strlen(p->ins) == 15;
        for (size_t i = 0; ok && i < 15; i++)
            ok = isdigit((unsigned char)p->ins[i]) || (i == 6 && (p->ins[i] == 'A' || p->ins[i] == 'B'));
        if (!ok) FAIL(k, "champ patient.ins : matricule INS invalide (15 caractères attendus)");
        static const char *const ins_oids[] = {"1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9",
                                               "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11"};
        int known = 0;
        for (size_t i = 0; cda_has(p->ins_oid) && i < sizeof ins_oids / sizeof ins_oids[0]; i++)
            known |= strcmp(p->ins_oid, ins_oids[i]) == 0;
        if (!known) FAIL(k, "champ patient.ins_oid : OID d'INS inconnu « %s » (NIR, NIA ou test)",
                          cda_has(p->ins_oid) ? p->ins_oid : "");
    }
    text(k, "patient.birth_family", p->birth_family, 1, 100);
    text(k, "patient.birth_given", p->birth_given, 1, 100);
    if (cda_has(p->birth_given) && p->birth_given[strspn(p->birth_given, " ")] == '\0')
        FAIL(k, "champ patient.birth_given : prénom vide");
    text(k, "patient.first_given", p->first_given, 0, 100);
    text(k, "patient.used_family", p->used_family, 0, 100);
    text(k, "patient.used_given", p->used_given, 0, 100);
    if (p->sex != CDA_SEX_UNKNOWN && p->sex != CDA_SEX_F && p->sex != CDA_SEX_M)
        FAIL(k, "champ patient.sex : valeur inconnue");
    int64_t days;
    if (!cda_has(p->birth_date)) FAIL(k, "champ patient.birth_date : obligatoire");
    else if (strlen(p->birth_date) != 10 || time_parse_date(p->birth_date, &days) != 0)
        FAIL(k, "champ patient.birth_date : date AAAA-MM-JJ attendue (« %s »)", p->birth_date);
    if (cda_has(p->birthplace_code) && !(strlen(p->birthplace_code) == 5))
        FAIL(k, "champ patient.birthplace_code : code INSEE à 5 caractères attendu");
    text(k, "patient.birthplace_city", p->birthplace_city, 0, 80);
    text(k, "patient.addr", p->addr.house_number, 0, 20);
    text(k, "patient.addr", p->addr.street, 0, 200);
    text(k, "patient.addr", p->addr.city, 0, 80);
    text(k, "patient.addr", p->addr.postal_code, 0, 20);
    text(k, "patient.addr", p->addr.country, 0, 80);
    text(k, "patient.telecom", p->telecom, 0, 200);
}

static void site(chk *k, const cda_org *o)
{
    if (cda_has(o->finess)) {
        int ok = strlen(o->finess) == 9;
        for (size_t i = 0; ok && i < 9; i++) /* Corsica: 2A / 2B */
            ok = isdigit((unsigned char)o->finess[i]) || (i == 1 && (o->finess[i] == 'A' || o->finess[i] == 'B'));
        if (!ok) FAIL(k, "champ site.finess : 9 caractères attendus (« %s »)", o->finess);
    } else if (cda_has(o->siret)) {
        if (!all_digits(o->siret, 14)) FAIL(k, "champ site.siret : 14 chiffres attendus (« %s »)", o->siret);
    } else {
        FAIL(k, "champ site.finess : numéro FINESS (ou à défaut SIRET) obligatoire");
    }
    text(k, "site.name", o->name, 1, 200);
    text(k, "site.telecom", o->telecom, 0, 200);
    text(k, "site.addr", o->addr.house_number, 0, 20);
    text(k, "site.addr", o->addr.street, 0, 200);
    text(k, "site.addr", o->addr.city, 0, 80);
    text(k, "site.addr", o->addr.postal_code, 0, 20);
    text(k, "site.sector.code", o->sector.code, 1, 40);
    text(k, "site.facility_type.code", o->facility_type.code, 1, 40);
}

static int loinc_syntax(const char *s)
{
    const char *dash = strchr(s, '-');
    if (!dash || dash == s || dash[1] == '\0' || dash[2] != '\0') return 0;
    for (const char *p = s; p < dash; p++)
        if (!isdigit((unsigned char)*p)) return 0;
    return isdigit((unsigned char)dash[1]);
}

static void product(chk *k, const char *field, const cda_product *p)
{
    char f[96];
    if (!cda_has(p->name)) {
        if (cda_has(p->cip) || cda_has(p->atc.code) || p->dose > 0 || cda_has(p->lot))
            FAIL(k, "champ %s.name : nom du produit obligatoire", field);
        return;
    }
    snprintf(f, sizeof f, "%s.name", field);
    text(k, f, p->name, 1, 200);
    snprintf(f, sizeof f, "%s.atc.code", field);
    text(k, f, p->atc.code, 0, 10);
    snprintf(f, sizeof f, "%s.cip", field);
    if (cda_has(p->cip) && !all_digits(p->cip, 13) && !all_digits(p->cip, 7))
        FAIL(k, "champ %s : code CIP à 7 ou 13 chiffres attendu", f);
    snprintf(f, sizeof f, "%s.dose", field);
    if (!(p->dose <= 1e9) || p->dose != p->dose) FAIL(k, "champ %s : valeur invalide", f);
    snprintf(f, sizeof f, "%s.dose_unit", field);
    text(k, f, p->dose_unit, p->dose > 0, 20);
    snprintf(f, sizeof f, "%s.route.code", field);
    text(k, f, p->route.code, 0, 20);
    snprintf(f, sizeof f, "%s.route.display", field);
    text(k, f, p->route.display, 0, 200);
    snprintf(f, sizeof f, "%s.lot", field);
    text(k, f, p->lot, 0, 40);
}

static void exam(chk *k, const cda_exam *e)
{
    oid(k, "exam.study_uid", e->study_uid, 1);
    oid(k, "exam.series_uid", e->series_uid, 1);
    oid(k, "exam.sop_instance_uid", e->sop_instance_uid, 1);
    oid(k, "exam.sop_class_uid", e->sop_class_uid, 0);
    text(k, "exam.accession", e->accession, 1, 64);
    oid(k, "exam.accession_oid", e->accession_oid, 1);
    ii(k, "exam.order_id", &e->order_id, 0);
    if (!cda_has(e->loinc.code)) FAIL(k, "champ exam.loinc.code : code LOINC de l'examen obligatoire");
    else if (!loinc_syntax(e->loinc.code)) FAIL(k, "champ exam.loinc.code : code LOINC invalide « %s »", e->loinc.code);
    text(k, "exam.loinc.display", e->loinc.display, 1, 250);
    text(k, "exam.ccam.code", e->ccam.code, 0, 16);
    text(k, "exam.ccam.display", e->ccam.display, 0, 400);
    if (!cda_has(e->modality)) FAIL(k, "champ exam.modality : modalité obligatoire");
    else if (!cda_modality_display(e->modality)) FAIL(k, "champ exam.modality : modalité inconnue « %s »", e->modality);
    if (cda_has(e->region) && !cda_region_display(e->region))
        FAIL(k, "champ exam.region : « %s » n'est pas dans le JDV_RegionAnatomique_CISIS", e->region);
    text(k, "exam.target_site.code", e->target_site.code, 1, 20);
    text(k, "exam.target_site.display", e->target_site.display, 1, 200);
    datetime(k, "exam.start", e->start, 1);
    datetime(k, "exam.end", e->end, 0);
    text(k, "exam.image_link", e->image_link, 0, 2000);
    if (e->ndoses > CDA_MAX_DOSES) FAIL(k, "champ exam.ndoses : %d valeurs au plus", CDA_MAX_DOSES);
    if (e->ndoses && !e->has_exposure) FAIL(k, "champ exam.doses : doses sans exposition (has_exposure)");
    for (size_t i = 0; i < e->ndoses && i < CDA_MAX_DOSES; i++) {
        const cda_dose *d = &e->doses[i];
        text(k, "exam.doses.code.code", d->code.code, 1, 20);
        text(k, "exam.doses.code.display", d->code.display, 1, 200);
        text(k, "exam.doses.unit", d->unit, 1, 20);
        if (!(d->value >= 0) || d->value > 1e12) FAIL(k, "champ exam.doses.value : valeur invalide");
    }
    product(k, "exam.contrast", &e->contrast);
    product(k, "exam.radiopharmaceutical", &e->radiopharmaceutical);
    if (cda_has(e->radiopharmaceutical.name) && !e->has_exposure)
        FAIL(k, "champ exam.radiopharmaceutical : exige la section d'exposition (has_exposure)");
    if (e->pregnancy != CDA_PREGNANCY_UNKNOWN && e->pregnancy != CDA_PREGNANCY_NO &&
        e->pregnancy != CDA_PREGNANCY_YES)
        FAIL(k, "champ exam.pregnancy : valeur inconnue");
}

int cda_report_check(const cda_report *r, char *err, size_t errlen)
{
    chk k = {err, errlen, 0};
    if (!r) {
        cda_set_err(err, errlen, "compte rendu absent");
        return -1;
    }
    ii(&k, "id", &r->id, 1);
    ii(&k, "set_id", &r->set_id, 1);
    if (r->version < 1) FAIL(&k, "champ version : numéro de version >= 1 attendu");
    ii(&k, "replaces", &r->replaces, r->version > 1);
    if (r->version == 1 && cda_has(r->replaces.root))
        FAIL(&k, "champ replaces : une première version ne remplace aucun document");
    datetime(&k, "effective_time", r->effective_time, 1);
    text(&k, "title", r->title, 0, 250);
    if (r->confidentiality && r->confidentiality != 'N' && r->confidentiality != 'R' && r->confidentiality != 'V')
        FAIL(&k, "champ confidentiality : N, R ou V attendu");
    patient(&k, &r->patient);
    person(&k, "author", &r->author, 1, 1);
    datetime(&k, "author_time", r->author_time, 1);
    person(&k, "validator", &r->validator, 1, 1);
    datetime(&k, "validation_time", r->validation_time, 1);
    site(&k, &r->site);
    text(&k, "encounter_code", r->encounter_code, 0, 10);
    if (cda_has(r->requester.family)) person(&k, "requester", &r->requester, 0, 0);
    if (!r->exams || r->nexams == 0) FAIL(&k, "champ exams : au moins un examen est obligatoire");
    else if (r->nexams > CDA_MAX_EXAMS) FAIL(&k, "champ nexams : %d examens au plus", CDA_MAX_EXAMS);
    for (size_t i = 0; !k.bad && r->exams && i < r->nexams && i < CDA_MAX_EXAMS; i++) {
        exam(&k, &r->exams[i]);
        if (k.bad && err && strncmp(err, "champ exam.", 11) == 0) {
            char tmp[512];
            snprintf(tmp, sizeof tmp, "champ exams[%zu].%s", i, err + 11);
            cda_set_err(err, errlen, "%s", tmp);
        }
        for (size_t j = 0; !k.bad && j < i; j++)
            if (strcmp(r->exams[j].study_uid, r->exams[i].study_uid) == 0)
                FAIL(&k, "champ exams[%zu].study_uid : même Study Instance UID que l'examen %zu", i, j);
    }
    const cda_sections *t = &r->text;
    text(&k, "text.indication", t->indication, 0, 100000);
    text(&k, "text.medical_history", t->medical_history, 0, 100000);
    text(&k, "text.surgical_history", t->surgical_history, 0, 100000);
    text(&k, "text.contraindications", t->contraindications, 0, 100000);
    text(&k, "text.contraindication.code", t->contraindication.code, 0, 20);
    text(&k, "text.contraindication.display", t->contraindication.display, cda_has(t->contraindication.code), 200);
    text(&k, "text.technique", t->technique, 0, 100000);
    text(&k, "text.findings", t->findings, 0, 1000000);
    text(&k, "text.comparison", t->comparison, 0, 100000);
    text(&k, "text.conclusion", t->conclusion, 1, 100000);
    text(&k, "text.addendum", t->addendum, 0, 100000);
    if (cda_has(t->addendum)) {
        person(&k, "text.addendum_author", &t->addendum_author, 1, 0);
        datetime(&k, "text.addendum_time", t->addendum_time, 1);
    }
    if (r->nrecipients > CDA_MAX_RECIPIENTS) FAIL(&k, "champ nrecipients : %d destinataires au plus", CDA_MAX_RECIPIENTS);
    else if (r->nrecipients && !r->recipients) FAIL(&k, "champ recipients : tableau absent");
    for (size_t i = 0; r->recipients && i < r->nrecipients && i < CDA_MAX_RECIPIENTS; i++)
        person(&k, "recipients", &r->recipients[i], 0, 0);
    return k.bad ? -1 : 0;
}
