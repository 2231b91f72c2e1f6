/* pcap_stats.h - what a search of a capture for handshakes looked at: the
 * packets it could and could not read (counted as pcap_flows.c sorts them)
 * and the streams and datagrams it read (counted by pcap_handshakes.c), for
 * the error that says no handshake was found. Its own header so that the
 * two files that fill it need not include each other. */
#ifndef KX_PCAP_STATS_H
#define KX_PCAP_STATS_H

#include <stddef.h>
#include <stdint.h>

/* What was looked at, for the error that says no handshake was found. */
struct kx_pcap_stats {
	size_t packets, tcp, udp, undecoded;
	size_t tcp_streams, tls_streams, dtls_datagrams;
	uint32_t unsupported_linktype; /* the first link type that could not be read, or 0 */
	char first_problem[200];       /* why the first undecoded packet was not read */
};

#endif
