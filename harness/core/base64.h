/* base64.h - RFC 4648 base64 (section 4) and base64url (section 5), padded
 * and unpadded, with strict decoding. */
#ifndef KX_BASE64_H
#define KX_BASE64_H

#include <stddef.h>
#include <stdint.h>

enum kx_b64_alphabet { KX_B64_STANDARD, KX_B64_URL };
enum kx_b64_padding { KX_B64_PADDED, KX_B64_UNPADDED };

/* Returns the number of characters kx_base64_encode writes for n bytes (without the NUL). */
size_t kx_base64_encoded_len(size_t n, enum kx_b64_padding padding);

/* Encodes len bytes into out (room for kx_base64_encoded_len + 1) and NUL-terminates; returns the length. */
size_t kx_base64_encode(const uint8_t *in, size_t len, char *out, enum kx_b64_alphabet alphabet,
                        enum kx_b64_padding padding);

/* Strictly decodes inlen characters into out (capacity cap), setting *outlen.
 * Rejects (returns -1) characters outside the alphabet, whitespace, padding when
 * KX_B64_UNPADDED, missing or misplaced padding when KX_B64_PADDED, an impossible
 * length, non-zero unused bits (RFC 4648 3.5, non-canonical), and overflow. Returns 0 on success. */
int kx_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap, size_t *outlen,
                     enum kx_b64_alphabet alphabet, enum kx_b64_padding padding);

#endif
