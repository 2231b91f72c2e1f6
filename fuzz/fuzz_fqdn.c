/* fuzz_fqdn.c - the FQDN check after '@' in a key identifier
 * (harness/core/fqdn.c), against an independent reading of the rules.
 *
 * The rules (fqdn.h, docs/vectors.md): 1..253 characters, at least two
 * labels of 1..63 of [A-Za-z0-9-] that neither start nor end with '-', a
 * last label that is not all digits, no trailing dot. The reference below
 * is written differently on purpose (one pass, counting as it goes), so a
 * shared mistake is unlikely. Invariants:
 * - kx_fqdn_valid agrees with the reference on every input (embedded NULs
 *   included: the length, not a terminator, ends the name);
 * - a valid name builds a key identifier in every reading, and that
 *   identifier classifies back to the same name and identifier bytes. */
#include "fuzz.h"

#include "core/fqdn.h"
#include "core/keyid.h"

#include <string.h>

static int reference_valid(const uint8_t *s, size_t len)
{
	size_t labels = 1, label_len = 0;
	int all_digits = 1;
	uint8_t prev = '.';

	if (len < 1 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];

		if (c == '.') {
			if (label_len == 0 || prev == '-')
				return 0;
			labels++;
			label_len = 0;
			all_digits = 1;
		} else {
			int digit = c >= '0' && c <= '9';
			int letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';

			if (!digit && !letter && c != '-')
				return 0;
			if (c == '-' && label_len == 0)
				return 0;
			if (++label_len > 63)
				return 0;
			all_digits = all_digits && digit;
		}
		prev = c;
	}
	return labels >= 2 && label_len > 0 && prev != '-' && !all_digits;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int valid = kx_fqdn_valid((const char *)data, size);
	int expected = reference_valid(data, size);
	uint8_t id[KX_KEY_ID_LEN];
	char fqdn[KX_FQDN_MAX + 1], keyid[KX_KEYID_MAX];

	FUZZ_CHECK(valid == expected, "kx_fqdn_valid says %d, the rules say %d (%zu bytes)", valid, expected,
	           size);
	if (!valid)
		return 0;
	memcpy(fqdn, data, size);
	fqdn[size] = '\0';
	for (size_t i = 0; i < sizeof id; i++)
		id[i] = (uint8_t)(size * 31 + i * 7);
	for (int r = 0; r < KX_READING_COUNT; r++) {
		struct kx_keyid parsed;
		int n = kx_keyid_build(id, fqdn, (enum kx_keyid_reading)r, keyid, sizeof keyid);
		enum kx_keyid_error e;

		FUZZ_CHECK(n > 0 && (size_t)n < sizeof keyid, "a valid FQDN did not build in reading %d", r);
		e = kx_keyid_classify(keyid, (size_t)n, id, &parsed);
		FUZZ_CHECK(e == KX_KEYID_OK, "\"%s\" (reading %d) classifies as %s", keyid, r,
		           kx_keyid_error_name(e));
		FUZZ_CHECK(strcmp(parsed.fqdn, fqdn) == 0 && memcmp(parsed.id, id, sizeof id) == 0,
		           "\"%s\" classifies to another name or identifier", keyid);
	}
	return 0;
}
