/* capture.c - turns a case's recorded flights into packets and writes them.
 *
 * The relay moved bytes between two drivers in memory; the capture shows them
 * as the conversation they would have been on a wire, so that a reader can use
 * the tools they already know. What is modelled (TCP handshake, ACK numbers,
 * FIN close) says so in its packet comment; what was relayed (every byte of
 * every flight, in the order and at the time it was relayed) is exact. The
 * key log goes into the file itself (a Decryption Secrets Block before the
 * first packet), which is what makes Wireshark decrypt without set-up. */
#include "runner/wire/capture.h"

#include "core/errors.h"
#include "core/growable.h"
#include "core/json_io.h"
#include "core/keylog.h"
#include "core/netpkt.h"
#include "core/pcapng.h"
#include "runner/wire/tshark.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KX_VERSION
#define KX_VERSION "unknown"
#endif

/* Cases may finish on several threads at once; a section must reach the batch file whole. */
static pthread_mutex_t batch_lock = PTHREAD_MUTEX_INITIALIZER;

/* Under batch_lock: the tshark each batch file's sections are also written to as its cases finish
 * (kx_capture_feed_tshark), by batch number; a batch whose tshark could not start is marked failed
 * and is checked from its file at the end instead. */
static struct feed {
	struct kx_tshark *tshark;
	int failed;
	char batch[4400]; /* its batch file's path, which kx_capture_take_feed is given */
} *feeds;
static size_t n_feeds, cap_feeds;
static int feeding;
static char tshark_program[4096];

#define NO_SECRETS_LINE "# no session secrets: the handshake did not complete\n"

struct packet {
	uint8_t *data;
	size_t len;
	uint64_t ts_us;
	char *comment;
};

struct packets {
	struct packet *items;
	size_t n, cap;
	uint64_t last_ts;
	int oom;
};

/* What one case's capture is made of. */
struct capture {
	int dtls;
	uint16_t port;     /* the initiator's */
	char ends[2][200]; /* [0] "terminator (wolfssl)", [1] "initiator (openssl)" */
	char *keylog;      /* key log lines, each ending in "\n"; NULL if none */
	size_t keylog_len, keylog_cap;
	struct kx_keylog sessions; /* the entries of those lines, one per session (client random) */
	const char *comments[KX_MAX_FLIGHTS + 8];
	size_t n_comments;
	char *owned_comments[KX_MAX_FLIGHTS + 8];
	struct packets packets;
};

/* A malloc'd formatted string, or NULL when memory runs out. */
static char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *strf(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	va_start(args, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, args);
	va_end(args);
	return s;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return kx_errorf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

static int make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/captures", dir);
	return make_dir(dir, err, errlen) != 0 || make_dir(path, err, errlen) != 0 ? -1 : 0;
}

int kx_capture_batch_path(const char *dir, size_t case_index, char *out, size_t len)
{
	size_t batch = case_index / KX_CAPTURE_BATCH;
	if (batch == 0)
		return snprintf(out, len, "%s/captures/all-cases.pcapng", dir);
	return snprintf(out, len, "%s/captures/all-cases-%zu.pcapng", dir, batch + 1);
}

int kx_capture_begin(const char *dir, char *err, size_t errlen)
{
	if (make_dirs(dir, err, errlen) != 0)
		return -1;
	char path[4200];
	kx_capture_batch_path(dir, 0, path, sizeof path);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fclose(f) != 0)
		return kx_errorf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	/* Later batches of an earlier, longer run would otherwise be checked again. */
	for (size_t batch = 1;; batch++) {
		kx_capture_batch_path(dir, batch * KX_CAPTURE_BATCH, path, sizeof path);
		if (unlink(path) != 0)
			break;
	}
	return 0;
}

/* A case id as a file name: every '/' (and a leading '.') becomes '_'. */
static void file_name(const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s", id);
	for (char *p = out; *p != '\0'; p++)
		if (*p == '/' || (p == out && *p == '.'))
			*p = '_';
}

