/* INSi SOAP 1.2 messages (WSDL DESIR_ICIR_EXP_1.5.0): requests built and responses parsed with
 * libxml2. No network and no file access here: the parser refuses DTD loading and entity
 * expansion (XML_PARSE_NONET, no XML_PARSE_NOENT / DTDLOAD). */
#include "ins/ins_internal.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlstring.h>
#include <stdio.h>
#include <string.h>

#define NS_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define NS_RESULTAT "http://www.cnamts.fr/INSiResultat"
#define NS_RECSANS "http://www.cnamts.fr/INSiRecSans"
#define NS_RECVIT "http://www.cnamts.fr/INSiRecVit"
#define NS_CTXBAM "urn:siram:bam:ctxbam"
#define NS_CTXLPS "urn:siram:lps:ctxlps"
#define NS_WSA "http://www.w3.org/2005/08/addressing"
#define NS_SIRAM "urn:siram"

/* ---------------------------------------------------------------- parsing */

static bool is(const xmlNode *n, const char *local, const char *ns)
{
    if (!n || n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST local)) return false;
    if (!ns) return true;
    return n->ns && xmlStrEqual(n->ns->href, BAD_CAST ns);
}

static xmlNode *child(const xmlNode *parent, const char *local, const char *ns)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (is(c, local, ns)) return c;
    return NULL;
}

static xmlNode *first_element(const xmlNode *parent)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return c;
    return NULL;
}

typedef struct {
    char *err;
    size_t errlen;
    int failed;
} pctx;

/* Copies the trimmed text of node (NULL node: "") into dst; too long -> error. */
static void text(pctx *c, const xmlNode *node, char *dst, size_t n, const char *what)
{
    dst[0] = '\0';
    if (!node || c->failed) return;
    xmlChar *content = xmlNodeGetContent(node);
    if (!content) return;
    const char *s = (const char *)content;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
    if (len >= n) {
        snprintf(c->err, c->errlen, "réponse INSi : valeur trop longue pour %s", what);
        c->failed = 1;
    } else {
        memcpy(dst, s, len);
        dst[len] = '\0';
    }
    xmlFree(content);
}

static void parse_ins(pctx *c, const xmlNode *node, insi_ins *out, const char *what)
{
    memset(out, 0, sizeof *out);
    const xmlNode *idi = child(node, "IdIndividu", NULL);
    if (!idi) {
        snprintf(c->err, c->errlen, "réponse INSi : IdIndividu absent de %s", what);
        c->failed = 1;
        return;
    }
    text(c, child(idi, "NumIdentifiant", NULL), out->number, sizeof out->number, "NumIdentifiant");
    text(c, child(idi, "Cle", NULL), out->key, sizeof out->key, "Cle");
    text(c, child(node, "OID", NULL), out->oid, sizeof out->oid, "OID");
    text(c, child(node, "DateDeb", NULL), out->date_start, sizeof out->date_start, "DateDeb");
    text(c, child(node, "DateFin", NULL), out->date_end, sizeof out->date_end, "DateFin");
}

static int parse_result(pctx *c, const xmlNode *res, insi_result *r)
{
    const xmlNode *cr = child(res, "CR", NULL);
    if (!cr || !child(cr, "CodeCR", NULL)) {
        snprintf(c->err, c->errlen, "réponse INSi : compte rendu (CR/CodeCR) absent");
        return -1;
    }
    text(c, child(cr, "CodeCR", NULL), r->code, sizeof r->code, "CodeCR");
    text(c, child(cr, "LibelleCR", NULL), r->label, sizeof r->label, "LibelleCR");
    if (c->failed) return -1;
    if (strcmp(r->code, "00") != 0 && strcmp(r->code, "01") != 0 && strcmp(r->code, "02") != 0) {
        snprintf(c->err, c->errlen, "réponse INSi : code retour « %.8s » inconnu", r->code);
        return -1;
    }
    const xmlNode *ind = child(res, "INDIVIDU", NULL);
    if (!ind) {
        if (strcmp(r->code, "00") == 0) {
            snprintf(c->err, c->errlen, "réponse INSi : code 00 sans INDIVIDU");
            return -1;
        }
        return 0;
    }
    r->has_individual = true;
    const xmlNode *act = child(ind, "INSACTIF", NULL);
    const xmlNode *tiq = child(ind, "TIQ", NULL);
    if (!act || !tiq) {
        snprintf(c->err, c->errlen, "réponse INSi : INSACTIF ou TIQ absent de INDIVIDU");
        return -1;
    }
    parse_ins(c, act, &r->active, "INSACTIF");
    for (const xmlNode *h = ind->children; h && !c->failed; h = h->next) {
        if (!is(h, "INSHISTO", NULL)) continue;
        if (r->n_history >= INSI_MAX_HISTO) {
            snprintf(c->err, c->errlen, "réponse INSi : plus de %d INS historiques", INSI_MAX_HISTO);
            return -1;
        }
        parse_ins(c, h, &r->history[r->n_history++], "INSHISTO");
    }
    text(c, child(tiq, "NomNaissance", NULL), r->birth_name, sizeof r->birth_name, "NomNaissance");
    text(c, child(tiq, "Prenom", NULL), r->given_name, sizeof r->given_name, "Prenom");
    text(c, child(tiq, "ListePrenom", NULL), r->given_names, sizeof r->given_names, "ListePrenom");
    text(c, child(tiq, "Sexe", NULL), r->sex, sizeof r->sex, "Sexe");
    text(c, child(tiq, "DateNaissance", NULL), r->birth_date, sizeof r->birth_date, "DateNaissance");
    text(c, child(tiq, "LieuNaissance", NULL), r->birth_place, sizeof r->birth_place, "LieuNaissance");
    return c->failed ? -1 : 0;
}

