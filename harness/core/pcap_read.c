/* pcap_read.c - capture files in, handshakes out.
 *
 * The file is read whole into memory and every packet points into it, so a
 * packet's bytes are checked against the file's length once, at the record
 * or block that holds them; the decoders below only ever read within a
 * packet's captured length. Lengths in the file are distrusted: each record
 * and block is checked against what remains before anything is read from
 * it. */
#include "core/pcap_read.h"

#include "core/byte_order.h"
#include "core/errors.h"
#include "core/file_read.h"
#include "core/tls_records.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Larger than any capture of handshakes a vendor would hand over; a bound on a wrong path. */
#define CAPTURE_FILE_MAX (1024u * 1024u * 1024u)
/* A handshake is near the start of its stream; the rest (application data) is not needed. */
#define STREAM_MAX (256u * 1024u)
/* Extension headers skipped in an IPv6 packet before giving up. */
#define IPV6_EXTENSIONS_MAX 8

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_PB 0x00000002u
#define PCAPNG_SPB 0x00000003u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_DSB 0x0000000Au
#define PCAPNG_SECRETS_TLS 0x544c534bu

/* ---- the file ------------------------------------------------------------ */

static int add_packet(struct kx_pcap *cap, uint32_t linktype, const uint8_t *data, size_t len,
                      size_t orig_len)
{
	if (cap->n_packets == cap->cap_packets) {
		size_t n = cap->cap_packets ? cap->cap_packets * 2 : 256;
		struct kx_pcap_packet *more = realloc(cap->packets, n * sizeof *more);
		if (more == NULL)
			return -1;
		cap->packets = more;
		cap->cap_packets = n;
	}
	struct kx_pcap_packet *p = &cap->packets[cap->n_packets++];
	p->number = cap->n_packets;
	p->linktype = linktype;
	p->data = data;
	p->len = len;
	p->orig_len = orig_len;
	return 0;
}

static int parse_pcap(struct kx_pcap *cap, int big, char *err, size_t errlen)
{
	const uint8_t *b = cap->buf;
	size_t len = cap->buf_len;
	if (len < 24)
		return kx_errorf(err, errlen,
		                 "a pcap file header is 24 bytes, the file has %zu: it is cut short", len);
	/* The upper bits of the link type field may carry FCS information. */
	uint32_t linktype = kx_rd32(b + 20, big) & 0xFFFFu;
	size_t pos = 24;
	while (pos < len) {
		size_t number = cap->n_packets + 1;
		if (len - pos < 16)
			return kx_errorf(
			    err, errlen,
			    "packet %zu at offset %zu: its record header has %zu of 16 bytes: the "
			    "file is cut short",
			    number, pos, len - pos);
		uint32_t incl = kx_rd32(b + pos + 8, big), orig = kx_rd32(b + pos + 12, big);
		if (incl > len - pos - 16)
			return kx_errorf(
			    err, errlen,
			    "packet %zu at offset %zu declares %u captured bytes, %zu remain: the "
			    "file is cut short",
			    number, pos, (unsigned)incl, len - pos - 16);
		if (add_packet(cap, linktype, b + pos + 16, incl, orig) != 0)
			return kx_errorf(err, errlen, "out of memory");
		pos += 16 + (size_t)incl;
	}
	return 0;
}

struct section {
	int big;
	uint32_t linktypes[256];
	size_t n_interfaces;
	size_t index; /* 1-based, for messages */
};

static int add_secrets(struct kx_pcap *cap, const uint8_t *data, size_t len)
{
	char *more = realloc(cap->secrets, cap->secrets_len + len + 2);
	if (more == NULL)
		return -1;
	cap->secrets = more;
	memcpy(cap->secrets + cap->secrets_len, data, len);
	cap->secrets_len += len;
	/* Blocks are concatenated as lines: a block need not end with a newline. */
	if (len > 0 && data[len - 1] != '\n')
		cap->secrets[cap->secrets_len++] = '\n';
	cap->secrets[cap->secrets_len] = '\0';
	cap->n_secrets_blocks++;
	return 0;
}

