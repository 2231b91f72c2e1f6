/* relay.h - the runner as the wire between two end-points: it steps each
 * driver's session with the other's last flight, records every flight, can
 * damage one flight on purpose, and for ESCertKE carries the messages in
 * NOTIFY primitives (TS-0001 11.4.3) checked against Table 8.7.2.2-1. */
#ifndef KX_RELAY_H
#define KX_RELAY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chunks.h"
#include "runner/drivers/driver_pool.h"

#define KX_MAX_FLIGHTS 24

struct kx_tls_direction;

enum kx_fault_kind {
	KX_FAULT_NONE,
	KX_FAULT_DROP,      /* the flight never arrives */
	KX_FAULT_TRUNCATE,  /* only its first half arrives */
	KX_FAULT_FLIP_BIT,  /* one bit in its middle byte is inverted */
	KX_FAULT_REORDER,   /* its records (TLS) or datagrams (DTLS) arrive in reverse order */
	KX_FAULT_REPLAY,    /* it arrives again, ahead of the next flight to the same end */
	KX_FAULT_DUPLICATE, /* it arrives twice in a row */
};

struct kx_fault {
	enum kx_fault_kind kind;
	int flight; /* 1-based number of the flight to damage */
};

/* Parses a fault name ("drop", "flip-bit", ...); 0, or -1 if unknown. */
int kx_fault_from_name(const char *name, enum kx_fault_kind *kind);

/* TLS: how the relay lays out the plaintext handshake records of a flight (the records axis). */
enum kx_records_layout {
	KX_RECORDS_LIBRARY,   /* as the sending library wrote them */
	KX_RECORDS_COALESCED, /* consecutive handshake records of a flight merged, up to 2^14 bytes each */
	KX_RECORDS_SPLIT,     /* re-framed into records of at most KX_SPLIT_FRAGMENT bytes */
};

/* The largest fragment of a handshake record the split layout writes. */
#define KX_SPLIT_FRAGMENT 100

/* Parses a layout name ("library", "coalesced", "split"); 0, or -1 if unknown. */
int kx_records_from_name(const char *name, enum kx_records_layout *layout);

struct kx_flight_record {
	int number;         /* 1-based, in relay order */
	int from_initiator; /* 1: initiator -> terminator */
	uint64_t at_us;     /* wall-clock time it was relayed, microseconds since the epoch */
	struct kx_chunks chunks; /* the bytes delivered (after any fault) */
	size_t written;     /* bytes the sender wrote */
	char summary[256];  /* its TLS items: "ServerHello, Certificate, ..." */
	char fault[200];    /* what the runner did to it; empty if nothing */
	/* What the relay did that is no damage: re-framed its records (the records axis), or fired the
	 * retransmission timer of its sender, which then sent it (DTLS loss recovery); empty if nothing. */
	char relayed[200];
	int escertke_message; /* 1..4 for ESCertKE, else 0 */
	int application_data; /* 1: records of application data after the handshake */
	char text[128];       /* application data: the text that was sent */
	char *primitive;      /* ESCertKE: the NOTIFY primitive (JSON text) that carried it */
};

enum kx_end_state { KX_END_HANDSHAKING, KX_END_DONE, KX_END_FAILED };

struct kx_end_result {
	enum kx_end_state state;
	char error[512];        /* the library's text when it failed */
	char alert_sent[40];    /* alert description names, empty if none */
	char alert_received[40];
};

enum kx_relay_outcome {
	KX_RELAY_DONE,     /* both ends finished the handshake */
	KX_RELAY_FAILED,   /* an end (or the ESCertKE transport) refused */
	KX_RELAY_STALLED,  /* no end had anything to send, not both finished */
	KX_RELAY_ERROR,    /* a driver failed (crash, timeout, protocol error) or the case ran out of time */
};

struct kx_relay {
	/* Inputs. */
	struct kx_driver_pool *pool;
	size_t initiator, terminator;          /* driver indexes in the pool */
	char initiator_session[224], terminator_session[224];
	int dtls;
	struct kx_fault fault;
	int escertke;                          /* carry flights 1..4 in NOTIFY primitives */
	char initiator_id[256], terminator_id[256];
	char message3_from[256];               /* ESCertKE: a From for message 3 other than the initiator's */
	/* ESCertKE: [1] the initiator, [0] the terminator: its driver writes and reads the NOTIFY
	 * primitives itself (hello feature "notify-endpoint"); otherwise the relay wraps its flights. */
	int notify_ends[2];
	/* ESCertKE: a primitive-level fault for the receiving end-point to refuse: "sit", "eckm-not-base64",
	 * "eckm-bare", "no-from", "rqi-of-message1", applied to message notify_damage_message. */
	char notify_damage[32];
	int notify_damage_message;
	int timeout_ms;                        /* the whole handshake's limit; 0: none */
	enum kx_records_layout records;        /* TLS: the plaintext handshake records' layout */
	/* DTLS loss recovery (RFC 6347 4.2.4): a stall is met by firing the retransmission timers of the
	 * ends (driver op "timeout") rather than ending the handshake. */
	int recover;

