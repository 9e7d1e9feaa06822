/* CI-SIS CDA header shared by level 1 and level 3 (Volet Structuration Minimale + the
 * DICOM part 20 imaging header constraints of CR-IMG 2024.01). */
#include "cda/cda_internal.h"

#include "core/timeutil.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- reusable pieces ---------------------------------------------------------------- */

void cx_addr(cda_ctx *c, const cda_addr *a)
{
    if (!cda_has(a->house_number) && !cda_has(a->street) && !cda_has(a->postal_code) &&
        !cda_has(a->city) && !cda_has(a->country))
        return;
    cx_start(c, "addr");
    cx_elem_text(c, "houseNumber", a->house_number);
    cx_elem_text(c, "streetName", a->street);
    cx_elem_text(c, "postalCode", a->postal_code);
    cx_elem_text(c, "city", a->city);
    cx_elem_text(c, "country", a->country);
    cx_end(c);
}

void cx_person_name(cda_ctx *c, const cda_person *p)
{
    cx_start(c, "name");
    cx_elem_text(c, "prefix", p->prefix);
    cx_elem_text(c, "given", p->given);
    cx_elem_text(c, "family", p->family);
    cx_elem_text(c, "suffix", p->suffix);
    cx_end(c);
}

void cx_rpps_id(cda_ctx *c, const cda_person *p)
{
    char ext[24];
    snprintf(ext, sizeof ext, "8%s", p->rpps);
    cx_ii(c, "id", CDA_OID_RPPS, ext);
}

void cx_finess_id(cda_ctx *c, const cda_org *o)
{
    char ext[24];
    if (cda_has(o->finess)) snprintf(ext, sizeof ext, "1%s", o->finess);
    else snprintf(ext, sizeof ext, "3%s", o->siret);
    cx_ii(c, "id", CDA_OID_FINESS, ext);
}

void cx_telecoms(cda_ctx *c, const char *telecom, const char *mssante, const char *use)
{
    if (cda_has(telecom)) {
        cx_start(c, "telecom");
        cx_attr(c, "value", telecom);
        cx_attr(c, "use", use);
        cx_end(c);
    }
    if (cda_has(mssante)) {
        char uri[320];
        snprintf(uri, sizeof uri, "mailto:%s", mssante);
        cx_start(c, "telecom");
        cx_attr(c, "value", uri);
        cx_attr(c, "use", use);
        cx_end(c);
    }
}

void cx_organization(cda_ctx *c, const char *elem, const cda_org *o, int with_sector)
{
    cx_start(c, elem);
    if (strcmp(elem, "representedCustodianOrganization") == 0) {
        cx_attr(c, "classCode", "ORG");
        cx_attr(c, "determinerCode", "INSTANCE");
    }
    cx_finess_id(c, o);
    cx_elem_text(c, "name", o->name);
    cx_telecoms(c, o->telecom, NULL, NULL);
    cx_addr(c, &o->addr);
    if (with_sector)
        cx_code(c, "standardIndustryClassCode", o->sector.code, o->sector.display, CDA_OID_SECTOR, NULL);
    cx_end(c);
}

/* assignedAuthor / assignedEntity content for a professional of the site. */
static void professional(cda_ctx *c, const cda_person *p, const cda_org *org)
{
    cx_rpps_id(c, p);
    if (cda_has(p->profession.code))
        cx_code(c, "code", p->profession.code, p->profession.display, CDA_OID_PROFESSION, NULL);
    cx_addr(c, &p->addr);
    cx_telecoms(c, p->telecom, p->mssante, "WP");
    cx_start(c, "assignedPerson");
    cx_person_name(c, p);
    cx_end(c);
    if (org) cx_organization(c, "representedOrganization", org, 1);
}

/* ---- header sections ---------------------------------------------------------------- */

static void document_code(cda_ctx *c)
{
    cx_code_open(c, "code", "18748-4", "CR d'imagerie médicale", CDA_OID_LOINC, "LOINC");
    cx_comment(c, " Examens : JDV_CodesDocumentImagerie_CISIS (1.2.250.1.213.1.1.5.687) ");
    for (size_t i = 0; i < c->r->nexams; i++) {
        const cda_exam *e = &c->r->exams[i];
        int dup = 0; /* the same exam code twice is written once */
        for (size_t j = 0; j < i; j++) dup |= strcmp(c->r->exams[j].loinc.code, e->loinc.code) == 0;
        if (!dup) cx_code(c, "translation", e->loinc.code, e->loinc.display, CDA_OID_LOINC, "LOINC");
    }
    cx_end(c);
}

