/* http_binding.c - NOTIFY primitives carrying ESCertKE messages as HTTP/1.1
 * messages (TS-0009), and the checks of a received one.
 *
 * The content checks are the matrix's: a received body is put back into the
 * primitive it stands for and read by kx_notify_parse, so an HTTP vendor and
 * a matrix case are told the same thing in the same words ("sit is 5 (ESPrim
 * Object), expected 6 (ESCertKE Message)"). What HTTP adds (the method, the
 * target, the header fields, the media type, the status line) is checked
 * here first, and each refusal names the Response Status Code the receiver
 * answers with.
 *
 * The texts this code relies on, and where they are:
 *   TS-0009 "Method": CREATE and NOTIFY are POST, told apart by the ty
 *     parameter of Content-Type (present for CREATE only); RETRIEVE is GET,
 *     UPDATE is PUT, DELETE is DELETE.
 *   TS-0009 "Request-Target": the To parameter as the path, "/~" before an
 *     SP-relative and "/_" before an absolute identifier.
 *   TS-0009 "Header fields": X-M2M-Origin (From), X-M2M-RI (Request
 *     Identifier), X-M2M-RVI (Release Version Indicator), X-M2M-RSC
 *     (Response Status Code); Content-Type names the serialisation.
 *   TS-0009 "Message-body": the Content parameter.
 *   TS-0009 "Status-Code": the table from Response Status Code to HTTP status
 *     code (kx_http_status_for_rsc).
 *   TS-0004 6.6: the Response Status Codes and their names; m2m:dbg
 *     (debugInfo) for the reason in words.
 *   TS-0001 8.1.2: From and Request Identifier are mandatory in a request.
 * TS-0009 and TS-0004 are not among the texts in ../shared/spec; these are
 * the stable facts of theirs the harness uses (docs/http-binding.md). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base64.h"
#include "errors.h"
#include "growable.h"
#include "http_binding.h"
#include "json_io.h"

static int reject(struct kx_http_verdict *v, enum kx_http_problem problem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets the verdict and returns -1, so that a check reads `return reject(...)`. */
static int reject(struct kx_http_verdict *v, enum kx_http_problem problem, const char *fmt, ...)
{
	va_list args;

	v->problem = problem;
	va_start(args, fmt);
	vsnprintf(v->detail, sizeof v->detail, fmt, args);
	va_end(args);
	return -1;
}

/* ---- names and tables --------------------------------------------------- */

