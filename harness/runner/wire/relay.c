/* relay.c - steps two sessions against each other through their drivers.
 *
 * The initiator speaks first with no input; from then on each end is given
 * the other's last flight. The relay ends when both ends report "done", when
 * one reports "failed" (its last output, usually an alert, is still delivered
 * so that the peer can report what it received), when neither end has
 * anything to send (a stall, which is what a dropped or truncated flight
 * causes on a reliable wire), or when a driver fails. For ESCertKE the flights
 * 1..4 are wrapped in NOTIFY request/response primitives, parsed back as the
 * receiving end's oneM2M layer would, and checked against Table 8.7.2.2-1. */
#include "runner/wire/relay.h"

#include "core/base64.h"

#include "core/chunks_json.h"
#include "core/errors.h"
#include "core/exporter_split.h"
#include "core/json_io.h"
#include "core/notify.h"
#include "core/tls_records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const struct {
	enum kx_fault_kind kind;
	const char *name;
} fault_names[] = {
	{KX_FAULT_DROP, "drop"},         {KX_FAULT_TRUNCATE, "truncate"}, {KX_FAULT_FLIP_BIT, "flip-bit"},
	{KX_FAULT_REORDER, "reorder"},   {KX_FAULT_REPLAY, "replay"},     {KX_FAULT_DUPLICATE, "duplicate"},
};

int kx_fault_from_name(const char *name, enum kx_fault_kind *kind)
{
	for (size_t i = 0; i < sizeof fault_names / sizeof fault_names[0]; i++)
		if (strcmp(fault_names[i].name, name) == 0) {
			*kind = fault_names[i].kind;
			return 0;
		}
	return -1;
}

int kx_records_from_name(const char *name, enum kx_records_layout *layout)
{
	static const char *const names[] = {[KX_RECORDS_LIBRARY] = "library", [KX_RECORDS_COALESCED] = "coalesced",
	                                    [KX_RECORDS_SPLIT] = "split"};
	size_t i = 0;
	while (i < sizeof names / sizeof names[0] && strcmp(names[i], name) != 0)
		i++;
	if (i == sizeof names / sizeof names[0])
		return -1;
	*layout = (enum kx_records_layout)i;
	return 0;
}

/* Monotonic milliseconds, for the case's time limit. */
static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t kx_relay_now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

const char *kx_relay_end_name(int initiator)
{
	return initiator ? "initiator" : "terminator";
}

int kx_relay_step_end(struct kx_driver_pool *pool, size_t driver, const char *session,
                      const struct kx_chunks *in, struct kx_chunks *out, struct kx_end_result *end, char *why,
                      size_t whylen)
{
	return kx_relay_step_notify(pool, driver, session, in, NULL, out, NULL, end, why, whylen);
}

int kx_relay_step_notify(struct kx_driver_pool *pool, size_t driver, const char *session,
                         const struct kx_chunks *in, const char *primitive_in, struct kx_chunks *out,
                         char **primitive_out, struct kx_end_result *end, char *why, size_t whylen)
{
	json_t *request = json_pack("{s:s, s:s}", "op", "step", "session", session);
	if (primitive_in != NULL) {
		json_object_set_new(request, "primitive", json_string(primitive_in));
	} else {
		json_t *flight = kx_chunks_to_json(in);
		json_object_set_new(request, "flight", flight != NULL ? flight : json_array());
	}
	json_t *response = kx_pool_call(pool, driver, request);
	if (primitive_out != NULL) {
		const char *text = kx_json_get_string(response, "primitive");
		*primitive_out = text != NULL ? strdup(text) : NULL;
	}
	int ret = kx_relay_read_step(response, out, end, why, whylen);
	json_decref(response);
	return ret;
}

int kx_relay_read_step(json_t *response, struct kx_chunks *out, struct kx_end_result *end, char *why,
                       size_t whylen)
{
	char err[256] = "";
	const char *state = kx_json_get_string(response, "state");
	int ok = json_is_true(json_object_get(response, "ok")) && state != NULL &&
		 kx_chunks_from_json(json_object_get(response, "flight"), out, err, sizeof err) == 0;
	if (!ok) {
		const char *error = kx_json_get_string(response, "error");
		snprintf(why, whylen, "%s", err[0] ? err : error != NULL ? error : "no state in its answer");
		return -1;
	}
	end->state = strcmp(state, "done") == 0     ? KX_END_DONE
		     : strcmp(state, "failed") == 0 ? KX_END_FAILED
						    : KX_END_HANDSHAKING;
	const char *error = kx_json_get_string(response, "error");
	const char *sent = kx_json_get_string(response, "alert_sent");
	const char *received = kx_json_get_string(response, "alert_received");
	if (error != NULL)
		snprintf(end->error, sizeof end->error, "%s", error);
	if (sent != NULL)
		snprintf(end->alert_sent, sizeof end->alert_sent, "%s", sent);
	if (received != NULL)
		snprintf(end->alert_received, sizeof end->alert_received, "%s", received);
	return 0;
}

