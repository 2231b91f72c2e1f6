/* pcap_handshakes.h - the TLS and DTLS handshakes in a capture: who talked,
 * in which frames, and what their hellos say (the randoms, the suite and the
 * version that the exporter needs).
 *
 * Each TCP direction is reassembled from its segments in sequence order
 * (retransmissions and overlaps dropped, out-of-order segments put back in
 * place, the stream cut at the first gap: pcap_flows.h); a TLS stream is one
 * that opens with a handshake record holding a ClientHello, and its reverse
 * direction gives the ServerHello. DTLS is recognised per UDP datagram. The
 * records are read with the readers of core/tls_records.h. */
#ifndef KX_PCAP_HANDSHAKES_H
#define KX_PCAP_HANDSHAKES_H

#include <stddef.h>
#include <stdint.h>

#include "core/pcap_file.h"
#include "core/pcap_stats.h"

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

/* Finds every handshake in capture order; *out is malloc'd (free() it) with *n entries. 0, or
 * -1 with err when memory runs out. Finding none is not an error: stats says what was seen. */
int kx_pcap_find_handshakes(const struct kx_pcap *cap, struct kx_pcap_handshake **out, size_t *n,
                            struct kx_pcap_stats *stats, char *err, size_t errlen);

#endif
