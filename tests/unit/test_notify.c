/* test_notify.c - unit tests of harness/core/notify.c: the exact JSON the
 * builder writes, round trips, every error the parser names (a vendor is
 * told precisely what is wrong with its primitive), hostile inputs, and the
 * correlation checks of TS-0001 11.4.3. */
#include "unit.h"

#include "core/notify.h"

/* A valid request and response, assembled from parts so that each test
 * replaces exactly one of them. */
#define REQ_HEAD                                                                                             \
	"\"op\":5,\"to\":\"/in-cse/mn-cse-123456\",\"fr\":\"CAE-init\",\"rqi\":\"rq-1\",\"rvi\":\"3\","
#define RSP_HEAD "\"rsc\":2000,\"rqi\":\"rq-1\",\"to\":\"CAE-init\",\"fr\":\"/mn-cse-123456\",\"rvi\":\"3\","
#define SECI(members) "\"pc\":{\"m2m:seci\":{" members "}}"
#define ECKM(value) SECI("\"sit\":6,\"eckm\":" value)
#define REQUEST(members) "{\"m2m:rqp\":{" members "}}"
#define RESPONSE(members) "{\"m2m:rsp\":{" members "}}"

static char err[512];

/* Parses a NUL-terminated text; on failure also checks that *out was left empty. */
static int parse(const char *text, int response, struct kx_notify *out)
{
	int rc;

	err[0] = '\0';
	rc = kx_notify_parse(text, strlen(text), response, out, err, sizeof err);
	if (rc != 0) {
		assert_null(out->message);
		assert_int_equal(out->message_len, 0);
		assert_true(err[0] != '\0');
	}
	return rc;
}

/* Expects text to be refused with exactly the message `expected`. */
static void refused(const char *text, int response, const char *expected)
{
	struct kx_notify n;

	assert_int_equal(parse(text, response, &n), -1);
	assert_string_equal(err, expected);
}

/* Expects text to be refused with a message starting with `prefix`. */
static void refused_with_prefix(const char *text, size_t len, int response, const char *prefix)
{
	struct kx_notify n;

	assert_int_equal(kx_notify_parse(text, len, response, &n, err, sizeof err), -1);
	assert_null(n.message);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", err, prefix);
}

static void fill_request(struct kx_notify *p, uint8_t *msg, size_t len)
{
	memset(p, 0, sizeof *p);
	p->op = KX_NOTIFY_OP;
	strcpy(p->from, "CAE-init");
	strcpy(p->to, "/in-cse/mn-cse-123456");
	strcpy(p->rqi, "rq-1");
	p->message = msg;
	p->message_len = len;
}

static void fill_response(struct kx_notify *p, uint8_t *msg, size_t len)
{
	memset(p, 0, sizeof *p);
	p->is_response = 1;
	p->rsc = KX_NOTIFY_RSC_OK;
	strcpy(p->from, "/mn-cse-123456");
	strcpy(p->to, "CAE-init");
	strcpy(p->rqi, "rq-1");
	p->message = msg;
	p->message_len = len;
}

/* ---- building ---------------------------------------------------------- */

static void test_build_request_exact(void **state)
{
	uint8_t msg[] = {0x16, 0x03, 0x03};
	struct kx_notify p;
	char *text;

	(void)state;
	fill_request(&p, msg, sizeof msg);
	text = kx_notify_build(&p);
	assert_non_null(text);
	assert_string_equal(text, REQUEST(REQ_HEAD ECKM("\"FgMD\"")));
	free(text);
}

static void test_build_response_exact(void **state)
{
	uint8_t msg[] = {0x16, 0x03, 0x03, 0x00};
	struct kx_notify p;
	char *text;

	(void)state;
	fill_response(&p, msg, sizeof msg);
	text = kx_notify_build(&p);
	assert_non_null(text);
	assert_string_equal(text, RESPONSE(RSP_HEAD ECKM("\"FgMDAA==\"")));
	free(text);
}