static void add_packet(struct packets *p, uint64_t at_us, const uint8_t *data, size_t len, char *comment)
{
	if (p->oom || len == 0 || comment == NULL) {
		p->oom |= len != 0;
		free(comment);
		return;
	}
	uint8_t *copy = KX_GROW(p->items, p->cap, p->n + 1) == 0 ? malloc(len) : NULL;
	if (copy == NULL) {
		p->oom = 1;
		free(comment);
		return;
	}
	memcpy(copy, data, len);
	/* Strictly increasing times keep Wireshark's order the relay's order even when a
	 * flight's packets share one relay time. */
	uint64_t ts = p->n > 0 && at_us <= p->last_ts ? p->last_ts + 1 : at_us;
	p->items[p->n++] = (struct packet){.data = copy, .len = len, .ts_us = ts, .comment = comment};
	p->last_ts = ts;
}

static void free_capture(struct capture *cap)
{
	for (size_t i = 0; i < cap->packets.n; i++) {
		free(cap->packets.items[i].data);
		free(cap->packets.items[i].comment);
	}
	free(cap->packets.items);
	for (size_t i = 0; i < cap->n_comments; i++)
		free(cap->owned_comments[i]);
	free(cap->keylog);
	kx_keylog_free(&cap->sessions);
}

static void add_section_comment(struct capture *cap, char *comment)
{
	if (comment == NULL || cap->n_comments == sizeof cap->comments / sizeof cap->comments[0]) {
		free(comment);
		return;
	}
	cap->owned_comments[cap->n_comments] = comment;
	cap->comments[cap->n_comments++] = comment;
}

/* Appends the key log lines of one end's report whose session (client random) is not present
 * yet, read by the core's key log reader; a line it refuses is kept as it is, unread. */
static int add_keylog(struct capture *cap, json_t *report)
{
	const char *text = kx_json_get_string(report, "keylog");
	while (text != NULL && *text != '\0') {
		size_t len = strcspn(text, "\r\n");
		const char *line = text;
		text += len;
		text += strspn(text, "\r\n");
		size_t before = cap->sessions.n;
		char why[300];
		int read = kx_keylog_parse(&cap->sessions, line, len, why, sizeof why) == 0;
		if (read && cap->sessions.n == before)
			continue; /* a blank line or a comment */
		if (read) {
			const struct kx_keylog_entry *added = &cap->sessions.entries[before];
			if (kx_keylog_find(&cap->sessions, NULL, added->client_random) != added) {
				cap->sessions.n = before; /* the other end's report gave this session */
				continue;
			}
		}
		if (KX_GROW(cap->keylog, cap->keylog_cap, cap->keylog_len + len + 2) != 0)
			return -1;
		memcpy(cap->keylog + cap->keylog_len, line, len);
		cap->keylog[cap->keylog_len + len] = '\n';
		cap->keylog[cap->keylog_len + len + 1] = '\0';
		cap->keylog_len += len + 1;
	}
	return 0;
}

/* The request identifier of the NOTIFY primitive a flight travelled in, or "". */
static void primitive_rqi(const char *primitive, char *out, size_t len)
{
	out[0] = '\0';
	if (primitive == NULL)
		return;
	json_t *root = json_loads(primitive, 0, NULL);
	json_t *body = json_object_get(root, "m2m:rqp");
	if (body == NULL)
		body = json_object_get(root, "m2m:rsp");
	const char *rqi = kx_json_get_string(body, "rqi");
	if (rqi != NULL)
		snprintf(out, len, "%s", rqi);
	json_decref(root);
}

/* What every packet of a flight says: sender, flight, items, ESCertKE, fault, what the relay did. */
static char *flight_comment(const struct capture *cap, const struct kx_flight_record *f)
{
	char escertke[400] = "", rqi[160];
	if (f->escertke_message > 0) {
		primitive_rqi(f->primitive, rqi, sizeof rqi);
		snprintf(escertke, sizeof escertke, "; ESCertKE message %d in the NOTIFY %s%s%s",
		         f->escertke_message, f->escertke_message % 2 == 1 ? "request" : "response",
		         rqi[0] != '\0' ? ", request identifier " : "", rqi);
	}
	if (f->application_data)
		return strf("%s -> %s: flight %d, application data: %s%s%s", cap->ends[f->from_initiator],
		            cap->ends[!f->from_initiator], f->number, f->text, f->fault[0] ? "; fault: " : "",
		            f->fault);
	return strf("%s -> %s: flight %d: %s%s%s%s%s%s", cap->ends[f->from_initiator],
	            cap->ends[!f->from_initiator], f->number, f->summary, escertke,
	            f->fault[0] ? "; fault: " : "", f->fault, f->relayed[0] ? "; " : "", f->relayed);
}

