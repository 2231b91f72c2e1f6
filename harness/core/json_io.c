/* json_io.c - jansson helpers shared by the driver and the runner.
 *
 * Both sides of the driver protocol exchange byte strings as lower-case hex
 * members (the convention of the vectors) and one JSON object per line, so
 * these live in one place and the two sides cannot drift apart.
 *
 * It also reads and writes JSON text itself, for the paths where there is a
 * lot of it: vector files (70 MB for 100,000 tests) and the driver protocol,
 * where every derivation is a request line and an answer line. jansson's
 * reader takes one byte at a time through its stream layer (about 70 MB/s
 * here), its writer goes through a callback per fragment, and its values
 * cost two allocations each; together that was three quarters of the CPU of
 * `kxconform vectors` (bench/RESULTS.md, "Vector checking"). Here:
 * - kx_json_parse reads text into jansson values and kx_json_write writes
 *   them, accepting and writing exactly what jansson does;
 * - kx_json_doc_parse reads text into one array of nodes, with no value
 *   allocated apiece, for vector files and the driver's derivation requests.
 * Both readers share the scanning of strings and numbers, runs of plain
 * characters eight bytes at a time. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json_io.h"

static void set_err(char *err, size_t errlen, const char *what, const char *key)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "member \"%s\" %s", key, what);
}

int kx_json_get_hex(json_t *obj, const char *key, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	json_t *member = json_object_get(obj, key);
	const char *text;
	size_t textlen;
	uint8_t *buf;

	*out = NULL;
	*len = 0;
	if (member == NULL) {
		set_err(err, errlen, "is missing", key);
		return -1;
	}
	if (!json_is_string(member)) {
		set_err(err, errlen, "is not a string", key);
		return -1;
	}
	/* The length from jansson, not strlen: a "\u0000" inside must fail as
	 * a non-hex character instead of silently shortening the value. */
	text = json_string_value(member);
	textlen = json_string_length(member);
	buf = malloc(textlen / 2 + 1);
	if (buf == NULL) {
		set_err(err, errlen, "does not fit in memory", key);
		return -1;
	}
	if (kx_hex_decode(text, textlen, buf, textlen / 2, len) != 0) {
		free(buf);
		set_err(err, errlen, "is not hex (odd length or a non-hex character)", key);
		return -1;
	}
	*out = buf;
	return 0;
}

const char *kx_json_get_string(json_t *obj, const char *key)
{
	json_t *member = json_object_get(obj, key);

	return json_is_string(member) ? json_string_value(member) : NULL;
}

int kx_json_array_has_string(json_t *array, const char *value)
{
	size_t i;
	json_t *item;
	json_array_foreach(array, i, item)
	{
		if (json_is_string(item) && strcmp(json_string_value(item), value) == 0)
			return 1;
	}
	return 0;
}

int kx_json_set_hex(json_t *obj, const char *key, const uint8_t *buf, size_t len)
{
	/* Hex digits are ASCII, so jansson's UTF-8 check can be skipped; most
	 * values fit on the stack (one per derivation output). */
	char small[2 * 256 + 1];
	char *text = len <= 256 ? small : malloc(2 * len + 1);
	int rc;

	if (text == NULL)
		return -1;
	kx_hex_encode(buf, len, text, 0);
	rc = json_object_set_new(obj, key, json_stringn_nocheck(text, 2 * len));
	if (text != small)
		free(text);
	return rc == 0 ? 0 : -1;
}

char *kx_json_line(json_t *obj)
{
	struct kx_text text = {NULL, 0, 0};

	/* As json_dumps without JSON_ENCODE_ANY: only an object or an array. */
	if (!json_is_object(obj) && !json_is_array(obj))
		return NULL;
	if (kx_json_write(&text, obj) != 0 || kx_text_put(&text, "", 1) != 0 /* the NUL */) {
		free(text.data);
		return NULL;
	}
	return text.data;
}

/* ------------------------------------------------------------------ text */

int kx_text_reserve(struct kx_text *text, size_t more)
{
	if (text->cap - text->len >= more)
		return 0;
	size_t cap = text->cap ? text->cap : 256;
	while (cap - text->len < more) {
		if (cap > ((size_t)-1) / 2)
			return -1;
		cap *= 2;
	}
	char *bigger = realloc(text->data, cap);
	if (bigger == NULL)
		return -1;
	text->data = bigger;
	text->cap = cap;
	return 0;
}

