/* test_base64.c - unit tests of harness/core/base64.c: the RFC 4648 section 10
 * vectors, base64url, round trips, and the strictness the key identifier
 * classifier relies on (one accepted encoding per byte string). */
#include "unit.h"

#include "core/base64.h"

struct rfc_vector {
	const char *in;
	const char *padded;
	const char *unpadded;
};

/* RFC 4648 section 10. */
static const struct rfc_vector rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

#define NVEC (sizeof(rfc4648) / sizeof(rfc4648[0]))

/* Decodes a NUL-terminated string; returns the decoder's result. */
static int dec(const char *in, uint8_t *out, size_t cap, size_t *n, enum kx_b64_alphabet a,
               enum kx_b64_padding p)
{
	return kx_base64_decode(in, strlen(in), out, cap, n, a, p);
}

static void test_rfc4648_encode(void **state)
{
	char out[16];

	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const uint8_t *in = (const uint8_t *)rfc4648[i].in;
		size_t len = strlen(rfc4648[i].in);

		for (int a = KX_B64_STANDARD; a <= KX_B64_URL; a++) {
			assert_int_equal(kx_base64_encode(in, len, out, a, KX_B64_PADDED),
			                 strlen(rfc4648[i].padded));
			assert_string_equal(out, rfc4648[i].padded);
			assert_int_equal(kx_base64_encode(in, len, out, a, KX_B64_UNPADDED),
			                 strlen(rfc4648[i].unpadded));
			assert_string_equal(out, rfc4648[i].unpadded);
		}
	}
}

static void test_rfc4648_decode(void **state)
{
	uint8_t out[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		size_t len = strlen(rfc4648[i].in);

		for (int a = KX_B64_STANDARD; a <= KX_B64_URL; a++) {
			assert_int_equal(dec(rfc4648[i].padded, out, sizeof(out), &n, a, KX_B64_PADDED), 0);
			assert_int_equal(n, len);
			assert_memory_equal(out, rfc4648[i].in, len);
			assert_int_equal(dec(rfc4648[i].unpadded, out, sizeof(out), &n, a, KX_B64_UNPADDED),
			                 0);
			assert_int_equal(n, len);
			assert_memory_equal(out, rfc4648[i].in, len);
		}
	}
}

static void test_encoded_len(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		size_t len = strlen(rfc4648[i].in);

		assert_int_equal(kx_base64_encoded_len(len, KX_B64_PADDED), strlen(rfc4648[i].padded));
		assert_int_equal(kx_base64_encoded_len(len, KX_B64_UNPADDED), strlen(rfc4648[i].unpadded));
	}
	assert_int_equal(kx_base64_encoded_len(16, KX_B64_PADDED), 24);
	assert_int_equal(kx_base64_encoded_len(16, KX_B64_UNPADDED), 22);
	assert_int_equal(kx_base64_encoded_len(32, KX_B64_PADDED), 44);
}

/* Bytes whose sextets are 62 and 63: '+' and '/' in section 4, '-' and '_' in section 5. */
static void test_url_alphabet(void **state)
{
	const uint8_t in[] = {0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff, 0xfb, 0xff};
	const uint8_t id[] = {0xff, 0x15, 0xd8, 0x4e, 0x3e, 0x38, 0xd6, 0x97,
	                      0x4b, 0x0e, 0xb3, 0xe5, 0x60, 0x6c, 0x85, 0xfe};
	char out[32];
	uint8_t back[16];
	size_t n;

	(void)state;
	kx_base64_encode(in, sizeof(in), out, KX_B64_STANDARD, KX_B64_PADDED);
	assert_string_equal(out, "++++////+/8=");
	kx_base64_encode(in, sizeof(in), out, KX_B64_URL, KX_B64_PADDED);
	assert_string_equal(out, "----____-_8=");
	kx_base64_encode(in, sizeof(in), out, KX_B64_URL, KX_B64_UNPADDED);
	assert_string_equal(out, "----____-_8");
	assert_int_equal(dec("----____-_8=", back, sizeof(back), &n, KX_B64_URL, KX_B64_PADDED), 0);
	assert_int_equal(n, sizeof(in));
	assert_memory_equal(back, in, sizeof(in));

	/* The TR-0038 A.4 identifier, checked against Python's base64 module. */
	kx_base64_encode(id, sizeof(id), out, KX_B64_STANDARD, KX_B64_PADDED);
	assert_string_equal(out, "/xXYTj441pdLDrPlYGyF/g==");
	kx_base64_encode(id, sizeof(id), out, KX_B64_URL, KX_B64_PADDED);
	assert_string_equal(out, "_xXYTj441pdLDrPlYGyF_g==");
	kx_base64_encode(id, sizeof(id), out, KX_B64_STANDARD, KX_B64_UNPADDED);
	assert_string_equal(out, "/xXYTj441pdLDrPlYGyF/g");
}

