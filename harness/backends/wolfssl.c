/* wolfssl.c - the wolfSSL backend: HMAC, the TLS 1.2 PRF and HKDF from
 * wolfCrypt, and the suites the library (built by cmake/wolfssl.cmake with
 * PSK, DTLS and AES-CCM) can negotiate. The only file of the harness that
 * includes wolfSSL. */
#include "backend.h"

/* options.h records how the library was configured; it must come first. */
#include <wolfssl/options.h>

#include <wolfssl/ssl.h>
#include <wolfssl/version.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/kdf.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(NO_PSK) || !defined(WOLFSSL_STATIC_PSK) || !defined(WOLFSSL_DTLS) || !defined(HAVE_AESCCM) ||        \
	!defined(HAVE_HKDF) || !defined(HAVE_KEYING_MATERIAL)
#error "wolfSSL must be the harness's own build (cmake/wolfssl.cmake): PSK, static PSK, DTLS, AES-CCM, HKDF, exporter"
#endif

/* wolfCrypt's hash identifier for HMAC and HKDF. */
static int wc_type(enum kx_hash hash)
{
	switch (hash) {
	case KX_SHA256:
		return WC_SHA256;
	case KX_SHA384:
		return WC_SHA384;
	case KX_SHA512:
		return WC_SHA512;
	}
	return WC_HASH_TYPE_NONE;
}

/* wolfCrypt's MAC algorithm identifier for its PRF. */
static int prf_mac(enum kx_hash hash)
{
	switch (hash) {
	case KX_SHA256:
		return sha256_mac;
	case KX_SHA384:
		return sha384_mac;
	case KX_SHA512:
		return sha512_mac;
	}
	return no_mac;
}

static int fail(const char *what, int code, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s (%d)", what, wc_GetErrorString(code), code);
	return -1;
}

static const char *wolfssl_version(void)
{
	return "wolfSSL " LIBWOLFSSL_VERSION_STRING;
}

static int wolfssl_hmac(enum kx_hash hash, const uint8_t *key, size_t key_len, const uint8_t *msg,
			size_t msg_len, uint8_t *out, char *err, size_t errlen)
{
	Hmac hmac;
	int ret = wc_HmacInit(&hmac, NULL, INVALID_DEVID);
	if (ret != 0)
		return fail("wc_HmacInit", ret, err, errlen);
	ret = wc_HmacSetKey(&hmac, wc_type(hash), key, (word32)key_len);
	if (ret == 0)
		ret = wc_HmacUpdate(&hmac, msg, (word32)msg_len);
	if (ret == 0)
		ret = wc_HmacFinal(&hmac, out);
	wc_HmacFree(&hmac);
	return ret == 0 ? 0 : fail("wc_Hmac", ret, err, errlen);
}

static int wolfssl_tls12_prf(enum kx_hash hash, const uint8_t *secret, size_t secret_len, const char *label,
			     const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len, char *err,
			     size_t errlen)
{
	/* wc_PRF_TLS copies label || seed into a 128-byte stack buffer and refuses
	 * longer ones; it then calls wc_PRF, which has no such bound. Doing the
	 * concatenation here keeps the library's P_hash while lifting the bound. */
	size_t label_len = strlen(label);
	uint8_t *label_seed = malloc(label_len + seed_len + 1);
	if (label_seed == NULL)
		return fail("malloc", MEMORY_E, err, errlen);
	memcpy(label_seed, label, label_len);
	if (seed_len > 0)
		memcpy(label_seed + label_len, seed, seed_len);
	int ret = wc_PRF(out, (word32)out_len, secret, (word32)secret_len, label_seed, (word32)(label_len + seed_len),
			 prf_mac(hash), NULL, INVALID_DEVID);
	free(label_seed);
	return ret == 0 ? 0 : fail("wc_PRF", ret, err, errlen);
}

static int wolfssl_hkdf_extract(enum kx_hash hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
				size_t ikm_len, uint8_t *prk, char *err, size_t errlen)
{
	int ret = wc_HKDF_Extract(wc_type(hash), salt, (word32)salt_len, ikm, (word32)ikm_len, prk);
	return ret == 0 ? 0 : fail("wc_HKDF_Extract", ret, err, errlen);
}

static int wolfssl_hkdf_expand(enum kx_hash hash, const uint8_t *prk, size_t prk_len, const uint8_t *info,
			       size_t info_len, uint8_t *okm, size_t okm_len, char *err, size_t errlen)
{
	int ret = wc_HKDF_Expand(wc_type(hash), prk, (word32)prk_len, info, (word32)info_len, okm, (word32)okm_len);
	return ret == 0 ? 0 : fail("wc_HKDF_Expand", ret, err, errlen);
}

/* wolfSSL's names for the suites the oneM2M scenarios use (TS-0003 10.2.2, 10.2.3). */
static const struct {
	uint16_t iana_id;
	const char *name;
} suite_names[] = {
	{0x00AE, "PSK-AES128-CBC-SHA256"},
	{0xC0A8, "PSK-AES128-CCM-8"},
	{0xC023, "ECDHE-ECDSA-AES128-SHA256"},
	{0xC0AE, "ECDHE-ECDSA-AES128-CCM-8"},
	{0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256"},
	{0x00A8, "PSK-AES128-GCM-SHA256"},
};

static int wolfssl_suite_available(uint16_t iana_id, int dtls)
{
	const char *name = NULL;
	for (size_t i = 0; i < sizeof suite_names / sizeof suite_names[0]; i++)
		if (suite_names[i].iana_id == iana_id)
			name = suite_names[i].name;
	if (name == NULL)
		return 0;
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(dtls ? wolfDTLSv1_2_client_method() : wolfTLSv1_2_client_method());
	if (ctx == NULL)
		return 0;
	/* With a single name, success means exactly that suite is compiled in. */
	int available = wolfSSL_CTX_set_cipher_list(ctx, name) == WOLFSSL_SUCCESS;
	wolfSSL_CTX_free(ctx);
	return available;
}

static const struct kx_backend wolfssl_backend = {
	.name = "wolfssl",
	.library_version = wolfssl_version,
	.hmac = wolfssl_hmac,
	.tls12_prf = wolfssl_tls12_prf,
	.hkdf_extract = wolfssl_hkdf_extract,
	.hkdf_expand = wolfssl_hkdf_expand,
	.suite_available = wolfssl_suite_available,
};

const struct kx_backend *kx_backend(void)
{
	return &wolfssl_backend;
}
