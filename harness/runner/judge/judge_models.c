/* judge_models.c - the models of docs/mistakes.md, one family per derivation.
 *
 * Every family works the same way: the value is compared with what each
 * single mistake gives, then with what two mistakes together give; the first
 * that matches names it. Models are computed only when a value is wrong, and
 * only as far as needed. All arithmetic is HMAC from a reference driver
 * (judge_crypto.c), so a name never rests on the implementation under test. */
#include "runner/judge/judge_models.h"

#include "core/hex.h"
#include "core/nfkc.h"
#include "derive/e2e_kdf.h"
#include "derive/enrolment_kdf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const onem2m_labels[] = {"EXPORTER-oneM2M-Bootstrap", "EXPORTER-oneM2M-Connection",
                                            "EXPORTER-oneM2M-ESCertKE"};

static void name_it(struct kx_naming *naming, const char *name, const char *explanation)
{
	snprintf(naming->name, sizeof naming->name, "%s", name);
	snprintf(naming->explanation, sizeof naming->explanation, "%s", explanation);
}

static void name_pair(struct kx_naming *naming, const char *name1, const char *expl1, const char *name2,
                      const char *expl2)
{
	snprintf(naming->name, sizeof naming->name, "%s+%s", name1, name2);
	snprintf(naming->explanation, sizeof naming->explanation, "%s; and %s", expl1, expl2);
}

/* ---- exported keying material ------------------------------------------------------- */

static const char split_explanation[] =
    "the identifier taken from the last 16 bytes of the export and the key from the first 32; TS-0003 "
    "10.3.1 puts the identifier in the 16 most significant (first) bytes (spec point 4)";

static const char randoms_explanation[] =
    "the PRF seed is server_random || client_random (the key-expansion order), not client_random || "
    "server_random (RFC 5705)";

static const char context_explanation[] =
    "exported with a zero-length context (RFC 5705 then appends the two length bytes 00 00 to the seed); "
    "TS-0003 10.3.1 exports with no context at all";

/* Adds one mistaken export, PRF_hash(MS, label, seed), or the given bytes. */
static int add_export(struct kx_judge_crypto *c, const struct kx_export_inputs *in,
                      struct kx_export_models *models, const char *hash, const char *label, size_t label_len,
                      const uint8_t *seed, size_t seed_len, const uint8_t *fixed, const char *name,
                      const char *explanation)
{
	if (models->n == sizeof models->m / sizeof models->m[0])
		return 0;
	uint8_t out[KX_EXPORT_LEN];
	if (fixed != NULL)
		memcpy(out, fixed, KX_EXPORT_LEN);
	else if (kx_judge_prf(c, hash, in->master_secret, sizeof in->master_secret, (const uint8_t *)label,
	                      label_len, seed, seed_len, out, KX_EXPORT_LEN) != 0)
		return -1;
	memcpy(models->m[models->n].out, out, KX_EXPORT_LEN);
	snprintf(models->m[models->n].name, sizeof models->m[0].name, "%s", name);
	snprintf(models->m[models->n].explanation, sizeof models->m[0].explanation, "%s", explanation);
	models->n++;
	return 0;
}

/* The labels an implementation may have used instead of the scenario's, with how each differs. */
static size_t other_labels(const char *label, char labels[8][80], size_t lens[8], char why[8][160])
{
	size_t n = 0, len = strlen(label);
	for (size_t i = 0; i < sizeof onem2m_labels / sizeof onem2m_labels[0]; i++)
		if (strcmp(onem2m_labels[i], label) != 0) {
			snprintf(labels[n], sizeof labels[n], "%s", onem2m_labels[i]);
			lens[n] = strlen(labels[n]);
			snprintf(why[n++], sizeof why[0], "another oneM2M label");
		}
	if (len + 2 > sizeof labels[0])
		return n;
	for (int upper = 0; upper < 2; upper++) {
		for (size_t i = 0; i <= len; i++)
			labels[n][i] = (char)(upper ? toupper((unsigned char)label[i])
			                            : tolower((unsigned char)label[i]));
		if (strcmp(labels[n], label) == 0)
			continue;
		lens[n] = len;
		snprintf(why[n++], sizeof why[0], "the label in %s case", upper ? "upper" : "lower");
	}
	memcpy(labels[n], label, len + 1); /* the NUL goes into the PRF input */
	lens[n] = len + 1;
	snprintf(why[n++], sizeof why[0], "the label followed by a NUL byte");
	if (strncmp(label, "EXPORTER-", 9) == 0) {
		snprintf(labels[n], sizeof labels[n], "%s", label + 9);
		lens[n] = len - 9;
		snprintf(why[n++], sizeof why[0], "the label without its EXPORTER- prefix");
	}
	return n;
}

