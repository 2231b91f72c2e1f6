/* fuzz_keyid.c - key identifiers RelativeKeyID@FQDN (harness/core/keyid.c):
 * classification of arbitrary strings and building from arbitrary bytes.
 *
 * The whole input is classified as a vendor's identifier, without and with
 * expected bytes; its first bytes also build identifiers. Invariants:
 * - the error classes follow docs/vectors.md's precedence (no '@' is
 *   missing-at, two are at-in-relative, ...), and expected bytes only ever
 *   turn "ok" into "wrong-identifier" or back, never change another class;
 * - an identifier that classifies rebuilds, in the reading it was given,
 *   into a string that classifies to the same reading, bytes and name; the
 *   canonical readings (reference, unpadded) rebuild to the very same string;
 * - every built identifier classifies back to what built it, except the one
 *   documented overlap: a base64url identifier without '-' or '_' is also
 *   the reference spelling and classifies as reference (keyid.c);
 * - building refuses an output buffer one byte too small. */
#include "fuzz.h"

#include "core/keyid.h"

#include <string.h>

/* Names other than the input's own, for building from the input's bytes. */
static const char *const names[] = {"myMAF.provider.org", "a.b", "in-cse.example.com",
                                    "mn-cse-123456.m2m.example.net"};

static void check_classify(const char *s, size_t len)
{
	static const uint8_t other[KX_KEY_ID_LEN] = {0x13, 0x37};
	struct kx_keyid parsed, again;
	enum kx_keyid_error e = kx_keyid_classify(s, len, NULL, &parsed);
	enum kx_keyid_error with_other = kx_keyid_classify(s, len, other, &again);
	const char *at = len > 0 ? memchr(s, '@', len) : NULL;
	char built[KX_KEYID_MAX];
	int n;

	FUZZ_CHECK((unsigned)e < KX_KEYID_ERROR_COUNT && e != KX_KEYID_WRONG_IDENTIFIER,
	           "without expected bytes the result is %d", e);
	FUZZ_CHECK((at == NULL) == (e == KX_KEYID_MISSING_AT), "'@' present: %d, result %s", at != NULL,
	           kx_keyid_error_name(e));
	if (e != KX_KEYID_OK) {
		FUZZ_CHECK(with_other == e, "expected bytes changed %s into %s", kx_keyid_error_name(e),
		           kx_keyid_error_name(with_other));
		return;
	}
	FUZZ_CHECK(with_other == KX_KEYID_OK || with_other == KX_KEYID_WRONG_IDENTIFIER,
	           "expected bytes changed ok into %s", kx_keyid_error_name(with_other));
	FUZZ_CHECK((with_other == KX_KEYID_OK) == (memcmp(parsed.id, other, sizeof other) == 0),
	           "wrong-identifier does not match the bytes");
	FUZZ_CHECK((unsigned)parsed.reading < KX_READING_COUNT, "reading %d out of range", parsed.reading);
	FUZZ_CHECK(strlen(parsed.fqdn) == len - (size_t)(at - s) - 1 &&
	               memcmp(parsed.fqdn, at + 1, strlen(parsed.fqdn)) == 0,
	           "the name is not what follows the '@'");
	FUZZ_CHECK(kx_keyid_classify(s, len, parsed.id, &again) == KX_KEYID_OK &&
	               again.reading == parsed.reading,
	           "its own bytes as expected bytes change the result");

	n = kx_keyid_build(parsed.id, parsed.fqdn, parsed.reading, built, sizeof built);
	FUZZ_CHECK(n > 0, "an identifier that classifies (reading %s) does not rebuild",
	           kx_keyid_reading_name(parsed.reading));
	FUZZ_CHECK(kx_keyid_classify(built, (size_t)n, parsed.id, &again) == KX_KEYID_OK &&
	               strcmp(again.fqdn, parsed.fqdn) == 0,
	           "the rebuilt \"%s\" does not classify to the same bytes and name", built);
	FUZZ_CHECK(again.reading == parsed.reading ||
	               (parsed.reading == KX_READING_BASE64URL && again.reading == KX_READING_REFERENCE),
	           "the rebuilt \"%s\" reads as %s, the input as %s", built,
	           kx_keyid_reading_name(again.reading), kx_keyid_reading_name(parsed.reading));
	if (parsed.reading == KX_READING_REFERENCE || parsed.reading == KX_READING_UNPADDED)
		FUZZ_CHECK((size_t)n == len && memcmp(built, s, len) == 0,
		           "a canonical reading (%s) rebuilt as another spelling \"%s\"",
		           kx_keyid_reading_name(parsed.reading), built);
}

static void check_build(const uint8_t *data, size_t size)
{
	uint8_t id[KX_KEY_ID_LEN] = {0};
	const char *fqdn = names[size % (sizeof names / sizeof names[0])];
	char out[KX_KEYID_MAX], small[KX_KEYID_MAX];

	memcpy(id, data, size < sizeof id ? size : sizeof id);
	/* One byte past the identifier picks the reading, sometimes an invalid one. */
	int reading =
	    size > sizeof id ? data[sizeof id] % (KX_READING_COUNT + 1) : (int)(size % KX_READING_COUNT);
	int n = kx_keyid_build(id, fqdn, (enum kx_keyid_reading)reading, out, sizeof out);
	struct kx_keyid parsed;
	const char *at;

	if (reading == KX_READING_COUNT) {
		FUZZ_CHECK(n == -1, "an unknown reading built \"%s\"", out);
		return;
	}
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(out), "building in reading %d failed", reading);
	FUZZ_CHECK(kx_keyid_build(id, fqdn, (enum kx_keyid_reading)reading, small, (size_t)n) == -1,
	           "building into %d bytes (no room for the NUL) succeeded", n);
	FUZZ_CHECK(kx_keyid_build(id, fqdn, (enum kx_keyid_reading)reading, small, (size_t)n + 1) == n &&
	               strcmp(small, out) == 0,
	           "building into exactly %d bytes failed", n + 1);
	FUZZ_CHECK(kx_keyid_classify(out, (size_t)n, id, &parsed) == KX_KEYID_OK,
	           "the built \"%s\" does not classify", out);
	at = strchr(out, '@');
	FUZZ_CHECK((int)parsed.reading == reading ||
	               (reading == KX_READING_BASE64URL && parsed.reading == KX_READING_REFERENCE &&
	                at != NULL && memchr(out, '-', (size_t)(at - out)) == NULL &&
	                memchr(out, '_', (size_t)(at - out)) == NULL),
	           "\"%s\" built in reading %s classifies as %s", out,
	           kx_keyid_reading_name((enum kx_keyid_reading)reading),
	           kx_keyid_reading_name(parsed.reading));
	FUZZ_CHECK(strcmp(parsed.fqdn, fqdn) == 0, "\"%s\" classifies to another name", out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_classify((const char *)data, size);
	check_build(data, size);
	return 0;
}
