/* Small helpers shared by the ins rule files. */
#include "ins/ins_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

int ins_copy(char *dst, size_t n, const char *src)
{
    if (!src) src = "";
    size_t len = strlen(src);
    if (len >= n) {
        if (n) dst[0] = '\0';
        return -1;
    }
    memcpy(dst, src, len + 1);
    return 0;
}

void ins_copy_trunc(char *dst, size_t n, const char *src)
{
    if (!n) return;
    if (!src) src = "";
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
        /* do not cut a UTF-8 sequence in half */
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80) len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

void ins_problem_add(ins_problems *p, unsigned trait, const char *requirement, bool warning,
                     const char *fmt, ...)
{
    if (!p) return;
    if (p->n >= INS_MAX_PROBLEMS) {
        p->dropped++;
        return;
    }
    ins_problem *it = &p->items[p->n++];
    it->trait = trait;
    it->requirement = requirement;
    it->warning = warning;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof it->message, fmt, ap);
    va_end(ap);
}

size_t ins_problems_blocking(const ins_problems *p)
{
    if (!p) return 0;
    size_t n = p->dropped;
    for (size_t i = 0; i < p->n; i++)
        if (!p->items[i].warning) n++;
    return n;
}

void ins_history_add(ins_history *h, const ins_actor *who, ins_history_kind kind, const char *field,
                     const char *old_value, const char *new_value, const char *reason)
{
    if (!h) return;
    if (h->n >= INS_MAX_HISTORY) {
        h->dropped++;
        return;
    }
    ins_history_entry *e = &h->entries[h->n++];
    memset(e, 0, sizeof *e);
    e->at = who ? who->now : 0;
    ins_copy_trunc(e->actor, sizeof e->actor, who && who->actor ? who->actor : "?");
    e->kind = kind;
    ins_copy_trunc(e->field, sizeof e->field, field);
    ins_copy_trunc(e->old_value, sizeof e->old_value, old_value);
    ins_copy_trunc(e->new_value, sizeof e->new_value, new_value);
    ins_copy_trunc(e->reason, sizeof e->reason, reason);
}

bool ins_blank(const char *s)
{
    if (!s) return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t') return false;
    return true;
}

bool ins_date_valid(const char *s)
{
    int64_t days;
    return s && time_parse_date(s, &days) == 0;
}
