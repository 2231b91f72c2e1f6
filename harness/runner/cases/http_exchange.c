/* http_exchange.c - the ESCertKE exchange of `kxconform http` over the
 * oneM2M HTTP binding (http_exchange.h): the harness's end, a driver
 * session, stepped with each message the vendor's end sends; messages 1 and
 * 3 POSTed and 2 and 4 read from the answers when the harness initiates, the
 * vendor's requests checked, answered or refused by name when it listens.
 * Every message is recorded and checked against Table 8.7.2.2-1 as the
 * matrix checks it. */
#include "runner/cases/http_exchange.h"

#include "core/chunks.h"
#include "core/errors.h"
#include "core/http_receive.h"
#include "core/notify.h"
#include "runner/wire/relay.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VENDOR "vendor"

/* ---- the case ----------------------------------------------------------- */

/* The name the report gives an end: its driver, or "vendor". */
const char *kx_http_end_label(const struct kx_http_case *hc, int initiator)
{
	return initiator == hc->initiator ? hc->pool->names[hc->end] : VENDOR;
}

/* Records ESCertKE message `number` and checks it against Table 8.7.2.2-1,
 * as the matrix does for every message, the harness's own included. */
static void record_flight(struct kx_http_case *hc, int number, const struct kx_notify *carrier,
                          const char *http)
{
	struct kx_tls_flight parsed = {0};
	char deviation[400] = "";
	int from_initiator = number % 2 == 1;
	struct kx_http_flight *f;

	if (hc->n_flights == sizeof hc->flights / sizeof hc->flights[0])
		return; /* ESCertKE has four messages; nothing calls for a fifth */
	f = &hc->flights[hc->n_flights++];
	f->number = number;
	f->at_us = kx_relay_now_us();
	f->length = carrier->message_len;
	f->bytes = malloc(f->length > 0 ? f->length : 1);
	if (f->bytes != NULL && f->length > 0)
		memcpy(f->bytes, carrier->message, f->length);
	f->http = strdup(http != NULL ? http : "");
	f->primitive = kx_notify_build(carrier);
	if (kx_escertke_parse(carrier->message, carrier->message_len, &hc->directions[from_initiator],
	                      &parsed, deviation, sizeof deviation) != 0) {
		snprintf(f->summary, sizeof f->summary, "not parseable as TLS records: %.200s", deviation);
	} else {
		kx_tls_flight_summary(&parsed, f->summary, sizeof f->summary);
		kx_escertke_check(number, &parsed, deviation, sizeof deviation);
	}
	if (deviation[0] != '\0')
		kx_appendf(hc->deviations, sizeof hc->deviations,
		           "%sESCertKE message %d (from the %s, %s): %s", hc->deviations[0] ? "; " : "",
		           number, kx_relay_end_name(from_initiator), kx_http_end_label(hc, from_initiator),
		           deviation);
	kx_tls_flight_free(&parsed);
}

/* Records an HTTP exchange: the texts, the codes, and the problem if there was one. */
static void record_exchange(struct kx_http_case *hc, int notify, const char *request, const char *response,
                            int status, int rsc, const struct kx_http_verdict *v)
{
	json_t *x = json_pack("{s:s, s:s, s:i}", "request", request != NULL ? request : "", "response",
	                      response != NULL ? response : "", "status", status);

	if (notify > 0)
		json_object_set_new(x, "notify", json_integer(notify));
	if (rsc > 0)
		json_object_set_new(x, "rsc", json_integer(rsc));
	json_object_set_new(x, "at_us", json_integer((json_int_t)kx_relay_now_us()));
	/* Only the vendor's messages are judged: its requests when the harness
	 * listens, its responses when the harness initiates. */
	if (v != NULL && v->problem != KX_HTTP_OK) {
		json_object_set_new(x, "problem", json_string(kx_http_problem_name(v->problem)));
		json_object_set_new(x, "detail", json_string(v->detail));
		json_array_append_new(hc->refused, json_pack("{s:s, s:s, s:i, s:i, s:s}", "problem",
		                                             kx_http_problem_name(v->problem), "message",
		                                             hc->initiator ? "response" : "request", "rsc",
		                                             rsc, "status", status, "detail", v->detail));
	}
	json_array_append_new(hc->exchanges, x);
}

