/* Cryptographically strong randomness (getrandom(2)). */
#ifndef COULOIR_CORE_RAND_H
#define COULOIR_CORE_RAND_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with n random bytes; returns 0 or -1. */
int rand_bytes(void *buf, size_t n);
/* Writes 2*nbytes lowercase hex characters + NUL into out (size >= 2*nbytes+1). */
int rand_hex(char *out, size_t nbytes);
uint64_t rand_u64(void);

#endif
