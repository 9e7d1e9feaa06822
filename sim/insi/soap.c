/* SOAP side of the INSi stand-in: checks the request against the WSDL's expectations (SOAP 1.2
 * envelope, ContexteLPS with an IDAM, wsa:Action matching the body), searches the test
 * identities and answers RESULTAT (CR 00/01/02) or a SOAP 1.2 Fault. */
#include "sim.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NS_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define NS_RESULTAT "http://www.cnamts.fr/INSiResultat"
#define NS_RECSANS "http://www.cnamts.fr/INSiRecSans"
#define NS_RECVIT "http://www.cnamts.fr/INSiRecVit"
#define NS_CTXLPS "urn:siram:lps:ctxlps"
#define NS_WSA "http://www.w3.org/2005/08/addressing"
#define ACTION_TRAITS "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
#define ACTION_VITALE "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"

static bool is(const xmlNode *n, const char *local, const char *ns)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST local) && n->ns &&
           xmlStrEqual(n->ns->href, BAD_CAST ns);
}

static xmlNode *child(const xmlNode *p, const char *local, const char *ns)
{
    for (xmlNode *c = p ? p->children : NULL; c; c = c->next)
        if (is(c, local, ns)) return c;
    return NULL;
}

static void text(const xmlNode *n, char *out, size_t size)
{
    out[0] = '\0';
    if (!n) return;
    xmlChar *c = xmlNodeGetContent(n);
    if (!c) return;
    const char *s = (const char *)c;
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') s++;
    snprintf(out, size, "%s", s);
    size_t len = strlen(out);
    while (len && (out[len - 1] == ' ' || out[len - 1] == '\n' || out[len - 1] == '\t' || out[len - 1] == '\r'))
        out[--len] = '\0';
    xmlFree(c);
}

static void dump(xmlDoc *doc, buf_t *body)
{
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    if (mem) buf_append(body, mem, (size_t)size);
    xmlFree(mem);
    xmlFreeDoc(doc);
}

static xmlNode *new_envelope(xmlDoc **doc, xmlNs **soap)
{
    *doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *env = xmlNewNode(NULL, BAD_CAST "Envelope");
    xmlDocSetRootElement(*doc, env);
    *soap = xmlNewNs(env, BAD_CAST NS_SOAP, BAD_CAST "soap");
    xmlSetNs(env, *soap);
    return xmlNewChild(env, *soap, BAD_CAST "Body", NULL);
}

static void fault(buf_t *body, unsigned *status, const char *code, const char *subcode, const char *reason,
                  const char *error_code, const char *detail)
{
    xmlDoc *doc;
    xmlNs *soap;
    xmlNode *b = new_envelope(&doc, &soap);
    xmlNode *f = xmlNewChild(b, soap, BAD_CAST "Fault", NULL);
    xmlNode *c = xmlNewChild(f, soap, BAD_CAST "Code", NULL);
    xmlNewTextChild(c, soap, BAD_CAST "Value", BAD_CAST code);
    xmlNode *sc = xmlNewChild(c, soap, BAD_CAST "Subcode", NULL);
    xmlNewTextChild(sc, soap, BAD_CAST "Value", BAD_CAST subcode);
    xmlNode *r = xmlNewChild(f, soap, BAD_CAST "Reason", NULL);
    xmlNode *t = xmlNewTextChild(r, soap, BAD_CAST "Text", BAD_CAST reason);
    xmlNodeSetLang(t, BAD_CAST "fr");
    xmlNode *d = xmlNewChild(f, soap, BAD_CAST "Detail", NULL);
    xmlNode *e = xmlNewTextChild(d, NULL, BAD_CAST "Erreur", BAD_CAST detail);
    xmlNs *siram = xmlNewNs(e, BAD_CAST "urn:siram", BAD_CAST "siram");
    xmlSetNs(e, siram);
    xmlNewProp(e, BAD_CAST "code", BAD_CAST error_code);
    xmlNewProp(e, BAD_CAST "severite", BAD_CAST "erreur");
    dump(doc, body);
    *status = 500;
}

static void add_ins(xmlNode *parent, const char *name, const char *number, const char *key, const char *oid)
{
    xmlNode *n = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
    xmlNode *id = xmlNewChild(n, NULL, BAD_CAST "IdIndividu", NULL);
    xmlNewTextChild(id, NULL, BAD_CAST "NumIdentifiant", BAD_CAST number);
    xmlNewTextChild(id, NULL, BAD_CAST "Cle", BAD_CAST key);
    xmlNewTextChild(n, NULL, BAD_CAST "OID", BAD_CAST oid);
}

