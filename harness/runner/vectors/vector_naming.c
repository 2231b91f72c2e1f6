/* vector_naming.c - from a vector test's inputs and an answer's outputs to a
 * named mistake. The reference for the same inputs is computed by the models
 * themselves (HMAC from a reference driver), so an invalid test, whose
 * outputs are mistaken, is named the same way as a vendor's wrong answer to
 * a valid one. The first output that differs from the reference is the one
 * named. */
#include "runner/vectors/vector_naming.h"

#include "core/hex.h"
#include "core/json_io.h"
#include "core/json_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kx_vector_op_is_named(const char *op)
{
	static const char *const named[] = {"exporter", "e2e", "enrolment", "prf", "hkdf"};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strcmp(op, named[i]) == 0)
			return 1;
	return 0;
}

static const char *member(const struct kx_vector_test *test, int group, const char *key)
{
	return kx_json_doc_string(
	    test->doc, kx_json_doc_get(test->doc, group ? test->group_node : test->test_node, key));
}

/* Decodes hex text into a malloc'd buffer; NULL when text is NULL or not hex. */
static uint8_t *bytes_of(const char *hex, size_t *len)
{
	*len = 0;
	if (hex == NULL)
		return NULL;
	uint8_t *out = malloc(strlen(hex) / 2 + 1);
	if (out != NULL && kx_hex_decode(hex, strlen(hex), out, strlen(hex) / 2 + 1, len) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* An output: the answer's member (index >= 0: an array element), or the test's member. */
static const char *output(const struct kx_vector_test *test, json_t *response, const char *answer_key,
                          int index, const char *test_key)
{
	if (response == NULL)
		return member(test, 0, test_key);
	json_t *value = json_object_get(response, answer_key);
	if (index >= 0)
		value = json_array_get(value, (size_t)index);
	return json_string_value(value);
}

static int unusable(struct kx_naming *naming, const char *why)
{
	snprintf(naming->name, sizeof naming->name, "%s", "");
	snprintf(naming->explanation, sizeof naming->explanation, "%s", why);
	return -1;
}

static int fixed(const char *hex, uint8_t *out, size_t len)
{
	size_t got = 0;
	return hex != NULL && kx_hex_decode(hex, strlen(hex), out, len, &got) == 0 && got == len ? 0 : -1;
}

static int name_exporter(struct kx_judge_crypto *c, const struct kx_vector_test *test, json_t *response,
                         struct kx_naming *naming)
{
	struct kx_export_inputs in = {.hash = member(test, 1, "hash"), .label = member(test, 1, "label")};
	if (in.hash == NULL || in.label == NULL ||
	    fixed(member(test, 0, "masterSecret"), in.master_secret, 48) != 0 ||
	    fixed(member(test, 0, "clientRandom"), in.client_random, 32) != 0 ||
	    fixed(member(test, 0, "serverRandom"), in.server_random, 32) != 0)
		return unusable(naming, "the test's exporter inputs are incomplete");
	uint8_t seed[64];
	memcpy(seed, in.client_random, 32);
	memcpy(seed + 32, in.server_random, 32);
	if (kx_judge_prf(c, in.hash, in.master_secret, 48, (const uint8_t *)in.label, strlen(in.label), seed,
	                 64, in.reference, KX_EXPORT_LEN) != 0)
		return unusable(naming, c->err);
	static const struct {
		const char *answer, *test;
		enum kx_export_part part;
		size_t offset, len;
	} parts[] = {{"out", "output", KX_PART_EXPORT, 0, KX_EXPORT_LEN},
	             {"key_id", "keyId", KX_PART_KEY_ID, 0, KX_KEY_ID_LEN},
	             {"key", "key", KX_PART_KEY, KX_KEY_ID_LEN, KX_KEY_LEN}};
	struct kx_export_models *models = calloc(1, sizeof *models);
	int ret = 0;
	for (size_t i = 0; models != NULL && i < sizeof parts / sizeof parts[0]; i++) {
		size_t len = 0;
		uint8_t *got = bytes_of(output(test, response, parts[i].answer, -1, parts[i].test), &len);
		int same = got != NULL && len == parts[i].len &&
		           memcmp(got, in.reference + parts[i].offset, len) == 0;
		if (got != NULL && !same)
			ret = kx_name_export_part(c, &in, models, parts[i].part, got, len, naming);
		free(got);
		if (got != NULL && !same)
			break;
	}
	free(models);
	return ret;
}

static int name_e2e(struct kx_judge_crypto *c, const struct kx_vector_test *test, json_t *response,
                    struct kx_naming *naming)
{
	size_t kpsa_len, salt_len;
	uint8_t *kpsa = bytes_of(member(test, 0, "kpsa"), &kpsa_len);
	uint8_t *salt = bytes_of(member(test, 0, "salt"), &salt_len);
	struct kx_e2e_inputs in = {member(test, 1, "hash"),      kpsa, kpsa_len, salt, salt_len,
	                           member(test, 0, "enroleeBId")};
	struct kx_e2e_keys_value reference;
	int ret = 0;
	if (in.hash == NULL || kpsa == NULL || salt == NULL)
		ret = unusable(naming, "the test's e2e inputs are incomplete");
	else if (kx_model_e2e_reference(c, &in, &reference) != 0)
		ret = unusable(naming, c->err);
	static const char *const test_keys[] = {"ke2eMaster", "t1", "t2", "t3", "t4"};
	for (int which = 0; ret == 0 && which < 5; which++) {
		size_t len = 0;
		uint8_t *got = bytes_of(
		    output(test, response, which == 0 ? "master" : "t", which - 1, test_keys[which]), &len);
		const uint8_t *want = which == 0 ? reference.master : reference.t[which - 1];
		int same = got != NULL && len == reference.len && memcmp(got, want, len) == 0;
		if (got != NULL && !same)
			ret = kx_name_e2e(c, &in, &reference, which, got, len, naming);
		free(got);
		if (got != NULL && !same)
			break;
	}
	free(kpsa);
	free(salt);
	return ret;
}

static int name_enrolment(struct kx_judge_crypto *c, const struct kx_vector_test *test, json_t *response,
                          struct kx_naming *naming)
{
	size_t ke_len, len;
	const char *derivation = member(test, 1, "derivation");
	uint8_t *ke = bytes_of(member(test, 0, "ke"), &ke_len);
	uint8_t *got = bytes_of(output(test, response, "out", -1, "output"), &len);
	int ret;
	if (derivation == NULL || ke == NULL || member(test, 0, "identifier") == NULL || got == NULL)
		ret = unusable(naming, "the test's enrolment inputs or the output are incomplete");
	else {
		struct kx_enrolment_inputs in = {strcmp(derivation, "Kpsa") == 0, ke, ke_len,
		                                 member(test, 0, "identifier")};
		ret = kx_name_enrolment(c, &in, got, len, naming);
	}
	free(ke);
	free(got);
	return ret;
}

static int name_prf(struct kx_judge_crypto *c, const struct kx_vector_test *test, json_t *response,
                    struct kx_naming *naming)
{
	size_t secret_len, seed_len, len;
	uint8_t *secret = bytes_of(member(test, 0, "secret"), &secret_len);
	uint8_t *seed = bytes_of(member(test, 0, "seed"), &seed_len);
	uint8_t *got = bytes_of(output(test, response, "out", -1, "output"), &len);
	const char *hash = member(test, 1, "hash"), *label = member(test, 0, "label");
	int ret = secret == NULL || seed == NULL || got == NULL || hash == NULL || label == NULL
	              ? unusable(naming, "the test's PRF inputs or the output are incomplete")
	              : kx_name_prf(c, hash, secret, secret_len, label, seed, seed_len, got, len, naming);
	free(secret);
	free(seed);
	free(got);
	return ret;
}

static int name_hkdf(struct kx_judge_crypto *c, const struct kx_vector_test *test, json_t *response,
                     struct kx_naming *naming)
{
	size_t ikm_len, salt_len, info_len, prk_len, okm_len, want_len;
	uint8_t *ikm = bytes_of(member(test, 0, "ikm"), &ikm_len);
	uint8_t *salt = bytes_of(member(test, 0, "salt"), &salt_len);
	uint8_t *info = bytes_of(member(test, 0, "info"), &info_len);
	uint8_t *prk = bytes_of(output(test, response, "prk", -1, "prk"), &prk_len);
	uint8_t *okm = bytes_of(output(test, response, "okm", -1, "okm"), &okm_len);
	const char *hash = member(test, 1, "hash");
	int ret;
	if (ikm == NULL || salt == NULL || info == NULL || prk == NULL || okm == NULL || hash == NULL) {
		ret = unusable(naming, "the test's HKDF inputs or the outputs are incomplete");
	} else {
		/* The PRK is judged first: a wrong PRK explains a wrong OKM. */
		uint8_t *want = bytes_of(member(test, 0, "prk"), &want_len);
		int prk_right = response != NULL && want != NULL && want_len == prk_len &&
		                memcmp(want, prk, prk_len) == 0;
		ret = prk_right ? kx_name_hkdf(c, hash, ikm, ikm_len, salt, salt_len, info, info_len, 0, okm,
		                               okm_len, naming)
		                : kx_name_hkdf(c, hash, ikm, ikm_len, salt, salt_len, info, info_len, 1, prk,
		                               prk_len, naming);
		free(want);
	}
	free(ikm);
	free(salt);
	free(info);
	free(prk);
	free(okm);
	return ret;
}

int kx_vector_name_answer(struct kx_judge_crypto *c, const char *op, const struct kx_vector_test *test,
                          json_t *response, struct kx_naming *naming)
{
	naming->name[0] = naming->explanation[0] = '\0';
	if (strcmp(op, "exporter") == 0)
		return name_exporter(c, test, response, naming);
	if (strcmp(op, "e2e") == 0)
		return name_e2e(c, test, response, naming);
	if (strcmp(op, "enrolment") == 0)
		return name_enrolment(c, test, response, naming);
	if (strcmp(op, "prf") == 0)
		return name_prf(c, test, response, naming);
	if (strcmp(op, "hkdf") == 0)
		return name_hkdf(c, test, response, naming);
	return unusable(naming, "no models for this kind of vector");
}
