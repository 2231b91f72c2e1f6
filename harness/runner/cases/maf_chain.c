/* maf_chain.c - two handshakes, one case.
 *
 * The first handshake is the MAF connection of the suite scenario the chain
 * names ("first"), played and judged like that scenario's own cases. Each end
 * then carries its own values into the second: the AE (the initiator) offers
 * its own Key Identifier as psk_identity and its own Kc as psk, and the
 * IN-CSE (the terminator, standing for the IN-CSE that asked the MAF, step 8)
 * holds the identifier and Kc the MAF (the first terminator) registered. A key
 * identifier that is not the reference on either side therefore fails on the
 * wire with unknown_psk_identity, which is the point of spec README point 11.
 * Negative cases change the identifier the AE offers into another reading,
 * another FQDN spelling or an unknown MAF: the IN-CSE under test must refuse. */
#include "runner/cases/maf_chain.h"

#include "core/base64.h"
#include "core/errors.h"
#include "core/hex.h"
#include "core/json_io.h"
#include "runner/cases/case_judge.h"
#include "runner/cases/case_json.h"
#include "runner/judge/judge_keyid.h"
#include "runner/wire/relay.h"
#include "runner/cases/session_checks.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ok(json_t *answer)
{
	return json_is_true(json_object_get(answer, "ok"));
}

static const char *error_of(json_t *answer)
{
	const char *text = kx_json_get_string(answer, "error");
	return text != NULL ? text : "no error text";
}

/* An end's Kc (hex) and Key Identifier: from its session report (protocol 2), else its export's
 * last 32 bytes and the identifier its `keyid` operation builds from the first 16. */
static int end_values(struct kx_driver_pool *pool, size_t driver, json_t *report, const char *label,
                      const char *fqdn, char *key, size_t key_len, char *keyid, size_t keyid_len)
{
	json_t *split = json_object_get(json_object_get(report, "split"), label);
	const char *exported = kx_json_get_string(json_object_get(report, "exported"), label);
	const char *k = kx_json_get_string(split, "key"), *id = kx_json_get_string(split, "key_id");
	char id_hex[2 * KX_KEY_ID_LEN + 1];
	if ((k == NULL || id == NULL) && (exported == NULL || strlen(exported) != 2 * KX_EXPORT_LEN))
		return -1;
	if (id == NULL) {
		snprintf(id_hex, sizeof id_hex, "%.*s", 2 * KX_KEY_ID_LEN, exported);
		id = id_hex;
	}
	snprintf(key, key_len, "%s", k != NULL ? k : exported + 2 * KX_KEY_ID_LEN);
	const char *text = kx_json_get_string(report, "keyid");
	json_t *answer = NULL;
	if (text == NULL) {
		answer = kx_pool_call(pool, driver, json_pack("{s:s, s:s, s:s}", "op", "keyid", "key_id", id, "fqdn", fqdn));
		text = ok(answer) ? kx_json_get_string(answer, "keyid") : NULL;
	}
	snprintf(keyid, keyid_len, "%s", text != NULL ? text : "");
	json_decref(answer);
	return text != NULL ? 0 : -1;
}

/* The identifier a negative case makes the AE offer instead of its own. */
static void mistaken_identity(const char *how, const uint8_t id[KX_KEY_ID_LEN], const char *fqdn, char *out,
                              size_t len)
{
	enum kx_keyid_reading reading;
	char text[KX_KEYID_MAX];
	if (kx_keyid_reading_from_name(how, &reading) == 0) {
		if (reading == KX_READING_BASE64URL) {
			/* Unpadded, so that it differs from the reference whatever the bytes. */
			char b64[32];
			kx_base64_encode(id, KX_KEY_ID_LEN, b64, KX_B64_URL, KX_B64_UNPADDED);
			snprintf(out, len, "%s@%s", b64, fqdn);
		} else if (kx_keyid_build(id, fqdn, reading, text, sizeof text) >= 0) {
			snprintf(out, len, "%s", text);
		}
		return;
	}
	kx_keyid_build(id, fqdn, KX_READING_REFERENCE, text, sizeof text);
	char *at = strrchr(text, '@');
	if (at == NULL)
		return;
	*at = '\0';
	if (strcmp(how, "fqdn-upper-case") == 0) {
		snprintf(out, len, "%s@", text);
		for (size_t i = 0; fqdn[i] != '\0' && strlen(out) + 1 < len; i++) {
			size_t n = strlen(out);
			out[n] = (char)toupper((unsigned char)fqdn[i]);
			out[n + 1] = '\0';
		}
	} else if (strcmp(how, "fqdn-trailing-dot") == 0) {
		snprintf(out, len, "%s@%s.", text, fqdn);
	} else if (strcmp(how, "unknown-maf") == 0) {
		snprintf(out, len, "%s@otherMAF.provider.org", text);
	}
}

