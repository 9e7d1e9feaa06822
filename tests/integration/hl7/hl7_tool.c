/* Test peer tool for the HL7 integration tests (driven by python3 scripts):
 *   hl7_tool dump OUTDIR FILE...     parse every message of the files (split at MSH lines,
 *                                    '#' comment lines dropped), write OUTDIR/<n>.hl7 (Couloir's
 *                                    serialization) and OUTDIR/<n>.json (Couloir's decoded leaves)
 *   hl7_tool tree FILE text|json     hl7_dump() of the file's message (first MSH to the end)
 *   hl7_tool builtin OUTDIR          same for messages built here (escapes, charsets, delimiters,
 *                                    the report builder)
 *   hl7_tool serve MAXBYTES IDLE_MS [defer]
 *                                    MLLP server on 127.0.0.1 (ephemeral port printed as
 *                                    "PORT n"); ACKs AA, AR for unparsable messages ("defer": the
 *                                    ACKs are sent by a worker thread in batches, as after a group
 *                                    commit); stops on SIGTERM/SIGINT or when stdin closes; prints
 *                                    its stats as JSON on each line read from stdin
 *                                    ("tls CERT KEY": over TLS; "hiwater N": pending ACK
 *                                    bytes above which a connection is not read)
 *   hl7_tool send PORT RETRIES FILE [CAFILE]
 *                                    sends the file's message with the MLLP client, prints the
 *                                    ACK (with CAFILE: over TLS, server name "localhost") */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hl7/hl7.h"

static void json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static size_t count_parts(const char *p, size_t n, char sep)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++) k += p[i] == sep;
    return k;
}

/* Writes every leaf (segment, occurrence, field, rep, comp, sub, decoded value). */
static int dump_values(const hl7_message *m, FILE *f)
{
    const hl7_delims *d = hl7_message_delims(m);
    buf_t v = BUF_INIT;
    fputs("[", f);
    bool first = true;
    for (size_t s = 0; s < hl7_segment_count(m); s++) {
        const char *name = hl7_segment_name(m, s);
        size_t occ = 0;
        for (size_t k = 0; k <= s; k++) occ += strcmp(hl7_segment_name(m, k), name) == 0;
        bool msh = strcmp(name, "MSH") == 0;
        for (size_t fld = msh ? 3 : 1; fld <= hl7_field_count(m, s); fld++) {
            char path[64];
            const char *p;
            size_t n;
            snprintf(path, sizeof path, "%s[%zu]-%zu", name, occ, fld);
            hl7_loc loc;
            if (hl7_path_parse(path, &loc) != HL7_OK) return 1;
            int reps = hl7_rep_count(m, path);
            for (int r = 1; r <= (reps ? reps : 1); r++) {
                loc.rep = r;
                loc.comp = 0;
                loc.sub = 0;
                hl7_loc_raw(m, &loc, &p, &n);
                size_t comps = count_parts(p, n, d->component);
                for (size_t c = 1; c <= comps; c++) {
                    hl7_loc lc = loc;
                    lc.comp = (int)c;
                    hl7_loc_raw(m, &lc, &p, &n);
                    size_t subs = count_parts(p, n, d->subcomponent);
                    for (size_t sc = 1; sc <= subs; sc++) {
                        lc.sub = (int)sc;
                        if (hl7_loc_get(m, &lc, &v) != HL7_OK) return 1;
                        if (v.len == 0) continue;
                        fprintf(f, "%s\n [", first ? "" : ",");
                        first = false;
                        json_str(f, name, 3);
                        fprintf(f, ",%zu,%zu,%d,%zu,%zu,", occ, fld, r, c, sc);
                        json_str(f, v.data, v.len);
                        fputs("]", f);
                    }
                }
            }
        }
    }
    fputs("\n]\n", f);
    buf_free(&v);
    return 0;
}

