/* test_pairwise.c - unit tests of harness/runner/pairwise.c: the rows the pairwise profile runs must
 * cover every pair of levels of every two factors, start with the defaults, repeat no row, stay in
 * range, come out the same every time, and be far fewer than the full product. */
#include "unit.h"

#include "runner/cases/pairwise.h"

static size_t product(const size_t *sizes, size_t k)
{
	size_t n = 1;
	for (size_t i = 0; i < k; i++)
		n *= sizes[i];
	return n;
}

/* Checks every property but the size; returns the number of rows. */
static size_t check_rows(const size_t *sizes, size_t k)
{
	size_t *rows = NULL, n = 0;
	assert_int_equal(kx_pairwise(sizes, k, &rows, &n), 0);
	assert_non_null(rows);
	assert_true(n >= 1);
	for (size_t i = 0; i < k; i++)
		assert_int_equal(rows[i], 0); /* row 0: every axis at its default */
	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; i < k; i++)
			assert_true(rows[r * k + i] < sizes[i]);
		for (size_t e = 0; e < r; e++)
			assert_false(k > 0 && memcmp(rows + r * k, rows + e * k, k * sizeof *rows) == 0);
	}
	for (size_t a = 0; a < k; a++)
		for (size_t b = a + 1; b < k; b++)
			for (size_t va = 0; va < sizes[a]; va++)
				for (size_t vb = 0; vb < sizes[b]; vb++) {
					int found = 0;
					for (size_t r = 0; r < n && !found; r++)
						found = rows[r * k + a] == va && rows[r * k + b] == vb;
					if (!found)
						fail_msg("factors %zu and %zu: levels %zu and %zu are in no row", a, b, va, vb);
				}
	/* Deterministic: a second run gives the same rows. */
	size_t *again = NULL, m = 0;
	assert_int_equal(kx_pairwise(sizes, k, &again, &m), 0);
	assert_int_equal(m, n);
	if (k > 0)
		assert_memory_equal(again, rows, n * k * sizeof *rows);
	free(again);
	free(rows);
	return n;
}

static void test_no_factor_is_one_empty_row(void **state)
{
	(void)state;
	assert_int_equal(check_rows(NULL, 0), 1);
}

static void test_one_factor_is_its_levels(void **state)
{
	const size_t sizes[] = {9};
	(void)state;
	assert_int_equal(check_rows(sizes, 1), 9);
}

static void test_two_factors_are_their_product(void **state)
{
	/* Every pair of two factors is every combination: nothing to save. */
	const size_t sizes[] = {3, 4};
	(void)state;
	assert_int_equal(check_rows(sizes, 2), 12);
}

static void test_three_factors_of_the_dtls_wire_axes(void **state)
{
	/* mtu (3), ems (4), recovery (9): the product is 108, the pairs need at least 4 x 9 = 36. */
	const size_t sizes[] = {3, 4, 9};
	(void)state;
	size_t n = check_rows(sizes, 3);
	assert_true(n >= 36);
	assert_true(n <= 45);
	assert_true(n < product(sizes, 3) / 2);
}

static void test_four_factors_of_three(void **state)
{
	/* An orthogonal array has 9 rows; IPOG is known to need a few more at most. */
	const size_t sizes[] = {3, 3, 3, 3};
	(void)state;
	size_t n = check_rows(sizes, 4);
	assert_true(n >= 9 && n <= 12);
	assert_true(n * 6 < product(sizes, 4));
}

static void test_ten_binary_factors(void **state)
{
	const size_t sizes[] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
	(void)state;
	size_t n = check_rows(sizes, 10);
	assert_true(n >= 6 && n <= 12);
	assert_true(n * 80 < product(sizes, 10));
}

static void test_mixed_sizes_with_a_single_level_factor(void **state)
{
	/* A factor of one level (an axis with only its default on a transport) costs nothing. */
	const size_t sizes[] = {5, 1, 4, 3, 2, 6};
	(void)state;
	size_t n = check_rows(sizes, 6);
	assert_true(n >= 30 && n <= 40);
	assert_true(n * 10 < product(sizes, 6));
}

KX_UNIT_MAIN(cmocka_unit_test(test_no_factor_is_one_empty_row), cmocka_unit_test(test_one_factor_is_its_levels),
             cmocka_unit_test(test_two_factors_are_their_product),
             cmocka_unit_test(test_three_factors_of_the_dtls_wire_axes), cmocka_unit_test(test_four_factors_of_three),
             cmocka_unit_test(test_ten_binary_factors),
             cmocka_unit_test(test_mixed_sizes_with_a_single_level_factor))