static void confidentiality(cda_ctx *c)
{
    static const struct { char k; const char *display; } levels[] = {
        {'N', "Normal"}, {'R', "Restreint"}, {'V', "Très restreint"},
    };
    char code[2] = {c->r->confidentiality ? c->r->confidentiality : 'N', '\0'};
    const char *display = "Normal";
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (levels[i].k == code[0]) display = levels[i].display;
    cx_code(c, "confidentialityCode", code, display, CDA_OID_CONFIDENTIALITY, NULL);
}

static void record_target(cda_ctx *c)
{
    const cda_patient *p = &c->r->patient;
    cx_start(c, "recordTarget");
    cx_start(c, "patientRole");
    if (cda_has(p->ins) && cda_has(p->ins_oid)) {
        cx_comment(c, " INS (identité qualifiée) ");
        cx_ii(c, "id", p->ins_oid, p->ins);
    }
    cx_ii(c, "id", p->ipp_oid, p->ipp);
    cx_addr(c, &p->addr);
    cx_telecoms(c, p->telecom, NULL, NULL);
    cx_start(c, "patient");
    cx_attr(c, "classCode", "PSN");
    cx_start(c, "name");
    cx_start(c, "family");
    cx_attr(c, "qualifier", "BR");
    cx_text(c, p->birth_family);
    cx_end(c);
    cx_elem_text(c, "given", p->birth_given);
    char first[128];
    const char *fg = p->first_given;
    if (!cda_has(fg)) {
        const char *s = p->birth_given + strspn(p->birth_given, " ");
        size_t n = strcspn(s, " ");
        if (n >= sizeof first) n = sizeof first - 1; /* check.c caps names at 100 bytes */
        memcpy(first, s, n);
        first[n] = '\0';
        fg = first;
    }
    cx_start(c, "given");
    cx_attr(c, "qualifier", "BR");
    cx_text(c, fg);
    cx_end(c);
    if (cda_has(p->used_family)) {
        cx_start(c, "family");
        cx_attr(c, "qualifier", "CL");
        cx_text(c, p->used_family);
        cx_end(c);
    }
    if (cda_has(p->used_given)) {
        cx_start(c, "given");
        cx_attr(c, "qualifier", "CL");
        cx_text(c, p->used_given);
        cx_end(c);
    }
    cx_end(c); /* name */
    static const char *const sex_code[] = {"UN", "F", "M"};
    static const char *const sex_name[] = {"Inconnu", "Féminin", "Masculin"};
    int s = p->sex == CDA_SEX_F ? 1 : p->sex == CDA_SEX_M ? 2 : 0;
    cx_code(c, "administrativeGenderCode", sex_code[s], sex_name[s], CDA_OID_GENDER, NULL);
    cx_ts(c, "birthTime", p->birth_date);
    if (cda_has(p->birthplace_code) || cda_has(p->birthplace_city)) {
        cx_start(c, "birthplace");
        cx_start(c, "place");
        cx_start(c, "addr");
        cx_elem_text(c, "county", p->birthplace_code);
        cx_elem_text(c, "city", p->birthplace_city);
        cx_end(c);
        cx_end(c);
        cx_end(c);
    }
    cx_end(c); /* patient */
    cx_end(c); /* patientRole */
    cx_end(c); /* recordTarget */
}

static void author(cda_ctx *c)
{
    const cda_report *r = c->r;
    cx_start(c, "author");
    cx_ts(c, "time", r->author_time);
    cx_start(c, "assignedAuthor");
    professional(c, &r->author, &r->site);
    cx_end(c);
    cx_end(c);
}

static void custodian(cda_ctx *c)
{
    cx_start(c, "custodian");
    cx_attr(c, "typeCode", "CST");
    cx_start(c, "assignedCustodian");
    cx_attr(c, "classCode", "ASSIGNED");
    cx_organization(c, "representedCustodianOrganization", &c->r->site, 0);
    cx_end(c);
    cx_end(c);
}

static void recipients(cda_ctx *c)
{
    const cda_report *r = c->r;
    for (size_t i = 0; i < r->nrecipients; i++) {
        const cda_person *p = &r->recipients[i];
        cx_start(c, "informationRecipient");
        cx_attr(c, "typeCode", "PRCP");
        cx_start(c, "intendedRecipient");
        if (cda_has(p->rpps)) cx_rpps_id(c, p);
        cx_addr(c, &p->addr);
        cx_telecoms(c, p->telecom, p->mssante, "WP");
        cx_start(c, "informationRecipient");
        cx_person_name(c, p);
        cx_end(c);
        cx_end(c);
        cx_end(c);
    }
}

