/* pcap_handshakes.c - the TLS and DTLS handshakes of a capture, from its
 * flows (pcap_flows.c): over TCP the hellos at the start of each stream and
 * its reverse, read with the record parser and, when a lost segment spoils
 * the records, directly; over UDP every whole hello of epoch 0 in every
 * datagram. */
#include "core/pcap_handshakes.h"

#include "core/byte_order.h"
#include "core/errors.h"
#include "core/pcap_flows.h"
#include "core/tls_records.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- TLS ----------------------------------------------------------------------- */

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
static int read_hellos(const struct kx_pcap_stream *s, struct kx_tls_flight *flight)
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
static int first_message(const struct kx_pcap_stream *s, uint8_t type, uint8_t **body, size_t *len,
                         size_t *offset)
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

static void endpoint_text(int ip_version, const uint8_t *addr, uint16_t port, char *out, size_t len)
{
	char ip[64] = "?";
	inet_ntop(ip_version == 4 ? AF_INET : AF_INET6, addr, ip, sizeof ip);
	snprintf(out, len, ip_version == 4 ? "%s:%u" : "[%s]:%u", ip, (unsigned)port);
}

static void name_ends(const struct kx_pcap_flow *client, struct kx_pcap_handshake *h)
{
	endpoint_text(client->ends.ip_version, client->ends.src, client->ends.sport, h->client,
	              sizeof h->client);
	endpoint_text(client->ends.ip_version, client->ends.dst, client->ends.dport, h->server,
	              sizeof h->server);
}

/* The body of the stream's hello (ClientHello or ServerHello): through the record parser, else
 * read directly; 0 with *body (pointing into *copy, which the caller frees), or -1. */
static int hello_of(const struct kx_pcap_stream *s, enum kx_tls_msg msg, const uint8_t **body, size_t *len,
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
static int tls_handshake(struct kx_pcap_flows *f, struct kx_pcap_flow *client, struct kx_pcap_handshake *h,
                         int *found, struct kx_pcap_stats *stats)
{
	*found = 0;
	struct kx_pcap_stream s;
	if (kx_pcap_stream_reassemble(client, &s) != 0) {
		kx_pcap_stream_free(&s);
		return -1;
	}
	stats->tcp_streams++;
	const uint8_t *body;
	size_t len, offset;
	uint8_t *copy = NULL;
	if (s.len < 6 || s.data[0] != 22 || s.data[1] != 3 || s.data[5] != 1 ||
	    hello_of(&s, KX_MSG_CLIENT_HELLO, &body, &len, &offset, &copy) != 0 || len < 34) {
		free(copy);
		kx_pcap_stream_free(&s);
		return 0;
	}
	stats->tls_streams++;
	memset(h, 0, sizeof *h);
	memcpy(h->client_random, body + 2, 32);
	h->client_hello_packet = kx_pcap_stream_packet_at(&s, offset);
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
	kx_pcap_stream_free(&s);
	*found = 1;

	struct kx_pcap_flow *server = kx_pcap_flow_reverse(f, client);
	if (server == NULL || kx_pcap_stream_reassemble(server, &s) != 0) {
		kx_pcap_stream_free(&s);
		return server == NULL ? 0 : -1;
	}
	copy = NULL;
	if (hello_of(&s, KX_MSG_SERVER_HELLO, &body, &len, &offset, &copy) == 0 &&
	    read_server_hello(body, len, h) == 0)
		h->server_hello_packet = kx_pcap_stream_packet_at(&s, offset);
	free(copy);
	struct kx_tls_flight server_flight = {0};
	if (h->auth_read && read_hellos(&s, &server_flight) == 0)
		h->certificate_request = find_item(&server_flight, KX_MSG_CERTIFICATE_REQUEST) != NULL;
	else
		h->auth_read = 0;
	kx_tls_flight_free(&server_flight);
	kx_pcap_stream_free(&s);
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
static int datagram_hellos(const struct kx_pcap_segment *seg, size_t flow, struct dtls_hello **out, size_t *n,
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
static int dtls_hellos(struct kx_pcap_flows *f, struct dtls_hello **out, size_t *n,
                       struct kx_pcap_stats *stats)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct kx_pcap_flow *flow = &f->items[i];
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
static int dtls_handshakes(struct kx_pcap_flows *f, struct kx_pcap_handshake **list, size_t *n, size_t *cap,
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
		const struct kx_pcap_flow *flow = &f->items[hello->flow];
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
		uint8_t key[KX_PCAP_KEY_LEN];
		kx_pcap_flow_key(&flow->ends, 1, key);
		for (size_t k = *n; k-- > first;) {
			struct kx_pcap_handshake *h = &(*list)[k];
			if (memcmp(f->items[flow_of[k - first]].key, key, KX_PCAP_KEY_LEN) != 0)
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
	struct kx_pcap_flows f;
	memset(&f, 0, sizeof f);
	memset(stats, 0, sizeof *stats);
	*out = NULL;
	*n = 0;
	size_t list_cap = 0;
	int ret = kx_pcap_flows_collect(cap, &f, stats);
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
	kx_pcap_flows_free(&f);
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
