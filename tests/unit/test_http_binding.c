/* test_http_binding.c - unit tests of harness/core/http_binding.c and
 * http_receive.c: the status code table, To and the Request-Target, the
 * exact HTTP text of a NOTIFY request and response, round trips, and every
 * refusal a receiving end names (with the Response Status Code it answers),
 * so that a vendor is told precisely what was wrong with its HTTP message. */
#include "unit.h"

#include "core/http_binding.h"
#include "core/http_receive.h"

static const uint8_t message[] = {0x16, 0x03, 0x03, 0x00, 0x01, 0x01}; /* eckm "FgMDAAEB" */

/* A valid NOTIFY request as a receiver would have assembled it from the wire. */
static void valid_request(struct kx_http_message *m)
{
	memset(m, 0, sizeof *m);
	snprintf(m->method, sizeof m->method, "POST");
	snprintf(m->target, sizeof m->target, "/~/in-cse");
	assert_int_equal(kx_http_header_add(m, "X-M2M-Origin", "CAE123456789012-Lock"), 0);
	assert_int_equal(kx_http_header_add(m, "X-M2M-RI", "rq-1"), 0);
	assert_int_equal(kx_http_header_add(m, "X-M2M-RVI", "3"), 0);
	assert_int_equal(kx_http_header_add(m, "Content-Type", "application/json"), 0);
	m->body = strdup("{\"m2m:seci\":{\"sit\":6,\"eckm\":\"FgMDAAEB\"}}");
	m->body_len = strlen(m->body);
}

/* Replaces the value of header name (which must exist), or removes it when value is NULL. */
static void set_header(struct kx_http_message *m, const char *name, const char *value)
{
	for (size_t i = 0; i < m->n_headers; i++) {
		if (strcmp(m->headers[i].name, name) != 0)
			continue;
		free(m->headers[i].value);
		if (value != NULL) {
			m->headers[i].value = strdup(value);
			return;
		}
		free(m->headers[i].name);
		memmove(&m->headers[i], &m->headers[i + 1], (m->n_headers - i - 1) * sizeof m->headers[0]);
		m->n_headers--;
		return;
	}
	fail_msg("no header %s", name);
}

static void set_body(struct kx_http_message *m, const char *body)
{
	free(m->body);
	m->body = strdup(body);
	m->body_len = strlen(body);
}

/* Expects the request to be refused with the problem, its code, and a detail starting with prefix. */
static void refused(struct kx_http_message *m, enum kx_http_problem problem, int rsc, const char *prefix)
{
	struct kx_notify n;
	struct kx_http_verdict v;

	assert_int_equal(kx_http_request_to_notify(m, &n, &v), -1);
	assert_null(n.message);
	assert_string_equal(kx_http_problem_name(v.problem), kx_http_problem_name(problem));
	assert_int_equal(kx_http_problem_rsc(v.problem), rsc);
	if (strncmp(v.detail, prefix, strlen(prefix)) != 0)
		fail_msg("detail \"%s\" does not start with \"%s\"", v.detail, prefix);
	kx_http_message_free(m);
}

static void test_status_table(void **state)
{
	(void)state;
	/* The codes the harness answers with, and the HTTP status TS-0009 maps each to. */
	assert_int_equal(kx_http_status_for_rsc(2000), 200);
	assert_int_equal(kx_http_status_for_rsc(4000), 400);
	assert_int_equal(kx_http_status_for_rsc(4004), 404);
	assert_int_equal(kx_http_status_for_rsc(4005), 405);
	assert_int_equal(kx_http_status_for_rsc(4015), 415);
	assert_int_equal(kx_http_status_for_rsc(4102), 400);
	assert_int_equal(kx_http_status_for_rsc(4103), 403);
	assert_int_equal(kx_http_status_for_rsc(5000), 500);
	assert_int_equal(kx_http_status_for_rsc(1234), 0);
	assert_string_equal(kx_rsc_name(4103), "ORIGINATOR_HAS_NO_PRIVILEGE");
	assert_string_equal(kx_rsc_name(4000), "BAD_REQUEST");
	assert_null(kx_rsc_name(4999));
	assert_string_equal(kx_http_reason_phrase(403), "Forbidden");
	assert_string_equal(kx_http_reason_phrase(299), "Unknown");
}