static int parse_fault(pctx *c, const xmlNode *fault, insi_fault *f)
{
    const xmlNode *code = child(fault, "Code", NS_SOAP);
    text(c, child(code, "Value", NS_SOAP), f->code, sizeof f->code, "Code");
    text(c, child(child(code, "Subcode", NS_SOAP), "Value", NS_SOAP), f->subcode, sizeof f->subcode, "Subcode");
    text(c, child(child(fault, "Reason", NS_SOAP), "Text", NS_SOAP), f->reason, sizeof f->reason, "Reason");
    const xmlNode *err = child(child(fault, "Detail", NS_SOAP), "Erreur", NS_SIRAM);
    if (err) {
        xmlChar *code_attr = xmlGetProp(err, BAD_CAST "code");
        if (code_attr) {
            if (ins_copy(f->error_code, sizeof f->error_code, (const char *)code_attr) != 0) {
                snprintf(c->err, c->errlen, "réponse INSi : code d'erreur trop long");
                c->failed = 1;
            }
            xmlFree(code_attr);
        }
        text(c, err, f->error_text, sizeof f->error_text, "Erreur");
    }
    if (c->failed) return -1;
    if (!f->code[0]) {
        snprintf(c->err, c->errlen, "réponse INSi : SOAP Fault sans Code");
        return -1;
    }
    return 0;
}

int insi_response_parse(const char *xml, size_t len, insi_response *out, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    memset(out, 0, sizeof *out);
    if (!xml || len == 0 || len > 1024 * 1024 || len > (size_t)INT32_MAX) {
        snprintf(err, errlen, "réponse INSi vide ou trop volumineuse");
        return -1;
    }
    xmlDoc *doc = xmlReadMemory(xml, (int)len, "insi.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        snprintf(err, errlen, "réponse INSi : XML mal formé");
        return -1;
    }
    if (doc->intSubset || doc->extSubset) {
        /* SOAP 1.2 forbids a DTD; refusing it also rules out entity-expansion attacks */
        xmlFreeDoc(doc);
        snprintf(err, errlen, "réponse INSi : déclaration DTD interdite dans un message SOAP");
        return -1;
    }
    int rc = -1;
    pctx c = {err, errlen, 0};
    xmlNode *env = xmlDocGetRootElement(doc);
    xmlNode *body = is(env, "Envelope", NS_SOAP) ? child(env, "Body", NS_SOAP) : NULL;
    xmlNode *payload = first_element(body);
    if (!body) snprintf(err, errlen, "réponse INSi : enveloppe SOAP 1.2 (Envelope/Body) absente");
    else if (is(payload, "RESULTAT", NS_RESULTAT)) {
        out->kind = INSI_RESPONSE_RESULT;
        rc = parse_result(&c, payload, &out->result);
    } else if (is(payload, "Fault", NS_SOAP)) {
        out->kind = INSI_RESPONSE_FAULT;
        rc = parse_fault(&c, payload, &out->fault);
    } else {
        snprintf(err, errlen, "réponse INSi : ni RESULTAT ni SOAP Fault dans le corps");
    }
    xmlFreeDoc(doc);
    if (rc != 0) {
        insi_response_kind k = out->kind;
        memset(out, 0, sizeof *out);
        out->kind = k;
    }
    return rc;
}

/* ---------------------------------------------------------------- building */

typedef struct {
    xmlDoc *doc;
    xmlNs *soap, *bam, *lps, *wsa;
} builder;

static xmlNode *add(xmlNode *parent, xmlNs *ns, const char *name, const char *value)
{
    return xmlNewTextChild(parent, ns, BAD_CAST name, value ? BAD_CAST value : NULL);
}

static bool utf8_ok(const char *s)
{
    return !s || xmlCheckUTF8(BAD_CAST s);
}

