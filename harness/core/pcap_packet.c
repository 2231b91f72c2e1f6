/* pcap_packet.c - one packet's link layer, IP header and TCP or UDP header.
 *
 * Every read is checked against the packet's captured length first; what is
 * not an unfragmented IP packet carrying TCP or UDP is refused with the
 * reason, which kxconform verify reports for the first such packet. */
#include "core/pcap_packet.h"

#include "core/byte_order.h"
#include "core/errors.h"

#include <string.h>

/* Extension headers skipped in an IPv6 packet before giving up. */
#define IPV6_EXTENSIONS_MAX 8

/* Finds the IP header behind the link layer; 0 with *ip set, or -1 with err. */
static int link_layer(const struct kx_pcap_packet *p, size_t *ip, char *err, size_t errlen)
{
	const uint8_t *d = p->data;
	size_t len = p->len;
	uint32_t family;
	uint16_t ethertype;
	switch (p->linktype) {
	case KX_LINKTYPE_NULL:
	case KX_LINKTYPE_LOOP:
		if (len < 4)
			return kx_errorf(err, errlen, "loopback header truncated");
		/* NULL is in the capturing host's order; LOOP is big-endian. Try both. */
		family = kx_rd32(d, p->linktype == KX_LINKTYPE_LOOP);
		if (family > 0xFFFF)
			family = kx_rd32(d, p->linktype != KX_LINKTYPE_LOOP);
		if (family != 2 && family != 24 && family != 28 && family != 30)
			return kx_errorf(err, errlen, "loopback address family %u is not IP",
			                 (unsigned)family);
		*ip = 4;
		return 0;
	case KX_LINKTYPE_ETHERNET: {
		size_t at = 12;
		if (len < 14)
			return kx_errorf(err, errlen, "Ethernet header truncated");
		ethertype = kx_be16(d + at);
		/* Up to two VLAN tags (802.1Q, 802.1ad, the old QinQ value). */
		for (int tags = 0;
		     tags < 2 && (ethertype == 0x8100 || ethertype == 0x88A8 || ethertype == 0x9100);
		     tags++) {
			at += 4;
			if (len < at + 2)
				return kx_errorf(err, errlen, "VLAN tag truncated");
			ethertype = kx_be16(d + at);
		}
		*ip = at + 2;
		break;
	}
	case KX_LINKTYPE_LINUX_SLL:
		if (len < 16)
			return kx_errorf(err, errlen, "Linux cooked header truncated");
		ethertype = kx_be16(d + 14);
		*ip = 16;
		break;
	case KX_LINKTYPE_LINUX_SLL2:
		if (len < 20)
			return kx_errorf(err, errlen, "Linux cooked v2 header truncated");
		ethertype = kx_be16(d);
		*ip = 20;
		break;
	case KX_LINKTYPE_RAW_IP:
	case KX_LINKTYPE_IPV4:
	case KX_LINKTYPE_IPV6:
	case 12: /* DLT_RAW as some systems number it in files */
	case 14:
		*ip = 0;
		return 0;
	default:
		return kx_errorf(err, errlen, "link type %u is not one this reader knows",
		                 (unsigned)p->linktype);
	}
	if (ethertype != 0x0800 && ethertype != 0x86DD)
		return kx_errorf(err, errlen, "ethertype 0x%04x is not IP", (unsigned)ethertype);
	return 0;
}