/* Steps the harness's end with the peer's message (none for the first step);
 * leaves what it sends in hc->pending. Returns 0, or -1 when the driver failed. */
static int step(struct kx_http_case *hc, const uint8_t *in, size_t in_len)
{
	struct kx_chunks chunks = {0}, out = {0};
	struct kx_end_result now = {.state = KX_END_HANDSHAKING}; /* error and alerts of this step only */
	char why[1200];
	int rc;

	if (in_len > 0)
		kx_chunks_append(&chunks, in, in_len);
	rc = kx_relay_step_end(hc->pool, hc->end, hc->session, &chunks, &out, &now, why, sizeof why);
	kx_chunks_clear(&chunks);
	if (rc != 0) {
		kx_outcome_add(&hc->out, KX_RESULT_ERROR, "the %s's driver (%s) failed: %s", kx_relay_end_name(hc->initiator),
		      hc->pool->names[hc->end], why);
		kx_chunks_clear(&out);
		return -1;
	}
	hc->own = now;
	free(hc->pending);
	hc->pending = kx_chunks_flatten(&out, &hc->pending_len);
	kx_chunks_clear(&out);
	return 0;
}

/* The harness's end refused the handshake: says so as the matrix does. */
static void describe_failure(struct kx_http_case *hc)
{
	kx_outcome_add(&hc->out, KX_RESULT_FAIL, "the %s (%s, the harness) failed the handshake: %s%s%s%s%s",
	      kx_relay_end_name(hc->initiator), hc->pool->names[hc->end],
	      hc->own.error[0] ? hc->own.error : "no error text",
	      hc->own.alert_sent[0] ? "; alert sent: " : "", hc->own.alert_sent,
	      hc->own.alert_received[0] ? "; alert received: " : "", hc->own.alert_received);
	snprintf(hc->rejected_by, sizeof hc->rejected_by, "%s", kx_relay_end_name(hc->initiator));
}

/* ---- the Initiating End-Point ------------------------------------------- */

/* One NOTIFY exchange: POSTs message `number` (1 or 3), records both flights
 * and leaves the answer (message number + 1) in *answer. Returns 0, or -1
 * when the exchange failed (the case's diagnosis says how). With last_words
 * the message is the harness's alert after it failed: it is delivered, as the
 * matrix's relay delivers it, and the answer is recorded but not judged. */
static int notify_exchange(struct kx_http_case *hc, struct kx_http_client *client, int number, int last_words,
                           struct kx_notify *answer)
{
	struct kx_notify request = {
	    .op = KX_NOTIFY_OP, .message = hc->pending, .message_len = hc->pending_len};
	struct kx_http_message http = {0}, response = {0};
	struct kx_http_verdict v = {KX_HTTP_OK, ""};
	char *sent = NULL, *received = NULL, err[600];
	const char *rsc = NULL;
	int rc = -1;

	snprintf(request.from, sizeof request.from, "%s", hc->origin);
	snprintf(request.to, sizeof request.to, "%s", hc->to);
	/* A new Request Identifier per request (TS-0001 8.1.2), unique per run. */
	snprintf(request.rqi, sizeof request.rqi, "kxconform-%ld-%llu-notify%d", (long)getpid(),
	         (unsigned long long)(kx_relay_now_us() / 1000), (number + 1) / 2);
	if (kx_http_from_notify(&request, &http, err, sizeof err) != 0) {
		kx_outcome_add(&hc->out, KX_RESULT_ERROR, "the NOTIFY carrying message %d cannot be written: %s", number, err);
		return -1;
	}
	if (kx_http_client_send(client, &http, &response, &sent, &received, err, sizeof err) != 0) {
		record_flight(hc, number, &request, sent);
		record_exchange(hc, (number + 1) / 2, sent, received, 0, 0, NULL);
		kx_outcome_add(&hc->out, KX_RESULT_ERROR,
		      "the Terminating End-Point did not answer the NOTIFY carrying message %d: %s", number,
		      err);
		goto done;
	}
	record_flight(hc, number, &request, sent);
	rsc = kx_http_header_get(&response, "X-M2M-RSC");
	if (last_words) {
		record_exchange(hc, (number + 1) / 2, sent, received, response.status, rsc ? atoi(rsc) : 0,
		                NULL);
		rc = 0;
		goto done;
	}
	if (kx_http_response_to_notify(&response, &request, answer, &v) != 0) {
		record_exchange(hc, (number + 1) / 2, sent, received, response.status, rsc ? atoi(rsc) : 0,
		                &v);
		kx_outcome_add(&hc->out, KX_RESULT_FAIL, "the response to the NOTIFY carrying message %d: %s: %s", number,
		      kx_http_problem_name(v.problem), v.detail);
		snprintf(hc->rejected_by, sizeof hc->rejected_by, "%s",
		         v.problem == KX_HTTP_NOT_OK ? "terminator" : "initiator");
		goto done;
	}
	record_exchange(hc, (number + 1) / 2, sent, received, response.status, rsc ? atoi(rsc) : 0, NULL);
	record_flight(hc, number + 1, answer, received);
	rc = 0;
done:
	free(sent);
	free(received);
	kx_http_message_free(&http);
	kx_http_message_free(&response);
	return rc;
}

