/* tls_records.c - reading TLS 1.2 and DTLS 1.2 flights from their
 * record-layer bytes, and checking ESCertKE messages against TS-0003
 * Table 8.7.2.2-1.
 *
 * The bytes come from a vendor's implementation or from a capture, so every
 * length is checked against what is actually there before it is used, and
 * nothing is allocated from a declared length that the input could not fill.
 * Nothing is decrypted: after ChangeCipherSpec a direction's handshake
 * records are opaque, and the only handshake message TLS 1.2 sends there is
 * Finished, so that is what they are called (marked encrypted). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_order.h"
#include "errors.h"
#include "tls_names.h"
#include "tls_records.h"

#define TLS_RECORD_HEADER 5
#define DTLS_RECORD_HEADER 13
#define TLS_HANDSHAKE_HEADER 4
#define DTLS_HANDSHAKE_HEADER 12
/* TLSCiphertext.length may exceed 2^14 by the cipher's expansion (RFC 5246 6.2.3). */
#define RECORD_MAX (16384 + 2048)

/* ---- names ------------------------------------------------------------- */

static const char *const msg_names[KX_MSG_COUNT] = {
    [KX_MSG_HELLO_REQUEST] = "HelloRequest",
    [KX_MSG_CLIENT_HELLO] = "ClientHello",
    [KX_MSG_SERVER_HELLO] = "ServerHello",
    [KX_MSG_HELLO_VERIFY_REQUEST] = "HelloVerifyRequest",
    [KX_MSG_NEW_SESSION_TICKET] = "NewSessionTicket",
    [KX_MSG_CERTIFICATE] = "Certificate",
    [KX_MSG_SERVER_KEY_EXCHANGE] = "ServerKeyExchange",
    [KX_MSG_CERTIFICATE_REQUEST] = "CertificateRequest",
    [KX_MSG_SERVER_HELLO_DONE] = "ServerHelloDone",
    [KX_MSG_CERTIFICATE_VERIFY] = "CertificateVerify",
    [KX_MSG_CLIENT_KEY_EXCHANGE] = "ClientKeyExchange",
    [KX_MSG_FINISHED] = "Finished",
    [KX_MSG_CERTIFICATE_STATUS] = "CertificateStatus",
    [KX_MSG_UNKNOWN_HANDSHAKE] = "Unknown",
    [KX_MSG_CHANGE_CIPHER_SPEC] = "ChangeCipherSpec",
    [KX_MSG_ALERT] = "Alert",
    [KX_MSG_APPLICATION_DATA] = "ApplicationData",
    [KX_MSG_UNKNOWN_RECORD] = "Unknown",
};

const char *kx_tls_msg_name(enum kx_tls_msg msg)
{
	return msg < KX_MSG_COUNT ? msg_names[msg] : "Unknown";
}

/* HandshakeType of RFC 5246 7.4, RFC 6347 4.3.2 (HelloVerifyRequest),
 * RFC 5077 (NewSessionTicket) and RFC 6066 (CertificateStatus). */
static enum kx_tls_msg handshake_msg(uint8_t type)
{
	switch (type) {
	case 0:
		return KX_MSG_HELLO_REQUEST;
	case 1:
		return KX_MSG_CLIENT_HELLO;
	case 2:
		return KX_MSG_SERVER_HELLO;
	case 3:
		return KX_MSG_HELLO_VERIFY_REQUEST;
	case 4:
		return KX_MSG_NEW_SESSION_TICKET;
	case 11:
		return KX_MSG_CERTIFICATE;
	case 12:
		return KX_MSG_SERVER_KEY_EXCHANGE;
	case 13:
		return KX_MSG_CERTIFICATE_REQUEST;
	case 14:
		return KX_MSG_SERVER_HELLO_DONE;
	case 15:
		return KX_MSG_CERTIFICATE_VERIFY;
	case 16:
		return KX_MSG_CLIENT_KEY_EXCHANGE;
	case 20:
		return KX_MSG_FINISHED;
	case 22:
		return KX_MSG_CERTIFICATE_STATUS;
	}
	return KX_MSG_UNKNOWN_HANDSHAKE;
}

