/* case_run.c - one case from start to verdict.
 *
 * Expectations: a positive case must complete and pass every cross-check; a
 * negative case must be refused by the end its entry names ("either" accepts
 * both); a fault case must not complete. The result says what happened
 * ("pass": handshake and checks succeeded, "fail": they did not, "error": a
 * driver failed, "not-implemented": a driver cannot play the case, "skip": the
 * misbehaving peer of a negative case cannot be configured on that library),
 * and "met" says whether that is what the suite expected. */
#include "runner/case_run.h"
#include "runner/case_json.h"

#include "core/exporter_split.h"
#include "core/hex.h"
#include "core/json_io.h"
#include "core/keyid.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

struct verdict {
	const char *result;
	char diagnosis[2048];
};

static void failf(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a failed cross-check; the first one is the diagnosis, later ones are appended. */
static void failf(struct verdict *v, const char *fmt, ...)
{
	char text[1024];
	va_list args;
	va_start(args, fmt);
	vsnprintf(text, sizeof text, fmt, args);
	va_end(args);
	size_t used = strlen(v->diagnosis);
	snprintf(v->diagnosis + used, sizeof v->diagnosis - used, "%s%s", used ? "; " : "", text);
	v->result = KX_RESULT_FAIL;
}

static double now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
}

/* 1 if the hello's capabilities list `value` under `key` (and, for suites, under the transport). */
static int capable(const struct kx_driver_proc *proc, const char *key, const char *sub, const char *value)
{
	json_t *list = json_object_get(json_object_get(proc->hello, "capabilities"), key);
	if (sub != NULL)
		list = json_object_get(list, sub);
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item)
	{
		if (json_is_string(item) && strcmp(json_string_value(item), value) == 0)
			return 1;
	}
	return 0;
}

/* Why driver i cannot play this end of the case, or NULL if it can. */
static const char *incapable(struct kx_driver_pool *pool, size_t i, const struct kx_case *c, const char *role,
			     char *why, size_t len)
{
	char err[512];
	struct kx_driver_proc *proc = kx_pool_proc(pool, i, err, sizeof err);
	const char *scenario = kx_json_get_string(c->scenario, "name");
	if (proc == NULL)
		snprintf(why, len, "driver %s cannot be started: %s", pool->names[i], err);
	else if (!capable(proc, "scenarios", NULL, scenario))
		snprintf(why, len, "driver %s does not list scenario %s in its capabilities", pool->names[i], scenario);
	else if (!capable(proc, "roles", NULL, role))
		snprintf(why, len, "driver %s does not play the %s role", pool->names[i], role);
	else if (!capable(proc, "transports", NULL, c->transport))
		snprintf(why, len, "driver %s does not offer %s", pool->names[i], c->transport);
	else if (!capable(proc, "suites", c->transport, c->suite))
		snprintf(why, len, "driver %s cannot negotiate suite %s over %s", pool->names[i], c->suite, c->transport);
	else
		return NULL;
	return why;
}

static json_t *call(struct kx_driver_pool *pool, size_t driver, json_t *request)
{
	return kx_pool_call(pool, driver, request);
}

static int ok(json_t *response)
{
	return json_is_true(json_object_get(response, "ok"));
}

static const char *error_of(json_t *response)
{
	const char *text = kx_json_get_string(response, "error");
	return text != NULL ? text : "no error text";
}

/* A driver to recompute with: one whose library is not the initiator's. */
static size_t recomputer(const struct kx_driver_pool *pool, const struct kx_case *c)
{
	for (size_t i = 0; i < pool->n; i++)
		if (i != c->initiator && i != c->terminator)
			return i;
	for (size_t i = 0; i < pool->n; i++)
		if (i != c->initiator)
			return i;
	return c->initiator;
}

/* The PRF hash of the suites the scenarios use: SHA-384 for the *_SHA384 suites. */
static const char *prf_hash(const char *suite)
{
	return strcmp(suite, "0xC02C") == 0 || strcmp(suite, "0x00A9") == 0 ? "SHA-384" : "SHA-256";
}

static int same_string(json_t *a, json_t *b, const char *key)
{
	const char *x = kx_json_get_string(a, key), *y = kx_json_get_string(b, key);
	return x != NULL && y != NULL && strcmp(x, y) == 0;
}

