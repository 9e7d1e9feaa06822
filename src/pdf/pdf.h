/* The imaging report as a PDF/A-1b document (libharu + libdmtx).
 *
 * The caller describes one report in a pdf_report (plain struct of borrowed UTF-8 strings)
 * and gets the PDF bytes back. Nothing is decided here about identity: the INS (matricule +
 * OID) is printed, and the INS datamatrix drawn, only when the caller sets ins_matricule —
 * the caller applies the INS outgoing rule (qualified identity) before filling the struct.
 *
 * Output: PDF 1.4, PDF/A-1b (ISO 19005-1 level B): DejaVu Sans TrueType fonts embedded
 * (WinAnsi/CP1252 simple fonts, which cover French), XMP metadata with pdfaid:part=1 and
 * pdfaid:conformance=B matching the Info dictionary, an sRGB (ICC v2) output intent, a
 * trailer ID. See docs/pdf.md for the layout and the conformance notes.
 *
 * Thread safety: no global state; every call builds its own libharu document, libdmtx
 * encoder and iconv descriptor. All functions may run concurrently. */
#ifndef COULOIR_PDF_PDF_H
#define COULOIR_PDF_PDF_H

#include <stddef.h>

#include "core/config.h"

/* Settings the application reads (section "pdf") and passes in pdf_options / pdf_report. */
extern const config_setting pdf_settings[];

typedef struct {
    const char *name;        /* "Cabinet de radiologie Ambroise Paré" (required) */
    const char *address;     /* postal address, lines separated by '\n' (optional) */
    const char *phone;       /* optional */
    const char *finess;      /* FINESS number, optional */
} pdf_site;

typedef struct {
    const char *birth_name;     /* nom de naissance (required) */
    const char *used_name;      /* nom utilisé, optional (printed when it differs) */
    const char *given_names;    /* prénoms de naissance, space-separated (required) */
    const char *used_given_name;/* prénom utilisé, optional */
    const char *birth_date;     /* "YYYY-MM-DD" (required) */
    char sex;                   /* 'F', 'M' or 'I' (indéterminé) (required) */
    const char *ipp;            /* local patient id (required) */
    /* INS: set ONLY when the outgoing rule allows it (qualified identity). Both or none. */
    const char *ins_matricule;  /* 15 characters (13-digit NIR/NIA + 2-digit key) */
    const char *ins_oid;        /* 1.2.250.1.213.1.4.8 (NIR), .9 (NIA), .10/.11 (test/demo) */
    const char *birthplace_code;/* INSEE code (5 characters), optional: datamatrix field S7 */
} pdf_patient;

typedef struct {
    const char *date;               /* exam date "YYYY-MM-DD" (required) */
    const char *modality;           /* DICOM modality code or label, e.g. "CT" (optional) */
    const char *ccam_code;          /* e.g. "ZBQK002" (optional) */
    const char *ccam_label;         /* act label (required) */
    const char *accession_number;   /* optional */
    const char *requester_name;     /* "Dr Jeanne Martin" (optional) */
    const char *requester_mssante;  /* requester's MSSanté address (optional; RIS.DOC.05) */
} pdf_exam;

typedef struct {
    const char *indication;   /* indication / histoire clinique */
    const char *technique;
    const char *results;      /* résultats */
    const char *conclusion;
    const char *free_text;    /* complément libre */
    /* Paragraphs are separated by '\n'; empty or NULL sections are omitted.
     * At least results or conclusion is required. */
} pdf_sections;

typedef struct {
    const char *validator_name;  /* "Pierre Durand" — printed as "Dr Pierre Durand" (required) */
    const char *validator_rpps;  /* 11 digits (required) */
    const char *validated_at;    /* ISO 8601 with offset, "2026-11-22T09:15:00+01:00"; printed
                                  * as the wall-clock date and time of that offset (required) */
} pdf_validation;

typedef struct {
    const char *name;     /* "Dr Jeanne Martin", "Patient", "Service des urgences" (required) */
    const char *channel;  /* "MSSanté", "DMP", "Courrier", ... (required) */
    const char *address;  /* e-mail, postal address... (optional) */
} pdf_recipient;

typedef struct {
    pdf_site site;
    pdf_patient patient;
    pdf_exam exam;
    pdf_sections sections;
    pdf_validation validation;
    const pdf_recipient *recipients;  /* every recipient (RIS.DOC.04) */
    size_t n_recipients;
    const char *rgpd_notice;          /* configurable notice printed at the bottom (RIS.DOC.06) */
    const char *document_id;          /* document identifier (setId / id), required */
    int version;                      /* document version, >= 1 */
    const char *title;                /* NULL: "Compte rendu d'imagerie médicale" */
    /* Preview of an unvalidated report: non-NULL, this notice (e.g. "Document non validé —
     * brouillon") replaces the "Validé le ..." block and heads every page; the validator name
     * and RPPS may then be empty, validated_at is the preview time. */
    const char *draft_notice;
} pdf_report;

typedef struct {
    const char *font_regular;  /* TrueType file; NULL: DejaVuSans.ttf */
    const char *font_bold;     /* NULL: DejaVuSans-Bold.ttf */
    const char *icc_profile;   /* ICC v2 sRGB profile; NULL: icc-profiles-free sRGB.icc */
} pdf_options;

#define PDF_DEFAULT_FONT_REGULAR "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define PDF_DEFAULT_FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define PDF_DEFAULT_ICC_PROFILE "/usr/share/color/icc/sRGB.icc"

/* Renders the report. opt may be NULL (defaults). On success returns 0 and *out (malloc'd,
 * caller frees) holds *outlen bytes of PDF. On failure returns -1, *out is NULL and err holds
 * a message in French naming the problem (missing field, bad date, unreadable font...). */
int pdf_render_report(const pdf_report *r, const pdf_options *opt,
                      unsigned char **out, size_t *outlen, char *err, size_t errlen);

/* Content of the INS datamatrix (ANS "Datamatrix INS" layout, see docs/pdf.md):
 *   "IS01" + 22 x '0' (unsigned 2D-Doc-style header), S1 matricule (15), S2 OID <GS>,
 *   S3 prénoms de naissance <GS>, S4 nom de naissance <GS>, S5 sexe (M/F), S6 date JJ-MM-AAAA,
 *   [S7 code lieu de naissance (5)]   (<GS> = 0x1D after variable fields shorter than max)
 * Writes a NUL-terminated string into out (size n). Returns its length, or -1 with err set
 * when the patient has no INS or a trait is invalid for the datamatrix. */
int pdf_ins_datamatrix_content(const pdf_patient *p, char *out, size_t n, char *err, size_t errlen);

/* File name of the PDF for MSSanté attachments and downloads (RIS.DOC.01, ECO 2.1.5/2.1.6
 * of the MSSanté client référentiel, rule detailed in docs/pdf.md):
 *   CR-IMAGERIE_<AAAAMMJJ exam date>_<NOM DE NAISSANCE>_<PRENOM>_V<version>.pdf
 * upper-case ASCII letters, digits, '-' and '_' only (accents folded), at most 100 bytes.
 * Returns the length written (NUL-terminated) or -1 with err set. */
int pdf_file_name(const pdf_report *r, char *out, size_t n, char *err, size_t errlen);

#endif