static const char *record_name(uint8_t content_type)
{
	switch (content_type) {
	case KX_CT_CHANGE_CIPHER_SPEC:
		return "ChangeCipherSpec";
	case KX_CT_ALERT:
		return "Alert";
	case KX_CT_HANDSHAKE:
		return "Handshake";
	case KX_CT_APPLICATION_DATA:
		return "ApplicationData";
	}
	return "unknown";
}

int kx_tls_item_name(const struct kx_tls_item *item, char *out, size_t cap)
{
	const char *level, *description;

	switch (item->msg) {
	case KX_MSG_UNKNOWN_HANDSHAKE:
		return snprintf(out, cap, "Unknown(handshake type %u)", item->handshake_type);
	case KX_MSG_UNKNOWN_RECORD:
		return snprintf(out, cap, "Unknown(content type %u)", item->content_type);
	case KX_MSG_ALERT:
		if (item->encrypted)
			return snprintf(out, cap, "Alert(encrypted)");
		level = item->alert_level == 1 ? "warning" : item->alert_level == 2 ? "fatal" : NULL;
		description = kx_alert_name(item->alert_description);
		if (strcmp(description, "unknown") == 0)
			description = NULL;
		if (level != NULL && description != NULL)
			return snprintf(out, cap, "Alert(%s, %s)", level, description);
		if (level != NULL)
			return snprintf(out, cap, "Alert(%s, %d)", level, item->alert_description);
		if (description != NULL)
			return snprintf(out, cap, "Alert(level %d, %s)", item->alert_level, description);
		return snprintf(out, cap, "Alert(level %d, %d)", item->alert_level, item->alert_description);
	default:
		break;
	}
	return snprintf(out, cap, "%s", kx_tls_msg_name(item->msg));
}

/* ---- the flight -------------------------------------------------------- */

void kx_tls_flight_free(struct kx_tls_flight *flight)
{
	if (flight == NULL)
		return;
	for (size_t i = 0; i < flight->n_items; i++)
		free(flight->items[i].body);
	free(flight->items);
	free(flight->records);
	memset(flight, 0, sizeof *flight);
}

static struct kx_tls_record *add_record(struct kx_tls_flight *f)
{
	if (f->n_records == f->cap_records) {
		size_t cap = f->cap_records ? 2 * f->cap_records : 8;
		struct kx_tls_record *more = realloc(f->records, cap * sizeof *more);

		if (more == NULL)
			return NULL;
		f->records = more;
		f->cap_records = cap;
	}
	memset(&f->records[f->n_records], 0, sizeof f->records[0]);
	return &f->records[f->n_records++];
}

/* Appends an item with a copy of its body, attributed to the latest record;
 * callers adjust the position fields. The pointer is valid until the next add. */
static struct kx_tls_item *add_item(struct kx_tls_flight *f, enum kx_tls_msg msg, uint8_t content_type,
                                    const uint8_t *body, size_t len)
{
	struct kx_tls_item *item;

	if (f->n_items == f->cap_items) {
		size_t cap = f->cap_items ? 2 * f->cap_items : 8;
		struct kx_tls_item *more = realloc(f->items, cap * sizeof *more);

		if (more == NULL)
			return NULL;
		f->items = more;
		f->cap_items = cap;
	}
	item = &f->items[f->n_items];
	memset(item, 0, sizeof *item);
	/* malloc(0) may return NULL; one spare byte keeps "no memory" unambiguous. */
	item->body = malloc(len + 1);
	if (item->body == NULL)
		return NULL;
	if (len > 0)
		memcpy(item->body, body, len);
	f->n_items++;
	item->msg = msg;
	item->content_type = content_type;
	item->length = len;
	item->alert_level = -1;
	item->alert_description = -1;
	item->record = f->n_records - 1;
	item->n_records = 1;
	return item;
}

/* Where a problem is, in the words of the error texts. */
struct place {
	int dtls;
	size_t datagram;
};

static const char *at(const struct place *pl, size_t offset, char *buf, size_t cap)
{
	if (pl->dtls)
		snprintf(buf, cap, "datagram %zu offset %zu", pl->datagram, offset);
	else
		snprintf(buf, cap, "offset %zu", offset);
	return buf;
}

static int out_of_memory(char *err, size_t errlen)
{
	return kx_errorf(err, errlen, "out of memory while reading the flight");
}

