/* fuzz_pcap_read.c - capture files as `kxconform verify` reads a vendor's
 * (harness/core/pcap_file.c, pcap_packet.c, pcap_flows.c, pcap_handshakes.c):
 * pcap and pcapng parsing, the link, IP and transport layers of every
 * packet, TCP reassembly and the search for TLS and DTLS handshakes; the key
 * logs found in Decryption Secrets Blocks go through the key log parser
 * (harness/core/keylog.c), as verify would.
 *
 * Invariants:
 * - a refused file says why (and frees cleanly);
 * - every packet lies inside the file's bytes, numbered 1, 2, 3, ...;
 * - a decoded packet's payload lies inside the packet, over TCP or UDP, IPv4 or IPv6;
 * - the statistics add up (every packet is TCP, UDP or undecoded; TLS
 *   streams are TCP streams), and every handshake names frames that exist,
 *   in capture order, with its end-points' texts terminated;
 * - the secrets text is NUL-terminated at its length. */
#include "fuzz.h"

#include "core/keylog.h"
#include "core/pcap_file.h"
#include "core/pcap_handshakes.h"
#include "core/pcap_packet.h"

#include <string.h>

static void check_packets(const struct kx_pcap *cap)
{
	for (size_t i = 0; i < cap->n_packets; i++) {
		const struct kx_pcap_packet *p = &cap->packets[i];
		struct kx_pcap_l4 l4;
		char err[256] = "";

		FUZZ_CHECK(p->number == i + 1, "packet %zu is numbered %zu", i + 1, p->number);
		FUZZ_CHECK(p->data >= cap->buf && p->len <= cap->buf_len &&
		               (size_t)(p->data - cap->buf) <= cap->buf_len - p->len,
		           "packet %zu (%zu bytes) lies outside the file", p->number, p->len);
		if (kx_pcap_decode(p, &l4, err, sizeof err) != 0) {
			FUZZ_CHECK(err[0] != '\0', "packet %zu is not decoded, without a reason", p->number);
			continue;
		}
		FUZZ_CHECK(l4.ip_version == 4 || l4.ip_version == 6, "packet %zu: IP version %d", p->number,
		           l4.ip_version);
		FUZZ_CHECK(l4.proto == 6 || l4.proto == 17, "packet %zu: protocol %u", p->number, l4.proto);
		FUZZ_CHECK(l4.payload >= p->data && l4.len <= p->len &&
		               (size_t)(l4.payload - p->data) <= p->len - l4.len,
		           "packet %zu: the payload (%zu bytes) lies outside the packet", p->number, l4.len);
	}
}

static void check_handshakes(const struct kx_pcap *cap)
{
	struct kx_pcap_handshake *hs = NULL;
	struct kx_pcap_stats stats;
	size_t n = 0;
	char err[256] = "";

	FUZZ_CHECK(kx_pcap_find_handshakes(cap, &hs, &n, &stats, err, sizeof err) == 0,
	           "the search failed: %s", err);
	FUZZ_CHECK(stats.packets == cap->n_packets, "%zu packets counted of %zu", stats.packets,
	           cap->n_packets);
	FUZZ_CHECK(stats.tcp + stats.udp + stats.undecoded == stats.packets,
	           "TCP %zu + UDP %zu + undecoded %zu != %zu", stats.tcp, stats.udp, stats.undecoded,
	           stats.packets);
	FUZZ_CHECK(stats.tls_streams <= stats.tcp_streams && stats.dtls_datagrams <= stats.udp,
	           "more TLS streams or DTLS datagrams than there are");
	FUZZ_CHECK((stats.undecoded == 0) == (stats.first_problem[0] == '\0'),
	           "undecoded packets without a problem, or the reverse");
	FUZZ_CHECK(memchr(stats.first_problem, '\0', sizeof stats.first_problem) != NULL,
	           "first_problem is not terminated");
	for (size_t i = 0; i < n; i++) {
		const struct kx_pcap_handshake *h = &hs[i];

		FUZZ_CHECK(h->client_hello_packet >= 1 && h->client_hello_packet <= cap->n_packets,
		           "handshake %zu: ClientHello in frame %zu of %zu", i, h->client_hello_packet,
		           cap->n_packets);
		FUZZ_CHECK(h->server_hello_packet <= cap->n_packets,
		           "handshake %zu: ServerHello in frame %zu of %zu", i, h->server_hello_packet,
		           cap->n_packets);
		FUZZ_CHECK(i == 0 || hs[i - 1].client_hello_packet <= h->client_hello_packet,
		           "handshakes out of capture order");
		FUZZ_CHECK(memchr(h->client, '\0', sizeof h->client) != NULL &&
		               memchr(h->server, '\0', sizeof h->server) != NULL,
		           "handshake %zu: an end-point text is not terminated", i);
	}
	free(hs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_pcap cap;
	char err[512] = "";

	if (kx_pcap_parse(data, size, &cap, err, sizeof err) != 0) {
		FUZZ_CHECK(err[0] != '\0', "a refused file has no reason");
		kx_pcap_free(&cap);
		return 0;
	}
	FUZZ_CHECK(cap.buf_len == size && (size == 0 || memcmp(cap.buf, data, size) == 0),
	           "the file was not copied whole");
	check_packets(&cap);
	check_handshakes(&cap);
	if (cap.secrets != NULL) {
		struct kx_keylog log = {0};

		FUZZ_CHECK(cap.secrets[cap.secrets_len] == '\0' && cap.n_secrets_blocks > 0,
		           "the secrets text is not terminated or not counted");
		(void)kx_keylog_parse(&log, cap.secrets, cap.secrets_len, err, sizeof err);
		kx_keylog_free(&log);
	}
	kx_pcap_free(&cap);
	return 0;
}
