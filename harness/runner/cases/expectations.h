/* expectations.h - a vendor's expectations file (--expect FILE), in the
 * spirit of BoringSSL's runner config: cases disabled with a reason, cases
 * expected to fail with a reason, and the key identifier reading the
 * vendor's deployment claims (spec point 1). See docs/reports.md. */
#ifndef KX_EXPECTATIONS_H
#define KX_EXPECTATIONS_H

#include <jansson.h>

struct kx_expectations {
	json_t *root;            /* the file, or NULL when none was given */
	const char *claimed_reading; /* a key identifier reading name, or NULL */
};

/* Loads and checks path (NULL: no expectations); 0, or -1 with err naming the file and the entry at fault. */
int kx_expectations_load(const char *path, struct kx_expectations *e, char *err, size_t errlen);

/* The reason a case id is disabled (first matching glob of "disabled"), or NULL. */
const char *kx_expectations_disabled(const struct kx_expectations *e, const char *id);

/* The reason a case id is expected to fail (first matching glob of "expected_failures"), or NULL. */
const char *kx_expectations_failure(const struct kx_expectations *e, const char *id);

/* Calls unmatched(ctx, member, glob) for each glob of "disabled" and "expected_failures" that
 * matches none of the n case ids, in the file's order. */
void kx_expectations_unmatched(const struct kx_expectations *e, const char *const *ids, size_t n,
                               void (*unmatched)(void *ctx, const char *member, const char *glob), void *ctx);

/* Releases the file. */
void kx_expectations_free(struct kx_expectations *e);

#endif
