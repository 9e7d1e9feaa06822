/* ANS "Transmission de document(s) CDA en HL7v2": ORU^R01 / MDM^T02-T10-T04 builder. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7/hl7_internal.h"

#define OID_RPPS "1.2.250.1.71.4.2.1"
#define OID_STRUCT "1.2.250.1.71.4.2.2"

typedef struct {
    hl7_message *m;
    long seg;
    int rc;
} bld;

/* Sets SEG-field[.comp[.sub]] of the current segment (escaped); NULL/empty values skipped. */
static void put(bld *b, int field, int comp, int sub, const char *v)
{
    if (b->rc != HL7_OK || !v || !*v) return;
    b->rc = hl7_seg_set(b->m, (size_t)b->seg, field, 1, comp, sub, v);
}

static void putr(bld *b, int field, int rep, int comp, int sub, const char *v)
{
    if (b->rc != HL7_OK || !v || !*v) return;
    b->rc = hl7_seg_set(b->m, (size_t)b->seg, field, rep, comp, sub, v);
}

static void seg(bld *b, const char *name)
{
    if (b->rc != HL7_OK) return;
    b->seg = hl7_segment_append(b->m, name);
    if (b->seg < 0) b->rc = (int)b->seg;
}

static const char *ins_namespace(const char *oid)
{
    return oid && strcmp(oid, "1.2.250.1.213.1.4.9") == 0 ? "ASIP-SANTE-INS-NIA" : "ASIP-SANTE-INS-NIR";
}

/* XCN of a health professional: id^family^given^^^^^^ASIP-SANTE-PS&oid&ISO^D^^^type */
static void put_xcn(bld *b, int field, const hl7_report_person *p)
{
    put(b, field, 1, 0, p->id);
    put(b, field, 2, 0, p->family);
    put(b, field, 3, 0, p->given);
    if (p->id) {
        put(b, field, 9, 1, "ASIP-SANTE-PS");
        put(b, field, 9, 2, OID_RPPS);
        put(b, field, 9, 3, "ISO");
        put(b, field, 10, 0, "D");
        put(b, field, 13, 0, p->id_type ? p->id_type : "RPPS");
    }
}

static void put_mail(bld *b, int field, const char *addr)
{
    put(b, field, 2, 0, "NET");
    put(b, field, 3, 0, "X.400");
    put(b, field, 4, 0, addr);
}

static int b64(const void *data, size_t len, buf_t *out)
{
    if (len > (size_t)INT32_MAX / 2) return HL7_E_TOO_LARGE;
    size_t need = 4 * ((len + 2) / 3) + 1;
    if (buf_reserve(out, need) != 0) return HL7_E_NOMEM;
    int n = EVP_EncodeBlock((unsigned char *)out->data + out->len, data, (int)len);
    out->len += (size_t)n;
    out->data[out->len] = '\0';
    return HL7_OK;
}

/* OBX ED row: OBX|n|ED|code^display^system||^<type>^<subtype>^Base64^<data>||||||<status>| */
static void obx_ed(bld *b, const hl7_report_tx *in, int setid, const char *code, const char *display,
                   const char *system, const char *subtype, const void *data, size_t len, const char *status)
{
    char num[16];
    snprintf(num, sizeof num, "%d", setid);
    seg(b, "OBX");
    put(b, 1, 0, 0, num);
    put(b, 2, 0, 0, "ED");
    put(b, 3, 1, 0, code);
    put(b, 3, 2, 0, display);
    put(b, 3, 3, 0, system);
    put(b, 5, 2, 0, in->kind == HL7_REPORT_MDM ? "text" : "TEXT");
    put(b, 5, 3, 0, subtype);
    put(b, 5, 4, 0, "Base64");
    if (b->rc == HL7_OK) {
        buf_t enc = BUF_INIT;
        b->rc = b64(data, len, &enc);
        const hl7_delims *d = hl7_message_delims(b->m);
        bool clash = strchr("+/=", d->field) || strchr("+/=", d->component) || strchr("+/=", d->repetition) ||
                     strchr("+/=", d->escape) || strchr("+/=", d->subcomponent);
        if (b->rc == HL7_OK)
            b->rc = clash ? hl7_seg_set(b->m, (size_t)b->seg, 5, 1, 5, 0, enc.data)
                          : hl7_seg_set_raw(b->m, (size_t)b->seg, 5, 1, 5, 0, enc.data, enc.len);
        buf_free(&enc);
    }
    put(b, 11, 0, 0, status);
}

