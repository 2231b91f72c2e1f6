/* ops.c - the derivation operations a reference driver answers
 * (docs/driver-protocol.md, "Derivation operations"). Each handler reads its
 * parameters from the request, computes through the linked backend or the
 * backend-neutral derivations, and fills the response. Variants model the
 * mistakes the harness names; a vendor's driver need only answer "reference". */
#include "driver/ops.h"

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

/* Largest output a request may ask for: far above any TLS or oneM2M use, low
 * enough that a hostile length cannot exhaust memory. */
#define MAX_OUTPUT_LEN 65536

struct request {
	json_t *json;
	json_t *response;
	char err[512];
};

static int failf(struct request *req, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(req->err, sizeof req->err, fmt, args);
	va_end(args);
	return -1;
}

/* Reads a hex member into *out (malloc'd); an absent member fails unless optional. */
static int get_hex(struct request *req, const char *key, uint8_t **out, size_t *len)
{
	return kx_json_get_hex(req->json, key, out, len, req->err, sizeof req->err);
}

static const char *get_string(struct request *req, const char *key)
{
	const char *value = kx_json_get_string(req->json, key);
	if (value == NULL)
		failf(req, "missing or non-string \"%s\"", key);
	return value;
}

static int get_hash(struct request *req, enum kx_hash *hash)
{
	const char *name = get_string(req, "hash");
	if (name == NULL)
		return -1;
	if (kx_hash_from_name(name, hash) != 0)
		return failf(req, "unknown hash \"%s\"", name);
	return 0;
}

static int get_length(struct request *req, size_t *len)
{
	json_t *value = json_object_get(req->json, "length");
	if (!json_is_integer(value) || json_integer_value(value) < 1 || json_integer_value(value) > MAX_OUTPUT_LEN)
		return failf(req, "\"length\" must be an integer from 1 to %d", MAX_OUTPUT_LEN);
	*len = (size_t)json_integer_value(value);
	return 0;
}

/* The optional "variant" member; "reference" when absent. */
static const char *get_variant(struct request *req)
{
	json_t *value = json_object_get(req->json, "variant");
	return json_is_string(value) ? json_string_value(value) : "reference";
}

static int set_hex(struct request *req, const char *key, const uint8_t *buf, size_t len)
{
	if (kx_json_set_hex(req->response, key, buf, len) != 0)
		return failf(req, "out of memory");
	return 0;
}

static int op_hmac(const struct kx_backend *backend, struct request *req)
{
	enum kx_hash hash;
	uint8_t *key = NULL, *data = NULL, out[KX_HASH_MAX_LEN];
	size_t key_len, data_len;
	int ret = -1;
	if (get_hash(req, &hash) == 0 && get_hex(req, "key", &key, &key_len) == 0 &&
	    get_hex(req, "data", &data, &data_len) == 0 &&
	    backend->hmac(hash, key, key_len, data, data_len, out, req->err, sizeof req->err) == 0)
		ret = set_hex(req, "out", out, kx_hash_len(hash));
	free(key);
	free(data);
	return ret;
}

static int op_prf(const struct kx_backend *backend, struct request *req)
{
	enum kx_hash hash;
	uint8_t *secret = NULL, *seed = NULL, *out = NULL;
	size_t secret_len, seed_len, out_len;
	const char *label;
	int ret = -1;
	if (get_hash(req, &hash) == 0 && get_hex(req, "secret", &secret, &secret_len) == 0 &&
	    (label = get_string(req, "label")) != NULL && get_hex(req, "seed", &seed, &seed_len) == 0 &&
	    get_length(req, &out_len) == 0 && (out = malloc(out_len)) != NULL &&
	    backend->tls12_prf(hash, secret, secret_len, label, seed, seed_len, out, out_len, req->err,
			       sizeof req->err) == 0)
		ret = set_hex(req, "out", out, out_len);
	free(secret);
	free(seed);
	free(out);
	return ret;
}

