/* capture_check.c - reads the batch files with tshark and judges each case's
 * section.
 *
 * tshark runs as `tshark -r FILE -T fields -e ...` (runner/wire/tshark.h), or was
 * fed the same sections on its standard input as the cases finished
 * (kx_capture_feed_tshark): the fields are the packet's
 * sender (ip.src), ports, the TLS and DTLS handshake types and data.data.
 * Without decryption a Finished is an "Encrypted Handshake Message" with no
 * handshake type, and application data is only tls.app_data ciphertext; with
 * it, type 20 appears and the plaintext shows as data.data (the terminator's
 * port has no dissector of its own, so nothing else claims it). Those two
 * fields therefore show whether the Decryption Secrets Block worked. */
#include "runner/wire/capture_check.h"

#include "core/errors.h"
#include "core/growable.h"
#include "core/hex.h"
#include "core/json_io.h"
#include "core/netpkt.h"
#include "runner/wire/capture.h"
#include "runner/wire/tshark.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

struct buffer {
	char *data;
	size_t len, cap;
	int oom;
};

/* What the check keeps of one case's result, from kx_capture_check_add, and then its verdict. */
enum state {
	ABSENT,   /* no capture object: nothing to check or annotate */
	NO_FILE,  /* the capture could not be written: failed, why says so */
	PENDING,  /* to be read by tshark (and left so if its port is out of range) */
	VERIFIED, /* the check passed; the text is rebuilt from the facts below */
	FAILED,   /* the check failed, why says so */
	NOT_RUN,  /* tshark could not run: the check's not_run text */
};

struct entry {
	unsigned char state;
	unsigned char completed, keylog, escertke, positive;
	const char *batch; /* one of the check's batch paths */
	json_int_t port, packets;
	size_t frames; /* what tshark read of this case */
	/* The application-data text of each flight that sent one: 'i' (the initiator's) or 't', the
	 * text, a NUL; an empty item ends the list. NULL when no flight sent any. */
	char *texts;
	char *why; /* NO_FILE, FAILED: why (owned) */
};

struct kx_capture_check {
	char default_batch[4200];
	char **batches; /* the distinct batch paths the cases name (owned) */
	size_t n_batches, cap_batches;
	struct entry *entries;
	size_t n;
	char not_run[1200];
};

/* What tshark showed of one case while its batch file is read. */
struct seen {
	struct entry *entry;
	size_t frames;
	int finished[2];       /* [1]: from the initiator */
	struct buffer data[2]; /* decrypted data.data hex from each end, ","-separated */
	/* The handshake as tshark decoded it: which message types each end sent, and how many
	 * flights (runs of packets from one end) carried handshake messages. */
	unsigned types[2]; /* bit t: handshake type t (0..31) seen from that end */
	int flights, last_from;
};

