/* base64.c - RFC 4648 base64 (section 4) and base64url (section 5).
 *
 * Decoding is strict because the key identifier classifier tells readings
 * apart by their encoding: if a decoder tolerated stray padding, whitespace or
 * non-zero unused bits, two different strings would name the same identifier
 * and a vendor's wrong encoding could pass as a reference one. Each byte
 * string therefore has exactly one accepted encoding per alphabet and padding
 * (RFC 4648 section 3.5, canonical encoding). */
#include "base64.h"

static const char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Explicit ranges rather than a 256-entry table indexed by a possibly signed
 * char; '=' is not a value, so it fails here wherever it is not padding. */
static int b64_value(char c, enum kx_b64_alphabet alphabet)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (alphabet == KX_B64_STANDARD) {
		if (c == '+')
			return 62;
		if (c == '/')
			return 63;
	} else {
		if (c == '-')
			return 62;
		if (c == '_')
			return 63;
	}
	return -1;
}

size_t kx_base64_encoded_len(size_t n, enum kx_b64_padding padding)
{
	size_t tail = n % 3;

	if (tail == 0)
		return n / 3 * 4;
	return n / 3 * 4 + (padding == KX_B64_PADDED ? 4 : tail + 1);
}

size_t kx_base64_encode(const uint8_t *in, size_t len, char *out, enum kx_b64_alphabet alphabet,
                        enum kx_b64_padding padding)
{
	const char *digits = alphabet == KX_B64_URL ? url_alphabet : std_alphabet;
	size_t o = 0;
	size_t i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = digits[v >> 18 & 0x3f];
		out[o++] = digits[v >> 12 & 0x3f];
		out[o++] = digits[v >> 6 & 0x3f];
		out[o++] = digits[v & 0x3f];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = digits[v >> 18 & 0x3f];
		out[o++] = digits[v >> 12 & 0x3f];
		if (padding == KX_B64_PADDED) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = digits[v >> 18 & 0x3f];
		out[o++] = digits[v >> 12 & 0x3f];
		out[o++] = digits[v >> 6 & 0x3f];
		if (padding == KX_B64_PADDED)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

int kx_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap, size_t *outlen,
                     enum kx_b64_alphabet alphabet, enum kx_b64_padding padding)
{
	size_t data = inlen; /* characters that carry bits, padding excluded */
	size_t tail, need, o = 0;
	uint32_t v = 0;

	*outlen = 0;
	if (padding == KX_B64_PADDED) {
		if (inlen % 4 != 0)
			return -1;
		/* Only a trailing "=" or "==" is padding; any other '=' stays in
		 * the data and is rejected as outside the alphabet. */
		if (data > 0 && in[data - 1] == '=') {
			data--;
			if (in[data - 1] == '=')
				data--;
		}
	}
	tail = data % 4;
	if (tail == 1)
		return -1; /* 6 bits cannot make a byte */
	need = data / 4 * 3 + (tail ? tail - 1 : 0);
	if (need > cap)
		return -1;

	for (size_t i = 0; i < data; i++) {
		int d = b64_value(in[i], alphabet);

		if (d < 0)
			return -1;
		v = v << 6 | (uint32_t)d;
		if (i % 4 == 3) {
			out[o++] = (uint8_t)(v >> 16);
			out[o++] = (uint8_t)(v >> 8);
			out[o++] = (uint8_t)v;
			v = 0;
		}
	}
	/* The last quantum's unused low bits must be zero, else e.g. "Zh==" and
	 * "Zg==" would both decode to "f". */
	if (tail == 2) {
		if (v & 0x0f)
			return -1;
		out[o++] = (uint8_t)(v >> 4);
	} else if (tail == 3) {
		if (v & 0x03)
			return -1;
		out[o++] = (uint8_t)(v >> 10);
		out[o++] = (uint8_t)(v >> 2);
	}
	*outlen = o;
	return 0;
}
