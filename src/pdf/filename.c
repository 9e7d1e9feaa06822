/* File name of the report PDF (RIS.DOC.01: ECO 2.1.5 / 2.1.6 of the MSSanté client
 * référentiel; the rule and its reading are in docs/pdf.md). */
#include <stdio.h>
#include <string.h>

#include "pdf/pdf_internal.h"

#define NAME_MAX_BYTES 100
#define PART_MAX 30

static void append_part(buf_t *name, pdf_text_conv *conv, const char *utf8, buf_t *tmp, int *bad)
{
    buf_t folded = BUF_INIT;
    if (pdf_text_to_cp1252(conv, utf8, tmp, "nom", NULL, 0) != 0) {
        *bad = 1;
        return;
    }
    pdf_fold_token(buf_cstr(tmp), &folded);
    if (folded.len > PART_MAX) {
        folded.len = PART_MAX;
        while (folded.len > 0 && folded.data[folded.len - 1] == '-') folded.len--;
        folded.data[folded.len] = '\0';
    }
    if (folded.len > 0) {
        buf_putc(name, '_');
        buf_append(name, folded.data, folded.len);
    }
    buf_free(&folded);
}

int pdf_file_name(const pdf_report *r, char *out, size_t n, char *err, size_t errlen)
{
    if (!r) return pdf_fail(err, errlen, "nom de fichier : rapport absent");
    int y, m, d;
    if (pdf_parse_date(r->exam.date, &y, &m, &d) != 0)
        return pdf_fail(err, errlen, "nom de fichier : date d'examen invalide (AAAA-MM-JJ attendu)");
    if (!r->patient.birth_name || !*r->patient.birth_name)
        return pdf_fail(err, errlen, "nom de fichier : nom de naissance du patient manquant");
    if (r->version < 1)
        return pdf_fail(err, errlen, "nom de fichier : version du document invalide");

    pdf_text_conv conv;
    if (pdf_text_conv_open(&conv, err, errlen) != 0) return -1;
    buf_t name = BUF_INIT, tmp = BUF_INIT;
    int bad = 0;
    buf_printf(&name, "CR-IMAGERIE_%04d%02d%02d", y, m, d);
    append_part(&name, &conv, r->patient.birth_name, &tmp, &bad);
    /* First given name only: the file name stays short and readable. */
    if (r->patient.given_names) {
        char first[128];
        size_t k = strcspn(r->patient.given_names, " ");
        if (k >= sizeof first) k = sizeof first - 1;
        memcpy(first, r->patient.given_names, k);
        first[k] = '\0';
        append_part(&name, &conv, first, &tmp, &bad);
    }
    pdf_text_conv_close(&conv);
    buf_free(&tmp);
    if (bad) {
        buf_free(&name);
        return pdf_fail(err, errlen, "nom de fichier : nom ou prénom du patient invalide (UTF-8 incorrect)");
    }
    char suffix[32];
    int sl = snprintf(suffix, sizeof suffix, "_V%d.pdf", r->version);
    if (name.len + (size_t)sl > NAME_MAX_BYTES) name.len = NAME_MAX_BYTES - (size_t)sl;
    buf_puts(&name, suffix);
    if (!name.data || name.len + 1 > n) {
        buf_free(&name);
        return pdf_fail(err, errlen, "nom de fichier : tampon de sortie trop petit");
    }
    memcpy(out, name.data, name.len + 1);
    int len = (int)name.len;
    buf_free(&name);
    return len;
}
