/* fuzz_http_binding.c - NOTIFY primitives over the oneM2M HTTP binding
 * (harness/core/http_binding.c, http_receive.c): a vendor's HTTP request or
 * response read as the NOTIFY carrying an ESCertKE message.
 *
 * The HTTP syntax itself is libmicrohttpd's and libcurl's; what reaches the
 * binding is a method, a Request-Target path or a status, header fields and
 * a body. The input spells those as text:
 *
 *   POST /~/in-cse            (a request: method and target), or
 *   HTTP 200                  (a response: its status)
 *   X-M2M-Origin: CAE1        (header fields, one a line, up to an empty line)
 *
 *   {"m2m:seci": ...}         (the body: everything after the empty line)
 *
 * A response is read as the answer to a request whose rqi is the response's
 * own X-M2M-RI, so that its other checks are reached. Invariants:
 * - a verdict is "ok" exactly when the reading succeeds, and otherwise names
 *   a problem (within the enumeration, with a name and a detail text);
 * - a request that reads carries its X-M2M-Origin and X-M2M-RI as From and
 *   rqi, and its To writes back as a Request-Target that reads as the same To;
 * - what reads, rebuilt with kx_http_from_notify, reads again to the same
 *   fields and message, and the answer built for a request is accepted as
 *   its response;
 * - the message's text and the printable form of its body hold only
 *   printable ASCII, tabs and line ends (report texts must be UTF-8). */
#include "fuzz.h"

#include "core/http_binding.h"
#include "core/http_receive.h"
#include "core/notify.h"

#include <string.h>

/* Splits the input into a message; header lines the binding refuses are skipped. */
static void read_message(const char *s, size_t len, struct kx_http_message *m)
{
	const char *end = s + len, *line = s;
	int first = 1;

	memset(m, 0, sizeof *m);
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)((nl != NULL ? nl : end) - line);
		char text[1024];

		if (n > 0 && line[n - 1] == '\r')
			n--;
		snprintf(text, sizeof text, "%.*s", (int)(n < sizeof text ? n : sizeof text - 1), line);
		line = nl != NULL ? nl + 1 : end;
		if (first) {
			char *space = strchr(text, ' ');

			first = 0;
			if (strncmp(text, "HTTP ", 5) == 0) {
				m->is_response = 1;
				m->status = atoi(text + 5);
			} else if (space != NULL) {
				*space = '\0';
				/* Cut to the fields' sizes, as the server would refuse longer ones. */
				snprintf(m->method, sizeof m->method, "%.*s", (int)sizeof m->method - 1,
				         text);
				snprintf(m->target, sizeof m->target, "%.*s", (int)sizeof m->target - 1,
				         space + 1);
			}
			continue;
		}
		if (text[0] == '\0')
			break;
		char *colon = strchr(text, ':');
		if (colon != NULL) {
			char *value = colon + 1;

			*colon = '\0';
			value += strspn(value, " \t");
			(void)kx_http_header_add(m, text, value);
		}
	}
	/* The body as the receiver keeps it: a NUL-terminated copy of the bytes. */
	m->body_len = (size_t)(end - line);
	m->body = malloc(m->body_len + 1);
	FUZZ_CHECK(m->body != NULL, "out of memory");
	memcpy(m->body, line, m->body_len);
	m->body[m->body_len] = '\0';
}

static int printable_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 0x20 && *s < 0x7f) || *s == '\r' || *s == '\n' || *s == '\t'))
			return 0;
	return 1;
}

static void check_verdict(int rc, const struct kx_http_verdict *v)
{
	FUZZ_CHECK(rc == 0 || rc == -1, "reading returned %d", rc);
	FUZZ_CHECK((unsigned)v->problem < KX_HTTP_PROBLEM_COUNT, "problem %d out of range", v->problem);
	FUZZ_CHECK((rc == 0) == (v->problem == KX_HTTP_OK), "result %d with problem %s", rc,
	           kx_http_problem_name(v->problem));
	FUZZ_CHECK((v->problem == KX_HTTP_OK) == (v->detail[0] == '\0'), "problem %s with detail \"%s\"",
	           kx_http_problem_name(v->problem), v->detail);
	FUZZ_CHECK(memchr(v->detail, '\0', sizeof v->detail) != NULL, "the detail is not terminated");
	FUZZ_CHECK(kx_http_problem_name(v->problem) != NULL, "problem %d has no name", v->problem);
}

