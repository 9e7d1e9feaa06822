/* Value sets the module needs to write display names and check codes (see docs/cda.md).
 * Sources: ANS jeux de valeurs (ansforge/TestContenuCDA-3-0 jeuxDeValeurs/). */
#include "cda/cda_internal.h"

#include <string.h>

typedef struct {
    const char *code;
    const char *display;
} entry;

static const char *lookup(const entry *t, size_t n, const char *code)
{
    if (!code) return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].code, code) == 0) return t[i].display;
    return NULL;
}

#define LOOKUP(t, code) lookup(t, sizeof t / sizeof t[0], code)

/* JDV_ModaliteAcquisition_CISIS (1.2.250.1.213.1.1.5.618), the modalities a radiology
 * practice produces. */
static const entry modalities[] = {
    {"CR", "Radiographie assistée par ordinateur"},
    {"DX", "Radiographie numérique"},
    {"CT", "Tomodensitométrie"},
    {"MR", "Résonance magnétique"},
    {"US", "Échographie"},
    {"MG", "Mammographie"},
    {"NM", "Médecine nucléaire"},
    {"PT", "TEP : Tomographie par émission de positons"},
    {"XA", "Angiographie X-Ray"},
    {"RF", "Radio-fluoroscopie"},
    {"BMD", "Ostéodensitométrie"},
    {"IO", "Radiographie intrabuccale"},
    {"PX", "Panaromique X-Ray"},
    {"RG", "Imagerie radiographique"},
};

/* JDV_RegionAnatomique_CISIS (1.2.250.1.213.1.1.5.695), complete. */
static const entry regions[] = {
    {"63337009", "segment abdominopelvien du tronc"},
    {"38266002", "corps entier"},
    {"53120007", "membre supérieur"},
    {"61685007", "membre inférieur"},
    {"67734004", "segment thoracique du tronc"},
    {"774007", "tête et cou"},
    {"113257007", "système cardiovasculaire"},
    {"80891009", "cœur"},
    {"76752008", "sein"},
    {"737561001", "colonne vertébrale et/ou moelle épinière"},
};

/* Storage SOP classes (JDV_SOPClass_CISIS, 1.2.250.1.213.1.1.5.689, subset). */
static const entry sop_classes[] = {
    {"1.2.840.10008.5.1.4.1.1.1", "Computed Radiography Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.1.1", "Digital X-Ray Image Storage - For Presentation"},
    {"1.2.840.10008.5.1.4.1.1.1.2", "Digital Mammography X-Ray Image Storage- For Presentation"},
    {"1.2.840.10008.5.1.4.1.1.2", "CT Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.4", "MR Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.6.1", "Ultrasound Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.20", "Nuclear Medicine Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.128", "Positron Emission Tomography Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.12.1", "X-Ray Angiographic Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.12.2", "X-Ray Radiofluoroscopic Image Storage"},
    {"1.2.840.10008.5.1.4.1.1.7", "Secondary Capture Image Storage"},
};

static const entry default_sop[] = {
    {"CR", "1.2.840.10008.5.1.4.1.1.1"},    {"DX", "1.2.840.10008.5.1.4.1.1.1.1"},
    {"MG", "1.2.840.10008.5.1.4.1.1.1.2"},  {"CT", "1.2.840.10008.5.1.4.1.1.2"},
    {"MR", "1.2.840.10008.5.1.4.1.1.4"},    {"US", "1.2.840.10008.5.1.4.1.1.6.1"},
    {"NM", "1.2.840.10008.5.1.4.1.1.20"},   {"PT", "1.2.840.10008.5.1.4.1.1.128"},
    {"XA", "1.2.840.10008.5.1.4.1.1.12.1"}, {"RF", "1.2.840.10008.5.1.4.1.1.12.2"},
};

const char *cda_modality_display(const char *modality) { return LOOKUP(modalities, modality); }
const char *cda_region_display(const char *snomed_code) { return LOOKUP(regions, snomed_code); }
const char *cda_sop_class_display(const char *uid) { return LOOKUP(sop_classes, uid); }

const char *cda_default_sop_class(const char *modality)
{
    const char *s = LOOKUP(default_sop, modality);
    return s ? s : "1.2.840.10008.5.1.4.1.1.7"; /* secondary capture */
}

size_t cda_sharing_codes(const cda_report *r, cda_coded *out, size_t max)
{
    static const char *const MASK = "1.2.250.1.213.1.1.4.13";
    size_t n = 0;
#define PUT(c, d, s) do { if (n < max) { out[n].code = (c); out[n].display = (d); out[n].system = (s); } n++; } while (0)
    switch (r->confidentiality) {
    case 'R': PUT("R", "Restreint", CDA_OID_CONFIDENTIALITY); break;
    case 'V': PUT("V", "Très restreint", CDA_OID_CONFIDENTIALITY); break;
    default: PUT("N", "Normal", CDA_OID_CONFIDENTIALITY); break;
    }
    const cda_masking *m = &r->masking;
    if (m->masque_ps) PUT("MASQUE_PS", "Document masqué aux professionnels de santé", MASK);
    if (m->invisible_patient || m->announcement_pending)
        PUT("INVISIBLE_PATIENT", "Document non visible par le patient", MASK);
    if (m->invisible_legal_reps)
        PUT("INVISIBLE_REPRESENTANTS_LEGAUX", "Non visible par les représentants légaux du patient", MASK);
    if (m->secret_connection) PUT("CONNEXION_SECRETE", "Connexion secrète", MASK);
#undef PUT
    return n;
}
