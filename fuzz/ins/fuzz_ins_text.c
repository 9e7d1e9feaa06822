/* libFuzzer harness: name folding, search normalisation, matricule parsing on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ins/ins.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char out[INS_NAME_MAX + 1];
    ins_name_to_rniv(s, out, sizeof out);
    ins_search_normalize(s, out, sizeof out);
    ins_name_conforms(s);
    ins_matricule m;
    ins_matricule_parse(s, &m);
    ins_traits t;
    memset(&t, 0, sizeof t);
    strncpy(t.birth_name, s, INS_NAME_MAX);
    strncpy(t.birth_given_names, s, INS_NAME_MAX);
    strcpy(t.birth_date, "2000-01-01");
    ins_search_keys k;
    ins_search_keys_build(&t, &k);
    ins_prior_query q;
    memset(&q, 0, sizeof q);
    strcpy(q.birth_date, "2000-01-01");
    strncpy(q.given_prefix, s, INS_NAME_MAX);
    ins_prior_match(&q, &t);
    ins_first_given_name_coherent(s, t.birth_given_names);
    free(s);
    return 0;
}