static void legal_authenticator(cda_ctx *c)
{
    const cda_report *r = c->r;
    cx_start(c, "legalAuthenticator");
    cx_ts(c, "time", r->validation_time);
    cx_code(c, "signatureCode", "S", NULL, NULL, NULL);
    cx_start(c, "assignedEntity");
    professional(c, &r->validator, &r->site);
    cx_end(c);
    cx_end(c);
}

/* The requesting physician (prescripteur), with the MSSanté address (RIS.DOC.05). */
static void requester(cda_ctx *c)
{
    const cda_person *p = &c->r->requester;
    if (!cda_has(p->family)) return;
    cx_start(c, "participant");
    cx_attr(c, "typeCode", "REF");
    cx_start(c, "time");
    cx_attr(c, "nullFlavor", "UNK");
    cx_end(c);
    cx_start(c, "associatedEntity");
    cx_attr(c, "classCode", "PROV");
    if (cda_has(p->rpps)) cx_rpps_id(c, p);
    if (cda_has(p->profession.code))
        cx_code(c, "code", p->profession.code, p->profession.display, CDA_OID_PROFESSION, NULL);
    cx_addr(c, &p->addr);
    cx_telecoms(c, p->telecom, p->mssante, "WP");
    cx_start(c, "associatedPerson");
    cx_person_name(c, p);
    cx_end(c);
    cx_end(c);
    cx_end(c);
}

static void in_fulfillment_of(cda_ctx *c, const cda_exam *e)
{
    cx_start(c, "inFulfillmentOf");
    cx_start(c, "order");
    if (cda_has(e->order_id.root))
        cx_ii(c, "id", e->order_id.root, e->order_id.extension);
    else
        cx_ii(c, "id", e->accession_oid, e->accession);
    cx_start_ns(c, "ps3-20", "accessionNumber", NULL);
    cx_attr(c, "root", e->accession_oid);
    cx_attr(c, "extension", e->accession);
    cx_end(c);
    cx_end(c);
    cx_end(c);
}

static void service_event(cda_ctx *c, const cda_exam *e)
{
    const cda_report *r = c->r;
    cx_start(c, "documentationOf");
    cx_start(c, "serviceEvent");
    cx_attr(c, "classCode", "ACT");
    cx_ii(c, "id", e->study_uid, NULL);
    cx_code_open(c, "code", e->loinc.code, e->loinc.display, CDA_OID_LOINC, "LOINC");
    if (cda_has(e->ccam.code))
        cx_code(c, "translation", e->ccam.code, e->ccam.display, CDA_OID_CCAM, "CCAM");
    cx_code_open(c, "translation", e->modality, cda_modality_display(e->modality), CDA_OID_DCM, "DCM");
    cx_start(c, "qualifier");
    cx_code(c, "name", "121139", "Modalité d'imagerie", CDA_OID_DCM, "DCM");
    cx_end(c);
    cx_end(c);
    if (cda_has(e->region)) {
        cx_code_open(c, "translation", e->region, cda_region_display(e->region), CDA_OID_SNOMED, "SNOMED CT");
        cx_start(c, "qualifier");
        cx_code(c, "name", "39111-0", "Localisation anatomique", CDA_OID_LOINC, "LOINC");
        cx_end(c);
        cx_end(c);
    }
    cx_end(c); /* code */
    cx_start(c, "effectiveTime");
    cx_ts(c, "low", e->start);
    if (cda_has(e->end)) cx_ts(c, "high", e->end);
    cx_end(c);
    cx_start(c, "performer");
    cx_attr(c, "typeCode", "PRF");
    cx_start(c, "assignedEntity");
    professional(c, &r->author, &r->site);
    cx_end(c);
    cx_end(c);
    cx_end(c); /* serviceEvent */
    cx_end(c); /* documentationOf */
}

static void related_document(cda_ctx *c)
{
    const cda_report *r = c->r;
    if (!cda_has(r->replaces.root)) return;
    cx_start(c, "relatedDocument");
    cx_attr(c, "typeCode", "RPLC");
    cx_start(c, "parentDocument");
    cx_ii(c, "id", r->replaces.root, r->replaces.extension);
    cx_end(c);
    cx_end(c);
}

