/* test_pcap_read.c - unit tests of reading captures (harness/core/pcap_file.c,
 * pcap_packet.c and pcap_handshakes.c, over pcap_flows.c) on captures built
 * by hand (no network, no tshark): the same TLS handshake in classic pcap
 * (both byte orders, micro- and nanosecond magic) and pcapng (both byte
 * orders, with a Decryption Secrets Block) over every link type the reader
 * knows; IPv6 with an extension header; TCP segments out of order,
 * duplicated and missing; a ServerHello whose record also starts a message
 * the capture lost; DTLS with a HelloVerifyRequest and a fragmented flight;
 * a TLS 1.3 ServerHello; and files cut at every byte or corrupted, which
 * must be errors that say so, never reads out of bounds (each parse reads an
 * exact-size heap copy, so ASan sees any overrun). */
#include "unit.h"

#include "core/pcap_file.h"
#include "core/pcap_handshakes.h"
#include "core/pcap_packet.h"

static char err[512];

/* ---- building bytes: unit.h writes network order; pcap headers are in the writer's ---- */

static void le16(struct kx_bytes *x, unsigned v)
{
	kx_put8(x, v);
	kx_put8(x, v >> 8);
}

static void le32(struct kx_bytes *x, uint32_t v)
{
	le16(x, v & 0xFFFF);
	le16(x, v >> 16);
}

static void u16(struct kx_bytes *x, unsigned v, int big)
{
	big ? kx_put16(x, v) : le16(x, v);
}

static void u32(struct kx_bytes *x, uint32_t v, int big)
{
	big ? kx_put32(x, v) : le32(x, v);
}

/* ---- TLS and DTLS messages ------------------------------------------------ */

#define SUITE 0xC023

static void client_hello_body(struct kx_bytes *x, uint16_t version, uint8_t seed)
{
	kx_put16(x, version);
	for (int i = 0; i < 32; i++)
		kx_put8(x, seed + i);
	kx_put8(x, 0); /* session id */
	if (version == 0xFEFD)
		kx_put8(x, 0); /* cookie */
	kx_put16(x, 2);
	kx_put16(x, SUITE);
	kx_put8(x, 1);
	kx_put8(x, 0);
}

static void server_hello_body(struct kx_bytes *x, uint16_t version, uint8_t seed, int tls13)
{
	kx_put16(x, version);
	for (int i = 0; i < 32; i++)
		kx_put8(x, seed + i);
	kx_put8(x, 0);
	kx_put16(x, tls13 ? 0x1301 : SUITE);
	kx_put8(x, 0);
	if (tls13) {
		kx_put16(x, 6);
		kx_put16(x, 0x002B);
		kx_put16(x, 2);
		kx_put16(x, 0x0304);
	} else {
		kx_put16(x, 4);
		kx_put16(x, 0x0017); /* extended_master_secret */
		kx_put16(x, 0);
	}
}

/* A TLS handshake message in one record. */
static void tls_message(struct kx_bytes *x, uint8_t type, const struct kx_bytes *body)
{
	kx_put8(x, 22);
	kx_put16(x, 0x0303);
	kx_put16(x, (unsigned)body->n + 4);
	kx_put8(x, type);
	kx_put24(x, (unsigned)body->n);
	kx_put(x, body->b, body->n);
}

/* A DTLS handshake fragment in one record (epoch 0). */
static void dtls_fragment(struct kx_bytes *x, uint8_t type, unsigned seq, const uint8_t *body, size_t total,
                          size_t offset, size_t len)
{
	kx_put8(x, 22);
	kx_put16(x, 0xFEFD);
	kx_put16(x, 0);
	kx_put16(x, 0);
	kx_put32(x, seq);
	kx_put16(x, (unsigned)len + 12);
	kx_put8(x, type);
	kx_put24(x, (unsigned)total);
	kx_put16(x, seq);
	kx_put24(x, (unsigned)offset);
	kx_put24(x, (unsigned)len);
	kx_put(x, body + offset, len);
}

/* ---- packets ----------------------------------------------------------------- */

struct pkt {
	struct kx_bytes bytes;
};

static struct pkt packets[32];
static size_t n_packets;

enum link { ETH, ETH_VLAN, RAW, SLL, SLL2, NULLOOP, LINK_COUNT };

static const uint32_t linktypes[LINK_COUNT] = {KX_LINKTYPE_ETHERNET,   KX_LINKTYPE_ETHERNET,
                                               KX_LINKTYPE_RAW_IP,     KX_LINKTYPE_LINUX_SLL,
                                               KX_LINKTYPE_LINUX_SLL2, KX_LINKTYPE_NULL};

