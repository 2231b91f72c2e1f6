/* claims.c - reading claims and judging them against the reference.
 *
 * The reference is what the reference drivers compute from the session's
 * master secret and randoms; every recomputing driver must give the same
 * bytes, and in live mode so must the harness's own end, or there is no
 * reference to judge by (an error, not a disagreement). A wrong claim is then
 * compared with what each known mistake, alone or two together, would have
 * produced from the same secrets; the first that matches names it. The
 * mistakes are those of ../shared/spec/README.md, modelled by the reference
 * drivers as variants (docs/driver-protocol.md) or, for the split and the key
 * identifier readings, by the core. */
#include "runner/claims.h"

#include "core/errors.h"
#include "core/exporter_split.h"
#include "core/hex.h"
#include "core/json_io.h"
#include "core/keyid.h"
#include "core/nfkc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HASH_MAX 64
#define E2E_CANDIDATES 24
#define EXPORT_CANDIDATES 8
/* A vendor program's line, a claims file value: far above any real claim. */
#define CLAIM_TEXT_MAX 2048

static const char *const claim_names[KX_CLAIM_COUNT] = {"export", "key_id", "key", "keyid",      "t1",
                                                        "t2",     "t3",     "t4",  "ke2e_master"};

static const char *const onem2m_labels[] = {"EXPORTER-oneM2M-Bootstrap", "EXPORTER-oneM2M-Connection",
                                            "EXPORTER-oneM2M-ESCertKE"};

const char *kx_claim_name(enum kx_claim_id id)
{
	return id < KX_CLAIM_COUNT ? claim_names[id] : "unknown";
}

static int claim_from_name(const char *name, size_t len, enum kx_claim_id *id)
{
	for (int i = 0; i < KX_CLAIM_COUNT; i++)
		if (strlen(claim_names[i]) == len && strncmp(claim_names[i], name, len) == 0) {
			*id = (enum kx_claim_id)i;
			return 0;
		}
	return -1;
}

static int is_e2e(enum kx_claim_id id)
{
	return id >= KX_CLAIM_T1 && id <= KX_CLAIM_KE2E_MASTER;
}

/* ---- reading claims ----------------------------------------------------------- */

int kx_claims_set(struct kx_claims *c, enum kx_claim_id id, const char *value, size_t len, const char *source,
                  char *err, size_t errlen)
{
	if (c->values[id] != NULL)
		return kx_errorf(err, errlen, "claim %s is given twice (%s and %s)", claim_names[id],
		                 c->sources[id], source);
	if (len > CLAIM_TEXT_MAX)
		return kx_errorf(err, errlen, "claim %s is %zu characters long; no claim is longer than %d",
		                 claim_names[id], len, CLAIM_TEXT_MAX);
	char *text = malloc(len + 1);
	if (text == NULL)
		return kx_errorf(err, errlen, "out of memory");
	size_t n = 0;
	if (id == KX_CLAIM_KEYID) {
		/* Text: only the blanks around it go (a line's end, an indentation). */
		while (len > 0 && strchr(" \t\r\n", value[0]) != NULL) {
			value++;
			len--;
		}
		while (len > 0 && strchr(" \t\r\n", value[len - 1]) != NULL)
			len--;
		memcpy(text, value, len);
		n = len;
	} else {
		/* Hex: programs print it in groups, over lines or with colons; keep the digits. */
		for (size_t i = 0; i < len; i++)
			if (strchr(" \t\r\n:", value[i]) == NULL)
				text[n++] = value[i];
	}
	text[n] = '\0';
	c->values[id] = text;
	snprintf(c->sources[id], sizeof c->sources[id], "%s", source);
	return 0;
}

int kx_claims_parse_arg(struct kx_claims *c, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	enum kx_claim_id id;
	if (eq == NULL || claim_from_name(arg, (size_t)(eq - arg), &id) != 0)
		return kx_errorf(
		    err, errlen,
		    "bad claim \"%.200s\": expected NAME=VALUE with NAME one of export, key_id, key, "
		    "keyid, t1, t2, "
		    "t3, t4, ke2e_master",
		    arg);
	return kx_claims_set(c, id, eq + 1, strlen(eq + 1), "--claim", err, errlen);
}

int kx_claims_load_file(struct kx_claims *c, const char *path, char *err, size_t errlen)
{
	json_error_t error;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (root == NULL)
		return kx_errorf(err, errlen, "%s: not readable as JSON: %s (line %d)", path, error.text,
		                 error.line);
	int ret = 0;
	if (!json_is_object(root))
		ret = kx_errorf(err, errlen, "%s: must be a JSON object {\"NAME\": \"VALUE\", ...}", path);
	const char *key;
	json_t *value;
	json_object_foreach(root, key, value)
	{
		enum kx_claim_id id;
		char why[300];
		if (ret != 0)
			break;
		if (claim_from_name(key, strlen(key), &id) != 0)
			ret = kx_errorf(
			    err, errlen,
			    "%s: \"%s\" is not a claim (export, key_id, key, keyid, t1, t2, t3, t4, "
			    "ke2e_master)",
			    path, key);
		else if (!json_is_string(value))
			ret = kx_errorf(err, errlen, "%s: claim \"%s\" must be a string", path, key);
		else if (kx_claims_set(c, id, json_string_value(value), json_string_length(value),
		                       "claims file", why, sizeof why) != 0)
			ret = kx_errorf(err, errlen, "%s: %s", path, why);
	}
	json_decref(root);
	return ret;
}