static void obx_flag(bld *b, const hl7_report_tx *in, int setid, const char *code, const char *display, bool v)
{
    char num[16];
    snprintf(num, sizeof num, "%d", setid);
    seg(b, "OBX");
    put(b, 1, 0, 0, num);
    put(b, 2, 0, 0, in->kind == HL7_REPORT_MDM ? "CWE" : "CE");
    put(b, 3, 1, 0, code);
    put(b, 3, 2, 0, display);
    put(b, 3, 3, 0, "MetaDMPMSS");
    put(b, 5, 1, 0, v ? "Y" : "N");
    put(b, 5, 3, 0, "expandedYes-NoIndicator");
    put(b, 11, 0, 0, "F");
}

static void prt(bld *b, const char *role, const hl7_report_person *p, const char *mail)
{
    seg(b, "PRT");
    put(b, 2, 0, 0, "UC");
    put(b, 4, 1, 0, role);
    put(b, 4, 3, 0, "participation");
    if (p) put_xcn(b, 5, p);
    if (mail) put_mail(b, 15, mail);
}

static int invalid(hl7_error *err, const char *what)
{
    hl7_err_set(err, HL7_E_INVALID, 0, 0, 0, "transmission de document : %s", what);
    return HL7_E_INVALID;
}

static int check(const hl7_report_tx *in, hl7_error *err)
{
    if (!in) return invalid(err, "paramètres absents");
    if (!in->control_id || !*in->control_id) return invalid(err, "identifiant du message (MSH-10) manquant");
    if (!in->doc_id || !*in->doc_id) return invalid(err, "identifiant du document CDA (TXA-12) manquant");
    if (!in->cda || in->cda_len == 0) return invalid(err, "document CDA manquant");
    if (!in->birth_name || !*in->birth_name) return invalid(err, "nom de naissance du patient manquant");
    if ((!in->ipp || !*in->ipp) && !(in->ins_qualified && in->ins)) return invalid(err, "aucun identifiant du patient (IPP ou INS qualifiée)");
    if (in->ins_qualified) {
        if (!in->ins || strlen(in->ins) != 15) return invalid(err, "INS qualifiée attendue sur 15 caractères (matricule et clé)");
        if (!in->ins_oid || strncmp(in->ins_oid, "1.2.250.1.213.1.4.", 18) != 0)
            return invalid(err, "OID de l'INS invalide (1.2.250.1.213.1.4.8, .9, .10 ou .11 attendu)");
    }
    if (in->dest_mssante_pat && !in->ins_qualified)
        return invalid(err, "envoi MSSanté au patient impossible : l'identité n'est pas qualifiée (INS)");
    if (in->dest_mssante_ps) {
        bool any = false;
        for (size_t i = 0; i < in->nrecipients; i++) any = any || (in->recipients[i].mssante && *in->recipients[i].mssante);
        if (!any) return invalid(err, "envoi MSSanté aux professionnels demandé sans adresse de destinataire");
    }
    if (in->action != HL7_REPORT_INITIAL && (!in->parent_doc_id || !*in->parent_doc_id) && in->kind == HL7_REPORT_MDM)
        return invalid(err, "remplacement ou suppression sans identifiant de la version précédente (TXA-13)");
    if (in->action == HL7_REPORT_INITIAL && in->version > 1)
        return invalid(err, "transmission initiale d'une version supérieure à 1 : utiliser un remplacement");
    if (in->action == HL7_REPORT_REPLACE && in->version == 1)
        return invalid(err, "remplacement d'un document en version 1 : la nouvelle version doit être supérieure");
    if (in->action == HL7_REPORT_REPLACE && in->parent_doc_id && strcmp(in->parent_doc_id, in->doc_id) == 0)
        return invalid(err, "la nouvelle version doit avoir un identifiant différent de la précédente");
    if (in->charset && !hl7_charset_iconv_name(in->charset, strlen(in->charset)))
        return invalid(err, "jeu de caractères (MSH-18) non pris en charge");
    return HL7_OK;
}