/* IPv6 extension headers up to the transport; 0 with *next and *at set, or -1. */
static int ipv6_transport(const uint8_t *d, size_t end, uint8_t *next, size_t *at, char *err, size_t errlen)
{
	for (int i = 0; i < IPV6_EXTENSIONS_MAX; i++) {
		uint8_t h = *next;
		size_t hlen;
		if (h != 0 && h != 43 && h != 60 && h != 44 && h != 51)
			return 0;
		if (end < *at + 8)
			return kx_errorf(err, errlen, "IPv6 extension header truncated");
		if (h == 44) {
			/* A fragment; only an atomic one (offset 0, no more fragments) holds a whole
			 * datagram. */
			if ((kx_be16(d + *at + 2) & 0xFFF9u) != 0)
				return kx_errorf(err, errlen, "IPv6 fragment");
			hlen = 8;
		} else if (h == 51) {
			hlen = ((size_t)d[*at + 1] + 2) * 4;
		} else {
			hlen = ((size_t)d[*at + 1] + 1) * 8;
		}
		*next = d[*at];
		*at += hlen;
		if (*at > end)
			return kx_errorf(err, errlen, "IPv6 extension header truncated");
	}
	return kx_errorf(err, errlen, "more than %d IPv6 extension headers", IPV6_EXTENSIONS_MAX);
}

int kx_pcap_decode(const struct kx_pcap_packet *packet, struct kx_pcap_l4 *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	size_t at = 0;
	if (link_layer(packet, &at, err, errlen) != 0)
		return -1;
	const uint8_t *d = packet->data;
	size_t len = packet->len, end;
	if (len <= at)
		return kx_errorf(err, errlen, "no IP header");
	if (d[at] >> 4 == 4) {
		if (len - at < 20)
			return kx_errorf(err, errlen, "IPv4 header truncated");
		size_t ihl = (size_t)(d[at] & 0x0F) * 4, total = kx_be16(d + at + 2);
		if (ihl < 20 || total < ihl)
			return kx_errorf(err, errlen, "malformed IPv4 header");
		if (total > len - at)
			return kx_errorf(err, errlen, "IPv4 packet captured short (%zu of %zu bytes)",
			                 len - at, total);
		if ((kx_be16(d + at + 6) & 0x3FFFu) != 0)
			return kx_errorf(err, errlen, "IPv4 fragment");
		out->ip_version = 4;
		out->proto = d[at + 9];
		memcpy(out->src, d + at + 12, 4);
		memcpy(out->dst, d + at + 16, 4);
		end = at + total; /* drops Ethernet padding */
		at += ihl;
	} else if (d[at] >> 4 == 6) {
		if (len - at < 40)
			return kx_errorf(err, errlen, "IPv6 header truncated");
		size_t payload = kx_be16(d + at + 4);
		if (payload == 0)
			payload = len - at - 40; /* a jumbogram; take what was captured */
		if (payload > len - at - 40)
			return kx_errorf(err, errlen, "IPv6 packet captured short");
		out->ip_version = 6;
		out->proto = d[at + 6];
		memcpy(out->src, d + at + 8, 16);
		memcpy(out->dst, d + at + 24, 16);
		end = at + 40 + payload;
		at += 40;
		if (ipv6_transport(d, end, &out->proto, &at, err, errlen) != 0)
			return -1;
	} else {
		return kx_errorf(err, errlen, "IP version %u", (unsigned)(d[at] >> 4));
	}
	if (out->proto == 6) {
		if (end - at < 20 || (size_t)(d[at + 12] >> 4) * 4 < 20 ||
		    (size_t)(d[at + 12] >> 4) * 4 > end - at)
			return kx_errorf(err, errlen, "TCP header truncated or malformed");
		out->sport = kx_be16(d + at);
		out->dport = kx_be16(d + at + 2);
		out->seq = kx_be32(d + at + 4);
		out->tcp_flags = d[at + 13];
		size_t off = (size_t)(d[at + 12] >> 4) * 4;
		out->payload = d + at + off;
		out->len = end - at - off;
		return 0;
	}
	if (out->proto == 17) {
		if (end - at < 8)
			return kx_errorf(err, errlen, "UDP header truncated");
		size_t ulen = kx_be16(d + at + 4);
		out->sport = kx_be16(d + at);
		out->dport = kx_be16(d + at + 2);
		out->payload = d + at + 8;
		out->len = ulen >= 8 && ulen <= end - at ? ulen - 8 : end - at - 8;
		return 0;
	}
	return kx_errorf(err, errlen, "IP protocol %u is neither TCP nor UDP", (unsigned)out->proto);
}