int kx_http_run_initiator(struct kx_http_case *hc, struct kx_http_client *client)
{
	struct kx_notify answer = {0};

	if (step(hc, NULL, 0) != 0)
		return 0;
	for (int number = 1; number <= 3; number += 2) {
		if (hc->pending_len == 0) {
			if (hc->own.state == KX_END_FAILED)
				describe_failure(hc);
			else
				kx_outcome_add(&hc->out, KX_RESULT_FAIL,
				      "the initiator (%s, the harness) has nothing to send as message %d",
				      hc->pool->names[hc->end], number);
			return 0;
		}
		if (hc->own.state == KX_END_FAILED) {
			/* The harness's end refused message 2; its alert goes as message 3. */
			describe_failure(hc);
			notify_exchange(hc, client, number, 1, &answer);
			return 0;
		}
		if (notify_exchange(hc, client, number, 0, &answer) != 0)
			return 0;
		if (step(hc, answer.message, answer.message_len) != 0) {
			kx_notify_free(&answer);
			return 0;
		}
		kx_notify_free(&answer);
	}
	if (hc->own.state == KX_END_FAILED) {
		describe_failure(hc);
		return 0;
	}
	if (hc->own.state != KX_END_DONE) {
		kx_outcome_add(&hc->out, KX_RESULT_FAIL, "the initiator (%s) did not finish the handshake after message 4%s",
		      hc->pool->names[hc->end], hc->pending_len > 0 ? " and has more to send" : "");
		return 0;
	}
	if (hc->pending_len > 0)
		kx_appendf(hc->deviations, sizeof hc->deviations,
		           "%sthe initiator has more to send after message 4: ESCertKE has four messages",
		           hc->deviations[0] ? "; " : "");
	return 1;
}

/* ---- the Terminating End-Point ------------------------------------------ */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int listener_finished(void *ctx)
{
	struct kx_http_case *hc = ctx;

	return hc->over || interrupted;
}

/* Refuses a vendor's request by name with its status code, and ends the case. */
static void refuse(struct kx_http_case *hc, const struct kx_http_verdict *v, const char *rqi,
                   const char *request_text, struct kx_http_message *response)
{
	int rsc = kx_http_problem_rsc(v->problem);
	char *text;

	kx_http_error_response(rsc, rqi, v->detail, response);
	text = kx_http_message_text(response);
	record_exchange(hc, hc->notify_count + 1, request_text, text, response->status, rsc, v);
	free(text);
	kx_outcome_add(&hc->out, KX_RESULT_FAIL,
	      "the Terminating End-Point (the harness) refused the vendor's request: %s (%d %s, HTTP %d): %s",
	      kx_http_problem_name(v->problem), rsc, kx_rsc_name(rsc) ? kx_rsc_name(rsc) : "",
	      response->status, v->detail);
	snprintf(hc->rejected_by, sizeof hc->rejected_by, "terminator");
	hc->over = 1;
}

/* The harness's end could not act: 5000, and the case is an error. */
static void internal_error(struct kx_http_case *hc, const char *rqi, const char *request_text,
                           struct kx_http_message *response)
{
	char *text;

