/* backend.h - what a TLS backend provides to the harness.
 *
 * One implementation per library (backends/openssl.c, backends/wolfssl.c),
 * each the only file that includes its library's headers. A program links
 * exactly one backend and reaches it through kx_backend(). Everything here is
 * plain bytes in, bytes out, so derivations (derive/) and the driver stay
 * backend-neutral. Functions return 0 on success and -1 on failure, with the
 * library's own error text in err (capacity errlen) when it gives one. */
#ifndef KX_BACKEND_H
#define KX_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"

struct kx_backend {
	const char *name; /* "openssl", "wolfssl" */

	/* The library's own version text, e.g. "OpenSSL 3.0.19 ...". */
	const char *(*library_version)(void);

	/* out (kx_hash_len(hash) bytes) = HMAC-Hash(key, msg). */
	int (*hmac)(enum kx_hash hash, const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
		    uint8_t *out, char *err, size_t errlen);

	/* out (out_len bytes) = TLS 1.2 PRF (RFC 5246 section 5) with P_hash over SHA-256 or SHA-384. */
	int (*tls12_prf)(enum kx_hash hash, const uint8_t *secret, size_t secret_len, const char *label,
			 const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len, char *err,
			 size_t errlen);

	/* prk (kx_hash_len(hash) bytes) = HKDF-Extract(salt, ikm) (RFC 5869 2.2). */
	int (*hkdf_extract)(enum kx_hash hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
			    size_t ikm_len, uint8_t *prk, char *err, size_t errlen);

	/* okm (okm_len bytes) = HKDF-Expand(prk, info, okm_len) (RFC 5869 2.3). */
	int (*hkdf_expand)(enum kx_hash hash, const uint8_t *prk, size_t prk_len, const uint8_t *info,
			   size_t info_len, uint8_t *okm, size_t okm_len, char *err, size_t errlen);

	/* Returns 1 if the library, as built, can negotiate the IANA cipher suite
	 * over TLS 1.2 (dtls = 0) or DTLS 1.2 (dtls = 1), 0 if not. */
	int (*suite_available)(uint16_t iana_id, int dtls);
};

/* The backend this program was linked with. */
const struct kx_backend *kx_backend(void);

#endif