static void link_header(struct kx_bytes *x, enum link link, int ipv6)
{
	unsigned ethertype = ipv6 ? 0x86DD : 0x0800;
	uint8_t zeros[20] = {0};
	switch (link) {
	case ETH:
	case ETH_VLAN:
		kx_put(x, zeros, 12);
		if (link == ETH_VLAN) {
			kx_put16(x, 0x8100);
			kx_put16(x, 42);
		}
		kx_put16(x, ethertype);
		break;
	case SLL:
		kx_put(x, zeros, 14);
		kx_put16(x, ethertype);
		break;
	case SLL2:
		kx_put16(x, ethertype);
		kx_put(x, zeros, 18);
		break;
	case NULLOOP:
		le32(x, ipv6 ? 30 : 2);
		break;
	default:
		break;
	}
}

struct ends {
	int ipv6;
	int client_to_server;
};

static void ip_header(struct kx_bytes *x, const struct ends *e, uint8_t proto, size_t payload)
{
	if (!e->ipv6) {
		kx_put8(x, 0x45);
		kx_put8(x, 0);
		kx_put16(x, (unsigned)(20 + payload));
		kx_put16(x, 0);
		kx_put16(x, 0x4000); /* DF, no fragment */
		kx_put8(x, 64);
		kx_put8(x, proto);
		kx_put16(x, 0);
		uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
		kx_put(x, e->client_to_server ? a : b, 4);
		kx_put(x, e->client_to_server ? b : a, 4);
		return;
	}
	/* IPv6 with a hop-by-hop options header (8 bytes) before the transport. */
	kx_put32(x, 0x60000000);
	kx_put16(x, (unsigned)(8 + payload));
	kx_put8(x, 0); /* next: hop-by-hop */
	kx_put8(x, 64);
	uint8_t a[16] = {0}, b[16] = {0};
	a[15] = 1;
	b[0] = 0xfd;
	b[15] = 2;
	kx_put(x, e->client_to_server ? a : b, 16);
	kx_put(x, e->client_to_server ? b : a, 16);
	kx_put8(x, proto);
	kx_put8(x, 0);
	uint8_t pad[6] = {1, 4, 0, 0, 0, 0};
	kx_put(x, pad, 6);
}

static void add_tcp(enum link link, const struct ends *e, uint32_t seq, uint8_t flags, const uint8_t *data,
                    size_t len)
{
	struct kx_bytes *x = &packets[n_packets++].bytes;
	x->n = 0;
	link_header(x, link, e->ipv6);
	ip_header(x, e, 6, 20 + len);
	kx_put16(x, e->client_to_server ? 40000 : 443);
	kx_put16(x, e->client_to_server ? 443 : 40000);
	kx_put32(x, seq);
	kx_put32(x, 0);
	kx_put8(x, 5 << 4);
	kx_put8(x, flags);
	kx_put16(x, 65535);
	kx_put32(x, 0);
	kx_put(x, data, len);
	if (link == ETH && len < 6)
		kx_put(x, (const uint8_t *)"\0\0\0\0\0\0", 6); /* Ethernet padding, beyond the IP length */
}

static void add_udp(enum link link, const struct ends *e, const uint8_t *data, size_t len)
{
	struct kx_bytes *x = &packets[n_packets++].bytes;
	x->n = 0;
	link_header(x, link, e->ipv6);
	ip_header(x, e, 17, 8 + len);
	kx_put16(x, e->client_to_server ? 40000 : 4433);
	kx_put16(x, e->client_to_server ? 4433 : 40000);
	kx_put16(x, (unsigned)(8 + len));
	kx_put16(x, 0);
	kx_put(x, data, len);
}

/* ---- files ----------------------------------------------------------------------- */

static void write_pcap(struct kx_bytes *f, uint32_t linktype, int big, int nanos)
{
	f->n = 0;
	u32(f, nanos ? 0xA1B23C4Du : 0xA1B2C3D4u, big);
	u16(f, 2, big);
	u16(f, 4, big);
	u32(f, 0, big);
	u32(f, 0, big);
	u32(f, 65535, big);
	u32(f, linktype, big);
	for (size_t i = 0; i < n_packets; i++) {
		u32(f, 1700000000u + (uint32_t)i, big);
		u32(f, 0, big);
		u32(f, (uint32_t)packets[i].bytes.n, big);
		u32(f, (uint32_t)packets[i].bytes.n, big);
		kx_put(f, packets[i].bytes.b, packets[i].bytes.n);
	}
}

