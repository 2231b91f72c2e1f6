/* exporter.c - RFC 5705 section 4 without context: PRF(master_secret, label,
 * client_random || server_random), through the backend's PRF. */
#include "exporter.h"

#include <string.h>

int kx_export(const struct kx_backend *backend, enum kx_hash hash, const uint8_t master_secret[KX_MASTER_SECRET_LEN],
	      const uint8_t client_random[KX_RANDOM_LEN], const uint8_t server_random[KX_RANDOM_LEN],
	      const char *label, uint8_t *out, size_t out_len, char *err, size_t errlen)
{
	uint8_t seed[2 * KX_RANDOM_LEN];
	memcpy(seed, client_random, KX_RANDOM_LEN);
	memcpy(seed + KX_RANDOM_LEN, server_random, KX_RANDOM_LEN);
	return backend->tls12_prf(hash, master_secret, KX_MASTER_SECRET_LEN, label, seed, sizeof seed, out, out_len,
				  err, errlen);
}
