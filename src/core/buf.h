/* Growable byte buffer, always NUL-terminated so it can be used as a C string. */
#ifndef COULOIR_CORE_BUF_H
#define COULOIR_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data;   /* NULL until the first append; NUL-terminated afterwards */
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT {NULL, 0, 0}

/* All append functions return 0, or -1 when memory is exhausted (the buffer is unchanged). */
int buf_reserve(buf_t *b, size_t extra);
int buf_append(buf_t *b, const void *data, size_t n);
int buf_puts(buf_t *b, const char *s);
int buf_putc(buf_t *b, char c);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf_t *b, const char *fmt, va_list ap);
void buf_reset(buf_t *b);            /* len = 0, keeps memory */
void buf_free(buf_t *b);             /* frees memory, back to BUF_INIT */
char *buf_steal(buf_t *b);           /* returns data (never NULL: "" when empty), buffer reset */
const char *buf_cstr(const buf_t *b); /* "" when empty */

#endif
