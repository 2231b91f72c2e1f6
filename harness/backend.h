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
#include "session.h"

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

	/* Sessions: one end-point of one handshake over memory, the runner as the wire. */

	/* Creates an end-point; NULL with err when the configuration cannot be applied
	 * (a missing certificate file, an unknown suite). */
	struct kx_session *(*session_new)(const struct kx_endpoint_config *config, char *err, size_t errlen);

	/* Delivers the peer's chunks (none for a client's first step), advances the
	 * handshake as far as it goes, and appends what the library sends to out
	 * (one chunk per datagram for DTLS). On KX_STEP_FAILED, failure says why and
	 * out holds any alert the library sent. */
	enum kx_step_state (*session_step)(struct kx_session *session, const struct kx_chunks *in,
					   struct kx_chunks *out, struct kx_failure *failure);

	/* Fills info about the completed handshake; 0, or -1 with err. */
	int (*session_info)(struct kx_session *session, struct kx_session_info *info, char *err, size_t errlen);

	/* RFC 5705 export without context from the completed handshake; 0, or -1 with err. */
	int (*session_export)(struct kx_session *session, const char *label, uint8_t *out, size_t len, char *err,
			      size_t errlen);

	/* Encrypts application data into records appended to out; 0, or -1 with err. */
	int (*session_send)(struct kx_session *session, const uint8_t *data, size_t len, struct kx_chunks *out,
			    char *err, size_t errlen);

	/* Decrypts the application data in the peer's chunks into buf (capacity cap),
	 * setting *len; 0, or -1 with err. */
	int (*session_receive)(struct kx_session *session, const struct kx_chunks *in, uint8_t *buf, size_t cap,
			       size_t *len, char *err, size_t errlen);

	/* Releases the end-point. */
	void (*session_free)(struct kx_session *session);

	/* DTLS: fires the end-point's retransmission timer now, as if its deadline had passed (RFC
	 * 6347 4.2.4), appending what it retransmits to out (nothing when no timer runs, and for TLS);
	 * returns the state after it as session_step does. The timer never expires by itself: the
	 * runner's clock drives it. NULL in a backend that cannot fire it. */
	enum kx_step_state (*session_timeout)(struct kx_session *session, struct kx_chunks *out,
					      struct kx_failure *failure);
};

/* The backend this program was linked with. */
const struct kx_backend *kx_backend(void);

#endif
