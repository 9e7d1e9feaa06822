/* libFuzzer harness: INSi SOAP response parser and the acceptance rules behind it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ins/ins.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    insi_response r;
    char err[200];
    if (insi_response_parse((const char *)data, size, &r, err, sizeof err) != 0) return 0;
    if (r.kind == INSI_RESPONSE_FAULT) {
        char msg[512];
        insi_fault_message(&r.fault, msg, sizeof msg);
        return 0;
    }
    ins_policy p;
    ins_policy_defaults(&p);
    ins_problems pb;
    insi_result_check(&p, &r.result, &pb);
    ins_identity id;
    memset(&id, 0, sizeof id);
    ins_actor a = {"fuzz", 0};
    ins_history h = {0};
    ins_apply_insi_result(&p, &id, &r.result, &a, &h, &pb);
    return 0;
}