static void test_alphabets_do_not_mix(void **state)
{
	uint8_t out[16];
	size_t n;

	(void)state;
	assert_int_equal(dec("----", out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED), -1);
	assert_int_equal(dec("____", out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED), -1);
	assert_int_equal(dec("++++", out, sizeof(out), &n, KX_B64_URL, KX_B64_PADDED), -1);
	assert_int_equal(dec("////", out, sizeof(out), &n, KX_B64_URL, KX_B64_PADDED), -1);
	assert_int_equal(dec("+-+-", out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED), -1);
	assert_int_equal(dec("+-+-", out, sizeof(out), &n, KX_B64_URL, KX_B64_PADDED), -1);
}

static void test_round_trips(void **state)
{
	uint8_t in[64], back[64];
	char text[128];
	size_t n;
	uint32_t x = 0x12345678;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++) {
		x = x * 1103515245u + 12345u; /* any fixed byte pattern with all values will do */
		in[i] = (uint8_t)(x >> 16);
	}
	for (size_t len = 0; len <= sizeof(in); len++) {
		for (int a = KX_B64_STANDARD; a <= KX_B64_URL; a++) {
			for (int p = KX_B64_PADDED; p <= KX_B64_UNPADDED; p++) {
				size_t tl = kx_base64_encode(in, len, text, a, p);

				assert_int_equal(tl, kx_base64_encoded_len(len, p));
				assert_int_equal(strlen(text), tl);
				assert_int_equal(kx_base64_decode(text, tl, back, len, &n, a, p), 0);
				assert_int_equal(n, len);
				assert_memory_equal(back, in, len);
			}
		}
	}
}

/* Every final quantum the decoder accepts re-encodes to itself: no two
 * strings decode to the same bytes (RFC 4648 3.5). */
static void test_canonical_final_quanta(void **state)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[5], re[5];
	uint8_t out[3];
	size_t n;
	int accepted2 = 0, accepted3 = 0;

	(void)state;
	for (int i = 0; i < 64; i++) {
		for (int j = 0; j < 64; j++) {
			q[0] = digits[i];
			q[1] = digits[j];
			q[2] = '=';
			q[3] = '=';
			if (kx_base64_decode(q, 4, out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED) ==
			    0) {
				accepted2++;
				assert_int_equal(n, 1);
				kx_base64_encode(out, n, re, KX_B64_STANDARD, KX_B64_PADDED);
				assert_memory_equal(re, q, 4);
			}
			for (int k = 0; k < 64; k++) {
				q[2] = digits[k];
				q[3] = '=';
				if (kx_base64_decode(q, 4, out, sizeof(out), &n, KX_B64_STANDARD,
				                     KX_B64_PADDED) != 0)
					continue;
				accepted3++;
				assert_int_equal(n, 2);
				kx_base64_encode(out, n, re, KX_B64_STANDARD, KX_B64_PADDED);
				assert_memory_equal(re, q, 4);
			}
		}
	}
	assert_int_equal(accepted2, 256);
	assert_int_equal(accepted3, 65536);
}

static void test_non_canonical_bits(void **state)
{
	static const char *const padded[] = {"Zh==", "Zm9=", "Zm9vYh==", "Zm9vYmF=", "AB==", "AAB="};
	static const char *const unpadded[] = {"Zh", "Zm9", "Zm9vYh", "Zm9vYmF", "AB", "AAB"};
	uint8_t out[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(padded) / sizeof(padded[0]); i++) {
		assert_int_equal(dec(padded[i], out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED), -1);
		assert_int_equal(dec(padded[i], out, sizeof(out), &n, KX_B64_URL, KX_B64_PADDED), -1);
		assert_int_equal(dec(unpadded[i], out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_UNPADDED),
		                 -1);
		assert_int_equal(dec(unpadded[i], out, sizeof(out), &n, KX_B64_URL, KX_B64_UNPADDED), -1);
	}
}