/* ChangeCipherSpec and Alert records read the same way in TLS and DTLS;
 * `encrypted` says whether the direction has already changed cipher spec. */
static int change_cipher_spec(struct kx_tls_flight *f, const struct place *pl, size_t offset,
                              const uint8_t *payload, size_t len, int encrypted, struct kx_tls_direction *st,
                              char *err, size_t errlen)
{
	struct kx_tls_item *item;
	char w[64];

	/* A second ChangeCipherSpec (renegotiation) is protected by the first. */
	if (!encrypted && (len != 1 || payload[0] != 1))
		return kx_errorf(
		    err, errlen,
		    "ChangeCipherSpec record at %s holds %zu byte(s) starting 0x%02x; RFC 5246 7.1 requires "
		    "the single byte 0x01",
		    at(pl, offset, w, sizeof w), len, payload[0]);
	item = add_item(f, KX_MSG_CHANGE_CIPHER_SPEC, KX_CT_CHANGE_CIPHER_SPEC, payload, len);
	if (item == NULL)
		return out_of_memory(err, errlen);
	item->encrypted = encrypted;
	item->datagram = pl->datagram;
	item->offset = offset;
	st->ccs_sent = 1;
	return 0;
}

static int alerts(struct kx_tls_flight *f, const struct place *pl, size_t offset, const uint8_t *payload,
                  size_t len, int encrypted, char *err, size_t errlen)
{
	struct kx_tls_item *item;
	char w[64];

	if (encrypted) {
		item = add_item(f, KX_MSG_ALERT, KX_CT_ALERT, payload, len);
		if (item == NULL)
			return out_of_memory(err, errlen);
		item->encrypted = 1;
		item->datagram = pl->datagram;
		item->offset = offset;
		return 0;
	}
	/* A record may carry several 2-byte alerts, never half of one. */
	if (len % 2 != 0)
		return kx_errorf(err, errlen,
		                 "Alert record at %s holds %zu bytes, not a whole number of 2-byte alerts",
		                 at(pl, offset, w, sizeof w), len);
	for (size_t i = 0; i < len; i += 2) {
		item = add_item(f, KX_MSG_ALERT, KX_CT_ALERT, payload + i, 2);
		if (item == NULL)
			return out_of_memory(err, errlen);
		item->alert_level = payload[i];
		item->alert_description = payload[i + 1];
		item->datagram = pl->datagram;
		item->offset = offset;
	}
	return 0;
}

/* ApplicationData (always protected in a handshake's flights) and unknown content types. */
static int opaque_record(struct kx_tls_flight *f, const struct place *pl, size_t offset, uint8_t content_type,
                         const uint8_t *payload, size_t len, char *err, size_t errlen)
{
	int appdata = content_type == KX_CT_APPLICATION_DATA;
	struct kx_tls_item *item = add_item(f, appdata ? KX_MSG_APPLICATION_DATA : KX_MSG_UNKNOWN_RECORD,
	                                    content_type, payload, len);

	if (item == NULL)
		return out_of_memory(err, errlen);
	item->encrypted = appdata;
	item->datagram = pl->datagram;
	item->offset = offset;
	return 0;
}