static void test_problem_codes(void **state)
{
	(void)state;
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_OK), 2000);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_WRONG_METHOD), 4005);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_CREATE_NOT_NOTIFY), 4005);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_MISSING_ORIGIN), 4000);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_MISSING_REQUEST_IDENTIFIER), 4000);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_WRONG_TARGET), 4004);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_ORIGINATOR_NOT_AUTHORISED), 4103);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_ORIGINATOR_DIFFERS), 4103);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_UNSUPPORTED_MEDIA_TYPE), 4015);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_WRONG_SIT), 4000);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_BAD_ECKM_BASE64), 4000);
	assert_int_equal(kx_http_problem_rsc(KX_HTTP_NOT_OK), 0);
	/* Every problem has a distinct name. */
	for (int i = 0; i < KX_HTTP_PROBLEM_COUNT; i++)
		for (int j = i + 1; j < KX_HTTP_PROBLEM_COUNT; j++)
			assert_string_not_equal(kx_http_problem_name((enum kx_http_problem)i),
			                        kx_http_problem_name((enum kx_http_problem)j));
	assert_string_equal(kx_http_problem_name(KX_HTTP_PROBLEM_COUNT), "unknown");
}

static void target_is(const char *to, const char *target)
{
	char out[KX_HTTP_TARGET_MAX], back[KX_NOTIFY_ID_MAX];

	assert_int_equal(kx_http_target_from_to(to, out, sizeof out), 0);
	assert_string_equal(out, target);
	/* The receiver reads the path percent-decoded; without escapes it is the same text. */
	if (strchr(target, '%') == NULL) {
		assert_int_equal(kx_http_to_from_target(out, back, sizeof back), 0);
		assert_string_equal(back, to);
	}
}

static void test_target_mapping(void **state)
{
	char out[KX_HTTP_TARGET_MAX];

	(void)state;
	target_is("/in-cse", "/~/in-cse");
	target_is("/in-cse/e2eKeyCSE", "/~/in-cse/e2eKeyCSE");
	target_is("//my.m2mprovider.org/in-cse", "/_/my.m2mprovider.org/in-cse");
	target_is("CAE123456789012-Lock", "/CAE123456789012-Lock");
	target_is("a b", "/a%20b");
	assert_int_equal(kx_http_target_from_to("", out, sizeof out), -1);
	assert_int_equal(kx_http_target_from_to("/", out, sizeof out), -1);
	assert_int_equal(kx_http_target_from_to("~/x", out, sizeof out), -1);
	assert_int_equal(kx_http_target_from_to("/in-cse", out, 5), -1);
	assert_int_equal(kx_http_to_from_target("/", out, sizeof out), -1);
	assert_int_equal(kx_http_to_from_target("/~/", out, sizeof out), -1);
	assert_int_equal(kx_http_to_from_target("/_/", out, sizeof out), -1);
	assert_int_equal(kx_http_to_from_target("//x", out, sizeof out), -1);
	assert_int_equal(kx_http_to_from_target("in-cse", out, sizeof out), -1);
}