/* Percent-decodes a Request-Target path as the HTTP server hands it over. */
static void decode_target(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; in[i] != '\0' && o + 1 < cap; i++) {
		unsigned hi, lo;

		if (in[i] == '%' && sscanf(in + i + 1, "%1x%1x", &hi, &lo) == 2) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

static void check_same(const struct kx_notify *a, const struct kx_notify *b)
{
	FUZZ_CHECK(strcmp(a->from, b->from) == 0 && strcmp(a->to, b->to) == 0 && strcmp(a->rqi, b->rqi) == 0,
	           "the rebuilt message reads with other identifiers");
	FUZZ_CHECK(a->message_len == b->message_len && memcmp(a->message, b->message, a->message_len) == 0,
	           "the rebuilt message carries other bytes");
}

static void check_request(const struct kx_http_message *m)
{
	struct kx_notify p, again, answer_read;
	struct kx_http_verdict v;
	struct kx_http_message rebuilt, answer;
	char err[256], target[KX_HTTP_TARGET_MAX], decoded[KX_HTTP_TARGET_MAX], to[KX_NOTIFY_ID_MAX];
	int rc = kx_http_request_to_notify(m, &p, &v);

	check_verdict(rc, &v);
	if (rc != 0) {
		FUZZ_CHECK(p.message == NULL, "a refused request left a message");
		FUZZ_CHECK(v.problem == KX_HTTP_BODY_TOO_LARGE || kx_http_problem_rsc(v.problem) >= 4000,
		           "a refused request is answered %d", kx_http_problem_rsc(v.problem));
		return;
	}
	FUZZ_CHECK(strcmp(p.from, kx_http_header_get(m, "X-M2M-Origin")) == 0 &&
	               strcmp(p.rqi, kx_http_header_get(m, "X-M2M-RI")) == 0,
	           "From or rqi is not what the header fields say");
	FUZZ_CHECK(kx_http_target_from_to(p.to, target, sizeof target) == 0,
	           "To \"%s\" has no Request-Target", p.to);
	decode_target(target, decoded, sizeof decoded);
	FUZZ_CHECK(kx_http_to_from_target(decoded, to, sizeof to) == 0 && strcmp(to, p.to) == 0,
	           "To \"%s\" writes as \"%s\", which reads back as \"%s\"", p.to, target, to);

	FUZZ_CHECK(kx_http_from_notify(&p, &rebuilt, err, sizeof err) == 0,
	           "a read request does not rebuild: %s", err);
	/* The server hands the binding the decoded path. */
	decode_target(rebuilt.target, decoded, sizeof decoded);
	memcpy(rebuilt.target, decoded, sizeof rebuilt.target);
	FUZZ_CHECK(kx_http_request_to_notify(&rebuilt, &again, &v) == 0, "the rebuilt request is refused: %s",
	           v.detail);
	check_same(&p, &again);
	kx_notify_free(&again);

	/* Its answer: same rqi, To the request's From, OK. */
	struct kx_notify response;
	kx_notify_answer(&p, &response);
	FUZZ_CHECK(kx_http_from_notify(&response, &answer, err, sizeof err) == 0,
	           "the answer does not build: %s", err);
	FUZZ_CHECK(kx_http_response_to_notify(&answer, &p, &answer_read, &v) == 0,
	           "the request's own answer is refused: %s", v.detail);
	FUZZ_CHECK(answer_read.message_len == p.message_len &&
	               memcmp(answer_read.message, p.message, p.message_len) == 0,
	           "the answer carries other bytes");
	kx_notify_free(&answer_read);
	kx_http_message_free(&answer);
	kx_http_message_free(&rebuilt);
	kx_notify_free(&p);
}

static void check_response(const struct kx_http_message *m)
{
	struct kx_notify request, p;
	struct kx_http_verdict v;
	const char *ri = kx_http_header_get(m, "X-M2M-RI");
	int rc;

	memset(&request, 0, sizeof request);
	request.op = KX_NOTIFY_OP;
	snprintf(request.from, sizeof request.from, "CAE123456789012-Lock");
	snprintf(request.to, sizeof request.to, "/in-cse");
	snprintf(request.rqi, sizeof request.rqi, "%s", ri != NULL && ri[0] != '\0' ? ri : "rqi-1");
	rc = kx_http_response_to_notify(m, &request, &p, &v);
	check_verdict(rc, &v);
	if (rc != 0) {
		FUZZ_CHECK(p.message == NULL, "a refused response left a message");
		return;
	}
	FUZZ_CHECK(p.is_response && strcmp(p.rqi, request.rqi) == 0 && p.message != NULL && p.message_len > 0,
	           "a read response is inconsistent");
	kx_notify_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_http_message m;
	char *text, *body;

	read_message((const char *)data, size, &m);
	if (m.is_response)
		check_response(&m);
	else
		check_request(&m);
	text = kx_http_message_text(&m);
	FUZZ_CHECK(text != NULL && printable_text(text), "the message's text is not printable");
	body = kx_http_printable(m.body, m.body_len);
	FUZZ_CHECK(body != NULL && printable_text(body), "the printable body is not printable");
	free(text);
	free(body);
	kx_http_message_free(&m);
	return 0;
}