/* The answer of a request: the response of TS-0001 8.1.3, which answers it. */
static void test_answer_of_a_request(void **state)
{
	uint8_t msg[] = {0x16, 0x03, 0x03, 0x00};
	struct kx_notify request, answer;

	(void)state;
	fill_request(&request, msg, sizeof msg);
	kx_notify_answer(&request, &answer);
	assert_true(answer.is_response);
	assert_int_equal(answer.rsc, KX_NOTIFY_RSC_OK);
	assert_string_equal(answer.to, "CAE-init");
	assert_string_equal(answer.from, "/in-cse/mn-cse-123456");
	assert_string_equal(answer.rqi, "rq-1");
	assert_ptr_equal(answer.message, msg);
	assert_int_equal(kx_notify_answers(&request, &answer, err, sizeof err), 0);
}

static void test_build_response_without_to_and_fr(void **state)
{
	uint8_t msg[] = {1};
	struct kx_notify p, back;
	char *text;

	(void)state;
	fill_response(&p, msg, sizeof msg);
	p.to[0] = '\0';
	p.from[0] = '\0';
	text = kx_notify_build(&p);
	assert_string_equal(text, RESPONSE("\"rsc\":2000,\"rqi\":\"rq-1\",\"rvi\":\"3\"," ECKM("\"AQ==\"")));
	assert_int_equal(parse(text, 1, &back), 0);
	assert_string_equal(back.to, "");
	assert_string_equal(back.from, "");
	kx_notify_free(&back);
	free(text);
}

static void test_build_refuses_unusable_fields(void **state)
{
	uint8_t msg[] = {1};
	struct kx_notify p;

	(void)state;
	fill_request(&p, msg, sizeof msg);
	memset(p.from, 'a', sizeof p.from); /* no NUL anywhere */
	assert_null(kx_notify_build(&p));
	fill_request(&p, msg, sizeof msg);
	strcpy(p.rqi, "\xff\xfe"); /* not UTF-8 */
	assert_null(kx_notify_build(&p));
}

/* The builder writes wrong values when asked, so scenarios can send them. */
static void test_build_writes_op_as_given(void **state)
{
	uint8_t msg[] = {1};
	struct kx_notify p;
	char *text;

	(void)state;
	fill_request(&p, msg, sizeof msg);
	p.op = 3;
	text = kx_notify_build(&p);
	refused(text, 0, "op is 3 (UPDATE), expected 5 (NOTIFY)");
	free(text);
}

/* ---- round trips ------------------------------------------------------- */

static void round_trip(struct kx_notify *p)
{
	struct kx_notify back;
	char *text = kx_notify_build(p);

	assert_non_null(text);
	assert_int_equal(parse(text, p->is_response, &back), 0);
	assert_int_equal(back.is_response, p->is_response);
	assert_int_equal(back.op, p->is_response ? 0 : KX_NOTIFY_OP);
	assert_int_equal(back.rsc, p->is_response ? KX_NOTIFY_RSC_OK : 0);
	assert_string_equal(back.from, p->from);
	assert_string_equal(back.to, p->to);
	assert_string_equal(back.rqi, p->rqi);
	assert_int_equal(back.message_len, p->message_len);
	assert_memory_equal(back.message, p->message, p->message_len);
	kx_notify_free(&back);
	assert_null(back.message);
	free(text);
}

static void test_round_trip_every_length(void **state)
{
	uint8_t msg[64];
	struct kx_notify p;

	(void)state;
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(0xfb + 7 * i); /* includes bytes that encode to '+' and '/' */
	for (size_t len = 1; len <= sizeof msg; len++) {
		fill_request(&p, msg, len);
		round_trip(&p);
		fill_response(&p, msg, len);
		round_trip(&p);
	}
}