int kx_claims_add_pattern(struct kx_claims *c, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	enum kx_claim_id id;
	if (eq == NULL || claim_from_name(arg, (size_t)(eq - arg), &id) != 0)
		return kx_errorf(err, errlen,
		                 "bad claim pattern \"%.200s\": expected NAME=REGEX with NAME one of export, "
		                 "key_id, key, keyid, "
		                 "t1, t2, t3, t4, ke2e_master",
		                 arg);
	if (c->n_patterns == KX_MAX_CLAIM_PATTERNS)
		return kx_errorf(err, errlen, "at most %d claim patterns", KX_MAX_CLAIM_PATTERNS);
	for (size_t i = 0; i < c->n_patterns; i++)
		if (c->patterns[i].id == id)
			return kx_errorf(err, errlen, "claim %s has two patterns", claim_names[id]);
	struct kx_claim_pattern *p = &c->patterns[c->n_patterns];
	memset(p, 0, sizeof *p);
	/* REG_NEWLINE: a pattern reads lines, as a person reading the output would. */
	int rc = regcomp(&p->re, eq + 1, REG_EXTENDED | REG_NEWLINE);
	if (rc != 0) {
		char why[200];
		regerror(rc, &p->re, why, sizeof why);
		return kx_errorf(
		    err, errlen,
		    "claim pattern for %s: \"%.200s\" is not a POSIX extended regular expression: %s",
		    claim_names[id], eq + 1, why);
	}
	if (p->re.re_nsub < 1) {
		regfree(&p->re);
		return kx_errorf(err, errlen,
		                 "claim pattern for %s: \"%.200s\" has no group; put the value in ( ), e.g. "
		                 "'Keying material: "
		                 "([0-9A-Fa-f]+)'",
		                 claim_names[id], eq + 1);
	}
	p->id = id;
	snprintf(p->text, sizeof p->text, "%s", eq + 1);
	c->n_patterns++;
	return 0;
}

int kx_claims_from_options(struct kx_claims *c, const char *file, const char *const *args, size_t n_args,
                           const char *const *patterns, size_t n_patterns, char *err, size_t errlen)
{
	if (file != NULL && kx_claims_load_file(c, file, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n_args; i++)
		if (kx_claims_parse_arg(c, args[i], err, errlen) != 0)
			return -1;
	for (size_t i = 0; i < n_patterns; i++)
		if (kx_claims_add_pattern(c, patterns[i], err, errlen) != 0)
			return -1;
	return 0;
}

size_t kx_claims_match(struct kx_claims *c, const char *text)
{
	size_t unmatched = 0;
	for (size_t i = 0; i < c->n_patterns; i++) {
		struct kx_claim_pattern *p = &c->patterns[i];
		regmatch_t m[2];
		char err[200];
		if (!p->matched && regexec(&p->re, text, 2, m, 0) == 0 && m[1].rm_so >= 0 &&
		    kx_claims_set(c, p->id, text + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so),
		                  "vendor output", err, sizeof err) == 0)
			p->matched = 1;
		unmatched += !p->matched;
	}
	return unmatched;
}

int kx_claim_form(const struct kx_claims *c, enum kx_claim_id id, char *why, size_t whylen)
{
	const char *v = c->values[id];
	if (v == NULL)
		return 0;
	size_t len = strlen(v);
	if (id == KX_CLAIM_KEYID)
		return len > 0 ? 0 : kx_errorf(why, whylen, "claim keyid is empty");
	if (!kx_is_hex(v, len) || len % 2 != 0)
		return kx_errorf(why, whylen, "claim %s is not hex: \"%.100s\"%s", claim_names[id], v,
		                 len > 100 ? "..." : "");
	size_t bytes = len / 2;
	const char *s = bytes == 1 ? "" : "s";
	switch (id) {
	case KX_CLAIM_EXPORT:
		return bytes == KX_EXPORT_LEN
		           ? 0
		           : kx_errorf(why, whylen,
		                       "claim export is %zu byte%s; the oneM2M exporter output is 48 bytes "
		                       "(TS-0003 10.3.1)",
		                       bytes, s);
	case KX_CLAIM_KEY_ID:
		return bytes == KX_KEY_ID_LEN
		           ? 0
		           : kx_errorf(why, whylen,
		                       "claim key_id is %zu byte%s; the key identifier is the 16 most "
		                       "significant bytes of the export (TS-0003 10.3.1)",
		                       bytes, s);
	case KX_CLAIM_KEY:
		return bytes == KX_KEY_LEN
		           ? 0
		           : kx_errorf(
		                 why, whylen,
		                 "claim key is %zu byte%s; the key is the 32 least significant bytes of "
		                 "the export (TS-0003 10.3.1)",
		                 bytes, s);
	default:
		return bytes == 32 || bytes == 64
		           ? 0
		           : kx_errorf(
		                 why, whylen,
		                 "claim %s is %zu byte%s; an E2E key is 32 bytes (HMAC-SHA-256) or 64 bytes "
		                 "(HMAC-SHA-512) (TS-0003 10.3.6)",
		                 claim_names[id], bytes, s);
	}
}

int kx_claims_validate(const struct kx_claims *c, char *err, size_t errlen)
{
	for (int i = 0; i < KX_CLAIM_COUNT; i++)
		if (kx_claim_form(c, (enum kx_claim_id)i, err, errlen) != 0)
			return -1;
	return 0;
}

int kx_claims_need_e2e(const struct kx_claims *c)
{
	for (int i = KX_CLAIM_T1; i <= KX_CLAIM_KE2E_MASTER; i++)
		if (c->values[i] != NULL)
			return 1;
	for (size_t i = 0; i < c->n_patterns; i++)
		if (is_e2e(c->patterns[i].id))
			return 1;
	return 0;
}

