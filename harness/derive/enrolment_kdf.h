/* enrolment_kdf.h - the TS-0003 enrolment derivations Km and Kpsa from the
 * enrolment key Ke and an NFKC-normalised UTF-8 identifier. */
#ifndef KX_ENROLMENT_KDF_H
#define KX_ENROLMENT_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define KX_ENROLMENT_KEY_LEN 32

enum kx_enrolment_target {
	KX_ENROLMENT_KM,   /* "oneM2M Enrolment Key to Master Credential derivation" || MAF-ID */
	KX_ENROLMENT_KPSA, /* "oneM2M Enrolment Key to Provisioned Secure Connection Key derivation" || Enrolee-B-ID */
};

/* The label of each derivation, indexed by enum kx_enrolment_target. */
extern const char *const kx_enrolment_labels[2];

/* Returns 0 and sets *target for "Km" or "Kpsa", else -1. */
int kx_enrolment_target_from_name(const char *name, enum kx_enrolment_target *target);

/* out (32 bytes) = HMAC-SHA-256(Ke, label || identifier), the identifier
 * NFKC-normalised; returns 0, or -1 with err (also for malformed UTF-8). */
int kx_enrolment_derive(const struct kx_backend *backend, enum kx_enrolment_target target, const uint8_t *ke,
			size_t ke_len, const char *identifier, size_t identifier_len, uint8_t out[KX_ENROLMENT_KEY_LEN],
			char *err, size_t errlen);

#endif
