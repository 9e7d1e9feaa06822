/* Internal structures of the HL7 codec (not for use outside src/hl7). */
#ifndef COULOIR_HL7_INTERNAL_H
#define COULOIR_HL7_INTERNAL_H

#include <openssl/ssl.h>
#include <sys/types.h>

#include "hl7/hl7.h"

/* A field: raw (escaped) text, either a slice of the message buffer or an owned copy. */
typedef struct {
    const char *p;
    uint32_t len;
    uint32_t owned; /* 1: p was malloc'ed and belongs to the field */
} hl7_field;

typedef struct {
    char name[4];
    hl7_field *f;     /* f[0] = name; f[i] = field i (MSH: f[1] = MSH-1, f[2] = MSH-2) */
    uint32_t n;       /* number of entries in f (highest field number + 1) */
    uint32_t cap;
    uint32_t own_array; /* f was allocated for this segment (else it is in m->fields) */
} hl7_segment;

struct hl7_message {
    char *buf;            /* UTF-8 text of the parsed message (NULL for built messages) */
    size_t buflen;
    hl7_delims d;
    char delim_text[2][8]; /* MSH-1 and MSH-2 as text */
    hl7_segment *segs;
    size_t nsegs, segcap;
    hl7_field *fields;    /* shared field array filled by the parser */
    char charset[32];     /* MSH-18 first repetition as declared ("" when none) */
    hl7_charset_kind cs;
    const char *iconv_name; /* iconv name of the declared charset (static string) */
};

/* error.c */
void hl7_err_set(hl7_error *err, hl7_err code, size_t seg, int field, size_t offset,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* charset.c: converts `len` bytes from charset `from` (iconv name) to UTF-8, appending to
 * out. Returns HL7_OK, HL7_E_ENCODING (invalid input, *bad_offset set) or HL7_E_NOMEM. */
int hl7_iconv_append(const char *from, const char *to, const char *in, size_t len, buf_t *out,
                     size_t *bad_offset);
/* True when the bytes are valid UTF-8; *bad receives the offset of the first bad byte. */
bool hl7_utf8_valid(const char *s, size_t len, size_t *bad);
hl7_charset_kind hl7_charset_kind_of(const char *iconv_name);

/* escape.c: validates the escape sequence starting at s[0] == escape char; returns its
 * total length (including both escape chars) or 0 when invalid/unterminated. */
size_t hl7_escape_check(const hl7_delims *d, const char *s, size_t avail);

/* access.c: finds a piece inside raw field text. rep/comp/sub 1-based, comp/sub 0 = whole. */
void hl7_piece(const hl7_delims *d, const char *p, size_t len, int rep, int comp, int sub,
               const char **out, size_t *outlen);
hl7_segment *hl7_seg_at(const hl7_message *m, const char *name, size_t nth);

/* tls.c: TLS contexts (NULL with err on failure) and non-blocking I/O on a socket or SSL. */
#define HL7_IO_AGAIN (-1)
#define HL7_IO_ERROR (-2)
SSL_CTX *hl7_tls_server_ctx(const char *cert_file, const char *key_file, hl7_error *err);
SSL_CTX *hl7_tls_client_ctx(const char *ca_file, hl7_error *err);
/* > 0 bytes, 0 end of stream, HL7_IO_AGAIN (would block) or HL7_IO_ERROR */
ssize_t hl7_io_read(int fd, SSL *ssl, void *buf, size_t n);
ssize_t hl7_io_write(int fd, SSL *ssl, const void *buf, size_t n);

/* build.c */
int hl7_field_store(hl7_segment *s, int field, const char *p, size_t len);
void hl7_segments_free(hl7_message *m);

#endif
