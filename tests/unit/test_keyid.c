/* test_keyid.c - unit tests of harness/core/keyid.c: the names and precedence
 * of docs/vectors.md, the TR-0038 A.4 anchor, build/classify round trips in
 * every reading, and hostile identifiers for every error class. */
#include "unit.h"

#include "core/base64.h"
#include "core/exporter_split.h"
#include "core/hex.h"
#include "core/keyid.h"

/* TR-0038 A.4. The reference form was checked with Python's base64 module. */
static const uint8_t anchor_id[KX_KEY_ID_LEN] = {0xff, 0x15, 0xd8, 0x4e, 0x3e, 0x38, 0xd6, 0x97,
                                                 0x4b, 0x0e, 0xb3, 0xe5, 0x60, 0x6c, 0x85, 0xfe};
#define ANCHOR_FQDN "myMAF.provider.org"
#define ANCHOR_TR0038 "RkYxNUQ4NEUzRTM4RDY5NzRCMEVCM0U1NjA2Qzg1RkU=@" ANCHOR_FQDN
#define ANCHOR_REFERENCE "/xXYTj441pdLDrPlYGyF/g==@" ANCHOR_FQDN

static enum kx_keyid_error classify(const char *s, const uint8_t *expected, struct kx_keyid *out)
{
	return kx_keyid_classify(s, strlen(s), expected, out);
}

/* Classifies s and checks it is accepted in `reading` with anchor_id. */
static void assert_reads_anchor(const char *s, enum kx_keyid_reading reading)
{
	struct kx_keyid k;

	assert_int_equal(classify(s, anchor_id, &k), KX_KEYID_OK);
	assert_int_equal(k.reading, reading);
	assert_memory_equal(k.id, anchor_id, KX_KEY_ID_LEN);
	assert_string_equal(k.fqdn, ANCHOR_FQDN);
	memset(&k, 0, sizeof(k));
	assert_int_equal(classify(s, NULL, &k), KX_KEYID_OK);
	assert_int_equal(k.reading, reading);
	assert_memory_equal(k.id, anchor_id, KX_KEY_ID_LEN);
}

static void test_names(void **state)
{
	static const char *const readings[] = {"reference", "tr0038-example", "hexbinary", "base64url",
	                                       "unpadded"};
	static const char *const errors[] = {"ok",       "missing-at",   "at-in-relative",  "empty-relative",
	                                     "bad-fqdn", "bad-encoding", "wrong-identifier"};
	enum kx_keyid_reading r;

	(void)state;
	assert_int_equal(sizeof(readings) / sizeof(readings[0]), KX_READING_COUNT);
	assert_int_equal(sizeof(errors) / sizeof(errors[0]), KX_KEYID_ERROR_COUNT);
	for (int i = 0; i < KX_READING_COUNT; i++) {
		assert_string_equal(kx_keyid_reading_name((enum kx_keyid_reading)i), readings[i]);
		assert_int_equal(kx_keyid_reading_from_name(readings[i], &r), 0);
		assert_int_equal(r, i);
	}
	for (int i = 0; i < KX_KEYID_ERROR_COUNT; i++)
		assert_string_equal(kx_keyid_error_name((enum kx_keyid_error)i), errors[i]);
	assert_int_equal(kx_keyid_reading_from_name("Reference", &r), -1);
	assert_int_equal(kx_keyid_reading_from_name("", &r), -1);
	assert_int_equal(kx_keyid_reading_from_name("hexBinary", &r), -1);
	assert_string_equal(kx_keyid_reading_name(KX_READING_COUNT), "?");
	assert_string_equal(kx_keyid_error_name(KX_KEYID_ERROR_COUNT), "?");
}

