/* derive_ops.c - the derivation operations a reference driver answers
 * (docs/driver-protocol.md, "Derivation operations"). Each handler reads its
 * parameters from the request, computes through the linked backend or the
 * backend-neutral derivations, and fills the response. A reference driver
 * computes the reference only: the mistakes are modelled by the judge. */
#include "driver/ops.h"
#include "driver/request.h"

#include "core/exporter_split.h"
#include "core/hex.h"
#include "core/json_io.h"
#include "core/keyid.h"
#include "core/nfkc.h"
#include "derive/e2e_kdf.h"
#include "derive/enrolment_kdf.h"
#include "derive/exporter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int op_hmac(const struct kx_backend *backend, struct kx_request *req)
{
	enum kx_hash hash;
	uint8_t *key = NULL, *data = NULL, out[KX_HASH_MAX_LEN];
	size_t key_len, data_len;
	int ret = -1;
	if (kx_req_hash(req, &hash) == 0 && kx_req_hex(req, "key", &key, &key_len) == 0 &&
	    kx_req_hex(req, "data", &data, &data_len) == 0 &&
	    backend->hmac(hash, key, key_len, data, data_len, out, req->err, sizeof req->err) == 0)
		ret = kx_req_set_hex(req, "out", out, kx_hash_len(hash));
	free(key);
	free(data);
	return ret;
}

static int op_prf(const struct kx_backend *backend, struct kx_request *req)
{
	enum kx_hash hash;
	uint8_t *secret = NULL, *seed = NULL, *out = NULL;
	size_t secret_len, seed_len, out_len;
	const char *label;
	int ret = -1;
	if (kx_req_hash(req, &hash) == 0 && kx_req_hex(req, "secret", &secret, &secret_len) == 0 &&
	    (label = kx_req_string(req, "label")) != NULL && kx_req_hex(req, "seed", &seed, &seed_len) == 0 &&
	    kx_req_length(req, &out_len) == 0 && (out = malloc(out_len)) != NULL &&
	    backend->tls12_prf(hash, secret, secret_len, label, seed, seed_len, out, out_len, req->err,
			       sizeof req->err) == 0)
		ret = kx_req_set_hex(req, "out", out, out_len);
	free(secret);
	free(seed);
	free(out);
	return ret;
}

static int op_hkdf(const struct kx_backend *backend, struct kx_request *req)
{
	enum kx_hash hash;
	uint8_t *ikm = NULL, *salt = NULL, *info = NULL, *okm = NULL, prk[KX_HASH_MAX_LEN];
	size_t ikm_len, salt_len, info_len, okm_len;
	int ret = -1;
	if (kx_req_hash(req, &hash) == 0 && kx_req_hex(req, "ikm", &ikm, &ikm_len) == 0 &&
	    kx_req_hex(req, "salt", &salt, &salt_len) == 0 && kx_req_hex(req, "info", &info, &info_len) == 0 &&
	    kx_req_length(req, &okm_len) == 0 && (okm = malloc(okm_len)) != NULL &&
	    backend->hkdf_extract(hash, salt, salt_len, ikm, ikm_len, prk, req->err, sizeof req->err) == 0 &&
	    backend->hkdf_expand(hash, prk, kx_hash_len(hash), info, info_len, okm, okm_len, req->err,
				 sizeof req->err) == 0 &&
	    kx_req_set_hex(req, "prk", prk, kx_hash_len(hash)) == 0)
		ret = kx_req_set_hex(req, "okm", okm, okm_len);
	free(ikm);
	free(salt);
	free(info);
	free(okm);
	return ret;
}

static int op_exporter(const struct kx_backend *backend, struct kx_request *req)
{
	enum kx_hash hash;
	uint8_t master[KX_MASTER_SECRET_LEN], client_random[KX_RANDOM_LEN], server_random[KX_RANDOM_LEN];
	size_t out_len;
	const char *label;
	if (kx_req_hash(req, &hash) != 0 || kx_req_fixed_hex(req, "master_secret", master, sizeof master) != 0 ||
	    kx_req_fixed_hex(req, "client_random", client_random, sizeof client_random) != 0 ||
	    kx_req_fixed_hex(req, "server_random", server_random, sizeof server_random) != 0 ||
	    (label = kx_req_string(req, "label")) == NULL || kx_req_length(req, &out_len) != 0)
		return -1;

	if (kx_req_reference_only(req) != 0)
		return -1;
	uint8_t *out = malloc(out_len);
	if (out == NULL)
		return kx_req_fail(req, "out of memory");
	int ret = kx_export(backend, hash, master, client_random, server_random, label, out, out_len, req->err,
			    sizeof req->err);
	if (ret == 0)
		ret = kx_req_set_hex(req, "out", out, out_len);
	if (ret == 0 && out_len == KX_EXPORT_LEN) {
		uint8_t id[KX_KEY_ID_LEN], key[KX_KEY_LEN];
		kx_split_exporter(out, id, key);
		ret = kx_req_set_hex(req, "key_id", id, sizeof id) == 0 ? kx_req_set_hex(req, "key", key, sizeof key) : -1;
	}
	free(out);
	return ret;
}