json_t *kx_relay_open_request(const char *session, json_t *config)
{
	return json_pack("{s:s, s:s, s:O}", "op", "open", "session", session, "config", config);
}

json_t *kx_relay_info_request(const char *session, const char *label)
{
	json_t *request = json_pack("{s:s, s:s}", "op", "info", "session", session);
	if (label != NULL)
		json_object_set_new(request, "export",
		                    json_pack("[{s:s, s:i}]", "label", label, "length", KX_EXPORT_LEN));
	return request;
}

json_t *kx_relay_close_request(const char *session)
{
	return json_pack("{s:s, s:s}", "op", "close", "session", session);
}

/* Steps one end with in; fills out and the end's result. Returns 0, or -1 when
 * the driver itself failed (the diagnosis then says how). */
static int step(struct kx_relay *relay, int initiator, const struct kx_chunks *in, struct kx_chunks *out)
{
	size_t driver = initiator ? relay->initiator : relay->terminator;
	const char *session = initiator ? relay->initiator_session : relay->terminator_session;
	struct kx_end_result *end = initiator ? &relay->initiator_result : &relay->terminator_result;
	char why[sizeof relay->diagnosis];
	int notify = relay->escertke && relay->notify_ends[initiator];
	char *primitive_in = notify ? relay->next_primitive : NULL;
	relay->next_primitive = NULL;
	free(relay->sent_primitive);
	relay->sent_primitive = NULL;
	int ret = kx_relay_step_notify(relay->pool, driver, session, in, primitive_in, out,
	                               notify ? &relay->sent_primitive : NULL, end, why, sizeof why);
	free(primitive_in);
	if (ret == 0)
		return 0;
	snprintf(relay->diagnosis, sizeof relay->diagnosis,
	         "the %s's driver (%s) failed: ", kx_relay_end_name(initiator), relay->pool->names[driver]);
	kx_appendf(relay->diagnosis, sizeof relay->diagnosis, "%s", why);
	relay->outcome = KX_RELAY_ERROR;
	return -1;
}

/* Splits a TLS stream into its records' byte ranges; returns how many (at most max). */
static size_t tls_record_spans(const uint8_t *buf, size_t len, size_t *starts, size_t *lens, size_t max)
{
	size_t n = 0, at = 0;
	while (at + 5 <= len && n < max) {
		size_t record = 5 + ((size_t)buf[at + 3] << 8 | buf[at + 4]);
		if (at + record > len)
			break;
		starts[n] = at;
		lens[n++] = record;
		at += record;
	}
	return n;
}

/* Damages a flight as the fault says, describing what was done in record->fault. */
static void apply_fault(struct kx_relay *relay, struct kx_flight_record *record, struct kx_chunks *chunks)
{
	size_t len;
	uint8_t *bytes = kx_chunks_flatten(chunks, &len);
	if (bytes == NULL)
		return;
	switch (relay->fault.kind) {
	case KX_FAULT_DROP:
		kx_chunks_clear(chunks);
		snprintf(record->fault, sizeof record->fault, "dropped by the runner");
		break;
	case KX_FAULT_TRUNCATE:
		if (relay->dtls && chunks->n > 0) {
			struct kx_chunk *last = &chunks->items[chunks->n - 1];
			snprintf(record->fault, sizeof record->fault, "last datagram truncated by the runner from %zu to %zu bytes",
				 last->len, last->len / 2);
			last->len /= 2;
		} else {
			kx_chunks_clear(chunks);
			kx_chunks_append(chunks, bytes, len / 2);
			snprintf(record->fault, sizeof record->fault, "truncated by the runner from %zu to %zu bytes", len,
				 len / 2);
		}
		break;
	case KX_FAULT_FLIP_BIT: {
		/* The middle byte of the whole flight, located in its chunk. */
		size_t target = len / 2, at = 0;
		for (size_t i = 0; i < chunks->n; i++) {
			if (target < at + chunks->items[i].len) {
				chunks->items[i].data[target - at] ^= 0x01;
				break;
			}
			at += chunks->items[i].len;
		}
		snprintf(record->fault, sizeof record->fault, "bit 0 of byte %zu (of %zu) inverted by the runner", target,
			 len);
		break;
	}
	case KX_FAULT_REORDER: {
		struct kx_chunks reordered = {0};
		if (relay->dtls) {
			for (size_t i = chunks->n; i-- > 0;)
				kx_chunks_append(&reordered, chunks->items[i].data, chunks->items[i].len);
			snprintf(record->fault, sizeof record->fault, "its %zu datagrams reversed by the runner", chunks->n);
		} else {
			size_t starts[64], lens[64];
			size_t n = tls_record_spans(bytes, len, starts, lens, 64);
			for (size_t i = n; i-- > 0;)
				kx_chunks_extend_last(&reordered, bytes + starts[i], lens[i]);
			snprintf(record->fault, sizeof record->fault, "its %zu records reversed by the runner", n);
		}
		kx_chunks_clear(chunks);
		*chunks = reordered;
		break;
	}
	case KX_FAULT_DUPLICATE:
		kx_chunks_append_all(chunks, chunks);
		snprintf(record->fault, sizeof record->fault, "delivered twice in a row by the runner");
		break;
	case KX_FAULT_REPLAY:
		snprintf(record->fault, sizeof record->fault,
			 "delivered, then replayed by the runner ahead of the next flight to the same end");
		break;
	case KX_FAULT_NONE:
		break;
	}
	free(bytes);
}

