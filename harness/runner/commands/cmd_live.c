/* cmd_live.c - `kxconform live`: the harness plays one end of a scenario
 * against a vendor's end-point over a real socket, then checks what the
 * vendor claims to have exported and derived.
 *
 * The runner still never links a TLS library: the harness's end is a session
 * in a reference driver (openssl or wolfssl, the user's pick) and the runner
 * is the wire between that session and the socket. Each flight the session
 * writes goes to the socket; whatever the socket delivers (TCP: what is
 * available, the session buffers partial records; UDP: one datagram at a
 * time) is given to the session's next step. Over DTLS the runner also plays
 * the retransmission timer, which a session in memory never runs.
 *
 * A run is one case with the matrix's conventions: the id
 * live.SCENARIO.TRANSPORT.INITIATOR-TERMINATOR, the end-point configuration
 * of the suite's scenario entry, the same cross-checks of the harness's own
 * end (negotiated version and suite, SNI, PSK identity, the export against
 * the PRF recomputed by both reference drivers), a report and a capture. The
 * vendor's claims are judged by claims.c. Exit status: 0 every check and
 * claim agreed, 1 something did not, 2 a usage or set-up error (nothing to
 * talk to). */
#include "runner/wire/capture.h"
#include "runner/cases/case_json.h"
#include "runner/cases/case_run.h"
#include "runner/judge/claims.h"
#include "runner/judge/judge.h"
#include "runner/cases/outcome.h"
#include "runner/cases/session_checks.h"
#include "runner/commands/cli.h"
#include "runner/commands/commands.h"
#include "runner/drivers/driver_pool.h"
#include "runner/wire/net_peer.h"
#include "runner/wire/vendor_program.h"
#include "runner/wire/relay.h"
#include "runner/reports/report.h"
#include "runner/reports/report_view.h"
#include "runner/cases/suite.h"

#include "core/chunks_json.h"
#include "core/errors.h"
#include "core/json_io.h"
#include "core/tls_records.h"
#include "core/tls_suites.h"

#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLAIM_ARGS 32
/* The longest --timeout and --claim-wait: ten minutes. */
#define MAX_WAIT_MS 600000
/* DTLS retransmission (RFC 6347 4.2.4.1): 1 s, doubling, a few times. */
#define RETRANSMIT_FIRST_MS 1000
#define RETRANSMIT_MAX 4
/* A launched vendor's UDP port may not be bound yet; how soon to try again. */
#define NOT_LISTENING_RETRY_MS 100
/* How long the vendor may take to answer the harness's application data when no claim is awaited. */
#define REPLY_WAIT_MS 300
/* The vendor output kept in the report. */
#define REPORT_OUTPUT_MAX 65536
#define APP_TEXT "kxconform live: application data from the harness\n"

struct options {
	const char *role, *transport, *scenario, *backend, *connect, *listen, *launch;
	const char *label, *fqdn, *enrolee_b_id, *keyid_reading, *suite, *pki, *output, *vendor_name;
	const char *claims_file;
	const char *claim_args[MAX_CLAIM_ARGS];
	size_t n_claim_args;
	const char *pattern_args[KX_MAX_CLAIM_PATTERNS];
	size_t n_pattern_args;
	int timeout_ms, claim_wait_ms, allow_remote;
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: kxconform live --role client|server (--connect HOST:PORT | --listen HOST:PORT)\n"
	    "                      [--transport tls|dtls] [--scenario NAME] [--backend openssl|wolfssl]\n"
	    "                      [--launch CMD] [--claim-pattern NAME=REGEX]... [--claim NAME=VALUE]...\n"
	    "                      [--claims FILE] [--label LABEL] [--fqdn FQDN] [--enrolee-b-id ID]\n"
	    "                      [--keyid-reading R] [--vendor-name NAME] [--allow-remote]\n"
	    "                      [--output DIR] [--timeout MS] [--claim-wait MS] [--suite FILE] [--pki DIR]\n"
	    "\n"
	    "Plays one end of a scenario against a vendor's end-point over TCP (TLS) or UDP\n"
	    "(DTLS), then checks what the vendor claims to have exported and derived against\n"
	    "what the harness's end exported and the reference drivers recompute, naming the\n"
	    "known mistake behind a wrong claim. docs/vendor-guide.md has worked examples.\n"
	    "\n"
	    "  --role ROLE            the harness's role: client (then --connect) or server (then\n"
	    "                         --listen); the vendor plays the other\n"
	    "  --transport T          tls (default) or dtls\n"
	    "  --scenario NAME        connection (default), bootstrap, psk or e2e: the end-point's\n"
	    "                         credentials, label and FQDN come from the suite's entry\n"
	    "  --backend NAME         the harness's TLS library: openssl (default) or wolfssl\n"
	    "  --connect HOST:PORT    where the vendor's server is (loopback unless --allow-remote)\n"
	    "  --listen HOST:PORT     where the harness's server listens; port 0 picks a free one\n"
	    "  --launch CMD           start the vendor program (/bin/sh -c CMD) with its input kept open\n"
	    "                         and its output read for claims; ended when the run ends. In CMD,\n"
	    "                         {port}, {host} and {pki} stand for the port, the host and the PKI;\n"
	    "                         an IPv6 {host} before ':' is bracketed ({host}:{port} is [::1]:4433)\n"
	    "  --claim-pattern N=RE   POSIX extended regex whose first group, in the vendor program's\n"
	    "                         output, is claim N; e.g. export='Keying material: ([0-9A-F]+)'\n"
	    "                         (up to %d)\n"
	    "  --claim N=VALUE        a claim; N is export, key_id, key (hex), keyid (RelativeKeyID@FQDN),\n"
	    "                         t1, t2, t3, t4 or ke2e_master (hex) (up to %d)\n"
	    "  --claims FILE          claims as a JSON object {\"export\": \"...\", ...}\n"
	    "  --label LABEL          the exporter label (default: the scenario's)\n"
	    "  --fqdn FQDN            the key identifier's FQDN (default: the scenario's)\n"
	    "  --enrolee-b-id ID      the E2E salt for t1..t4 and ke2e_master (default: the scenario's)\n"
	    "  --keyid-reading R      accept key identifiers in reading R (tr0038-example, hexbinary,\n"
	    "                         base64url, unpadded), reported as not the reference\n"
	    "  --vendor-name NAME     the vendor's name in the case id and reports (default: vendor)\n"
	    "  --output DIR           where reports/ and captures/ are written (default: .)\n"
	    "  --timeout MS           limit for reaching the vendor and for the handshake (default 10000;\n"
	    "                         1 to 600000)\n"
	    "  --claim-wait MS        how long the vendor's output may take to match the patterns\n"
	    "                         after the handshake (default 5000; 0 to 600000)\n"
	    "  --allow-remote         allow an address that is not loopback\n"
	    "  --suite FILE, --pki DIR  the scenario suite and the test PKI (defaults: the build's)\n"
	    "\n"
	    "Exit status: 0 the handshake and every claim agreed; 1 something disagreed or the\n"
	    "handshake did not complete; 2 usage or set-up error (no vendor to talk to).\n",
	    KX_MAX_CLAIM_PATTERNS, MAX_CLAIM_ARGS);
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->transport = "tls";
	opt->scenario = "connection";
	opt->backend = "openssl";
	opt->suite = KX_DEFAULT_SUITE;
	opt->output = ".";
	opt->vendor_name = "vendor";
	opt->timeout_ms = 10000;
	opt->claim_wait_ms = 5000;
	const struct kx_cli_string strings[] = {
	    {"--role", &opt->role},
	    {"--transport", &opt->transport},
	    {"--scenario", &opt->scenario},
	    {"--backend", &opt->backend},
	    {"--connect", &opt->connect},
	    {"--listen", &opt->listen},
	    {"--launch", &opt->launch},
	    {"--label", &opt->label},
	    {"--fqdn", &opt->fqdn},
	    {"--enrolee-b-id", &opt->enrolee_b_id},
	    {"--keyid-reading", &opt->keyid_reading},
	    {"--suite", &opt->suite},
	    {"--pki", &opt->pki},
	    {"--output", &opt->output},
	    {"--vendor-name", &opt->vendor_name},
	    {"--claims", &opt->claims_file},
	};
	static const char *const flags[] = {"--allow-remote", NULL};
	static const char *const valued[] = {"--role",     "--transport",     "--scenario", "--backend",
	                                     "--connect",  "--listen",        "--launch",   "--label",
	                                     "--fqdn",     "--enrolee-b-id",  "--keyid-reading",
	                                     "--suite",    "--pki",           "--output",   "--vendor-name",
	                                     "--claims",   "--claim",         "--claim-pattern",
	                                     "--timeout",  "--claim-wait",    NULL};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		if (kx_cli_help(arg, usage))
			exit(KX_EXIT_OK);
		if (kx_cli_next("live", argc, argv, &i, flags, valued, &value) < 0)
			return -1;
		if (value == NULL) {
			opt->allow_remote = 1;
			continue;
		}
		if (kx_cli_string_option(strings, sizeof strings / sizeof strings[0], arg, value))
			continue;
		int ok;
		if (strcmp(arg, "--claim") == 0)
			ok = kx_cli_list_add("live", arg, value, opt->claim_args, &opt->n_claim_args, MAX_CLAIM_ARGS);
		else if (strcmp(arg, "--claim-pattern") == 0)
			ok = kx_cli_list_add("live", arg, value, opt->pattern_args, &opt->n_pattern_args,
			                     KX_MAX_CLAIM_PATTERNS);
		else if (strcmp(arg, "--timeout") == 0)
			ok = kx_cli_int_option("live", arg, value, "milliseconds", 1, MAX_WAIT_MS, &opt->timeout_ms);
		else
			ok = kx_cli_int_option("live", arg, value, "milliseconds", 0, MAX_WAIT_MS, &opt->claim_wait_ms);
		if (!ok)
			return -1;
	}
	return 0;
}

