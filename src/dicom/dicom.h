/* Couloir's DICOM library, split like DCMTK:
 *   data sets  (dcmdata)  : dictionary, data sets, implicit/explicit VR little endian codec,
 *                           character sets to/from UTF-8, Part 10 files;
 *   network    (dcmnet)   : upper layer (PDUs, association negotiation, ARTIM), DIMSE messages,
 *                           a server object (one thread per association, bounded);
 *   services   (dcmwlm...): C-ECHO SCP, Modality Worklist C-FIND SCP framework with a structured
 *                           query, an in-memory matcher and a response builder, MPPS SCP framework.
 * Providers (the store) plug in through callbacks; nothing here touches SQL.
 *
 * Conventions: functions returning int give 0 on success and -1 on failure with a message in
 * (err, errlen) when they take one. Strings handed to and returned by the data-set API are the
 * raw element bytes; after dcm_dataset_to_utf8() every text element is UTF-8.
 * No global mutable state: every object is an opaque handle owned by its creator. */
#ifndef COULOIR_DICOM_DICOM_H
#define COULOIR_DICOM_DICOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"

/* ------------------------------------------------------------------ dictionary, tags, VRs */

typedef uint16_t dcm_vr; /* two ASCII letters, first in the high byte: DCM_VR('P','N') */
#define DCM_VR(a, b) ((dcm_vr)((((unsigned)(a)) << 8) | ((unsigned)(b))))
#define DCM_VR_NONE 0

#define DCM_TAG(g, e) ((uint32_t)((((uint32_t)(g)) << 16) | ((uint32_t)(e))))
#define DCM_GROUP(t) ((uint16_t)((t) >> 16))
#define DCM_ELEM(t) ((uint16_t)((t)&0xFFFFu))

