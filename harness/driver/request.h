/* request.h - reading a driver request's parameters and filling its response,
 * with one error text per request (docs/driver-protocol.md). */
#ifndef KX_DRIVER_REQUEST_H
#define KX_DRIVER_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "core/chunks.h"
#include "core/json_doc.h"
#include "core/json_write.h"

/* A request and its response, in one of two forms: jansson objects (json and
 * response), or, for the derivation operations, the request read by
 * kx_json_doc_parse (doc) and the response's text (text). The kx_req_*
 * functions below work on both, so an operation is written once; the second
 * form exists for speed (driver/main.c says why). Session operations use the
 * first form only, and may use json and response directly. */
struct kx_request {
	json_t *json;                 /* the request (borrowed), or NULL */
	json_t *response;             /* the response being filled (owned by the dispatcher), or NULL */
	const struct kx_json_doc *doc; /* or the request, an object at node 0 (borrowed) */
	struct kx_text *text;         /* and the response's text so far, ",\"key\":value" appended per member */
	char err[512];                /* why the request failed */
};

/* One operation a driver answers: 0 on success, -1 with req->err set. */
struct kx_operation {
	const char *name;
	int (*handle)(const struct kx_backend *backend, struct kx_request *req);
};

/* Sets req->err from a printf format; returns -1. */
int kx_req_fail(struct kx_request *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A required string member, or NULL with req->err set. */
const char *kx_req_string(struct kx_request *req, const char *key);

/* A required hex member as malloc'd bytes; 0, or -1 with req->err set. */
int kx_req_hex(struct kx_request *req, const char *key, uint8_t **out, size_t *len);

/* An optional string member, or NULL (no error) when it is missing or not a string. */
const char *kx_req_optional_string(struct kx_request *req, const char *key);

/* A required hex member of exactly want bytes copied into buf; 0 or -1. */
int kx_req_fixed_hex(struct kx_request *req, const char *key, uint8_t *buf, size_t want);

/* The "hash" member as a hash; 0 or -1. */
int kx_req_hash(struct kx_request *req, enum kx_hash *hash);

/* The "length" member, 1..65536; 0 or -1. */
int kx_req_length(struct kx_request *req, size_t *len);

/* 0 when the request's optional "variant" is absent or "reference"; else fails the request. */
int kx_req_reference_only(struct kx_request *req);

/* Sets a lower-case hex member of the response; 0, or -1 with req->err set. */
int kx_req_set_hex(struct kx_request *req, const char *key, const uint8_t *buf, size_t len);

/* Sets a string member of the response; 0, or -1 with req->err set (not UTF-8, out of memory). */
int kx_req_set_string(struct kx_request *req, const char *key, const char *value);

/* Sets a member of the response to an array of n lower-case hex strings of len bytes each; 0 or -1. */
int kx_req_set_hex_list(struct kx_request *req, const char *key, const uint8_t *const *bufs, size_t n, size_t len);

/* Reads a member holding an array of standard base64 strings into chunks; 0 or -1.
 * An absent member gives no chunks. */
int kx_req_flight(struct kx_request *req, const char *key, struct kx_chunks *chunks);

/* Sets a response member to an array of standard base64 strings, one per chunk; 0 or -1. */
int kx_req_set_flight(struct kx_request *req, const char *key, const struct kx_chunks *chunks);

#endif
