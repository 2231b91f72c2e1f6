/* exporter.c - RFC 5705 section 4 without context: PRF(master_secret, label,
 * client_random || server_random), through the backend's PRF. */
#include "exporter.h"

#include <string.h>

int kx_exporter_variant_from_name(const char *name, enum kx_exporter_variant *variant)
{
	if (strcmp(name, "reference") == 0)
		*variant = KX_EXPORTER_REFERENCE;
	else if (strcmp(name, "randoms-swapped") == 0)
		*variant = KX_EXPORTER_RANDOMS_SWAPPED;
	else
		return -1;
	return 0;
}

int kx_export(const struct kx_backend *backend, enum kx_hash hash, const uint8_t master_secret[KX_MASTER_SECRET_LEN],
	      const uint8_t client_random[KX_RANDOM_LEN], const uint8_t server_random[KX_RANDOM_LEN],
	      const char *label, enum kx_exporter_variant variant, uint8_t *out, size_t out_len, char *err,
	      size_t errlen)
{
	uint8_t seed[2 * KX_RANDOM_LEN];
	const uint8_t *first = variant == KX_EXPORTER_RANDOMS_SWAPPED ? server_random : client_random;
	const uint8_t *second = variant == KX_EXPORTER_RANDOMS_SWAPPED ? client_random : server_random;
	memcpy(seed, first, KX_RANDOM_LEN);
	memcpy(seed + KX_RANDOM_LEN, second, KX_RANDOM_LEN);
	return backend->tls12_prf(hash, master_secret, KX_MASTER_SECRET_LEN, label, seed, sizeof seed, out, out_len,
				  err, errlen);
}