static xmlNode *envelope(builder *b, const insi_software *sw, const char *emitter, const char *message_id,
                         const char *timestamp, const char *action)
{
    b->doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *env = xmlNewNode(NULL, BAD_CAST "Envelope");
    xmlDocSetRootElement(b->doc, env);
    b->soap = xmlNewNs(env, BAD_CAST NS_SOAP, BAD_CAST "soap");
    b->bam = xmlNewNs(env, BAD_CAST NS_CTXBAM, BAD_CAST "ctxbam");
    b->lps = xmlNewNs(env, BAD_CAST NS_CTXLPS, BAD_CAST "ctxlps");
    b->wsa = xmlNewNs(env, BAD_CAST NS_WSA, BAD_CAST "wsa");
    xmlSetNs(env, b->soap);
    xmlNode *header = xmlNewChild(env, b->soap, BAD_CAST "Header", NULL);

    char id[80];
    snprintf(id, sizeof id, "%s", message_id);
    xmlNode *bam = xmlNewChild(header, b->bam, BAD_CAST "ContexteBAM", NULL);
    xmlNewProp(bam, BAD_CAST "Version", BAD_CAST "01_02");
    add(bam, b->bam, "Id", id);
    add(bam, b->bam, "Temps", timestamp);
    add(bam, b->bam, "Emetteur", emitter);
    xmlNewChild(bam, b->bam, BAD_CAST "COUVERTURE", NULL);

    xmlNode *lps = xmlNewChild(header, b->lps, BAD_CAST "ContexteLPS", NULL);
    xmlNewProp(lps, BAD_CAST "Nature", BAD_CAST "CTXLPS");
    xmlNewProp(lps, BAD_CAST "Version", BAD_CAST "01_00");
    add(lps, b->lps, "Id", id);
    add(lps, b->lps, "Temps", timestamp);
    add(lps, b->lps, "Emetteur", emitter);
    xmlNode *soft = xmlNewChild(lps, b->lps, BAD_CAST "LPS", NULL);
    xmlNode *idam = add(soft, b->lps, "IDAM", sw->idam);
    xmlNewProp(idam, BAD_CAST "R", BAD_CAST "4");
    add(soft, b->lps, "Version", sw->software_version);
    add(soft, b->lps, "Instance", sw->instance);
    add(soft, b->lps, "Nom", sw->software_name);

    add(header, b->wsa, "Action", action);
    char mid[96];
    snprintf(mid, sizeof mid, "uuid:%s", message_id);
    add(header, b->wsa, "MessageID", mid);
    return xmlNewChild(env, b->soap, BAD_CAST "Body", NULL);
}

static int finish(builder *b, buf_t *out, char *err, size_t errlen)
{
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(b->doc, &mem, &size, "UTF-8");
    xmlFreeDoc(b->doc);
    if (!mem || size <= 0) {
        snprintf(err, errlen, "requête INSi : sérialisation XML impossible");
        xmlFree(mem);
        return -1;
    }
    int rc = buf_append(out, mem, (size_t)size);
    xmlFree(mem);
    if (rc != 0) snprintf(err, errlen, "requête INSi : mémoire insuffisante");
    return rc;
}

static int check_common(const insi_software *sw, const char *emitter, const char *message_id, const char *timestamp,
                        char *err, size_t errlen)
{
    if (!sw || ins_blank(sw->idam) || ins_blank(sw->software_name) || ins_blank(sw->software_version) ||
        ins_blank(sw->instance)) {
        snprintf(err, errlen, "requête INSi : identification du logiciel incomplète (IDAM, nom, version, instance)");
        return -1;
    }
    if (ins_blank(emitter) || ins_blank(message_id) || ins_blank(timestamp)) {
        snprintf(err, errlen, "requête INSi : émetteur, identifiant de message ou horodatage manquant");
        return -1;
    }
    if (strlen(message_id) > 64 || strlen(emitter) > 128 || strlen(timestamp) > 40) {
        snprintf(err, errlen, "requête INSi : émetteur ou identifiant trop long");
        return -1;
    }
    if (!utf8_ok(emitter) || !utf8_ok(sw->idam) || !utf8_ok(sw->software_name) || !utf8_ok(sw->instance)) {
        snprintf(err, errlen, "requête INSi : texte non UTF-8");
        return -1;
    }
    return 0;
}

