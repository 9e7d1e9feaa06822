/* The INSi client against couloir-insi-sim over mutual TLS, with certificates generated here by
 * the openssl CLI: answers 00, 01, 02 (both operations and the search strategy), SOAP faults, and
 * TLS refusals (client without certificate, with a certificate from another CA, untrusted server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ins/ins.h"
#include "support/test_support.h"

typedef struct {
    char dir[256];
    pid_t sim;
    int port;
} fixture;

static fixture fx;

static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", fx.dir, name);
}

static int make_pki(void)
{
    const char *d = fx.dir;
    /* CA, server certificate for 127.0.0.1, client certificates (CN INSI-AUTO and a CN the service
     * refuses), and a self-signed "rogue" client certificate from another authority. */
    return run("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 "
               "-subj '/CN=Couloir Test CA' >/dev/null 2>&1 "
               "&& openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' >/dev/null 2>&1 "
               "&& printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext "
               "&& openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 "
               "-extfile san.ext >/dev/null 2>&1 "
               "&& openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj '/CN=INSI-AUTO' >/dev/null 2>&1 "
               "&& openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 1 >/dev/null 2>&1 "
               "&& openssl req -newkey rsa:2048 -nodes -keyout other.key -out other.csr -subj '/CN=CABINET-X' >/dev/null 2>&1 "
               "&& openssl x509 -req -in other.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out other.pem -days 1 >/dev/null 2>&1 "
               "&& openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 1 "
               "-subj '/CN=INSI-AUTO' >/dev/null 2>&1",
               d);
}

