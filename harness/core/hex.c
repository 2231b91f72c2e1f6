/* hex.c - hexadecimal encoding and strict decoding of byte strings.
 *
 * Vectors carry byte strings as hex and key identifiers may be hexBinary, so
 * decoding is strict: an odd digit count or a stray character is an error,
 * never something to skip. Digits are classified by an explicit table rather
 * than <ctype.h> so the result does not depend on the locale. */
#include "hex.h"

/* Each byte's value as a hex digit plus one, 0 for a byte that is not a hex
 * digit: one lookup per character (rather than comparisons), since decoding
 * runs over every byte string of every request a driver answers. */
static const signed char hex_values[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* A digit's value, or -1. */
static int hex_value(char c)
{
	return hex_values[(unsigned char)c] - 1;
}

size_t kx_hex_encode(const uint8_t *in, size_t len, char *out, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return 2 * len;
}

int kx_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t cap, size_t *outlen)
{
	*outlen = 0;
	if (inlen % 2 != 0 || inlen / 2 > cap)
		return -1;
	for (size_t i = 0; i < inlen / 2; i++) {
		int hi = hex_value(in[2 * i]);
		int lo = hex_value(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = inlen / 2;
	return 0;
}

int kx_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hex_value(s[i]) < 0)
			return 0;
	return 1;
}
