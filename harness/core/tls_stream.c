/* tls_stream.c - reading TLS 1.2 flights from the record-layer bytes one
 * direction of a connection wrote (RFC 5246 6.2), and handshake messages
 * written without records (the spec point 8 variant of an ESCertKE message).
 * The DTLS reader is dtls_datagrams.c; what both build is tls_flight.c's.
 *
 * The bytes come from a vendor's implementation or from a capture, so every
 * length is checked against what is actually there before it is used, and
 * nothing is allocated from a declared length that the input could not fill.
 * Nothing is decrypted: after ChangeCipherSpec a direction's handshake
 * records are opaque, and the only handshake message TLS 1.2 sends there is
 * Finished, so that is what they are called (marked encrypted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_order.h"
#include "errors.h"
#include "tls_flight.h"
#include "tls_records.h"

#define TLS_RECORD_HEADER 5
#define TLS_HANDSHAKE_HEADER 4

/* Handshake bytes received so far that do not yet make a whole message. */
struct pending {
	uint8_t *buf;
	size_t len, cap;
	size_t offset; /* stream offset of the first pending message's header */
	size_t record; /* index of the record that header is in */
};

static void describe_pending(const struct pending *pd, char *buf, size_t cap)
{
	char what[64];

	if (pd->len < TLS_HANDSHAKE_HEADER) {
		snprintf(buf, cap, "the handshake header at offset %zu (%zu of 4 bytes received)", pd->offset,
		         pd->len);
		return;
	}
	if (kx_tls_handshake_msg(pd->buf[0]) == KX_MSG_UNKNOWN_HANDSHAKE)
		snprintf(what, sizeof what, "a handshake message of unknown type %u", pd->buf[0]);
	else
		snprintf(what, sizeof what, "the %s handshake message",
		         kx_tls_msg_name(kx_tls_handshake_msg(pd->buf[0])));
	snprintf(buf, cap, "%s at offset %zu (it declares %u bytes, %zu received)", what, pd->offset,
	         (unsigned)kx_be24(pd->buf + 1), pd->len - TLS_HANDSHAKE_HEADER);
}

/* Adds a handshake record's payload to the pending bytes and turns every
 * whole message into an item. Messages may be coalesced in one record or
 * split over several (RFC 5246 6.2.1). */
static int tls_handshake(struct kx_tls_flight *f, struct pending *pd, size_t payload_offset,
                         const uint8_t *payload, size_t len, char *err, size_t errlen)
{
	size_t current = f->n_records - 1;
	size_t p = 0;

	if (pd->len == 0) {
		pd->offset = payload_offset;
		pd->record = current;
	}
	if (pd->cap - pd->len < len) {
		/* Bounded by the input: each record adds at most KX_TLS_RECORD_MAX bytes. */
		size_t cap = pd->len + len;
		uint8_t *more = realloc(pd->buf, cap);

		if (more == NULL)
			return kx_flight_out_of_memory(err, errlen);
		pd->buf = more;
		pd->cap = cap;
	}
	memcpy(pd->buf + pd->len, payload, len);
	pd->len += len;

	while (pd->len - p >= TLS_HANDSHAKE_HEADER) {
		uint8_t type = pd->buf[p];
		size_t body_len = kx_be24(pd->buf + p + 1);
		struct kx_tls_item *item;

		if (body_len > pd->len - p - TLS_HANDSHAKE_HEADER)
			break;
		item = kx_flight_add_item(f, kx_tls_handshake_msg(type), KX_CT_HANDSHAKE,
		                          pd->buf + p + TLS_HANDSHAKE_HEADER, body_len);
		if (item == NULL)
			return kx_flight_out_of_memory(err, errlen);
		item->handshake_type = type;
		/* Only the first message can have begun in an earlier record:
		 * it was incomplete before this one, so every later header is here. */
		if (p == 0) {
			item->offset = pd->offset;
			item->record = pd->record;
		} else {
			item->offset = payload_offset + (p - (pd->len - len));
			item->record = current;
		}
		item->n_records = current - item->record + 1;
		p += TLS_HANDSHAKE_HEADER + body_len;
	}
	if (p > 0) {
		memmove(pd->buf, pd->buf + p, pd->len - p);
		pd->len -= p;
		pd->offset = payload_offset + (len - pd->len);
		pd->record = current;
	}
	return 0;
}

static int tls_record(const uint8_t *buf, size_t len, size_t *pos, struct kx_tls_direction *st,
                      struct pending *pd, struct kx_tls_flight *f, char *err, size_t errlen)
{
	static const struct kx_flight_place pl = {0, 0};
	size_t offset = *pos, avail = len - offset;
	const uint8_t *h = buf + offset, *payload = h + TLS_RECORD_HEADER;
	struct kx_tls_record *rec;
	uint8_t type;
	uint32_t version, rlen;
	char what[160];

