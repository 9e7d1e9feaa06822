/* The INS datamatrix: its content (ANS "Datamatrix INS" layout) and its ECC 200 symbol (libdmtx).
 *
 * Content, as specified by the ANS guide "Datamatrix INS" (v2.2, February 2022) and as read
 * by deployed readers (see docs/pdf.md for the sources):
 *   header  "IS" + "01" + 22 x '0'     unsigned 2D-Doc-style header (no certificate, no dates)
 *   S1  matricule INS            fixed 15
 *   S2  OID of the INS           variable 1..20, <GS> when shorter than 20
 *   S3  prénoms de naissance     variable 1..100 (space-separated), <GS> when shorter than 100
 *   S4  nom de naissance         variable 1..100, <GS> when shorter than 100
 *   S5  sexe                     fixed 1 (M or F: the INSi traits know no other value)
 *   S6  date de naissance        fixed 10, JJ-MM-AAAA
 *   S7  code lieu de naissance   fixed 5 (INSEE code), optional
 * Traits are the INSi ones: upper-case letters, space, hyphen and apostrophe; lower-case ASCII
 * is upper-cased, anything else (accents, digits, punctuation) is refused rather than altered. */
#include <dmtx.h>
#include <stdlib.h>
#include <string.h>

#include "pdf/pdf_internal.h"

#define GS '\x1D'

static int trait_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max) return 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ' || c == '-' || c == '\''))
            return 0;
    }
    return 1;
}

static int put_upper(buf_t *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        char c = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
        if (buf_putc(b, c) != 0) return -1;
    }
    return 0;
}

static int put_variable(buf_t *b, const char *tag, const char *value, size_t max, int upper)
{
    int rc = buf_puts(b, tag);
    rc |= upper ? put_upper(b, value) : buf_puts(b, value);
    if (strlen(value) < max) rc |= buf_putc(b, GS);
    return rc;
}

int pdf_ins_datamatrix_content(const pdf_patient *p, char *out, size_t n, char *err, size_t errlen)
{
    if (!p || !p->ins_matricule || !*p->ins_matricule)
        return pdf_fail(err, errlen, "datamatrix INS : aucune INS fournie pour ce patient");
    const char *m = p->ins_matricule;
    if (strlen(m) != 15)
        return pdf_fail(err, errlen, "datamatrix INS : le matricule INS doit compter 15 caractères");
    for (int i = 0; i < 15; i++) {
        /* Corsican NIR: "2A"/"2B" at positions 6-7 (département of birth). */
        int corsica = (i == 6 && (m[i] == 'A' || m[i] == 'B') && m[5] == '2');
        if (!(m[i] >= '0' && m[i] <= '9') && !corsica)
            return pdf_fail(err, errlen, "datamatrix INS : matricule INS invalide (%s)", m);
    }
    const char *oid = p->ins_oid;
    if (!oid || !*oid || strlen(oid) > 20 || strspn(oid, "0123456789.") != strlen(oid))
        return pdf_fail(err, errlen, "datamatrix INS : OID de l'INS manquant ou invalide");
    if (!trait_ok(p->given_names, 100))
        return pdf_fail(err, errlen, "datamatrix INS : prénoms de naissance manquants ou hors "
                                     "alphabet des traits INS (lettres, espace, tiret, apostrophe)");
    if (!trait_ok(p->birth_name, 100))
        return pdf_fail(err, errlen, "datamatrix INS : nom de naissance manquant ou hors "
                                     "alphabet des traits INS (lettres, espace, tiret, apostrophe)");
    if (p->sex != 'M' && p->sex != 'F')
        return pdf_fail(err, errlen, "datamatrix INS : sexe invalide (M ou F attendu pour une INS)");
    int y, mo, d;
    if (pdf_parse_date(p->birth_date, &y, &mo, &d) != 0)
        return pdf_fail(err, errlen, "datamatrix INS : date de naissance invalide (AAAA-MM-JJ attendu)");
    const char *place = p->birthplace_code;
    if (place && *place && (strlen(place) != 5 || strspn(place, "0123456789AB") != 5))
        return pdf_fail(err, errlen, "datamatrix INS : code lieu de naissance invalide (5 caractères INSEE)");

    buf_t b = BUF_INIT;
    int rc = buf_puts(&b, "IS010000000000000000000000");
    rc |= buf_puts(&b, "S1");
    rc |= buf_puts(&b, m);
    rc |= put_variable(&b, "S2", oid, 20, 0);
    rc |= put_variable(&b, "S3", p->given_names, 100, 1);
    rc |= put_variable(&b, "S4", p->birth_name, 100, 1);
    rc |= buf_printf(&b, "S5%cS6%02d-%02d-%04d", p->sex, d, mo, y);
    if (place && *place) rc |= buf_printf(&b, "S7%s", place);
    if (rc != 0) {
        buf_free(&b);
        return pdf_fail(err, errlen, "mémoire insuffisante");
    }
    if (b.len + 1 > n) {
        buf_free(&b);
        return pdf_fail(err, errlen, "datamatrix INS : tampon de sortie trop petit");
    }
    memcpy(out, b.data, b.len + 1);
    int len = (int)b.len;
    buf_free(&b);
    return len;
}

int pdf_datamatrix_bitmap(const char *content, size_t len, unsigned char **pix, int *cols,
                          int *rows, char *err, size_t errlen)
{
    *pix = NULL;
    DmtxEncode *enc = dmtxEncodeCreate();
    if (!enc) return pdf_fail(err, errlen, "datamatrix : création de l'encodeur impossible");
    dmtxEncodeSetProp(enc, DmtxPropSizeRequest, DmtxSymbolSquareAuto);
    dmtxEncodeSetProp(enc, DmtxPropModuleSize, 1);
    dmtxEncodeSetProp(enc, DmtxPropMarginSize, 0);
    if (dmtxEncodeDataMatrix(enc, (int)len, (unsigned char *)content) != DmtxPass) {
        dmtxEncodeDestroy(&enc);
        return pdf_fail(err, errlen, "datamatrix : encodage impossible (contenu trop long ?)");
    }
    int size_idx = enc->region.sizeIdx;
    int r = dmtxGetSymbolAttribute(DmtxSymAttribSymbolRows, size_idx);
    int c = dmtxGetSymbolAttribute(DmtxSymAttribSymbolCols, size_idx);
    unsigned char *img = malloc((size_t)r * (size_t)c);
    if (!img) {
        dmtxEncodeDestroy(&enc);
        return pdf_fail(err, errlen, "mémoire insuffisante");
    }
    /* libdmtx numbers symbol rows from the bottom; the bitmap goes top row first. */
    for (int row = 0; row < r; row++)
        for (int col = 0; col < c; col++) {
            int on = dmtxSymbolModuleStatus(enc->message, size_idx, row, col) & DmtxModuleOnRGB;
            img[(size_t)(r - 1 - row) * (size_t)c + (size_t)col] = on ? 0x00 : 0xFF;
        }
    dmtxEncodeDestroy(&enc);
    *pix = img;
    *cols = c;
    *rows = r;
    return 0;
}