void kx_relay_summarise(const struct kx_relay *relay, struct kx_flight_record *record,
                        const struct kx_chunks *sent, struct kx_tls_direction *direction, int why_max)
{
	struct kx_tls_flight flight = {0};
	char err[200] = "";
	size_t len;
	uint8_t *bytes = kx_chunks_flatten(sent, &len);
	int parsed = bytes == NULL ? -1
		     : relay->dtls ? kx_dtls_parse_datagrams(sent, direction, &flight, err, sizeof err)
				   : kx_tls_parse_stream(bytes, len, direction, &flight, err, sizeof err);
	if (parsed == 0)
		kx_tls_flight_summary(&flight, record->summary, sizeof record->summary);
	else
		snprintf(record->summary, sizeof record->summary, "not parseable as %s records: %.*s",
		         relay->dtls ? "DTLS" : "TLS", why_max, err);
	kx_tls_flight_free(&flight);
	free(bytes);
}

/* ESCertKE message `number` against Table 8.7.2.2-1; a deviation names its message. */
static void table_check(struct kx_relay *relay, int number, const uint8_t *message, size_t len,
                        struct kx_tls_direction *direction)
{
	struct kx_tls_flight flight = {0};
	char deviation[400] = "";
	if (kx_escertke_parse(message, len, direction, &flight, deviation, sizeof deviation) != 0 ||
	    kx_escertke_check(number, &flight, deviation, sizeof deviation) != 0)
		kx_appendf(relay->deviations, sizeof relay->deviations, "%s%s", relay->deviations[0] ? "; " : "",
		           deviation);
	kx_tls_flight_free(&flight);
}

/* The primitive the relay writes for an end-point whose driver does not carry NOTIFY itself. */
static char *relay_primitive(const struct kx_relay *relay, const struct kx_flight_record *record,
                             const struct kx_chunks *chunks)
{
	int request = record->number % 2 == 1;
	struct kx_notify primitive = {.is_response = !request, .op = KX_NOTIFY_OP, .rsc = KX_NOTIFY_RSC_OK};
	snprintf(primitive.from, sizeof primitive.from, "%s",
	         record->from_initiator ? relay->initiator_id : relay->terminator_id);
	snprintf(primitive.to, sizeof primitive.to, "%s",
	         record->from_initiator ? relay->terminator_id : relay->initiator_id);
	/* One request identifier per NOTIFY exchange: messages 1/2 and 3/4. */
	snprintf(primitive.rqi, sizeof primitive.rqi, "%.100s-notify%d", relay->initiator_session,
	         (record->number + 1) / 2);
	primitive.message = kx_chunks_flatten(chunks, &primitive.message_len);
	char *text = kx_notify_build(&primitive);
	free(primitive.message);
	return text;
}

/* A record's handshake messages without their record headers: the eckm-bare fault. */
static uint8_t *bare_messages(const struct kx_chunks *chunks, size_t *len)
{
	size_t n = 0;
	uint8_t *all = kx_chunks_flatten(chunks, &n), *out = malloc(n + 1);
	*len = 0;
	for (size_t at = 0; all != NULL && out != NULL && at + 5 <= n;) {
		size_t body = (size_t)all[at + 3] << 8 | all[at + 4];
		if (at + 5 + body > n)
			break;
		if (all[at] == 22) {
			memcpy(out + *len, all + at + 5, body);
			*len += body;
		}
		at += 5 + body;
	}
	free(all);
	return out;
}

