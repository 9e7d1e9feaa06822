/* Prior-identity search (rule 17; RIS.INS.07, .08, .09, .10): birth date plus the first
 * characters of a name or a given name, insensitive to case, diacritics, apostrophes, hyphens
 * (single or double) and spaces, looking into every given-name field. */
#include "ins/ins_internal.h"

#include <stdio.h>
#include <string.h>

int ins_search_normalize(const char *in, char *out, size_t n)
{
    if (!out || n == 0) return -1;
    out[0] = '\0';
    if (!in) return 0;
    size_t len = 0;
    const char *p = in;
    while (*p) {
        long cp = ins_utf8_next(&p);
        char tmp[3];
        int k = 0;
        if (cp < 0) continue; /* malformed byte: ignored, as punctuation would be */
        if (cp < 0x80) {
            tmp[0] = (char)cp;
            k = 1;
        } else {
            k = ins_fold_codepoint(cp, tmp);
        }
        for (int i = 0; i < k; i++) {
            char c = tmp[i];
            if (c >= 'a' && c <= 'z') c = (char)(c - 32);
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) continue;
            if (len + 1 >= n) {
                out[0] = '\0';
                return -1;
            }
            out[len++] = c;
        }
    }
    out[len] = '\0';
    return 0;
}

int ins_prior_query_check(const ins_prior_query *q, char *err, size_t n)
{
    const char *msg = NULL;
    if (!q || ins_blank(q->birth_date)) msg = "la recherche d'antériorité exige la date de naissance";
    else if (!ins_date_valid(q->birth_date)) msg = "date de naissance invalide (AAAA-MM-JJ, date réelle)";
    if (msg) {
        if (err && n) ins_copy_trunc(err, n, msg);
        return -1;
    }
    return 0;
}

static bool has_prefix(const char *value, const char *norm_prefix)
{
    char v[INS_NAME_MAX * 2 + 1];
    if (ins_search_normalize(value, v, sizeof v) != 0) return false;
    return strncmp(v, norm_prefix, strlen(norm_prefix)) == 0;
}

/* True when the prefix starts the whole value or one of its space-separated words. */
static bool matches_any_word(const char *value, const char *norm_prefix)
{
    if (!value || !*value) return false;
    if (has_prefix(value, norm_prefix)) return true;
    const char *p = value;
    while (*p) {
        while (*p == ' ') p++;
        const char *end = p;
        while (*end && *end != ' ') end++;
        if (end > p) {
            char word[INS_NAME_MAX + 1];
            size_t len = (size_t)(end - p);
            if (len < sizeof word) {
                memcpy(word, p, len);
                word[len] = '\0';
                if (has_prefix(word, norm_prefix)) return true;
            }
        }
        p = end;
    }
    return false;
}

bool ins_prior_match(const ins_prior_query *q, const ins_traits *t)
{
    if (!q || !t || ins_prior_query_check(q, NULL, 0) != 0) return false;
    if (strcmp(q->birth_date, t->birth_date) != 0) return false;
    char np[INS_NAME_MAX + 1], gp[INS_NAME_MAX + 1];
    if (ins_search_normalize(q->name_prefix, np, sizeof np) != 0) return false;
    if (ins_search_normalize(q->given_prefix, gp, sizeof gp) != 0) return false;
    if (np[0] && !matches_any_word(t->birth_name, np) && !matches_any_word(t->used_name, np)) return false;
    if (gp[0] && !matches_any_word(t->first_given_name, gp) && !matches_any_word(t->birth_given_names, gp) &&
        !matches_any_word(t->used_given_name, gp))
        return false;
    return true;
}

static void add_key(char (*keys)[INS_NAME_MAX + 1], size_t *n, const char *value)
{
    char k[INS_NAME_MAX + 1];
    if (ins_search_normalize(value, k, sizeof k) != 0 || !k[0]) return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(keys[i], k) == 0) return;
    if (*n >= INS_MAX_SEARCH_KEYS) return;
    memcpy(keys[(*n)++], k, sizeof k);
}

static void add_words(char (*keys)[INS_NAME_MAX + 1], size_t *n, const char *value)
{
    add_key(keys, n, value);
    const char *p = value;
    while (p && *p) {
        while (*p == ' ') p++;
        const char *end = p;
        while (*end && *end != ' ') end++;
        char word[INS_NAME_MAX + 1];
        size_t len = (size_t)(end - p);
        if (len > 0 && len < sizeof word) {
            memcpy(word, p, len);
            word[len] = '\0';
            add_key(keys, n, word);
        }
        p = end;
    }
}

int ins_search_keys_build(const ins_traits *t, ins_search_keys *out)
{
    if (!t || !out) return -1;
    memset(out, 0, sizeof *out);
    add_words(out->names, &out->n_names, t->birth_name);
    add_words(out->names, &out->n_names, t->used_name);
    add_words(out->given, &out->n_given, t->first_given_name);
    add_words(out->given, &out->n_given, t->birth_given_names);
    add_words(out->given, &out->n_given, t->used_given_name);
    return 0;
}

int ins_search_matricule_check(const char *input, char out16[16], char *err, size_t n)
{
    ins_matricule m;
    ins_matricule_status st = ins_matricule_parse(input, &m);
    if (st != INS_MATRICULE_OK) {
        if (err && n) snprintf(err, n, "recherche par matricule INS impossible : %s", ins_matricule_message(st));
        return -1;
    }
    memcpy(out16, m.full, 16);
    return 0;
}
