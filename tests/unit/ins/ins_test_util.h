/* Helpers shared by the ins unit tests. */
#ifndef COULOIR_TESTS_INS_UTIL_H
#define COULOIR_TESTS_INS_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ins/ins.h"

static inline ins_traits test_traits(void)
{
    ins_traits t;
    memset(&t, 0, sizeof t);
    strcpy(t.birth_name, "ECETINSI");
    strcpy(t.first_given_name, "PIERRE-ALAIN");
    strcpy(t.birth_given_names, "PIERRE-ALAIN MURIEL FLORIANT");
    strcpy(t.birth_date, "2009-07-14");
    strcpy(t.sex, "M");
    strcpy(t.birth_place, "63220");
    return t;
}

static inline ins_actor test_actor(void)
{
    return (ins_actor){"secretaire.dupont", 1795000000};
}

static inline insi_result test_result(void)
{
    insi_result r;
    memset(&r, 0, sizeof r);
    strcpy(r.code, "00");
    strcpy(r.label, "OK");
    r.has_individual = true;
    strcpy(r.active.number, "1090763220834");
    strcpy(r.active.key, "89");
    strcpy(r.active.oid, INS_OID_NIR);
    strcpy(r.birth_name, "ECETINSI");
    strcpy(r.given_names, "PIERRE-ALAIN MURIEL FLORIANT");
    strcpy(r.sex, "M");
    strcpy(r.birth_date, "2009-07-14");
    strcpy(r.birth_place, "63220");
    return r;
}

/* Reads a whole file into a malloc'ed NUL-terminated buffer (NULL when absent). */
static inline char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    if (data) {
        data[n] = '\0';
        if (len) *len = (size_t)n;
    }
    return data;
}

#endif
