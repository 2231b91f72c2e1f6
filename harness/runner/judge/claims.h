/* claims.h - what a vendor's implementation says it derived from a session,
 * and the check of it. Shared by `kxconform live` and `kxconform verify`.
 *
 * A claim is one named value: the 48 exported bytes (`export`), their split
 * (`key_id`, 16 bytes; `key`, 32 bytes), the key identifier text
 * RelativeKeyID@FQDN (`keyid`), or an end-to-end key of TS-0003 10.3.6
 * (`ke2e_master`, `t1`..`t4`; 32 bytes for HMAC-SHA-256, 64 for
 * HMAC-SHA-512). Claims come from the command line (--claim NAME=VALUE), a
 * JSON file of the same names (--claims FILE), or the vendor program's output
 * through a POSIX extended regular expression whose first group is the value
 * (--claim-pattern NAME=REGEX).
 *
 * Checking recomputes the reference from the session's secrets on the
 * reference drivers (which must agree with each other and with what the
 * harness's own end exported, when there is one), compares every claim, and
 * names the known mistake that produces a wrong claim: the split swapped, the
 * randoms swapped, another oneM2M label, a key identifier in another reading
 * of spec point 1, an E2E derivation variant of spec points 2 and 3. */
#ifndef KX_CLAIMS_H
#define KX_CLAIMS_H

#include <jansson.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>

#include "runner/drivers/driver_pool.h"

enum kx_claim_id {
	KX_CLAIM_EXPORT,
	KX_CLAIM_KEY_ID,
	KX_CLAIM_KEY,
	KX_CLAIM_KEYID,
	KX_CLAIM_T1,
	KX_CLAIM_T2,
	KX_CLAIM_T3,
	KX_CLAIM_T4,
	KX_CLAIM_KE2E_MASTER,
	KX_CLAIM_KPSA,
	KX_CLAIM_COUNT
};

#define KX_MAX_CLAIM_PATTERNS 16

struct kx_claim_pattern {
	enum kx_claim_id id;
	regex_t re;
	char text[512]; /* the pattern as given, for messages */
	int matched;
};

struct kx_claims {
	char *values[KX_CLAIM_COUNT];     /* normalised (hex without separators), NULL when not claimed */
	char sources[KX_CLAIM_COUNT][48]; /* "--claim", "claims file", "vendor output" */
	struct kx_claim_pattern patterns[KX_MAX_CLAIM_PATTERNS];
	size_t n_patterns;
};

/* The name of a claim ("export", "key_id", "t1", ...). */
const char *kx_claim_name(enum kx_claim_id id);

/* Sets claim id from len bytes of text (hex claims lose spaces, tabs, newlines and ':'); a claim
 * given twice is an error. 0, or -1 with err. */
int kx_claims_set(struct kx_claims *c, enum kx_claim_id id, const char *value, size_t len, const char *source,
                  char *err, size_t errlen);

/* Sets a claim from "NAME=VALUE" (--claim); 0, or -1 with err naming what is wrong. */
int kx_claims_parse_arg(struct kx_claims *c, const char *arg, char *err, size_t errlen);

/* Sets the claims of a JSON object {"NAME": "VALUE", ...} in the file at path; 0, or -1 with err. */
int kx_claims_load_file(struct kx_claims *c, const char *path, char *err, size_t errlen);

/* Adds a pattern from "NAME=REGEX" (--claim-pattern); 0, or -1 with err (bad name, bad regex, no group). */
int kx_claims_add_pattern(struct kx_claims *c, const char *arg, char *err, size_t errlen);

/* The claims of a command line, in this order: the claims file (NULL: none), each --claim
 * NAME=VALUE of args, each --claim-pattern NAME=REGEX of patterns; 0, or -1 with err naming the
 * first that is wrong. */
int kx_claims_from_options(struct kx_claims *c, const char *file, const char *const *args, size_t n_args,
                           const char *const *patterns, size_t n_patterns, char *err, size_t errlen);

/* Applies every pattern that has not matched yet to text (the first match counts); returns how
 * many patterns are still unmatched. A value a pattern captures is set as a claim. */
size_t kx_claims_match(struct kx_claims *c, const char *text);

/* Checks the form of one claim (hex, length) into why; 0 when well-formed, -1 when not. */
int kx_claim_form(const struct kx_claims *c, enum kx_claim_id id, char *why, size_t whylen);

/* Checks the form of every claim; 0, or -1 with err naming the first malformed claim. */
int kx_claims_validate(const struct kx_claims *c, char *err, size_t errlen);

/* 1 if any claim or pattern concerns the E2E keys (t1..t4, ke2e_master), else 0. */
int kx_claims_need_e2e(const struct kx_claims *c);

/* 1 if the key identifier text is claimed or has a pattern, else 0. */
int kx_claims_need_fqdn(const struct kx_claims *c);

/* Frees the values and patterns. */
void kx_claims_free(struct kx_claims *c);

/* Prints one line per checked claim of a kx_claims_check result, indented. */
void kx_claims_print(FILE *out, json_t *checked);

#endif