/* ---- TLS --------------------------------------------------------------- */

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
	if (handshake_msg(pd->buf[0]) == KX_MSG_UNKNOWN_HANDSHAKE)
		snprintf(what, sizeof what, "a handshake message of unknown type %u", pd->buf[0]);
	else
		snprintf(what, sizeof what, "the %s handshake message",
		         kx_tls_msg_name(handshake_msg(pd->buf[0])));
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
		/* Bounded by the input: each record adds at most RECORD_MAX bytes. */
		size_t cap = pd->len + len;
		uint8_t *more = realloc(pd->buf, cap);

		if (more == NULL)
			return out_of_memory(err, errlen);
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
		item = add_item(f, handshake_msg(type), KX_CT_HANDSHAKE, pd->buf + p + TLS_HANDSHAKE_HEADER,
		                body_len);
		if (item == NULL)
			return out_of_memory(err, errlen);
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
	static const struct place pl = {0, 0};
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
	if (rlen > RECORD_MAX)
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
		                 record_name(type), offset);
	/* A handshake message must be whole before any other content type. */
	if (pd->len > 0 && type != KX_CT_HANDSHAKE) {
		describe_pending(pd, what, sizeof what);
		return kx_errorf(err, errlen, "%s record at offset %zu interrupts %s", record_name(type),
		                 offset, what);
	}
	rec = add_record(f);
	if (rec == NULL)
		return out_of_memory(err, errlen);
	rec->content_type = type;
	rec->version = (uint16_t)version;
	rec->length = (uint16_t)rlen;
	rec->offset = offset;
	*pos = offset + TLS_RECORD_HEADER + rlen;

	switch (type) {
	case KX_CT_HANDSHAKE:
		if (st->ccs_sent) {
			struct kx_tls_item *item = add_item(f, KX_MSG_FINISHED, type, payload, rlen);

			if (item == NULL)
				return out_of_memory(err, errlen);
			item->encrypted = 1;
			item->offset = offset;
			return 0;
		}
		return tls_handshake(f, pd, offset + TLS_RECORD_HEADER, payload, rlen, err, errlen);
	case KX_CT_CHANGE_CIPHER_SPEC:
		return change_cipher_spec(f, &pl, offset, payload, rlen, st->ccs_sent, st, err, errlen);
	case KX_CT_ALERT:
		return alerts(f, &pl, offset, payload, rlen, st->ccs_sent, err, errlen);
	}
	return opaque_record(f, &pl, offset, type, payload, rlen, err, errlen);
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

