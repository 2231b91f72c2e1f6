/* e2e_kdf.h - TS-0003 10.3.6 / 10.3.6.1: Ke2e_master = HMAC-Hash(Salt, Kpsa),
 * then T(1)..T(4) as clause 10.3.6.1 writes them. */
#ifndef KX_E2E_KDF_H
#define KX_E2E_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define KX_E2E_KEYS 4

/* The four per-key labels of clause 10.3.6.1, in order T(1)..T(4). */
extern const char *const kx_e2e_labels[KX_E2E_KEYS];

struct kx_e2e_keys {
	size_t len;                               /* the hash length: every key has it */
	uint8_t master[KX_HASH_MAX_LEN];          /* Ke2e_master */
	uint8_t t[KX_E2E_KEYS][KX_HASH_MAX_LEN]; /* Ke2e_msg_auth, _msg_conf, _att_auth, _att_conf */
};

/* Derives Ke2e_master and T(1)..T(4) with the backend's HMAC; returns 0, or -1 with err. */
int kx_e2e_derive(const struct kx_backend *backend, enum kx_hash hash, const uint8_t *kpsa, size_t kpsa_len,
		  const uint8_t *salt, size_t salt_len, struct kx_e2e_keys *keys, char *err, size_t errlen);

#endif
