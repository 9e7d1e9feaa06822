/* libFuzzer harness: HL7 parse (strict and lenient), accessors, dumps, builder, serialize/reparse,
 * ACK building from raw bytes. Invariant checked: what Couloir serializes, it parses again
 * with the same segments and fields. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7/hl7.h"

static void walk(const hl7_message *m)
{
    buf_t v = BUF_INIT;
    for (size_t s = 0; s < hl7_segment_count(m) && s < 20; s++) {
        const char *name = hl7_segment_name(m, s);
        size_t nf = hl7_field_count(m, s);
        for (size_t f = 1; f <= nf && f <= 30; f++) {
            char path[64];
            snprintf(path, sizeof path, "%s[%zu]-%zu", name, (size_t)1, f);
            int reps = hl7_rep_count(m, path);
            for (int r = 1; r <= reps && r <= 3; r++)
                for (int c = 1; c <= 3; c++) {
                    snprintf(path, sizeof path, "%s-%zu[%d].%d.1", name, f, r, c);
                    hl7_get(m, path, &v);
                }
        }
    }
    buf_free(&v);
}

/* Serializes and parses again: same segments and fields; when strict, our own output must
 * pass the strict parser, and `path` (if any) must read back as `want`. */
static void roundtrip(hl7_message *m, bool strict, const char *path, const char *want)
{
    buf_t out = BUF_INIT;
    hl7_error e;
    if (hl7_serialize(m, NULL, &out, &e) == HL7_OK) {
        hl7_parse_opts o = {"8859/1", strict};
        hl7_message *r = hl7_parse(out.data, out.len, &o, &e);
        if (!r) {
            fprintf(stderr, "reparse failed: %s\n", e.message);
            abort();
        }
        if (hl7_segment_count(r) != hl7_segment_count(m)) abort();
        for (size_t s = 0; s < hl7_segment_count(m); s++)
            if (hl7_field_count(r, s) != hl7_field_count(m, s)) abort();
        if (path) {
            buf_t v = BUF_INIT;
            if (hl7_get(r, path, &v) != HL7_OK || strcmp(v.data, want) != 0) {
                fprintf(stderr, "%s: got '%s'\n", path, v.data ? v.data : "");
                abort();
            }
            buf_free(&v);
        }
        hl7_message_free(r);
    }
    buf_reset(&out);
    hl7_serialize(m, "8859/15", &out, &e); /* may refuse characters: must not crash */
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    hl7_error e;
    hl7_message *m = hl7_parse(s, size, NULL, &e);
    if (m) {
        walk(m);
        buf_t dump = BUF_INIT;
        if (hl7_dump(m, HL7_DUMP_TEXT, &dump) != HL7_OK || hl7_dump(m, HL7_DUMP_JSON, &dump) != HL7_OK) abort();
        buf_free(&dump);
        hl7_ack_error ae = {.code = HL7_ERR_REQUIRED_FIELD, .text_fr = "Champ obligatoire absent : é"};
        hl7_path_parse("PID-3", &ae.location);
        hl7_message *a = hl7_ack_build(m, HL7_ACK_AE, &ae, NULL);
        if (!a) abort();
        roundtrip(a, true, "MSA-1", "AE");
        hl7_message_free(a);
        /* builder on parsed content: set a path taken from the input's tail */
        char path[24];
        size_t n = size < sizeof path - 1 ? size : sizeof path - 1;
        memcpy(path, s + size - n, n);
        path[n] = '\0';
        static const char value[] = "valeur|^~\\&é\n#.";
        hl7_loc loc;
        bool check = hl7_set(m, path, value) == HL7_OK && hl7_path_parse(path, &loc) == HL7_OK &&
                     memcmp(loc.seg, "MSH", 3) != 0 && !(memcmp(loc.seg, "PID", 3) == 0 && loc.field == 3);
        hl7_set(m, "PID-3[2].4.2", "1.2.250.1.213.1.4.8");
        roundtrip(m, true, check ? path : NULL, value);
        hl7_message_free(m);
    }
    hl7_parse_opts lenient = {"8859/15", false};
    m = hl7_parse(s, size, &lenient, &e);
    if (m) {
        walk(m);
        roundtrip(m, false, NULL, NULL);
        hl7_message_free(m);
    }
    hl7_message *a = hl7_ack_build_raw(s, size, HL7_ACK_AR, NULL, NULL);
    if (!a) abort();
    buf_t out = BUF_INIT;
    hl7_serialize(a, NULL, &out, NULL);
    buf_free(&out);
    hl7_message_free(a);
    /* escape/unescape round trip on raw bytes */
    buf_t esc = BUF_INIT, back = BUF_INIT;
    if (hl7_escape(NULL, s, size, &esc) == HL7_OK && hl7_unescape(NULL, esc.data, esc.len, &back) == HL7_OK) {
        /* CR and CRLF become LF: compare after that normalization */
        size_t j = 0;
        for (size_t i = 0; i < size; i++) {
            char c = s[i];
            if (c == '\r') {
                if (i + 1 < size && s[i + 1] == '\n') i++;
                c = '\n';
            }
            if (j >= back.len || back.data[j] != c) abort();
            j++;
        }
        if (j != back.len) abort();
    }
    buf_free(&esc);
    buf_free(&back);
    return 0;
}