static int emit(hl7_message *m, const char *outdir, int *counter, const char *charset, const char *origin)
{
    buf_t out = BUF_INIT;
    hl7_error e;
    if (hl7_serialize(m, charset, &out, &e) != HL7_OK) {
        fprintf(stderr, "%s: serialize: %s\n", origin, e.message);
        return 1;
    }
    char path[4096];
    (*counter)++;
    snprintf(path, sizeof path, "%s/%04d.hl7", outdir, *counter);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    fwrite(out.data, 1, out.len, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/%04d.json", outdir, *counter);
    f = fopen(path, "w");
    if (!f) return 1;
    fputs("{\"origin\": ", f);
    json_str(f, origin, strlen(origin));
    fputs(", \"values\": ", f);
    int rc = dump_values(m, f);
    fputs("}\n", f);
    fclose(f);
    buf_free(&out);
    return rc;
}

static int dump_file(const char *file, const char *outdir, int *counter)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", file, strerror(errno));
        return 1;
    }
    buf_t text = BUF_INIT;
    char tmp[1 << 16];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_append(&text, tmp, n);
    fclose(f);
    if (!text.data) return 0;
    /* lines without comments and blank lines; each MSH line starts a message */
    buf_t msg = BUF_INIT;
    int rc = 0, idx = 0;
    char *p = text.data, *end = text.data + text.len;
    for (;;) {
        char *e = p;
        while (e < end && *e != '\r' && *e != '\n') e++;
        bool eof = p >= end;
        bool is_msh = !eof && e - p >= 3 && memcmp(p, "MSH", 3) == 0;
        if ((is_msh || eof) && msg.len) {
            hl7_error err;
            hl7_message *m = hl7_parse(msg.data, msg.len, NULL, &err);
            char origin[4200];
            snprintf(origin, sizeof origin, "%s#%d", file, ++idx);
            if (!m) {
                fprintf(stderr, "%s: %s\n", origin, err.message);
                rc = 1;
            } else {
                rc |= emit(m, outdir, counter, NULL, origin);
                hl7_message_free(m);
            }
            buf_reset(&msg);
        }
        if (eof) break;
        if (e > p && *p != '#' && (is_msh || msg.len)) {
            buf_append(&msg, p, (size_t)(e - p));
            buf_putc(&msg, '\r');
        }
        p = e + 1;
    }
    buf_free(&text);
    buf_free(&msg);
    return rc;
}

static int tree(const char *file, bool json)
{
    FILE *f = fopen(file, "rb");
    if (!f) return 1;
    buf_t text = BUF_INIT, out = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_append(&text, tmp, n);
    fclose(f);
    /* the first message: from the first MSH line to the next one, '#' comment lines dropped */
    buf_t msg = BUF_INIT;
    const char *p = text.data ? text.data : "", *end = p + text.len;
    bool in = false;
    while (p < end) {
        const char *e = p;
        while (e < end && *e != '\r' && *e != '\n') e++;
        bool is_msh = e - p >= 3 && memcmp(p, "MSH", 3) == 0;
        if (is_msh && in) break;
        if (is_msh) in = true;
        if (in && e > p && *p != '#') {
            buf_append(&msg, p, (size_t)(e - p));
            buf_putc(&msg, '\r');
        }
        p = e + 1;
    }
    hl7_error e;
    hl7_message *m = msg.len ? hl7_parse(msg.data, msg.len, NULL, &e) : NULL;
    if (!m) {
        fprintf(stderr, "%s\n", msg.len ? e.message : "pas de segment MSH");
        buf_free(&text);
        buf_free(&msg);
        return 1;
    }
    buf_free(&msg);
    int rc = hl7_dump(m, json ? HL7_DUMP_JSON : HL7_DUMP_TEXT, &out);
    fwrite(out.data, 1, out.len, stdout);
    hl7_message_free(m);
    buf_free(&text);
    buf_free(&out);
    return rc == HL7_OK ? 0 : 1;
}