	kx_http_error_response(KX_RSC_INTERNAL_SERVER_ERROR, rqi,
	                       "the harness's TLS end-point failed; see its report", response);
	text = kx_http_message_text(response);
	record_exchange(hc, hc->notify_count + 1, request_text, text, response->status,
	                KX_RSC_INTERNAL_SERVER_ERROR, NULL);
	free(text);
	hc->over = 1;
}

/* 1 if To names this end-point or a resource under it (the <e2EKeyCSE>
 * resource, for example, TS-0003 8.7.2.2). */
static int addressed_here(const char *to, const char *id)
{
	size_t n = strlen(id);

	return strncmp(to, id, n) == 0 && (to[n] == '\0' || to[n] == '/');
}

/* What a valid NOTIFY must also be here: addressed to this end-point, message 1 from the configured
 * originator, message 3 from message 1's originator with a new Request Identifier. Leaves v
 * KX_HTTP_OK when the request may go on. */
static void check_request(struct kx_http_case *hc, const struct kx_http_message *request,
                          const struct kx_notify *notify, int number, struct kx_http_verdict *v)
{
	if (!addressed_here(notify->to, hc->to)) {
		v->problem = KX_HTTP_WRONG_TARGET;
		snprintf(v->detail, sizeof v->detail,
		         "To is \"%.180s\" (from the Request-Target %.180s); this Terminating End-Point is "
		         "\"%.180s\"",
		         notify->to, request->target, hc->to);
	} else if (number == 1 && hc->expect_origin != NULL &&
	           strcmp(notify->from, hc->expect_origin) != 0) {
		v->problem = KX_HTTP_ORIGINATOR_NOT_AUTHORISED;
		snprintf(
		    v->detail, sizeof v->detail,
		    "X-M2M-Origin is \"%.200s\"; this Terminating End-Point is configured for the Initiating "
		    "End-Point \"%.200s\" only (TS-0003 8.7.2.2 B)",
		    notify->from, hc->expect_origin);
	} else if (number == 3 && strcmp(notify->from, hc->message1.from) != 0) {
		v->problem = KX_HTTP_ORIGINATOR_DIFFERS;
		kx_notify_correlates(&hc->message1, notify, v->detail, sizeof v->detail);
	} else if (number == 3 &&
	           kx_notify_correlates(&hc->message1, notify, v->detail, sizeof v->detail) != 0) {
		v->problem = KX_HTTP_REQUEST_IDENTIFIER_REUSED;
	}
}

/* The harness's end has nothing to answer message `number` with: its TLS refused without an alert.
 * The content was not acceptable, and the case ends. */
static void answer_nothing(struct kx_http_case *hc, int number, const char *rqi, const char *request_text,
                           struct kx_http_message *response)
{
	char *text;

	if (hc->own.state == KX_END_FAILED)
		describe_failure(hc);
	else
		kx_outcome_add(&hc->out, KX_RESULT_FAIL, "the terminator (%s) has nothing to send as message %d",
		      hc->pool->names[hc->end], number + 1);
	kx_http_error_response(KX_RSC_CONTENTS_UNACCEPTABLE, rqi,
	                       "the ESCertKE message was refused by the Terminating End-Point's TLS",
	                       response);
	text = kx_http_message_text(response);
	record_exchange(hc, hc->notify_count, request_text, text, response->status,
	                KX_RSC_CONTENTS_UNACCEPTABLE, NULL);
	free(text);
	hc->over = 1;
}

/* Message 2 or 4 (or the TLS's alert) in the NOTIFY response to notify, recorded. */
static void answer(struct kx_http_case *hc, const struct kx_notify *notify, int number, const char *rqi,
                   const char *request_text, struct kx_http_message *response)
{
	struct kx_notify reply = {.is_response = 1, .rsc = KX_RSC_OK};
	char err[300], *text;

	snprintf(reply.rqi, sizeof reply.rqi, "%s", notify->rqi);
	reply.message = hc->pending;
	reply.message_len = hc->pending_len;
	if (kx_http_from_notify(&reply, response, err, sizeof err) != 0) {
		kx_outcome_add(&hc->out, KX_RESULT_ERROR, "the NOTIFY response cannot be written: %s", err);
		internal_error(hc, rqi, request_text, response);
		return;
	}
	text = kx_http_message_text(response);
	record_exchange(hc, hc->notify_count, request_text, text, response->status, KX_RSC_OK, NULL);
	snprintf(reply.to, sizeof reply.to, "%s", notify->from);
	record_flight(hc, number + 1, &reply, text);
	free(text);
	if (hc->own.state == KX_END_FAILED) {
		describe_failure(hc);
		hc->over = 1;
	} else if (number == 3) {
		hc->over = 1;
	}
}

