/* suite.c - reads the suites/ JSON files and expands the matrix. A scenario entry
 * describes both end-points once; the negative and fault entries only say
 * what differs. Certificate names ("in-cse") become the build's PKI files. */
#include "runner/cases/suite.h"

#include "core/errors.h"
#include "core/growable.h"
#include "core/json_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const run_functions[] = {"handshake", "escertke", "e2e", "maf"};

/* The scenario of the suite named name, or NULL. */
static json_t *scenario_named(json_t *root, const char *name)
{
	return kx_json_array_named(json_object_get(root, "scenarios"), name);
}

/* Keys of an end-point description that describe it but are not driver configuration. */
static int descriptive(const char *key)
{
	return strcmp(key, "name") == 0 || strcmp(key, "id") == 0;
}

static void overlay(json_t *config, json_t *spec)
{
	const char *key;
	json_t *value;
	json_object_foreach(spec, key, value)
	{
		if (!descriptive(key))
			json_object_set(config, key, value);
	}
}

/* A cert_form member ("int", "p384", ...) names another form of the end's entity in the test PKI
 * (pki/README.md): cert "ae" with cert_form "int" is ae-int, so one suite axis value serves every
 * scenario whatever its entities. An empty form is the entity's own certificate. The member is the
 * suite's, not the driver's: it is removed. */
static void apply_cert_form(json_t *config)
{
	const char *cert = kx_json_get_string(config, "cert");
	const char *form = kx_json_get_string(config, "cert_form");
	if (cert != NULL && form != NULL && form[0] != '\0') {
		char name[512];
		snprintf(name, sizeof name, "%s-%s", cert, form);
		json_object_set_new(config, "cert", json_string(name));
	}
	json_object_del(config, "cert_form");
}

/* Replaces a PKI name member (cert or ca) by the file paths it stands for. */
static void resolve_pki(json_t *config, const char *pki_dir)
{
	apply_cert_form(config);
	const char *cert = kx_json_get_string(config, "cert");
	if (cert != NULL) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s.key", pki_dir, cert);
		json_object_set_new(config, "key", json_string(path));
		snprintf(path, sizeof path, "%s/%s.pem", pki_dir, cert);
		json_object_set_new(config, "cert", json_string(path));
		const char *ca = kx_json_get_string(config, "ca");
		snprintf(path, sizeof path, "%s/%s.pem", pki_dir, ca != NULL ? ca : "root-ca");
		json_object_set_new(config, "ca", json_string(path));
	} else {
		json_object_del(config, "ca");
	}
}

/* The complete driver configuration of one end of one case: the suite's defaults, the scenario's
 * end, its axes' values (combo; NULL for none), then the variant's changes. */
static json_t *end_config(json_t *root, json_t *scenario, const char *end, const struct kx_axes_combo *combo,
			  json_t *variant, const char *transport, const char *suite, const char *pki_dir)
{
	json_t *config = json_object();
	json_t *defaults = json_object_get(root, "defaults");
	if (json_is_object(defaults)) {
		json_object_set(config, "ca", json_object_get(defaults, "ca"));
		if (strcmp(transport, "dtls") == 0 && json_object_get(defaults, "mtu") != NULL)
			json_object_set(config, "mtu", json_object_get(defaults, "mtu"));
	}
	json_object_set_new(config, "suites", json_pack("[s]", suite));
	overlay(config, json_object_get(scenario, end));
	if (combo != NULL)
		kx_axes_overlay(combo, end, config);
	if (variant != NULL)
		overlay(config, json_object_get(variant, end));
	json_object_set_new(config, "role", json_string(strcmp(end, "initiator") == 0 ? "client" : "server"));
	json_object_set_new(config, "transport", json_string(transport));
	json_object_del(config, "timeout_ms");
	resolve_pki(config, pki_dir);
	return config;
}

/* value, or an equal value met before (then value is released): configurations and axes repeat
 * across the cases of a suite (every ordered pair of drivers plays the same ones, and the variants
 * run at the axes' defaults), and a full profile's thousands of cases kept each its own copies,
 * some 4 KB a case. seen maps each value's compact JSON text to the value; equal text, equal
 * value, members in the same order. The shared values are read-only, like the suite's own, which
 * the configurations already share members with. */
static json_t *shared(json_t *seen, json_t *value)
{
	char *text = value != NULL ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (text == NULL)
		return value;
	json_t *same = json_object_get(seen, text);
	if (same != NULL) {
		json_decref(value);
		value = json_incref(same);
	} else {
		json_object_set(seen, text, value);
	}
	free(text);
	return value;
}

/* 1 if the entry has no "transports" filter or lists transport. */
static int applies_to(json_t *entry, const char *transport)
{
	json_t *list = json_object_get(entry, "transports");
	return list == NULL || kx_json_array_has_string(list, transport);
}