/* One pcapng block's body (between its two length fields). */
static int pcapng_block(struct kx_pcap *cap, struct section *s, uint32_t type, const uint8_t *body,
                        size_t body_len, size_t pos, char *err, size_t errlen)
{
	int big = s->big;
	switch (type) {
	case PCAPNG_IDB:
		if (body_len < 8)
			return kx_errorf(err, errlen,
			                 "Interface Description Block at offset %zu is %zu bytes, too short",
			                 pos, body_len + 12);
		if (s->n_interfaces == sizeof s->linktypes / sizeof s->linktypes[0])
			return kx_errorf(err, errlen, "section %zu describes more than %zu interfaces",
			                 s->index, sizeof s->linktypes / sizeof s->linktypes[0]);
		s->linktypes[s->n_interfaces++] = kx_rd16(body, big);
		return 0;
	case PCAPNG_EPB:
	case PCAPNG_PB: {
		if (body_len < 20)
			return kx_errorf(err, errlen, "packet block at offset %zu is %zu bytes, too short",
			                 pos, body_len + 12);
		uint32_t interface = type == PCAPNG_EPB ? kx_rd32(body, big) : kx_rd16(body, big);
		uint32_t caplen = kx_rd32(body + 12, big), orig = kx_rd32(body + 16, big);
		if (interface >= s->n_interfaces)
			return kx_errorf(
			    err, errlen,
			    "packet block at offset %zu names interface %u; section %zu describes "
			    "%zu before it",
			    pos, (unsigned)interface, s->index, s->n_interfaces);
		if (caplen > body_len - 20)
			return kx_errorf(
			    err, errlen,
			    "packet block at offset %zu declares %u captured bytes in a %zu-byte block", pos,
			    (unsigned)caplen, body_len + 12);
		return add_packet(cap, s->linktypes[interface], body + 20, caplen, orig) == 0
		           ? 0
		           : kx_errorf(err, errlen, "out of memory");
	}
	case PCAPNG_SPB: {
		if (body_len < 4)
			return kx_errorf(err, errlen, "Simple Packet Block at offset %zu is too short", pos);
		if (s->n_interfaces == 0)
			return kx_errorf(
			    err, errlen,
			    "Simple Packet Block at offset %zu before any interface is described", pos);
		uint32_t orig = kx_rd32(body, big);
		size_t caplen = orig < body_len - 4 ? orig : body_len - 4;
		return add_packet(cap, s->linktypes[0], body + 4, caplen, orig) == 0
		           ? 0
		           : kx_errorf(err, errlen, "out of memory");
	}
	case PCAPNG_DSB: {
		if (body_len < 8)
			return kx_errorf(err, errlen, "Decryption Secrets Block at offset %zu is too short",
			                 pos);
		uint32_t secrets_type = kx_rd32(body, big), secrets_len = kx_rd32(body + 4, big);
		if (secrets_len > body_len - 8)
			return kx_errorf(
			    err, errlen,
			    "Decryption Secrets Block at offset %zu declares %u bytes of secrets in "
			    "a %zu-byte block",
			    pos, (unsigned)secrets_len, body_len + 12);
		if (secrets_type == PCAPNG_SECRETS_TLS && add_secrets(cap, body + 8, secrets_len) != 0)
			return kx_errorf(err, errlen, "out of memory");
		return 0;
	}
	default:
		return 0; /* statistics, name resolution, custom blocks: nothing needed here */
	}
}

static int parse_pcapng(struct kx_pcap *cap, char *err, size_t errlen)
{
	const uint8_t *b = cap->buf;
	size_t len = cap->buf_len, pos = 0, sections = 0;
	struct section s;
	memset(&s, 0, sizeof s);
	while (pos < len) {
		if (len - pos < 12)
			return kx_errorf(
			    err, errlen,
			    "block at offset %zu has %zu of at least 12 bytes: the file is cut short", pos,
			    len - pos);
		int shb = kx_be32(b + pos) == PCAPNG_SHB; /* the same bytes in both orders */
		if (shb) {
			uint32_t magic = kx_be32(b + pos + 8);
			if (magic != 0x1A2B3C4Du && magic != 0x4D3C2B1Au)
				return kx_errorf(err, errlen,
				                 "Section Header Block at offset %zu has no byte-order magic",
				                 pos);
			memset(&s, 0, sizeof s);
			s.big = magic == 0x1A2B3C4Du;
			s.index = ++sections;
		}
		uint32_t type = kx_rd32(b + pos, s.big), blen = kx_rd32(b + pos + 4, s.big);
		if (blen < 12 || blen % 4 != 0)
			return kx_errorf(
			    err, errlen,
			    "block at offset %zu (type 0x%08x) has an impossible length of %u bytes", pos,
			    (unsigned)type, (unsigned)blen);
		if (blen > len - pos)
			return kx_errorf(
			    err, errlen,
			    "block at offset %zu (type 0x%08x) declares %u bytes, %zu remain: the "
			    "file is cut short",
			    pos, (unsigned)type, (unsigned)blen, len - pos);
		if (kx_rd32(b + pos + blen - 4, s.big) != blen)
			return kx_errorf(
			    err, errlen,
			    "block at offset %zu (type 0x%08x): its trailing length %u differs from "
			    "its leading "
			    "length %u: the file is corrupted",
			    pos, (unsigned)type, (unsigned)kx_rd32(b + pos + blen - 4, s.big), (unsigned)blen);
		if (shb) {
			if (blen < 28)
				return kx_errorf(err, errlen,
				                 "Section Header Block at offset %zu is too short", pos);
			if (kx_rd16(b + pos + 12, s.big) != 1)
				return kx_errorf(
				    err, errlen,
				    "section %zu at offset %zu has pcapng major version %u, not 1", s.index,
				    pos, (unsigned)kx_rd16(b + pos + 12, s.big));
		} else if (pcapng_block(cap, &s, type, b + pos + 8, blen - 12, pos, err, errlen) != 0) {
			return -1;
		}
		pos += blen;
	}
	return 0;
}

