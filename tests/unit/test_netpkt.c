/* test_netpkt.c - unit tests of harness/core/netpkt.c: the Internet checksum
 * against RFC 1071's example and a well-known IPv4 header, UDP and TCP
 * packets against bytes computed independently (Python's struct), and the
 * TCP model's sequence and acknowledgement numbers, which Wireshark checks
 * and flags when they do not add up. */
#include "unit.h"

#include "core/netpkt.h"

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A receiver's check: the sum over the pseudo-header and the whole segment folds to 0xFFFF. */
static void assert_transport_checksum_valid(const uint8_t *pkt, size_t len)
{
	uint8_t pseudo[12];
	memcpy(pseudo, pkt + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = pkt[9];
	pseudo[10] = (uint8_t)((len - KX_IPV4_HEADER) >> 8);
	pseudo[11] = (uint8_t)(len - KX_IPV4_HEADER);
	uint32_t sum =
	    kx_inet_sum(kx_inet_sum(0, pseudo, sizeof pseudo), pkt + KX_IPV4_HEADER, len - KX_IPV4_HEADER);
	assert_int_equal(kx_inet_checksum(sum), 0);
	assert_int_equal(kx_inet_checksum(kx_inet_sum(0, pkt, KX_IPV4_HEADER)), 0);
}

static void test_rfc1071_example(void **state)
{
	/* RFC 1071 section 3: these words sum to ddf2 (folded), so the checksum is 220d. */
	const uint8_t words[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	(void)state;
	assert_int_equal(kx_inet_sum(0, words, sizeof words), 0xddf2);
	assert_int_equal(kx_inet_checksum(kx_inet_sum(0, words, sizeof words)), 0x220d);
}

static void test_odd_length_pads_with_zero(void **state)
{
	const uint8_t odd[] = {0x12, 0x34, 0x56};
	const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};

	(void)state;
	assert_int_equal(kx_inet_sum(0, odd, sizeof odd), kx_inet_sum(0, even, sizeof even));
}

static void test_known_ipv4_header(void **state)
{
	/* The header often used to teach the checksum: 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7. */
	const uint8_t want[KX_IPV4_HEADER] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	                                      0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	struct kx_flow flow = {
	    .src = KX_IPV4(192, 168, 0, 1), .dst = KX_IPV4(192, 168, 0, 199), .sport = 1, .dport = 2};
	uint8_t payload[0x73 - KX_IPV4_HEADER - KX_UDP_HEADER] = {0}, pkt[KX_NETPKT_MAX];

	(void)state;
	assert_int_equal(kx_udp_packet(&flow, payload, sizeof payload, pkt, sizeof pkt), 0x73);
	assert_memory_equal(pkt, want, sizeof want);
}

static void test_udp_packet(void **state)
{
	/* Computed independently in Python: IPv4 checksum b6c3, UDP checksum e2cf. */
	const uint8_t want[] = {0x45, 0x00, 0x00, 0x1f, 0x00, 0x07, 0x40, 0x00, 0x40, 0x11, 0xb6,
	                        0xc3, 192,  0,    2,    1,    192,  0,    2,    2, /* addresses */
	                        0xc3, 0x50, 0x11, 0x51, 0x00, 0x0b, 0xe2, 0xcf, 'a',  'b',  'c'};
	struct kx_flow flow = {
	    .src = KX_ADDR_INITIATOR, .dst = KX_ADDR_TERMINATOR, .sport = 50000, .dport = 4433, .ip_id = 7};
	uint8_t pkt[KX_NETPKT_MAX];

	(void)state;
	assert_int_equal(kx_udp_packet(&flow, (const uint8_t *)"abc", 3, pkt, sizeof pkt), sizeof want);
	assert_memory_equal(pkt, want, sizeof want);
	assert_transport_checksum_valid(pkt, sizeof want);
}

static void test_tcp_syn_packet(void **state)
{
	/* SYN with an MSS option of 1460, seq 1000: IPv4 checksum b6c8, TCP checksum 3b99 (Python). */
	const uint8_t want[] = {0x45, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xb6,
	                        0xc8, 192,  0,    2,    1,    192,  0,    2,    2,    0xc3, 0x50,
	                        0x11, 0x51, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x60,
	                        0x02, 0xff, 0xff, 0x3b, 0x99, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4};
	struct kx_tcp_conv conv;
	uint8_t pkt[KX_NETPKT_MAX];

	(void)state;
	kx_tcp_init(&conv, KX_ADDR_INITIATOR, 50000, KX_ADDR_TERMINATOR, 4433, 1000, 5000);
	assert_int_equal(kx_tcp_handshake(&conv, 0, pkt, sizeof pkt), sizeof want);
	assert_memory_equal(pkt, want, sizeof want);
	assert_transport_checksum_valid(pkt, sizeof want);
}

/* Reads what a test needs from an IPv4 + TCP packet. */
struct seg {
	uint16_t sport, dport, ip_id;
	uint32_t seq, ack;
	uint8_t flags;
	size_t payload;
};

static struct seg parse(const uint8_t *pkt, size_t len)
{
	const uint8_t *t = pkt + KX_IPV4_HEADER;
	struct seg s = {.sport = be16_at(t),
	                .dport = be16_at(t + 2),
	                .ip_id = be16_at(pkt + 4),
	                .seq = be32_at(t + 4),
	                .ack = be32_at(t + 8),
	                .flags = t[13],
	                .payload = len - KX_IPV4_HEADER - (size_t)(t[12] >> 4) * 4};
	assert_int_equal(be16_at(pkt + 2), len);
	assert_transport_checksum_valid(pkt, len);
	return s;
}

static void test_tcp_conversation_numbers(void **state)
{
	struct kx_tcp_conv conv;
	uint8_t pkt[KX_NETPKT_MAX], data[3000];
	size_t n;
	struct seg s;

	(void)state;
	memset(data, 0x16, sizeof data);
	kx_tcp_init(&conv, KX_ADDR_INITIATOR, 50001, KX_ADDR_TERMINATOR, 4433, 1000, 5000);

	n = kx_tcp_handshake(&conv, 0, pkt, sizeof pkt);
	s = parse(pkt, n);
	assert_int_equal(s.flags, KX_TCP_SYN);
	assert_int_equal(s.seq, 1000);
	assert_int_equal(s.ack, 0);
	n = kx_tcp_handshake(&conv, 1, pkt, sizeof pkt);
	s = parse(pkt, n);
	assert_int_equal(s.flags, KX_TCP_SYN | KX_TCP_ACK);
	assert_int_equal(s.sport, 4433);
	assert_int_equal(s.seq, 5000);
	assert_int_equal(s.ack, 1001);
	n = kx_tcp_handshake(&conv, 2, pkt, sizeof pkt);
	s = parse(pkt, n);
	assert_int_equal(s.flags, KX_TCP_ACK);
	assert_int_equal(s.seq, 1001);
	assert_int_equal(s.ack, 5001);
	assert_int_equal(kx_tcp_handshake(&conv, 3, pkt, sizeof pkt), 0);

	/* The client sends 100 bytes in one segment. */
	n = kx_tcp_data(&conv, 0, data, 100, 1, pkt, sizeof pkt);
	s = parse(pkt, n);
	assert_int_equal(s.seq, 1001);
	assert_int_equal(s.ack, 5001);
	assert_int_equal(s.payload, 100);
	assert_int_equal(s.flags, KX_TCP_ACK | KX_TCP_PSH);
	assert_int_equal(s.ip_id, 2); /* the client's third packet */

	/* The server answers 3000 bytes: 1460 + 1460 + 80, each acknowledging the client's 100. */
	assert_int_equal(kx_tcp_segment_count(3000), 3);
	const uint32_t seqs[3] = {5001, 6461, 7921};
	const size_t lens[3] = {1460, 1460, 80};
	for (size_t i = 0, at = 0; i < 3; at += lens[i], i++) {
		n = kx_tcp_data(&conv, 1, data + at, lens[i], i == 2, pkt, sizeof pkt);
		s = parse(pkt, n);
		assert_int_equal(s.seq, seqs[i]);
		assert_int_equal(s.ack, 1101);
		assert_int_equal(s.payload, lens[i]);
		assert_int_equal(s.flags, i == 2 ? KX_TCP_ACK | KX_TCP_PSH : KX_TCP_ACK);
	}

	/* Close: each FIN takes one sequence number, which the other end acknowledges. */
	n = kx_tcp_fin(&conv, 0, pkt, sizeof pkt);
	s = parse(pkt, n);
	assert_int_equal(s.flags, KX_TCP_FIN | KX_TCP_ACK);
	assert_int_equal(s.seq, 1101);
	assert_int_equal(s.ack, 8001);
	n = kx_tcp_fin(&conv, 1, pkt, sizeof pkt);
	s = parse(pkt, n);
	assert_int_equal(s.seq, 8001);
	assert_int_equal(s.ack, 1102);
	n = kx_tcp_ack(&conv, 0, pkt, sizeof pkt);
	s = parse(pkt, n);
	assert_int_equal(s.flags, KX_TCP_ACK);
	assert_int_equal(s.seq, 1102);
	assert_int_equal(s.ack, 8002);
	assert_int_equal(s.payload, 0);
	assert_true(conv.end[0].fin_sent && conv.end[1].fin_sent);
}

static void test_sequence_numbers_wrap(void **state)
{
	struct kx_tcp_conv conv;
	uint8_t pkt[KX_NETPKT_MAX], data[100] = {0};

	(void)state;
	kx_tcp_init(&conv, KX_ADDR_INITIATOR, 50002, KX_ADDR_TERMINATOR, 4433, 0xFFFFFFF0u, 7);
	kx_tcp_handshake(&conv, 0, pkt, sizeof pkt);
	kx_tcp_handshake(&conv, 1, pkt, sizeof pkt);
	kx_tcp_handshake(&conv, 2, pkt, sizeof pkt);
	size_t n = kx_tcp_data(&conv, 0, data, sizeof data, 1, pkt, sizeof pkt);
	assert_int_equal(parse(pkt, n).seq, 0xFFFFFFF1u);
	n = kx_tcp_ack(&conv, 1, pkt, sizeof pkt);
	assert_int_equal(parse(pkt, n).ack, 0x55); /* 0xFFFFFFF1 + 100 modulo 2^32 */
}

static void test_refuses_what_does_not_fit(void **state)
{
	static uint8_t big[KX_NETPKT_MAX];
	struct kx_tcp_conv conv;
	struct kx_flow flow = {.src = KX_ADDR_INITIATOR, .dst = KX_ADDR_TERMINATOR, .sport = 1, .dport = 2};
	uint8_t pkt[KX_NETPKT_MAX], small[40];

	(void)state;
	kx_tcp_init(&conv, KX_ADDR_INITIATOR, 50003, KX_ADDR_TERMINATOR, 4433, 1, 2);
	assert_int_equal(kx_tcp_data(&conv, 0, big, KX_TCP_MSS + 1, 1, pkt, sizeof pkt), 0);
	assert_int_equal(conv.end[0].next_seq, 1); /* nothing sent, nothing counted */
	assert_int_equal(kx_tcp_data(&conv, 0, big, 100, 1, small, sizeof small), 0);
	assert_int_equal(kx_udp_packet(&flow, big, KX_NETPKT_MAX - 28, pkt, sizeof pkt), KX_NETPKT_MAX);
	assert_int_equal(kx_udp_packet(&flow, big, KX_NETPKT_MAX - 27, pkt, sizeof pkt), 0);
	assert_int_equal(kx_udp_packet(&flow, big, 20, small, sizeof small), 0);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_rfc1071_example),       cmocka_unit_test(test_odd_length_pads_with_zero),
	cmocka_unit_test(test_known_ipv4_header),     cmocka_unit_test(test_udp_packet),
	cmocka_unit_test(test_tcp_syn_packet),        cmocka_unit_test(test_tcp_conversation_numbers),
	cmocka_unit_test(test_sequence_numbers_wrap), cmocka_unit_test(test_refuses_what_does_not_fit))