	/* Outputs. */
	struct kx_flight_record flights[KX_MAX_FLIGHTS];
	size_t n_flights;
	struct kx_end_result initiator_result, terminator_result;
	enum kx_relay_outcome outcome;
	char rejected_by[16];     /* "initiator", "terminator" or "" */
	char diagnosis[1024];     /* why it did not finish, in words */
	char deviations[1024];    /* Table 8.7.2.2-1 or NOTIFY deviations, "; "-separated */
	/* Internal: the primitive the last step answered with, and the one to give the next step. */
	char *sent_primitive, *next_primitive;
	int ccs_passed[2];   /* [1]: the initiator's ChangeCipherSpec has been relayed (records after it are encrypted) */
	int timer_firings;   /* retransmission timers fired so far */
};

/* Wall-clock microseconds since the epoch, as flights are timed. */
uint64_t kx_relay_now_us(void);

/* "initiator" (initiator not 0) or "terminator". */
const char *kx_relay_end_name(int initiator);

/* Reads the answer to a `step` or `timeout` request: with a state, fills out and end (its state;
 * its error and alerts where the answer names them) and returns 0; else -1 with why (what was
 * wrong with the answer, or the driver's error). The answer stays the caller's. */
int kx_relay_read_step(json_t *response, struct kx_chunks *out, struct kx_end_result *end, char *why,
                       size_t whylen);

/* Steps session on driver `driver` with in (a `step` request): on an answer with a state, fills
 * out and end (its state; its error and alerts where the answer names them) and returns 0; else
 * -1 with why (what was wrong with the answer, or the driver's error). */
int kx_relay_step_end(struct kx_driver_pool *pool, size_t driver, const char *session,
                      const struct kx_chunks *in, struct kx_chunks *out, struct kx_end_result *end, char *why,
                      size_t whylen);

/* The same for an ESCertKE end-point that reads and writes NOTIFY primitives: primitive_in (when not
 * NULL) goes instead of the flight, and *primitive_out receives the primitive it answered with
 * (malloc'd; NULL when none). */
int kx_relay_step_notify(struct kx_driver_pool *pool, size_t driver, const char *session,
                         const struct kx_chunks *in, const char *primitive_in, struct kx_chunks *out,
                         char **primitive_out, struct kx_end_result *end, char *why, size_t whylen);

/* The driver request that opens session with config (new reference; config is not taken). */
json_t *kx_relay_open_request(const char *session, json_t *config);

/* The driver request for session's info, exporting 48 bytes with label when label is not NULL. */
json_t *kx_relay_info_request(const char *session, const char *label);

/* The driver request that closes session. */
json_t *kx_relay_close_request(const char *session);

/* Appends a record of a flight from `from_initiator`'s end to the relay's log (its number, time
 * and the bytes sent written, nothing else: chunks, summary and the rest are the caller's);
 * NULL when the log is full. */
struct kx_flight_record *kx_relay_new_flight(struct kx_relay *relay, int from_initiator,
                                             const struct kx_chunks *sent);

/* What the relay keeps of a parser's reason when a flight does not parse (all of it). */
#define KX_RELAY_SUMMARY_WHY_MAX 200

/* Names the TLS items of the flight sent, as its sender wrote them, in record->summary; a flight
 * that does not parse as (D)TLS records is said so with at most why_max characters of why. */
void kx_relay_summarise(const struct kx_relay *relay, struct kx_flight_record *record,
                        const struct kx_chunks *sent, struct kx_tls_direction *direction, int why_max);

/* " after flight N was <what the runner did>" for the last damaged flight, or "" (out, capacity len). */
void kx_relay_fault_context(const struct kx_relay *relay, char *out, size_t len);

/* Records a flight of application data carrying text (the chunks are copied); NULL when the log is full. */
struct kx_flight_record *kx_relay_record_text(struct kx_relay *relay, int from_initiator, const char *text,
                                              const struct kx_chunks *records);

/* Plays the handshake to its end; fills the outputs. Never fails itself:
 * every problem is an outcome with a diagnosis. */
void kx_relay_run(struct kx_relay *relay);

/* Text each end sends after the handshake, so that decryption is visible in a capture. */
#define KX_APP_TEXT_FROM_INITIATOR "kxconform application data from the initiator"
#define KX_APP_TEXT_FROM_TERMINATOR "kxconform application data from the terminator"

/* After a completed handshake, has each end send its known text to the other
 * and checks that it arrives; records both flights. Returns 0, or -1 with the
 * problem in diagnosis. */
int kx_relay_exchange_application_data(struct kx_relay *relay);

/* Frees the recorded flights. */
void kx_relay_free(struct kx_relay *relay);

/* TLS (relay_records.c): re-frames the plaintext handshake records of a flight from
 * record->from_initiator's end as relay->records says, until that end's ChangeCipherSpec (what
 * follows is encrypted and stays as it is); says what it did in record->relayed. Returns 1 when
 * chunks changed (then one chunk), 0 when not. */
int kx_relay_reframe(struct kx_relay *relay, struct kx_flight_record *record, struct kx_chunks *chunks);

/* DTLS (relay_recovery.c): after a stall, fires the retransmission timer of the end that sent the
 * last flight, then of the other, until one sends something: 1 with it in *flight and its end in
 * *from_initiator (an end that failed instead is returned too, maybe with nothing to send); 0 when
 * neither sent anything, or too many timers were fired (outcome stalled, the diagnosis naming each
 * end that did not retransmit); -1 when a driver failed (outcome error). */
int kx_relay_recover(struct kx_relay *relay, int last_sender_is_initiator, struct kx_chunks *flight,
                     int *from_initiator);

#endif
