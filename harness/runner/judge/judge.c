/* judge.c - reference values from the reference libraries, and a verdict on
 * every value an end produced.
 *
 * The reference export comes from the `exporter` operation of each reference
 * driver; Kpsa and the E2E keys from their `enrolment` and `e2e` operations;
 * the key identifier from the core's encoder over the reference identifier.
 * Every reference driver must give the same bytes, or there is no reference
 * (an error, never a verdict against the end under test). A wrong value goes
 * to the family of models it belongs to (judge_models.c). In a chain (Ke,
 * then Kpsa, then the E2E keys) each link is also judged from the end's own
 * input, so that a right derivation from a wrong input is told apart from a
 * wrong derivation. */
#include "runner/judge/judge.h"
#include "runner/judge/judge_keyid.h"

#include "core/base64.h"
#include "core/errors.h"
#include "core/growable.h"
#include "core/hex.h"
#include "core/json_io.h"
#include "core/keyid.h"
#include "core/nfkc.h"
#include "derive/enrolment_kdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *kx_verdict_kind_name(enum kx_verdict_kind kind)
{
	static const char *const names[] = {"agree", "accepted", "disagree", "malformed"};
	return (unsigned)kind < 4 ? names[kind] : "?";
}

static int decode_exact(const char *hex, uint8_t *out, size_t len)
{
	size_t got = 0;
	return hex != NULL && kx_hex_decode(hex, strlen(hex), out, len, &got) == 0 && got == len ? 0 : -1;
}

/* Asks every reference driver for the same request; answers[i] from refs[i]. */
static int ask_references(struct kx_judge *j, json_t *request, json_t **answers, char *err, size_t errlen)
{
	for (size_t i = 0; i < j->n_refs; i++)
		answers[i] = NULL;
	if (j->n_refs == 2)
		kx_pool_call_pair(j->pool, j->refs[0], json_deep_copy(request), j->refs[1],
		                  json_deep_copy(request), &answers[0], &answers[1]);
	else
		answers[0] = kx_pool_call(j->pool, j->refs[0], json_deep_copy(request));
	json_decref(request);
	for (size_t i = 0; i < j->n_refs; i++)
		if (!json_is_true(json_object_get(answers[i], "ok"))) {
			const char *why = kx_json_get_string(answers[i], "error");
			kx_errorf(err, errlen, "reference driver %s failed to recompute: %s",
			          j->pool->names[j->refs[i]], why != NULL ? why : "no answer");
			for (size_t k = 0; k < j->n_refs; k++)
				json_decref(answers[k]);
			return -1;
		}
	return 0;
}

/* The reference drivers' answers must agree on member key; 0, or -1 with err. */
static int references_agree(struct kx_judge *j, json_t **answers, const char *key, const char *what,
                            char *err, size_t errlen)
{
	for (size_t i = 1; i < j->n_refs; i++)
		if (!json_equal(json_object_get(answers[0], key), json_object_get(answers[i], key)))
			return kx_errorf(
			    err, errlen,
			    "the reference libraries disagree on %s (%s and %s): there is no reference", what,
			    j->pool->names[j->refs[0]], j->pool->names[j->refs[i]]);
	return 0;
}

