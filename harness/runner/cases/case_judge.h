/* case_judge.h - the values both ends of a completed handshake produced,
 * judged by the one judge (judge.h): each end's export, split, key identifier
 * and, in the e2e scenario, Kpsa and the E2E keys, read from its session
 * report (protocol 2) and, for an end that is not a reference driver, also
 * from the derivation operations its hello lists, applied to its own session. */
#ifndef KX_CASE_JUDGE_H
#define KX_CASE_JUDGE_H

#include <jansson.h>
#include <stddef.h>

#include "runner/drivers/driver_pool.h"
#include "runner/cases/suite.h"

/* The `info` request for one end of case c (its export, and the key identifier's FQDN and the
 * E2E inputs when the scenario has them); new reference. */
json_t *kx_case_info_request(const struct kx_case *c, const char *session);

/* Judges both ends' values (ini, ter: their `info` answers) and fills the result's exported,
 * key_identifier, e2e and verdicts members. Appends a sentence per wrong value to diagnosis.
 * Returns 1 if every value agrees (or is in the declared reading), 0 if one does not, -1 when
 * there is no reference to judge by (diagnosis says why: an error, never the end's fault). */
int kx_case_judge(struct kx_driver_pool *pool, const struct kx_case *c, json_t *ini, json_t *ter,
                  const char *claimed_reading, json_t *result, char *diagnosis, size_t cap);

#endif
