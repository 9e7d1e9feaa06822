/* The imaging report render pipeline: one validated report -> PDF/A-1b + CDA R2 level 1
 * (embedding that PDF) + CDA R2 level 3 CR-IMG, and the JSON form of report templates.
 *
 * report_render() maps the domain data of one validated (or corrected) report to the
 * pdf_report and cda_report the pdf and cda modules encode. It is the ONE place where the INS
 * outgoing rule (ins_may_emit, rule 28 / RIS.INS.37) is applied for the three documents: the
 * matricule, its OID and the INS datamatrix appear in the PDF, the N1 and the N3 only when the
 * identity is qualifiée and its INS passes the policy; otherwise the traits alone are written.
 * The masking and sharing choices (rpt_state.flags) become the CDA masking and the XDS
 * confidentiality codes (cda_sharing_codes); version, setId and RPLC come from the life cycle
 * state (domain/report_lifecycle.h).
 *
 * Thread safety: no global state; every call is independent. libxml2 must have been
 * initialised once from the main thread before calling from several threads (report_init()). */
#ifndef COULOIR_REPORT_REPORT_H
#define COULOIR_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "cda/cda.h"
#include "domain/report_lifecycle.h"
#include "domain/report_template.h"
#include "ins/ins.h"
#include "pdf/pdf.h"

/* Initialises the libraries the pipeline uses (libxml2's parser, libxslt's globals for the
 * HTML display). Call once from the main thread of a multi-threaded program before any
 * report_render() or report_cda_html(). Idempotent. */
void report_init(void);

typedef struct {
    const ins_identity *identity;  /* traits, matricule, OID, status (required) */
    const ins_policy *policy;      /* accepted OIDs for the outgoing rule (required) */
    const char *ipp;               /* local patient identifier (required) */
    const char *ipp_oid;           /* its assigning authority (required) */
    const char *birthplace_city;   /* optional */
    cda_addr addr;                 /* optional */
    const char *telecom;           /* optional URI */
} report_patient;

typedef struct {
    cda_org org;                   /* name, FINESS/SIRET, address, sector, facility type */
    const char *phone;             /* as printed on the letterhead (optional) */
} report_site;

typedef struct {
    cda_person person;             /* name, RPPS, MSSanté address */
    const char *channel;           /* printed channel: "MSSanté", "Courrier", "DMP"... (required) */
    const char *address;           /* printed address; NULL: person.mssante */
} report_recipient;

/* Report text by template section (RTPL_SEC_*), plus what has no template section. */
typedef struct {
    const char *text[RTPL_SEC_COUNT];  /* indication, antécédents, technique, résultats,
                                          comparaison, conclusion */
    const char *surgical_history;      /* optional */
    const char *contraindications;     /* optional free text */
    cda_cv contraindication;           /* optional coded contraindication (see cda.h) */
    const char *addendum;              /* corrections: what changed (optional) */
} report_text;

typedef struct {
    /* Life cycle: status validé or corrigé; gives set id, version, document id, the replaced
     * document, the validation date-time and the flags. */
    const rpt_state *state;
    const char *id_root;           /* OID under which state's document ids are extensions */
    const report_patient *patient;
    const report_site *site;
    cda_person author;             /* radiologist who wrote the report (family NULL: the validator) */
    const char *authored_at;       /* ISO 8601 with offset; NULL: the validation time */
    cda_person validator;          /* radiologist who validated: RPPS must match state->validator_rpps */
    cda_person requester;          /* prescripteur (family NULL: none) */
    const report_recipient *recipients;
    size_t n_recipients;
    const cda_exam *exams;         /* 1..CDA_MAX_EXAMS procedures */
    size_t n_exams;
    report_text text;
    const rtpl_template *template; /* optional: the report is checked against it */
    char confidentiality;          /* 'N' (default when 0), 'R', 'V' */
    const char *encounter_code;    /* NULL: "AMB" */
    const char *title;             /* NULL: the modules' default title */
    const char *rgpd_notice;       /* configurable notice at the bottom of the PDF (RIS.DOC.06) */
    const pdf_options *pdf_options;/* NULL: defaults */
} report_input;

#define REPORT_MAX_SHARING_CODES 8

typedef struct {
    unsigned char *pdf;            /* PDF/A-1b bytes (malloc'd) */
    size_t pdf_len;
    char pdf_name[128];            /* MSSanté file name (ECO 2.1.5/2.1.6) */
    char *n1;                      /* CDA R2 level 1 XML with the PDF inside (malloc'd) */
    size_t n1_len;
    char *n3;                      /* CDA R2 level 3 CR-IMG XML (malloc'd) */
    size_t n3_len;
    cda_coded sharing[REPORT_MAX_SHARING_CODES]; /* XDS confidentialityCode list (static strings) */
    size_t n_sharing;
    bool ins_emitted;              /* the outgoing rule allowed the INS */
} report_outputs;

/* Renders the three documents. Returns 0 with *out filled (free with report_outputs_free), or
 * -1 with *out zeroed and a French message in err naming the problem. */
int report_render(const report_input *in, report_outputs *out, char *err, size_t errlen);
void report_outputs_free(report_outputs *out);

/* PDF of a report that is not validated (any status), for display: the current text laid out
 * as report_render() would, with `notice` ("Document non validé — brouillon") instead of the
 * validation block (pdf_report.draft_notice). `at`: ISO 8601 time with offset of the preview.
 * The validator may lack an RPPS. Returns 0 with *pdf (malloc'd) of *pdf_len bytes, or -1 with
 * a French message. */
int report_render_preview(const report_input *in, const char *at, const char *notice, unsigned char **pdf,
                          size_t *pdf_len, char *err, size_t errlen);

/* Fills the exam's coded fields left NULL (modality, LOINC exam code, region, target site,
 * CCAM act) from the template; the strings point into *t. */
void report_exam_from_template(const rtpl_template *t, cda_exam *exam);

/* The value sets the CDA module knows, for rtpl_check(). */
rtpl_vocabulary report_template_vocabulary(void);

/* JSON form of a template (jansson), as edited by admins:
 *   {"code":"CT-CRANE","label":"Scanner cérébral","revision":1,"modality":"CT",
 *    "exam_code":{"code":"24727-0","display":"..."},"region":"774007",
 *    "target_site":{"code":"302548004","display":"tête entière"},
 *    "ccam":{"code":"ACQH004","display":"..."},"exposure":"optional",
 *    "sections":[{"key":"indication","title":"...","required":true,"default_text":""}, ...]}
 * Sections absent from the array are not used by the template. */
/* Returns a malloc'd UTF-8 string, or NULL with a French message. */
char *report_template_to_json(const rtpl_template *t, char *err, size_t errlen);
/* Parses and checks (rtpl_check with report_template_vocabulary()). Unknown members are
 * refused. Returns 0, or -1 with a French message naming the member. */
int report_template_from_json(const char *json, rtpl_template *out, char *err, size_t errlen);

#endif