static void result(buf_t *body, unsigned *status, const sim_identity *const *found, size_t n)
{
    xmlDoc *doc;
    xmlNs *soap;
    xmlNode *b = new_envelope(&doc, &soap);
    xmlNode *res = xmlNewChild(b, NULL, BAD_CAST "RESULTAT", NULL);
    xmlSetNs(res, xmlNewNs(res, BAD_CAST NS_RESULTAT, NULL));
    xmlNode *cr = xmlNewChild(res, NULL, BAD_CAST "CR", NULL);
    const char *code = n == 0 ? "01" : n == 1 ? "00" : "02";
    const char *label = n == 0 ? "Aucune identite trouvee" : n == 1 ? "OK" : "Plusieurs identites trouvees";
    xmlNewTextChild(cr, NULL, BAD_CAST "CodeCR", BAD_CAST code);
    xmlNewTextChild(cr, NULL, BAD_CAST "LibelleCR", BAD_CAST label);
    if (n == 1) {
        const sim_identity *id = found[0];
        xmlNode *ind = xmlNewChild(res, NULL, BAD_CAST "INDIVIDU", NULL);
        add_ins(ind, "INSACTIF", id->number, id->key, id->oid);
        for (size_t i = 0; i < id->n_history; i++) {
            char num[14], key[3];
            memcpy(num, id->history[i], 13);
            num[13] = '\0';
            memcpy(key, id->history[i] + 13, 3);
            add_ins(ind, "INSHISTO", num, key, id->oid);
        }
        xmlNode *tiq = xmlNewChild(ind, NULL, BAD_CAST "TIQ", NULL);
        char first[101];
        snprintf(first, sizeof first, "%s", id->given_names);
        first[strcspn(first, " ")] = '\0';
        xmlNewTextChild(tiq, NULL, BAD_CAST "NomNaissance", BAD_CAST id->birth_name);
        xmlNewTextChild(tiq, NULL, BAD_CAST "Prenom", BAD_CAST first);
        xmlNewTextChild(tiq, NULL, BAD_CAST "ListePrenom", BAD_CAST id->given_names);
        xmlNewTextChild(tiq, NULL, BAD_CAST "Sexe", BAD_CAST id->sex);
        xmlNewTextChild(tiq, NULL, BAD_CAST "DateNaissance", BAD_CAST id->birth_date);
        xmlNewTextChild(tiq, NULL, BAD_CAST "LieuNaissance", BAD_CAST id->birth_place);
    }
    dump(doc, body);
    *status = 200;
}

/* True when `given` is one of the names of the list, or the whole list. */
static bool given_matches(const char *list, const char *given)
{
    if (!*given) return false;
    if (strcasecmp(list, given) == 0) return true;
    char copy[101];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        if (strcasecmp(w, given) == 0) return true;
    return false;
}

static bool cn_allowed(const char *allowed, const char *cn)
{
    if (!allowed) return true;
    if (!cn) return false;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", allowed);
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
        if (strcmp(w, cn) == 0) return true;
    return false;
}