int kx_claims_need_fqdn(const struct kx_claims *c)
{
	for (size_t i = 0; i < c->n_patterns; i++)
		if (c->patterns[i].id == KX_CLAIM_KEYID)
			return 1;
	return c->values[KX_CLAIM_KEYID] != NULL;
}

void kx_claims_free(struct kx_claims *c)
{
	for (int i = 0; i < KX_CLAIM_COUNT; i++)
		free(c->values[i]);
	for (size_t i = 0; i < c->n_patterns; i++)
		regfree(&c->patterns[i].re);
	memset(c, 0, sizeof *c);
}

const char *kx_claims_prf_hash(unsigned suite)
{
	/* TLS 1.2 suites whose PRF is SHA-384 (RFC 5288, 5289, 5487, 5489, 8442); every other suite a
	 * oneM2M end-point can negotiate (CBC_SHA256, CCM, CCM_8, GCM_SHA256) uses SHA-256. */
	static const unsigned sha384[] = {0x009D, 0x009F, 0x00A1, 0x00A3, 0x00A5, 0x00A7, 0x00A9,
	                                  0x00AB, 0x00AD, 0x00AF, 0x00B1, 0x00B3, 0x00B5, 0x00B7,
	                                  0x00B9, 0xC024, 0xC026, 0xC028, 0xC02A, 0xC02C, 0xC02E,
	                                  0xC030, 0xC032, 0xC038, 0xC03B, 0xD002};
	for (size_t i = 0; i < sizeof sha384 / sizeof sha384[0]; i++)
		if (sha384[i] == suite)
			return "SHA-384";
	return "SHA-256";
}

/* ---- the reference and the mistakes ----------------------------------------------- */

/* One way of computing the 48 exported bytes: the reference, or a known mistake. */
struct export_candidate {
	char name[64];
	char explanation[320];
	uint8_t out[KX_EXPORT_LEN];
};

/* One way of computing Ke2e_master and T(1)..T(4). */
struct e2e_candidate {
	char name[96];
	char explanation[700];
	uint8_t master[HASH_MAX];
	uint8_t t[4][HASH_MAX];
};

struct checker {
	const struct kx_claims_context *ctx;
	struct export_candidate exports[EXPORT_CANDIDATES]; /* [0] is the reference */
	size_t n_exports;
	struct e2e_candidate e2e[2][E2E_CANDIDATES]; /* [SHA-256, SHA-512][0 = the reference] */
	size_t n_e2e[2];
	json_t *reference;
	char err[600];
};

static const char *driver_name(const struct checker *k, size_t driver)
{
	return k->ctx->pool->names[driver];
}

/* Sends a request; returns the answer if it says ok, else NULL with k->err set. */
static json_t *ask(struct checker *k, size_t driver, json_t *request)
{
	json_t *answer = kx_pool_call(k->ctx->pool, driver, request);
	if (json_is_true(json_object_get(answer, "ok")))
		return answer;
	const char *why = kx_json_get_string(answer, "error");
	snprintf(k->err, sizeof k->err, "driver %s failed to recompute: %s", driver_name(k, driver),
	         why != NULL ? why : "no error text");
	json_decref(answer);
	return NULL;
}

/* Decodes the hex member key of an answer into exactly len bytes; 0 or -1 with k->err. */
static int answer_bytes(struct checker *k, json_t *answer, const char *key, uint8_t *out, size_t len)
{
	const char *hex = kx_json_get_string(answer, key);
	size_t got = 0;
	if (hex == NULL || kx_hex_decode(hex, strlen(hex), out, len, &got) != 0 || got != len)
		return kx_errorf(k->err, sizeof k->err, "a driver answered without %zu bytes of \"%s\"", len,
		                 key);
	return 0;
}

static int supports(struct checker *k, size_t driver, const char *op, const char *variant)
{
	char err[300];
	struct kx_driver_proc *proc = kx_pool_proc(k->ctx->pool, driver, err, sizeof err);
	return proc != NULL && kx_driver_supports_variant(proc, op, variant);
}

static int exporter(struct checker *k, size_t driver, const char *label, const char *variant,
                    uint8_t out[KX_EXPORT_LEN])
{
	const struct kx_claims_context *ctx = k->ctx;
	json_t *answer = ask(k, driver,
	                     json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "op", "exporter", "hash",
	                               ctx->prf_hash, "master_secret", ctx->master_secret, "client_random",
	                               ctx->client_random, "server_random", ctx->server_random, "label",
	                               label, "length", KX_EXPORT_LEN, "variant", variant));
	int ret = answer != NULL ? answer_bytes(k, answer, "out", out, KX_EXPORT_LEN) : -1;
	json_decref(answer);
	return ret;
}

static void hex_member(json_t *obj, const char *key, const uint8_t *bytes, size_t len)
{
	kx_json_set_hex(obj, key, bytes, len);
}

/* The reference export on every recomputing driver (they must agree, and agree with the
 * harness's own end), then the exports of the known mistakes on the first of them. */
