/* json_write.c - jansson values to compact JSON text, as json_dumps writes
 * them: strings are copied in runs, escaped where jansson escapes, and
 * checked as UTF-8 by the rules jansson's reader applies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "json_write.h"

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
		while (end - p >= 8 && !kx_json_has_special_byte((const char *)p))
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
			size_t len = kx_utf8_sequence(p, (size_t)(end - p));
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