static void test_tr0038_anchor(void **state)
{
	char out[KX_KEYID_MAX];

	(void)state;
	assert_reads_anchor(ANCHOR_TR0038, KX_READING_TR0038_EXAMPLE);
	assert_int_equal(kx_keyid_build(anchor_id, ANCHOR_FQDN, KX_READING_TR0038_EXAMPLE, out, sizeof(out)),
	                 (int)strlen(ANCHOR_TR0038));
	assert_string_equal(out, ANCHOR_TR0038);
}

/* The identifier is the first 16 exported bytes (spec point 4); the anchor's
 * bytes come out of a split like any other. */
static void test_identifier_comes_from_the_split(void **state)
{
	uint8_t exported[KX_EXPORT_LEN], id[KX_KEY_ID_LEN], key[KX_KEY_LEN];

	(void)state;
	for (int i = 0; i < KX_EXPORT_LEN; i++)
		exported[i] = (uint8_t)i;
	memcpy(exported, anchor_id, KX_KEY_ID_LEN);
	kx_split_exporter(exported, id, key);
	assert_memory_equal(id, anchor_id, KX_KEY_ID_LEN);
	assert_memory_equal(key, exported + KX_KEY_ID_LEN, KX_KEY_LEN);
	kx_split_exporter_swapped(exported, id, key);
	assert_memory_equal(id, exported + KX_KEY_LEN, KX_KEY_ID_LEN);
	assert_memory_equal(key, exported, KX_KEY_LEN);
}

static void test_build_every_reading_of_the_anchor(void **state)
{
	static const char *const want[KX_READING_COUNT] = {
	    [KX_READING_REFERENCE] = ANCHOR_REFERENCE,
	    [KX_READING_TR0038_EXAMPLE] = ANCHOR_TR0038,
	    [KX_READING_HEXBINARY] = "FF15D84E3E38D6974B0EB3E5606C85FE@" ANCHOR_FQDN,
	    [KX_READING_BASE64URL] = "_xXYTj441pdLDrPlYGyF_g==@" ANCHOR_FQDN,
	    [KX_READING_UNPADDED] = "/xXYTj441pdLDrPlYGyF/g@" ANCHOR_FQDN,
	};
	char out[KX_KEYID_MAX];

	(void)state;
	for (int r = 0; r < KX_READING_COUNT; r++) {
		assert_int_equal(
		    kx_keyid_build(anchor_id, ANCHOR_FQDN, (enum kx_keyid_reading)r, out, sizeof(out)),
		    (int)strlen(want[r]));
		assert_string_equal(out, want[r]);
		assert_reads_anchor(out, (enum kx_keyid_reading)r);
	}
}

static void test_other_spellings_of_the_anchor(void **state)
{
	(void)state;
	/* base64 of the lower-case hex string */
	assert_reads_anchor("ZmYxNWQ4NGUzZTM4ZDY5NzRiMGViM2U1NjA2Yzg1ZmU=@" ANCHOR_FQDN,
	                    KX_READING_TR0038_EXAMPLE);
	/* base64 of a mixed-case hex string */
	assert_reads_anchor("RmYxNWQ4NGUzZTM4ZDY5NzRiMGViM2U1NjA2Yzg1ZmU=@" ANCHOR_FQDN,
	                    KX_READING_TR0038_EXAMPLE);
	assert_reads_anchor("ff15d84e3e38d6974b0eb3e5606c85fe@" ANCHOR_FQDN, KX_READING_HEXBINARY);
	assert_reads_anchor("Ff15D84e3E38d6974B0eB3E5606c85Fe@" ANCHOR_FQDN, KX_READING_HEXBINARY);
	assert_reads_anchor("_xXYTj441pdLDrPlYGyF_g@" ANCHOR_FQDN, KX_READING_BASE64URL);
}

/* A pseudo-random id per round; any fixed sequence covering many byte values will do. */
static void next_id(uint32_t *x, uint8_t id[KX_KEY_ID_LEN])
{
	for (int i = 0; i < KX_KEY_ID_LEN; i++) {
		*x = *x * 1103515245u + 12345u;
		id[i] = (uint8_t)(*x >> 16);
	}
}