/* Checks the combinations the parser cannot; prints the problem and returns -1. */
static int check_options(const struct options *opt)
{
	const char *problem = NULL;
	if (opt->role == NULL || (strcmp(opt->role, "client") != 0 && strcmp(opt->role, "server") != 0))
		problem = "--role must be client or server (the harness's role; the vendor plays the other)";
	else if (strcmp(opt->transport, "tls") != 0 && strcmp(opt->transport, "dtls") != 0)
		problem = "--transport must be tls or dtls";
	else if (strcmp(opt->backend, "openssl") != 0 && strcmp(opt->backend, "wolfssl") != 0)
		problem = "--backend must be openssl or wolfssl";
	else if (strcmp(opt->scenario, "connection") != 0 && strcmp(opt->scenario, "bootstrap") != 0 &&
	         strcmp(opt->scenario, "psk") != 0 && strcmp(opt->scenario, "e2e") != 0)
		problem =
		    "--scenario must be connection, bootstrap, psk or e2e (the (D)TLS frameworks; ESCertKE "
		    "travels in NOTIFY primitives: kxconform http)";
	else if (strcmp(opt->role, "client") == 0 && (opt->connect == NULL || opt->listen != NULL))
		problem = "the harness as client needs --connect HOST:PORT (and no --listen)";
	else if (strcmp(opt->role, "server") == 0 && (opt->listen == NULL || opt->connect != NULL))
		problem = "the harness as server needs --listen HOST:PORT (and no --connect)";
	else if (opt->n_pattern_args > 0 && opt->launch == NULL)
		problem = "--claim-pattern reads the output of the program --launch starts; give --launch";
	else if (strspn(opt->vendor_name, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	             strlen(opt->vendor_name) ||
	         opt->vendor_name[0] == '\0')
		problem =
		    "--vendor-name must be lower-case letters, digits and '-' (it is part of the case id)";
	if (problem != NULL) {
		fprintf(stderr, "kxconform live: %s\n", problem);
		return -1;
	}
	return 0;
}

/* Everything about one live run. */
struct live {
	const struct options *opt;
	struct kx_driver_pool pool;
	size_t harness, other; /* driver indexes: the harness's end, the other library */
	int client, dtls;
	char session[256];
	char id[192];
	struct kx_net_conn conn;
	struct kx_vendor vendor;
	int launched;
	struct kx_claims claims;
	struct kx_relay relay; /* the flights, as the matrix records them (initiator = client) */
	struct kx_tls_direction directions[2];
	struct kx_chunks pending;   /* what the vendor sent since the harness last wrote */
	uint64_t pending_at_us;     /* when its first byte arrived: the recorded flight's time */
	uint64_t first_at_us;       /* DTLS server: when the datagram that opened the conversation came */
	/* What the vendor sent since the harness's end last answered with a flight of its own (the
	 * wire's retransmissions are not answers): its bytes, and the recorded flights holding them. */
	size_t unanswered_bytes;
	int unanswered_first, unanswered_last;
	int own_flight;             /* the number of the harness's end's last flight (not a resend) */
	struct kx_chunks last_sent; /* the harness's last handshake flight, for DTLS retransmission */
	long long last_sent_at;
	int retransmit_ms, retransmits;
	int heard;         /* the vendor has sent something */
	int not_listening; /* DTLS: the last send met a closed port (ICMP port unreachable) */
	int not_reachable; /* DTLS: nothing listened at all, and nothing was launched to */
	int socket_closed;
	json_t *info;     /* the harness end's session info */
	json_t *received; /* application data the vendor sent, as read */
};

static struct kx_end_result *own_result(struct live *l)
{
	return l->client ? &l->relay.initiator_result : &l->relay.terminator_result;
}

static void diagnose(struct live *l, enum kx_relay_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ends the handshake with a diagnosis (the first one stays). */
static void diagnose(struct live *l, enum kx_relay_outcome outcome, const char *fmt, ...)
{
	if (l->relay.diagnosis[0] != '\0')
		return;
	va_list args;
	va_start(args, fmt);
	vsnprintf(l->relay.diagnosis, sizeof l->relay.diagnosis, fmt, args);
	va_end(args);
	l->relay.outcome = outcome;
}

/* Records a flight as the matrix does; from_harness says who wrote it. */
static void record(struct live *l, int from_harness, const struct kx_chunks *chunks, const char *note,
                   const char *app_text)
{
	int from_initiator = from_harness ? l->client : !l->client;
	struct kx_flight_record *r;
	if (app_text != NULL) {
		r = kx_relay_record_text(&l->relay, from_initiator, app_text, chunks);
	} else if ((r = kx_relay_new_flight(&l->relay, from_initiator, chunks)) != NULL) {
		kx_chunks_append_all(&r->chunks, chunks);
		/* Room is left for the note. */
		kx_relay_summarise(&l->relay, r, chunks, &l->directions[from_initiator], 150);
	}
	if (r != NULL && note != NULL)
		kx_appendf(r->summary, sizeof r->summary, " (%s)", note);
}

/* What the vendor sent since the harness last wrote becomes one recorded flight, timed when its
 * first byte arrived (not when the harness next wrote, or gave up). */
static void flush_vendor_flight(struct live *l)
{
	size_t before = l->relay.n_flights;
	if (l->pending.n > 0)
		record(l, 0, &l->pending, NULL, NULL);
	if (l->relay.n_flights > before) {
		struct kx_flight_record *r = &l->relay.flights[l->relay.n_flights - 1];
		if (l->pending_at_us != 0)
			r->at_us = l->pending_at_us;
		if (l->unanswered_bytes > 0) {
			l->unanswered_first = l->unanswered_first ? l->unanswered_first : r->number;
			l->unanswered_last = r->number;
		}
	}
	kx_chunks_clear(&l->pending);
	l->pending_at_us = 0;
}

static const char *last_flight_text(const struct live *l, char *buf, size_t len)
{
	if (l->relay.n_flights == 0)
		return "before any flight";
	const struct kx_flight_record *f = &l->relay.flights[l->relay.n_flights - 1];
	snprintf(buf, len, "after flight %d from the %s (%s)", f->number,
	         f->from_initiator == l->client ? "harness" : "vendor", f->summary);
	return buf;
}

/* " The vendor program exited with status 1; its last output: ..." or "". */
static void vendor_context(struct live *l, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!l->launched)
		return;
	kx_vendor_read(&l->vendor);
	char status[64], tail[600];
	kx_vendor_status(&l->vendor, status, sizeof status);
	kx_vendor_tail(&l->vendor, 4, tail, sizeof tail);
	snprintf(buf, len, "; the vendor program %s%s%s", status, tail[0] ? "; its last output: " : "", tail);
}

/* Steps the harness's session with in; fills out. 0, or -1 when its driver failed. */
static int step(struct live *l, const struct kx_chunks *in, struct kx_chunks *out)
{
	char why[sizeof l->relay.diagnosis];
	if (kx_relay_step_end(&l->pool, l->harness, l->session, in, out, own_result(l), why, sizeof why) == 0)
		return 0;
	diagnose(l, KX_RELAY_ERROR, "the harness's driver (%s) failed: %s", l->pool.names[l->harness], why);
	return -1;
}

/* Sends a flight of the harness's end and (if recorded) records it. 0, or -1 with the diagnosis. */
static int send_flight(struct live *l, const struct kx_chunks *out, const char *note, int recorded)
{
	char err[300];
	flush_vendor_flight(l);
	if (recorded)
		record(l, 1, out, note, NULL);
	int rc = kx_net_send(&l->conn, out, err, sizeof err);
	/* A launched vendor may not have bound its UDP port yet: the timer sends again, soon. */
	int not_listening = rc == -2 && l->dtls && !l->heard && l->launched && !l->vendor.exited;
	if (not_listening)
		rc = 0;
	if (rc != 0) {
		char context[800];
		vendor_context(l, context, sizeof context);
		diagnose(l, KX_RELAY_ERROR, "cannot send to the vendor: %s%s", err, context);
		return -1;
	}
	kx_chunks_clear(&l->last_sent);
	kx_chunks_append_all(&l->last_sent, out);
	l->last_sent_at = kx_net_now_ms();
	l->retransmit_ms = RETRANSMIT_FIRST_MS;
	if (not_listening) {
		l->last_sent_at -= RETRANSMIT_FIRST_MS - NOT_LISTENING_RETRY_MS;
		l->not_listening = 1;
	}
	return 0;
}

/* The harness's end refused the handshake (its library said why). */
static void describe_own_failure(struct live *l)
{
	const struct kx_end_result *end = own_result(l);
	char where[400];
	/* An alert from the vendor means the vendor refused first. */
	int vendor_refused = end->alert_received[0] != '\0' && end->alert_sent[0] == '\0';
	/* The matrix names the end by its role: the vendor's is the one the harness does not play. */
	int initiator = vendor_refused ? !l->client : l->client;
	snprintf(l->relay.rejected_by, sizeof l->relay.rejected_by, "%s",
	         initiator ? "initiator" : "terminator");
	diagnose(l, KX_RELAY_FAILED, "%s %s: %s%s%s%s%s",
	         vendor_refused ? "the vendor refused the handshake"
	                        : "the harness's end refused the handshake",
	         last_flight_text(l, where, sizeof where), end->error[0] ? end->error : "no error text",
	         end->alert_sent[0] ? "; alert sent: " : "", end->alert_sent,
	         end->alert_received[0] ? "; alert received: " : "", end->alert_received);
}

/* Gives the session what arrived and sends what it answers. 0 to go on, -1 when the handshake is over. */
static int feed(struct live *l, const struct kx_chunks *in)
{
	if (l->pending.n == 0)
		l->pending_at_us = l->first_at_us != 0 ? l->first_at_us : kx_relay_now_us();
	l->first_at_us = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (l->dtls || l->pending.n == 0)
			kx_chunks_append(&l->pending, in->items[i].data, in->items[i].len);
		else
			kx_chunks_extend_last(&l->pending, in->items[i].data, in->items[i].len);
	}
	l->unanswered_bytes += kx_chunks_total(in);
	struct kx_chunks out = {0};
	int ret = step(l, in, &out);
	if (ret == 0 && out.n > 0) {
		/* The harness's end answered: what the vendor sent so far was taken. */
		l->unanswered_bytes = 0;
		l->unanswered_first = l->unanswered_last = 0;
		ret = send_flight(l, &out, NULL, 1);
		l->own_flight = (int)l->relay.n_flights;
	}
	kx_chunks_clear(&out);
	if (ret == 0 && own_result(l)->state == KX_END_FAILED) {
		flush_vendor_flight(l);
		describe_own_failure(l);
		ret = -1;
	}
	return ret;
}