static int compute_exports(struct checker *k)
{
	const struct kx_claims_context *ctx = k->ctx;
	struct export_candidate *ref = &k->exports[0];
	snprintf(ref->name, sizeof ref->name, "reference");
	k->n_exports = 1;
	json_t *by = json_array();
	json_object_set_new(k->reference, "recomputed_by", by);
	for (size_t i = 0; i < ctx->n_recomputers; i++) {
		uint8_t out[KX_EXPORT_LEN];
		if (exporter(k, ctx->recomputers[i], ctx->label, "reference", i == 0 ? ref->out : out) != 0)
			return -1;
		json_array_append_new(by, json_string(driver_name(k, ctx->recomputers[i])));
		if (i > 0 && memcmp(out, ref->out, sizeof out) != 0) {
			char a[97], b[97];
			kx_hex_encode(ref->out, KX_EXPORT_LEN, a, 0);
			kx_hex_encode(out, KX_EXPORT_LEN, b, 0);
			return kx_errorf(
			    k->err, sizeof k->err,
			    "the reference drivers disagree on the exporter: %s computes %s, %s computes %s",
			    driver_name(k, ctx->recomputers[0]), a, driver_name(k, ctx->recomputers[i]), b);
		}
	}
	uint8_t id[KX_KEY_ID_LEN], key[KX_KEY_LEN];
	kx_split_exporter(ref->out, id, key);
	hex_member(k->reference, "export", ref->out, KX_EXPORT_LEN);
	hex_member(k->reference, "key_id", id, sizeof id);
	hex_member(k->reference, "key", key, sizeof key);
	if (ctx->own_export != NULL) {
		char ref_hex[97];
		kx_hex_encode(ref->out, KX_EXPORT_LEN, ref_hex, 0);
		json_object_set_new(k->reference, "harness_export",
		                    json_pack("{s:s, s:s}", "by",
		                              ctx->own_name ? ctx->own_name : "the harness", "value",
		                              ctx->own_export));
		if (strcasecmp(ref_hex, ctx->own_export) != 0)
			return kx_errorf(k->err, sizeof k->err,
			                 "%s exported %s, but the TLS 1.2 PRF of its session's secrets is %s "
			                 "(%s): the harness's "
			                 "reference is broken",
			                 ctx->own_name ? ctx->own_name : "the harness", ctx->own_export,
			                 ref_hex, driver_name(k, ctx->recomputers[0]));
	}

	/* The mistakes: the randoms swapped, another oneM2M label, both. */
	size_t driver = ctx->recomputers[0];
	int swapped_ok = supports(k, driver, "exporter", "randoms-swapped");
	for (size_t l = 0; l <= sizeof onem2m_labels / sizeof onem2m_labels[0]; l++) {
		const char *label = l == 0 ? ctx->label : onem2m_labels[l - 1];
		if (l > 0 && strcmp(label, ctx->label) == 0)
			continue;
		for (int swapped = 0; swapped < 2; swapped++) {
			if ((l == 0 && !swapped) || (swapped && !swapped_ok) ||
			    k->n_exports == EXPORT_CANDIDATES)
				continue;
			struct export_candidate *c = &k->exports[k->n_exports];
			if (exporter(k, driver, label, swapped ? "randoms-swapped" : "reference", c->out) !=
			    0)
				return -1;
			snprintf(c->name, sizeof c->name, "%s%s%s", l > 0 ? "wrong-label" : "",
			         l > 0 && swapped ? "+" : "", swapped ? "randoms-swapped" : "");
			snprintf(
			    c->explanation, sizeof c->explanation, "%s%s%s%s%s",
			    l > 0 ? "exported with the label " : "", l > 0 ? label : "",
			    l > 0 ? ", not the scenario's label" : "", l > 0 && swapped ? "; " : "",
			    swapped
			        ? "the PRF seed is server_random || client_random (the key-expansion order), "
			          "not client_random || server_random (RFC 5705)"
			        : "");
			k->n_exports++;
		}
	}
	return 0;
}

/* Kpsa from Ke (TS-0003 enrolment derivation) on a driver; variant "reference" or "missing-nfkc". */
static int kpsa_of(struct checker *k, size_t driver, const uint8_t ke[KX_KEY_LEN], const char *variant,
                   uint8_t kpsa[KX_KEY_LEN])
{
	char ke_hex[2 * KX_KEY_LEN + 1];
	kx_hex_encode(ke, KX_KEY_LEN, ke_hex, 0);
	json_t *answer = ask(k, driver,
	                     json_pack("{s:s, s:s, s:s, s:s, s:s}", "op", "enrolment", "derivation", "Kpsa",
	                               "ke", ke_hex, "identifier", k->ctx->enrolee_b_id, "variant", variant));
	int ret = answer != NULL ? answer_bytes(k, answer, "out", kpsa, KX_KEY_LEN) : -1;
	json_decref(answer);
	return ret;
}

/* Ke2e_master and T(1)..T(4) from Kpsa on a driver. The salt is the Enrolee-B-ID (spec point 5):
 * NFKC-normalised by the driver, or its bytes as given when raw_salt (the missing-nfkc mistake). */
static int e2e_of(struct checker *k, size_t driver, const char *hash, size_t hlen,
                  const uint8_t kpsa[KX_KEY_LEN], const char *variant, int raw_salt,
                  struct e2e_candidate *out)
{
	char kpsa_hex[2 * KX_KEY_LEN + 1];
	kx_hex_encode(kpsa, KX_KEY_LEN, kpsa_hex, 0);
	json_t *request = json_pack("{s:s, s:s, s:s, s:s}", "op", "e2e", "hash", hash, "kpsa", kpsa_hex,
	                            "variant", variant);
	const char *id = k->ctx->enrolee_b_id;
	if (raw_salt) {
		char *salt = malloc(2 * strlen(id) + 1);
		if (salt == NULL) {
			json_decref(request);
			return kx_errorf(k->err, sizeof k->err, "out of memory");
		}
		kx_hex_encode((const uint8_t *)id, strlen(id), salt, 0);
		json_object_set_new(request, "salt", json_string(salt));
		free(salt);
	} else {
		json_object_set_new(request, "enrolee_b_id", json_string(id));
	}
	json_t *answer = ask(k, driver, request);
	int ret = answer != NULL ? answer_bytes(k, answer, "master", out->master, hlen) : -1;
	json_t *t = json_object_get(answer, "t");
	for (size_t i = 0; ret == 0 && i < 4; i++) {
		const char *hex = json_string_value(json_array_get(t, i));
		size_t got = 0;
		if (hex == NULL || kx_hex_decode(hex, strlen(hex), out->t[i], HASH_MAX, &got) != 0 ||
		    got != hlen)
			ret = kx_errorf(k->err, sizeof k->err, "driver %s answered e2e without T(%zu)",
			                driver_name(k, driver), i + 1);
	}
	json_decref(answer);
	return ret;
}

