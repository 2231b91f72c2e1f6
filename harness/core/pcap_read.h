/* pcap_read.h - reads a capture and finds the TLS and DTLS handshakes in it,
 * for checking a vendor's claims offline (`kxconform verify`).
 *
 * Files: classic pcap (either byte order, microsecond or nanosecond
 * timestamps) and pcapng (sections in either byte order, several interfaces,
 * Enhanced, Simple and obsolete Packet Blocks), with the TLS key logs of
 * pcapng Decryption Secrets Blocks collected as text. A file cut short or a
 * block whose lengths contradict each other is an error naming the place.
 *
 * Packets: Ethernet (with 802.1Q/802.1ad tags), raw IP, Linux cooked capture
 * v1 and v2, and BSD/OpenBSD loopback link layers; IPv4 (unfragmented) and
 * IPv6 (hop-by-hop, routing and destination options headers skipped); TCP
 * and UDP.
 *
 * Handshakes: each TCP direction is reassembled from its segments in
 * sequence order (retransmissions and overlaps dropped, out-of-order
 * segments put back in place, the stream cut at the first gap); a TLS
 * stream is one that opens with a handshake record holding a ClientHello,
 * and its reverse direction gives the ServerHello. DTLS is recognised per
 * UDP datagram. The records are read with core/tls_records.c; the randoms,
 * the suite and the version come from the hello bodies. */
#ifndef KX_PCAP_READ_H
#define KX_PCAP_READ_H

#include <stddef.h>
#include <stdint.h>

/* Link types (tcpdump.org/linktypes.html). */
#define KX_LINKTYPE_NULL 0
#define KX_LINKTYPE_ETHERNET 1
#define KX_LINKTYPE_RAW_IP 101
#define KX_LINKTYPE_LOOP 108
#define KX_LINKTYPE_LINUX_SLL 113
#define KX_LINKTYPE_IPV4 228
#define KX_LINKTYPE_IPV6 229
#define KX_LINKTYPE_LINUX_SLL2 276

struct kx_pcap_packet {
	size_t number; /* 1-based, in file order (Wireshark's frame number) */
	uint32_t linktype;
	const uint8_t *data; /* the captured bytes, inside kx_pcap.buf */
	size_t len;          /* captured length */
	size_t orig_len;     /* length on the wire */
};

struct kx_pcap {
	int pcapng;   /* 1: pcapng, 0: classic pcap */
	uint8_t *buf; /* the whole file */
	size_t buf_len;
	struct kx_pcap_packet *packets;
	size_t n_packets, cap_packets;
	char *secrets; /* the TLS key logs of every Decryption Secrets Block, as text */
	size_t secrets_len;
	size_t n_secrets_blocks; /* TLS key log DSBs seen */
};

/* Reads the pcap or pcapng file at path; 0, or -1 with err naming the file and what is wrong. */
int kx_pcap_load(const char *path, struct kx_pcap *cap, char *err, size_t errlen);

/* Reads len bytes of a pcap or pcapng file (copied); 0, or -1 with err naming the offset at fault. */
int kx_pcap_parse(const uint8_t *data, size_t len, struct kx_pcap *cap, char *err, size_t errlen);

/* Frees everything the capture holds. */
void kx_pcap_free(struct kx_pcap *cap);

/* A packet's transport layer. */
struct kx_pcap_l4 {
	int ip_version;           /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4 addresses in the first 4 bytes */
	uint8_t proto;            /* 6 TCP, 17 UDP */
	uint16_t sport, dport;
	uint32_t seq;      /* TCP */
	uint8_t tcp_flags; /* TCP */
	const uint8_t *payload;
	size_t len;
};

/* Decodes the link layer, IP and TCP or UDP of a packet; 0, or -1 with the reason it is not a
 * TCP or UDP packet this reader understands (link type, fragment, truncation) in err. */
int kx_pcap_decode(const struct kx_pcap_packet *packet, struct kx_pcap_l4 *out, char *err, size_t errlen);

/* One handshake: a ClientHello, and the ServerHello that answered it if there was one. */
struct kx_pcap_handshake {
	int dtls;
	char client[64], server[64]; /* "127.0.0.1:50000", "[::1]:4433" */
	size_t client_hello_packet;  /* frame number */
	size_t server_hello_packet;  /* 0: no ServerHello seen */
	uint8_t client_random[32], server_random[32];
	uint16_t version;           /* negotiated: ServerHello's, or its supported_versions */
	uint16_t suite;             /* negotiated cipher suite */
	int extended_master_secret; /* the ServerHello carried the RFC 7627 extension */
	/* TLS, read from the plaintext handshake messages (ESCertKE authenticates both ends, spec
	 * README point 12); all 0 when auth_read is 0 (DTLS, or the streams could not be read). */
	int auth_read;
	int certificate_request; /* the server sent CertificateRequest */
	int client_certificate;  /* the client sent a Certificate holding a certificate */
	int certificate_verify;  /* the client sent CertificateVerify */
};

/* What was looked at, for the error that says no handshake was found. */
struct kx_pcap_stats {
	size_t packets, tcp, udp, undecoded;
	size_t tcp_streams, tls_streams, dtls_datagrams;
	uint32_t unsupported_linktype; /* the first link type that could not be read, or 0 */
	char first_problem[200];       /* why the first undecoded packet was not read */
};

/* Finds every handshake in capture order; *out is malloc'd (free() it) with *n entries. 0, or
 * -1 with err when memory runs out. Finding none is not an error: stats says what was seen. */
int kx_pcap_find_handshakes(const struct kx_pcap *cap, struct kx_pcap_handshake **out, size_t *n,
                            struct kx_pcap_stats *stats, char *err, size_t errlen);

#endif