static void test_request_text(void **state)
{
	struct kx_notify p = {
	    .op = KX_NOTIFY_OP, .message = (uint8_t *)message, .message_len = sizeof message};
	struct kx_http_message m;
	char err[200], *text;

	(void)state;
	snprintf(p.from, sizeof p.from, "CAE123456789012-Lock");
	snprintf(p.to, sizeof p.to, "/in-cse");
	snprintf(p.rqi, sizeof p.rqi, "rq-1");
	assert_int_equal(kx_http_from_notify(&p, &m, err, sizeof err), 0);
	text = kx_http_message_text(&m);
	assert_string_equal(text, "POST /~/in-cse HTTP/1.1\r\n"
	                          "X-M2M-Origin: CAE123456789012-Lock\r\n"
	                          "X-M2M-RI: rq-1\r\n"
	                          "X-M2M-RVI: 3\r\n"
	                          "Content-Type: application/json\r\n"
	                          "Accept: application/json\r\n"
	                          "\r\n"
	                          "{\"m2m:seci\":{\"sit\":6,\"eckm\":\"FgMDAAEB\"}}");
	free(text);
	kx_http_message_free(&m);

	/* A To that cannot be a path is refused, not sent somewhere else. */
	p.to[0] = '\0';
	assert_int_equal(kx_http_from_notify(&p, &m, err, sizeof err), -1);
	assert_null(m.headers);
}

static void test_response_text(void **state)
{
	struct kx_notify p = {.is_response = 1, .rsc = 2000, .message = (uint8_t *)message, .message_len = 3};
	struct kx_http_message m;
	char err[200], *text;

	(void)state;
	snprintf(p.rqi, sizeof p.rqi, "rq-1");
	assert_int_equal(kx_http_from_notify(&p, &m, err, sizeof err), 0);
	text = kx_http_message_text(&m);
	assert_string_equal(text, "HTTP/1.1 200 OK\r\n"
	                          "X-M2M-RSC: 2000\r\n"
	                          "X-M2M-RI: rq-1\r\n"
	                          "X-M2M-RVI: 3\r\n"
	                          "Content-Type: application/json\r\n"
	                          "\r\n"
	                          "{\"m2m:seci\":{\"sit\":6,\"eckm\":\"FgMD\"}}");
	free(text);
	kx_http_message_free(&m);
	p.rsc = 1234;
	assert_int_equal(kx_http_from_notify(&p, &m, err, sizeof err), -1);
}

static void test_round_trip(void **state)
{
	struct kx_notify p = {
	    .op = KX_NOTIFY_OP, .message = (uint8_t *)message, .message_len = sizeof message};
	struct kx_notify r = {.is_response = 1, .rsc = 2000, .message = (uint8_t *)message, .message_len = 2};
	struct kx_notify got, answer;
	struct kx_http_message m, rm;
	struct kx_http_verdict v;
	char err[200];

	(void)state;
	snprintf(p.from, sizeof p.from, "CAE-init");
	snprintf(p.to, sizeof p.to, "//sp.example/in-cse");
	snprintf(p.rqi, sizeof p.rqi, "rq-7");
	assert_int_equal(kx_http_from_notify(&p, &m, err, sizeof err), 0);
	assert_int_equal(kx_http_request_to_notify(&m, &got, &v), 0);
	assert_int_equal(v.problem, KX_HTTP_OK);
	assert_string_equal(got.from, "CAE-init");
	assert_string_equal(got.to, "//sp.example/in-cse");
	assert_string_equal(got.rqi, "rq-7");
	assert_int_equal(got.message_len, sizeof message);
	assert_memory_equal(got.message, message, sizeof message);

	snprintf(r.rqi, sizeof r.rqi, "rq-7");
	assert_int_equal(kx_http_from_notify(&r, &rm, err, sizeof err), 0);
	assert_int_equal(kx_http_response_to_notify(&rm, &got, &answer, &v), 0);
	assert_int_equal(answer.message_len, 2);
	assert_memory_equal(answer.message, message, 2);
	kx_notify_free(&got);
	kx_notify_free(&answer);
	kx_http_message_free(&m);
	kx_http_message_free(&rm);
}