int kx_judge_open(struct kx_judge *j, struct kx_driver_pool *pool, const size_t *refs, size_t n_refs,
                  const struct kx_judge_session *session, char *err, size_t errlen)
{
	memset(j, 0, sizeof *j);
	if (n_refs == 0 || n_refs > 2)
		return kx_errorf(err, errlen, "no reference driver to judge with");
	j->pool = pool;
	j->n_refs = n_refs;
	memcpy(j->refs, refs, n_refs * sizeof *refs);
	j->session = *session;
	j->crypto.pool = pool;
	j->crypto.driver = refs[0];
	struct kx_export_inputs *in = &j->export_in;
	in->hash = session->prf_hash;
	in->label = session->label;
	if (decode_exact(session->master_secret, in->master_secret, 48) != 0 ||
	    decode_exact(session->client_random, in->client_random, 32) != 0 ||
	    decode_exact(session->server_random, in->server_random, 32) != 0)
		return kx_errorf(err, errlen,
		                 "the session's master secret (48 bytes) or randoms (32 bytes each) "
		                 "are missing or not hex");
	json_t *answers[2];
	if (ask_references(j,
	                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "op", "exporter", "hash",
	                             session->prf_hash, "master_secret", session->master_secret,
	                             "client_random", session->client_random, "server_random",
	                             session->server_random, "label", session->label, "length",
	                             KX_EXPORT_LEN),
	                   answers, err, errlen) != 0)
		return -1;
	int ret = references_agree(j, answers, "out", "the exporter", err, errlen);
	if (ret == 0 &&
	    decode_exact(kx_json_get_string(answers[0], "out"), in->reference, KX_EXPORT_LEN) != 0)
		ret = kx_errorf(err, errlen, "reference driver %s answered the exporter without 48 bytes",
		                pool->names[refs[0]]);
	for (size_t i = 0; i < n_refs; i++)
		json_decref(answers[i]);
	if (ret != 0)
		return -1;
	j->reference = json_pack("{s:s, s:s, s:i}", "label", session->label, "prf_hash", session->prf_hash,
	                         "length", KX_EXPORT_LEN);
	json_t *by = json_array();
	for (size_t i = 0; i < n_refs; i++)
		json_array_append_new(by, json_string(pool->names[refs[i]]));
	json_object_set_new(j->reference, "recomputed_by", by);
	kx_json_set_hex(j->reference, "export", in->reference, KX_EXPORT_LEN);
	kx_json_set_hex(j->reference, "key_id", in->reference, KX_KEY_ID_LEN);
	kx_json_set_hex(j->reference, "key", in->reference + KX_KEY_ID_LEN, KX_KEY_LEN);
	if (session->fqdn != NULL) {
		json_t *readings = json_object();
		for (int r = 0; r < KX_READING_COUNT; r++) {
			char text[KX_KEYID_MAX];
			if (kx_keyid_build(in->reference, session->fqdn, (enum kx_keyid_reading)r, text,
			                   sizeof text) >= 0)
				json_object_set_new(readings, kx_keyid_reading_name((enum kx_keyid_reading)r),
				                    json_string(text));
		}
		json_object_set_new(j->reference, "key_identifier",
		                    json_pack("{s:s, s:o}", "fqdn", session->fqdn, "readings", readings));
	}
	return 0;
}

const uint8_t *kx_judge_reference_export(const struct kx_judge *j)
{
	return j->export_in.reference;
}

void kx_judge_close(struct kx_judge *j)
{
	json_decref(j->reference);
	j->reference = NULL;
}

/* Kpsa from the reference Ke on every reference driver. */
static int reference_kpsa(struct kx_judge *j, char *err, size_t errlen)
{
	if (j->have_kpsa)
		return 0;
	if (j->session.enrolee_b_id == NULL)
		return kx_errorf(err, errlen,
		                 "claims of Kpsa or E2E keys need the Enrolee-B-ID (--enrolee-b-id)");
	char ke[2 * KX_KEY_LEN + 1];
	kx_hex_encode(j->export_in.reference + KX_KEY_ID_LEN, KX_KEY_LEN, ke, 0);
	json_t *answers[2];
	if (ask_references(j,
	                   json_pack("{s:s, s:s, s:s, s:s}", "op", "enrolment", "derivation", "Kpsa", "ke",
	                             ke, "identifier", j->session.enrolee_b_id),
	                   answers, err, errlen) != 0)
		return -1;
	int ret = references_agree(j, answers, "out", "Kpsa", err, errlen);
	if (ret == 0 && decode_exact(kx_json_get_string(answers[0], "out"), j->ref_kpsa, 32) != 0)
		ret = kx_errorf(err, errlen, "a reference driver answered Kpsa without 32 bytes");
	for (size_t i = 0; i < j->n_refs; i++)
		json_decref(answers[i]);
	if (ret == 0) {
		j->have_kpsa = 1;
		json_t *e2e = json_object_get(j->reference, "e2e");
		if (e2e == NULL) {
			e2e = json_pack("{s:s}", "enrolee_b_id", j->session.enrolee_b_id);
			json_object_set_new(j->reference, "e2e", e2e);
		}
		kx_json_set_hex(e2e, "kpsa", j->ref_kpsa, 32);
	}
	return ret;
}

