/* fuzz_tls_records.c - TLS 1.2 flights read from their record-layer bytes,
 * and ESCertKE messages checked against TS-0003 Table 8.7.2.2-1
 * (harness/core/tls_stream.c: kx_tls_parse_stream, kx_tls_parse_bare;
 * escertke_check.c: kx_escertke_parse, kx_escertke_check; tls_msg_names.c:
 * the names and the summary).
 *
 * The input is one direction's bytes, as a vendor's library wrote them or as
 * an ESCertKE message carried them. It is read before and after that
 * direction's ChangeCipherSpec. Invariants:
 * - a failure names the problem, leaves the flight empty and the direction
 *   state unchanged;
 * - the records tile the input exactly, each header at the offset recorded;
 * - the plaintext handshake messages, header and body, concatenate to exactly
 *   the plaintext handshake records' payloads: nothing lost, nothing invented,
 *   whatever the coalescing and splitting;
 * - every item points at a record that exists and was of its content type;
 *   a ChangeCipherSpec sets the direction's state;
 * - bare handshake messages tile their input; kx_escertke_parse takes the
 *   record reading whenever there is one;
 * - the Table 8.7.2.2-1 check names a deviation exactly when it refuses, and
 *   the summary's length is what it writes, also into a short buffer. */
#include "fuzz.h"

#include "core/tls_records.h"

#include <string.h>

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void check_names(const struct kx_tls_flight *f)
{
	char summary[512], small[16], name[64];
	int full = kx_tls_flight_summary(f, summary, sizeof summary);
	int cut = kx_tls_flight_summary(f, small, sizeof small);

	FUZZ_CHECK(full >= 0 && cut == full, "the summary's length depends on the buffer (%d, %d)", full,
	           cut);
	FUZZ_CHECK(strlen(small) < sizeof small, "the summary overran a short buffer");
	if ((size_t)full < sizeof summary)
		FUZZ_CHECK(strlen(summary) == (size_t)full, "the summary's length is not what it wrote");
	FUZZ_CHECK(strncmp(summary, small, strlen(small)) == 0,
	           "the short summary is not a prefix of the long one");
	for (size_t i = 0; i < f->n_items; i++) {
		int n = kx_tls_item_name(&f->items[i], name, sizeof name);

		FUZZ_CHECK(n > 0 && (size_t)n < sizeof name, "item %zu has a name of %d characters", i, n);
	}
}

static void check_escertke(const struct kx_tls_flight *f)
{
	char err[1024], tiny[8];

	for (int m = 0; m <= 5; m++) {
		int rc = kx_escertke_check(m, f, err, sizeof err);

		FUZZ_CHECK(rc == 0 || rc == -1, "check returned %d", rc);
		FUZZ_CHECK((rc == 0) == (err[0] == '\0'), "message %d: result %d with text \"%s\"", m, rc,
		           err);
		if (m == 0 || m == 5)
			FUZZ_CHECK(rc == -1, "ESCertKE message %d does not exist but passed", m);
		FUZZ_CHECK(kx_escertke_check(m, f, tiny, sizeof tiny) == rc && strlen(tiny) < sizeof tiny,
		           "a short error buffer changed the result");
		FUZZ_CHECK(kx_escertke_check(m, f, NULL, 0) == rc, "no error buffer changed the result");
	}
}