/* Plays the first handshake on its own relay; 0 when it completed, with both ends' reports. */
static int play_first(struct kx_driver_pool *pool, const struct kx_case *c, json_t *result, struct kx_outcome *o,
                      json_t **ini, json_t **ter)
{
	struct kx_relay relay;
	memset(&relay, 0, sizeof relay);
	relay.pool = pool;
	relay.initiator = c->initiator;
	relay.terminator = c->terminator;
	relay.dtls = strcmp(c->transport, "dtls") == 0;
	relay.timeout_ms = c->timeout_ms;
	snprintf(relay.initiator_session, sizeof relay.initiator_session, "%s/maf/initiator", c->id);
	snprintf(relay.terminator_session, sizeof relay.terminator_session, "%s/maf/terminator", c->id);
	json_t *first = json_pack("{s:s, s:s, s:{s:O, s:O}}", "scenario",
	                          kx_json_get_string(c->first_scenario, "name"), "suite", c->first_suite, "inputs",
	                          "initiator", c->first_initiator_config, "terminator", c->first_terminator_config);
	json_object_set_new(result, "first_handshake", first);
	json_t *ri, *rt;
	kx_pool_call_pair(pool, c->initiator, kx_relay_open_request(relay.initiator_session, c->first_initiator_config),
	                  c->terminator, kx_relay_open_request(relay.terminator_session, c->first_terminator_config),
	                  &ri, &rt);
	int opened = ok(ri) && ok(rt);
	if (!opened)
		kx_outcome_add(o, KX_RESULT_ERROR, "the MAF connection (first handshake) could not be opened: %s",
		               error_of(ok(ri) ? rt : ri));
	json_decref(ri);
	json_decref(rt);
	if (opened) {
		kx_relay_run(&relay);
		json_object_set_new(first, "outcome", json_string(kx_case_json_outcome(relay.outcome)));
		kx_case_json_flights(first, &relay);
		if (relay.outcome != KX_RELAY_DONE)
			kx_outcome_add(o, relay.outcome == KX_RELAY_ERROR ? KX_RESULT_ERROR : KX_RESULT_FAIL,
			               "the MAF connection (first handshake) did not complete: %s", relay.diagnosis);
	}
	if (opened && relay.outcome == KX_RELAY_DONE) {
		kx_pool_call_pair(pool, c->initiator, kx_case_info_request(c, relay.initiator_session), c->terminator,
		                  kx_case_info_request(c, relay.terminator_session), ini, ter);
		json_object_set(first, "initiator_report", *ini);
		json_object_set(first, "terminator_report", *ter);
		if (!ok(*ini) || !ok(*ter))
			kx_outcome_add(o, KX_RESULT_FAIL, "an end could not report the MAF connection: %s",
			               error_of(ok(*ini) ? *ter : *ini));
	}
	kx_pool_call_pair(pool, c->initiator, kx_relay_close_request(relay.initiator_session), c->terminator,
	                  kx_relay_close_request(relay.terminator_session), &ri, &rt);
	json_decref(ri);
	json_decref(rt);
	int completed = opened && relay.outcome == KX_RELAY_DONE;
	kx_relay_free(&relay);
	return completed && ok(*ini) && ok(*ter) ? 0 : -1;
}

