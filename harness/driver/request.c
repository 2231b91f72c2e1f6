/* request.c - parameter access for driver operations: every failure leaves a
 * text naming the member and the problem, which the driver sends back. */
#include "driver/request.h"

#include "core/chunks_json.h"
#include "core/hex.h"
#include "core/json_io.h"
#include "core/json_write.h"
#include "core/json_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest output a request may ask for: far above any TLS or oneM2M use, low
 * enough that a hostile length cannot exhaust memory. */
#define MAX_OUTPUT_LEN 65536

int kx_req_fail(struct kx_request *req, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(req->err, sizeof req->err, fmt, args);
	va_end(args);
	return -1;
}

/* A request member as the accessors below see it, whichever form the request has. */
struct member {
	json_type type; /* JSON_NULL also when missing */
	int present;
	const char *string;
	size_t len;
	json_int_t integer;
};

static struct member get(const struct kx_request *req, const char *key)
{
	struct member m = {JSON_NULL, 0, NULL, 0, 0};
	if (req->doc != NULL) {
		size_t node = kx_json_doc_get(req->doc, 0, key);
		if (node != 0) {
			const struct kx_json_node *n = &req->doc->nodes[node];
			m.type = n->type;
			m.present = 1;
			m.string = n->type == JSON_STRING ? n->value.string : NULL;
			m.len = n->type == JSON_STRING ? n->count : 0;
			m.integer = n->type == JSON_INTEGER ? n->value.integer : 0;
		}
		return m;
	}
	json_t *value = json_object_get(req->json, key);
	if (value != NULL) {
		m.type = json_typeof(value);
		m.present = 1;
		m.string = json_string_value(value);
		/* The length from jansson, not strlen: a "\u0000" inside must fail
		 * as a non-hex character instead of silently shortening the value. */
		m.len = json_string_length(value);
		m.integer = json_integer_value(value);
	}
	return m;
}

const char *kx_req_string(struct kx_request *req, const char *key)
{
	const char *value = kx_req_optional_string(req, key);
	if (value == NULL)
		kx_req_fail(req, "missing or non-string \"%s\"", key);
	return value;
}

const char *kx_req_optional_string(struct kx_request *req, const char *key)
{
	struct member m = get(req, key);
	return m.type == JSON_STRING ? m.string : NULL;
}

int kx_req_hex(struct kx_request *req, const char *key, uint8_t **out, size_t *len)
{
	/* The texts of kx_json_get_hex, which the session operations use on "config". */
	struct member m = get(req, key);
	*out = NULL;
	*len = 0;
	if (!m.present)
		return kx_req_fail(req, "member \"%s\" is missing", key);
	if (m.type != JSON_STRING)
		return kx_req_fail(req, "member \"%s\" is not a string", key);
	uint8_t *buf = malloc(m.len / 2 + 1);
	if (buf == NULL)
		return kx_req_fail(req, "member \"%s\" does not fit in memory", key);
	if (kx_hex_decode(m.string, m.len, buf, m.len / 2, len) != 0) {
		free(buf);
		return kx_req_fail(req, "member \"%s\" is not hex (odd length or a non-hex character)", key);
	}
	*out = buf;
	return 0;
}

int kx_req_fixed_hex(struct kx_request *req, const char *key, uint8_t *buf, size_t want)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	if (kx_req_hex(req, key, &bytes, &len) != 0)
		return -1;
	int ret = len == want ? 0 : kx_req_fail(req, "\"%s\" must be %zu bytes, not %zu", key, want, len);
	if (ret == 0)
		memcpy(buf, bytes, want);
	free(bytes);
	return ret;
}

int kx_req_hash(struct kx_request *req, enum kx_hash *hash)
{
	const char *name = kx_req_string(req, "hash");
	if (name == NULL)
		return -1;
	if (kx_hash_from_name(name, hash) != 0)
		return kx_req_fail(req, "unknown hash \"%s\"", name);
	return 0;
}

int kx_req_length(struct kx_request *req, size_t *len)
{
	struct member m = get(req, "length");
	if (m.type != JSON_INTEGER || m.integer < 1 || m.integer > MAX_OUTPUT_LEN)
		return kx_req_fail(req, "\"length\" must be an integer from 1 to %d", MAX_OUTPUT_LEN);
	*len = (size_t)m.integer;
	return 0;
}