/* 1 when the DTLS flight in chunks starts with a handshake message its first datagram holds only
 * part of (fragment_length < length, RFC 6347 4.2.2). */
static int fragmented_handshake(const struct kx_chunks *chunks)
{
	if (chunks->n == 0 || chunks->items[0].len < 25 || chunks->items[0].data[0] != 22)
		return 0;
	const uint8_t *h = chunks->items[0].data + 13; /* the record header is 13 bytes */
	unsigned long length = (unsigned long)h[1] << 16 | (unsigned long)h[2] << 8 | h[3];
	unsigned long fragment = (unsigned long)h[9] << 16 | (unsigned long)h[10] << 8 | h[11];
	return fragment < length;
}

/* The deadline passed with vendor flights the harness's end never answered (it gave no error and
 * sent nothing but the wire's resends): the stall is on the harness's side of the wire, and its
 * own library is the first suspect. Says so, and what to try, rather than blame the vendor. */
static void describe_unanswered(struct live *l, const char *context)
{
	const struct kx_flight_record *first = &l->relay.flights[l->unanswered_first - 1];
	const struct kx_flight_record *last = &l->relay.flights[l->unanswered_last - 1];
	const char *library = l->pool.names[l->harness];
	const char *other = strcmp(library, "openssl") == 0 ? "wolfssl" : "openssl";
	char sent[600], after[400], why[600] = "", size[64];
	size_t datagrams = last->chunks.n;
	if (l->dtls)
		snprintf(size, sizeof size, "%zu bytes in %zu datagram%s", last->written, datagrams,
		         datagrams == 1 ? "" : "s");
	else
		snprintf(size, sizeof size, "%zu bytes", last->written);
	if (l->unanswered_first == l->unanswered_last)
		snprintf(sent, sizeof sent, "flight %d (%s, %s)", first->number, first->summary, size);
	else
		snprintf(sent, sizeof sent, "flights %d to %d (the last: %s, %s)", first->number, last->number,
		         last->summary, size);
	if (l->own_flight > 0)
		snprintf(after, sizeof after, " after the harness's flight %d (%s)", l->own_flight,
		         l->relay.flights[l->own_flight - 1].summary);
	else
		snprintf(after, sizeof after, " before the harness sent anything");
	if (!l->dtls && strstr(last->summary, "truncated") != NULL) {
		/* TCP delivers what there is: the end waits for the rest of a record, as it must. */
		diagnose(l, KX_RELAY_STALLED,
		         "the handshake did not complete within %d ms: what the vendor sent%s ends in an incomplete "
		         "record: %s; the harness's end (%s) waited for the rest, which never came%s",
		         l->opt->timeout_ms, after, sent, library, context);
		return;
	}
	if (strstr(last->summary, "not parseable") != NULL) {
		/* Bytes that are no (D)TLS at all: no end would answer them. */
		diagnose(l, KX_RELAY_STALLED,
		         "the handshake did not complete within %d ms: what the vendor sent%s is not %s records: "
		         "%s; the harness's end (%s) ignored it, as a %s end does%s",
		         l->opt->timeout_ms, after, l->dtls ? "DTLS" : "TLS", sent, library, l->dtls ? "DTLS" : "TLS",
		         context);
		return;
	}
	/* wolfSSL 5.5.4's DTLS server checks the cookie on one datagram: a ClientHello fragmented over
	 * several (a small MTU; IPv6's larger headers) is dropped, without an error, every time. */
	if (l->dtls && !l->client && strcmp(library, "wolfssl") == 0 && strstr(last->summary, "ClientHello") != NULL &&
	    fragmented_handshake(&last->chunks))
		snprintf(why, sizeof why,
		         "; the vendor's ClientHello is fragmented over %zu datagrams, and %s drops a fragmented "
		         "ClientHello during the cookie exchange (HelloVerifyRequest) without an error: the vendor is "
		         "not at fault here",
		         datagrams, kx_driver_implementation(&l->pool.procs[l->harness]));
	diagnose(l, KX_RELAY_STALLED,
	         "the handshake did not complete within %d ms: the harness's end (%s) did not answer what the "
	         "vendor sent%s: %s%s; to tell the vendor's fault from the harness's library's, run again with "
	         "--backend %s%s",
	         l->opt->timeout_ms, library, after, sent, why, other, context);
}

