/* fuzz_notify.c - NOTIFY primitives carrying ESCertKE messages
 * (harness/core/notify.c): m2m:rqp and m2m:rsp with an m2m:seci inside.
 *
 * A vendor's primitive is the first thing the harness reads of an ESCertKE
 * exchange, so the input is parsed both as a request and as a response.
 * Invariants:
 * - a failed parse names its problem and leaves *out empty;
 * - a parsed primitive has what the parser promises: the right kind, op 5
 *   or rsc 2000, non-empty NUL-terminated identifiers, a message of at least
 *   one byte;
 * - build(parse(x)) parses back to the same fields and message bytes;
 * - the correlation checks agree with their definitions: a request never
 *   correlates with itself (same rqi), a response built from a request
 *   answers it;
 * - a tiny or missing error buffer changes nothing but the text. */
#include "fuzz.h"

#include "core/notify.h"

#include <string.h>

static int terminated(const char *field, size_t cap)
{
	return memchr(field, '\0', cap) != NULL;
}

static void check_same(const struct kx_notify *a, const struct kx_notify *b)
{
	FUZZ_CHECK(a->is_response == b->is_response && a->op == b->op && a->rsc == b->rsc,
	           "the rebuilt primitive is of another kind");
	FUZZ_CHECK(strcmp(a->from, b->from) == 0 && strcmp(a->to, b->to) == 0 && strcmp(a->rqi, b->rqi) == 0,
	           "the rebuilt primitive has other identifiers");
	FUZZ_CHECK(a->message_len == b->message_len && memcmp(a->message, b->message, a->message_len) == 0,
	           "the rebuilt primitive carries other message bytes");
}

static void check(const char *text, size_t len, int expect_response)
{
	struct kx_notify p, again;
	char err[256] = "", tiny[4];
	int rc = kx_notify_parse(text, len, expect_response, &p, err, sizeof err);
	char *built;

	FUZZ_CHECK(kx_notify_parse(text, len, expect_response, &again, tiny, sizeof tiny) == rc,
	           "a 4-byte error buffer changed the result");
	kx_notify_free(&again);
	FUZZ_CHECK(kx_notify_parse(text, len, expect_response, &again, NULL, 0) == rc,
	           "no error buffer changed the result");
	kx_notify_free(&again);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && err[0] != '\0', "a refused primitive has no reason");
		FUZZ_CHECK(p.message == NULL && p.message_len == 0 && p.rqi[0] == '\0',
		           "a refused primitive left data");
		return;
	}
	FUZZ_CHECK(p.is_response == expect_response, "asked for %d, got is_response %d", expect_response,
	           p.is_response);
	FUZZ_CHECK(expect_response ? p.rsc == KX_NOTIFY_RSC_OK : p.op == KX_NOTIFY_OP, "op %d rsc %d", p.op,
	           p.rsc);
	FUZZ_CHECK(terminated(p.from, sizeof p.from) && terminated(p.to, sizeof p.to) &&
	               terminated(p.rqi, sizeof p.rqi),
	           "an identifier fills its field without a NUL");
	FUZZ_CHECK(p.rqi[0] != '\0', "a parsed primitive has an empty rqi");
	if (!expect_response)
		FUZZ_CHECK(p.from[0] != '\0' && p.to[0] != '\0', "a parsed request lacks fr or to");
	FUZZ_CHECK(p.message != NULL && p.message_len > 0, "a parsed primitive carries no message");

	built = kx_notify_build(&p);
	FUZZ_CHECK(built != NULL, "a parsed primitive does not rebuild");
	FUZZ_CHECK(kx_notify_parse(built, strlen(built), expect_response, &again, err, sizeof err) == 0,
	           "the rebuilt primitive does not parse: %s", err);
	check_same(&p, &again);
	kx_notify_free(&again);
	free(built);

	if (!expect_response) {
		struct kx_notify response;

		FUZZ_CHECK(kx_notify_correlates(&p, &p, err, sizeof err) != 0,
		           "a request correlates with itself (same rqi)");
		kx_notify_answer(&p, &response);
		FUZZ_CHECK(kx_notify_answers(&p, &response, err, sizeof err) == 0,
		           "the request's own answer is refused: %s", err);
		FUZZ_CHECK(kx_notify_answers(&response, &p, err, sizeof err) != 0,
		           "a request answers a response");
		built = kx_notify_build(&response);
		FUZZ_CHECK(built != NULL, "the answer does not build");
		FUZZ_CHECK(kx_notify_parse(built, strlen(built), 1, &again, err, sizeof err) == 0,
		           "the answer does not parse: %s", err);
		check_same(&response, &again);
		kx_notify_free(&again);
		free(built);
	}
	kx_notify_free(&p);
	FUZZ_CHECK(p.message == NULL, "kx_notify_free left the message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check((const char *)data, size, 0);
	check((const char *)data, size, 1);
	return 0;
}
