/* dtls_datagrams.c - reading DTLS 1.2 flights from the datagrams one direction
 * of a conversation sent (RFC 6347 4.1 and 4.2.2): records that each header
 * says are protected or not (its epoch), and handshake messages put back
 * together from fragments that may arrive in any order, overlap, or repeat.
 * The TLS reader is tls_stream.c; what both build is tls_flight.c's.
 *
 * As for TLS, every length is checked against the datagram before it is
 * used, and no message is allocated larger than the whole flight. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_order.h"
#include "growable.h"
#include "errors.h"
#include "tls_flight.h"
#include "tls_records.h"

#define DTLS_RECORD_HEADER 13
#define DTLS_HANDSHAKE_HEADER 12

/* One handshake message being put together from its fragments. Its body
 * belongs to the flight's item from the first fragment on, which also
 * fixes the message's place in the order. */
struct dtls_message {
	uint16_t message_seq;
	uint8_t type;
	uint32_t length;
	uint8_t *have; /* one byte per body byte: received yet? */
	uint32_t received;
	size_t item;
};

struct reassembly {
	struct dtls_message *msgs;
	size_t n, cap;
	size_t flight_bytes; /* no message can be longer than the whole flight */
};

static void reassembly_free(struct reassembly *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->msgs[i].have);
	free(r->msgs);
}

static struct dtls_message *find_message(struct reassembly *r, uint16_t message_seq)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->msgs[i].message_seq == message_seq)
			return &r->msgs[i];
	return NULL;
}

static struct dtls_message *new_message(struct reassembly *r, struct kx_tls_flight *f, const uint8_t *h,
                                        const struct kx_flight_place *pl, size_t offset)
{
	struct dtls_message *m;
	struct kx_tls_item *item;

	if (KX_GROW(r->msgs, r->cap, r->n + 1) != 0)
		return NULL;
	m = &r->msgs[r->n];
	m->type = h[0];
	m->length = kx_be24(h + 1);
	m->message_seq = (uint16_t)kx_be16(h + 4);
	m->received = 0;
	m->have = calloc(m->length + 1, 1);
	if (m->have == NULL)
		return NULL;
	/* The body is filled in as fragments arrive; zeroes until then. */
	item = kx_flight_add_item(f, kx_tls_handshake_msg(m->type), KX_CT_HANDSHAKE, NULL, 0);
	if (item == NULL) {
		free(m->have);
		return NULL;
	}
	free(item->body);
	item->body = calloc(m->length + 1, 1);
	if (item->body == NULL) {
		f->n_items--;
		free(m->have);
		return NULL;
	}
	item->length = m->length;
	item->handshake_type = m->type;
	item->message_seq = m->message_seq;
	item->n_records = 0;
	item->datagram = pl->datagram;
	item->offset = offset;
	m->item = f->n_items - 1;
	r->n++;
	return m;
}

