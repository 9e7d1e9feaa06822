/* The blocks of the report page: letterhead, patient, exam, sections, validation,
 * recipients, RGPD notice, footers. */
#include <stdio.h>
#include <string.h>

#include "pdf/blocks.h"

static int empty(const char *s)
{
    return !s || !*s;
}

static const char *modality_label(const char *m)
{
    static const struct {
        const char *code, *label;
    } tab[] = {
        {"CT", "Scanner"}, {"MR", "IRM"}, {"US", "Échographie"}, {"CR", "Radiographie"},
        {"DX", "Radiographie"}, {"MG", "Mammographie"}, {"NM", "Médecine nucléaire"},
        {"PT", "TEP"}, {"XA", "Angiographie"}, {"RF", "Radioscopie"}, {"OT", "Autre"},
        {"IO", "Radiographie intra-orale"}, {"PX", "Panoramique dentaire"}, {"BMD", "Ostéodensitométrie"},
    };
    for (size_t i = 0; m && i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(tab[i].code, m) == 0) return tab[i].label;
    return NULL;
}

static const char *ins_kind(const char *oid)
{
    if (!oid) return "INS";
    if (strcmp(oid, "1.2.250.1.213.1.4.8") == 0) return "INS-NIR";
    if (strcmp(oid, "1.2.250.1.213.1.4.9") == 0) return "INS-NIA";
    if (strcmp(oid, "1.2.250.1.213.1.4.10") == 0) return "INS-NIR de test";
    if (strcmp(oid, "1.2.250.1.213.1.4.11") == 0) return "INS-NIR de démonstration";
    return "INS";
}

static const char *sex_label(char s)
{
    return s == 'F' ? "Féminin" : s == 'M' ? "Masculin" : "Indéterminé";
}

/* Checks the fields the document cannot do without; returns 0 or -1 with a French message. */void fr_date(const char *iso, char *out, size_t n)
{
    int y, m, d;
    if (pdf_parse_date(iso, &y, &m, &d) == 0) snprintf(out, n, "%02d/%02d/%04d", d, m, y);
    else snprintf(out, n, "?");
}

void draw_letterhead(layout *L, const pdf_report *r)
{
    float top = L->y;
    lay_text(L, L->bold, 15.0f, COLOR_ACCENT, MARGIN_L, top - 15.0f, r->site.name);
    float y = top - 31.0f;
    if (!empty(r->site.address)) {
        L->y = y + 9.0f;
        lay_paragraphs(L, L->regular, 9.0f, 11.5f, COLOR_MUTED, MARGIN_L, CONTENT_W * 0.6f,
                       r->site.address, 0);
        y = L->y - 9.0f; /* next baseline after the last address line */
    }
    buf_t b = BUF_INIT;
    if (!empty(r->site.phone)) buf_printf(&b, "Tél. : %s", r->site.phone);
    if (!empty(r->site.finess))
        buf_printf(&b, "%sFINESS : %s", b.len ? "   ·   " : "", r->site.finess);
    if (b.len) {
        lay_text(L, L->regular, 9.0f, COLOR_MUTED, MARGIN_L, y, buf_cstr(&b));
        y -= 11.5f;
    }
    buf_free(&b);
    L->y = y - 4.0f;
    lay_rule(L, L->y, 1.2f, COLOR_ACCENT);
    L->y -= 18.0f;

    const char *title = empty(r->title) ? "Compte rendu d'imagerie médicale" : r->title;
    float w = lay_width(L, L->bold, 14.0f, title);
    lay_text(L, L->bold, 14.0f, COLOR_TEXT, (PAGE_W - w) / 2.0f, L->y, title);
    L->y -= 14.0f;
    char ver[200];
    snprintf(ver, sizeof ver, "Document %s — version %d", r->document_id, r->version);
    pdf_utf8_trim(ver);
    w = lay_width(L, L->regular, 8.0f, ver);
    lay_text(L, L->regular, 8.0f, COLOR_MUTED, (PAGE_W - w) / 2.0f, L->y, ver);
    L->y -= 13.0f;
}

/* One "Label : value" row; returns the height used. */
static float kv_row(layout *L, float x, float y, float label_w, float value_w, const char *label,
                    const char *value)
{
    lay_text(L, L->regular, 8.5f, COLOR_MUTED, x, y, label);
    float save = L->y;
    L->y = y + 9.5f;
    lay_paragraphs(L, L->bold, 9.5f, 11.5f, COLOR_TEXT, x + label_w, value_w, value, 0);
    float used = (y + 9.5f) - L->y;
    L->y = save;
    return used < 11.5f ? 11.5f : used;
}