static const struct {
	const char *name;
	const char *explanation;
} e2e_variants[] = {
    {"reference", ""},
    {"hkdf-single-info",
     "T(1)..T(4) computed as one RFC 5869 HKDF-Expand with the single info \"E2E Message "
     "Authentication Key\", not with a label per block as clause 10.3.6.1 writes (spec point 2)"},
    {"hkdf-per-key",
     "an independent one-block HKDF-Expand per key (counter always 1), not the chained blocks of "
     "clause 10.3.6.1 (spec point 2)"},
    {"label-trailing-nul", "each label followed by a NUL byte (spec point 2)"},
    {"extract-swapped",
     "Ke2e_master = HMAC-Hash(Kpsa, Salt): key and message swapped; clause 10.3.6 keys the HMAC "
     "with the salt, as RFC 5869 extract does (spec point 3)"},
};

static void join(char *out, size_t len, const char *sep, const char *part)
{
	if (part[0] == '\0')
		return;
	size_t used = strlen(out);
	snprintf(out + used, len - used, "%s%s", used > 0 ? sep : "", part);
}

/* Reference E2E keys for one hash on every recomputer (they must agree), then every combination
 * of the mistakes that feed them: Ke from the swapped split, Kpsa without NFKC, a derivation variant. */
static int compute_e2e(struct checker *k, int sha512)
{
	const struct kx_claims_context *ctx = k->ctx;
	const char *hash = sha512 ? "SHA-512" : "SHA-256";
	size_t hlen = sha512 ? 64 : 32;
	uint8_t kes[2][KX_KEY_LEN], id[KX_KEY_ID_LEN];
	kx_split_exporter(k->exports[0].out, id, kes[0]);
	kx_split_exporter_swapped(k->exports[0].out, id, kes[1]);

	/* Without NFKC only makes a difference when normalisation changes the identifier. */
	uint8_t *norm = NULL;
	size_t norm_len = 0;
	size_t id_len = strlen(ctx->enrolee_b_id);
	int nfkc_matters = kx_nfkc(ctx->enrolee_b_id, id_len, &norm, &norm_len) == 0 &&
	                   (norm_len != id_len || memcmp(norm, ctx->enrolee_b_id, id_len) != 0);
	free(norm);

	size_t driver = ctx->recomputers[0];
	struct e2e_candidate *ref = &k->e2e[sha512][0];
	uint8_t kpsa[KX_KEY_LEN];
	if (kpsa_of(k, driver, kes[0], "reference", kpsa) != 0 ||
	    e2e_of(k, driver, hash, hlen, kpsa, "reference", 0, ref) != 0)
		return -1;
	snprintf(ref->name, sizeof ref->name, "reference");
	k->n_e2e[sha512] = 1;
	for (size_t i = 1; i < ctx->n_recomputers; i++) {
		struct e2e_candidate other;
		uint8_t kpsa2[KX_KEY_LEN];
		if (kpsa_of(k, ctx->recomputers[i], kes[0], "reference", kpsa2) != 0 ||
		    e2e_of(k, ctx->recomputers[i], hash, hlen, kpsa2, "reference", 0, &other) != 0)
			return -1;
		int same =
		    memcmp(kpsa, kpsa2, sizeof kpsa) == 0 && memcmp(ref->master, other.master, hlen) == 0;
		for (size_t t = 0; t < 4; t++)
			same &= memcmp(ref->t[t], other.t[t], hlen) == 0;
		if (!same)
			return kx_errorf(k->err, sizeof k->err,
			                 "the reference drivers disagree on Kpsa or the %s E2E keys (%s, %s)",
			                 hash, driver_name(k, driver), driver_name(k, ctx->recomputers[i]));
	}

	json_t *e2e = json_object_get(k->reference, "e2e");
	if (e2e == NULL) {
		e2e = json_pack("{s:s}", "enrolee_b_id", ctx->enrolee_b_id);
		hex_member(e2e, "ke", kes[0], KX_KEY_LEN);
		hex_member(e2e, "kpsa", kpsa, KX_KEY_LEN);
		json_object_set_new(k->reference, "e2e", e2e);
	}
	json_t *keys = json_object(), *t = json_array();
	hex_member(keys, "ke2e_master", ref->master, hlen);
	for (size_t i = 0; i < 4; i++) {
		char hex[2 * HASH_MAX + 1];
		kx_hex_encode(ref->t[i], hlen, hex, 0);
		json_array_append_new(t, json_string(hex));
	}
	json_object_set_new(keys, "t", t);
	json_object_set_new(e2e, hash, keys);

	for (int split = 0; split < 2; split++)
		for (int raw = 0; raw < 2; raw++) {
			if (raw && (!nfkc_matters || !supports(k, driver, "enrolment", "missing-nfkc")))
				continue;
			if ((split || raw) &&
			    kpsa_of(k, driver, kes[split], raw ? "missing-nfkc" : "reference", kpsa) != 0)
				return -1;
			for (size_t v = 0; v < sizeof e2e_variants / sizeof e2e_variants[0]; v++) {
				if ((!split && !raw && v == 0) ||
				    (v > 0 && !supports(k, driver, "e2e", e2e_variants[v].name)) ||
				    k->n_e2e[sha512] == E2E_CANDIDATES)
					continue;
				struct e2e_candidate *c = &k->e2e[sha512][k->n_e2e[sha512]];
				if (e2e_of(k, driver, hash, hlen, kpsa, e2e_variants[v].name, raw, c) != 0)
					return -1;
				c->name[0] = c->explanation[0] = '\0';
				if (split) {
					join(c->name, sizeof c->name, "+", "split-swapped");
					join(c->explanation, sizeof c->explanation, "; ",
					     "Ke taken from the first 32 bytes of the export (the split "
					     "swapped, spec point 4)");
				}
				if (raw) {
					join(c->name, sizeof c->name, "+", "missing-nfkc");
					join(c->explanation, sizeof c->explanation, "; ",
					     "the Enrolee-B-ID used without NFKC normalisation (TS-0003 "
					     "10.3.6)");
				}
				if (v > 0) {
					join(c->name, sizeof c->name, "+", e2e_variants[v].name);
					join(c->explanation, sizeof c->explanation, "; ",
					     e2e_variants[v].explanation);
				}
				k->n_e2e[sha512]++;
			}
		}
	return 0;
}

