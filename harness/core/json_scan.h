/* json_scan.h - the scanning of JSON text that kx_json_parse (json_parse.c)
 * and kx_json_doc_parse (json_doc.c) share, so that both accept exactly the
 * same text, and the UTF-8 rules the writer (json_write.c) checks too.
 * Internal to the core's JSON reader and writer: use json_parse.h,
 * json_doc.h or json_write.h instead. */
#ifndef KX_JSON_SCAN_H
#define KX_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

struct kx_json_scanner {
	const char *start, *p, *end;
	int flags;
	int depth;
	json_error_t *error;
	int failed;
};

/* Length of the well-formed UTF-8 sequence at p (at most n bytes available),
 * or 0: the rules of jansson's utf8_check_full (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static inline size_t kx_utf8_sequence(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned int value;
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0; /* a continuation byte, or an overlong two-byte form */
	if (c < 0xE0)
		len = 2, value = c & 0x1F;
	else if (c < 0xF0)
		len = 3, value = c & 0x0F;
	else if (c < 0xF5)
		len = 4, value = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		value = (value << 6) | (p[i] & 0x3F);
	}
	if ((len == 3 && value < 0x800) || (len == 4 && value < 0x10000) || value > 0x10FFFF ||
	    (value >= 0xD800 && value <= 0xDFFF))
		return 0;
	return len;
}

/* Whether any of the 8 bytes at p needs a look in a string: a control
 * character, '"', '\\', or a byte of a multi-byte UTF-8 sequence. The usual
 * bit tricks ("determine if a word has a byte less than n"): a byte that
 * needs a look always sets its high bit in the result; a false alarm can
 * only follow a real one in the same word, and the byte loop sorts both out. */
static inline int kx_json_has_special_byte(const char *p)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t v;
	memcpy(&v, p, sizeof v);
	uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
	uint64_t control = (v - ones * 0x20) & ~v;
	uint64_t zero_quote = (quote - ones) & ~quote, zero_backslash = (backslash - ones) & ~backslash;
	return ((control | zero_quote | zero_backslash | v) & high) != 0;
}

static inline void kx_json_scan_space(struct kx_json_scanner *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

/* Records the first error with its line and column (counted only now, since
 * errors are rare); returns NULL for the caller to pass up. */
json_t *kx_json_scan_fail(struct kx_json_scanner *r, const char *at, const char *what);

/* Checks the string whose opening quote is at r->p and moves past it: its
 * escaped text is [*begin, *end), *escaped says whether kx_json_scan_decode must
 * run on it. 0, or -1 with the error recorded. */
int kx_json_scan_string(struct kx_json_scanner *r, const char **begin, const char **end, int *escaped);

/* Decodes the escaped text [begin, end), checked by kx_json_scan_string, into out,
 * which may be begin itself: the decoded bytes are never more than the
 * escaped ones. Returns their number. */
size_t kx_json_scan_decode(const char *begin, const char *end, char *out);

/* Reads the number at r->p: 0 with *is_real saying which of *integer and
 * *real holds it, or -1 with the error recorded. */
int kx_json_scan_number(struct kx_json_scanner *r, int *is_real, json_int_t *integer, double *real);

#endif