static int compute_export_models(struct kx_judge_crypto *c, const struct kx_export_inputs *in,
                                 struct kx_export_models *models)
{
	uint8_t seed[66], swapped[64];
	memcpy(seed, in->client_random, 32);
	memcpy(seed + 32, in->server_random, 32);
	seed[64] = seed[65] = 0;
	memcpy(swapped, in->server_random, 32);
	memcpy(swapped + 32, in->client_random, 32);
	const char *other_hash = kx_judge_other_prf_hash(in->hash);
	size_t label_len = strlen(in->label);
	char hash_why[200];
	snprintf(hash_why, sizeof hash_why, "the PRF computed with %s; the suite's PRF hash is %s",
	         other_hash, in->hash);
	char labels[8][80], why[8][160];
	size_t lens[8];
	size_t n_labels = other_labels(in->label, labels, lens, why);

	models->computed = 1;
	models->n = 0;
	int ret = add_export(c, in, models, in->hash, in->label, label_len, swapped, 64, NULL,
	                     "randoms-swapped", randoms_explanation);
	ret |= add_export(c, in, models, in->hash, in->label, label_len, seed, 66, NULL, "empty-context",
	                  context_explanation);
	ret |= add_export(c, in, models, other_hash, in->label, label_len, seed, 64, NULL, "wrong-prf-hash",
	                  hash_why);
	for (size_t i = 0; ret == 0 && i < n_labels; i++) {
		char text[400];
		snprintf(text, sizeof text, "exported with the label \"%.*s\"%s (%s), not \"%s\"",
		         (int)strnlen(labels[i], lens[i]), labels[i],
		         lens[i] > strlen(labels[i]) ? " + NUL" : "", why[i], in->label);
		ret |= add_export(c, in, models, in->hash, labels[i], lens[i], seed, 64, NULL, "wrong-label",
		                  text);
	}
	ret |= add_export(c, in, models, in->hash, "key expansion", 13, swapped, 64, NULL, "key-expansion",
	                  "the TLS key block PRF(master_secret, \"key expansion\", server_random || "
	                  "client_random), not an export");
	ret |= add_export(c, in, models, NULL, NULL, 0, NULL, 0, in->master_secret, "master-secret",
	                  "the master secret itself, not an export of it");
	/* Two together: the randoms swapped with a wrong context, hash or label. */
	uint8_t swapped_ctx[66];
	memcpy(swapped_ctx, swapped, 64);
	swapped_ctx[64] = swapped_ctx[65] = 0;
	char both[600];
	snprintf(both, sizeof both, "%s; and %s", randoms_explanation, context_explanation);
	ret |= add_export(c, in, models, in->hash, in->label, label_len, swapped_ctx, 66, NULL,
	                  "randoms-swapped+empty-context", both);
	snprintf(both, sizeof both, "%s; and %s", randoms_explanation, hash_why);
	ret |= add_export(c, in, models, other_hash, in->label, label_len, swapped, 64, NULL,
	                  "randoms-swapped+wrong-prf-hash", both);
	for (size_t i = 0; ret == 0 && i < n_labels; i++) {
		snprintf(both, sizeof both, "%s; and exported with the label \"%.*s\" (%s)",
		         randoms_explanation, (int)strnlen(labels[i], lens[i]), labels[i], why[i]);
		ret |= add_export(c, in, models, in->hash, labels[i], lens[i], swapped, 64, NULL,
		                  "randoms-swapped+wrong-label", both);
	}
	return ret != 0 ? -1 : 0;
}

