/* case_judge.c - both ends of a completed handshake, judged.
 *
 * The reference comes from the reference drivers alone (kx_pool_references),
 * from the session secrets a reference end reported; a vendor's driver never
 * recomputes, so a case between reference drivers cannot fail because of a
 * vendor. Each end's values are claims, judged and named like a vendor's
 * claims in live, http and verify: the same verdicts, the same sentences. */
#include "runner/cases/case_judge.h"

#include "core/errors.h"
#include "core/exporter_split.h"
#include "core/json_io.h"
#include "core/keyid.h"
#include "core/tls_suites.h"
#include "runner/judge/claims.h"
#include "runner/judge/judge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *export_spec(const struct kx_case *c)
{
	return json_object_get(c->scenario, "export");
}

static json_t *e2e_spec(const struct kx_case *c)
{
	return strcmp(c->run, "e2e") == 0 ? json_object_get(c->scenario, "e2e") : NULL;
}

json_t *kx_case_info_request(const struct kx_case *c, const char *session)
{
	json_t *request = json_pack("{s:s, s:s}", "op", "info", "session", session);
	const char *label = kx_json_get_string(export_spec(c), "label");
	if (label == NULL)
		return request;
	json_object_set_new(request, "export",
	                    json_pack("[{s:s, s:i}]", "label", label, "length", KX_EXPORT_LEN));
	const char *fqdn = kx_json_get_string(export_spec(c), "fqdn");
	if (fqdn != NULL)
		json_object_set_new(request, "fqdn", json_string(fqdn));
	json_t *e2e = e2e_spec(c);
	if (e2e != NULL)
		json_object_set_new(request, "e2e",
		                    json_pack("{s:O, s:O}", "enrolee_b_id",
		                              json_object_get(e2e, "enrolee_b_id"), "hashes",
		                              json_object_get(e2e, "hashes")));
	return request;
}

/* One end: what it reported and what it derived, as claims. */
struct end {
	const char *role; /* "initiator", "terminator" */
	size_t driver;
	json_t *report;
	char who[96];            /* "the initiator (openssl)" */
	struct kx_claims claims; /* export, split, keyid, kpsa: one source each */
	struct kx_claims e2e[2]; /* the E2E keys per hash of the scenario */
	json_t *derived;         /* for the report: {kpsa, SHA-256: {ke2e_master, t}} */
};

static void claim(struct kx_claims *c, enum kx_claim_id id, const char *value, const char *source)
{
	char err[200];
	if (value != NULL && c->values[id] == NULL)
		kx_claims_set(c, id, value, strlen(value), source, err, sizeof err);
}

static int lists(struct kx_driver_pool *pool, size_t driver, const char *op)
{
	char err[300];
	struct kx_driver_proc *proc = kx_pool_proc(pool, driver, err, sizeof err);
	return proc != NULL && kx_driver_supports_op(proc, op);
}

static json_t *ask(struct kx_driver_pool *pool, size_t driver, json_t *request)
{
	json_t *answer = kx_pool_call(pool, driver, request);
	if (json_is_true(json_object_get(answer, "ok")))
		return answer;
	json_decref(answer);
	return NULL;
}

/* The end's values from its derivation operations over its own session (protocol 1, and every
 * vendor end): the split of its export, its key identifier, its Kpsa and E2E keys. */