static int op_hkdf(const struct kx_backend *backend, struct request *req)
{
	enum kx_hash hash;
	uint8_t *ikm = NULL, *salt = NULL, *info = NULL, *okm = NULL, prk[KX_HASH_MAX_LEN];
	size_t ikm_len, salt_len, info_len, okm_len;
	int ret = -1;
	if (get_hash(req, &hash) == 0 && get_hex(req, "ikm", &ikm, &ikm_len) == 0 &&
	    get_hex(req, "salt", &salt, &salt_len) == 0 && get_hex(req, "info", &info, &info_len) == 0 &&
	    get_length(req, &okm_len) == 0 && (okm = malloc(okm_len)) != NULL &&
	    backend->hkdf_extract(hash, salt, salt_len, ikm, ikm_len, prk, req->err, sizeof req->err) == 0 &&
	    backend->hkdf_expand(hash, prk, kx_hash_len(hash), info, info_len, okm, okm_len, req->err,
				 sizeof req->err) == 0 &&
	    set_hex(req, "prk", prk, kx_hash_len(hash)) == 0)
		ret = set_hex(req, "okm", okm, okm_len);
	free(ikm);
	free(salt);
	free(info);
	free(okm);
	return ret;
}

/* Reads a hex member that must be exactly `want` bytes long into buf. */
static int get_fixed_hex(struct request *req, const char *key, uint8_t *buf, size_t want)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	if (get_hex(req, key, &bytes, &len) != 0)
		return -1;
	int ret = len == want ? 0 : failf(req, "\"%s\" must be %zu bytes, not %zu", key, want, len);
	if (ret == 0)
		memcpy(buf, bytes, want);
	free(bytes);
	return ret;
}

static int op_exporter(const struct kx_backend *backend, struct request *req)
{
	enum kx_hash hash;
	uint8_t master[KX_MASTER_SECRET_LEN], client_random[KX_RANDOM_LEN], server_random[KX_RANDOM_LEN];
	size_t out_len;
	const char *label;
	if (get_hash(req, &hash) != 0 || get_fixed_hex(req, "master_secret", master, sizeof master) != 0 ||
	    get_fixed_hex(req, "client_random", client_random, sizeof client_random) != 0 ||
	    get_fixed_hex(req, "server_random", server_random, sizeof server_random) != 0 ||
	    (label = get_string(req, "label")) == NULL || get_length(req, &out_len) != 0)
		return -1;

	/* "split-swapped" is a mistake in the split only; the PRF is the reference one. */
	const char *variant_name = get_variant(req);
	int split_swapped = strcmp(variant_name, "split-swapped") == 0;
	enum kx_exporter_variant variant = KX_EXPORTER_REFERENCE;
	if (!split_swapped && kx_exporter_variant_from_name(variant_name, &variant) != 0)
		return failf(req, "unknown exporter variant \"%s\"", variant_name);

	uint8_t *out = malloc(out_len);
	if (out == NULL)
		return failf(req, "out of memory");
	int ret = kx_export(backend, hash, master, client_random, server_random, label, variant, out, out_len,
			    req->err, sizeof req->err);
	if (ret == 0)
		ret = set_hex(req, "out", out, out_len);
	if (ret == 0 && out_len == KX_EXPORT_LEN) {
		uint8_t id[KX_KEY_ID_LEN], key[KX_KEY_LEN];
		if (split_swapped)
			kx_split_exporter_swapped(out, id, key);
		else
			kx_split_exporter(out, id, key);
		ret = set_hex(req, "key_id", id, sizeof id) == 0 ? set_hex(req, "key", key, sizeof key) : -1;
	}
	free(out);
	return ret;
}

/* The salt of an e2e request: "salt" as hex, or "enrolee_b_id" as text that
 * becomes its UTF-8 NFKC form (spec point 5). */
