/* fuzz_dtls_records.c - DTLS 1.2 flights read from their datagrams, with
 * handshake messages reassembled from fragments
 * (harness/core/dtls_datagrams.c: kx_dtls_parse_datagrams).
 *
 * Input format: datagrams one after another, each behind its length as two
 * big-endian bytes (a length past the end takes what is left), at most 64;
 * fuzz/make_corpus.py writes real flights this way. The flight is read
 * before and after the direction's ChangeCipherSpec. Invariants:
 * - a failure names the problem, leaves the flight empty and the state as it was;
 * - in every datagram the records tile the bytes exactly, each header where
 *   recorded and saying what was recorded;
 * - every plaintext handshake fragment in the input agrees with the message
 *   reassembled for its message_seq (type, length and the bytes it covers),
 *   and each message counts the fragments that carried it: reassembly loses
 *   nothing and invents nothing, whatever the overlap and order;
 * - the Table 8.7.2.2-1 check and the names behave as for TLS. */
#include "fuzz.h"

#include "core/chunks.h"
#include "core/tls_records.h"

#include <string.h>

#define MAX_DATAGRAMS 64

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static const struct kx_tls_item *message(const struct kx_tls_flight *f, uint16_t seq)
{
	for (size_t i = 0; i < f->n_items; i++)
		if (f->items[i].content_type == KX_CT_HANDSHAKE && !f->items[i].encrypted &&
		    f->items[i].message_seq == seq)
			return &f->items[i];
	return NULL;
}

/* Walks the fragments of one plaintext handshake record against the flight. */
static void check_fragments(const struct kx_tls_flight *f, const uint8_t *payload, size_t len, size_t *counts)
{
	size_t p = 0;

	while (p < len) {
		const uint8_t *h = payload + p;
		uint32_t length, frag_offset, frag_len;
		const struct kx_tls_item *item;

		FUZZ_CHECK(len - p >= 12, "a fragment header the parser accepted is truncated");
		length = be24(h + 1);
		frag_offset = be24(h + 6);
		frag_len = be24(h + 9);
		FUZZ_CHECK(frag_len <= len - p - 12 && frag_offset + frag_len <= length,
		           "the parser accepted a fragment outside its record or message");
		item = message(f, (uint16_t)be16(h + 4));
		FUZZ_CHECK(item != NULL, "no message for message_seq %u", (unsigned)be16(h + 4));
		FUZZ_CHECK(item->handshake_type == h[0] && item->length == length,
		           "message_seq %u: a fragment says type %u length %u, the message %u %zu",
		           (unsigned)be16(h + 4), h[0], (unsigned)length, item->handshake_type, item->length);
		FUZZ_CHECK(memcmp(item->body + frag_offset, h + 12, frag_len) == 0,
		           "message_seq %u: bytes %u..%u differ from a fragment", (unsigned)be16(h + 4),
		           (unsigned)frag_offset, (unsigned)(frag_offset + frag_len));
		counts[item - f->items]++;
		p += 12 + frag_len;
	}
}

static void check(const struct kx_chunks *datagrams, int ccs)
{
	struct kx_tls_direction dir = {ccs};
	struct kx_tls_flight f;
	char err[256] = "", name[64], summary[256];
	size_t r = 0, *counts;
	int rc = kx_dtls_parse_datagrams(datagrams, &dir, &f, err, sizeof err);

	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && err[0] != '\0', "a refused flight has no reason");
		FUZZ_CHECK(dir.ccs_sent == ccs, "a refused flight changed the direction state");
		FUZZ_CHECK(f.n_items == 0 && f.n_records == 0 && f.items == NULL,
		           "a refused flight left items");
		return;
	}
	FUZZ_CHECK(f.dtls && !f.bare, "a DTLS flight is not marked DTLS");
	counts = calloc(f.n_items + 1, sizeof *counts);
	FUZZ_CHECK(counts != NULL, "out of memory");
	for (size_t d = 0; d < datagrams->n; d++) {
		const uint8_t *bytes = datagrams->items[d].data;
		size_t pos = 0;

		for (; r < f.n_records && f.records[r].datagram == d; r++) {
			const struct kx_tls_record *rec = &f.records[r];
			const uint8_t *h = bytes + pos;

			FUZZ_CHECK(rec->offset == pos, "datagram %zu: record %zu at %zu, expected %zu", d, r,
			           rec->offset, pos);
			FUZZ_CHECK(datagrams->items[d].len - pos >= 13u + rec->length,
			           "record %zu overruns datagram %zu", r, d);
			FUZZ_CHECK(h[0] == rec->content_type && be16(h + 1) == rec->version &&
			               be16(h + 3) == rec->epoch && be16(h + 11) == rec->length &&
			               rec->sequence == ((uint64_t)be16(h + 5) << 32 |
			                                 (uint64_t)be16(h + 7) << 16 | be16(h + 9)),
			           "record %zu's header is not what datagram %zu says", r, d);
			FUZZ_CHECK(rec->version == 0xFEFD || rec->version == 0xFEFF,
			           "record %zu has version 0x%04x", r, rec->version);
			if (rec->content_type == KX_CT_HANDSHAKE && rec->epoch == 0)
				check_fragments(&f, h + 13, rec->length, counts);
			pos += 13u + rec->length;
		}
		FUZZ_CHECK(pos == datagrams->items[d].len, "datagram %zu: records cover %zu of %zu bytes", d,
		           pos, datagrams->items[d].len);
	}
	FUZZ_CHECK(r == f.n_records, "%zu records belong to no datagram", f.n_records - r);
	for (size_t i = 0; i < f.n_items; i++) {
		const struct kx_tls_item *item = &f.items[i];

		FUZZ_CHECK(item->body != NULL && item->datagram < datagrams->n, "item %zu is inconsistent",
		           i);
		if (item->content_type == KX_CT_HANDSHAKE && !item->encrypted)
			FUZZ_CHECK(item->n_records == counts[i],
			           "message %zu counts %zu fragments, the input has %zu", i, item->n_records,
			           counts[i]);
		if (item->msg == KX_MSG_CHANGE_CIPHER_SPEC)
			FUZZ_CHECK(dir.ccs_sent, "a ChangeCipherSpec left the direction unchanged");
		FUZZ_CHECK(kx_tls_item_name(item, name, sizeof name) > 0, "item %zu has no name", i);
	}
	FUZZ_CHECK(kx_tls_flight_summary(&f, summary, sizeof summary) >= (int)strlen(summary),
	           "the summary is longer than it says");
	for (int m = 1; m <= 4; m++) {
		int c = kx_escertke_check(m, &f, err, sizeof err);

		FUZZ_CHECK((c == 0) == (err[0] == '\0'), "message %d: result %d with text \"%s\"", m, c, err);
	}
	free(counts);
	kx_tls_flight_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_chunks datagrams = {0};
	size_t pos = 0;

	while (pos + 2 <= size && datagrams.n < MAX_DATAGRAMS) {
		size_t len = be16(data + pos);

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		FUZZ_CHECK(kx_chunks_append(&datagrams, data + pos, len) == 0, "out of memory");
		pos += len;
	}
	check(&datagrams, 0);
	check(&datagrams, 1);
	kx_chunks_clear(&datagrams);
	return 0;
}
