/* HTML rendering of a stored CDA R2 level 3 report for display (GET /reports/{id}/html): a small
 * XSLT 1.0 stylesheet (libxslt) over the CDA header and the narrative blocks of the sections.
 * The stylesheet is compiled per call (no global state); documents are parsed without network
 * access and the transformation may read or write no file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "report/service_internal.h"

static const char STYLESHEET[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" xmlns:h=\"urn:hl7-org:v3\""
    " exclude-result-prefixes=\"h\">\n"
    "<xsl:output method=\"html\" encoding=\"UTF-8\" indent=\"no\"/>\n"
    "<xsl:template match=\"/h:ClinicalDocument\">\n"
    "<html lang=\"fr\"><head><meta charset=\"UTF-8\"/><title><xsl:value-of select=\"h:title\"/></title>\n"
    "<style>body{font-family:sans-serif;max-width:48em;margin:1em auto;color:#222}h1{font-size:1.3em}"
    "h2{font-size:1.1em;border-bottom:1px solid #ccc}.meta{color:#555}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.2em .4em}</style></head><body>\n"
    "<h1><xsl:value-of select=\"h:title\"/></h1>\n"
    "<p class=\"meta\">Patient : <xsl:apply-templates select=\"h:recordTarget/h:patientRole/h:patient/h:name[1]\"/>"
    "<xsl:text>, né(e) le </xsl:text><xsl:call-template name=\"date\"><xsl:with-param name=\"v\" "
    "select=\"h:recordTarget/h:patientRole/h:patient/h:birthTime/@value\"/></xsl:call-template></p>\n"
    "<p class=\"meta\">Établissement : <xsl:value-of select=\"h:custodian//h:name\"/></p>\n"
    "<xsl:for-each select=\"h:legalAuthenticator\"><p class=\"meta\">Validé le <xsl:call-template name=\"date\">"
    "<xsl:with-param name=\"v\" select=\"h:time/@value\"/></xsl:call-template> par "
    "<xsl:apply-templates select=\"h:assignedEntity/h:assignedPerson/h:name\"/></p></xsl:for-each>\n"
    "<p class=\"meta\">Version <xsl:value-of select=\"h:versionNumber/@value\"/></p>\n"
    "<xsl:apply-templates select=\"h:component/h:structuredBody/h:component/h:section\"/>\n"
    "</body></html>\n"
    "</xsl:template>\n"
    "<xsl:template match=\"h:name\"><xsl:value-of select=\"h:prefix\"/><xsl:text> </xsl:text>"
    "<xsl:value-of select=\"h:given[1]\"/><xsl:text> </xsl:text><xsl:value-of select=\"h:family[1]\"/></xsl:template>\n"
    "<xsl:template name=\"date\"><xsl:param name=\"v\"/><xsl:if test=\"string-length($v) &gt;= 8\">"
    "<xsl:value-of select=\"concat(substring($v,7,2),'/',substring($v,5,2),'/',substring($v,1,4))\"/>"
    "<xsl:if test=\"string-length($v) &gt;= 12\"><xsl:value-of select=\"concat(' à ',substring($v,9,2),':',"
    "substring($v,11,2))\"/></xsl:if></xsl:if></xsl:template>\n"
    "<xsl:template match=\"h:section\"><section><h2><xsl:value-of select=\"h:title\"/></h2>"
    "<xsl:apply-templates select=\"h:text\"/><xsl:apply-templates select=\"h:component/h:section\"/></section>"
    "</xsl:template>\n"
    "<xsl:template match=\"h:text\"><div><xsl:apply-templates/></div></xsl:template>\n"
    "<xsl:template match=\"h:paragraph\"><p><xsl:apply-templates/></p></xsl:template>\n"
    "<xsl:template match=\"h:br\"><br/></xsl:template>\n"
    "<xsl:template match=\"h:list\"><ul><xsl:apply-templates select=\"h:item\"/></ul></xsl:template>\n"
    "<xsl:template match=\"h:item\"><li><xsl:apply-templates/></li></xsl:template>\n"
    "<xsl:template match=\"h:table\"><table><xsl:apply-templates select=\"h:thead|h:tbody\"/></table></xsl:template>\n"
    "<xsl:template match=\"h:thead|h:tbody\"><xsl:apply-templates select=\"h:tr\"/></xsl:template>\n"
    "<xsl:template match=\"h:tr\"><tr><xsl:apply-templates select=\"h:th|h:td\"/></tr></xsl:template>\n"
    "<xsl:template match=\"h:th\"><th><xsl:apply-templates/></th></xsl:template>\n"
    "<xsl:template match=\"h:td\"><td><xsl:apply-templates/></td></xsl:template>\n"
    "<xsl:template match=\"h:content|h:caption\"><span><xsl:apply-templates/></span></xsl:template>\n"
    "<xsl:template match=\"h:renderMultiMedia|h:linkHtml|h:footnote|h:footnoteRef\"/>\n"
    "</xsl:stylesheet>\n";

int report_cda_html(const char *cda, size_t len, char **html, size_t *html_len, char *err, size_t errlen)
{
    *html = NULL;
    *html_len = 0;
    int rc = -1;
    xmlDocPtr style_doc = xmlReadMemory(STYLESHEET, (int)sizeof STYLESHEET - 1, "report.xsl", "UTF-8", XML_PARSE_NONET);
    xsltStylesheetPtr xsl = style_doc ? xsltParseStylesheetDoc(style_doc) : NULL;
    if (!xsl) xmlFreeDoc(style_doc);
    xmlDocPtr doc = len < (size_t)1 << 30 ? xmlReadMemory(cda, (int)len, "report.xml", "UTF-8",
                                                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
                                          : NULL;
    xsltSecurityPrefsPtr sec = xsltNewSecurityPrefs();
    if (!xsl || !doc || !sec) {
        snprintf(err, errlen, "%s", doc ? "Feuille de style d'affichage invalide." : "Document CDA illisible.");
        goto done;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || !root->ns || xmlStrcmp(root->name, BAD_CAST "ClinicalDocument") != 0 ||
        xmlStrcmp(root->ns->href, BAD_CAST "urn:hl7-org:v3") != 0) {
        snprintf(err, errlen, "%s", "Document CDA illisible : l'élément racine n'est pas un ClinicalDocument HL7 v3.");
        goto done;
    }
    xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
    xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
    xsltSetSecurityPrefs(sec, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
    xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
    xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
    xsltTransformContextPtr ctx = xsltNewTransformContext(xsl, doc);
    if (!ctx || xsltSetCtxtSecurityPrefs(sec, ctx) != 0) {
        xsltFreeTransformContext(ctx);
        snprintf(err, errlen, "%s", "Transformation d'affichage impossible.");
        goto done;
    }
    xmlDocPtr out = xsltApplyStylesheetUser(xsl, doc, NULL, NULL, NULL, ctx);
    xsltFreeTransformContext(ctx);
    if (!out) {
        snprintf(err, errlen, "%s", "Transformation d'affichage impossible.");
        goto done;
    }
    xmlChar *buf = NULL;
    int n = 0;
    if (xsltSaveResultToString(&buf, &n, out, xsl) == 0 && buf) {
        *html = malloc((size_t)n + 1);
        if (*html) {
            memcpy(*html, buf, (size_t)n);
            (*html)[n] = '\0';
            *html_len = (size_t)n;
            rc = 0;
        }
    }
    xmlFree(buf);
    xmlFreeDoc(out);
    if (rc != 0) snprintf(err, errlen, "%s", "Mémoire insuffisante.");
done:
    xsltFreeSecurityPrefs(sec);
    xmlFreeDoc(doc);
    if (xsl) xsltFreeStylesheet(xsl);
    return rc;
}

rsv_result rsv_html(store_conn_t *c, int64_t report_id, int version, char **html, size_t *len, int64_t *patient_id)
{
    *html = NULL;
    *len = 0;
    unsigned char *xml;
    size_t xml_len;
    char mime[64], name[160], err[256];
    rsv_result res = rsv_document(c, report_id, "CDA-N3", version, &xml, &xml_len, mime, sizeof mime, name, sizeof name,
                                  patient_id);
    if (res.status != RSV_OK) return res;
    if (report_cda_html((const char *)xml, xml_len, html, len, err, sizeof err) != 0)
        res = rsv_res(RSV_ERROR, NULL, "%s", err);
    free(xml);
    return res;
}
