/* capture_check.c - reads the batch files with tshark and judges each case's
 * section.
 *
 * tshark runs as `tshark -r FILE -T fields -e ...`: the fields are the packet's
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

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit status of the child when exec itself failed (as shells use). */
#define EXEC_FAILED 127

enum field {
	F_FRAME,
	F_SRC,
	F_TCP_SPORT,
	F_UDP_SPORT,
	F_TCP_DPORT,
	F_UDP_DPORT,
	F_TLS_HS,
	F_DTLS_HS,
	F_DATA,
	F_COUNT
};

static const char *const fields[F_COUNT] = {
    "frame.number", "ip.src",      "tcp.srcport",        "udp.srcport",
    "tcp.dstport",  "udp.dstport", "tls.handshake.type", "dtls.handshake.type",
    "data.data"};

struct buffer {
	char *data;
	size_t len, cap;
	int oom;
};

/* What tshark showed of one case. */
struct seen {
	json_t *result;
	json_t *capture;
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

/* Finds an executable: a name with a '/' as given, otherwise along $PATH. 0, or -1. */
static int find_program(const char *name, char *out, size_t len)
{
	if (strchr(name, '/') != NULL) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) == 0 ? 0 : -1;
	}
	const char *path = getenv("PATH");
	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");
		snprintf(out, len, "%.*s/%s", (int)n, n > 0 ? path : ".", name);
		if (access(out, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -1;
}

/* The first line of tshark's complaints that is not its warning about running as root. */
static void first_complaint(FILE *f, char *out, size_t len)
{
	char line[512];
	out[0] = '\0';
	rewind(f);
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0' && strstr(line, "This could be dangerous") == NULL) {
			size_t n = strlen(line) < len ? strlen(line) : len - 1;
			memcpy(out, line, n);
			out[n] = '\0';
			return;
		}
	}
}

/* Runs tshark on file, its standard output into out. 0; 1 if tshark could not be
 * executed at all; -1 if it ran and failed. why says what went wrong. */