/* What the combination's values ask of the relay: a record layout, a DTLS loss to recover from. */
static void relay_options(struct kx_case *c, const struct kx_axes_combo *combo)
{
	json_t *relay = kx_axes_relay(combo);
	const char *records = kx_json_get_string(relay, "records"), *fault = kx_json_get_string(relay, "fault");
	if (records != NULL)
		kx_records_from_name(records, &c->records);
	if (fault != NULL && kx_fault_from_name(fault, &c->fault.kind) == 0) {
		c->fault.flight = (int)json_integer_value(json_object_get(relay, "flight"));
		c->recover = 1;
	}
	json_decref(relay);
}

/* Where a case of the suite is being added: its scenario, transport and pairing, and the values
 * met so far (shared). */
struct adding {
	json_t *scenario;
	const char *transport;
	size_t initiator, terminator;
	const struct kx_driver_pool *pool;
	const char *pki_dir;
	json_t *seen;
};

static int add_case(struct kx_suite *suite, const struct adding *a, const struct kx_axes_combo *combo,
		    enum kx_case_kind kind, json_t *variant, char *err, size_t errlen)
{
	/* Doubling: one case at a time made the full profile's thousands of cases a quadratic copy
	 * (over a minute for --list under AddressSanitizer, whose realloc always moves). */
	if (KX_GROW(suite->cases, suite->cap_cases, suite->n_cases + 1) != 0)
		return kx_errorf(err, errlen, "out of memory");
	struct kx_case *c = &suite->cases[suite->n_cases];
	json_t *scenario = a->scenario;
	const char *transport = a->transport, *pki_dir = a->pki_dir;
	size_t initiator = a->initiator, terminator = a->terminator;
	const struct kx_driver_pool *pool = a->pool;
	memset(c, 0, sizeof *c);
	c->scenario = scenario;
	c->run = kx_json_get_string(scenario, "run");
	c->kind = kind;
	c->variant = variant;
	c->initiator = initiator;
	c->terminator = terminator;
	snprintf(c->transport, sizeof c->transport, "%s", transport);
	const char *suite_id = json_string_value(json_array_get(
		json_object_get(json_object_get(scenario, "suites"), transport), 0));
	snprintf(c->suite, sizeof c->suite, "%s", suite_id);
	const char *name = kx_json_get_string(scenario, "name");
	char suffix[sizeof c->id];
	kx_axes_suffix(combo, suffix, sizeof suffix);
	int n = snprintf(c->id, sizeof c->id, "%s.%s.%s-%s%s", name, transport, pool->names[initiator],
			 pool->names[terminator], suffix);
	if ((size_t)n >= sizeof c->id - 1)
		return kx_errorf(err, errlen, "scenario %s: the case id %s... is longer than %zu bytes", name, c->id,
		                 sizeof c->id - 2);
	c->axes = shared(a->seen, kx_axes_json(combo));
	c->needs = shared(a->seen, kx_axes_needs(combo));
	relay_options(c, combo);
	if (kind == KX_CASE_NEGATIVE) {
		snprintf(c->id + n, sizeof c->id - (size_t)n, ".%s", kx_json_get_string(variant, "name"));
	} else if (kind == KX_CASE_FAULT) {
		const char *fault = kx_json_get_string(variant, "fault");
		c->fault.flight = (int)json_integer_value(json_object_get(variant, "flight"));
		kx_fault_from_name(fault, &c->fault.kind);
		snprintf(c->id + n, sizeof c->id - (size_t)n, ".fault-%s-flight%d", fault, c->fault.flight);
	}
	json_t *timeout = json_object_get(json_object_get(suite->root, "defaults"), "timeout_ms");
	c->timeout_ms = json_is_integer(timeout) && json_integer_value(timeout) > 0 ? (int)json_integer_value(timeout)
										      : 5000;
	c->initiator_config = shared(a->seen, end_config(suite->root, scenario, "initiator", combo, variant, transport,
	                                                 c->suite, pki_dir));
	c->terminator_config = shared(a->seen, end_config(suite->root, scenario, "terminator", combo, variant,
	                                                  transport, c->suite, pki_dir));
	c->first_scenario = scenario_named(suite->root, kx_json_get_string(json_object_get(scenario, "first"),
	                                                                   "scenario"));
	if (c->first_scenario != NULL) {
		snprintf(c->first_suite, sizeof c->first_suite, "%s",
		         json_string_value(json_array_get(
		             json_object_get(json_object_get(c->first_scenario, "suites"), transport), 0)));
		c->first_initiator_config = shared(a->seen, end_config(suite->root, c->first_scenario, "initiator",
		                                                       NULL, NULL, transport, c->first_suite, pki_dir));
		c->first_terminator_config = shared(a->seen, end_config(suite->root, c->first_scenario, "terminator",
		                                                        NULL, NULL, transport, c->first_suite, pki_dir));
	}
	suite->n_cases++;
	return 0;
}

