/* couloir: the daemon and its command-line tool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/app_store.h"
#include "hl7feed/hl7feed.h"
#include "ins/ins.h"

static void usage(FILE *out)
{
    fputs("Couloir " COULOIR_VERSION " — système d'information radiologique\n"
          "\n"
          "usage: couloir [--config FICHIER] <commande> [arguments]\n"
          "\n"
          "commandes :\n"
          "  serve                      démarre le serveur (API REST, interface web)\n"
          "  migrate                    crée ou met à jour le schéma de la base\n"
          "  demo                       installe les données de démonstration et les comptes de démo\n"
          "  user add LOGIN --role R[,R] [--name NOM] [--rpps N] (--password-stdin | --password-env VAR)\n"
          "                             crée un compte local (rôles : accueil, manipulateur, radiologue, admin)\n"
          "  ins check MATRICULE [OID]  vérifie un matricule INS et sa clé\n"
          "  config [--markdown]        affiche la configuration effective (secrets masqués)\n"
          "  hl7 parse FICHIER [--json] | hl7 send HÔTE:PORT FICHIER\n"
          "                             affiche un message HL7 / l'envoie en MLLP et affiche l'acquittement\n"
          "  hl7 inbox|reprocess ID [--raw FICHIER]|outbox\n"
          "                             boîte de réception HL7, retraitement, état des envois\n"
          "  version                    affiche la version\n"
          "\n"
          "Chaque réglage [section] cle peut être donné par la variable d'environnement COULOIR_SECTION_CLE.\n",
          out);
}

int main(int argc, char **argv)
{
    const char *config_path = getenv("COULOIR_CONFIG");
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "couloir: option inconnue : %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    const char *verb = argv[i];
    /* Verbs that need no configuration. */
    if (strcmp(verb, "version") == 0) {
        printf("couloir %s\n", COULOIR_VERSION);
        return 0;
    }
    if (strcmp(verb, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(verb, "ins") == 0) {
        if (i + 1 >= argc || strcmp(argv[i + 1], "check") != 0) {
            fprintf(stderr, "usage : couloir ins check MATRICULE [OID]\n");
            return 2;
        }
        return ins_check_main(argc - i - 1, argv + i + 1);
    }
    if (strcmp(verb, "hl7") == 0 && i + 1 < argc && (strcmp(argv[i + 1], "parse") == 0 || strcmp(argv[i + 1], "send") == 0))
        return hl7feed_tool_main(argc - i, argv + i);

    /* `--config` may also follow the verb. */
    int vargc = 0;
    char **vargv = calloc((size_t)(argc - i) + 1, sizeof *vargv);
    if (!vargv) return 1;
    for (int j = i; j < argc; j++) {
        if (strcmp(argv[j], "--config") == 0 && j + 1 < argc) {
            config_path = argv[++j];
            continue;
        }
        vargv[vargc++] = argv[j];
    }
    int rc = 2;
    config_t *cfg = app_load_config(config_path);
    if (!cfg) {
        free(vargv);
        return 1;
    }
    if (strcmp(verb, "serve") == 0) rc = app_serve(cfg);
    else if (strcmp(verb, "migrate") == 0) rc = app_migrate(cfg);
    else if (strcmp(verb, "demo") == 0) rc = app_demo(cfg);
    else if (strcmp(verb, "user") == 0) rc = app_user(cfg, vargc, vargv);
    else if (strcmp(verb, "config") == 0) rc = app_config(cfg, vargc, vargv);
    else if (strcmp(verb, "hl7") == 0) {
        store_t *st = app_open_store(cfg, 1);
        rc = st ? hl7feed_cli_main(st, cfg, vargc, vargv) : 1;
        if (st) store_close(st);
    }
    else {
        fprintf(stderr, "couloir: commande inconnue : %s\n", verb);
        usage(stderr);
    }
    config_free(cfg);
    free(vargv);
    return rc;
}