static void test_request_refusals(void **state)
{
	struct kx_http_message m;

	(void)state;
	valid_request(&m);
	snprintf(m.method, sizeof m.method, "GET");
	refused(&m, KX_HTTP_WRONG_METHOD, 4005, "the method is GET (RETRIEVE)");

	valid_request(&m);
	set_header(&m, "Content-Type", "application/vnd.onem2m-res+json; ty=2");
	refused(&m, KX_HTTP_CREATE_NOT_NOTIFY, 4005,
	        "Content-Type \"application/vnd.onem2m-res+json; ty=2\" has a ty");

	valid_request(&m);
	set_header(&m, "X-M2M-Origin", NULL);
	refused(&m, KX_HTTP_MISSING_ORIGIN, 4000, "X-M2M-Origin (the From parameter) is missing");

	valid_request(&m);
	set_header(&m, "X-M2M-Origin", "");
	refused(&m, KX_HTTP_MISSING_ORIGIN, 4000, "X-M2M-Origin (the From parameter) is empty");

	valid_request(&m);
	set_header(&m, "X-M2M-RI", NULL);
	refused(&m, KX_HTTP_MISSING_REQUEST_IDENTIFIER, 4000, "X-M2M-RI (the Request Identifier) is missing");

	valid_request(&m);
	snprintf(m.target, sizeof m.target, "/");
	refused(&m, KX_HTTP_BAD_TARGET, 4000, "the Request-Target \"/\" names no To");

	valid_request(&m);
	set_header(&m, "Content-Type", NULL);
	refused(&m, KX_HTTP_UNSUPPORTED_MEDIA_TYPE, 4015, "there is no Content-Type");

	valid_request(&m);
	set_header(&m, "Content-Type", "application/xml");
	refused(&m, KX_HTTP_UNSUPPORTED_MEDIA_TYPE, 4015, "Content-Type is \"application/xml\"");

	valid_request(&m);
	set_body(&m, "");
	refused(&m, KX_HTTP_BODY_NOT_JSON, 4000, "the body is empty");

	valid_request(&m);
	set_body(&m, "{\"m2m:seci\":");
	refused(&m, KX_HTTP_BODY_NOT_JSON, 4000, "the body is not JSON");

	valid_request(&m);
	m.body_dropped = 10;
	refused(&m, KX_HTTP_BODY_TOO_LARGE, 4000, "the body is");

	valid_request(&m);
	set_body(&m, "[]");
	refused(&m, KX_HTTP_NO_SECURITY_INFO, 4000, "the body is an array");

	valid_request(&m);
	set_body(&m, "{\"m2m:rqp\":{\"op\":5}}");
	refused(&m, KX_HTTP_NO_SECURITY_INFO, 4000, "the body is a whole primitive (m2m:rqp)");

	valid_request(&m);
	set_body(&m, "{\"m2m:cin\":{}}");
	refused(&m, KX_HTTP_NO_SECURITY_INFO, 4000, "pc has no m2m:seci (it holds \"m2m:cin\")");
}

/* The content checks are the matrix's own (kx_notify_parse), in its words. */
static void test_content_refusals(void **state)
{
	struct kx_http_message m;

	(void)state;
	valid_request(&m);
	set_body(&m, "{\"m2m:seci\":{\"sit\":5,\"eckm\":\"FgMDAAEB\"}}");
	refused(&m, KX_HTTP_WRONG_SIT, 4000, "sit is 5 (ESPrim Object), expected 6 (ESCertKE Message)");

	valid_request(&m);
	set_body(&m, "{\"m2m:seci\":{\"sit\":\"6\",\"eckm\":\"FgMDAAEB\"}}");
	refused(&m, KX_HTTP_WRONG_SIT, 4000, "sit is the string \"6\", not an integer");

	valid_request(&m);
	set_body(&m, "{\"m2m:seci\":{\"sit\":6}}");
	refused(&m, KX_HTTP_MISSING_ECKM, 4000, "m2m:seci has no eckm");

	valid_request(&m);
	set_body(&m, "{\"m2m:seci\":{\"sit\":6,\"eckm\":\"\"}}");
	refused(&m, KX_HTTP_MISSING_ECKM, 4000, "eckm is empty");

	valid_request(&m);
	set_body(&m, "{\"m2m:seci\":{\"sit\":6,\"eckm\":\"FgMDAA-_\"}}");
	refused(&m, KX_HTTP_BAD_ECKM_BASE64, 4000, "eckm uses the URL-safe alphabet");

	valid_request(&m);
	set_body(&m, "{\"m2m:seci\":{\"sit\":6,\"eckm\":\"FgMDAAE\"}}");
	refused(&m, KX_HTTP_BAD_ECKM_BASE64, 4000, "eckm is unpadded");

	valid_request(&m);
	set_body(&m, "{\"m2m:seci\":{\"sit\":6,\"eckm\":\"Fg*DAAEB\"}}");
	refused(&m, KX_HTTP_BAD_ECKM_BASE64, 4000, "eckm is not base64: character 0x2a at position 2");
}