static int builtin(const char *outdir)
{
    int counter = 0, rc = 0;
    /* 1. tricky values through the builder, in UTF-8 and ISO 8859-1 */
    for (int cs = 0; cs < 2; cs++) {
        hl7_message *m = hl7_message_new(NULL);
        hl7_set(m, "MSH-3", "COULOIR");
        hl7_set(m, "MSH-4", "Cabinet d'imagerie Saint-Éloi");
        hl7_set(m, "MSH-7", "20261122083000");
        hl7_set(m, "MSH-9.1", "ADT");
        hl7_set(m, "MSH-9.2", "A08");
        hl7_set(m, "MSH-9.3", "ADT_A01");
        hl7_set(m, "MSH-10", cs ? "B2" : "B1");
        hl7_set(m, "MSH-11", "P");
        hl7_set(m, "MSH-12", "2.5");
        hl7_segment_append(m, "PID");
        hl7_set(m, "PID-3[1].1", "IPP|1^2~3&4\\5");
        hl7_set(m, "PID-3[1].4.1", "CABINET");
        hl7_set(m, "PID-3[1].4.2", "1.2.250.1.999");
        hl7_set(m, "PID-3[1].5", "PI");
        hl7_set(m, "PID-3[2].1", "279035121518989");
        hl7_set(m, "PID-3[2].5", "INS");
        hl7_set(m, "PID-5.1", "LÉVÊQUE-D'ANGÉLY");
        hl7_set(m, "PID-5.2", "Zoé");
        hl7_set(m, "PID-5.3", "Anaïs Françoise");
        hl7_set(m, "PID-7", "19790328");
        hl7_segment_append(m, "NTE");
        hl7_set(m, "NTE-3", "Ligne 1\nLigne 2 : « guillemets » & co");
        rc |= emit(m, outdir, &counter, cs ? "8859/1" : "UNICODE UTF-8", cs ? "builder 8859/1" : "builder UTF-8");
        hl7_message_free(m);
    }
    /* 2. unusual delimiters */
    hl7_delims d = {'!', '@', '*', '$', '%', 0};
    hl7_message *m = hl7_message_new(&d);
    hl7_set(m, "MSH-3", "APP");
    hl7_set(m, "MSH-9.1", "ORM");
    hl7_set(m, "MSH-9.2", "O01");
    hl7_set(m, "MSH-10", "D1");
    hl7_set(m, "MSH-12", "2.3.1");
    hl7_segment_append(m, "PID");
    hl7_set(m, "PID-3[1].1", "A!B@C*D$E%F|G^H");
    hl7_set(m, "PID-3[2].1", "second");
    hl7_set(m, "PID-5.1", "NOM");
    hl7_set(m, "PID-5.2", "Prénom");
    rc |= emit(m, outdir, &counter, NULL, "builder custom delimiters");
    hl7_message_free(m);
    /* 3. report transmission (MDM^T02 and ORU^R01) */
    static const unsigned char cda[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>Compte rendu d'IRM du genou</title></ClinicalDocument>";
    hl7_report_person rcp = {"810000000001", "RPPS", "MARTIN", "Claire", "claire.martin@medecin.mssante.fr"};
    hl7_report_tx in = {0};
    in.sending_app = "COULOIR";
    in.sending_facility = "CABINET";
    in.receiving_app = "PFI";
    in.receiving_facility = "GHT";
    in.message_datetime = "20261122083000";
    in.control_id = "R1";
    in.ipp = "IPP42";
    in.ipp_authority = "CABINET";
    in.ipp_authority_oid = "1.2.250.1.999.1";
    in.ins_qualified = true;
    in.ins = "279035121518989";
    in.ins_oid = "1.2.250.1.213.1.4.10";
    in.birth_name = "PAT-TROIS";
    in.first_given = "DOMINIQUE";
    in.given_names = "DOMINIQUE MARIE";
    in.birth_date = "19790328";
    in.sex = "F";
    in.birthplace_cog = "63220";
    in.filler_order = "ACC2026000123";
    in.filler_app = "COULOIR";
    in.doc_id = "1.2.250.1.999.2.1.42";
    in.version = 1;
    in.doc_datetime = "20261122081500";
    in.cda = cda;
    in.cda_len = sizeof cda - 1;
    in.author = (hl7_report_person){"810000000002", "RPPS", "DURAND", "Paul", NULL};
    in.org_name = "Cabinet de radiologie";
    in.org_id = "750000001";
    in.recipients = &rcp;
    in.nrecipients = 1;
    in.reply_to = "secretariat@cabinet.mssante.fr";
    in.dest_dmp = in.dest_mssante_ps = in.dest_mssante_pat = true;
    in.mail_body_ps = "Chère consœur, veuillez trouver ci-joint le compte rendu.";
    for (int k = 0; k < 2; k++) {
        in.kind = k ? HL7_REPORT_ORU : HL7_REPORT_MDM;
        hl7_error e;
        m = hl7_report_build(&in, &e);
        if (!m) {
            fprintf(stderr, "report: %s\n", e.message);
            return 1;
        }
        rc |= emit(m, outdir, &counter, NULL, k ? "report ORU" : "report MDM");
        hl7_message_free(m);
    }
    return rc;
}

/* ---- serve */
static volatile sig_atomic_t g_stop;
static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* Deferred mode: a worker thread acknowledges in batches (as after a group commit). */
typedef struct pending {
    uint64_t conn;
    char *ack;
    size_t len;
    struct pending *next;
} pending;

typedef struct {
    hl7_mllp_server *srv;
    bool defer;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pending *head, **tail;
    bool quit;
} serve_ctx;

static int make_ack(const char *msg, size_t len, buf_t *ack)
{
    hl7_error e;
    hl7_message *m = hl7_parse(msg, len, NULL, &e);
    hl7_message *a;
    if (m) {
        a = hl7_ack_build(m, HL7_ACK_AA, NULL, NULL);
    } else {
        hl7_ack_error ae = {.code = HL7_ERR_DATA_TYPE, .severity = 'E', .text_fr = e.message};
        a = hl7_ack_build_raw(msg, len, HL7_ACK_AR, &ae, NULL);
    }
    int rc = a ? hl7_serialize(a, NULL, ack, NULL) : -1;
    hl7_message_free(a);
    hl7_message_free(m);
    return rc == HL7_OK ? 0 : -1;
}

static int handler(void *ctx, const hl7_mllp_peer *peer, const char *msg, size_t len, buf_t *ack)
{
    serve_ctx *sc = ctx;
    if (make_ack(msg, len, ack) != 0) return -1;
    if (!sc->defer) return 0;
    pending *p = malloc(sizeof *p);
    if (!p) return -1;
    p->conn = peer->conn_id;
    p->len = ack->len;
    p->ack = buf_steal(ack);
    p->next = NULL;
    pthread_mutex_lock(&sc->lock);
    *sc->tail = p;
    sc->tail = &p->next;
    pthread_cond_signal(&sc->cond);
    pthread_mutex_unlock(&sc->lock);
    return HL7_MLLP_DEFER;
}

static void *worker(void *arg)
{
    serve_ctx *sc = arg;
    pthread_mutex_lock(&sc->lock);
    for (;;) {
        while (!sc->head && !sc->quit) pthread_cond_wait(&sc->cond, &sc->lock);
        if (!sc->head && sc->quit) break;
        pthread_mutex_unlock(&sc->lock);
        usleep(3000); /* the "commit" of the batch */
        pthread_mutex_lock(&sc->lock);
        pending *batch = sc->head;
        sc->head = NULL;
        sc->tail = &sc->head;
        pthread_mutex_unlock(&sc->lock);
        while (batch) {
            pending *p = batch;
            batch = p->next;
            hl7_mllp_server_reply(sc->srv, p->conn, p->ack, p->len);
            free(p->ack);
            free(p);
        }
        pthread_mutex_lock(&sc->lock);
    }
    pthread_mutex_unlock(&sc->lock);
    return NULL;
}

static int serve(long maxbytes, long idle_ms, bool defer, const char *cert, const char *key, long hiwater)
{
    serve_ctx sc = {0};
    sc.defer = defer;
    pthread_mutex_init(&sc.lock, NULL);
    pthread_cond_init(&sc.cond, NULL);
    sc.tail = &sc.head;
    hl7_mllp_server_opts o = {0};
    o.bind_address = "127.0.0.1";
    o.port = 0;
    o.max_message = (size_t)maxbytes;
    o.idle_timeout_ms = (int)idle_ms;
    o.handler = handler;
    o.handler_ctx = &sc;
    o.tls_cert_file = cert;
    o.tls_key_file = key;
    o.max_pending_output = (size_t)hiwater;
    hl7_error e;
    hl7_mllp_server *s = hl7_mllp_server_new(&o, &e);
    if (!s) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    sc.srv = s;
    pthread_t th;
    if (defer && pthread_create(&th, NULL, worker, &sc) != 0) return 1;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("PORT %d\n", hl7_mllp_server_port(s));
    fflush(stdout);
    char cmd[256];
    while (!g_stop) {
        if (hl7_mllp_server_poll(s, 50) != HL7_OK) break;
        struct pollfd p = {.fd = 0, .events = POLLIN};
        if (poll(&p, 1, 0) > 0) {
            if (!fgets(cmd, sizeof cmd, stdin)) break; /* stdin closed: stop */
            hl7_mllp_server_stats st;
            hl7_mllp_server_get_stats(s, &st);
            printf("{\"accepted\": %llu, \"closed\": %llu, \"open\": %llu, \"messages\": %llu, \"oversized\": %llu, "
                   "\"garbage_bytes\": %llu, \"broken_frames\": %llu, \"timeouts\": %llu, \"deferred\": %llu}\n",
                   (unsigned long long)st.accepted, (unsigned long long)st.closed, (unsigned long long)st.open,
                   (unsigned long long)st.messages, (unsigned long long)st.oversized,
                   (unsigned long long)st.garbage_bytes, (unsigned long long)st.broken_frames,
                   (unsigned long long)st.timeouts, (unsigned long long)st.deferred);
            fflush(stdout);
        }
    }
    if (defer) {
        pthread_mutex_lock(&sc.lock);
        sc.quit = true;
        pthread_cond_signal(&sc.cond);
        pthread_mutex_unlock(&sc.lock);
        pthread_join(th, NULL);
    }
    hl7_mllp_server_free(s);
    pthread_mutex_destroy(&sc.lock);
    pthread_cond_destroy(&sc.cond);
    return 0;
}

static int send_file(int port, int retries, const char *file, const char *ca)
{
    FILE *f = fopen(file, "rb");
    if (!f) return 1;
    buf_t msg = BUF_INIT, ack = BUF_INIT;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_append(&msg, tmp, n);
    fclose(f);
    /* with TLS the server certificate is checked against the name "localhost" */
    hl7_mllp_client_opts o = {ca ? "localhost" : "127.0.0.1", port, 2000, 2000, retries, 0, ca != NULL, ca};
    hl7_mllp_client *c = hl7_mllp_client_new(&o);
    hl7_error e;
    int rc = hl7_mllp_client_send(c, msg.data, msg.len, &ack, &e);
    if (rc == HL7_OK) {
        fwrite(ack.data, 1, ack.len, stdout);
        putchar('\n');
    } else {
        fprintf(stderr, "ERREUR: %s\n", e.message);
    }
    hl7_mllp_client_free(c);
    buf_free(&msg);
    buf_free(&ack);
    return rc == HL7_OK ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "dump") == 0) {
        int counter = 0, rc = 0;
        for (int i = 3; i < argc; i++) rc |= dump_file(argv[i], argv[2], &counter);
        printf("%d\n", counter);
        return rc;
    }
    if (argc == 3 && strcmp(argv[1], "builtin") == 0) return builtin(argv[2]);
    if (argc == 4 && strcmp(argv[1], "tree") == 0) return tree(argv[2], strcmp(argv[3], "json") == 0);
    if (argc >= 4 && strcmp(argv[1], "serve") == 0) {
        bool defer = false;
        const char *cert = NULL, *key = NULL;
        long hiwater = 0;
        for (int i = 4; i < argc; i++) {
            if (strcmp(argv[i], "defer") == 0) defer = true;
            else if (strcmp(argv[i], "hiwater") == 0 && i + 1 < argc) hiwater = atol(argv[++i]);
            else if (strcmp(argv[i], "tls") == 0 && i + 2 < argc) {
                cert = argv[i + 1];
                key = argv[i + 2];
                i += 2;
            }
        }
        return serve(atol(argv[2]), atol(argv[3]), defer, cert, key, hiwater);
    }
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "send") == 0)
        return send_file(atoi(argv[2]), atoi(argv[3]), argv[4], argc == 6 ? argv[5] : NULL);
    fprintf(stderr, "usage: hl7_tool dump OUTDIR FILE... | builtin OUTDIR | tree FILE text|json | serve MAXBYTES IDLE_MS [defer] [tls CERT KEY] [hiwater N] | send PORT RETRIES FILE [CAFILE]\n");
    return 2;
}