/* Counts "part i of n" only when a flight needs several packets. */
static char *part_comment(const char *base, const char *unit, size_t i, size_t n)
{
	if (n <= 1)
		return strf("%s", base);
	return strf("%s (%s %zu of %zu)", base, unit, i + 1, n);
}

static void tls_flight(struct capture *cap, struct kx_tcp_conv *conv, const struct kx_flight_record *f,
                       const char *base)
{
	size_t total = kx_chunks_total(&f->chunks), at = 0, k = 0;
	uint8_t *stream = malloc(total ? total : 1), pkt[KX_NETPKT_MAX];
	if (stream == NULL) {
		cap->packets.oom = 1;
		return;
	}
	for (size_t i = 0; i < f->chunks.n; i++) {
		if (f->chunks.items[i].len > 0)
			memcpy(stream + at, f->chunks.items[i].data, f->chunks.items[i].len);
		at += f->chunks.items[i].len;
	}
	/* The server is end 1 of the conversation, the initiator (client) end 0. */
	int from = f->from_initiator ? 0 : 1;
	size_t segments = kx_tcp_segment_count(total);
	for (at = 0; at < total; at += KX_TCP_MSS, k++) {
		size_t len = total - at < KX_TCP_MSS ? total - at : KX_TCP_MSS;
		size_t n = kx_tcp_data(conv, from, stream + at, len, at + len == total, pkt, sizeof pkt);
		add_packet(&cap->packets, f->at_us, pkt, n, part_comment(base, "segment", k, segments));
	}
	free(stream);
}

static void dtls_flight(struct capture *cap, uint16_t ip_id[2], const struct kx_flight_record *f,
                        const char *base)
{
	uint8_t pkt[KX_NETPKT_MAX];
	int from = f->from_initiator ? 1 : 0;
	struct kx_flow flow = {.src = from ? KX_ADDR_INITIATOR : KX_ADDR_TERMINATOR,
	                       .dst = from ? KX_ADDR_TERMINATOR : KX_ADDR_INITIATOR,
	                       .sport = from ? cap->port : KX_PORT_DTLS,
	                       .dport = from ? KX_PORT_DTLS : cap->port};
	for (size_t i = 0; i < f->chunks.n; i++) {
		flow.ip_id = ip_id[from]++;
		size_t n =
		    kx_udp_packet(&flow, f->chunks.items[i].data, f->chunks.items[i].len, pkt, sizeof pkt);
		if (n == 0) {
			/* Longer than an IPv4 packet: say so rather than lose it silently. An empty
			 * datagram (a fault can cut one to nothing) still makes a packet. */
			add_section_comment(
			    cap, strf("%s: datagram %zu (%zu bytes) is too long for one IPv4 packet "
			              "and is not shown",
			              base, i + 1, f->chunks.items[i].len));
			continue;
		}
		add_packet(&cap->packets, f->at_us, pkt, n, part_comment(base, "datagram", i, f->chunks.n));
	}
}

