/* HL7 v2 library: codec (parse, access by path, build, serialize), original-mode
 * acknowledgements, MLLP framing, server and client, and the ANS "Transmission de
 * document(s) CDA en HL7v2" message builder (ORU^R01, MDM^T02/T10/T04).
 *
 * Text model: a parsed message holds its text converted to UTF-8 (from MSH-18) in one buffer;
 * fields are slices of that buffer (no copy per field). Values read through hl7_get() are
 * unescaped UTF-8; values written through hl7_set() are escaped automatically. Serializing
 * converts back to the charset named by MSH-18 (or the one the caller asks for).
 *
 * Paths: "SEG[n]-F[r].C.S" with 1-based numbers, every part after the field optional:
 *   "PID-3[2].4.2"  PID, 2nd repetition of field 3, component 4, sub-component 2
 *   "MSH-9.1"       message code       "OBX[3]-5"  field 5 of the third OBX segment
 * Thread safety: a message is owned by one thread at a time; no global mutable state.
 * Errors: every function returning int returns HL7_OK (0) or a negative hl7_err; when an
 * hl7_error is passed it receives the code, the location and a French message. */
#ifndef COULOIR_HL7_HL7_H
#define COULOIR_HL7_HL7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"

/* ---------------------------------------------------------------- errors */
typedef enum {
    HL7_OK = 0,
    HL7_E_EMPTY = -1,        /* empty input */
    HL7_E_NO_MSH = -2,       /* the message does not start with an MSH segment */
    HL7_E_DELIMITERS = -3,   /* MSH-1/MSH-2 missing, duplicated or invalid */
    HL7_E_SEGMENT = -4,      /* malformed segment (bad name) */
    HL7_E_ESCAPE = -5,       /* invalid or unterminated escape sequence */
    HL7_E_CHARSET = -6,      /* unsupported MSH-18 or text not representable in the target charset */
    HL7_E_ENCODING = -7,     /* bytes invalid in the declared charset */
    HL7_E_PATH = -8,         /* malformed path */
    HL7_E_NOT_FOUND = -9,    /* the addressed segment does not exist (set/insert) */
    HL7_E_NOMEM = -10,
    HL7_E_TOO_LARGE = -11,   /* message larger than the configured maximum */
    HL7_E_INVALID = -12,     /* invalid argument (e.g. missing mandatory input of a builder) */
    HL7_E_IO = -13,          /* network or system error */
    HL7_E_TIMEOUT = -14,
    HL7_E_PROTOCOL = -15,    /* peer broke the MLLP framing or answered nonsense */
} hl7_err;

typedef struct {
    hl7_err code;
    size_t segment;   /* 1-based segment number where the error was found, 0 if none */
    int field;        /* field number, 0 if none */
    size_t offset;    /* byte offset in the input, when meaningful */
    char message[256]; /* French, for users and ERR-8 */
} hl7_error;

/* French text for an error code (static string). */
const char *hl7_strerror(hl7_err code);

/* ---------------------------------------------------------------- delimiters, charsets */
typedef struct {
    char field;      /* MSH-1, usually '|' */
    char component;  /* '^' */
    char repetition; /* '~' */
    char escape;     /* '\\' */
    char subcomponent; /* '&' */
    char truncation; /* '#' in v2.7+, 0 when absent */
} hl7_delims;

extern const hl7_delims hl7_default_delims;

typedef enum {
    HL7_CS_ASCII = 0,   /* MSH-18 empty or "ASCII" */
    HL7_CS_8859_1,
    HL7_CS_8859_15,
    HL7_CS_UTF8,        /* "UNICODE UTF-8" */
    HL7_CS_OTHER_8859,  /* 8859/2 .. 8859/9: converted by iconv too */
} hl7_charset_kind;

/* ---------------------------------------------------------------- message */
typedef struct hl7_message hl7_message;

typedef struct {
    /* Charset assumed when MSH-18 is empty/ASCII and the bytes are neither ASCII nor
     * valid UTF-8, as an MSH-18 name ("8859/1"); NULL: such a message is refused. */
    const char *undeclared_charset;
    /* Refuse unknown escape sequences (true) or keep them verbatim (false). */
    bool strict_escapes;
} hl7_parse_opts;