/* Both ends' reports of one session must describe the same session. */
static void check_agreement(json_t *ini, json_t *ter, const struct kx_case *c, struct verdict *v)
{
	static const char *const shared[] = {"version", "suite", "client_random", "server_random", "master_secret"};
	for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
		if (!same_string(ini, ter, shared[i]))
			failf(v, "the ends disagree on %s: initiator %s, terminator %s", shared[i],
			      kx_json_get_string(ini, shared[i]), kx_json_get_string(ter, shared[i]));
	const char *want_version = strcmp(c->transport, "dtls") == 0 ? "DTLSv1.2" : "TLSv1.2";
	if (kx_json_get_string(ini, "version") == NULL || strcmp(kx_json_get_string(ini, "version"), want_version) != 0)
		failf(v, "negotiated %s, TS-0003 requires %s", kx_json_get_string(ini, "version"), want_version);
	if (kx_json_get_string(ini, "suite") == NULL || strcasecmp(kx_json_get_string(ini, "suite"), c->suite) != 0)
		failf(v, "negotiated suite %s, the case asked for %s", kx_json_get_string(ini, "suite"), c->suite);
}

int kx_case_peer_named(json_t *report, const char *expected)
{
	size_t i;
	json_t *name;
	json_array_foreach(json_object_get(report, "peer_names"), i, name)
	{
		const char *text = json_string_value(name);
		const char *colon = text != NULL ? strchr(text, ':') : NULL;
		if (colon != NULL && strcmp(colon + 1, expected) == 0)
			return 1;
	}
	return 0;
}

/* The end-points' own checks that the runner can see from outside: SNI, the
 * PSK identity the server looked up, the peer names each end accepted. */
static void check_identities(json_t *ini, json_t *ter, const struct kx_case *c, struct verdict *v)
{
	const char *sni = kx_json_get_string(c->initiator_config, "sni");
	if (sni != NULL && !(kx_json_get_string(ter, "sni") && strcmp(kx_json_get_string(ter, "sni"), sni) == 0))
		failf(v, "the initiator was to send SNI %s; the terminator received \"%s\"", sni,
		      kx_json_get_string(ter, "sni") ? kx_json_get_string(ter, "sni") : "");
	const char *identity = kx_json_get_string(c->scenario, "expect_psk_identity");
	if (identity != NULL &&
	    !(kx_json_get_string(ter, "psk_identity") && strcmp(kx_json_get_string(ter, "psk_identity"), identity) == 0))
		failf(v, "the terminator associated the session with PSK identity \"%s\", expected %s",
		      kx_json_get_string(ter, "psk_identity"), identity);
	json_t *ends[2] = {ini, ter};
	json_t *configs[2] = {c->initiator_config, c->terminator_config};
	for (int e = 0; e < 2; e++) {
		const char *expected = kx_json_get_string(configs[e], "expected_peer_name");
		if (expected == NULL)
			continue;
		if (!kx_case_peer_named(ends[e], expected))
			failf(v, "the %s accepted a peer certificate without the subjectAltName %s",
			      e == 0 ? "initiator" : "terminator", expected);
	}
}


/* 1 if the hex member key of a equals the hex text b (either case). */
static int hex_equal(json_t *a, const char *key, const char *b)
{
	const char *x = kx_json_get_string(a, key);
	return x != NULL && b != NULL && strcasecmp(x, b) == 0;
}

/* The key identifier of the export in every reading of spec point 1, and the
 * one the initiator's driver builds, classified. */
