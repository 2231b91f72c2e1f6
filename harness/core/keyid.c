/* keyid.c - key identifiers RelativeKeyID@FQDN (TS-0003 10.3.5, TR-0038 A.4).
 *
 * The specification's text supports several encodings of the relative part
 * (spec point 1). The harness builds each of them and, given a vendor's
 * identifier, says which one it is, so that a vendor is told *which* reading
 * it implemented rather than just "wrong". Names, precedence and error classes
 * are those of docs/vectors.md; vectors/gen/keyid.py implements the same
 * rules independently and the two must agree on every vector.
 *
 * The readings are told apart by length and alphabet (24, 44, 32, 22 or 24
 * with '-'/'_', 22 characters), so at most one decodes a given string; the
 * table order only decides which name wins if that ever stops being true. */
#include <string.h>

#include "base64.h"
#include "hex.h"
#include "keyid.h"

#define KX_HEX_ID_LEN (2 * KX_KEY_ID_LEN)
/* Longest relative part: base64 of the 32-char hex string. */
#define KX_RELATIVE_MAX 44

static const char *const reading_names[KX_READING_COUNT] = {
    [KX_READING_REFERENCE] = "reference", [KX_READING_TR0038_EXAMPLE] = "tr0038-example",
    [KX_READING_HEXBINARY] = "hexbinary", [KX_READING_BASE64URL] = "base64url",
    [KX_READING_UNPADDED] = "unpadded",
};

static const char *const error_names[KX_KEYID_ERROR_COUNT] = {
    [KX_KEYID_OK] = "ok",
    [KX_KEYID_MISSING_AT] = "missing-at",
    [KX_KEYID_AT_IN_RELATIVE] = "at-in-relative",
    [KX_KEYID_EMPTY_RELATIVE] = "empty-relative",
    [KX_KEYID_BAD_FQDN] = "bad-fqdn",
    [KX_KEYID_BAD_ENCODING] = "bad-encoding",
    [KX_KEYID_WRONG_IDENTIFIER] = "wrong-identifier",
};

/* "?" rather than NULL for out-of-range values, so a caller printing the name
 * of a corrupted value prints something instead of crashing. */
const char *kx_keyid_reading_name(enum kx_keyid_reading reading)
{
	if ((unsigned)reading >= KX_READING_COUNT)
		return "?";
	return reading_names[reading];
}

int kx_keyid_reading_from_name(const char *name, enum kx_keyid_reading *reading)
{
	for (int r = 0; r < KX_READING_COUNT; r++) {
		if (strcmp(name, reading_names[r]) == 0) {
			*reading = (enum kx_keyid_reading)r;
			return 0;
		}
	}
	return -1;
}

const char *kx_keyid_error_name(enum kx_keyid_error error)
{
	if ((unsigned)error >= KX_KEYID_ERROR_COUNT)
		return "?";
	return error_names[error];
}

/* Hex readings are built upper case because that is what the TR-0038 A.4
 * example encodes; base64url is built padded, as RFC 4648 section 5 shows it.
 * Identifiers whose base64 has neither '+' nor '/' have the same base64url
 * encoding as the reference and classify as the reference. */
int kx_keyid_build(const uint8_t id[KX_KEY_ID_LEN], const char *fqdn, enum kx_keyid_reading reading,
                   char *out, size_t cap)
{
	char rel[KX_RELATIVE_MAX + 1];
	char hexid[KX_HEX_ID_LEN + 1];
	size_t fqdn_len = strlen(fqdn);
	size_t rel_len, total;

	if (!kx_fqdn_valid(fqdn, fqdn_len))
		return -1;
	switch (reading) {
	case KX_READING_REFERENCE:
		rel_len = kx_base64_encode(id, KX_KEY_ID_LEN, rel, KX_B64_STANDARD, KX_B64_PADDED);
		break;
	case KX_READING_TR0038_EXAMPLE:
		kx_hex_encode(id, KX_KEY_ID_LEN, hexid, 1);
		rel_len = kx_base64_encode((const uint8_t *)hexid, KX_HEX_ID_LEN, rel, KX_B64_STANDARD,
		                           KX_B64_PADDED);
		break;
	case KX_READING_HEXBINARY:
		rel_len = kx_hex_encode(id, KX_KEY_ID_LEN, rel, 1);
		break;
	case KX_READING_BASE64URL:
		rel_len = kx_base64_encode(id, KX_KEY_ID_LEN, rel, KX_B64_URL, KX_B64_PADDED);
		break;
	case KX_READING_UNPADDED:
		rel_len = kx_base64_encode(id, KX_KEY_ID_LEN, rel, KX_B64_STANDARD, KX_B64_UNPADDED);
		break;
	default:
		return -1;
	}
	total = rel_len + 1 + fqdn_len;
	if (total >= cap)
		return -1;
	memcpy(out, rel, rel_len);
	out[rel_len] = '@';
	memcpy(out + rel_len + 1, fqdn, fqdn_len);
	out[total] = '\0';
	return (int)total;
}