/* Default options: undeclared_charset NULL, strict_escapes true. */
extern const hl7_parse_opts hl7_parse_defaults;

/* Parses one message (segments separated by CR, LF or CRLF). opts may be NULL.
 * Returns the message, or NULL with err filled. */
hl7_message *hl7_parse(const char *data, size_t len, const hl7_parse_opts *opts, hl7_error *err);
void hl7_message_free(hl7_message *m);

const hl7_delims *hl7_message_delims(const hl7_message *m);
/* Charset declared by the message (MSH-18 as written, "" when none). */
const char *hl7_message_charset(const hl7_message *m);

/* Segments */
size_t hl7_segment_count(const hl7_message *m);
const char *hl7_segment_name(const hl7_message *m, size_t seg); /* 0-based; NULL out of range */
/* Number of fields of segment `seg` (the highest field number present). */
size_t hl7_field_count(const hl7_message *m, size_t seg);
/* 0-based index of the n-th (1-based) segment with that name, or -1. */
long hl7_segment_find(const hl7_message *m, const char *name, size_t nth);
/* Number of segments with that name. */
size_t hl7_segment_count_named(const hl7_message *m, const char *name);

/* ---------------------------------------------------------------- locations */
typedef struct {
    char seg[4];     /* segment name */
    size_t seg_rep;  /* 1-based occurrence of that segment name (default 1) */
    int field;       /* >= 1 */
    int rep;         /* 1-based repetition (default 1) */
    int comp;        /* 0: whole repetition */
    int sub;         /* 0: whole component */
} hl7_loc;

/* Parses "PID-3[2].4.2" into loc. Returns HL7_OK or HL7_E_PATH. */
int hl7_path_parse(const char *path, hl7_loc *loc);

/* ---------------------------------------------------------------- reading */
/* Raw (still escaped) text of the addressed element, pointing into the message (no copy;
 * valid until the message is modified or freed). Absent elements give len 0.
 * Returns HL7_OK or HL7_E_PATH. MSH-1 and MSH-2 give the delimiters as written. */
int hl7_get_raw(const hl7_message *m, const char *path, const char **p, size_t *len);
int hl7_loc_raw(const hl7_message *m, const hl7_loc *loc, const char **p, size_t *len);
/* Decoded (unescaped, UTF-8) value into out (reset first; "" when absent). When the
 * element still has structure (e.g. a whole field with components), the separators are
 * kept and only escapes are decoded: address leaves for values. */
int hl7_get(const hl7_message *m, const char *path, buf_t *out);
int hl7_loc_get(const hl7_message *m, const hl7_loc *loc, buf_t *out);
/* True when the addressed element is present and non-empty. */
bool hl7_has(const hl7_message *m, const char *path);
/* Number of repetitions of a field (0 when empty), e.g. hl7_rep_count(m, "PID-3"). */
int hl7_rep_count(const hl7_message *m, const char *path);

/* Decodes escaped text (as returned by hl7_get_raw) into out. */
int hl7_unescape(const hl7_message *m, const char *raw, size_t len, buf_t *out);
/* Escapes text for inclusion in a message using delimiters d (\F\ \S\ \T\ \R\ \E\, line
 * breaks as \.br\, other control characters as \Xhh\). Appends to out. */
int hl7_escape(const hl7_delims *d, const char *text, size_t len, buf_t *out);

/* ---------------------------------------------------------------- building */
/* A new message holding only MSH-1/MSH-2 (d NULL: |^~\&). */
hl7_message *hl7_message_new(const hl7_delims *d);
/* Appends a segment; returns its 0-based index or a negative hl7_err. */
long hl7_segment_append(hl7_message *m, const char *name);
/* Sets the addressed element to `value` (escaped automatically; NULL = empty). The segment
 * must exist (HL7_E_NOT_FOUND otherwise); fields, repetitions and components are created. */