/* Where a part of the export lies, with the reference split or the swapped one. */
static void part_slice(enum kx_export_part part, int swapped, size_t *offset, size_t *len)
{
	*offset = 0;
	*len = KX_EXPORT_LEN;
	if (part == KX_PART_KEY_ID) {
		*offset = swapped ? KX_EXPORT_LEN - KX_KEY_ID_LEN : 0;
		*len = KX_KEY_ID_LEN;
	} else if (part == KX_PART_KEY) {
		*offset = swapped ? 0 : KX_KEY_ID_LEN;
		*len = KX_KEY_LEN;
	}
}

static int part_is(const uint8_t export[KX_EXPORT_LEN], enum kx_export_part part, int swapped,
                   const uint8_t *bytes, size_t len)
{
	size_t offset, want;
	part_slice(part, swapped, &offset, &want);
	return len == want && memcmp(export + offset, bytes, len) == 0;
}

int kx_name_export_part(struct kx_judge_crypto *c, const struct kx_export_inputs *in,
                        struct kx_export_models *models, enum kx_export_part part, const uint8_t *bytes,
                        size_t len, struct kx_naming *naming)
{
	int splits = part == KX_PART_EXPORT ? 1 : 2;
	if (splits == 2 && part_is(in->reference, part, 1, bytes, len)) {
		name_it(naming, "split-swapped", split_explanation);
		return 1;
	}
	if (!models->computed && compute_export_models(c, in, models) != 0)
		return -1;
	for (int swapped = 0; swapped < splits; swapped++)
		for (size_t i = 0; i < models->n; i++) {
			if (!part_is(models->m[i].out, part, swapped, bytes, len))
				continue;
			if (swapped)
				name_pair(naming, models->m[i].name, models->m[i].explanation,
				          "split-swapped", split_explanation);
			else
				name_it(naming, models->m[i].name, models->m[i].explanation);
			return 1;
		}
	name_it(
	    naming, "",
	    "no known mistake gives these bytes (checked: the randoms swapped, an empty context, the other "
	    "PRF "
	    "hash, other labels, the key block, the master secret, the split swapped, and pairs of them); "
	    "another master secret, label or length?");
	return 0;
}

/* ---- end-to-end keys ---------------------------------------------------------------- */

enum e2e_expansion {
	EXPAND_REFERENCE,
	EXPAND_HKDF_SINGLE_INFO,
	EXPAND_HKDF_PER_KEY,
	EXPAND_LABEL_TRAILING_NUL,
	EXPAND_COUNTER_FROM_ZERO,
	EXPAND_COUNTER_CONSTANT,
	EXPAND_UNCHAINED,
	EXPAND_COUNT
};

static const struct {
	const char *name;
	const char *explanation;
} expansions[EXPAND_COUNT] = {
    [EXPAND_REFERENCE] = {"", ""},
    [EXPAND_HKDF_SINGLE_INFO] =
        {"hkdf-single-info", "T(1)..T(4) computed as one RFC 5869 HKDF-Expand with the single info \"E2E "
                             "Message Authentication Key\", not with a label per block as clause 10.3.6.1 "
                             "writes (spec point 2)"},
    [EXPAND_HKDF_PER_KEY] = {"hkdf-per-key",
                             "an independent one-block HKDF-Expand per key (counter always 1, "
                             "no chaining), not the chained blocks of clause 10.3.6.1 (spec "
                             "point 2)"},
    [EXPAND_LABEL_TRAILING_NUL] = {"label-trailing-nul", "each label followed by a NUL byte (spec point 2)"},
    [EXPAND_COUNTER_FROM_ZERO] = {"counter-from-zero",
                                  "the block counter starts at 0 (T(i) uses the byte i - 1); clause 10.3.6.1 "
                                  "counts from 1"},
    [EXPAND_COUNTER_CONSTANT] = {"counter-constant", "the block counter is always 1 (the chain kept); clause "
                                                     "10.3.6.1 uses i for T(i)"},
    [EXPAND_UNCHAINED] = {"unchained", "T(i) = HMAC-Hash(Ke2e_master, label_i | i): T(i-1) is left out of "
                                       "each block, which clause 10.3.6.1 chains in"},
};