static void build_packets(struct capture *cap, size_t case_index, const struct kx_relay *relay)
{
	size_t n = relay != NULL ? relay->n_flights : 0;
	if (n == 0)
		return;
	const char *modelled = "modelled by the capture: the runner relays flights, not TCP";
	uint8_t pkt[KX_NETPKT_MAX];
	struct kx_tcp_conv conv;
	uint16_t ip_id[2] = {0, 0};
	kx_tcp_init(&conv, KX_ADDR_INITIATOR, cap->port, KX_ADDR_TERMINATOR, KX_PORT_TLS,
	            0x6b780000u + (uint32_t)case_index * 7919u, 0x6b790000u + (uint32_t)case_index * 104729u);
	uint64_t first = relay->flights[0].at_us;
	if (!cap->dtls) {
		static const char *const steps[] = {"SYN", "SYN/ACK", "ACK"};
		for (int s = 0; s < 3; s++) {
			size_t len = kx_tcp_handshake(&conv, s, pkt, sizeof pkt);
			add_packet(&cap->packets, first >= 3 ? first - 3 + (uint64_t)s : first, pkt, len,
			           strf("%s -> %s: TCP handshake, %s (%s)", cap->ends[s != 1],
			                cap->ends[s == 1], steps[s], modelled));
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct kx_flight_record *f = &relay->flights[i];
		char *base = flight_comment(cap, f);
		if (base == NULL) {
			cap->packets.oom = 1;
			return;
		}
		if (kx_chunks_total(&f->chunks) == 0 && (f->chunks.n == 0 || !cap->dtls))
			add_section_comment(cap,
			                    strf("%s: nothing was delivered, so it has no packet", base));
		else if (cap->dtls)
			dtls_flight(cap, ip_id, f, base);
		else
			tls_flight(cap, &conv, f, base);
		free(base);
	}
	if (!cap->dtls) {
		uint64_t last = cap->packets.last_ts;
		size_t len = kx_tcp_fin(&conv, 0, pkt, sizeof pkt);
		add_packet(&cap->packets, last + 1, pkt, len,
		           strf("%s -> %s: TCP close, FIN (%s)", cap->ends[1], cap->ends[0], modelled));
		len = kx_tcp_fin(&conv, 1, pkt, sizeof pkt);
		add_packet(&cap->packets, last + 2, pkt, len,
		           strf("%s -> %s: TCP close, FIN (%s)", cap->ends[0], cap->ends[1], modelled));
		len = kx_tcp_ack(&conv, 0, pkt, sizeof pkt);
		add_packet(&cap->packets, last + 3, pkt, len,
		           strf("%s -> %s: TCP close, ACK (%s)", cap->ends[1], cap->ends[0], modelled));
	}
}

/* Writes the case's section (header, interface, secrets, packets) to f; 0, or -1 with err. */
static int write_section(FILE *f, const struct capture *cap, char *err, size_t errlen)
{
	struct kx_pcapng w;
	kx_pcapng_init(&w, f);
	kx_pcapng_section(&w, "kxconform " KX_VERSION, cap->comments, cap->n_comments);
	kx_pcapng_interface(&w, KX_LINKTYPE_RAW, KX_NETPKT_MAX, "kxconform-relay",
	                    "the flights kxconform relayed between two drivers, as IPv4 packets between "
	                    "documentation addresses (RFC 5737)");
	/* Before the first packet: readers apply secrets only to the packets after them. */
	if (cap->keylog != NULL)
		kx_pcapng_secrets(&w, KX_PCAPNG_SECRETS_TLS_KEYLOG, (const uint8_t *)cap->keylog,
		                  cap->keylog_len);
	for (size_t i = 0; i < cap->packets.n; i++) {
		const struct packet *p = &cap->packets.items[i];
		kx_pcapng_packet(&w, 0, p->ts_us, p->data, p->len, p->comment);
	}
	if (kx_pcapng_flush(&w) != 0)
		return kx_errorf(err, errlen, "%s", w.err);
	return 0;
}

/* The case's section as bytes (malloc'd, into *data and *len), built once for both files that hold
 * it; 0, or -1 with err. */
static int build_section(const struct capture *cap, char **data, size_t *len, char *err, size_t errlen)
{
	*data = NULL;
	*len = 0;
	FILE *f = open_memstream(data, len);
	if (f == NULL)
		return kx_errorf(err, errlen, "out of memory");
	int ret = write_section(f, cap, err, errlen);
	if (fclose(f) != 0 && ret == 0)
		ret = kx_errorf(err, errlen, "out of memory");
	return ret;
}

/* Writes len bytes to path, opened with flags (O_TRUNC: a file of its own, replacing any; O_APPEND:
 * after what is there), with one system call where the kernel takes it all: a case writes three files, and stdio's
 * buffers and locks cost more than the writes. 0, or -1 with err. */
static int write_file(const char *path, int flags, const void *data, size_t len, char *err, size_t errlen)
{
	int fd;
	/* A file of its own is made new, never truncated: ext4 writes a truncated file back to the disk
	 * as soon as it is closed (auto_da_alloc), which a run whose cases share an id paid on every case. */
	if (flags == O_TRUNC) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		/* Two cases of one id finishing at once (a suite that repeats a scenario) race here: the
		 * last resort truncates. */
		for (int tries = 0; fd < 0 && errno == EEXIST && tries < 2; tries++) {
			unlink(path);
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		}
		if (fd < 0 && errno == EEXIST)
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	}
	if (fd < 0)
		return kx_errorf(err, errlen, "cannot open %s: %s", path, strerror(errno));
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = n < 0 ? errno : ENOSPC;
			close(fd);
			return kx_errorf(err, errlen, "cannot write %s: %s", path, strerror(saved));
		}
		p += n;
		left -= (size_t)n;
	}
	if (close(fd) != 0)
		return kx_errorf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

