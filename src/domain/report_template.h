/* Report templates per exam type (modèles de compte rendu), pure data and rules.
 *
 * A template names an exam type and carries what the report needs:
 *   - the text sections, in a fixed order (indication / histoire clinique, antécédents,
 *     technique, résultats, comparaison, conclusion), each with a title, a "required before
 *     validation" flag and a default text (the admin's standard wording);
 *   - the structured fields of the CDA level-3 document: DICOM modality, exam code (LOINC, JDV
 *     1.2.250.1.213.1.1.5.687), anatomical region (SNOMED CT, JDV 1.2.250.1.213.1.1.5.695),
 *     target site (JDV 1.2.250.1.213.1.1.5.694), CCAM act, whether a radiation exposure is
 *     expected.
 * Templates are plain fixed-size structs (copy freely); admins edit them as JSON
 * (report/report.h: report_template_to_json / report_template_from_json).
 *
 * Value-set membership is checked through a vocabulary the caller passes (the CDA module's
 * cda_modality_display / cda_region_display), so the domain stays free of coding tables.
 * Every error is a French sentence naming the field. No I/O, no allocation, no globals. */
#ifndef COULOIR_DOMAIN_REPORT_TEMPLATE_H
#define COULOIR_DOMAIN_REPORT_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#define RTPL_CODE_MAX 32
#define RTPL_LABEL_MAX 160
#define RTPL_TEXT_MAX 2048
#define RTPL_SECTION_TEXT_MAX 65536 /* a filled section, bytes */

typedef enum {
    RTPL_SEC_INDICATION,   /* "indication": indication / histoire clinique */
    RTPL_SEC_HISTORY,      /* "antecedents" */
    RTPL_SEC_TECHNIQUE,    /* "technique" (always required: level 3 needs it) */
    RTPL_SEC_RESULTS,      /* "resultats" */
    RTPL_SEC_COMPARISON,   /* "comparaison" */
    RTPL_SEC_CONCLUSION,   /* "conclusion" (always required: level 3 needs it) */
    RTPL_SEC_COUNT
} rtpl_section_kind;

typedef enum { RTPL_EXPOSURE_NONE, RTPL_EXPOSURE_OPTIONAL, RTPL_EXPOSURE_REQUIRED } rtpl_exposure;

typedef struct {
    bool used;                          /* the template has this section */
    char title[RTPL_LABEL_MAX];         /* heading shown to the radiologist */
    bool required;                      /* must be filled before validation */
    char default_text[RTPL_TEXT_MAX];   /* prefilled wording, may be "" */
} rtpl_section;

typedef struct {
    char code[RTPL_CODE_MAX];
    char display[RTPL_LABEL_MAX];
} rtpl_coded;

typedef struct {
    char code[RTPL_CODE_MAX];           /* template identifier: A-Z, 0-9, '-', '_' (required) */
    char label[RTPL_LABEL_MAX];         /* "Scanner cérébral" (required) */
    int revision;                       /* incremented by the admin tool on each edit, >= 1 */
    char modality[8];                   /* DICOM modality, e.g. "CT" (required) */
    rtpl_coded exam_code;               /* LOINC, JDV 1.2.250.1.213.1.1.5.687 (required) */
    char region[RTPL_CODE_MAX];         /* SNOMED CT, JDV 1.2.250.1.213.1.1.5.695 ("" = none) */
    rtpl_coded target_site;             /* SNOMED CT, JDV 1.2.250.1.213.1.1.5.694 (required) */
    rtpl_coded ccam;                    /* CCAM act, 4 letters + 3 digits ("" = none) */
    rtpl_exposure exposure;             /* radiation exposure: none (MR, US), optional, required */
    rtpl_section sections[RTPL_SEC_COUNT];
} rtpl_template;

/* Value sets known to the caller; a NULL function means "format check only". */
typedef struct {
    const char *(*modality_display)(const char *code);  /* NULL when unknown */
    const char *(*region_display)(const char *code);    /* NULL when not in JDV ...695 */
} rtpl_vocabulary;

/* Key ("indication", "antecedents", ...) and default French title of a section kind. */
const char *rtpl_section_key(rtpl_section_kind k);
const char *rtpl_section_default_title(rtpl_section_kind k);
bool rtpl_section_parse(const char *key, rtpl_section_kind *out);
const char *rtpl_exposure_name(rtpl_exposure e);     /* "none", "optional", "required" */
bool rtpl_exposure_parse(const char *name, rtpl_exposure *out);
/* True for modalities using ionising radiation (CT, CR, DX, MG, NM, PT, XA, RF, IO, PX, BMD). */
bool rtpl_modality_ionising(const char *modality);

/* Fills *t with the standard six sections (default titles; technique and conclusion required,
 * indication and résultats required too) and the given identity; structured fields empty. */
void rtpl_init(rtpl_template *t, const char *code, const char *label, const char *modality);

/* Checks a template an admin saved. Returns 0, or -1 with a French message. */
int rtpl_check(const rtpl_template *t, const rtpl_vocabulary *voc, char *err, size_t errlen);

/* A report being written from a template: the text of each section (NULL or "" when empty)
 * and whether radiation doses were entered. */
typedef struct {
    const char *text[RTPL_SEC_COUNT];
    bool has_exposure;
} rtpl_filled;

/* Prefills the sections with the template's default texts (pointers into *t). */
void rtpl_prefill(const rtpl_template *t, rtpl_filled *f);

/* Checks a report against its template. Always: no text in a section the template does not
 * have, no section longer than RTPL_SECTION_TEXT_MAX, no doses for a non-ionising exam.
 * for_validation: every required section holds non-blank text, and the radiation exposure is
 * given when the template requires it. Returns 0, or -1 with a French message. */
int rtpl_check_report(const rtpl_template *t, const rtpl_filled *f, bool for_validation, char *err,
                      size_t errlen);

#endif
