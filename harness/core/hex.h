/* hex.h - hexadecimal encoding and strict decoding of byte strings. */
#ifndef KX_HEX_H
#define KX_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len hex digits (upper case if `upper`) and a NUL to out; returns 2*len. */
size_t kx_hex_encode(const uint8_t *in, size_t len, char *out, int upper);

/* Decodes exactly inlen hex digits of either case into out (capacity cap);
 * sets *outlen; returns 0, or -1 on odd length, a non-hex character or overflow. */
int kx_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t cap, size_t *outlen);

/* Returns 1 if the n characters at s are all hex digits of either case, else 0. */
int kx_is_hex(const char *s, size_t n);

#endif
