/* maf_chain.h - the MAF-based security association of TR-0038 7.1.4 (steps
 * 1 and 6-8) and A.4 as one case: the MAF connection exports Kc and KcID; the
 * AE's Key Identifier RelativeKeyID@MAF-FQDN becomes its psk_identity and Kc
 * its psk in a TLS-PSK handshake with the IN-CSE, which finds Kc from the
 * identifier the MAF registered (spec README point 11). */
#ifndef KX_MAF_CHAIN_H
#define KX_MAF_CHAIN_H

#include <jansson.h>
#include <stdint.h>

#include "core/exporter_split.h"
#include "core/keyid.h"
#include "runner/drivers/driver_pool.h"
#include "runner/cases/outcome.h"
#include "runner/cases/suite.h"

/* What the first handshake gives the second. */
struct kx_maf_second {
	json_t *initiator_config, *terminator_config; /* the PSK handshake's (owned) */
	char identity_sent[KX_KEYID_MAX + 64];        /* the AE's psk_identity */
	char identity_registered[KX_KEYID_MAX + 64];  /* the identifier the MAF registered Kc under */
	uint8_t key_id[KX_KEY_ID_LEN];                /* the reference KcID */
	const char *fqdn;                             /* the MAF-FQDN */
};

/* Plays the MAF connection (c->first_*), judges what both ends derived from it into result
 * (first_handshake, exported, key_identifier, verdicts, reasons in o), and prepares the PSK
 * handshake in second: 0; or -1 with o's result and diagnosis set when there is nothing to
 * carry into it (the connection failed, an end reported no key). */
int kx_maf_first(struct kx_driver_pool *pool, const struct kx_case *c, const char *claimed_reading, json_t *result,
                 struct kx_outcome *o, struct kx_maf_second *second);

/* Says, in the judge's words, what the identity the AE sent is against the one the MAF registered
 * (after the IN-CSE refused it, or accepted it when it should not have). */
void kx_maf_name_identity(const struct kx_maf_second *second, struct kx_outcome *o);

/* Releases the second handshake's configurations. */
void kx_maf_second_free(struct kx_maf_second *second);

#endif