int kx_text_put(struct kx_text *text, const char *bytes, size_t len)
{
	if (len == 0)
		return 0; /* data may still be NULL */
	if (kx_text_reserve(text, len) != 0)
		return -1;
	memcpy(text->data + text->len, bytes, len);
	text->len += len;
	return 0;
}

/* ----------------------------------------------------------------- UTF-8 */

/* Length of the well-formed UTF-8 sequence at p (at most n bytes available),
 * or 0: the rules of jansson's utf8_check_full (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_sequence(const unsigned char *p, size_t n)
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
static int has_special_byte(const char *p)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t v;
	memcpy(&v, p, sizeof v);
	uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
	uint64_t control = (v - ones * 0x20) & ~v;
	uint64_t zero_quote = (quote - ones) & ~quote, zero_backslash = (backslash - ones) & ~backslash;
	return ((control | zero_quote | zero_backslash | v) & high) != 0;
}

/* ---------------------------------------------------------------- writer */

/* What a byte in a string costs the writer: 0 copied as it is, 1 escaped,
 * 2 the start of a multi-byte UTF-8 sequence to check. */
static unsigned char write_class(unsigned char c)
{
	if (c < 0x20 || c == '"' || c == '\\')
		return 1;
	return c < 0x80 ? 0 : 2;
}

static int write_string(struct kx_text *out, const char *s, size_t n)
{
	/* A string needs at most 6 bytes per input byte (\u00XX) plus the quotes. */
	if (n > ((size_t)-1) / 8 || kx_text_reserve(out, 6 * n + 2) != 0)
		return -1;
	char *w = out->data + out->len;
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	*w++ = '"';
	while (p < end) {
		const unsigned char *run = p;
		while (end - p >= 8 && !has_special_byte((const char *)p))
			p += 8;
		while (p < end && write_class(*p) == 0)
			p++;
		memcpy(w, run, (size_t)(p - run));
		w += p - run;
		if (p == end)
			break;
		if (*p >= 0x80) {
			/* jansson refuses to write a string that is not UTF-8 (one made
			 * with a *_nocheck constructor); so does this writer. */
			size_t len = utf8_sequence(p, (size_t)(end - p));
			if (len == 0)
				return -1;
			memcpy(w, p, len);
			w += len;
			p += len;
			continue;
		}
		/* The escapes jansson writes: the short ones, else \u00XX in upper case. */
		static const char hexdigits[] = "0123456789ABCDEF";
		*w++ = '\\';
		switch (*p) {
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		case '\b': *w++ = 'b'; break;
		case '\f': *w++ = 'f'; break;
		case '\n': *w++ = 'n'; break;
		case '\r': *w++ = 'r'; break;
		case '\t': *w++ = 't'; break;
		default:
			*w++ = 'u', *w++ = '0', *w++ = '0';
			*w++ = hexdigits[*p >> 4], *w++ = hexdigits[*p & 0x0F];
		}
		p++;
	}
	*w++ = '"';
	out->len = (size_t)(w - out->data);
	return 0;
}