/* Damages a primitive's JSON text as a negative case asks; returns the new text (malloc'd) and
 * describes it in record->fault, or text itself when there is nothing to do. */
static char *damage_primitive(struct kx_relay *relay, struct kx_flight_record *record, const struct kx_chunks *chunks,
                              const char *rqi_of_message1, char *text)
{
	int from3 = record->number == 3 && relay->message3_from[0] != '\0';
	int damage = relay->notify_damage[0] != '\0' && record->number == relay->notify_damage_message;
	if (!from3 && !damage)
		return text;
	json_t *root = json_loads(text, 0, NULL);
	json_t *body = json_object_get(root, record->number % 2 == 1 ? "m2m:rqp" : "m2m:rsp");
	json_t *seci = json_object_get(json_object_get(body, "pc"), "m2m:seci");
	if (body == NULL || seci == NULL) {
		json_decref(root);
		return text;
	}
	const char *what = relay->notify_damage;
	if (from3) {
		json_object_set_new(body, "fr", json_string(relay->message3_from));
		snprintf(record->fault, sizeof record->fault, "the runner set its From to %.150s", relay->message3_from);
	} else if (strcmp(what, "sit") == 0) {
		json_object_set_new(seci, "sit", json_integer(7));
		snprintf(record->fault, sizeof record->fault, "the runner set its securityInfoType to 7, not 6");
	} else if (strcmp(what, "eckm-not-base64") == 0) {
		json_object_set_new(seci, "eckm", json_string("not base64: an ESCertKE message!"));
		snprintf(record->fault, sizeof record->fault, "the runner made its eckm something that is not base64");
	} else if (strcmp(what, "eckm-bare") == 0) {
		size_t len = 0;
		uint8_t *bare = bare_messages(chunks, &len);
		char *b64 = bare != NULL ? malloc(kx_base64_encoded_len(len, KX_B64_PADDED) + 1) : NULL;
		if (b64 != NULL) {
			kx_base64_encode(bare, len, b64, KX_B64_STANDARD, KX_B64_PADDED);
			json_object_set_new(seci, "eckm", json_string(b64));
		}
		free(bare);
		free(b64);
		snprintf(record->fault, sizeof record->fault,
		         "the runner put bare handshake messages, without record headers, in its eckm");
	} else if (strcmp(what, "no-from") == 0) {
		json_object_del(body, "fr");
		snprintf(record->fault, sizeof record->fault, "the runner removed its From");
	} else if (strcmp(what, "rqi-of-message1") == 0) {
		json_object_set_new(body, "rqi", json_string(rqi_of_message1));
		snprintf(record->fault, sizeof record->fault, "the runner gave it message 1's request identifier");
	}
	char *damaged = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (damaged == NULL)
		return text;
	free(text);
	return damaged;
}

/* After the runner damaged a flight (a fault), the primitive an end-point reads carries the
 * damaged bytes, as the flight relay would have delivered them. */
static void refresh_eckm(char **primitive, const struct kx_chunks *chunks)
{
	json_t *root = *primitive != NULL ? json_loads(*primitive, 0, NULL) : NULL;
	json_t *body = json_object_get(root, "m2m:rqp");
	if (body == NULL)
		body = json_object_get(root, "m2m:rsp");
	json_t *seci = json_object_get(json_object_get(body, "pc"), "m2m:seci");
	size_t len = 0;
	uint8_t *bytes = kx_chunks_flatten(chunks, &len);
	char *b64 = malloc(kx_base64_encoded_len(len, KX_B64_PADDED) + 1);
	char *text = NULL;
	if (seci != NULL && b64 != NULL && (bytes != NULL || len == 0)) {
		kx_base64_encode(bytes, len, b64, KX_B64_STANDARD, KX_B64_PADDED);
		json_object_set_new(seci, "eckm", json_string(b64));
		text = json_dumps(root, JSON_COMPACT);
	}
	if (text != NULL) {
		free(*primitive);
		*primitive = text;
	}
	free(bytes);
	free(b64);
	json_decref(root);
}

/* Judges a primitive an end-point's driver wrote, from outside, as `kxconform http` does: it must
 * parse, carry exactly the flight, and for message 3 come from message 1's originator with a new
 * request identifier; for a response, answer the request. Deviations of the sender. */
