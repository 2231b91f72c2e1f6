/* fuzz_driver_call.c - the runner reading a driver's answers
 * (harness/runner/drivers/driver_proc.c: kx_driver_call, the JSON-lines reader
 * between kxconform and every driver, a vendor's included).
 *
 * The input is everything a driver writes after its hello. No process is
 * started: the runner's end of the pipes is faked, its output going to
 * /dev/null and its input read from an anonymous in-memory file (memfd) holding
 * the fuzz input, which reads to the end and then reports end of file as a
 * driver that exits would. pid -1 means there is nothing to wait for or kill.
 * Three requests are asked. Invariants:
 * - every request gets exactly one answer object whose "id" is its index and
 *   whose "ok" is a boolean, whatever the driver wrote: real ones in order,
 *   synthetic failures for the rest;
 * - the count of real answers is at most the requests asked, and when it is
 *   smaller the driver is marked failed with a reason;
 * - nothing waits: the call ends as soon as the input does. */
/* memfd_create: an input file in memory, not on a disk that flushes on truncation. */
#define _GNU_SOURCE

#include "fuzz.h"
#include "memfd_input.h"

#include "runner/drivers/driver_proc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_REQUESTS 3

static struct fuzz_input_file input = {.target = "fuzz_driver_call"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_driver_proc proc;
	json_t *requests[N_REQUESTS], *responses[N_REQUESTS];
	size_t answered;

	FUZZ_CHECK(fuzz_input_file_set(&input, data, size) == 0, "cannot write the input");
	memset(&proc, 0, sizeof proc);
	snprintf(proc.name, sizeof proc.name, "fuzz");
	proc.pid = -1;
	proc.to_driver = open("/dev/null", O_WRONLY);
	/* A fresh open: its own offset, starting at the beginning. */
	proc.from_driver = open(input.path, O_RDONLY);
	FUZZ_CHECK(proc.to_driver >= 0 && proc.from_driver >= 0, "cannot open the fake pipes");
	for (size_t i = 0; i < N_REQUESTS; i++)
		requests[i] = json_pack("{s:s, s:s, s:s, s:s}", "op", "hmac", "hash", "SHA-256", "key", "00",
		                        "data", "01");

	answered = kx_driver_call(&proc, requests, N_REQUESTS, responses, 1000);

	FUZZ_CHECK(answered <= N_REQUESTS, "%zu answers to %d requests", answered, N_REQUESTS);
	for (size_t i = 0; i < N_REQUESTS; i++) {
		json_t *id = json_object_get(responses[i], "id");

		FUZZ_CHECK(json_is_object(responses[i]), "answer %zu is not an object", i);
		FUZZ_CHECK(json_is_integer(id) && json_integer_value(id) == (json_int_t)i,
		           "answer %zu has another id", i);
		FUZZ_CHECK(json_is_boolean(json_object_get(responses[i], "ok")), "answer %zu has no \"ok\"",
		           i);
		/* The runner numbers its requests; the driver sees each id once. */
		FUZZ_CHECK(json_integer_value(json_object_get(requests[i], "id")) == (json_int_t)i,
		           "request %zu went out with another id", i);
	}
	FUZZ_CHECK(answered == N_REQUESTS || proc.failure[0] != '\0',
	           "%zu of %d answered, yet no failure recorded", answered, N_REQUESTS);
	for (size_t i = 0; i < N_REQUESTS; i++) {
		json_decref(requests[i]);
		json_decref(responses[i]);
	}
	kx_driver_stop(&proc);
	FUZZ_CHECK(proc.to_driver == -1 && proc.from_driver == -1 && proc.buf == NULL,
	           "kx_driver_stop left something open");
	return 0;
}