static int run_tshark(const char *tshark, const char *file, struct buffer *out, char *why, size_t len)
{
	const char *argv[4 + 2 * F_COUNT + 1];
	size_t argc = 0;
	argv[argc++] = tshark;
	argv[argc++] = "-r";
	argv[argc++] = file;
	argv[argc++] = "-Tfields";
	for (size_t i = 0; i < F_COUNT; i++) {
		argv[argc++] = "-e";
		argv[argc++] = fields[i];
	}
	argv[argc] = NULL;

	int fds[2];
	FILE *complaints = tmpfile();
	if (complaints == NULL || pipe(fds) != 0) {
		kx_errorf(why, len, "cannot start tshark: %s", strerror(errno));
		if (complaints != NULL)
			fclose(complaints);
		return 1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		kx_errorf(why, len, "cannot start tshark: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		fclose(complaints);
		return 1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fileno(complaints), STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		/* execv's argv is char *const[] for historical reasons; it does not write to it. */
		execv(tshark, (char *const *)(void *)argv);
		_exit(EXEC_FAILED);
	}
	close(fds[1]);
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fds[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_put(out, chunk, (size_t)n);
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	char complaint[400];
	first_complaint(complaints, complaint, sizeof complaint);
	fclose(complaints);
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXEC_FAILED) {
		kx_errorf(why, len, "cannot execute %s", tshark);
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return kx_errorf(why, len, "tshark could not read %s (%s %d)%s%s", file,
		                 WIFEXITED(status) ? "exit status" : "signal",
		                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		                 complaint[0] ? ": " : "", complaint);
	if (out->oom)
		return kx_errorf(why, len, "out of memory reading tshark's output");
	return 0;
}

/* Splits a tab-separated line into F_COUNT fields (missing ones empty), in place. */
static void split_fields(char *line, char *out[F_COUNT])
{
	for (size_t i = 0; i < F_COUNT; i++) {
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

/* Files each row under its case: the initiator's port picks it among the batch's cases. */
static void read_rows(char *text, struct seen **by_port)
{
	char initiator[32];
	snprintf(initiator, sizeof initiator, "%u.%u.%u.%u", KX_ADDR_INITIATOR >> 24,
	         KX_ADDR_INITIATOR >> 16 & 0xFF, KX_ADDR_INITIATOR >> 8 & 0xFF, KX_ADDR_INITIATOR & 0xFF);
	for (char *line = text; line != NULL && *line != '\0';) {
		char *next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		char *f[F_COUNT];
		split_fields(line, f);
		line = next;
		int from_initiator = strcmp(f[F_SRC], initiator) == 0;
		const char *port_text = from_initiator
		                            ? (f[F_TCP_SPORT][0] ? f[F_TCP_SPORT] : f[F_UDP_SPORT])
		                            : (f[F_TCP_DPORT][0] ? f[F_TCP_DPORT] : f[F_UDP_DPORT]);
		long port = atol(port_text);
		if (port < KX_PORT_INITIATOR_BASE || port >= KX_PORT_INITIATOR_BASE + KX_PORT_SPAN)
			continue;
		struct seen *s = by_port[port - KX_PORT_INITIATOR_BASE];
		if (s == NULL)
			continue;
		s->frames++;
		if (list_has(f[F_TLS_HS], "20") || list_has(f[F_DTLS_HS], "20"))
			s->finished[from_initiator] = 1;
		const char *types = f[F_TLS_HS][0] ? f[F_TLS_HS] : f[F_DTLS_HS];
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
		if (f[F_DATA][0] != '\0') {
			buf_put(&s->data[from_initiator], f[F_DATA], strlen(f[F_DATA]));
			buf_put(&s->data[from_initiator], ",", 1);
		}
	}
}

static void set_verdict(struct seen *s, json_t *verified, const char *check)
{
	json_object_set_new(s->capture, "verified", verified);
	json_object_set_new(s->capture, "check", json_string(check));
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

static int escertke(json_t *result)
{
	const char *run = kx_json_get_string(result, "run");
	return run != NULL && strcmp(run, "escertke") == 0;
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

/* Judges one case from what tshark showed; returns 1 if its capture failed the check. */
static int judge(struct seen *s)
{
	char why[1024] = "";
	json_int_t packets = json_integer_value(json_object_get(s->capture, "packets"));
	if ((json_int_t)s->frames != packets)
		add_why(why, sizeof why, "tshark read %zu packets of this case, the capture holds %lld",
		        s->frames, (long long)packets);
	if (completed(s->result)) {
		static const char *const ends[2] = {"terminator", "initiator"};
		if (kx_json_get_string(json_object_get(s->result, "initiator_report"), "keylog") == NULL &&
		    kx_json_get_string(json_object_get(s->result, "terminator_report"), "keylog") == NULL)
			add_why(why, sizeof why,
			        "neither end reported a key log line, so the capture holds no secrets");
		for (int e = 1; e >= 0; e--)
			if (!s->finished[e])
				add_why(why, sizeof why, "no decrypted Finished from the %s", ends[e]);
		if (escertke(s->result) && strcmp(kx_json_get_string(s->result, "kind"), "positive") == 0)
			check_escertke(s, why, sizeof why);
		size_t i;
		json_t *flight;
		json_array_foreach(json_object_get(s->result, "flights"), i, flight)
		{
			const char *text = kx_json_get_string(flight, "application_data");
			const char *from = kx_json_get_string(flight, "from");
			if (text == NULL || from == NULL)
				continue;
			int e = strcmp(from, "initiator") == 0;
			size_t n = strlen(text);
			char *hex = malloc(2 * n + 1);
			if (hex == NULL)
				continue;
			kx_hex_encode((const uint8_t *)text, n, hex, 0);
			if (s->data[e].data == NULL || strstr(s->data[e].data, hex) == NULL)
				add_why(why, sizeof why,
				        "the %s's application data \"%s\" is not visible decrypted", ends[e],
				        text);
			free(hex);
		}
	}
	if (why[0] != '\0') {
		set_verdict(s, json_false(), why);
		if (completed(s->result))
			fail_case(s->result, why);
		return 1;
	}
	char ok[300];
	if (completed(s->result))
		snprintf(ok, sizeof ok, "tshark decrypted it with no options: Finished from both ends and %s (%zu packets)",
		         escertke(s->result) ? "the four ESCertKE messages, both ends authenticated, no application data"
		                             : "the application data",
		         s->frames);
	else if (s->frames == 0)
		snprintf(ok, sizeof ok, "no packets: the case exchanged nothing");
	else
		snprintf(ok, sizeof ok,
		         "tshark read all %zu packets; the handshake did not complete, so there is nothing "
		         "to decrypt",
		         s->frames);
	set_verdict(s, json_true(), ok);
	return 0;
}

/* Marks every checkable capture "not-run" with the reason. */
static void not_run(struct seen *seen, size_t n, const char *reason)
{
	char text[1200];
	snprintf(text, sizeof text, "not run: %s", reason);
	for (size_t i = 0; i < n; i++)
		if (seen[i].capture != NULL)
			set_verdict(&seen[i], json_string("not-run"), text);
}

int kx_capture_check(const char *dir, json_t *cases, char *err, size_t errlen)
{
	size_t n = json_array_size(cases), failures = 0, files = 0, rows = 0;
	struct seen *seen = calloc(n ? n : 1, sizeof *seen);
	struct seen **by_port = calloc(KX_PORT_SPAN, sizeof *by_port);
	char default_batch[4200], tshark[4200], why[1200];
	int ret = -1;
	if (seen == NULL || by_port == NULL) {
		kx_errorf(err, errlen, "capture check: out of memory");
		goto out;
	}
	snprintf(default_batch, sizeof default_batch, "%s/captures/all-cases.pcapng", dir);
	for (size_t i = 0; i < n; i++) {
		seen[i].result = json_array_get(cases, i);
		json_t *capture = json_object_get(seen[i].result, "capture");
		if (!json_is_object(capture))
			continue;
		seen[i].capture = capture;
		if (json_object_get(capture, "error") != NULL) {
			/* A capture that could not be written is a check that failed, not one that did not
			 * run. */
			char text[700];
			snprintf(text, sizeof text, "no capture: %s", kx_json_get_string(capture, "error"));
			set_verdict(&seen[i], json_false(), text);
			if (completed(seen[i].result))
				fail_case(seen[i].result, text);
			failures++;
			seen[i].capture = NULL;
		}
	}

	const char *configured = getenv("KX_TSHARK");
	const char *wanted = configured != NULL && configured[0] != '\0' ? configured : "tshark";
	if (find_program(wanted, tshark, sizeof tshark) != 0) {
		kx_errorf(
		    err, errlen,
		    "%s not found%s; install tshark (Debian: tshark) to check that the captures decrypt",
		    wanted, configured != NULL && configured[0] != '\0' ? " ($KX_TSHARK)" : " on the PATH");
		not_run(seen, n, err);
		goto out;
	}

	double started = now_s();
	/* One tshark per batch file: take the first unchecked case's file, then every case in it. */
	for (size_t first = 0; first < n; first++) {
		if (seen[first].capture == NULL || json_object_get(seen[first].capture, "verified") != NULL)
			continue;
		const char *batch = kx_json_get_string(seen[first].capture, "batch");
		if (batch == NULL)
			batch = default_batch;
		memset(by_port, 0, KX_PORT_SPAN * sizeof *by_port);
		for (size_t i = first; i < n; i++) {
			const char *b = seen[i].capture ? kx_json_get_string(seen[i].capture, "batch") : NULL;
			json_int_t port = json_integer_value(json_object_get(seen[i].capture, "port"));
			if (seen[i].capture != NULL && json_object_get(seen[i].capture, "verified") == NULL &&
			    strcmp(b != NULL ? b : default_batch, batch) == 0 &&
			    port >= KX_PORT_INITIATOR_BASE && port < KX_PORT_INITIATOR_BASE + KX_PORT_SPAN)
				by_port[port - KX_PORT_INITIATOR_BASE] = &seen[i];
		}
		struct buffer out = {0};
		int ran = run_tshark(tshark, batch, &out, why, sizeof why);
		files++;
		if (ran == 1) {
			kx_errorf(err, errlen, "%s", why);
			not_run(seen, n, err);
			free(out.data);
			goto out;
		}
		if (ran == 0) {
			read_rows(out.data, by_port);
			for (size_t p = 0; p < KX_PORT_SPAN; p++)
				if (by_port[p] != NULL)
					rows += by_port[p]->frames;
		}
		for (size_t p = 0; p < KX_PORT_SPAN; p++) {
			struct seen *s = by_port[p];
			if (s == NULL)
				continue;
			if (ran == 0) {
				failures += (size_t)judge(s);
			} else {
				set_verdict(s, json_false(), why);
				if (completed(s->result))
					fail_case(s->result, why);
				failures++;
			}
		}
		free(out.data);
	}
	kx_errorf(err, errlen,
	          "capture check: %s read %zu batch file%s (%zu packets) in %.1f s; %zu capture%s failed",
	          tshark, files, files == 1 ? "" : "s", rows, now_s() - started, failures,
	          failures == 1 ? "" : "s");
	ret = (int)failures;
out:
	for (size_t i = 0; seen != NULL && i < n; i++) {
		free(seen[i].data[0].data);
		free(seen[i].data[1].data);
	}
	free(seen);
	free(by_port);
	return ret;
}