static int write_value(struct kx_text *out, json_t *value, int depth)
{
	/* A value that contains itself would never end; jansson refuses it too. */
	if (depth > JSON_PARSER_MAX_DEPTH)
		return -1;
	switch (json_typeof(value)) {
	case JSON_OBJECT: {
		const char *key;
		size_t key_len;
		json_t *member;
		int first = 1;
		if (kx_text_put_literal(out, "{") != 0)
			return -1;
		/* In insertion order, as json_dumps writes them. */
		json_object_keylen_foreach(value, key, key_len, member)
		{
			if ((!first && kx_text_put_literal(out, ",") != 0) || write_string(out, key, key_len) != 0 ||
			    kx_text_put_literal(out, ":") != 0 || write_value(out, member, depth + 1) != 0)
				return -1;
			first = 0;
		}
		return kx_text_put_literal(out, "}");
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *element;
		if (kx_text_put_literal(out, "[") != 0)
			return -1;
		json_array_foreach(value, i, element)
		{
			if ((i > 0 && kx_text_put_literal(out, ",") != 0) || write_value(out, element, depth + 1) != 0)
				return -1;
		}
		return kx_text_put_literal(out, "]");
	}
	case JSON_STRING:
		return write_string(out, json_string_value(value), json_string_length(value));
	case JSON_INTEGER: {
		char digits[32];
		int n = snprintf(digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
		return kx_text_put(out, digits, (size_t)n);
	}
	case JSON_REAL: {
		/* Rare here; jansson's own formatting keeps the bytes identical. */
		char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
		int rc = text != NULL ? kx_text_put(out, text, strlen(text)) : -1;
		free(text);
		return rc;
	}
	case JSON_TRUE:
		return kx_text_put_literal(out, "true");
	case JSON_FALSE:
		return kx_text_put_literal(out, "false");
	case JSON_NULL:
		return kx_text_put_literal(out, "null");
	}
	return -1;
}

int kx_json_write_string(struct kx_text *out, const char *s, size_t len)
{
	size_t mark = out->len;
	if (write_string(out, s, len) != 0) {
		out->len = mark;
		return -1;
	}
	return 0;
}

int kx_json_write(struct kx_text *out, json_t *value)
{
	size_t mark = out->len;
	if (value == NULL || write_value(out, value, 0) != 0) {
		out->len = mark;
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- reader */

struct reader {
	const char *start, *p, *end;
	int flags;
	int depth;
	json_error_t *error;
	int failed;
};

/* Records the first error with its line and column (counted only now, since
 * errors are rare); returns NULL for the caller to pass up. */
static json_t *fail_at(struct reader *r, const char *at, const char *what)
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

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
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
 * escaped text is [*begin, *end), *escaped says whether decode_string must
 * run on it. 0, or -1 with the error recorded. */
static int scan_string(struct reader *r, const char **begin, const char **end, int *escaped)
{
	const char *p = ++r->p;
	*begin = p;
	*escaped = 0;
	for (;;) {
		/* Runs of plain ASCII (hex strings are nothing else) eight bytes at a time, then byte by byte. */
		while (r->end - p >= 8 && !has_special_byte(p))
			p += 8;
		while (p < r->end && (unsigned char)*p >= 0x20 && *p != '"' && *p != '\\' && (unsigned char)*p < 0x80)
			p++;
		if (p >= r->end)
			return fail_at(r, p, "premature end of input in a string"), -1;
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail_at(r, p, "control character in a string"), -1;
		if (c >= 0x80) {
			size_t n = utf8_sequence((const unsigned char *)p, (size_t)(r->end - p));
			if (n == 0)
				return fail_at(r, p, "invalid UTF-8 in a string"), -1;
			p += n;
			continue;
		}
		/* A backslash. */
		*escaped = 1;
		if (p + 1 >= r->end)
			return fail_at(r, p, "premature end of input in a string"), -1;
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u': {
			long cp = read_u4(p + 2, r->end);
			if (cp < 0)
				return fail_at(r, p, "invalid \\u escape"), -1;
			if (cp == 0)
				return fail_at(r, p, "\\u0000 is not allowed"), -1;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return fail_at(r, p, "invalid Unicode: a lone low surrogate"), -1;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				long low = p + 7 < r->end && p[6] == '\\' && p[7] == 'u' ? read_u4(p + 8, r->end) : -1;
				if (low < 0xDC00 || low > 0xDFFF)
					return fail_at(r, p, "invalid Unicode: a high surrogate without its low one"), -1;
				p += 6;
			}
			p += 6;
			break;
		}
		default:
			return fail_at(r, p, "invalid escape in a string"), -1;
		}
	}
	*end = p;
	r->p = p + 1;
	return 0;
}

/* Decodes the escaped text [begin, end), checked by scan_string, into out,
 * which may be begin itself: the decoded bytes are never more than the
 * escaped ones. Returns their number. */
static size_t decode_string(const char *begin, const char *end, char *out)
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

/* Reads the string whose opening quote is at r->p. Its text is either a span
 * of the input (*owned NULL: no escapes, the common case) or a malloc'd
 * decoded copy in *owned; *len is its byte length. 0, or -1 with the error set. */