/* The record reading of buf, read with the direction in state ccs. */
static void check_stream(const uint8_t *buf, size_t len, int ccs)
{
	struct kx_tls_direction dir = {ccs};
	struct kx_tls_flight f;
	char err[256] = "";
	int rc = kx_tls_parse_stream(buf, len, &dir, &f, err, sizeof err);
	size_t pos = 0, hs_len = 0, msg_len = 0;
	uint8_t *hs, *msgs;
	int saw_ccs = 0;

	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && err[0] != '\0', "a refused flight has no reason");
		FUZZ_CHECK(dir.ccs_sent == ccs, "a refused flight changed the direction state");
		FUZZ_CHECK(f.n_items == 0 && f.n_records == 0 && f.items == NULL && f.records == NULL,
		           "a refused flight left items");
		return;
	}
	FUZZ_CHECK(!f.dtls && !f.bare, "a TLS stream read as DTLS or bare");
	hs = malloc(len + 1);
	msgs = malloc(len + 1);
	FUZZ_CHECK(hs != NULL && msgs != NULL, "out of memory");
	for (size_t r = 0; r < f.n_records; r++) {
		const struct kx_tls_record *rec = &f.records[r];

		FUZZ_CHECK(rec->offset == pos, "record %zu is at %zu, the previous one ended at %zu", r,
		           rec->offset, pos);
		FUZZ_CHECK(len - pos >= 5u + rec->length, "record %zu runs past the input", r);
		FUZZ_CHECK(buf[pos] == rec->content_type &&
		               (uint16_t)(buf[pos + 1] << 8 | buf[pos + 2]) == rec->version,
		           "record %zu's header is not what the input says", r);
		/* Handshake payloads before this record's direction changed cipher spec. */
		if (rec->content_type == KX_CT_HANDSHAKE && !ccs && !saw_ccs) {
			memcpy(hs + hs_len, buf + pos + 5, rec->length);
			hs_len += rec->length;
		}
		if (rec->content_type == KX_CT_CHANGE_CIPHER_SPEC)
			saw_ccs = 1;
		pos += 5u + rec->length;
	}
	FUZZ_CHECK(pos == len, "the records cover %zu of %zu bytes", pos, len);

	for (size_t i = 0; i < f.n_items; i++) {
		const struct kx_tls_item *item = &f.items[i];

		FUZZ_CHECK(item->record < f.n_records, "item %zu points at record %zu of %zu", i,
		           item->record, f.n_records);
		FUZZ_CHECK(item->n_records >= 1 && item->record + item->n_records <= f.n_records,
		           "item %zu spans records %zu+%zu of %zu", i, item->record, item->n_records,
		           f.n_records);
		FUZZ_CHECK(f.records[item->record].content_type == item->content_type,
		           "item %zu is of content type %u, its record of %u", i, item->content_type,
		           f.records[item->record].content_type);
		FUZZ_CHECK(item->body != NULL, "item %zu has no body", i);
		FUZZ_CHECK(item->offset < len, "item %zu is at %zu of %zu bytes", i, item->offset, len);
		if (item->content_type == KX_CT_HANDSHAKE && !item->encrypted) {
			/* Rebuilt with its 4-byte header, to compare with the records. */
			FUZZ_CHECK(msg_len + 4 + item->length <= len, "handshake messages outgrow the input");
			msgs[msg_len] = item->handshake_type;
			msgs[msg_len + 1] = (uint8_t)(item->length >> 16);
			msgs[msg_len + 2] = (uint8_t)(item->length >> 8);
			msgs[msg_len + 3] = (uint8_t)item->length;
			memcpy(msgs + msg_len + 4, item->body, item->length);
			msg_len += 4 + item->length;
		}
		if (item->msg == KX_MSG_ALERT && !item->encrypted)
			FUZZ_CHECK(item->length == 2 && item->alert_level == item->body[0] &&
			               item->alert_description == item->body[1],
			           "alert %zu does not hold its level and description", i);
		if (item->msg == KX_MSG_CHANGE_CIPHER_SPEC)
			FUZZ_CHECK(dir.ccs_sent, "a ChangeCipherSpec left the direction unchanged");
		if (item->encrypted && item->msg == KX_MSG_FINISHED)
			FUZZ_CHECK(ccs || i > 0, "the first item is encrypted in a fresh direction");
	}
	FUZZ_CHECK(msg_len == hs_len && memcmp(msgs, hs, hs_len) == 0,
	           "the handshake messages (%zu bytes) are not the handshake records' payloads (%zu bytes)",
	           msg_len, hs_len);
	FUZZ_CHECK(ccs == 0 || dir.ccs_sent == 1, "a direction forgot its ChangeCipherSpec");
	check_names(&f);
	check_escertke(&f);
	free(hs);
	free(msgs);
	kx_tls_flight_free(&f);
	FUZZ_CHECK(f.items == NULL && f.n_items == 0, "kx_tls_flight_free left items");
}

static void check_bare(const uint8_t *buf, size_t len)
{
	struct kx_tls_flight f;
	char err[256] = "";
	size_t pos = 0;

	if (kx_tls_parse_bare(buf, len, &f, err, sizeof err) != 0) {
		FUZZ_CHECK(err[0] != '\0' && f.n_items == 0 && f.items == NULL,
		           "a refused bare flight is inconsistent");
		return;
	}
	FUZZ_CHECK(f.bare && f.n_records == 0, "a bare flight has records");
	for (size_t i = 0; i < f.n_items; i++) {
		const struct kx_tls_item *item = &f.items[i];

		FUZZ_CHECK(item->offset == pos && buf[pos] == item->handshake_type &&
		               be24(buf + pos + 1) == item->length,
		           "bare message %zu is not the header at %zu", i, pos);
		FUZZ_CHECK(item->msg != KX_MSG_UNKNOWN_HANDSHAKE, "a bare flight holds an unknown type");
		FUZZ_CHECK(memcmp(item->body, buf + pos + 4, item->length) == 0,
		           "bare message %zu's body differs", i);
		pos += 4 + item->length;
	}
	FUZZ_CHECK(pos == len && len > 0, "bare messages cover %zu of %zu bytes", pos, len);
	check_escertke(&f);
	kx_tls_flight_free(&f);
}

static void check_escertke_parse(const uint8_t *buf, size_t len)
{
	struct kx_tls_direction dir = {0}, stream_dir = {0};
	struct kx_tls_flight f, stream;
	char err[256] = "";
	int stream_rc = kx_tls_parse_stream(buf, len, &stream_dir, &stream, err, sizeof err);
	int rc = kx_escertke_parse(buf, len, &dir, &f, err, sizeof err);

	if (stream_rc == 0) {
		FUZZ_CHECK(rc == 0 && !f.bare && f.n_items == stream.n_items &&
		               f.n_records == stream.n_records,
		           "kx_escertke_parse did not take the record reading");
		FUZZ_CHECK(dir.ccs_sent == stream_dir.ccs_sent, "the two readings leave different states");
	} else if (rc == 0) {
		FUZZ_CHECK(f.bare, "records that do not read were read as records");
		FUZZ_CHECK(dir.ccs_sent == 0, "a bare reading changed the direction state");
	}
	if (stream_rc == 0)
		kx_tls_flight_free(&stream);
	if (rc == 0)
		kx_tls_flight_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_stream(data, size, 0);
	check_stream(data, size, 1);
	check_bare(data, size);
	check_escertke_parse(data, size);
	return 0;
}
