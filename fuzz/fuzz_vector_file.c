/* fuzz_vector_file.c - a vector file as `kxconform vectors` reads it:
 * loaded and checked for the shared Wycheproof layout
 * (harness/runner/vectors/vector_file.c), then each test through its kind
 * (harness/runner/vectors/vector_checks.c): the core check, the requests it becomes,
 * the OpenSSL reference driver's answers (harness/driver/dispatch.c, linked
 * in-process in place of the pipe) and the verdict on them.
 *
 * kx_vector_file_load takes a path, so each input is written to one
 * anonymous in-memory file (memfd_create, Linux) opened through /proc/self/fd:
 * nothing touches a disk or is left behind when a run is killed. Invariants:
 * - a file that does not load says why; one that loads has a schema, and
 *   every test it keeps has a unique positive tcId, a known result and an
 *   object for itself and its group;
 * - every request a test becomes is a JSON object with an "op" that
 *   serialises to one line (the protocol's framing);
 * - the driver answers each request with its id and an "ok" boolean, and a
 *   verdict is 0 or -1 with a reason. */
/* memfd_create: an input file in memory, not on a disk that flushes on truncation. */
#define _GNU_SOURCE

#include "fuzz.h"
#include "memfd_input.h"

#include "backend.h"
#include "core/json_io.h"
#include "driver/ops.h"
#include "runner/vectors/vector_checks.h"
#include "runner/vectors/vector_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tests sent to the driver per input: enough for every kind, few enough that
 * a file of hundreds of 64 KiB derivations does not stall the fuzzer. */
#define MAX_DRIVEN_TESTS 32

static struct fuzz_input_file input = {.target = "fuzz_vector_file"};

/* Whether the driver's hello lists the variant, as kx_driver_supports_variant asks. */
static int supports(json_t *capabilities, const char *op, const char *variant)
{
	json_t *list = json_object_get(json_object_get(capabilities, "variants"), op);
	size_t i;
	json_t *name;

	json_array_foreach(list, i, name)
	{
		if (variant != NULL && json_is_string(name) && strcmp(json_string_value(name), variant) == 0)
			return 1;
	}
	return 0;
}

/* The request as the driver receives it: serialised to one line, read back. */
static json_t *through_the_pipe(json_t *request, json_int_t id)
{
	char *line;
	json_t *received;
	json_error_t error;

	json_object_set_new(request, "id", json_integer(id));
	line = kx_json_line(request);
	FUZZ_CHECK(line != NULL, "a request does not serialise");
	FUZZ_CHECK(strchr(line, '\n') == NULL, "a request serialises to more than one line");
	received = json_loadb(line, strlen(line), 0, &error);
	FUZZ_CHECK(json_is_object(received), "a serialised request does not read back: %s", error.text);
	free(line);
	return received;
}

static void drive(const struct kx_backend *backend, json_t *capabilities, const struct kx_vector_kind *kind,
                  const struct kx_vector_test *test, json_int_t *next_id)
{
	json_t *requests[KX_MAX_REQUESTS_PER_TEST] = {NULL, NULL},
	       *responses[KX_MAX_REQUESTS_PER_TEST] = {NULL, NULL};
	char reason[512] = "";
	int n = kx_vector_requests(kind, test, requests, reason, sizeof reason), rc;

	FUZZ_CHECK(n >= -1 && n <= KX_MAX_REQUESTS_PER_TEST, "a test became %d requests", n);
	if (n <= 0) {
		FUZZ_CHECK(n == 0 || reason[0] != '\0', "a malformed test has no reason");
		return;
	}
	for (int i = 0; i < n; i++) {
		json_t *received = through_the_pipe(requests[i], *next_id);

		FUZZ_CHECK(json_is_string(json_object_get(received, "op")), "request %d has no \"op\"", i);
		responses[i] = kx_driver_answer(backend, received);
		FUZZ_CHECK(json_is_object(responses[i]) &&
		               json_is_boolean(json_object_get(responses[i], "ok")),
		           "an answer without \"ok\"");
		FUZZ_CHECK(json_integer_value(json_object_get(responses[i], "id")) == *next_id,
		           "an answer with another id");
		(*next_id)++;
		json_decref(received);
	}
	/* The runner asks for a known mistake only from drivers that model it. */
	if (n > 1 && !supports(capabilities, kx_json_get_string(requests[1], "op"),
	                       kx_json_get_string(requests[1], "variant")))
		n = 1;
	rc = n > 0 ? kx_vector_verify(kind, test, responses, n, reason, sizeof reason) : 0;
	FUZZ_CHECK(rc == 0 || (rc == -1 && reason[0] != '\0'), "verdict %d with reason \"%s\"", rc, reason);
	for (int i = 0; i < KX_MAX_REQUESTS_PER_TEST; i++) {
		json_decref(requests[i]);
		json_decref(responses[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct kx_backend *backend = kx_backend();
	struct kx_vector_file file;
	const struct kx_vector_kind *kind;
	json_t *capabilities;
	json_int_t next_id = 0;
	char reason[512];

	FUZZ_CHECK(fuzz_input_file_set(&input, data, size) == 0, "cannot write the input");
	if (kx_vector_file_load(input.path, &file) != 0) {
		FUZZ_CHECK(file.error[0] != '\0', "a file that does not load has no reason");
		kx_vector_file_free(&file);
		return 0;
	}
	FUZZ_CHECK(json_is_object(file.root) && file.schema != NULL &&
	               strcmp(file.schema, json_string_value(json_object_get(file.root, "schema"))) == 0,
	           "a loaded file has no schema");
	FUZZ_CHECK(strcmp(file.name, strrchr(input.path, '/') + 1) == 0, "the file's name is not its base name");
	for (size_t i = 0; i < file.n_tests; i++) {
		const struct kx_vector_test *t = &file.tests[i];

		FUZZ_CHECK(t->tc_id >= 1 && json_is_object(t->test) && json_is_object(t->group),
		           "test %zu is kept without a positive tcId or an object", i);
		FUZZ_CHECK(strcmp(t->result, "valid") == 0 || strcmp(t->result, "invalid") == 0 ||
		               strcmp(t->result, "acceptable") == 0,
		           "test %zu is kept with result \"%s\"", i, t->result);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(file.tests[j].tc_id != t->tc_id, "tcId %lld is kept twice", t->tc_id);
	}
	for (size_t i = 0; i < file.n_problems; i++)
		FUZZ_CHECK(memchr(file.problems[i].text, '\0', sizeof file.problems[i].text) != NULL &&
		               file.problems[i].text[0] != '\0',
		           "problem %zu has no text", i);

	kind = kx_vector_kind_for(file.schema);
	capabilities = kx_driver_capabilities(backend);
	for (size_t i = 0; kind != NULL && i < file.n_tests; i++) {
		int core = kx_vector_check_core(kind, &file.tests[i], reason, sizeof reason);

		FUZZ_CHECK(core >= -1 && core <= 1, "core check returned %d", core);
		if (i < MAX_DRIVEN_TESTS)
			drive(backend, capabilities, kind, &file.tests[i], &next_id);
	}
	json_decref(capabilities);
	kx_vector_file_free(&file);
	return 0;
}
