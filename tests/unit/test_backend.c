/* test_backend.c - the backend contract, linked once per backend
 * (test_backend_openssl, test_backend_wolfssl): the suites TS-0003 mandates
 * are there (the reason the harness builds its own wolfSSL), the primitives
 * give published known answers, and the derivations built on them behave as
 * the specification's text says. */
#include "unit.h"

#include "backend.h"
#include "core/hex.h"
#include "derive/e2e_kdf.h"
#include "derive/enrolment_kdf.h"
#include "derive/exporter.h"

static void unhex(const char *hex, uint8_t *out, size_t *len)
{
	assert_int_equal(kx_hex_decode(hex, strlen(hex), out, 512, len), 0);
}

static void assert_hex(const uint8_t *bytes, size_t len, const char *expected)
{
	char hex[1025];
	kx_hex_encode(bytes, len, hex, 0);
	assert_string_equal(hex, expected);
}

/* TS-0003 10.2.2 / 10.2.3 minimum suites: PSK over TLS (0x00AE) and DTLS
 * (0xC0A8), certificates over TLS (0xC023) and DTLS (0xC0AE). Debian's own
 * libwolfssl has no PSK at all; this fails if that one were linked. */
static void mandated_suites_available(void **state)
{
	(void)state;
	const struct kx_backend *b = kx_backend();
	assert_true(b->suite_available(0x00AE, 0)); /* TLS_PSK_WITH_AES_128_CBC_SHA256 */
	assert_true(b->suite_available(0xC0A8, 1)); /* TLS_PSK_WITH_AES_128_CCM_8 over DTLS */
	assert_true(b->suite_available(0xC0A8, 0));
	assert_true(b->suite_available(0xC023, 0)); /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
	assert_true(b->suite_available(0xC0AE, 1)); /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 over DTLS */
	assert_false(b->suite_available(0x1301, 0)); /* a TLS 1.3 suite is not a TLS 1.2 one */
	assert_false(b->suite_available(0x0000, 0));
}

