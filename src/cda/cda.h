/* CDA R2 imaging reports (French CI-SIS): level 1 (XDS-SD, the PDF/A inside) and level 3
 * CR-IMG 2024.01 (templateId 1.2.250.1.213.1.1.1.45), built with libxml2's xmlTextWriter.
 *
 * The caller fills a cda_report (plain struct, borrowed strings, nothing owned by this module)
 * and calls cda_build_n1() / cda_build_n3(). Both check the report first (cda_report_check)
 * and fail with a French message naming the missing or malformed field; they never write a
 * document the ANS schematrons would refuse for a reason this module can see.
 *
 * Business rules stay with the caller (src/domain): whether the INS may be sent (the INS
 * outgoing rule: only a qualified identity), the version/RPLC chain of a correction, the
 * masking choices. This module only encodes what it is given, plus one derived helper:
 * cda_sharing_codes() turns masking flags + "announcement pending" into the XDS
 * confidentialityCode list the DMP / HL7 channels transmit.
 *
 * Strings (and the exams / recipients arrays) are borrowed for the duration of the call.
 * Strings are UTF-8; every text is escaped by libxml2. No global state: the functions are
 * reentrant and may run in several threads at once, provided libxml2 was initialised first:
 * a multi-threaded program calls xmlInitParser() once from its main thread at startup (the
 * build functions call it too, which is all a single-threaded program needs). */
#ifndef COULOIR_CDA_CDA_H
#define COULOIR_CDA_CDA_H

#include <stdbool.h>
#include <stddef.h>

/* Instance identifier (HL7 II): root is an OID (or UUID), extension optional (NULL). */
typedef struct {
    const char *root;
    const char *extension;
} cda_ii;

/* Coded value: code and French display name (code system implied by the field). */
typedef struct {
    const char *code;
    const char *display;
} cda_cv;

/* Postal address; every field optional (NULL): an address with no field is omitted. */
typedef struct {
    const char *house_number;/* "12" */
    const char *street;      /* street name, e.g. "rue Ambroise" */
    const char *postal_code; /* "75010" */
    const char *city;
    const char *country;     /* "FRANCE"; NULL to omit */
} cda_addr;

/* A health professional (author, validator, requester, recipient). */
typedef struct {
    const char *rpps;        /* 11 digits; written as id 1.2.250.1.71.4.2.1 / "8"+RPPS */
    const char *family;      /* required */
    const char *given;       /* optional */
    const char *prefix;      /* civilité, e.g. "M", "MME" (optional) */
    const char *suffix;      /* title, e.g. "DR" (optional) */
    cda_cv profession;       /* JDV_J01-XdsAuthorSpecialty (1.2.250.1.213.1.1.4.5), e.g.
                                {"G15_10/SM44","Médecin - Radio-diagnostic (SM)"}; required for
                                author and validator, optional elsewhere */
    const char *telecom;     /* URI "tel:0146000000" (optional) */
    const char *mssante;     /* MSSanté address "dr.x@medecin.mssante.fr" (optional; written
                                as telecom mailto:) */
    cda_addr addr;
} cda_person;

/* The site (custodian, author's organisation, place of the exam). */
typedef struct {
    const char *finess;      /* 9 characters; written as id 1.2.250.1.71.4.2.2 / "1"+FINESS */
    const char *siret;       /* 14 digits, used ("3"+SIRET) only when finess is NULL: a
                                practice without a FINESS number */
    const char *name;        /* required */
    const char *telecom;     /* URI, optional */
    cda_addr addr;
    cda_cv sector;           /* standardIndustryClassCode, JDV_J04 (1.2.250.1.213.1.1.4.9),
                                e.g. {"AMBULATOIRE","Ambulatoire"}; required */
    cda_cv facility_type;    /* healthCareFacility code, JDV_J02 (1.2.250.1.71.4.2.4),
                                e.g. {"SA08","Cabinet de groupe"}; required */
} cda_org;

typedef enum { CDA_SEX_UNKNOWN = 0, CDA_SEX_F, CDA_SEX_M } cda_sex;

typedef struct {
    /* Local identifier (IPP) and the OID of its assigning authority: required. */
    const char *ipp;
    const char *ipp_oid;
    /* INS: matricule (15 characters, NIR or NIA) and its OID (1.2.250.1.213.1.4.8 NIR,
     * 1.2.250.1.213.1.4.9 NIA, 1.2.250.1.213.1.4.10/11 test NIR/NIA; any other OID is
     * refused). Set BOTH only when the caller's
     * INS outgoing rule allows it (identity qualifiée); both NULL otherwise. */
    const char *ins;
    const char *ins_oid;
    const char *birth_family;   /* nom de naissance: required */
    const char *birth_given;    /* prénoms de naissance (all, space separated): required */
    const char *first_given;    /* premier prénom de naissance: optional (default: first word
                                   of birth_given) */
    const char *used_family;    /* nom utilisé: optional */
    const char *used_given;     /* prénom utilisé: optional */
    cda_sex sex;
    const char *birth_date;     /* "YYYY-MM-DD": required */
    const char *birthplace_code;/* code officiel géographique (INSEE) of the birthplace: optional */
    const char *birthplace_city;/* optional */
    cda_addr addr;
    const char *telecom;        /* optional URI */
} cda_patient;

