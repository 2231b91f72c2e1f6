/* tls_suites.c - the cipher suites of the IANA TLS registry that the harness
 * knows, in one table (see tls_suites.h for what each column means). */
#include "core/tls_suites.h"

#include "core/hex.h"

#include <string.h>

#define NONE 0
#define CERT KX_CREDENTIAL_CERTIFICATE
#define PSK KX_CREDENTIAL_PSK
#define CERT_PSK (KX_CREDENTIAL_CERTIFICATE | KX_CREDENTIAL_PSK)

/* First the suites the scenarios ask for, in the order a driver's hello lists
 * them: the TS-0003 10.2.2 / 10.2.3 minimum suites (PSK and certificates,
 * each over TLS and DTLS), then those negative cases offer instead and the
 * SHA-384 suite of connection-sha384. Then the other TLS 1.2 suites whose
 * PRF is SHA-384 (RFC 5288, 5289, 5487, 5489, 8442), which a vendor's
 * end-point may negotiate in `live` and `verify`: every other TLS 1.2 suite a
 * oneM2M end-point can negotiate (CBC_SHA256, CCM, CCM_8, GCM_SHA256) has the
 * default SHA-256 PRF. Last the TLS 1.3 suites, named in reports of a peer
 * that went too far. */
static const struct kx_tls_suite suites[] = {
	/* id, IANA name, PRF hash, credentials, key exchange, DTLS, TLS 1.3, scenario */
	{0x00AE, "TLS_PSK_WITH_AES_128_CBC_SHA256", KX_SHA256, PSK, "PSK", 1, 0, 1},
	{0xC0A8, "TLS_PSK_WITH_AES_128_CCM_8", KX_SHA256, PSK, "PSK", 1, 0, 1},
	{0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", KX_SHA256, CERT, "ECDHE_ECDSA", 1, 0, 1},
	{0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", KX_SHA256, CERT, "ECDHE_ECDSA", 1, 0, 1},
	{0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", KX_SHA256, CERT, "ECDHE_ECDSA", 1, 0, 1},
	{0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256", KX_SHA256, PSK, "PSK", 1, 0, 1},
	{0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT, "ECDHE_ECDSA", 1, 0, 1},
	{0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384", KX_SHA384, PSK, "PSK", 1, 0, 1},
	{0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", KX_SHA256, CERT, "ECDHE_ECDSA", 1, 0, 1},
	{0x008C, "TLS_PSK_WITH_AES_128_CBC_SHA", KX_SHA256, PSK, "PSK", 1, 0, 1},

	{0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT, "RSA", 1, 0, 0},
	{0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT, "DHE_RSA", 1, 0, 0},
	{0x00A1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT, "DH_RSA", 1, 0, 0},
	{0x00A3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT, "DHE_DSS", 1, 0, 0},
	{0x00A5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT, "DH_DSS", 1, 0, 0},
	{0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384", KX_SHA384, NONE, "DH_anon", 1, 0, 0},
	{0x00AB, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", KX_SHA384, PSK, "DHE_PSK", 1, 0, 0},
	{0x00AD, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT_PSK, "RSA_PSK", 1, 0, 0},
	{0x00AF, "TLS_PSK_WITH_AES_256_CBC_SHA384", KX_SHA384, PSK, "PSK", 1, 0, 0},
	{0x00B1, "TLS_PSK_WITH_NULL_SHA384", KX_SHA384, PSK, "PSK", 1, 0, 0},
	{0x00B3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", KX_SHA384, PSK, "DHE_PSK", 1, 0, 0},
	{0x00B5, "TLS_DHE_PSK_WITH_NULL_SHA384", KX_SHA384, PSK, "DHE_PSK", 1, 0, 0},
	{0x00B7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384", KX_SHA384, CERT_PSK, "RSA_PSK", 1, 0, 0},
	{0x00B9, "TLS_RSA_PSK_WITH_NULL_SHA384", KX_SHA384, CERT_PSK, "RSA_PSK", 1, 0, 0},
	{0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", KX_SHA384, CERT, "ECDHE_ECDSA", 1, 0, 0},
	{0xC026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384", KX_SHA384, CERT, "ECDH_ECDSA", 1, 0, 0},
	{0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", KX_SHA384, CERT, "ECDHE_RSA", 1, 0, 0},
	{0xC02A, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384", KX_SHA384, CERT, "ECDH_RSA", 1, 0, 0},
	{0xC02E, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT, "ECDH_ECDSA", 1, 0, 0},
	{0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT, "ECDHE_RSA", 1, 0, 0},
	{0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384", KX_SHA384, CERT, "ECDH_RSA", 1, 0, 0},
	{0xC038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", KX_SHA384, PSK, "ECDHE_PSK", 1, 0, 0},
	{0xC03B, "TLS_ECDHE_PSK_WITH_NULL_SHA384", KX_SHA384, PSK, "ECDHE_PSK", 1, 0, 0},
	{0xD002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384", KX_SHA384, PSK, "ECDHE_PSK", 1, 0, 0},

	{0x1301, "TLS_AES_128_GCM_SHA256", KX_SHA256, NONE, "", 0, 1, 0},
	{0x1302, "TLS_AES_256_GCM_SHA384", KX_SHA384, NONE, "", 0, 1, 0},
	{0x1303, "TLS_CHACHA20_POLY1305_SHA256", KX_SHA256, NONE, "", 0, 1, 0},
};

const struct kx_tls_suite *kx_tls_suite(uint16_t id)
{
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

const struct kx_tls_suite *kx_tls12_suite(uint16_t id, int dtls)
{
	const struct kx_tls_suite *s = kx_tls_suite(id);
	return s != NULL && !s->tls13 && (!dtls || s->dtls) ? s : NULL;
}

const struct kx_tls_suite *kx_tls_suite_at(size_t i)
{
	return i < sizeof suites / sizeof suites[0] ? &suites[i] : NULL;
}

const char *kx_suite_iana_name(uint16_t suite)
{
	const struct kx_tls_suite *s = kx_tls_suite(suite);
	return s != NULL ? s->iana_name : NULL;
}

const char *kx_suite_prf_hash_name(uint16_t suite)
{
	const struct kx_tls_suite *s = kx_tls12_suite(suite, 0);
	return kx_hash_name(s != NULL ? s->prf_hash : KX_SHA256);
}

int kx_suite_from_text(const char *text, uint16_t *suite)
{
	uint8_t bytes[2];
	size_t len = 0;
	if (text == NULL || strncmp(text, "0x", 2) != 0 || strlen(text) != 6 ||
	    kx_hex_decode(text + 2, 4, bytes, sizeof bytes, &len) != 0)
		return -1;
	*suite = (uint16_t)(bytes[0] << 8 | bytes[1]);
	return 0;
}