static void test_round_trip_every_reading(void **state)
{
	static const char *const fqdns[] = {"a.b", "myMAF.provider.org", "m2m.sp1.example.org"};
	char out[KX_KEYID_MAX], rel[32];
	uint8_t id[KX_KEY_ID_LEN];
	struct kx_keyid k;
	uint32_t x = 1;
	int url_distinct = 0;

	(void)state;
	for (int round = 0; round < 200; round++) {
		const char *fqdn = fqdns[round % 3];

		next_id(&x, id);
		for (int r = 0; r < KX_READING_COUNT; r++) {
			enum kx_keyid_reading want = (enum kx_keyid_reading)r;
			int n = kx_keyid_build(id, fqdn, want, out, sizeof(out));

			assert_true(n > 0);
			assert_int_equal((size_t)n, strlen(out));
			/* A base64url string without '-' or '_' is a standard one
			 * and docs/vectors.md reports it as the reference. */
			if (want == KX_READING_BASE64URL) {
				kx_base64_encode(id, KX_KEY_ID_LEN, rel, KX_B64_URL, KX_B64_PADDED);
				if (strpbrk(rel, "-_") == NULL)
					want = KX_READING_REFERENCE;
				else
					url_distinct++;
			}
			assert_int_equal(classify(out, id, &k), KX_KEYID_OK);
			assert_int_equal(k.reading, want);
			assert_memory_equal(k.id, id, KX_KEY_ID_LEN);
			assert_string_equal(k.fqdn, fqdn);
		}
	}
	assert_true(url_distinct > 50); /* about half the ids have a 62 or 63 sextet */
}

static void test_base64url_without_url_characters_is_the_reference(void **state)
{
	uint8_t id[KX_KEY_ID_LEN] = {0};
	char out[KX_KEYID_MAX];
	struct kx_keyid k;

	(void)state;
	assert_true(kx_keyid_build(id, "a.b", KX_READING_BASE64URL, out, sizeof(out)) > 0);
	assert_string_equal(out, "AAAAAAAAAAAAAAAAAAAAAA==@a.b");
	assert_int_equal(classify(out, id, &k), KX_KEYID_OK);
	assert_int_equal(k.reading, KX_READING_REFERENCE);
	assert_int_equal(classify("AAAAAAAAAAAAAAAAAAAAAA@a.b", id, &k), KX_KEYID_OK);
	assert_int_equal(k.reading, KX_READING_UNPADDED);
}

static void test_missing_at(void **state)
{
	char big[1001];

	(void)state;
	assert_int_equal(classify("", NULL, NULL), KX_KEYID_MISSING_AT);
	assert_int_equal(kx_keyid_classify(NULL, 0, NULL, NULL), KX_KEYID_MISSING_AT);
	assert_int_equal(classify("/xXYTj441pdLDrPlYGyF/g==", anchor_id, NULL), KX_KEYID_MISSING_AT);
	assert_int_equal(classify("/xXYTj441pdLDrPlYGyF/g==myMAF.provider.org", NULL, NULL),
	                 KX_KEYID_MISSING_AT);
	assert_int_equal(classify("/xXYTj441pdLDrPlYGyF/g==%40myMAF.provider.org", NULL, NULL),
	                 KX_KEYID_MISSING_AT);
	memset(big, 'A', 1000);
	big[1000] = '\0';
	assert_int_equal(classify(big, NULL, NULL), KX_KEYID_MISSING_AT);
	/* An '@' hidden after an embedded NUL still counts: the length rules. */
	assert_int_equal(kx_keyid_classify("abc\0@a.b", 3, NULL, NULL), KX_KEYID_MISSING_AT);
}