static const struct {
	const char *name;
	int rsc;
} problems[KX_HTTP_PROBLEM_COUNT] = {
    [KX_HTTP_OK] = {"ok", KX_RSC_OK},
    /* TS-0004 OPERATION_NOT_ALLOWED: the operation is not allowed on the
     * target. The ESCertKE end-point offers NOTIFY only (TS-0001 11.4.3 NOTE:
     * the outer primitive acts on no resource); the method says which
     * operation was asked (TS-0009 "Method"). */
    [KX_HTTP_WRONG_METHOD] = {"wrong-method", KX_RSC_OPERATION_NOT_ALLOWED},
    [KX_HTTP_CREATE_NOT_NOTIFY] = {"create-not-notify", KX_RSC_OPERATION_NOT_ALLOWED},
    /* TS-0004 BAD_REQUEST: a mandatory parameter is missing or malformed.
     * From and Request Identifier are mandatory in every request (TS-0001
     * 8.1.2); the Terminating End-Point needs From to correlate message 3
     * with message 1 (TS-0001 11.4.3 C.1.a, C.1.c). */
    [KX_HTTP_MISSING_ORIGIN] = {"missing-origin", KX_RSC_BAD_REQUEST},
    [KX_HTTP_MISSING_REQUEST_IDENTIFIER] = {"missing-request-identifier", KX_RSC_BAD_REQUEST},
    [KX_HTTP_BAD_TARGET] = {"bad-target", KX_RSC_BAD_REQUEST},
    [KX_HTTP_BAD_PARAMETER] = {"bad-parameter", KX_RSC_BAD_REQUEST},
    /* TS-0004 NOT_FOUND: the target (To) is not known here. */
    [KX_HTTP_WRONG_TARGET] = {"wrong-target", KX_RSC_NOT_FOUND},
    /* TS-0004 ORIGINATOR_HAS_NO_PRIVILEGE: the originator is not allowed to do
     * this. The Terminating End-Point is configured with the Initiating
     * End-Point authorised to run ESCertKE with it (TS-0003 8.7.2.2 B), and
     * message 3 must come from the originator of message 1 (TS-0001 11.4.3
     * C.1.c): another originator has no ESCertKE procedure in progress here. */
    [KX_HTTP_ORIGINATOR_NOT_AUTHORISED] = {"originator-not-authorised", KX_RSC_ORIGINATOR_HAS_NO_PRIVILEGE},
    [KX_HTTP_ORIGINATOR_DIFFERS] = {"originator-differs", KX_RSC_ORIGINATOR_HAS_NO_PRIVILEGE},
    /* A Request Identifier names one request of its originator (TS-0001
     * 8.1.2): message 3 reusing message 1's is a malformed parameter. */
    [KX_HTTP_REQUEST_IDENTIFIER_REUSED] = {"request-identifier-reused", KX_RSC_BAD_REQUEST},
    /* TS-0004 UNSUPPORTED_MEDIA_TYPE: the receiver cannot read the
     * serialisation Content-Type names; the harness reads JSON. */
    [KX_HTTP_UNSUPPORTED_MEDIA_TYPE] = {"unsupported-media-type", KX_RSC_UNSUPPORTED_MEDIA_TYPE},
    /* The Content is malformed: BAD_REQUEST. sit says what the content is
     * (TS-0001 11.4.3: Security Info indicates an ESCertKE message, sit 6 in
     * TS-0004 m2m:securityInfoType); eckm is base64Binary (TS-0004 m2m:seci). */
    [KX_HTTP_BODY_TOO_LARGE] = {"body-too-large", KX_RSC_BAD_REQUEST},
    [KX_HTTP_BODY_NOT_JSON] = {"body-not-json", KX_RSC_BAD_REQUEST},
    [KX_HTTP_NO_SECURITY_INFO] = {"no-security-info", KX_RSC_BAD_REQUEST},
    [KX_HTTP_WRONG_SIT] = {"wrong-sit", KX_RSC_BAD_REQUEST},
    [KX_HTTP_MISSING_ECKM] = {"missing-eckm", KX_RSC_BAD_REQUEST},
    [KX_HTTP_BAD_ECKM_BASE64] = {"bad-eckm-base64", KX_RSC_BAD_REQUEST},
    /* Problems of a response: nobody answers them, so they have no code. */
    [KX_HTTP_NOT_OK] = {"not-ok", 0},
    [KX_HTTP_MISSING_RSC] = {"missing-rsc", 0},
    [KX_HTTP_STATUS_MISMATCH] = {"status-mismatch", 0},
    [KX_HTTP_RESPONSE_REQUEST_IDENTIFIER] = {"response-request-identifier", 0},
};

const char *kx_http_problem_name(enum kx_http_problem problem)
{
	return problem < KX_HTTP_PROBLEM_COUNT ? problems[problem].name : "unknown";
}

int kx_http_problem_rsc(enum kx_http_problem problem)
{
	return problem < KX_HTTP_PROBLEM_COUNT ? problems[problem].rsc : 0;
}

/* TS-0004 6.6 names, and the HTTP status TS-0009 maps each to. Only codes
 * whose mapping the harness is sure of are here; another code is reported
 * by its number and its status line is not judged. */
