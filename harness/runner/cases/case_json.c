/* case_json.c - the shared members of a case's result object; what only one
 * mode reports (claims, HTTP exchanges, capture details) stays with it. */
#include "runner/cases/case_json.h"

#include "core/chunks.h"
#include "core/json_io.h"

#include <stddef.h>

json_t *kx_case_json_new(const char *id, const char *scenario, json_t *entry, const char *initiator,
                         const char *terminator, const char *transport, const char *suite, const char *kind,
                         const char *expected)
{
	const char *clauses = kx_json_get_string(entry, "clauses");
	const char *run = kx_json_get_string(entry, "run");
	json_t *result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "scenario", scenario,
	                           "clauses", clauses != NULL ? clauses : "", "initiator", initiator, "terminator",
	                           terminator, "transport", transport, "suite", suite, "kind", kind, "expected",
	                           expected);
	/* How the case is played: what a check of its capture or report goes by, never the name. */
	if (result != NULL && run != NULL)
		json_object_set_new(result, "run", json_string(run));
	return result;
}

void kx_case_json_flights(json_t *result, const struct kx_relay *relay)
{
	json_t *flights = json_array();
	for (size_t i = 0; i < relay->n_flights; i++) {
		const struct kx_flight_record *f = &relay->flights[i];
		json_t *flight =
		    json_pack("{s:i, s:s, s:s, s:I, s:I, s:I, s:i, s:s}", "number", f->number, "from",
		              kx_relay_end_name(f->from_initiator), "to",
		              kx_relay_end_name(!f->from_initiator), "at_us", (json_int_t)f->at_us, "written",
		              (json_int_t)f->written, "delivered", (json_int_t)kx_chunks_total(&f->chunks),
		              "datagrams", (int)f->chunks.n, "items", f->summary);
		if (f->fault[0] != '\0')
			json_object_set_new(flight, "fault", json_string(f->fault));
		if (f->relayed[0] != '\0')
			json_object_set_new(flight, "relay", json_string(f->relayed));
		if (f->application_data)
			json_object_set_new(flight, "application_data", json_string(f->text));
		if (f->escertke_message > 0) {
			json_object_set_new(flight, "escertke_message", json_integer(f->escertke_message));
			json_object_set_new(
			    flight, "notify",
			    json_string(f->escertke_message % 2 == 1 ? "request" : "response"));
			if (f->primitive != NULL)
				json_object_set_new(flight, "primitive", json_string(f->primitive));
		}
		json_array_append_new(flights, flight);
	}
	json_object_set_new(result, "flights", flights);
}

const char *kx_case_json_outcome(enum kx_relay_outcome outcome)
{
	switch (outcome) {
	case KX_RELAY_DONE:
		return "completed";
	case KX_RELAY_FAILED:
		return "refused";
	case KX_RELAY_STALLED:
		return "stalled";
	case KX_RELAY_ERROR:
		return "driver-error";
	}
	return "unknown";
}

void kx_case_json_verdict(json_t *result, const char *verdict, int met, const char *diagnosis,
                          double duration_ms)
{
	json_object_set_new(result, "result", json_string(verdict));
	json_object_set_new(result, "met", json_boolean(met));
	json_object_set_new(result, "diagnosis", json_string(diagnosis));
	json_object_set_new(result, "duration_ms", json_real(duration_ms));
}

double kx_case_json_ms_since(const struct timeval *t0)
{
	struct timeval t1;
	gettimeofday(&t1, NULL);
	return (double)(t1.tv_sec - t0->tv_sec) * 1000.0 + (double)(t1.tv_usec - t0->tv_usec) / 1000.0;
}