static void check_key_identifier(struct kx_driver_pool *pool, const struct kx_case *c, const uint8_t id[KX_KEY_ID_LEN],
				 const char *id_hex, const char *claimed_reading, json_t *result, struct verdict *v)
{
	const char *fqdn = kx_json_get_string(json_object_get(c->scenario, "export"), "fqdn");
	if (fqdn == NULL)
		return;
	json_t *readings = json_object();
	for (int r = 0; r < KX_READING_COUNT; r++) {
		char text[KX_KEYID_MAX];
		if (kx_keyid_build(id, fqdn, (enum kx_keyid_reading)r, text, sizeof text) >= 0)
			json_object_set_new(readings, kx_keyid_reading_name((enum kx_keyid_reading)r), json_string(text));
	}
	json_t *keyid = json_pack("{s:s, s:o}", "fqdn", fqdn, "readings", readings);
	json_object_set_new(result, "key_identifier", keyid);

	json_t *response = call(pool, c->initiator, json_pack("{s:s, s:s, s:s}", "op", "keyid", "key_id", id_hex, "fqdn", fqdn));
	const char *built = kx_json_get_string(response, "keyid");
	if (!ok(response) || built == NULL) {
		failf(v, "the initiator's driver built no key identifier: %s", error_of(response));
		json_decref(response);
		return;
	}
	struct kx_keyid parsed;
	enum kx_keyid_error error = kx_keyid_classify(built, strlen(built), id, &parsed);
	json_object_set_new(keyid, "initiator", json_string(built));
	json_object_set_new(keyid, "initiator_reading",
			    json_string(error == KX_KEYID_OK ? kx_keyid_reading_name(parsed.reading)
							     : kx_keyid_error_name(error)));
	if (error != KX_KEYID_OK)
		failf(v, "the initiator's key identifier \"%s\" is malformed: %s", built, kx_keyid_error_name(error));
	else if (parsed.reading != KX_READING_REFERENCE && claimed_reading != NULL &&
		 strcmp(claimed_reading, kx_keyid_reading_name(parsed.reading)) == 0)
		json_object_set_new(keyid, "note",
				    json_sprintf("the %s reading, as the expectations file claims; not the reference "
						 "(base64 of the 16 bytes, spec point 1)",
						 claimed_reading));
	else if (parsed.reading != KX_READING_REFERENCE)
		failf(v, "the initiator's key identifier \"%s\" is the %s reading, not the reference (base64 of the 16 bytes)",
		      built, kx_keyid_reading_name(parsed.reading));
	else if (strcmp(parsed.fqdn, fqdn) != 0)
		failf(v, "the initiator's key identifier names FQDN %s, expected %s", parsed.fqdn, fqdn);
	json_decref(response);
}

/* Exported keying material: equal on both ends, equal to the PRF recomputed by
 * another driver from the session secrets, split as TS-0003 10.3.1 says, and
 * its key identifier. Leaves the 32-byte key in key_out; 0 if there was one. */
static int check_export(struct kx_driver_pool *pool, const struct kx_case *c, json_t *ini, json_t *ter,
			const char *claimed_reading, json_t *result, struct verdict *v, uint8_t key_out[KX_KEY_LEN])
{
	json_t *spec = json_object_get(c->scenario, "export");
	const char *label = kx_json_get_string(spec, "label");
	const char *a = kx_json_get_string(json_object_get(ini, "exported"), label);
	const char *b = kx_json_get_string(json_object_get(ter, "exported"), label);
	json_t *exported = json_pack("{s:s, s:i}", "label", label, "length", KX_EXPORT_LEN);
	json_object_set_new(result, "exported", exported);
	uint8_t out[KX_EXPORT_LEN], id[KX_KEY_ID_LEN];
	size_t len = 0;
	if (a == NULL || b == NULL || kx_hex_decode(a, strlen(a), out, sizeof out, &len) != 0 || len != KX_EXPORT_LEN) {
		failf(v, "an end did not export 48 bytes for %s", label);
		return -1;
	}
	json_object_set_new(exported, "initiator", json_string(a));
	json_object_set_new(exported, "terminator", json_string(b));
	if (strcasecmp(a, b) != 0)
		failf(v, "the ends exported different keying material for %s", label);

	kx_split_exporter(out, id, key_out);
	char id_hex[2 * KX_KEY_ID_LEN + 1], key_hex[2 * KX_KEY_LEN + 1];
	kx_hex_encode(id, sizeof id, id_hex, 0);
	kx_hex_encode(key_out, KX_KEY_LEN, key_hex, 0);
	json_object_set_new(exported, "key_id_name", json_string(kx_json_get_string(spec, "key_id")));
	json_object_set_new(exported, "key_id", json_string(id_hex));
	json_object_set_new(exported, "key_name", json_string(kx_json_get_string(spec, "key")));
	json_object_set_new(exported, "key", json_string(key_hex));

	/* The exporter from the session secrets, by a library that is not the initiator's. */
	size_t r = recomputer(pool, c);
	json_t *again = call(pool, r,
			     json_pack("{s:s, s:s, s:O, s:O, s:O, s:s, s:i}", "op", "exporter", "hash", prf_hash(c->suite),
				       "master_secret", json_object_get(ini, "master_secret"), "client_random",
				       json_object_get(ini, "client_random"), "server_random",
				       json_object_get(ini, "server_random"), "label", label, "length", KX_EXPORT_LEN));
	json_object_set_new(exported, "recomputed_by", json_string(pool->names[r]));
	if (!ok(again)) {
		failf(v, "driver %s could not recompute the exporter: %s", pool->names[r], error_of(again));
	} else {
		json_object_set(exported, "recomputed", json_object_get(again, "out"));
		if (!hex_equal(again, "out", a))
			failf(v, "the export is not the TLS 1.2 PRF of the session's master secret over label || client_random || "
				 "server_random as %s computes it (%s)",
			      pool->names[r], kx_json_get_string(again, "out"));
		else if (!hex_equal(again, "key_id", id_hex) || !hex_equal(again, "key", key_hex))
			failf(v, "driver %s splits the export differently from the runner", pool->names[r]);
	}
	json_decref(again);
	check_key_identifier(pool, c, id, id_hex, claimed_reading, result, v);
	return 0;
}

