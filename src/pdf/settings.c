/* Settings of the pdf module (section [pdf]); the application registers this table. */
#include "pdf/pdf.h"

const config_setting pdf_settings[] = {
    {"pdf", "font_regular", PDF_DEFAULT_FONT_REGULAR,
     "TrueType font embedded for report text (Debian fonts-dejavu-core).", false},
    {"pdf", "font_bold", PDF_DEFAULT_FONT_BOLD,
     "TrueType bold font embedded for report headings (Debian fonts-dejavu-core).", false},
    {"pdf", "icc_profile", PDF_DEFAULT_ICC_PROFILE,
     "ICC v2 sRGB profile of the PDF/A-1 output intent (Debian icc-profiles-free).", false},
    {"pdf", "rgpd_notice",
     "Vos données personnelles sont traitées par le cabinet d'imagerie pour la réalisation de votre "
     "examen, la rédaction et la transmission de son compte rendu aux professionnels de santé qui vous "
     "suivent et, le cas échéant, à votre Dossier Médical Partagé. Elles sont conservées selon les "
     "durées légales applicables au dossier médical. Vous disposez d'un droit d'accès, de rectification, "
     "de limitation et d'opposition (sauf obligation légale) auprès du cabinet ; vous pouvez saisir la "
     "CNIL (www.cnil.fr).",
     "RGPD information notice printed at the bottom of every imaging report (RIS.DOC.06), in French.",
     false},
    {NULL, NULL, NULL, NULL, false},
};