/* Plays the handshake over the socket until the harness's end is done, fails, or time runs out. */
static void handshake(struct live *l, const struct kx_chunks *first)
{
	long long deadline = kx_net_now_ms() + l->opt->timeout_ms;
	l->relay.outcome = KX_RELAY_DONE;
	own_result(l)->state = KX_END_HANDSHAKING;
	if (l->client) {
		struct kx_chunks none = {0}, out = {0};
		int ret = step(l, &none, &out);
		if (ret == 0)
			ret = send_flight(l, &out, NULL, 1);
		l->own_flight = (int)l->relay.n_flights;
		kx_chunks_clear(&out);
		if (ret != 0)
			return;
	} else if (first->n > 0) {
		l->heard = 1;
		if (feed(l, first) != 0)
			return;
	}
	char context[800], where[400], err[300];
	while (own_result(l)->state == KX_END_HANDSHAKING) {
		long long now = kx_net_now_ms();
		if (now >= deadline) {
			/* What the vendor sent after the harness's last flight is part of the record, and
			 * part of why nothing more happened. */
			flush_vendor_flight(l);
			vendor_context(l, context, sizeof context);
			if (l->unanswered_first != 0)
				describe_unanswered(l, context);
			else
				diagnose(l, KX_RELAY_STALLED,
				         "the handshake did not complete within %d ms: nothing more came from the "
				         "vendor %s%s",
				         l->opt->timeout_ms, last_flight_text(l, where, sizeof where), context);
			return;
		}
		long long wait = deadline - now;
		if (l->dtls && l->last_sent.n > 0 && l->retransmits < RETRANSMIT_MAX) {
			long long due = l->last_sent_at + l->retransmit_ms - now;
			wait = due < wait ? (due > 0 ? due : 0) : wait;
		}
		struct pollfd fds[2] = {{l->conn.fd, POLLIN, 0}, {kx_vendor_fd(&l->vendor), POLLIN, 0}};
		poll(fds, fds[1].fd >= 0 ? 2 : 1, (int)wait);
		kx_vendor_read(&l->vendor);
		struct kx_chunks in = {0};
		int rc = (fds[0].revents & (POLLIN | POLLERR | POLLHUP))
		             ? kx_net_recv(&l->conn, &in, err, sizeof err)
		             : 0;
		if (rc == -2 && l->dtls && !l->heard && l->launched && !l->vendor.exited) {
			/* Its port is not bound yet (ICMP port unreachable): send again soon, not after a
			 * second. */
			l->last_sent_at = kx_net_now_ms() - l->retransmit_ms + NOT_LISTENING_RETRY_MS;
			l->not_listening = 1;
			rc = 0;
		} else if (rc < 0) {
			kx_chunks_clear(&in);
			flush_vendor_flight(l);
			vendor_context(l, context, sizeof context);
			l->not_reachable = rc == -2 && l->dtls && !l->heard;
			if (rc == -2 && !l->dtls)
				snprintf(l->relay.rejected_by, sizeof l->relay.rejected_by, "%s",
				         l->client ? "terminator" : "initiator");
			diagnose(l, rc == -2 && !l->dtls ? KX_RELAY_FAILED : KX_RELAY_ERROR,
			         "%s during the handshake, %s%s", err,
			         last_flight_text(l, where, sizeof where), context);
			return;
		}
		if (rc == 1) {
			l->heard = 1;
			int over = feed(l, &in);
			kx_chunks_clear(&in);
			if (over)
				return;
			continue;
		}
		if (l->launched && l->vendor.exited) {
			flush_vendor_flight(l);
			vendor_context(l, context, sizeof context);
			diagnose(l, KX_RELAY_ERROR, "the vendor program ended during the handshake, %s%s",
			         last_flight_text(l, where, sizeof where), context);
			return;
		}
		if (l->dtls && l->last_sent.n > 0 && l->retransmits < RETRANSMIT_MAX &&
		    kx_net_now_ms() >= l->last_sent_at + l->retransmit_ms) {
			/* The session never runs a timer in memory; the wire does it for it. Sends to a port
			 * nobody listened on yet are not recorded: they never reached the vendor. */
			char note[96];
			int waited = l->retransmit_ms, retransmits = l->retransmits,
			    refused = l->not_listening;
			snprintf(note, sizeof note, "sent again by the harness after %d ms without an answer",
			         waited);
			struct kx_chunks again = {0};
			kx_chunks_append_all(&again, &l->last_sent);
			l->not_listening = 0;
			int ret = send_flight(l, &again, refused ? NULL : note, !refused);
			kx_chunks_clear(&again);
			if (ret != 0)
				return;
			if (!refused) {
				l->retransmits = retransmits + 1;
				l->retransmit_ms = waited * 2;
			}
		}
	}
	flush_vendor_flight(l);
}