/* Ke2e_master = HMAC(salt, kpsa) (or swapped), then the expansion `how`. */
static int derive_e2e(struct kx_judge_crypto *c, const char *hash, const uint8_t *kpsa, size_t kpsa_len,
                      const uint8_t *salt, size_t salt_len, int extract_swapped, enum e2e_expansion how,
                      struct kx_e2e_keys_value *out)
{
	size_t hlen = kx_judge_hash_len(hash);
	out->len = hlen;
	if ((extract_swapped ? kx_judge_hmac(c, hash, kpsa, kpsa_len, salt, salt_len, out->master)
	                     : kx_judge_hmac(c, hash, salt, salt_len, kpsa, kpsa_len, out->master)) < 0)
		return -1;
	if (how == EXPAND_HKDF_SINGLE_INFO) {
		uint8_t okm[4 * KX_JUDGE_HASH_MAX];
		const char *info = kx_e2e_labels[0];
		if (kx_judge_hkdf_expand(c, hash, out->master, hlen, (const uint8_t *)info, strlen(info), okm,
		                         4 * hlen) != 0)
			return -1;
		for (int i = 0; i < 4; i++)
			memcpy(out->t[i], okm + (size_t)i * hlen, hlen);
		return 0;
	}
	uint8_t buf[KX_JUDGE_HASH_MAX + 64];
	for (int i = 0; i < 4; i++) {
		size_t n = 0;
		int chained = how != EXPAND_HKDF_PER_KEY && how != EXPAND_UNCHAINED;
		if (chained && i > 0) {
			memcpy(buf, out->t[i - 1], hlen);
			n = hlen;
		}
		size_t label_len = strlen(kx_e2e_labels[i]);
		memcpy(buf + n, kx_e2e_labels[i], label_len);
		n += label_len;
		if (how == EXPAND_LABEL_TRAILING_NUL)
			buf[n++] = 0;
		uint8_t counter = (uint8_t)(i + 1);
		if (how == EXPAND_COUNTER_FROM_ZERO)
			counter = (uint8_t)i;
		else if (how == EXPAND_COUNTER_CONSTANT || how == EXPAND_HKDF_PER_KEY)
			counter = 1;
		buf[n++] = counter;
		if (kx_judge_hmac(c, hash, out->master, hlen, buf, n, out->t[i]) < 0)
			return -1;
	}
	return 0;
}

int kx_model_e2e_reference(struct kx_judge_crypto *c, const struct kx_e2e_inputs *in,
                           struct kx_e2e_keys_value *out)
{
	return derive_e2e(c, in->hash, in->kpsa, in->kpsa_len, in->salt, in->salt_len, 0, EXPAND_REFERENCE,
	                  out);
}

static const uint8_t *key_of(const struct kx_e2e_keys_value *keys, int which)
{
	return which == 0 ? keys->master : keys->t[which - 1];
}

static int key_is(const struct kx_e2e_keys_value *keys, int which, const uint8_t *bytes, size_t len)
{
	return len == keys->len && memcmp(key_of(keys, which), bytes, len) == 0;
}

/* The salts an implementation may have used instead of the right one. */
struct salt_model {
	const char *name;
	const char *explanation;
	uint8_t *bytes;
	size_t len;
};

static size_t salt_models(const struct kx_e2e_inputs *in, struct salt_model out[3])
{
	size_t n = 0;
	out[n++] =
	    (struct salt_model){"salt-missing",
	                        "the salt left out (an empty salt, the same as HashLen zero bytes); clause "
	                        "10.3.6 keys Ke2e_master with the salt, the Enrolee-B-ID (spec point 5)",
	                        NULL, 0};
	if (in->enrolee_b_id == NULL)
		return n;
	size_t id_len = strlen(in->enrolee_b_id);
	if (id_len != in->salt_len || memcmp(in->enrolee_b_id, in->salt, id_len) != 0) {
		uint8_t *raw = malloc(id_len + 1);
		if (raw != NULL) {
			memcpy(raw, in->enrolee_b_id, id_len);
			out[n++] = (struct salt_model){
			    "missing-nfkc",
			    "the Enrolee-B-ID used as the salt without NFKC normalisation "
			    "(TS-0003 10.3.6)",
			    raw, id_len};
		}
	}
	uint8_t *nfc = NULL;
	size_t nfc_len = 0;
	if (kx_nfc(in->enrolee_b_id, id_len, &nfc, &nfc_len) == 0 &&
	    (nfc_len != in->salt_len || memcmp(nfc, in->salt, nfc_len) != 0) &&
	    (nfc_len != id_len || memcmp(nfc, in->enrolee_b_id, id_len) != 0))
		out[n++] = (struct salt_model){
		    "nfc-not-nfkc", "the Enrolee-B-ID normalised with NFC, not NFKC (TS-0003 10.3.6)", nfc,
		    nfc_len};
	else
		free(nfc);
	return n;
}