/* The E2E keys of one hash from the reference Kpsa on every reference driver. */
static int reference_e2e(struct kx_judge *j, int sha512, char *err, size_t errlen)
{
	if (j->have_e2e[sha512])
		return 0;
	if (reference_kpsa(j, err, errlen) != 0)
		return -1;
	const char *hash = sha512 ? "SHA-512" : "SHA-256";
	char kpsa[65];
	kx_hex_encode(j->ref_kpsa, 32, kpsa, 0);
	json_t *answers[2];
	if (ask_references(j,
	                   json_pack("{s:s, s:s, s:s, s:s}", "op", "e2e", "hash", hash, "kpsa", kpsa,
	                             "enrolee_b_id", j->session.enrolee_b_id),
	                   answers, err, errlen) != 0)
		return -1;
	int ret = references_agree(j, answers, "master", "Ke2e_master", err, errlen);
	if (ret == 0)
		ret = references_agree(j, answers, "t", "T(1)..T(4)", err, errlen);
	struct kx_e2e_keys_value *keys = &j->ref_e2e[sha512];
	keys->len = sha512 ? 64 : 32;
	json_t *t = json_object_get(answers[0], "t");
	if (ret == 0 && decode_exact(kx_json_get_string(answers[0], "master"), keys->master, keys->len) != 0)
		ret = kx_errorf(err, errlen, "a reference driver answered e2e without Ke2e_master");
	for (size_t i = 0; ret == 0 && i < 4; i++)
		if (decode_exact(json_string_value(json_array_get(t, i)), keys->t[i], keys->len) != 0)
			ret = kx_errorf(err, errlen, "a reference driver answered e2e without T(%zu)", i + 1);
	if (ret == 0) {
		j->have_e2e[sha512] = 1;
		json_t *e2e = json_object_get(j->reference, "e2e");
		json_object_set(
		    e2e, hash,
		    json_pack("{s:O, s:O}", "ke2e_master", json_object_get(answers[0], "master"), "t", t));
		json_decref(json_object_get(e2e, hash));
	}
	for (size_t i = 0; i < j->n_refs; i++)
		json_decref(answers[i]);
	return ret;
}

/* ---- verdicts ------------------------------------------------------------------------------------ */

static struct kx_verdict *new_verdict(struct kx_verdicts *list, enum kx_claim_id id, const char *end,
                                      const struct kx_claims *c)
{
	if (KX_GROW(list->v, list->cap, list->n + 1) != 0)
		return NULL;
	struct kx_verdict *v = &list->v[list->n++];
	memset(v, 0, sizeof *v);
	v->claim = id;
	snprintf(v->end, sizeof v->end, "%s", end != NULL ? end : "");
	snprintf(v->source, sizeof v->source, "%s", c->sources[id]);
	v->claimed = strdup(c->values[id]);
	return v;
}

static void set_expected_hex(struct kx_verdict *v, const uint8_t *bytes, size_t len)
{
	v->expected = malloc(2 * len + 1);
	if (v->expected != NULL)
		kx_hex_encode(bytes, len, v->expected, 0);
}

/* ---- the export and its split ---- */

static int judge_export_part(struct kx_judge *j, struct kx_verdict *v, enum kx_export_part part, char *err,
                             size_t errlen)
{
	static const size_t offsets[] = {0, 0, KX_KEY_ID_LEN},
	                    lens[] = {KX_EXPORT_LEN, KX_KEY_ID_LEN, KX_KEY_LEN};
	uint8_t bytes[KX_EXPORT_LEN];
	size_t got = 0;
	kx_hex_decode(v->claimed, strlen(v->claimed), bytes, sizeof bytes, &got);
	set_expected_hex(v, j->export_in.reference + offsets[part], lens[part]);
	if (got == lens[part] && memcmp(bytes, j->export_in.reference + offsets[part], got) == 0) {
		v->kind = KX_VERDICT_AGREE;
		return 0;
	}
	v->kind = KX_VERDICT_DISAGREE;
	if (kx_name_export_part(&j->crypto, &j->export_in, &j->export_models, part, bytes, got, &v->naming) <
	    0)
		return kx_errorf(err, errlen, "%s", j->crypto.err);
	return 0;
}

/* ---- the key identifier ---- */

