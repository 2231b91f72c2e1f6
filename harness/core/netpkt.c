/* netpkt.c - IPv4, UDP and TCP headers (RFC 791, 768, 9293) in network byte
 * order, with the checksums computed over the pseudo-header as a receiver
 * would verify them. The TCP model keeps only what a capture shows: each
 * end's next sequence number and the IPv4 identification of its packets. */
#include "core/netpkt.h"

#include "core/byte_order.h"

#include <string.h>

#define IP_TTL 64
#define IP_DONT_FRAGMENT 0x4000
#define TCP_WINDOW 65535

uint32_t kx_inet_sum(uint32_t sum, const uint8_t *data, size_t len)
{
	size_t i = 0;
	for (; i + 1 < len; i += 2) {
		sum += (uint32_t)data[i] << 8 | data[i + 1];
		/* Fold as we go so that long inputs never overflow 32 bits. */
		sum = (sum & 0xFFFFu) + (sum >> 16);
	}
	if (i < len)
		sum += (uint32_t)data[i] << 8;
	return (sum & 0xFFFFu) + (sum >> 16);
}

uint16_t kx_inet_checksum(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFFu) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Writes the 20-byte IPv4 header for a payload of len bytes, checksum included. */
static void ipv4_header(uint8_t *h, const struct kx_flow *flow, uint8_t protocol, size_t len)
{
	h[0] = 0x45; /* version 4, five 32-bit words */
	h[1] = 0;    /* DSCP/ECN */
	kx_put_be16(h + 2, (uint16_t)(KX_IPV4_HEADER + len));
	kx_put_be16(h + 4, flow->ip_id);
	kx_put_be16(h + 6, IP_DONT_FRAGMENT);
	h[8] = IP_TTL;
	h[9] = protocol;
	kx_put_be16(h + 10, 0);
	kx_put_be32(h + 12, flow->src);
	kx_put_be32(h + 16, flow->dst);
	kx_put_be16(h + 10, kx_inet_checksum(kx_inet_sum(0, h, KX_IPV4_HEADER)));
}

/* The sum of the TCP/UDP pseudo-header: addresses, protocol, transport length. */
static uint32_t pseudo_sum(const struct kx_flow *flow, uint8_t protocol, size_t len)
{
	uint8_t p[12];
	kx_put_be32(p, flow->src);
	kx_put_be32(p + 4, flow->dst);
	p[8] = 0;
	p[9] = protocol;
	kx_put_be16(p + 10, (uint16_t)len);
	return kx_inet_sum(0, p, sizeof p);
}

/* Starts a packet of flow with a transport header of header bytes and len bytes of payload: the
 * ports and the payload in place; the transport header, or NULL when the packet would not fit cap
 * or KX_NETPKT_MAX. */
static uint8_t *begin_segment(const struct kx_flow *flow, size_t header, const uint8_t *payload, size_t len,
                              uint8_t *out, size_t cap)
{
	size_t total = KX_IPV4_HEADER + header + len;
	if (total > KX_NETPKT_MAX || total > cap)
		return NULL;
	uint8_t *t = out + KX_IPV4_HEADER;
	kx_put_be16(t, flow->sport);
	kx_put_be16(t + 2, flow->dport);
	if (len > 0)
		memcpy(t + header, payload, len);
	return t;
}

/* Ends it: writes the IPv4 header and returns the transport checksum of the segment (len bytes,
 * its checksum field 0) with its pseudo-header. */
static uint16_t end_segment(const struct kx_flow *flow, uint8_t protocol, uint8_t *out, size_t len)
{
	ipv4_header(out, flow, protocol, len);
	return kx_inet_checksum(kx_inet_sum(pseudo_sum(flow, protocol, len), out + KX_IPV4_HEADER, len));
}

size_t kx_udp_packet(const struct kx_flow *flow, const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	uint8_t *u = begin_segment(flow, KX_UDP_HEADER, payload, len, out, cap);
	if (u == NULL)
		return 0;
	kx_put_be16(u + 4, (uint16_t)(KX_UDP_HEADER + len));
	kx_put_be16(u + 6, 0);
	uint16_t sum = end_segment(flow, KX_IP_PROTO_UDP, out, KX_UDP_HEADER + len);
	/* 0 means "no checksum" in UDP over IPv4, so a computed 0 is sent as its equivalent 0xFFFF. */
	kx_put_be16(u + 6, sum == 0 ? 0xFFFF : sum);
	return KX_IPV4_HEADER + KX_UDP_HEADER + len;
}