static void test_identifiers(void **state)
{
	struct kx_http_message m;
	char long_origin[KX_NOTIFY_ID_MAX + 10];

	(void)state;
	memset(long_origin, 'A', sizeof long_origin - 1);
	long_origin[sizeof long_origin - 1] = '\0';
	valid_request(&m);
	set_header(&m, "X-M2M-Origin", long_origin);
	refused(&m, KX_HTTP_BAD_PARAMETER, 4000, "X-M2M-Origin is 265 bytes long");

	valid_request(&m);
	set_header(&m, "X-M2M-Origin", "C\xff");
	refused(&m, KX_HTTP_BAD_PARAMETER, 4000, "X-M2M-Origin is not UTF-8 text");

	/* No header can carry another: control characters are refused when building. */
	memset(&m, 0, sizeof m);
	assert_int_equal(kx_http_header_add(&m, "X-M2M-Origin", "a\r\nX-Evil: 1"), -1);
	assert_int_equal(kx_http_header_add(&m, "Bad:Name", "x"), -1);
	assert_int_equal(kx_http_header_add(&m, "x-m2m-ri", "r"), 0);
	assert_string_equal(kx_http_header_get(&m, "X-M2M-RI"), "r");
	assert_null(kx_http_header_get(&m, "X-M2M-Origin"));
	kx_http_message_free(&m);
}

/* A response as the harness, initiating, reads it from a vendor. */
static void response_of(struct kx_http_message *m, int status, const char *rsc, const char *ri,
                        const char *body)
{
	memset(m, 0, sizeof *m);
	m->is_response = 1;
	m->status = status;
	if (rsc != NULL)
		assert_int_equal(kx_http_header_add(m, "X-M2M-RSC", rsc), 0);
	if (ri != NULL)
		assert_int_equal(kx_http_header_add(m, "X-M2M-RI", ri), 0);
	assert_int_equal(kx_http_header_add(m, "Content-Type", "application/json"), 0);
	m->body = strdup(body);
	m->body_len = strlen(body);
}

static void response_refused(struct kx_http_message *m, enum kx_http_problem problem, const char *prefix)
{
	struct kx_notify request = {.op = KX_NOTIFY_OP}, n;
	struct kx_http_verdict v;

	snprintf(request.rqi, sizeof request.rqi, "rq-1");
	assert_int_equal(kx_http_response_to_notify(m, &request, &n, &v), -1);
	assert_string_equal(kx_http_problem_name(v.problem), kx_http_problem_name(problem));
	if (strncmp(v.detail, prefix, strlen(prefix)) != 0)
		fail_msg("detail \"%s\" does not start with \"%s\"", v.detail, prefix);
	kx_http_message_free(m);
}

