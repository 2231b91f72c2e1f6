/* judge_models.h - the mistakes of docs/mistakes.md as small functions: each
 * computes, from the inputs of a derivation, the value a known wrong reading
 * would give, and each family's naming function says which one (alone or two
 * together) reproduces a value an implementation produced. The names are the
 * `variant`s of the invalid vectors. */
#ifndef KX_JUDGE_MODELS_H
#define KX_JUDGE_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "core/exporter_split.h"
#include "runner/judge/judge_crypto.h"
#include "runner/judge/naming.h"

/* ---- exported keying material (TS-0003 10.3.1) ---- */

enum kx_export_part { KX_PART_EXPORT, KX_PART_KEY_ID, KX_PART_KEY };

struct kx_export_inputs {
	const char *hash; /* the suite's PRF hash */
	uint8_t master_secret[48], client_random[32], server_random[32];
	const char *label;
	uint8_t reference[KX_EXPORT_LEN]; /* the reference export, from the reference libraries */
};

/* The mistaken exports, computed on first use and kept for the next claim. */
struct kx_export_models {
	int computed;
	size_t n;
	struct {
		char name[96];
		char explanation[400];
		uint8_t out[KX_EXPORT_LEN];
	} m[24];
};

/* Names the mistake whose `part` of the export is bytes[0..len); 1 when named, 0 when no model
 * matches (naming explains what was checked), -1 when the reference driver failed. */
int kx_name_export_part(struct kx_judge_crypto *c, const struct kx_export_inputs *in,
                        struct kx_export_models *models, enum kx_export_part part, const uint8_t *bytes,
                        size_t len, struct kx_naming *naming);

/* ---- end-to-end keys (TS-0003 10.3.6) ---- */

struct kx_e2e_keys_value {
	size_t len;
	uint8_t master[KX_JUDGE_HASH_MAX];
	uint8_t t[4][KX_JUDGE_HASH_MAX];
};

struct kx_e2e_inputs {
	const char *hash; /* "SHA-256" or "SHA-512" */
	const uint8_t *kpsa;
	size_t kpsa_len;
	const uint8_t *salt; /* the right salt (NFKC of the Enrolee-B-ID when there is one) */
	size_t salt_len;
	const char *enrolee_b_id; /* the identifier as given, or NULL when the salt came as bytes */
};

/* Ke2e_master and T(1)..T(4) as clause 10.3.6.1 writes them, computed on the reference driver's
 * HMAC; 0 or -1. */
int kx_model_e2e_reference(struct kx_judge_crypto *c, const struct kx_e2e_inputs *in,
                           struct kx_e2e_keys_value *out);

/* Names the mistake that gives bytes[0..len) as key `which` (0 Ke2e_master, 1..4 T(1)..T(4)),
 * given the reference keys of the same inputs; 1, 0 or -1 as kx_name_export_part. */
int kx_name_e2e(struct kx_judge_crypto *c, const struct kx_e2e_inputs *in,
                const struct kx_e2e_keys_value *reference, int which, const uint8_t *bytes, size_t len,
                struct kx_naming *naming);

/* ---- enrolment derivations Km and Kpsa ---- */

struct kx_enrolment_inputs {
	int kpsa; /* 1: Kpsa, 0: Km */
	const uint8_t *ke;
	size_t ke_len;
	const char *identifier;
};

/* Names the mistake that gives the 32 bytes as Km or Kpsa; 1, 0 or -1 as above. */
int kx_name_enrolment(struct kx_judge_crypto *c, const struct kx_enrolment_inputs *in, const uint8_t *bytes,
                      size_t len, struct kx_naming *naming);

/* ---- the TLS 1.2 PRF and HKDF vectors ---- */

/* Names a wrong PRF output (wrong-prf-hash); 1, 0 or -1. */
int kx_name_prf(struct kx_judge_crypto *c, const char *hash, const uint8_t *secret, size_t secret_len,
                const char *label, const uint8_t *seed, size_t seed_len, const uint8_t *bytes, size_t len,
                struct kx_naming *naming);

/* Names a wrong HKDF PRK or OKM (extract-swapped); is_prk says which was given; 1, 0 or -1. */
int kx_name_hkdf(struct kx_judge_crypto *c, const char *hash, const uint8_t *ikm, size_t ikm_len,
                 const uint8_t *salt, size_t salt_len, const uint8_t *info, size_t info_len, int is_prk,
                 const uint8_t *bytes, size_t len, struct kx_naming *naming);

#endif