static void judge_primitive(struct kx_relay *relay, const struct kx_flight_record *record, const char *text,
                            const struct kx_chunks *chunks, struct kx_notify *message1_request,
                            struct kx_notify *last_request)
{
	int request = record->number % 2 == 1;
	const char *sender = kx_relay_end_name(record->from_initiator);
	struct kx_notify got = {0};
	char why[400] = "";
	size_t len = 0;
	uint8_t *flight = kx_chunks_flatten(chunks, &len);
	int parsed = kx_notify_parse(text, strlen(text), !request, &got, why, sizeof why) == 0;
	if (parsed && record->fault[0] == '\0' &&
	    (got.message_len != len || (len > 0 && memcmp(got.message, flight, len) != 0)))
		snprintf(why, sizeof why, "its eckm does not hold the %zu bytes of the flight", len);
	else if (parsed && record->number == 3)
		kx_notify_correlates(message1_request, &got, why, sizeof why);
	else if (parsed && !request)
		kx_notify_answers(last_request, &got, why, sizeof why);
	if (why[0] != '\0')
		kx_appendf(relay->deviations, sizeof relay->deviations,
		           "%sthe %s's NOTIFY %s carrying ESCertKE message %d: %s", relay->deviations[0] ? "; " : "",
		           sender, request ? "request" : "response", record->number, why);
	free(flight);
	if (why[0] == '\0' && request) {
		free(got.message);
		got.message = NULL;
		got.message_len = 0;
		if (record->number == 1)
			*message1_request = got;
		*last_request = got;
		return;
	}
	kx_notify_free(&got);
}

/* ESCertKE: carries message `number` in its NOTIFY primitive: the one the sending end-point's
 * driver wrote (judged from outside), or one the relay writes for a driver that does not. A
 * receiving end-point whose driver reads primitives gets it as it is, and must refuse what the
 * procedure does not allow; for one that does not, the relay parses it back as its oneM2M layer
 * and hands over the message it holds. Returns 0, or -1 when that layer refuses (diagnosis set). */
static int carry_in_notify(struct kx_relay *relay, struct kx_flight_record *record, struct kx_chunks *chunks,
			   struct kx_notify *message1_request, struct kx_notify *last_request,
			   struct kx_tls_direction *escertke_direction)
{
	int request = record->number % 2 == 1;
	char *text = NULL;
	if (relay->notify_ends[record->from_initiator] && relay->sent_primitive != NULL) {
		text = relay->sent_primitive;
		relay->sent_primitive = NULL;
		judge_primitive(relay, record, text, chunks, message1_request, last_request);
	} else {
		if (relay->notify_ends[record->from_initiator])
			kx_appendf(relay->deviations, sizeof relay->deviations,
			           "%sthe %s's driver carries NOTIFY itself but wrote no primitive for ESCertKE message %d",
			           relay->deviations[0] ? "; " : "", kx_relay_end_name(record->from_initiator),
			           record->number);
		text = relay_primitive(relay, record, chunks);
	}
	text = damage_primitive(relay, record, chunks, message1_request->rqi, text);
	/* The records axis re-frames the message the primitive carries, as a middlebox on the NOTIFY
	 * path would: after the sender's primitive was judged, before the receiver reads it. */
	if (text != NULL && relay->records != KX_RECORDS_LIBRARY && kx_relay_reframe(relay, record, chunks))
		refresh_eckm(&text, chunks);
	record->primitive = text;
	if (text == NULL)
		return 0;
	if (relay->notify_ends[!record->from_initiator]) {
		/* Table 8.7.2.2-1 on the message as its sender wrote it; the receiver judges the primitive. */
		size_t len = 0;
		uint8_t *message = kx_chunks_flatten(chunks, &len);
		table_check(relay, record->number, message, len, escertke_direction);
		free(message);
		relay->next_primitive = strdup(text);
		return 0;
	}

	struct kx_notify received = {0};
	char err[400];
	int ret = kx_notify_parse(text, strlen(text), !request, &received, err, sizeof err);
	if (ret == 0 && record->number == 1) {
		/* Kept for correlating message 3: the originator and request, not the bytes. */
		*message1_request = received;
		message1_request->message = NULL;
		message1_request->message_len = 0;
	} else if (ret == 0 && record->number == 3 &&
		   kx_notify_correlates(message1_request, &received, err, sizeof err) != 0) {
		ret = -1;
	}
	if (ret != 0) {
		snprintf(relay->diagnosis, sizeof relay->diagnosis,
		         "the %s rejected the NOTIFY %s carrying ESCertKE message %d: %s (NOTIFY not under test at the "
		         "%s: the relay read it, as its driver does not carry NOTIFY itself)",
		         kx_relay_end_name(!record->from_initiator), request ? "request" : "response",
		         record->number, err, kx_relay_end_name(!record->from_initiator));
		snprintf(relay->rejected_by, sizeof relay->rejected_by, "%s",
		         kx_relay_end_name(!record->from_initiator));
		relay->outcome = KX_RELAY_FAILED;
		kx_notify_free(&received);
		return -1;
	}
	/* What the receiving end's TLS gets is exactly what eckm held. */
	kx_chunks_clear(chunks);
	kx_chunks_append(chunks, received.message, received.message_len);