static void from_operations(struct kx_driver_pool *pool, const struct kx_case *c, const char *prf_hash,
                            struct end *e, struct kx_claims *out, struct kx_claims e2e_out[2])
{
	const char *label = kx_json_get_string(export_spec(c), "label");
	const char *fqdn = kx_json_get_string(export_spec(c), "fqdn");
	const char *key_id = NULL, *key = NULL;
	json_t *split = NULL, *kid = NULL, *kpsa = NULL;
	if (lists(pool, e->driver, "exporter"))
		split = ask(pool, e->driver,
		            json_pack("{s:s, s:s, s:O, s:O, s:O, s:s, s:i}", "op", "exporter", "hash",
		                      prf_hash, "master_secret", json_object_get(e->report, "master_secret"),
		                      "client_random", json_object_get(e->report, "client_random"),
		                      "server_random", json_object_get(e->report, "server_random"), "label",
		                      label, "length", KX_EXPORT_LEN));
	claim(out, KX_CLAIM_KEY_ID, kx_json_get_string(split, "key_id"), "exporter op");
	claim(out, KX_CLAIM_KEY, kx_json_get_string(split, "key"), "exporter op");
	key_id = e->claims.values[KX_CLAIM_KEY_ID] ? e->claims.values[KX_CLAIM_KEY_ID]
	                                           : out->values[KX_CLAIM_KEY_ID];
	key = e->claims.values[KX_CLAIM_KEY] ? e->claims.values[KX_CLAIM_KEY] : out->values[KX_CLAIM_KEY];
	if (fqdn != NULL && key_id != NULL && lists(pool, e->driver, "keyid"))
		kid = ask(pool, e->driver,
		          json_pack("{s:s, s:s, s:s}", "op", "keyid", "key_id", key_id, "fqdn", fqdn));
	claim(out, KX_CLAIM_KEYID, kx_json_get_string(kid, "keyid"), "keyid op");
	json_t *spec = e2e_spec(c);
	const char *enrolee = kx_json_get_string(spec, "enrolee_b_id");
	if (spec != NULL && key != NULL && lists(pool, e->driver, "enrolment"))
		kpsa = ask(pool, e->driver,
		           json_pack("{s:s, s:s, s:s, s:s}", "op", "enrolment", "derivation", "Kpsa", "ke",
		                     key, "identifier", enrolee));
	claim(out, KX_CLAIM_KPSA, kx_json_get_string(kpsa, "out"), "enrolment op");
	const char *own_kpsa =
	    e->claims.values[KX_CLAIM_KPSA] ? e->claims.values[KX_CLAIM_KPSA] : out->values[KX_CLAIM_KPSA];
	size_t h;
	json_t *hash;
	json_array_foreach(json_object_get(spec, "hashes"), h, hash)
	{
		if (h >= 2 || own_kpsa == NULL || !lists(pool, e->driver, "e2e"))
			break;
		json_t *keys = ask(pool, e->driver,
		                   json_pack("{s:s, s:O, s:s, s:s}", "op", "e2e", "hash", hash, "kpsa",
		                             own_kpsa, "enrolee_b_id", enrolee));
		claim(&e2e_out[h], KX_CLAIM_KE2E_MASTER, kx_json_get_string(keys, "master"), "e2e op");
		for (int t = 0; t < 4; t++)
			claim(&e2e_out[h], (enum kx_claim_id)(KX_CLAIM_T1 + t),
			      json_string_value(json_array_get(json_object_get(keys, "t"), (size_t)t)),
			      "e2e op");
		if (keys != NULL && json_object_get(e->derived, json_string_value(hash)) == NULL)
			json_object_set_new(e->derived, json_string_value(hash),
			                    json_pack("{s:O, s:O}", "ke2e_master",
			                              json_object_get(keys, "master"), "t",
			                              json_object_get(keys, "t")));
		json_decref(keys);
	}
	if (kx_json_get_string(e->derived, "kpsa") == NULL && own_kpsa != NULL)
		json_object_set_new(e->derived, "kpsa", json_string(own_kpsa));
	json_decref(split);
	json_decref(kid);
	json_decref(kpsa);
}

/* The end's values from its session report. */
static void from_report(const struct kx_case *c, struct end *e)
{
	const char *label = kx_json_get_string(export_spec(c), "label");
	json_t *split = json_object_get(json_object_get(e->report, "split"), label);
	claim(&e->claims, KX_CLAIM_EXPORT, kx_json_get_string(json_object_get(e->report, "exported"), label),
	      "session");
	claim(&e->claims, KX_CLAIM_KEY_ID, kx_json_get_string(split, "key_id"), "session");
	claim(&e->claims, KX_CLAIM_KEY, kx_json_get_string(split, "key"), "session");
	if (kx_json_get_string(export_spec(c), "fqdn") != NULL)
		claim(&e->claims, KX_CLAIM_KEYID, kx_json_get_string(e->report, "keyid"), "session");
	json_t *spec = e2e_spec(c);
	json_t *derived = json_object_get(e->report, "e2e");
	if (spec == NULL)
		return;
	claim(&e->claims, KX_CLAIM_KPSA, kx_json_get_string(derived, "kpsa"), "session");
	if (kx_json_get_string(derived, "kpsa") != NULL)
		json_object_set_new(e->derived, "kpsa", json_string(kx_json_get_string(derived, "kpsa")));
	size_t h;
	json_t *hash;
	json_array_foreach(json_object_get(spec, "hashes"), h, hash)
	{
		json_t *keys = json_object_get(derived, json_string_value(hash));
		if (h >= 2 || keys == NULL)
			continue;
		claim(&e->e2e[h], KX_CLAIM_KE2E_MASTER, kx_json_get_string(keys, "master"), "session");
		for (int t = 0; t < 4; t++)
			claim(&e->e2e[h], (enum kx_claim_id)(KX_CLAIM_T1 + t),
			      json_string_value(json_array_get(json_object_get(keys, "t"), (size_t)t)),
			      "session");
		json_object_set_new(e->derived, json_string_value(hash),
		                    json_pack("{s:O, s:O}", "ke2e_master", json_object_get(keys, "master"),
		                              "t", json_object_get(keys, "t")));
	}
}

