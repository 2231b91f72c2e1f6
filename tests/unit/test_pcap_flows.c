/* test_pcap_flows.c - unit tests of harness/core/pcap_flows.c, the flows
 * under the handshake finder, on raw IPv4 packets built with core/netpkt.c:
 * a port reused by a second connection starts a second flow that links to
 * the first, and each is answered by the reverse flow nearest in time; a TCP
 * direction is put back in order across the 2^32 wrap of its sequence
 * numbers, a retransmission dropped, the stream cut at the first gap and
 * every byte traced to its frame; and what is not TCP or UDP is counted and
 * named, not sorted. */
#include "unit.h"

#include "core/netpkt.h"
#include "core/pcap_flows.h"

#define MAX_PACKETS 16

/* A capture in memory: raw IPv4 packets, each in its own buffer. */
struct capture {
	uint8_t bytes[MAX_PACKETS][256];
	struct kx_pcap_packet packets[MAX_PACKETS];
	struct kx_pcap cap;
};

static void add(struct capture *c, uint32_t linktype, const uint8_t *data, size_t len)
{
	size_t i = c->cap.n_packets;
	assert_true(i < MAX_PACKETS && len <= sizeof c->bytes[i]);
	memcpy(c->bytes[i], data, len);
	c->packets[i] = (struct kx_pcap_packet){i + 1, linktype, c->bytes[i], len, len};
	c->cap.packets = c->packets;
	c->cap.n_packets = i + 1;
}

static void tcp(struct capture *c, int from_client, uint16_t client_port, uint32_t seq, uint8_t flags,
                const char *payload)
{
	struct kx_flow flow = {KX_ADDR_INITIATOR, KX_ADDR_TERMINATOR, client_port, KX_PORT_TLS, 1};
	if (!from_client)
		flow = (struct kx_flow){KX_ADDR_TERMINATOR, KX_ADDR_INITIATOR, KX_PORT_TLS, client_port, 1};
	struct kx_tcp_fields fields = {seq, 0, flags, 65535, 0};
	uint8_t packet[256];
	size_t len =
	    kx_tcp_packet(&flow, &fields, (const uint8_t *)payload, strlen(payload), packet, sizeof packet);
	assert_true(len > 0);
	add(c, KX_LINKTYPE_RAW_IP, packet, len);
}

static void test_port_reuse_and_reverse(void **state)
{
	static struct capture c;
	struct kx_pcap_flows f = {0};
	struct kx_pcap_stats stats = {0};
	(void)state;
	memset(&c, 0, sizeof c);
	tcp(&c, 1, 50000, 1000, KX_TCP_SYN, "");              /* 1: the first connection */
	tcp(&c, 0, 50000, 7000, KX_TCP_SYN | KX_TCP_ACK, ""); /* 2 */
	tcp(&c, 1, 50000, 1001, KX_TCP_ACK, "first");         /* 3 */
	tcp(&c, 1, 50000, 5000, KX_TCP_SYN, "");              /* 4: the same port, another connection */
	tcp(&c, 0, 50000, 9000, KX_TCP_SYN | KX_TCP_ACK, ""); /* 5 */
	tcp(&c, 1, 50000, 5001, KX_TCP_ACK, "second");        /* 6 */
	assert_int_equal(kx_pcap_flows_collect(&c.cap, &f, &stats), 0);
	assert_int_equal(stats.packets, 6);
	assert_int_equal(stats.tcp, 6);
	assert_int_equal(f.n, 4);
	/* In order of appearance: client 1, server 1, client 2, server 2. */
	assert_int_equal(f.items[0].first_packet, 1);
	assert_int_equal(f.items[2].first_packet, 4);
	assert_int_equal(f.items[2].prev, 1); /* links to the earlier flow of the same key */
	assert_int_equal(f.items[0].isn, 1000);
	assert_int_equal(f.items[2].isn, 5000);
	assert_ptr_equal(kx_pcap_flow_reverse(&f, &f.items[0]), &f.items[1]);
	assert_ptr_equal(kx_pcap_flow_reverse(&f, &f.items[2]), &f.items[3]);
	assert_ptr_equal(kx_pcap_flow_reverse(&f, &f.items[3]), &f.items[2]);

	uint8_t key[KX_PCAP_KEY_LEN], reverse[KX_PCAP_KEY_LEN];
	kx_pcap_flow_key(&f.items[0].ends, 1, reverse);
	kx_pcap_flow_key(&f.items[1].ends, 0, key);
	assert_memory_equal(key, reverse, sizeof key);

	struct kx_pcap_stream s;
	assert_int_equal(kx_pcap_stream_reassemble(&f.items[2], &s), 0);
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.data, "second", 6);
	kx_pcap_stream_free(&s);
	kx_pcap_flows_free(&f);
}

