/* test_hex.c - unit tests of harness/core/hex.c: encoding in both cases and
 * strict decoding, since vectors and hexBinary key identifiers depend on it. */
#include "unit.h"

#include "core/hex.h"

static void test_encode_lower_and_upper(void **state)
{
	const uint8_t in[] = {0x00, 0x01, 0xab, 0xcd, 0xef, 0xff};
	char out[2 * sizeof(in) + 1];

	(void)state;
	assert_int_equal(kx_hex_encode(in, sizeof(in), out, 0), 12);
	assert_string_equal(out, "0001abcdefff");
	assert_int_equal(kx_hex_encode(in, sizeof(in), out, 1), 12);
	assert_string_equal(out, "0001ABCDEFFF");
}

static void test_encode_empty(void **state)
{
	char out[1] = {'x'};

	(void)state;
	assert_int_equal(kx_hex_encode(NULL, 0, out, 0), 0);
	assert_string_equal(out, "");
}

static void test_round_trip_every_byte(void **state)
{
	uint8_t in[256], back[256];
	char text[2 * sizeof(in) + 1];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	for (int upper = 0; upper <= 1; upper++) {
		kx_hex_encode(in, sizeof(in), text, upper);
		assert_int_equal(kx_hex_decode(text, strlen(text), back, sizeof(back), &n), 0);
		assert_int_equal(n, sizeof(in));
		assert_memory_equal(back, in, sizeof(in));
	}
}

static void test_decode_mixed_case(void **state)
{
	const uint8_t want[] = {0xff, 0x15, 0xd8, 0x4e};
	uint8_t out[4];
	size_t n = 0;

	(void)state;
	assert_int_equal(kx_hex_decode("fF15D84e", 8, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_decode_empty(void **state)
{
	uint8_t out[1];
	size_t n = 99;

	(void)state;
	assert_int_equal(kx_hex_decode("", 0, out, 0, &n), 0);
	assert_int_equal(n, 0);
}

static void test_decode_odd_length(void **state)
{
	uint8_t out[8];
	size_t n;

	(void)state;
	assert_int_equal(kx_hex_decode("abc", 3, out, sizeof(out), &n), -1);
	assert_int_equal(kx_hex_decode("a", 1, out, sizeof(out), &n), -1);
}

static void test_decode_non_hex(void **state)
{
	static const char *const bad[] = {"0g", "g0", "0x12", " 12",      "12 ",
	                                  "1-", "+1", "zz",   "\xc3\xa9", "12\n"};
	uint8_t out[8];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kx_hex_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n), -1);
}

static void test_decode_embedded_nul(void **state)
{
	uint8_t out[8];
	size_t n;

	(void)state;
	assert_int_equal(kx_hex_decode("ab\0d", 4, out, sizeof(out), &n), -1);
	assert_int_equal(kx_hex_decode("\0\0", 2, out, sizeof(out), &n), -1);
}

static void test_decode_output_too_small(void **state)
{
	uint8_t out[4];
	size_t n;

	(void)state;
	assert_int_equal(kx_hex_decode("0102030405", 10, out, 4, &n), -1);
	assert_int_equal(kx_hex_decode("01020304", 8, out, 4, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(kx_hex_decode("01", 2, out, 0, &n), -1);
}

static void test_decode_overlong(void **state)
{
	char text[1001];
	uint8_t out[500];
	size_t n;

	(void)state;
	memset(text, 'a', 1000);
	text[1000] = '\0';
	assert_int_equal(kx_hex_decode(text, 1000, out, 16, &n), -1);
	assert_int_equal(kx_hex_decode(text, 1000, out, sizeof(out), &n), 0);
	assert_int_equal(n, 500);
	assert_int_equal(out[499], 0xaa);
	assert_int_equal(kx_hex_decode(text, 999, out, sizeof(out), &n), -1);
}

static void test_is_hex(void **state)
{
	static const char nul_inside[] = {'1', '2', '\0', '4'};

	(void)state;
	assert_int_equal(kx_is_hex("0123456789abcdefABCDEF", 22), 1);
	assert_int_equal(kx_is_hex("", 0), 1);
	assert_int_equal(kx_is_hex("12g4", 4), 0);
	assert_int_equal(kx_is_hex(nul_inside, sizeof(nul_inside)), 0);
	assert_int_equal(kx_is_hex("12g4", 2), 1); /* only the first n characters count */
	assert_int_equal(kx_is_hex("FF15D84E3E38D6974B0EB3E5606C85FE", 32), 1);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_encode_lower_and_upper),
	cmocka_unit_test(test_encode_empty),
	cmocka_unit_test(test_round_trip_every_byte),
	cmocka_unit_test(test_decode_mixed_case),
	cmocka_unit_test(test_decode_empty),
	cmocka_unit_test(test_decode_odd_length),
	cmocka_unit_test(test_decode_non_hex),
	cmocka_unit_test(test_decode_embedded_nul),
	cmocka_unit_test(test_decode_output_too_small),
	cmocka_unit_test(test_decode_overlong),
	cmocka_unit_test(test_is_hex))