int kx_pcap_parse(const uint8_t *data, size_t len, struct kx_pcap *cap, char *err, size_t errlen)
{
	memset(cap, 0, sizeof *cap);
	cap->buf = malloc(len ? len : 1);
	if (cap->buf == NULL)
		return kx_errorf(err, errlen, "out of memory");
	if (len > 0)
		memcpy(cap->buf, data, len);
	cap->buf_len = len;
	if (len < 4)
		return kx_errorf(err, errlen, "%zu bytes: too short for a pcap or pcapng file", len);
	uint32_t le = kx_rd32(data, 0);
	if (le == 0xA1B2C3D4u || le == 0xA1B23C4Du)
		return parse_pcap(cap, 0, err, errlen);
	if (le == 0xD4C3B2A1u || le == 0x4D3CB2A1u)
		return parse_pcap(cap, 1, err, errlen);
	if (le == PCAPNG_SHB) {
		cap->pcapng = 1;
		return parse_pcapng(cap, err, errlen);
	}
	return kx_errorf(err, errlen, "starts with 0x%08x: neither a pcap nor a pcapng file",
	                 (unsigned)kx_be32(data));
}

int kx_pcap_load(const char *path, struct kx_pcap *cap, char *err, size_t errlen)
{
	memset(cap, 0, sizeof *cap);
	uint8_t *buf;
	size_t len;
	if (kx_read_file(path, CAPTURE_FILE_MAX, &buf, &len, err, errlen) != 0)
		return -1;
	char why[400];
	int ret = 0;
	if (kx_pcap_parse(buf != NULL ? buf : (const uint8_t *)"", len, cap, why, sizeof why) != 0)
		ret = kx_errorf(err, errlen, "%s: %s", path, why);
	free(buf);
	return ret;
}

void kx_pcap_free(struct kx_pcap *cap)
{
	free(cap->buf);
	free(cap->packets);
	free(cap->secrets);
	memset(cap, 0, sizeof *cap);
}

/* ---- one packet ------------------------------------------------------------ */

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

/* ---- flows ------------------------------------------------------------------ */

#define KEY_LEN 38

struct segment {
	uint32_t seq;
	int32_t rel; /* seq relative to the stream's first byte, set before sorting */
	const uint8_t *data;
	size_t len;
	size_t packet;
};

struct flow {
	uint8_t key[KEY_LEN];
	struct kx_pcap_l4 ends; /* addresses, ports and protocol; no payload */
	struct segment *segs;
	size_t n, cap;
	int syn;
	uint32_t isn;
	size_t first_packet;
	size_t prev; /* an earlier flow with the same key (port reuse), +1; 0: none */
};

struct flows {
	struct flow *items;
	size_t n, cap;
	size_t *slots; /* hash table of flow index + 1; 0: empty */
	size_t n_slots;
};

static void make_key(const struct kx_pcap_l4 *l4, int reverse, uint8_t key[KEY_LEN])
{
	key[0] = (uint8_t)l4->ip_version;
	key[1] = l4->proto;
	memcpy(key + 2, reverse ? l4->dst : l4->src, 16);
	memcpy(key + 18, reverse ? l4->src : l4->dst, 16);
	uint16_t a = reverse ? l4->dport : l4->sport, b = reverse ? l4->sport : l4->dport;
	key[34] = (uint8_t)(a >> 8);
	key[35] = (uint8_t)a;
	key[36] = (uint8_t)(b >> 8);
	key[37] = (uint8_t)b;
}

static size_t key_hash(const uint8_t key[KEY_LEN])
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < KEY_LEN; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t *slot_of(struct flows *f, const uint8_t key[KEY_LEN])
{
	size_t i = key_hash(key) & (f->n_slots - 1);
	while (f->slots[i] != 0 && memcmp(f->items[f->slots[i] - 1].key, key, KEY_LEN) != 0)
		i = (i + 1) & (f->n_slots - 1);
	return &f->slots[i];
}