static int read_string(struct reader *r, const char **text, size_t *len, char **owned)
{
	const char *begin, *end;
	int escaped;
	*owned = NULL;
	if (scan_string(r, &begin, &end, &escaped) != 0)
		return -1;
	*text = begin;
	*len = (size_t)(end - begin);
	if (!escaped)
		return 0;
	*owned = malloc(*len + 1);
	if (*owned == NULL)
		return fail_at(r, begin, "out of memory"), -1;
	*len = decode_string(begin, end, *owned);
	*text = *owned;
	return 0;
}

/* Reads the number at r->p: 0 with *is_real saying which of *integer and
 * *real holds it, or -1 with the error recorded. */
static int scan_number(struct reader *r, int *is_real, json_int_t *integer, double *real)
{
	const char *begin = r->p, *p = r->p;
	int negative = 0;
	*is_real = 0;
	if (*p == '-')
		negative = 1, p++;
	if (p >= r->end || *p < '0' || *p > '9')
		return fail_at(r, begin, "invalid number"), -1;
	if (*p == '0')
		p++;
	else
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	if (p < r->end && *p == '.') {
		*is_real = 1, p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return fail_at(r, begin, "invalid number"), -1;
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		*is_real = 1, p++;
		if (p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return fail_at(r, begin, "invalid number"), -1;
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
				return fail_at(r, begin, negative ? "too big negative integer" : "too big integer"), -1;
			value = value * 10 - digit;
		}
		if (!negative) {
			if (value == min)
				return fail_at(r, begin, "too big integer"), -1;
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
		return fail_at(r, begin, "out of memory"), -1;
	memcpy(copy, begin, n);
	copy[n] = '\0';
	errno = 0;
	*real = strtod(copy, NULL);
	int overflow = errno == ERANGE && (*real == HUGE_VAL || *real == -HUGE_VAL);
	if (copy != small)
		free(copy);
	if (overflow)
		return fail_at(r, begin, "real number overflow"), -1;
	return 0;
}

static json_t *read_number(struct reader *r)
{
	const char *begin = r->p;
	int is_real;
	json_int_t integer = 0;
	double real = 0;
	if (scan_number(r, &is_real, &integer, &real) != 0)
		return NULL;
	json_t *v = is_real ? json_real(real) : json_integer(integer);
	return v != NULL ? v : fail_at(r, begin, "out of memory");
}

static json_t *read_value(struct reader *r);

static json_t *read_object(struct reader *r)
{
	json_t *object = json_object();
	if (object == NULL)
		return fail_at(r, r->p, "out of memory");
	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return object;
	}
	for (;;) {
		if (r->p >= r->end || *r->p != '"') {
			json_decref(object);
			return fail_at(r, r->p, "string or '}' expected");
		}
		const char *key_at = r->p, *key;
		size_t key_len;
		char *owned;
		if (read_string(r, &key, &key_len, &owned) != 0) {
			json_decref(object);
			return NULL;
		}
		skip_space(r);
		json_t *value = NULL;
		if (r->p >= r->end || *r->p != ':') {
			fail_at(r, r->p, "':' expected");
		} else if ((r->flags & JSON_REJECT_DUPLICATES) && json_object_getn(object, key, key_len) != NULL) {
			fail_at(r, key_at, "duplicate object key");
		} else {
			r->p++;
			skip_space(r);
			value = read_value(r);
		}
		/* The key is valid UTF-8 and holds no NUL (\u0000 was refused). */
		int set = value != NULL && json_object_setn_new_nocheck(object, key, key_len, value) == 0;
		free(owned);
		if (!set) {
			json_decref(object);
			return value != NULL ? fail_at(r, key_at, "out of memory") : NULL;
		}
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			skip_space(r);
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return object;
		}
		json_decref(object);
		return fail_at(r, r->p, "',' or '}' expected");
	}
}

static json_t *read_array(struct reader *r)
{
	json_t *array = json_array();
	if (array == NULL)
		return fail_at(r, r->p, "out of memory");
	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return array;
	}
	for (;;) {
		json_t *value = read_value(r);
		if (value == NULL || json_array_append_new(array, value) != 0) {
			json_decref(array);
			return value != NULL ? fail_at(r, r->p, "out of memory") : NULL;
		}
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			skip_space(r);
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return array;
		}
		json_decref(array);
		return fail_at(r, r->p, "',' or ']' expected");
	}
}