int hl7_set(hl7_message *m, const char *path, const char *value);
int hl7_loc_set(hl7_message *m, const hl7_loc *loc, const char *value);
/* Same on segment index `seg` (0-based) without a path string. */
int hl7_seg_set(hl7_message *m, size_t seg, int field, int rep, int comp, int sub, const char *value);
/* Sets pre-encoded text (not escaped: the caller guarantees it holds no stray delimiter
 * other than the structure it means, e.g. "a^b" sets two components). */
int hl7_seg_set_raw(hl7_message *m, size_t seg, int field, int rep, int comp, int sub,
                    const char *raw, size_t len);

/* Serializes with the message's delimiters, segments terminated by CR. charset: an MSH-18
 * name to convert to ("8859/1", "UNICODE UTF-8", ...; MSH-18 is updated accordingly), or
 * NULL for the charset the message declares. Appends to out. */
int hl7_serialize(hl7_message *m, const char *charset, buf_t *out, hl7_error *err);

/* Standard name of a field ("Patient Name" for PID, 5) for the common segments (MSH EVN PID
 * PD1 PV1 MRG ORC OBR OBX TXA PRT IPC MSA ERR NTE ZBE); NULL when unknown. */
const char *hl7_field_name(const char *segment, int field);

/* Readable dump for interface engineers (`couloir hl7 parse`): every non-empty field with its
 * path, standard name and decoded value, then its components/sub-components. TEXT is an
 * indented tree (long values shortened), JSON an object {"charset", "segments": [{"segment",
 * "occurrence", "fields": [{"path", "name", "value", "components": [{"path", "value"}]}]}]}
 * with full values. Appends to out. */
typedef enum { HL7_DUMP_TEXT, HL7_DUMP_JSON } hl7_dump_format;
int hl7_dump(const hl7_message *m, hl7_dump_format fmt, buf_t *out);

/* Maps an MSH-18 value to an iconv name; NULL when unsupported. "" maps to "ASCII". */
const char *hl7_charset_iconv_name(const char *msh18, size_t len);

/* Current local time as an HL7 DTM "YYYYMMDDHHMMSS" (out >= 15 bytes). */
const char *hl7_now_dtm(char *out, size_t n);

/* ---------------------------------------------------------------- acknowledgements */
typedef enum { HL7_ACK_AA, HL7_ACK_AE, HL7_ACK_AR } hl7_ack_code;

/* HL7 table 0357 (message error condition codes). */
enum {
    HL7_ERR_SUCCESS = 0,
    HL7_ERR_SEGMENT_SEQUENCE = 100,
    HL7_ERR_REQUIRED_FIELD = 101,
    HL7_ERR_DATA_TYPE = 102,
    HL7_ERR_TABLE_VALUE = 103,
    HL7_ERR_VALUE_TOO_LONG = 104,
    HL7_ERR_UNSUPPORTED_MESSAGE_TYPE = 200,
    HL7_ERR_UNSUPPORTED_EVENT = 201,
    HL7_ERR_UNSUPPORTED_PROCESSING_ID = 202,
    HL7_ERR_UNSUPPORTED_VERSION = 203,
    HL7_ERR_UNKNOWN_KEY = 204,
    HL7_ERR_DUPLICATE_KEY = 205,
    HL7_ERR_RECORD_LOCKED = 206,
    HL7_ERR_INTERNAL = 207,
};
/* English display text of a table 0357 code ("Required field missing"), NULL if unknown. */
const char *hl7_table0357_text(int code);

typedef struct {
    int code;              /* table 0357 */
    char severity;         /* 'E' error, 'W' warning, 'I' information (0 = 'E') */
    hl7_loc location;      /* seg[0] == 0: no location */
    const char *text_fr;   /* French text for the user (ERR-8 / MSA-3 / ERR-1 text) */
} hl7_ack_error;

typedef struct {
    const char *sending_app;      /* NULL: the original MSH-5 */
    const char *sending_facility; /* NULL: the original MSH-6 */
    const char *control_id;       /* NULL: generated (20 hex digits) */
} hl7_ack_opts;

