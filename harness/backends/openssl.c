/* openssl.c - the OpenSSL 3 backend: HMAC through EVP_MAC, the TLS 1.2 PRF
 * and HKDF through EVP_KDF ("TLS1-PRF", "HKDF"), and the suites the library
 * can negotiate. The only file of the harness that includes OpenSSL. */
#include "backend.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/ssl.h>

#include <stdio.h>
#include <string.h>

static const char *digest_name(enum kx_hash hash)
{
	switch (hash) {
	case KX_SHA256:
		return "SHA256";
	case KX_SHA384:
		return "SHA384";
	case KX_SHA512:
		return "SHA512";
	}
	return "";
}

/* Copies the oldest queued OpenSSL error, prefixed by what failed, into err. */
static int fail(const char *what, char *err, size_t errlen)
{
	char text[256] = "no error queued";
	unsigned long code = ERR_get_error();
	if (code != 0)
		ERR_error_string_n(code, text, sizeof text);
	ERR_clear_error();
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, text);
	return -1;
}

static const char *openssl_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

static int openssl_hmac(enum kx_hash hash, const uint8_t *key, size_t key_len, const uint8_t *msg,
			size_t msg_len, uint8_t *out, char *err, size_t errlen)
{
	/* EVP_MAC rejects a NULL key even when its length is 0; RFC 2104 allows an empty key. */
	static const uint8_t empty[1];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest_name(hash), 0),
		OSSL_PARAM_construct_end(),
	};
	size_t out_len = 0;
	int ok = ctx != NULL && EVP_MAC_init(ctx, key_len ? key : empty, key_len, params) == 1 &&
		 EVP_MAC_update(ctx, msg, msg_len) == 1 &&
		 EVP_MAC_final(ctx, out, &out_len, kx_hash_len(hash)) == 1 && out_len == kx_hash_len(hash);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : fail("EVP_MAC HMAC", err, errlen);
}

/* Runs one EVP_KDF with the given parameters into out. */
static int derive(const char *kdf_name, OSSL_PARAM *params, uint8_t *out, size_t out_len, char *err,
		  size_t errlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, kdf_name, NULL);
	EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	int ok = ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	if (!ok) {
		char what[64];
		snprintf(what, sizeof what, "EVP_KDF %s", kdf_name);
		return fail(what, err, errlen);
	}
	return 0;
}

static int openssl_tls12_prf(enum kx_hash hash, const uint8_t *secret, size_t secret_len, const char *label,
			     const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len, char *err,
			     size_t errlen)
{
	/* TLS1-PRF takes the label and the seed as consecutive seed parameters. */
	static const uint8_t empty[1];
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest_name(hash), 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)(secret_len ? secret : empty),
						  secret_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)(seed_len ? seed : empty),
						  seed_len),
		OSSL_PARAM_construct_end(),
	};
	return derive("TLS1-PRF", params, out, out_len, err, errlen);
}

static int openssl_hkdf_extract(enum kx_hash hash, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
				size_t ikm_len, uint8_t *prk, char *err, size_t errlen)
{
	static const uint8_t empty[1];
	int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest_name(hash), 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(ikm_len ? ikm : empty), ikm_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(salt_len ? salt : empty),
						  salt_len),
		OSSL_PARAM_construct_end(),
	};
	return derive("HKDF", params, prk, kx_hash_len(hash), err, errlen);
}

static int openssl_hkdf_expand(enum kx_hash hash, const uint8_t *prk, size_t prk_len, const uint8_t *info,
			       size_t info_len, uint8_t *okm, size_t okm_len, char *err, size_t errlen)
{
	static const uint8_t empty[1];
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest_name(hash), 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)prk, prk_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(info_len ? info : empty),
						  info_len),
		OSSL_PARAM_construct_end(),
	};
	return derive("HKDF", params, okm, okm_len, err, errlen);
}

/* OpenSSL's names for the suites the oneM2M scenarios use (TS-0003 10.2.2, 10.2.3). */
static const struct {
	uint16_t iana_id;
	const char *name;
} suite_names[] = {
	{0x00AE, "PSK-AES128-CBC-SHA256"},
	{0xC0A8, "PSK-AES128-CCM8"},
	{0xC023, "ECDHE-ECDSA-AES128-SHA256"},
	{0xC0AE, "ECDHE-ECDSA-AES128-CCM8"},
	{0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256"},
	{0x00A8, "PSK-AES128-GCM-SHA256"},
};

static int openssl_suite_available(uint16_t iana_id, int dtls)
{
	const char *name = NULL;
	for (size_t i = 0; i < sizeof suite_names / sizeof suite_names[0]; i++)
		if (suite_names[i].iana_id == iana_id)
			name = suite_names[i].name;
	if (name == NULL)
		return 0;
	SSL_CTX *ctx = SSL_CTX_new(dtls ? DTLS_method() : TLS_method());
	int available = 0;
	/* Pin the version so that a suite only usable below (D)TLS 1.2 is not counted. */
	if (ctx != NULL && SSL_CTX_set_min_proto_version(ctx, dtls ? DTLS1_2_VERSION : TLS1_2_VERSION) == 1 &&
	    SSL_CTX_set_max_proto_version(ctx, dtls ? DTLS1_2_VERSION : TLS1_2_VERSION) == 1 &&
	    SSL_CTX_set_cipher_list(ctx, name) == 1) {
		/* The context's list, not SSL_get1_supported_ciphers: that one drops PSK
		 * suites while no PSK callback is set. */
		STACK_OF(SSL_CIPHER) *ciphers = SSL_CTX_get_ciphers(ctx);
		for (int i = 0; ciphers != NULL && i < sk_SSL_CIPHER_num(ciphers); i++)
			if (SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(ciphers, i)) == iana_id)
				available = 1;
	}
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return available;
}

static const struct kx_backend openssl_backend = {
	.name = "openssl",
	.library_version = openssl_version,
	.hmac = openssl_hmac,
	.tls12_prf = openssl_tls12_prf,
	.hkdf_extract = openssl_hkdf_extract,
	.hkdf_expand = openssl_hkdf_expand,
	.suite_available = openssl_suite_available,
};

const struct kx_backend *kx_backend(void)
{
	return &openssl_backend;
}
