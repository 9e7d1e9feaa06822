/* Optional TLS for MLLP (OpenSSL): contexts and non-blocking read/write on a plain socket or
 * an SSL connection. */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/socket.h>

#include "hl7/hl7_internal.h"

static void ssl_reason(char *out, size_t n)
{
    unsigned long e = ERR_get_error();
    if (e) ERR_error_string_n(e, out, n);
    else snprintf(out, n, "erreur inconnue");
    ERR_clear_error();
}

SSL_CTX *hl7_tls_server_ctx(const char *cert_file, const char *key_file, hl7_error *err)
{
    char why[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        hl7_err_set(err, HL7_E_NOMEM, 0, 0, 0, NULL);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        ssl_reason(why, sizeof why);
        hl7_err_set(err, HL7_E_INVALID, 0, 0, 0, "TLS : certificat « %s » illisible (%s)", cert_file, why);
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        ssl_reason(why, sizeof why);
        hl7_err_set(err, HL7_E_INVALID, 0, 0, 0, "TLS : clé privée « %s » illisible ou sans rapport avec le certificat (%s)",
                    key_file, why);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL_CTX *hl7_tls_client_ctx(const char *ca_file, hl7_error *err)
{
    char why[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        hl7_err_set(err, HL7_E_NOMEM, 0, 0, 0, NULL);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        ssl_reason(why, sizeof why);
        hl7_err_set(err, HL7_E_INVALID, 0, 0, 0, "TLS : autorités de certification « %s » illisibles (%s)",
                    ca_file ? ca_file : "système", why);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

ssize_t hl7_io_read(int fd, SSL *ssl, void *buf, size_t n)
{
    if (!ssl) {
        for (;;) {
            ssize_t r = recv(fd, buf, n, 0);
            if (r >= 0) return r;
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? HL7_IO_AGAIN : HL7_IO_ERROR;
        }
    }
    int r = SSL_read(ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    if (r > 0) return r;
    int e = SSL_get_error(ssl, r);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return HL7_IO_AGAIN;
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    return HL7_IO_ERROR;
}

ssize_t hl7_io_write(int fd, SSL *ssl, const void *buf, size_t n)
{
    if (!ssl) {
        for (;;) {
            ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
            if (w >= 0) return w;
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? HL7_IO_AGAIN : HL7_IO_ERROR;
        }
    }
    int w = SSL_write(ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    if (w > 0) return w;
    int e = SSL_get_error(ssl, w);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return HL7_IO_AGAIN;
    return HL7_IO_ERROR;
}
