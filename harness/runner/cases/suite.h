/* suite.h - a scenario matrix (the suites/ JSON files) expanded into cases: every
 * scenario, on each of its transports, between every ordered pair of drivers
 * that can play it, positive first, then its negative and fault variants. */
#ifndef KX_SUITE_H
#define KX_SUITE_H

#include <jansson.h>
#include <stddef.h>

#include "runner/cases/axes.h"
#include "runner/drivers/driver_pool.h"
#include "runner/wire/relay.h"

enum kx_case_kind { KX_CASE_POSITIVE, KX_CASE_NEGATIVE, KX_CASE_FAULT };

/* A case's JSON values are read-only and shared: cases with equal configurations or axes (the
 * pairs of drivers of one combination, the variants at the defaults) hold one value each. */
struct kx_case {
	char id[192];          /* scenario.transport.initiator-terminator[+axis=value...][.variant]: a file name too */
	json_t *scenario;      /* borrowed from the suite */
	const char *run;       /* the runner function that plays it: "handshake", "escertke", "e2e" */
	char transport[8];     /* "tls" or "dtls" */
	size_t initiator, terminator; /* driver indexes */
	char suite[8];         /* "0x00AE": the suite the positive case negotiates */
	enum kx_case_kind kind;
	json_t *variant;       /* the negative or fault entry (borrowed), NULL for a positive case */
	struct kx_fault fault;
	json_t *initiator_config, *terminator_config; /* complete driver "config" objects (a reference) */
	/* run "maf": the first handshake of the chain (the scenario named by "first"), whose export
	 * gives the second handshake's PSK and identity; NULL otherwise. */
	json_t *first_scenario;                                   /* borrowed from the suite */
	char first_suite[8];
	json_t *first_initiator_config, *first_terminator_config; /* references */
	int timeout_ms;        /* the handshake's time limit (suite "defaults"."timeout_ms", else 5000) */
	/* Axes: {"AXIS": "VALUE"} for every axis the scenario takes over this transport (a reference;
	 * NULL when it takes none); what its values need a driver to list (a reference; NULL when
	 * nothing); and what they ask of the relay: the TLS record layout, and a DTLS loss the ends
	 * must recover from (fault set, recover 1) in a positive case. */
	json_t *axes, *needs;
	enum kx_records_layout records;
	int recover;
};

struct kx_suite {
	char path[4096];
	enum kx_profile profile;
	json_t *root;
	struct kx_case *cases;
	size_t n_cases, cap_cases;
};

/* Loads the suite at path and expands its cases for the pool's drivers (each
 * driver's hello says which scenarios, roles and transports it plays), with
 * certificate names resolved in pki_dir, every axis at its default (the fast
 * profile). Returns 0, or -1 with err naming the file and the scenario at fault. */
int kx_suite_load(const char *path, const char *pki_dir, const struct kx_driver_pool *pool, struct kx_suite *suite,
		  char *err, size_t errlen);

/* The same with the combinations of the scenarios' axes that profile chooses. */
int kx_suite_load_profile(const char *path, const char *pki_dir, const struct kx_driver_pool *pool,
                          enum kx_profile profile, struct kx_suite *suite, char *err, size_t errlen);

/* The case of scenario over transport between two sessions of driver (the id
 * SCENARIO.TRANSPORT.DRIVER-DRIVER), whose configurations `live` and `http`
 * give the harness's end; NULL if the suite has none. */
const struct kx_case *kx_suite_self_case(const struct kx_suite *suite, const char *scenario,
                                         const char *transport, const char *driver);

/* Releases the suite and its cases. */
void kx_suite_free(struct kx_suite *suite);

#endif