/* ---- judging each claim ------------------------------------------------------------ */

static const char *const split_explanation =
    "the identifier taken from the last 16 bytes of the export and the key from the first 32; TS-0003 10.3.1 "
    "puts "
    "the identifier in the 16 most significant (first) bytes (spec point 4)";

static void set_verdict(json_t *entry, const char *verdict, const char *mistake, const char *explanation)
{
	json_object_set_new(entry, "verdict", json_string(verdict));
	json_object_set_new(entry, "mistake", mistake != NULL ? json_string(mistake) : json_null());
	json_object_set_new(entry, "explanation", json_string(explanation != NULL ? explanation : ""));
}

/* Where a claim's bytes sit in the export, with the reference split or the swapped one. */
static void slice(enum kx_claim_id id, int swapped, size_t *offset, size_t *len)
{
	*offset = 0;
	*len = KX_EXPORT_LEN;
	if (id == KX_CLAIM_KEY_ID) {
		*offset = swapped ? KX_EXPORT_LEN - KX_KEY_ID_LEN : 0;
		*len = KX_KEY_ID_LEN;
	} else if (id == KX_CLAIM_KEY) {
		*offset = swapped ? 0 : KX_KEY_ID_LEN;
		*len = KX_KEY_LEN;
	}
}

/* Finds the mistake that gives bytes in the place of claim id (export, key_id or key): a mistaken
 * export, the swapped split, or both; fills name and explanation and returns 1, or returns 0. */
static int name_export_mistake(const struct checker *k, enum kx_claim_id id, const uint8_t *bytes, char *name,
                               size_t name_len, char *explanation, size_t explanation_len)
{
	int splits = id == KX_CLAIM_EXPORT ? 1 : 2;
	for (int swapped = 0; swapped < splits; swapped++)
		for (size_t i = 0; i < k->n_exports; i++) {
			size_t offset, len;
			if (!swapped && i == 0)
				continue;
			slice(id, swapped, &offset, &len);
			if (memcmp(k->exports[i].out + offset, bytes, len) != 0)
				continue;
			name[0] = explanation[0] = '\0';
			if (i > 0) {
				join(name, name_len, "+", k->exports[i].name);
				join(explanation, explanation_len, "; ", k->exports[i].explanation);
			}
			if (swapped) {
				join(name, name_len, "+", "split-swapped");
				join(explanation, explanation_len, "; ", split_explanation);
			}
			return 1;
		}
	return 0;
}

static void check_bytes(const struct checker *k, const struct kx_claims *c, enum kx_claim_id id,
                        json_t *entry)
{
	uint8_t claimed[KX_EXPORT_LEN];
	size_t got, offset, len;
	const char *value = c->values[id];
	kx_hex_decode(value, strlen(value), claimed, sizeof claimed, &got);
	slice(id, 0, &offset, &len);
	char expected[2 * KX_EXPORT_LEN + 1];
	kx_hex_encode(k->exports[0].out + offset, len, expected, 0);
	json_object_set_new(entry, "expected", json_string(expected));
	char name[160], explanation[900];
	if (memcmp(claimed, k->exports[0].out + offset, len) == 0)
		set_verdict(entry, "agree", NULL, NULL);
	else if (name_export_mistake(k, id, claimed, name, sizeof name, explanation, sizeof explanation))
		set_verdict(entry, "disagree", name, explanation);
	else
		set_verdict(entry, "disagree", NULL,
		            "no known mistake gives these bytes (checked: the split swapped, the randoms "
		            "swapped, the "
		            "other oneM2M labels); another master secret, label, length or PRF hash?");
}

static const char *reading_explanation(enum kx_keyid_reading reading)
{
	switch (reading) {
	case KX_READING_TR0038_EXAMPLE:
		return "base64 of the 32-character hex string of the identifier, as the TR-0038 A.4 example "
		       "does, "
		       "not base64 of its 16 bytes (spec point 1)";
	case KX_READING_HEXBINARY:
		return "the hex string of the identifier (hexBinary, later TS-0003 releases), not base64 of "
		       "its 16 "
		       "bytes (spec point 1)";
	case KX_READING_BASE64URL:
		return "the URL-safe base64 alphabet (RFC 4648 section 5), not the standard one (spec point "
		       "1)";
	case KX_READING_UNPADDED:
		return "standard base64 without its '=' padding (spec point 1)";
	default:
		return "";
	}
}