size_t kx_tcp_packet(const struct kx_flow *flow, const struct kx_tcp_fields *tcp, const uint8_t *payload,
                     size_t len, uint8_t *out, size_t cap)
{
	size_t header = KX_TCP_HEADER + (tcp->mss != 0 ? 4 : 0);
	uint8_t *t = begin_segment(flow, header, payload, len, out, cap);
	if (t == NULL)
		return 0;
	kx_put_be32(t + 4, tcp->seq);
	kx_put_be32(t + 8, tcp->flags & KX_TCP_ACK ? tcp->ack : 0);
	t[12] = (uint8_t)(header / 4 << 4);
	t[13] = tcp->flags;
	kx_put_be16(t + 14, tcp->window);
	kx_put_be16(t + 16, 0); /* checksum, below */
	kx_put_be16(t + 18, 0); /* urgent pointer */
	if (tcp->mss != 0) {
		t[20] = 2; /* kind: maximum segment size */
		t[21] = 4;
		kx_put_be16(t + 22, tcp->mss);
	}
	kx_put_be16(t + 16, end_segment(flow, KX_IP_PROTO_TCP, out, header + len));
	return KX_IPV4_HEADER + header + len;
}

void kx_tcp_init(struct kx_tcp_conv *c, uint32_t client, uint16_t client_port, uint32_t server,
                 uint16_t server_port, uint32_t client_isn, uint32_t server_isn)
{
	memset(c, 0, sizeof *c);
	c->end[0].addr = client;
	c->end[0].port = client_port;
	c->end[0].next_seq = client_isn;
	c->end[1].addr = server;
	c->end[1].port = server_port;
	c->end[1].next_seq = server_isn;
	c->window = TCP_WINDOW;
}

/* Builds a segment from end `from` with the given flags and payload; advances
 * its sequence by the payload plus one for SYN and FIN, and its IPv4 id. */
static size_t segment(struct kx_tcp_conv *c, int from, uint8_t flags, uint16_t mss, const uint8_t *payload,
                      size_t len, uint8_t *out, size_t cap)
{
	struct kx_tcp_end *self = &c->end[from != 0], *peer = &c->end[from == 0];
	struct kx_flow flow = {.src = self->addr,
	                       .dst = peer->addr,
	                       .sport = self->port,
	                       .dport = peer->port,
	                       .ip_id = self->ip_id};
	struct kx_tcp_fields tcp = {
	    .seq = self->next_seq, .ack = peer->next_seq, .flags = flags, .window = c->window, .mss = mss};
	size_t n = kx_tcp_packet(&flow, &tcp, payload, len, out, cap);
	if (n == 0)
		return 0;
	/* Sequence numbers are modulo 2^32 (RFC 9293 3.4): unsigned wrap-around is the arithmetic wanted. */
	self->next_seq += (uint32_t)len + (flags & KX_TCP_SYN ? 1u : 0u) + (flags & KX_TCP_FIN ? 1u : 0u);
	self->ip_id++;
	if (flags & KX_TCP_FIN)
		self->fin_sent = 1;
	return n;
}

size_t kx_tcp_handshake(struct kx_tcp_conv *c, int step, uint8_t *out, size_t cap)
{
	switch (step) {
	case 0:
		return segment(c, 0, KX_TCP_SYN, KX_TCP_MSS, NULL, 0, out, cap);
	case 1:
		return segment(c, 1, KX_TCP_SYN | KX_TCP_ACK, KX_TCP_MSS, NULL, 0, out, cap);
	case 2:
		return segment(c, 0, KX_TCP_ACK, 0, NULL, 0, out, cap);
	default:
		return 0;
	}
}

size_t kx_tcp_segment_count(size_t len)
{
	return (len + KX_TCP_MSS - 1) / KX_TCP_MSS;
}

size_t kx_tcp_data(struct kx_tcp_conv *c, int from, const uint8_t *payload, size_t len, int push,
                   uint8_t *out, size_t cap)
{
	if (len > KX_TCP_MSS)
		return 0;
	return segment(c, from, (uint8_t)(KX_TCP_ACK | (push ? KX_TCP_PSH : 0)), 0, payload, len, out, cap);
}

size_t kx_tcp_fin(struct kx_tcp_conv *c, int from, uint8_t *out, size_t cap)
{
	return segment(c, from, KX_TCP_FIN | KX_TCP_ACK, 0, NULL, 0, out, cap);
}

size_t kx_tcp_ack(struct kx_tcp_conv *c, int from, uint8_t *out, size_t cap)
{
	return segment(c, from, KX_TCP_ACK, 0, NULL, 0, out, cap);
}