	table_check(relay, record->number, received.message, received.message_len, escertke_direction);
	kx_notify_free(&received);
	return 0;
}

struct kx_flight_record *kx_relay_new_flight(struct kx_relay *relay, int from_initiator,
                                             const struct kx_chunks *sent)
{
	if (relay->n_flights >= KX_MAX_FLIGHTS)
		return NULL;
	struct kx_flight_record *record = &relay->flights[relay->n_flights++];
	memset(record, 0, sizeof *record);
	record->number = (int)relay->n_flights;
	record->from_initiator = from_initiator;
	record->at_us = kx_relay_now_us();
	record->written = kx_chunks_total(sent);
	return record;
}

/* Records a flight leaving `from_initiator`'s end; returns the record, or NULL if the log is full. */
static struct kx_flight_record *record_flight(struct kx_relay *relay, int from_initiator, const struct kx_chunks *sent,
					      struct kx_tls_direction *direction)
{
	struct kx_flight_record *record = kx_relay_new_flight(relay, from_initiator, sent);
	if (record == NULL) {
		snprintf(relay->diagnosis, sizeof relay->diagnosis,
			 "the handshake did not finish within %d flights", KX_MAX_FLIGHTS);
		relay->outcome = KX_RELAY_FAILED;
		return NULL;
	}
	kx_relay_summarise(relay, record, sent, direction, KX_RELAY_SUMMARY_WHY_MAX);
	return record;
}

void kx_relay_fault_context(const struct kx_relay *relay, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < relay->n_flights; i++)
		if (relay->flights[i].fault[0] != '\0')
			snprintf(out, len, " after flight %d was %s", relay->flights[i].number, relay->flights[i].fault);
}

static void describe_failure(struct kx_relay *relay, int initiator)
{
	const struct kx_end_result *end = initiator ? &relay->initiator_result : &relay->terminator_result;
	char cause[300];
	kx_relay_fault_context(relay, cause, sizeof cause);
	snprintf(relay->rejected_by, sizeof relay->rejected_by, "%s", kx_relay_end_name(initiator));
	snprintf(relay->diagnosis, sizeof relay->diagnosis, "the %s (%s) failed the handshake%s: %s%s%s%s%s",
	         kx_relay_end_name(initiator),
	         relay->pool->names[initiator ? relay->initiator : relay->terminator], cause,
	         end->error[0] ? end->error : "no error text", end->alert_sent[0] ? "; alert sent: " : "",
	         end->alert_sent, end->alert_received[0] ? "; alert received: " : "", end->alert_received);
}

/* Says which damaged flight preceded a stall, so the cause has a name. */
static void describe_stall(struct kx_relay *relay, int waiting_initiator)
{
	char cause[300];
	kx_relay_fault_context(relay, cause, sizeof cause);
	snprintf(relay->diagnosis, sizeof relay->diagnosis,
	         "the handshake stalled%s: the %s has nothing to send and the %s has not finished%s", cause,
	         kx_relay_end_name(!waiting_initiator), kx_relay_end_name(waiting_initiator),
	         relay->dtls ? " (DTLS discards records that fail authentication without an alert, RFC 6347 "
	                       "4.1.2.7, so a wrong key or a damaged record shows as silence)"
	                     : "");
	relay->outcome = KX_RELAY_STALLED;
}