static void buf_put(struct buffer *b, const char *data, size_t len)
{
	if (b->oom || KX_GROW(b->data, b->cap, b->len + len + 1) != 0) {
		b->oom = 1;
		return;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Splits a tab-separated line into KX_TSHARK_FIELDS fields (missing ones empty), in place. */
static void split_fields(char *line, char *out[KX_TSHARK_FIELDS])
{
	for (size_t i = 0; i < KX_TSHARK_FIELDS; i++) {
		out[i] = line;
		char *tab = line != NULL ? strchr(line, '\t') : NULL;
		if (tab != NULL)
			*tab = '\0';
		line = tab != NULL ? tab + 1 : NULL;
		if (out[i] == NULL)
			out[i] = (char *)"";
	}
}

/* 1 if the ","-separated list holds the value exactly. */
static int list_has(const char *list, const char *value)
{
	size_t n = strlen(value);
	for (const char *p = list; *p != '\0';) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, value, n) == 0)
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

/* Files one row of tshark's output under its case: the initiator's port picks it among the
 * batch's cases. */
static void read_row(void *ctx, char *line)
{
	struct seen **by_port = ctx;
	char initiator[32];
	snprintf(initiator, sizeof initiator, "%u.%u.%u.%u", KX_ADDR_INITIATOR >> 24,
	         KX_ADDR_INITIATOR >> 16 & 0xFF, KX_ADDR_INITIATOR >> 8 & 0xFF, KX_ADDR_INITIATOR & 0xFF);
	char *f[KX_TSHARK_FIELDS];
	split_fields(line, f);
	int from_initiator = strcmp(f[KX_TSHARK_SRC], initiator) == 0;
	const char *port_text = from_initiator ? (f[KX_TSHARK_TCP_SPORT][0] ? f[KX_TSHARK_TCP_SPORT] : f[KX_TSHARK_UDP_SPORT])
	                                       : (f[KX_TSHARK_TCP_DPORT][0] ? f[KX_TSHARK_TCP_DPORT] : f[KX_TSHARK_UDP_DPORT]);
	long port = atol(port_text);
	if (port < KX_PORT_INITIATOR_BASE || port >= KX_PORT_INITIATOR_BASE + KX_PORT_SPAN)
		return;
	struct seen *s = by_port[port - KX_PORT_INITIATOR_BASE];
	if (s == NULL)
		return;
	s->frames++;
	if (list_has(f[KX_TSHARK_TLS_HS], "20") || list_has(f[KX_TSHARK_DTLS_HS], "20"))
		s->finished[from_initiator] = 1;
	const char *types = f[KX_TSHARK_TLS_HS][0] ? f[KX_TSHARK_TLS_HS] : f[KX_TSHARK_DTLS_HS];
	if (types[0] != '\0') {
		if (s->flights == 0 || s->last_from != from_initiator)
			s->flights++;
		s->last_from = from_initiator;
		for (const char *t = types; *t != '\0'; t += strcspn(t, ",") + (t[strcspn(t, ",")] == ',')) {
			int type = atoi(t);
			if (type >= 0 && type < 32)
				s->types[from_initiator] |= 1u << type;
		}
	}
	if (f[KX_TSHARK_DATA][0] != '\0') {
		buf_put(&s->data[from_initiator], f[KX_TSHARK_DATA], strlen(f[KX_TSHARK_DATA]));
		buf_put(&s->data[from_initiator], ",", 1);
	}
}

/* Fails a completed case whose capture did not show what it must. */
static void fail_case(json_t *result, const char *why)
{
	const char *r = kx_json_get_string(result, "result");
	if (r != NULL && strcmp(r, "pass") == 0)
		json_object_set_new(result, "result", json_string("fail"));
	json_object_set_new(result, "met", json_false());
	const char *diagnosis = kx_json_get_string(result, "diagnosis");
	json_object_set_new(result, "diagnosis",
	                    json_sprintf("%s%scapture: %s", diagnosis ? diagnosis : "",
	                                 diagnosis && *diagnosis ? "; " : "", why));
}

static int completed(json_t *result)
{
	const char *outcome = kx_json_get_string(result, "outcome");
	return outcome != NULL && strcmp(outcome, "completed") == 0;
}

static void add_why(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends one reason to why, "; "-separated, cutting what does not fit. */
static void add_why(char *why, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(why);
	if (used > 0 && used + 2 < cap) {
		memcpy(why + used, "; ", 3);
		used += 2;
	}
	va_list args;
	va_start(args, fmt);
	vsnprintf(why + used, cap - used, fmt, args);
	va_end(args);
}

/* ESCertKE as the capture shows it (spec README point 12): four messages, both ends
 * authenticated (Certificate from each, CertificateRequest and CertificateVerify), both
 * Finished, and nothing after message 4. */
static void check_escertke(const struct seen *s, char *why, size_t cap)
{
	static const struct {
		int from_initiator, type;
		const char *name;
	} required[] = {{1, 1, "ClientHello"},         {0, 2, "ServerHello"},       {0, 11, "Certificate from the terminator"},
	                {0, 13, "CertificateRequest"}, {1, 11, "Certificate from the initiator"},
	                {1, 15, "CertificateVerify"}};
	if (s->flights != 4)
		add_why(why, cap, "tshark sees %d ESCertKE messages (flights of handshake records), not 4", s->flights);
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!(s->types[required[i].from_initiator] & 1u << required[i].type))
			add_why(why, cap, "tshark sees no %s", required[i].name);
	for (int e = 0; e < 2; e++)
		if (s->data[e].len > 0)
			add_why(why, cap, "application data from the %s: ESCertKE ends with message 4",
			        e ? "initiator" : "terminator");
}

/* Sets an entry's verdict to failed, for why. */
static void set_failed(struct entry *e, const char *why)
{
	free(e->why);
	e->why = strdup(why);
	e->state = FAILED;
}

/* Judges one case from what tshark showed; returns 1 if its capture failed the check. */
static int judge(struct seen *s)
{
	struct entry *e = s->entry;
	char why[1024] = "";
	e->frames = s->frames;
	if ((json_int_t)s->frames != e->packets)
		add_why(why, sizeof why, "tshark read %zu packets of this case, the capture holds %lld",
		        s->frames, (long long)e->packets);
	if (e->completed) {
		static const char *const ends[2] = {"terminator", "initiator"};
		if (!e->keylog)
			add_why(why, sizeof why,
			        "neither end reported a key log line, so the capture holds no secrets");
		for (int end = 1; end >= 0; end--)
			if (!s->finished[end])
				add_why(why, sizeof why, "no decrypted Finished from the %s", ends[end]);
		if (e->escertke && e->positive)
			check_escertke(s, why, sizeof why);
		for (const char *t = e->texts; t != NULL && *t != '\0'; t += strlen(t) + 1) {
			int end = *t == 'i';
			const char *text = t + 1;
			size_t n = strlen(text);
			char *hex = malloc(2 * n + 1);
			if (hex == NULL)
				continue;
			kx_hex_encode((const uint8_t *)text, n, hex, 0);
			if (s->data[end].data == NULL || strstr(s->data[end].data, hex) == NULL)
				add_why(why, sizeof why,
				        "the %s's application data \"%s\" is not visible decrypted", ends[end],
				        text);
			free(hex);
		}
	}
	if (why[0] != '\0') {
		set_failed(e, why);
		return 1;
	}
	e->state = VERIFIED;
	return 0;
}

/* The text of a verified capture: what tshark showed of it. */
static void verified_text(const struct entry *e, char *ok, size_t len)
{
	if (e->completed)
		snprintf(ok, len, "tshark decrypted it with no options: Finished from both ends and %s (%zu packets)",
		         e->escertke ? "the four ESCertKE messages, both ends authenticated, no application data"
		                     : "the application data",
		         e->frames);
	else if (e->frames == 0)
		snprintf(ok, len, "no packets: the case exchanged nothing");
	else
		snprintf(ok, len,
		         "tshark read all %zu packets; the handshake did not complete, so there is nothing "
		         "to decrypt",
		         e->frames);
}

/* Marks every checkable capture "not-run" with the reason. */
static void not_run(struct kx_capture_check *check, const char *reason)
{
	snprintf(check->not_run, sizeof check->not_run, "not run: %s", reason);
	for (size_t i = 0; i < check->n; i++)
		if (check->entries[i].state >= PENDING)
			check->entries[i].state = NOT_RUN;
}

struct kx_capture_check *kx_capture_check_new(const char *dir, size_t n)
{
	struct kx_capture_check *check = calloc(1, sizeof *check);
	if (check == NULL || (check->entries = calloc(n ? n : 1, sizeof *check->entries)) == NULL) {
		free(check);
		return NULL;
	}
	check->n = n;
	snprintf(check->default_batch, sizeof check->default_batch, "%s/captures/all-cases.pcapng", dir);
	return check;
}

/* The check's copy of a batch path (the cases of a run share a few); NULL when out of memory. */
static const char *batch_path(struct kx_capture_check *check, const char *path)
{
	if (path == NULL)
		return check->default_batch;
	for (size_t b = 0; b < check->n_batches; b++)
		if (strcmp(check->batches[b], path) == 0)
			return check->batches[b];
	char *copy = strdup(path);
	if (copy == NULL || KX_GROW(check->batches, check->cap_batches, check->n_batches + 1) != 0) {
		free(copy);
		return NULL;
	}
	check->batches[check->n_batches++] = copy;
	return copy;
}

/* The application-data texts of a result's flights as struct entry keeps them; NULL when none
 * (or out of memory, which then checks none). */
static char *flight_texts(json_t *result)
{
	struct buffer texts = {0};
	size_t i;
	json_t *flight;
	json_array_foreach(json_object_get(result, "flights"), i, flight)
	{
		const char *text = kx_json_get_string(flight, "application_data");
		const char *from = kx_json_get_string(flight, "from");
		if (text == NULL || from == NULL)
			continue;
		buf_put(&texts, strcmp(from, "initiator") == 0 ? "i" : "t", 1);
		buf_put(&texts, text, strlen(text) + 1);
	}
	if (texts.data == NULL)
		return NULL;
	buf_put(&texts, "", 1);
	if (texts.oom) {
		free(texts.data);
		return NULL;
	}
	return texts.data;
}

void kx_capture_check_add(struct kx_capture_check *check, size_t i, json_t *result)
{
	if (i >= check->n)
		return;
	struct entry *e = &check->entries[i];
	json_t *capture = json_object_get(result, "capture");
	if (!json_is_object(capture))
		return;
	const char *run = kx_json_get_string(result, "run"), *kind = kx_json_get_string(result, "kind");
	e->completed = (unsigned char)completed(result);
	e->keylog = kx_json_get_string(json_object_get(result, "initiator_report"), "keylog") != NULL ||
	            kx_json_get_string(json_object_get(result, "terminator_report"), "keylog") != NULL;
	e->escertke = run != NULL && strcmp(run, "escertke") == 0;
	e->positive = kind != NULL && strcmp(kind, "positive") == 0;
	if (json_object_get(capture, "error") != NULL) {
		/* A capture that could not be written is a check that failed, not one that did not run. */
		char text[700];
		snprintf(text, sizeof text, "no capture: %s", kx_json_get_string(capture, "error"));
		e->why = strdup(text);
		e->state = NO_FILE;
		return;
	}
	e->batch = batch_path(check, kx_json_get_string(capture, "batch"));
	e->port = json_integer_value(json_object_get(capture, "port"));
	e->packets = json_integer_value(json_object_get(capture, "packets"));
	e->texts = e->completed ? flight_texts(result) : NULL;
	e->state = e->batch != NULL ? PENDING : ABSENT;
}

/* Checks one batch file: the cases from first on that are in it, not yet judged, each on its own
 * port, read by one tshark. Returns 1 when tshark could not be executed (err then says why),
 * else 0 with the failures and packets counted. */
static int check_batch(struct kx_capture_check *check, const char *tshark, size_t first, struct seen *seen,
                       struct seen **by_port, size_t *failures, size_t *rows, char *err, size_t errlen)
{
	const char *batch = check->entries[first].batch;
	char why[1200];
	memset(by_port, 0, KX_PORT_SPAN * sizeof *by_port);
	for (size_t i = first; i < check->n; i++) {
		struct entry *e = &check->entries[i];
		if (e->state == PENDING && strcmp(e->batch, batch) == 0 && e->port >= KX_PORT_INITIATOR_BASE &&
		    e->port < KX_PORT_INITIATOR_BASE + KX_PORT_SPAN) {
			struct seen *s = &seen[e->port - KX_PORT_INITIATOR_BASE];
			memset(s, 0, sizeof *s);
			s->entry = e;
			by_port[e->port - KX_PORT_INITIATOR_BASE] = s;
		}
	}
	/* Fed as its cases finished (capture.h), or reading the file now. */
	struct kx_tshark *t = kx_capture_take_feed(batch);
	if (t == NULL)
		t = kx_tshark_start(tshark, batch, why, sizeof why);
	int ran = t != NULL ? kx_tshark_finish(t, batch, read_row, by_port, why, sizeof why) : 1;
	if (ran == 1) {
		kx_errorf(err, errlen, "%s", why);
		not_run(check, err);
	}
	for (size_t p = 0; p < KX_PORT_SPAN; p++) {
		struct seen *s = by_port[p];
		if (s == NULL)
			continue;
		if (ran == 0) {
			*rows += s->frames;
			*failures += (size_t)judge(s);
		} else if (ran < 0) {
			set_failed(s->entry, why);
			(*failures)++;
		}
		free(s->data[0].data);
		free(s->data[1].data);
	}
	return ran == 1;
}

int kx_capture_check_run(struct kx_capture_check *check, char *err, size_t errlen)
{
	size_t failures = 0, files = 0, rows = 0;
	char tshark[4200];
	for (size_t i = 0; i < check->n; i++)
		failures += check->entries[i].state == NO_FILE;
	if (kx_tshark_find(tshark, sizeof tshark, err, errlen) != 0) {
		not_run(check, err);
		return -1;
	}
	/* What tshark shows of the cases of one batch file, by port, while it is read. */
	struct seen *seen = malloc(KX_PORT_SPAN * sizeof *seen);
	struct seen **by_port = malloc(KX_PORT_SPAN * sizeof *by_port);
	if (seen == NULL || by_port == NULL) {
		free(seen);
		free(by_port);
		kx_errorf(err, errlen, "capture check: out of memory");
		not_run(check, err);
		return -1;
	}
	double started = now_s();
	int ret = 0;
	/* One tshark per batch file: take the first unchecked case's file, then every case in it. */
	for (size_t first = 0; ret == 0 && first < check->n; first++) {
		if (check->entries[first].state != PENDING)
			continue;
		files++;
		if (check_batch(check, tshark, first, seen, by_port, &failures, &rows, err, errlen) != 0)
			ret = -1;
		/* A case whose port is out of range stays unchecked, as its batch has now been read. */
		if (check->entries[first].state == PENDING)
			check->entries[first].state = ABSENT;
	}
	free(seen);
	free(by_port);
	if (ret != 0)
		return -1;
	/* A tshark fed during the run has mostly finished by now: the time is what the check added. */
	kx_errorf(err, errlen,
	          "capture check: %s read %zu batch file%s (%zu packets), %.1f s after the last case; %zu capture%s "
	          "failed",
	          tshark, files, files == 1 ? "" : "s", rows, now_s() - started, failures,
	          failures == 1 ? "" : "s");
	return (int)failures;
}

int kx_capture_check_fails(const struct kx_capture_check *check, size_t i)
{
	const struct entry *e = i < check->n ? &check->entries[i] : NULL;
	return e != NULL && (e->state == NO_FILE || e->state == FAILED) && e->completed;
}

static void set_verdict(json_t *capture, json_t *verified, const char *check)
{
	json_object_set_new(capture, "verified", verified);
	json_object_set_new(capture, "check", json_string(check));
}

void kx_capture_check_annotate(const struct kx_capture_check *check, size_t i, json_t *result)
{
	const struct entry *e = i < check->n ? &check->entries[i] : NULL;
	json_t *capture = json_object_get(result, "capture");
	if (e == NULL || !json_is_object(capture))
		return;
	char ok[300];
	switch (e->state) {
	case NO_FILE:
	case FAILED:
		set_verdict(capture, json_false(), e->why != NULL ? e->why : "out of memory");
		if (completed(result))
			fail_case(result, e->why != NULL ? e->why : "out of memory");
		break;
	case VERIFIED:
		verified_text(e, ok, sizeof ok);
		set_verdict(capture, json_true(), ok);
		break;
	case NOT_RUN:
		set_verdict(capture, json_string("not-run"), check->not_run);
		break;
	default:
		break;
	}
}

void kx_capture_check_free(struct kx_capture_check *check)
{
	if (check == NULL)
		return;
	for (size_t i = 0; i < check->n; i++) {
		free(check->entries[i].texts);
		free(check->entries[i].why);
	}
	for (size_t b = 0; b < check->n_batches; b++)
		free(check->batches[b]);
	free(check->batches);
	free(check->entries);
	free(check);
}

int kx_capture_check(const char *dir, json_t *cases, char *err, size_t errlen)
{
	size_t n = json_array_size(cases);
	struct kx_capture_check *check = kx_capture_check_new(dir, n);
	if (check == NULL)
		return kx_errorf(err, errlen, "capture check: out of memory");
	for (size_t i = 0; i < n; i++)
		kx_capture_check_add(check, i, json_array_get(cases, i));
	int ret = kx_capture_check_run(check, err, errlen);
	for (size_t i = 0; i < n; i++)
		kx_capture_check_annotate(check, i, json_array_get(cases, i));
	kx_capture_check_free(check);
	return ret;
}