/* Builds an original-mode ACK to `orig`: MSH-3/4 <-> MSH-5/6 swapped, MSH-9
 * ACK^<event>^ACK, same MSH-11, MSH-12 (version), MSH-17, MSH-18 (charset) and delimiters,
 * MSA-1 code, MSA-2 = original MSH-10, and an ERR segment when err is given
 * (v2.5+: ERR-2 location, ERR-3 code^text^HL70357, ERR-4 severity, ERR-8 French text;
 * before v2.5: ERR-1 seg^seq^field^code&text&HL70357 and MSA-3 text). opts may be NULL. */
hl7_message *hl7_ack_build(const hl7_message *orig, hl7_ack_code code, const hl7_ack_error *err,
                           const hl7_ack_opts *opts);
/* Same from raw bytes that may not parse (malformed or truncated message): the header is
 * read best effort (delimiters, MSH-3..6, MSH-9.2, MSH-10..12, MSH-18) and missing parts get
 * defaults (|^~\&, version 2.5). Never fails except on memory exhaustion. */
hl7_message *hl7_ack_build_raw(const char *data, size_t len, hl7_ack_code code,
                               const hl7_ack_error *err, const hl7_ack_opts *opts);

/* ---------------------------------------------------------------- MLLP framing */
#define HL7_MLLP_SB 0x0B
#define HL7_MLLP_EB 0x1C
#define HL7_MLLP_CR 0x0D

typedef struct hl7_mllp_deframer hl7_mllp_deframer;

typedef struct {
    const char *data;  /* the message (for oversized frames: its first bytes only) */
    size_t len;
    bool oversized;    /* the frame exceeded max_message */
    size_t total_len;  /* full size of the frame content */
} hl7_mllp_frame;

/* Called for each complete frame; a non-zero return stops hl7_mllp_deframer_push, which
 * returns it and drops the rest of that input (the caller is closing the stream). */
typedef int (*hl7_mllp_frame_cb)(void *ctx, const hl7_mllp_frame *frame);

typedef struct {
    uint64_t frames;
    uint64_t oversized;
    uint64_t garbage_bytes; /* bytes outside frames (discarded) */
    uint64_t broken_frames; /* frames abandoned (new start block inside a frame) */
} hl7_mllp_stats;

/* max_message: largest accepted message in bytes (0: 16 MiB); oversized frames keep only
 * their first head_keep bytes (0: 4096) so an AR can still be built from their MSH. */
hl7_mllp_deframer *hl7_mllp_deframer_new(size_t max_message, size_t head_keep);
void hl7_mllp_deframer_free(hl7_mllp_deframer *d);
int hl7_mllp_deframer_push(hl7_mllp_deframer *d, const void *data, size_t len,
                           hl7_mllp_frame_cb cb, void *ctx);
/* True while a frame is partially received. */
bool hl7_mllp_deframer_in_frame(const hl7_mllp_deframer *d);
const hl7_mllp_stats *hl7_mllp_deframer_stats(const hl7_mllp_deframer *d);
/* Appends 0x0B msg 0x1C 0x0D to out. */
int hl7_mllp_frame_append(buf_t *out, const char *msg, size_t len);

/* ---------------------------------------------------------------- MLLP server */
typedef struct hl7_mllp_server hl7_mllp_server;

typedef struct {
    const char *peer;   /* "address:port" of the sender */
    uint64_t conn_id;   /* unique per connection in this server */
} hl7_mllp_peer;

/* Handles one inbound message: persist/process it, then put the serialized ACK (without
 * MLLP framing) in ack. Return 0 to send ack (nothing is sent when ack is left empty),
 * HL7_MLLP_DEFER to answer later from any thread with hl7_mllp_server_reply() (group commit:
 * hand the message to a worker, acknowledge after the durable commit), or any other value to
 * close the connection without acknowledging (e.g. the store is down: the sender resends). */
#define HL7_MLLP_DEFER 1
typedef int (*hl7_mllp_handler)(void *ctx, const hl7_mllp_peer *peer, const char *msg,
                                size_t len, buf_t *ack);

