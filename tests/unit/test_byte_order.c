/* test_byte_order.c - unit tests of harness/core/byte_order.h: each reader
 * against bytes whose value is known in both orders, the writers read back
 * and compared byte by byte, and reads at an odd address (the readers go
 * byte by byte, so alignment must not matter). */
#include "unit.h"

#include "core/byte_order.h"

static const uint8_t bytes[] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};

static void test_big_endian_readers(void **state)
{
	(void)state;
	assert_int_equal(kx_be16(bytes), 0x1234);
	assert_int_equal(kx_be24(bytes), 0x123456);
	assert_int_equal(kx_be32(bytes), 0x12345678u);
	/* The high bit set: no sign extension anywhere. */
	assert_int_equal(kx_be16(bytes + 4), 0x9ABC);
	assert_int_equal(kx_be24(bytes + 4), 0x9ABCDE);
	assert_int_equal(kx_be32(bytes + 4), 0x9ABCDEF0u);
}

static void test_either_order(void **state)
{
	(void)state;
	assert_int_equal(kx_rd16(bytes, 1), kx_be16(bytes));
	assert_int_equal(kx_rd32(bytes, 1), kx_be32(bytes));
	assert_int_equal(kx_rd16(bytes, 0), 0x3412);
	assert_int_equal(kx_rd32(bytes, 0), 0x78563412u);
	assert_int_equal(kx_rd32(bytes + 4, 0), 0xF0DEBC9Au);
}

static void test_odd_address(void **state)
{
	(void)state;
	assert_int_equal(kx_be16(bytes + 1), 0x3456);
	assert_int_equal(kx_be24(bytes + 1), 0x345678);
	assert_int_equal(kx_be32(bytes + 1), 0x3456789Au);
	assert_int_equal(kx_rd32(bytes + 3, 0), 0xDEBC9A78u);
}

static void test_writers(void **state)
{
	uint8_t out[8];
	(void)state;
	memset(out, 0xAA, sizeof out);
	kx_put_be16(out + 1, 0x1234);
	kx_put_be32(out + 3, 0x9ABCDEF0u);
	static const uint8_t want[8] = {0xAA, 0x12, 0x34, 0x9A, 0xBC, 0xDE, 0xF0, 0xAA};
	assert_memory_equal(out, want, sizeof want); /* nothing outside the written width */
	assert_int_equal(kx_be16(out + 1), 0x1234);
	assert_int_equal(kx_be32(out + 3), 0x9ABCDEF0u);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_big_endian_readers),
	cmocka_unit_test(test_either_order),
	cmocka_unit_test(test_odd_address),
	cmocka_unit_test(test_writers))