	if (avail < TLS_RECORD_HEADER)
		return kx_errorf(err, errlen, "record header at offset %zu is truncated: %zu of 5 bytes",
		                 offset, avail);
	type = h[0];
	version = kx_be16(h + 1);
	rlen = kx_be16(h + 3);
	/* SSL 3.0 to TLS 1.2 all write major 3; ClientHello records often say 0x0301. */
	if (h[1] != 3 || h[2] > 3)
		return kx_errorf(
		    err, errlen,
		    "record at offset %zu has version 0x%04x, not TLS (0x0300..0x0303): not a record header",
		    offset, (unsigned)version);
	if (rlen > KX_TLS_RECORD_MAX)
		return kx_errorf(
		    err, errlen,
		    "record at offset %zu declares %u bytes, more than the TLS 1.2 maximum of 18432", offset,
		    (unsigned)rlen);
	if (rlen > avail - TLS_RECORD_HEADER)
		return kx_errorf(err, errlen,
		                 "record at offset %zu is truncated: it declares %u bytes, %zu follow",
		                 offset, (unsigned)rlen, avail - TLS_RECORD_HEADER);
	if (rlen == 0 && type >= KX_CT_CHANGE_CIPHER_SPEC && type <= KX_CT_HANDSHAKE)
		return kx_errorf(err, errlen, "%s record at offset %zu is empty (RFC 5246 6.2.1 forbids it)",
		                 kx_tls_record_name(type), offset);
	/* A handshake message must be whole before any other content type. */
	if (pd->len > 0 && type != KX_CT_HANDSHAKE) {
		describe_pending(pd, what, sizeof what);
		return kx_errorf(err, errlen, "%s record at offset %zu interrupts %s",
		                 kx_tls_record_name(type), offset, what);
	}
	rec = kx_flight_add_record(f);
	if (rec == NULL)
		return kx_flight_out_of_memory(err, errlen);
	rec->content_type = type;
	rec->version = (uint16_t)version;
	rec->length = (uint16_t)rlen;
	rec->offset = offset;
	*pos = offset + TLS_RECORD_HEADER + rlen;

	switch (type) {
	case KX_CT_HANDSHAKE:
		if (st->ccs_sent)
			return kx_flight_add_encrypted(f, KX_MSG_FINISHED, type, payload, rlen, 0, offset, err, errlen);
		return tls_handshake(f, pd, offset + TLS_RECORD_HEADER, payload, rlen, err, errlen);
	case KX_CT_CHANGE_CIPHER_SPEC:
		return kx_flight_change_cipher_spec(f, &pl, offset, payload, rlen, st->ccs_sent, st, err,
		                                    errlen);
	case KX_CT_ALERT:
		return kx_flight_alerts(f, &pl, offset, payload, rlen, st->ccs_sent, err, errlen);
	}
	return kx_flight_opaque_record(f, &pl, offset, type, payload, rlen, err, errlen);
}

int kx_tls_parse_stream(const uint8_t *buf, size_t len, struct kx_tls_direction *dir,
                        struct kx_tls_flight *out, char *err, size_t errlen)
{
	struct kx_tls_direction st = *dir; /* *dir changes only if the whole flight reads */
	struct pending pd = {NULL, 0, 0, 0, 0};
	size_t pos = 0;
	int rc = 0;
	char what[160];

	memset(out, 0, sizeof *out);
	while (rc == 0 && pos < len)
		rc = tls_record(buf, len, &pos, &st, &pd, out, err, errlen);
	if (rc == 0 && pd.len > 0) {
		describe_pending(&pd, what, sizeof what);
		rc =
		    kx_errorf(err, errlen,
		              "the flight ends inside %s: a handshake message longer than its records", what);
	}
	free(pd.buf);
	if (rc != 0) {
		kx_tls_flight_free(out);
		return -1;
	}
	*dir = st;
	return 0;
}

/* ---- bare handshake messages ------------------------------------------- */

int kx_tls_parse_bare(const uint8_t *buf, size_t len, struct kx_tls_flight *out, char *err, size_t errlen)
{
	size_t pos = 0;

	memset(out, 0, sizeof *out);
	out->bare = 1;
	if (len == 0)
		return kx_errorf(err, errlen, "no bytes, so no handshake message");
	while (pos < len) {
		size_t avail = len - pos, body_len;
		struct kx_tls_item *item;
		uint8_t type;

		if (avail < TLS_HANDSHAKE_HEADER) {
			kx_tls_flight_free(out);
			return kx_errorf(err, errlen,
			                 "handshake header at offset %zu is truncated: %zu of 4 bytes", pos,
			                 avail);
		}
		type = buf[pos];
		body_len = kx_be24(buf + pos + 1);
		/* Without a record layer to frame them, an unknown type means these are not handshake
		 * messages. */
		if (kx_tls_handshake_msg(type) == KX_MSG_UNKNOWN_HANDSHAKE) {
			kx_tls_flight_free(out);
			return kx_errorf(err, errlen, "byte %u at offset %zu is not a TLS 1.2 handshake type",
			                 type, pos);
		}
		if (body_len > avail - TLS_HANDSHAKE_HEADER) {
			kx_tls_flight_free(out);
			return kx_errorf(err, errlen, "%s at offset %zu declares %zu bytes, %zu follow",
			                 kx_tls_msg_name(kx_tls_handshake_msg(type)), pos, body_len,
			                 avail - TLS_HANDSHAKE_HEADER);
		}
		item = kx_flight_add_item(out, kx_tls_handshake_msg(type), KX_CT_HANDSHAKE,
		                          buf + pos + TLS_HANDSHAKE_HEADER, body_len);
		if (item == NULL) {
			kx_tls_flight_free(out);
			return kx_flight_out_of_memory(err, errlen);
		}
		item->handshake_type = type;
		item->record = 0;
		item->n_records = 0;
		item->offset = pos;
		pos += TLS_HANDSHAKE_HEADER + body_len;
	}
	out->bare = 1;
	return 0;
}
