/* libFuzzer harness for the report template JSON parser (report_template_from_json), the input
 * admins send to PUT /api/v1/report-templates. Any input must give a template or a French
 * error, never a crash; an accepted template must serialise and parse back to the same JSON
 * (the API stores the canonical form and sends it back). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    rtpl_template t;
    char err[256];
    if (report_template_from_json(text, &t, err, sizeof err) == 0) {
        char *once = report_template_to_json(&t, err, sizeof err);
        if (!once) abort(); /* an accepted template always serialises */
        rtpl_template again;
        if (report_template_from_json(once, &again, err, sizeof err) != 0) abort();
        char *twice = report_template_to_json(&again, err, sizeof err);
        if (!twice || strcmp(once, twice) != 0) abort(); /* canonical form is a fixed point */
        free(twice);
        free(once);
    } else if (err[0] == '\0') {
        abort(); /* a refusal always says why */
    }
    free(text);
    return 0;
}