static void test_at_in_relative(void **state)
{
	(void)state;
	assert_int_equal(classify("@@", NULL, NULL), KX_KEYID_AT_IN_RELATIVE);
	assert_int_equal(classify("@a@b.org", NULL, NULL), KX_KEYID_AT_IN_RELATIVE);
	assert_int_equal(classify("/xXY@Tj441pdLDrPlYGyF/g==@" ANCHOR_FQDN, anchor_id, NULL),
	                 KX_KEYID_AT_IN_RELATIVE);
	assert_int_equal(classify(ANCHOR_REFERENCE "@", anchor_id, NULL), KX_KEYID_AT_IN_RELATIVE);
	assert_int_equal(classify("a@b@bad fqdn", NULL, NULL), KX_KEYID_AT_IN_RELATIVE);
}

static void test_empty_relative(void **state)
{
	(void)state;
	assert_int_equal(classify("@", NULL, NULL), KX_KEYID_EMPTY_RELATIVE);
	assert_int_equal(classify("@" ANCHOR_FQDN, anchor_id, NULL), KX_KEYID_EMPTY_RELATIVE);
	assert_int_equal(classify("@not a domain", NULL, NULL), KX_KEYID_EMPTY_RELATIVE);
}

static void test_bad_fqdn(void **state)
{
	static const char *const bad[] = {
	    "/xXYTj441pdLDrPlYGyF/g==@",
	    "/xXYTj441pdLDrPlYGyF/g==@localhost",
	    "/xXYTj441pdLDrPlYGyF/g==@myMAF.provider.org.",
	    "/xXYTj441pdLDrPlYGyF/g==@.myMAF.provider.org",
	    "/xXYTj441pdLDrPlYGyF/g==@myMAF..provider.org",
	    "/xXYTj441pdLDrPlYGyF/g==@my_MAF.provider.org",
	    "/xXYTj441pdLDrPlYGyF/g==@-myMAF.provider.org",
	    "/xXYTj441pdLDrPlYGyF/g==@myMAF.provider.org ",
	    "/xXYTj441pdLDrPlYGyF/g==@192.168.0.1",
	    "not base64!@bad_fqdn", /* bad-fqdn is checked before the encoding */
	};
	static const char nul_inside[] = "/xXYTj441pdLDrPlYGyF/g==@myMAF\0.provider.org";
	struct kx_keyid k;
	char s[1100];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(classify(bad[i], anchor_id, NULL), KX_KEYID_BAD_FQDN);
	assert_int_equal(kx_keyid_classify(nul_inside, sizeof(nul_inside) - 1, anchor_id, NULL),
	                 KX_KEYID_BAD_FQDN);

	/* 64-character label, then 254- and 998-character names. */
	strcpy(s, "/xXYTj441pdLDrPlYGyF/g==@");
	memset(s + 25, 'a', 64);
	strcpy(s + 25 + 64, ".org");
	assert_int_equal(classify(s, anchor_id, NULL), KX_KEYID_BAD_FQDN);
	s[25 + 1] = '.';
	assert_int_equal(classify(s, anchor_id, &k), KX_KEYID_OK);
	strcpy(s, "x@");
	for (size_t i = 2; i < 1000; i++)
		s[i] = (i % 10 == 1) ? '.' : 'a';
	s[1000] = '\0';
	assert_int_equal(classify(s, NULL, NULL), KX_KEYID_BAD_FQDN);
	s[254 + 2] = '\0'; /* 254 characters after '@' */
	assert_int_equal(classify(s, NULL, NULL), KX_KEYID_BAD_FQDN);
	s[253 + 2] = '\0'; /* 253 characters, ends in 'a' */
	assert_int_equal(classify(s, NULL, NULL), KX_KEYID_BAD_ENCODING);
}

