/* Report templates: section catalogue, template and filled-report checks (see report_template.h). */
#include "domain/report_template.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const section_keys[RTPL_SEC_COUNT] = {"indication", "antecedents", "technique",
                                                         "resultats",  "comparaison", "conclusion"};
static const char *const section_titles[RTPL_SEC_COUNT] = {
    "Indication / histoire clinique", "Antécédents", "Technique", "Résultats",
    "Comparaison avec les examens antérieurs", "Conclusion"};
static const char *const exposure_names[] = {"none", "optional", "required"};

const char *rtpl_section_key(rtpl_section_kind k)
{
    return (unsigned)k < RTPL_SEC_COUNT ? section_keys[k] : "?";
}

const char *rtpl_section_default_title(rtpl_section_kind k)
{
    return (unsigned)k < RTPL_SEC_COUNT ? section_titles[k] : "?";
}

bool rtpl_section_parse(const char *key, rtpl_section_kind *out)
{
    for (int i = 0; key && i < RTPL_SEC_COUNT; i++)
        if (strcmp(key, section_keys[i]) == 0) {
            *out = (rtpl_section_kind)i;
            return true;
        }
    return false;
}

const char *rtpl_exposure_name(rtpl_exposure e)
{
    return (unsigned)e <= RTPL_EXPOSURE_REQUIRED ? exposure_names[e] : "?";
}

bool rtpl_exposure_parse(const char *name, rtpl_exposure *out)
{
    for (int i = 0; name && i <= RTPL_EXPOSURE_REQUIRED; i++)
        if (strcmp(name, exposure_names[i]) == 0) {
            *out = (rtpl_exposure)i;
            return true;
        }
    return false;
}

bool rtpl_modality_ionising(const char *modality)
{
    static const char *const ionising[] = {"CT", "CR", "DX", "MG", "NM", "PT", "XA", "RF", "IO", "PX", "BMD"};
    for (size_t i = 0; modality && i < sizeof ionising / sizeof ionising[0]; i++)
        if (strcmp(modality, ionising[i]) == 0) return true;
    return false;
}

static void copy_trunc(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

void rtpl_init(rtpl_template *t, const char *code, const char *label, const char *modality)
{
    memset(t, 0, sizeof *t);
    copy_trunc(t->code, sizeof t->code, code);
    copy_trunc(t->label, sizeof t->label, label);
    copy_trunc(t->modality, sizeof t->modality, modality);
    t->revision = 1;
    t->exposure = rtpl_modality_ionising(modality) ? RTPL_EXPOSURE_OPTIONAL : RTPL_EXPOSURE_NONE;
    for (int k = 0; k < RTPL_SEC_COUNT; k++) {
        rtpl_section *s = &t->sections[k];
        s->used = true;
        copy_trunc(s->title, sizeof s->title, section_titles[k]);
        s->required = k == RTPL_SEC_INDICATION || k == RTPL_SEC_TECHNIQUE || k == RTPL_SEC_RESULTS ||
                      k == RTPL_SEC_CONCLUSION;
    }
}

static int fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    if (err && errlen) snprintf(err, errlen, fmt, a, b);
    return -1;
}

static bool terminated(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (!isspace((unsigned char)*s)) return false;
    return true;
}

static bool all_chars(const char *s, const char *allowed_extra, bool upper, bool lower, bool digits)
{
    if (!*s) return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((upper && c >= 'A' && c <= 'Z') || (lower && c >= 'a' && c <= 'z') || (digits && c >= '0' && c <= '9') ||
            (allowed_extra && c && strchr(allowed_extra, c)))
            continue;
        return false;
    }
    return true;
}

