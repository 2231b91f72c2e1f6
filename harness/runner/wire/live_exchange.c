/* live_exchange.c - the wire of `kxconform live`: the harness's end (a
 * session in a reference driver) talks to the vendor's end-point over a real
 * socket (live_exchange.h).
 *
 * Each flight the session writes goes to the socket; whatever the socket
 * delivers (TCP: what is available, the session buffers partial records;
 * UDP: one datagram at a time) is given to the session's next step. Over
 * DTLS the wire also plays the retransmission timer, which a session in
 * memory never runs. When the handshake does not complete, the diagnosis
 * says on which side of the wire it stalled and what to try. */
#include "runner/wire/live_exchange.h"

#include "core/chunks_json.h"
#include "core/errors.h"
#include "core/json_io.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* DTLS retransmission (RFC 6347 4.2.4.1): 1 s, doubling, a few times. */
#define RETRANSMIT_FIRST_MS 1000
#define RETRANSMIT_MAX 4
/* A launched vendor's UDP port may not be bound yet; how soon to try again. */
#define NOT_LISTENING_RETRY_MS 100
/* How long the vendor may take to answer the harness's application data when no claim is awaited. */
#define REPLY_WAIT_MS 300
#define APP_TEXT "kxconform live: application data from the harness\n"

struct kx_end_result *kx_live_own_result(struct kx_live *l)
{
	return l->client ? &l->relay.initiator_result : &l->relay.terminator_result;
}

static void diagnose(struct kx_live *l, enum kx_relay_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ends the handshake with a diagnosis (the first one stays). */
static void diagnose(struct kx_live *l, enum kx_relay_outcome outcome, const char *fmt, ...)
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
static void record(struct kx_live *l, int from_harness, const struct kx_chunks *chunks, const char *note,
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
static void flush_vendor_flight(struct kx_live *l)
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

static const char *last_flight_text(const struct kx_live *l, char *buf, size_t len)
{
	if (l->relay.n_flights == 0)
		return "before any flight";
	const struct kx_flight_record *f = &l->relay.flights[l->relay.n_flights - 1];
	snprintf(buf, len, "after flight %d from the %s (%s)", f->number,
	         f->from_initiator == l->client ? "harness" : "vendor", f->summary);
	return buf;
}

/* " The vendor program exited with status 1; its last output: ..." or "". */
static void vendor_context(struct kx_live *l, char *buf, size_t len)
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
static int step(struct kx_live *l, const struct kx_chunks *in, struct kx_chunks *out)
{
	char why[sizeof l->relay.diagnosis];
	if (kx_relay_step_end(&l->pool, l->harness, l->session, in, out, kx_live_own_result(l), why,
	                      sizeof why) == 0)
		return 0;
	diagnose(l, KX_RELAY_ERROR, "the harness's driver (%s) failed: %s", l->pool.names[l->harness], why);
	return -1;
}

/* Sends a flight of the harness's end and (if recorded) records it. 0, or -1 with the diagnosis. */
static int send_flight(struct kx_live *l, const struct kx_chunks *out, const char *note, int recorded)
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
static void describe_own_failure(struct kx_live *l)
{
	const struct kx_end_result *end = kx_live_own_result(l);
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
static int feed(struct kx_live *l, const struct kx_chunks *in)
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
	if (ret == 0 && kx_live_own_result(l)->state == KX_END_FAILED) {
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
static void describe_unanswered(struct kx_live *l, const char *context)
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
		         l->timeout_ms, after, sent, library, context);
		return;
	}
	if (strstr(last->summary, "not parseable") != NULL) {
		/* Bytes that are no (D)TLS at all: no end would answer them. */
		diagnose(l, KX_RELAY_STALLED,
		         "the handshake did not complete within %d ms: what the vendor sent%s is not %s records: "
		         "%s; the harness's end (%s) ignored it, as a %s end does%s",
		         l->timeout_ms, after, l->dtls ? "DTLS" : "TLS", sent, library, l->dtls ? "DTLS" : "TLS",
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
	         l->timeout_ms, library, after, sent, why, other, context);
}

/* The handshake's first move: the client's first flight, or the server's answer to what the vendor
 * sent while connecting. 0 to go on, -1 when the handshake is over. */
static int first_move(struct kx_live *l, const struct kx_chunks *first)
{
	if (l->client) {
		struct kx_chunks none = {0}, out = {0};
		int ret = step(l, &none, &out);
		if (ret == 0)
			ret = send_flight(l, &out, NULL, 1);
		l->own_flight = (int)l->relay.n_flights;
		kx_chunks_clear(&out);
		if (ret != 0)
			return -1;
	} else if (first->n > 0) {
		l->heard = 1;
		if (feed(l, first) != 0)
			return -1;
	}
	return 0;
}

/* The deadline passed: names where the handshake stalled. */
static void timed_out(struct kx_live *l)
{
	char context[800], where[400];
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
		         l->timeout_ms, last_flight_text(l, where, sizeof where), context);
}

/* How long to wait for the vendor: until the deadline, or until a DTLS retransmission is due. */
static int wait_ms(const struct kx_live *l, long long deadline, long long now)
{
	long long wait = deadline - now;
	if (l->dtls && l->last_sent.n > 0 && l->retransmits < RETRANSMIT_MAX) {
		long long due = l->last_sent_at + l->retransmit_ms - now;
		wait = due < wait ? (due > 0 ? due : 0) : wait;
	}
	return (int)wait;
}

/* Waits up to wait ms for the vendor (its socket and its program's output) and gives the session
 * what arrived. Returns 1 something arrived, 0 nothing did, -1 the handshake is over. */
static int take_input(struct kx_live *l, int wait)
{
	char context[800], where[400], err[300];
	struct pollfd fds[2] = {{l->conn.fd, POLLIN, 0}, {kx_vendor_fd(&l->vendor), POLLIN, 0}};
	poll(fds, fds[1].fd >= 0 ? 2 : 1, wait);
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
		return -1;
	}
	if (rc == 1) {
		l->heard = 1;
		int over = feed(l, &in);
		kx_chunks_clear(&in);
		return over ? -1 : 1;
	}
	return 0;
}

