/* case_run.h - plays one case of a suite and judges it: opens a session on
 * each end's driver, relays the handshake, cross-checks what both ends
 * exported (against each other, against the exporter recomputed by another
 * driver from the session secrets, the split and the key identifier), and
 * for the e2e scenario derives Kpsa and T(1)..T(4) on both ends. */
#ifndef KX_CASE_RUN_H
#define KX_CASE_RUN_H

#include <jansson.h>

#include "runner/drivers/driver_pool.h"
#include "runner/cases/outcome.h"
#include "runner/wire/relay.h"
#include "runner/cases/suite.h"

/* The result object of a case before it runs: id, scenario, pairing, kind,
 * variant and expectation (new reference). */
json_t *kx_case_result_new(const struct kx_driver_pool *pool, const struct kx_case *c);

/* Runs the case and returns its result object (new reference): the members of
 * kx_case_result_new plus the result, whether the expectation was met, the
 * diagnosis, flights, what each end reported and the cross-checks. A key
 * identifier in claimed_reading (a reading name, or NULL for the reference
 * only) is accepted and reported as not the reference. When relay_out is not
 * NULL the relay (flights included) is left in it for the caller, who then
 * frees it with kx_relay_free. */
json_t *kx_case_run(struct kx_driver_pool *pool, const struct kx_case *c, const char *claimed_reading,
		    struct kx_relay *relay_out);

#endif