static const struct {
	int rsc;
	const char *name;
	int http;
} statuses[] = {
    {1000, "ACCEPTED", 202},
    {2000, "OK", 200},
    {2001, "CREATED", 201},
    {2002, "DELETED", 200},
    {2004, "UPDATED", 200},
    {4000, "BAD_REQUEST", 400},
    {4004, "NOT_FOUND", 404},
    {4005, "OPERATION_NOT_ALLOWED", 405},
    {4015, "UNSUPPORTED_MEDIA_TYPE", 415},
    {4101, "SUBSCRIPTION_CREATOR_HAS_NO_PRIVILEGE", 403},
    {4102, "CONTENTS_UNACCEPTABLE", 400},
    {4103, "ORIGINATOR_HAS_NO_PRIVILEGE", 403},
    {4105, "CONFLICT", 409},
    {4106, "ORIGINATOR_NOT_AUTHENTICATED", 403},
    {4107, "SECURITY_ASSOCIATION_REQUIRED", 403},
    {5000, "INTERNAL_SERVER_ERROR", 500},
    {5001, "NOT_IMPLEMENTED", 501},
    {5103, "TARGET_NOT_REACHABLE", 404},
    {5105, "RECEIVER_HAS_NO_PRIVILEGE", 403},
    {5106, "ALREADY_EXISTS", 409},
    {5203, "TARGET_NOT_SUBSCRIBABLE", 403},
    {5207, "NOT_ACCEPTABLE", 406},
};

const char *kx_rsc_name(int rsc)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (statuses[i].rsc == rsc)
			return statuses[i].name;
	return NULL;
}

int kx_http_status_for_rsc(int rsc)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (statuses[i].rsc == rsc)
			return statuses[i].http;
	return 0;
}

const char *kx_http_reason_phrase(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 409:
		return "Conflict";
	case 415:
		return "Unsupported Media Type";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	}
	return "Unknown";
}

/* ---- To and the Request-Target ----------------------------------------- */

static int unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int kx_http_target_from_to(const char *to, char *out, size_t cap)
{
	const char *prefix, *rest;
	size_t o;

	if (to[0] == '\0')
		return -1;
	if (strncmp(to, "//", 2) == 0) {
		prefix = "/_/";
		rest = to + 2;
	} else if (to[0] == '/') {
		prefix = "/~/";
		rest = to + 1;
	} else {
		/* A CSE-relative "~/x" or "_/x" would read back as another form. */
		if ((to[0] == '~' || to[0] == '_') && to[1] == '/')
			return -1;
		prefix = "/";
		rest = to;
	}
	if (rest[0] == '\0' || strlen(prefix) >= cap)
		return -1;
	o = (size_t)snprintf(out, cap, "%s", prefix);
	for (const char *p = rest; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (o + 4 > cap)
			return -1;
		if (unreserved(c) || c == '/')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
	}
	out[o] = '\0';
	return 0;
}

int kx_http_to_from_target(const char *target, char *out, size_t cap)
{
	const char *prefix = "", *rest;

	if (target[0] != '/')
		return -1;
	if (strncmp(target, "/~/", 3) == 0) {
		prefix = "/";
		rest = target + 3;
	} else if (strncmp(target, "/_/", 3) == 0) {
		prefix = "//";
		rest = target + 3;
	} else {
		rest = target + 1;
	}
	if (rest[0] == '\0' || rest[0] == '/' || strlen(prefix) + strlen(rest) >= cap)
		return -1;
	snprintf(out, cap, "%s%s", prefix, rest);
	return 0;
}

/* ---- messages ----------------------------------------------------------- */

static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int kx_http_header_add(struct kx_http_message *m, const char *name, const char *value)
{
	char *n, *v;

	if (has_control(name) || has_control(value) || name[0] == '\0' || strchr(name, ':') != NULL)
		return -1;
	if (KX_GROW(m->headers, m->cap_headers, m->n_headers + 1) != 0)
		return -1;
	n = strdup(name);
	v = strdup(value);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return -1;
	}
	m->headers[m->n_headers].name = n;
	m->headers[m->n_headers].value = v;
	m->n_headers++;
	return 0;
}

const char *kx_http_header_get(const struct kx_http_message *m, const char *name)
{
	for (size_t i = 0; i < m->n_headers; i++)
		if (strcasecmp(m->headers[i].name, name) == 0)
			return m->headers[i].value;
	return NULL;
}

