/* Loading the stand-in's test identities (tab-separated file, see identities.tsv). */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int field(char *dst, size_t n, const char *src)
{
    if (strcmp(src, "-") == 0) src = "";
    if (strlen(src) >= n) return -1;
    strcpy(dst, src);
    return 0;
}

int sim_identities_load(const char *path, sim_identities *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    char line[2048];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        char *cols[11];
        int n = 0;
        char *save = NULL;
        for (char *tok = strtok_r(line, "\t", &save); tok && n < 11; tok = strtok_r(NULL, "\t", &save)) cols[n++] = tok;
        sim_identity id;
        memset(&id, 0, sizeof id);
        if (n != 11 || field(id.number, sizeof id.number, cols[0]) || field(id.key, sizeof id.key, cols[1]) ||
            field(id.oid, sizeof id.oid, cols[2]) || field(id.birth_name, sizeof id.birth_name, cols[3]) ||
            field(id.given_names, sizeof id.given_names, cols[4]) || field(id.sex, sizeof id.sex, cols[5]) ||
            field(id.birth_date, sizeof id.birth_date, cols[6]) || field(id.birth_place, sizeof id.birth_place, cols[7]) ||
            field(id.vitale, sizeof id.vitale, cols[8]) || field(id.rank, sizeof id.rank, cols[9])) {
            snprintf(err, errlen, "%s:%d: 11 tab-separated columns expected", path, lineno);
            fclose(f);
            sim_identities_free(out);
            return -1;
        }
        if (strcmp(cols[10], "-") != 0) {
            char *s2 = NULL;
            for (char *h = strtok_r(cols[10], ",", &s2); h; h = strtok_r(NULL, ",", &s2)) {
                if (id.n_history >= 8 || strlen(h) != 15) {
                    snprintf(err, errlen, "%s:%d: history: up to 8 INS of 15 characters", path, lineno);
                    fclose(f);
                    sim_identities_free(out);
                    return -1;
                }
                strcpy(id.history[id.n_history++], h);
            }
        }
        sim_identity *grown = realloc(out->items, (out->n + 1) * sizeof *grown);
        if (!grown) {
            snprintf(err, errlen, "out of memory");
            fclose(f);
            sim_identities_free(out);
            return -1;
        }
        out->items = grown;
        out->items[out->n++] = id;
    }
    fclose(f);
    return 0;
}

void sim_identities_free(sim_identities *ids)
{
    free(ids->items);
    ids->items = NULL;
    ids->n = 0;
}
