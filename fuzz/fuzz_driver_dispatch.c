/* fuzz_driver_dispatch.c - a reference driver reading hostile requests:
 * kx_driver_answer (harness/driver/dispatch.c) with every derivation and
 * session operation, linked with the OpenSSL backend.
 *
 * The input is what a driver reads on stdin: JSON lines, at most 32, each
 * handled as harness/driver/main.c does (a line that is not a JSON object is
 * answered by main.c without reaching the dispatcher, so it is skipped here;
 * "bye" ends the input). Sessions opened by one input are all closed at its
 * end, so inputs do not depend on each other.
 *
 * Two harness-only conventions make whole handshakes reachable inside one
 * input (fuzz/make_corpus.py writes such scripts):
 * - a "step" or "receive" whose "flight" is the string "relay" (which the
 *   protocol never sends) gets the flight of the previous step or send answer,
 *   as kxconform would relay it;
 * - an "open" whose configuration names a file outside pki/ (the build's
 *   test PKI, relative to the working directory: run from the build
 *   directory) is skipped: opening arbitrary files is what "cert" means, and
 *   /dev/stdin would only make the fuzzer wait.
 *
 * Invariants: every answer is an object with the request's "id" (null when
 * it had none) and an "ok" boolean; a refusal carries a non-empty "error";
 * the answer serialises to one line; a "step" answer has a known state and a
 * flight of standard base64 strings. */
#include "fuzz.h"

#include "backend.h"
#include "core/chunks.h"
#include "core/chunks_json.h"
#include "core/json_io.h"
#include "driver/ops.h"

#include <string.h>

#define MAX_LINES 32

/* Only relative paths inside pki/, without "..", may be opened. */
static int path_allowed(json_t *value)
{
	const char *p = json_string_value(value);

	if (value == NULL || p == NULL)
		return 1; /* absent, or not a string: the driver refuses it itself */
	return strncmp(p, "pki/", 4) == 0 && strstr(p, "..") == NULL;
}

static int open_allowed(json_t *request)
{
	static const char *const files[] = {"cert", "key", "ca"};
	json_t *config = json_object_get(request, "config");

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (!path_allowed(json_object_get(config, files[i])))
			return 0;
	return 1;
}

static void check_answer(json_t *request, json_t *answer, const char *op)
{
	json_t *id = json_object_get(request, "id"), *ok = json_object_get(answer, "ok");
	char *line;

	FUZZ_CHECK(json_is_object(answer), "the answer is not an object");
	FUZZ_CHECK(json_equal(json_object_get(answer, "id"), id != NULL ? id : json_null()),
	           "the answer does not repeat the request's id");
	FUZZ_CHECK(json_is_boolean(ok), "the answer has no \"ok\" boolean");
	if (!json_is_true(ok)) {
		const char *error = kx_json_get_string(answer, "error");

		FUZZ_CHECK(error != NULL && error[0] != '\0', "a refusal without an error text");
	}
	line = kx_json_line(answer);
	FUZZ_CHECK(line != NULL && strchr(line, '\n') == NULL, "the answer does not serialise to one line");
	free(line);
	if (json_is_true(ok) && op != NULL && strcmp(op, "step") == 0) {
		const char *state = kx_json_get_string(answer, "state");
		struct kx_chunks chunks = {0};
		char err[128];

		FUZZ_CHECK(state != NULL && (strcmp(state, "handshaking") == 0 ||
		                             strcmp(state, "done") == 0 || strcmp(state, "failed") == 0),
		           "a step answer has state %s", state != NULL ? state : "(none)");
		FUZZ_CHECK(
		    json_is_array(json_object_get(answer, "flight")) &&
		        kx_chunks_from_json(json_object_get(answer, "flight"), &chunks, err, sizeof err) == 0,
		    "a step answer's flight does not read back");
		kx_chunks_clear(&chunks);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct kx_backend *backend = kx_backend();
	const char *text = (const char *)data, *end = text + size;
	json_t *last_flight = json_array();
	int lines = 0;

	while (text < end && lines++ < MAX_LINES) {
		const char *newline = memchr(text, '\n', (size_t)(end - text));
		size_t len = newline != NULL ? (size_t)(newline - text) : (size_t)(end - text);
		json_error_t error;
		json_t *request = json_loadb(text, len, 0, &error), *answer;
		const char *op;

		text += len + 1;
		if (!json_is_object(request)) {
			json_decref(request);
			continue;
		}
		op = json_string_value(json_object_get(request, "op"));
		if (op != NULL && strcmp(op, "bye") == 0) {
			json_decref(request);
			break;
		}
		if (op != NULL && strcmp(op, "open") == 0 && !open_allowed(request)) {
			json_decref(request);
			continue;
		}
		if (json_is_string(json_object_get(request, "flight")) &&
		    strcmp(json_string_value(json_object_get(request, "flight")), "relay") == 0)
			json_object_set(request, "flight", last_flight);

		answer = kx_driver_answer(backend, request);
		check_answer(request, answer, op);
		if (json_is_array(json_object_get(answer, "flight"))) {
			json_decref(last_flight);
			last_flight = json_incref(json_object_get(answer, "flight"));
		}
		json_decref(answer);
		json_decref(request);
	}
	json_decref(last_flight);
	kx_sessions_close_all(backend);
	return 0;
}