static void test_round_trip_unicode_identifiers(void **state)
{
	uint8_t msg[] = {0x16};
	struct kx_notify p;

	(void)state;
	fill_request(&p, msg, sizeof msg);
	strcpy(p.from, "C\xc3\xa9-\"quoted\"\\");
	strcpy(p.rqi, "rq/\xe2\x82\xac");
	round_trip(&p);
}

static void test_round_trip_one_megabyte(void **state)
{
	size_t len = 1u << 20;
	uint8_t *msg = malloc(len);
	struct kx_notify p;
	uint32_t x = 2463534242u;

	(void)state;
	assert_non_null(msg);
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		msg[i] = (uint8_t)x;
	}
	fill_request(&p, msg, len);
	round_trip(&p);
	fill_response(&p, msg, len);
	round_trip(&p);
	free(msg);
}

static void test_longest_identifiers_fit(void **state)
{
	uint8_t msg[] = {1};
	struct kx_notify p;

	(void)state;
	fill_request(&p, msg, sizeof msg);
	memset(p.from, 'f', sizeof p.from - 1);
	p.from[sizeof p.from - 1] = '\0';
	memset(p.rqi, 'r', sizeof p.rqi - 1);
	p.rqi[sizeof p.rqi - 1] = '\0';
	round_trip(&p);
}

/* ---- the JSON and the root --------------------------------------------- */

static void test_not_json(void **state)
{
	static const char nul_inside[] = "{\"m2m:rqp\"\0:{}}";
	char *deep;

	(void)state;
	refused_with_prefix("{\"m2m:rqp\":", 11, 0, "not JSON: ");
	refused_with_prefix("", 0, 0, "not JSON: ");
	refused_with_prefix("{'m2m:rqp':{}}", 14, 0, "not JSON: ");
	refused_with_prefix(nul_inside, sizeof nul_inside - 1, 0, "not JSON: ");
	refused_with_prefix(REQUEST("\"op\":5,\"op\":5"), strlen(REQUEST("\"op\":5,\"op\":5")), 0,
	                    "not JSON: ");
	/* Nesting far beyond any parser's limit must fail cleanly, not overflow the stack. */
	deep = malloc(200001);
	assert_non_null(deep);
	memset(deep, '[', 200000);
	deep[200000] = '\0';
	refused_with_prefix(deep, 200000, 0, "not JSON: ");
	free(deep);
}

static void test_root_not_an_object(void **state)
{
	(void)state;
	refused("[1,2]", 0, "the JSON root is an array, not an object holding m2m:rqp");
	refused("5", 1, "the JSON root is an integer, not an object holding m2m:rsp");
	refused("\"m2m:rqp\"", 0, "the JSON root is a string, not an object holding m2m:rqp");
	refused("null", 0, "the JSON root is null, not an object holding m2m:rqp");
}

static void test_wrong_root_element(void **state)
{
	(void)state;
	refused(RESPONSE(RSP_HEAD ECKM("\"AQ==\"")), 0,
	        "the root element is m2m:rsp, expected m2m:rqp (a NOTIFY request)");
	refused(REQUEST(REQ_HEAD ECKM("\"AQ==\"")), 1,
	        "the root element is m2m:rqp, expected m2m:rsp (a NOTIFY response)");
	refused("{\"m2m:cin\":{}}", 0, "the root element is \"m2m:cin\", expected m2m:rqp");
	refused("{}", 0, "the JSON root is an empty object, expected m2m:rqp");
	refused("{" REQ_HEAD ECKM("\"AQ==\"") "}", 0,
	        "the primitive's members are at the top level: no m2m:rqp root element");
	refused("{" RSP_HEAD ECKM("\"AQ==\"") "}", 1,
	        "the primitive's members are at the top level: no m2m:rsp root element");
	refused("{\"m2m:rqp\":{" REQ_HEAD ECKM("\"AQ==\"") "},\"extra\":1}", 0,
	        "the root object has 2 members, expected only m2m:rqp");
	refused("{\"m2m:rqp\":[5]}", 0, "m2m:rqp is an array, not an object");
}

/* ---- request parameters ------------------------------------------------ */