/* Takes text (malloc'd) as the body. */
static void set_body(struct kx_http_message *m, char *text)
{
	free(m->body);
	m->body = text;
	m->body_len = text != NULL ? strlen(text) : 0;
}

/* {"m2m:seci":{"sit":6,"eckm":BASE64}}: the Content, which is the body. */
static char *content_text(const uint8_t *message, size_t len)
{
	char *b64 = malloc(kx_base64_encoded_len(len, KX_B64_PADDED) + 1);
	json_t *content = NULL;
	char *text = NULL;

	if (b64 != NULL) {
		size_t n = kx_base64_encode(message, len, b64, KX_B64_STANDARD, KX_B64_PADDED);

		content =
		    json_pack("{s:{s:i, s:s%}}", "m2m:seci", "sit", KX_SECI_SIT_ESCERTKE, "eckm", b64, n);
	}
	if (content != NULL)
		text = kx_json_line(content);
	json_decref(content);
	free(b64);
	return text;
}

int kx_http_from_notify(const struct kx_notify *p, struct kx_http_message *out, char *err, size_t errlen)
{
	char rsc[16];
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->is_response = p->is_response;
	if (!p->is_response) {
		snprintf(out->method, sizeof out->method, "POST");
		if (kx_http_target_from_to(p->to, out->target, sizeof out->target) != 0)
			return kx_errorf(err, errlen, "To \"%.200s\" cannot be written as a Request-Target",
			                 p->to);
		rc = kx_http_header_add(out, "X-M2M-Origin", p->from);
		rc = rc || kx_http_header_add(out, "X-M2M-RI", p->rqi);
	} else {
		out->status = kx_http_status_for_rsc(p->rsc);
		if (out->status == 0)
			return kx_errorf(err, errlen,
			                 "response status code %d has no HTTP status in the harness's table",
			                 p->rsc);
		snprintf(rsc, sizeof rsc, "%d", p->rsc);
		rc = kx_http_header_add(out, "X-M2M-RSC", rsc);
		rc = rc || kx_http_header_add(out, "X-M2M-RI", p->rqi);
	}
	rc = rc || kx_http_header_add(out, "X-M2M-RVI", KX_NOTIFY_RVI);
	/* No ty parameter: that is what makes a POST a NOTIFY rather than a CREATE. */
	rc = rc || kx_http_header_add(out, "Content-Type", KX_HTTP_MEDIA_TYPE);
	if (!p->is_response)
		rc = rc || kx_http_header_add(out, "Accept", KX_HTTP_MEDIA_TYPE);
	if (rc == 0)
		set_body(out, content_text(p->message, p->message_len));
	if (rc != 0 || out->body == NULL) {
		kx_http_message_free(out);
		return kx_errorf(err, errlen, "an identifier holds a control character, or memory ran out");
	}
	return 0;
}

int kx_http_error_response(int rsc, const char *rqi, const char *detail, struct kx_http_message *out)
{
	json_t *dbg = json_pack("{s:s}", "m2m:dbg", detail);
	char code[16];
	int rc;

	memset(out, 0, sizeof *out);
	out->is_response = 1;
	out->status = kx_http_status_for_rsc(rsc);
	if (out->status == 0)
		out->status = 500;
	snprintf(code, sizeof code, "%d", rsc);
	rc = kx_http_header_add(out, "X-M2M-RSC", code);
	/* An identifier with control characters is not echoed into a header. */
	if (rqi != NULL && !has_control(rqi))
		rc = rc || kx_http_header_add(out, "X-M2M-RI", rqi);
	rc = rc || kx_http_header_add(out, "X-M2M-RVI", KX_NOTIFY_RVI);
	rc = rc || kx_http_header_add(out, "Content-Type", KX_HTTP_MEDIA_TYPE);
	if (rc == 0 && dbg != NULL)
		set_body(out, kx_json_line(dbg));
	json_decref(dbg);
	if (rc != 0 || out->body == NULL) {
		kx_http_message_free(out);
		return -1;
	}
	return 0;
}

