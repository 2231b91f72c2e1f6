/* fuzz_hex.c - the strict hex decoder, kx_is_hex and the encoder
 * (harness/core/hex.c).
 *
 * The input is read as text to decode and as bytes to encode. Invariants:
 * - decoding succeeds exactly when the length is even and kx_is_hex agrees,
 *   so the driver, the vectors and the runner never disagree on what a byte
 *   string is;
 * - a decoded string re-encodes to itself up to case, and a buffer one byte
 *   too small is refused;
 * - decode(encode(x)) == x in both cases, and the encoding is 2n digits. */
#include "fuzz.h"

#include "core/hex.h"

#include <string.h>

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void check_decode(const char *text, size_t len)
{
	uint8_t *out = malloc(len / 2 + 1);
	char *again = malloc(len + 1);
	size_t got = 99;
	int ok;

	FUZZ_CHECK(out != NULL && again != NULL, "out of memory");
	ok = kx_hex_decode(text, len, out, len / 2, &got) == 0;
	FUZZ_CHECK(ok == (len % 2 == 0 && kx_is_hex(text, len)),
	           "decode says %d, length %zu and kx_is_hex say %d", ok, len, kx_is_hex(text, len));
	if (!ok) {
		FUZZ_CHECK(got == 0, "a failed decode set *outlen to %zu", got);
	} else {
		FUZZ_CHECK(got == len / 2, "%zu digits decoded to %zu bytes", len, got);
		kx_hex_encode(out, got, again, 0);
		for (size_t i = 0; i < len; i++)
			FUZZ_CHECK(again[i] == lower(text[i]), "re-encoding differs at digit %zu", i);
		if (got > 0)
			FUZZ_CHECK(kx_hex_decode(text, len, out, got - 1, &got) != 0,
			           "decoding %zu bytes into %zu succeeded", len / 2, len / 2 - 1);
	}
	free(out);
	free(again);
}

static void check_encode(const uint8_t *data, size_t size)
{
	char *text = malloc(2 * size + 1);
	uint8_t *back = malloc(size + 1);
	size_t got = 0;

	FUZZ_CHECK(text != NULL && back != NULL, "out of memory");
	for (int upper = 0; upper < 2; upper++) {
		FUZZ_CHECK(kx_hex_encode(data, size, text, upper) == 2 * size && text[2 * size] == '\0',
		           "encoding %zu bytes did not give %zu digits", size, 2 * size);
		FUZZ_CHECK(kx_is_hex(text, 2 * size), "the encoder wrote a non-hex digit");
		for (size_t i = 0; i < 2 * size; i++)
			FUZZ_CHECK(upper ? !(text[i] >= 'a' && text[i] <= 'f')
			                 : !(text[i] >= 'A' && text[i] <= 'F'),
			           "digit %zu is in the wrong case", i);
		FUZZ_CHECK(kx_hex_decode(text, 2 * size, back, size, &got) == 0 && got == size &&
		               (size == 0 || memcmp(back, data, size) == 0),
		           "decode(encode(x)) != x (upper %d, %zu bytes)", upper, size);
	}
	free(text);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode((const char *)data, size);
	check_encode(data, size);
	return 0;
}