int kx_name_e2e(struct kx_judge_crypto *c, const struct kx_e2e_inputs *in,
                const struct kx_e2e_keys_value *reference, int which, const uint8_t *bytes, size_t len,
                struct kx_naming *naming)
{
	struct kx_e2e_keys_value model;
	size_t hlen = kx_judge_hash_len(in->hash);
	const char *what = which == 0 ? "Ke2e_master" : "this key";
	if (len != hlen) {
		const char *other = strcmp(in->hash, "SHA-512") == 0 ? "SHA-256" : "SHA-512";
		char text[400];
		if (derive_e2e(c, other, in->kpsa, in->kpsa_len, in->salt, in->salt_len, 0, EXPAND_REFERENCE,
		               &model) != 0)
			return -1;
		if (key_is(&model, which, bytes, len)) {
			snprintf(text, sizeof text, "computed with HMAC-%s where HMAC-%s was asked for",
			         other, in->hash);
			name_it(naming, "wrong-hash", text);
			return 1;
		}
		if (len < hlen && memcmp(key_of(reference, which), bytes, len) == 0) {
			snprintf(text, sizeof text,
			         "the HMAC-%s output cut to %zu bytes; every key is HashLen (%zu) bytes, "
			         "never cut "
			         "(spec point 13)",
			         in->hash, len, hlen);
			name_it(naming, "truncated", text);
			return 1;
		}
		snprintf(text, sizeof text,
		         "%s is %zu bytes; HMAC-%s gives %zu, and neither the other hash nor a cut output "
		         "explains "
		         "it",
		         what, len, in->hash, hlen);
		name_it(naming, "", text);
		return 0;
	}
	for (int j = 1; which > 0 && j <= 4; j++)
		if (j != which && key_is(reference, j, bytes, len)) {
			char text[200];
			snprintf(text, sizeof text,
			         "this is the reference T(%d), given as T(%d): the keys are in another "
			         "order than clause 10.3.6.1's",
			         j, which);
			name_it(naming, "t-order", text);
			return 1;
		}
	struct salt_model salts[3];
	size_t n_salts = salt_models(in, salts);
	int found = 0;
	/* One mistake: an expansion, the extract swapped, a salt; then a salt with an expansion. */
	for (int e = 0; !found && e < EXPAND_COUNT; e++) {
		for (int swapped = 0; !found && swapped < 2; swapped++) {
			if ((e == EXPAND_REFERENCE) == !swapped)
				continue;
			if (derive_e2e(c, in->hash, in->kpsa, in->kpsa_len, in->salt, in->salt_len, swapped,
			               (enum e2e_expansion)e, &model) != 0) {
				found = -1;
				break;
			}
			if (key_is(&model, which, bytes, len)) {
				if (swapped)
					name_it(naming, "extract-swapped",
					        "Ke2e_master = HMAC-Hash(Kpsa, Salt): key and message "
					        "swapped; clause "
					        "10.3.6 keys the HMAC with the salt, as RFC 5869 extract "
					        "does (spec point "
					        "3)");
				else
					name_it(naming, expansions[e].name, expansions[e].explanation);
				found = 1;
			}
		}
	}
	for (size_t s = 0; found == 0 && s < n_salts; s++)
		for (int e = 0; found == 0 && e < EXPAND_COUNT; e++) {
			if (derive_e2e(c, in->hash, in->kpsa, in->kpsa_len, salts[s].bytes, salts[s].len, 0,
			               (enum e2e_expansion)e, &model) != 0) {
				found = -1;
				break;
			}
			if (!key_is(&model, which, bytes, len))
				continue;
			if (e == EXPAND_REFERENCE)
				name_it(naming, salts[s].name, salts[s].explanation);
			else
				name_pair(naming, salts[s].name, salts[s].explanation, expansions[e].name,
				          expansions[e].explanation);
			found = 1;
		}
	for (size_t s = 0; s < n_salts; s++)
		free(salts[s].bytes);
	if (found == 0)
		name_it(
		    naming, "",
		    "no known mistake gives these bytes (checked: the derivation variants of spec points 2 "
		    "and 3, "
		    "the counter, the chaining, the key order, the salt left out or not NFKC-normalised, and "
		    "pairs of them); another Kpsa or salt?");
	return found;
}