/* Checks the parts of a scenario the expansion relies on; -1 with err naming what is wrong. */
static int check_scenario(json_t *scenario, size_t index, char *err, size_t errlen)
{
	const char *name = kx_json_get_string(scenario, "name");
	const char *run = kx_json_get_string(scenario, "run");
	if (name == NULL || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(name))
		return kx_errorf(err, errlen,
		                 "scenario %zu: \"name\" must be lower-case letters, digits and '-'",
		                 index + 1);
	int known = 0;
	for (size_t i = 0; run != NULL && i < sizeof run_functions / sizeof run_functions[0]; i++)
		known |= strcmp(run, run_functions[i]) == 0;
	if (!known)
		return kx_errorf(err, errlen, "scenario %s: \"run\" must be handshake, escertke, e2e or maf",
		                 name);
	if (!json_is_object(json_object_get(scenario, "initiator")) ||
	    !json_is_object(json_object_get(scenario, "terminator")))
		return kx_errorf(err, errlen, "scenario %s: needs \"initiator\" and \"terminator\" objects",
		                 name);
	size_t i;
	json_t *transport;
	json_array_foreach(json_object_get(scenario, "transports"), i, transport)
	{
		const char *t = json_string_value(transport);
		json_t *suites = json_object_get(json_object_get(scenario, "suites"), t != NULL ? t : "");
		if (t == NULL || (strcmp(t, "tls") != 0 && strcmp(t, "dtls") != 0))
			return kx_errorf(err, errlen, "scenario %s: transports are \"tls\" and \"dtls\"",
			                 name);
		if (!json_is_string(json_array_get(suites, 0)))
			return kx_errorf(err, errlen, "scenario %s: \"suites\".%s needs at least one suite",
			                 name, t);
	}
	if (json_array_size(json_object_get(scenario, "transports")) == 0)
		return kx_errorf(err, errlen, "scenario %s: \"transports\" is empty", name);
	json_t *entry;
	json_array_foreach(json_object_get(scenario, "negative"), i, entry)
	{
		const char *by = kx_json_get_string(entry, "rejected_by");
		if (kx_json_get_string(entry, "name") == NULL || by == NULL ||
		    (strcmp(by, "initiator") != 0 && strcmp(by, "terminator") != 0 && strcmp(by, "either") != 0 &&
		     strcmp(by, "check") != 0))
			return kx_errorf(
			    err, errlen,
			    "scenario %s: negative case %zu needs a \"name\" and \"rejected_by\" "
			    "(initiator, terminator, either, or check: the harness's check of the messages)",
			    name, i + 1);
	}
	json_array_foreach(json_object_get(scenario, "faults"), i, entry)
	{
		enum kx_fault_kind kind;
		const char *fault = kx_json_get_string(entry, "fault");
		if (fault == NULL || kx_fault_from_name(fault, &kind) != 0 ||
		    json_integer_value(json_object_get(entry, "flight")) < 1)
			return kx_errorf(err, errlen,
			                 "scenario %s: fault %zu needs \"fault\" (drop, truncate, flip-bit, "
			                 "reorder, replay, "
			                 "duplicate) and a \"flight\" from 1",
			                 name, i + 1);
	}
	return 0;
}

/* A "maf" scenario's first handshake: a scenario of the suite with an export, on every transport
 * of the chain. -1 with err naming what is wrong. */
static int check_first(json_t *root, json_t *scenario, char *err, size_t errlen)
{
	const char *name = kx_json_get_string(scenario, "name");
	const char *first_name = kx_json_get_string(json_object_get(scenario, "first"), "scenario");
	if (strcmp(kx_json_get_string(scenario, "run"), "maf") != 0)
		return first_name == NULL ? 0
		                          : kx_errorf(err, errlen, "scenario %s: \"first\" belongs to a \"maf\" scenario",
		                                      name);
	json_t *first = scenario_named(root, first_name);
	if (first == NULL || json_object_get(first, "export") == NULL)
		return kx_errorf(err, errlen,
		                 "scenario %s: \"first\": {\"scenario\": NAME} must name a scenario of the suite that "
		                 "exports (the MAF connection)",
		                 name);
	if (kx_json_get_string(json_object_get(scenario, "export"), "label") == NULL)
		return kx_errorf(err, errlen, "scenario %s: needs the first handshake's \"export\"", name);
	size_t i;
	json_t *transport;
	json_array_foreach(json_object_get(scenario, "transports"), i, transport)
	{
		if (json_array_size(json_object_get(json_object_get(first, "suites"), json_string_value(transport))) == 0)
			return kx_errorf(err, errlen, "scenario %s: its first handshake (%s) has no suite for %s", name,
			                 first_name, json_string_value(transport));
	}
	return 0;
}

