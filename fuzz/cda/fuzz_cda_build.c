/* libFuzzer harness for the CDA builders: arbitrary bytes go into the free-text and name
 * fields of a valid report (fields separated by 0x1F). Each build must either refuse the
 * input with a message or produce a document libxml2 parses back (well-formed, UTF-8). */
#include "cda/cda.h"

#include "../../tests/unit/cda/cda_fixture.h"

#include <libxml/parser.h>
#include <stdint.h>

#define NFIELDS 7

static void check_wellformed(const char *xml, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "fuzz.xml", "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) abort();
    xmlFreeDoc(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *field[NFIELDS] = {0};
    size_t nf = 0;
    char *p = copy;
    while (nf < NFIELDS) {
        field[nf++] = p;
        char *sep = strchr(p, 0x1f);
        if (!sep) break;
        *sep = '\0';
        p = sep + 1;
    }

    cda_report r;
    fixture_ids ids;
    fixture_report(&r, &ids, size % FIXTURE_NEXAMS, (unsigned)size, (int)(size & 1));
    if (field[0]) r.patient.birth_family = field[0];
    if (field[1]) r.patient.birth_given = field[1];
    if (field[2]) r.text.indication = field[2];
    if (field[3]) r.text.findings = field[3];
    if (field[4]) r.text.conclusion = field[4];
    if (field[5]) ids.exams[0].image_link = field[5];
    if (field[6]) r.requester.mssante = field[6];

    char *xml = NULL, err[256];
    size_t len = 0;
    if (cda_build_n3(&r, &xml, &len, err, sizeof err) == 0) {
        check_wellformed(xml, len);
        free(xml);
        size_t plen = 0;
        unsigned char *pdf = fixture_pdf(&plen);
        if (pdf && cda_build_n1(&r, pdf, plen, &xml, &len, err, sizeof err) == 0) {
            check_wellformed(xml, len);
            free(xml);
        }
        free(pdf);
    } else if (err[0] == '\0') {
        abort(); /* a refusal must say why */
    }
    free(copy);
    return 0;
}
