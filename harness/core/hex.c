/* hex.c - hexadecimal encoding and strict decoding of byte strings.
 *
 * Vectors carry byte strings as hex and key identifiers may be hexBinary, so
 * decoding is strict: an odd digit count or a stray character is an error,
 * never something to skip. Digits are classified by explicit ranges rather
 * than <ctype.h> so the result does not depend on the locale. */
#include "hex.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