/* Decodes a relative part in any of the encodings of spec point 1, whatever its length. */
static size_t decode_any(const char *text, size_t len, uint8_t *out, size_t cap)
{
	size_t got = 0;
	static const struct {
		enum kx_b64_alphabet alphabet;
		enum kx_b64_padding padding;
	} forms[] = {{KX_B64_STANDARD, KX_B64_PADDED},
	             {KX_B64_STANDARD, KX_B64_UNPADDED},
	             {KX_B64_URL, KX_B64_PADDED},
	             {KX_B64_URL, KX_B64_UNPADDED}};
	if (len % 2 == 0 && kx_is_hex(text, len) && kx_hex_decode(text, len, out, cap, &got) == 0)
		return got;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		if (kx_base64_decode(text, len, out, cap, &got, forms[i].alphabet, forms[i].padding) == 0)
			return got;
	return 0;
}

/* A relative part that holds the key or the whole export instead of the identifier. */
static int name_wrong_material(const struct kx_judge *j, const char *relative, size_t len,
                               struct kx_naming *n)
{
	uint8_t bytes[128];
	size_t got = decode_any(relative, len, bytes, sizeof bytes);
	const uint8_t *ref = j->export_in.reference;
	if (got == KX_KEY_LEN && memcmp(bytes, ref + KX_KEY_ID_LEN, KX_KEY_LEN) == 0) {
		kx_naming_join(n, "keyid-from-key",
		               "the relative part encodes the 32-byte key, not the 16-byte identifier");
		return 1;
	}
	if (got == KX_EXPORT_LEN && memcmp(bytes, ref, KX_EXPORT_LEN) == 0) {
		kx_naming_join(n, "keyid-from-export",
		               "the relative part encodes all 48 exported bytes, not the 16-byte identifier");
		return 1;
	}
	return 0;
}

static int judge_keyid(struct kx_judge *j, struct kx_verdict *v, char *err, size_t errlen)
{
	const char *fqdn = j->session.fqdn;
	const char *value = v->claimed;
	const uint8_t *id = j->export_in.reference;
	char expected[KX_KEYID_MAX];
	if (fqdn == NULL)
		return kx_errorf(err, errlen, "claim keyid needs the FQDN of the key identifier (--fqdn)");
	if (kx_keyid_build(id, fqdn, KX_READING_REFERENCE, expected, sizeof expected) < 0)
		snprintf(expected, sizeof expected, "(FQDN %.200s is not valid)", fqdn);
	v->expected = strdup(expected);
	struct kx_naming *n = &v->naming;
	v->kind = KX_VERDICT_DISAGREE;
	const char *at = strrchr(value, '@');
	struct kx_keyid parsed;
	enum kx_keyid_error error = kx_keyid_classify(value, strlen(value), id, &parsed);
	if (error == KX_KEYID_BAD_ENCODING && at != NULL &&
	    name_wrong_material(j, value, (size_t)(at - value), n)) {
		kx_name_fqdn(at + 1, fqdn, n);
		return 0;
	}
	error = kx_name_keyid(value, id, fqdn, &parsed, n);
	if (error == KX_KEYID_WRONG_IDENTIFIER) {
		struct kx_naming inner = {{0}, {0}};
		int named = kx_name_export_part(&j->crypto, &j->export_in, &j->export_models, KX_PART_KEY_ID,
		                                parsed.id, KX_KEY_ID_LEN, &inner);
		if (named < 0)
			return kx_errorf(err, errlen, "%s", j->crypto.err);
		if (named) {
			kx_naming_join(n, inner.name, inner.explanation);
		} else {
			char hex[2 * KX_KEY_ID_LEN + 1], text[300];
			kx_hex_encode(parsed.id, sizeof parsed.id, hex, 0);
			snprintf(text, sizeof text,
			         "its relative part decodes to %s, which is not the key identifier and which "
			         "no known "
			         "mistake gives",
			         hex);
			kx_naming_join(n, "wrong-identifier", text);
		}
	}
	if (error != KX_KEYID_OK && error != KX_KEYID_WRONG_IDENTIFIER)
		return 0;
	snprintf(v->reading, sizeof v->reading, "%s", kx_keyid_reading_name(parsed.reading));
	if (n->name[0] == '\0') {
		v->kind = KX_VERDICT_AGREE;
	} else if (error == KX_KEYID_OK && j->session.keyid_reading != NULL &&
	           strcmp(n->name, j->session.keyid_reading) == 0) {
		char text[sizeof n->explanation];
		snprintf(text, sizeof text,
		         "the %.100s reading, which the vendor declares; not the reference: %.900s", n->name,
		         n->explanation);
		snprintf(n->explanation, sizeof n->explanation, "%s", text);
		v->kind = KX_VERDICT_ACCEPTED;
	}
	return 0;
}