static int get_e2e_salt(struct request *req, uint8_t **salt, size_t *salt_len)
{
	const char *id = kx_json_get_string(req->json, "enrolee_b_id");
	if (id == NULL)
		return get_hex(req, "salt", salt, salt_len);
	if (kx_nfkc(id, strlen(id), salt, salt_len) != 0)
		return failf(req, "\"enrolee_b_id\" is not well-formed UTF-8");
	return 0;
}

static int op_e2e(const struct kx_backend *backend, struct request *req)
{
	enum kx_hash hash;
	enum kx_e2e_variant variant;
	uint8_t *kpsa = NULL, *salt = NULL;
	size_t kpsa_len, salt_len;
	struct kx_e2e_keys keys;
	int ret = -1;
	const char *variant_name = get_variant(req);
	if (kx_e2e_variant_from_name(variant_name, &variant) != 0)
		return failf(req, "unknown e2e variant \"%s\"", variant_name);
	if (get_hash(req, &hash) == 0 && get_hex(req, "kpsa", &kpsa, &kpsa_len) == 0 &&
	    get_e2e_salt(req, &salt, &salt_len) == 0 &&
	    kx_e2e_derive(backend, hash, kpsa, kpsa_len, salt, salt_len, variant, &keys, req->err,
			  sizeof req->err) == 0 &&
	    set_hex(req, "master", keys.master, keys.len) == 0) {
		json_t *t = json_array();
		for (int i = 0; t != NULL && i < KX_E2E_KEYS; i++) {
			char hex[2 * KX_HASH_MAX_LEN + 1];
			kx_hex_encode(keys.t[i], keys.len, hex, 0);
			json_array_append_new(t, json_string(hex));
		}
		ret = t != NULL && json_object_set_new(req->response, "t", t) == 0 ? 0 : failf(req, "out of memory");
	}
	free(kpsa);
	free(salt);
	return ret;
}

static int op_enrolment(const struct kx_backend *backend, struct request *req)
{
	enum kx_enrolment_target target;
	enum kx_enrolment_variant variant;
	const char *target_name = get_string(req, "derivation");
	const char *variant_name = get_variant(req);
	const char *identifier;
	if (target_name == NULL || (identifier = get_string(req, "identifier")) == NULL)
		return -1;
	if (kx_enrolment_target_from_name(target_name, &target) != 0)
		return failf(req, "unknown derivation \"%s\" (Km or Kpsa)", target_name);
	if (kx_enrolment_variant_from_name(variant_name, &variant) != 0)
		return failf(req, "unknown enrolment variant \"%s\"", variant_name);

	uint8_t *ke = NULL, *normalized = NULL, out[KX_ENROLMENT_KEY_LEN];
	size_t ke_len, normalized_len;
	int ret = -1;
	if (get_hex(req, "ke", &ke, &ke_len) == 0 &&
	    kx_enrolment_derive(backend, target, ke, ke_len, identifier, strlen(identifier), variant, out, req->err,
				sizeof req->err) == 0 &&
	    kx_nfkc(identifier, strlen(identifier), &normalized, &normalized_len) == 0 &&
	    set_hex(req, "normalized_identifier", normalized, normalized_len) == 0)
		ret = set_hex(req, "out", out, sizeof out);
	free(ke);
	free(normalized);
	return ret;
}

static int op_keyid(const struct kx_backend *backend, struct request *req)
{
	(void)backend;
	uint8_t id[KX_KEY_ID_LEN];
	enum kx_keyid_reading reading;
	const char *fqdn, *reading_name = kx_json_get_string(req->json, "reading");
	if (reading_name == NULL)
		reading_name = "reference";
	if (kx_keyid_reading_from_name(reading_name, &reading) != 0)
		return failf(req, "unknown key identifier reading \"%s\"", reading_name);
	if (get_fixed_hex(req, "key_id", id, sizeof id) != 0 || (fqdn = get_string(req, "fqdn")) == NULL)
		return -1;
	char keyid[KX_KEYID_MAX];
	if (kx_keyid_build(id, fqdn, reading, keyid, sizeof keyid) < 0)
		return failf(req, "cannot build a key identifier: \"%s\" is not a valid FQDN", fqdn);
	return json_object_set_new(req->response, "keyid", json_string(keyid)) == 0 ? 0
										       : failf(req, "out of memory");
}