/* The salt of an e2e request: "salt" as hex, or "enrolee_b_id" as text that
 * becomes its UTF-8 NFKC form (spec point 5). */
static int get_e2e_salt(struct kx_request *req, uint8_t **salt, size_t *salt_len)
{
	const char *id = kx_req_optional_string(req, "enrolee_b_id");
	if (id == NULL)
		return kx_req_hex(req, "salt", salt, salt_len);
	if (kx_nfkc(id, strlen(id), salt, salt_len) != 0)
		return kx_req_fail(req, "\"enrolee_b_id\" is not well-formed UTF-8");
	return 0;
}

static int op_e2e(const struct kx_backend *backend, struct kx_request *req)
{
	enum kx_hash hash;
	uint8_t *kpsa = NULL, *salt = NULL;
	size_t kpsa_len, salt_len;
	struct kx_e2e_keys keys;
	int ret = -1;
	if (kx_req_reference_only(req) != 0)
		return -1;
	if (kx_req_hash(req, &hash) == 0 && kx_req_hex(req, "kpsa", &kpsa, &kpsa_len) == 0 &&
	    get_e2e_salt(req, &salt, &salt_len) == 0 &&
	    kx_e2e_derive(backend, hash, kpsa, kpsa_len, salt, salt_len, &keys, req->err, sizeof req->err) == 0 &&
	    kx_req_set_hex(req, "master", keys.master, keys.len) == 0) {
		const uint8_t *t[KX_E2E_KEYS];
		for (int i = 0; i < KX_E2E_KEYS; i++)
			t[i] = keys.t[i];
		ret = kx_req_set_hex_list(req, "t", t, KX_E2E_KEYS, keys.len);
	}
	free(kpsa);
	free(salt);
	return ret;
}

static int op_enrolment(const struct kx_backend *backend, struct kx_request *req)
{
	enum kx_enrolment_target target;
	const char *target_name = kx_req_string(req, "derivation");
	const char *identifier;
	if (target_name == NULL || (identifier = kx_req_string(req, "identifier")) == NULL)
		return -1;
	if (kx_enrolment_target_from_name(target_name, &target) != 0)
		return kx_req_fail(req, "unknown derivation \"%s\" (Km or Kpsa)", target_name);
	if (kx_req_reference_only(req) != 0)
		return -1;

	uint8_t *ke = NULL, *normalized = NULL, out[KX_ENROLMENT_KEY_LEN];
	size_t ke_len, normalized_len;
	int ret = -1;
	if (kx_req_hex(req, "ke", &ke, &ke_len) == 0 &&
	    kx_enrolment_derive(backend, target, ke, ke_len, identifier, strlen(identifier), out, req->err,
				sizeof req->err) == 0 &&
	    kx_nfkc(identifier, strlen(identifier), &normalized, &normalized_len) == 0 &&
	    kx_req_set_hex(req, "normalized_identifier", normalized, normalized_len) == 0)
		ret = kx_req_set_hex(req, "out", out, sizeof out);
	free(ke);
	free(normalized);
	return ret;
}

static int op_keyid(const struct kx_backend *backend, struct kx_request *req)
{
	(void)backend;
	uint8_t id[KX_KEY_ID_LEN];
	enum kx_keyid_reading reading;
	const char *fqdn, *reading_name = kx_req_optional_string(req, "reading");
	if (reading_name == NULL)
		reading_name = "reference";
	if (kx_keyid_reading_from_name(reading_name, &reading) != 0)
		return kx_req_fail(req, "unknown key identifier reading \"%s\"", reading_name);
	if (kx_req_fixed_hex(req, "key_id", id, sizeof id) != 0 || (fqdn = kx_req_string(req, "fqdn")) == NULL)
		return -1;
	char keyid[KX_KEYID_MAX];
	if (kx_keyid_build(id, fqdn, reading, keyid, sizeof keyid) < 0)
		return kx_req_fail(req, "cannot build a key identifier: \"%s\" is not a valid FQDN", fqdn);
	return kx_req_set_string(req, "keyid", keyid);
}

const struct kx_operation kx_derive_operations[] = {
	{"hmac", op_hmac},           {"prf", op_prf},   {"hkdf", op_hkdf},         {"exporter", op_exporter},
	{"e2e", op_e2e},             {"enrolment", op_enrolment}, {"keyid", op_keyid},
};
const size_t kx_n_derive_operations = sizeof kx_derive_operations / sizeof kx_derive_operations[0];