/* ---- DTLS -------------------------------------------------------------- */

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
                                        const struct place *pl, size_t offset)
{
	struct dtls_message *m;
	struct kx_tls_item *item;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		struct dtls_message *more = realloc(r->msgs, cap * sizeof *more);

		if (more == NULL)
			return NULL;
		r->msgs = more;
		r->cap = cap;
	}
	m = &r->msgs[r->n];
	m->type = h[0];
	m->length = kx_be24(h + 1);
	m->message_seq = (uint16_t)kx_be16(h + 4);
	m->received = 0;
	m->have = calloc(m->length + 1, 1);
	if (m->have == NULL)
		return NULL;
	/* The body is filled in as fragments arrive; zeroes until then. */
	item = add_item(f, handshake_msg(m->type), KX_CT_HANDSHAKE, NULL, 0);
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
static int dtls_fragment(struct kx_tls_flight *f, struct reassembly *r, const struct place *pl, size_t offset,
                         const uint8_t *h, size_t avail, size_t *used, char *err, size_t errlen)
{
	uint32_t length, frag_offset, frag_len;
	uint16_t message_seq;
	struct dtls_message *m;
	struct kx_tls_item *item;
	char w[64];

	if (avail < DTLS_HANDSHAKE_HEADER)
		return kx_errorf(err, errlen, "handshake fragment header at %s is truncated: %zu of 12 bytes",
		                 at(pl, offset, w, sizeof w), avail);
	length = kx_be24(h + 1);
	message_seq = (uint16_t)kx_be16(h + 4);
	frag_offset = kx_be24(h + 6);
	frag_len = kx_be24(h + 9);
	if (frag_len > avail - DTLS_HANDSHAKE_HEADER)
		return kx_errorf(
		    err, errlen, "handshake fragment at %s declares %u bytes, its record holds %zu more",
		    at(pl, offset, w, sizeof w), (unsigned)frag_len, avail - DTLS_HANDSHAKE_HEADER);
	/* Each value is below 2^24, so the sum cannot overflow. */
	if (frag_offset + frag_len > length)
		return kx_errorf(
		    err, errlen,
		    "handshake fragment at %s covers bytes %u..%u of a %u-byte %s: outside the message",
		    at(pl, offset, w, sizeof w), (unsigned)frag_offset, (unsigned)(frag_offset + frag_len),
		    (unsigned)length, kx_tls_msg_name(handshake_msg(h[0])));
	m = find_message(r, message_seq);
	if (m == NULL) {
		if (length > r->flight_bytes)
			return kx_errorf(err, errlen,
			                 "%s at %s declares %u bytes, more than the whole flight (%zu bytes)",
			                 kx_tls_msg_name(handshake_msg(h[0])), at(pl, offset, w, sizeof w),
			                 (unsigned)length, r->flight_bytes);
		m = new_message(r, f, h, pl, offset);
		if (m == NULL)
			return out_of_memory(err, errlen);
	} else if (m->type != h[0] || m->length != length) {
		return kx_errorf(err, errlen,
		                 "handshake fragment at %s says message_seq %u is a %u-byte %s; an earlier "
		                 "fragment said a "
		                 "%u-byte %s",
		                 at(pl, offset, w, sizeof w), (unsigned)message_seq, (unsigned)length,
		                 kx_tls_msg_name(handshake_msg(h[0])), (unsigned)m->length,
		                 kx_tls_msg_name(handshake_msg(m->type)));
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
			    at(pl, offset, w, sizeof w), (unsigned)j, kx_tls_msg_name(item->msg));
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

static int dtls_record(const struct kx_chunk *dgram, struct place *pl, size_t *pos,
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
		                 at(pl, offset, w, sizeof w), avail);
	type = h[0];
	version = kx_be16(h + 1);
	epoch = kx_be16(h + 3);
	rlen = kx_be16(h + 11);
	/* DTLS 1.2 peers may write 0xFEFF (DTLS 1.0) before the version is agreed. */
	if (version != 0xFEFD && version != 0xFEFF)
		return kx_errorf(
		    err, errlen,
		    "record at %s has version 0x%04x, not DTLS (0xFEFF, 0xFEFD): not a record header",
		    at(pl, offset, w, sizeof w), (unsigned)version);
	if (rlen > RECORD_MAX)
		return kx_errorf(err, errlen,
		                 "record at %s declares %u bytes, more than the DTLS 1.2 maximum of 18432",
		                 at(pl, offset, w, sizeof w), (unsigned)rlen);
	if (rlen > avail - DTLS_RECORD_HEADER)
		return kx_errorf(
		    err, errlen,
		    "record at %s is truncated: it declares %u bytes, %zu follow in the datagram",
		    at(pl, offset, w, sizeof w), (unsigned)rlen, avail - DTLS_RECORD_HEADER);
	if (rlen == 0 && type >= KX_CT_CHANGE_CIPHER_SPEC && type <= KX_CT_HANDSHAKE)
		return kx_errorf(err, errlen, "%s record at %s is empty (RFC 5246 6.2.1 forbids it)",
		                 record_name(type), at(pl, offset, w, sizeof w));
	rec = add_record(f);
	if (rec == NULL)
		return out_of_memory(err, errlen);
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
		if (epoch > 0) {
			struct kx_tls_item *item = add_item(f, KX_MSG_FINISHED, type, payload, rlen);

			if (item == NULL)
				return out_of_memory(err, errlen);
			item->encrypted = 1;
			item->datagram = pl->datagram;
			item->offset = offset;
			return 0;
		}
		for (size_t p = 0, used = 0; p < rlen; p += used)
			if (dtls_fragment(f, r, pl, offset + DTLS_RECORD_HEADER + p, payload + p, rlen - p,
			                  &used, err, errlen) != 0)
				return -1;
		return 0;
	case KX_CT_CHANGE_CIPHER_SPEC:
		return change_cipher_spec(f, pl, offset, payload, rlen, epoch > 0, st, err, errlen);
	case KX_CT_ALERT:
		return alerts(f, pl, offset, payload, rlen, epoch > 0, err, errlen);
	}
	return opaque_record(f, pl, offset, type, payload, rlen, err, errlen);
}