/* The current flow for key, or NULL. */
static struct flow *lookup(struct flows *f, const uint8_t key[KEY_LEN])
{
	size_t *slot = slot_of(f, key);
	return *slot != 0 ? &f->items[*slot - 1] : NULL;
}

static struct flow *new_flow(struct flows *f, const struct kx_pcap_l4 *l4, const uint8_t key[KEY_LEN],
                             size_t packet)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct flow *more = realloc(f->items, cap * sizeof *more);
		if (more == NULL)
			return NULL;
		f->items = more;
		f->cap = cap;
	}
	size_t *slot = slot_of(f, key);
	struct flow *flow = &f->items[f->n];
	memset(flow, 0, sizeof *flow);
	memcpy(flow->key, key, KEY_LEN);
	flow->ends = *l4;
	flow->ends.payload = NULL;
	flow->ends.len = 0;
	flow->first_packet = packet;
	flow->prev = *slot;
	*slot = ++f->n;
	return flow;
}

static int add_segment(struct flow *flow, const struct kx_pcap_l4 *l4, size_t packet)
{
	if (flow->n == flow->cap) {
		size_t cap = flow->cap ? flow->cap * 2 : 16;
		struct segment *more = realloc(flow->segs, cap * sizeof *more);
		if (more == NULL)
			return -1;
		flow->segs = more;
		flow->cap = cap;
	}
	flow->segs[flow->n++] = (struct segment){l4->seq, 0, l4->payload, l4->len, packet};
	return 0;
}

/* Sorts every packet that is TCP or UDP into its flow. */
static int collect_flows(const struct kx_pcap *cap, struct flows *f, struct kx_pcap_stats *stats)
{
	f->n_slots = 64;
	while (f->n_slots < 2 * cap->n_packets + 2)
		f->n_slots *= 2;
	f->slots = calloc(f->n_slots, sizeof *f->slots);
	if (f->slots == NULL)
		return -1;
	for (size_t i = 0; i < cap->n_packets; i++) {
		const struct kx_pcap_packet *p = &cap->packets[i];
		struct kx_pcap_l4 l4;
		char why[200];
		stats->packets++;
		if (kx_pcap_decode(p, &l4, why, sizeof why) != 0) {
			if (stats->undecoded++ == 0)
				snprintf(stats->first_problem, sizeof stats->first_problem,
				         "packet %zu: %.150s", p->number, why);
			if (stats->unsupported_linktype == 0 && strncmp(why, "link type", 9) == 0)
				stats->unsupported_linktype = p->linktype ? p->linktype : 0xFFFFFFFFu;
			continue;
		}
		int tcp = l4.proto == 6;
		stats->tcp += tcp;
		stats->udp += !tcp;
		uint8_t key[KEY_LEN];
		make_key(&l4, 0, key);
		struct flow *flow = lookup(f, key);
		int syn = tcp && (l4.tcp_flags & 0x02) != 0;
		/* A new SYN on a flow that already carried another connection: the port was reused. */
		if (flow != NULL && syn && (flow->n > 0 || (flow->syn && flow->isn != l4.seq)))
			flow = NULL;
		if (flow == NULL && (flow = new_flow(f, &l4, key, p->number)) == NULL)
			return -1;
		if (syn) {
			flow->syn = 1;
			flow->isn = l4.seq;
		}
		if (l4.len > 0 && add_segment(flow, &l4, p->number) != 0)
			return -1;
	}
	return 0;
}

static void free_flows(struct flows *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->items[i].segs);
	free(f->items);
	free(f->slots);
}

/* The flow going the other way that began closest in time to flow, or NULL. */
static struct flow *reverse_of(struct flows *f, const struct flow *flow)
{
	uint8_t key[KEY_LEN];
	make_key(&flow->ends, 1, key);
	struct flow *best = NULL;
	size_t best_gap = (size_t)-1;
	for (struct flow *r = lookup(f, key); r != NULL; r = r->prev ? &f->items[r->prev - 1] : NULL) {
		size_t gap = r->first_packet > flow->first_packet ? r->first_packet - flow->first_packet
		                                                  : flow->first_packet - r->first_packet;
		if (gap < best_gap) {
			best = r;
			best_gap = gap;
		}
	}
	return best;
}

