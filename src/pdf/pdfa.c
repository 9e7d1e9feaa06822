/* PDF/A-1b identification on top of libharu.
 *
 * libharu 2.3.0 (Debian libhpdf 2.3.0+dfsg) has HPDF_PDFA_SetPDFAConformance and
 * HPDF_PDFA_AppendOutputIntents, but their output is not conforming, so this file writes
 * those objects itself through libharu's public object API (HPDF_Dict, HPDF_DictStream):
 *  - the XMP packet is written without XML escaping ('&' or '<' in a title breaks it), with
 *    the key "SubType" instead of "Subtype", and from Info strings stored in the document's
 *    single-byte encoding, so XMP (UTF-8) and Info differ for accented text (ISO 19005-1
 *    6.7.3 requires them equivalent);
 *  - the output intent dictionary gets the key "DestOutputProfile " (trailing space), so the
 *    ICC profile is not found by readers and validators;
 *  - the trailer /ID is derived from ctime() (not thread-safe, not tied to the document).
 * Here the Info strings are UTF-16BE (with BOM) hex strings, the same values go into the XMP
 * (escaped), the dates are identical in both, and the ID is MD5(document id + version). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf_encrypt.h>

#include "pdf/pdf_internal.h"

static int xml_escape(buf_t *b, const char *s)
{
    int rc = 0;
    for (const char *p = s; p && *p; p++) {
        switch (*p) {
        case '&': rc |= buf_puts(b, "&amp;"); break;
        case '<': rc |= buf_puts(b, "&lt;"); break;
        case '>': rc |= buf_puts(b, "&gt;"); break;
        case '"': rc |= buf_puts(b, "&quot;"); break;
        case '\'': rc |= buf_puts(b, "&apos;"); break;
        default:
            if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') continue;
            rc |= buf_putc(b, *p);
        }
    }
    return rc;
}

/* UTF-8 -> UTF-16BE with BOM, as a PDF text string (hex). */
static HPDF_Binary utf16_string(HPDF_Doc doc, const char *utf8)
{
    size_t n = strlen(utf8);
    size_t cap = 2 + n * 4;
    unsigned char *tmp = malloc(cap);
    if (!tmp) return NULL;
    tmp[0] = 0xFE;
    tmp[1] = 0xFF;
    iconv_t cd = iconv_open("UTF-16BE", "UTF-8");
    if (cd == (iconv_t)-1) {
        free(tmp);
        return NULL;
    }
    char *in = (char *)utf8, *o = (char *)tmp + 2;
    size_t inleft = n, outleft = cap - 2;
    size_t rc = iconv(cd, &in, &inleft, &o, &outleft);
    iconv_close(cd);
    HPDF_Binary bin = NULL;
    if (rc != (size_t)-1)
        bin = HPDF_Binary_New(doc->mmgr, tmp, (HPDF_UINT)(cap - outleft));
    free(tmp);
    return bin;
}

static int info_text(HPDF_Doc doc, HPDF_Dict info, const char *key, const char *utf8)
{
    if (!utf8 || !*utf8) return 0;
    HPDF_Binary v = utf16_string(doc, utf8);
    if (!v) return -1;
    return HPDF_Dict_Add(info, key, v) == HPDF_OK ? 0 : -1;
}

static void pdf_date(const pdf_meta *m, char *out, size_t n)
{
    int off = m->offset_min < 0 ? -m->offset_min : m->offset_min;
    if (m->offset_min == 0)
        snprintf(out, n, "D:%04d%02d%02d%02d%02d%02dZ", m->y, m->mo, m->d, m->h, m->mi, m->s);
    else
        snprintf(out, n, "D:%04d%02d%02d%02d%02d%02d%c%02d'%02d'", m->y, m->mo, m->d, m->h, m->mi,
                 m->s, m->offset_min < 0 ? '-' : '+', off / 60, off % 60);
}

static void xmp_date(const pdf_meta *m, char *out, size_t n)
{
    int off = m->offset_min < 0 ? -m->offset_min : m->offset_min;
    if (m->offset_min == 0)
        snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", m->y, m->mo, m->d, m->h, m->mi, m->s);
    else
        snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", m->y, m->mo, m->d, m->h,
                 m->mi, m->s, m->offset_min < 0 ? '-' : '+', off / 60, off % 60);
}

#define PRODUCER "Couloir RIS (libHaru 2.3.0)"
#define CREATOR_TOOL "Couloir RIS"