int kx_req_reference_only(struct kx_request *req)
{
	const char *value = kx_req_optional_string(req, "variant");
	if (value == NULL || strcmp(value, "reference") == 0)
		return 0;
	return kx_req_fail(req,
			   "variant \"%s\": this driver computes the reference only; the harness's judge models the "
			   "mistakes (docs/mistakes.md)",
			   value);
}

/* Starts a member of a text response: ,"key": */
static int put_key(struct kx_request *req, const char *key)
{
	if (kx_text_put_literal(req->text, ",") != 0 || kx_json_write_string(req->text, key, strlen(key)) != 0 ||
	    kx_text_put_literal(req->text, ":") != 0)
		return -1;
	return 0;
}

/* Appends the lower-case hex of len bytes as a JSON string. */
static int put_hex(struct kx_text *text, const uint8_t *buf, size_t len)
{
	if (len > ((size_t)-1 - 3) / 2 || kx_text_reserve(text, 2 * len + 3) != 0)
		return -1;
	text->data[text->len] = '"';
	kx_hex_encode(buf, len, text->data + text->len + 1, 0);
	text->data[text->len + 1 + 2 * len] = '"';
	text->len += 2 * len + 2;
	return 0;
}

int kx_req_set_hex(struct kx_request *req, const char *key, const uint8_t *buf, size_t len)
{
	int failed = req->text != NULL ? put_key(req, key) != 0 || put_hex(req->text, buf, len) != 0
					: kx_json_set_hex(req->response, key, buf, len) != 0;
	return failed ? kx_req_fail(req, "out of memory") : 0;
}

int kx_req_set_string(struct kx_request *req, const char *key, const char *value)
{
	if (req->text != NULL) {
		size_t mark = req->text->len;
		if (put_key(req, key) == 0 && kx_json_write_string(req->text, value, strlen(value)) == 0)
			return 0;
		req->text->len = mark;
		return kx_req_fail(req, "cannot answer \"%s\": not UTF-8, or out of memory", key);
	}
	json_t *string = json_string(value);
	if (string == NULL || json_object_set_new(req->response, key, string) != 0)
		return kx_req_fail(req, "cannot answer \"%s\": not UTF-8, or out of memory", key);
	return 0;
}

int kx_req_set_hex_list(struct kx_request *req, const char *key, const uint8_t *const *bufs, size_t n, size_t len)
{
	if (req->text != NULL) {
		int failed = put_key(req, key) != 0 || kx_text_put_literal(req->text, "[") != 0;
		for (size_t i = 0; !failed && i < n; i++)
			failed = (i > 0 && kx_text_put_literal(req->text, ",") != 0) || put_hex(req->text, bufs[i], len) != 0;
		failed = failed || kx_text_put_literal(req->text, "]") != 0;
		return failed ? kx_req_fail(req, "out of memory") : 0;
	}
	json_t *array = json_array();
	int failed = array == NULL;
	for (size_t i = 0; !failed && i < n; i++) {
		char *hex = malloc(2 * len + 1);
		failed = hex == NULL;
		if (!failed) {
			kx_hex_encode(bufs[i], len, hex, 0);
			failed = json_array_append_new(array, json_stringn_nocheck(hex, 2 * len)) != 0;
		}
		free(hex);
	}
	if (failed) {
		json_decref(array);
		array = NULL;
	}
	if (array == NULL || json_object_set_new(req->response, key, array) != 0)
		return kx_req_fail(req, "out of memory");
	return 0;
}

int kx_req_flight(struct kx_request *req, const char *key, struct kx_chunks *chunks)
{
	char why[128];
	if (kx_chunks_from_json(json_object_get(req->json, key), chunks, why, sizeof why) != 0)
		return kx_req_fail(req, "\"%s\": %s", key, why);
	return 0;
}

int kx_req_set_flight(struct kx_request *req, const char *key, const struct kx_chunks *chunks)
{
	json_t *array = kx_chunks_to_json(chunks);
	if (array == NULL || json_object_set_new(req->response, key, array) != 0)
		return kx_req_fail(req, "out of memory");
	return 0;
}