/* Tags Couloir uses by name (values checked against the generated dictionary by a test). */
enum {
    /* command group, PS3.7 E.1 */
    DCM_CommandGroupLength = 0x00000000u,
    DCM_AffectedSOPClassUID = 0x00000002u,
    DCM_RequestedSOPClassUID = 0x00000003u,
    DCM_CommandField = 0x00000100u,
    DCM_MessageID = 0x00000110u,
    DCM_MessageIDBeingRespondedTo = 0x00000120u,
    DCM_Priority = 0x00000700u,
    DCM_CommandDataSetType = 0x00000800u,
    DCM_Status = 0x00000900u,
    DCM_OffendingElement = 0x00000901u,
    DCM_ErrorComment = 0x00000902u,
    DCM_ErrorID = 0x00000903u,
    DCM_AffectedSOPInstanceUID = 0x00001000u,
    DCM_RequestedSOPInstanceUID = 0x00001001u,
    /* file meta, PS3.10 7.1 */
    DCM_FileMetaInformationGroupLength = 0x00020000u,
    DCM_FileMetaInformationVersion = 0x00020001u,
    DCM_MediaStorageSOPClassUID = 0x00020002u,
    DCM_MediaStorageSOPInstanceUID = 0x00020003u,
    DCM_TransferSyntaxUID = 0x00020010u,
    DCM_ImplementationClassUID = 0x00020012u,
    DCM_ImplementationVersionName = 0x00020013u,
    /* patient, study, worklist, MPPS, KOS-related */
    DCM_SpecificCharacterSet = 0x00080005u,
    DCM_SOPClassUID = 0x00080016u,
    DCM_SOPInstanceUID = 0x00080018u,
    DCM_StudyDate = 0x00080020u,
    DCM_StudyTime = 0x00080030u,
    DCM_AccessionNumber = 0x00080050u,
    DCM_IssuerOfAccessionNumberSequence = 0x00080051u,
    DCM_QueryRetrieveLevel = 0x00080052u,
    DCM_Modality = 0x00080060u,
    DCM_ReferringPhysicianName = 0x00080090u,
    DCM_CodeValue = 0x00080100u,
    DCM_CodingSchemeDesignator = 0x00080102u,
    DCM_CodeMeaning = 0x00080104u,
    DCM_StudyDescription = 0x00081030u,
    DCM_ReferencedStudySequence = 0x00081110u,
    DCM_ReferencedPatientSequence = 0x00081120u,
    DCM_ReferencedImageSequence = 0x00081140u,
    DCM_ReferencedSOPClassUID = 0x00081150u,
    DCM_ReferencedSOPInstanceUID = 0x00081155u,
    DCM_PatientName = 0x00100010u,
    DCM_PatientID = 0x00100020u,
    DCM_IssuerOfPatientID = 0x00100021u,
    DCM_TypeOfPatientID = 0x00100022u,
    DCM_IssuerOfPatientIDQualifiersSequence = 0x00100024u,
    DCM_PatientBirthDate = 0x00100030u,
    DCM_PatientSex = 0x00100040u,
    DCM_OtherPatientIDsSequence = 0x00101002u,
    DCM_PatientBirthName = 0x00101005u,
    DCM_PatientWeight = 0x00101030u,
    DCM_UniversalEntityID = 0x00400032u,
    DCM_UniversalEntityIDType = 0x00400033u,
    DCM_LocalNamespaceEntityID = 0x00400031u,
    DCM_StudyInstanceUID = 0x0020000Du,
    DCM_SeriesInstanceUID = 0x0020000Eu,
    DCM_StudyID = 0x00200010u,
    DCM_RequestingPhysician = 0x00321032u,
    DCM_RequestedProcedureDescription = 0x00321060u,
    DCM_RequestedProcedureCodeSequence = 0x00321064u,
    DCM_AdmissionID = 0x00380010u,
    DCM_ScheduledStationAETitle = 0x00400001u,
    DCM_ScheduledProcedureStepStartDate = 0x00400002u,
    DCM_ScheduledProcedureStepStartTime = 0x00400003u,
    DCM_ScheduledPerformingPhysicianName = 0x00400006u,
    DCM_ScheduledProcedureStepDescription = 0x00400007u,
    DCM_ScheduledProtocolCodeSequence = 0x00400008u,
    DCM_ScheduledProcedureStepID = 0x00400009u,
    DCM_ScheduledStationName = 0x00400010u,
    DCM_ScheduledProcedureStepLocation = 0x00400011u,
    DCM_ScheduledProcedureStepStatus = 0x00400020u,
    DCM_ScheduledProcedureStepSequence = 0x00400100u,
    DCM_PerformedStationAETitle = 0x00400241u,
    DCM_PerformedProcedureStepStartDate = 0x00400244u,
    DCM_PerformedProcedureStepStartTime = 0x00400245u,
    DCM_PerformedProcedureStepEndDate = 0x00400250u,
    DCM_PerformedProcedureStepEndTime = 0x00400251u,
    DCM_PerformedProcedureStepStatus = 0x00400252u,
    DCM_PerformedProcedureStepID = 0x00400253u,
    DCM_PerformedProcedureStepDescription = 0x00400254u,
    DCM_ScheduledStepAttributesSequence = 0x00400270u,
    DCM_PerformedSeriesSequence = 0x00400340u,
    DCM_RequestedProcedureID = 0x00401001u,
    DCM_RequestedProcedurePriority = 0x00401003u,
    DCM_ContentSequence = 0x0040A730u,
    DCM_CurrentRequestedProcedureEvidenceSequence = 0x0040A375u,
    DCM_Item = 0xFFFEE000u,
    DCM_ItemDelimitationItem = 0xFFFEE00Du,
    DCM_SequenceDelimitationItem = 0xFFFEE0DDu,
};

typedef struct {
    uint32_t tag;
    dcm_vr vr;      /* DCM_VR('N','A') for items and delimiters */
    uint8_t retired;
    const char *keyword;
    const char *vm; /* "1", "1-n", "2-2n"... */
} dcm_dict_entry;

/* Entry for tag, or NULL when PS3.6 (and PS3.7 for group 0000) has none. */
const dcm_dict_entry *dcm_dict_lookup(uint32_t tag);
/* Entry by keyword ("PatientName"), or NULL. */
const dcm_dict_entry *dcm_dict_find_keyword(const char *keyword);
/* VR to use in implicit VR: dictionary VR, UL for group lengths, LO for private creators,
 * UN otherwise. */