static const char *keyid_error_explanation(enum kx_keyid_error error)
{
	switch (error) {
	case KX_KEYID_MISSING_AT:
		return "no '@' separates RelativeKeyID from the FQDN (TS-0003 10.3.5)";
	case KX_KEYID_AT_IN_RELATIVE:
		return "the relative part contains '@'";
	case KX_KEYID_EMPTY_RELATIVE:
		return "nothing before '@'";
	case KX_KEYID_BAD_FQDN:
		return "the part after '@' is not a valid domain name";
	case KX_KEYID_BAD_ENCODING:
		return "the relative part is in none of the readings of spec point 1 (characters, padding or "
		       "length)";
	default:
		return "";
	}
}

static void check_keyid(const struct checker *k, const struct kx_claims *c, json_t *entry)
{
	const struct kx_claims_context *ctx = k->ctx;
	const char *value = c->values[KX_CLAIM_KEYID];
	uint8_t id[KX_KEY_ID_LEN], key[KX_KEY_LEN];
	kx_split_exporter(k->exports[0].out, id, key);
	char expected[KX_KEYID_MAX];
	if (kx_keyid_build(id, ctx->fqdn, KX_READING_REFERENCE, expected, sizeof expected) < 0)
		snprintf(expected, sizeof expected, "(FQDN %.200s is not valid)", ctx->fqdn);
	json_object_set_new(entry, "expected", json_string(expected));

	struct kx_keyid parsed;
	enum kx_keyid_error error = kx_keyid_classify(value, strlen(value), id, &parsed);
	char name[200] = "", explanation[1200] = "";
	if (error == KX_KEYID_WRONG_IDENTIFIER) {
		/* It decodes, to other bytes: which mistake made them? */
		kx_keyid_classify(value, strlen(value), NULL, &parsed);
		char mistake[160], why[900];
		if (parsed.reading != KX_READING_REFERENCE) {
			join(name, sizeof name, "+", kx_keyid_reading_name(parsed.reading));
			join(explanation, sizeof explanation, "; ", reading_explanation(parsed.reading));
		}
		if (name_export_mistake(k, KX_CLAIM_KEY_ID, parsed.id, mistake, sizeof mistake, why,
		                        sizeof why)) {
			join(name, sizeof name, "+", mistake);
			join(explanation, sizeof explanation, "; ", why);
		} else {
			char hex[2 * KX_KEY_ID_LEN + 1];
			kx_hex_encode(parsed.id, sizeof parsed.id, hex, 0);
			char text[300];
			snprintf(text, sizeof text,
			         "its relative part decodes to %s, which is not the key identifier and which "
			         "no known mistake "
			         "gives",
			         hex);
			join(name, sizeof name, "+", "wrong-identifier");
			join(explanation, sizeof explanation, "; ", text);
		}
	} else if (error != KX_KEYID_OK) {
		set_verdict(entry, "disagree", kx_keyid_error_name(error), keyid_error_explanation(error));
		return;
	} else if (parsed.reading != KX_READING_REFERENCE) {
		join(name, sizeof name, "+", kx_keyid_reading_name(parsed.reading));
		join(explanation, sizeof explanation, "; ", reading_explanation(parsed.reading));
	}
	/* DNS names compare without regard to case (RFC 4343). */
	if (strcasecmp(parsed.fqdn, ctx->fqdn) != 0) {
		char text[600];
		snprintf(text, sizeof text, "names the FQDN %s, not %s", parsed.fqdn, ctx->fqdn);
		join(name, sizeof name, "+", "wrong-fqdn");
		join(explanation, sizeof explanation, "; ", text);
	}
	json_object_set_new(entry, "reading", json_string(kx_keyid_reading_name(parsed.reading)));
	if (name[0] == '\0') {
		set_verdict(entry, "agree", NULL, NULL);
	} else if (error == KX_KEYID_OK && ctx->keyid_reading != NULL &&
	           strcmp(name, ctx->keyid_reading) == 0) {
		char text[1600];
		snprintf(text, sizeof text,
		         "the %.200s reading, which the vendor declares; not the reference: %s", name,
		         explanation);
		set_verdict(entry, "accepted", name, text);
	} else {
		set_verdict(entry, "disagree", name, explanation);
	}
}

static void check_e2e_claim(const struct checker *k, const struct kx_claims *c, enum kx_claim_id id,
                            json_t *entry)
{
	const char *value = c->values[id];
	uint8_t claimed[HASH_MAX];
	size_t hlen;
	kx_hex_decode(value, strlen(value), claimed, sizeof claimed, &hlen);
	int sha512 = hlen == 64;
	const struct e2e_candidate *ref = &k->e2e[sha512][0];
	const uint8_t *want = id == KX_CLAIM_KE2E_MASTER ? ref->master : ref->t[id - KX_CLAIM_T1];
	char expected[2 * HASH_MAX + 1];
	kx_hex_encode(want, hlen, expected, 0);
	json_object_set_new(entry, "expected", json_string(expected));
	json_object_set_new(entry, "hash", json_string(sha512 ? "SHA-512" : "SHA-256"));
	if (memcmp(claimed, want, hlen) == 0) {
		set_verdict(entry, "agree", NULL, NULL);
		return;
	}
	for (size_t i = 1; i < k->n_e2e[sha512]; i++) {
		const struct e2e_candidate *cand = &k->e2e[sha512][i];
		const uint8_t *got = id == KX_CLAIM_KE2E_MASTER ? cand->master : cand->t[id - KX_CLAIM_T1];
		if (memcmp(claimed, got, hlen) == 0) {
			set_verdict(entry, "disagree", cand->name, cand->explanation);
			return;
		}
	}
	set_verdict(
	    entry, "disagree", NULL,
	    "no known mistake gives these bytes (checked: the derivation variants of spec points 2 and 3, Ke "
	    "from the swapped split, the Enrolee-B-ID without NFKC); another Kpsa or salt?");
}

