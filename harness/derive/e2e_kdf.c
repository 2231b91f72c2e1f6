/* e2e_kdf.c - the end-to-end key derivation of TS-0003 10.3.6 and 10.3.6.1,
 * computed through a backend's HMAC. It follows the clause as written (spec
 * README point 2): each block chains its own label, which is not RFC 5869
 * HKDF-Expand with one info string. The mistakes are the judge's
 * (harness/runner/judge/judge_models.c). */
#include "e2e_kdf.h"

#include <stdlib.h>
#include <string.h>

const char *const kx_e2e_labels[KX_E2E_KEYS] = {
	"E2E Message Authentication Key",
	"E2E Message Confidentiality Key",
	"E2E Attribute Authenticity Key",
	"E2E Attribute Confidentiality Key",
};

/* Longest HMAC message of the expansion: T(i-1) || label || counter. */
#define BLOCK_INPUT_MAX (KX_HASH_MAX_LEN + 64 + 1)

int kx_e2e_derive(const struct kx_backend *backend, enum kx_hash hash, const uint8_t *kpsa, size_t kpsa_len,
		  const uint8_t *salt, size_t salt_len, struct kx_e2e_keys *keys, char *err, size_t errlen)
{
	memset(keys, 0, sizeof *keys);
	keys->len = kx_hash_len(hash);
	/* RFC 5869 extract: the salt is the HMAC key (spec point 3). */
	if (backend->hmac(hash, salt, salt_len, kpsa, kpsa_len, keys->master, err, errlen) != 0)
		return -1;
	/* T(i) = HMAC(master, T(i-1) || label_i || i). */
	for (int i = 0; i < KX_E2E_KEYS; i++) {
		uint8_t input[BLOCK_INPUT_MAX];
		size_t n = 0;
		if (i > 0) {
			memcpy(input, keys->t[i - 1], keys->len);
			n = keys->len;
		}
		size_t label_len = strlen(kx_e2e_labels[i]);
		memcpy(input + n, kx_e2e_labels[i], label_len);
		n += label_len;
		input[n++] = (uint8_t)(i + 1);
		if (backend->hmac(hash, keys->master, keys->len, input, n, keys->t[i], err, errlen) != 0)
			return -1;
	}
	return 0;
}
