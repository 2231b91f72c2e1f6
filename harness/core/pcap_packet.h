/* pcap_packet.h - one captured packet's layers, down to its TCP or UDP
 * payload.
 *
 * Link layers: Ethernet (with 802.1Q/802.1ad tags), raw IP, Linux cooked
 * capture v1 and v2, and BSD/OpenBSD loopback; IPv4 (unfragmented) and IPv6
 * (hop-by-hop, routing and destination options headers skipped); TCP and
 * UDP. The decoder reads only within the packet's captured length. */
#ifndef KX_PCAP_PACKET_H
#define KX_PCAP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/pcap_file.h"

/* Link types (tcpdump.org/linktypes.html). */
#define KX_LINKTYPE_NULL 0
#define KX_LINKTYPE_ETHERNET 1
#define KX_LINKTYPE_RAW_IP 101
#define KX_LINKTYPE_LOOP 108
#define KX_LINKTYPE_LINUX_SLL 113
#define KX_LINKTYPE_IPV4 228
#define KX_LINKTYPE_IPV6 229
#define KX_LINKTYPE_LINUX_SLL2 276

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

#endif
