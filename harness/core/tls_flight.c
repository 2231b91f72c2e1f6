/* tls_flight.c - a flight as the record readers build it (tls_flight.h):
 * its records and items, and the record types TLS and DTLS read alike
 * (ChangeCipherSpec, Alert, ApplicationData and unknown content types).
 *
 * An item's body is always a copy, allocated from bytes that are there,
 * never from a length the input declares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "growable.h"
#include "tls_flight.h"
#include "tls_records.h"

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

struct kx_tls_record *kx_flight_add_record(struct kx_tls_flight *f)
{
	if (KX_GROW(f->records, f->cap_records, f->n_records + 1) != 0)
		return NULL;
	memset(&f->records[f->n_records], 0, sizeof f->records[0]);
	return &f->records[f->n_records++];
}

int kx_flight_add_encrypted(struct kx_tls_flight *f, enum kx_tls_msg msg, uint8_t content_type,
                            const uint8_t *payload, size_t len, size_t datagram, size_t offset, char *err,
                            size_t errlen)
{
	struct kx_tls_item *item = kx_flight_add_item(f, msg, content_type, payload, len);
	if (item == NULL)
		return kx_flight_out_of_memory(err, errlen);
	item->encrypted = 1;
	item->datagram = datagram;
	item->offset = offset;
	return 0;
}

/* Appends an item with a copy of its body, attributed to the latest record;
 * callers adjust the position fields. The pointer is valid until the next add. */
struct kx_tls_item *kx_flight_add_item(struct kx_tls_flight *f, enum kx_tls_msg msg, uint8_t content_type,
                                       const uint8_t *body, size_t len)
{
	struct kx_tls_item *item;

	if (KX_GROW(f->items, f->cap_items, f->n_items + 1) != 0)
		return NULL;
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

const char *kx_flight_at(const struct kx_flight_place *pl, size_t offset, char *buf, size_t cap)
{
	if (pl->dtls)
		snprintf(buf, cap, "datagram %zu offset %zu", pl->datagram, offset);
	else
		snprintf(buf, cap, "offset %zu", offset);
	return buf;
}

int kx_flight_out_of_memory(char *err, size_t errlen)
{
	return kx_errorf(err, errlen, "out of memory while reading the flight");
}

/* ChangeCipherSpec and Alert records read the same way in TLS and DTLS;
 * `encrypted` says whether the direction has already changed cipher spec. */
int kx_flight_change_cipher_spec(struct kx_tls_flight *f, const struct kx_flight_place *pl, size_t offset,
                                 const uint8_t *payload, size_t len, int encrypted,
                                 struct kx_tls_direction *st, char *err, size_t errlen)
{
	struct kx_tls_item *item;
	char w[64];

	/* A second ChangeCipherSpec (renegotiation) is protected by the first. */
	if (!encrypted && (len != 1 || payload[0] != 1))
		return kx_errorf(
		    err, errlen,
		    "ChangeCipherSpec record at %s holds %zu byte(s) starting 0x%02x; RFC 5246 7.1 requires "
		    "the single byte 0x01",
		    kx_flight_at(pl, offset, w, sizeof w), len, payload[0]);
	item = kx_flight_add_item(f, KX_MSG_CHANGE_CIPHER_SPEC, KX_CT_CHANGE_CIPHER_SPEC, payload, len);
	if (item == NULL)
		return kx_flight_out_of_memory(err, errlen);
	item->encrypted = encrypted;
	item->datagram = pl->datagram;
	item->offset = offset;
	st->ccs_sent = 1;
	return 0;
}

int kx_flight_alerts(struct kx_tls_flight *f, const struct kx_flight_place *pl, size_t offset,
                     const uint8_t *payload, size_t len, int encrypted, char *err, size_t errlen)
{
	struct kx_tls_item *item;
	char w[64];

	if (encrypted)
		return kx_flight_add_encrypted(f, KX_MSG_ALERT, KX_CT_ALERT, payload, len, pl->datagram, offset, err,
		                               errlen);
	/* A record may carry several 2-byte alerts, never half of one. */
	if (len % 2 != 0)
		return kx_errorf(err, errlen,
		                 "Alert record at %s holds %zu bytes, not a whole number of 2-byte alerts",
		                 kx_flight_at(pl, offset, w, sizeof w), len);
	for (size_t i = 0; i < len; i += 2) {
		item = kx_flight_add_item(f, KX_MSG_ALERT, KX_CT_ALERT, payload + i, 2);
		if (item == NULL)
			return kx_flight_out_of_memory(err, errlen);
		item->alert_level = payload[i];
		item->alert_description = payload[i + 1];
		item->datagram = pl->datagram;
		item->offset = offset;
	}
	return 0;
}

/* ApplicationData (always protected in a handshake's flights) and unknown content types. */
int kx_flight_opaque_record(struct kx_tls_flight *f, const struct kx_flight_place *pl, size_t offset,
                            uint8_t content_type, const uint8_t *payload, size_t len, char *err,
                            size_t errlen)
{
	int appdata = content_type == KX_CT_APPLICATION_DATA;
	struct kx_tls_item *item = kx_flight_add_item(
	    f, appdata ? KX_MSG_APPLICATION_DATA : KX_MSG_UNKNOWN_RECORD, content_type, payload, len);

	if (item == NULL)
		return kx_flight_out_of_memory(err, errlen);
	item->encrypted = appdata;
	item->datagram = pl->datagram;
	item->offset = offset;
	return 0;
}
