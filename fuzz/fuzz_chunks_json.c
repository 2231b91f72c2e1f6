/* fuzz_chunks_json.c - flights in the driver protocol: JSON arrays of
 * standard padded base64 strings (harness/core/chunks_json.c).
 *
 * Both directions of the protocol read them: the driver from a "step"
 * request, the runner from a driver's answer. The input is one JSON text as
 * a line would carry it; an object stands for a request or answer and its
 * "flight" member is read, anything else is read as the flight itself.
 * Invariants:
 * - a flight that reads writes back as the same JSON array (strict base64 has
 *   one spelling per chunk), chunk for chunk, and its byte count adds up;
 * - a flight that does not read says which element is wrong;
 * - chunks already in the list are kept: reading appends. */
#include "fuzz.h"

#include "core/chunks.h"
#include "core/chunks_json.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t marker[] = "already here";
	json_error_t error;
	json_t *root = json_loadb((const char *)data, size, 0, &error);
	json_t *flight, *back;
	struct kx_chunks chunks = {0};
	char err[128] = "";
	size_t total = 0;
	int rc;

	if (root == NULL)
		return 0;
	flight = json_is_object(root) ? json_object_get(root, "flight") : root;
	FUZZ_CHECK(kx_chunks_append(&chunks, marker, sizeof marker) == 0, "out of memory");
	rc = kx_chunks_from_json(flight, &chunks, err, sizeof err);
	FUZZ_CHECK(chunks.n >= 1 && chunks.items[0].len == sizeof marker &&
	               memcmp(chunks.items[0].data, marker, sizeof marker) == 0,
	           "reading a flight disturbed the chunks already in the list");
	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && strstr(err, "flight") != NULL,
		           "a refused flight has no reason: \"%s\"", err);
		kx_chunks_clear(&chunks);
		json_decref(root);
		return 0;
	}
	FUZZ_CHECK(flight == NULL ? chunks.n == 1 : chunks.n == 1 + json_array_size(flight),
	           "%zu chunks for %zu elements", chunks.n - 1, json_array_size(flight));
	for (size_t i = 0; i < chunks.n; i++)
		total += chunks.items[i].len;
	FUZZ_CHECK(kx_chunks_total(&chunks) == total, "kx_chunks_total says %zu, the chunks hold %zu",
	           kx_chunks_total(&chunks), total);

	/* Without the marker, the chunks must write back as the very array read. */
	struct kx_chunks read = {chunks.items + 1, chunks.n - 1, chunks.n - 1};
	back = kx_chunks_to_json(&read);
	FUZZ_CHECK(back != NULL, "a flight that read does not write");
	FUZZ_CHECK(flight == NULL ? json_array_size(back) == 0 : json_equal(back, flight),
	           "a flight does not write back as it was read");
	json_decref(back);
	kx_chunks_clear(&chunks);
	FUZZ_CHECK(chunks.n == 0 && chunks.items == NULL, "kx_chunks_clear left chunks");
	json_decref(root);
	return 0;
}