json_t *kx_claims_check(const struct kx_claims_context *ctx, const struct kx_claims *c, size_t *disagreed,
                        char *err, size_t errlen)
{
	*disagreed = 0;
	if (ctx->n_recomputers == 0) {
		kx_errorf(err, errlen, "no driver to recompute with");
		return NULL;
	}
	struct checker *k = calloc(1, sizeof *k);
	if (k == NULL) {
		kx_errorf(err, errlen, "out of memory");
		return NULL;
	}
	k->ctx = ctx;
	k->reference = json_pack("{s:s, s:s, s:i}", "label", ctx->label, "prf_hash", ctx->prf_hash, "length",
	                         KX_EXPORT_LEN);
	int need[2] = {0, 0};
	for (int i = KX_CLAIM_T1; i <= KX_CLAIM_KE2E_MASTER; i++)
		if (c->values[i] != NULL && kx_claim_form(c, (enum kx_claim_id)i, k->err, sizeof k->err) == 0)
			need[strlen(c->values[i]) == 128] = 1;
	int ret = compute_exports(k);
	if (ret == 0 && c->values[KX_CLAIM_KEYID] != NULL && ctx->fqdn == NULL)
		ret = kx_errorf(k->err, sizeof k->err,
		                "claim keyid needs the FQDN of the key identifier (--fqdn)");
	if (ret == 0 && (need[0] || need[1]) && ctx->enrolee_b_id == NULL)
		ret = kx_errorf(
		    k->err, sizeof k->err,
		    "claims of E2E keys need the Enrolee-B-ID, the salt of TS-0003 10.3.6 (--enrolee-b-id)");
	for (int h = 0; ret == 0 && h < 2; h++)
		if (need[h])
			ret = compute_e2e(k, h);
	if (ret == 0 && ctx->fqdn != NULL) {
		uint8_t id[KX_KEY_ID_LEN], key[KX_KEY_LEN];
		kx_split_exporter(k->exports[0].out, id, key);
		json_t *readings = json_object();
		for (int r = 0; r < KX_READING_COUNT; r++) {
			char text[KX_KEYID_MAX];
			if (kx_keyid_build(id, ctx->fqdn, (enum kx_keyid_reading)r, text, sizeof text) >= 0)
				json_object_set_new(readings, kx_keyid_reading_name((enum kx_keyid_reading)r),
				                    json_string(text));
		}
		json_object_set_new(k->reference, "key_identifier",
		                    json_pack("{s:s, s:o}", "fqdn", ctx->fqdn, "readings", readings));
	}
	if (ret != 0) {
		kx_errorf(err, errlen, "%s", k->err);
		json_decref(k->reference);
		free(k);
		return NULL;
	}

	json_t *list = json_array();
	size_t agreed = 0;
	for (int i = 0; i < KX_CLAIM_COUNT; i++) {
		enum kx_claim_id id = (enum kx_claim_id)i;
		if (c->values[i] == NULL)
			continue;
		json_t *entry = json_pack("{s:s, s:s, s:s}", "name", claim_names[i], "source", c->sources[i],
		                          "claimed", c->values[i]);
		char why[400];
		if (kx_claim_form(c, id, why, sizeof why) != 0)
			set_verdict(entry, "malformed", NULL, why);
		else if (id == KX_CLAIM_KEYID)
			check_keyid(k, c, entry);
		else if (is_e2e(id))
			check_e2e_claim(k, c, id, entry);
		else
			check_bytes(k, c, id, entry);
		const char *verdict = kx_json_get_string(entry, "verdict");
		int good = strcmp(verdict, "agree") == 0 || strcmp(verdict, "accepted") == 0;
		agreed += good;
		*disagreed += !good;
		json_array_append_new(list, entry);
	}
	json_t *result = json_pack("{s:o, s:o, s:I, s:I}", "reference", k->reference, "claims", list,
	                           "agreed", (json_int_t)agreed, "disagreed", (json_int_t)*disagreed);
	free(k);
	return result;
}

void kx_claims_print(FILE *out, json_t *checked)
{
	size_t i;
	json_t *entry;
	json_array_foreach(json_object_get(checked, "claims"), i, entry)
	{
		const char *verdict = kx_json_get_string(entry, "verdict");
		const char *mistake = kx_json_get_string(entry, "mistake");
		const char *explanation = kx_json_get_string(entry, "explanation");
		int agree = strcmp(verdict, "agree") == 0, accepted = strcmp(verdict, "accepted") == 0;
		const char *word = agree                               ? "agrees"
		                   : accepted                          ? "accepted"
		                   : strcmp(verdict, "malformed") == 0 ? "MALFORMED"
		                                                       : "DISAGREES";
		fprintf(out, "  %-12s %s", kx_json_get_string(entry, "name"), word);
		if (mistake != NULL)
			fprintf(out, "  %s", mistake);
		if (!agree && explanation[0] != '\0')
			fprintf(out, "%s%s", mistake != NULL ? ": " : "  ", explanation);
		fprintf(out, "\n");
		if (!agree && !accepted) {
			fprintf(out, "      claimed (%s): %s\n", kx_json_get_string(entry, "source"),
			        kx_json_get_string(entry, "claimed"));
			if (kx_json_get_string(entry, "expected") != NULL)
				fprintf(out, "      reference: %s\n", kx_json_get_string(entry, "expected"));
		}
	}
}
