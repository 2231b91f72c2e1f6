/* fuzz_base64.c - the strict base64 decoder and the encoder
 * (harness/core/base64.c), in both alphabets, padded and unpadded.
 *
 * The input is read twice: as text to decode and as bytes to encode.
 * Invariants:
 * - a string that decodes re-encodes to exactly itself: strictness means one
 *   accepted spelling per byte string (base64.h, RFC 4648 3.5), which is
 *   what lets the key identifier classifier tell readings apart;
 * - the decoded length is what the encoded length implies, and a buffer one
 *   byte too small is refused rather than overrun;
 * - decode(encode(x)) == x, and encode writes kx_base64_encoded_len characters;
 * - padded and unpadded encodings differ only by the trailing '='. */
#include "fuzz.h"

#include "core/base64.h"

#include <string.h>

static const enum kx_b64_alphabet alphabets[] = {KX_B64_STANDARD, KX_B64_URL};
static const enum kx_b64_padding paddings[] = {KX_B64_PADDED, KX_B64_UNPADDED};

static void check_decode(const char *text, size_t len, enum kx_b64_alphabet a, enum kx_b64_padding p)
{
	size_t cap = len / 4 * 3 + 3, got = 99, again_len = 0;
	uint8_t *out = malloc(cap);
	char *again;

	FUZZ_CHECK(out != NULL, "out of memory");
	if (kx_base64_decode(text, len, out, cap, &got, a, p) != 0) {
		FUZZ_CHECK(got == 0, "a failed decode set *outlen to %zu", got);
		free(out);
		return;
	}
	FUZZ_CHECK(got <= cap, "decoded %zu bytes into a %zu-byte buffer", got, cap);
	again = malloc(kx_base64_encoded_len(got, p) + 1);
	FUZZ_CHECK(again != NULL, "out of memory");
	again_len = kx_base64_encode(out, got, again, a, p);
	FUZZ_CHECK(
	    again_len == len && memcmp(again, text, len) == 0,
	    "a decoded string (alphabet %d, padding %d, %zu chars) re-encodes differently: not canonical", a,
	    p, len);
	/* The exact capacity is enough; one byte less must be refused. */
	if (got > 0) {
		size_t got2 = 0;

		FUZZ_CHECK(kx_base64_decode(text, len, out, got, &got2, a, p) == 0 && got2 == got,
		           "decoding into exactly %zu bytes failed", got);
		FUZZ_CHECK(kx_base64_decode(text, len, out, got - 1, &got2, a, p) != 0,
		           "decoding %zu bytes into %zu succeeded", got, got - 1);
	}
	free(again);
	free(out);
}

static void check_encode(const uint8_t *data, size_t size, enum kx_b64_alphabet a)
{
	size_t padded_len = kx_base64_encoded_len(size, KX_B64_PADDED);
	size_t unpadded_len = kx_base64_encoded_len(size, KX_B64_UNPADDED);
	char *padded = malloc(padded_len + 1), *unpadded = malloc(unpadded_len + 1);
	uint8_t *back = malloc(size + 1);
	size_t got = 0;

	FUZZ_CHECK(padded != NULL && unpadded != NULL && back != NULL, "out of memory");
	FUZZ_CHECK(kx_base64_encode(data, size, padded, a, KX_B64_PADDED) == padded_len,
	           "encode and encoded_len disagree (padded, %zu bytes)", size);
	FUZZ_CHECK(kx_base64_encode(data, size, unpadded, a, KX_B64_UNPADDED) == unpadded_len,
	           "encode and encoded_len disagree (unpadded, %zu bytes)", size);
	FUZZ_CHECK(padded[padded_len] == '\0' && unpadded[unpadded_len] == '\0', "encode did not terminate");
	FUZZ_CHECK(padded_len % 4 == 0, "padded length %zu is not a multiple of 4", padded_len);
	FUZZ_CHECK(memcmp(padded, unpadded, unpadded_len) == 0 &&
	               strspn(padded + unpadded_len, "=") == padded_len - unpadded_len,
	           "padded and unpadded encodings differ beyond the padding");
	FUZZ_CHECK(kx_base64_decode(padded, padded_len, back, size, &got, a, KX_B64_PADDED) == 0 &&
	               got == size && (size == 0 || memcmp(back, data, size) == 0),
	           "decode(encode(x)) != x (padded, alphabet %d, %zu bytes)", a, size);
	FUZZ_CHECK(kx_base64_decode(unpadded, unpadded_len, back, size, &got, a, KX_B64_UNPADDED) == 0 &&
	               got == size && (size == 0 || memcmp(back, data, size) == 0),
	           "decode(encode(x)) != x (unpadded, alphabet %d, %zu bytes)", a, size);
	free(padded);
	free(unpadded);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t a = 0; a < 2; a++) {
		for (size_t p = 0; p < 2; p++)
			check_decode((const char *)data, size, alphabets[a], paddings[p]);
		check_encode(data, size, alphabets[a]);
	}
	return 0;
}