dcm_vr dcm_dict_vr(uint32_t tag);
/* True for the VRs holding character strings affected by Specific Character Set
 * (SH, LO, ST, LT, PN, UC, UT). */
bool dcm_vr_is_text(dcm_vr vr);
/* True for the VRs holding character strings of any kind (AE, AS, CS, DA, DS, DT, IS, TM, UI,
 * UR and the text ones). */
bool dcm_vr_is_string(dcm_vr vr);
/* "PN" for DCM_VR('P','N') into out (size >= 3). */
const char *dcm_vr_name(dcm_vr vr, char out[3]);

/* ------------------------------------------------------------------ data sets */

typedef struct dcm_dataset dcm_dataset;

/* One element. For SQ, items/nitems hold the items (value/len unused). Read-only for callers. */
typedef struct {
    uint32_t tag;
    dcm_vr vr;
    uint32_t len;          /* value length in bytes (as stored, padding included) */
    uint8_t *value;        /* NULL when len == 0 */
    dcm_dataset **items;
    uint32_t nitems;
    uint32_t items_cap;
} dcm_element;

dcm_dataset *dcm_dataset_new(void);
void dcm_dataset_free(dcm_dataset *ds);
dcm_dataset *dcm_dataset_clone(const dcm_dataset *ds);
/* Elements are kept sorted by tag. */
size_t dcm_dataset_count(const dcm_dataset *ds);
const dcm_element *dcm_dataset_at(const dcm_dataset *ds, size_t i);
const dcm_element *dcm_find(const dcm_dataset *ds, uint32_t tag);
bool dcm_has(const dcm_dataset *ds, uint32_t tag);
int dcm_remove(dcm_dataset *ds, uint32_t tag);

/* Sets (replacing) an element. vr DCM_VR_NONE takes the dictionary VR. Returns 0 or -1. */
int dcm_set_bytes(dcm_dataset *ds, uint32_t tag, dcm_vr vr, const void *value, size_t len);
int dcm_set_string(dcm_dataset *ds, uint32_t tag, const char *value); /* dictionary VR */
int dcm_set_string_vr(dcm_dataset *ds, uint32_t tag, dcm_vr vr, const char *value);
int dcm_set_u16(dcm_dataset *ds, uint32_t tag, uint16_t v);
int dcm_set_u32(dcm_dataset *ds, uint32_t tag, uint32_t v);
/* Makes tag an (empty) SQ element when absent; appends a new empty item and returns it
 * (owned by ds), or NULL on failure. */
dcm_dataset *dcm_seq_append(dcm_dataset *ds, uint32_t tag);
int dcm_seq_set_empty(dcm_dataset *ds, uint32_t tag);
/* Number of items (0 when absent or not a sequence) and the i-th item. */
size_t dcm_seq_count(const dcm_dataset *ds, uint32_t tag);
const dcm_dataset *dcm_seq_item(const dcm_dataset *ds, uint32_t tag, size_t i);

/* Copies a string value, trailing (and for non-text VRs leading) spaces and NULs removed.
 * Returns its length, -1 when absent, -2 when it does not fit in n-1 bytes. */
int dcm_get_string(const dcm_dataset *ds, uint32_t tag, char *out, size_t n);
/* Same for the idx-th value of a multi-valued string (values separated by '\'). */
int dcm_get_string_at(const dcm_dataset *ds, uint32_t tag, size_t idx, char *out, size_t n);
int dcm_get_u16(const dcm_dataset *ds, uint32_t tag, uint16_t *out);
int dcm_get_u32(const dcm_dataset *ds, uint32_t tag, uint32_t *out);

/* ------------------------------------------------------------------ codec */

typedef enum { DCM_TS_IMPLICIT_LE = 0, DCM_TS_EXPLICIT_LE = 1 } dcm_ts;

#define DCM_UID_IMPLICIT_LE "1.2.840.10008.1.2"
#define DCM_UID_EXPLICIT_LE "1.2.840.10008.1.2.1"
#define DCM_UID_VERIFICATION "1.2.840.10008.1.1"
#define DCM_UID_MWL_FIND "1.2.840.10008.5.1.4.31"
#define DCM_UID_MPPS "1.2.840.10008.3.1.2.3.3"
#define DCM_UID_APP_CONTEXT "1.2.840.10008.3.1.1.1"
/* Couloir's implementation class UID (under the UUID-derived 2.25 root) and version name. */
#define DCM_IMPL_CLASS_UID "2.25.305828488182831875890203105390867346511"
#define DCM_IMPL_VERSION "COULOIR_010"