/* Asks a driver for Kpsa from Ke, then Ke2e_master and T(1)..T(4) per hash. */
static json_t *derive_e2e(struct kx_driver_pool *pool, size_t driver, const char *ke_hex, json_t *spec)
{
	const char *enrolee_b_id = kx_json_get_string(spec, "enrolee_b_id");
	json_t *kpsa = call(pool, driver, json_pack("{s:s, s:s, s:s, s:s}", "op", "enrolment", "derivation", "Kpsa", "ke",
						    ke_hex, "identifier", enrolee_b_id));
	json_t *out = json_object();
	if (!ok(kpsa)) {
		json_object_set_new(out, "error", json_string(error_of(kpsa)));
		json_decref(kpsa);
		return out;
	}
	json_object_set(out, "kpsa", json_object_get(kpsa, "out"));
	size_t i;
	json_t *hash;
	json_array_foreach(json_object_get(spec, "hashes"), i, hash)
	{
		/* The Enrolee-B-ID, NFKC-normalised by the driver, is the salt (spec point 5). */
		json_t *keys = call(pool, driver, json_pack("{s:s, s:O, s:O, s:s}", "op", "e2e", "hash", hash, "kpsa",
							    json_object_get(kpsa, "out"), "enrolee_b_id", enrolee_b_id));
		if (ok(keys))
			json_object_set_new(out, json_string_value(hash),
					    json_pack("{s:O, s:O}", "ke2e_master", json_object_get(keys, "master"), "t",
						      json_object_get(keys, "t")));
		else
			json_object_set_new(out, "error", json_string(error_of(keys)));
		json_decref(keys);
	}
	json_decref(kpsa);
	return out;
}

/* The e2e scenario: both ends and a third driver derive the same keys from Ke. */
static void check_e2e(struct kx_driver_pool *pool, const struct kx_case *c, const uint8_t ke[KX_KEY_LEN], json_t *result,
		      struct verdict *v)
{
	json_t *spec = json_object_get(c->scenario, "e2e");
	char ke_hex[2 * KX_KEY_LEN + 1];
	kx_hex_encode(ke, KX_KEY_LEN, ke_hex, 0);
	size_t r = recomputer(pool, c);
	json_t *derived = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s}", "ke", ke_hex, "enrolee_b_id",
				    kx_json_get_string(spec, "enrolee_b_id"), "initiator",
				    derive_e2e(pool, c->initiator, ke_hex, spec), "terminator",
				    derive_e2e(pool, c->terminator, ke_hex, spec), "recomputed",
				    derive_e2e(pool, r, ke_hex, spec), "recomputed_by", pool->names[r]);
	json_object_set_new(result, "e2e", derived);
	static const char *const sides[] = {"initiator", "terminator", "recomputed"};
	for (size_t s = 0; s < 3; s++) {
		const char *error = kx_json_get_string(json_object_get(derived, sides[s]), "error");
		if (error != NULL)
			failf(v, "the %s's driver could not derive the end-to-end keys: %s", sides[s], error);
	}
	if (!json_equal(json_object_get(derived, "initiator"), json_object_get(derived, "terminator")))
		failf(v, "the ends derived different Kpsa, Ke2e_master or T(1)..T(4)");
	if (!json_equal(json_object_get(derived, "initiator"), json_object_get(derived, "recomputed")))
		failf(v, "the initiator's end-to-end keys differ from those %s derives from the same Ke", pool->names[r]);
}