static void free_end(struct end *e)
{
	kx_claims_free(&e->claims);
	kx_claims_free(&e->e2e[0]);
	kx_claims_free(&e->e2e[1]);
	json_decref(e->derived);
}

/* Judges one set of claims of an end into verdicts; 0 or -1 with err. */
static int judge_set(struct kx_judge *j, const struct kx_claims *set, const struct end *e, const char *hash,
                     struct kx_verdicts *verdicts, char *err, size_t errlen)
{
	j->chain = &e->claims;
	return kx_judge_claims(j, set, e->who, hash, verdicts, err, errlen);
}

/* The report's members that show the values (the HTML reads them). */
static void report_values(struct kx_judge *j, const struct kx_case *c, struct end ends[2], const char *by,
                          const struct kx_verdicts *verdicts, json_t *result)
{
	json_t *spec = export_spec(c);
	const uint8_t *ref = kx_judge_reference_export(j);
	json_t *exported =
	    json_pack("{s:s, s:i}", "label", kx_json_get_string(spec, "label"), "length", KX_EXPORT_LEN);
	for (int i = 0; i < 2; i++)
		if (ends[i].claims.values[KX_CLAIM_EXPORT] != NULL)
			json_object_set_new(exported, ends[i].role,
			                    json_string(ends[i].claims.values[KX_CLAIM_EXPORT]));
	if (kx_json_get_string(spec, "key_id") != NULL)
		json_object_set(exported, "key_id_name", json_object_get(spec, "key_id"));
	kx_json_set_hex(exported, "key_id", ref, KX_KEY_ID_LEN);
	if (kx_json_get_string(spec, "key") != NULL)
		json_object_set(exported, "key_name", json_object_get(spec, "key"));
	kx_json_set_hex(exported, "key", ref + KX_KEY_ID_LEN, KX_KEY_LEN);
	json_object_set_new(exported, "recomputed_by", json_string(by));
	kx_json_set_hex(exported, "recomputed", ref, KX_EXPORT_LEN);
	json_object_set_new(result, "exported", exported);

	json_t *keyid = json_object_get(j->reference, "key_identifier");
	if (keyid != NULL) {
		keyid = json_deep_copy(keyid);
		for (int i = 0; i < 2; i++) {
			/* The end's key identifier: the first that is not the reference, if any. */
			const struct kx_verdict *shown = NULL;
			for (size_t k = 0; k < verdicts->n; k++) {
				const struct kx_verdict *v = &verdicts->v[k];
				if (v->claim == KX_CLAIM_KEYID && strcmp(v->end, ends[i].who) == 0 &&
				    (shown == NULL ||
				     (shown->kind == KX_VERDICT_AGREE && v->kind != KX_VERDICT_AGREE)))
					shown = v;
			}
			if (shown == NULL)
				continue;
			const char *text = shown->claimed;
			if (shown->kind == KX_VERDICT_ACCEPTED)
				json_object_set_new(keyid, "note", json_string(shown->naming.explanation));
			char member[32];
			json_object_set_new(keyid, ends[i].role, json_string(text));
			snprintf(member, sizeof member, "%s_reading", ends[i].role);
			struct kx_keyid parsed;
			enum kx_keyid_error error = kx_keyid_classify(text, strlen(text), ref, &parsed);
			json_object_set_new(keyid, member,
			                    json_string(error == KX_KEYID_OK
			                                    ? kx_keyid_reading_name(parsed.reading)
			                                    : kx_keyid_error_name(error)));
		}
		json_object_set_new(result, "key_identifier", keyid);
	}
	json_t *ref_e2e = json_object_get(j->reference, "e2e");
	if (e2e_spec(c) != NULL && ref_e2e != NULL) {
		json_t *recomputed = json_deep_copy(ref_e2e);
		json_object_del(recomputed, "enrolee_b_id");
		json_t *e2e =
		    json_pack("{s:s, s:O, s:O, s:O, s:o, s:s}", "ke",
		              json_string_value(json_object_get(exported, "key")), "enrolee_b_id",
		              json_object_get(e2e_spec(c), "enrolee_b_id"), "initiator", ends[0].derived,
		              "terminator", ends[1].derived, "recomputed", recomputed, "recomputed_by", by);
		json_object_set_new(result, "e2e", e2e);
	}
}