void kx_relay_run(struct kx_relay *relay)
{
	struct kx_tls_direction directions[2] = {{0}, {0}}; /* [1]: from the initiator */
	struct kx_tls_direction escertke_directions[2] = {{0}, {0}};
	struct kx_notify message1_request = {0}, last_request = {0};
	struct kx_chunks pending = {0}, replay = {0};
	int replay_to_initiator = -1, retransmitted_by = -1;
	relay->outcome = KX_RELAY_DONE;
	relay->initiator_result.state = relay->terminator_result.state = KX_END_HANDSHAKING;

	struct kx_chunks none = {0};
	int sender_is_initiator = 1;
	long long deadline = relay->timeout_ms > 0 ? monotonic_ms() + relay->timeout_ms : 0;
	if (step(relay, 1, &none, &pending) != 0)
		goto out;
	for (;;) {
		if (deadline != 0 && monotonic_ms() > deadline) {
			snprintf(relay->diagnosis, sizeof relay->diagnosis,
				 "the handshake did not end within the case's %d ms limit (%zu flights relayed)",
				 relay->timeout_ms, relay->n_flights);
			relay->outcome = KX_RELAY_ERROR;
			break;
		}
		struct kx_end_result *sender = sender_is_initiator ? &relay->initiator_result : &relay->terminator_result;
		struct kx_end_result *receiver = sender_is_initiator ? &relay->terminator_result : &relay->initiator_result;
		if (pending.n == 0) {
			if (sender->state == KX_END_FAILED) {
				describe_failure(relay, sender_is_initiator);
				relay->outcome = KX_RELAY_FAILED;
			} else if (!(relay->initiator_result.state == KX_END_DONE &&
				     relay->terminator_result.state == KX_END_DONE)) {
				if (!(relay->dtls && relay->recover)) {
					describe_stall(relay, sender_is_initiator);
				} else if (kx_relay_recover(relay, !sender_is_initiator, &pending, &sender_is_initiator) > 0) {
					retransmitted_by = sender_is_initiator;
					continue;
				}
			}
			break;
		}
		struct kx_flight_record *record =
			record_flight(relay, sender_is_initiator, &pending, &directions[sender_is_initiator]);
		if (record == NULL)
			break;
		if (retransmitted_by >= 0)
			snprintf(record->relayed, sizeof record->relayed,
			         "sent by the %s when the runner fired its retransmission timer (RFC 6347 4.2.4)",
			         kx_relay_end_name(retransmitted_by));
		retransmitted_by = -1;
		/* A flight whose bytes the runner changed: an end-point reading primitives gets them too. */
		int damaged_bytes = relay->fault.kind != KX_FAULT_NONE && relay->fault.flight == record->number;
		if (damaged_bytes) {
			if (relay->fault.kind == KX_FAULT_REPLAY) {
				kx_chunks_append_all(&replay, &pending);
				replay_to_initiator = !sender_is_initiator;
			}
			apply_fault(relay, record, &pending);
		}
		/* The records axis; an ESCertKE message is re-framed inside its NOTIFY primitive. */
		if (!relay->dtls && !relay->escertke && relay->records != KX_RECORDS_LIBRARY)
			kx_relay_reframe(relay, record, &pending);
		if (relay->escertke && record->number > 4)
			kx_appendf(relay->deviations, sizeof relay->deviations,
			           "%sflight %d: ESCertKE has four messages, this handshake needed more",
			           relay->deviations[0] ? "; " : "", record->number);
		if (relay->escertke && record->number <= 4 && pending.n > 0) {
			record->escertke_message = record->number;
			if (carry_in_notify(relay, record, &pending, &message1_request, &last_request,
					    &escertke_directions[sender_is_initiator]) != 0) {
				kx_chunks_append_all(&record->chunks, &pending);
				break;
			}
		}
		/* A replayed flight goes again ahead of the next one to the same end. */
		if (replay.n > 0 && replay_to_initiator == !sender_is_initiator && record->fault[0] == '\0') {
			struct kx_chunks both = {0};
			kx_chunks_append_all(&both, &replay);
			kx_chunks_append_all(&both, &pending);
			kx_chunks_clear(&pending);
			pending = both;
			kx_chunks_clear(&replay);
			snprintf(record->fault, sizeof record->fault, "preceded by the runner's replay of flight %d",
				 relay->fault.flight);
			damaged_bytes = 1;
		}
		kx_chunks_append_all(&record->chunks, &pending);
		if (sender->state == KX_END_FAILED) {
			/* The failing end's last words (an alert) reach its peer, then it is over. */
			struct kx_chunks ignored = {0};
			if (step(relay, !sender_is_initiator, &pending, &ignored) == 0)
				describe_failure(relay, sender_is_initiator);
			kx_chunks_clear(&ignored);
			relay->outcome = relay->outcome == KX_RELAY_ERROR ? KX_RELAY_ERROR : KX_RELAY_FAILED;
			break;
		}
		if (receiver->state == KX_END_DONE && relay->fault.kind == KX_FAULT_NONE) {
			/* A finished end has nothing to read in a handshake; more is a deviation of the sender. */
			kx_appendf(relay->deviations, sizeof relay->deviations,
			           "%sflight %d arrived after the %s finished",
			           relay->deviations[0] ? "; " : "", record->number,
			           kx_relay_end_name(!sender_is_initiator));
		}
		if (relay->next_primitive != NULL && damaged_bytes)
			refresh_eckm(&relay->next_primitive, &pending);
		struct kx_chunks reply = {0};
		int stepped = step(relay, !sender_is_initiator, &pending, &reply);
		kx_chunks_clear(&pending);
		pending = reply;
		if (stepped != 0)
			break;
		sender_is_initiator = !sender_is_initiator;
	}
out:
	kx_chunks_clear(&pending);
	kx_chunks_clear(&replay);
	kx_notify_free(&message1_request);
	kx_notify_free(&last_request);
	free(relay->sent_primitive);
	free(relay->next_primitive);
	relay->sent_primitive = relay->next_primitive = NULL;
}