static void test_bad_padding(void **state)
{
	static const char *const bad_padded[] = {
	    "=",        "==",    "===",      "====",      "=Zg=",    "Z=g=",     "Zg=",
	    "Zg",       "Zg===", "Zg=A",     "Z===",      "A===",    "Zm9v=",    "Zm9v==",
	    "Zm9v====", "=Zm9v", "Zm=9v",    "Zm9=vYg==", "Zm9vYg=", "Zm9vYg=a", "Zm9vYmE",
	    "Zm9vY===", "Zm8==", "Zm8=Zm8=", "Zg==Zg==",
	};
	static const char *const bad_unpadded[] = {
	    "Zg==", "Zm8=", "Zg=", "=", "Zm9v=", "Z", "Zm9vY", "Zm9vYmFyZ",
	};
	uint8_t out[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_padded) / sizeof(bad_padded[0]); i++)
		assert_int_equal(dec(bad_padded[i], out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED),
		                 -1);
	for (size_t i = 0; i < sizeof(bad_unpadded) / sizeof(bad_unpadded[0]); i++)
		assert_int_equal(dec(bad_unpadded[i], out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_UNPADDED),
		                 -1);
}

static void test_characters_outside_alphabet(void **state)
{
	static const char *const bad[] = {
	    "Zm9v\n", " Zm9v", "Zm 9v", "Zm9v ",   "Zm9\tv",  "Zm9v\r\n",
	    "Zm9*",   "Zm9.",  "Zm9!",  "Zm9\x80", "Zm9\xff", "Zm9vYg==\n",
	};
	uint8_t out[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int a = KX_B64_STANDARD; a <= KX_B64_URL; a++) {
			assert_int_equal(dec(bad[i], out, sizeof(out), &n, a, KX_B64_PADDED), -1);
			assert_int_equal(dec(bad[i], out, sizeof(out), &n, a, KX_B64_UNPADDED), -1);
		}
	}
}

static void test_embedded_nul(void **state)
{
	uint8_t out[16];
	size_t n;

	(void)state;
	assert_int_equal(kx_base64_decode("Zm\0v", 4, out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED),
	                 -1);
	assert_int_equal(kx_base64_decode("Zg=\0", 4, out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED),
	                 -1);
	assert_int_equal(
	    kx_base64_decode("Zm9v\0", 5, out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_UNPADDED), -1);
}

static void test_output_too_small(void **state)
{
	uint8_t out[6];
	size_t n = 99;

	(void)state;
	assert_int_equal(dec("Zm9vYmFy", out, 5, &n, KX_B64_STANDARD, KX_B64_PADDED), -1);
	assert_int_equal(n, 0);
	assert_int_equal(dec("Zm9vYmFy", out, 6, &n, KX_B64_STANDARD, KX_B64_PADDED), 0);
	assert_int_equal(n, 6);
	assert_int_equal(dec("Zm9vYmE=", out, 4, &n, KX_B64_STANDARD, KX_B64_PADDED), -1);
	assert_int_equal(dec("Zm9vYmE", out, 4, &n, KX_B64_STANDARD, KX_B64_UNPADDED), -1);
	assert_int_equal(dec("Zg==", out, 0, &n, KX_B64_STANDARD, KX_B64_PADDED), -1);
	assert_int_equal(dec("", NULL, 0, &n, KX_B64_STANDARD, KX_B64_PADDED), 0);
	assert_int_equal(n, 0);
}

static void test_overlong_input(void **state)
{
	char text[1001];
	uint8_t out[750];
	size_t n;

	(void)state;
	memset(text, 'A', 1000);
	text[1000] = '\0';
	assert_int_equal(kx_base64_decode(text, 1000, out, 16, &n, KX_B64_STANDARD, KX_B64_PADDED), -1);
	assert_int_equal(kx_base64_decode(text, 1000, out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED),
	                 0);
	assert_int_equal(n, 750);
	text[999] = '!';
	assert_int_equal(kx_base64_decode(text, 1000, out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED),
	                 -1);
	text[999] = '=';
	text[500] = '=';
	assert_int_equal(kx_base64_decode(text, 1000, out, sizeof(out), &n, KX_B64_STANDARD, KX_B64_PADDED),
	                 -1);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_rfc4648_encode),
	cmocka_unit_test(test_rfc4648_decode),
	cmocka_unit_test(test_encoded_len),
	cmocka_unit_test(test_url_alphabet),
	cmocka_unit_test(test_alphabets_do_not_mix),
	cmocka_unit_test(test_round_trips),
	cmocka_unit_test(test_canonical_final_quanta),
	cmocka_unit_test(test_non_canonical_bits),
	cmocka_unit_test(test_bad_padding),
	cmocka_unit_test(test_characters_outside_alphabet),
	cmocka_unit_test(test_embedded_nul),
	cmocka_unit_test(test_output_too_small),
	cmocka_unit_test(test_overlong_input))