/* ---- Kpsa and the E2E keys, link by link ---- */

/* The end's own value of a link: from the claims judged, else from the chain the caller set. */
static const char *chain_value(const struct kx_judge *j, const struct kx_claims *c, enum kx_claim_id id)
{
	if (c->values[id] != NULL)
		return c->values[id];
	return j->chain != NULL ? j->chain->values[id] : NULL;
}

/* Kpsa as TS-0003 derives it from a given Ke, on the reference driver's HMAC. */
static int kpsa_from(struct kx_judge *j, const uint8_t ke[KX_KEY_LEN], uint8_t out[KX_JUDGE_HASH_MAX])
{
	const char *label = kx_enrolment_labels[KX_ENROLMENT_KPSA];
	size_t label_len = strlen(label), nfkc_len = 0;
	uint8_t *nfkc = NULL;
	if (kx_nfkc(j->session.enrolee_b_id, strlen(j->session.enrolee_b_id), &nfkc, &nfkc_len) != 0)
		return -1;
	uint8_t *data = malloc(label_len + nfkc_len + 1);
	int ret = -1;
	if (data != NULL) {
		memcpy(data, label, label_len);
		memcpy(data + label_len, nfkc, nfkc_len);
		ret = kx_judge_hmac(&j->crypto, "SHA-256", ke, KX_KEY_LEN, data, label_len + nfkc_len, out) ==
		              32
		          ? 0
		          : -1;
	}
	free(data);
	free(nfkc);
	return ret;
}

static int judge_kpsa(struct kx_judge *j, const struct kx_claims *c, struct kx_verdict *v, char *err,
                      size_t errlen)
{
	if (reference_kpsa(j, err, errlen) != 0)
		return -1;
	uint8_t bytes[32];
	size_t got = 0;
	kx_hex_decode(v->claimed, strlen(v->claimed), bytes, sizeof bytes, &got);
	set_expected_hex(v, j->ref_kpsa, 32);
	if (got == 32 && memcmp(bytes, j->ref_kpsa, 32) == 0) {
		v->kind = KX_VERDICT_AGREE;
		return 0;
	}
	v->kind = KX_VERDICT_DISAGREE;
	/* The end's own Ke, when it reported one that is not the reference: Kpsa may be right from it. */
	uint8_t own_ke[KX_KEY_LEN], from_own[KX_JUDGE_HASH_MAX];
	const uint8_t *ke = j->export_in.reference + KX_KEY_ID_LEN;
	const char *own_hex = chain_value(j, c, KX_CLAIM_KEY);
	int own = own_hex != NULL && decode_exact(own_hex, own_ke, KX_KEY_LEN) == 0 &&
	          memcmp(own_ke, ke, KX_KEY_LEN) != 0;
	if (own) {
		if (kpsa_from(j, own_ke, from_own) != 0)
			return kx_errorf(err, errlen, "%s", j->crypto.err);
		if (got == 32 && memcmp(from_own, bytes, 32) == 0) {
			snprintf(v->naming.name, sizeof v->naming.name, "from-wrong-ke");
			snprintf(v->naming.explanation, sizeof v->naming.explanation,
			         "derived as TS-0003 says, but from the end's own Ke, which is wrong: see "
			         "the key claim");
			return 0;
		}
	}
	for (int pass = 0; pass < 1 + own; pass++) {
		struct kx_enrolment_inputs in = {1, pass ? own_ke : ke, KX_KEY_LEN, j->session.enrolee_b_id};
		int named = kx_name_enrolment(&j->crypto, &in, bytes, got, &v->naming);
		if (named < 0)
			return kx_errorf(err, errlen, "%s", j->crypto.err);
		if (named) {
			if (pass)
				kx_naming_join(&v->naming, "",
				               "(from the end's own Ke, which is itself wrong)");
			return 0;
		}
	}
	return 0;
}