struct kx_flight_record *kx_relay_record_text(struct kx_relay *relay, int from_initiator, const char *text,
                                              const struct kx_chunks *records)
{
	struct kx_flight_record *record = kx_relay_new_flight(relay, from_initiator, records);
	if (record == NULL)
		return NULL;
	record->application_data = 1;
	snprintf(record->summary, sizeof record->summary, "ApplicationData");
	snprintf(record->text, sizeof record->text, "%s", text);
	kx_chunks_append_all(&record->chunks, records);
	return record;
}

static json_t *send_request(const char *session, const char *text)
{
	return json_pack("{s:s, s:s, s:s}", "op", "send", "session", session, "data", text);
}

/* Checks what `to` read against what `from` sent; 0, or -1 with the diagnosis. */
static int check_received(struct kx_relay *relay, int from_initiator, const char *text, json_t *got)
{
	const char *data = kx_json_get_string(got, "data");
	if (!json_is_true(json_object_get(got, "ok")))
		snprintf(relay->diagnosis, sizeof relay->diagnosis,
		         "the %s could not read application data: %s", kx_relay_end_name(!from_initiator),
		         kx_json_get_string(got, "error"));
	else if (data == NULL || strcmp(data, text) != 0)
		snprintf(relay->diagnosis, sizeof relay->diagnosis,
		         "the %s read \"%.100s\" where the %s sent \"%s\"",
		         kx_relay_end_name(!from_initiator), data != NULL ? data : "",
		         kx_relay_end_name(from_initiator), text);
	else
		return 0;
	return -1;
}

/* Both ends send their text at once, then both receive the other's: two
 * round trips instead of four (the ends are independent after the handshake). */
int kx_relay_exchange_application_data(struct kx_relay *relay)
{
	json_t *sent_i, *sent_t;
	kx_pool_call_pair(relay->pool, relay->initiator, send_request(relay->initiator_session, KX_APP_TEXT_FROM_INITIATOR),
			  relay->terminator, send_request(relay->terminator_session, KX_APP_TEXT_FROM_TERMINATOR),
			  &sent_i, &sent_t);
	struct kx_chunks from_i = {0}, from_t = {0};
	char err[256] = "";
	int ret = -1;
	json_t *sent[2] = {sent_i, sent_t};
	struct kx_chunks *records[2] = {&from_i, &from_t};
	for (int e = 0; e < 2; e++)
		if (!json_is_true(json_object_get(sent[e], "ok")) ||
		    kx_chunks_from_json(json_object_get(sent[e], "flight"), records[e], err, sizeof err) != 0) {
			snprintf(relay->diagnosis, sizeof relay->diagnosis,
			         "the %s could not send application data: %s", kx_relay_end_name(e == 0),
			         err[0] ? err : kx_json_get_string(sent[e], "error"));
			goto out;
		}
	kx_relay_record_text(relay, 1, KX_APP_TEXT_FROM_INITIATOR, &from_i);
	kx_relay_record_text(relay, 0, KX_APP_TEXT_FROM_TERMINATOR, &from_t);
	json_t *got_t, *got_i;
	kx_pool_call_pair(relay->pool, relay->terminator,
			  json_pack("{s:s, s:s, s:o}", "op", "receive", "session", relay->terminator_session, "flight",
				    kx_chunks_to_json(&from_i)),
			  relay->initiator,
			  json_pack("{s:s, s:s, s:o}", "op", "receive", "session", relay->initiator_session, "flight",
				    kx_chunks_to_json(&from_t)),
			  &got_t, &got_i);
	ret = check_received(relay, 1, KX_APP_TEXT_FROM_INITIATOR, got_t) == 0 &&
			      check_received(relay, 0, KX_APP_TEXT_FROM_TERMINATOR, got_i) == 0
		      ? 0
		      : -1;
	json_decref(got_t);
	json_decref(got_i);
out:
	kx_chunks_clear(&from_i);
	kx_chunks_clear(&from_t);
	json_decref(sent_i);
	json_decref(sent_t);
	return ret;
}

void kx_relay_free(struct kx_relay *relay)
{
	for (size_t i = 0; i < relay->n_flights; i++) {
		kx_chunks_clear(&relay->flights[i].chunks);
		free(relay->flights[i].primitive);
	}
	relay->n_flights = 0;
}
