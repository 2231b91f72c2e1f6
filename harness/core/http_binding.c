/* http_binding.c - NOTIFY primitives carrying ESCertKE messages as HTTP/1.1
 * messages (TS-0009): the Response Status Code table, To as a
 * Request-Target and back, and the messages the harness writes. What a
 * receiving end checks of a message that arrived is http_receive.c's.
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

/* ---- tables ------------------------------------------------------------ */

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