static int judge_e2e(struct kx_judge *j, const struct kx_claims *c, struct kx_verdict *v,
                     const char *e2e_hash, char *err, size_t errlen)
{
	uint8_t bytes[KX_JUDGE_HASH_MAX];
	size_t got = 0;
	kx_hex_decode(v->claimed, strlen(v->claimed), bytes, sizeof bytes, &got);
	int sha512 = e2e_hash != NULL ? strcmp(e2e_hash, "SHA-512") == 0 : got == 64;
	const char *hash = sha512 ? "SHA-512" : "SHA-256";
	snprintf(v->hash, sizeof v->hash, "%s", hash);
	if (reference_e2e(j, sha512, err, errlen) != 0)
		return -1;
	int which = v->claim == KX_CLAIM_KE2E_MASTER ? 0 : (int)(v->claim - KX_CLAIM_T1) + 1;
	const struct kx_e2e_keys_value *ref = &j->ref_e2e[sha512];
	const uint8_t *want = which == 0 ? ref->master : ref->t[which - 1];
	set_expected_hex(v, want, ref->len);
	if (got == ref->len && memcmp(bytes, want, got) == 0) {
		v->kind = KX_VERDICT_AGREE;
		return 0;
	}
	v->kind = KX_VERDICT_DISAGREE;
	uint8_t *salt = NULL;
	size_t salt_len = 0;
	if (kx_nfkc(j->session.enrolee_b_id, strlen(j->session.enrolee_b_id), &salt, &salt_len) != 0)
		return kx_errorf(err, errlen, "the Enrolee-B-ID is not well-formed UTF-8");
	struct kx_e2e_inputs in = {hash, j->ref_kpsa, 32, salt, salt_len, j->session.enrolee_b_id};
	int named = kx_name_e2e(&j->crypto, &in, ref, which, bytes, got, &v->naming);
	/* The end's own Kpsa, when it reported a wrong one: the keys may be right from it. */
	uint8_t own_kpsa[32];
	const char *own_hex = chain_value(j, c, KX_CLAIM_KPSA);
	if (named == 0 && own_hex != NULL && decode_exact(own_hex, own_kpsa, 32) == 0 &&
	    memcmp(own_kpsa, j->ref_kpsa, 32) != 0) {
		struct kx_e2e_keys_value from_own;
		struct kx_naming inner = {{0}, {0}};
		in.kpsa = own_kpsa;
		if (kx_model_e2e_reference(&j->crypto, &in, &from_own) != 0) {
			named = -1;
		} else {
			const uint8_t *own_want = which == 0 ? from_own.master : from_own.t[which - 1];
			if (got == from_own.len && memcmp(bytes, own_want, got) == 0) {
				named = 1;
				snprintf(v->naming.name, sizeof v->naming.name, "from-wrong-kpsa");
				snprintf(v->naming.explanation, sizeof v->naming.explanation,
				         "derived as clause 10.3.6 says, but from the end's own Kpsa, which "
				         "is wrong: see "
				         "the kpsa claim");
			} else {
				named = kx_name_e2e(&j->crypto, &in, &from_own, which, bytes, got, &inner);
				if (named == 1) {
					v->naming = inner;
					kx_naming_join(&v->naming, "",
					               "(from the end's own Kpsa, which is itself wrong)");
				}
			}
		}
	}
	free(salt);
	if (named < 0)
		return kx_errorf(err, errlen, "%s", j->crypto.err);
	return 0;
}

int kx_judge_claims(struct kx_judge *j, const struct kx_claims *c, const char *end, const char *e2e_hash,
                    struct kx_verdicts *out, char *err, size_t errlen)
{
	for (int i = 0; i < KX_CLAIM_COUNT; i++) {
		enum kx_claim_id id = (enum kx_claim_id)i;
		if (c->values[i] == NULL)
			continue;
		struct kx_verdict *v = new_verdict(out, id, end, c);
		if (v == NULL || v->claimed == NULL)
			return kx_errorf(err, errlen, "out of memory");
		char why[400];
		int ret = 0;
		if (kx_claim_form(c, id, why, sizeof why) != 0) {
			v->kind = KX_VERDICT_MALFORMED;
			snprintf(v->naming.explanation, sizeof v->naming.explanation, "%s", why);
		} else if (id == KX_CLAIM_EXPORT || id == KX_CLAIM_KEY_ID || id == KX_CLAIM_KEY) {
			ret = judge_export_part(j, v,
			                        id == KX_CLAIM_EXPORT   ? KX_PART_EXPORT
			                        : id == KX_CLAIM_KEY_ID ? KX_PART_KEY_ID
			                                                : KX_PART_KEY,
			                        err, errlen);
		} else if (id == KX_CLAIM_KEYID) {
			ret = judge_keyid(j, v, err, errlen);
		} else if (id == KX_CLAIM_KPSA) {
			ret = judge_kpsa(j, c, v, err, errlen);
		} else {
			ret = judge_e2e(j, c, v, e2e_hash, err, errlen);
		}
		if (ret != 0)
			return -1;
		if (v->kind == KX_VERDICT_AGREE || v->kind == KX_VERDICT_ACCEPTED)
			out->agreed++;
		else
			out->disagreed++;
	}
	return 0;
}

