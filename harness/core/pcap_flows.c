/* pcap_flows.c - a capture's TCP and UDP packets sorted into flows, and a
 * TCP direction's segments put back in sequence order (pcap_flows.h). */
#include "core/pcap_flows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A handshake is near the start of its stream; the rest (application data) is not needed. */
#define STREAM_MAX (256u * 1024u)

void kx_pcap_flow_key(const struct kx_pcap_l4 *l4, int reverse, uint8_t key[KX_PCAP_KEY_LEN])
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

static size_t key_hash(const uint8_t key[KX_PCAP_KEY_LEN])
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < KX_PCAP_KEY_LEN; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t *slot_of(struct kx_pcap_flows *f, const uint8_t key[KX_PCAP_KEY_LEN])
{
	size_t i = key_hash(key) & (f->n_slots - 1);
	while (f->slots[i] != 0 && memcmp(f->items[f->slots[i] - 1].key, key, KX_PCAP_KEY_LEN) != 0)
		i = (i + 1) & (f->n_slots - 1);
	return &f->slots[i];
}

/* The current flow for key, or NULL. */
static struct kx_pcap_flow *lookup(struct kx_pcap_flows *f, const uint8_t key[KX_PCAP_KEY_LEN])
{
	size_t *slot = slot_of(f, key);
	return *slot != 0 ? &f->items[*slot - 1] : NULL;
}

static struct kx_pcap_flow *new_flow(struct kx_pcap_flows *f, const struct kx_pcap_l4 *l4,
                                     const uint8_t key[KX_PCAP_KEY_LEN], size_t packet)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct kx_pcap_flow *more = realloc(f->items, cap * sizeof *more);
		if (more == NULL)
			return NULL;
		f->items = more;
		f->cap = cap;
	}
	size_t *slot = slot_of(f, key);
	struct kx_pcap_flow *flow = &f->items[f->n];
	memset(flow, 0, sizeof *flow);
	memcpy(flow->key, key, KX_PCAP_KEY_LEN);
	flow->ends = *l4;
	flow->ends.payload = NULL;
	flow->ends.len = 0;
	flow->first_packet = packet;
	flow->prev = *slot;
	*slot = ++f->n;
	return flow;
}

static int add_segment(struct kx_pcap_flow *flow, const struct kx_pcap_l4 *l4, size_t packet)
{
	if (flow->n == flow->cap) {
		size_t cap = flow->cap ? flow->cap * 2 : 16;
		struct kx_pcap_segment *more = realloc(flow->segs, cap * sizeof *more);
		if (more == NULL)
			return -1;
		flow->segs = more;
		flow->cap = cap;
	}
	flow->segs[flow->n++] = (struct kx_pcap_segment){l4->seq, 0, l4->payload, l4->len, packet};
	return 0;
}

/* Sorts every packet that is TCP or UDP into its flow. */
int kx_pcap_flows_collect(const struct kx_pcap *cap, struct kx_pcap_flows *f, struct kx_pcap_stats *stats)
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
		uint8_t key[KX_PCAP_KEY_LEN];
		kx_pcap_flow_key(&l4, 0, key);
		struct kx_pcap_flow *flow = lookup(f, key);
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

void kx_pcap_flows_free(struct kx_pcap_flows *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->items[i].segs);
	free(f->items);
	free(f->slots);
}

/* The flow going the other way that began closest in time to flow, or NULL. */
struct kx_pcap_flow *kx_pcap_flow_reverse(struct kx_pcap_flows *f, const struct kx_pcap_flow *flow)
{
	uint8_t key[KX_PCAP_KEY_LEN];
	kx_pcap_flow_key(&flow->ends, 1, key);
	struct kx_pcap_flow *best = NULL;
	size_t best_gap = (size_t)-1;
	for (struct kx_pcap_flow *r = lookup(f, key); r != NULL;
	     r = r->prev ? &f->items[r->prev - 1] : NULL) {
		size_t gap = r->first_packet > flow->first_packet ? r->first_packet - flow->first_packet
		                                                  : flow->first_packet - r->first_packet;
		if (gap < best_gap) {
			best = r;
			best_gap = gap;
		}
	}
	return best;
}

/* ---- TCP streams ------------------------------------------------------------ */

void kx_pcap_stream_free(struct kx_pcap_stream *s)
{
	free(s->data);
	free(s->offsets);
	free(s->packets);
	memset(s, 0, sizeof *s);
}

/* Stream order; equal positions keep capture order (the first copy of a retransmission wins). */
static int by_sequence(const void *a, const void *b)
{
	const struct kx_pcap_segment *x = a, *y = b;
	if (x->rel != y->rel)
		return x->rel < y->rel ? -1 : 1;
	return x->packet < y->packet ? -1 : x->packet > y->packet;
}

/* The bytes of one TCP direction from its start to its first gap (at most STREAM_MAX). */
int kx_pcap_stream_reassemble(struct kx_pcap_flow *flow, struct kx_pcap_stream *s)
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
		const struct kx_pcap_segment *seg = &flow->segs[i];
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

size_t kx_pcap_stream_packet_at(const struct kx_pcap_stream *s, size_t offset)
{
	size_t packet = 0;
	for (size_t i = 0; i < s->n && s->offsets[i] <= offset; i++)
		packet = s->packets[i];
	return packet;
}
