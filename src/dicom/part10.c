/* DICOM Part 10 files (PS3.10 7.1): preamble, "DICM", file meta group, data set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dicom/dicom_internal.h"

int dcm_part10_decode(const uint8_t *data, size_t len, dcm_dataset **meta, dcm_dataset **ds, char *err, size_t errlen)
{
    if (meta) *meta = NULL;
    *ds = NULL;
    if (len < 132 + 12 || memcmp(data + 128, "DICM", 4) != 0) {
        dcm_errf(err, errlen, "not a DICOM Part 10 file (no DICM prefix)");
        return -1;
    }
    const uint8_t *p = data + 132;
    size_t rest = len - 132;
    /* (0002,0000) UL 4 gives the length of the rest of the meta group */
    if (dcm_rd16le(p) != 0x0002 || dcm_rd16le(p + 2) != 0x0000 || p[4] != 'U' || p[5] != 'L' || dcm_rd16le(p + 6) != 4) {
        dcm_errf(err, errlen, "file meta information group length missing");
        return -1;
    }
    uint32_t glen = dcm_rd32le(p + 8);
    if (glen > rest - 12) {
        dcm_errf(err, errlen, "file meta information longer than the file");
        return -1;
    }
    dcm_dataset *m = NULL;
    char e2[160];
    if (dcm_decode(p + 12, glen, DCM_TS_EXPLICIT_LE, &m, e2, sizeof e2) != 0) {
        dcm_errf(err, errlen, "file meta information: %s", e2);
        return -1;
    }
    char tsuid[65];
    dcm_ts ts;
    if (dcm_get_string(m, DCM_TransferSyntaxUID, tsuid, sizeof tsuid) < 0) {
        dcm_dataset_free(m);
        dcm_errf(err, errlen, "file meta information without transfer syntax");
        return -1;
    }
    if (dcm_ts_from_uid(tsuid, &ts) != 0) {
        dcm_errf(err, errlen, "unsupported transfer syntax %s", tsuid);
        dcm_dataset_free(m);
        return -1;
    }
    size_t off = 132 + 12 + glen;
    if (dcm_decode(data + off, len - off, ts, ds, e2, sizeof e2) != 0) {
        dcm_errf(err, errlen, "%s", e2);
        dcm_dataset_free(m);
        return -1;
    }
    if (meta) *meta = m;
    else dcm_dataset_free(m);
    return 0;
}

int dcm_file_read(const char *path, dcm_dataset **meta, dcm_dataset **ds, char *err, size_t errlen)
{
    if (meta) *meta = NULL;
    *ds = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        dcm_errf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    buf_t b = BUF_INIT;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) != 0) { rc = -1; break; }
    if (ferror(f)) rc = -1;
    fclose(f);
    if (rc != 0) {
        dcm_errf(err, errlen, "%s: read error", path);
        buf_free(&b);
        return -1;
    }
    char e2[200];
    rc = dcm_part10_decode((const uint8_t *)b.data, b.len, meta, ds, e2, sizeof e2);
    if (rc != 0) dcm_errf(err, errlen, "%s: %s", path, e2);
    buf_free(&b);
    return rc;
}

int dcm_part10_encode(const dcm_dataset *ds, const char *sop_class_uid, const char *sop_instance_uid, dcm_ts ts,
                      buf_t *out)
{
    dcm_dataset *m = dcm_dataset_new();
    if (!m) return -1;
    static const uint8_t version[2] = {0x00, 0x01};
    int rc = dcm_set_bytes(m, DCM_FileMetaInformationVersion, DCM_VR('O', 'B'), version, 2) |
             dcm_set_string(m, DCM_MediaStorageSOPClassUID, sop_class_uid) |
             dcm_set_string(m, DCM_MediaStorageSOPInstanceUID, sop_instance_uid) |
             dcm_set_string(m, DCM_TransferSyntaxUID, dcm_ts_uid(ts)) |
             dcm_set_string(m, DCM_ImplementationClassUID, DCM_IMPL_CLASS_UID) |
             dcm_set_string(m, DCM_ImplementationVersionName, DCM_IMPL_VERSION);
    size_t mark = out->len;
    if (rc == 0) {
        uint8_t pre[132] = {0};
        memcpy(pre + 128, "DICM", 4);
        rc = buf_append(out, pre, sizeof pre);
    }
    size_t glen_at = 0;
    if (rc == 0) {
        uint8_t zero[4] = {0};
        rc = dcm_write_element(out, DCM_TS_EXPLICIT_LE, DCM_FileMetaInformationGroupLength, DCM_VR('U', 'L'), zero, 4);
        glen_at = out->len - 4;
    }
    if (rc == 0) rc = dcm_encode(m, DCM_TS_EXPLICIT_LE, out);
    if (rc == 0) dcm_wr32le((uint8_t *)out->data + glen_at, (uint32_t)(out->len - glen_at - 4));
    if (rc == 0) rc = dcm_encode(ds, ts, out);
    dcm_dataset_free(m);
    if (rc != 0) {
        out->len = mark;
        if (out->data) out->data[mark] = 0;
    }
    return rc;
}

int dcm_file_write(const char *path, const dcm_dataset *ds, const char *sop_class_uid, const char *sop_instance_uid,
                   dcm_ts ts, char *err, size_t errlen)
{
    buf_t b = BUF_INIT;
    if (dcm_part10_encode(ds, sop_class_uid, sop_instance_uid, ts, &b) != 0) {
        dcm_errf(err, errlen, "%s: cannot encode the data set", path);
        buf_free(&b);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        dcm_errf(err, errlen, "%s: %s", path, strerror(errno));
        buf_free(&b);
        return -1;
    }
    bool ok = fwrite(b.data, 1, b.len, f) == b.len;
    if (fclose(f) != 0) ok = false;
    buf_free(&b);
    if (!ok) {
        dcm_errf(err, errlen, "%s: write error", path);
        return -1;
    }
    return 0;
}