static void test_op(void **state)
{
	(void)state;
	refused(REQUEST("\"to\":\"t\",\"fr\":\"f\",\"rqi\":\"r\"," ECKM("\"AQ==\"")), 0, "m2m:rqp has no op");
	refused(REQUEST("\"op\":3,\"to\":\"t\",\"fr\":\"f\",\"rqi\":\"r\"," ECKM("\"AQ==\"")), 0,
	        "op is 3 (UPDATE), expected 5 (NOTIFY)");
	refused(REQUEST("\"op\":1," ECKM("\"AQ==\"")), 0, "op is 1 (CREATE), expected 5 (NOTIFY)");
	refused(REQUEST("\"op\":42," ECKM("\"AQ==\"")), 0,
	        "op is 42 (not an operation), expected 5 (NOTIFY)");
	refused(REQUEST("\"op\":-5," ECKM("\"AQ==\"")), 0,
	        "op is -5 (not an operation), expected 5 (NOTIFY)");
	refused(REQUEST("\"op\":\"5\"," ECKM("\"AQ==\"")), 0, "op is the string \"5\", not an integer");
	refused(REQUEST("\"op\":5.0," ECKM("\"AQ==\"")), 0, "op is a real number, not an integer");
	refused(REQUEST("\"op\":null," ECKM("\"AQ==\"")), 0, "op is null, not an integer");
}

static void test_request_identifiers(void **state)
{
	(void)state;
	refused(REQUEST("\"op\":5,\"to\":\"t\",\"rqi\":\"r\"," ECKM("\"AQ==\"")), 0, "fr is missing");
	refused(REQUEST("\"op\":5,\"fr\":\"f\",\"rqi\":\"r\"," ECKM("\"AQ==\"")), 0, "to is missing");
	refused(REQUEST("\"op\":5,\"fr\":\"f\",\"to\":\"t\"," ECKM("\"AQ==\"")), 0, "rqi is missing");
	refused(REQUEST("\"op\":5,\"fr\":7,\"to\":\"t\",\"rqi\":\"r\"," ECKM("\"AQ==\"")), 0,
	        "fr is an integer, not a string");
	refused(REQUEST("\"op\":5,\"fr\":\"\",\"to\":\"t\",\"rqi\":\"r\"," ECKM("\"AQ==\"")), 0,
	        "fr is empty");
	refused(REQUEST("\"op\":5,\"fr\":\"C\\u0000AE\",\"to\":\"t\",\"rqi\":\"r\"," ECKM("\"AQ==\"")), 0,
	        "fr contains a NUL character (\\u0000) at position 1");
	refused(REQUEST("\"op\":5,\"fr\":\"f\",\"to\":[],\"rqi\":\"r\"," ECKM("\"AQ==\"")), 0,
	        "to is an array, not a string");
	refused(REQUEST("\"op\":5,\"fr\":\"f\",\"to\":\"t\",\"rqi\":{}," ECKM("\"AQ==\"")), 0,
	        "rqi is an object, not a string");
}

static void test_huge_rqi(void **state)
{
	size_t huge = 200000;
	const char *head = "{\"m2m:rqp\":{\"op\":5,\"to\":\"t\",\"fr\":\"f\",\"rqi\":\"";
	const char *tail = "\"," ECKM("\"AQ==\"") "}}";
	char *text = malloc(strlen(head) + huge + strlen(tail) + 1);
	char expected[128];

	(void)state;
	assert_non_null(text);
	strcpy(text, head);
	memset(text + strlen(head), 'r', huge);
	strcpy(text + strlen(head) + huge, tail);
	snprintf(expected, sizeof expected, "rqi is %zu bytes long, more than the %d the harness accepts",
	         huge, KX_NOTIFY_RQI_MAX - 1);
	refused(text, 0, expected);
	/* One byte too many for the field, exactly. */
	strcpy(text, head);
	memset(text + strlen(head), 'r', KX_NOTIFY_RQI_MAX);
	strcpy(text + strlen(head) + KX_NOTIFY_RQI_MAX, tail);
	snprintf(expected, sizeof expected, "rqi is %d bytes long, more than the %d the harness accepts",
	         KX_NOTIFY_RQI_MAX, KX_NOTIFY_RQI_MAX - 1);
	refused(text, 0, expected);
	free(text);
}