static void test_bad_encoding(void **state)
{
	static const char *const bad[] = {
	    "x@" ANCHOR_FQDN,
	    "hello world@" ANCHOR_FQDN,
	    "/xXYTj441pdLDrPlYGyF/g=@" ANCHOR_FQDN,   /* one '=' short */
	    "/xXYTj441pdLDrPlYGyF/g===@" ANCHOR_FQDN, /* one '=' too many */
	    "/xXYTj441pdLDrPlYGyF/h==@" ANCHOR_FQDN,  /* non-canonical unused bits */
	    "/xXYTj441pdLDrPlYGyF/h@" ANCHOR_FQDN,    /* the same, unpadded */
	    "/xXYTj441pdLDrPlYGyF/g=A@" ANCHOR_FQDN,  /* '=' inside */
	    "=xXYTj441pdLDrPlYGyF/g==@" ANCHOR_FQDN,  /* '=' at the start */
	    "/xXYTj441pd=DrPlYGyF/g==@" ANCHOR_FQDN,  /* '=' in the middle */
	    " /xXYTj441pdLDrPlYGyF/g==@" ANCHOR_FQDN, /* whitespace */
	    "/xXYTj441pdLDrPlYGyF/g== @" ANCHOR_FQDN,
	    "/xXYTj441pdLDrPlYGyF/g==\n@" ANCHOR_FQDN,
	    "/xXYTj441pdLDrPlYGyF/@" ANCHOR_FQDN,    /* 15 bytes' worth */
	    "/xXYTj441pdLDrPlYGyF/g/x@" ANCHOR_FQDN, /* 18 bytes */
	    "_xXYTj441pdLDrPlYGyF/g==@" ANCHOR_FQDN, /* both alphabets */
	    "-xXYTj441pdLDrPlYGyF+g@" ANCHOR_FQDN,
	    "FF15D84E3E38D6974B0EB3E5606C85F@" ANCHOR_FQDN,   /* 31 hex digits */
	    "FF15D84E3E38D6974B0EB3E5606C85FE0@" ANCHOR_FQDN, /* 33 hex digits */
	    "FF15D84E3E38D6974B0EB3E5606C85FG@" ANCHOR_FQDN,  /* 'G' */
	    "0xFF15D84E3E38D6974B0EB3E5606C85@" ANCHOR_FQDN,  /* prefix */
	    "FF15D84E-3E38-D697-4B0E-B3E5606C85FE@" ANCHOR_FQDN,
	    /* base64 of 32 characters that are not all hex digits ('G' at the end) */
	    "RkYxNUQ4NEUzRTM4RDY5NzRCMEVCM0U1NjA2Qzg1Rkc=@" ANCHOR_FQDN,
	    /* the anchor's tr0038 form without its padding */
	    "RkYxNUQ4NEUzRTM4RDY5NzRCMEVCM0U1NjA2Qzg1RkU@" ANCHOR_FQDN,
	    /* base64 of the hex string of only 15 bytes */
	    "RkYxNUQ4NEUzRTM4RDY5NzRCMEVCM0U1NjA2Qzg1@" ANCHOR_FQDN,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@" ANCHOR_FQDN,
	};
	static const char nul_inside[] = "/xXYTj441pd\0DrPlYGyF/g==@" ANCHOR_FQDN;
	char big[1001];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(classify(bad[i], anchor_id, NULL), KX_KEYID_BAD_ENCODING);
		assert_int_equal(classify(bad[i], NULL, NULL), KX_KEYID_BAD_ENCODING);
	}
	assert_int_equal(kx_keyid_classify(nul_inside, sizeof(nul_inside) - 1, anchor_id, NULL),
	                 KX_KEYID_BAD_ENCODING);
	memset(big, 'A', 1000);
	memcpy(big + 994, "@a.org", 6);
	big[1000] = '\0';
	assert_int_equal(classify(big, NULL, NULL), KX_KEYID_BAD_ENCODING);
}

