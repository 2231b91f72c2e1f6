/* relay_records.c - the records axis: the relay re-frames the plaintext handshake records of a TLS
 * flight before it delivers them, library-neutral, so that every end-point (a vendor's too) meets
 * several handshake messages in one record and one handshake message across several (RFC 5246
 * 6.2.1 allows both). Only what precedes the sender's ChangeCipherSpec can be re-framed: the
 * records after it are encrypted, and their MACs cover their own framing. The handshake transcript
 * (Finished, the extended master secret) covers the messages, not the records, so a re-framed
 * handshake completes with the same keys and its capture still decrypts. */
#include "runner/wire/relay.h"

#include "core/text_buffer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_HEADER 5
#define MAX_FRAGMENT 16384 /* 2^14, RFC 5246 6.2.1 */

/* A run of consecutive plaintext handshake records of one record version, their fragments joined
 * (coalesced), or one such record (split). */
struct run {
	struct kx_text bytes;
	size_t records;
	uint8_t version[2];
};

static int run_add(struct run *r, const uint8_t *fragment, size_t len)
{
	r->records++;
	return kx_text_put(&r->bytes, (const char *)fragment, len);
}

/* Writes the run as records of at most `most` bytes of fragment; adds how many to *written. */
static int run_flush(struct run *r, size_t most, struct kx_chunks *out, size_t *written)
{
	for (size_t at = 0; at < r->bytes.len;) {
		size_t n = r->bytes.len - at < most ? r->bytes.len - at : most;
		uint8_t header[RECORD_HEADER] = {22, r->version[0], r->version[1], (uint8_t)(n >> 8), (uint8_t)n};
		if (kx_chunks_extend_last(out, header, sizeof header) != 0 ||
		    kx_chunks_extend_last(out, (const uint8_t *)r->bytes.data + at, n) != 0)
			return -1;
		at += n;
		(*written)++;
	}
	r->bytes.len = r->records = 0;
	return 0;
}

int kx_relay_reframe(struct kx_relay *relay, struct kx_flight_record *record, struct kx_chunks *chunks)
{
	size_t len = 0, at = 0, read = 0, written = 0;
	uint8_t *in = kx_chunks_flatten(chunks, &len);
	size_t most = relay->records == KX_RECORDS_SPLIT ? KX_SPLIT_FRAGMENT : MAX_FRAGMENT;
	int *passed = &relay->ccs_passed[record->from_initiator != 0];
	struct kx_chunks out = {0};
	struct run run = {0};
	int failed = in == NULL;
	while (!failed && at + RECORD_HEADER <= len) {
		size_t body = (size_t)in[at + 3] << 8 | in[at + 4];
		if (at + RECORD_HEADER + body > len)
			break; /* a record cut short (a fault) goes on as it is, below */
		int handshake = !*passed && in[at] == 22;
		if (run.records > 0 && (!handshake || memcmp(run.version, in + at + 1, 2) != 0))
			failed = run_flush(&run, most, &out, &written) != 0;
		if (handshake) {
			memcpy(run.version, in + at + 1, 2);
			failed = failed || run_add(&run, in + at + RECORD_HEADER, body) != 0;
			read++;
			/* Split cuts each record of the library on its own: its pieces begin where the
			 * library's record did, at a handshake message (wolfSSL 5.5.4 cannot read a
			 * message whose 4-byte header is cut between records, which cutting the joined
			 * run at every 100 bytes does whenever the lengths fall so). */
			if (!failed && relay->records == KX_RECORDS_SPLIT)
				failed = run_flush(&run, most, &out, &written) != 0;
		} else {
			*passed |= in[at] == 20;
			failed = failed || kx_chunks_extend_last(&out, in + at, RECORD_HEADER + body) != 0;
		}
		at += RECORD_HEADER + body;
	}
	if (!failed && run.records > 0)
		failed = run_flush(&run, most, &out, &written) != 0;
	if (!failed && at < len)
		failed = kx_chunks_extend_last(&out, in + at, len - at) != 0;
	size_t out_len = 0;
	uint8_t *result = failed ? NULL : kx_chunks_flatten(&out, &out_len);
	int changed = result != NULL && (out_len != len || memcmp(result, in, len) != 0);
	if (changed) {
		kx_chunks_clear(chunks);
		*chunks = out;
		char how[80];
		if (relay->records == KX_RECORDS_SPLIT)
			snprintf(how, sizeof how, "split, at most %d bytes of handshake data a record", KX_SPLIT_FRAGMENT);
		else
			snprintf(how, sizeof how, "coalesced, up to 2^14 bytes a record");
		snprintf(record->relayed, sizeof record->relayed,
		         "the relay re-framed its %zu plaintext handshake record%s as %zu (records axis: %s)", read,
		         read == 1 ? "" : "s", written, how);
	} else {
		kx_chunks_clear(&out);
	}
	free(result);
	free(run.bytes.data);
	free(in);
	return changed;
}