static void test_rvi_must_be_a_string_when_present(void **state)
{
	struct kx_notify n;

	(void)state;
	refused(REQUEST("\"op\":5,\"to\":\"t\",\"fr\":\"f\",\"rqi\":\"r\",\"rvi\":3," ECKM("\"AQ==\"")), 0,
	        "rvi is an integer, not a string");
	/* Absent or another release: accepted. */
	assert_int_equal(
	    parse(REQUEST("\"op\":5,\"to\":\"t\",\"fr\":\"f\",\"rqi\":\"r\"," ECKM("\"AQ==\"")), 0, &n), 0);
	kx_notify_free(&n);
	assert_int_equal(
	    parse(
	        REQUEST("\"op\":5,\"to\":\"t\",\"fr\":\"f\",\"rqi\":\"r\",\"rvi\":\"2a\"," ECKM("\"AQ==\"")),
	        0, &n),
	    0);
	kx_notify_free(&n);
}

/* ---- response parameters ----------------------------------------------- */

static void test_rsc(void **state)
{
	(void)state;
	refused(RESPONSE("\"rqi\":\"r\"," ECKM("\"AQ==\"")), 1, "m2m:rsp has no rsc");
	refused(RESPONSE("\"rsc\":4000,\"rqi\":\"r\"," ECKM("\"AQ==\"")), 1,
	        "rsc is 4000 (BAD_REQUEST), expected 2000 (OK)");
	refused(RESPONSE("\"rsc\":5000,\"rqi\":\"r\""), 1,
	        "rsc is 5000 (INTERNAL_SERVER_ERROR), expected 2000 (OK)");
	refused(RESPONSE("\"rsc\":2004,\"rqi\":\"r\""), 1, "rsc is 2004 (UPDATED), expected 2000 (OK)");
	refused(RESPONSE("\"rsc\":1234,\"rqi\":\"r\""), 1,
	        "rsc is 1234 (another status), expected 2000 (OK)");
	refused(RESPONSE("\"rsc\":\"2000\",\"rqi\":\"r\""), 1, "rsc is the string \"2000\", not an integer");
	refused(RESPONSE("\"rsc\":true,\"rqi\":\"r\""), 1, "rsc is a boolean, not an integer");
}

static void test_response_identifiers(void **state)
{
	(void)state;
	refused(RESPONSE("\"rsc\":2000," ECKM("\"AQ==\"")), 1, "rqi is missing");
	refused(RESPONSE("\"rsc\":2000,\"rqi\":\"r\",\"to\":\"\"," ECKM("\"AQ==\"")), 1, "to is empty");
	refused(RESPONSE("\"rsc\":2000,\"rqi\":\"r\",\"fr\":false," ECKM("\"AQ==\"")), 1,
	        "fr is a boolean, not a string");
}

/* ---- content ----------------------------------------------------------- */

static void test_pc(void **state)
{
	(void)state;
	refused(REQUEST(REQ_HEAD "\"x\":1"), 0, "pc (content) is missing");
	refused(REQUEST(REQ_HEAD "\"pc\":\"AQ==\""), 0, "pc is a string, not an object holding m2m:seci");
	refused(REQUEST(REQ_HEAD "\"pc\":[{\"m2m:seci\":{}}]"), 0,
	        "pc is an array, not an object holding m2m:seci");
	refused(REQUEST(REQ_HEAD "\"pc\":null"), 0, "pc is null, not an object holding m2m:seci");
	refused(REQUEST(REQ_HEAD "\"pc\":{}"), 0, "pc has no m2m:seci (it is empty)");
	refused(REQUEST(REQ_HEAD "\"pc\":{\"m2m:sgn\":{}}"), 0, "pc has no m2m:seci (it holds \"m2m:sgn\")");
	refused(REQUEST(REQ_HEAD "\"pc\":{\"m2m:seci\":6}"), 0, "m2m:seci is an integer, not an object");
	refused(RESPONSE(RSP_HEAD "\"pc\":{\"seci\":{}}"), 1, "pc has no m2m:seci (it holds \"seci\")");
}

