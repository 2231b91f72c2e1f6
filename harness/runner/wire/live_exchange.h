/* live_exchange.h - the wire of `kxconform live`: the harness's end of a
 * scenario, a session in a reference driver, played against a vendor's
 * end-point over a real socket (net_peer.h), the vendor program launched
 * beside it when asked (vendor_program.h), every flight recorded as the
 * matrix's relay records it (relay.h). The command (options, judging, the
 * report) is commands/cmd_live.c. */
#ifndef KX_LIVE_EXCHANGE_H
#define KX_LIVE_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/chunks.h"
#include "core/tls_records.h"
#include "runner/drivers/driver_pool.h"
#include "runner/judge/claims.h"
#include "runner/wire/net_peer.h"
#include "runner/wire/relay.h"
#include "runner/wire/vendor_program.h"

/* Everything about one live run. */
struct kx_live {
	struct kx_driver_pool pool;
	size_t harness, other; /* driver indexes: the harness's end, the other library */
	int client, dtls;
	int timeout_ms;    /* reaching the vendor, and the handshake */
	int claim_wait_ms; /* the vendor program's output matching the claim patterns */
	char session[256];
	char id[192];
	struct kx_net_conn conn;
	struct kx_vendor vendor;
	int launched;
	struct kx_claims claims;
	struct kx_relay relay; /* the flights, as the matrix records them (initiator = client) */
	struct kx_tls_direction directions[2];
	struct kx_chunks pending;   /* what the vendor sent since the harness last wrote */
	uint64_t pending_at_us;     /* when its first byte arrived: the recorded flight's time */
	uint64_t first_at_us;       /* DTLS server: when the datagram that opened the conversation came */
	/* What the vendor sent since the harness's end last answered with a flight of its own (the
	 * wire's retransmissions are not answers): its bytes, and the recorded flights holding them. */
	size_t unanswered_bytes;
	int unanswered_first, unanswered_last;
	int own_flight;             /* the number of the harness's end's last flight (not a resend) */
	struct kx_chunks last_sent; /* the harness's last handshake flight, for DTLS retransmission */
	long long last_sent_at;
	int retransmit_ms, retransmits;
	int heard;         /* the vendor has sent something */
	int not_listening; /* DTLS: the last send met a closed port (ICMP port unreachable) */
	int not_reachable; /* DTLS: nothing listened at all, and nothing was launched to */
	int socket_closed;
	json_t *info;     /* the harness end's session info */
	json_t *received; /* application data the vendor sent, as read */
};

/* Returns the result of the harness's end (the relay's initiator when the harness is the client). */
struct kx_end_result *kx_live_own_result(struct kx_live *l);

/* Reaches the vendor: connects (retrying while a launched vendor is not listening yet) or waits for
 * it to connect on listener, its first datagram in first. 0, or -1 with err. */
int kx_live_reach_vendor(struct kx_live *l, const struct kx_net_addr *addr, struct kx_net_conn *listener,
                         struct kx_chunks *first, char *err, size_t errlen);

/* Plays the handshake over the socket (first: what the vendor sent while connecting) until the
 * harness's end is done, fails, or l->timeout_ms passes; l->relay has the outcome and diagnosis. */
void kx_live_handshake(struct kx_live *l, const struct kx_chunks *first);

/* After the handshake: one record of application data from the harness, so that the capture shows
 * decryption working (a send that fails only marks the socket closed). */
void kx_live_send_application_data(struct kx_live *l);

/* Waits up to l->claim_wait_ms for the vendor program's output to match every claim pattern (or to
 * end), reading what the vendor sends meanwhile into l->received. */
void kx_live_wait_for_claims(struct kx_live *l);

#endif