/* Adds the cases of one scenario on one transport, every ordered pair of drivers: the positive
 * case of each combination of its axes the profile chooses (the defaults' first), then the
 * negative and fault variants, which run with every axis at its default. */
static int expand(struct kx_suite *suite, json_t *scenario, const char *transport, const struct kx_driver_pool *pool,
		  const char *pki_dir, json_t *seen, char *err, size_t errlen)
{
	struct kx_axes_combo *combos = NULL;
	size_t n_combos = 0;
	if (kx_axes_combinations(suite->root, scenario, transport, suite->profile, &combos, &n_combos) != 0)
		return kx_errorf(err, errlen, "out of memory");
	int ret = 0;
	for (size_t i = 0; i < pool->n && ret == 0; i++)
		for (size_t t = 0; t < pool->n && ret == 0; t++) {
			struct adding a = {scenario, transport, i, t, pool, pki_dir, seen};
			for (size_t k = 0; k < n_combos && ret == 0; k++)
				ret = add_case(suite, &a, &combos[k], KX_CASE_POSITIVE, NULL, err, errlen);
			size_t k;
			json_t *entry;
			json_array_foreach(json_object_get(scenario, "negative"), k, entry)
			{
				if (ret == 0 && applies_to(entry, transport))
					ret = add_case(suite, &a, &combos[0], KX_CASE_NEGATIVE, entry, err, errlen);
			}
			json_array_foreach(json_object_get(scenario, "faults"), k, entry)
			{
				if (ret == 0 && applies_to(entry, transport))
					ret = add_case(suite, &a, &combos[0], KX_CASE_FAULT, entry, err, errlen);
			}
		}
	free(combos);
	return ret;
}

int kx_suite_load(const char *path, const char *pki_dir, const struct kx_driver_pool *pool, struct kx_suite *suite,
		  char *err, size_t errlen)
{
	return kx_suite_load_profile(path, pki_dir, pool, KX_PROFILE_FAST, suite, err, errlen);
}

int kx_suite_load_profile(const char *path, const char *pki_dir, const struct kx_driver_pool *pool,
                          enum kx_profile profile, struct kx_suite *suite, char *err, size_t errlen)
{
	memset(suite, 0, sizeof *suite);
	snprintf(suite->path, sizeof suite->path, "%s", path);
	suite->profile = profile;
	json_error_t error;
	suite->root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (suite->root == NULL)
		return kx_errorf(err, errlen, "%s: not readable as JSON: %s (line %d)", path, error.text,
		                 error.line);
	json_t *scenarios = json_object_get(suite->root, "scenarios");
	if (!json_is_array(scenarios) || json_array_size(scenarios) == 0)
		return kx_errorf(err, errlen, "%s: no \"scenarios\" array", path);
	size_t i;
	json_t *scenario;
	char why[400];
	if (kx_axes_check(suite->root, why, sizeof why) != 0)
		return kx_errorf(err, errlen, "%s: %s", path, why);
	/* The values the cases share, by their text: needed only while they are added. */
	json_t *seen = json_object();
	int ret = 0;
	json_array_foreach(scenarios, i, scenario)
	{
		size_t k;
		json_t *transport;
		if (check_scenario(scenario, i, why, sizeof why) != 0 ||
		    check_first(suite->root, scenario, why, sizeof why) != 0)
			ret = -1;
		json_array_foreach(json_object_get(scenario, "transports"), k, transport)
		{
			if (ret == 0 && expand(suite, scenario, json_string_value(transport), pool, pki_dir, seen, why,
			                       sizeof why) != 0)
				ret = -1;
		}
		if (ret != 0)
			break;
	}
	json_decref(seen);
	return ret == 0 ? 0 : kx_errorf(err, errlen, "%s: %s", path, why);
}

const struct kx_case *kx_suite_self_case(const struct kx_suite *suite, const char *scenario,
                                         const char *transport, const char *driver)
{
	char id[192];
	snprintf(id, sizeof id, "%s.%s.%s-%s", scenario, transport, driver, driver);
	for (size_t i = 0; i < suite->n_cases; i++)
		if (strcmp(suite->cases[i].id, id) == 0)
			return &suite->cases[i];
	return NULL;
}

void kx_suite_free(struct kx_suite *suite)
{
	for (size_t i = 0; i < suite->n_cases; i++) {
		json_decref(suite->cases[i].initiator_config);
		json_decref(suite->cases[i].terminator_config);
		json_decref(suite->cases[i].first_initiator_config);
		json_decref(suite->cases[i].first_terminator_config);
		json_decref(suite->cases[i].axes);
		json_decref(suite->cases[i].needs);
	}
	free(suite->cases);
	json_decref(suite->root);
	memset(suite, 0, sizeof *suite);
}