static void test_wrong_identifier(void **state)
{
	uint8_t other[KX_KEY_ID_LEN];
	char out[KX_KEYID_MAX];
	struct kx_keyid k;

	(void)state;
	memcpy(other, anchor_id, sizeof(other));
	other[15] ^= 0x01;
	for (int r = 0; r < KX_READING_COUNT; r++) {
		assert_true(kx_keyid_build(other, ANCHOR_FQDN, (enum kx_keyid_reading)r, out, sizeof(out)) >
		            0);
		assert_int_equal(classify(out, anchor_id, &k), KX_KEYID_WRONG_IDENTIFIER);
		assert_int_equal(classify(out, other, &k), KX_KEYID_OK);
		assert_int_equal(k.reading, r);
	}
	/* The anchor's reference form read against another identifier. */
	assert_int_equal(classify("/xXYTj441pdLDrPlYGyF/g==@" ANCHOR_FQDN, other, NULL),
	                 KX_KEYID_WRONG_IDENTIFIER);
	/* Precedence: a bad FQDN is reported before a wrong identifier. */
	assert_int_equal(classify("/xXYTj441pdLDrPlYGyF/g==@localhost", other, NULL), KX_KEYID_BAD_FQDN);
}

static void test_build_rejects(void **state)
{
	char out[KX_KEYID_MAX], name[300];
	size_t want = strlen(ANCHOR_REFERENCE);
	struct kx_keyid k;

	(void)state;
	assert_int_equal(kx_keyid_build(anchor_id, "localhost", KX_READING_REFERENCE, out, sizeof(out)), -1);
	assert_int_equal(kx_keyid_build(anchor_id, "", KX_READING_REFERENCE, out, sizeof(out)), -1);
	assert_int_equal(kx_keyid_build(anchor_id, "a.b.", KX_READING_REFERENCE, out, sizeof(out)), -1);
	assert_int_equal(kx_keyid_build(anchor_id, ANCHOR_FQDN, KX_READING_COUNT, out, sizeof(out)), -1);
	assert_int_equal(kx_keyid_build(anchor_id, ANCHOR_FQDN, KX_READING_REFERENCE, out, want), -1);
	assert_int_equal(kx_keyid_build(anchor_id, ANCHOR_FQDN, KX_READING_REFERENCE, out, want + 1),
	                 (int)want);
	assert_string_equal(out, ANCHOR_REFERENCE);
	assert_int_equal(kx_keyid_build(anchor_id, ANCHOR_FQDN, KX_READING_REFERENCE, out, 0), -1);

	/* KX_KEYID_MAX holds the longest reading with the longest name. */
	for (size_t i = 0; i < 253; i++)
		name[i] = (i % 50 == 49) ? '.' : 'a';
	name[253] = '\0';
	assert_int_equal(kx_keyid_build(anchor_id, name, KX_READING_TR0038_EXAMPLE, out, KX_KEYID_MAX),
	                 KX_KEYID_MAX - 1);
	assert_int_equal(classify(out, anchor_id, &k), KX_KEYID_OK);
	assert_string_equal(k.fqdn, name);
	name[253] = 'a';
	name[254] = '\0';
	assert_int_equal(kx_keyid_build(anchor_id, name, KX_READING_REFERENCE, out, sizeof(out)), -1);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_names),
	cmocka_unit_test(test_tr0038_anchor),
	cmocka_unit_test(test_identifier_comes_from_the_split),
	cmocka_unit_test(test_build_every_reading_of_the_anchor),
	cmocka_unit_test(test_other_spellings_of_the_anchor),
	cmocka_unit_test(test_round_trip_every_reading),
	cmocka_unit_test(test_base64url_without_url_characters_is_the_reference),
	cmocka_unit_test(test_missing_at),
	cmocka_unit_test(test_at_in_relative),
	cmocka_unit_test(test_empty_relative),
	cmocka_unit_test(test_bad_fqdn),
	cmocka_unit_test(test_bad_encoding),
	cmocka_unit_test(test_wrong_identifier),
	cmocka_unit_test(test_build_rejects))
