/* `couloir hl7 parse FILE [--json]` and `couloir hl7 send HOST:PORT FILE`: interface-engineer
 * tools on top of the HL7 library (no configuration, no store). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7feed/hl7feed.h"

static int read_all(const char *path, buf_t *out)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) return -1;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (buf_append(out, chunk, n) != 0) break;
    int bad = ferror(fp);
    if (fp != stdin) fclose(fp);
    return bad ? -1 : 0;
}

static void print_error(const char *path, const hl7_error *e)
{
    fprintf(stderr, "couloir hl7 : %s : ", path);
    if (e->segment) fprintf(stderr, "segment %zu, ", e->segment);
    if (e->field) fprintf(stderr, "champ %d, ", e->field);
    fprintf(stderr, "octet %zu : %s\n", e->offset, e->message[0] ? e->message : hl7_strerror(e->code));
}

static int parse_main(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = true;
        else if (!path) path = argv[i];
        else path = NULL, i = argc;
    }
    if (!path) {
        fprintf(stderr, "usage : couloir hl7 parse FICHIER [--json]\n");
        return 2;
    }
    buf_t in = BUF_INIT, out = BUF_INIT;
    if (read_all(path, &in) != 0) {
        fprintf(stderr, "couloir hl7 : lecture impossible : %s\n", path);
        buf_free(&in);
        return 1;
    }
    hl7_error e;
    memset(&e, 0, sizeof e);
    hl7_message *m = hl7_parse(in.data ? in.data : "", in.len, NULL, &e);
    int rc = 0;
    if (!m) {
        print_error(path, &e);
        rc = 1;
    } else if (hl7_dump(m, json ? HL7_DUMP_JSON : HL7_DUMP_TEXT, &out) != HL7_OK) {
        fprintf(stderr, "couloir hl7 : affichage impossible\n");
        rc = 1;
    } else {
        fwrite(out.data, 1, out.len, stdout);
        if (out.len && out.data[out.len - 1] != '\n') putchar('\n');
    }
    hl7_message_free(m);
    buf_free(&in);
    buf_free(&out);
    return rc;
}

static int send_main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage : couloir hl7 send HÔTE:PORT FICHIER\n");
        return 2;
    }
    const char *colon = strrchr(argv[2], ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == argv[2] || !end || *end || port < 1 || port > 65535) {
        fprintf(stderr, "couloir hl7 : destination invalide (attendu HÔTE:PORT) : %s\n", argv[2]);
        return 2;
    }
    char host[256];
    size_t hl = (size_t)(colon - argv[2]);
    if (hl >= sizeof host) return 2;
    memcpy(host, argv[2], hl);
    host[hl] = 0;
    buf_t in = BUF_INIT, msg = BUF_INIT, ack = BUF_INIT;
    if (read_all(argv[3], &in) != 0) {
        fprintf(stderr, "couloir hl7 : lecture impossible : %s\n", argv[3]);
        buf_free(&in);
        return 1;
    }
    /* files usually hold LF or CRLF line ends: segments are separated by CR on the wire */
    for (size_t i = 0; i < in.len; i++) {
        char ch = in.data[i];
        if (ch == '\r' && i + 1 < in.len && in.data[i + 1] == '\n') continue;
        buf_putc(&msg, ch == '\n' ? '\r' : ch);
    }
    while (msg.len && msg.data[msg.len - 1] == '\r' && msg.len > 1 && msg.data[msg.len - 2] == '\r') msg.len--;
    hl7_mllp_client_opts o = {.host = host, .port = (int)port, .ack_timeout_ms = 30000};
    hl7_mllp_client *c = hl7_mllp_client_new(&o);
    hl7_error e;
    memset(&e, 0, sizeof e);
    int rc = c ? hl7_mllp_client_send(c, msg.data ? msg.data : "", msg.len, &ack, &e) : HL7_E_NOMEM;
    int status;
    if (rc != HL7_OK) {
        fprintf(stderr, "couloir hl7 : envoi impossible : %s\n", e.message[0] ? e.message : hl7_strerror((hl7_err)rc));
        status = 1;
    } else {
        for (size_t i = 0; i < ack.len; i++) putchar(ack.data[i] == '\r' ? '\n' : ack.data[i]);
        if (ack.len && ack.data[ack.len - 1] != '\r') putchar('\n');
        hl7_message *a = hl7_parse(ack.data, ack.len, NULL, &e);
        buf_t code = BUF_INIT;
        status = a && hl7_get(a, "MSA-1", &code) == HL7_OK &&
                         (strcmp(buf_cstr(&code), "AA") == 0 || strcmp(buf_cstr(&code), "CA") == 0)
                     ? 0
                     : 1;
        buf_free(&code);
        hl7_message_free(a);
    }
    hl7_mllp_client_free(c);
    buf_free(&in);
    buf_free(&msg);
    buf_free(&ack);
    return status;
}

int hl7feed_tool_main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "parse") == 0) return parse_main(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "send") == 0) return send_main(argc, argv);
    fprintf(stderr, "usage : couloir hl7 parse FICHIER [--json] | couloir hl7 send HÔTE:PORT FICHIER\n");
    return 2;
}