int insi_build_traits_request(const insi_software *sw, const char *emitter, const char *message_id,
                              const char *timestamp, const insi_traits_query *q, buf_t *out, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (check_common(sw, emitter, message_id, timestamp, err, errlen) != 0) return -1;
    if (!q || !ins_name_conforms(q->birth_name) || !ins_name_conforms(q->given_name)) {
        snprintf(err, errlen, "requête INSi : nom de naissance et prénom obligatoires, en majuscules sans accent");
        return -1;
    }
    if (!q->sex || (strcmp(q->sex, "M") != 0 && strcmp(q->sex, "F") != 0)) {
        snprintf(err, errlen, "requête INSi : sexe M ou F obligatoire");
        return -1;
    }
    if (!ins_date_valid(q->birth_date)) {
        snprintf(err, errlen, "requête INSi : date de naissance AAAA-MM-JJ valide obligatoire");
        return -1;
    }
    if (q->birth_place && *q->birth_place && !ins_birth_place_valid(q->birth_place)) {
        snprintf(err, errlen, "requête INSi : code lieu de naissance invalide");
        return -1;
    }
    builder b;
    xmlNode *body = envelope(&b, sw, emitter, message_id, timestamp, INSI_ACTION_TRAITS);
    xmlNode *req = xmlNewChild(body, NULL, BAD_CAST "RECSANSVITALE", NULL);
    xmlNs *ns = xmlNewNs(req, BAD_CAST NS_RECSANS, BAD_CAST "insi_recsans_ins");
    xmlSetNs(req, ns);
    add(req, ns, "NomNaissance", q->birth_name);
    add(req, ns, "Prenom", q->given_name);
    add(req, ns, "Sexe", q->sex);
    add(req, ns, "DateNaissance", q->birth_date);
    if (q->birth_place && *q->birth_place) add(req, ns, "LieuNaissance", q->birth_place);
    return finish(&b, out, err, errlen);
}

static bool digits(const char *s, size_t min, size_t max)
{
    if (!s) return false;
    size_t n = strlen(s);
    if (n < min || n > max) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* YYYY-MM-DD digits, without calendar check (Vitale cards carry lunar dates such as 1985-00-00). */
static bool date_shape(const char *d)
{
    if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9')) return false;
    return true;
}

int insi_build_vitale_request(const insi_software *sw, const char *emitter, const char *message_id,
                              const char *timestamp, const insi_vitale_query *q, buf_t *out, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (check_common(sw, emitter, message_id, timestamp, err, errlen) != 0) return -1;
    /* the card carries the NIR of the beneficiary; the key is checked like any matricule */
    if (!q || ins_matricule_check_parts(q->nir, q->key, NULL) != INS_MATRICULE_OK) {
        snprintf(err, errlen, "requête INSi : NIR de la carte Vitale (13 caractères + clé valide) obligatoire");
        return -1;
    }
    /* lunar dates (00 for day or month) are legal on Vitale cards */
    if (!date_shape(q->birth_date)) {
        snprintf(err, errlen, "requête INSi : date de naissance AAAA-MM-JJ obligatoire");
        return -1;
    }
    if (!digits(q->birth_rank, 1, 2)) {
        snprintf(err, errlen, "requête INSi : rang de naissance (1 ou 2 chiffres) obligatoire");
        return -1;
    }
    if (q->birth_name && *q->birth_name && !ins_name_conforms(q->birth_name)) {
        snprintf(err, errlen, "requête INSi : nom de naissance en majuscules sans accent");
        return -1;
    }
    if ((q->grand_regime && !digits(q->grand_regime, 0, 2)) || (q->organisme && !digits(q->organisme, 0, 3)) ||
        (q->code_centre && !digits(q->code_centre, 0, 4))) {
        snprintf(err, errlen, "requête INSi : données de couverture de la carte invalides");
        return -1;
    }
    builder b;
    xmlNode *body = envelope(&b, sw, emitter, message_id, timestamp, INSI_ACTION_VITALE);
    /* coverage from the card goes into ContexteBAM/COUVERTURE */
    xmlNode *header = first_element(xmlDocGetRootElement(b.doc));
    xmlNode *cov = child(child(header, "ContexteBAM", NS_CTXBAM), "COUVERTURE", NS_CTXBAM);
    if (q->grand_regime && *q->grand_regime) add(cov, b.bam, "GrandRegime", q->grand_regime);
    if (q->organisme && *q->organisme) add(cov, b.bam, "Organisme", q->organisme);
    if (q->code_centre && *q->code_centre) add(cov, b.bam, "CodeCentre", q->code_centre);
    xmlNode *req = xmlNewChild(body, NULL, BAD_CAST "RECVITALE", NULL);
    xmlNs *ns = xmlNewNs(req, BAD_CAST NS_RECVIT, BAD_CAST "insi_recvit_ins");
    xmlSetNs(req, ns);
    xmlNode *mat = xmlNewChild(req, ns, BAD_CAST "MatriculeIndividu", NULL);
    add(mat, ns, "NumIdentifiant", q->nir);
    add(mat, ns, "Cle", q->key);
    if (q->birth_name && *q->birth_name) add(req, ns, "NomNaissance", q->birth_name);
    add(req, ns, "DateNaissance", q->birth_date);
    add(req, ns, "RangNaissance", q->birth_rank);
    return finish(&b, out, err, errlen);
}