static void test_sit(void **state)
{
	(void)state;
	refused(REQUEST(REQ_HEAD SECI("\"eckm\":\"AQ==\"")), 0, "m2m:seci has no sit");
	refused(REQUEST(REQ_HEAD SECI("\"sit\":5,\"eckm\":\"AQ==\"")), 0,
	        "sit is 5 (ESPrim Object), expected 6 (ESCertKE Message)");
	refused(REQUEST(REQ_HEAD SECI("\"sit\":1,\"eckm\":\"AQ==\"")), 0,
	        "sit is 1 (Dynamic Authorization Request), expected 6 (ESCertKE Message)");
	refused(REQUEST(REQ_HEAD SECI("\"sit\":7,\"eckm\":\"AQ==\"")), 0,
	        "sit is 7 (not a securityInfoType), expected 6 (ESCertKE Message)");
	refused(REQUEST(REQ_HEAD SECI("\"sit\":\"6\",\"eckm\":\"AQ==\"")), 0,
	        "sit is the string \"6\", not an integer");
}

static void test_eckm_shape(void **state)
{
	(void)state;
	refused(REQUEST(REQ_HEAD SECI("\"sit\":6")), 0, "m2m:seci has no eckm (escertkeMessage)");
	refused(REQUEST(REQ_HEAD ECKM("17")), 0, "eckm is an integer, not a base64 string");
	refused(REQUEST(REQ_HEAD ECKM("[\"AQ==\"]")), 0, "eckm is an array, not a base64 string");
	refused(REQUEST(REQ_HEAD ECKM("null")), 0, "eckm is null, not a base64 string");
	refused(REQUEST(REQ_HEAD ECKM("\"\"")), 0,
	        "eckm is empty: an ESCertKE message holds at least one TLS message");
	refused(REQUEST(REQ_HEAD ECKM("\"AQID\\u0000AQID\"")), 0,
	        "eckm contains a NUL character (\\u0000) at position 4");
	refused(REQUEST(REQ_HEAD ECKM("\"\\u0000\"")), 0,
	        "eckm contains a NUL character (\\u0000) at position 0");
}

static void test_eckm_recognised_mistakes(void **state)
{
	(void)state;
	/* 0xfb 0xff is "+/8=" in the standard alphabet. */
	refused(REQUEST(REQ_HEAD ECKM("\"-_8=\"")), 0, "eckm uses the URL-safe alphabet");
	refused(REQUEST(REQ_HEAD ECKM("\"-_8\"")), 0, "eckm uses the URL-safe alphabet and is unpadded");
	refused(REQUEST(REQ_HEAD ECKM("\"AQ\"")), 0, "eckm is unpadded");
	refused(REQUEST(REQ_HEAD ECKM("\"FgMDAA\"")), 0, "eckm is unpadded");
	refused(RESPONSE(RSP_HEAD ECKM("\"+/8\"")), 1, "eckm is unpadded");
}