/* ---- enrolment derivations ---------------------------------------------------------------- */

static int enrolment_hmac(struct kx_judge_crypto *c, const uint8_t *key, size_t key_len, const char *first,
                          size_t first_len, const char *sep, size_t sep_len, const uint8_t *second,
                          size_t second_len, int swapped, uint8_t out[KX_JUDGE_HASH_MAX])
{
	size_t n = first_len + sep_len + second_len;
	uint8_t *data = malloc(n + 1);
	if (data == NULL)
		return -1;
	memcpy(data, first, first_len);
	memcpy(data + first_len, sep, sep_len);
	memcpy(data + first_len + sep_len, second, second_len);
	int ret = swapped ? kx_judge_hmac(c, "SHA-256", data, n, key, key_len, out)
	                  : kx_judge_hmac(c, "SHA-256", key, key_len, data, n, out);
	free(data);
	return ret < 0 ? -1 : 0;
}

int kx_name_enrolment(struct kx_judge_crypto *c, const struct kx_enrolment_inputs *in, const uint8_t *bytes,
                      size_t len, struct kx_naming *naming)
{
	const char *label = kx_enrolment_labels[in->kpsa ? KX_ENROLMENT_KPSA : KX_ENROLMENT_KM];
	const char *other_label = kx_enrolment_labels[in->kpsa ? KX_ENROLMENT_KM : KX_ENROLMENT_KPSA];
	size_t id_len = strlen(in->identifier), label_len = strlen(label);
	uint8_t *nfkc = NULL, *nfc = NULL;
	size_t nfkc_len = 0, nfc_len = 0;
	if (len != 32) {
		char text[200];
		snprintf(text, sizeof text, "%zu bytes; HMAC-SHA-256 gives 32", len);
		name_it(naming, "", text);
		return 0;
	}
	if (kx_nfkc(in->identifier, id_len, &nfkc, &nfkc_len) != 0 ||
	    kx_nfc(in->identifier, id_len, &nfc, &nfc_len) != 0) {
		free(nfkc);
		free(nfc);
		name_it(naming, "", "the identifier is not well-formed UTF-8");
		return 0;
	}
	const struct {
		const char *name;
		const char *first;
		size_t first_len;
		const char *sep;
		size_t sep_len;
		const uint8_t *second;
		size_t second_len;
		int swapped;
		int applies;
		const char *explanation;
	} models[] = {
	    {"missing-nfkc", label, label_len, "", 0, (const uint8_t *)in->identifier, id_len, 0,
	     nfkc_len != id_len || memcmp(nfkc, in->identifier, id_len) != 0,
	     "the identifier used without NFKC normalisation (TS-0003: UTF-8, NFKC-normalised)"},
	    {"nfc-not-nfkc", label, label_len, "", 0, nfc, nfc_len, 0,
	     (nfc_len != nfkc_len || memcmp(nfc, nfkc, nfc_len) != 0) &&
	         (nfc_len != id_len || memcmp(nfc, in->identifier, id_len) != 0),
	     "the identifier normalised with NFC, not NFKC"},
	    {"labels-exchanged", other_label, strlen(other_label), "", 0, nfkc, nfkc_len, 0, 1,
	     in->kpsa ? "the Km label used for Kpsa" : "the Kpsa label used for Km"},
	    {"separator", label, label_len, "\0", 1, nfkc, nfkc_len, 0, 1,
	     "a NUL byte between the label and the identifier, which TS-0003 concatenates with no separator"},
	    {"separator", label, label_len, " ", 1, nfkc, nfkc_len, 0, 1,
	     "a space between the label and the identifier, which TS-0003 concatenates with no separator"},
	    {"separator", label, label_len, ":", 1, nfkc, nfkc_len, 0, 1,
	     "a ':' between the label and the identifier, which TS-0003 concatenates with no separator"},
	    {"separator", label, label_len, "|", 1, nfkc, nfkc_len, 0, 1,
	     "a '|' between the label and the identifier, which TS-0003 concatenates with no separator"},
	    {"identifier-first", (const char *)nfkc, nfkc_len, "", 0, (const uint8_t *)label, label_len, 0, 1,
	     "the identifier before the label; TS-0003 writes label || identifier"},
	    {"hmac-swapped", label, label_len, "", 0, nfkc, nfkc_len, 1, 1,
	     "HMAC keyed with label || identifier over Ke: key and message swapped"},
	    {"no-identifier", label, label_len, "", 0, nfkc, 0, 0, 1,
	     "the identifier left out: HMAC over the label alone"},
	};
	int found = 0;
	for (size_t i = 0; found == 0 && i < sizeof models / sizeof models[0]; i++) {
		uint8_t out[KX_JUDGE_HASH_MAX];
		if (!models[i].applies)
			continue;
		if (enrolment_hmac(c, in->ke, in->ke_len, models[i].first, models[i].first_len, models[i].sep,
		                   models[i].sep_len, models[i].second, models[i].second_len,
		                   models[i].swapped, out) != 0)
			found = -1;
		else if (memcmp(out, bytes, 32) == 0) {
			name_it(naming, models[i].name, models[i].explanation);
			found = 1;
		}
	}
	free(nfkc);
	free(nfc);
	if (found == 0)
		name_it(naming, "",
		        "no known mistake gives these bytes (checked: the identifier without NFKC or with "
		        "NFC, the "
		        "labels exchanged, a separator, the order, the HMAC arguments swapped, the "
		        "identifier left "
		        "out); another Ke or identifier?");
	return found;
}