static void endpoint_text(int ip_version, const uint8_t *addr, uint16_t port, char *out, size_t len)
{
	char ip[64] = "?";
	inet_ntop(ip_version == 4 ? AF_INET : AF_INET6, addr, ip, sizeof ip);
	snprintf(out, len, ip_version == 4 ? "%s:%u" : "[%s]:%u", ip, (unsigned)port);
}

/* ---- TCP streams ------------------------------------------------------------ */

struct stream {
	uint8_t *data;
	size_t len;
	size_t *offsets, *packets; /* where each used segment begins in the stream, and its packet */
	size_t n;
};

static void free_stream(struct stream *s)
{
	free(s->data);
	free(s->offsets);
	free(s->packets);
	memset(s, 0, sizeof *s);
}

/* Stream order; equal positions keep capture order (the first copy of a retransmission wins). */
static int by_sequence(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;
	if (x->rel != y->rel)
		return x->rel < y->rel ? -1 : 1;
	return x->packet < y->packet ? -1 : x->packet > y->packet;
}

/* The bytes of one TCP direction from its start to its first gap (at most STREAM_MAX). */
static int reassemble(struct flow *flow, struct stream *s)
{
	memset(s, 0, sizeof *s);
	if (flow->n == 0)
		return 0;
	uint32_t base = flow->segs[0].seq;
	for (size_t i = 1; i < flow->n; i++)
		if ((int32_t)(flow->segs[i].seq - base) < 0)
			base = flow->segs[i].seq;
	if (flow->syn && (int32_t)(flow->isn + 1 - base) <= 0)
		base = flow->isn + 1;
	/* Signed differences, so that a stream whose sequence numbers wrap past 2^32 still sorts. */
	for (size_t i = 0; i < flow->n; i++)
		flow->segs[i].rel = (int32_t)(flow->segs[i].seq - base);
	qsort(flow->segs, flow->n, sizeof *flow->segs, by_sequence);
	s->data = malloc(STREAM_MAX);
	s->offsets = malloc(flow->n * sizeof *s->offsets);
	s->packets = malloc(flow->n * sizeof *s->packets);
	if (s->data == NULL || s->offsets == NULL || s->packets == NULL)
		return -1;
	for (size_t i = 0; i < flow->n && s->len < STREAM_MAX; i++) {
		const struct segment *seg = &flow->segs[i];
		long long rel = seg->rel;
		if (rel > (long long)s->len)
			break; /* a gap: a segment the capture missed */
		size_t skip = (size_t)((long long)s->len - rel);
		if (skip >= seg->len)
			continue; /* a retransmission of bytes already in place */
		size_t take = seg->len - skip;
		if (take > STREAM_MAX - s->len)
			take = STREAM_MAX - s->len;
		s->offsets[s->n] = s->len;
		s->packets[s->n++] = seg->packet;
		memcpy(s->data + s->len, seg->data + skip, take);
		s->len += take;
	}
	return 0;
}

static size_t packet_at(const struct stream *s, size_t offset)
{
	size_t packet = 0;
	for (size_t i = 0; i < s->n && s->offsets[i] <= offset; i++)
		packet = s->packets[i];
	return packet;
}

/* The length of the stream's leading run of whole plaintext handshake records. */
static size_t handshake_prefix(const uint8_t *d, size_t len, size_t *n_records, size_t *ends, size_t max)
{
	size_t at = 0;
	*n_records = 0;
	while (len - at >= 5 && d[at] == 22 && d[at + 1] == 3 && *n_records < max) {
		size_t rlen = (size_t)d[at + 3] << 8 | d[at + 4];
		if (rlen > len - at - 5)
			break;
		at += 5 + rlen;
		ends[(*n_records)++] = at;
	}
	return at;
}

/* Parses the plaintext handshake records at the stream's start, dropping trailing records until
 * the parser accepts them (a capture may end inside a message); 0 with *flight, or -1. */
static int read_hellos(const struct stream *s, struct kx_tls_flight *flight)
{
	size_t ends[64], n;
	handshake_prefix(s->data, s->len, &n, ends, 64);
	for (; n > 0; n--) {
		struct kx_tls_direction dir = {0};
		char why[200];
		if (kx_tls_parse_stream(s->data, ends[n - 1], &dir, flight, why, sizeof why) == 0)
			return 0;
	}
	return -1;
}

/* When the records do not parse as a whole (a record coalesces the hello with the start of a
 * message the capture lost), the first handshake message alone: its body from the payloads of
 * the leading handshake records. Returns 1 with *body (malloc'd) and *len, else 0. */
