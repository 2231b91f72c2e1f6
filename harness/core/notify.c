/* notify.c - NOTIFY request and response primitives carrying ESCertKE
 * messages (TS-0001 11.4.3, TS-0004 short names), over jansson.
 *
 * The parser is the harness's judge of what a vendor put on the wire, so it
 * stops at the first problem and names it in words a vendor can act on ("op
 * is 3 (UPDATE), expected 5 (NOTIFY)", "eckm uses the URL-safe alphabet")
 * rather than "bad primitive". The builder writes whatever op and rsc it is
 * given, so that a scenario can also send a deliberately wrong primitive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base64.h"
#include "errors.h"
#include "json_io.h"
#include "notify.h"

/* ---- building ---------------------------------------------------------- */

/* A field is a fixed array; one that fills it without a NUL is refused
 * rather than read past its end. */
static json_t *field_string(const char *field, size_t cap)
{
	size_t n = strnlen(field, cap);

	return n == cap ? NULL : json_stringn(field, n);
}

/* json_object_set_new steals the value even on failure, and refuses NULL,
 * so a failed json_string above turns into a -1 here. */
static int set(json_t *obj, const char *key, json_t *value)
{
	return value == NULL ? -1 : json_object_set_new(obj, key, value);
}

static json_t *security_info(const uint8_t *message, size_t len)
{
	char *b64 = malloc(kx_base64_encoded_len(len, KX_B64_PADDED) + 1);
	json_t *seci = json_object();
	json_t *pc = json_object();
	int rc = -1;

	if (b64 != NULL && seci != NULL && pc != NULL) {
		size_t n = kx_base64_encode(message, len, b64, KX_B64_STANDARD, KX_B64_PADDED);

		rc = set(seci, "sit", json_integer(KX_SECI_SIT_ESCERTKE));
		rc = rc || set(seci, "eckm", json_stringn(b64, n));
		rc = rc || json_object_set(pc, "m2m:seci", seci);
	}
	free(b64);
	json_decref(seci);
	if (rc != 0) {
		json_decref(pc);
		return NULL;
	}
	return pc;
}

char *kx_notify_build(const struct kx_notify *p)
{
	json_t *root = json_object();
	json_t *prim = json_object();
	char *text = NULL;
	int rc = root == NULL || prim == NULL;

	/* Member order follows the TS-0004 examples; jansson keeps insertion order. */
	if (!rc && !p->is_response) {
		rc = set(prim, "op", json_integer(p->op));
		rc = rc || set(prim, "to", field_string(p->to, sizeof p->to));
		rc = rc || set(prim, "fr", field_string(p->from, sizeof p->from));
		rc = rc || set(prim, "rqi", field_string(p->rqi, sizeof p->rqi));
	} else if (!rc) {
		rc = set(prim, "rsc", json_integer(p->rsc));
		rc = rc || set(prim, "rqi", field_string(p->rqi, sizeof p->rqi));
		/* To and From are optional in a response (TS-0001 8.1.3). */
		if (p->to[0] != '\0')
			rc = rc || set(prim, "to", field_string(p->to, sizeof p->to));
		if (p->from[0] != '\0')
			rc = rc || set(prim, "fr", field_string(p->from, sizeof p->from));
	}
	rc = rc || set(prim, "rvi", json_string(KX_NOTIFY_RVI));
	rc = rc || set(prim, "pc", security_info(p->message, p->message_len));
	rc = rc || json_object_set(root, p->is_response ? "m2m:rsp" : "m2m:rqp", prim);
	if (rc == 0)
		text = kx_json_line(root);
	json_decref(prim);
	json_decref(root);
	return text;
}

/* ---- parsing ----------------------------------------------------------- */

const char *kx_notify_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		break;
	}
	return "null";
}

/* Writes at most 40 characters of s as a quoted, printable excerpt: the
 * values come from a vendor and may hold anything, including megabytes.
 * EXCERPT_CAP fits 40 escaped characters, the ellipsis and the quotes. */
