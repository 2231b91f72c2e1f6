/* case_run.c - one case from start to verdict.
 *
 * Expectations: a positive case must complete and pass every cross-check; a
 * negative case must be refused by the end its entry names ("either" accepts
 * both); a fault case must not complete. The result says what happened
 * ("pass": handshake and checks succeeded, "fail": they did not, "error": a
 * driver failed, "not-implemented": a driver cannot play the case, "skip": the
 * misbehaving peer of a negative case cannot be configured on that library),
 * and "met" says whether that is what the suite expected. */
#include "runner/cases/case_run.h"
#include "runner/cases/case_json.h"
#include "runner/cases/case_judge.h"
#include "runner/cases/maf_chain.h"
#include "runner/cases/session_checks.h"

#include "core/errors.h"
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
	return kx_json_array_has_string(list, value);
}

/* The member of config that the driver's hello does not list under capabilities.config, or NULL. */
static const char *unlisted_member(const struct kx_driver_proc *proc, json_t *config)
{
	const char *key;
	json_t *value;
	json_object_foreach(config, key, value)
	{
		if (!capable(proc, "config", NULL, key))
			return key;
	}
	return NULL;
}

/* The first name the case's axis values need that driver proc lists neither among its features
 * nor (a hello of scenario names) among its scenarios, or NULL. */
static const char *missing_need(const struct kx_driver_proc *proc, const struct kx_case *c)
{
	size_t i;
	json_t *name;
	json_array_foreach(c->needs, i, name)
	{
		const char *need = json_string_value(name);
		if (!capable(proc, "features", NULL, need) && !capable(proc, "scenarios", NULL, need))
			return need;
	}
	return NULL;
}

/* The scenario a driver that lists scenarios by name (a hello without capabilities.config) does
 * not list, or NULL: a chain of handshakes needs the scenarios it is made of. */
static const char *unlisted_scenario(const struct kx_driver_proc *proc, const struct kx_case *c)
{
	json_t *needs = json_object_get(c->scenario, "needs");
	const char *scenario = kx_json_get_string(c->scenario, "name"), *missing = NULL;
	if (needs == NULL && !capable(proc, "scenarios", NULL, scenario))
		missing = scenario;
	for (size_t k = 0; k < json_array_size(needs); k++)
		if (!capable(proc, "scenarios", NULL, json_string_value(json_array_get(needs, k))))
			missing = json_string_value(json_array_get(needs, k));
	return missing;
}

/* Why driver i cannot play this end of the case, or NULL if it can. What a case needs is worked
 * out from the suite: the role, the transport, the suites of its handshakes and the members of
 * its end's configurations, against the hello's capabilities; a hello that lists scenarios by
 * name instead (no capabilities.config) is still read that way. */