/* Judges a completed handshake of a positive case. */
static void check_completed(struct kx_driver_pool *pool, const struct kx_case *c, struct kx_relay *relay,
			    const char *claimed_reading, json_t *result, struct verdict *v)
{
	json_t *ini, *ter;
	const char *label = kx_json_get_string(json_object_get(c->scenario, "export"), "label");
	kx_pool_call_pair(pool, c->initiator, kx_relay_info_request(relay->initiator_session, label),
	                  c->terminator, kx_relay_info_request(relay->terminator_session, label), &ini, &ter);
	json_object_set(result, "initiator_report", ini);
	json_object_set(result, "terminator_report", ter);
	if (!ok(ini) || !ok(ter)) {
		failf(v, "an end could not report its session: %s", !ok(ini) ? error_of(ini) : error_of(ter));
	} else {
		check_agreement(ini, ter, c, v);
		check_identities(ini, ter, c, v);
		uint8_t key[KX_KEY_LEN];
		if (json_object_get(c->scenario, "export") != NULL &&
		    check_export(pool, c, ini, ter, claimed_reading, result, v, key) == 0 && strcmp(c->run, "e2e") == 0)
			check_e2e(pool, c, key, result, v);
	}
	if (relay->deviations[0] != '\0')
		failf(v, "%s", relay->deviations);
	json_decref(ini);
	json_decref(ter);
}

/* Judges a negative or fault case, which must not complete. Returns whether
 * the way it ended is the one the suite expects. */
static int judge_refusal(const struct kx_case *c, const struct kx_relay *relay, struct verdict *v)
{
	snprintf(v->diagnosis, sizeof v->diagnosis, "%s", relay->diagnosis);
	if (relay->outcome == KX_RELAY_DONE) {
		v->result = KX_RESULT_PASS;
		snprintf(v->diagnosis, sizeof v->diagnosis, "the handshake completed although %s",
			 c->kind == KX_CASE_FAULT ? "the runner damaged a flight"
						  : kx_json_get_string(c->variant, "why"));
		return 0;
	}
	if (relay->outcome == KX_RELAY_ERROR) {
		v->result = KX_RESULT_ERROR;
		return 0;
	}
	v->result = KX_RESULT_FAIL;
	if (c->kind == KX_CASE_FAULT)
		return 1;
	const char *expected = kx_json_get_string(c->variant, "rejected_by");
	if (strcmp(expected, "either") == 0 || strcmp(expected, relay->rejected_by) == 0)
		return 1;
	size_t used = strlen(v->diagnosis);
	snprintf(v->diagnosis + used, sizeof v->diagnosis - used, "; expected the %s to refuse (%s)", expected,
		 kx_json_get_string(c->variant, "why"));
	return 0;
}

json_t *kx_case_result_new(const struct kx_driver_pool *pool, const struct kx_case *c)
{
	static const char *const kinds[] = {"positive", "negative", "fault"};
	json_t *result =
	    kx_case_json_new(c->id, kx_json_get_string(c->scenario, "name"), c->scenario,
	                     pool->names[c->initiator], pool->names[c->terminator], c->transport, c->suite,
	                     kinds[c->kind], c->kind == KX_CASE_POSITIVE ? "pass" : "fail");
	if (c->variant != NULL) {
		const char *why = kx_json_get_string(c->variant, "why");
		json_object_set_new(result, "variant",
				    json_pack("{s:s, s:s}", "name",
					      c->kind == KX_CASE_FAULT ? kx_json_get_string(c->variant, "fault")
								       : kx_json_get_string(c->variant, "name"),
					      "why", why != NULL ? why : ""));
	}
	/* The inputs: each end's configuration exactly as its driver receives it. */
	json_object_set_new(result, "inputs",
			    json_pack("{s:o, s:o}", "initiator", json_deep_copy(c->initiator_config), "terminator",
				      json_deep_copy(c->terminator_config)));
	return result;
}

json_t *kx_case_run(struct kx_driver_pool *pool, const struct kx_case *c, const char *claimed_reading,
		    struct kx_relay *relay_out)
{
	double started = now_ms();
	json_t *result = kx_case_result_new(pool, c);
	struct verdict v = {.result = KX_RESULT_PASS, .diagnosis = ""};
	int met = 0;
	char why[600];
	struct kx_relay local, *relay = relay_out != NULL ? relay_out : &local;
	memset(relay, 0, sizeof *relay);

