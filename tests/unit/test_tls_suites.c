/* test_tls_suites.c - unit tests of harness/core/tls_suites.c: each row of
 * the one suite table says what its IANA name says (key exchange, PRF hash,
 * credentials), the scenarios' suites come first in their hello order, and
 * the lookups give the TLS 1.2 default for what the table does not hold. */
#include "unit.h"

#include "core/tls_suites.h"

/* The rows agree with their own names: "TLS_<kx>_WITH_<cipher>_<hash>". */
static void test_rows_agree_with_their_names(void **state)
{
	(void)state;
	const struct kx_tls_suite *s;
	for (size_t i = 0; (s = kx_tls_suite_at(i)) != NULL; i++) {
		const char *name = s->iana_name;
		const char *with = strstr(name, "_WITH_");
		size_t len = strlen(name);
		assert_ptr_equal(kx_tls_suite(s->id), s); /* ids are unique */
		assert_int_equal(s->tls13, with == NULL);
		assert_int_equal(s->dtls, !s->tls13);
		int sha384 = len > 7 && strcmp(name + len - 7, "_SHA384") == 0;
		assert_int_equal(s->prf_hash, sha384 ? KX_SHA384 : KX_SHA256);
		if (s->tls13) {
			assert_string_equal(s->key_exchange, "");
			assert_int_equal(s->credentials, 0);
			continue;
		}
		assert_int_equal(strlen(s->key_exchange), (size_t)(with - name) - 4);
		assert_memory_equal(s->key_exchange, name + 4, strlen(s->key_exchange));
		int psk = strstr(s->key_exchange, "PSK") != NULL;
		int cert = strstr(s->key_exchange, "RSA") != NULL || strstr(s->key_exchange, "DSS") != NULL ||
			   strstr(s->key_exchange, "ECDSA") != NULL;
		assert_int_equal(!!(s->credentials & KX_CREDENTIAL_PSK), psk);
		assert_int_equal(!!(s->credentials & KX_CREDENTIAL_CERTIFICATE), cert);
	}
}

/* A driver's hello lists the scenarios' suites in this order (docs/driver-protocol.md). */
static void test_scenario_suites_first(void **state)
{
	(void)state;
	static const uint16_t expected[] = {0x00AE, 0xC0A8, 0xC023, 0xC0AE, 0xC02B,
					    0x00A8, 0xC02C, 0x00A9, 0xC009, 0x008C};
	size_t n = sizeof expected / sizeof expected[0];
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(kx_tls_suite_at(i)->id, expected[i]);
		assert_true(kx_tls_suite_at(i)->scenario);
	}
	for (size_t i = n; kx_tls_suite_at(i) != NULL; i++)
		assert_false(kx_tls_suite_at(i)->scenario);
}

static void test_lookups(void **state)
{
	(void)state;
	assert_string_equal(kx_suite_iana_name(0xC0A8), "TLS_PSK_WITH_AES_128_CCM_8");
	assert_null(kx_suite_iana_name(0x0000));
	assert_non_null(kx_tls12_suite(0xC0AE, 1));
	assert_null(kx_tls12_suite(0x1301, 0)); /* TLS 1.3 */
	assert_null(kx_tls12_suite(0x0000, 0));
	assert_string_equal(kx_suite_prf_hash_name(0xC02C), "SHA-384");
	assert_string_equal(kx_suite_prf_hash_name(0xD002), "SHA-384");
	assert_string_equal(kx_suite_prf_hash_name(0x00AE), "SHA-256");
	/* The default for what is not a TLS 1.2 suite of the table. */
	assert_string_equal(kx_suite_prf_hash_name(0xC0FF), "SHA-256");
	assert_string_equal(kx_suite_prf_hash_name(0x1302), "SHA-256");
}

static void test_from_text(void **state)
{
	(void)state;
	uint16_t suite = 0;
	assert_int_equal(kx_suite_from_text("0x00AE", &suite), 0);
	assert_int_equal(suite, 0x00AE);
	assert_int_equal(kx_suite_from_text("0xc02c", &suite), 0);
	assert_int_equal(suite, 0xC02C);
	assert_int_equal(kx_suite_from_text("00AE", &suite), -1);
	assert_int_equal(kx_suite_from_text("0x0AE", &suite), -1);
	assert_int_equal(kx_suite_from_text("0x00AG", &suite), -1);
	assert_int_equal(kx_suite_from_text(NULL, &suite), -1);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_rows_agree_with_their_names),
	cmocka_unit_test(test_scenario_suites_first),
	cmocka_unit_test(test_lookups),
	cmocka_unit_test(test_from_text))
