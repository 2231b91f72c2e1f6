/* relay_recovery.c - DTLS loss recovery. A lost, duplicated or reordered datagram is what DTLS is
 * made to survive: each end keeps its last flight and resends it when its retransmission timer
 * expires (RFC 6347 4.2.4). On the runner's wire no time passes between steps, so a handshake whose
 * flight was lost stalls with both ends waiting; the runner then plays the clock and fires the
 * timer of the end that sent the last flight (the flight that needs resending), and when that end
 * has nothing to resend (an end that is done, a server that answered only HelloVerifyRequest and
 * keeps no state), the timer of the other, whose retransmission prompts its peer to resend. A case
 * fails only when neither end sends anything, and the diagnosis names both. */
#include "runner/wire/relay.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Timers fired in one handshake at most: a few losses' worth; a handshake that still stalls after
 * as many will not recover, and the flight log stays short. */
#define MAX_TIMER_FIRINGS 8

/* "the initiator (NAME)" */
static void end_named(const struct kx_relay *relay, int initiator, char *out, size_t len)
{
	snprintf(out, len, "the %s (%s)", kx_relay_end_name(initiator),
	         relay->pool->names[initiator ? relay->initiator : relay->terminator]);
}

int kx_relay_recover(struct kx_relay *relay, int last_sender_is_initiator, struct kx_chunks *flight,
                     int *from_initiator)
{
	const int order[2] = {last_sender_is_initiator, !last_sender_is_initiator};
	int fired = 0;
	for (int k = 0; k < 2 && relay->timer_firings < MAX_TIMER_FIRINGS; k++) {
		int end = order[k];
		char why[600], who[200];
		relay->timer_firings++;
		fired++;
		json_t *answer = kx_pool_call(relay->pool, end ? relay->initiator : relay->terminator,
		                              json_pack("{s:s, s:s}", "op", "timeout", "session",
		                                        end ? relay->initiator_session : relay->terminator_session));
		int read = kx_relay_read_step(answer, flight, end ? &relay->initiator_result : &relay->terminator_result,
		                              why, sizeof why);
		json_decref(answer);
		if (read != 0) {
			end_named(relay, end, who, sizeof who);
			snprintf(relay->diagnosis, sizeof relay->diagnosis,
			         "%s's driver failed when the runner fired its retransmission timer: %s", who, why);
			relay->outcome = KX_RELAY_ERROR;
			return -1;
		}
		const struct kx_end_result *result = end ? &relay->initiator_result : &relay->terminator_result;
		if (flight->n > 0 || result->state == KX_END_FAILED) {
			*from_initiator = end;
			return 1;
		}
	}
	char cause[300], first[200], second[200];
	kx_relay_fault_context(relay, cause, sizeof cause);
	end_named(relay, order[0], first, sizeof first);
	end_named(relay, order[1], second, sizeof second);
	if (fired == 0)
		snprintf(relay->diagnosis, sizeof relay->diagnosis,
		         "the handshake stalled%s and did not recover: it stalled again after the runner had fired the "
		         "ends' retransmission timers %d times (RFC 6347 4.2.4)",
		         cause, MAX_TIMER_FIRINGS);
	else
		snprintf(relay->diagnosis, sizeof relay->diagnosis,
		         "the handshake stalled%s and did not recover: %s retransmitted nothing when the runner fired "
		         "its retransmission timer (RFC 6347 4.2.4)%s%s%s",
		         cause, first, fired > 1 ? ", nor did " : "", fired > 1 ? second : "",
		         fired > 1 ? " when it fired its own" : "");
	relay->outcome = KX_RELAY_STALLED;
	return 0;
}