static void test_reassembly_across_the_wrap(void **state)
{
	static struct capture c;
	struct kx_pcap_flows f = {0};
	struct kx_pcap_stats stats = {0};
	const uint32_t isn = 0xFFFFFFF0u;
	(void)state;
	memset(&c, 0, sizeof c);
	tcp(&c, 1, 50001, isn, KX_TCP_SYN, "");                 /* 1 */
	tcp(&c, 1, 50001, isn + 11, KX_TCP_ACK, "KLMNOPQRST");  /* 2: past the wrap, before its turn */
	tcp(&c, 1, 50001, isn + 1, KX_TCP_ACK, "ABCDEFGHIJ");   /* 3 */
	tcp(&c, 1, 50001, isn + 6, KX_TCP_ACK, "FGHIJKLMNO");   /* 4: overlaps both */
	tcp(&c, 1, 50001, isn + 31, KX_TCP_ACK, "after a gap"); /* 5: bytes 21..30 were lost */
	assert_int_equal(kx_pcap_flows_collect(&c.cap, &f, &stats), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.items[0].n, 4); /* the SYN carries no bytes */
	struct kx_pcap_stream s;
	assert_int_equal(kx_pcap_stream_reassemble(&f.items[0], &s), 0);
	assert_int_equal(s.len, 20);
	assert_memory_equal(s.data, "ABCDEFGHIJKLMNOPQRST", 20);
	assert_int_equal(kx_pcap_stream_packet_at(&s, 0), 3);
	assert_int_equal(kx_pcap_stream_packet_at(&s, 9), 3);
	assert_int_equal(kx_pcap_stream_packet_at(&s, 10), 4); /* the overlap's new bytes come first */
	assert_int_equal(kx_pcap_stream_packet_at(&s, 15), 2);
	kx_pcap_stream_free(&s);
	kx_pcap_flows_free(&f);
}

static void test_what_is_not_sorted(void **state)
{
	static struct capture c;
	struct kx_pcap_flows f = {0};
	struct kx_pcap_stats stats = {0};
	struct kx_flow flow = {KX_ADDR_INITIATOR, KX_ADDR_TERMINATOR, 50002, KX_PORT_DTLS, 1};
	uint8_t packet[256];
	(void)state;
	memset(&c, 0, sizeof c);
	size_t len = kx_udp_packet(&flow, (const uint8_t *)"datagram", 8, packet, sizeof packet);
	add(&c, KX_LINKTYPE_RAW_IP, packet, len); /* 1: UDP */
	add(&c, 999, packet, len);                /* 2: a link type no reader knows */
	add(&c, KX_LINKTYPE_RAW_IP, packet, 10);  /* 3: cut inside the IP header */
	assert_int_equal(kx_pcap_flows_collect(&c.cap, &f, &stats), 0);
	assert_int_equal(stats.packets, 3);
	assert_int_equal(stats.udp, 1);
	assert_int_equal(stats.undecoded, 2);
	assert_int_equal(stats.unsupported_linktype, 999);
	assert_non_null(strstr(stats.first_problem, "packet 2: link type 999"));
	assert_int_equal(f.n, 1);
	assert_int_equal(f.items[0].ends.proto, 17);
	assert_int_equal(f.items[0].n, 1);
	assert_memory_equal(f.items[0].segs[0].data, "datagram", 8);
	kx_pcap_flows_free(&f);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_port_reuse_and_reverse),
	cmocka_unit_test(test_reassembly_across_the_wrap),
	cmocka_unit_test(test_what_is_not_sorted))