int kx_maf_first(struct kx_driver_pool *pool, const struct kx_case *c, const char *claimed_reading, json_t *result,
                 struct kx_outcome *o, struct kx_maf_second *second)
{
	memset(second, 0, sizeof *second);
	json_t *spec = json_object_get(c->scenario, "export");
	const char *label = kx_json_get_string(spec, "label");
	second->fqdn = kx_json_get_string(spec, "fqdn");
	json_t *ini = NULL, *ter = NULL;
	if (play_first(pool, c, result, o, &ini, &ter) != 0) {
		json_decref(ini);
		json_decref(ter);
		return -1;
	}
	/* The first handshake's own checks, as its scenario's cases make them, then the judge. */
	int dtls = strcmp(c->transport, "dtls") == 0;
	struct kx_session_expectations ae = {"the AE (MAF client)", dtls, c->first_suite, NULL, NULL,
	                                     kx_json_get_string(c->first_initiator_config, "expected_peer_name")};
	struct kx_session_expectations maf = {"the MAF", dtls, c->first_suite,
	                                      kx_json_get_string(c->first_initiator_config, "sni"), NULL,
	                                      kx_json_get_string(c->first_terminator_config, "expected_peer_name")};
	kx_check_session(ini, &ae, o);
	kx_check_session(ter, &maf, o);
	int judged = kx_case_judge(pool, c, ini, ter, claimed_reading, result, o->diagnosis, sizeof o->diagnosis);
	if (judged < 0)
		o->result = KX_RESULT_ERROR;
	else if (judged == 0)
		kx_outcome_fail(o, "%s", "the MAF connection's values are wrong (above); the PSK handshake shows what "
		                         "that does on the wire");

	char ae_key[2 * KX_KEY_LEN + 1], maf_key[2 * KX_KEY_LEN + 1];
	int have = judged >= 0 &&
	           end_values(pool, c->initiator, ini, label, second->fqdn, ae_key, sizeof ae_key, second->identity_sent,
	                      sizeof second->identity_sent) == 0 &&
	           end_values(pool, c->terminator, ter, label, second->fqdn, maf_key, sizeof maf_key,
	                      second->identity_registered, sizeof second->identity_registered) == 0;
	const char *ref_id = kx_json_get_string(json_object_get(result, "exported"), "key_id");
	size_t got = 0;
	if (have && (ref_id == NULL || kx_hex_decode(ref_id, strlen(ref_id), second->key_id, KX_KEY_ID_LEN, &got) != 0))
		have = 0;
	json_decref(ini);
	json_decref(ter);
	if (!have) {
		if (judged >= 0)
			kx_outcome_add(o, KX_RESULT_FAIL, "%s",
			               "an end reported no Kc or Key Identifier of the MAF connection to carry into the PSK "
			               "handshake");
		return -1;
	}
	const char *how = kx_json_get_string(c->variant, "identity");
	if (how != NULL)
		mistaken_identity(how, second->key_id, second->fqdn, second->identity_sent, sizeof second->identity_sent);
	second->initiator_config = json_deep_copy(c->initiator_config);
	json_object_set_new(second->initiator_config, "psk_identity", json_string(second->identity_sent));
	json_object_set_new(second->initiator_config, "psk", json_string(ae_key));
	second->terminator_config = json_deep_copy(c->terminator_config);
	json_object_set_new(second->terminator_config, "psk_table",
	                    json_pack("[{s:s, s:s}]", "identity", second->identity_registered, "psk", maf_key));
	json_object_set_new(result, "inputs",
	                    json_pack("{s:O, s:O}", "initiator", second->initiator_config, "terminator",
	                              second->terminator_config));
	return 0;
}

void kx_maf_name_identity(const struct kx_maf_second *second, struct kx_outcome *o)
{
	struct kx_naming naming = {{0}, {0}};
	struct kx_keyid parsed;
	kx_name_keyid(second->identity_sent, second->key_id, second->fqdn, &parsed, &naming);
	if (strcmp(second->identity_sent, second->identity_registered) == 0)
		return;
	kx_appendf(o->diagnosis, sizeof o->diagnosis,
	           "%sthe AE offered the PSK identity \"%s\", the MAF registered Kc under \"%s\"%s%s%s%s",
	           o->diagnosis[0] ? "; " : "", second->identity_sent, second->identity_registered,
	           naming.name[0] ? ": " : "", naming.name, naming.name[0] ? ", " : "", naming.explanation);
}

void kx_maf_second_free(struct kx_maf_second *second)
{
	json_decref(second->initiator_config);
	json_decref(second->terminator_config);
	memset(second, 0, sizeof *second);
}