/* One radiation dose value (JDV_QuantiteExpositionRayonnements_CISIS, 1.2.250.1.213.1.1.5.620,
 * DCM codes such as 113813 "PDL Total", 113830 "IDSV Moyen", 113722 "PDS Total"). */
typedef struct {
    cda_cv code;
    double value;
    const char *unit;           /* UCUM, e.g. "mGy.cm", "mGy", "Gy.m2", "mGy.cm2" */
} cda_dose;

/* Pregnancy status for the radiation exposure section (JDV_StatutGrossesse_CISIS). */
typedef enum {
    CDA_PREGNANCY_UNKNOWN = 0,  /* 261665006 inconnu */
    CDA_PREGNANCY_NO,           /* 60001007 absence de grossesse */
    CDA_PREGNANCY_YES           /* 77386006 enceinte */
} cda_pregnancy;

/* An administered product: contrast agent (FR-DICOM-Administration-produit-de-sante) or
 * radiopharmaceutical (FR-DICOM-Administration-radiopharmaceutique). name NULL: none. */
typedef struct {
    const char *name;           /* "XENETIX 350": required when the product is given */
    cda_cv atc;                 /* ATC {"V08AB11","IOBITRIDOL"}: optional */
    const char *cip;            /* CIP 13 code: optional */
    double dose;                /* quantity (mL) or activity (MBq); <= 0: not written */
    const char *dose_unit;      /* UCUM: "mL", "MBq"; required with a dose */
    cda_cv route;               /* EDQM route {"20045000","Voie intraveineuse"}: optional */
    const char *lot;            /* lot number: optional */
} cda_product;

#define CDA_MAX_DOSES 8

/* One imaging procedure (requested procedure / DICOM study) the report covers. */
typedef struct {
    const char *study_uid;      /* DICOM Study Instance UID: required */
    const char *accession;      /* accession number: required */
    const char *accession_oid;  /* OID of the issuer of the accession number: required */
    cda_ii order_id;            /* placer order number; root NULL: the accession number is used */
    cda_cv loinc;               /* exam code from JDV_CodesDocumentImagerie_CISIS
                                   (1.2.250.1.213.1.1.5.687), e.g. {"24727-0","CT tête avec
                                   contraste IV"}: required */
    cda_cv ccam;                /* CCAM act {"ACQH004", label}: optional (code NULL) */
    const char *modality;       /* DICOM modality code (JDV_ModaliteAcquisition_CISIS), one of
                                   the values cda_modality_display() knows: required */
    const char *region;         /* SNOMED CT code from JDV_RegionAnatomique_CISIS
                                   (1.2.250.1.213.1.1.5.695), see cda_region_display(): optional */
    cda_cv target_site;         /* SNOMED CT code from JDV_LocalisationAnatomique_CISIS
                                   (1.2.250.1.213.1.1.5.694), e.g. {"302548004","tête entière"}:
                                   required (the technique entry needs it) */
    const char *start;          /* exam start, ISO 8601 with offset: required */
    const char *end;            /* exam end, ISO 8601 with offset: optional */
    /* DICOM object catalog: one series and one instance (what the ANS rules accept). */
    const char *series_uid;     /* required */
    const char *sop_instance_uid; /* required */
    const char *sop_class_uid;  /* optional: default from the modality */
    const char *image_link;     /* viewer / WADO URL: optional */
    cda_product contrast;       /* contrast agent injected (optional) */
    /* Radiation exposure: written when has_exposure is true. */
    bool has_exposure;
    cda_pregnancy pregnancy;
    cda_dose doses[CDA_MAX_DOSES];
    size_t ndoses;
    cda_product radiopharmaceutical; /* NM / PT (optional; needs has_exposure) */
} cda_exam;