/* One handshake fragment (RFC 6347 4.2.2) at payload[p..]; sets *used. */
static int dtls_fragment(struct kx_tls_flight *f, struct reassembly *r, const struct kx_flight_place *pl,
                         size_t offset, const uint8_t *h, size_t avail, size_t *used, char *err,
                         size_t errlen)
{
	uint32_t length, frag_offset, frag_len;
	uint16_t message_seq;
	struct dtls_message *m;
	struct kx_tls_item *item;
	char w[64];

	if (avail < DTLS_HANDSHAKE_HEADER)
		return kx_errorf(err, errlen, "handshake fragment header at %s is truncated: %zu of 12 bytes",
		                 kx_flight_at(pl, offset, w, sizeof w), avail);
	length = kx_be24(h + 1);
	message_seq = (uint16_t)kx_be16(h + 4);
	frag_offset = kx_be24(h + 6);
	frag_len = kx_be24(h + 9);
	if (frag_len > avail - DTLS_HANDSHAKE_HEADER)
		return kx_errorf(
		    err, errlen, "handshake fragment at %s declares %u bytes, its record holds %zu more",
		    kx_flight_at(pl, offset, w, sizeof w), (unsigned)frag_len, avail - DTLS_HANDSHAKE_HEADER);
	/* Each value is below 2^24, so the sum cannot overflow. */
	if (frag_offset + frag_len > length)
		return kx_errorf(
		    err, errlen,
		    "handshake fragment at %s covers bytes %u..%u of a %u-byte %s: outside the message",
		    kx_flight_at(pl, offset, w, sizeof w), (unsigned)frag_offset,
		    (unsigned)(frag_offset + frag_len), (unsigned)length,
		    kx_tls_msg_name(kx_tls_handshake_msg(h[0])));
	m = find_message(r, message_seq);
	if (m == NULL) {
		if (length > r->flight_bytes)
			return kx_errorf(
			    err, errlen, "%s at %s declares %u bytes, more than the whole flight (%zu bytes)",
			    kx_tls_msg_name(kx_tls_handshake_msg(h[0])),
			    kx_flight_at(pl, offset, w, sizeof w), (unsigned)length, r->flight_bytes);
		m = new_message(r, f, h, pl, offset);
		if (m == NULL)
			return kx_flight_out_of_memory(err, errlen);
	} else if (m->type != h[0] || m->length != length) {
		return kx_errorf(err, errlen,
		                 "handshake fragment at %s says message_seq %u is a %u-byte %s; an earlier "
		                 "fragment said a "
		                 "%u-byte %s",
		                 kx_flight_at(pl, offset, w, sizeof w), (unsigned)message_seq,
		                 (unsigned)length, kx_tls_msg_name(kx_tls_handshake_msg(h[0])),
		                 (unsigned)m->length, kx_tls_msg_name(kx_tls_handshake_msg(m->type)));
	}
	item = &f->items[m->item];
	/* Fragments may overlap (retransmission, a smaller MTU); overlapping
	 * bytes must agree, or the message would depend on arrival order. */
	for (uint32_t i = 0; i < frag_len; i++) {
		uint32_t j = frag_offset + i;
		uint8_t byte = h[DTLS_HANDSHAKE_HEADER + i];

		if (m->have[j] && item->body[j] != byte)
			return kx_errorf(
			    err, errlen,
			    "handshake fragment at %s contradicts an earlier fragment at byte %u of %s",
			    kx_flight_at(pl, offset, w, sizeof w), (unsigned)j, kx_tls_msg_name(item->msg));
		if (!m->have[j]) {
			m->have[j] = 1;
			item->body[j] = byte;
			m->received++;
		}
	}
	item->n_records++;
	*used = DTLS_HANDSHAKE_HEADER + frag_len;
	return 0;
}