/* Each reader returns 1 and fills id if the relative part is in its reading. */
typedef int (*reader_fn)(const char *rel, size_t len, uint8_t id[KX_KEY_ID_LEN]);

static int decodes_to_id(const char *rel, size_t len, uint8_t id[KX_KEY_ID_LEN],
                         enum kx_b64_alphabet alphabet, enum kx_b64_padding padding)
{
	size_t got;

	return kx_base64_decode(rel, len, id, KX_KEY_ID_LEN, &got, alphabet, padding) == 0 &&
	       got == KX_KEY_ID_LEN;
}

static int read_reference(const char *rel, size_t len, uint8_t id[KX_KEY_ID_LEN])
{
	return decodes_to_id(rel, len, id, KX_B64_STANDARD, KX_B64_PADDED);
}

static int read_tr0038_example(const char *rel, size_t len, uint8_t id[KX_KEY_ID_LEN])
{
	uint8_t hexid[KX_HEX_ID_LEN];
	size_t got;

	if (kx_base64_decode(rel, len, hexid, sizeof(hexid), &got, KX_B64_STANDARD, KX_B64_PADDED) != 0 ||
	    got != KX_HEX_ID_LEN)
		return 0;
	return kx_hex_decode((const char *)hexid, KX_HEX_ID_LEN, id, KX_KEY_ID_LEN, &got) == 0;
}

static int read_hexbinary(const char *rel, size_t len, uint8_t id[KX_KEY_ID_LEN])
{
	size_t got;

	return len == KX_HEX_ID_LEN && kx_hex_decode(rel, len, id, KX_KEY_ID_LEN, &got) == 0;
}

/* Without '-' or '_' a base64url string is also a standard one, and the
 * reference or unpadded reading has already claimed it. */
static int read_base64url(const char *rel, size_t len, uint8_t id[KX_KEY_ID_LEN])
{
	if (memchr(rel, '-', len) == NULL && memchr(rel, '_', len) == NULL)
		return 0;
	return decodes_to_id(rel, len, id, KX_B64_URL, KX_B64_PADDED) ||
	       decodes_to_id(rel, len, id, KX_B64_URL, KX_B64_UNPADDED);
}

static int read_unpadded(const char *rel, size_t len, uint8_t id[KX_KEY_ID_LEN])
{
	return decodes_to_id(rel, len, id, KX_B64_STANDARD, KX_B64_UNPADDED);
}

/* In the precedence order of docs/vectors.md. */
static const reader_fn readers[KX_READING_COUNT] = {
    [KX_READING_REFERENCE] = read_reference, [KX_READING_TR0038_EXAMPLE] = read_tr0038_example,
    [KX_READING_HEXBINARY] = read_hexbinary, [KX_READING_BASE64URL] = read_base64url,
    [KX_READING_UNPADDED] = read_unpadded,
};

enum kx_keyid_error kx_keyid_classify(const char *s, size_t len, const uint8_t *expected_id,
                                      struct kx_keyid *out)
{
	const char *at, *rel, *fqdn;
	size_t rel_len, fqdn_len;
	uint8_t id[KX_KEY_ID_LEN];

	at = len > 0 ? memchr(s, '@', len) : NULL;
	if (at == NULL)
		return KX_KEYID_MISSING_AT;
	rel = s;
	rel_len = (size_t)(at - s);
	fqdn = at + 1;
	fqdn_len = len - rel_len - 1;
	/* With a second '@' no split is right; docs/vectors.md names it by the
	 * relative part containing '@', whichever '@' was meant to separate. */
	if (memchr(fqdn, '@', fqdn_len) != NULL)
		return KX_KEYID_AT_IN_RELATIVE;
	if (rel_len == 0)
		return KX_KEYID_EMPTY_RELATIVE;
	if (!kx_fqdn_valid(fqdn, fqdn_len))
		return KX_KEYID_BAD_FQDN;

	for (int r = 0; r < KX_READING_COUNT; r++) {
		if (!readers[r](rel, rel_len, id))
			continue;
		if (expected_id != NULL && memcmp(id, expected_id, KX_KEY_ID_LEN) != 0)
			return KX_KEYID_WRONG_IDENTIFIER;
		if (out != NULL) {
			out->reading = (enum kx_keyid_reading)r;
			memcpy(out->id, id, KX_KEY_ID_LEN);
			memcpy(out->fqdn, fqdn, fqdn_len);
			out->fqdn[fqdn_len] = '\0';
		}
		return KX_KEYID_OK;
	}
	return KX_KEYID_BAD_ENCODING;
}