static json_t *read_literal(struct reader *r, const char *word, json_t *value)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail_at(r, r->p, "invalid token");
	r->p += n;
	return value;
}

static json_t *read_value(struct reader *r)
{
	if (r->p >= r->end)
		return fail_at(r, r->p, "premature end of input");
	switch (*r->p) {
	case '{':
	case '[': {
		if (++r->depth > JSON_PARSER_MAX_DEPTH)
			return fail_at(r, r->p, "maximum parsing depth reached");
		json_t *value = *r->p == '{' ? read_object(r) : read_array(r);
		r->depth--;
		return value;
	}
	case '"': {
		const char *at = r->p, *text;
		size_t len;
		char *owned;
		if (read_string(r, &text, &len, &owned) != 0)
			return NULL;
		/* Checked above: valid UTF-8, no NUL. */
		json_t *value = json_stringn_nocheck(text, len);
		free(owned);
		return value != NULL ? value : fail_at(r, at, "out of memory");
	}
	case 't':
		return read_literal(r, "true", json_true());
	case 'f':
		return read_literal(r, "false", json_false());
	case 'n':
		return read_literal(r, "null", json_null());
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return read_number(r);
		return fail_at(r, r->p, "invalid token");
	}
}

json_t *kx_json_parse(const char *text, size_t len, int flags, json_error_t *error)
{
	struct reader r = {text, text, text + len, flags, 0, error, 0};
	if (error != NULL) {
		memset(error, 0, sizeof *error);
		snprintf(error->source, sizeof error->source, "<buffer>");
	}
	skip_space(&r);
	if (!(flags & JSON_DECODE_ANY) && (r.p >= r.end || (*r.p != '{' && *r.p != '[')))
		return fail_at(&r, r.p, "'[' or '{' expected");
	json_t *value = read_value(&r);
	if (value == NULL)
		return NULL;
	skip_space(&r);
	if (r.p != r.end) {
		json_decref(value);
		return fail_at(&r, r.p, "end of file expected");
	}
	return value;
}

/* -------------------------------------------------------- document reader */

/* Large vector files (a file of 50,000 tests is 2.5 million jansson values,
 * two allocations each, about 200 MB) and the driver's requests are read
 * into one array of nodes instead, with their strings decoded in place in
 * the text: building and releasing jansson values was most of the runner's
 * CPU and a third of the driver's (bench/RESULTS.md, "Vector checking").
 * The document reader shares the scanning of strings and numbers with
 * kx_json_parse and checks the same things, so it accepts exactly what
 * kx_json_parse accepts. */

struct doc_reader {
	struct reader r;
	struct kx_json_doc *doc;
	size_t n_keys;  /* keys of the objects being read, on doc->keys */
};

/* Appends a node of the given type at *index; 0, or -1 with the error recorded. */
static int new_node(struct doc_reader *dr, json_type type, size_t *index)
{
	struct kx_json_doc *doc = dr->doc;
	if (doc->n == doc->cap) {
		size_t cap = doc->cap ? 2 * doc->cap : 64;
		struct kx_json_node *more = cap <= UINT32_MAX ? realloc(doc->nodes, cap * sizeof *more) : NULL;
		if (more == NULL)
			return fail_at(&dr->r, dr->r.p, "out of memory"), -1;
		doc->nodes = more;
		doc->cap = cap;
	}
	*index = doc->n++;
	memset(&doc->nodes[*index], 0, sizeof doc->nodes[*index]);
	doc->nodes[*index].type = type;
	return 0;
}

static int same_key(const struct kx_json_doc *doc, size_t a, size_t b)
{
	return doc->nodes[a].count == doc->nodes[b].count &&
	       memcmp(doc->nodes[a].value.string, doc->nodes[b].value.string, doc->nodes[a].count) == 0;
}

struct key_view {
	const char *bytes;
	size_t len;
};

