/* http_receive.c - the checks a receiving end applies to an HTTP message
 * that should carry a NOTIFY primitive with an ESCertKE message (TS-0001
 * 11.4.3 over TS-0009), each refusal named, with the Response Status Code
 * the receiver answers.
 *
 * The content checks are the matrix's: a received body is put back into the
 * primitive it stands for and read by kx_notify_parse, so an HTTP vendor and
 * a matrix case are told the same thing in the same words ("sit is 5 (ESPrim
 * Object), expected 6 (ESCertKE Message)"). What HTTP adds (the method, the
 * target, the header fields, the media type, the status line) is checked
 * here first. The texts behind the mapping are listed in http_binding.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "http_binding.h"
#include "http_receive.h"
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

/* ---- the named problems ------------------------------------------------ */

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