static void test_eckm_not_base64(void **state)
{
	(void)state;
	refused(REQUEST(REQ_HEAD ECKM("\"AQID\\nAQID\"")), 0,
	        "eckm contains whitespace at position 4; strict base64 has none");
	refused(REQUEST(REQ_HEAD ECKM("\"AQID \"")), 0,
	        "eckm contains whitespace at position 4; strict base64 has none");
	refused(REQUEST(REQ_HEAD ECKM("\"AQI*\"")), 0,
	        "eckm is not base64: character 0x2a at position 3 is outside the standard alphabet");
	refused(REQUEST(REQ_HEAD ECKM("\"AQ\\u00e9=\"")), 0,
	        "eckm is not base64: character 0xc3 at position 2 is outside the standard alphabet");
	refused(REQUEST(REQ_HEAD ECKM("\"AQ==AQID\"")), 0,
	        "eckm is not base64: padding '=' at position 2 before the end");
	refused(REQUEST(REQ_HEAD ECKM("\"A===\"")), 0,
	        "eckm is not base64: padding '=' at position 1 before the end");
	refused(REQUEST(REQ_HEAD ECKM("\"AQIDA\"")), 0,
	        "eckm is not base64: its length 5 is not a multiple of 4");
	refused(
	    REQUEST(REQ_HEAD ECKM("\"AR==\"")), 0,
	    "eckm is not canonical base64: the unused bits of its last group are not zero (RFC 4648 3.5)");
	/* A URL-safe character that does not make URL-safe base64 either. */
	refused(REQUEST(REQ_HEAD ECKM("\"A-=\"")), 0,
	        "eckm is not base64: character 0x2d at position 1 is outside the standard alphabet");
}

/* ---- correlation ------------------------------------------------------- */

static void test_correlates(void **state)
{
	struct kx_notify m1, m3, m2;

	(void)state;
	fill_request(&m1, NULL, 0);
	fill_request(&m3, NULL, 0);
	strcpy(m3.rqi, "rq-2");
	assert_int_equal(kx_notify_correlates(&m1, &m3, err, sizeof err), 0);

	strcpy(m3.from, "CAE-other");
	assert_int_equal(kx_notify_correlates(&m1, &m3, err, sizeof err), -1);
	assert_string_equal(
	    err, "message 3's fr \"CAE-other\" differs from message 1's \"CAE-init\": the terminating "
	         "end-point cannot correlate them (TS-0001 11.4.3 C.1.c)");

	strcpy(m3.from, m1.from);
	strcpy(m3.rqi, m1.rqi);
	assert_int_equal(kx_notify_correlates(&m1, &m3, err, sizeof err), -1);
	assert_string_equal(err, "message 3 reuses message 1's rqi \"rq-1\": it must be a new request");

	fill_response(&m2, NULL, 0);
	assert_int_equal(kx_notify_correlates(&m1, &m2, err, sizeof err), -1);
	assert_string_equal(err, "messages 1 and 3 travel in NOTIFY requests, not responses");
}

static void test_correlates_quotes_hostile_identifiers(void **state)
{
	struct kx_notify m1, m3;

	(void)state;
	fill_request(&m1, NULL, 0);
	fill_request(&m3, NULL, 0);
	strcpy(m3.rqi, "rq-2");
	memset(m3.from, 'x', sizeof m3.from - 1);
	m3.from[sizeof m3.from - 1] = '\0';
	m3.from[3] = '\n';
	assert_int_equal(kx_notify_correlates(&m1, &m3, err, sizeof err), -1);
	assert_non_null(strstr(err, "message 3's fr \"xxx\\x0axxx"));
	assert_null(strchr(err, '\n'));
}

static void test_answers(void **state)
{
	struct kx_notify rq, rs;

	(void)state;
	fill_request(&rq, NULL, 0);
	fill_response(&rs, NULL, 0);
	assert_int_equal(kx_notify_answers(&rq, &rs, err, sizeof err), 0);

	strcpy(rs.rqi, "rq-9");
	assert_int_equal(kx_notify_answers(&rq, &rs, err, sizeof err), -1);
	assert_string_equal(err, "the response's rqi \"rq-9\" is not the request's \"rq-1\"");

	strcpy(rs.rqi, rq.rqi);
	strcpy(rs.to, "CAE-other");
	assert_int_equal(kx_notify_answers(&rq, &rs, err, sizeof err), -1);
	assert_string_equal(err,
	                    "the response's to \"CAE-other\" is not the request's originator \"CAE-init\"");

	rs.to[0] = '\0'; /* To is optional in a response */
	assert_int_equal(kx_notify_answers(&rq, &rs, err, sizeof err), 0);

	assert_int_equal(kx_notify_answers(&rs, &rq, err, sizeof err), -1);
	assert_string_equal(err, "expected a NOTIFY request and its response");
}