#define EXCERPT_CAP (40 * 4 + 8)
static const char *excerpt(const char *s, size_t n, char *buf, size_t cap)
{
	size_t o = 0;

	buf[o++] = '"';
	for (size_t i = 0; i < n && o + 6 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 40) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static const char *operation_name(json_int_t op)
{
	static const char *const names[] = {"", "CREATE", "RETRIEVE", "UPDATE", "DELETE", "NOTIFY"};

	return op >= 1 && op <= 5 ? names[op] : "not an operation";
}

static const char *status_name(json_int_t rsc)
{
	switch (rsc) {
	case 1000:
		return "ACCEPTED";
	case 2001:
		return "CREATED";
	case 2002:
		return "DELETED";
	case 2004:
		return "UPDATED";
	case 4000:
		return "BAD_REQUEST";
	case 4004:
		return "NOT_FOUND";
	case 4005:
		return "OPERATION_NOT_ALLOWED";
	case 4103:
		return "ORIGINATOR_HAS_NO_PRIVILEGE";
	case 4105:
		return "CONFLICT";
	case 5000:
		return "INTERNAL_SERVER_ERROR";
	case 5001:
		return "NOT_IMPLEMENTED";
	case 5103:
		return "TARGET_NOT_REACHABLE";
	}
	return "another status";
}

/* TS-0004 m2m:securityInfoType. */
static const char *sit_name(json_int_t sit)
{
	static const char *const names[] = {"",
	                                    "Dynamic Authorization Request",
	                                    "Dynamic Authorization Response",
	                                    "Receiver E2E Rand Object Request",
	                                    "Receiver E2E Rand Object Response",
	                                    "ESPrim Object",
	                                    "ESCertKE Message"};

	return sit >= 1 && sit <= 6 ? names[sit] : "not a securityInfoType";
}

/* Reads integer member key of obj into *value; a number sent as a string
 * ("5") is a common mistake and is named as such. */
static int get_integer(json_t *obj, const char *where, const char *key, json_int_t *value, char *err,
                       size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	char ex[EXCERPT_CAP];

	if (v == NULL)
		return kx_errorf(err, errlen, "%s has no %s", where, key);
	if (json_is_string(v))
		return kx_errorf(err, errlen, "%s is the string %s, not an integer", key,
		                 excerpt(json_string_value(v), json_string_length(v), ex, sizeof ex));
	if (!json_is_integer(v))
		return kx_errorf(err, errlen, "%s is %s, not an integer", key, kx_notify_type_name(v));
	*value = json_integer_value(v);
	return 0;
}

/* Copies string member key into field (capacity cap). A missing member is
 * an error only when required; a present one must be a usable identifier. */
static int get_field(json_t *obj, const char *key, int required, char *field, size_t cap, char *err,
                     size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	size_t n;

	field[0] = '\0';
	if (v == NULL)
		return required ? kx_errorf(err, errlen, "%s is missing", key) : 0;
	if (!json_is_string(v))
		return kx_errorf(err, errlen, "%s is %s, not a string", key, kx_notify_type_name(v));
	n = json_string_length(v);
	/* JSON_ALLOW_NUL lets "\u0000" through; strlen would silently cut the value there. */
	if (strlen(json_string_value(v)) != n)
		return kx_errorf(err, errlen, "%s contains a NUL character (\\u0000) at position %zu", key,
		                 strlen(json_string_value(v)));
	if (n == 0)
		return kx_errorf(err, errlen, "%s is empty", key);
	if (n >= cap)
		return kx_errorf(err, errlen, "%s is %zu bytes long, more than the %zu the harness accepts",
		                 key, n, cap - 1);
	memcpy(field, json_string_value(v), n + 1);
	return 0;
}

static int is_std_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '/';
}

static int decodes(const char *s, size_t n, uint8_t *out, size_t cap, enum kx_b64_alphabet alphabet,
                   enum kx_b64_padding padding)
{
	size_t got;

	return kx_base64_decode(s, n, out, cap, &got, alphabet, padding) == 0;
}

/* Called when strict standard padded decoding failed: names the recognised
 * mistakes first (spec README point 1 uses the same names for key
 * identifiers), then the first thing that is wrong. */