/* The listener's handler: each NOTIFY request read, checked, given to the harness's end, and
 * answered with the next ESCertKE message or refused by name. */
static void on_notify(void *ctx, const struct kx_http_message *request, const char *request_text,
                      struct kx_http_message *response)
{
	struct kx_http_case *hc = ctx;
	struct kx_notify notify;
	struct kx_http_verdict v = {KX_HTTP_OK, ""};
	const char *rqi = kx_http_header_get(request, "X-M2M-RI");
	int number = 2 * hc->notify_count + 1; /* the ESCertKE message this request should carry */

	if (hc->over) {
		v.problem = KX_HTTP_BAD_PARAMETER;
		snprintf(v.detail, sizeof v.detail,
		         "the ESCertKE procedure is over; no more NOTIFY is expected");
		kx_http_error_response(KX_RSC_BAD_REQUEST, rqi, v.detail, response);
		return;
	}
	if (kx_http_request_to_notify(request, &notify, &v) != 0) {
		refuse(hc, &v, rqi, request_text, response);
		return;
	}
	check_request(hc, request, &notify, number, &v);
	if (v.problem != KX_HTTP_OK) {
		refuse(hc, &v, rqi, request_text, response);
		kx_notify_free(&notify);
		return;
	}
	if (number == 1) {
		/* Recorded for correlating message 3 (TS-0001 11.4.3 C.1.a). */
		snprintf(hc->message1.from, sizeof hc->message1.from, "%s", notify.from);
		snprintf(hc->message1.rqi, sizeof hc->message1.rqi, "%s", notify.rqi);
		snprintf(hc->origin, sizeof hc->origin, "%s", notify.from);
	}
	record_flight(hc, number, &notify, request_text);
	if (step(hc, notify.message, notify.message_len) != 0) {
		internal_error(hc, rqi, request_text, response);
	} else {
		hc->notify_count++;
		if (hc->pending_len == 0)
			answer_nothing(hc, number, rqi, request_text, response);
		else
			answer(hc, &notify, number, rqi, request_text, response);
	}
	kx_notify_free(&notify);
}

int kx_http_listen(struct kx_http_case *hc, struct kx_http_server *server, const char *bind, int allow_remote,
                   int idle_timeout_ms, char *err, size_t errlen)
{
	return kx_http_server_start(server, bind, allow_remote, idle_timeout_ms, on_notify, hc, err, errlen);
}

int kx_http_run_terminator(struct kx_http_case *hc, struct kx_http_server *server)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (kx_http_server_serve(server, listener_finished, hc->wait_ms) != 0) {
		if (hc->notify_count == 0)
			kx_outcome_add(&hc->out, KX_RESULT_ERROR, "no NOTIFY request arrived within %d ms", hc->wait_ms);
		else
			kx_outcome_add(&hc->out, KX_RESULT_FAIL,
			      "the Initiating End-Point sent no message 3 within %d ms (it may have refused "
			      "message 2; "
			      "the harness's end is waiting for it)",
			      hc->wait_ms);
	} else if (interrupted && !hc->over) {
		kx_outcome_add(&hc->out, KX_RESULT_ERROR, "interrupted after %d NOTIFY request%s", hc->notify_count,
		      hc->notify_count == 1 ? "" : "s");
	}
	if (strcmp(hc->out.result, KX_RESULT_PASS) == 0 && hc->own.state == KX_END_DONE)
		return 1;
	if (strcmp(hc->out.result, KX_RESULT_PASS) == 0)
		kx_outcome_add(&hc->out, KX_RESULT_FAIL, "the handshake did not complete");
	return 0;
}