/* Transfer syntax for a UID; -1 for anything else (big endian, deflate, compressed pixels...). */
int dcm_ts_from_uid(const char *uid, dcm_ts *out);
const char *dcm_ts_uid(dcm_ts ts);

/* Decodes a whole data set (sequences and items of defined or undefined length; nesting is
 * limited to 16 levels). On error *out is NULL and err names the offset and the problem. */
int dcm_decode(const uint8_t *data, size_t len, dcm_ts ts, dcm_dataset **out, char *err, size_t errlen);
/* Appends the encoding of ds (sequences and items with undefined length in explicit VR,
 * defined lengths in implicit VR). Odd values are padded (space for strings, NUL for UI and
 * binary). Returns 0 or -1 (memory, or a value longer than the VR allows). */
int dcm_encode(const dcm_dataset *ds, dcm_ts ts, buf_t *out);

/* Streaming writer (no intermediate data set): elements must be written in tag order. */
int dcm_write_element(buf_t *out, dcm_ts ts, uint32_t tag, dcm_vr vr, const void *value, size_t len);
int dcm_write_u16(buf_t *out, dcm_ts ts, uint32_t tag, uint16_t v);
/* Sequence of undefined length: seq_begin, then item_begin/item_end pairs, then seq_end. */
int dcm_write_seq_begin(buf_t *out, dcm_ts ts, uint32_t tag);
int dcm_write_item_begin(buf_t *out);
int dcm_write_item_end(buf_t *out);
int dcm_write_seq_end(buf_t *out);

/* ------------------------------------------------------------------ character sets */

typedef enum { DCM_CS_DEFAULT = 0, DCM_CS_LATIN1 = 1, DCM_CS_UTF8 = 2 } dcm_charset;

/* Parses a Specific Character Set value: "" (default repertoire), "ISO_IR 6", "ISO_IR 100",
 * "ISO_IR 192". Returns -1 for any other (ISO 2022 code extensions, other repertoires). */
int dcm_charset_parse(const char *value, dcm_charset *out);
/* Defined term for the charset ("" for the default repertoire). */
const char *dcm_charset_term(dcm_charset cs);

/* Converts every text element of ds (and of its items, which may carry their own Specific
 * Character Set) to UTF-8 and sets Specific Character Set to "ISO_IR 192" when any text was
 * converted. Fails (-1, err in French-free technical English, suitable for an Error Comment)
 * on an unsupported character set or bytes invalid for the declared one. */
int dcm_dataset_to_utf8(dcm_dataset *ds, char *err, size_t errlen);

/* Appends UTF-8 text converted to cs. Returns 0, -1 on memory/iconv failure, -2 when the text
 * cannot be represented in cs (non-ASCII for the default repertoire, beyond Latin-1...). */
int dcm_text_from_utf8(const char *in, size_t n, dcm_charset cs, buf_t *out);
/* True when the UTF-8 text can be represented in cs. */
bool dcm_text_fits(const char *in, size_t n, dcm_charset cs);

/* ------------------------------------------------------------------ Part 10 files */

/* Reads a Part 10 stream (128-byte preamble, "DICM", group 0002 in explicit VR LE, then the
 * data set in the transfer syntax it names). meta may be NULL. */
int dcm_part10_decode(const uint8_t *data, size_t len, dcm_dataset **meta, dcm_dataset **ds,
                      char *err, size_t errlen);
int dcm_file_read(const char *path, dcm_dataset **meta, dcm_dataset **ds, char *err, size_t errlen);
/* Writes preamble, meta information (version 00 01, SOP class/instance from the arguments,
 * transfer syntax, Couloir's implementation class UID and version name) and the data set. */
int dcm_part10_encode(const dcm_dataset *ds, const char *sop_class_uid, const char *sop_instance_uid,
                      dcm_ts ts, buf_t *out);