/* The four primitives of one procedure, parsed and checked together. */
static void test_whole_exchange(void **state)
{
	uint8_t m[4][3] = {{1, 1, 1}, {2, 2, 2}, {3, 3, 3}, {4, 4, 4}};
	struct kx_notify sent[4], got[4];

	(void)state;
	fill_request(&sent[0], m[0], 3);
	fill_response(&sent[1], m[1], 3);
	fill_request(&sent[2], m[2], 3);
	strcpy(sent[2].rqi, "rq-2");
	fill_response(&sent[3], m[3], 3);
	strcpy(sent[3].rqi, "rq-2");
	for (int i = 0; i < 4; i++) {
		char *text = kx_notify_build(&sent[i]);

		assert_int_equal(parse(text, i % 2, &got[i]), 0);
		assert_memory_equal(got[i].message, m[i], 3);
		free(text);
	}
	assert_int_equal(kx_notify_answers(&got[0], &got[1], err, sizeof err), 0);
	assert_int_equal(kx_notify_answers(&got[2], &got[3], err, sizeof err), 0);
	assert_int_equal(kx_notify_correlates(&got[0], &got[2], err, sizeof err), 0);
	assert_int_equal(kx_notify_answers(&got[0], &got[3], err, sizeof err), -1);
	for (int i = 0; i < 4; i++)
		kx_notify_free(&got[i]);
	kx_notify_free(NULL);
}

/* The error buffer may be tiny or absent; the verdict must not change. */
static void test_small_error_buffer(void **state)
{
	const char *text = REQUEST(REQ_HEAD ECKM("\"-_8=\""));
	struct kx_notify n;
	char tiny[8];

	(void)state;
	assert_int_equal(kx_notify_parse(text, strlen(text), 0, &n, tiny, sizeof tiny), -1);
	assert_string_equal(tiny, "eckm us");
	assert_int_equal(kx_notify_parse(text, strlen(text), 0, &n, NULL, 0), -1);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_build_request_exact),
	cmocka_unit_test(test_build_response_exact),
	cmocka_unit_test(test_answer_of_a_request),
	cmocka_unit_test(test_build_response_without_to_and_fr),
	cmocka_unit_test(test_build_refuses_unusable_fields),
	cmocka_unit_test(test_build_writes_op_as_given),
	cmocka_unit_test(test_round_trip_every_length),
	cmocka_unit_test(test_round_trip_unicode_identifiers),
	cmocka_unit_test(test_round_trip_one_megabyte),
	cmocka_unit_test(test_longest_identifiers_fit),
	cmocka_unit_test(test_not_json),
	cmocka_unit_test(test_root_not_an_object),
	cmocka_unit_test(test_wrong_root_element),
	cmocka_unit_test(test_op),
	cmocka_unit_test(test_request_identifiers),
	cmocka_unit_test(test_huge_rqi),
	cmocka_unit_test(test_rvi_must_be_a_string_when_present),
	cmocka_unit_test(test_rsc),
	cmocka_unit_test(test_response_identifiers),
	cmocka_unit_test(test_pc),
	cmocka_unit_test(test_sit),
	cmocka_unit_test(test_eckm_shape),
	cmocka_unit_test(test_eckm_recognised_mistakes),
	cmocka_unit_test(test_eckm_not_base64),
	cmocka_unit_test(test_correlates),
	cmocka_unit_test(test_correlates_quotes_hostile_identifiers),
	cmocka_unit_test(test_answers),
	cmocka_unit_test(test_whole_exchange),
	cmocka_unit_test(test_small_error_buffer))