/* ---- reading a received message ----------------------------------------- */

/* Finds parameter `name` among the ;-separated parameters of a media type. */
static int has_parameter(const char *media_type, const char *name)
{
	const char *p = strchr(media_type, ';');
	size_t n = strlen(name);

	while (p != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, n) == 0 && (p[n] == '=' || p[n] == ' ' || p[n] == '\t'))
			return 1;
		p = strchr(p, ';');
	}
	return 0;
}

/* JSON serialisations the harness reads: application/json and the oneM2M
 * JSON media types of a resource or notification (TS-0004 6.7). */
static int is_json_media(const char *media_type)
{
	static const char *const accepted[] = {"application/json", "application/vnd.onem2m-res+json",
	                                       "application/vnd.onem2m-ntfy+json"};
	size_t n = strcspn(media_type, "; \t");

	for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
		if (n == strlen(accepted[i]) && strncasecmp(media_type, accepted[i], n) == 0)
			return 1;
	return 0;
}

/* Checks the media type and parses the body as JSON; returns the content
 * (new reference) or NULL with the problem in *v. */
static json_t *read_content(const struct kx_http_message *m, struct kx_http_verdict *v)
{
	const char *type = kx_http_header_get(m, "Content-Type");
	json_error_t jerr;
	json_t *content;

	if (m->body_dropped > 0) {
		reject(v, KX_HTTP_BODY_TOO_LARGE, "the body is %zu bytes long; the harness reads at most %d",
		       m->body_len + m->body_dropped, KX_HTTP_BODY_MAX);
		return NULL;
	}
	if (type == NULL) {
		reject(v, KX_HTTP_UNSUPPORTED_MEDIA_TYPE,
		       "there is no Content-Type; the content is JSON, " KX_HTTP_MEDIA_TYPE
		       " (TS-0009 Content-Type)");
		return NULL;
	}
	if (!is_json_media(type)) {
		reject(v, KX_HTTP_UNSUPPORTED_MEDIA_TYPE,
		       "Content-Type is \"%.200s\"; the harness reads the JSON "
		       "serialisation, " KX_HTTP_MEDIA_TYPE,
		       type);
		return NULL;
	}
	if (m->body_len == 0) {
		reject(
		    v, KX_HTTP_BODY_NOT_JSON,
		    "the body is empty: the Content, an m2m:seci holding the ESCertKE message, is the body "
		    "(TS-0009 Message-body)");
		return NULL;
	}
	/* The same flags as kx_notify_parse: "\u0000" reaches the checks that
	 * name it, and duplicate keys would make the meaning parser-dependent. */
	content = json_loadb(m->body, m->body_len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES,
	                     &jerr);
	if (content == NULL) {
		reject(v, KX_HTTP_BODY_NOT_JSON, "the body is not JSON: %s (line %d, column %d)", jerr.text,
		       jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(content)) {
		reject(v, KX_HTTP_NO_SECURITY_INFO, "the body is %s, not an object holding m2m:seci",
		       json_is_number(content) ? "a number" : kx_notify_type_name(content));
		json_decref(content);
		return NULL;
	}
	if (json_object_get(content, "m2m:rqp") != NULL || json_object_get(content, "m2m:rsp") != NULL) {
		reject(
		    v, KX_HTTP_NO_SECURITY_INFO,
		    "the body is a whole primitive (%s): the HTTP binding carries only the Content in the "
		    "body and the other parameters in the method, the target and X-M2M-* headers (TS-0009)",
		    json_object_get(content, "m2m:rqp") != NULL ? "m2m:rqp" : "m2m:rsp");
		json_decref(content);
		return NULL;
	}
	return content;
}

/* Which named problem a content refused by kx_notify_parse has. */
static enum kx_http_problem content_problem(json_t *content)
{
	json_t *seci = json_object_get(content, "m2m:seci");
	json_t *sit = json_object_get(seci, "sit");
	json_t *eckm = json_object_get(seci, "eckm");

	if (!json_is_object(seci))
		return KX_HTTP_NO_SECURITY_INFO;
	if (!json_is_integer(sit) || json_integer_value(sit) != KX_SECI_SIT_ESCERTKE)
		return KX_HTTP_WRONG_SIT;
	if (!json_is_string(eckm) || json_string_length(eckm) == 0)
		return KX_HTTP_MISSING_ECKM;
	return KX_HTTP_BAD_ECKM_BASE64;
}

/* Sets a string member from a header value; a value that is not UTF-8 text
 * cannot be a oneM2M identifier. */
static int set_text(json_t *prim, const char *key, const char *header, const char *value,
                    struct kx_http_verdict *v)
{
	if (json_object_set_new(prim, key, json_string(value)) != 0)
		return reject(v, KX_HTTP_BAD_PARAMETER, "%s is not UTF-8 text", header);
	return 0;
}

/* Parses prim (taken), wrapped in m2m:rsp or m2m:rqp, as the primitive it stands for, with the
 * matrix's parser; releases content. set_failed: a member of prim could not be set (v says why,
 * unless prim is NULL: memory ran out), and nothing is parsed. */
static int parse_primitive(json_t *prim, int set_failed, json_t *content, int response, struct kx_notify *out,
                           struct kx_http_verdict *v)
{
	json_t *root;
	char *text;
	char err[sizeof v->detail];
	int rc = -1;

	if (set_failed) {
		if (prim == NULL)
			reject(v, KX_HTTP_BAD_PARAMETER, "out of memory");
		json_decref(prim);
		json_decref(content);
		return -1;
	}
	root = json_pack("{s:o}", response ? "m2m:rsp" : "m2m:rqp", prim);
	text = kx_json_line(root);
	if (text == NULL)
		reject(v, KX_HTTP_BAD_PARAMETER, "the primitive could not be assembled (out of memory)");
	else if (kx_notify_parse(text, strlen(text), response, out, err, sizeof err) != 0)
		reject(v, content_problem(content), "%s", err);
	else
		rc = 0;
	free(text);
	json_decref(root);
	json_decref(content);
	return rc;
}

/* Copies a header's value into a primitive field, refusing what the field cannot hold. */
static int identifier(const char *value, const char *header, size_t cap, struct kx_http_verdict *v)
{
	if (strlen(value) >= cap)
		return reject(v, KX_HTTP_BAD_PARAMETER,
		              "%s is %zu bytes long, more than the %zu the harness accepts", header,
		              strlen(value), cap - 1);
	return 0;
}

/* The operation a method stands for (TS-0009 "Method"). */
static const char *operation_of(const char *method)
{
	if (strcmp(method, "GET") == 0)
		return "RETRIEVE";
	if (strcmp(method, "PUT") == 0)
		return "UPDATE";
	if (strcmp(method, "DELETE") == 0)
		return "DELETE";
	return "no oneM2M operation";
}

int kx_http_request_to_notify(const struct kx_http_message *request, struct kx_notify *out,
                              struct kx_http_verdict *v)
{
	const char *type = kx_http_header_get(request, "Content-Type");
	const char *origin = kx_http_header_get(request, "X-M2M-Origin");
	const char *ri = kx_http_header_get(request, "X-M2M-RI");
	const char *rvi = kx_http_header_get(request, "X-M2M-RVI");
	char to[KX_NOTIFY_ID_MAX];
	json_t *content, *prim;
	int rc;

	memset(out, 0, sizeof *out);
	v->problem = KX_HTTP_OK;
	v->detail[0] = '\0';
	if (request->is_response)
		return reject(v, KX_HTTP_BAD_PARAMETER, "expected a request, read a response");
	if (strcmp(request->method, "POST") != 0)
		return reject(
		    v, KX_HTTP_WRONG_METHOD,
		    "the method is %.15s (%s); an ESCertKE message travels in a NOTIFY, which is POST "
		    "(TS-0009 Method, TS-0001 11.4.3)",
		    request->method, operation_of(request->method));
	if (type != NULL && has_parameter(type, "ty"))
		return reject(
		    v, KX_HTTP_CREATE_NOT_NOTIFY,
		    "Content-Type \"%.200s\" has a ty parameter: a POST with ty is a CREATE of that "
		    "resource type; a NOTIFY has none (TS-0009 Method)",
		    type);
	if (origin == NULL || origin[0] == '\0')
		return reject(
		    v, KX_HTTP_MISSING_ORIGIN,
		    "X-M2M-Origin (the From parameter) is %s: From is mandatory in a request (TS-0001 "
		    "8.1.2) and the Terminating End-Point correlates message 3 with message 1 by it "
		    "(TS-0001 11.4.3 C.1.c)",
		    origin == NULL ? "missing" : "empty");
	if (ri == NULL || ri[0] == '\0')
		return reject(
		    v, KX_HTTP_MISSING_REQUEST_IDENTIFIER,
		    "X-M2M-RI (the Request Identifier) is %s: it is mandatory in a request (TS-0001 "
		    "8.1.2) and the response repeats it",
		    ri == NULL ? "missing" : "empty");
	if (kx_http_to_from_target(request->target, to, sizeof to) != 0)
		return reject(v, KX_HTTP_BAD_TARGET,
		              "the Request-Target \"%.200s\" names no To: TS-0009 writes an SP-relative To "
		              "\"/in-cse\" as \"/~/in-cse\", an absolute one as \"/_/...\"",
		              request->target);
	if (identifier(origin, "X-M2M-Origin", sizeof out->from, v) != 0 ||
	    identifier(ri, "X-M2M-RI", sizeof out->rqi, v) != 0)
		return -1;
	content = read_content(request, v);
	if (content == NULL)
		return -1;
	prim = json_pack("{s:i}", "op", KX_NOTIFY_OP);
	rc = prim == NULL || set_text(prim, "to", "the Request-Target", to, v) != 0 ||
	     set_text(prim, "fr", "X-M2M-Origin", origin, v) != 0 ||
	     set_text(prim, "rqi", "X-M2M-RI", ri, v) != 0 ||
	     (rvi != NULL && set_text(prim, "rvi", "X-M2M-RVI", rvi, v) != 0) ||
	     json_object_set(prim, "pc", content) != 0;
	return parse_primitive(prim, rc, content, 0, out, v);
}

/* Parses a decimal Response Status Code; -1 if it is not one. */
static int parse_rsc(const char *text)
{
	long value = 0;

	if (text[0] == '\0' || strlen(text) > 6)
		return -1;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		value = value * 10 + (*p - '0');
	}
	return (int)value;
}