int draw_patient(layout *L, const pdf_report *r, const unsigned char *dm, int dm_cols,
                        int dm_rows)
{
    const pdf_patient *p = &r->patient;
    const float pad = 8.0f, label_w = 110.0f;
    const float dm_size = 74.0f, dm_quiet = 6.0f;
    int has_dm = dm != NULL;
    float value_w = CONTENT_W - 2 * pad - label_w - (has_dm ? dm_size + 2 * dm_quiet + 8.0f : 0);

    /* Rows (UTF-8), measured first so the shaded box has the right height. */
    char birth[16];
    fr_date(p->birth_date, birth, sizeof birth);
    buf_t v[8];
    const char *labels[8];
    int n = 0;
    for (int i = 0; i < 8; i++) v[i] = (buf_t)BUF_INIT;
    labels[n] = "Nom de naissance";
    buf_puts(&v[n++], p->birth_name);
    labels[n] = "Prénom(s)";
    buf_puts(&v[n++], p->given_names);
    if (!empty(p->used_name) && strcmp(p->used_name, p->birth_name) != 0) {
        labels[n] = "Nom utilisé";
        buf_puts(&v[n++], p->used_name);
    }
    if (!empty(p->used_given_name)) {
        labels[n] = "Prénom utilisé";
        buf_puts(&v[n++], p->used_given_name);
    }
    labels[n] = "Date de naissance";
    buf_printf(&v[n++], "%s   ·   Sexe : %s", birth, sex_label(p->sex));
    labels[n] = "IPP";
    buf_puts(&v[n++], p->ipp);
    if (!empty(p->ins_matricule)) {
        labels[n] = "INS";
        buf_printf(&v[n++], "%s (%s, OID %s)", p->ins_matricule, ins_kind(p->ins_oid), p->ins_oid);
    }
    float h = 2 * pad + 14.0f;
    for (int i = 0; i < n; i++) {
        int lines = lay_count_lines(L, L->bold, 9.5f, value_w, buf_cstr(&v[i]));
        h += (lines > 1 ? (float)lines * 11.5f : 11.5f) + 1.0f;
    }
    if (has_dm && h < dm_size + 2 * dm_quiet + 2 * pad) h = dm_size + 2 * dm_quiet + 2 * pad;

    int rc = lay_ensure(L, h + 10.0f);
    if (rc == 0) {
        float top = L->y;
        lay_fill_rect(L, MARGIN_L, top - h, CONTENT_W, h, COLOR_SHADE);
        lay_text(L, L->bold, 10.0f, COLOR_ACCENT, MARGIN_L + pad, top - pad - 9.0f, "Patient");
        float y = top - pad - 9.0f - 16.0f;
        for (int i = 0; i < n; i++)
            y -= kv_row(L, MARGIN_L + pad, y, label_w, value_w, labels[i], buf_cstr(&v[i])) + 1.0f;
        if (has_dm) {
            HPDF_Image img = HPDF_LoadRawImageFromMem(L->doc, dm, (HPDF_UINT)dm_cols, (HPDF_UINT)dm_rows,
                                                      HPDF_CS_DEVICE_GRAY, 8);
            if (!img) {
                rc = pdf_fail(L->err, L->errlen, "datamatrix : image non insérée");
                L->failed = 1;
            } else {
                float bx = MARGIN_L + CONTENT_W - pad - dm_size - 2 * dm_quiet;
                float by = top - pad - dm_size - 2 * dm_quiet;
                /* White quiet zone around the symbol (ISO/IEC 16022: at least one module). */
                lay_fill_rect(L, bx, by, dm_size + 2 * dm_quiet, dm_size + 2 * dm_quiet,
                              (rgb){1.0f, 1.0f, 1.0f});
                HPDF_Page_DrawImage(L->page, img, bx + dm_quiet, by + dm_quiet, dm_size,
                                    dm_size * (float)dm_rows / (float)dm_cols);
                const char *cap = "Datamatrix INS";
                float cw = lay_width(L, L->regular, 6.5f, cap);
                lay_text(L, L->regular, 6.5f, COLOR_MUTED, bx + (dm_size + 2 * dm_quiet - cw) / 2.0f,
                         by - 8.0f, cap);
            }
        }
        L->y = top - h - 10.0f;
    }
    for (int i = 0; i < 8; i++) buf_free(&v[i]);
    return rc;
}