/* After the handshake: one record of application data from the harness, so that the capture
 * shows decryption working. 0, or -1 (recorded in the diagnosis only as a note). */
static void send_application_data(struct live *l)
{
	json_t *answer =
	    kx_pool_call(&l->pool, l->harness,
	                 json_pack("{s:s, s:s, s:s}", "op", "send", "session", l->session, "data", APP_TEXT));
	struct kx_chunks records = {0};
	char err[300] = "";
	if (json_is_true(json_object_get(answer, "ok")) &&
	    kx_chunks_from_json(json_object_get(answer, "flight"), &records, err, sizeof err) == 0) {
		record(l, 1, &records, NULL, "kxconform live: application data from the harness");
		if (kx_net_send(&l->conn, &records, err, sizeof err) != 0)
			l->socket_closed = 1;
	}
	kx_chunks_clear(&records);
	json_decref(answer);
}

/* Application data from the vendor after the handshake, decrypted by the session and recorded. */
static void receive_application_data(struct live *l, const struct kx_chunks *in)
{
	json_t *flight = kx_chunks_to_json(in);
	json_t *answer = kx_pool_call(&l->pool, l->harness,
	                              json_pack("{s:s, s:s, s:o}", "op", "receive", "session", l->session,
	                                        "flight", flight != NULL ? flight : json_array()));
	const char *data = kx_json_get_string(answer, "data");
	char text[128];
	if (json_is_true(json_object_get(answer, "ok")) && data != NULL) {
		snprintf(text, sizeof text, "%s", data);
		json_array_append_new(l->received, json_string(data));
	} else {
		const char *why = kx_json_get_string(answer, "error");
		snprintf(text, sizeof text, "(not read: %.100s)", why != NULL ? why : "no error text");
	}
	record(l, 0, in, NULL, text);
	json_decref(answer);
}

/* Waits for the vendor program's output to match every claim pattern (or to end, or the limit),
 * reading what the vendor sends meanwhile. With no pattern to wait for, the vendor still gets a
 * moment to answer the harness's application data (an echo server does), for the capture. */
static void wait_for_claims(struct live *l)
{
	long long start = kx_net_now_ms(), until = start + l->opt->claim_wait_ms;
	int want_reply = l->claims.n_patterns == 0 && !l->socket_closed;
	for (;;) {
		size_t unmatched = l->launched ? kx_claims_match(&l->claims, l->vendor.text) : 0;
		long long now = kx_net_now_ms(), left = until - now;
		if (want_reply && now - start >= REPLY_WAIT_MS)
			want_reply = 0;
		if ((unmatched == 0 && !want_reply) || left <= 0)
			break;
		if (unmatched > 0 && l->vendor.exited && kx_vendor_fd(&l->vendor) < 0)
			break;
		struct pollfd fds[2] = {{kx_vendor_fd(&l->vendor), POLLIN, 0},
		                        {l->socket_closed ? -1 : l->conn.fd, POLLIN, 0}};
		poll(fds, 2, (int)(left < 50 ? left : 50));
		kx_vendor_read(&l->vendor);
		if (fds[1].fd >= 0 && (fds[1].revents & (POLLIN | POLLERR | POLLHUP))) {
			struct kx_chunks in = {0};
			char err[300];
			int rc = kx_net_recv(&l->conn, &in, err, sizeof err);
			if (rc == 1) {
				receive_application_data(l, &in);
				want_reply = 0;
			} else if (rc < 0) {
				l->socket_closed = 1;
				want_reply = 0;
			}
			kx_chunks_clear(&in);
		}
	}
}

/* ---- judging ----------------------------------------------------------------------- */

/* The checks of the harness's own end that the matrix makes too. */
static void check_session(struct live *l, json_t *scenario, json_t *config, const char *suite,
                          struct kx_outcome *v)
{
	/* When the vendor is the client, the harness's end is the terminator: it must have received the
	 * SNI (TS-0003) and, for PSK, looked up the scenario's identity. */
	struct kx_session_expectations want = {
	    "the harness's end",
	    l->dtls,
	    suite,
	    l->client ? NULL : kx_json_get_string(json_object_get(scenario, "initiator"), "sni"),
	    l->client ? NULL : kx_json_get_string(scenario, "expect_psk_identity"),
	    kx_json_get_string(config, "expected_peer_name")};
	kx_check_session(l->info, &want, v);
}

