/* pcap_file.c - capture files in, packets out.
 *
 * The file is read whole into memory and every packet points into it, so a
 * packet's bytes are checked against the file's length once, at the record
 * or block that holds them; the decoders (pcap_packet.c) only ever read
 * within a packet's captured length. Lengths in the file are distrusted:
 * each record and block is checked against what remains before anything is
 * read from it. */
#include "core/pcap_file.h"

#include "core/byte_order.h"
#include "core/errors.h"
#include "core/file_read.h"

#include <stdlib.h>
#include <string.h>

/* Larger than any capture of handshakes a vendor would hand over; a bound on a wrong path. */
#define CAPTURE_FILE_MAX (1024u * 1024u * 1024u)

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_PB 0x00000002u
#define PCAPNG_SPB 0x00000003u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_DSB 0x0000000Au
#define PCAPNG_SECRETS_TLS 0x544c534bu

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
			    pos, (unsigned)type, (unsigned)kx_rd32(b + pos + blen - 4, s.big),
			    (unsigned)blen);
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
