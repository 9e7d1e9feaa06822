#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static _Atomic int log_threshold = LOG_INFO;

void log_set_level(log_level level) { atomic_store(&log_threshold, (int)level); }
log_level log_get_level(void) { return (log_level)atomic_load(&log_threshold); }

int log_level_parse(const char *name)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (name && strcasecmp(name, names[i]) == 0) return i;
    return -1;
}

const char *log_quote(const char *value, char *out, size_t n)
{
    if (n == 0) return out;
    if (!value) value = "";
    int needs = value[0] == '\0';
    for (const char *p = value; *p && !needs; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '=' || *p == '\\') needs = 1;
    size_t o = 0;
    if (!needs) {
        snprintf(out, n, "%s", value);
        return out;
    }
    if (o + 1 < n) out[o++] = '"';
    for (const char *p = value; *p && o + 3 < n; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
        else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
        else if (c < ' ') out[o++] = '?';
        else out[o++] = (char)c;
    }
    if (o + 1 < n) out[o++] = '"';
    out[o < n ? o : n - 1] = '\0';
    return out;
}

void log_emit(log_level level, const char *module, const char *msg, const char *kv_fmt, ...)
{
    if ((int)level < atomic_load(&log_threshold)) return;
    static const char *const names[] = {"debug", "info", "warn", "error"};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char line[4096];
    char quoted[1024];
    int len = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s module=%s msg=%s",
                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                       ts.tv_nsec / 1000000L, names[level & 3], module ? module : "-",
                       log_quote(msg, quoted, sizeof quoted));
    if (len < 0) return;
    if ((size_t)len >= sizeof line) len = sizeof line - 1;
    if (kv_fmt && kv_fmt[0] && (size_t)len + 2 < sizeof line) {
        line[len++] = ' ';
        va_list ap;
        va_start(ap, kv_fmt);
        int more = vsnprintf(line + len, sizeof line - (size_t)len, kv_fmt, ap);
        va_end(ap);
        if (more > 0) len += more;
        if ((size_t)len >= sizeof line) len = sizeof line - 1;
    }
    line[len] = '\0';
    /* One fputs of a whole line: concurrent threads never interleave within a line. */
    flockfile(stderr);
    fputs(line, stderr);
    fputc('\n', stderr);
    funlockfile(stderr);
}
