/* fqdn.h - validation of the domain name after '@' in a key identifier. */
#ifndef KX_FQDN_H
#define KX_FQDN_H

#include <stddef.h>

#define KX_FQDN_MAX 253

/* Returns 1 if the len bytes at s form a valid FQDN as docs/vectors.md defines it
 * (1..253 chars, >= 2 labels of 1..63 [A-Za-z0-9-] not starting/ending with '-',
 * last label not all digits, no trailing dot), else 0. */
int kx_fqdn_valid(const char *s, size_t len);

#endif
