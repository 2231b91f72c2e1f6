/* hash.h - the hash functions the oneM2M derivations use, by name. */
#ifndef KX_HASH_H
#define KX_HASH_H

#include <stddef.h>

enum kx_hash { KX_SHA256, KX_SHA384, KX_SHA512 };

#define KX_HASH_MAX_LEN 64

/* Output length in bytes of a hash (32, 48, 64). */
size_t kx_hash_len(enum kx_hash hash);

/* Name as the vectors and the driver protocol spell it: "SHA-256", "SHA-384", "SHA-512". */
const char *kx_hash_name(enum kx_hash hash);

/* Looks a hash up by its name; returns 0 and sets *hash, or -1 if unknown. */
int kx_hash_from_name(const char *name, enum kx_hash *hash);

#endif