static void block_end(struct kx_bytes *f, size_t start, int big)
{
	while ((f->n - start) % 4 != 0)
		kx_put8(f, 0);
	uint32_t total = (uint32_t)(f->n - start + 4);
	u32(f, total, big);
	/* Back-patch the leading length. */
	struct kx_bytes len = {.n = 0};
	u32(&len, total, big);
	memcpy(f->b + start + 4, len.b, 4);
}

static void write_pcapng(struct kx_bytes *f, uint32_t linktype, int big, const char *secrets)
{
	f->n = 0;
	size_t start = f->n;
	u32(f, 0x0A0D0D0Au, big);
	u32(f, 0, big);
	u32(f, 0x1A2B3C4Du, big);
	u16(f, 1, big);
	u16(f, 0, big);
	u32(f, 0xFFFFFFFFu, big);
	u32(f, 0xFFFFFFFFu, big);
	block_end(f, start, big);
	start = f->n;
	u32(f, 1, big);
	u32(f, 0, big);
	u16(f, (unsigned)linktype, big);
	u16(f, 0, big);
	u32(f, 65535, big);
	block_end(f, start, big);
	if (secrets != NULL) {
		start = f->n;
		u32(f, 0x0A, big);
		u32(f, 0, big);
		u32(f, 0x544c534bu, big);
		u32(f, (uint32_t)strlen(secrets), big);
		kx_put(f, secrets, strlen(secrets));
		block_end(f, start, big);
	}
	for (size_t i = 0; i < n_packets; i++) {
		start = f->n;
		u32(f, 6, big);
		u32(f, 0, big);
		u32(f, 0, big);
		u32(f, 0, big);
		u32(f, (uint32_t)i, big);
		u32(f, (uint32_t)packets[i].bytes.n, big);
		u32(f, (uint32_t)packets[i].bytes.n, big);
		kx_put(f, packets[i].bytes.b, packets[i].bytes.n);
		block_end(f, start, big);
	}
}

/* Parses an exact-size heap copy of the file. */
static int parse(const struct kx_bytes *f, size_t len, struct kx_pcap *cap)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, f->b, len);
	err[0] = '\0';
	int ret = kx_pcap_parse(copy, len, cap, err, sizeof err);
	free(copy);
	return ret;
}

static size_t find(const struct kx_bytes *f, struct kx_pcap_handshake **hs)
{
	struct kx_pcap cap;
	struct kx_pcap_stats stats;
	size_t n = 0;
	if (parse(f, f->n, &cap) != 0)
		fail_msg("parse failed: %s", err);
	assert_int_equal(kx_pcap_find_handshakes(&cap, hs, &n, &stats, err, sizeof err), 0);
	kx_pcap_free(&cap);
	return n;
}

/* ---- a TLS conversation ----------------------------------------------------------- */

/* SYN, SYN/ACK, ClientHello, ServerHello: the handshake is packets 3 and 4. */
static void tls_conversation(enum link link, int ipv6, int tls13)
{
	struct ends c = {ipv6, 1}, s = {ipv6, 0};
	struct kx_bytes body = {.n = 0}, record = {.n = 0};
	n_packets = 0;
	add_tcp(link, &c, 1000, 0x02, NULL, 0);
	add_tcp(link, &s, 5000, 0x12, NULL, 0);
	client_hello_body(&body, 0x0303, 0xC0);
	tls_message(&record, 1, &body);
	add_tcp(link, &c, 1001, 0x18, record.b, record.n);
	body.n = record.n = 0;
	server_hello_body(&body, 0x0303, 0x50, tls13);
	tls_message(&record, 2, &body);
	add_tcp(link, &s, 5001, 0x18, record.b, record.n);
}

static void check_tls(const struct kx_pcap_handshake *h, int ipv6)
{
	assert_int_equal(h->dtls, 0);
	assert_string_equal(h->client, ipv6 ? "[::1]:40000" : "10.0.0.1:40000");
	assert_string_equal(h->server, ipv6 ? "[fd00::2]:443" : "10.0.0.2:443");
	assert_int_equal(h->client_hello_packet, 3);
	assert_int_equal(h->server_hello_packet, 4);
	assert_int_equal(h->client_random[0], 0xC0);
	assert_int_equal(h->client_random[31], 0xC0 + 31);
	assert_int_equal(h->server_random[0], 0x50);
	assert_int_equal(h->suite, SUITE);
	assert_int_equal(h->version, 0x0303);
	assert_int_equal(h->extended_master_secret, 1);
}

