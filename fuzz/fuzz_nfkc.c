/* fuzz_nfkc.c - NFKC normalisation of identifiers (harness/core/nfkc.c) on
 * arbitrary bytes.
 *
 * Identifiers come from vector files and from vendors' drivers, so the bytes
 * may be anything. Invariants:
 * - kx_nfkc succeeds exactly on well-formed UTF-8 (RFC 3629: no overlong
 *   forms, no surrogates, nothing above U+10FFFF), checked by an independent
 *   decoder below: normalising ill-formed input would mean guessing;
 * - the output is well-formed UTF-8, NUL-terminated after *outlen bytes;
 * - NFKC is idempotent: normalising the output changes nothing (Unicode
 *   stability policy), so the harness and a vendor that normalises twice agree;
 * - ASCII is already NFKC: an ASCII input comes back unchanged. */
#include "fuzz.h"

#include "core/nfkc.h"

#include <string.h>

/* Returns 1 if s[0..len) is well-formed UTF-8 (Unicode 3.9, table 3-7). */
static int well_formed(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint8_t lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3;
		else
			return 0;
		/* The second byte's range excludes overlongs, surrogates and > U+10FFFF. */
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		else if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		if (len - i <= n)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return 0;
		i += n + 1;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t sentinel; /* proves a failure really clears *out */
	uint8_t *out = &sentinel, *twice = NULL;
	size_t outlen = 99, twice_len = 0;
	int ok = kx_nfkc((const char *)data, size, &out, &outlen) == 0;
	int ascii = 1;

	FUZZ_CHECK(ok == well_formed(data, size), "kx_nfkc says %d, well-formedness says %d", ok,
	           well_formed(data, size));
	if (!ok) {
		FUZZ_CHECK(out == NULL && outlen == 0, "a failed normalisation left output behind");
		return 0;
	}
	FUZZ_CHECK(out != NULL && out[outlen] == '\0', "the output is not NUL-terminated");
	FUZZ_CHECK(well_formed(out, outlen), "the output is not well-formed UTF-8");
	FUZZ_CHECK(kx_nfkc((const char *)out, outlen, &twice, &twice_len) == 0,
	           "normalising the output failed");
	FUZZ_CHECK(twice_len == outlen && memcmp(twice, out, outlen) == 0, "NFKC is not idempotent here");
	for (size_t i = 0; i < size; i++)
		ascii = ascii && data[i] < 0x80;
	if (ascii)
		FUZZ_CHECK(outlen == size && memcmp(out, data, size) == 0, "an ASCII input changed");
	free(out);
	free(twice);
	return 0;
}
