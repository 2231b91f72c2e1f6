/* http_binding.h - a NOTIFY primitive carrying an ESCertKE message (TS-0001
 * 11.4.3) as an HTTP/1.1 request or response, as the oneM2M HTTP binding
 * (TS-0009, clause 6 "HTTP message mapping") maps it: the messages the
 * harness writes, the Response Status Code table, To as a Request-Target.
 * The checks a receiving end applies to what arrived are http_receive.h's.
 *
 * The mapping the harness writes and expects:
 *
 *   primitive parameter          HTTP
 *   Operation NOTIFY             method POST, Content-Type without a ty parameter
 *                                (a POST with ty is a CREATE)
 *   To                           Request-Target path: "/~/in-cse" for the SP-relative
 *                                "/in-cse", "/_/sp.org/in-cse" for the absolute
 *                                "//sp.org/in-cse", "/x/y" for the CSE-relative "x/y"
 *   From                         X-M2M-Origin
 *   Request Identifier           X-M2M-RI (request and response)
 *   Release Version Indicator    X-M2M-RVI
 *   Response Status Code         X-M2M-RSC, and the HTTP status its table gives
 *   Content                      the message body, Content-Type: application/json:
 *                                {"m2m:seci":{"sit":6,"eckm":BASE64}}
 *
 * Only the Content travels in the body; the other parameters are the method,
 * the target and header fields. A primitive serialised whole (m2m:rqp) is not
 * the HTTP binding and is refused as content without m2m:seci. */
#ifndef KX_HTTP_BINDING_H
#define KX_HTTP_BINDING_H

#include <stddef.h>

#include "notify.h"

#define KX_HTTP_BODY_MAX (1024 * 1024) /* bytes of body a receiver keeps; more is refused */
#define KX_HTTP_MEDIA_TYPE "application/json"
#define KX_HTTP_TARGET_MAX (3 * KX_NOTIFY_ID_MAX + 8) /* a To percent-encoded, plus "/~" */

/* Response Status Codes (TS-0004 6.6) the harness writes or names. */
enum {
	KX_RSC_OK = 2000,
	KX_RSC_BAD_REQUEST = 4000,
	KX_RSC_NOT_FOUND = 4004,
	KX_RSC_OPERATION_NOT_ALLOWED = 4005,
	KX_RSC_UNSUPPORTED_MEDIA_TYPE = 4015,
	KX_RSC_CONTENTS_UNACCEPTABLE = 4102,
	KX_RSC_ORIGINATOR_HAS_NO_PRIVILEGE = 4103,
	KX_RSC_INTERNAL_SERVER_ERROR = 5000
};

struct kx_http_header {
	char *name;
	char *value;
};

/* One HTTP/1.1 message as the binding sees it; the strings are owned. */
struct kx_http_message {
	int is_response;
	char method[16];                 /* request: "POST" */
	char target[KX_HTTP_TARGET_MAX]; /* request: the Request-Target's path, percent-decoded */
	int status;                      /* response: the HTTP status code */
	struct kx_http_header *headers;  /* in the order written or received */
	size_t n_headers, cap_headers;
	char *body; /* NUL-terminated; may hold NUL bytes before body_len */
	size_t body_len;
	size_t body_dropped; /* bytes a receiver discarded beyond KX_HTTP_BODY_MAX */
};

/* Returns the TS-0004 name of a Response Status Code ("ORIGINATOR_HAS_NO_PRIVILEGE"),
 * or NULL when the harness's table does not have it. */
const char *kx_rsc_name(int rsc);

/* Returns the HTTP status code TS-0009 maps a Response Status Code to, or 0 when
 * the harness's table does not have it. */
int kx_http_status_for_rsc(int rsc);

/* Returns the reason phrase of an HTTP status code ("Forbidden"), or "Unknown". */
const char *kx_http_reason_phrase(int status);

/* Writes the Request-Target path for a To into out (capacity cap), percent-encoding
 * what is not unreserved or '/'; returns 0, or -1 if To is empty or does not fit. */
int kx_http_target_from_to(const char *to, char *out, size_t cap);

/* Writes the To a percent-decoded Request-Target path stands for into out; returns 0,
 * or -1 if the path is not absolute or names nothing ("/", "/~/", "/_/"). */
int kx_http_to_from_target(const char *target, char *out, size_t cap);

/* Appends a header (copies of name and value); returns 0, or -1 if memory runs out or
 * either holds a control character (no header can be smuggled into another). */
int kx_http_header_add(struct kx_http_message *m, const char *name, const char *value);

/* Returns the value of the first header named name (case-insensitive), or NULL. */
const char *kx_http_header_get(const struct kx_http_message *m, const char *name);

/* Builds the HTTP message of a NOTIFY request (p->is_response 0: POST to To's path with
 * From, rqi, rvi) or response (status from p->rsc, X-M2M-RSC, rqi, rvi) with the content
 * in the body; returns 0, or -1 with err. p->message is borrowed. */
int kx_http_from_notify(const struct kx_notify *p, struct kx_http_message *out, char *err, size_t errlen);

/* Builds an error response: the HTTP status of rsc, X-M2M-RSC, X-M2M-RI (when rqi is
 * not NULL) and {"m2m:dbg": detail}; returns 0, or -1 if memory runs out. */
int kx_http_error_response(int rsc, const char *rqi, const char *detail, struct kx_http_message *out);

/* Returns the message as text ("POST /~/in-cse HTTP/1.1", headers, blank line, body) in a
 * malloc'd string (caller frees), bytes outside printable ASCII written as \xNN; or NULL. */
char *kx_http_message_text(const struct kx_http_message *m);

/* Returns a malloc'd copy of n bytes with \r, \n, \t and printable ASCII kept and every
 * other byte written as \xNN (report texts must be UTF-8); NULL if memory runs out. */
char *kx_http_printable(const char *s, size_t n);

/* Frees what m owns and leaves it zeroed; m may be NULL. */
void kx_http_message_free(struct kx_http_message *m);

#endif