static void component_of(cda_ctx *c)
{
    const cda_report *r = c->r;
    const char *enc = cda_has(r->encounter_code) ? r->encounter_code : "AMB";
    static const struct { const char *code, *display; } encounters[] = {
        {"AMB", "Ambulatoire"}, {"EMER", "Urgence"}, {"IMP", "Hospitalisation"},
        {"ACUTE", "Hospitalisation aiguë"}, {"NONAC", "Hospitalisation non aiguë"},
        {"SS", "Hospitalisation de jour"}, {"HH", "Soins à domicile"}, {"VR", "Téléconsultation"},
    };
    const char *display = NULL;
    for (size_t i = 0; i < sizeof encounters / sizeof encounters[0]; i++)
        if (strcmp(encounters[i].code, enc) == 0) display = encounters[i].display;
    cx_start(c, "componentOf");
    cx_start(c, "encompassingEncounter");
    cx_code(c, "code", enc, display, CDA_OID_ACTCODE, NULL);
    /* The encounter spans the exams: earliest start, latest end. */
    const char *low = r->exams[0].start, *high = NULL;
    int64_t tlow = 0, thigh = 0, t;
    time_parse_datetime(low, &tlow);
    for (size_t i = 0; i < r->nexams; i++) {
        const cda_exam *e = &r->exams[i];
        if (time_parse_datetime(e->start, &t) == 0 && t < tlow) { tlow = t; low = e->start; }
        if (cda_has(e->end) && time_parse_datetime(e->end, &t) == 0 && (!high || t > thigh)) {
            thigh = t;
            high = e->end;
        }
    }
    cx_start(c, "effectiveTime");
    cx_ts(c, "low", low);
    if (high) cx_ts(c, "high", high);
    cx_end(c);
    cx_start(c, "location");
    cx_start(c, "healthCareFacility");
    cx_finess_id(c, &r->site);
    cx_code(c, "code", r->site.facility_type.code, r->site.facility_type.display, CDA_OID_FACILITY, NULL);
    cx_start(c, "location");
    cx_elem_text(c, "name", r->site.name);
    cx_addr(c, &r->site.addr);
    cx_end(c);
    cx_end(c);
    cx_end(c);
    cx_end(c);
    cx_end(c);
}

const char *cda_title(const cda_report *r, char *buf, size_t n)
{
    if (cda_has(r->title)) return r->title;
    size_t used = (size_t)snprintf(buf, n, "Compte rendu d'imagerie médicale - ");
    for (size_t i = 0; i < r->nexams && used < n; i++) {
        const char *sep = i ? " + " : "";
        size_t need = strlen(sep) + strlen(r->exams[i].loinc.display);
        if (used + need >= n) break; /* never cut a name (nor a UTF-8 sequence) */
        used += (size_t)snprintf(buf + used, n - used, "%s%s", sep, r->exams[i].loinc.display);
    }
    return buf;
}

void cda_write_header(cda_ctx *c, int level3)
{
    const cda_report *r = c->r;
    cx_code(c, "realmCode", "FR", NULL, NULL, NULL);
    cx_ii(c, "typeId", "2.16.840.1.113883.1.3", "POCD_HD000040");
    cx_template(c, "2.16.840.1.113883.2.8.2.1");
    cx_template(c, "1.2.250.1.213.1.1.1.1");
    if (level3) {
        cx_template(c, "1.2.840.10008.9.1");
        cx_template(c, "1.2.840.10008.9.20");
        cx_template(c, "1.2.840.10008.9.21");
        cx_start(c, "templateId");
        cx_attr(c, "root", "1.2.250.1.213.1.1.1.45");
        cx_attr(c, "extension", "2024.01");
        cx_end(c);
    } else {
        cx_template(c, "1.3.6.1.4.1.19376.1.2.20");
    }
    cx_ii(c, "id", r->id.root, r->id.extension);
    document_code(c);
    char title[512];
    cx_elem_text(c, "title", cda_title(r, title, sizeof title));
    cx_ts(c, "effectiveTime", r->effective_time);
    confidentiality(c);
    cx_code(c, "languageCode", "fr-FR", NULL, NULL, NULL);
    cx_ii(c, "setId", r->set_id.root, r->set_id.extension);
    char version[16];
    snprintf(version, sizeof version, "%d", r->version);
    cx_start(c, "versionNumber");
    cx_attr(c, "value", version);
    cx_end(c);
    record_target(c);
    author(c);
    custodian(c);
    recipients(c);
    legal_authenticator(c);
    requester(c);
    for (size_t i = 0; i < r->nexams; i++) in_fulfillment_of(c, &r->exams[i]);
    for (size_t i = 0; i < r->nexams; i++) service_event(c, &r->exams[i]);
    related_document(c);
    component_of(c);
}
