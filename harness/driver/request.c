/* request.c - parameter access for driver operations: every failure leaves a
 * text naming the member and the problem, which the driver sends back. */
#include "driver/request.h"

#include "core/chunks_json.h"
#include "core/json_io.h"

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

const char *kx_req_string(struct kx_request *req, const char *key)
{
	const char *value = kx_json_get_string(req->json, key);
	if (value == NULL)
		kx_req_fail(req, "missing or non-string \"%s\"", key);
	return value;
}

int kx_req_hex(struct kx_request *req, const char *key, uint8_t **out, size_t *len)
{
	return kx_json_get_hex(req->json, key, out, len, req->err, sizeof req->err);
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
	json_t *value = json_object_get(req->json, "length");
	if (!json_is_integer(value) || json_integer_value(value) < 1 || json_integer_value(value) > MAX_OUTPUT_LEN)
		return kx_req_fail(req, "\"length\" must be an integer from 1 to %d", MAX_OUTPUT_LEN);
	*len = (size_t)json_integer_value(value);
	return 0;
}

const char *kx_req_variant(struct kx_request *req)
{
	json_t *value = json_object_get(req->json, "variant");
	return json_is_string(value) ? json_string_value(value) : "reference";
}

int kx_req_set_hex(struct kx_request *req, const char *key, const uint8_t *buf, size_t len)
{
	if (kx_json_set_hex(req->response, key, buf, len) != 0)
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
