/* pdf_render_report: validation of the input, then the report layout on A4 pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf/blocks.h"

static void HPDF_STDCALL on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
    layout *L = user;
    if (!L->hpdf_error) {
        L->hpdf_error = error_no;
        L->hpdf_detail = detail_no;
    }
    L->failed = 1;
}

static int empty(const char *s)
{
    return !s || !*s;
}

static int check_report(const pdf_report *r, char *err, size_t errlen)
{
    int y, m, d, h, mi, s, off;
    if (empty(r->site.name)) return pdf_fail(err, errlen, "champ obligatoire manquant : nom du site");
    if (empty(r->patient.birth_name))
        return pdf_fail(err, errlen, "champ obligatoire manquant : nom de naissance du patient");
    if (empty(r->patient.given_names))
        return pdf_fail(err, errlen, "champ obligatoire manquant : prénom(s) du patient");
    if (pdf_parse_date(r->patient.birth_date, &y, &m, &d) != 0)
        return pdf_fail(err, errlen, "date de naissance invalide (AAAA-MM-JJ attendu)");
    if (r->patient.sex != 'F' && r->patient.sex != 'M' && r->patient.sex != 'I')
        return pdf_fail(err, errlen, "sexe du patient invalide (F, M ou I attendu)");
    if (empty(r->patient.ipp)) return pdf_fail(err, errlen, "champ obligatoire manquant : IPP du patient");
    if (empty(r->patient.ins_matricule) != empty(r->patient.ins_oid))
        return pdf_fail(err, errlen, "INS incomplète : le matricule et l'OID vont ensemble");
    if (pdf_parse_date(r->exam.date, &y, &m, &d) != 0)
        return pdf_fail(err, errlen, "date d'examen invalide (AAAA-MM-JJ attendu)");
    if (empty(r->exam.ccam_label))
        return pdf_fail(err, errlen, "champ obligatoire manquant : libellé de l'acte");
    if (empty(r->sections.results) && empty(r->sections.conclusion))
        return pdf_fail(err, errlen, "compte rendu vide : résultats ou conclusion requis");
    const char *rpps = r->validation.validator_rpps;
    if (!r->draft_notice && empty(r->validation.validator_name))
        return pdf_fail(err, errlen, "champ obligatoire manquant : nom du médecin valideur");
    if ((!r->draft_notice || !empty(rpps)) && (empty(rpps) || strlen(rpps) != 11 || strspn(rpps, "0123456789") != 11))
        return pdf_fail(err, errlen, "RPPS du valideur invalide (11 chiffres attendus)");
    if (r->draft_notice && empty(r->draft_notice)) return pdf_fail(err, errlen, "mention « non validé » vide");
    if (pdf_parse_datetime(r->validation.validated_at, &y, &m, &d, &h, &mi, &s, &off) != 0)
        return pdf_fail(err, errlen, "date de validation invalide (AAAA-MM-JJTHH:MM:SS+HH:MM attendu)");
    if (r->n_recipients > 0 && !r->recipients)
        return pdf_fail(err, errlen, "liste des destinataires absente");
    for (size_t i = 0; i < r->n_recipients; i++)
        if (empty(r->recipients[i].name) || empty(r->recipients[i].channel))
            return pdf_fail(err, errlen, "destinataire n° %zu incomplet (nom et canal requis)", i + 1);
    if (empty(r->document_id)) return pdf_fail(err, errlen, "identifiant du document manquant");
    if (r->version < 1) return pdf_fail(err, errlen, "version du document invalide (>= 1)");
    return 0;
}

/* Every text field must be valid UTF-8: say which one is not before any layout. */
static int check_text(layout *L, const pdf_report *r)
{
    const struct {
        const char *value, *name;
    } fields[] = {
        {r->site.name, "nom du site"}, {r->site.address, "adresse du site"},
        {r->site.phone, "téléphone du site"}, {r->site.finess, "FINESS"},
        {r->patient.birth_name, "nom de naissance"}, {r->patient.used_name, "nom utilisé"},
        {r->patient.given_names, "prénoms"}, {r->patient.used_given_name, "prénom utilisé"},
        {r->patient.ipp, "IPP"}, {r->exam.modality, "modalité"}, {r->exam.ccam_code, "code CCAM"},
        {r->exam.ccam_label, "libellé de l'acte"}, {r->exam.accession_number, "numéro d'examen"},
        {r->exam.requester_name, "demandeur"}, {r->exam.requester_mssante, "MSSanté du demandeur"},
        {r->sections.indication, "indication"}, {r->sections.technique, "technique"},
        {r->sections.results, "résultats"}, {r->sections.conclusion, "conclusion"},
        {r->sections.free_text, "complément"}, {r->validation.validator_name, "nom du valideur"},
        {r->rgpd_notice, "mention RGPD"}, {r->document_id, "identifiant du document"},
        {r->title, "titre"}, {r->draft_notice, "mention « non validé »"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (pdf_text_to_cp1252(&L->conv, fields[i].value, &L->tmp, fields[i].name, L->err, L->errlen) != 0)
            return -1;
    for (size_t i = 0; i < r->n_recipients; i++) {
        const pdf_recipient *x = &r->recipients[i];
        if (pdf_text_to_cp1252(&L->conv, x->name, &L->tmp, "destinataire", L->err, L->errlen) != 0 ||
            pdf_text_to_cp1252(&L->conv, x->channel, &L->tmp, "canal du destinataire", L->err, L->errlen) != 0 ||
            pdf_text_to_cp1252(&L->conv, x->address, &L->tmp, "adresse du destinataire", L->err, L->errlen) != 0)
            return -1;
    }
    return 0;
}

static int load_font(layout *L, const char *path, HPDF_Font *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return pdf_fail(L->err, L->errlen, "police introuvable : %s", path);
    fclose(f);
    const char *name = HPDF_LoadTTFontFromFile(L->doc, path, HPDF_TRUE);
    /* libharu's "WinAnsiEncoding" encoder writes /Encoding /WinAnsiEncoding, as ISO 19005-1
     * 6.3.7 requires for non-symbolic TrueType fonts; its "CP1252" encoder would add a
     * /Differences array. The byte codes are the same (CP1252 = WinAnsi for French). */
    *out = name ? HPDF_GetFont(L->doc, name, "WinAnsiEncoding") : NULL;
    if (!*out) {
        L->failed = 1;
        return pdf_fail(L->err, L->errlen, "police TrueType illisible : %s", path);
    }
    return 0;
}

static int save(layout *L, unsigned char **out, size_t *outlen)
{
    if (HPDF_SaveToStream(L->doc) != HPDF_OK) return -1;
    HPDF_UINT32 size = HPDF_GetStreamSize(L->doc);
    unsigned char *bytes = malloc(size ? size : 1);
    if (!bytes) return pdf_fail(L->err, L->errlen, "mémoire insuffisante");
    HPDF_ResetStream(L->doc);
    HPDF_UINT32 got = 0;
    while (got < size) {
        HPDF_UINT32 len = size - got;
        HPDF_STATUS st = HPDF_ReadFromStream(L->doc, bytes + got, &len);
        got += len;
        if (st == HPDF_STREAM_EOF) break;
        if (st != HPDF_OK || len == 0) break;
    }
    if (got != size) {
        free(bytes);
        return pdf_fail(L->err, L->errlen, "lecture du PDF produit incomplète");
    }
    *out = bytes;
    *outlen = size;
    return 0;
}

static int render(layout *L, const pdf_report *r, const pdf_options *opt, unsigned char **out,
                  size_t *outlen)
{
    const char *font_reg = opt && opt->font_regular ? opt->font_regular : PDF_DEFAULT_FONT_REGULAR;
    const char *font_bold = opt && opt->font_bold ? opt->font_bold : PDF_DEFAULT_FONT_BOLD;
    const char *icc = opt && opt->icc_profile ? opt->icc_profile : PDF_DEFAULT_ICC_PROFILE;

    /* INS datamatrix first: a bad trait must fail before any layout work. */
    unsigned char *dm = NULL;
    int dm_cols = 0, dm_rows = 0;
    if (!empty(r->patient.ins_matricule)) {
        char content[512];
        int n = pdf_ins_datamatrix_content(&r->patient, content, sizeof content, L->err, L->errlen);
        if (n < 0) return -1;
        if (pdf_datamatrix_bitmap(content, (size_t)n, &dm, &dm_cols, &dm_rows, L->err, L->errlen) != 0)
            return -1;
    }

    int rc = -1;
    L->doc->pdf_version = HPDF_VER_14;
    HPDF_SetCompressionMode(L->doc, HPDF_COMP_ALL);
    if (load_font(L, font_reg, &L->regular) != 0 || load_font(L, font_bold, &L->bold) != 0) goto done;

    char birth[16];
    fr_date(r->patient.birth_date, birth, sizeof birth);
    snprintf(L->running, sizeof L->running, "%s%s%s — %s %s, né(e) le %s — IPP %s",
             r->draft_notice ? r->draft_notice : "", r->draft_notice ? " — " : "", r->site.name,
             r->patient.birth_name, r->patient.given_names, birth, r->patient.ipp);
    pdf_utf8_trim(L->running);

    if (lay_new_page(L) != 0) goto done;
    draw_letterhead(L, r);
    if (draw_patient(L, r, dm, dm_cols, dm_rows) != 0) goto done;
    if (draw_exam(L, r) != 0) goto done;
    if (draw_section(L, "Indication / histoire clinique", r->sections.indication, 0) != 0 ||
        draw_section(L, "Technique", r->sections.technique, 0) != 0 ||
        draw_section(L, "Résultats", r->sections.results, 0) != 0 ||
        draw_section(L, "Conclusion", r->sections.conclusion, 1) != 0 ||
        draw_section(L, "Complément", r->sections.free_text, 0) != 0)
        goto done;
    if (draw_validation(L, r) != 0 || draw_recipients(L, r) != 0 || draw_rgpd(L, r) != 0) goto done;
    draw_footers(L, r);
    if (L->failed) goto done;

    pdf_meta meta = {0};
    pdf_parse_datetime(r->validation.validated_at, &meta.y, &meta.mo, &meta.d, &meta.h, &meta.mi,
                       &meta.s, &meta.offset_min);
    char subject[512], author[300], seed[300], keywords[300];
    char exam_date[16];
    fr_date(r->exam.date, exam_date, sizeof exam_date);
    snprintf(subject, sizeof subject, "%s du %s", r->exam.ccam_label, exam_date);
    if (empty(r->validation.validator_name)) snprintf(author, sizeof author, "%s", r->site.name);
    else snprintf(author, sizeof author, "Dr %s", r->validation.validator_name);
    snprintf(seed, sizeof seed, "%s|%d", r->document_id, r->version);
    snprintf(keywords, sizeof keywords, "compte rendu d'imagerie; 18748-4; %s", r->document_id);
    pdf_utf8_trim(subject);
    pdf_utf8_trim(author);
    pdf_utf8_trim(keywords);
    meta.title = empty(r->title) ? "Compte rendu d'imagerie médicale" : r->title;
    meta.author = author;
    meta.subject = subject;
    meta.keywords = keywords;
    meta.id_seed = seed;
    if (pdf_pdfa_apply(L->doc, &meta, icc, L->err, L->errlen) != 0) goto done;
    if (L->failed) goto done;
    rc = save(L, out, outlen);
done:
    free(dm);
    return rc;
}

int pdf_render_report(const pdf_report *r, const pdf_options *opt, unsigned char **out,
                      size_t *outlen, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!out || !outlen) return pdf_fail(err, errlen, "paramètres de sortie absents");
    *out = NULL;
    *outlen = 0;
    if (!r) return pdf_fail(err, errlen, "compte rendu absent");
    if (check_report(r, err, errlen) != 0) return -1;

    layout L;
    memset(&L, 0, sizeof L);
    L.err = err;
    L.errlen = errlen;
    if (pdf_text_conv_open(&L.conv, err, errlen) != 0) return -1;
    L.doc = HPDF_New(on_hpdf_error, &L);
    if (!L.doc) {
        pdf_text_conv_close(&L.conv);
        return pdf_fail(err, errlen, "initialisation de libharu impossible");
    }
    int rc = check_text(&L, r);
    if (rc == 0) rc = render(&L, r, opt, out, outlen);
    if (rc == 0 && L.failed) rc = -1;
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *outlen = 0;
        if (err && errlen && !err[0]) {
            if (L.hpdf_error)
                pdf_fail(err, errlen, "erreur libharu 0x%04X (détail %u)", (unsigned)L.hpdf_error,
                         (unsigned)L.hpdf_detail);
            else
                pdf_fail(err, errlen, "production du PDF impossible");
        }
    }
    HPDF_Free(L.doc);
    free(L.pages);
    buf_free(&L.tmp);
    pdf_text_conv_close(&L.conv);
    return rc;
}
