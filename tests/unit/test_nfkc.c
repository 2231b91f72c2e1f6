/* test_nfkc.c - unit tests of harness/core/nfkc.c: compatibility and
 * composition cases that an ASCII-only "normaliser" would get wrong, and
 * ill-formed UTF-8 that must be refused rather than normalised. */
#include "unit.h"

#include "core/nfkc.h"

struct nfkc_case {
	const char *in;
	const char *want;
};

static void assert_nfkc(const char *in, size_t len, const char *want, size_t wantlen)
{
	uint8_t *out = NULL;
	size_t outlen = 0;

	assert_int_equal(kx_nfkc(in, len, &out, &outlen), 0);
	assert_non_null(out);
	assert_int_equal(outlen, wantlen);
	assert_memory_equal(out, want, wantlen);
	assert_int_equal(out[outlen], '\0');
	free(out);
}

static void test_compatibility_cases(void **state)
{
	static const struct nfkc_case cases[] = {
	    /* full-width "ｍｎ－ｃｓｅ" */
	    {"\xef\xbd\x8d\xef\xbd\x8e\xef\xbc\x8d\xef\xbd\x83\xef\xbd\x93\xef\xbd\x85", "mn-cse"},
	    /* full-width "ｍｎ－ｃｓｅ－１２３４５６" */
	    {"\xef\xbd\x8d\xef\xbd\x8e\xef\xbc\x8d\xef\xbd\x83\xef\xbd\x93\xef\xbd\x85\xef\xbc\x8d"
	     "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96",
	     "mn-cse-123456"},
	    {"\xef\xac\x81", "fi"},                       /* U+FB01 LATIN SMALL LIGATURE FI */
	    {"e\xcc\x81", "\xc3\xa9"},                    /* e + COMBINING ACUTE -> U+00E9 */
	    {"\xe2\x91\xa0", "1"},                        /* U+2460 CIRCLED DIGIT ONE */
	    {"\xe2\x84\xab", "\xc3\x85"},                 /* U+212B ANGSTROM SIGN -> U+00C5 */
	    {"\xe2\x84\xa2", "TM"},                       /* U+2122 TRADE MARK SIGN */
	    {"x\xc2\xb2", "x2"},                          /* U+00B2 SUPERSCRIPT TWO */
	    {"a\xc2\xa0z", "a z"},                        /* U+00A0 NO-BREAK SPACE */
	    {"\xe3\x8d\xbb", "\xe5\xb9\xb3\xe6\x88\x90"}, /* U+337B SQUARE ERA NAME HEISEI */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_nfkc(cases[i].in, strlen(cases[i].in), cases[i].want, strlen(cases[i].want));
}

static void test_already_normal(void **state)
{
	static const char *const same[] = {"in-cse", "mn-cse-123456", "C-AE-1", "\xc3\xa9",
	                                   "\xe6\x97\xa5\xe6\x9c\xac"};

	(void)state;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		assert_nfkc(same[i], strlen(same[i]), same[i], strlen(same[i]));
	assert_nfkc("", 0, "", 0);
}

static void test_embedded_nul_is_kept(void **state)
{
	(void)state;
	/* U+0000 is well-formed; normalisation must not end the string there. */
	assert_nfkc("a\0\xef\xac\x81", 5, "a\0fi", 4);
}

static void test_long_input(void **state)
{
	char in[3000], want[1001];

	(void)state;
	for (int i = 0; i < 1000; i++)
		memcpy(in + 3 * i, "\xef\xbd\x8d", 3); /* full-width m */
	memset(want, 'm', 1000);
	assert_nfkc(in, 3000, want, 1000);
}

static void test_ill_formed_rejected(void **state)
{
	static const char *const bad[] = {
	    "\xc3\x28",     /* second byte not a continuation */
	    "\xed\xa0\x80", /* lone high surrogate U+D800 */
	    "\xed\xbf\xbf", /* lone low surrogate U+DFFF */
	    "\x80",         /* stray continuation */
	    "a\xbfz",
	    "\xc0\xaf",         /* overlong '/' */
	    "\xe0\x80\xaf",     /* overlong '/' */
	    "\xe2\x82",         /* truncated */
	    "\xf4\x90\x80\x80", /* above U+10FFFF */
	    "\xff",
	    "\xfe",
	    "mn-cse\xc3", /* truncated at the end */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *out = (uint8_t *)"untouched";
		size_t outlen = 99;

		assert_int_equal(kx_nfkc(bad[i], strlen(bad[i]), &out, &outlen), -1);
		assert_null(out);
		assert_int_equal(outlen, 0);
	}
}

static void test_length_is_honoured(void **state)
{
	(void)state;
	/* Only the first len bytes are read: the truncated sequence after them is not seen. */
	assert_nfkc("\xef\xac\x81\xe2\x82", 3, "fi", 2);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_compatibility_cases),  cmocka_unit_test(test_already_normal),
	cmocka_unit_test(test_embedded_nul_is_kept), cmocka_unit_test(test_long_input),
	cmocka_unit_test(test_ill_formed_rejected),  cmocka_unit_test(test_length_is_honoured))
