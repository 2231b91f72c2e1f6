/* tls_suites.h - the one table of TLS cipher suites the harness knows: for
 * each IANA id its name, the hash of its PRF, what the end-points
 * authenticate with, its key exchange and whether DTLS 1.2 allows it. The
 * backends map ids to their library's own names and read everything else
 * here; the driver's hello, the judge's PRF hash and the reports' names come
 * from here too. */
#ifndef KX_TLS_SUITES_H
#define KX_TLS_SUITES_H

#include "core/hash.h"

#include <stddef.h>
#include <stdint.h>

/* What the end-points authenticate with, as bits: RSA_PSK suites use both,
 * DH_anon none, and a TLS 1.3 suite leaves it to the handshake (none). */
enum kx_suite_credential { KX_CREDENTIAL_CERTIFICATE = 1, KX_CREDENTIAL_PSK = 2 };

struct kx_tls_suite {
	uint16_t id;             /* 0x00AE */
	const char *iana_name;   /* "TLS_PSK_WITH_AES_128_CBC_SHA256" */
	enum kx_hash prf_hash;   /* TLS 1.2: the PRF's hash (and so the exporter's); TLS 1.3: HKDF's */
	unsigned credentials;    /* enum kx_suite_credential bits */
	const char *key_exchange; /* as the IANA name spells it ("PSK", "ECDHE_ECDSA"); "" for TLS 1.3 */
	int dtls;                /* DTLS 1.2 allows it: every TLS 1.2 suite here (RFC 6347 bars only RC4) */
	int tls13;               /* a TLS 1.3 suite: not one a (D)TLS 1.2 handshake can negotiate */
	int scenario;            /* the scenarios may ask for it: a hello lists it when the library has it */
};

/* The row of a suite, or NULL when the table does not hold it. */
const struct kx_tls_suite *kx_tls_suite(uint16_t id);

/* The row of a suite a TLS 1.2 (dtls = 0) or DTLS 1.2 (dtls = 1) handshake can negotiate, or NULL. */
const struct kx_tls_suite *kx_tls12_suite(uint16_t id, int dtls);

/* The i-th row (0-based; the scenarios' suites first, in their hello order), or NULL past the end. */
const struct kx_tls_suite *kx_tls_suite_at(size_t i);

/* The IANA name of a suite ("TLS_PSK_WITH_AES_128_CBC_SHA256"), or NULL when the table does not hold it. */
const char *kx_suite_iana_name(uint16_t suite);

/* The name of the hash of a TLS 1.2 suite's PRF, "SHA-256" or "SHA-384"; SHA-256 for any other
 * suite, the TLS 1.2 default (RFC 5246 section 5). */
const char *kx_suite_prf_hash_name(uint16_t suite);

/* Parses "0x00AE" (either case) into *suite; 0, or -1 if malformed. */
int kx_suite_from_text(const char *text, uint16_t *suite);

#endif
