/* pcap_flows.h - a capture's packets sorted into flows (one per direction of
 * a TCP connection or a UDP conversation), and one TCP direction's bytes put
 * back in order. Internal to the handshake finder (pcap_handshakes.c): use
 * pcap_handshakes.h instead.
 *
 * A flow is keyed by IP version, protocol, addresses and ports, in a hash
 * table; a port reused by a later connection (a new SYN on a flow that
 * already carried one) starts a new flow with the same key, which keeps a
 * link to the earlier one. */
#ifndef KX_PCAP_FLOWS_H
#define KX_PCAP_FLOWS_H

#include <stddef.h>
#include <stdint.h>

#include "core/pcap_file.h"
#include "core/pcap_packet.h"
#include "core/pcap_stats.h"

/* IP version, protocol, two 16-byte addresses and two ports. */
#define KX_PCAP_KEY_LEN 38

struct kx_pcap_segment {
	uint32_t seq;
	int32_t rel; /* seq relative to the stream's first byte, set before sorting */
	const uint8_t *data;
	size_t len;
	size_t packet;
};

struct kx_pcap_flow {
	uint8_t key[KX_PCAP_KEY_LEN];
	struct kx_pcap_l4 ends; /* addresses, ports and protocol; no payload */
	struct kx_pcap_segment *segs;
	size_t n, cap;
	int syn;
	uint32_t isn;
	size_t first_packet;
	size_t prev; /* an earlier flow with the same key (port reuse), +1; 0: none */
};

struct kx_pcap_flows {
	struct kx_pcap_flow *items;
	size_t n, cap;
	size_t *slots; /* hash table of flow index + 1; 0: empty */
	size_t n_slots;
};

/* One TCP direction's bytes from its start to its first gap. */
struct kx_pcap_stream {
	uint8_t *data;
	size_t len;
	size_t *offsets, *packets; /* where each used segment begins in the stream, and its packet */
	size_t n;
};

/* Writes the flow key of l4's direction (reverse: of the opposite direction) into key. */
void kx_pcap_flow_key(const struct kx_pcap_l4 *l4, int reverse, uint8_t key[KX_PCAP_KEY_LEN]);

/* Sorts every packet that is TCP or UDP into its flow, counting what it saw in stats; 0, or -1
 * when memory runs out. f starts zeroed; free it with kx_pcap_flows_free either way. */
int kx_pcap_flows_collect(const struct kx_pcap *cap, struct kx_pcap_flows *f, struct kx_pcap_stats *stats);

/* Frees what kx_pcap_flows_collect put in f. */
void kx_pcap_flows_free(struct kx_pcap_flows *f);

/* Returns the flow going the other way that began closest in time to flow, or NULL. */
struct kx_pcap_flow *kx_pcap_flow_reverse(struct kx_pcap_flows *f, const struct kx_pcap_flow *flow);

/* Reassembles the bytes of one TCP direction (sorting its segments) from its start to its first
 * gap, at most 256 KiB; 0, or -1 when memory runs out. Free *s with kx_pcap_stream_free either way. */
int kx_pcap_stream_reassemble(struct kx_pcap_flow *flow, struct kx_pcap_stream *s);

/* Returns the frame number of the packet that holds the stream's byte at offset (0: none). */
size_t kx_pcap_stream_packet_at(const struct kx_pcap_stream *s, size_t offset);

/* Frees the stream's buffers and leaves it empty. */
void kx_pcap_stream_free(struct kx_pcap_stream *s);

#endif
