/* enrolment_kdf.c - Km and Kpsa from the enrolment key (TS-0003 enrolment
 * derivations, spec README last section): HMAC-SHA-256 keyed with Ke over a
 * fixed label followed by the UTF-8, NFKC-normalised identifier, with no
 * separator or terminator. */
#include "enrolment_kdf.h"

#include "core/errors.h"
#include "core/nfkc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kx_enrolment_labels[2] = {
    [KX_ENROLMENT_KM] = "oneM2M Enrolment Key to Master Credential derivation",
    [KX_ENROLMENT_KPSA] = "oneM2M Enrolment Key to Provisioned Secure Connection Key derivation",
};

int kx_enrolment_target_from_name(const char *name, enum kx_enrolment_target *target)
{
	if (strcmp(name, "Km") == 0)
		*target = KX_ENROLMENT_KM;
	else if (strcmp(name, "Kpsa") == 0)
		*target = KX_ENROLMENT_KPSA;
	else
		return -1;
	return 0;
}

int kx_enrolment_derive(const struct kx_backend *backend, enum kx_enrolment_target target, const uint8_t *ke,
			size_t ke_len, const char *identifier, size_t identifier_len, uint8_t out[KX_ENROLMENT_KEY_LEN],
			char *err, size_t errlen)
{
	const char *label = kx_enrolment_labels[target];
	size_t label_len = strlen(label);
	uint8_t *normalized = NULL;
	size_t normalized_len = 0;
	if (kx_nfkc(identifier, identifier_len, &normalized, &normalized_len) != 0)
		return kx_errorf(err, errlen, "identifier is not well-formed UTF-8");
	const uint8_t *id = normalized;
	size_t id_len = normalized_len;

	uint8_t *msg = malloc(label_len + id_len + 1);
	int ret = -1;
	if (msg == NULL) {
		ret = kx_errorf(err, errlen, "out of memory");
	} else {
		memcpy(msg, label, label_len);
		memcpy(msg + label_len, id, id_len);
		ret = backend->hmac(KX_SHA256, ke, ke_len, msg, label_len + id_len, out, err, errlen);
	}
	free(msg);
	free(normalized);
	return ret;
}