static int first_message(const struct stream *s, uint8_t type, uint8_t **body, size_t *len, size_t *offset)
{
	uint8_t head[4];
	size_t have = 0, at = 0, need = 4, got = 0;
	*body = NULL;
	while (s->len - at >= 5 && s->data[at] == 22 && s->data[at + 1] == 3) {
		size_t rlen = (size_t)s->data[at + 3] << 8 | s->data[at + 4];
		if (rlen > s->len - at - 5)
			break;
		for (size_t i = 0; i < rlen; i++) {
			uint8_t byte = s->data[at + 5 + i];
			if (have < 4) {
				head[have++] = byte;
				if (have == 4) {
					if (head[0] != type)
						return 0;
					need = (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
					*offset = 0;
					if ((*body = malloc(need ? need : 1)) == NULL)
						return 0;
				}
			} else if (got < need) {
				(*body)[got++] = byte;
			}
			if (have == 4 && got == need) {
				*len = need;
				return 1;
			}
		}
		at += 5 + rlen;
	}
	free(*body);
	*body = NULL;
	return 0;
}

static const struct kx_tls_item *find_item(const struct kx_tls_flight *flight, enum kx_tls_msg msg)
{
	for (size_t i = 0; i < flight->n_items; i++)
		if (flight->items[i].msg == msg && !flight->items[i].encrypted)
			return &flight->items[i];
	return NULL;
}

/* Reads what a ServerHello says: random, suite, version and the extensions that change them. */
static int read_server_hello(const uint8_t *b, size_t len, struct kx_pcap_handshake *h)
{
	if (len < 38)
		return -1;
	h->version = kx_be16(b);
	memcpy(h->server_random, b + 2, 32);
	size_t at = 35 + (size_t)b[34];
	if (at + 3 > len)
		return -1;
	h->suite = kx_be16(b + at);
	at += 3; /* suite and compression method */
	if (at + 2 > len)
		return 0; /* no extensions */
	size_t end = at + 2 + kx_be16(b + at);
	at += 2;
	if (end > len)
		end = len;
	while (at + 4 <= end) {
		uint16_t type = kx_be16(b + at), elen = kx_be16(b + at + 2);
		if (at + 4 + elen > end)
			break;
		if (type == 0x0017)
			h->extended_master_secret = 1;
		if (type == 0x002B && elen == 2)
			h->version = kx_be16(b + at + 4); /* TLS 1.3 supported_versions */
		at += 4 + (size_t)elen;
	}
	return 0;
}

static int add_handshake(struct kx_pcap_handshake **list, size_t *n, size_t *cap,
                         const struct kx_pcap_handshake *h)
{
	if (*n == *cap) {
		size_t more_cap = *cap ? *cap * 2 : 8;
		struct kx_pcap_handshake *more = realloc(*list, more_cap * sizeof *more);
		if (more == NULL)
			return -1;
		*list = more;
		*cap = more_cap;
	}
	(*list)[(*n)++] = *h;
	return 0;
}

static void name_ends(const struct flow *client, struct kx_pcap_handshake *h)
{
	endpoint_text(client->ends.ip_version, client->ends.src, client->ends.sport, h->client,
	              sizeof h->client);
	endpoint_text(client->ends.ip_version, client->ends.dst, client->ends.dport, h->server,
	              sizeof h->server);
}

/* The body of the stream's hello (ClientHello or ServerHello): through the record parser, else
 * read directly; 0 with *body (pointing into *copy, which the caller frees), or -1. */
static int hello_of(const struct stream *s, enum kx_tls_msg msg, const uint8_t **body, size_t *len,
                    size_t *offset, uint8_t **copy)
{
	struct kx_tls_flight flight = {0};
	const struct kx_tls_item *item = NULL;
	*copy = NULL;
	if (read_hellos(s, &flight) == 0 && (item = find_item(&flight, msg)) != NULL) {
		*copy = malloc(item->length ? item->length : 1);
		if (*copy != NULL)
			memcpy(*copy, item->body, item->length);
		*len = item->length;
		*offset = item->offset;
	}
	kx_tls_flight_free(&flight);
	if (*copy == NULL && !first_message(s, msg == KX_MSG_CLIENT_HELLO ? 1 : 2, copy, len, offset))
		return -1;
	*body = *copy;
	return 0;
}

/* A TCP flow whose stream opens with a ClientHello, and its reverse. */
static int tls_handshake(struct flows *f, struct flow *client, struct kx_pcap_handshake *h, int *found,
                         struct kx_pcap_stats *stats)
{
	*found = 0;
	struct stream s;
	if (reassemble(client, &s) != 0) {
		free_stream(&s);
		return -1;
	}
	stats->tcp_streams++;
	const uint8_t *body;
	size_t len, offset;
	uint8_t *copy = NULL;
	if (s.len < 6 || s.data[0] != 22 || s.data[1] != 3 || s.data[5] != 1 ||
	    hello_of(&s, KX_MSG_CLIENT_HELLO, &body, &len, &offset, &copy) != 0 || len < 34) {
		free(copy);
		free_stream(&s);
		return 0;
	}
	stats->tls_streams++;
	memset(h, 0, sizeof *h);
	memcpy(h->client_random, body + 2, 32);
	h->client_hello_packet = packet_at(&s, offset);
	name_ends(client, h);
	free(copy);
	struct kx_tls_flight flight = {0};
	if (read_hellos(&s, &flight) == 0) {
		const struct kx_tls_item *cert = find_item(&flight, KX_MSG_CERTIFICATE);
		h->client_certificate = cert != NULL && cert->length > 3;
		h->certificate_verify = find_item(&flight, KX_MSG_CERTIFICATE_VERIFY) != NULL;
		h->auth_read = 1;
	}
	kx_tls_flight_free(&flight);
	free_stream(&s);
	*found = 1;

	struct flow *server = reverse_of(f, client);
	if (server == NULL || reassemble(server, &s) != 0) {
		free_stream(&s);
		return server == NULL ? 0 : -1;
	}
	copy = NULL;
	if (hello_of(&s, KX_MSG_SERVER_HELLO, &body, &len, &offset, &copy) == 0 &&
	    read_server_hello(body, len, h) == 0)
		h->server_hello_packet = packet_at(&s, offset);
	free(copy);
	struct kx_tls_flight server_flight = {0};
	if (h->auth_read && read_hellos(&s, &server_flight) == 0)
		h->certificate_request = find_item(&server_flight, KX_MSG_CERTIFICATE_REQUEST) != NULL;
	else
		h->auth_read = 0;
	kx_tls_flight_free(&server_flight);
	free_stream(&s);
	return 0;
}

/* ---- DTLS --------------------------------------------------------------------- */

struct dtls_hello {
	int server;  /* 0 ClientHello, 1 ServerHello */
	size_t flow; /* index in flows */
	size_t packet;
	struct kx_pcap_handshake h; /* the random (and for a ServerHello the rest) */
};

static int by_packet(const void *a, const void *b)
{
	const struct dtls_hello *x = a, *y = b;
	return x->packet < y->packet ? -1 : x->packet > y->packet;
}

static int dtls_record_start(const uint8_t *d, size_t len)
{
	return len >= 13 && d[0] >= 20 && d[0] <= 25 && d[1] == 0xFE && (d[2] == 0xFD || d[2] == 0xFF);
}

static int add_hello(struct dtls_hello **out, size_t *n, size_t *cap, int server, size_t flow, size_t packet,
                     const uint8_t *body, size_t len)
{
	if (*n == *cap) {
		size_t more_cap = *cap ? *cap * 2 : 16;
		struct dtls_hello *more = realloc(*out, more_cap * sizeof *more);
		if (more == NULL)
			return -1;
		*out = more;
		*cap = more_cap;
	}
	struct dtls_hello *hello = &(*out)[(*n)++];
	memset(hello, 0, sizeof *hello);
	hello->server = server;
	hello->flow = flow;
	hello->packet = packet;
	if (server)
		read_server_hello(body, len, &hello->h);
	else
		memcpy(hello->h.client_random, body + 2, 32);
	return 0;
}

/* The hellos of one datagram. A hello is never fragmented in practice (it is far smaller than
 * any path MTU), so only whole ones in epoch 0 are read; the rest of the datagram (a Certificate
 * fragment, encrypted records) is walked over, never parsed, so that one incomplete message
 * elsewhere in the datagram does not hide the hello. */
static int datagram_hellos(const struct segment *seg, size_t flow, struct dtls_hello **out, size_t *n,
                           size_t *cap)
{
	const uint8_t *d = seg->data;
	size_t at = 0;
	while (seg->len - at >= 13) {
		size_t rlen = kx_be16(d + at + 11);
		if (d[at + 1] != 0xFE || rlen > seg->len - at - 13)
			break;
		const uint8_t *payload = d + at + 13;
		if (d[at] == 22 && kx_be16(d + at + 3) == 0) {
			for (size_t p = 0; rlen - p >= 12;) {
				uint8_t type = payload[p];
				size_t length = (size_t)payload[p + 1] << 16 | (size_t)payload[p + 2] << 8 |
				                payload[p + 3];
				size_t offset = (size_t)payload[p + 6] << 16 | (size_t)payload[p + 7] << 8 |
				                payload[p + 8];
				size_t frag = (size_t)payload[p + 9] << 16 | (size_t)payload[p + 10] << 8 |
				              payload[p + 11];
				if (frag > rlen - p - 12)
					break;
				if ((type == 1 || type == 2) && offset == 0 && frag == length &&
				    length >= 38 &&
				    add_hello(out, n, cap, type == 2, flow, seg->packet, payload + p + 12,
				              length) != 0)
					return -1;
				p += 12 + frag;
			}
		}
		at += 13 + rlen;
	}
	return 0;
}

/* Every hello in every DTLS datagram, in capture order. */
static int dtls_hellos(struct flows *f, struct dtls_hello **out, size_t *n, struct kx_pcap_stats *stats)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct flow *flow = &f->items[i];
		if (flow->ends.proto != 17)
			continue;
		for (size_t k = 0; k < flow->n; k++) {
			if (!dtls_record_start(flow->segs[k].data, flow->segs[k].len))
				continue;
			stats->dtls_datagrams++;
			if (datagram_hellos(&flow->segs[k], i, out, n, &cap) != 0)
				return -1;
		}
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, by_packet);
	return 0;
}