static int dtls_record(const struct kx_chunk *dgram, struct kx_flight_place *pl, size_t *pos,
                       struct kx_tls_direction *st, struct reassembly *r, struct kx_tls_flight *f, char *err,
                       size_t errlen)
{
	size_t offset = *pos, avail = dgram->len - offset;
	const uint8_t *h = dgram->data + offset, *payload = h + DTLS_RECORD_HEADER;
	struct kx_tls_record *rec;
	uint32_t version, epoch, rlen;
	uint8_t type;
	char w[64];

	if (avail < DTLS_RECORD_HEADER)
		return kx_errorf(err, errlen, "record header at %s is truncated: %zu of 13 bytes",
		                 kx_flight_at(pl, offset, w, sizeof w), avail);
	type = h[0];
	version = kx_be16(h + 1);
	epoch = kx_be16(h + 3);
	rlen = kx_be16(h + 11);
	/* DTLS 1.2 peers may write 0xFEFF (DTLS 1.0) before the version is agreed. */
	if (version != 0xFEFD && version != 0xFEFF)
		return kx_errorf(
		    err, errlen,
		    "record at %s has version 0x%04x, not DTLS (0xFEFF, 0xFEFD): not a record header",
		    kx_flight_at(pl, offset, w, sizeof w), (unsigned)version);
	if (rlen > KX_TLS_RECORD_MAX)
		return kx_errorf(err, errlen,
		                 "record at %s declares %u bytes, more than the DTLS 1.2 maximum of 18432",
		                 kx_flight_at(pl, offset, w, sizeof w), (unsigned)rlen);
	if (rlen > avail - DTLS_RECORD_HEADER)
		return kx_errorf(
		    err, errlen,
		    "record at %s is truncated: it declares %u bytes, %zu follow in the datagram",
		    kx_flight_at(pl, offset, w, sizeof w), (unsigned)rlen, avail - DTLS_RECORD_HEADER);
	if (rlen == 0 && type >= KX_CT_CHANGE_CIPHER_SPEC && type <= KX_CT_HANDSHAKE)
		return kx_errorf(err, errlen, "%s record at %s is empty (RFC 5246 6.2.1 forbids it)",
		                 kx_tls_record_name(type), kx_flight_at(pl, offset, w, sizeof w));
	rec = kx_flight_add_record(f);
	if (rec == NULL)
		return kx_flight_out_of_memory(err, errlen);
	rec->content_type = type;
	rec->version = (uint16_t)version;
	rec->epoch = (uint16_t)epoch;
	rec->sequence = (uint64_t)kx_be16(h + 5) << 32 | (uint64_t)kx_be16(h + 7) << 16 | kx_be16(h + 9);
	rec->length = (uint16_t)rlen;
	rec->datagram = pl->datagram;
	rec->offset = offset;
	*pos = offset + DTLS_RECORD_HEADER + rlen;

	/* DTLS says in each header whether a record is protected: after
	 * ChangeCipherSpec the epoch goes up, while a retransmitted message of
	 * the earlier flight is still epoch 0 and readable. */
	switch (type) {
	case KX_CT_HANDSHAKE:
		if (epoch > 0)
			return kx_flight_add_encrypted(f, KX_MSG_FINISHED, type, payload, rlen, pl->datagram, offset, err,
			                               errlen);
		for (size_t p = 0, used = 0; p < rlen; p += used)
			if (dtls_fragment(f, r, pl, offset + DTLS_RECORD_HEADER + p, payload + p, rlen - p,
			                  &used, err, errlen) != 0)
				return -1;
		return 0;
	case KX_CT_CHANGE_CIPHER_SPEC:
		return kx_flight_change_cipher_spec(f, pl, offset, payload, rlen, epoch > 0, st, err, errlen);
	case KX_CT_ALERT:
		return kx_flight_alerts(f, pl, offset, payload, rlen, epoch > 0, err, errlen);
	}
	return kx_flight_opaque_record(f, pl, offset, type, payload, rlen, err, errlen);
}

int kx_dtls_parse_datagrams(const struct kx_chunks *datagrams, struct kx_tls_direction *dir,
                            struct kx_tls_flight *out, char *err, size_t errlen)
{
	struct kx_tls_direction st = *dir;
	struct reassembly r = {NULL, 0, 0, kx_chunks_total(datagrams)};
	struct kx_flight_place pl = {1, 0};
	int rc = 0;
	char w[64];

	memset(out, 0, sizeof *out);
	out->dtls = 1;
	for (size_t d = 0; rc == 0 && d < datagrams->n; d++) {
		pl.datagram = d;
		for (size_t pos = 0; rc == 0 && pos < datagrams->items[d].len;)
			rc = dtls_record(&datagrams->items[d], &pl, &pos, &st, &r, out, err, errlen);
	}
	for (size_t i = 0; rc == 0 && i < r.n; i++) {
		const struct dtls_message *m = &r.msgs[i];
		const struct kx_tls_item *item = &out->items[m->item];

		if (m->received < m->length) {
			pl.datagram = item->datagram;
			rc = kx_errorf(
			    err, errlen,
			    "%s (message_seq %u) at %s is incomplete: %u of its %u bytes are in the flight",
			    kx_tls_msg_name(item->msg), (unsigned)m->message_seq,
			    kx_flight_at(&pl, item->offset, w, sizeof w), (unsigned)m->received,
			    (unsigned)m->length);
		}
	}
	reassembly_free(&r);
	if (rc != 0) {
		kx_tls_flight_free(out);
		return -1;
	}
	*dir = st;
	return 0;
}