static const char *incapable(struct kx_driver_pool *pool, size_t i, const struct kx_case *c, const char *role,
			     char *why, size_t len)
{
	char err[512];
	struct kx_driver_proc *proc = kx_pool_proc(pool, i, err, sizeof err);
	int client = strcmp(role, "client") == 0;
	json_t *config = client ? c->initiator_config : c->terminator_config;
	json_t *first_config = client ? c->first_initiator_config : c->first_terminator_config;
	int by_features = proc != NULL && json_is_array(json_object_get(json_object_get(proc->hello, "capabilities"),
	                                                                "config"));
	const char *scenario = NULL, *member = NULL;
	if (proc != NULL && !by_features)
		scenario = unlisted_scenario(proc, c);
	if (by_features) {
		member = unlisted_member(proc, config);
		if (member == NULL && first_config != NULL)
			member = unlisted_member(proc, first_config);
	}
	if (proc == NULL)
		snprintf(why, len, "driver %s cannot be started: %s", pool->names[i], err);
	else if (scenario != NULL)
		snprintf(why, len, "driver %s does not list scenario %s in its capabilities", pool->names[i], scenario);
	else if (member != NULL)
		snprintf(why, len, "driver %s does not take the configuration member \"%s\" this case sets",
		         pool->names[i], member);
	else if (!capable(proc, "roles", NULL, role))
		snprintf(why, len, "driver %s does not play the %s role", pool->names[i], role);
	else if (!capable(proc, "transports", NULL, c->transport))
		snprintf(why, len, "driver %s does not offer %s", pool->names[i], c->transport);
	else if (!capable(proc, "suites", c->transport, c->suite))
		snprintf(why, len, "driver %s cannot negotiate suite %s over %s", pool->names[i], c->suite, c->transport);
	else if (c->first_scenario != NULL && !capable(proc, "suites", c->transport, c->first_suite))
		snprintf(why, len, "driver %s cannot negotiate suite %s over %s (the chain's first handshake)",
		         pool->names[i], c->first_suite, c->transport);
	else if ((member = missing_need(proc, c)) != NULL)
		snprintf(why, len, "driver %s lists %s neither among its features nor among its scenarios, and the case's "
		         "axis values need it", pool->names[i], member);
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

static int same_string(json_t *a, json_t *b, const char *key)
{
	const char *x = kx_json_get_string(a, key), *y = kx_json_get_string(b, key);
	return x != NULL && y != NULL && strcmp(x, y) == 0;
}

/* Both ends' reports of one session must describe the same session, and each what its end
 * was configured to see. */
static void check_sessions(json_t *ini, json_t *ter, const struct kx_case *c, const char *psk_identity,
			   struct kx_outcome *o)
{
	static const char *const shared[] = {"version", "suite", "client_random", "server_random", "master_secret"};
	for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
		if (!same_string(ini, ter, shared[i]))
			kx_outcome_fail(o, "the ends disagree on %s: initiator %s, terminator %s", shared[i],
			                kx_json_get_string(ini, shared[i]), kx_json_get_string(ter, shared[i]));
	int dtls = strcmp(c->transport, "dtls") == 0;
	struct kx_session_expectations initiator = {
	    "the initiator", dtls, c->suite, NULL, NULL, kx_json_get_string(c->initiator_config, "expected_peer_name")};
	struct kx_session_expectations terminator = {
	    "the terminator", dtls, NULL, kx_json_get_string(c->initiator_config, "sni"), psk_identity,
	    kx_json_get_string(c->terminator_config, "expected_peer_name")};
	kx_check_session(ini, &initiator, o);
	kx_check_session(ter, &terminator, o);
}

/* The PSK identity the terminator must have looked up: the one the initiator was configured to
 * send (an axis value may change it), else the scenario's expect_psk_identity. */
static const char *expected_psk_identity(const struct kx_case *c)
{
	const char *sent = kx_json_get_string(c->initiator_config, "psk_identity");
	return sent != NULL ? sent : kx_json_get_string(c->scenario, "expect_psk_identity");
}

/* ESCertKE: which ends' drivers carry the NOTIFY primitives themselves (hello feature
 * notify-endpoint), said in the report; -1 with why when the case damages a primitive for an end
 * that does not read them itself (NOTIFY would not be under test there). */
static int notify_ends(struct kx_driver_pool *pool, const struct kx_case *c, struct kx_relay *relay, json_t *result,
		       char *why, size_t len)
{
	size_t drivers[2] = {c->terminator, c->initiator};
	json_t *notify = json_object();
	json_object_set_new(result, "notify", notify);
	for (int e = 0; e < 2; e++) {
		char err[300];
		struct kx_driver_proc *proc = kx_pool_proc(pool, drivers[e], err, sizeof err);
		relay->notify_ends[e] =
		    proc != NULL && kx_json_array_has_string(json_object_get(json_object_get(proc->hello, "capabilities"),
		                                                             "features"),
		                                             "notify-endpoint");
		json_object_set_new(notify, kx_relay_end_name(e),
		                    json_string(relay->notify_ends[e]
		                                    ? "carried by its driver"
		                                    : "not under test: its driver does not carry NOTIFY primitives "
		                                      "itself, the relay wraps its flights"));
	}
	json_t *damage = json_object_get(c->variant, "notify");
	if (damage == NULL || relay->notify_ends[0])
		return 0;
	/* Every primitive fault of the suite is in a request, which the terminator reads. */
	snprintf(why, len, "NOTIFY not under test at the terminator: driver %s does not carry NOTIFY primitives itself "
		 "(hello feature notify-endpoint), so it cannot refuse a damaged one", pool->names[c->terminator]);
	return -1;
}

/* Judges a completed handshake of a positive case. */
static void check_completed(struct kx_driver_pool *pool, const struct kx_case *c, struct kx_relay *relay,
			    const char *claimed_reading, const struct kx_maf_second *maf, json_t *result,
			    struct kx_outcome *v)
{
	json_t *ini, *ter;
	/* The MAF chain's PSK handshake exports nothing: its values were the first handshake's. */
	kx_pool_call_pair(pool, c->initiator,
			  maf != NULL ? kx_relay_info_request(relay->initiator_session, NULL)
				      : kx_case_info_request(c, relay->initiator_session),
			  c->terminator,
			  maf != NULL ? kx_relay_info_request(relay->terminator_session, NULL)
				      : kx_case_info_request(c, relay->terminator_session),
			  &ini, &ter);
	json_object_set(result, "initiator_report", ini);
	json_object_set(result, "terminator_report", ter);
	if (!ok(ini) || !ok(ter)) {
		kx_outcome_fail(v, "an end could not report its session: %s", !ok(ini) ? error_of(ini) : error_of(ter));
	} else if (maf != NULL) {
		check_sessions(ini, ter, c, maf->identity_registered, v);
	} else {
		check_sessions(ini, ter, c, expected_psk_identity(c), v);
		int judged = kx_case_judge(pool, c, ini, ter, claimed_reading, result, v->diagnosis, sizeof v->diagnosis);
		if (judged < 0)
			v->result = KX_RESULT_ERROR;
		else if (judged == 0)
			v->result = KX_RESULT_FAIL;
	}
	if (relay->deviations[0] != '\0')
		kx_outcome_fail(v, "%s", relay->deviations);
	json_decref(ini);
	json_decref(ter);
}

/* Judges a negative or fault case, which must not complete. Returns whether
 * the way it ended is the one the suite expects. */
static int judge_refusal(const struct kx_case *c, const struct kx_relay *relay, struct kx_outcome *v)
{
	snprintf(v->diagnosis, sizeof v->diagnosis, "%s", relay->diagnosis);
	const char *expected = kx_json_get_string(c->variant, "rejected_by");
	if (c->kind == KX_CASE_NEGATIVE && strcmp(expected, "check") == 0) {
		/* The TLS libraries complete; the specification's own check of the messages must
		 * refuse what the misconfigured end sent (ESCertKE without client authentication). */
		v->result = KX_RESULT_FAIL;
		if (relay->outcome == KX_RELAY_DONE && relay->deviations[0] != '\0') {
			snprintf(v->diagnosis, sizeof v->diagnosis, "refused by the check: %s", relay->deviations);
			return 1;
		}
		if (relay->outcome == KX_RELAY_ERROR)
			v->result = KX_RESULT_ERROR;
		kx_appendf(v->diagnosis, sizeof v->diagnosis, "%sthe harness's check was to refuse it (%s), and found %s",
			   v->diagnosis[0] ? "; " : "", kx_json_get_string(c->variant, "why"),
			   relay->deviations[0] ? relay->deviations : "nothing");
		return 0;
	}
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
	/* The suite's own value, shared by every case with these axes: nothing changes it. */
	if (c->axes != NULL)
		json_object_set(result, "axes", c->axes);
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
	struct kx_outcome v = {.result = KX_RESULT_PASS, .diagnosis = ""};
	int met = 0;
	char why[600];
	struct kx_relay local, *relay = relay_out != NULL ? relay_out : &local;
	memset(relay, 0, sizeof *relay);
	struct kx_maf_second maf;
	memset(&maf, 0, sizeof maf);
	int chain = strcmp(c->run, "maf") == 0;

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
	relay->recover = c->recover;
	relay->records = c->records;
	relay->timeout_ms = c->timeout_ms;
	relay->escertke = strcmp(c->run, "escertke") == 0;
	snprintf(relay->initiator_session, sizeof relay->initiator_session, "%s/initiator", c->id);
	snprintf(relay->terminator_session, sizeof relay->terminator_session, "%s/terminator", c->id);
	const char *ids[2] = {kx_json_get_string(json_object_get(c->scenario, "initiator"), "id"),
			      kx_json_get_string(json_object_get(c->scenario, "terminator"), "id")};
	snprintf(relay->initiator_id, sizeof relay->initiator_id, "%s", ids[0] ? ids[0] : "initiator");
	snprintf(relay->terminator_id, sizeof relay->terminator_id, "%s", ids[1] ? ids[1] : "terminator");
	json_t *notify_variant = json_object_get(c->variant, "notify");
	const char *from3 = kx_json_get_string(notify_variant, "message3_from");
	if (from3 != NULL)
		snprintf(relay->message3_from, sizeof relay->message3_from, "%s", from3);
	const char *damage = kx_json_get_string(notify_variant, "damage");
	if (damage != NULL) {
		snprintf(relay->notify_damage, sizeof relay->notify_damage, "%s", damage);
		json_t *number = json_object_get(notify_variant, "message");
		relay->notify_damage_message = json_is_integer(number) ? (int)json_integer_value(number) : 1;
	}
	json_t *configs[2] = {c->terminator_config, c->initiator_config}; /* [1]: the initiator's */
	json_t *owned[2] = {NULL, NULL};
	if (relay->escertke) {
		if (notify_ends(pool, c, relay, result, why, sizeof why) != 0) {
			v.result = KX_RESULT_NOT_IMPLEMENTED;
			snprintf(v.diagnosis, sizeof v.diagnosis, "%s", why);
			goto done;
		}
		/* An end-point that carries NOTIFY itself learns its originator, its peer's and the
		 * request identifiers' prefix in its configuration. The prefix only tells this case's
		 * exchanges apart ("-notify1", "-notify2" follow it), so a long case id (axes) is cut to
		 * what the reference drivers keep. */
		char rqi[64];
		snprintf(rqi, sizeof rqi, "%.63s", relay->initiator_session);
		for (int e = 0; e < 2; e++)
			if (relay->notify_ends[e]) {
				owned[e] = json_deep_copy(configs[e]);
				json_object_set_new(owned[e], "notify",
				                    json_pack("{s:s, s:s, s:s}", "from", e ? relay->initiator_id : relay->terminator_id,
				                              "to", e ? relay->terminator_id : relay->initiator_id, "rqi", rqi));
				configs[e] = owned[e];
			}
	}

	/* The MAF chain: the connection first, whose Kc and Key Identifier configure this handshake. */
	if (chain && kx_maf_first(pool, c, claimed_reading, result, &v, &maf) != 0)
		goto done;

	/* A negative case's misbehaving peer may be impossible on a library (TLS 1.1
	 * compiled out): that case cannot test the other end there, so it is skipped. */
	{
		json_t *ri, *rt;
		kx_pool_call_pair(pool, c->initiator,
		                  kx_relay_open_request(relay->initiator_session,
		                                        chain ? maf.initiator_config : configs[1]),
		                  c->terminator,
		                  kx_relay_open_request(relay->terminator_session,
		                                        chain ? maf.terminator_config : configs[0]),
		                  &ri, &rt);
		json_decref(owned[0]);
		json_decref(owned[1]);
		int oki = ok(ri), okt = ok(rt);
		if (!oki || !okt) {
			int ini_failed = !oki;
			snprintf(why, sizeof why, "%s", error_of(ini_failed ? ri : rt));
			/* A driver that refuses the misbehaving peer's configuration cannot play that
			 * negative case (skip); one that crashed or timed out is an error, never a met
			 * expectation. */
			size_t failed_driver = ini_failed ? c->initiator : c->terminator;
			int driver_died = pool->procs[failed_driver].failure[0] != '\0';
			v.result = !driver_died && c->kind == KX_CASE_NEGATIVE &&
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
	else if (relay->outcome == KX_RELAY_DONE && relay->deviations[0] != '\0')
		json_object_set_new(result, "rejected_by", json_string("check"));
	if (c->kind != KX_CASE_POSITIVE) {
		met = judge_refusal(c, relay, &v);
		if (relay->outcome == KX_RELAY_DONE) {
			/* A completed handshake is kept whole: the ends' reports, and their key log for the capture. */
			json_t *ini, *ter;
			kx_pool_call_pair(pool, c->initiator, kx_case_info_request(c, relay->initiator_session),
			                  c->terminator, kx_case_info_request(c, relay->terminator_session), &ini, &ter);
			json_object_set_new(result, "initiator_report", ini);
			json_object_set_new(result, "terminator_report", ter);
		}
	} else if (relay->outcome != KX_RELAY_DONE) {
		kx_outcome_add(&v, relay->outcome == KX_RELAY_ERROR ? KX_RESULT_ERROR : KX_RESULT_FAIL, "%s",
		               relay->diagnosis);
		if (relay->deviations[0] != '\0')
			kx_outcome_fail(&v, "%s", relay->deviations);
	} else {
		check_completed(pool, c, relay, claimed_reading, chain ? &maf : NULL, result, &v);
		/* ESCertKE ends with message 4 (spec README point 12): no application data. */
		if (!relay->escertke && kx_relay_exchange_application_data(relay) != 0)
			kx_outcome_fail(&v, "%s", relay->diagnosis);
		met = strcmp(v.result, KX_RESULT_PASS) == 0;
	}
	if (chain && (relay->outcome != KX_RELAY_DONE || c->kind != KX_CASE_POSITIVE))
		kx_maf_name_identity(&maf, &v);
	kx_case_json_flights(result, relay);
	{
		json_t *ri, *rt;
		kx_pool_call_pair(pool, c->initiator, kx_relay_close_request(relay->initiator_session),
		                  c->terminator, kx_relay_close_request(relay->terminator_session), &ri, &rt);
		json_decref(ri);
		json_decref(rt);
	}
done:
	kx_maf_second_free(&maf);
	if (relay_out == NULL)
		kx_relay_free(relay);
	kx_case_json_verdict(result, v.result, met || strcmp(v.result, KX_RESULT_SKIP) == 0, v.diagnosis,
	                     now_ms() - started);
	return result;
}