int draw_exam(layout *L, const pdf_report *r)
{
    const pdf_exam *e = &r->exam;
    const float label_w = 110.0f;
    char date[16];
    fr_date(e->date, date, sizeof date);
    buf_t b = BUF_INIT;

    if (lay_ensure(L, 80.0f) != 0) return -1;
    lay_text(L, L->bold, 10.0f, COLOR_ACCENT, MARGIN_L, L->y - 10.0f, "Examen");
    L->y -= 24.0f;

    const char *mod = modality_label(e->modality);
    buf_printf(&b, "%s", date);
    if (!empty(e->modality)) {
        if (mod) buf_printf(&b, "   ·   %s (%s)", mod, e->modality);
        else buf_printf(&b, "   ·   %s", e->modality);
    }
    L->y -= kv_row(L, MARGIN_L, L->y, label_w, CONTENT_W - label_w, "Date et modalité", buf_cstr(&b));
    buf_reset(&b);
    buf_puts(&b, e->ccam_label);
    if (!empty(e->ccam_code)) buf_printf(&b, " (CCAM %s)", e->ccam_code);
    L->y -= kv_row(L, MARGIN_L, L->y, label_w, CONTENT_W - label_w, "Acte", buf_cstr(&b));
    if (!empty(e->accession_number))
        L->y -= kv_row(L, MARGIN_L, L->y, label_w, CONTENT_W - label_w, "N° d'examen", e->accession_number);
    if (!empty(e->requester_name))
        L->y -= kv_row(L, MARGIN_L, L->y, label_w, CONTENT_W - label_w, "Demandeur", e->requester_name);
    if (!empty(e->requester_mssante))
        L->y -= kv_row(L, MARGIN_L, L->y, label_w, CONTENT_W - label_w, "MSSanté du demandeur",
                       e->requester_mssante);
    buf_free(&b);
    L->y -= 4.0f;
    lay_rule(L, L->y, 0.6f, COLOR_RULE);
    L->y -= 11.0f;
    return L->failed ? -1 : 0;
}

int draw_section(layout *L, const char *heading, const char *body, int emphasize)
{
    if (empty(body)) return 0;
    /* Keep the heading with at least two lines of its text. */
    if (lay_ensure(L, 18.0f + 2 * 13.5f) != 0) return -1;
    lay_fill_rect(L, MARGIN_L, L->y - 11.0f, 3.0f, 11.0f, COLOR_ACCENT);
    lay_text(L, L->bold, 11.0f, COLOR_ACCENT, MARGIN_L + 8.0f, L->y - 10.0f, heading);
    L->y -= 16.5f;
    if (lay_paragraphs(L, emphasize ? L->bold : L->regular, 10.0f, 13.5f, COLOR_TEXT, MARGIN_L + 8.0f,
                       CONTENT_W - 8.0f, body, 3.0f) != 0)
        return -1;
    L->y -= 6.0f;
    return 0;
}

int draw_validation(layout *L, const pdf_report *r)
{
    const pdf_validation *v = &r->validation;
    int y, mo, d, h, mi, s, off;
    pdf_parse_datetime(v->validated_at, &y, &mo, &d, &h, &mi, &s, &off);
    buf_t b = BUF_INIT;
    /* RIS.CRR.01: status "Validé", date, time, validator and RPPS. */
    if (r->draft_notice) /* preview: never "Validé" */
        buf_printf(&b, "%s — aperçu du %02d/%02d/%04d à %02d:%02d, sans valeur de compte rendu", r->draft_notice, d,
                   mo, y, h, mi);
    else
        buf_printf(&b, "Validé le %02d/%02d/%04d à %02d:%02d par Dr %s (RPPS %s)", d, mo, y, h, mi,
                   v->validator_name, v->validator_rpps);
    int lines = lay_count_lines(L, L->bold, 10.0f, CONTENT_W - 24.0f, buf_cstr(&b));
    float bh = 14.0f + (float)lines * 13.5f;
    int rc = lay_ensure(L, bh + 8.0f);
    if (rc == 0) {
        float top = L->y;
        lay_fill_rect(L, MARGIN_L, top - bh, CONTENT_W, bh, COLOR_SHADE);
        lay_fill_rect(L, MARGIN_L, top - bh, 3.0f, bh, COLOR_ACCENT);
        L->y = top - 7.0f;
        rc = lay_paragraphs(L, L->bold, 10.0f, 13.5f, COLOR_TEXT, MARGIN_L + 12.0f, CONTENT_W - 24.0f,
                            buf_cstr(&b), 0);
        L->y = top - bh - 12.0f;
    }
    buf_free(&b);
    return rc;
}

