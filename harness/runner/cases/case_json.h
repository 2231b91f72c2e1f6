/* case_json.h - the members of a case's result object (report.json "cases",
 * docs/reports.md) that every mode writes alike: the matrix (`kxconform
 * run`), `live`, `http` and `verify`. One writer each, so that a report
 * reads the same whichever mode made it. */
#ifndef KX_CASE_JSON_H
#define KX_CASE_JSON_H

#include <jansson.h>
#include <sys/time.h>

#include "runner/wire/relay.h"

/* What every result begins with (new reference): id, scenario, clauses (the scenario entry's, ""
 * when it has none or entry is NULL), initiator, terminator, transport, suite, kind, expected. */
json_t *kx_case_json_new(const char *id, const char *scenario, json_t *entry, const char *initiator,
                         const char *terminator, const char *transport, const char *suite, const char *kind,
                         const char *expected);

/* Sets result["flights"] from the relay's log: one object per flight, with its fault, its
 * application data and its ESCertKE message and NOTIFY primitive when it has them. */
void kx_case_json_flights(json_t *result, const struct kx_relay *relay);

/* The name of a relay outcome in result["outcome"]: completed, refused, stalled, driver-error. */
const char *kx_case_json_outcome(enum kx_relay_outcome outcome);

/* Sets what every result ends with: result (the verdict), met, diagnosis and duration_ms. */
void kx_case_json_verdict(json_t *result, const char *verdict, int met, const char *diagnosis,
                          double duration_ms);

/* Milliseconds from t0 to now (wall clock), for duration_ms. */
double kx_case_json_ms_since(const struct timeval *t0);

#endif