static const struct operation {
	const char *name;
	int (*handle)(const struct kx_backend *backend, struct request *req);
} operations[] = {
	{"hmac", op_hmac},           {"prf", op_prf},   {"hkdf", op_hkdf},         {"exporter", op_exporter},
	{"e2e", op_e2e},             {"enrolment", op_enrolment}, {"keyid", op_keyid},
};

static json_t *string_array(const char *const *names, size_t n)
{
	json_t *array = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(array, json_string(names[i]));
	return array;
}

/* The IANA suites of TS-0003 10.2.2 / 10.2.3 that the library can negotiate. */
static json_t *suites(const struct kx_backend *backend, int dtls)
{
	static const uint16_t mandated[] = {0x00AE, 0xC0A8, 0xC023, 0xC0AE};
	json_t *array = json_array();
	for (size_t i = 0; i < sizeof mandated / sizeof mandated[0]; i++)
		if (backend->suite_available(mandated[i], dtls)) {
			char name[8];
			snprintf(name, sizeof name, "0x%04X", mandated[i]);
			json_array_append_new(array, json_string(name));
		}
	return array;
}

json_t *kx_driver_capabilities(const struct kx_backend *backend)
{
	const char *op_names[sizeof operations / sizeof operations[0]];
	for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
		op_names[i] = operations[i].name;
	const char *e2e_variants[KX_E2E_VARIANT_COUNT];
	for (int i = 0; i < KX_E2E_VARIANT_COUNT; i++)
		e2e_variants[i] = kx_e2e_variant_name((enum kx_e2e_variant)i);
	const char *readings[KX_READING_COUNT];
	for (int i = 0; i < KX_READING_COUNT; i++)
		readings[i] = kx_keyid_reading_name((enum kx_keyid_reading)i);
	static const char *const exporter_variants[] = {"reference", "randoms-swapped", "split-swapped"};
	static const char *const enrolment_variants[] = {"reference", "missing-nfkc"};

	return json_pack("{s:o, s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o}, s:[], s:[], s:[]}", "operations",
			 string_array(op_names, sizeof op_names / sizeof op_names[0]), "variants", "exporter",
			 string_array(exporter_variants, 3), "e2e", string_array(e2e_variants, KX_E2E_VARIANT_COUNT),
			 "enrolment", string_array(enrolment_variants, 2), "keyid",
			 string_array(readings, KX_READING_COUNT), "suites", "tls", suites(backend, 0), "dtls",
			 suites(backend, 1), "scenarios", "roles", "transports");
}

json_t *kx_driver_answer(const struct kx_backend *backend, json_t *request)
{
	struct request req = {.json = request, .response = json_object(), .err = ""};
	json_t *id = json_object_get(request, "id");
	json_object_set(req.response, "id", id != NULL ? id : json_null());

	const char *op = kx_json_get_string(request, "op");
	const struct operation *operation = NULL;
	for (size_t i = 0; op != NULL && i < sizeof operations / sizeof operations[0]; i++)
		if (strcmp(operations[i].name, op) == 0)
			operation = &operations[i];

	int ret;
	if (op == NULL)
		ret = failf(&req, "missing or non-string \"op\"");
	else if (operation == NULL)
		ret = failf(&req, "unknown operation \"%s\"", op);
	else
		ret = operation->handle(backend, &req);

	json_object_set_new(req.response, "ok", json_boolean(ret == 0));
	if (ret != 0) {
		json_object_set_new(req.response, "error", json_string(req.err[0] ? req.err : "failed"));
	}
	return req.response;
}