/* One handshake per distinct ClientHello random on a flow (a HelloVerifyRequest makes the client
 * send its hello twice with the same random); each ServerHello goes to the latest handshake on
 * the reverse flow that has none yet. */
static int dtls_handshakes(struct flows *f, struct kx_pcap_handshake **list, size_t *n, size_t *cap,
                           struct kx_pcap_stats *stats)
{
	struct dtls_hello *hellos;
	size_t n_hellos;
	if (dtls_hellos(f, &hellos, &n_hellos, stats) != 0)
		return -1;
	size_t first = *n;
	size_t *flow_of = malloc((n_hellos + 1) * sizeof *flow_of);
	int ret = flow_of == NULL ? -1 : 0;
	for (size_t i = 0; ret == 0 && i < n_hellos; i++) {
		const struct dtls_hello *hello = &hellos[i];
		const struct flow *flow = &f->items[hello->flow];
		if (!hello->server) {
			int seen = 0;
			for (size_t k = first; k < *n; k++)
				seen |= flow_of[k - first] == hello->flow &&
				        memcmp((*list)[k].client_random, hello->h.client_random, 32) == 0;
			if (seen)
				continue;
			struct kx_pcap_handshake h;
			memset(&h, 0, sizeof h);
			h.dtls = 1;
			memcpy(h.client_random, hello->h.client_random, 32);
			h.client_hello_packet = hello->packet;
			name_ends(flow, &h);
			flow_of[*n - first] = hello->flow;
			ret = add_handshake(list, n, cap, &h);
			continue;
		}
		uint8_t key[KEY_LEN];
		make_key(&flow->ends, 1, key);
		for (size_t k = *n; k-- > first;) {
			struct kx_pcap_handshake *h = &(*list)[k];
			if (memcmp(f->items[flow_of[k - first]].key, key, KEY_LEN) != 0)
				continue;
			if (h->server_hello_packet == 0) {
				memcpy(h->server_random, hello->h.server_random, 32);
				h->suite = hello->h.suite;
				h->version = hello->h.version;
				h->extended_master_secret = hello->h.extended_master_secret;
				h->server_hello_packet = hello->packet;
			}
			break;
		}
	}
	free(flow_of);
	free(hellos);
	return ret;
}