static void test_every_link_type_and_file_format(void **state)
{
	(void)state;
	for (int link = 0; link < LINK_COUNT; link++) {
		tls_conversation((enum link)link, 0, 0);
		for (int format = 0; format < 5; format++) {
			static struct kx_bytes f;
			if (format < 3)
				write_pcap(&f, linktypes[link], format == 1, format == 2);
			else
				write_pcapng(&f, linktypes[link], format == 4, NULL);
			struct kx_pcap_handshake *hs = NULL;
			size_t n = find(&f, &hs);
			if (n != 1)
				fail_msg("link %d, format %d: %zu handshakes", link, format, n);
			check_tls(&hs[0], 0);
			free(hs);
		}
	}
}

static void test_ipv6_with_extension_header(void **state)
{
	(void)state;
	tls_conversation(ETH, 1, 0);
	static struct kx_bytes f;
	write_pcapng(&f, KX_LINKTYPE_ETHERNET, 0, NULL);
	struct kx_pcap_handshake *hs = NULL;
	assert_int_equal(find(&f, &hs), 1);
	check_tls(&hs[0], 1);
	free(hs);
}

static void test_tls13_server_hello(void **state)
{
	(void)state;
	tls_conversation(RAW, 0, 1);
	static struct kx_bytes f;
	write_pcap(&f, KX_LINKTYPE_RAW_IP, 0, 0);
	struct kx_pcap_handshake *hs = NULL;
	assert_int_equal(find(&f, &hs), 1);
	assert_int_equal(hs[0].version, 0x0304);
	assert_int_equal(hs[0].suite, 0x1301);
	free(hs);
}

/* The ClientHello record in three segments: out of order and duplicated it is still read;
 * with the middle one missing it is not (the stream stops at the gap). */
static void test_tcp_reassembly(void **state)
{
	(void)state;
	struct ends c = {0, 1}, s = {0, 0};
	struct kx_bytes body = {.n = 0}, record = {.n = 0}, sh = {.n = 0}, shr = {.n = 0};
	client_hello_body(&body, 0x0303, 0xC0);
	tls_message(&record, 1, &body);
	server_hello_body(&sh, 0x0303, 0x50, 0);
	tls_message(&shr, 2, &sh);
	size_t a = 10, b = 30;
	for (int missing = 0; missing < 2; missing++) {
		n_packets = 0;
		add_tcp(RAW, &c, 1000, 0x02, NULL, 0);
		add_tcp(RAW, &c, 1001, 0x18, record.b, a);
		if (!missing)
			add_tcp(RAW, &c, 1001 + (uint32_t)b, 0x18, record.b + b, record.n - b);
		add_tcp(RAW, &c, 1001, 0x18, record.b, a); /* a retransmission */
		add_tcp(RAW, &s, 5001, 0x18, shr.b, shr.n);
		if (!missing)
			add_tcp(RAW, &c, 1001 + (uint32_t)a, 0x18, record.b + a, b - a);
		else
			add_tcp(RAW, &c, 1001 + (uint32_t)b, 0x18, record.b + b, record.n - b);
		static struct kx_bytes f;
		write_pcap(&f, KX_LINKTYPE_RAW_IP, 0, 0);
		struct kx_pcap_handshake *hs = NULL;
		size_t n = find(&f, &hs);
		if (missing) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, 1);
			assert_int_equal(hs[0].client_hello_packet, 2);
			assert_int_equal(hs[0].server_hello_packet, 5);
			assert_int_equal(hs[0].client_random[5], 0xC5);
		}
		free(hs);
	}
}

/* A record holding the ServerHello and the start of a Certificate whose next record was lost. */
static void test_server_hello_beside_a_lost_message(void **state)
{
	(void)state;
	struct ends c = {0, 1}, s = {0, 0};
	struct kx_bytes body = {.n = 0}, record = {.n = 0};
	n_packets = 0;
	client_hello_body(&body, 0x0303, 0xC0);
	tls_message(&record, 1, &body);
	add_tcp(RAW, &c, 1001, 0x18, record.b, record.n);
	body.n = record.n = 0;
	server_hello_body(&body, 0x0303, 0x50, 0);
	struct kx_bytes payload = {.n = 0};
	kx_put8(&payload, 2);
	kx_put24(&payload, (unsigned)body.n);
	kx_put(&payload, body.b, body.n);
	kx_put8(&payload, 11); /* Certificate of 500 bytes, of which 10 are here */
	kx_put24(&payload, 500);
	uint8_t some[10] = {0};
	kx_put(&payload, some, sizeof some);
	kx_put8(&record, 22);
	kx_put16(&record, 0x0303);
	kx_put16(&record, (unsigned)payload.n);
	kx_put(&record, payload.b, payload.n);
	add_tcp(RAW, &s, 5001, 0x18, record.b, record.n);
	static struct kx_bytes f;
	write_pcap(&f, KX_LINKTYPE_RAW_IP, 0, 0);
	struct kx_pcap_handshake *hs = NULL;
	assert_int_equal(find(&f, &hs), 1);
	assert_int_equal(hs[0].server_hello_packet, 2);
	assert_int_equal(hs[0].server_random[0], 0x50);
	free(hs);
}

