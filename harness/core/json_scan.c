/* json_scan.c - strings and numbers of JSON text, checked as jansson checks
 * them, for both readers: runs of plain characters are taken eight bytes at a
 * time (kx_json_has_special_byte), since strings are most of the bytes of a
 * vector file or a driver request. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"


/* Records the first error with its line and column (counted only now, since
 * errors are rare); returns NULL for the caller to pass up. */
json_t *kx_json_scan_fail(struct kx_json_scanner *r, const char *at, const char *what)
{
	if (r->failed++)
		return NULL;
	if (r->error != NULL) {
		int line = 1, column = 0;
		for (const char *c = r->start; c < at && c < r->end; c++) {
			if (*c == '\n')
				line++, column = 0;
			else
				column++;
		}
		r->error->line = line;
		r->error->column = column;
		r->error->position = (int)(at - r->start);
		snprintf(r->error->text, sizeof r->error->text, "%s", what);
	}
	return NULL;
}


static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The four hex digits of a \u escape at p, or -1. */
static long read_u4(const char *p, const char *end)
{
	long value = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p[i]);
		if (d < 0)
			return -1;
		value = value << 4 | d;
	}
	return value;
}

static size_t put_utf8(char *w, unsigned long cp)
{
	if (cp < 0x80) {
		w[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		w[0] = (char)(0xC0 | cp >> 6);
		w[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		w[0] = (char)(0xE0 | cp >> 12);
		w[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		w[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	w[0] = (char)(0xF0 | cp >> 18);
	w[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	w[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	w[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Checks the string whose opening quote is at r->p and moves past it: its
 * escaped text is [*begin, *end), *escaped says whether kx_json_scan_decode must
 * run on it. 0, or -1 with the error recorded. */
int kx_json_scan_string(struct kx_json_scanner *r, const char **begin, const char **end, int *escaped)
{
	const char *p = ++r->p;
	*begin = p;
	*escaped = 0;
	for (;;) {
		/* Runs of plain ASCII (hex strings are nothing else) eight bytes at a time, then byte by byte. */
		while (r->end - p >= 8 && !kx_json_has_special_byte(p))
			p += 8;
		while (p < r->end && (unsigned char)*p >= 0x20 && *p != '"' && *p != '\\' && (unsigned char)*p < 0x80)
			p++;
		if (p >= r->end)
			return kx_json_scan_fail(r, p, "premature end of input in a string"), -1;
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20)
			return kx_json_scan_fail(r, p, "control character in a string"), -1;
		if (c >= 0x80) {
			size_t n = kx_utf8_sequence((const unsigned char *)p, (size_t)(r->end - p));
			if (n == 0)
				return kx_json_scan_fail(r, p, "invalid UTF-8 in a string"), -1;
			p += n;
			continue;
		}
		/* A backslash. */
		*escaped = 1;
		if (p + 1 >= r->end)
			return kx_json_scan_fail(r, p, "premature end of input in a string"), -1;
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u': {
			long cp = read_u4(p + 2, r->end);
			if (cp < 0)
				return kx_json_scan_fail(r, p, "invalid \\u escape"), -1;
			if (cp == 0)
				return kx_json_scan_fail(r, p, "\\u0000 is not allowed"), -1;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return kx_json_scan_fail(r, p, "invalid Unicode: a lone low surrogate"), -1;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				long low = p + 7 < r->end && p[6] == '\\' && p[7] == 'u' ? read_u4(p + 8, r->end) : -1;
				if (low < 0xDC00 || low > 0xDFFF)
					return kx_json_scan_fail(r, p, "invalid Unicode: a high surrogate without its low one"), -1;
				p += 6;
			}
			p += 6;
			break;
		}
		default:
			return kx_json_scan_fail(r, p, "invalid escape in a string"), -1;
		}
	}
	*end = p;
	r->p = p + 1;
	return 0;
}

/* Decodes the escaped text [begin, end), checked by kx_json_scan_string, into out,
 * which may be begin itself: the decoded bytes are never more than the
 * escaped ones. Returns their number. */
size_t kx_json_scan_decode(const char *begin, const char *end, char *out)
{
	char *w = out;
	for (const char *q = begin; q < end;) {
		if (*q != '\\') {
			*w++ = *q++;
			continue;
		}
		char e = q[1];
		q += 2;
		switch (e) {
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u': {
			unsigned long cp = (unsigned long)read_u4(q, end);
			q += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)read_u4(q + 2, end) - 0xDC00);
				q += 6;
			}
			w += put_utf8(w, cp);
			break;
		}
		default: *w++ = e; break; /* " \ / */
		}
	}
	return (size_t)(w - out);
}

/* Reads the number at r->p: 0 with *is_real saying which of *integer and
 * *real holds it, or -1 with the error recorded. */
int kx_json_scan_number(struct kx_json_scanner *r, int *is_real, json_int_t *integer, double *real)
{
	const char *begin = r->p, *p = r->p;
	int negative = 0;
	*is_real = 0;
	if (*p == '-')
		negative = 1, p++;
	if (p >= r->end || *p < '0' || *p > '9')
		return kx_json_scan_fail(r, begin, "invalid number"), -1;
	if (*p == '0')
		p++;
	else
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	if (p < r->end && *p == '.') {
		*is_real = 1, p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return kx_json_scan_fail(r, begin, "invalid number"), -1;
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		*is_real = 1, p++;
		if (p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return kx_json_scan_fail(r, begin, "invalid number"), -1;
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	r->p = p;
	if (!*is_real) {
		/* Accumulated negatively so that the most negative json_int_t fits. */
		json_int_t value = 0;
		const json_int_t min = (json_int_t)(-1 - (json_int_t)(((unsigned long long)-1) >> 1));
		for (const char *d = begin + negative; d < p; d++) {
			int digit = *d - '0';
			if (value < (min + digit) / 10)
				return kx_json_scan_fail(r, begin, negative ? "too big negative integer" : "too big integer"), -1;
			value = value * 10 - digit;
		}
		if (!negative) {
			if (value == min)
				return kx_json_scan_fail(r, begin, "too big integer"), -1;
			value = -value;
		}
		*integer = value;
		return 0;
	}
	/* strtod needs a terminated copy; the C locale's decimal point is '.'
	 * (nothing in the harness calls setlocale). */
	char small[64];
	size_t n = (size_t)(p - begin);
	char *copy = n < sizeof small ? small : malloc(n + 1);
	if (copy == NULL)
		return kx_json_scan_fail(r, begin, "out of memory"), -1;
	memcpy(copy, begin, n);
	copy[n] = '\0';
	errno = 0;
	*real = strtod(copy, NULL);
	int overflow = errno == ERANGE && (*real == HUGE_VAL || *real == -HUGE_VAL);
	if (copy != small)
		free(copy);
	if (overflow)
		return kx_json_scan_fail(r, begin, "real number overflow"), -1;
	return 0;
}
