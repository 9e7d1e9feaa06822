/* INS matricule: 13 characters (NIR or NIA) + 2-digit key = 97 - (N mod 97), where the
 * Corsican department codes 2A and 2B count as 19 and 18. The kind (NIR, NIA, test, demo)
 * is given by the OID, never guessed from the digits. */
#include "ins/ins.h"

#include <string.h>

int ins_key_compute(const char *number13)
{
    if (!number13 || strlen(number13) != 13) return -1;
    char digits[14];
    memcpy(digits, number13, 14);
    /* Corsica: department "2A"/"2B" in positions 6-7 (1-based) */
    if (digits[6] == 'A' || digits[6] == 'B' || digits[6] == 'a' || digits[6] == 'b') {
        if (digits[5] != '2') return -1;
        bool a = digits[6] == 'A' || digits[6] == 'a';
        digits[5] = '1';
        digits[6] = a ? '9' : '8';
    }
    unsigned rem = 0;
    for (int i = 0; i < 13; i++) {
        if (digits[i] < '0' || digits[i] > '9') return -1;
        rem = (rem * 10u + (unsigned)(digits[i] - '0')) % 97u;
    }
    return (int)(97u - rem);
}

static ins_matricule_status check_number(const char *number)
{
    for (int i = 0; i < 13; i++) {
        char c = number[i];
        if (c >= '0' && c <= '9') continue;
        if (i == 6 && (c == 'A' || c == 'B')) {
            if (number[5] != '2') return INS_MATRICULE_CORSICA;
            continue;
        }
        return INS_MATRICULE_CHARS;
    }
    return INS_MATRICULE_OK;
}

ins_matricule_status ins_matricule_check_parts(const char *number13, const char *key2, ins_matricule *out)
{
    if (out) memset(out, 0, sizeof *out);
    if ((!number13 || !*number13) && (!key2 || !*key2)) return INS_MATRICULE_EMPTY;
    if (!number13 || !key2 || strlen(number13) != 13 || strlen(key2) != 2) return INS_MATRICULE_LENGTH;
    char number[14];
    for (int i = 0; i < 14; i++) /* accept lower-case a/b for Corsica, store upper case */
        number[i] = (number13[i] == 'a' || number13[i] == 'b') ? (char)(number13[i] - 32) : number13[i];
    ins_matricule_status st = check_number(number);
    if (st != INS_MATRICULE_OK) return st;
    if (key2[0] < '0' || key2[0] > '9' || key2[1] < '0' || key2[1] > '9') return INS_MATRICULE_CHARS;
    int key = (key2[0] - '0') * 10 + (key2[1] - '0');
    if (key != ins_key_compute(number)) return INS_MATRICULE_KEY_MISMATCH;
    if (out) {
        memcpy(out->number, number, 14);
        memcpy(out->key, key2, 3);
        memcpy(out->full, number, 13);
        memcpy(out->full + 13, key2, 3);
    }
    return INS_MATRICULE_OK;
}

ins_matricule_status ins_matricule_parse(const char *input, ins_matricule *out)
{
    if (out) memset(out, 0, sizeof *out);
    if (!input) return INS_MATRICULE_EMPTY;
    char sig[16];
    size_t n = 0;
    for (const char *p = input; *p; p++) {
        if (*p == ' ') continue;
        if (n >= 15) return INS_MATRICULE_LENGTH;
        sig[n++] = *p;
    }
    if (n == 0) return INS_MATRICULE_EMPTY;
    if (n != 15) return INS_MATRICULE_LENGTH;
    char number[14], key[3];
    memcpy(number, sig, 13);
    number[13] = '\0';
    memcpy(key, sig + 13, 2);
    key[2] = '\0';
    return ins_matricule_check_parts(number, key, out);
}

const char *ins_matricule_message(ins_matricule_status st)
{
    switch (st) {
    case INS_MATRICULE_OK: return "matricule INS valide";
    case INS_MATRICULE_EMPTY: return "matricule INS absent";
    case INS_MATRICULE_LENGTH:
        return "le matricule INS doit comporter exactement 15 caractères (13 + clé de 2 chiffres)";
    case INS_MATRICULE_CHARS:
        return "le matricule INS ne doit contenir que des chiffres (sauf 2A/2B pour la Corse)";
    case INS_MATRICULE_CORSICA:
        return "A ou B en 7e position n'est admis que pour les départements corses 2A et 2B";
    case INS_MATRICULE_KEY_MISMATCH: return "la clé de contrôle du matricule INS est incorrecte";
    }
    return "matricule INS invalide";
}

ins_kind ins_kind_from_oid(const char *oid)
{
    if (!oid) return INS_KIND_UNKNOWN;
    if (strcmp(oid, INS_OID_NIR) == 0) return INS_KIND_NIR;
    if (strcmp(oid, INS_OID_NIA) == 0) return INS_KIND_NIA;
    if (strcmp(oid, INS_OID_TEST_NIR) == 0) return INS_KIND_TEST_NIR;
    if (strcmp(oid, INS_OID_DEMO_NIR) == 0) return INS_KIND_DEMO_NIR;
    return INS_KIND_UNKNOWN;
}

const char *ins_kind_label(ins_kind kind)
{
    switch (kind) {
    case INS_KIND_NIR: return "NIR";
    case INS_KIND_NIA: return "NIA";
    case INS_KIND_TEST_NIR: return "NIR de test";
    case INS_KIND_DEMO_NIR: return "NIR de démonstration";
    case INS_KIND_UNKNOWN: break;
    }
    return "inconnue";
}

const char *ins_kind_nature(ins_kind kind)
{
    switch (kind) {
    case INS_KIND_NIR:
    case INS_KIND_TEST_NIR:
    case INS_KIND_DEMO_NIR: return "NIR";
    case INS_KIND_NIA: return "NIA";
    case INS_KIND_UNKNOWN: break;
    }
    return NULL;
}