static int by_client_hello(const void *a, const void *b)
{
	const struct kx_pcap_handshake *x = a, *y = b;
	return x->client_hello_packet < y->client_hello_packet
	           ? -1
	           : x->client_hello_packet > y->client_hello_packet;
}

int kx_pcap_find_handshakes(const struct kx_pcap *cap, struct kx_pcap_handshake **out, size_t *n,
                            struct kx_pcap_stats *stats, char *err, size_t errlen)
{
	struct flows f;
	memset(&f, 0, sizeof f);
	memset(stats, 0, sizeof *stats);
	*out = NULL;
	*n = 0;
	size_t list_cap = 0;
	int ret = collect_flows(cap, &f, stats);
	for (size_t i = 0; ret == 0 && i < f.n; i++) {
		if (f.items[i].ends.proto != 6)
			continue;
		struct kx_pcap_handshake h;
		int found;
		ret = tls_handshake(&f, &f.items[i], &h, &found, stats);
		if (ret == 0 && found)
			ret = add_handshake(out, n, &list_cap, &h);
	}
	if (ret == 0)
		ret = dtls_handshakes(&f, out, n, &list_cap, stats);
	free_flows(&f);
	if (ret != 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return kx_errorf(err, errlen, "out of memory");
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, by_client_hello);
	return 0;
}
