/* tls_flight.h - building a struct kx_tls_flight: what the TLS stream reader
 * (tls_stream.c), the DTLS datagram reader (dtls_datagrams.c) and the message
 * names (tls_msg_names.c) share, so that both readers record records and
 * items, and read ChangeCipherSpec, Alert and opaque records, the same way.
 * Internal to those files: use tls_records.h instead. */
#ifndef KX_TLS_FLIGHT_H
#define KX_TLS_FLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "tls_records.h"

/* TLSCiphertext.length may exceed 2^14 by the cipher's expansion (RFC 5246 6.2.3). */
#define KX_TLS_RECORD_MAX (16384 + 2048)

/* Returns what a handshake message of HandshakeType type is (KX_MSG_UNKNOWN_HANDSHAKE for a type
 * TLS 1.2 does not define). */
enum kx_tls_msg kx_tls_handshake_msg(uint8_t type);

/* Returns the name of a record content type ("Handshake"), "unknown" for others. */
const char *kx_tls_record_name(uint8_t content_type);

/* Appends a zeroed record; NULL when memory runs out. */
struct kx_tls_record *kx_flight_add_record(struct kx_tls_flight *f);

/* Appends an item with a copy of its body, attributed to the latest record;
 * callers adjust the position fields. The pointer is valid until the next add. NULL when memory
 * runs out. */
struct kx_tls_item *kx_flight_add_item(struct kx_tls_flight *f, enum kx_tls_msg msg, uint8_t content_type,
                                       const uint8_t *body, size_t len);

/* Where a problem is, in the words of the error texts. */
struct kx_flight_place {
	int dtls;
	size_t datagram;
};

/* Appends an encrypted item (a copy of its record's payload, which cannot be read) at datagram and
 * offset; 0, or -1 with err when memory runs out. */
int kx_flight_add_encrypted(struct kx_tls_flight *f, enum kx_tls_msg msg, uint8_t content_type,
                            const uint8_t *payload, size_t len, size_t datagram, size_t offset, char *err,
                            size_t errlen);

/* Writes "offset N" (TLS) or "datagram D offset N" (DTLS) into buf and returns buf. */
const char *kx_flight_at(const struct kx_flight_place *pl, size_t offset, char *buf, size_t cap);

/* Writes the reader's out-of-memory error into err; returns -1. */
int kx_flight_out_of_memory(char *err, size_t errlen);

/* Reads a ChangeCipherSpec record (encrypted: the direction had already changed cipher spec) and
 * marks the direction as changed; 0, or -1 with err. */
int kx_flight_change_cipher_spec(struct kx_tls_flight *f, const struct kx_flight_place *pl, size_t offset,
                                 const uint8_t *payload, size_t len, int encrypted,
                                 struct kx_tls_direction *st, char *err, size_t errlen);

/* Reads an Alert record: each 2-byte alert an item, or one opaque item when encrypted; 0, or -1
 * with err. */
int kx_flight_alerts(struct kx_tls_flight *f, const struct kx_flight_place *pl, size_t offset,
                     const uint8_t *payload, size_t len, int encrypted, char *err, size_t errlen);

/* Reads an ApplicationData record or one of an unknown content type as one opaque item; 0, or -1
 * with err. */
int kx_flight_opaque_record(struct kx_tls_flight *f, const struct kx_flight_place *pl, size_t offset,
                            uint8_t content_type, const uint8_t *payload, size_t len, char *err,
                            size_t errlen);

#endif
