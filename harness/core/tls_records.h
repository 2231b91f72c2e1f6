/* tls_records.h - what a TLS 1.2 or DTLS 1.2 flight contains, read from its
 * record-layer bytes without decrypting anything, and the check of an
 * ESCertKE message against TS-0003 Table 8.7.2.2-1.
 *
 * A flight becomes a list of records and an ordered list of items: the
 * handshake messages reassembled across records (TLS) or fragments (DTLS),
 * and the ChangeCipherSpec, Alert, ApplicationData and unknown records.
 *
 * One header for one type and its readers; the code is in one file per idea:
 * tls_stream.c (TLS streams, bare handshake messages), dtls_datagrams.c (DTLS
 * datagrams), tls_flight.c (the flight they build, kx_tls_flight_free),
 * tls_msg_names.c (names and summaries) and escertke_check.c (ESCertKE
 * messages and Table 8.7.2.2-1). */
#ifndef KX_TLS_RECORDS_H
#define KX_TLS_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "chunks.h"

/* Record content types (RFC 5246 6.2.1). */
enum kx_tls_content_type {
	KX_CT_CHANGE_CIPHER_SPEC = 20,
	KX_CT_ALERT = 21,
	KX_CT_HANDSHAKE = 22,
	KX_CT_APPLICATION_DATA = 23
};

/* What an item is; kx_tls_msg_name gives the TLS name ("ServerHelloDone"). */
enum kx_tls_msg {
	KX_MSG_HELLO_REQUEST,
	KX_MSG_CLIENT_HELLO,
	KX_MSG_SERVER_HELLO,
	KX_MSG_HELLO_VERIFY_REQUEST,
	KX_MSG_NEW_SESSION_TICKET,
	KX_MSG_CERTIFICATE,
	KX_MSG_SERVER_KEY_EXCHANGE,
	KX_MSG_CERTIFICATE_REQUEST,
	KX_MSG_SERVER_HELLO_DONE,
	KX_MSG_CERTIFICATE_VERIFY,
	KX_MSG_CLIENT_KEY_EXCHANGE,
	KX_MSG_FINISHED,
	KX_MSG_CERTIFICATE_STATUS,
	KX_MSG_UNKNOWN_HANDSHAKE, /* a handshake type TLS 1.2 does not define */
	KX_MSG_CHANGE_CIPHER_SPEC,
	KX_MSG_ALERT,
	KX_MSG_APPLICATION_DATA,
	KX_MSG_UNKNOWN_RECORD, /* a content type other than 20..23 */
	KX_MSG_COUNT
};

struct kx_tls_record {
	uint8_t content_type;
	uint16_t version;  /* as on the wire: 0x0303 TLS 1.2, 0xFEFD DTLS 1.2 */
	uint16_t epoch;    /* DTLS only */
	uint64_t sequence; /* DTLS only: the 48-bit record sequence number */
	uint16_t length;   /* of the payload */
	size_t datagram;   /* DTLS: index of the datagram holding it; TLS: 0 */
	size_t offset;     /* of the record header, in the TLS stream or the DTLS datagram */
};

struct kx_tls_item {
	enum kx_tls_msg msg;
	uint8_t content_type;
	uint8_t handshake_type; /* the msg_type byte of a plaintext handshake message */
	int encrypted;          /* sent after ChangeCipherSpec: the name is inferred, the bytes are opaque */
	int alert_level;        /* plaintext Alert: 1 warning, 2 fatal; otherwise -1 */
	int alert_description;  /* plaintext Alert: RFC 5246 7.2 number; otherwise -1 */
	uint8_t *body;          /* plaintext handshake: the body without header; otherwise the payload */
	size_t length;          /* of body */
	uint16_t message_seq;   /* DTLS handshake message_seq */
	size_t record;          /* index in kx_tls_flight.records of the first record carrying it */
	size_t n_records;       /* records (TLS) or fragments (DTLS) that carried it */
	size_t datagram;        /* DTLS: datagram of its first header; TLS: 0 */
	size_t offset;          /* of its first header (handshake or record), in the stream or datagram */
};

struct kx_tls_flight {
	int dtls;
	int bare; /* 1: read as handshake messages without record headers (spec README point 8 variant) */
	struct kx_tls_record *records;
	size_t n_records, cap_records;
	struct kx_tls_item *items;
	size_t n_items, cap_items;
};

/* What one direction of a connection has sent so far, carried from flight to
 * flight by the caller: after ChangeCipherSpec its handshake records are encrypted. */
struct kx_tls_direction {
	int ccs_sent;
};

/* Returns the TLS name of msg ("ClientHello", "ChangeCipherSpec", "Unknown"). */
const char *kx_tls_msg_name(enum kx_tls_msg msg);

/* Writes the item's report name ("Certificate", "Alert(fatal, handshake_failure)",
 * "Unknown(handshake type 99)") into out (capacity cap); returns its length as snprintf does. */
int kx_tls_item_name(const struct kx_tls_item *item, char *out, size_t cap);

/* Parses len bytes of TLS 1.2 records written in one direction, updating *dir on success; returns 0 and fills
 * *out (free with kx_tls_flight_free), or -1 with the problem and its byte offset in err. */
int kx_tls_parse_stream(const uint8_t *buf, size_t len, struct kx_tls_direction *dir,
                        struct kx_tls_flight *out, char *err, size_t errlen);

/* Parses DTLS 1.2 datagrams (each one or more records) written in one direction, updating *dir on success;
 * returns 0 and fills *out, or -1 with the problem, its datagram and byte offset in err. */
int kx_dtls_parse_datagrams(const struct kx_chunks *datagrams, struct kx_tls_direction *dir,
                            struct kx_tls_flight *out, char *err, size_t errlen);

/* Parses len bytes as TLS handshake messages with no record layer (out->bare set); returns 0,
 * or -1 with the problem and its byte offset in err. */
int kx_tls_parse_bare(const uint8_t *buf, size_t len, struct kx_tls_flight *out, char *err, size_t errlen);

/* Parses an ESCertKE message as TLS records or, failing that, as bare handshake messages (the
 * spec point 8 variant, out->bare set); returns 0, or -1 with the record parser's error. */
int kx_escertke_parse(const uint8_t *msg, size_t len, struct kx_tls_direction *dir, struct kx_tls_flight *out,
                      char *err, size_t errlen);

/* Returns 0 if the flight is what Table 8.7.2.2-1 allows for ESCertKE message `message` (1..4),
 * or -1 with every deviation named, separated by "; ", in err. */
int kx_escertke_check(int message, const struct kx_tls_flight *flight, char *err, size_t errlen);

/* Writes the flight's item names separated by ", " ("(empty)" if none) into out (capacity cap,
 * always terminated); returns the full length as snprintf does. */
int kx_tls_flight_summary(const struct kx_tls_flight *flight, char *out, size_t cap);

/* Frees what a parse put in *flight and leaves it empty; flight may be NULL. */
void kx_tls_flight_free(struct kx_tls_flight *flight);

#endif