static int setup(void **state)
{
    (void)state;
    if (system("openssl version >/dev/null 2>&1") != 0) test_skip_or_fail("openssl CLI absent");
    const char *bin = getenv("COULOIR_BINARY_DIR") ? getenv("COULOIR_BINARY_DIR") : COULOIR_BINARY_DIR;
    char sim[1024];
    snprintf(sim, sizeof sim, "%s/sim/insi/couloir-insi-sim", bin);
    if (access(sim, X_OK) != 0) test_skip_or_fail("couloir-insi-sim not built");
    const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(fx.dir, sizeof fx.dir, "%s/couloir-insi-XXXXXX", tmp);
    if (!mkdtemp(fx.dir)) return -1;
    if (make_pki() != 0) {
        fprintf(stderr, "openssl failed\n");
        return -1;
    }
    char cert[300], key[300], ca[300], portfile[300], log[300];
    path(cert, sizeof cert, "server.pem");
    path(key, sizeof key, "server.key");
    path(ca, sizeof ca, "ca.pem");
    path(portfile, sizeof portfile, "port");
    path(log, sizeof log, "sim.log");
    fx.sim = fork();
    if (fx.sim < 0) return -1;
    if (fx.sim == 0) {
        FILE *l = freopen(log, "w", stderr);
        (void)l;
        execl(sim, sim, "--cert", cert, "--key", key, "--client-ca", ca, "--port", "0", "--port-file", portfile,
              "--idam", "IDAM-COULOIR-TEST", "--allowed-cn", "INSI-AUTO,INSI-MANU", "--max-seconds", "120",
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) { /* up to 10 s */
        FILE *f = fopen(portfile, "r");
        if (f) {
            int ok = fscanf(f, "%d", &fx.port);
            fclose(f);
            if (ok == 1 && fx.port > 0) return 0;
        }
        int status;
        if (waitpid(fx.sim, &status, WNOHANG) == fx.sim) {
            fprintf(stderr, "couloir-insi-sim exited early (see %s)\n", log);
            fx.sim = 0;
            return -1;
        }
        usleep(50000);
    }
    return -1;
}

static int teardown(void **state)
{
    (void)state;
    if (fx.sim > 0) {
        kill(fx.sim, SIGTERM);
        int status = 0;
        for (int i = 0; i < 100 && waitpid(fx.sim, &status, WNOHANG) == 0; i++) usleep(50000);
        if (waitpid(fx.sim, &status, WNOHANG) == 0) {
            kill(fx.sim, SIGKILL);
            waitpid(fx.sim, &status, 0);
        }
    }
    if (fx.dir[0]) run("rm -rf '%s'", fx.dir);
    return 0;
}

static insi_client *client(const char *cert, const char *key, const char *ca, const char *idam)
{
    char url[128], c[300], k[300], a[300];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/lps", fx.port);
    path(c, sizeof c, cert ? cert : "");
    path(k, sizeof k, key ? key : "");
    path(a, sizeof a, ca);
    insi_client_options o = {url, cert ? c : NULL, key ? k : NULL, a, 10000,
                             {idam, "urn:lps:COULOIR:0.1.0", "0.1.0", "6f1c2a54-0d1e-4c1a-9a57-3a3b2c1d0e0f"}};
    char err[200];
    insi_client *cl = insi_client_new(&o, err, sizeof err);
    if (!cl) fprintf(stderr, "%s\n", err);
    assert_non_null(cl);
    return cl;
}

static insi_client *good_client(void)
{
    return client("client.pem", "client.key", "ca.pem", "IDAM-COULOIR-TEST");
}

static void test_RIS_INS_50_traits_00_with_trace(void **state)
{
    (void)state;
    insi_client *c = good_client();
    insi_traits_query q = {"ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14", NULL};
    insi_call call;
    assert_int_equal(insi_search_traits(c, "secretaire.dupont", &q, &call), 0);
    assert_int_equal(call.outcome, INSI_OUTCOME_FOUND);
    assert_string_equal(call.response.result.active.number, "1090763220834");
    assert_int_equal(call.response.result.n_history, 2);
    /* RIS.INS.04/40/41: who, when, what, result */
    assert_string_equal(call.trace.who, "secretaire.dupont");
    assert_string_equal(call.trace.operation, "rechercherInsAvecTraitsIdentite");
    assert_string_equal(call.trace.outcome, "00");
    assert_int_equal(call.trace.http_status, 200);
    assert_true(call.trace.at_ms > 0);
    assert_true(call.trace.duration_ms >= 0 && call.trace.duration_ms < 10000);
    assert_non_null(strstr(call.trace.query, "NomNaissance=ECETINSI"));
    assert_non_null(strstr(call.trace.result, "109076322083489"));
    assert_non_null(strstr(call.trace.result, "historique 209076322083439"));
    assert_int_equal(strlen(call.trace.message_id), 36);
    /* the return is brought into a provisional identity: récupérée */
    ins_policy p;
    ins_policy_defaults(&p);
    ins_identity id;
    ins_traits t = {0};
    strcpy(t.birth_name, "ECETINSI");
    strcpy(t.first_given_name, "PIERRE-ALAIN");
    strcpy(t.birth_date, "2009-07-14");
    strcpy(t.sex, "M");
    strcpy(t.birth_place, "99999");
    ins_actor a = {"secretaire.dupont", 1800000000};
    ins_problems pb;
    assert_int_equal(ins_identity_create(&t, &a, &id, NULL, &pb), 0);
    assert_int_equal(ins_apply_insi_result(&p, &id, &call.response.result, &a, NULL, &pb), 0);
    assert_int_equal(id.status, INS_STATUS_RECUP);
    assert_string_equal(id.traits.birth_given_names, "PIERRE-ALAIN MURIEL FLORIANT");
    insi_client_free(c);
}

static void test_traits_01_and_02(void **state)
{
    (void)state;
    insi_client *c = good_client();
    insi_call call;
    insi_traits_query none = {"INCONNU", "PERSONNE", "F", "1999-09-09", NULL};
    assert_int_equal(insi_search_traits(c, "u1", &none, &call), 0);
    assert_int_equal(call.outcome, INSI_OUTCOME_NOT_FOUND);
    assert_string_equal(call.trace.outcome, "01");
    assert_non_null(strstr(call.message, "Aucune identité"));
    insi_traits_query twins = {"JUMEAU", "CAMILLE", "F", "2001-01-01", NULL};
    assert_int_equal(insi_search_traits(c, "u1", &twins, &call), 0);
    assert_int_equal(call.outcome, INSI_OUTCOME_SEVERAL);
    assert_string_equal(call.trace.outcome, "02");
    assert_non_null(strstr(call.message, "Plusieurs"));
    insi_client_free(c);
}

static void test_RIS_INS_50_vitale_and_RIS_INS_15_lunar_date(void **state)
{
    (void)state;
    insi_client *c = good_client();
    insi_call call;
    insi_vitale_query q = {"1090763220834", "89", NULL, "2009-07-14", "1", "01", "631", "0000"};
    assert_int_equal(insi_search_vitale(c, "u2", &q, &call), 0);
    assert_int_equal(call.outcome, INSI_OUTCOME_FOUND);
    assert_string_equal(call.trace.operation, "rechercherInsAvecCarteVitale");
    insi_vitale_query lunar = {"2502099999001", "46", NULL, "1950-00-00", "1", NULL, NULL, NULL};
    assert_int_equal(insi_search_vitale(c, "u2", &lunar, &call), 0);
    assert_int_equal(call.outcome, INSI_OUTCOME_FOUND);
    ins_policy p;
    ins_policy_defaults(&p);
    ins_problems pb;
    assert_true(insi_result_check(&p, &call.response.result, &pb) > 0);
    assert_string_equal(pb.items[0].requirement, "RIS.INS.15");
    insi_vitale_query other_rank = {"1090763220834", "89", NULL, "2009-07-14", "2", NULL, NULL, NULL};
    assert_int_equal(insi_search_vitale(c, "u2", &other_rank, &call), 0);
    assert_int_equal(call.outcome, INSI_OUTCOME_NOT_FOUND);
    insi_client_free(c);
}

static ins_identity local(const char *name, const char *given_list, const char *sex, const char *date)
{
    ins_identity id;
    memset(&id, 0, sizeof id);
    strcpy(id.traits.birth_name, name);
    strcpy(id.traits.birth_given_names, given_list);
    strcpy(id.traits.first_given_name, given_list);
    id.traits.first_given_name[strcspn(id.traits.first_given_name, " ")] = '\0';
    strcpy(id.traits.sex, sex);
    strcpy(id.traits.birth_date, date);
    strcpy(id.traits.birth_place, "99999");
    return id;
}

static void test_search_strategy_one_call_per_given_name_then_list(void **state)
{
    (void)state;
    insi_client *c = good_client();
    insi_strategy s;
    /* PAUL: 01, LOUIS: 00 (second word of JEAN-BAPTISTE LOUIS) */
    ins_identity darc = local("D'ARC", "PAUL LOUIS", "M", "1966-12-25");
    assert_int_equal(insi_search_identity(c, "u3", &darc, &s), 0);
    assert_int_equal(s.outcome, INSI_OUTCOME_FOUND);
    assert_int_equal(s.n_calls, 2);
    assert_int_equal(s.found_index, 1);
    assert_string_equal(s.calls[0].trace.outcome, "01");
    assert_non_null(strstr(s.calls[1].trace.query, "Prenom=LOUIS"));
    /* nobody: each given name, then the whole list */
    ins_identity nobody = local("INCONNU", "ANNE MARIE", "F", "1999-09-09");
    assert_int_equal(insi_search_identity(c, "u3", &nobody, &s), 0);
    assert_int_equal(s.outcome, INSI_OUTCOME_NOT_FOUND);
    assert_int_equal(s.n_calls, 3);
    assert_non_null(strstr(s.calls[2].trace.query, "Prenom=ANNE MARIE"));
    /* twins: 02 */
    ins_identity twin = local("JUMEAU", "CAMILLE", "F", "2001-01-01");
    assert_int_equal(insi_search_identity(c, "u3", &twin, &s), 0);
    assert_int_equal(s.outcome, INSI_OUTCOME_SEVERAL);
    assert_int_equal(s.n_calls, 1);
    /* RIS.INS.28: no call at all for a doubtful identity */
    ins_identity doubt = local("ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14");
    doubt.attributes = INS_ATTR_DOUTEUSE;
    assert_int_equal(insi_search_identity(c, "u3", &doubt, &s), -1);
    assert_int_equal(s.outcome, INSI_OUTCOME_REFUSED);
    assert_int_equal(s.n_calls, 0);
    insi_client_free(c);
}

static void test_faults_in_french(void **state)
{
    (void)state;
    insi_traits_query q = {"ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14", NULL};
    insi_call call;
    insi_client *c = client("client.pem", "client.key", "ca.pem", "IDAM-INCONNU");
    assert_int_equal(insi_search_traits(c, "u4", &q, &call), -1);
    assert_int_equal(call.outcome, INSI_OUTCOME_FAULT);
    assert_string_equal(call.response.fault.error_code, "desir_550");
    assert_int_equal(call.trace.http_status, 500);
    assert_string_equal(call.trace.outcome, "FAULT");
    assert_non_null(strstr(call.message, "non autorisé"));
    insi_client_free(c);
    /* a certificate from the right CA but a CN the service does not accept */
    c = client("other.pem", "other.key", "ca.pem", "IDAM-COULOIR-TEST");
    assert_int_equal(insi_search_traits(c, "u4", &q, &call), -1);
    assert_int_equal(call.outcome, INSI_OUTCOME_FAULT);
    assert_string_equal(call.response.fault.error_code, "desir_560");
    assert_non_null(strstr(call.message, "droits insuffisants"));
    insi_client_free(c);
}

static void test_tls_refusals(void **state)
{
    (void)state;
    insi_traits_query q = {"ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14", NULL};
    insi_call call;
    insi_client *c = client(NULL, NULL, "ca.pem", "IDAM-COULOIR-TEST");
    assert_int_equal(insi_search_traits(c, "u5", &q, &call), -1);
    assert_int_equal(call.outcome, INSI_OUTCOME_TRANSPORT);
    assert_non_null(strstr(call.message, "TLS refusée"));
    assert_string_equal(call.trace.outcome, "TRANSPORT");
    insi_client_free(c);
    c = client("rogue.pem", "rogue.key", "ca.pem", "IDAM-COULOIR-TEST");
    assert_int_equal(insi_search_traits(c, "u5", &q, &call), -1);
    assert_int_equal(call.outcome, INSI_OUTCOME_TRANSPORT);
    assert_non_null(strstr(call.message, "TLS refusée"));
    insi_client_free(c);
    /* the client refuses a server it cannot authenticate */
    c = client("client.pem", "client.key", "rogue.pem", "IDAM-COULOIR-TEST");
    assert_int_equal(insi_search_traits(c, "u5", &q, &call), -1);
    assert_int_equal(call.outcome, INSI_OUTCOME_TRANSPORT);
    assert_non_null(strstr(call.message, "serveur INSi non reconnu"));
    insi_client_free(c);
}

static void test_malformed_request_gets_fault(void **state)
{
    (void)state;
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "cd %s && curl -s -o fault.xml -w '%%{http_code}' --cacert ca.pem --cert client.pem --key client.key "
             "-H 'Content-Type: application/soap+xml; charset=utf-8' --data-binary '<soap:Envelope' "
             "https://127.0.0.1:%d/lps > code.txt",
             fx.dir, fx.port);
    if (system("curl --version >/dev/null 2>&1") != 0) {
        skip();
    }
    assert_int_equal(system(cmd), 0);
    char p[300];
    path(p, sizeof p, "fault.xml");
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    char body[4096];
    size_t n = fread(body, 1, sizeof body - 1, f);
    fclose(f);
    body[n] = '\0';
    insi_response r;
    char err[200];
    assert_int_equal(insi_response_parse(body, n, &r, err, sizeof err), 0);
    assert_int_equal(r.kind, INSI_RESPONSE_FAULT);
    assert_string_equal(r.fault.code, "soap:Sender");
    assert_non_null(strstr(r.fault.reason, "mal formée"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_RIS_INS_50_traits_00_with_trace),
        cmocka_unit_test(test_traits_01_and_02),
        cmocka_unit_test(test_RIS_INS_50_vitale_and_RIS_INS_15_lunar_date),
        cmocka_unit_test(test_search_strategy_one_call_per_given_name_then_list),
        cmocka_unit_test(test_faults_in_french),
        cmocka_unit_test(test_tls_refusals),
        cmocka_unit_test(test_malformed_request_gets_fault),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