typedef struct {
    const char *bind_address;  /* NULL: "0.0.0.0" */
    int port;                  /* 0: ephemeral (see hl7_mllp_server_port) */
    size_t max_message;        /* 0: 16 MiB */
    int idle_timeout_ms;       /* 0: 60000 ; a connection silent that long is closed */
    int max_connections;       /* 0: 1024 */
    hl7_mllp_handler handler;
    void *handler_ctx;
    const char *tls_cert_file;  /* PEM certificate chain: TLS (1.2+) on every connection; NULL: plain TCP */
    const char *tls_key_file;   /* PEM private key (required with tls_cert_file) */
    size_t max_pending_output;  /* 0: 4 MiB; a peer with more unread ACK bytes is not read until it catches up */
} hl7_mllp_server_opts;

typedef struct {
    uint64_t accepted, closed, open, refused;
    uint64_t messages, oversized, garbage_bytes, broken_frames, timeouts, handler_failures;
    uint64_t deferred, replies_dropped;
} hl7_mllp_server_stats;

/* Binds and listens. Returns NULL with err filled (French message) on failure. */
hl7_mllp_server *hl7_mllp_server_new(const hl7_mllp_server_opts *opts, hl7_error *err);
int hl7_mllp_server_port(const hl7_mllp_server *s);
/* Runs the event loop until hl7_mllp_server_stop(). Returns HL7_OK or HL7_E_IO. */
int hl7_mllp_server_run(hl7_mllp_server *s);
/* One loop iteration waiting at most timeout_ms (for callers with their own loop). */
int hl7_mllp_server_poll(hl7_mllp_server *s, int timeout_ms);
/* Sends a deferred acknowledgement (unframed; copied) on connection conn_id, or closes that
 * connection when ack is NULL. Safe from any thread. Replies go out in call order; a reply to
 * a connection that has gone away is dropped (the sender resends). Returns HL7_OK or
 * HL7_E_NOMEM. */
int hl7_mllp_server_reply(hl7_mllp_server *s, uint64_t conn_id, const char *ack, size_t len);
/* Asks run() to return; safe from another thread or a signal handler. */
void hl7_mllp_server_stop(hl7_mllp_server *s);
void hl7_mllp_server_get_stats(const hl7_mllp_server *s, hl7_mllp_server_stats *out);
/* Closes every connection and the listening socket (after run() has returned). */
void hl7_mllp_server_free(hl7_mllp_server *s);

/* ---------------------------------------------------------------- MLLP client */
typedef struct hl7_mllp_client hl7_mllp_client;

typedef struct {
    const char *host;
    int port;
    int connect_timeout_ms;  /* 0: 5000 */
    int ack_timeout_ms;      /* 0: 30000 */
    int retries;             /* reconnect-and-resend attempts after a failure (0: none) */
    size_t max_message;      /* largest accepted ACK (0: 1 MiB) */
    bool tls;                /* TLS 1.2+, server certificate verified against tls_ca_file and host */
    const char *tls_ca_file; /* PEM CA bundle; NULL: the system's */
} hl7_mllp_client_opts;

/* Copies the options; nothing connects before the first send. NULL on invalid options. */
hl7_mllp_client *hl7_mllp_client_new(const hl7_mllp_client_opts *opts);
/* Sends one message (unframed) and waits for the acknowledgement (unframed, into ack).
 * Connects when needed; on a connection failure or timeout it closes, reconnects and
 * resends up to opts.retries times (waiting 100 ms, 200 ms, ... up to 1 s in between). */
int hl7_mllp_client_send(hl7_mllp_client *c, const char *msg, size_t len, buf_t *ack, hl7_error *err);
void hl7_mllp_client_close(hl7_mllp_client *c);
void hl7_mllp_client_free(hl7_mllp_client *c);

/* ---------------------------------------------------------------- report transmission */
/* ANS volet "Transmission de document(s) CDA en HL7v2" (CI-SIS, v2.1): the CDA document
 * base64-encoded in OBX-5 (ED) followed by the DMP/MSSanté metadata rows (code system
 * MetaDMPMSS). ORU^R01 (v2.5) or MDM^T02/T10/T04 (v2.6); initial (OBX-11 F, ORC-1 NW),
 * replacement (C, RO, MDM^T10) and deletion (D, CA, MDM^T04). */