static void test_response_refusals(void **state)
{
	static const char good[] = "{\"m2m:seci\":{\"sit\":6,\"eckm\":\"FgMDAAEB\"}}";
	struct kx_http_message m;

	(void)state;
	response_of(&m, 200, NULL, "rq-1", good);
	response_refused(&m, KX_HTTP_MISSING_RSC, "HTTP status 200 OK with no X-M2M-RSC");
	response_of(&m, 200, "OK", "rq-1", good);
	response_refused(&m, KX_HTTP_MISSING_RSC, "X-M2M-RSC \"OK\" is not a Response Status Code");
	response_of(&m, 403, "4103", "rq-1", "{\"m2m:dbg\":\"not you\"}");
	response_refused(&m, KX_HTTP_NOT_OK,
	                 "the Terminating End-Point answered HTTP 403 Forbidden with X-M2M-RSC 4103 "
	                 "(ORIGINATOR_HAS_NO_PRIVILEGE), not 2000 (OK): m2m:dbg \"not you\"");
	response_of(&m, 200, "4000", "rq-1", good);
	response_refused(
	    &m, KX_HTTP_NOT_OK,
	    "the Terminating End-Point answered HTTP 200 OK with X-M2M-RSC 4000 (BAD_REQUEST), not 2000 "
	    "(OK); and the HTTP status 200 is not the 400 TS-0009 maps 4000 to");
	response_of(&m, 201, "2000", "rq-1", good);
	response_refused(&m, KX_HTTP_STATUS_MISMATCH,
	                 "X-M2M-RSC is 2000 (OK); and the HTTP status 201 is not the 200");
	response_of(&m, 200, "2000", NULL, good);
	response_refused(&m, KX_HTTP_RESPONSE_REQUEST_IDENTIFIER, "X-M2M-RI is missing");
	response_of(&m, 200, "2000", "rq-2", good);
	response_refused(&m, KX_HTTP_RESPONSE_REQUEST_IDENTIFIER, "X-M2M-RI is \"rq-2\"");
	response_of(&m, 200, "2000", "rq-1", "{\"m2m:seci\":{\"sit\":1,\"eckm\":\"FgMDAAEB\"}}");
	response_refused(&m, KX_HTTP_WRONG_SIT, "sit is 1 (Dynamic Authorization Request)");
}

static void test_error_response(void **state)
{
	struct kx_http_message m;
	char *text;

	(void)state;
	assert_int_equal(kx_http_error_response(4103, "rq-3", "message 3 from \"X\"", &m), 0);
	text = kx_http_message_text(&m);
	assert_string_equal(text, "HTTP/1.1 403 Forbidden\r\n"
	                          "X-M2M-RSC: 4103\r\n"
	                          "X-M2M-RI: rq-3\r\n"
	                          "X-M2M-RVI: 3\r\n"
	                          "Content-Type: application/json\r\n"
	                          "\r\n"
	                          "{\"m2m:dbg\":\"message 3 from \\\"X\\\"\"}");
	free(text);
	kx_http_message_free(&m);
	/* An identifier that cannot be a header value is not echoed; no identifier at all is fine. */
	assert_int_equal(kx_http_error_response(4000, "a\nb", "x", &m), 0);
	assert_null(kx_http_header_get(&m, "X-M2M-RI"));
	kx_http_message_free(&m);
	assert_int_equal(kx_http_error_response(4000, NULL, "x", &m), 0);
	assert_int_equal(m.status, 400);
	kx_http_message_free(&m);
}

static void test_printable(void **state)
{
	char *text = kx_http_printable("a\r\n\t\x01\x80z", 7);

	(void)state;
	assert_string_equal(text, "a\r\n\t\\x01\\x80z");
	free(text);
	text = kx_http_printable("a\0b", 3);
	assert_string_equal(text, "a\\x00b");
	free(text);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_status_table),     cmocka_unit_test(test_problem_codes),
	cmocka_unit_test(test_target_mapping),   cmocka_unit_test(test_request_text),
	cmocka_unit_test(test_response_text),    cmocka_unit_test(test_round_trip),
	cmocka_unit_test(test_request_refusals), cmocka_unit_test(test_content_refusals),
	cmocka_unit_test(test_identifiers),      cmocka_unit_test(test_response_refusals),
	cmocka_unit_test(test_error_response),   cmocka_unit_test(test_printable))
