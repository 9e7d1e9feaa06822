/* A raw TCP client for the DICOM server tests: connect on loopback, send, read whole PDUs.
 * Header-only, for tests/unit/dicom (cmocka asserts on setup failures). */
#ifndef COULOIR_TESTS_DICOM_PDU_CLIENT_H
#define COULOIR_TESTS_DICOM_PDU_CLIENT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "dicom/dicom_internal.h"

static inline int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static inline void send_all(int fd, const void *p, size_t n)
{
    assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Reads exactly n bytes, waiting at most 10 s for each chunk; -1 on EOF or timeout. */
static inline int read_n(int fd, uint8_t *p, size_t n)
{
    while (n) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 10000) <= 0) return -1;
        ssize_t r = recv(fd, p, n, 0);
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Reads one PDU; returns its type (body in b) or -1 on EOF/timeout. */
static inline int read_pdu(int fd, buf_t *b)
{
    uint8_t h[6];
    if (read_n(fd, h, 6) != 0) return -1;
    uint32_t len = dcm_rd32be(h + 2);
    buf_reset(b);
    assert_int_equal(buf_reserve(b, len + 1), 0);
    if (len && read_n(fd, (uint8_t *)b->data, len) != 0) return -1;
    b->len = len;
    return h[0];
}

#endif
