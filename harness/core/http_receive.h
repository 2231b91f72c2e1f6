/* http_receive.h - the checks a receiving end applies to an HTTP message
 * that should carry a NOTIFY primitive with an ESCertKE message (TS-0001
 * 11.4.3 over the TS-0009 mapping of http_binding.h): a request as the
 * Terminating End-Point reads it, a response as the Initiating End-Point
 * does. Every refusal has a short name for reports and the Response Status
 * Code (TS-0004 6.6) the receiver answers. */
#ifndef KX_HTTP_RECEIVE_H
#define KX_HTTP_RECEIVE_H

#include "http_binding.h"
#include "notify.h"

/* What is wrong with a received message, each with a name for reports. */
enum kx_http_problem {
	KX_HTTP_OK,
	/* A request, judged by the Terminating End-Point. */
	KX_HTTP_WRONG_METHOD,               /* not POST: another operation (4005) */
	KX_HTTP_CREATE_NOT_NOTIFY,          /* POST with ty: a CREATE (4005) */
	KX_HTTP_MISSING_ORIGIN,             /* no X-M2M-Origin (4000) */
	KX_HTTP_MISSING_REQUEST_IDENTIFIER, /* no X-M2M-RI (4000) */
	KX_HTTP_BAD_TARGET,                 /* the path names no To (4000) */
	KX_HTTP_BAD_PARAMETER,              /* an identifier the harness cannot hold (4000) */
	KX_HTTP_WRONG_TARGET,               /* To is not this end-point (4004) */
	KX_HTTP_ORIGINATOR_NOT_AUTHORISED,  /* message 1 from an originator not configured (4103) */
	KX_HTTP_ORIGINATOR_DIFFERS,         /* message 3 From another originator than message 1 (4103) */
	KX_HTTP_REQUEST_IDENTIFIER_REUSED,  /* message 3 with message 1's X-M2M-RI (4000) */
	/* The content, in a request or a response. */
	KX_HTTP_UNSUPPORTED_MEDIA_TYPE, /* Content-Type missing or not JSON (4015) */
	KX_HTTP_BODY_TOO_LARGE,         /* more than KX_HTTP_BODY_MAX bytes (4000) */
	KX_HTTP_BODY_NOT_JSON,          /* (4000) */
	KX_HTTP_NO_SECURITY_INFO,       /* the body is not {"m2m:seci": {...}} (4000) */
	KX_HTTP_WRONG_SIT,              /* sit is not 6, ESCertKE message (4000) */
	KX_HTTP_MISSING_ECKM,           /* no eckm, or not a non-empty string (4000) */
	KX_HTTP_BAD_ECKM_BASE64,        /* eckm is not strict padded standard base64 (4000) */
	/* A response, judged by the Initiating End-Point. */
	KX_HTTP_NOT_OK,                      /* the response status code is not 2000 OK */
	KX_HTTP_MISSING_RSC,                 /* no X-M2M-RSC, or not a status code */
	KX_HTTP_STATUS_MISMATCH,             /* HTTP status is not the one X-M2M-RSC maps to */
	KX_HTTP_RESPONSE_REQUEST_IDENTIFIER, /* X-M2M-RI missing or not the request's */
	KX_HTTP_PROBLEM_COUNT
};

struct kx_http_verdict {
	enum kx_http_problem problem;
	char detail[640]; /* in words a vendor can act on; empty when problem is KX_HTTP_OK */
};

/* Returns the problem's report name ("missing-origin"), "ok" for KX_HTTP_OK. */
const char *kx_http_problem_name(enum kx_http_problem problem);

/* Returns the Response Status Code a receiver answers a request with this problem
 * (KX_RSC_OK for KX_HTTP_OK; response-only problems give 0). */
int kx_http_problem_rsc(enum kx_http_problem problem);

/* Reads a received request as a NOTIFY request carrying an ESCertKE message, with the
 * same checks as the matrix's (kx_notify_parse); returns 0 and fills *out (free with
 * kx_notify_free), or -1 with the problem in *v and *out empty. */
int kx_http_request_to_notify(const struct kx_http_message *request, struct kx_notify *out,
                              struct kx_http_verdict *v);

/* Reads a received response to `request` as the NOTIFY response carrying the next
 * ESCertKE message; returns 0 and fills *out, or -1 with the problem in *v. */
int kx_http_response_to_notify(const struct kx_http_message *response, const struct kx_notify *request,
                               struct kx_notify *out, struct kx_http_verdict *v);

#endif
