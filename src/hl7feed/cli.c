/* `couloir hl7 inbox|reprocess|outbox`: the interface engineer's view of the inbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7feed/hl7feed_internal.h"

json_t *feed_outcome_json(const hl7feed_outcome *o);

static int usage(void)
{
    fprintf(stderr, "usage : couloir hl7 inbox [--state received|processed|failed|rejected] [--limit N]\n"
                    "        couloir hl7 reprocess ID [--raw FICHIER]\n"
                    "        couloir hl7 outbox [--limit N]\n");
    return 2;
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    buf_t b = BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_append(&b, chunk, n);
    fclose(fp);
    return buf_steal(&b);
}

static int print_body(int status, json_t *body)
{
    char *s = body ? json_dumps(body, JSON_INDENT(2)) : NULL;
    FILE *out = status == 200 ? stdout : stderr;
    if (status == 200) fprintf(out, "%s\n", s ? s : "{}");
    else fprintf(out, "couloir hl7 : %s\n", json_string_value(json_object_get(body, "error")) ?: "erreur");
    free(s);
    json_decref(body);
    return status == 200 ? 0 : 1;
}

int hl7feed_cli_main(store_t *st, const config_t *cfg, int argc, char **argv)
{
    if (argc < 2) return usage();
    const char *cmd = argv[1];
    const char *state = NULL, *limit = NULL, *raw_file = NULL, *id_text = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) state = argv[++i];
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) limit = argv[++i];
        else if (strcmp(argv[i], "--raw") == 0 && i + 1 < argc) raw_file = argv[++i];
        else if (!id_text && argv[i][0] != '-') id_text = argv[i];
        else return usage();
    }
    char err[512];
    hl7feed_t *f = hl7feed_new(st, cfg, err, sizeof err);
    if (!f) {
        fprintf(stderr, "couloir hl7 : configuration : %s\n", err);
        return 1;
    }
    int rc;
    json_t *body = NULL;
    if (strcmp(cmd, "inbox") == 0 && !id_text && !raw_file) {
        int status = hl7feed_api_inbox_list(f, state, limit, &body);
        rc = print_body(status, body);
    } else if (strcmp(cmd, "outbox") == 0 && !id_text && !raw_file && !state) {
        int status = hl7feed_api_outbox_list(f, limit, &body);
        rc = print_body(status, body);
    } else if (strcmp(cmd, "reprocess") == 0 && id_text && !state && !limit) {
        char *end;
        long long id = strtoll(id_text, &end, 10);
        char *raw = NULL;
        if (*end || id <= 0) {
            fprintf(stderr, "couloir hl7 : identifiant de message invalide : %s\n", id_text);
            rc = 2;
        } else if (raw_file && !(raw = read_file(raw_file))) {
            fprintf(stderr, "couloir hl7 : lecture impossible : %s\n", raw_file);
            rc = 1;
        } else {
            json_t *req = raw ? json_pack("{s:s}", "raw", raw) : NULL;
            int status = hl7feed_api_reprocess(f, id, req, &body);
            bool accepted = status == 200 && strcmp(json_string_value(json_object_get(body, "ack")) ?: "", "AA") == 0;
            rc = print_body(status, body);
            if (rc == 0 && !accepted) rc = 1;
            json_decref(req);
        }
        free(raw);
    } else {
        rc = usage();
    }
    hl7feed_free(f);
    return rc;
}
