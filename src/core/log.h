/* Structured logging to stderr: one line per event,
 *   2026-11-22T08:30:00.123Z level=info module=http msg="request served" status=200 path=/api/v1/patients
 * Callers pass key=value pairs already formatted in the message tail (log_kv helpers below
 * quote values that need it). Secrets must never be passed to these functions. */
#ifndef COULOIR_CORE_LOG_H
#define COULOIR_CORE_LOG_H

#include <stddef.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level;

/* Process-wide threshold (the only process-wide logging state; default LOG_INFO). */
void log_set_level(log_level level);
log_level log_get_level(void);
/* Parses "debug", "info", "warn", "error"; returns -1 when unknown. */
int log_level_parse(const char *name);

/* log_emit(LOG_INFO, "http", "request served", "status=%d path=%s", 200, path)
 * The message is quoted; the printf-formatted tail holds key=value pairs. */
void log_emit(log_level level, const char *module, const char *msg, const char *kv_fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define LOG_DEBUGF(mod, msg, ...) log_emit(LOG_DEBUG, mod, msg, __VA_ARGS__)
#define LOG_INFOF(mod, msg, ...) log_emit(LOG_INFO, mod, msg, __VA_ARGS__)
#define LOG_WARNF(mod, msg, ...) log_emit(LOG_WARN, mod, msg, __VA_ARGS__)
#define LOG_ERRORF(mod, msg, ...) log_emit(LOG_ERROR, mod, msg, __VA_ARGS__)

/* Copies `value` into `out` (size n) as a log-safe token: quoted and escaped when it holds
 * spaces, quotes, '=' or control characters. Returns out. */
const char *log_quote(const char *value, char *out, size_t n);

#endif