void sim_answer(const sim_request_ctx *ctx, const char *action_header, const char *req, size_t len, buf_t *body,
                unsigned *status)
{
    if (!cn_allowed(ctx->allowed_cns, ctx->client_cn)) {
        fault(body, status, "soap:Sender", "soap:siram_100", "Vous ne disposez pas des droits suffisants",
              "desir_560", "Le certificat client n'est pas habilité au service INSi.");
        return;
    }
    xmlDoc *doc = len > 0 && len < 1024 * 1024
                      ? xmlReadMemory(req, (int)len, "req.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
                      : NULL;
    if (doc && (doc->intSubset || doc->extSubset)) { /* SOAP 1.2 forbids a DTD */
        xmlFreeDoc(doc);
        fault(body, status, "soap:Sender", "soap:requete_invalide", "Requête SOAP invalide : DTD interdite.",
              "sim_dtd", "Un message SOAP 1.2 ne doit pas contenir de déclaration DTD.");
        return;
    }
    if (!doc) {
        fault(body, status, "soap:Sender", "soap:requete_invalide", "Requête SOAP mal formée (XML illisible).",
              "sim_xml", "Le corps de la requête n'est pas un document XML bien formé.");
        return;
    }
    xmlNode *env = xmlDocGetRootElement(doc);
    xmlNode *header = is(env, "Envelope", NS_SOAP) ? child(env, "Header", NS_SOAP) : NULL;
    xmlNode *bodyn = is(env, "Envelope", NS_SOAP) ? child(env, "Body", NS_SOAP) : NULL;
    char action[200], idam[100];
    text(child(header, "Action", NS_WSA), action, sizeof action);
    text(child(child(child(header, "ContexteLPS", NS_CTXLPS), "LPS", NS_CTXLPS), "IDAM", NS_CTXLPS), idam, sizeof idam);
    xmlNode *traits = child(bodyn, "RECSANSVITALE", NS_RECSANS);
    xmlNode *vitale = child(bodyn, "RECVITALE", NS_RECVIT);
    if (!header || !bodyn || (!traits && !vitale)) {
        fault(body, status, "soap:Sender", "soap:requete_invalide",
              "Requête SOAP 1.2 incomplète : en-tête ou corps attendu absent.", "sim_structure",
              "Envelope/Header et Body/RECSANSVITALE ou RECVITALE attendus.");
    } else if (strcmp(action, traits ? ACTION_TRAITS : ACTION_VITALE) != 0 ||
               (action_header && *action_header && strcmp(action_header, action) != 0)) {
        fault(body, status, "soap:Sender", "soap:requete_invalide", "Action WS-Addressing absente ou incohérente.",
              "sim_action", "wsa:Action ne correspond pas à l'opération demandée.");
    } else if (!idam[0] || (ctx->idam && strcmp(ctx->idam, idam) != 0)) {
        fault(body, status, "soap:Sender", "soap:siram_100",
              "L'accès par ce progiciel au service n'est pas autorisé. Contactez l'éditeur du progiciel ou votre "
              "responsable informatique.",
              "desir_550", "Numéro d'autorisation du logiciel inconnu.");
    } else {
        const sim_identity *found[16];
        size_t n = 0;
        if (traits) {
            char name[101], given[101], sex[8], date[16], place[16];
            text(child(traits, "NomNaissance", NS_RECSANS), name, sizeof name);
            text(child(traits, "Prenom", NS_RECSANS), given, sizeof given);
            text(child(traits, "Sexe", NS_RECSANS), sex, sizeof sex);
            text(child(traits, "DateNaissance", NS_RECSANS), date, sizeof date);
            text(child(traits, "LieuNaissance", NS_RECSANS), place, sizeof place);
            if (!name[0] || !given[0] || !sex[0] || !date[0]) {
                fault(body, status, "soap:Sender", "soap:requete_invalide",
                      "Traits obligatoires absents (NomNaissance, Prenom, Sexe, DateNaissance).", "sim_traits",
                      "Recherche par traits incomplète.");
                xmlFreeDoc(doc);
                return;
            }
            for (size_t i = 0; i < ctx->ids->n && n < 16; i++) {
                const sim_identity *id = &ctx->ids->items[i];
                if (strcasecmp(id->birth_name, name) == 0 && strcmp(id->sex, sex) == 0 &&
                    strcmp(id->birth_date, date) == 0 && (!place[0] || strcmp(id->birth_place, place) == 0) &&
                    given_matches(id->given_names, given))
                    found[n++] = id;
            }
        } else {
            xmlNode *mat = child(vitale, "MatriculeIndividu", NS_RECVIT);
            char num[32], key[8], rank[8], card[48];
            text(child(mat, "NumIdentifiant", NS_RECVIT), num, sizeof num);
            text(child(mat, "Cle", NS_RECVIT), key, sizeof key);
            text(child(vitale, "RangNaissance", NS_RECVIT), rank, sizeof rank);
            snprintf(card, sizeof card, "%s%s", num, key);
            if (strlen(card) != 15 || !rank[0]) {
                fault(body, status, "soap:Sender", "soap:requete_invalide",
                      "Données de la carte Vitale absentes (MatriculeIndividu, RangNaissance).", "sim_vitale",
                      "Recherche par carte Vitale incomplète.");
                xmlFreeDoc(doc);
                return;
            }
            for (size_t i = 0; i < ctx->ids->n && n < 16; i++) {
                const sim_identity *id = &ctx->ids->items[i];
                if (id->vitale[0] && strcmp(id->vitale, card) == 0 && strcmp(id->rank, rank) == 0) found[n++] = id;
            }
        }
        result(body, status, found, n);
    }
    xmlFreeDoc(doc);
}