hl7_message *hl7_report_build(const hl7_report_tx *in, hl7_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    if (check(in, err) != HL7_OK) return NULL;
    bld b = {hl7_message_new(NULL), 0, HL7_OK};
    if (!b.m) {
        hl7_err_set(err, HL7_E_NOMEM, 0, 0, 0, NULL);
        return NULL;
    }
    bool mdm = in->kind == HL7_REPORT_MDM;
    static const char *const mdm_events[] = {"T02", "T10", "T04"};
    static const char *const orc_codes[] = {"NW", "RO", "CA"};
    static const char *const obx_status[] = {"F", "C", "D"};
    const char *code = in->doc_code ? in->doc_code : "18748-4";
    const char *display = in->doc_display ? in->doc_display : "CR d'imagerie médicale";
    char now[20];
    const char *when = in->message_datetime ? in->message_datetime : hl7_now_dtm(now, sizeof now);

    /* MSH */
    put(&b, 3, 0, 0, in->sending_app);
    put(&b, 4, 0, 0, in->sending_facility);
    put(&b, 5, 0, 0, in->receiving_app);
    put(&b, 6, 0, 0, in->receiving_facility);
    put(&b, 7, 0, 0, when);
    put(&b, 9, 1, 0, mdm ? "MDM" : "ORU");
    put(&b, 9, 2, 0, mdm ? mdm_events[in->action] : "R01");
    put(&b, 9, 3, 0, mdm ? "MDM_T02" : "ORU_R01");
    put(&b, 10, 0, 0, in->control_id);
    put(&b, 11, 0, 0, in->processing_id ? in->processing_id : "P");
    put(&b, 12, 0, 0, mdm ? "2.6" : "2.5");
    put(&b, 17, 0, 0, "FRA");
    put(&b, 18, 0, 0, in->charset ? in->charset : "UNICODE UTF-8");
    put(&b, 21, 1, 0, "2.1");
    put(&b, 21, 2, 0, "CISIS_CDA_HL7_V2");

    if (mdm) {
        seg(&b, "EVN");
        put(&b, 2, 0, 0, in->event_datetime ? in->event_datetime : when);
        put_xcn(&b, 5, &in->author);
        put(&b, 6, 0, 0, in->event_datetime ? in->event_datetime : when);
    }

    /* PID: IPP (PI), then the INS only when the identity is qualified */
    seg(&b, "PID");
    int rep = 1;
    if (in->ipp && *in->ipp) {
        putr(&b, 3, rep, 1, 0, in->ipp);
        putr(&b, 3, rep, 4, 1, in->ipp_authority);
        putr(&b, 3, rep, 4, 2, in->ipp_authority_oid);
        if (in->ipp_authority_oid) putr(&b, 3, rep, 4, 3, "ISO");
        putr(&b, 3, rep, 5, 0, "PI");
        rep++;
    }
    if (in->ins_qualified) {
        putr(&b, 3, rep, 1, 0, in->ins);
        putr(&b, 3, rep, 4, 1, ins_namespace(in->ins_oid));
        putr(&b, 3, rep, 4, 2, in->ins_oid);
        putr(&b, 3, rep, 4, 3, "ISO");
        putr(&b, 3, rep, 5, 0, "INS");
    }
    put(&b, 5, 1, 0, in->birth_name);
    put(&b, 5, 2, 0, in->first_given);
    put(&b, 5, 3, 0, in->given_names);
    put(&b, 5, 7, 0, "L");
    if (in->used_name && *in->used_name) {
        putr(&b, 5, 2, 1, 0, in->used_name);
        putr(&b, 5, 2, 2, 0, in->used_given);
        putr(&b, 5, 2, 7, 0, "D");
    }
    put(&b, 7, 0, 0, in->birth_date);
    put(&b, 8, 0, 0, in->sex);
    if (in->birthplace_cog && *in->birthplace_cog) {
        putr(&b, 11, 1, 7, 0, "BDL");
        putr(&b, 11, 1, 9, 0, in->birthplace_cog);
    }
    put(&b, 32, 0, 0, in->identity_status ? in->identity_status : (in->ins_qualified ? "VALI" : NULL));

    seg(&b, "PV1");
    put(&b, 1, 0, 0, "1");
    put(&b, 2, 0, 0, in->patient_class ? in->patient_class : "O");
    put(&b, 3, 0, 0, in->location);
    if (in->visit_number && *in->visit_number) {
        put(&b, 19, 1, 0, in->visit_number);
        put(&b, 19, 4, 1, in->visit_authority);
        put(&b, 19, 4, 2, in->visit_authority_oid);
        if (in->visit_authority_oid) put(&b, 19, 4, 3, "ISO");
        put(&b, 19, 5, 0, "VN");
    }

    seg(&b, "ORC");
    put(&b, 1, 0, 0, orc_codes[in->action]);
    put(&b, 2, 1, 0, in->placer_order);
    put(&b, 2, 2, 0, in->placer_app);
    put(&b, 3, 1, 0, in->filler_order);
    put(&b, 3, 2, 0, in->filler_app);

    seg(&b, "OBR");
    put(&b, 1, 0, 0, "1");
    put(&b, 2, 1, 0, in->placer_order);
    put(&b, 2, 2, 0, in->placer_app);
    put(&b, 3, 1, 0, in->filler_order);
    put(&b, 3, 2, 0, in->filler_app);
    put(&b, 4, 1, 0, code);
    put(&b, 4, 2, 0, display);
    put(&b, 4, 3, 0, "LN");
    put(&b, 7, 0, 0, in->doc_datetime);
    if (!mdm) put(&b, 25, 0, 0, "F");

    if (mdm) {
        seg(&b, "TXA");
        put(&b, 1, 0, 0, "1");
        put(&b, 2, 0, 0, code);
        put(&b, 3, 0, 0, "TEXT");
        put(&b, 4, 0, 0, in->doc_datetime);
        put(&b, 12, 1, 0, in->doc_id);
        put(&b, 12, 2, 0, in->org_name);
        if (in->action != HL7_REPORT_INITIAL) {
            put(&b, 13, 1, 0, in->parent_doc_id);
            put(&b, 13, 2, 0, in->org_name);
        }
        put(&b, 17, 0, 0, "AU");
        put(&b, 22, 0, 0, in->author.id);
    }

    obx_ed(&b, in, 1, code, display, "LN", "XML", in->cda, in->cda_len, obx_status[in->action]);

    /* participants: author (SB), MSSanté recipients (RCT), patient (RCT), reply address */
    prt(&b, "SB", &in->author, NULL);
    put(&b, 8, 1, 0, in->org_name);
    if (in->org_id) {
        put(&b, 8, 6, 1, "ASIP-SANTE-ST");
        put(&b, 8, 6, 2, OID_STRUCT);
        put(&b, 8, 6, 3, "ISO");
        put(&b, 8, 7, 0, in->org_id_type ? in->org_id_type : "FINEG");
        put(&b, 8, 10, 0, in->org_id);
    }
    if (in->dest_mssante_ps)
        for (size_t i = 0; i < in->nrecipients; i++) prt(&b, "RCT", &in->recipients[i], in->recipients[i].mssante);
    if (in->dest_mssante_pat) {
        char addr[64];
        snprintf(addr, sizeof addr, "%s@patient.mssante.fr", in->ins);
        prt(&b, "RCT", NULL, addr);
        put(&b, 5, 1, 0, in->ins);
        put(&b, 5, 2, 0, in->birth_name);
        put(&b, 5, 3, 0, in->first_given);
        put(&b, 5, 9, 1, ins_namespace(in->ins_oid));
        put(&b, 5, 9, 2, in->ins_oid);
        put(&b, 5, 9, 3, "ISO");
        put(&b, 5, 10, 0, "L");
        put(&b, 5, 13, 0, "INS");
    }
    if (in->reply_to && *in->reply_to) prt(&b, "REPLY", NULL, in->reply_to);

    int n = 2;
    obx_flag(&b, in, n++, "MASQUE_PS", "Masqué aux professionnels de Santé", in->masque_ps);
    obx_flag(&b, in, n++, "INVISIBLE_PATIENT", "Document Non Visible par le patient", in->invisible_patient);
    obx_flag(&b, in, n++, "INVISIBLE_REP_LEGAUX", "Non visible par les représentants Légaux du patient", in->invisible_rep_legaux);
    obx_flag(&b, in, n++, "CONNEXION_SECRETE", "Connexion Secrete", in->connexion_secrete);
    obx_flag(&b, in, n++, "MODIF_CONF_CODE", "Modification Confidentiality Code", in->modif_conf_code);
    obx_flag(&b, in, n++, "DESTDMP", "Destinataire DMP", in->dest_dmp);
    obx_flag(&b, in, n++, "DESTMSSANTEPS", "Destinataire (Professionnel de Santé, organisation ou BAL applicative)", in->dest_mssante_ps);
    obx_flag(&b, in, n++, "DESTMSSANTEPAT", "Destinataire Patient", in->dest_mssante_pat);
    obx_flag(&b, in, n++, "ACK_RECEPTION", "Accusé de réception", in->ack_reception);
    obx_flag(&b, in, n++, "ACK_LECTURE_MSS", "Accusé de lecture", in->ack_lecture);
    if (in->mail_body_ps && *in->mail_body_ps)
        obx_ed(&b, in, n++, "CORPSMAIL_PS", "Corps du mail pour un PS", "MetaDMPMSS", NULL, in->mail_body_ps,
               strlen(in->mail_body_ps), "F");
    if (in->mail_body_patient && *in->mail_body_patient && in->dest_mssante_pat)
        obx_ed(&b, in, n++, "CORPSMAIL_PATIENT", "Corps du mail pour le patient", "MetaDMPMSS", NULL,
               in->mail_body_patient, strlen(in->mail_body_patient), "F");

    if (b.rc != HL7_OK) {
        hl7_err_set(err, b.rc, 0, 0, 0, NULL);
        hl7_message_free(b.m);
        return NULL;
    }
    return b.m;
}