/* Judges the run: the harness's own checks, then the claims. */
static void judge(struct live *l, json_t *scenario, json_t *config, const char *suite, const char *label,
                  const char *fqdn, const char *enrolee_b_id, json_t *result, json_t *vendor,
                  struct kx_outcome *v)
{
	check_session(l, scenario, config, suite, v);
	const char *exported = kx_json_get_string(json_object_get(l->info, "exported"), label);
	struct kx_claims_context ctx = {
	    .pool = &l->pool,
	    .end = "the vendor",
	    .recomputers = {l->other, l->harness},
	    .n_recomputers = 2,
	    .prf_hash = kx_suite_prf_hash_name((uint16_t)strtoul(suite, NULL, 16)),
	    .master_secret = kx_json_get_string(l->info, "master_secret"),
	    .client_random = kx_json_get_string(l->info, "client_random"),
	    .server_random = kx_json_get_string(l->info, "server_random"),
	    .label = label,
	    .fqdn = fqdn,
	    .enrolee_b_id = enrolee_b_id,
	    .keyid_reading = l->opt->keyid_reading,
	    .own_export = exported,
	};
	char own[128], err[1200];
	snprintf(own, sizeof own, "the harness's %s end", l->pool.names[l->harness]);
	ctx.own_name = own;
	if (exported == NULL || ctx.master_secret == NULL || ctx.client_random == NULL ||
	    ctx.server_random == NULL) {
		kx_outcome_add(v, KX_RESULT_ERROR, "the harness's end reported no export for %s or no session secrets",
		               label);
		return;
	}
	size_t disagreed = 0;
	json_t *checked = kx_claims_check(&ctx, &l->claims, &disagreed, err, sizeof err);
	if (checked == NULL) {
		kx_outcome_add(v, KX_RESULT_ERROR, "%s", err);
		return;
	}
	json_t *reference = json_object_get(checked, "reference");
	json_t *export_spec = json_object_get(scenario, "export");
	char by[160];
	snprintf(by, sizeof by, "%s, %s", l->pool.names[l->other], l->pool.names[l->harness]);
	json_t *exp =
	    json_pack("{s:s, s:i, s:s, s:O, s:O, s:s, s:O}", "label", label, "length", 48,
	              l->client ? "initiator" : "terminator", exported, "key_id",
	              json_object_get(reference, "key_id"), "key", json_object_get(reference, "key"),
	              "recomputed_by", by, "recomputed", json_object_get(reference, "export"));
	if (kx_json_get_string(export_spec, "key_id") != NULL)
		json_object_set(exp, "key_id_name", json_object_get(export_spec, "key_id"));
	if (kx_json_get_string(export_spec, "key") != NULL)
		json_object_set(exp, "key_name", json_object_get(export_spec, "key"));
	json_object_set_new(result, "exported", exp);
	if (json_object_get(reference, "key_identifier") != NULL)
		json_object_set(result, "key_identifier", json_object_get(reference, "key_identifier"));
	/* The matrix's e2e member holds both ends' keys; here the reference and the claims go with the
	 * vendor. */
	json_object_set(vendor, "claims", json_object_get(checked, "claims"));
	json_object_set(vendor, "reference", reference);
	if (json_array_size(json_object_get(checked, "claims")) > 0 && json_integer_value(json_object_get(checked, "disagreed")) > 0) {
		v->result = KX_RESULT_FAIL;
		kx_verdicts_json_diagnose(json_object_get(checked, "claims"), v->diagnosis, sizeof v->diagnosis);
	}
	for (size_t p = 0; p < l->claims.n_patterns; p++)
		if (!l->claims.patterns[p].matched)
			kx_outcome_fail(v, "the vendor program's output never matched the pattern for claim %s ('%s')",
			      kx_claim_name(l->claims.patterns[p].id), l->claims.patterns[p].text);
	if (json_array_size(json_object_get(checked, "claims")) == 0 && l->claims.n_patterns == 0)
		json_object_set_new(
		    vendor, "note",
		    json_string("no claims were given: only the handshake and the harness's own export "
		                "were checked"));
	printf("  exported %s: %s (%s), recomputed by %s and %s: equal\n", label, exported, own,
	       l->pool.names[l->other], l->pool.names[l->harness]);
	kx_claims_print(stdout, checked);
	json_decref(checked);
}

/* ---- set-up --------------------------------------------------------------------------- */

/* Reaches the vendor: connects (retrying while a launched vendor is not listening yet) or waits
 * for it to connect. 0, or -1 with err. */
static int reach_vendor(struct live *l, const struct kx_net_addr *addr, struct kx_net_conn *listener,
                        struct kx_chunks *first, char *err, size_t errlen)
{
	long long deadline = kx_net_now_ms() + l->opt->timeout_ms;
	char why[300] = "";
	for (;;) {
		long long left = deadline - kx_net_now_ms();
		int rc = l->client ? kx_net_connect(&l->conn, addr, l->dtls, (int)(left < 200 ? left : 200),
		                                    why, sizeof why)
		                   : kx_net_accept(listener, &l->conn, (int)(left < 100 ? left : 100), first,
		                                   why, sizeof why);
		if (rc == 1) {
			if (first->n > 0)
				l->first_at_us = kx_relay_now_us();
			return 0;
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		kx_vendor_read(&l->vendor);
		char context[800];
		if (l->launched && l->vendor.exited) {
			vendor_context(l, context, sizeof context);
			snprintf(err, errlen, "the vendor program ended before %s%s",
			         l->client ? "accepting a connection" : "connecting", context);
			return -1;
		}
		if (l->client && !l->launched) {
			snprintf(err, errlen, "cannot reach the vendor: %s", why);
			return -1;
		}
		if (kx_net_now_ms() >= deadline) {
			vendor_context(l, context, sizeof context);
			snprintf(err, errlen, "%s within %d ms%s%s%s",
			         l->client ? "the vendor did not accept a connection" : "no vendor connected",
			         l->opt->timeout_ms, why[0] ? " (" : "", why, why[0] ? ")" : "");
			size_t used = strlen(err);
			snprintf(err + used, errlen - used, "%s", context);
			return -1;
		}
		if (l->client) {
			struct timespec pause = {0, 50 * 1000000L};
			nanosleep(&pause, NULL);
		}
	}
}

/* The vendor's output as JSON text: bytes that are not printable ASCII become '?', so that an
 * output in another encoding cannot make the report unwritable. */
static json_t *printable(const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return json_string("");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		copy[i] = (ch >= 0x20 && ch < 0x7F) || ch == '\n' || ch == '\t' ? (char)ch : '?';
	}
	copy[len] = '\0';
	json_t *out = json_string(copy);
	free(copy);
	return out != NULL ? out : json_string("");
}

