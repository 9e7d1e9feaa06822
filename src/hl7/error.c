/* Error texts (French: they reach users and ERR-8) and the error setter. */
#include <stdarg.h>
#include <stdio.h>

#include "hl7/hl7_internal.h"

const char *hl7_strerror(hl7_err code)
{
    switch (code) {
    case HL7_OK: return "aucune erreur";
    case HL7_E_EMPTY: return "message vide";
    case HL7_E_NO_MSH: return "le message ne commence pas par un segment MSH";
    case HL7_E_DELIMITERS: return "délimiteurs invalides (MSH-1/MSH-2)";
    case HL7_E_SEGMENT: return "segment mal formé";
    case HL7_E_ESCAPE: return "séquence d'échappement invalide";
    case HL7_E_CHARSET: return "jeu de caractères non pris en charge";
    case HL7_E_ENCODING: return "octets invalides pour le jeu de caractères déclaré";
    case HL7_E_PATH: return "chemin HL7 invalide";
    case HL7_E_NOT_FOUND: return "élément introuvable";
    case HL7_E_NOMEM: return "mémoire insuffisante";
    case HL7_E_TOO_LARGE: return "message trop volumineux";
    case HL7_E_INVALID: return "paramètre invalide";
    case HL7_E_IO: return "erreur réseau ou système";
    case HL7_E_TIMEOUT: return "délai dépassé";
    case HL7_E_PROTOCOL: return "erreur de protocole MLLP";
    }
    return "erreur inconnue";
}

void hl7_err_set(hl7_error *err, hl7_err code, size_t seg, int field, size_t offset,
                 const char *fmt, ...)
{
    if (!err) return;
    err->code = code;
    err->segment = seg;
    err->field = field;
    err->offset = offset;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    } else {
        snprintf(err->message, sizeof err->message, "%s", hl7_strerror(code));
    }
}