/* Report text, French, plain text (line breaks become paragraphs). */
typedef struct {
    const char *indication;        /* indication / histoire clinique (demande d'examen) */
    const char *medical_history;   /* antécédents médicaux */
    const char *surgical_history;  /* antécédents chirurgicaux */
    const char *contraindications; /* contre-indications (free text, shown in the narrative) */
    cda_cv contraindication;       /* coded contraindication from JDV_Contre_indications_CISIS
                                      (1.2.250.1.213.1.1.5.659): SNOMED CT (digits), CIM-10
                                      ("N18.9") or ANS terminology ("MED-1105", "GEN-...");
                                      code NULL: no coded entry (the schematron accepts none) */
    const char *technique;         /* technique: required */
    const char *findings;          /* résultats */
    const char *comparison;        /* comparaison avec des examens antérieurs */
    const char *conclusion;        /* conclusion: required */
    const char *addendum;          /* addendum; needs addendum_author and addendum_time */
    cda_person addendum_author;
    const char *addendum_time;
} cda_sections;

/* Masking and sharing choices (DMP metadata, HL7 channels). */
typedef struct {
    bool masque_ps;                    /* masqué aux professionnels de santé */
    bool invisible_patient;            /* non visible par le patient */
    bool invisible_legal_reps;         /* non visible par les représentants légaux */
    bool secret_connection;            /* connexion secrète */
    bool announcement_pending;         /* annonce au patient pas encore faite */
} cda_masking;

typedef struct {
    cda_ii id;                  /* document id: required (root = OID or UUID) */
    cda_ii set_id;              /* same for every version of the report: required */
    int version;                /* >= 1 */
    cda_ii replaces;            /* id of the document this one corrects (RPLC); root NULL when
                                   none. Required when version > 1. */
    const char *effective_time; /* document creation, ISO 8601 with offset: required */
    const char *title;          /* optional: default "Compte rendu d'imagerie médicale - <exams>" */
    char confidentiality;       /* HL7 Confidentiality: 'N' (default when 0), 'R' or 'V' */
    cda_masking masking;
    cda_patient patient;
    cda_person author;          /* radiologue rédacteur */
    const char *author_time;    /* required */
    cda_person validator;       /* legalAuthenticator: the radiologist who validated */
    const char *validation_time;/* required */
    cda_org site;               /* custodian, author's organisation, place of the exam */
    const char *encounter_code; /* ActEncounterCode: "AMB" (default), "IMP", "EMER", "HH"... */
    cda_person requester;       /* prescripteur, with the MSSanté address (RIS.DOC.05);
                                   family NULL: none */
    const cda_exam *exams;      /* the procedures the report covers: 1 to CDA_MAX_EXAMS */
    size_t nexams;
    cda_sections text;
    const cda_person *recipients; /* informationRecipient: everyone the report is sent to
                                     (RIS.DOC.04); may be NULL when nrecipients == 0 */
    size_t nrecipients;
} cda_report;

#define CDA_MAX_EXAMS 16
#define CDA_MAX_RECIPIENTS 32

/* Checks that the report has what both document levels need. Returns 0, or -1 with a French
 * message in err naming the field, e.g. "champ exams[0].study_uid : OID invalide « 1.2.03 »". */
int cda_report_check(const cda_report *r, char *err, size_t errlen);

/* Level 3 CR-IMG 2024.01. On success returns 0 and *xml (malloc'd, NUL-terminated, UTF-8,
 * free with free()) of *len bytes; on failure returns -1, *xml = NULL and a French message in
 * err. */
int cda_build_n3(const cda_report *r, char **xml, size_t *len, char *err, size_t errlen);

/* Level 1 (XDS-SD): the same header and the PDF (pdf, pdf_len bytes, must start with "%PDF-")
 * base64-encoded in a nonXMLBody. Same return convention as cda_build_n3. */
int cda_build_n1(const cda_report *r, const unsigned char *pdf, size_t pdf_len, char **xml,
                 size_t *len, char *err, size_t errlen);

/* XDS confidentialityCode values (code system 1.2.250.1.213.1.1.4.13 for the masking codes,
 * 2.16.840.1.113883.5.25 for the HL7 level) to send with the document: the HL7 level
 * first, then MASQUE_PS, INVISIBLE_PATIENT (also when the announcement is pending),
 * INVISIBLE_REPRESENTANTS_LEGAUX, CONNEXION_SECRETE as chosen. */
typedef struct {
    const char *code;
    const char *display;
    const char *system;
} cda_coded;
size_t cda_sharing_codes(const cda_report *r, cda_coded *out, size_t max);

/* Value sets this module knows (NULL when the code is not in the set). */
const char *cda_modality_display(const char *modality);    /* JDV 1.2.250.1.213.1.1.5.618 subset */
const char *cda_region_display(const char *snomed_code);   /* JDV 1.2.250.1.213.1.1.5.695 */
const char *cda_default_sop_class(const char *modality);   /* storage SOP class for a modality */
const char *cda_sop_class_display(const char *sop_class_uid); /* JDV 1.2.250.1.213.1.1.5.689 subset */

#endif