int kx_case_judge(struct kx_driver_pool *pool, const struct kx_case *c, json_t *ini, json_t *ter,
                  const char *claimed_reading, json_t *result, char *diagnosis, size_t cap)
{
	json_t *spec = export_spec(c);
	const char *label = kx_json_get_string(spec, "label");
	if (label == NULL)
		return 1;
	size_t refs[2];
	size_t n_refs = kx_pool_references(pool, refs);
	if (n_refs == 0) {
		kx_appendf(diagnosis, cap,
		           "%sno reference driver (kx-driver-openssl, kx-driver-wolfssl beside "
		           "kxconform) to judge the exported values with",
		           diagnosis[0] ? "; " : "");
		return -1;
	}
	struct end ends[2] = {{.role = "initiator", .driver = c->initiator, .report = ini},
	                      {.role = "terminator", .driver = c->terminator, .report = ter}};
	/* The secrets of a reference end when there is one: a vendor's report is judged, not trusted. */
	json_t *secrets =
	    kx_pool_is_reference(pool, c->initiator) || !kx_pool_is_reference(pool, c->terminator) ? ini
	                                                                                           : ter;
	/* The negotiated suite's PRF (in a chain, the first handshake's suite, not the case's). */
	const char *negotiated = kx_json_get_string(secrets, "suite");
	const char *prf_hash =
	    kx_suite_prf_hash_name((uint16_t)strtoul(negotiated != NULL ? negotiated : c->suite, NULL, 16));
	json_t *e2e = e2e_spec(c);
	struct kx_judge_session session = {prf_hash,
	                                   kx_json_get_string(secrets, "master_secret"),
	                                   kx_json_get_string(secrets, "client_random"),
	                                   kx_json_get_string(secrets, "server_random"),
	                                   label,
	                                   kx_json_get_string(spec, "fqdn"),
	                                   kx_json_get_string(e2e, "enrolee_b_id"),
	                                   claimed_reading};
	struct kx_judge j;
	char err[1200];
	if (kx_judge_open(&j, pool, refs, n_refs, &session, err, sizeof err) != 0) {
		kx_appendf(diagnosis, cap, "%s%s", diagnosis[0] ? "; " : "", err);
		return -1;
	}
	char by[200] = "";
	for (size_t i = 0; i < n_refs; i++)
		kx_appendf(by, sizeof by, "%s%s", i ? ", " : "", pool->names[refs[i]]);
	struct kx_verdicts verdicts = {0};
	int ret = 0;
	for (int i = 0; i < 2; i++) {
		struct end *e = &ends[i];
		snprintf(e->who, sizeof e->who, "the %s (%s)", e->role, pool->names[e->driver]);
		e->derived = json_object();
		from_report(c, e);
		struct kx_claims ops, ops_e2e[2];
		memset(&ops, 0, sizeof ops);
		memset(ops_e2e, 0, sizeof ops_e2e);
		/* A vendor's end is asked through its operations too; a reference end only for what its
		 * report lacks (a protocol 1 driver). */
		int vendor = !kx_pool_is_reference(pool, e->driver);
		int lacking = e->claims.values[KX_CLAIM_KEY] == NULL ||
		              (session.fqdn != NULL && e->claims.values[KX_CLAIM_KEYID] == NULL) ||
		              (e2e != NULL && e->claims.values[KX_CLAIM_KPSA] == NULL);
		if (vendor || lacking)
			from_operations(pool, c, prf_hash, e, &ops, ops_e2e);
		if (ret == 0)
			ret = judge_set(&j, &e->claims, e, NULL, &verdicts, err, sizeof err);
		if (ret == 0)
			ret = judge_set(&j, &ops, e, NULL, &verdicts, err, sizeof err);
		size_t h;
		json_t *hash;
		json_array_foreach(json_object_get(e2e, "hashes"), h, hash)
		{
			if (h >= 2)
				break;
			if (ret == 0)
				ret = judge_set(&j, &e->e2e[h], e, json_string_value(hash), &verdicts, err,
				                sizeof err);
			if (ret == 0)
				ret = judge_set(&j, &ops_e2e[h], e, json_string_value(hash), &verdicts, err,
				                sizeof err);
		}
		kx_claims_free(&ops);
		kx_claims_free(&ops_e2e[0]);
		kx_claims_free(&ops_e2e[1]);
		if (ret == 0 && e->claims.values[KX_CLAIM_EXPORT] == NULL)
			kx_appendf(diagnosis, cap, "%s%s exported nothing for %s", diagnosis[0] ? "; " : "",
			           e->who, label);
	}
	int verdict;
	if (ret != 0) {
		kx_appendf(diagnosis, cap, "%s%s", diagnosis[0] ? "; " : "", err);
		verdict = -1;
	} else {
		report_values(&j, c, ends, by, &verdicts, result);
		json_object_set_new(result, "verdicts", kx_verdicts_json(&verdicts));
		kx_verdicts_diagnose(&verdicts, diagnosis, cap);
		verdict = verdicts.disagreed == 0 && ends[0].claims.values[KX_CLAIM_EXPORT] != NULL &&
		          ends[1].claims.values[KX_CLAIM_EXPORT] != NULL;
	}
	kx_verdicts_free(&verdicts);
	free_end(&ends[0]);
	free_end(&ends[1]);
	kx_judge_close(&j);
	return verdict;
}
