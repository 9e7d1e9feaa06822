/* Internal declarations shared by the files of src/dicom (not part of the public API). */
#ifndef COULOIR_DICOM_INTERNAL_H
#define COULOIR_DICOM_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "dicom/dicom.h"

#define DCM_LOG "dicom"
#define DCM_MAX_DEPTH 16

extern const dcm_dict_entry dcm_dict_entries[];
extern const size_t dcm_dict_count;

static inline uint16_t dcm_rd16le(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t dcm_rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint16_t dcm_rd16be(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t dcm_rd32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline void dcm_wr16le(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void dcm_wr32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void dcm_wr16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void dcm_wr32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Explicit VR: VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2). */
bool dcm_vr_long_header(dcm_vr vr);
/* Known VR (one of PS3.5 Table 6.2-1). */
bool dcm_vr_known(dcm_vr vr);

/* Trims a raw string value (trailing spaces/NULs; leading spaces unless text VR). */
void dcm_trim(dcm_vr vr, const uint8_t **p, size_t *n);

/* Takes ownership of an already-built item and appends it to sequence tag. */
int dcm_seq_append_owned(dcm_dataset *ds, uint32_t tag, dcm_dataset *item);
/* Mutable element access (creates nothing). */
dcm_element *dcm_find_mut(dcm_dataset *ds, uint32_t tag);
/* Replaces the value of el with len bytes (el stays in place). */
int dcm_element_set_value(dcm_element *el, const void *value, size_t len);

/* dcm_text_from_utf8 with a converter kept in *cache (NULL at first) across calls of one
 * thread; release with dcm_text_cache_free. */
int dcm_text_from_utf8_cached(void **cache, const char *in, size_t n, dcm_charset cs, buf_t *out);
void dcm_text_cache_free(void *cache);

/* Safe snprintf into err (err may be NULL). */
void dcm_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- upper layer (ul.c) */

enum {
    DCM_PDU_ASSOC_RQ = 1, DCM_PDU_ASSOC_AC = 2, DCM_PDU_ASSOC_RJ = 3, DCM_PDU_PDATA = 4,
    DCM_PDU_RELEASE_RQ = 5, DCM_PDU_RELEASE_RP = 6, DCM_PDU_ABORT = 7,
};
#define DCM_MAX_PCS 128
#define DCM_MAX_TS_PER_PC 16
#define DCM_MAX_ASSOC_RQ_LEN 65536u

typedef struct {
    uint8_t id;
    char abstract_syntax[65];
    char ts[DCM_MAX_TS_PER_PC][65];
    uint8_t nts;
} dcm_pc_rq;

typedef struct {
    uint16_t protocol_version;
    char called[17];
    char calling[17];
    char app_context[65];
    dcm_pc_rq pcs[DCM_MAX_PCS];
    size_t npcs;
    uint32_t max_pdu;        /* 0: unlimited */
    char impl_class_uid[65];
    char impl_version[17];
} dcm_assoc_rq;

typedef struct {
    uint8_t id;
    uint8_t result;          /* 0 acceptance, 1 user rejection, 2 no reason, 3 abstract syntax
                                not supported, 4 transfer syntaxes not supported */
    const char *ts;
} dcm_pc_ac;

/* Parses the body (after the 6-byte PDU header) of an A-ASSOCIATE-RQ. */
int dcm_ul_parse_assoc_rq(const uint8_t *body, size_t len, dcm_assoc_rq *rq, char *err, size_t errlen);
/* Builds complete PDUs (header included). */
int dcm_ul_build_assoc_ac(const dcm_assoc_rq *rq, const dcm_pc_ac *pcs, size_t npcs, uint32_t max_pdu, buf_t *out);
int dcm_ul_build_assoc_rj(uint8_t result, uint8_t source, uint8_t reason, buf_t *out);
int dcm_ul_build_release(uint8_t type, buf_t *out);
int dcm_ul_build_abort(uint8_t source, uint8_t reason, buf_t *out);

/* Calls fn for each PDV of a P-DATA-TF body; stops at the first non-zero return. Returns 0,
 * -1 when malformed (err set), or fn's non-zero value. */
typedef int (*dcm_pdv_fn)(void *ud, uint8_t pcid, uint8_t control, const uint8_t *data, size_t len);
int dcm_ul_parse_pdata(const uint8_t *body, size_t len, dcm_pdv_fn fn, void *ud, char *err, size_t errlen);

/* Copies a fixed-width, space-padded AE title field (16 bytes) into out (17 bytes), trimmed. */
void dcm_ul_ae_title(const uint8_t *field, char out[17]);

/* ---------------------------------------------------------------- associations (assoc.c) */

/* What an association thread needs from its server. */
typedef struct ssl_ctx_st dcm_ssl_ctx; /* OpenSSL SSL_CTX */
typedef struct {
    const dcm_server_config *cfg;     /* services copied by the server */
    dcm_ssl_ctx *tls;                 /* NULL: plain TCP */
    bool (*reserve)(void *srv);       /* takes an association slot; false when full */
    void (*release)(void *srv);       /* gives it back */
    void *srv;
    uint32_t id;
} dcm_assoc_env;

/* Runs one association on a connected socket until release, abort or error; closes nothing
 * (the caller closes fd). */
void dcm_assoc_serve(int fd, const char *peer, const dcm_assoc_env *env);

/* DIMSE command fields (PS3.7 E.1). */
enum {
    DCM_C_STORE_RQ = 0x0001, DCM_C_FIND_RQ = 0x0020, DCM_C_ECHO_RQ = 0x0030, DCM_C_CANCEL_RQ = 0x0FFF,
    DCM_N_SET_RQ = 0x0120, DCM_N_CREATE_RQ = 0x0140,
};
#define DCM_MAX_MESSAGE (64u * 1024u * 1024u)

/* ---------------------------------------------------------------- worklist internals */

/* Normalises a DA/TM/DT value for range comparison (see dcm_mwl_key); upper selects the
 * upper-bound padding. Returns 0, or -1 when malformed. out has 27 bytes. */
int dcm_mwl_norm(dcm_vr vr, const char *s, size_t n, bool upper, char out[27]);
/* True when ds matches keys[0..n) (sequence keys recurse into items). */
bool dcm_mwl_match_keys(const dcm_mwl_key *keys, size_t n, const dcm_dataset *ds);
/* True when the SPS item passes the station filter. */
bool dcm_mwl_station_ok(const dcm_mwl_query *q, const dcm_dataset *sps_item);

#endif