/* RFC 4231 test case 2 ("Jefe"). */
static void hmac_rfc4231(void **state)
{
	(void)state;
	const struct kx_backend *b = kx_backend();
	uint8_t out[KX_HASH_MAX_LEN];
	char err[256];
	const char *data = "what do ya want for nothing?";
	assert_int_equal(b->hmac(KX_SHA256, (const uint8_t *)"Jefe", 4, (const uint8_t *)data, strlen(data), out, err,
				 sizeof err),
			 0);
	assert_hex(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(b->hmac(KX_SHA512, (const uint8_t *)"Jefe", 4, (const uint8_t *)data, strlen(data), out, err,
				 sizeof err),
			 0);
	assert_hex(out, 64,
		   "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fd"
		   "caeab1a34d4a6b4b636e070a38bce737");
}

/* An empty HMAC key is legal (RFC 2104) and the E2E salt may be empty. */
static void hmac_empty_key(void **state)
{
	(void)state;
	uint8_t out[KX_HASH_MAX_LEN];
	char err[256];
	assert_int_equal(kx_backend()->hmac(KX_SHA256, NULL, 0, (const uint8_t *)"", 0, out, err, sizeof err), 0);
	assert_hex(out, 32, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

/* RFC 5869 test case 1. */
static void hkdf_rfc5869_case1(void **state)
{
	(void)state;
	const struct kx_backend *b = kx_backend();
	uint8_t ikm[64], salt[64], info[64], prk[KX_HASH_MAX_LEN], okm[42];
	size_t ikm_len, salt_len, info_len;
	char err[256];
	unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", ikm, &ikm_len);
	unhex("000102030405060708090a0b0c", salt, &salt_len);
	unhex("f0f1f2f3f4f5f6f7f8f9", info, &info_len);
	assert_int_equal(b->hkdf_extract(KX_SHA256, salt, salt_len, ikm, ikm_len, prk, err, sizeof err), 0);
	assert_hex(prk, 32, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
	assert_int_equal(b->hkdf_expand(KX_SHA256, prk, 32, info, info_len, okm, sizeof okm, err, sizeof err), 0);
	assert_hex(okm, 42, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

/* The exporter is the PRF over client_random || server_random; swapping the
 * randoms (the key-expansion order) must give other bytes. */
static void exporter_is_prf_over_randoms(void **state)
{
	(void)state;
	const struct kx_backend *b = kx_backend();
	uint8_t ms[48], cr[32], sr[32], seed[64], direct[48], exported[48], swapped[48];
	char err[256];
	for (int i = 0; i < 48; i++)
		ms[i] = (uint8_t)i;
	for (int i = 0; i < 32; i++) {
		cr[i] = (uint8_t)(0x40 + i);
		sr[i] = (uint8_t)(0x80 + i);
	}
	memcpy(seed, cr, 32);
	memcpy(seed + 32, sr, 32);
	assert_int_equal(b->tls12_prf(KX_SHA256, ms, 48, KX_LABEL_CONNECTION, seed, 64, direct, 48, err, sizeof err),
			 0);
	assert_int_equal(kx_export(b, KX_SHA256, ms, cr, sr, KX_LABEL_CONNECTION, exported, 48, err, sizeof err), 0);
	assert_memory_equal(direct, exported, 48);
	/* The order of the randoms matters: the randoms-swapped mistake gives other bytes. */
	assert_int_equal(kx_export(b, KX_SHA256, ms, sr, cr, KX_LABEL_CONNECTION, swapped, 48, err, sizeof err), 0);
	assert_memory_not_equal(exported, swapped, 48);
}

/* A seed longer than wolfSSL's 128-byte wc_PRF_TLS buffer still works. */
static void prf_long_seed(void **state)
{
	(void)state;
	uint8_t seed[300], out[100];
	char err[256];
	memset(seed, 0x5a, sizeof seed);
	assert_int_equal(kx_backend()->tls12_prf(KX_SHA384, seed, 20, "test label", seed, sizeof seed, out,
						 sizeof out, err, sizeof err),
			 0);
}

/* FACTS.md: HKDF-Expand with the first label reproduces only T(1) of 10.3.6.1. */
static void e2e_t1_equals_hkdf_block_only(void **state)
{
	(void)state;
	const struct kx_backend *b = kx_backend();
	const uint8_t kpsa[] = {0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x7a, 0x8b};
	const uint8_t salt[] = "mn-cse-123456";
	struct kx_e2e_keys reference;
	uint8_t okm[KX_E2E_KEYS * KX_HASH_MAX_LEN];
	char err[256];
	for (int h = 0; h < 2; h++) {
		enum kx_hash hash = h == 0 ? KX_SHA256 : KX_SHA512;
		assert_int_equal(kx_e2e_derive(b, hash, kpsa, sizeof kpsa, salt, sizeof salt - 1, &reference, err,
					       sizeof err),
				 0);
		assert_int_equal(reference.len, kx_hash_len(hash));
		assert_int_equal(b->hkdf_expand(hash, reference.master, reference.len, (const uint8_t *)kx_e2e_labels[0],
						strlen(kx_e2e_labels[0]), okm, KX_E2E_KEYS * reference.len, err,
						sizeof err),
				 0);
		assert_memory_equal(reference.t[0], okm, reference.len);
		for (int i = 1; i < KX_E2E_KEYS; i++)
			assert_memory_not_equal(reference.t[i], okm + (size_t)i * reference.len, reference.len);
	}
}

/* Full-width and ASCII spellings of one identifier give one Km; skipping NFKC does not. */
static void enrolment_nfkc(void **state)
{
	(void)state;
	const struct kx_backend *b = kx_backend();
	const uint8_t ke[32] = {1, 2, 3};
	const char *ascii = "mn-cse";
	const char *fullwidth = "\xef\xbd\x8d\xef\xbd\x8e\xef\xbc\x8d\xef\xbd\x83\xef\xbd\x93\xef\xbd\x85";
	uint8_t a[32], f[32], raw[32], message[128];
	char err[256];
	assert_int_equal(kx_enrolment_derive(b, KX_ENROLMENT_KM, ke, sizeof ke, ascii, strlen(ascii), a, err,
					     sizeof err),
			 0);
	assert_int_equal(kx_enrolment_derive(b, KX_ENROLMENT_KM, ke, sizeof ke, fullwidth, strlen(fullwidth), f, err,
					     sizeof err),
			 0);
	assert_memory_equal(a, f, 32);
	/* Without NFKC (the missing-nfkc mistake) the full-width spelling gives another Km. */
	size_t label_len = strlen(kx_enrolment_labels[KX_ENROLMENT_KM]);
	memcpy(message, kx_enrolment_labels[KX_ENROLMENT_KM], label_len);
	memcpy(message + label_len, fullwidth, strlen(fullwidth));
	assert_int_equal(b->hmac(KX_SHA256, ke, sizeof ke, message, label_len + strlen(fullwidth), raw, err, sizeof err),
			 0);
	assert_memory_not_equal(a, raw, 32);
	assert_int_equal(kx_enrolment_derive(b, KX_ENROLMENT_KPSA, ke, sizeof ke, "\xc3\x28", 2, a, err, sizeof err),
			 -1);
}

KX_UNIT_MAIN_NAMED(kx_backend()->name,
	cmocka_unit_test(mandated_suites_available),
	cmocka_unit_test(hmac_rfc4231),
	cmocka_unit_test(hmac_empty_key),
	cmocka_unit_test(hkdf_rfc5869_case1),
	cmocka_unit_test(exporter_is_prf_over_randoms),
	cmocka_unit_test(prf_long_seed),
	cmocka_unit_test(e2e_t1_equals_hkdf_block_only),
	cmocka_unit_test(enrolment_nfkc))
