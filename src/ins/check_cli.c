/* `couloir ins check MATRICULE [OID]`: validates a matricule and its key, names its kind. */
#include "ins/ins.h"

#include <stdio.h>
#include <string.h>

int ins_check_main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc >= 2 ? stdout : stderr,
                "usage : couloir ins check MATRICULE [OID]\n"
                "  MATRICULE : 13 caractères + clé de 2 chiffres (les espaces sont ignorés)\n"
                "  OID       : 1.2.250.1.213.1.4.8 (NIR), .9 (NIA), .10 (NIR de test), .11 (NIR de démonstration)\n");
        return (argc >= 2 && argc <= 3) ? 0 : 2;
    }
    ins_matricule m;
    ins_matricule_status st = ins_matricule_parse(argv[1], &m);
    if (st != INS_MATRICULE_OK) {
        printf("INVALIDE : %s\n", ins_matricule_message(st));
        if (st == INS_MATRICULE_KEY_MISMATCH) {
            char number[14];
            size_t n = 0;
            for (const char *p = argv[1]; *p && n < 13; p++)
                if (*p != ' ') number[n++] = *p;
            number[n] = '\0';
            int key = ins_key_compute(number);
            if (key > 0) printf("  clé attendue pour %s : %02d\n", number, key);
        }
        return 1;
    }
    printf("matricule : %s (clé %s)\n", m.number, m.key);
    if (argc == 3) {
        ins_kind kind = ins_kind_from_oid(argv[2]);
        if (kind == INS_KIND_UNKNOWN) {
            printf("INVALIDE : « %s » n'est pas un OID d'INS (1.2.250.1.213.1.4.8 à .11)\n", argv[2]);
            return 1;
        }
        printf("VALIDE : %s (nature %s, OID %s)\n", ins_kind_label(kind), ins_kind_nature(kind), argv[2]);
    } else {
        printf("VALIDE : clé correcte ; nature (NIR, NIA, test, démonstration) donnée par l'OID, absent ici\n");
    }
    return 0;
}