static int explain_base64(const char *s, size_t n, uint8_t *scratch, size_t cap, char *err, size_t errlen)
{
	int url_chars = memchr(s, '-', n) != NULL || memchr(s, '_', n) != NULL;
	size_t data = n;

	for (size_t i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			return kx_errorf(err, errlen,
			                 "eckm contains whitespace at position %zu; strict base64 has none",
			                 i);
	if (url_chars && decodes(s, n, scratch, cap, KX_B64_URL, KX_B64_PADDED))
		return kx_errorf(err, errlen, "eckm uses the URL-safe alphabet");
	if (url_chars && decodes(s, n, scratch, cap, KX_B64_URL, KX_B64_UNPADDED))
		return kx_errorf(err, errlen, "eckm uses the URL-safe alphabet and is unpadded");
	if (decodes(s, n, scratch, cap, KX_B64_STANDARD, KX_B64_UNPADDED))
		return kx_errorf(err, errlen, "eckm is unpadded");

	while (data > 0 && n - data < 2 && s[data - 1] == '=')
		data--;
	for (size_t i = 0; i < data; i++) {
		if (s[i] == '=')
			return kx_errorf(err, errlen,
			                 "eckm is not base64: padding '=' at position %zu before the end", i);
		if (!is_std_b64(s[i]))
			return kx_errorf(
			    err, errlen,
			    "eckm is not base64: character 0x%02x at position %zu is outside the standard "
			    "alphabet",
			    (unsigned char)s[i], i);
	}
	if (n % 4 != 0)
		return kx_errorf(err, errlen, "eckm is not base64: its length %zu is not a multiple of 4", n);
	return kx_errorf(
	    err, errlen,
	    "eckm is not canonical base64: the unused bits of its last group are not zero (RFC 4648 3.5)");
}

static int get_message(json_t *seci, struct kx_notify *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(seci, "eckm");
	const char *s;
	size_t n, cap;

	if (v == NULL)
		return kx_errorf(err, errlen, "m2m:seci has no eckm (escertkeMessage)");
	if (!json_is_string(v))
		return kx_errorf(err, errlen, "eckm is %s, not a base64 string", kx_notify_type_name(v));
	s = json_string_value(v);
	n = json_string_length(v);
	if (strlen(s) != n)
		return kx_errorf(err, errlen, "eckm contains a NUL character (\\u0000) at position %zu",
		                 strlen(s));
	if (n == 0)
		return kx_errorf(err, errlen,
		                 "eckm is empty: an ESCertKE message holds at least one TLS message");
	/* Room for the unpadded reading too: it decodes up to 2 bytes more per 4 characters' worth. */
	cap = n / 4 * 3 + 3;
	out->message = malloc(cap);
	if (out->message == NULL)
		return kx_errorf(err, errlen, "eckm (%zu characters) does not fit in memory", n);
	if (kx_base64_decode(s, n, out->message, cap, &out->message_len, KX_B64_STANDARD, KX_B64_PADDED) != 0)
		return explain_base64(s, n, out->message, cap, err, errlen);
	return 0;
}

static int get_security_info(json_t *prim, struct kx_notify *out, char *err, size_t errlen)
{
	json_t *pc = json_object_get(prim, "pc");
	json_t *seci;
	json_int_t sit;

	if (pc == NULL)
		return kx_errorf(err, errlen, "pc (content) is missing");
	if (!json_is_object(pc))
		return kx_errorf(err, errlen, "pc is %s, not an object holding m2m:seci",
		                 kx_notify_type_name(pc));
	seci = json_object_get(pc, "m2m:seci");
	if (seci == NULL) {
		const char *first = json_object_iter_key(json_object_iter(pc));
		char ex[EXCERPT_CAP];

		if (first == NULL)
			return kx_errorf(err, errlen, "pc has no m2m:seci (it is empty)");
		return kx_errorf(err, errlen, "pc has no m2m:seci (it holds %s)",
		                 excerpt(first, strlen(first), ex, sizeof ex));
	}
	if (!json_is_object(seci))
		return kx_errorf(err, errlen, "m2m:seci is %s, not an object", kx_notify_type_name(seci));
	if (get_integer(seci, "m2m:seci", "sit", &sit, err, errlen) != 0)
		return -1;
	if (sit != KX_SECI_SIT_ESCERTKE)
		return kx_errorf(err, errlen,
		                 "sit is %" JSON_INTEGER_FORMAT " (%s), expected 6 (ESCertKE Message)", sit,
		                 sit_name(sit));
	return get_message(seci, out, err, errlen);
}

static int get_request(json_t *prim, struct kx_notify *out, char *err, size_t errlen)
{
	json_int_t op;

	if (get_integer(prim, "m2m:rqp", "op", &op, err, errlen) != 0)
		return -1;
	if (op != KX_NOTIFY_OP)
		return kx_errorf(err, errlen, "op is %" JSON_INTEGER_FORMAT " (%s), expected 5 (NOTIFY)", op,
		                 operation_name(op));
	out->op = KX_NOTIFY_OP;
	if (get_field(prim, "fr", 1, out->from, sizeof out->from, err, errlen) != 0 ||
	    get_field(prim, "to", 1, out->to, sizeof out->to, err, errlen) != 0 ||
	    get_field(prim, "rqi", 1, out->rqi, sizeof out->rqi, err, errlen) != 0)
		return -1;
	return 0;
}

static int get_response(json_t *prim, struct kx_notify *out, char *err, size_t errlen)
{
	json_int_t rsc;

	out->is_response = 1;
	if (get_integer(prim, "m2m:rsp", "rsc", &rsc, err, errlen) != 0)
		return -1;
	if (rsc != KX_NOTIFY_RSC_OK)
		return kx_errorf(err, errlen, "rsc is %" JSON_INTEGER_FORMAT " (%s), expected 2000 (OK)", rsc,
		                 status_name(rsc));
	out->rsc = KX_NOTIFY_RSC_OK;
	if (get_field(prim, "rqi", 1, out->rqi, sizeof out->rqi, err, errlen) != 0 ||
	    get_field(prim, "to", 0, out->to, sizeof out->to, err, errlen) != 0 ||
	    get_field(prim, "fr", 0, out->from, sizeof out->from, err, errlen) != 0)
		return -1;
	return 0;
}

/* The root must be an object with exactly the one expected member. */
static json_t *get_primitive(json_t *root, int expect_response, char *err, size_t errlen)
{
	const char *want = expect_response ? "m2m:rsp" : "m2m:rqp";
	const char *other = expect_response ? "m2m:rqp" : "m2m:rsp";
	json_t *prim;
	char ex[EXCERPT_CAP];

	if (!json_is_object(root)) {
		kx_errorf(err, errlen, "the JSON root is %s, not an object holding %s",
		          kx_notify_type_name(root), want);
		return NULL;
	}
	prim = json_object_get(root, want);
	if (prim == NULL) {
		const char *first = json_object_iter_key(json_object_iter(root));

		if (json_object_get(root, other) != NULL)
			kx_errorf(err, errlen, "the root element is %s, expected %s (a NOTIFY %s)", other,
			          want, expect_response ? "response" : "request");
		else if (json_object_get(root, "op") != NULL || json_object_get(root, "rsc") != NULL)
			kx_errorf(err, errlen,
			          "the primitive's members are at the top level: no %s root element", want);
		else if (first == NULL)
			kx_errorf(err, errlen, "the JSON root is an empty object, expected %s", want);
		else
			kx_errorf(err, errlen, "the root element is %s, expected %s",
			          excerpt(first, strlen(first), ex, sizeof ex), want);
		return NULL;
	}
	if (json_object_size(root) != 1) {
		kx_errorf(err, errlen, "the root object has %zu members, expected only %s",
		          json_object_size(root), want);
		return NULL;
	}
	if (!json_is_object(prim)) {
		kx_errorf(err, errlen, "%s is %s, not an object", want, kx_notify_type_name(prim));
		return NULL;
	}
	return prim;
}

int kx_notify_parse(const char *text, size_t len, int expect_response, struct kx_notify *out, char *err,
                    size_t errlen)
{
	json_error_t jerr;
	json_t *root, *prim, *rvi;
	int rc = -1;

	memset(out, 0, sizeof *out);
	/* DECODE_ANY so that a bare string or number is reported as the wrong
	 * root rather than as invalid JSON; ALLOW_NUL so that "\u0000" reaches
	 * the checks that name it; duplicate keys would make the meaning depend
	 * on the parser, so they are refused. */
	root = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return kx_errorf(err, errlen, "not JSON: %s (line %d, column %d, byte %d)", jerr.text,
		                 jerr.line, jerr.column, jerr.position);
	prim = get_primitive(root, expect_response, err, errlen);
	if (prim == NULL)
		goto done;
	if ((expect_response ? get_response(prim, out, err, errlen) : get_request(prim, out, err, errlen)) !=
	    0)
		goto done;
	/* rvi is not judged: every release from 2a on is a valid value. */
	rvi = json_object_get(prim, "rvi");
	if (rvi != NULL && !json_is_string(rvi)) {
		kx_errorf(err, errlen, "rvi is %s, not a string", kx_notify_type_name(rvi));
		goto done;
	}
	rc = get_security_info(prim, out, err, errlen);
done:
	json_decref(root);
	if (rc != 0)
		kx_notify_free(out);
	return rc;
}

/* ---- correlation ------------------------------------------------------- */

int kx_notify_correlates(const struct kx_notify *message1_request, const struct kx_notify *message3_request,
                         char *err, size_t errlen)
{
	const char *fr1 = message1_request->from, *fr3 = message3_request->from;
	char ex1[EXCERPT_CAP], ex3[EXCERPT_CAP];

	if (message1_request->is_response || message3_request->is_response)
		return kx_errorf(err, errlen, "messages 1 and 3 travel in NOTIFY requests, not responses");
	if (strcmp(fr1, fr3) != 0)
		return kx_errorf(
		    err, errlen,
		    "message 3's fr %s differs from message 1's %s: the terminating end-point cannot "
		    "correlate them (TS-0001 11.4.3 C.1.c)",
		    excerpt(fr3, strlen(fr3), ex3, sizeof ex3), excerpt(fr1, strlen(fr1), ex1, sizeof ex1));
	/* A request identifier names one request of its originator (TS-0001
	 * 8.1.2); reusing message 1's would make message 3 look like a retry. */
	if (strcmp(message1_request->rqi, message3_request->rqi) == 0)
		return kx_errorf(
		    err, errlen, "message 3 reuses message 1's rqi %s: it must be a new request",
		    excerpt(message3_request->rqi, strlen(message3_request->rqi), ex3, sizeof ex3));
	return 0;
}

int kx_notify_answers(const struct kx_notify *request, const struct kx_notify *response, char *err,
                      size_t errlen)
{
	char ex1[EXCERPT_CAP], ex2[EXCERPT_CAP];

	if (request->is_response || !response->is_response)
		return kx_errorf(err, errlen, "expected a NOTIFY request and its response");
	if (strcmp(request->rqi, response->rqi) != 0)
		return kx_errorf(err, errlen, "the response's rqi %s is not the request's %s",
		                 excerpt(response->rqi, strlen(response->rqi), ex1, sizeof ex1),
		                 excerpt(request->rqi, strlen(request->rqi), ex2, sizeof ex2));
	/* The response's To, when present, is the request's originator (TS-0001 8.1.3). */
	if (response->to[0] != '\0' && strcmp(response->to, request->from) != 0)
		return kx_errorf(err, errlen, "the response's to %s is not the request's originator %s",
		                 excerpt(response->to, strlen(response->to), ex1, sizeof ex1),
		                 excerpt(request->from, strlen(request->from), ex2, sizeof ex2));
	return 0;
}

void kx_notify_answer(const struct kx_notify *request, struct kx_notify *response)
{
	*response = *request;
	response->is_response = 1;
	response->op = 0;
	response->rsc = KX_NOTIFY_RSC_OK;
	memcpy(response->to, request->from, sizeof response->to);
	memcpy(response->from, request->to, sizeof response->from);
}

void kx_notify_free(struct kx_notify *p)
{
	if (p == NULL)
		return;
	free(p->message);
	memset(p, 0, sizeof *p);
}
