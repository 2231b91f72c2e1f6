/* nfkc.c - NFKC of UTF-8 identifiers through libunistring (TS-0003 10.3.6).
 *
 * Identifiers enter the enrolment and end-to-end derivations "UTF-8 encoded
 * and NFKC-normalised" (spec point 5). Every input goes through the full
 * normaliser, ASCII included, so the harness never disagrees with a vendor
 * because of a shortcut. Ill-formed UTF-8 (stray continuation bytes, overlong
 * forms, encoded surrogates) is rejected first: normalising it would mean
 * guessing what the identifier was meant to be. */
#include <stdlib.h>
#include <string.h>

#include <uninorm.h>
#include <unistr.h>

#include "nfkc.h"

static int normalize(uninorm_t form, const char *utf8, size_t len, uint8_t **out, size_t *outlen)
{
	const uint8_t *s = (const uint8_t *)utf8;
	uint8_t *norm, *terminated;
	size_t normlen = 0;

	*out = NULL;
	*outlen = 0;
	if (u8_check(s, len) != NULL)
		return -1;
	norm = u8_normalize(form, s, len, NULL, &normlen);
	if (norm == NULL)
		return -1;
	/* u8_normalize does not terminate its result; callers use it as text. */
	terminated = realloc(norm, normlen + 1);
	if (terminated == NULL) {
		free(norm);
		return -1;
	}
	terminated[normlen] = '\0';
	*out = terminated;
	*outlen = normlen;
	return 0;
}

int kx_nfkc(const char *utf8, size_t len, uint8_t **out, size_t *outlen)
{
	return normalize(UNINORM_NFKC, utf8, len, out, outlen);
}

int kx_nfc(const char *utf8, size_t len, uint8_t **out, size_t *outlen)
{
	return normalize(UNINORM_NFC, utf8, len, out, outlen);
}
