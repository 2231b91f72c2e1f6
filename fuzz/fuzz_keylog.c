/* fuzz_keylog.c - NSS key log text (harness/core/keylog.c), as a vendor's
 * SSLKEYLOGFILE or a capture's Decryption Secrets Block holds it.
 *
 * Invariants:
 * - a refusal names its line ("line N: ..."), and the entries read before
 *   that line are kept, all from earlier lines;
 * - every entry is well-formed: a label of [A-Z0-9_], a secret of 1 to 64
 *   bytes, 48 for CLIENT_RANDOM, lines in increasing order;
 * - the log reads back: written out as "LABEL random secret" lines, it
 *   parses to the same entries;
 * - kx_keylog_find finds each entry's label and random, returning the first
 *   such entry, and parsing appends to what the log already holds. */
#include "fuzz.h"

#include "core/hex.h"
#include "core/keylog.h"

#include <string.h>

static void check_entry(const struct kx_keylog_entry *e, size_t previous_line)
{
	size_t n = strnlen(e->label, sizeof e->label);

	FUZZ_CHECK(n > 0 && n < sizeof e->label &&
	               strspn(e->label, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n,
	           "line %zu: label \"%.*s\"", e->line, (int)n, e->label);
	FUZZ_CHECK(e->secret_len >= 1 && e->secret_len <= KX_KEYLOG_SECRET_MAX, "line %zu: a %zu-byte secret",
	           e->line, e->secret_len);
	FUZZ_CHECK(strcmp(e->label, "CLIENT_RANDOM") != 0 || e->secret_len == KX_KEYLOG_MASTER_SECRET_LEN,
	           "line %zu: CLIENT_RANDOM with a %zu-byte secret", e->line, e->secret_len);
	FUZZ_CHECK(e->line > previous_line, "entries out of line order (%zu after %zu)", e->line,
	           previous_line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t marker_random[KX_KEYLOG_RANDOM_LEN] = {0xAB, 0xCD};
	static const char marker[] =
	    "MARKER abcd000000000000000000000000000000000000000000000000000000000000 0102\n";
	struct kx_keylog log = {0}, again = {0};
	char err[512] = "", *text, *p;
	size_t previous = 0, line_of_error = 0;
	int rc;

	/* A log that already holds an entry: parsing must append, not replace. */
	FUZZ_CHECK(kx_keylog_parse(&log, marker, sizeof marker - 1, err, sizeof err) == 0 && log.n == 1,
	           "the marker line does not parse: %s", err);
	rc = kx_keylog_parse(&log, (const char *)data, size, err, sizeof err);
	FUZZ_CHECK(log.n >= 1 && strcmp(log.entries[0].label, "MARKER") == 0,
	           "parsing replaced what the log held");
	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && sscanf(err, "line %zu:", &line_of_error) == 1 && line_of_error >= 1,
		           "a refusal does not name its line: \"%s\"", err);
		for (size_t i = 1; i < log.n; i++)
			FUZZ_CHECK(log.entries[i].line < line_of_error,
			           "an entry from line %zu, after the error at %zu", log.entries[i].line,
			           line_of_error);
	}
	for (size_t i = 1; i < log.n; i++) {
		const struct kx_keylog_entry *found;

		check_entry(&log.entries[i], previous);
		previous = log.entries[i].line;
		found = kx_keylog_find(&log, log.entries[i].label, log.entries[i].client_random);
		FUZZ_CHECK(
		    found != NULL && found <= &log.entries[i] &&
		        strcmp(found->label, log.entries[i].label) == 0 &&
		        memcmp(found->client_random, log.entries[i].client_random, KX_KEYLOG_RANDOM_LEN) == 0,
		    "entry %zu is not found by its label and random", i);
		FUZZ_CHECK(kx_keylog_find(&log, NULL, log.entries[i].client_random) != NULL,
		           "entry %zu is not found by its random alone", i);
	}
	FUZZ_CHECK(kx_keylog_find(&log, "MARKER", marker_random) == &log.entries[0],
	           "the marker is not found");

	/* Written back out, the entries read as themselves. */
	text = malloc(
	    log.n * (KX_KEYLOG_LABEL_MAX + 2 * KX_KEYLOG_RANDOM_LEN + 2 * KX_KEYLOG_SECRET_MAX + 4) + 1);
	FUZZ_CHECK(text != NULL, "out of memory");
	p = text;
	for (size_t i = 0; i < log.n; i++) {
		const struct kx_keylog_entry *e = &log.entries[i];

		p += strlen(strcpy(p, e->label));
		*p++ = ' ';
		p += kx_hex_encode(e->client_random, KX_KEYLOG_RANDOM_LEN, p, 0);
		*p++ = ' ';
		p += kx_hex_encode(e->secret, e->secret_len, p, 1);
		*p++ = '\n';
	}
	FUZZ_CHECK(kx_keylog_parse(&again, text, (size_t)(p - text), err, sizeof err) == 0,
	           "the written-back log does not parse: %s", err);
	FUZZ_CHECK(again.n == log.n, "%zu entries written back as %zu", log.n, again.n);
	for (size_t i = 0; i < log.n; i++) {
		const struct kx_keylog_entry *a = &log.entries[i], *b = &again.entries[i];

		FUZZ_CHECK(strcmp(a->label, b->label) == 0 && a->secret_len == b->secret_len &&
		               memcmp(a->secret, b->secret, a->secret_len) == 0 &&
		               memcmp(a->client_random, b->client_random, KX_KEYLOG_RANDOM_LEN) == 0,
		           "entry %zu reads back differently", i);
	}
	free(text);
	kx_keylog_free(&again);
	kx_keylog_free(&log);
	FUZZ_CHECK(log.entries == NULL && log.n == 0, "kx_keylog_free left entries");
	return 0;
}