/* ClientHello, HelloVerifyRequest, ClientHello with the same random, then a datagram with the
 * ServerHello and the first fragment of a Certificate: one handshake. */
static void test_dtls_with_hello_verify_request(void **state)
{
	(void)state;
	struct ends c = {0, 1}, s = {0, 0};
	struct kx_bytes ch = {.n = 0}, sh = {.n = 0}, d = {.n = 0};
	client_hello_body(&ch, 0xFEFD, 0xC0);
	server_hello_body(&sh, 0xFEFD, 0x50, 0);
	n_packets = 0;
	dtls_fragment(&d, 1, 0, ch.b, ch.n, 0, ch.n);
	add_udp(SLL2, &c, d.b, d.n);
	uint8_t hvr[3 + 8] = {0xFE, 0xFD, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	d.n = 0;
	dtls_fragment(&d, 3, 0, hvr, sizeof hvr, 0, sizeof hvr);
	add_udp(SLL2, &s, d.b, d.n);
	d.n = 0;
	dtls_fragment(&d, 1, 1, ch.b, ch.n, 0, ch.n);
	add_udp(SLL2, &c, d.b, d.n);
	d.n = 0;
	dtls_fragment(&d, 2, 1, sh.b, sh.n, 0, sh.n);
	uint8_t cert[300] = {0};
	dtls_fragment(&d, 11, 2, cert, sizeof cert, 0, 100);
	add_udp(SLL2, &s, d.b, d.n);
	static struct kx_bytes f;
	write_pcapng(&f, KX_LINKTYPE_LINUX_SLL2, 1, NULL);
	struct kx_pcap_handshake *hs = NULL;
	assert_int_equal(find(&f, &hs), 1);
	assert_int_equal(hs[0].dtls, 1);
	assert_string_equal(hs[0].server, "10.0.0.2:4433");
	assert_int_equal(hs[0].client_hello_packet, 1);
	assert_int_equal(hs[0].server_hello_packet, 4);
	assert_int_equal(hs[0].version, 0xFEFD);
	assert_int_equal(hs[0].server_random[31], 0x50 + 31);
	free(hs);
}

static void test_secrets_blocks_are_collected(void **state)
{
	(void)state;
	tls_conversation(RAW, 0, 0);
	for (int big = 0; big < 2; big++) {
		static struct kx_bytes f;
		write_pcapng(&f, KX_LINKTYPE_RAW_IP, big, "CLIENT_RANDOM abc def");
		struct kx_pcap cap;
		assert_int_equal(parse(&f, f.n, &cap), 0);
		assert_int_equal(cap.pcapng, 1);
		assert_int_equal(cap.n_secrets_blocks, 1);
		assert_string_equal(cap.secrets, "CLIENT_RANDOM abc def\n");
		assert_int_equal(cap.n_packets, 4);
		kx_pcap_free(&cap);
	}
}

/* A file cut anywhere is an error that says it is cut short, unless the cut falls between records. */
static void test_every_truncation(void **state)
{
	(void)state;
	tls_conversation(ETH, 0, 0);
	for (int ng = 0; ng < 2; ng++) {
		static struct kx_bytes f;
		if (ng)
			write_pcapng(&f, KX_LINKTYPE_ETHERNET, 0, "CLIENT_RANDOM x y\n");
		else
			write_pcap(&f, KX_LINKTYPE_ETHERNET, 0, 0);
		size_t boundaries[64], nb = 0, at = ng ? 0 : 24;
		boundaries[nb++] = at;
		while (at < f.n) {
			size_t step = ng ? (size_t)(f.b[at + 4] | f.b[at + 5] << 8)
			                 : 16 + (size_t)(f.b[at + 8] | f.b[at + 9] << 8);
			at += step;
			boundaries[nb++] = at;
		}
		for (size_t cut = 0; cut < f.n; cut++) {
			struct kx_pcap cap;
			int ret = parse(&f, cut, &cap);
			int boundary = 0;
			for (size_t i = 0; i < nb; i++)
				boundary |= boundaries[i] == cut && cut > 0;
			if (boundary != (ret == 0))
				fail_msg("%s cut at %zu of %zu: returned %d (%s)", ng ? "pcapng" : "pcap",
				         cut, f.n, ret, err);
			if (ret != 0 && cut >= 4 && strstr(err, "cut short") == NULL &&
			    strstr(err, "too short") == NULL)
				fail_msg("%s cut at %zu: \"%s\" does not say the file is cut short",
				         ng ? "pcapng" : "pcap", cut, err);
			kx_pcap_free(&cap);
		}
	}
}

static void test_corruption_is_named(void **state)
{
	(void)state;
	tls_conversation(RAW, 0, 0);
	static struct kx_bytes f;
	write_pcapng(&f, KX_LINKTYPE_RAW_IP, 0, NULL);
	struct kx_pcap cap;
	f.b[f.n - 1] ^= 0x40; /* the last block's trailing length */
	assert_int_equal(parse(&f, f.n, &cap), -1);
	assert_non_null(strstr(err, "corrupted"));
	kx_pcap_free(&cap);
	const char *text = "CLIENT_RANDOM not a capture\n";
	struct kx_bytes t = {.n = 0};
	kx_put(&t, text, strlen(text));
	assert_int_equal(parse(&t, t.n, &cap), -1);
	assert_non_null(strstr(err, "neither a pcap nor a pcapng"));
	kx_pcap_free(&cap);
	assert_int_equal(kx_pcap_load("/nonexistent/x.pcap", &cap, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/x.pcap"));
	kx_pcap_free(&cap);
}

/* No handshake: the statistics say what was there instead. */
static void test_no_handshake_statistics(void **state)
{
	(void)state;
	struct ends c = {0, 1};
	n_packets = 0;
	add_udp(RAW, &c, (const uint8_t *)"hello", 5);
	add_tcp(RAW, &c, 1, 0x18, (const uint8_t *)"GET / HTTP/1.1\r\n", 16);
	/* An IPv4 fragment. */
	struct kx_bytes *x = &packets[n_packets++].bytes;
	x->n = 0;
	ip_header(x, &c, 17, 8);
	x->b[6] = 0x20; /* more fragments */
	uint8_t udp[8] = {0};
	kx_put(x, udp, 8);
	static struct kx_bytes f;
	write_pcap(&f, KX_LINKTYPE_RAW_IP, 0, 0);
	struct kx_pcap cap;
	assert_int_equal(parse(&f, f.n, &cap), 0);
	struct kx_pcap_handshake *hs = NULL;
	size_t n = 9;
	struct kx_pcap_stats stats;
	assert_int_equal(kx_pcap_find_handshakes(&cap, &hs, &n, &stats, err, sizeof err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(stats.packets, 3);
	assert_int_equal(stats.udp, 1);
	assert_int_equal(stats.tcp, 1);
	assert_int_equal(stats.undecoded, 1);
	assert_non_null(strstr(stats.first_problem, "IPv4 fragment"));
	assert_int_equal(stats.tcp_streams, 1);
	assert_int_equal(stats.tls_streams, 0);
	free(hs);
	kx_pcap_free(&cap);
	/* A link type the reader does not know. */
	write_pcap(&f, 147, 0, 0);
	assert_int_equal(parse(&f, f.n, &cap), 0);
	assert_int_equal(kx_pcap_find_handshakes(&cap, &hs, &n, &stats, err, sizeof err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(stats.unsupported_linktype, 147);
	free(hs);
	kx_pcap_free(&cap);
}

KX_UNIT_MAIN(
	cmocka_unit_test(test_every_link_type_and_file_format),
	cmocka_unit_test(test_ipv6_with_extension_header),
	cmocka_unit_test(test_tls13_server_hello),
	cmocka_unit_test(test_tcp_reassembly),
	cmocka_unit_test(test_server_hello_beside_a_lost_message),
	cmocka_unit_test(test_dtls_with_hello_verify_request),
	cmocka_unit_test(test_secrets_blocks_are_collected),
	cmocka_unit_test(test_every_truncation),
	cmocka_unit_test(test_corruption_is_named),
	cmocka_unit_test(test_no_handshake_statistics))