typedef enum { HL7_REPORT_ORU, HL7_REPORT_MDM } hl7_report_kind;
typedef enum { HL7_REPORT_INITIAL, HL7_REPORT_REPLACE, HL7_REPORT_DELETE } hl7_report_action;

typedef struct {
    const char *id;       /* RPPS (or other) identifier of the health professional */
    const char *id_type;  /* XCN.13 identifier type, NULL: "RPPS" */
    const char *family;
    const char *given;
    const char *mssante;  /* MSSanté address, NULL when none */
} hl7_report_person;

typedef struct {
    hl7_report_kind kind;
    hl7_report_action action;
    /* MSH */
    const char *sending_app, *sending_facility, *receiving_app, *receiving_facility;
    const char *message_datetime; /* HL7 DTM; NULL: now */
    const char *event_datetime;   /* EVN-2/EVN-6 (MDM), NULL: message_datetime */
    const char *control_id;       /* MSH-10, required */
    const char *processing_id;    /* NULL: "P" */
    const char *charset;          /* MSH-18, NULL: "UNICODE UTF-8" */
    /* patient (PID) */
    const char *ipp;              /* PID-3 PI (local identifier) */
    const char *ipp_authority, *ipp_authority_oid;
    bool ins_qualified;           /* the INS is sent (PID-3 INS, MSSanté patient) only when true */
    const char *ins;              /* 15 characters (NIR/NIA + key) */
    const char *ins_oid;          /* 1.2.250.1.213.1.4.8 (NIR), .9 (NIA), .10/.11 (test/demo) */
    const char *identity_status;  /* PID-32, NULL: "VALI" when ins_qualified */
    const char *birth_name;       /* PID-5 type L */
    const char *first_given;      /* PID-5.2 */
    const char *given_names;      /* PID-5.3: every birth given name */
    const char *used_name;        /* second PID-5 repetition, type D (optional) */
    const char *used_given;
    const char *birth_date;       /* YYYYMMDD */
    const char *sex;              /* M, F, U */
    const char *birthplace_cog;   /* INSEE code of the birthplace (PID-11 BDL .9) */
    /* visit (PV1) */
    const char *patient_class;    /* NULL: "O" */
    const char *location;         /* PV1-3 */
    const char *visit_number, *visit_authority, *visit_authority_oid; /* PV1-19 */
    /* order */
    const char *placer_order, *placer_app, *filler_order, *filler_app;
    /* document */
    const char *doc_code;         /* NULL: 18748-4 */
    const char *doc_display;      /* NULL: "CR d'imagerie médicale" */
    const char *doc_id;           /* TXA-12: CDA ClinicalDocument/id, required */
    const char *parent_doc_id;    /* TXA-13: id of the replaced version (replacement, deletion) */
    const char *set_id;           /* CDA setId: not sent (the CDA carries it), kept for the caller's records */
    int version;                  /* CDA versionNumber: 1 for an initial transmission */
    const char *doc_datetime;     /* TXA-4 / OBR-7 (HL7 DTM) */
    const unsigned char *cda;     /* the CDA document, required */
    size_t cda_len;
    /* author and organisation */
    hl7_report_person author;     /* PRT SB, TXA-22, EVN-5 */
    const char *org_name, *org_id, *org_id_type; /* PRT-8; org_id_type NULL: "FINEG" */
    /* MSSanté recipients (PRT RCT) and reply address (PRT REPLY) */
    const hl7_report_person *recipients;
    size_t nrecipients;
    const char *reply_to;
    /* metadata rows */
    bool masque_ps, invisible_patient, invisible_rep_legaux, connexion_secrete, modif_conf_code;
    bool dest_dmp, dest_mssante_ps, dest_mssante_pat, ack_reception, ack_lecture;
    const char *mail_body_ps, *mail_body_patient; /* UTF-8 text of the mail bodies (optional) */
} hl7_report_tx;

/* Builds the message; NULL with err (French message naming the missing/invalid input). */
hl7_message *hl7_report_build(const hl7_report_tx *in, hl7_error *err);

/* ---------------------------------------------------------------- settings */
/* [hl7] settings of the MLLP listener (see docs/hl7.md). */
extern const config_setting hl7_settings[];

#endif