/* ---- reports and sentences ---- */

json_t *kx_verdict_json(const struct kx_verdict *v)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "name", kx_claim_name(v->claim), "source", v->source,
	                      "claimed", v->claimed != NULL ? v->claimed : "");
	if (v->end[0] != '\0')
		json_object_set_new(o, "end", json_string(v->end));
	if (v->expected != NULL)
		json_object_set_new(o, "expected", json_string(v->expected));
	if (v->hash[0] != '\0')
		json_object_set_new(o, "hash", json_string(v->hash));
	if (v->reading[0] != '\0')
		json_object_set_new(o, "reading", json_string(v->reading));
	json_object_set_new(o, "verdict", json_string(kx_verdict_kind_name(v->kind)));
	json_object_set_new(o, "mistake",
	                    v->naming.name[0] != '\0' ? json_string(v->naming.name) : json_null());
	json_object_set_new(o, "explanation",
	                    json_string(v->kind == KX_VERDICT_AGREE ? "" : v->naming.explanation));
	return o;
}

json_t *kx_verdicts_json(const struct kx_verdicts *list)
{
	json_t *array = json_array();
	for (size_t i = 0; i < list->n; i++)
		json_array_append_new(array, kx_verdict_json(&list->v[i]));
	return array;
}

/* A wrong value as the sentences see it, from a typed verdict or a report object. */
struct wrong {
	const char *end, *name, *source, *verdict, *mistake, *explanation;
	int said;
};

static int same_text(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* 1 if item is one of the ", "-separated items of list. */
static int listed(const char *list, const char *item)
{
	size_t len = strlen(item);
	for (const char *p = list; (p = strstr(p, item)) != NULL; p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == '\0' || p[len] == ','))
			return 1;
	return 0;
}

/* The sentences of the wrong values, in every mode: one per end and mistake, naming every value
 * it explains, "END's NAME, NAME (SOURCE, SOURCE) disagree(s)[, MISTAKE]: EXPLANATION". */
static void say(struct wrong *w, size_t n, char *buf, size_t cap)
{
	for (size_t i = 0; i < n; i++) {
		if (w[i].said)
			continue;
		char names[300] = "", sources[200] = "";
		size_t count = 0;
		for (size_t k = i; k < n; k++) {
			if (w[k].said || !same_text(w[k].end, w[i].end) ||
			    !same_text(w[k].verdict, w[i].verdict) ||
			    !same_text(w[k].mistake, w[i].mistake) ||
			    !same_text(w[k].explanation, w[i].explanation))
				continue;
			w[k].said = 1;
			count++;
			if (!listed(names, w[k].name))
				kx_appendf(names, sizeof names, "%s%s", names[0] ? ", " : "", w[k].name);
			if (!listed(sources, w[k].source))
				kx_appendf(sources, sizeof sources, "%s%s", sources[0] ? ", " : "",
				           w[k].source);
		}
		int malformed = strcmp(w[i].verdict, "malformed") == 0;
		const char *mistake = w[i].mistake != NULL ? w[i].mistake : "";
		const char *explanation = w[i].explanation != NULL ? w[i].explanation : "";
		kx_appendf(buf, cap, "%s%s%s%s (%s) %s%s%s%s%s", buf[0] ? "; " : "", w[i].end,
		           w[i].end[0] ? "'s " : "", names, sources,
		           malformed ? (count > 1 ? "are malformed" : "is malformed")
		                     : (count > 1 ? "disagree" : "disagrees"),
		           mistake[0] ? ", " : "", mistake, explanation[0] ? ": " : "", explanation);
	}
}

