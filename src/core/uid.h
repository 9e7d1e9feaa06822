/* Identifiers Couloir mints under its own OID root (config: [identity] oid_root):
 * DICOM UIDs (Study Instance UID...), accession numbers, document ids. */
#ifndef COULOIR_CORE_UID_H
#define COULOIR_CORE_UID_H

#include <stdbool.h>
#include <stddef.h>

/* True when s is a valid DICOM UID: 1..64 chars, dot-separated numeric components,
 * no leading zero in a multi-digit component. */
bool uid_valid(const char *s);

/* root.<arc>.<unix-microseconds><4 random digits>, truncated never: returns -1 when the
 * result would exceed 64 characters or `out` is too small. arc may be NULL. */
int uid_generate(const char *root, const char *arc, char *out, size_t n);

#endif
