/* Document assembly: XML declaration, root element with its namespaces, header, body. */
#include "cda/cda_internal.h"

#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum { LEVEL1, LEVEL3 } level;

static int build(const cda_report *r, level lvl, const unsigned char *pdf, size_t pdf_len,
                 char **xml, size_t *len, char *err, size_t errlen)
{
    if (xml) *xml = NULL;
    if (len) *len = 0;
    if (!xml || !len) {
        cda_set_err(err, errlen, "paramètres de sortie absents");
        return -1;
    }
    if (cda_report_check(r, err, errlen) != 0) return -1;
    if (lvl == LEVEL1) {
        if (!pdf || pdf_len < 5 || memcmp(pdf, "%PDF-", 5) != 0) {
            cda_set_err(err, errlen, "le document PDF est absent ou n'est pas un PDF (en-tête %%PDF- attendu)");
            return -1;
        }
        if (pdf_len > (size_t)INT32_MAX) {
            cda_set_err(err, errlen, "le document PDF est trop volumineux");
            return -1;
        }
    }

    xmlInitParser();
    xmlBufferPtr out = xmlBufferCreateSize(lvl == LEVEL1 ? pdf_len / 3 * 4 + 16384 : 32768);
    xmlTextWriterPtr w = out ? xmlNewTextWriterMemory(out, 0) : NULL;
    if (!w) {
        if (out) xmlBufferFree(out);
        cda_set_err(err, errlen, "mémoire insuffisante pour écrire le document CDA");
        return -1;
    }
    cda_ctx c = {.w = w, .failed = 0, .r = r, .seq = 0};
    if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0) c.failed = 1;
    cx_start(&c, "ClinicalDocument");
    cx_attr(&c, "xmlns", "urn:hl7-org:v3");
    cx_attr(&c, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
    cx_attr(&c, "xmlns:ps3-20", "urn:dicom-org:ps3-20");
    cda_write_header(&c, lvl == LEVEL3);
    if (lvl == LEVEL3) {
        cda_write_body_n3(&c);
    } else {
        cx_start(&c, "component");
        cx_start(&c, "nonXMLBody");
        cx_start(&c, "text");
        cx_attr(&c, "mediaType", "application/pdf");
        cx_attr(&c, "representation", "B64");
        if (!c.failed && xmlTextWriterWriteBase64(w, (const char *)pdf, 0, (int)pdf_len) < 0) c.failed = 1;
        cx_end(&c);
        cx_end(&c);
        cx_end(&c);
    }
    cx_end(&c); /* ClinicalDocument */
    if (!c.failed && xmlTextWriterEndDocument(w) < 0) c.failed = 1;
    xmlFreeTextWriter(w); /* flushes into out */
    if (c.failed) {
        xmlBufferFree(out);
        cda_set_err(err, errlen, "échec de l'écriture XML du document CDA (mémoire insuffisante ?)");
        return -1;
    }
    size_t n = (size_t)xmlBufferLength(out);
    char *s = malloc(n + 1);
    if (!s) {
        xmlBufferFree(out);
        cda_set_err(err, errlen, "mémoire insuffisante pour le document CDA");
        return -1;
    }
    memcpy(s, xmlBufferContent(out), n);
    s[n] = '\0';
    xmlBufferFree(out);
    *xml = s;
    *len = n;
    return 0;
}

int cda_build_n3(const cda_report *r, char **xml, size_t *len, char *err, size_t errlen)
{
    return build(r, LEVEL3, NULL, 0, xml, len, err, errlen);
}

int cda_build_n1(const cda_report *r, const unsigned char *pdf, size_t pdf_len, char **xml,
                 size_t *len, char *err, size_t errlen)
{
    return build(r, LEVEL1, pdf, pdf_len, xml, len, err, errlen);
}