int kx_dtls_parse_datagrams(const struct kx_chunks *datagrams, struct kx_tls_direction *dir,
                            struct kx_tls_flight *out, char *err, size_t errlen)
{
	struct kx_tls_direction st = *dir;
	struct reassembly r = {NULL, 0, 0, kx_chunks_total(datagrams)};
	struct place pl = {1, 0};
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
			    at(&pl, item->offset, w, sizeof w), (unsigned)m->received, (unsigned)m->length);
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
		if (handshake_msg(type) == KX_MSG_UNKNOWN_HANDSHAKE) {
			kx_tls_flight_free(out);
			return kx_errorf(err, errlen, "byte %u at offset %zu is not a TLS 1.2 handshake type",
			                 type, pos);
		}
		if (body_len > avail - TLS_HANDSHAKE_HEADER) {
			kx_tls_flight_free(out);
			return kx_errorf(err, errlen, "%s at offset %zu declares %zu bytes, %zu follow",
			                 kx_tls_msg_name(handshake_msg(type)), pos, body_len,
			                 avail - TLS_HANDSHAKE_HEADER);
		}
		item = add_item(out, handshake_msg(type), KX_CT_HANDSHAKE, buf + pos + TLS_HANDSHAKE_HEADER,
		                body_len);
		if (item == NULL) {
			kx_tls_flight_free(out);
			return out_of_memory(err, errlen);
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

int kx_escertke_parse(const uint8_t *msg, size_t len, struct kx_tls_direction *dir, struct kx_tls_flight *out,
                      char *err, size_t errlen)
{
	char ignored[8];

	if (kx_tls_parse_stream(msg, len, dir, out, err, errlen) == 0)
		return 0;
	/* The two forms cannot be confused: a record starts with a content type
	 * 20..23 and version 3.x, a bare message with a handshake type and the
	 * high byte of a 24-bit length, 0 for any real handshake message. */
	if (kx_tls_parse_bare(msg, len, out, ignored, sizeof ignored) == 0)
		return 0;
	return -1;
}

/* ---- Table 8.7.2.2-1 --------------------------------------------------- */

struct slot {
	enum kx_tls_msg msg;
	int required;
};

/* The success case of TS-0003 Table 8.7.2.2-1, in order. '*' (depends on the
 * suite) is optional here. ChangeCipherSpec is bracketed in the table, being
 * a record-layer message, but required: the reference reading of an ESCertKE
 * message is the record-layer bytes (spec README point 8), and Finished
 * cannot be sent without it. ESCertKE authenticates both end-points (spec
 * README point 12): CertificateRequest in message 2 and a client Certificate
 * holding a certificate, then CertificateVerify, in message 3 are required,
 * whatever the star says of other suites. */
static const struct slot message1[] = {{KX_MSG_CLIENT_HELLO, 1}};
static const struct slot message2[] = {{KX_MSG_SERVER_HELLO, 1},
                                       {KX_MSG_CERTIFICATE, 0},
                                       {KX_MSG_SERVER_KEY_EXCHANGE, 0},
                                       {KX_MSG_CERTIFICATE_REQUEST, 1},
                                       {KX_MSG_SERVER_HELLO_DONE, 1}};
static const struct slot message3[] = {{KX_MSG_CERTIFICATE, 1},
                                       {KX_MSG_CLIENT_KEY_EXCHANGE, 0},
                                       {KX_MSG_CERTIFICATE_VERIFY, 1},
                                       {KX_MSG_CHANGE_CIPHER_SPEC, 1},
                                       {KX_MSG_FINISHED, 1}};
static const struct slot message4[] = {{KX_MSG_CHANGE_CIPHER_SPEC, 1}, {KX_MSG_FINISHED, 1}};

static const struct {
	const struct slot *slots;
	size_t n;
	const char *order;
} table[4] = {
    {message1, 1, "ClientHello"},
    {message2, 5, "ServerHello, Certificate*, ServerKeyExchange*, CertificateRequest*, ServerHelloDone"},
    {message3, 5, "Certificate*, ClientKeyExchange*, CertificateVerify, [ChangeCipherSpec], Finished"},
    {message4, 2, "[ChangeCipherSpec], Finished"},
};

/* The deviations found so far, "; "-separated in the caller's buffer. */
struct deviations {
	char *buf;
	size_t cap, len;
	int count;
};

static void deviation(struct deviations *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void deviation(struct deviations *d, const char *fmt, ...)
{
	va_list args;
	int n;

	d->count++;
	if (d->buf == NULL || d->len + 1 >= d->cap)
		return;
	if (d->count > 1) {
		n = snprintf(d->buf + d->len, d->cap - d->len, "; ");
		d->len = n < 0 || (size_t)n >= d->cap - d->len ? d->cap - 1 : d->len + (size_t)n;
	}
	va_start(args, fmt);
	n = vsnprintf(d->buf + d->len, d->cap - d->len, fmt, args);
	va_end(args);
	d->len = n < 0 || (size_t)n >= d->cap - d->len ? d->cap - 1 : d->len + (size_t)n;
}

/* A Certificate whose certificate_list is empty: a client without a certificate. */
static int empty_certificate(const struct kx_tls_item *item)
{
	return !item->encrypted && item->length == 3 && kx_be24(item->body) == 0;
}

int kx_escertke_check(int message, const struct kx_tls_flight *flight, char *err, size_t errlen)
{
	struct deviations d = {err, errlen, 0, 0};
	int seen[5] = {0, 0, 0, 0, 0};
	int client_certificate = 0;
	size_t last = 0;
	char name[64], last_name[64] = "";

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (message < 1 || message > 4)
		return kx_errorf(err, errlen, "ESCertKE message %d does not exist: the messages are 1..4",
		                 message);
	if (flight->bare)
		deviation(&d,
		          "bare handshake messages without TLS record headers (spec point 8 variant), not "
		          "interoperable");
	if (flight->n_items == 0)
		deviation(&d, "ESCertKE message %d is empty", message);

	for (size_t i = 0; i < flight->n_items; i++) {
		const struct kx_tls_item *item = &flight->items[i];
		size_t k = 0;

		kx_tls_item_name(item, name, sizeof name);
		while (k < table[message - 1].n && table[message - 1].slots[k].msg != item->msg)
			k++;
		if (k == table[message - 1].n) {
			deviation(&d, "%s in ESCertKE message %d is not in Table 8.7.2.2-1", name, message);
			continue;
		}
		if (seen[k])
			deviation(&d, "%s appears more than once in ESCertKE message %d", name, message);
		else if (k < last)
			deviation(&d, "%s after %s in ESCertKE message %d: Table 8.7.2.2-1 orders %s", name,
			          last_name, message, table[message - 1].order);
		seen[k] = 1;
		if (k >= last) {
			last = k;
			memcpy(last_name, name, sizeof name);
		}
		if (message == 3 && item->msg == KX_MSG_CERTIFICATE && !empty_certificate(item))
			client_certificate = 1;
	}

	for (size_t k = 0; k < table[message - 1].n; k++) {
		enum kx_tls_msg msg = table[message - 1].slots[k].msg;

		if (seen[k] || (flight->bare && msg == KX_MSG_CHANGE_CIPHER_SPEC))
			continue; /* a bare flight cannot hold one; the variant is already named */
		if (message == 2 && msg == KX_MSG_CERTIFICATE_REQUEST)
			deviation(&d, "ESCertKE message 2 lacks CertificateRequest: the Terminating End-Point does "
			              "not ask for the Initiating End-Point's certificate, and ESCertKE authenticates "
			              "both end-points (Table 8.7.2.2-1, spec point 12)");
		else if (message == 3 && msg == KX_MSG_CERTIFICATE)
			deviation(&d, "ESCertKE message 3 lacks the Initiating End-Point's Certificate: it does not "
			              "authenticate (Table 8.7.2.2-1, spec point 12)");
		else if (table[message - 1].slots[k].required)
			deviation(&d, "ESCertKE message %d lacks %s, which Table 8.7.2.2-1 requires", message,
			          kx_tls_msg_name(msg));
	}
	if (message == 3 && seen[0] && !client_certificate)
		deviation(&d, "ESCertKE message 3 holds an empty Certificate: the Initiating End-Point sends "
		              "no certificate and does not authenticate (Table 8.7.2.2-1, spec point 12)");
	if (message == 3 && seen[2] && !client_certificate)
		deviation(&d, "CertificateVerify in ESCertKE message 3 without a client certificate before "
		              "it (RFC 5246 7.4.8)");
	return d.count == 0 ? 0 : -1;
}

int kx_tls_flight_summary(const struct kx_tls_flight *flight, char *out, size_t cap)
{
	size_t total = 0;
	char name[64];

	if (cap > 0)
		out[0] = '\0';
	if (flight->n_items == 0)
		return snprintf(out, cap, "(empty)");
	for (size_t i = 0; i < flight->n_items; i++) {
		kx_tls_item_name(&flight->items[i], name, sizeof name);
		/* Appends within cap, counting the full length as snprintf does. */
		if (total < cap)
			snprintf(out + total, cap - total, "%s%s", i > 0 ? ", " : "", name);
		total += (i > 0 ? 2 : 0) + strlen(name);
	}
	return (int)total;
}
