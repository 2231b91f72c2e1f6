/* test_fqdn.c - unit tests of harness/core/fqdn.c against the FQDN rules of
 * docs/vectors.md, including the boundaries (63-char label, 253-char name). */
#include "unit.h"

#include "core/fqdn.h"

static int valid(const char *s)
{
	return kx_fqdn_valid(s, strlen(s));
}

/* Writes labels of label_len 'a's joined by '.' until the name is exactly len
 * characters (the last label takes the remainder); out has room for len + 1. */
static void make_name(char *out, size_t len, size_t label_len)
{
	size_t i = 0;

	while (i < len) {
		size_t take = len - i > label_len ? label_len : len - i;

		memset(out + i, 'a', take);
		i += take;
		if (i < len)
			out[i++] = '.';
	}
	out[len] = '\0';
}

static void test_valid_names(void **state)
{
	static const char *const good[] = {
	    "myMAF.provider.org",
	    "a.b",
	    "example.com",
	    "x-y.example.com",
	    "a1.b2",
	    "1.example.com",
	    "123.example.c0m",
	    "xn--bcher-kva.example",
	    "A.B.C.D.E.F",
	    "m2m.sp1.example.org",
	    "a.b-c",
	    "example.1a",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(valid(good[i]), 1);
}

static void test_structure(void **state)
{
	static const char *const bad[] = {
	    "",   ".",  "..",   "localhost", "example.com.", ".example.com", "example..com",
	    "a.", ".a", "a..b", "a.b.",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(valid(bad[i]), 0);
}

static void test_label_characters(void **state)
{
	static const char *const bad[] = {
	    "-a.example.com",  "a-.example.com",     "example.-com", "example.com-", "a_b.example.com",
	    "a b.example.com", "ex\xc3\xa4mple.org", "a@b.org",      "a/b.org",      "a:b.org",
	    "a*.b.org",        "a\tb.org",           "-.org",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(valid(bad[i]), 0);
}

static void test_last_label_not_all_digits(void **state)
{
	(void)state;
	assert_int_equal(valid("192.168.0.1"), 0);
	assert_int_equal(valid("example.123"), 0);
	assert_int_equal(valid("example.0"), 0);
	assert_int_equal(valid("123.example"), 1);
	assert_int_equal(valid("example.12a"), 1);
}

static void test_label_length(void **state)
{
	char name[80];

	(void)state;
	memset(name, 'a', 63);
	strcpy(name + 63, ".org");
	assert_int_equal(valid(name), 1);
	memset(name, 'a', 64);
	strcpy(name + 64, ".org");
	assert_int_equal(valid(name), 0);
	strcpy(name, "org.");
	memset(name + 4, 'b', 64);
	name[68] = '\0';
	assert_int_equal(valid(name), 0);
	name[67] = '\0';
	assert_int_equal(valid(name), 1);
}

static void test_name_length(void **state)
{
	char name[1001];

	(void)state;
	make_name(name, 253, 63);
	assert_int_equal(strlen(name), 253);
	assert_int_equal(valid(name), 1);
	make_name(name, 254, 63);
	assert_int_equal(valid(name), 0);
	make_name(name, 1000, 63);
	assert_int_equal(valid(name), 0);
	make_name(name, 253, 1); /* 127 one-character labels */
	assert_int_equal(valid(name), 1);
}

static void test_embedded_nul(void **state)
{
	(void)state;
	assert_int_equal(kx_fqdn_valid("example\0.com", 12), 0);
	assert_int_equal(kx_fqdn_valid("example.com\0", 12), 0);
	assert_int_equal(kx_fqdn_valid("\0example.com", 12), 0);
	assert_int_equal(kx_fqdn_valid("example.com\0", 11), 1);
}

static void test_length_is_honoured(void **state)
{
	(void)state;
	/* Only the first len bytes are the name. */
	assert_int_equal(kx_fqdn_valid("a.b!!!", 3), 1);
	assert_int_equal(kx_fqdn_valid("a.bc", 2), 0);
	assert_int_equal(kx_fqdn_valid("a.b", 0), 0);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_valid_names),      cmocka_unit_test(test_structure),
	cmocka_unit_test(test_label_characters), cmocka_unit_test(test_last_label_not_all_digits),
	cmocka_unit_test(test_label_length),     cmocka_unit_test(test_name_length),
	cmocka_unit_test(test_embedded_nul),     cmocka_unit_test(test_length_is_honoured))