static int compare_key_views(const void *a, const void *b)
{
	const struct key_view *x = a, *y = b;
	int c = memcmp(x->bytes, y->bytes, x->len < y->len ? x->len : y->len);
	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* Whether the n keys of an object (node indexes in keys) hold one twice,
 * for objects too large to compare pairwise: sorted, so that no object can
 * make the check quadratic. 1, 0, or -1 when out of memory. */
static int has_duplicate(const struct kx_json_doc *doc, const size_t *keys, size_t n)
{
	struct key_view *views = malloc(n * sizeof *views);
	if (views == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		views[i] = (struct key_view){doc->nodes[keys[i]].value.string, doc->nodes[keys[i]].count};
	qsort(views, n, sizeof *views, compare_key_views);
	int found = 0;
	for (size_t i = 1; i < n && !found; i++)
		found = compare_key_views(&views[i], &views[i - 1]) == 0;
	free(views);
	return found;
}

/* Objects up to this many members are checked for a repeated key pairwise, as the keys come. */
#define PAIRWISE_KEYS 16

/* A string of the document, decoded in place and NUL-terminated (where its
 * closing quote was). */
static int doc_string(struct doc_reader *dr, size_t node)
{
	const char *begin, *end;
	int escaped;
	if (scan_string(&dr->r, &begin, &end, &escaped) != 0)
		return -1;
	/* The document's text is the caller's own, writable (kx_json_doc_parse takes char *). */
	char *text = (char *)begin;
	size_t len = escaped ? decode_string(begin, end, text) : (size_t)(end - begin);
	text[len] = '\0';
	if (len > UINT32_MAX)
		return fail_at(&dr->r, begin, "string too long"), -1;
	dr->doc->nodes[node].count = (uint32_t)len;
	dr->doc->nodes[node].value.string = text;
	return 0;
}

static int doc_value(struct doc_reader *dr);

static int doc_container(struct doc_reader *dr, int object)
{
	struct reader *r = &dr->r;
	struct kx_json_doc *doc = dr->doc;
	if (++r->depth > JSON_PARSER_MAX_DEPTH)
		return fail_at(r, r->p, "maximum parsing depth reached"), -1;
	size_t self;
	if (new_node(dr, object ? JSON_OBJECT : JSON_ARRAY, &self) != 0)
		return -1;
	size_t first_key = dr->n_keys, count = 0;
	r->p++;
	skip_space(r);
	char close = object ? '}' : ']';
	if (r->p < r->end && *r->p == close) {
		r->p++;
	} else {
		for (;;) {
			if (object) {
				if (r->p >= r->end || *r->p != '"')
					return fail_at(r, r->p, "string or '}' expected"), -1;
				const char *key_at = r->p;
				size_t key;
				if (new_node(dr, JSON_STRING, &key) != 0 || doc_string(dr, key) != 0)
					return -1;
				if (r->flags & JSON_REJECT_DUPLICATES) {
					if (dr->n_keys == doc->keys_cap) {
						size_t cap = doc->keys_cap ? 2 * doc->keys_cap : 64;
						size_t *more = realloc(doc->keys, cap * sizeof *more);
						if (more == NULL)
							return fail_at(r, key_at, "out of memory"), -1;
						doc->keys = more;
						doc->keys_cap = cap;
					}
					doc->keys[dr->n_keys++] = key;
					for (size_t k = first_key; count < PAIRWISE_KEYS && k + 1 < dr->n_keys; k++)
						if (same_key(doc, doc->keys[k], key))
							return fail_at(r, key_at, "duplicate object key"), -1;
				}
				skip_space(r);
				if (r->p >= r->end || *r->p != ':')
					return fail_at(r, r->p, "':' expected"), -1;
				r->p++;
				skip_space(r);
			}
			if (doc_value(dr) != 0)
				return -1;
			count++;
			skip_space(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				skip_space(r);
				continue;
			}
			if (r->p < r->end && *r->p == close) {
				r->p++;
				break;
			}
			return fail_at(r, r->p, object ? "',' or '}' expected" : "',' or ']' expected"), -1;
		}
	}
	if (object && count > PAIRWISE_KEYS && (r->flags & JSON_REJECT_DUPLICATES)) {
		int found = has_duplicate(doc, doc->keys + first_key, count);
		if (found != 0)
			return fail_at(r, r->p, found > 0 ? "duplicate object key" : "out of memory"), -1;
	}
	dr->n_keys = first_key;
	if (count > UINT32_MAX || doc->n > UINT32_MAX)
		return fail_at(r, r->p, "too many values"), -1;
	doc->nodes[self].count = (uint32_t)count;
	doc->nodes[self].next = (uint32_t)doc->n;
	r->depth--;
	return 0;
}

static int doc_value(struct doc_reader *dr)
{
	struct reader *r = &dr->r;
	if (r->p >= r->end)
		return fail_at(r, r->p, "premature end of input"), -1;
	char c = *r->p;
	if (c == '{' || c == '[')
		return doc_container(dr, c == '{');
	size_t node;
	if (new_node(dr, JSON_NULL, &node) != 0)
		return -1;
	struct kx_json_node *n = &dr->doc->nodes[node];
	if (c == '"') {
		n->type = JSON_STRING;
		if (doc_string(dr, node) != 0)
			return -1;
	} else if (c == 't' || c == 'f' || c == 'n') {
		const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
		size_t len = strlen(word);
		if ((size_t)(r->end - r->p) < len || memcmp(r->p, word, len) != 0)
			return fail_at(r, r->p, "invalid token"), -1;
		r->p += len;
		n->type = c == 't' ? JSON_TRUE : c == 'f' ? JSON_FALSE : JSON_NULL;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		int is_real;
		json_int_t integer = 0;
		double real = 0;
		if (scan_number(r, &is_real, &integer, &real) != 0)
			return -1;
		n = &dr->doc->nodes[node];
		n->type = is_real ? JSON_REAL : JSON_INTEGER;
		if (is_real)
			n->value.real = real;
		else
			n->value.integer = integer;
	} else {
		return fail_at(r, r->p, "invalid token"), -1;
	}
	dr->doc->nodes[node].next = (uint32_t)dr->doc->n;
	return 0;
}

int kx_json_doc_parse(struct kx_json_doc *doc, char *text, size_t len, int flags, json_error_t *error)
{
	struct doc_reader dr = {{text, text, text + len, flags, 0, error, 0}, doc, 0};
	doc->n = 0;
	doc->unique_keys = (flags & JSON_REJECT_DUPLICATES) != 0;
	if (error != NULL) {
		memset(error, 0, sizeof *error);
		snprintf(error->source, sizeof error->source, "<buffer>");
	}
	skip_space(&dr.r);
	if (!(flags & JSON_DECODE_ANY) && (dr.r.p >= dr.r.end || (*dr.r.p != '{' && *dr.r.p != '[')))
		return fail_at(&dr.r, dr.r.p, "'[' or '{' expected"), -1;
	if (doc_value(&dr) != 0)
		return -1;
	skip_space(&dr.r);
	if (dr.r.p != dr.r.end)
		return fail_at(&dr.r, dr.r.p, "end of file expected"), -1;
	return 0;
}

void kx_json_doc_free(struct kx_json_doc *doc)
{
	free(doc->nodes);
	free(doc->keys);
	memset(doc, 0, sizeof *doc);
}

size_t kx_json_doc_get(const struct kx_json_doc *doc, size_t object, const char *key)
{
	if (object >= doc->n || doc->nodes[object].type != JSON_OBJECT)
		return 0;
	size_t key_len = strlen(key), found = 0, k = object + 1;
	/* A repeated key counts for its last value, as in jansson, so every
	 * member is looked at, unless the document was read rejecting them. */
	for (uint32_t i = 0; i < doc->nodes[object].count; i++) {
		const struct kx_json_node *name = &doc->nodes[k];
		if (name->count == key_len && name->value.string[0] == key[0] &&
		    memcmp(name->value.string, key, key_len) == 0) {
			found = k + 1;
			if (doc->unique_keys)
				break;
		}
		k = doc->nodes[k + 1].next;
	}
	return found;
}

const char *kx_json_doc_string(const struct kx_json_doc *doc, size_t node)
{
	return node != 0 && node < doc->n && doc->nodes[node].type == JSON_STRING ? doc->nodes[node].value.string
										     : NULL;
}

size_t kx_json_doc_first(const struct kx_json_doc *doc, size_t container)
{
	return container < doc->n && doc->nodes[container].count > 0 &&
			       (doc->nodes[container].type == JSON_OBJECT || doc->nodes[container].type == JSON_ARRAY)
		       ? container + 1
		       : 0;
}

size_t kx_json_doc_next(const struct kx_json_doc *doc, size_t node)
{
	return doc->nodes[node].next;
}
