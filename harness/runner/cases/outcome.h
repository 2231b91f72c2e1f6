/* outcome.h - the result of a case (in every mode) and its diagnosis, built
 * reason by reason: the first reason leads, later ones follow after "; ", and
 * an error (nothing could be judged) outranks a failure. */
#ifndef KX_OUTCOME_H
#define KX_OUTCOME_H

/* Results a case can have (report.json "result"). */
#define KX_RESULT_PASS "pass"
#define KX_RESULT_FAIL "fail"
#define KX_RESULT_ERROR "error"
#define KX_RESULT_NOT_IMPLEMENTED "not-implemented"
#define KX_RESULT_SKIP "skip"

struct kx_outcome {
	const char *result; /* one of KX_RESULT_* */
	char diagnosis[4096];
};

/* Adds a reason and makes the result `result` (KX_RESULT_FAIL or KX_RESULT_ERROR) unless it is
 * already an error. */
void kx_outcome_add(struct kx_outcome *o, const char *result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* kx_outcome_add with KX_RESULT_FAIL. */
void kx_outcome_fail(struct kx_outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
