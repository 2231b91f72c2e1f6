/* vector_checks.h - what each kind of vector file asks of a driver and how
 * the answers are judged (docs/vectors.md). A kind is chosen by the file's
 * "schema" member. */
#ifndef KX_VECTOR_CHECKS_H
#define KX_VECTOR_CHECKS_H

#include <jansson.h>
#include <stddef.h>

#include "core/json_write.h"
#include "runner/vectors/vector_file.h"

#define KX_MAX_REQUESTS_PER_TEST 2

struct kx_vector_kind;

/* The checker for a schema name, the Wycheproof v1 one (hkdf_test_schema_v1.json) or
 * the earlier one (hkdf_test_schema.json), or NULL if the harness does not know it. */
const struct kx_vector_kind *kx_vector_kind_for(const char *schema);

/* The driver operation the kind's requests ask for ("prf", "e2e", ...). */
const char *kx_vector_kind_op(const struct kx_vector_kind *kind);

/* The test's "variant" (the named mistake of an invalid test), or NULL. */
const char *kx_vector_test_variant(const struct kx_vector_test *test);

/* Checks what needs no backend (key identifier classification, NFKC of an
 * identifier): returns 1 if there was such a check and it passed, 0 if the kind
 * has none for this test, -1 with reason if it failed. */
int kx_vector_check_core(const struct kx_vector_kind *kind, const struct kx_vector_test *test, char *reason,
			 size_t len);

/* Builds the test's driver requests (new references) into requests[0..]; returns
 * how many (0 when the test has nothing for a driver), or -1 with reason when the
 * test's fields are malformed. */
int kx_vector_requests(const struct kx_vector_kind *kind, const struct kx_vector_test *test,
		       json_t *requests[KX_MAX_REQUESTS_PER_TEST], char *reason, size_t len);

/* The same requests as lines of the driver protocol, appended to out: members
 * in the same order, then "id" numbered from first_id; returns how many (0 to
 * KX_MAX_REQUESTS_PER_TEST), or -1 with reason (nothing appended then).
 * `kxconform vectors` sends these: writing the text directly is several
 * times cheaper than building the objects and serialising them. */
int kx_vector_write_requests(const struct kx_vector_kind *kind, const struct kx_vector_test *test,
			     long long first_id, struct kx_text *out, char *reason, size_t len);

/* Judges one driver's responses to those requests (n of them); 0 if the test passes, -1 with
 * reason. For an invalid test the reference answer must differ from the mistake it carries. */
int kx_vector_verify(const struct kx_vector_kind *kind, const struct kx_vector_test *test, json_t **responses,
		     int n, char *reason, size_t len);

#endif