/* The m2m:dbg text of an error response, if it has one, for the diagnosis. */
static void debug_info(const struct kx_http_message *m, char *out, size_t cap)
{
	json_t *body = m->body_len > 0 ? json_loadb(m->body, m->body_len, 0, NULL) : NULL;
	const char *dbg = kx_json_get_string(body, "m2m:dbg");

	out[0] = '\0';
	if (dbg != NULL)
		snprintf(out, cap, ": m2m:dbg \"%.300s\"", dbg);
	json_decref(body);
}

int kx_http_response_to_notify(const struct kx_http_message *response, const struct kx_notify *request,
                               struct kx_notify *out, struct kx_http_verdict *v)
{
	const char *rsc_text = kx_http_header_get(response, "X-M2M-RSC");
	const char *ri = kx_http_header_get(response, "X-M2M-RI");
	const char *rvi = kx_http_header_get(response, "X-M2M-RVI");
	int rsc = rsc_text != NULL ? parse_rsc(rsc_text) : -1;
	int mapped = rsc >= 0 ? kx_http_status_for_rsc(rsc) : 0;
	const char *name = rsc >= 0 ? kx_rsc_name(rsc) : NULL;
	char dbg[400], mismatch[200] = "";
	json_t *content, *prim;
	int rc;

	memset(out, 0, sizeof *out);
	v->problem = KX_HTTP_OK;
	v->detail[0] = '\0';
	if (!response->is_response)
		return reject(v, KX_HTTP_BAD_PARAMETER, "expected a response, read a request");
	debug_info(response, dbg, sizeof dbg);
	if (rsc_text == NULL)
		return reject(
		    v, KX_HTTP_MISSING_RSC,
		    "HTTP status %d %s with no X-M2M-RSC: the Response Status Code is mandatory in a "
		    "response and travels in X-M2M-RSC (TS-0009 Header fields)%s",
		    response->status, kx_http_reason_phrase(response->status), dbg);
	if (rsc < 0)
		return reject(v, KX_HTTP_MISSING_RSC, "X-M2M-RSC \"%.100s\" is not a Response Status Code",
		              rsc_text);
	if (mapped != 0 && mapped != response->status)
		snprintf(mismatch, sizeof mismatch,
		         "; and the HTTP status %d is not the %d TS-0009 maps %d to", response->status,
		         mapped, rsc);
	if (rsc != KX_RSC_OK)
		return reject(
		    v, KX_HTTP_NOT_OK,
		    "the Terminating End-Point answered HTTP %d %s with X-M2M-RSC %d (%s), not 2000 "
		    "(OK)%s%s",
		    response->status, kx_http_reason_phrase(response->status), rsc,
		    name != NULL ? name : "not in the harness's table", dbg, mismatch);
	if (mismatch[0] != '\0')
		return reject(v, KX_HTTP_STATUS_MISMATCH, "X-M2M-RSC is 2000 (OK)%s", mismatch);
	if (ri == NULL || strcmp(ri, request->rqi) != 0)
		return reject(
		    v, KX_HTTP_RESPONSE_REQUEST_IDENTIFIER,
		    "X-M2M-RI is %s%.100s%s; a response repeats its request's Request Identifier \"%s\"",
		    ri == NULL ? "missing" : "\"", ri == NULL ? "" : ri, ri == NULL ? "" : "\"",
		    request->rqi);
	content = read_content(response, v);
	if (content == NULL)
		return -1;
	prim = json_pack("{s:i, s:s}", "rsc", rsc, "rqi", request->rqi);
	rc = prim == NULL || (rvi != NULL && set_text(prim, "rvi", "X-M2M-RVI", rvi, v) != 0) ||
	     json_object_set(prim, "pc", content) != 0;
	return parse_primitive(prim, rc, content, 1, out, v);
}

