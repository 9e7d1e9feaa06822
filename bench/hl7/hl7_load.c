/* Load generator for bench/hl7: C concurrent MLLP connections, each sending ADT^A28 (new
 * patient), ADT^A08 (update of it) and ORM^O01 (new order for it) in turn and waiting for each
 * acknowledgement, for S seconds. Prints messages/s and acknowledgement latency percentiles.
 *   hl7_load PORT CONNECTIONS SECONDS [EXAM_CODE]
 * Plain sockets on purpose: it shares no code with Couloir. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int id, port;
    double seconds;
    const char *exam;
    uint64_t *lat_us;
    size_t n, cap, errors, not_aa;
} worker;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int build(char *out, size_t n, const worker *w, size_t i)
{
    size_t patient = i / 3;
    char ipp[32];
    snprintf(ipp, sizeof ipp, "B%02d%07zu", w->id, patient);
    const char *pid_tail = "||BENCH^CLAIRE^CLAIRE^^^^L||19850412|F|||^^^^^^BDL^^69123";
    switch (i % 3) {
    case 0:
        return snprintf(out, n,
                        "\x0bMSH|^~\\&|BENCH|LOAD|COULOIR|CAB|20260315101500||ADT^A28^ADT_A05|B%d-%zu|P|2.5|||||FRA|"
                        "UNICODE UTF-8\rEVN||20260315101500\rPID|1||%s^^^BENCH^PI%s\rPV1|1|O\r\x1c\r",
                        w->id, i, ipp, pid_tail);
    case 1:
        return snprintf(out, n,
                        "\x0bMSH|^~\\&|BENCH|LOAD|COULOIR|CAB|20260315101500||ADT^A08^ADT_A01|B%d-%zu|P|2.5|||||FRA|"
                        "UNICODE UTF-8\rEVN||20260315101500\rPID|1||%s^^^BENCH^PI%s\rPV1|1|O\r\x1c\r",
                        w->id, i, ipp, "||BENCH^CLAIRE^CLAIRE^^^^L~EPOUSE^CLAIRE^^^^^D||19850412|F|||^^^^^^BDL^^69123");
    default:
        return snprintf(out, n,
                        "\x0bMSH|^~\\&|BENCH|LOAD|COULOIR|CAB|20260315101500||ORM^O01|B%d-%zu|P|2.3.1\r"
                        "PID|1||%s^^^BENCH^PI%s\rPV1|1|O\rORC|NW|BP%d-%zu^BENCH|||||^^^202603201030^^R\r"
                        "OBR|1|BP%d-%zu^BENCH||%s^Examen^CCAM\r\x1c\r",
                        w->id, i, ipp, pid_tail, w->id, i, w->id, i, w->exam);
    }
}

static void *run(void *arg)
{
    worker *w = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)w->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        w->errors++;
        if (fd >= 0) close(fd);
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char msg[2048], buf[8192];
    uint64_t end = now_us() + (uint64_t)(w->seconds * 1e6);
    for (size_t i = 0; now_us() < end; i++) {
        int len = build(msg, sizeof msg, w, i);
        uint64_t t0 = now_us();
        if (send(fd, msg, (size_t)len, MSG_NOSIGNAL) != len) {
            w->errors++;
            break;
        }
        size_t got = 0;
        while (got < 2 || buf[got - 2] != 0x1c || buf[got - 1] != '\r') {
            ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
            if (r <= 0) {
                w->errors++;
                goto out;
            }
            got += (size_t)r;
        }
        buf[got] = 0;
        uint64_t dt = now_us() - t0;
        if (!strstr(buf, "MSA|AA|")) {
            if (w->not_aa++ < 3) fprintf(stderr, "not AA: %.300s\n", buf + 1);
        }
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            w->lat_us = realloc(w->lat_us, w->cap * sizeof *w->lat_us);
            if (!w->lat_us) abort();
        }
        w->lat_us[w->n++] = dt;
    }
out:
    close(fd);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: hl7_load PORT CONNECTIONS SECONDS [EXAM_CODE]\n");
        return 2;
    }
    int port = atoi(argv[1]), nc = atoi(argv[2]);
    double seconds = atof(argv[3]);
    if (port <= 0 || nc <= 0 || nc > 1000 || seconds <= 0) return 2;
    worker *w = calloc((size_t)nc, sizeof *w);
    pthread_t *th = calloc((size_t)nc, sizeof *th);
    uint64_t t0 = now_us();
    for (int i = 0; i < nc; i++) {
        w[i] = (worker){.id = i, .port = port, .seconds = seconds, .exam = argc > 4 ? argv[4] : "ACQK001"};
        pthread_create(&th[i], NULL, run, &w[i]);
    }
    size_t total = 0, errors = 0, not_aa = 0;
    for (int i = 0; i < nc; i++) {
        pthread_join(th[i], NULL);
        total += w[i].n;
        errors += w[i].errors;
        not_aa += w[i].not_aa;
    }
    double elapsed = (double)(now_us() - t0) / 1e6;
    uint64_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < nc; i++) {
        memcpy(all + k, w[i].lat_us, w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat_us);
    }
    qsort(all, total, sizeof *all, cmp);
    double p50 = total ? (double)all[total / 2] / 1000 : 0, p99 = total ? (double)all[total * 99 / 100] / 1000 : 0;
    double mx = total ? (double)all[total - 1] / 1000 : 0;
    printf("connections=%d seconds=%.1f messages=%zu errors=%zu not_aa=%zu\n", nc, elapsed, total, errors, not_aa);
    printf("throughput=%.0f msg/s  ack latency p50=%.2f ms p99=%.2f ms max=%.2f ms\n", (double)total / elapsed, p50,
           p99, mx);
    free(all);
    free(w);
    free(th);
    return errors || not_aa ? 1 : 0;
}