static int build_xmp(buf_t *x, const pdf_meta *m, const char *date)
{
    int rc = 0;
    /* The xpacket begin attribute carries U+FEFF in UTF-8 as the XMP specification asks. */
    rc |= buf_puts(x, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                      "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n");
    rc |= buf_puts(x, "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
                      "<dc:format>application/pdf</dc:format>\n");
    if (m->title) {
        rc |= buf_puts(x, "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">");
        rc |= xml_escape(x, m->title);
        rc |= buf_puts(x, "</rdf:li></rdf:Alt></dc:title>\n");
    }
    if (m->author) {
        rc |= buf_puts(x, "<dc:creator><rdf:Seq><rdf:li>");
        rc |= xml_escape(x, m->author);
        rc |= buf_puts(x, "</rdf:li></rdf:Seq></dc:creator>\n");
    }
    if (m->subject) {
        rc |= buf_puts(x, "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">");
        rc |= xml_escape(x, m->subject);
        rc |= buf_puts(x, "</rdf:li></rdf:Alt></dc:description>\n");
    }
    rc |= buf_puts(x, "</rdf:Description>\n");
    rc |= buf_printf(x, "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n"
                        "<xmp:CreatorTool>" CREATOR_TOOL "</xmp:CreatorTool>\n"
                        "<xmp:CreateDate>%s</xmp:CreateDate>\n"
                        "<xmp:ModifyDate>%s</xmp:ModifyDate>\n"
                        "<xmp:MetadataDate>%s</xmp:MetadataDate>\n"
                        "</rdf:Description>\n", date, date, date);
    rc |= buf_puts(x, "<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n"
                      "<pdf:Producer>" PRODUCER "</pdf:Producer>\n");
    if (m->keywords) {
        rc |= buf_puts(x, "<pdf:Keywords>");
        rc |= xml_escape(x, m->keywords);
        rc |= buf_puts(x, "</pdf:Keywords>\n");
    }
    rc |= buf_puts(x, "</rdf:Description>\n");
    rc |= buf_puts(x, "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n"
                      "<pdfaid:part>1</pdfaid:part>\n"
                      "<pdfaid:conformance>B</pdfaid:conformance>\n"
                      "</rdf:Description>\n"
                      "</rdf:RDF>\n</x:xmpmeta>\n");
    /* Padding lets in-place editors grow the packet (recommended by the XMP specification). */
    for (int i = 0; i < 20; i++)
        rc |= buf_puts(x, "                                                                                \n");
    rc |= buf_puts(x, "<?xpacket end=\"w\"?>");
    return rc;
}

static int add_metadata(HPDF_Doc doc, const pdf_meta *m, char *err, size_t errlen)
{
    char date[40], pdate[40];
    xmp_date(m, date, sizeof date);
    pdf_date(m, pdate, sizeof pdate);

    /* Info dictionary (created by libharu on first use), values equal to the XMP ones. */
    if (HPDF_SetInfoAttr(doc, HPDF_INFO_PRODUCER, PRODUCER) != HPDF_OK)
        return pdf_fail(err, errlen, "métadonnées PDF : dictionnaire Info");
    HPDF_Dict info = doc->info;
    if (!info) return pdf_fail(err, errlen, "métadonnées PDF : dictionnaire Info absent");
    if (HPDF_Dict_Add(info, "Creator", HPDF_String_New(doc->mmgr, CREATOR_TOOL, NULL)) != HPDF_OK ||
        HPDF_Dict_Add(info, "CreationDate", HPDF_String_New(doc->mmgr, pdate, NULL)) != HPDF_OK ||
        HPDF_Dict_Add(info, "ModDate", HPDF_String_New(doc->mmgr, pdate, NULL)) != HPDF_OK ||
        info_text(doc, info, "Title", m->title) != 0 ||
        info_text(doc, info, "Author", m->author) != 0 ||
        info_text(doc, info, "Subject", m->subject) != 0 ||
        info_text(doc, info, "Keywords", m->keywords) != 0)
        return pdf_fail(err, errlen, "métadonnées PDF : écriture du dictionnaire Info");

    buf_t x = BUF_INIT;
    if (build_xmp(&x, m, date) != 0) {
        buf_free(&x);
        return pdf_fail(err, errlen, "mémoire insuffisante (XMP)");
    }
    /* Uncompressed: ISO 19005-1 6.7.2 forbids a Filter on the metadata stream. */
    HPDF_Dict xmp = HPDF_DictStream_New(doc->mmgr, doc->xref);
    int ok = xmp && HPDF_Dict_AddName(xmp, "Type", "Metadata") == HPDF_OK &&
             HPDF_Dict_AddName(xmp, "Subtype", "XML") == HPDF_OK &&
             HPDF_Stream_Write(xmp->stream, (const HPDF_BYTE *)x.data, (HPDF_UINT)x.len) == HPDF_OK &&
             HPDF_Dict_Add(doc->catalog, "Metadata", xmp) == HPDF_OK;
    buf_free(&x);
    if (!ok) return pdf_fail(err, errlen, "métadonnées PDF : flux XMP");
    return 0;
}

static int add_output_intent(HPDF_Doc doc, const char *icc_path, char *err, size_t errlen)
{
    FILE *f = fopen(icc_path, "rb");
    if (!f) return pdf_fail(err, errlen, "profil ICC introuvable : %s", icc_path);
    unsigned char head[128];
    size_t got = fread(head, 1, sizeof head, f);
    /* ICC header: bytes 36..39 "acsp", byte 8 = major version, 16..19 colour space. */
    if (got != sizeof head || memcmp(head + 36, "acsp", 4) != 0 || memcmp(head + 16, "RGB ", 4) != 0) {
        fclose(f);
        return pdf_fail(err, errlen, "profil ICC invalide (RVB attendu) : %s", icc_path);
    }
    if (head[8] > 2) {
        fclose(f);
        return pdf_fail(err, errlen, "profil ICC version %d refusé : PDF/A-1 exige un profil ICC v2 (%s)",
                        head[8], icc_path);
    }
    HPDF_Dict icc = HPDF_DictStream_New(doc->mmgr, doc->xref);
    int ok = icc != NULL && HPDF_Dict_AddNumber(icc, "N", 3) == HPDF_OK &&
             HPDF_Dict_AddName(icc, "Alternate", "DeviceRGB") == HPDF_OK;
    if (ok) {
        icc->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
        ok = HPDF_Stream_Write(icc->stream, head, (HPDF_UINT)got) == HPDF_OK;
        unsigned char chunk[4096];
        size_t n;
        while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            ok = HPDF_Stream_Write(icc->stream, chunk, (HPDF_UINT)n) == HPDF_OK;
        if (ferror(f)) ok = 0;
    }
    fclose(f);
    if (!ok) return pdf_fail(err, errlen, "lecture du profil ICC impossible : %s", icc_path);

    HPDF_Dict intent = HPDF_Dict_New(doc->mmgr);
    if (!intent || HPDF_Xref_Add(doc->xref, intent) != HPDF_OK)
        return pdf_fail(err, errlen, "mémoire insuffisante (OutputIntent)");
    HPDF_Array intents = HPDF_Array_New(doc->mmgr);
    ok = intents != NULL && HPDF_Dict_AddName(intent, "Type", "OutputIntent") == HPDF_OK &&
         HPDF_Dict_AddName(intent, "S", "GTS_PDFA1") == HPDF_OK &&
         HPDF_Dict_Add(intent, "OutputConditionIdentifier",
                       HPDF_String_New(doc->mmgr, "sRGB IEC61966-2.1", NULL)) == HPDF_OK &&
         HPDF_Dict_Add(intent, "RegistryName",
                       HPDF_String_New(doc->mmgr, "http://www.color.org", NULL)) == HPDF_OK &&
         HPDF_Dict_Add(intent, "Info", HPDF_String_New(doc->mmgr, "sRGB IEC61966-2.1", NULL)) == HPDF_OK &&
         HPDF_Dict_Add(intent, "DestOutputProfile", icc) == HPDF_OK &&
         HPDF_Array_Add(intents, intent) == HPDF_OK &&
         HPDF_Dict_Add(doc->catalog, "OutputIntents", intents) == HPDF_OK;
    if (!ok) return pdf_fail(err, errlen, "écriture de l'OutputIntent impossible");
    return 0;
}

static int add_id(HPDF_Doc doc, const char *seed, char *err, size_t errlen)
{
    HPDF_MD5_CTX ctx;
    HPDF_BYTE digest[HPDF_MD5_KEY_LEN];
    HPDF_MD5Init(&ctx);
    HPDF_MD5Update(&ctx, (const HPDF_BYTE *)"couloir-cr-imagerie:", 20);
    HPDF_MD5Update(&ctx, (const HPDF_BYTE *)seed, (HPDF_UINT)strlen(seed));
    HPDF_MD5Final(digest, &ctx);
    HPDF_Array id = HPDF_Array_New(doc->mmgr);
    if (!id || HPDF_Array_Add(id, HPDF_Binary_New(doc->mmgr, digest, sizeof digest)) != HPDF_OK ||
        HPDF_Array_Add(id, HPDF_Binary_New(doc->mmgr, digest, sizeof digest)) != HPDF_OK ||
        HPDF_Dict_Add(doc->trailer, "ID", id) != HPDF_OK)
        return pdf_fail(err, errlen, "écriture de l'identifiant du fichier (/ID) impossible");
    return 0;
}

int pdf_pdfa_apply(HPDF_Doc doc, const pdf_meta *m, const char *icc_path, char *err, size_t errlen)
{
    if (add_metadata(doc, m, err, errlen) != 0) return -1;
    if (add_output_intent(doc, icc_path, err, errlen) != 0) return -1;
    if (add_id(doc, m->id_seed, err, errlen) != 0) return -1;
    return 0;
}
