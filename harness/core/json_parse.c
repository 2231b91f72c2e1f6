/* json_parse.c - JSON text into jansson values, for the paths where there is
 * a lot of it (vector files: 70 MB for 100,000 tests; the driver protocol,
 * a request line and an answer line per derivation). jansson's own reader
 * takes one byte at a time through its stream layer (about 70 MB/s here);
 * this one scans strings eight bytes at a time (json_scan.c) and accepts
 * exactly what jansson accepts (bench/RESULTS.md, "Vector checking"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"
#include "json_scan.h"
/* Reads the string whose opening quote is at r->p. Its text is either a span
 * of the input (*owned NULL: no escapes, the common case) or a malloc'd
 * decoded copy in *owned; *len is its byte length. 0, or -1 with the error set. */
static int read_string(struct kx_json_scanner *r, const char **text, size_t *len, char **owned)
{
	const char *begin, *end;
	int escaped;
	*owned = NULL;
	if (kx_json_scan_string(r, &begin, &end, &escaped) != 0)
		return -1;
	*text = begin;
	*len = (size_t)(end - begin);
	if (!escaped)
		return 0;
	*owned = malloc(*len + 1);
	if (*owned == NULL)
		return kx_json_scan_fail(r, begin, "out of memory"), -1;
	*len = kx_json_scan_decode(begin, end, *owned);
	*text = *owned;
	return 0;
}

static json_t *read_number(struct kx_json_scanner *r)
{
	const char *begin = r->p;
	int is_real;
	json_int_t integer = 0;
	double real = 0;
	if (kx_json_scan_number(r, &is_real, &integer, &real) != 0)
		return NULL;
	json_t *v = is_real ? json_real(real) : json_integer(integer);
	return v != NULL ? v : kx_json_scan_fail(r, begin, "out of memory");
}

static json_t *read_value(struct kx_json_scanner *r);

static json_t *read_object(struct kx_json_scanner *r)
{
	json_t *object = json_object();
	if (object == NULL)
		return kx_json_scan_fail(r, r->p, "out of memory");
	r->p++;
	kx_json_scan_space(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return object;
	}
	for (;;) {
		if (r->p >= r->end || *r->p != '"') {
			json_decref(object);
			return kx_json_scan_fail(r, r->p, "string or '}' expected");
		}
		const char *key_at = r->p, *key;
		size_t key_len;
		char *owned;
		if (read_string(r, &key, &key_len, &owned) != 0) {
			json_decref(object);
			return NULL;
		}
		kx_json_scan_space(r);
		json_t *value = NULL;
		if (r->p >= r->end || *r->p != ':') {
			kx_json_scan_fail(r, r->p, "':' expected");
		} else if ((r->flags & JSON_REJECT_DUPLICATES) && json_object_getn(object, key, key_len) != NULL) {
			kx_json_scan_fail(r, key_at, "duplicate object key");
		} else {
			r->p++;
			kx_json_scan_space(r);
			value = read_value(r);
		}
		/* The key is valid UTF-8 and holds no NUL (\u0000 was refused). */
		int set = value != NULL && json_object_setn_new_nocheck(object, key, key_len, value) == 0;
		free(owned);
		if (!set) {
			json_decref(object);
			return value != NULL ? kx_json_scan_fail(r, key_at, "out of memory") : NULL;
		}
		kx_json_scan_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			kx_json_scan_space(r);
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return object;
		}
		json_decref(object);
		return kx_json_scan_fail(r, r->p, "',' or '}' expected");
	}
}

static json_t *read_array(struct kx_json_scanner *r)
{
	json_t *array = json_array();
	if (array == NULL)
		return kx_json_scan_fail(r, r->p, "out of memory");
	r->p++;
	kx_json_scan_space(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return array;
	}
	for (;;) {
		json_t *value = read_value(r);
		if (value == NULL || json_array_append_new(array, value) != 0) {
			json_decref(array);
			return value != NULL ? kx_json_scan_fail(r, r->p, "out of memory") : NULL;
		}
		kx_json_scan_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			kx_json_scan_space(r);
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return array;
		}
		json_decref(array);
		return kx_json_scan_fail(r, r->p, "',' or ']' expected");
	}
}

static json_t *read_literal(struct kx_json_scanner *r, const char *word, json_t *value)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return kx_json_scan_fail(r, r->p, "invalid token");
	r->p += n;
	return value;
}

static json_t *read_value(struct kx_json_scanner *r)
{
	if (r->p >= r->end)
		return kx_json_scan_fail(r, r->p, "premature end of input");
	switch (*r->p) {
	case '{':
	case '[': {
		if (++r->depth > JSON_PARSER_MAX_DEPTH)
			return kx_json_scan_fail(r, r->p, "maximum parsing depth reached");
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
		return value != NULL ? value : kx_json_scan_fail(r, at, "out of memory");
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
		return kx_json_scan_fail(r, r->p, "invalid token");
	}
}

json_t *kx_json_parse(const char *text, size_t len, int flags, json_error_t *error)
{
	struct kx_json_scanner r = {text, text, text + len, flags, 0, error, 0};
	if (error != NULL) {
		memset(error, 0, sizeof *error);
		snprintf(error->source, sizeof error->source, "<buffer>");
	}
	kx_json_scan_space(&r);
	if (!(flags & JSON_DECODE_ANY) && (r.p >= r.end || (*r.p != '{' && *r.p != '[')))
		return kx_json_scan_fail(&r, r.p, "'[' or '{' expected");
	json_t *value = read_value(&r);
	if (value == NULL)
		return NULL;
	kx_json_scan_space(&r);
	if (r.p != r.end) {
		json_decref(value);
		return kx_json_scan_fail(&r, r.p, "end of file expected");
	}
	return value;
}