/* 1 (the handshake over, diagnosed) when the launched vendor program has ended, else 0. */
static int vendor_ended(struct kx_live *l)
{
	char context[800], where[400];
	if (!l->launched || !l->vendor.exited)
		return 0;
	flush_vendor_flight(l);
	vendor_context(l, context, sizeof context);
	diagnose(l, KX_RELAY_ERROR, "the vendor program ended during the handshake, %s%s",
	         last_flight_text(l, where, sizeof where), context);
	return 1;
}

/* DTLS: sends the harness's last flight again when its timer is due, the wait doubled each time.
 * 0, or -1 when the send failed (the handshake is over). */
static int retransmit_if_due(struct kx_live *l)
{
	if (!l->dtls || l->last_sent.n == 0 || l->retransmits >= RETRANSMIT_MAX ||
	    kx_net_now_ms() < l->last_sent_at + l->retransmit_ms)
		return 0;
	/* The session never runs a timer in memory; the wire does it for it. Sends to a port
	 * nobody listened on yet are not recorded: they never reached the vendor. */
	char note[96];
	int waited = l->retransmit_ms, retransmits = l->retransmits, refused = l->not_listening;
	snprintf(note, sizeof note, "sent again by the harness after %d ms without an answer", waited);
	struct kx_chunks again = {0};
	kx_chunks_append_all(&again, &l->last_sent);
	l->not_listening = 0;
	int ret = send_flight(l, &again, refused ? NULL : note, !refused);
	kx_chunks_clear(&again);
	if (ret != 0)
		return -1;
	if (!refused) {
		l->retransmits = retransmits + 1;
		l->retransmit_ms = waited * 2;
	}
	return 0;
}

void kx_live_handshake(struct kx_live *l, const struct kx_chunks *first)
{
	long long deadline = kx_net_now_ms() + l->timeout_ms;
	l->relay.outcome = KX_RELAY_DONE;
	kx_live_own_result(l)->state = KX_END_HANDSHAKING;
	if (first_move(l, first) != 0)
		return;
	while (kx_live_own_result(l)->state == KX_END_HANDSHAKING) {
		long long now = kx_net_now_ms();
		if (now >= deadline) {
			timed_out(l);
			return;
		}
		int got = take_input(l, wait_ms(l, deadline, now));
		if (got < 0)
			return;
		if (got > 0)
			continue;
		if (vendor_ended(l) || retransmit_if_due(l) != 0)
			return;
	}
	flush_vendor_flight(l);
}

/* After the handshake: one record of application data from the harness, so that the capture
 * shows decryption working. 0, or -1 (recorded in the diagnosis only as a note). */
void kx_live_send_application_data(struct kx_live *l)
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
static void receive_application_data(struct kx_live *l, const struct kx_chunks *in)
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
void kx_live_wait_for_claims(struct kx_live *l)
{
	long long start = kx_net_now_ms(), until = start + l->claim_wait_ms;
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

/* Reaches the vendor: connects (retrying while a launched vendor is not listening yet) or waits
 * for it to connect. 0, or -1 with err. */
int kx_live_reach_vendor(struct kx_live *l, const struct kx_net_addr *addr, struct kx_net_conn *listener,
                        struct kx_chunks *first, char *err, size_t errlen)
{
	long long deadline = kx_net_now_ms() + l->timeout_ms;
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
			         l->timeout_ms, why[0] ? " (" : "", why, why[0] ? ")" : "");
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