/* ---- text for reports --------------------------------------------------- */

struct text {
	char *p;
	size_t len, cap;
	int failed;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->failed || KX_GROW(t->p, t->cap, t->len + n + 1) != 0) {
		t->failed = 1;
		return;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void puts_text(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

char *kx_http_printable(const char *s, size_t n)
{
	struct text t = {0};
	char hex[8];

	put(&t, "", 0);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 0x20 && c < 0x7f) || c == '\r' || c == '\n' || c == '\t') {
			put(&t, &s[i], 1);
		} else {
			snprintf(hex, sizeof hex, "\\x%02x", c);
			puts_text(&t, hex);
		}
	}
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	return t.p;
}

char *kx_http_message_text(const struct kx_http_message *m)
{
	struct text t = {0};
	char line[KX_HTTP_TARGET_MAX + 64];
	char *printable;

	if (m->is_response)
		snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", m->status,
		         kx_http_reason_phrase(m->status));
	else
		snprintf(line, sizeof line, "%s %s HTTP/1.1\r\n", m->method, m->target);
	puts_text(&t, line);
	for (size_t i = 0; i < m->n_headers; i++) {
		puts_text(&t, m->headers[i].name);
		puts_text(&t, ": ");
		puts_text(&t, m->headers[i].value);
		puts_text(&t, "\r\n");
	}
	puts_text(&t, "\r\n");
	if (m->body != NULL)
		put(&t, m->body, m->body_len);
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	printable = kx_http_printable(t.p, t.len);
	free(t.p);
	return printable;
}

void kx_http_message_free(struct kx_http_message *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_headers; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->body);
	memset(m, 0, sizeof *m);
}