/* ---- PRF and HKDF ---------------------------------------------------------------------------- */

int kx_name_prf(struct kx_judge_crypto *c, const char *hash, const uint8_t *secret, size_t secret_len,
                const char *label, const uint8_t *seed, size_t seed_len, const uint8_t *bytes, size_t len,
                struct kx_naming *naming)
{
	const char *other = kx_judge_other_prf_hash(hash);
	uint8_t *out = malloc(len + 1);
	if (out == NULL)
		return -1;
	int ret = kx_judge_prf(c, other, secret, secret_len, (const uint8_t *)label, strlen(label), seed,
	                       seed_len, out, len);
	int found = ret != 0 ? -1 : memcmp(out, bytes, len) == 0;
	free(out);
	if (found == 1) {
		char text[200];
		snprintf(text, sizeof text, "the PRF computed with %s, not %s", other, hash);
		name_it(naming, "wrong-prf-hash", text);
	} else if (found == 0) {
		name_it(naming, "", "no known mistake gives these bytes (checked: the other PRF hash)");
	}
	return found;
}

int kx_name_hkdf(struct kx_judge_crypto *c, const char *hash, const uint8_t *ikm, size_t ikm_len,
                 const uint8_t *salt, size_t salt_len, const uint8_t *info, size_t info_len, int is_prk,
                 const uint8_t *bytes, size_t len, struct kx_naming *naming)
{
	uint8_t prk[KX_JUDGE_HASH_MAX];
	int hlen = kx_judge_hmac(c, hash, ikm, ikm_len, salt, salt_len, prk);
	if (hlen < 0)
		return -1;
	int found = 0;
	if (is_prk) {
		found = len == (size_t)hlen && memcmp(prk, bytes, len) == 0;
	} else {
		uint8_t *okm = malloc(len + 1);
		if (okm == NULL ||
		    kx_judge_hkdf_expand(c, hash, prk, (size_t)hlen, info, info_len, okm, len) != 0)
			found = -1;
		else
			found = memcmp(okm, bytes, len) == 0;
		free(okm);
	}
	if (found == 1)
		name_it(naming, "extract-swapped",
		        "PRK = HMAC-Hash(IKM, salt): key and message swapped; RFC 5869 keys the extract with "
		        "the salt");
	else if (found == 0)
		name_it(naming, "",
		        "no known mistake gives these bytes (checked: the extract's arguments swapped)");
	return found;
}