static bool is_ccam(const char *s)
{
    if (strlen(s) != 7) return false;
    for (int i = 0; i < 4; i++)
        if (s[i] < 'A' || s[i] > 'Z') return false;
    for (int i = 4; i < 7; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* LOINC: digits, '-', one check digit. */
static bool is_loinc(const char *s)
{
    const char *dash = strchr(s, '-');
    if (!dash || dash == s || dash[1] == '\0' || dash[2] != '\0') return false;
    for (const char *p = s; p < dash; p++)
        if (*p < '0' || *p > '9') return false;
    return dash[1] >= '0' && dash[1] <= '9';
}

int rtpl_check(const rtpl_template *t, const rtpl_vocabulary *voc, char *err, size_t errlen)
{
    if (!t) return fail(err, errlen, "%s%s", "Modèle de compte rendu absent.", "");
    /* Fixed-size strings must be terminated (a struct filled by hand may not be). */
    if (!terminated(t->code, sizeof t->code) || !terminated(t->label, sizeof t->label) ||
        !terminated(t->modality, sizeof t->modality) || !terminated(t->region, sizeof t->region) ||
        !terminated(t->exam_code.code, sizeof t->exam_code.code) ||
        !terminated(t->exam_code.display, sizeof t->exam_code.display) ||
        !terminated(t->target_site.code, sizeof t->target_site.code) ||
        !terminated(t->target_site.display, sizeof t->target_site.display) ||
        !terminated(t->ccam.code, sizeof t->ccam.code) || !terminated(t->ccam.display, sizeof t->ccam.display))
        return fail(err, errlen, "%s%s", "Modèle de compte rendu : champ non terminé ou trop long.", "");
    if (!all_chars(t->code, "-_", true, false, true))
        return fail(err, errlen, "Modèle « %s » : le code est obligatoire (lettres majuscules, chiffres, « - » et « _ »).%s",
                    t->code, "");
    if (blank(t->label)) return fail(err, errlen, "Modèle %s : le libellé est obligatoire.%s", t->code, "");
    if (t->revision < 1) return fail(err, errlen, "Modèle %s : numéro de révision invalide.%s", t->code, "");

    if (!all_chars(t->modality, NULL, true, false, false) || strlen(t->modality) < 2)
        return fail(err, errlen, "Modèle %s : modalité DICOM absente ou mal formée « %s ».", t->code, t->modality);
    if (voc && voc->modality_display && !voc->modality_display(t->modality))
        return fail(err, errlen, "Modèle %s : modalité « %s » inconnue (JDV_ModaliteAcquisition_CISIS).", t->code,
                    t->modality);
    if (!is_loinc(t->exam_code.code))
        return fail(err, errlen,
                    "Modèle %s : code d'examen LOINC (JDV 1.2.250.1.213.1.1.5.687) absent ou mal formé « %s ».",
                    t->code, t->exam_code.code);
    if (blank(t->exam_code.display))
        return fail(err, errlen, "Modèle %s : libellé du code d'examen %s absent.", t->code, t->exam_code.code);
    if (t->region[0]) {
        if (!all_chars(t->region, NULL, false, false, true))
            return fail(err, errlen, "Modèle %s : région anatomique « %s » : code SNOMED CT attendu.", t->code, t->region);
        if (voc && voc->region_display && !voc->region_display(t->region))
            return fail(err, errlen,
                        "Modèle %s : région anatomique « %s » absente du JDV 1.2.250.1.213.1.1.5.695.", t->code,
                        t->region);
    }
    if (!all_chars(t->target_site.code, NULL, false, false, true) || blank(t->target_site.display))
        return fail(err, errlen,
                    "Modèle %s : localisation anatomique (JDV 1.2.250.1.213.1.1.5.694) obligatoire, code SNOMED CT et libellé « %s ».",
                    t->code, t->target_site.code);
    if (t->ccam.code[0] && !is_ccam(t->ccam.code))
        return fail(err, errlen, "Modèle %s : acte CCAM « %s » mal formé (4 lettres et 3 chiffres).", t->code,
                    t->ccam.code);
    if (t->ccam.code[0] && blank(t->ccam.display))
        return fail(err, errlen, "Modèle %s : libellé de l'acte CCAM %s absent.", t->code, t->ccam.code);
    if ((unsigned)t->exposure > RTPL_EXPOSURE_REQUIRED)
        return fail(err, errlen, "Modèle %s : valeur d'exposition aux rayonnements inconnue.%s", t->code, "");
    bool ionising = rtpl_modality_ionising(t->modality);
    if (ionising && t->exposure == RTPL_EXPOSURE_NONE)
        return fail(err, errlen,
                    "Modèle %s : la modalité %s utilise des rayonnements ionisants ; l'exposition doit être facultative ou obligatoire.",
                    t->code, t->modality);
    if (!ionising && t->exposure != RTPL_EXPOSURE_NONE && (strcmp(t->modality, "MR") == 0 || strcmp(t->modality, "US") == 0))
        return fail(err, errlen, "Modèle %s : la modalité %s n'expose pas aux rayonnements ionisants.", t->code,
                    t->modality);

    for (int k = 0; k < RTPL_SEC_COUNT; k++) {
        const rtpl_section *s = &t->sections[k];
        if (!terminated(s->title, sizeof s->title) || !terminated(s->default_text, sizeof s->default_text))
            return fail(err, errlen, "Modèle %s : section « %s » : texte non terminé ou trop long.", t->code,
                        section_keys[k]);
        bool mandatory = k == RTPL_SEC_TECHNIQUE || k == RTPL_SEC_CONCLUSION;
        if (mandatory && (!s->used || !s->required))
            return fail(err, errlen,
                        "Modèle %s : la section « %s » est obligatoire dans tout compte rendu (CR-IMG).", t->code,
                        section_titles[k]);
        if (!s->used) {
            if (s->required || s->default_text[0])
                return fail(err, errlen, "Modèle %s : la section « %s » n'est pas utilisée mais a un contenu.", t->code,
                            section_titles[k]);
            continue;
        }
        if (blank(s->title))
            return fail(err, errlen, "Modèle %s : la section « %s » n'a pas de titre.", t->code, section_keys[k]);
    }
    return 0;
}

void rtpl_prefill(const rtpl_template *t, rtpl_filled *f)
{
    memset(f, 0, sizeof *f);
    for (int k = 0; k < RTPL_SEC_COUNT; k++)
        if (t->sections[k].used && t->sections[k].default_text[0]) f->text[k] = t->sections[k].default_text;
}

int rtpl_check_report(const rtpl_template *t, const rtpl_filled *f, bool for_validation, char *err,
                      size_t errlen)
{
    if (!t || !f) return fail(err, errlen, "%s%s", "Compte rendu ou modèle absent.", "");
    for (int k = 0; k < RTPL_SEC_COUNT; k++) {
        const rtpl_section *s = &t->sections[k];
        const char *text = f->text[k];
        const char *title = s->title[0] ? s->title : section_titles[k];
        if (!s->used) {
            if (!blank(text))
                return fail(err, errlen, "La section « %s » ne fait pas partie du modèle %s.", section_titles[k], t->code);
            continue;
        }
        if (text && strnlen(text, RTPL_SECTION_TEXT_MAX + 1) > RTPL_SECTION_TEXT_MAX)
            return fail(err, errlen, "La section « %s » est trop longue (64 Kio au plus).%s", title, "");
        if (for_validation && s->required && blank(text))
            return fail(err, errlen, "La section « %s » est obligatoire avant la validation.%s", title, "");
    }
    if (f->has_exposure && t->exposure == RTPL_EXPOSURE_NONE)
        return fail(err, errlen, "Le modèle %s (%s) ne prévoit pas d'exposition aux rayonnements ionisants.", t->code,
                    t->modality);
    if (for_validation && t->exposure == RTPL_EXPOSURE_REQUIRED && !f->has_exposure)
        return fail(err, errlen,
                    "L'exposition aux rayonnements (dose délivrée) est obligatoire avant la validation pour le modèle %s.%s",
                    t->code, "");
    return 0;
}