int dcm_file_write(const char *path, const dcm_dataset *ds, const char *sop_class_uid,
                   const char *sop_instance_uid, dcm_ts ts, char *err, size_t errlen);

/* ------------------------------------------------------------------ network: statuses */

/* DIMSE status codes used by the services (PS3.7 Annex C, PS3.4). */
enum {
    DCM_STATUS_SUCCESS = 0x0000,
    DCM_STATUS_PENDING = 0xFF00,
    DCM_STATUS_PENDING_WARNING = 0xFF01,   /* optional keys not supported */
    DCM_STATUS_CANCEL = 0xFE00,
    DCM_STATUS_NO_SUCH_ATTRIBUTE = 0x0105,
    DCM_STATUS_INVALID_ATTRIBUTE_VALUE = 0x0106,
    DCM_STATUS_PROCESSING_FAILURE = 0x0110,
    DCM_STATUS_DUPLICATE_INSTANCE = 0x0111,
    DCM_STATUS_NO_SUCH_INSTANCE = 0x0112,
    DCM_STATUS_MISSING_ATTRIBUTE = 0x0120,
    DCM_STATUS_MISSING_ATTRIBUTE_VALUE = 0x0121,
    DCM_STATUS_SOP_CLASS_NOT_SUPPORTED = 0x0122,
    DCM_STATUS_OUT_OF_RESOURCES = 0xA700,
    DCM_STATUS_IDENTIFIER_MISMATCH = 0xA900, /* data set does not match SOP class */
    DCM_STATUS_UNABLE_TO_PROCESS = 0xC000,
    DCM_STATUS_UNRECOGNIZED_OPERATION = 0x0211,
};
/* Error ID (0000,0903) for "Performed Procedure Step Object may no longer be updated"
 * (PS3.4 F.7.2.2.2, with status 0x0110). */
#define DCM_ERROR_ID_MPPS_NOT_UPDATABLE 0xA710

typedef struct {
    uint16_t code;
    uint16_t error_id;      /* 0: none */
    uint32_t offending_tag; /* 0: none */
    char comment[65];       /* Error Comment (LO, 64 chars max) */
} dcm_status;