void kx_verdicts_diagnose(const struct kx_verdicts *list, char *buf, size_t cap)
{
	struct wrong *w = calloc(list->n + 1, sizeof *w);
	size_t n = 0;
	for (size_t i = 0; w != NULL && i < list->n; i++) {
		const struct kx_verdict *v = &list->v[i];
		if (v->kind == KX_VERDICT_DISAGREE || v->kind == KX_VERDICT_MALFORMED)
			w[n++] = (struct wrong){
			    v->end,         kx_claim_name(v->claim), v->source, kx_verdict_kind_name(v->kind),
			    v->naming.name, v->naming.explanation,   0};
	}
	if (w != NULL)
		say(w, n, buf, cap);
	free(w);
}

void kx_verdicts_json_diagnose(json_t *verdicts, char *buf, size_t cap)
{
	struct wrong *w = calloc(json_array_size(verdicts) + 1, sizeof *w);
	size_t n = 0, i;
	json_t *o;
	json_array_foreach(verdicts, i, o)
	{
		const char *verdict = kx_json_get_string(o, "verdict");
		if (w == NULL || verdict == NULL || strcmp(verdict, "agree") == 0 ||
		    strcmp(verdict, "accepted") == 0)
			continue;
		const char *end = kx_json_get_string(o, "end");
		w[n++] = (struct wrong){end != NULL ? end : "",
		                        kx_json_get_string(o, "name"),
		                        kx_json_get_string(o, "source"),
		                        verdict,
		                        kx_json_get_string(o, "mistake"),
		                        kx_json_get_string(o, "explanation"),
		                        0};
	}
	if (w != NULL)
		say(w, n, buf, cap);
	free(w);
}

void kx_verdicts_free(struct kx_verdicts *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].claimed);
		free(list->v[i].expected);
	}
	free(list->v);
	memset(list, 0, sizeof *list);
}

/* ---- the claims modes (live, http, verify) ---- */

void kx_judge_recomputed_by(json_t *reference, char *out, size_t len)
{
	size_t i;
	json_t *name;
	out[0] = '\0';
	json_array_foreach(json_object_get(reference, "recomputed_by"), i, name)
	{
		kx_appendf(out, len, "%s%s", i ? ", " : "", json_string_value(name));
	}
}

json_t *kx_claims_check(const struct kx_claims_context *ctx, const struct kx_claims *c, size_t *disagreed,
                        char *err, size_t errlen)
{
	*disagreed = 0;
	struct kx_judge_session session = {ctx->prf_hash,      ctx->master_secret, ctx->client_random,
	                                   ctx->server_random, ctx->label,         ctx->fqdn,
	                                   ctx->enrolee_b_id,  ctx->keyid_reading};
	struct kx_judge j;
	size_t n_refs = ctx->n_recomputers < 2 ? ctx->n_recomputers : 2;
	if (kx_judge_open(&j, ctx->pool, ctx->recomputers, n_refs, &session, err, errlen) != 0)
		return NULL;
	if (ctx->own_export != NULL) {
		char ref_hex[2 * KX_EXPORT_LEN + 1];
		kx_hex_encode(j.export_in.reference, KX_EXPORT_LEN, ref_hex, 0);
		json_object_set_new(j.reference, "harness_export",
		                    json_pack("{s:s, s:s}", "by",
		                              ctx->own_name ? ctx->own_name : "the harness", "value",
		                              ctx->own_export));
		if (strcasecmp(ref_hex, ctx->own_export) != 0) {
			kx_errorf(err, errlen,
			          "%s exported %s, but the TLS 1.2 PRF of its session's secrets is %s (%s): "
			          "the harness's "
			          "reference is broken",
			          ctx->own_name ? ctx->own_name : "the harness", ctx->own_export, ref_hex,
			          ctx->pool->names[ctx->recomputers[0]]);
			kx_judge_close(&j);
			return NULL;
		}
	}
	struct kx_verdicts list = {0};
	json_t *result = NULL;
	if (kx_judge_claims(&j, c, ctx->end != NULL ? ctx->end : "", NULL, &list, err, errlen) == 0) {
		*disagreed = list.disagreed;
		result = json_pack("{s:O, s:o, s:I, s:I}", "reference", j.reference, "claims",
		                   kx_verdicts_json(&list), "agreed", (json_int_t)list.agreed, "disagreed",
		                   (json_int_t)list.disagreed);
	}
	kx_verdicts_free(&list);
	kx_judge_close(&j);
	return result;
}