/* The feed of batch number b, started on its first case; NULL when its tshark cannot run. Under
 * batch_lock. */
static struct kx_tshark *feed_of(size_t b, const char *batch)
{
	if (b >= n_feeds) {
		if (KX_GROW(feeds, cap_feeds, b + 1) != 0)
			return NULL;
		memset(feeds + n_feeds, 0, (b + 1 - n_feeds) * sizeof *feeds);
		n_feeds = b + 1;
	}
	if (feeds[b].tshark == NULL && !feeds[b].failed) {
		char why[600];
		feeds[b].tshark = kx_tshark_start(tshark_program, NULL, why, sizeof why);
		feeds[b].failed = feeds[b].tshark == NULL;
		snprintf(feeds[b].batch, sizeof feeds[b].batch, "%s", batch);
	}
	return feeds[b].tshark;
}

/* Appends the section to the batch file whole, whichever thread finishes its case at the same time,
 * and to the batch's tshark when it is fed. */
static int append_to_batch(const char *path, size_t case_index, const char *data, size_t len, char *err,
                           size_t errlen)
{
	pthread_mutex_lock(&batch_lock);
	int ret = write_file(path, O_APPEND, data, len, err, errlen);
	struct kx_tshark *tshark = ret == 0 && feeding ? feed_of(case_index / KX_CAPTURE_BATCH, path) : NULL;
	if (tshark != NULL)
		kx_tshark_write(tshark, data, len); /* a tshark that stopped says why when it is finished */
	pthread_mutex_unlock(&batch_lock);
	return ret;
}

void kx_capture_feed_tshark(const char *capture_dir)
{
	char err[600];
	pthread_mutex_lock(&batch_lock);
	feeding = kx_tshark_find(tshark_program, sizeof tshark_program, err, sizeof err) == 0;
	/* The first batch's tshark starts now, so that its half second of start-up overlaps the run's. */
	if (feeding) {
		char first[4400];
		kx_capture_batch_path(capture_dir, 0, first, sizeof first);
		feed_of(0, first);
	}
	pthread_mutex_unlock(&batch_lock);
}

struct kx_tshark *kx_capture_take_feed(const char *batch)
{
	struct kx_tshark *tshark = NULL;
	pthread_mutex_lock(&batch_lock);
	for (size_t b = 0; tshark == NULL && b < n_feeds; b++)
		if (feeds[b].tshark != NULL && strcmp(feeds[b].batch, batch) == 0) {
			tshark = feeds[b].tshark;
			feeds[b].tshark = NULL;
		}
	pthread_mutex_unlock(&batch_lock);
	return tshark;
}

void kx_capture_stop_feeding(void)
{
	pthread_mutex_lock(&batch_lock);
	for (size_t b = 0; b < n_feeds; b++)
		if (feeds[b].tshark != NULL)
			kx_tshark_kill(feeds[b].tshark);
	free(feeds);
	feeds = NULL;
	n_feeds = cap_feeds = 0;
	feeding = 0;
	pthread_mutex_unlock(&batch_lock);
}