int draw_recipients(layout *L, const pdf_report *r)
{
    if (r->n_recipients == 0) return 0;
    /* Keep the list in one piece when it fits on a page (no orphaned recipient). */
    float whole = 17.0f + 12.0f * (float)r->n_recipients;
    if (lay_ensure(L, whole < PAGE_H / 2.0f ? whole : 18.0f + 13.0f) != 0) return -1;
    lay_text(L, L->bold, 10.0f, COLOR_ACCENT, MARGIN_L, L->y - 10.0f, "Destinataires");
    L->y -= 17.0f;
    buf_t b = BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < r->n_recipients && rc == 0; i++) {
        const pdf_recipient *rc_ = &r->recipients[i];
        buf_reset(&b);
        buf_printf(&b, "%s — %s", rc_->name, rc_->channel);
        if (!empty(rc_->address)) buf_printf(&b, " : %s", rc_->address);
        if (lay_ensure(L, 12.0f) != 0) {
            rc = -1;
            break;
        }
        lay_text(L, L->regular, 9.5f, COLOR_ACCENT, MARGIN_L + 4.0f, L->y - 9.5f, "•");
        rc = lay_paragraphs(L, L->regular, 9.5f, 12.0f, COLOR_TEXT, MARGIN_L + 14.0f, CONTENT_W - 14.0f,
                            buf_cstr(&b), 0);
    }
    buf_free(&b);
    L->y -= 8.0f;
    return rc;
}

/* RIS.DOC.06: the notice sits at the bottom of the last page, above the footer. */
int draw_rgpd(layout *L, const pdf_report *r)
{
    if (empty(r->rgpd_notice)) return 0;
    const float size = 7.5f, leading = 9.5f;
    int lines = lay_count_lines(L, L->regular, size, CONTENT_W, r->rgpd_notice);
    float h = 16.0f + (float)lines * leading;
    if (h > PAGE_H - MARGIN_TOP - 24.0f - L->bottom) {
        /* Longer than a page: flow it from the cursor instead of pinning it to the bottom. */
        if (lay_ensure(L, 30.0f) != 0) return -1;
        lay_rule(L, L->y, 0.5f, COLOR_RULE);
        lay_text(L, L->bold, size, COLOR_MUTED, MARGIN_L, L->y - 10.0f, "Information RGPD");
        L->y -= 13.0f;
        return lay_paragraphs(L, L->regular, size, leading, COLOR_MUTED, MARGIN_L, CONTENT_W,
                              r->rgpd_notice, 0);
    }
    if (L->y - h - 6.0f < L->bottom && lay_new_page(L) != 0) return -1;
    float top = L->bottom + h;
    lay_rule(L, top, 0.5f, COLOR_RULE);
    lay_text(L, L->bold, size, COLOR_MUTED, MARGIN_L, top - 10.0f, "Information RGPD");
    L->y = top - 13.0f;
    return lay_paragraphs(L, L->regular, size, leading, COLOR_MUTED, MARGIN_L, CONTENT_W, r->rgpd_notice, 0);
}

void draw_footers(layout *L, const pdf_report *r)
{
    char birth[16], exam[16], left[512], right[64];
    fr_date(r->patient.birth_date, birth, sizeof birth);
    fr_date(r->exam.date, exam, sizeof exam);
    snprintf(left, sizeof left, "%s %s, né(e) le %s — examen du %s", r->patient.birth_name,
             r->patient.given_names, birth, exam);
    pdf_utf8_trim(left);
    for (size_t i = 0; i < L->npages; i++) {
        L->page = L->pages[i];
        lay_rule(L, FOOTER_H + 4.0f, 0.5f, COLOR_RULE);
        lay_text(L, L->regular, 7.5f, COLOR_MUTED, MARGIN_L, FOOTER_H - 6.0f, left);
        snprintf(right, sizeof right, "Page %zu / %zu", i + 1, L->npages);
        float w = lay_width(L, L->regular, 7.5f, right);
        lay_text(L, L->regular, 7.5f, COLOR_MUTED, PAGE_W - MARGIN_R - w, FOOTER_H - 6.0f, right);
    }
}

/* ---- entry point ----------------------------------------------------------------------- */