/* Reports, capture and the closing lines; returns the exit status. */
static int finish(struct live *l, json_t *result, time_t started)
{
	char err[1200];
	int status = strcmp(kx_json_get_string(result, "result"), "pass") == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
	if (kx_capture_begin(l->opt->output, err, sizeof err) != 0 ||
	    kx_capture_case(l->opt->output, 0, l->id, &l->relay, result, err, sizeof err) != 0)
		fprintf(stderr, "kxconform live: capture: %s\n", err);
	json_t *report = kx_cli_report_header(&l->pool, l->opt->suite, started, 1);
	json_object_set_new(report, "cases", json_pack("[O]", result));
	json_object_set(report, "duration_ms", json_object_get(result, "duration_ms"));
	struct kx_report_counts counts;
	kx_report_summarize(report, &counts);
	if (kx_report_write_all(report, l->opt->output, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform live: %s\n", err);
		status = KX_EXIT_USAGE;
	}
	json_decref(report);
	const char *diagnosis = kx_json_get_string(result, "diagnosis");
	printf("kxconform live: %s %s%s%s\n", l->id, kx_json_get_string(result, "result"),
	       diagnosis && *diagnosis ? ": " : "", diagnosis ? diagnosis : "");
	const char *capture = kx_json_get_string(json_object_get(result, "capture"), "pcapng");
	printf("reports: %s/reports/%s%s\n", l->opt->output, capture ? "; capture: " : "",
	       capture ? capture : "");
	return status;
}

int kx_cmd_live(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt) != 0 || check_options(&opt) != 0)
		return KX_EXIT_USAGE;
	time_t started = time(NULL);
	struct timeval t0;
	gettimeofday(&t0, NULL);
	struct live *l = calloc(1, sizeof *l);
	if (l == NULL)
		return KX_EXIT_USAGE;
	l->opt = &opt;
	l->client = strcmp(opt.role, "client") == 0;
	l->dtls = strcmp(opt.transport, "dtls") == 0;
	l->relay.dtls = l->dtls;
	kx_net_init(&l->conn);
	kx_vendor_init(&l->vendor);
	l->received = json_array();
	int status = KX_EXIT_USAGE;
	char err[1400], pki[4096];
	struct kx_suite suite = {0};
	struct kx_net_conn listener;
	kx_net_init(&listener);
	struct kx_chunks first = {0};
	char *command = NULL;
	json_t *result = NULL;

	/* Claims first: a malformed one is a usage error before anything starts. */
	int ok = kx_claims_from_options(&l->claims, opt.claims_file, opt.claim_args, opt.n_claim_args,
	                                opt.pattern_args, opt.n_pattern_args, err, sizeof err) == 0;
	for (size_t i = 0; ok && i < l->claims.n_patterns; i++)
		if (l->claims.values[l->claims.patterns[i].id] != NULL) {
			snprintf(err, sizeof err, "claim %s is given and has a pattern: one or the other",
			         kx_claim_name(l->claims.patterns[i].id));
			ok = 0;
		}
	if (ok && opt.keyid_reading != NULL) {
		static const char *const readings[] = {"tr0038-example", "hexbinary", "base64url",
		                                       "unpadded"};
		ok = 0;
		for (size_t i = 0; i < sizeof readings / sizeof readings[0]; i++)
			ok |= strcmp(opt.keyid_reading, readings[i]) == 0;
		if (!ok)
			snprintf(err, sizeof err,
			         "--keyid-reading must be tr0038-example, hexbinary, base64url or unpadded");
	}
	if (!ok || kx_claims_validate(&l->claims, err, sizeof err) != 0)
		goto setup_error;

	kx_cli_pki_dir(opt.pki, pki, sizeof pki);
	if (kx_pool_init(&l->pool, NULL, 0, 5000, err, sizeof err) != 0 ||
	    kx_suite_load(opt.suite, pki, &l->pool, &suite, err, sizeof err) != 0)
		goto setup_error;
	l->harness = (size_t)kx_pool_index(&l->pool, opt.backend);
	l->other =
	    (size_t)kx_pool_index(&l->pool, strcmp(opt.backend, "openssl") == 0 ? "wolfssl" : "openssl");
	/* The scenario's case on the chosen backend, from the suite (the matrix's own expansion). */
	const struct kx_case *c = kx_suite_self_case(&suite, opt.scenario, opt.transport, opt.backend);
	if (c == NULL) {
		snprintf(err, sizeof err, "%s: scenario %s has no %s case", opt.suite, opt.scenario,
		         opt.transport);
		goto setup_error;
	}
	json_t *scenario = c->scenario;
	json_t *config = l->client ? c->initiator_config : c->terminator_config;
	json_t *export_spec = json_object_get(scenario, "export");
	const char *label = opt.label != NULL ? opt.label : kx_json_get_string(export_spec, "label");
	const char *fqdn = opt.fqdn != NULL ? opt.fqdn : kx_json_get_string(export_spec, "fqdn");
	const char *enrolee_b_id = opt.enrolee_b_id != NULL
	                               ? opt.enrolee_b_id
	                               : kx_json_get_string(json_object_get(scenario, "e2e"), "enrolee_b_id");
	if (label == NULL) {
		snprintf(err, sizeof err,
		         "scenario %s exports no keying material in %s; name the exporter label with --label",
		         opt.scenario, opt.suite);
		goto setup_error;
	}
	if (kx_claims_need_fqdn(&l->claims) && fqdn == NULL) {
		snprintf(err, sizeof err,
		         "claim keyid needs the key identifier's FQDN: --fqdn (scenario %s has none)",
		         opt.scenario);
		goto setup_error;
	}
	if (kx_claims_need_e2e(&l->claims) && enrolee_b_id == NULL) {
		snprintf(
		    err, sizeof err,
		    "claims of E2E keys need the Enrolee-B-ID (the salt of TS-0003 10.3.6): --enrolee-b-id");
		goto setup_error;
	}
	snprintf(l->id, sizeof l->id, "live.%s.%s.%s-%s", opt.scenario, opt.transport,
	         l->client ? opt.backend : opt.vendor_name, l->client ? opt.vendor_name : opt.backend);
	snprintf(l->session, sizeof l->session, "%s/harness", l->id);
	if (kx_pool_start_all(&l->pool, err, sizeof err) != 0)
		goto setup_error;

	/* The wire: a listening socket before the vendor starts, so that it can connect at once. */
	struct kx_net_addr addr;
	if (kx_net_resolve(l->client ? opt.connect : opt.listen, l->dtls, opt.allow_remote, &addr, err,
	                   sizeof err) != 0 ||
	    (!l->client && kx_net_listen(&listener, &addr, l->dtls, err, sizeof err) != 0))
		goto setup_error;
	const struct kx_net_addr *where = l->client ? &addr : &listener.local;
	printf("kxconform live: %s: the harness (%s, %s) %s the vendor %s %s %s\n", l->id, opt.backend,
	       opt.role, l->client ? "connects to" : "waits for", l->client ? "at" : "on",
	       l->dtls ? "udp" : "tcp", where->text);
	fflush(stdout);
	if (opt.launch != NULL) {
		char host[sizeof where->text];
		memcpy(host, where->text, sizeof host);
		host[sizeof host - 1] = '\0';
		char *colon = strrchr(host, ':');
		if (colon != NULL)
			*colon = '\0';
		if (host[0] == '[') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
		unsigned port = (unsigned)strtoul(strrchr(where->text, ':') + 1, NULL, 10);
		command = kx_vendor_expand_command(opt.launch, host, port, pki);
		if (command == NULL || kx_vendor_launch(&l->vendor, command, err, sizeof err) != 0)
			goto setup_error;
		l->launched = 1;
	}
	if (reach_vendor(l, &addr, &listener, &first, err, sizeof err) != 0)
		goto setup_error;
	kx_net_close(&listener);

	/* The harness's end of the session, then the handshake over the socket. */
	json_t *opened = kx_pool_call(&l->pool, l->harness, kx_relay_open_request(l->session, config));
	if (!json_is_true(json_object_get(opened, "ok"))) {
		snprintf(err, sizeof err, "the %s driver cannot open the harness's end: %s", opt.backend,
		         kx_json_get_string(opened, "error") ? kx_json_get_string(opened, "error")
		                                             : "no error text");
		json_decref(opened);
		goto setup_error;
	}
	json_decref(opened);
	handshake(l, &first);
	if (l->dtls && !l->heard && l->not_reachable) {
		/* Nothing ever listened (ICMP port unreachable): as a refused TCP connection, a set-up error.
		 */
		snprintf(err, sizeof err, "cannot reach the vendor: %s", l->relay.diagnosis);
		goto setup_error;
	}
	if (own_result(l)->state == KX_END_DONE && l->relay.outcome == KX_RELAY_DONE) {
		l->info = kx_pool_call(&l->pool, l->harness, kx_relay_info_request(l->session, label));
		send_application_data(l);
		wait_for_claims(l);
	}
	kx_vendor_stop(&l->vendor);
	if (l->launched)
		kx_claims_match(&l->claims, l->vendor.text);
	json_decref(kx_pool_call(&l->pool, l->harness, kx_relay_close_request(l->session)));
	kx_net_close(&l->conn);

	/* The case, as the matrix reports one. */
	const char *harness_name = opt.backend, *vendor_name = opt.vendor_name;
	result = kx_case_json_new(l->id, opt.scenario, scenario, l->client ? harness_name : vendor_name,
	                          l->client ? vendor_name : harness_name, opt.transport, c->suite, "positive",
	                          "pass");
	char status_text[64];
	kx_vendor_status(&l->vendor, status_text, sizeof status_text);
	json_t *vendor = json_pack("{s:s, s:s, s:s, s:s}", "mode", "live", "role",
	                           l->client ? "server" : "client", "address", l->conn.peer.text, "program",
	                           l->launched ? status_text : "not launched by kxconform");
	if (command != NULL)
		json_object_set_new(vendor, "command", json_string(command));
	if (l->launched) {
		size_t keep = l->vendor.len > REPORT_OUTPUT_MAX ? REPORT_OUTPUT_MAX : l->vendor.len;
		json_object_set_new(vendor, "output", printable(l->vendor.text, keep));
		json_object_set_new(vendor, "output_truncated",
		                    json_boolean(keep < l->vendor.len || l->vendor.truncated));
	}
	json_object_set(vendor, "application_data", l->received);
	json_object_set_new(result, "vendor", vendor);
	json_object_set_new(vendor, "harness",
	                    json_pack("{s:s, s:s, s:s, s:O}", "backend", opt.backend, "role", opt.role,
	                              "implementation", kx_driver_implementation(&l->pool.procs[l->harness]),
	                              "config", config));
	json_object_set_new(result, "outcome", json_string(kx_case_json_outcome(l->relay.outcome)));
	if (l->relay.rejected_by[0] != '\0')
		json_object_set_new(result, "rejected_by", json_string(l->relay.rejected_by));

	struct kx_outcome v = {.result = KX_RESULT_PASS, .diagnosis = ""};
	if (l->relay.outcome != KX_RELAY_DONE) {
		v.result = l->relay.outcome == KX_RELAY_FAILED ? "fail" : "error";
		snprintf(v.diagnosis, sizeof v.diagnosis, "%s", l->relay.diagnosis);
	} else if (!json_is_true(json_object_get(l->info, "ok"))) {
		v.result = "error";
		snprintf(v.diagnosis, sizeof v.diagnosis,
		         "the harness's end could not report its session: %s",
		         kx_json_get_string(l->info, "error"));
	} else {
		json_object_set(result, l->client ? "initiator_report" : "terminator_report", l->info);
		printf("  handshake completed: %s, %s %s, %zu flights\n",
		       kx_json_get_string(l->info, "version"), kx_json_get_string(l->info, "suite"),
		       kx_json_get_string(l->info, "suite_name"), l->relay.n_flights);
		judge(l, scenario, config, c->suite, label, fqdn, enrolee_b_id, result, vendor, &v);
	}
	if (l->relay.outcome != KX_RELAY_DONE)
		printf("  handshake %s: %s\n", kx_case_json_outcome(l->relay.outcome), l->relay.diagnosis);
	kx_case_json_flights(result, &l->relay);
	kx_case_json_verdict(result, v.result, strcmp(v.result, "pass") == 0, v.diagnosis,
	                     kx_case_json_ms_since(&t0));
	status = finish(l, result, started);
	goto out;

setup_error:
	fprintf(stderr, "kxconform live: %s\n", err);
	status = KX_EXIT_USAGE;
out:
	kx_vendor_free(&l->vendor);
	kx_net_close(&listener);
	kx_net_close(&l->conn);
	kx_pool_stop(&l->pool);
	kx_suite_free(&suite);
	kx_claims_free(&l->claims);
	kx_relay_free(&l->relay);
	kx_chunks_clear(&first);
	kx_chunks_clear(&l->pending);
	kx_chunks_clear(&l->last_sent);
	json_decref(l->info);
	json_decref(l->received);
	json_decref(result);
	free(command);
	free(l);
	return status;
}
