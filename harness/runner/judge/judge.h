/* judge.h - the one judge of every mode (run, live, http, verify; vectors use
 * its models). Given a session's secrets, it has the two reference libraries
 * compute the reference values (they must agree), then judges every value an
 * end under test produced against them: agree, accepted (the vendor's declared
 * key identifier reading), disagree or malformed, with the name of the mistake
 * that reproduces a wrong value (docs/mistakes.md) and one sentence a vendor
 * can act on. Verdicts are typed; they become JSON only for the reports. */
#ifndef KX_JUDGE_H
#define KX_JUDGE_H

#include <jansson.h>
#include <stddef.h>

#include "runner/judge/claims.h"
#include "runner/drivers/driver_pool.h"
#include "runner/judge/judge_models.h"

enum kx_verdict_kind { KX_VERDICT_AGREE, KX_VERDICT_ACCEPTED, KX_VERDICT_DISAGREE, KX_VERDICT_MALFORMED };

struct kx_verdict {
	enum kx_claim_id claim;
	enum kx_verdict_kind kind;
	char end[96];     /* who produced the value: "the terminator (mystack)", "the vendor" */
	char source[48];  /* where it was read: "session", "exporter op", "--claim", ... */
	char *claimed;    /* as produced (malloc'd) */
	char *expected;   /* the reference (malloc'd), NULL when there is none */
	char hash[8];     /* E2E claims: the HMAC hash judged against */
	char reading[24]; /* key identifiers: the reading it was read in */
	struct kx_naming naming;
};

struct kx_verdicts {
	struct kx_verdict *v;
	size_t n, cap;
	size_t agreed, disagreed;
};

/* What the reference is computed from. Hex members are lower or upper case. */
struct kx_judge_session {
	const char *prf_hash;                      /* "SHA-256" or "SHA-384" */
	const char *master_secret;                 /* 48 bytes, hex */
	const char *client_random, *server_random; /* 32 bytes each, hex */
	const char *label;                         /* the exporter label */
	const char *fqdn;                          /* of the key identifier; NULL when not judged */
	const char *enrolee_b_id;  /* the Kpsa identifier and E2E salt; NULL when not judged */
	const char *keyid_reading; /* a reading the vendor declares, or NULL */
};

struct kx_judge {
	struct kx_driver_pool *pool;
	size_t refs[2];
	size_t n_refs;
	struct kx_judge_session session;
	struct kx_judge_crypto crypto;
	struct kx_export_inputs export_in; /* reference export included */
	struct kx_export_models export_models;
	int have_kpsa;
	uint8_t ref_kpsa[32];
	int have_e2e[2]; /* [SHA-256, SHA-512] */
	struct kx_e2e_keys_value ref_e2e[2];
	json_t *reference; /* the reference values, for the reports */
	/* The end's own Ke (key) and Kpsa when the claims judged do not carry them: each link of the
	 * chain is also judged from the end's own input. Set by the caller; may be NULL. */
	const struct kx_claims *chain;
};

/* Has the reference drivers refs[0..n_refs) compute the reference export of the session (they
 * must agree); 0, or -1 with err (a driver failed, they disagree, the secrets are malformed). */
int kx_judge_open(struct kx_judge *j, struct kx_driver_pool *pool, const size_t *refs, size_t n_refs,
                  const struct kx_judge_session *session, char *err, size_t errlen);

/* Judges every claim of c as produced by `end` (text for the sentences), appending one verdict per
 * claim to out; e2e_hash names the hash of the E2E claims (NULL: read from their length). 0, or -1
 * with err when a reference cannot be had. */
int kx_judge_claims(struct kx_judge *j, const struct kx_claims *c, const char *end, const char *e2e_hash,
                    struct kx_verdicts *out, char *err, size_t errlen);

/* The reference export (48 bytes). */
const uint8_t *kx_judge_reference_export(const struct kx_judge *j);

/* Releases what the judge holds. */
void kx_judge_close(struct kx_judge *j);

/* The session a vendor's claims are about (live, http, verify), and how to judge them. */
struct kx_claims_context {
	const char *end; /* who made the claims, for the sentences: "the vendor" */
	struct kx_driver_pool *pool;
	size_t recomputers[2]; /* reference drivers that recompute the reference; they must agree */
	size_t n_recomputers;
	const char *prf_hash;                      /* "SHA-256" or "SHA-384": the suite's PRF hash */
	const char *master_secret;                 /* hex, 48 bytes */
	const char *client_random, *server_random; /* hex, 32 bytes each */
	const char *label;                         /* the exporter label */
	const char *fqdn;                          /* for the key identifier; NULL when unknown */
	const char *enrolee_b_id;                  /* the E2E salt (spec point 5); NULL when unknown */
	const char *keyid_reading;                 /* a non-reference reading the vendor declares, or NULL */
	const char *own_export;                    /* live: the harness end's export (hex); NULL offline */
	const char *own_name;                      /* who exported own_export, for messages */
};

/* Recomputes the reference and checks every claim. Returns {"reference": {...}, "claims": [one
 * object per claim: name, source, claimed, expected, verdict (agree, accepted, disagree,
 * malformed), mistake, explanation, end], "agreed": n, "disagreed": n} (new reference) and sets
 * *disagreed; NULL with err when the reference itself cannot be had (a driver failed, the
 * recomputations disagree, the harness's export differs from them). */
json_t *kx_claims_check(const struct kx_claims_context *ctx, const struct kx_claims *c, size_t *disagreed,
                        char *err, size_t errlen);

/* The reference drivers that computed a kx_claims_check reference, as "openssl, wolfssl". */
void kx_judge_recomputed_by(json_t *reference, char *out, size_t len);

/* A verdict as a report object: name, source, end, claimed, expected, verdict, mistake, explanation
 * (new reference). */
json_t *kx_verdict_json(const struct kx_verdict *v);

/* Every verdict as an array of report objects (new reference). */
json_t *kx_verdicts_json(const struct kx_verdicts *list);

/* Appends the sentence of each disagreeing or malformed verdict to the diagnosis in buf ("; "
 * between reasons): "END CLAIM disagrees: MISTAKE: EXPLANATION". */
void kx_verdicts_diagnose(const struct kx_verdicts *list, char *buf, size_t cap);

/* Appends the same sentences for the report objects of kx_verdicts_json (modes that keep JSON). */
void kx_verdicts_json_diagnose(json_t *verdicts, char *buf, size_t cap);

/* Frees the verdicts. */
void kx_verdicts_free(struct kx_verdicts *list);

/* The word for a verdict kind: agree, accepted, disagree, malformed. */
const char *kx_verdict_kind_name(enum kx_verdict_kind kind);

#endif
