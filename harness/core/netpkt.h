/* netpkt.h - IPv4 packets around bytes that were relayed in memory, so that a
 * capture shows a plausible conversation: IPv4 + UDP datagrams, IPv4 + TCP
 * segments, and a TCP conversation model (three-way handshake, data segments
 * of at most one MSS with consistent sequence and acknowledgement numbers,
 * FIN close). Every header checksum is correct, because Wireshark flags (and
 * some tools drop) packets whose checksums are not.
 *
 * The addresses are documentation addresses (TEST-NET-1, RFC 5737), so that
 * a capture never names a real host. Packets have no link layer: they are
 * written with LINKTYPE_RAW. Addresses are host-order uint32_t values. */
#ifndef KX_NETPKT_H
#define KX_NETPKT_H

#include <stddef.h>
#include <stdint.h>

#define KX_IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The two ends of every captured conversation. */
#define KX_ADDR_INITIATOR KX_IPV4(192, 0, 2, 1)
#define KX_ADDR_TERMINATOR KX_IPV4(192, 0, 2, 2)

/* The terminator's port, TLS and DTLS alike: 4433 is registered to no Wireshark 4.0 dissector,
 * so its TLS (TCP) and DTLS (UDP) heuristics take the conversation and decrypted application
 * data shows as plain data. 443 would give it to HTTP, which holds a text without CRLF as an
 * unfinished request; 5684 to CoAP and 853 to DNS, which misread it. docs/captures.md has the
 * measurements. */
#define KX_PORT_TLS 4433
#define KX_PORT_DTLS 4433

/* Initiator ports: one per case, so that many cases share a file, KX_PORT_SPAN of them from
 * KX_PORT_INITIATOR_BASE. 50000..54095 holds no port a Wireshark 4.0 TCP or UDP dissector
 * registers (49999 is an 802.15.4 sniffer's, 54328 Elasticsearch's); such a port would be
 * tried before the heuristics and could take the conversation. */
#define KX_PORT_INITIATOR_BASE 50000
#define KX_PORT_SPAN 4096

#define KX_IP_PROTO_TCP 6
#define KX_IP_PROTO_UDP 17
#define KX_IPV4_HEADER 20
#define KX_UDP_HEADER 8
#define KX_TCP_HEADER 20
#define KX_TCP_MSS 1460
/* The largest IPv4 packet; a buffer of this size holds any packet built here. */
#define KX_NETPKT_MAX 65535

/* TCP flags. */
#define KX_TCP_FIN 0x01
#define KX_TCP_SYN 0x02
#define KX_TCP_RST 0x04
#define KX_TCP_PSH 0x08
#define KX_TCP_ACK 0x10

/* Adds len bytes to a running ones'-complement sum (RFC 1071), as big-endian 16-bit words;
 * an odd last byte is padded with zero. Chain calls only at even lengths. */
uint32_t kx_inet_sum(uint32_t sum, const uint8_t *data, size_t len);

/* Folds a running sum into the 16-bit Internet checksum (the complement of the folded sum). */
uint16_t kx_inet_checksum(uint32_t sum);

/* One direction of a flow. */
struct kx_flow {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint16_t ip_id; /* the IPv4 identification to use */
};

/* TCP header fields of one segment. */
struct kx_tcp_fields {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint16_t mss; /* 0: no option; else an MSS option (SYN segments) */
};

/* Builds IPv4 + UDP around len payload bytes into out (capacity cap), both checksums set;
 * returns the packet's length, or 0 if it does not fit in cap or in an IPv4 packet. */
size_t kx_udp_packet(const struct kx_flow *flow, const uint8_t *payload, size_t len, uint8_t *out,
                     size_t cap);

/* Builds IPv4 + TCP around len payload bytes into out (capacity cap), both checksums set;
 * returns the packet's length, or 0 if it does not fit. */
size_t kx_tcp_packet(const struct kx_flow *flow, const struct kx_tcp_fields *tcp, const uint8_t *payload,
                     size_t len, uint8_t *out, size_t cap);

/* One end of a TCP conversation. */
struct kx_tcp_end {
	uint32_t addr;
	uint16_t port;
	uint32_t next_seq; /* sequence number of its next byte (SYN and FIN count as one) */
	uint16_t ip_id;    /* IPv4 identification of its next packet */
	int fin_sent;
};

/* A TCP conversation: end[0] the client (opens), end[1] the server. */
struct kx_tcp_conv {
	struct kx_tcp_end end[2];
	uint16_t window;
};

/* Starts a conversation in which nothing has been sent; isn are the initial sequence numbers. */
void kx_tcp_init(struct kx_tcp_conv *c, uint32_t client, uint16_t client_port, uint32_t server,
                 uint16_t server_port, uint32_t client_isn, uint32_t server_isn);

/* Builds handshake packet step 0 (client SYN), 1 (server SYN/ACK) or 2 (client ACK) and advances
 * the sequence numbers; returns its length, or 0 on a bad step or a short buffer. */
size_t kx_tcp_handshake(struct kx_tcp_conv *c, int step, uint8_t *out, size_t cap);

/* Number of segments of at most KX_TCP_MSS bytes that len bytes need (0 for 0). */
size_t kx_tcp_segment_count(size_t len);

/* Builds one ACK data segment from end `from` (0 client, 1 server) carrying len <= KX_TCP_MSS
 * bytes, acknowledging all the other end sent, with PSH if `push`; advances from's sequence;
 * returns its length, or 0 if len exceeds the MSS or the buffer. */
size_t kx_tcp_data(struct kx_tcp_conv *c, int from, const uint8_t *payload, size_t len, int push,
                   uint8_t *out, size_t cap);

/* Builds a FIN/ACK from end `from` (consumes one sequence number); returns its length or 0. */
size_t kx_tcp_fin(struct kx_tcp_conv *c, int from, uint8_t *out, size_t cap);

/* Builds a bare ACK from end `from` of everything the other end sent; returns its length or 0. */
size_t kx_tcp_ack(struct kx_tcp_conv *c, int from, uint8_t *out, size_t cap);

#endif