	if (incapable(pool, c->initiator, c, "client", why, sizeof why) != NULL ||
	    incapable(pool, c->terminator, c, "server", why, sizeof why) != NULL) {
		v.result = KX_RESULT_NOT_IMPLEMENTED;
		snprintf(v.diagnosis, sizeof v.diagnosis, "%s", why);
		goto done;
	}
	relay->pool = pool;
	relay->initiator = c->initiator;
	relay->terminator = c->terminator;
	relay->dtls = strcmp(c->transport, "dtls") == 0;
	relay->fault = c->fault;
	relay->timeout_ms = c->timeout_ms;
	relay->escertke = strcmp(c->run, "escertke") == 0;
	snprintf(relay->initiator_session, sizeof relay->initiator_session, "%s/initiator", c->id);
	snprintf(relay->terminator_session, sizeof relay->terminator_session, "%s/terminator", c->id);
	const char *ids[2] = {kx_json_get_string(json_object_get(c->scenario, "initiator"), "id"),
			      kx_json_get_string(json_object_get(c->scenario, "terminator"), "id")};
	snprintf(relay->initiator_id, sizeof relay->initiator_id, "%s", ids[0] ? ids[0] : "initiator");
	snprintf(relay->terminator_id, sizeof relay->terminator_id, "%s", ids[1] ? ids[1] : "terminator");
	const char *from3 = kx_json_get_string(json_object_get(c->variant, "notify"), "message3_from");
	if (from3 != NULL)
		snprintf(relay->message3_from, sizeof relay->message3_from, "%s", from3);

	/* A negative case's misbehaving peer may be impossible on a library (TLS 1.1
	 * compiled out): that case cannot test the other end there, so it is skipped. */
	{
		json_t *ri, *rt;
		kx_pool_call_pair(
		    pool, c->initiator, kx_relay_open_request(relay->initiator_session, c->initiator_config),
		    c->terminator, kx_relay_open_request(relay->terminator_session, c->terminator_config),
		    &ri, &rt);
		int oki = ok(ri), okt = ok(rt);
		if (!oki || !okt) {
			int ini_failed = !oki;
			snprintf(why, sizeof why, "%s", error_of(ini_failed ? ri : rt));
			v.result = c->kind == KX_CASE_NEGATIVE &&
						   json_object_get(c->variant, ini_failed ? "initiator" : "terminator")
					   ? KX_RESULT_SKIP
					   : KX_RESULT_ERROR;
			snprintf(v.diagnosis, sizeof v.diagnosis, "the %s's driver (%s) cannot open the session: %s",
				 ini_failed ? "initiator" : "terminator",
				 pool->names[ini_failed ? c->initiator : c->terminator], why);
			if (oki)
				json_decref(call(pool, c->initiator,
				                 kx_relay_close_request(relay->initiator_session)));
			if (okt)
				json_decref(call(pool, c->terminator,
				                 kx_relay_close_request(relay->terminator_session)));
			json_decref(ri);
			json_decref(rt);
			goto done;
		}
		json_decref(ri);
		json_decref(rt);
	}

	kx_relay_run(relay);
	json_object_set_new(result, "outcome", json_string(kx_case_json_outcome(relay->outcome)));
	if (relay->rejected_by[0] != '\0')
		json_object_set_new(result, "rejected_by", json_string(relay->rejected_by));
	if (c->kind != KX_CASE_POSITIVE) {
		met = judge_refusal(c, relay, &v);
	} else if (relay->outcome != KX_RELAY_DONE) {
		v.result = relay->outcome == KX_RELAY_ERROR ? KX_RESULT_ERROR : KX_RESULT_FAIL;
		snprintf(v.diagnosis, sizeof v.diagnosis, "%s", relay->diagnosis);
		if (relay->deviations[0] != '\0')
			failf(&v, "%s", relay->deviations);
	} else {
		check_completed(pool, c, relay, claimed_reading, result, &v);
		if (kx_relay_exchange_application_data(relay) != 0)
			failf(&v, "%s", relay->diagnosis);
		met = strcmp(v.result, KX_RESULT_PASS) == 0;
	}
	kx_case_json_flights(result, relay);
	{
		json_t *ri, *rt;
		kx_pool_call_pair(pool, c->initiator, kx_relay_close_request(relay->initiator_session),
		                  c->terminator, kx_relay_close_request(relay->terminator_session), &ri, &rt);
		json_decref(ri);
		json_decref(rt);
	}
done:
	if (relay_out == NULL)
		kx_relay_free(relay);
	kx_case_json_verdict(result, v.result, met || strcmp(v.result, KX_RESULT_SKIP) == 0, v.diagnosis,
	                     now_ms() - started);
	return result;
}
