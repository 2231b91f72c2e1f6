/* judge_crypto.h - the arithmetic of the mistake models: HMAC answered by a
 * reference driver (so every byte the judge compares comes from a reference
 * library), and the TLS 1.2 PRF and HKDF-Expand built on it in the runner,
 * where a model needs inputs no driver operation takes (a label with a NUL
 * byte, a seed with a context, a counter that does not count). */
#ifndef KX_JUDGE_CRYPTO_H
#define KX_JUDGE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "runner/drivers/driver_pool.h"

#define KX_JUDGE_HASH_MAX 64

/* One reference driver asked for HMACs; the first failure is kept in err. */
struct kx_judge_crypto {
	struct kx_driver_pool *pool;
	size_t driver;
	int failed;
	char err[512];
};

/* The output length of "SHA-256", "SHA-384" or "SHA-512"; 0 for another name. */
size_t kx_judge_hash_len(const char *hash);

/* The other PRF hash of TLS 1.2: "SHA-384" for "SHA-256", else "SHA-256". */
const char *kx_judge_other_prf_hash(const char *hash);

/* out = HMAC-hash(key, data) on the reference driver; returns the hash length, or -1 (err kept). */
int kx_judge_hmac(struct kx_judge_crypto *c, const char *hash, const uint8_t *key, size_t key_len,
                  const uint8_t *data, size_t data_len, uint8_t out[KX_JUDGE_HASH_MAX]);

/* out = TLS 1.2 PRF (RFC 5246 section 5) of secret over label || seed, out_len bytes; 0 or -1. */
int kx_judge_prf(struct kx_judge_crypto *c, const char *hash, const uint8_t *secret, size_t secret_len,
                 const uint8_t *label, size_t label_len, const uint8_t *seed, size_t seed_len, uint8_t *out,
                 size_t out_len);

/* out = HKDF-Expand (RFC 5869) of prk with info, out_len bytes (at most 255 blocks); 0 or -1. */
int kx_judge_hkdf_expand(struct kx_judge_crypto *c, const char *hash, const uint8_t *prk, size_t prk_len,
                         const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);

#endif
