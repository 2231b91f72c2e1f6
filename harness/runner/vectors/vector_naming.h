/* vector_naming.h - the judge's models (judge_models.h) applied to vector
 * tests, so that `kxconform vectors` names a driver's mistake in the words
 * `kxconform run` uses: the mistake behind a wrong answer to a test, and, for
 * the harness's own check of its models (`--check-models`), behind an invalid
 * test's outputs. */
#ifndef KX_VECTOR_NAMING_H
#define KX_VECTOR_NAMING_H

#include <jansson.h>

#include "runner/judge/judge_models.h"
#include "runner/vectors/vector_file.h"

/* 1 if the operation's vectors can be named (exporter, e2e, enrolment, prf, hkdf), else 0. */
int kx_vector_op_is_named(const char *op);

/* Names the mistake that gives the driver's answer `response` to the test (or, when response is
 * NULL, the test's own outputs) with the reference driver of c; 1 named, 0 no model matches
 * (naming says what was checked), -1 when the test's inputs are unusable or the reference driver
 * failed (naming says why). */
int kx_vector_name_answer(struct kx_judge_crypto *c, const char *op, const struct kx_vector_test *test,
                          json_t *response, struct kx_naming *naming);

#endif
