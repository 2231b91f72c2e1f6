/* exporter.h - the RFC 5705 exporter (no context) that TS-0003 10.3.1 uses,
 * computed from a session's master secret and randoms through a backend's
 * TLS 1.2 PRF. The mistakes a vendor may make are modelled by the judge
 * (harness/runner/judge/judge_models.c), not here: a driver computes the reference. */
#ifndef KX_EXPORTER_H
#define KX_EXPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define KX_MASTER_SECRET_LEN 48
#define KX_RANDOM_LEN 32

/* The three TS-0003 10.3.1 exporter labels. */
#define KX_LABEL_BOOTSTRAP "EXPORTER-oneM2M-Bootstrap"
#define KX_LABEL_CONNECTION "EXPORTER-oneM2M-Connection"
#define KX_LABEL_ESCERTKE "EXPORTER-oneM2M-ESCertKE"

/* out (out_len bytes) = PRF(master_secret, label, client_random || server_random); 0 or -1 with err. */
int kx_export(const struct kx_backend *backend, enum kx_hash hash, const uint8_t master_secret[KX_MASTER_SECRET_LEN],
	      const uint8_t client_random[KX_RANDOM_LEN], const uint8_t server_random[KX_RANDOM_LEN],
	      const char *label, uint8_t *out, size_t out_len, char *err, size_t errlen);

#endif