static void describe_case(struct capture *cap, const char *case_id, json_t *result)
{
	const char *transport = cap->dtls ? "DTLS over UDP" : "TLS over TCP";
	const char *scenario = kx_json_get_string(result, "scenario");
	const char *kind = kx_json_get_string(result, "kind");
	const char *suite = kx_json_get_string(result, "suite");
	const char *outcome = kx_json_get_string(result, "outcome");
	const char *diagnosis = kx_json_get_string(result, "diagnosis");
	add_section_comment(cap, strf("kxconform case %s", case_id));
	add_section_comment(cap, strf("%s%s%s case, %s, suite %s: %s at 192.0.2.1:%u, %s at 192.0.2.2:%u",
	                              scenario ? scenario : "", scenario ? ", " : "", kind ? kind : "unknown",
	                              transport, suite ? suite : "unknown", cap->ends[1], (unsigned)cap->port,
	                              cap->ends[0], (unsigned)(cap->dtls ? KX_PORT_DTLS : KX_PORT_TLS)));
	if (outcome != NULL)
		add_section_comment(cap, strf("handshake outcome: %s%s%s", outcome,
		                              diagnosis != NULL && diagnosis[0] ? "; " : "",
		                              diagnosis ? diagnosis : ""));
	add_section_comment(cap,
	                    cap->keylog != NULL
	                        ? strf("the Decryption Secrets Block before the packets holds the session's "
	                               "key log, so Wireshark and tshark decrypt with no set-up")
	                        : strf("no session secrets: the handshake did not complete, so what follows "
	                               "ChangeCipherSpec stays encrypted"));
}

int kx_capture_case(const char *dir, size_t case_index, const char *case_id, const struct kx_relay *relay,
                    json_t *result, char *err, size_t errlen)
{
	struct capture cap;
	memset(&cap, 0, sizeof cap);
	char name[1024], pcapng[4400], keylog[4400], batch[4400];
	char *section = NULL;
	size_t section_len = 0;
	int ret = -1;
	const char *transport = kx_json_get_string(result, "transport");
	cap.dtls = transport != NULL ? strcmp(transport, "dtls") == 0 : relay != NULL && relay->dtls;
	cap.port = (uint16_t)(KX_PORT_INITIATOR_BASE + case_index % KX_PORT_SPAN);
	const char *ini = kx_json_get_string(result, "initiator"),
	           *ter = kx_json_get_string(result, "terminator");
	snprintf(cap.ends[1], sizeof cap.ends[1], "initiator (%.150s)", ini ? ini : "?");
	snprintf(cap.ends[0], sizeof cap.ends[0], "terminator (%.150s)", ter ? ter : "?");
	file_name(case_id, name, sizeof name);
	snprintf(pcapng, sizeof pcapng, "%s/captures/%s.pcapng", dir, name);
	snprintf(keylog, sizeof keylog, "%s/captures/%s.keylog", dir, name);
	kx_capture_batch_path(dir, case_index, batch, sizeof batch);

	if (make_dirs(dir, err, errlen) != 0)
		goto out;
	const char *outcome = kx_json_get_string(result, "outcome");
	if (outcome != NULL && strcmp(outcome, "completed") == 0 &&
	    (add_keylog(&cap, json_object_get(result, "initiator_report")) != 0 ||
	     add_keylog(&cap, json_object_get(result, "terminator_report")) != 0)) {
		kx_errorf(err, errlen, "%s: out of memory", case_id);
		goto out;
	}
	describe_case(&cap, case_id, result);
	build_packets(&cap, case_index, relay);
	if (cap.packets.oom) {
		kx_errorf(err, errlen, "%s: out of memory while building packets", case_id);
		goto out;
	}
	const char *no_secrets =
	    outcome != NULL && strcmp(outcome, "completed") == 0
	        ? "# no session secrets: the handshake completed but neither end reported "
	          "a key log line\n"
	        : NO_SECRETS_LINE;
	const char *keylog_text = cap.keylog ? cap.keylog : no_secrets;
	char why[300];
	if (build_section(&cap, &section, &section_len, why, sizeof why) != 0) {
		kx_errorf(err, errlen, "%s: %s", pcapng, why);
		goto out;
	}
	if (write_file(pcapng, O_TRUNC, section, section_len, err, errlen) != 0 ||
	    write_file(keylog, O_TRUNC, keylog_text, strlen(keylog_text), err, errlen) != 0 ||
	    append_to_batch(batch, case_index, section, section_len, err, errlen) != 0)
		goto out;
	ret = 0;
out:
	free(section);
	if (result != NULL) {
		json_t *info = ret == 0 ? json_pack("{s:s, s:s, s:s, s:i, s:I}", "pcapng", pcapng, "keylog",
		                                    keylog, "batch", batch, "port", (int)cap.port, "packets",
		                                    (json_int_t)cap.packets.n)
		                        : json_pack("{s:s}", "error", err);
		json_object_set_new(result, "capture", info);
	}
	free_capture(&cap);
	return ret;
}
