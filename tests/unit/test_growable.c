/* test_growable.c - unit tests of harness/core/growable.c: an array grows by
 * doubling and keeps its elements, a need it already holds changes nothing,
 * and a size that would overflow leaves the array and its capacity alone. */
#include "unit.h"

#include "core/growable.h"

struct point {
	int x, y;
};

static void test_grows_by_doubling_and_keeps_elements(void **state)
{
	(void)state;
	struct point *items = NULL;
	size_t n = 0, cap = 0;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(KX_GROW(items, cap, n + 1), 0);
		items[n++] = (struct point){i, -i};
	}
	assert_int_equal(cap, 128); /* 16, 32, 64, 128 */
	for (int i = 0; i < 100; i++)
		assert_int_equal(items[i].y, -i);
	free(items);
}

static void test_enough_room_changes_nothing(void **state)
{
	(void)state;
	char *text = NULL;
	size_t cap = 0;
	assert_int_equal(KX_GROW(text, cap, 100), 0);
	assert_int_equal(cap, 128);
	char *before = text;
	assert_int_equal(KX_GROW(text, cap, 128), 0);
	assert_ptr_equal(text, before);
	assert_int_equal(cap, 128);
	free(text);
}

static void test_overflow_leaves_the_array(void **state)
{
	(void)state;
	struct point *items = NULL;
	size_t cap = 0;
	assert_int_equal(KX_GROW(items, cap, 4), 0);
	items[3] = (struct point){7, 8};
	struct point *before = items;
	assert_int_equal(KX_GROW(items, cap, SIZE_MAX / 2), -1);
	assert_int_equal(KX_GROW(items, cap, SIZE_MAX), -1);
	assert_ptr_equal(items, before);
	assert_int_equal(cap, KX_GROW_FIRST);
	assert_int_equal(items[3].x, 7);
	free(items);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_grows_by_doubling_and_keeps_elements),
	cmocka_unit_test(test_enough_room_changes_nothing),
	cmocka_unit_test(test_overflow_leaves_the_array))