/* Fills st (code, printf comment truncated to 64 bytes). */
void dcm_status_set(dcm_status *st, uint16_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------ network: associations */

typedef struct dcm_assoc dcm_assoc;
typedef struct dcm_server dcm_server;

/* A received DIMSE request. command and data are owned by the library (valid during the
 * handler call); data is NULL when the command announced no data set. A handler may take
 * ownership of data by setting the field to NULL (the library frees what is left). */
typedef struct {
    uint8_t pcid;
    dcm_ts ts;
    uint16_t command_field;
    uint16_t message_id;
    char sop_class[65];     /* Affected or Requested SOP Class UID */
    char sop_instance[65];  /* Affected or Requested SOP Instance UID ("" when absent) */
    const dcm_dataset *command;
    dcm_dataset *data;
} dcm_message;

/* Handler of one SOP class. Returns 0 to go on with the association, -1 to abort it. */
typedef int (*dcm_service_fn)(dcm_assoc *a, const dcm_message *rq, void *ud);
typedef struct {
    const char *sop_class_uid;
    dcm_service_fn handle;
    void *ud;
} dcm_service;

/* Association acceptance check (the application compares with its configured modalities).
 * Returns 0 to accept, or an A-ASSOCIATE-RJ reason: DCM_RJ_CALLING_AE_NOT_RECOGNIZED,
 * DCM_RJ_CALLED_AE_NOT_RECOGNIZED or DCM_RJ_NO_REASON (permanent rejection). */
enum { DCM_RJ_NO_REASON = 1, DCM_RJ_CALLING_AE_NOT_RECOGNIZED = 3, DCM_RJ_CALLED_AE_NOT_RECOGNIZED = 7 };
typedef int (*dcm_assoc_check_fn)(void *ud, const char *calling_ae, const char *called_ae, const char *peer);

typedef struct {
    const char *ae_title;            /* our AE title; when check is NULL, called AE must equal it */
    const char *bind_address;        /* "127.0.0.1", "0.0.0.0"... */
    uint16_t port;                   /* 0: ephemeral (see dcm_server_port) */
    unsigned max_associations;       /* concurrent associations; more are rejected (transient) */
    uint32_t max_pdu;                /* max P-DATA-TF length we receive (we announce it) */
    int artim_ms;                    /* ARTIM: wait for A-ASSOCIATE-RQ / after A-RELEASE-RP */
    int idle_timeout_ms;             /* no PDU for this long: A-ABORT */
    dcm_assoc_check_fn check;
    void *check_ud;
    const dcm_service *services;     /* copied by dcm_server_start */
    size_t nservices;
    /* TLS (DICOM secure transport connection profile, BCP 195: TLS 1.2 or later). When both
     * files are set every connection must start with a TLS handshake. */
    const char *tls_certificate;     /* PEM certificate (chain) of the server, or NULL */
    const char *tls_private_key;     /* PEM private key, or NULL */
    const char *tls_ca_certificates; /* PEM CA bundle to verify client certificates, or NULL */
    bool tls_require_client_certificate;
} dcm_server_config;

/* Settings of the [dicom] section (registered by the application). */
extern const config_setting dicom_settings[];

/* Binds, listens and starts the accept thread; one thread per association (documented in
 * docs/dicom-conformance.md). NULL on failure with err. */
dcm_server *dcm_server_start(const dcm_server_config *cfg, char *err, size_t errlen);
uint16_t dcm_server_port(const dcm_server *s);
/* Stops accepting, aborts the associations in progress, waits for their threads, frees s. */
void dcm_server_stop(dcm_server *s);

const char *dcm_assoc_calling_ae(const dcm_assoc *a);
const char *dcm_assoc_called_ae(const dcm_assoc *a);
const char *dcm_assoc_peer(const dcm_assoc *a);
/* TLS protocol and cipher ("-" without TLS) and verified client certificate subject (""). */
const char *dcm_assoc_tls(const dcm_assoc *a);
const char *dcm_assoc_peer_subject(const dcm_assoc *a);
uint32_t dcm_assoc_id(const dcm_assoc *a);

/* Sends a DIMSE message: command (always implicit VR LE; group length and data-set type are
 * filled in) and the already-encoded data set (NULL/0: none), fragmented to the peer's max PDU.
 * The command PDV and the data set PDV(s) share a P-DATA-TF PDU as long as they fit; PDVs of
 * two messages never share one. */
int dcm_assoc_send(dcm_assoc *a, uint8_t pcid, dcm_dataset *command, const uint8_t *data, size_t len);
/* Sends the response to rq: command field rq|0x8000, status (with Error Comment, Error ID and
 * Offending Element when set), affected SOP class/instance echoed, optional encoded data.
 * Pending responses (0xFF00, 0xFF01) are coalesced: the first of a run is written at once, the
 * next ones are queued and written when 16 KiB are queued or with the next non-pending
 * response (the final one), which is always written at once. */
int dcm_assoc_respond(dcm_assoc *a, const dcm_message *rq, const dcm_status *st, const char *sop_instance,
                      const uint8_t *data, size_t len);
/* Non-blocking: true when a C-CANCEL-RQ for message_id has arrived (other PDUs arriving
 * meanwhile are an error: the association is then marked for abort and true is returned).
 * The socket is only looked at when queued responses were written since the last call (the
 * peer reacts to what it has received): calling it after every response costs no system call
 * per response. */
bool dcm_assoc_cancel_requested(dcm_assoc *a, uint16_t message_id);

/* ------------------------------------------------------------------ services */

/* C-ECHO SCP for the Verification SOP class. */
dcm_service dcm_echo_service(void);

/* Matching types of PS3.4 C.2.2.2. */
typedef enum {
    DCM_MATCH_UNIVERSAL = 0,  /* zero-length value: return key only */
    DCM_MATCH_SINGLE,         /* exact value */
    DCM_MATCH_WILDCARD,       /* '*' and '?' */
    DCM_MATCH_RANGE,          /* DA/TM/DT "lo-hi", "lo-", "-hi" (normalised, see below) */
    DCM_MATCH_UID_LIST,       /* UID1\UID2... */
    DCM_MATCH_SEQUENCE,       /* a sequence with an item of keys */
    DCM_MATCH_DATETIME_RANGE, /* combined date+time (SPS Start Date/Time, C.2.2.2.5) */
} dcm_match_type;

/* One key of a worklist query. Top-level keys have depth 0; keys inside the (single) item of a
 * sequence key have depth 1 and parent = the sequence tag (e.g. Scheduled Procedure Step
 * Sequence), depth 2 one level deeper (parent2 = outer sequence).
 * value: the UTF-8 value (SINGLE, WILDCARD). RANGE: lo/hi normalised to comparable strings
 * (DA "YYYYMMDD", TM "HHMMSS.FFFFFF", DT "YYYYMMDDHHMMSS.FFFFFF"), "" for an open end.
 * DATETIME_RANGE: tag = Start Date, tag2 = Start Time, lo/hi as DT. UID_LIST: uids[nuids]. */
typedef struct {
    uint32_t tag;
    uint32_t tag2;
    uint32_t parent;
    uint32_t parent2;
    uint8_t depth;
    dcm_vr vr;
    dcm_match_type type;
    const char *value;
    char lo[27];
    char hi[27];
    const char **uids;
    size_t nuids;
    size_t nsub;              /* SEQUENCE: number of following keys that belong to it */
} dcm_mwl_key;

typedef struct dcm_mwl_query dcm_mwl_query;
struct dcm_mwl_query {
    dcm_mwl_key *keys;          /* matching keys (universal ones omitted; SEQUENCE keys list
                                   the sequence itself, followed by its member keys) */
    size_t nkeys;
    dcm_dataset *identifier;    /* the query, UTF-8, = the return keys */
    dcm_charset answer_charset; /* charset the answers are encoded in */
    char station_filter[17];    /* non-empty: only steps whose Scheduled Station AE Title
                                   (in the Scheduled Procedure Step Sequence) holds this value
                                   match (option "filter by calling AE title") */
    void *conv;                 /* internal: character set converter of the answers */
};

/* Parses a C-FIND identifier (consumed: becomes q->identifier). On failure returns -1 with st
 * set (0xA900 not a worklist identifier, 0xC000 unsupported character set or bad key value),
 * and identifier is freed. default_charset: used for answers when the query names none. */
int dcm_mwl_query_parse(dcm_dataset *identifier, dcm_charset default_charset, const char *station_filter,
                        dcm_mwl_query **out, dcm_status *st);
void dcm_mwl_query_free(dcm_mwl_query *q);
/* Writes the matching keys without their values (no patient data), for logs:
 * "00100010:wildcard,00400100/00080060:single,00400100/00400002+00400003:datetime".
 * Truncated with "..." when out is too small; "-" when no key. Returns out. */
const char *dcm_mwl_query_describe(const dcm_mwl_query *q, char *out, size_t n);
/* Reference matcher: true when the worklist item (UTF-8, one dataset per scheduled step)
 * matches every key. The semantics a SQL translation must reproduce:
 *  - an attribute absent or empty in the item never matches a non-universal key;
 *  - multi-valued item attributes (not LT/ST/UT/UR) match when one value matches;
 *  - SINGLE is exact and case-sensitive, except PN: ASCII case-insensitive, trailing '^'
 *    ignored on both sides; for DA/TM/DT a single value is the interval [lo, hi];
 *  - WILDCARD: '*' any run, '?' exactly one UTF-8 character (same case rule as SINGLE);
 *  - RANGE / DATETIME_RANGE: lo <= normalised item value <= hi (strcmp order), "" = open;
 *    the combined key compares Start Date + Start Time ("000000" when the time is absent);
 *  - UID_LIST: equal to one of the UIDs;
 *  - SEQUENCE: one item of the item's sequence matches all member keys;
 *  - station_filter: one SPS item holds that AE title and matches the SPS keys. */
bool dcm_mwl_match(const dcm_mwl_query *q, const dcm_dataset *item);
/* Appends the answer identifier for item in q->answer_charset (falls back to ISO_IR 192 for
 * the whole answer when a value does not fit): exactly the return keys of the query, Specific
 * Character Set always present, sequence items filtered like the matcher. Returns 0 or -1.
 * Not thread-safe for one q (it keeps a converter): one query, one thread. */
int dcm_mwl_encode_answer(dcm_mwl_query *q, const dcm_dataset *item, dcm_ts ts, buf_t *out);

/* Worklist provider: calls emit for each matching item (UTF-8 data set, owned by the
 * provider; may be freed after emit returns). emit returns 0 to go on, 1 to stop (cancel,
 * cap reached or failure). find returns 0, or -1 with st filled (e.g. 0xC000 + comment). */
typedef int (*dcm_mwl_emit_fn)(void *emit_ctx, const dcm_dataset *item);
typedef struct {
    int (*find)(void *ud, const dcm_mwl_query *q, dcm_mwl_emit_fn emit, void *emit_ctx, dcm_status *st);
    void *ud;
    unsigned max_results;        /* cap on answers (0: unlimited) */
    dcm_charset default_charset; /* answers when the query has no Specific Character Set */
    bool filter_calling_ae;      /* universal Scheduled Station AE Title -> calling AE title */
} dcm_mwl_scp_config;
/* The returned service keeps a pointer to cfg: cfg must outlive the server. */
dcm_service dcm_mwl_service(const dcm_mwl_scp_config *cfg);

/* Reads the [dicom] settings into the server configuration (ae_title, bind_address, port,
 * limits, timers; services/check left untouched) and the worklist options (max_results,
 * default_charset, filter_calling_ae; find/ud untouched). Strings point into cfg. Returns 0,
 * or -1 with err naming the bad setting. */
int dcm_settings_load(const config_t *cfg, dcm_server_config *srv, dcm_mwl_scp_config *mwl, char *err, size_t errlen);

/* In-memory worklist (tests, reference for the SQL translation): a list of items served with
 * dcm_mwl_match. Items are copied. */
typedef struct dcm_mwl_memory dcm_mwl_memory;
dcm_mwl_memory *dcm_mwl_memory_new(void);
void dcm_mwl_memory_free(dcm_mwl_memory *m);
int dcm_mwl_memory_add(dcm_mwl_memory *m, const dcm_dataset *item);
size_t dcm_mwl_memory_count(const dcm_mwl_memory *m);
/* A find callback for dcm_mwl_scp_config over m (ud = m). */
int dcm_mwl_memory_find(void *ud, const dcm_mwl_query *q, dcm_mwl_emit_fn emit, void *emit_ctx, dcm_status *st);

/* MPPS (PS3.4 Annex F). */
typedef enum { DCM_PPS_IN_PROGRESS = 0, DCM_PPS_COMPLETED, DCM_PPS_DISCONTINUED, DCM_PPS_UNKNOWN } dcm_pps_status;
dcm_pps_status dcm_pps_status_parse(const char *s);
const char *dcm_pps_status_name(dcm_pps_status s);
/* PS3.4 F.7.2: the transition current -> requested is allowed (IN PROGRESS -> IN PROGRESS,
 * COMPLETED, DISCONTINUED). Otherwise fills st: 0x0110 with Error ID 0xA710 when the step is
 * final, 0x0106 for an invalid value. Returns 0 or -1. */
int dcm_mpps_check_transition(dcm_pps_status current, dcm_pps_status requested, dcm_status *st);

typedef struct {
    const char *calling_ae;
    const char *sop_instance_uid;   /* created (N-CREATE) or updated (N-SET) instance */
    dcm_pps_status status;          /* from (0040,0252); N-SET without it: DCM_PPS_UNKNOWN */
    const dcm_dataset *attributes;  /* UTF-8 */
} dcm_mpps_request;
typedef struct {
    /* return 0 (accepted) or -1 with st set (0x0111 duplicate, 0x0112 no such instance,
     * 0x0110 + 0xA710 final step, 0x0106...). */
    int (*n_create)(void *ud, const dcm_mpps_request *rq, dcm_status *st);
    int (*n_set)(void *ud, const dcm_mpps_request *rq, dcm_status *st);
    void *ud;
    const char *uid_root;           /* for instances the SCU leaves to us (N-CREATE without UID) */
} dcm_mpps_scp_config;
dcm_service dcm_mpps_service(const dcm_mpps_scp_config *cfg);

#endif
