/* session_ops.c - the session operations: a driver plays one end-point of a
 * handshake per named session, step by step, with the runner as the wire
 * (docs/driver-protocol.md, "Session operations"). A failed handshake is a
 * normal answer ("state": "failed" with the library's text and alerts); only
 * a malformed request or an unknown session gets "ok": false. */
#include "driver/ops.h"
#include "driver/notify_endpoint.h"
#include "driver/request.h"

#include "core/exporter_split.h"
#include "core/json_io.h"
#include "core/keyid.h"
#include "core/nfkc.h"
#include "derive/e2e_kdf.h"
#include "derive/enrolment_kdf.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/tls_names.h"
#include "core/tls_suites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SESSIONS 64
#define MAX_EXPORT_LEN 1024

/* Per thread: a driver process has one, and each worker thread of kxconform that loaded the driver
 * in-process (core/driver_module.h) has its own, so that two workers never share a name space. */
static _Thread_local struct open_session {
	char name[256];
	struct kx_session *session;
	int failed; /* its last step failed: only info about the failure is left */
	struct kx_notify_endpoint notify; /* ESCertKE: its oneM2M layer, when kxconform asks for one */
} sessions[MAX_SESSIONS];

static struct open_session *lookup(struct kx_request *req)
{
	const char *name = kx_req_string(req, "session");
	for (size_t i = 0; name != NULL && i < MAX_SESSIONS; i++)
		if (sessions[i].session != NULL && strcmp(sessions[i].name, name) == 0)
			return &sessions[i];
	if (name != NULL)
		kx_req_fail(req, "no open session \"%s\"", name);
	return NULL;
}

/* Copies an optional string member of the configuration into dst. */
static int copy_text(struct kx_request *req, json_t *config, const char *key, char *dst, size_t cap)
{
	json_t *value = json_object_get(config, key);
	if (value == NULL)
		return 0;
	if (!json_is_string(value) || strlen(json_string_value(value)) >= cap)
		return kx_req_fail(req, "config \"%s\" must be a string shorter than %zu bytes", key, cap);
	snprintf(dst, cap, "%s", json_string_value(value));
	return 0;
}

/* Copies an optional hex member of the configuration into dst (capacity cap). */
static int copy_key(struct kx_request *req, json_t *config, const char *key, uint8_t *dst, size_t cap, size_t *len)
{
	if (json_object_get(config, key) == NULL)
		return 0;
	uint8_t *bytes = NULL;
	if (kx_json_get_hex(config, key, &bytes, len, req->err, sizeof req->err) != 0)
		return -1;
	int ok = *len <= cap;
	if (ok)
		memcpy(dst, bytes, *len);
	free(bytes);
	return ok ? 0 : kx_req_fail(req, "config \"%s\" is longer than %zu bytes", key, cap);
}

static int flag(json_t *config, const char *key, int fallback)
{
	json_t *value = json_object_get(config, key);
	return json_is_boolean(value) ? json_is_true(value) : fallback;
}

static int parse_versions(struct kx_request *req, json_t *config, struct kx_endpoint_config *c)
{
	const char *transport = json_string_value(json_object_get(config, "transport"));
	if (transport == NULL || (strcmp(transport, "tls") != 0 && strcmp(transport, "dtls") != 0))
		return kx_req_fail(req, "config \"transport\" must be \"tls\" or \"dtls\"");
	c->dtls = strcmp(transport, "dtls") == 0;
	c->min_version = c->max_version = KX_TLS1_2;
	const char *keys[2] = {"min_version", "max_version"};
	uint16_t *targets[2] = {&c->min_version, &c->max_version};
	for (int i = 0; i < 2; i++) {
		const char *name = json_string_value(json_object_get(config, keys[i]));
		int dtls = 0;
		if (name != NULL && kx_version_from_name(name, targets[i], &dtls) != 0)
			return kx_req_fail(req, "config \"%s\": unknown version \"%s\"", keys[i], name);
	}
	return 0;
}

static int parse_suites(struct kx_request *req, json_t *config, struct kx_endpoint_config *c)
{
	json_t *list = json_object_get(config, "suites");
	size_t i;
	json_t *item;
	if (list != NULL && !json_is_array(list))
		return kx_req_fail(req, "config \"suites\" must be an array like [\"0x00AE\"]");
	json_array_foreach(list, i, item)
	{
		if (c->n_suites == KX_MAX_SUITES || kx_suite_from_text(json_string_value(item), &c->suites[c->n_suites]) != 0)
			return kx_req_fail(req, "config \"suites\"[%zu] is not a suite like \"0x00AE\" (at most %d)", i,
					   KX_MAX_SUITES);
		c->n_suites++;
	}
	return 0;
}

static int parse_psk_table(struct kx_request *req, json_t *config, struct kx_endpoint_config *c)
{
	json_t *table = json_object_get(config, "psk_table");
	size_t i;
	json_t *entry;
	if (table != NULL && !json_is_array(table))
		return kx_req_fail(req, "config \"psk_table\" must be an array of {identity, psk}");
	json_array_foreach(table, i, entry)
	{
		if (i == KX_MAX_PSK_ENTRIES)
			return kx_req_fail(req, "config \"psk_table\" has more than %d entries", KX_MAX_PSK_ENTRIES);
		struct kx_psk_entry *e = &c->psk_table[i];
		if (copy_text(req, entry, "identity", e->identity, sizeof e->identity) != 0 ||
		    copy_key(req, entry, "psk", e->key, sizeof e->key, &e->key_len) != 0)
			return -1;
		c->n_psk_table++;
	}
	return 0;
}

const char *const kx_session_config_members[] = {
	"role", "transport", "min_version", "max_version", "suites", "cert", "key", "ca", "expected_peer_name",
	"require_peer_cert", "psk", "psk_identity", "psk_table", "sni", "mtu", "session_tickets",
	"extended_master_secret", "notify", NULL};

/* The member of config that is not one of kx_session_config_members, or NULL. */
static const char *unknown_member(json_t *config)
{
	const char *key;
	json_t *value;
	json_object_foreach(config, key, value)
	{
		size_t i = 0;
		while (kx_session_config_members[i] != NULL && strcmp(kx_session_config_members[i], key) != 0)
			i++;
		if (kx_session_config_members[i] == NULL)
			return key;
	}
	return NULL;
}

/* Builds an end-point configuration from the request's "config" object. */
static int parse_config(struct kx_request *req, struct kx_endpoint_config *c)
{
	json_t *config = json_object_get(req->json, "config");
	memset(c, 0, sizeof *c);
	if (!json_is_object(config))
		return kx_req_fail(req, "missing \"config\" object");
	const char *unknown = unknown_member(config);
	if (unknown != NULL)
		return kx_req_fail(req, "config member \"%s\" is not one this driver takes (its hello lists them: "
		                        "capabilities.config)", unknown);
	const char *role = json_string_value(json_object_get(config, "role"));
	if (role == NULL || (strcmp(role, "client") != 0 && strcmp(role, "server") != 0))
		return kx_req_fail(req, "config \"role\" must be \"client\" or \"server\"");
	c->server = strcmp(role, "server") == 0;
	json_t *mtu = json_object_get(config, "mtu");
	c->mtu = json_is_integer(mtu) && json_integer_value(mtu) > 0 ? (size_t)json_integer_value(mtu) : 0;
	c->require_peer_cert = flag(config, "require_peer_cert", 0);
	c->session_tickets = flag(config, "session_tickets", 0);
	c->no_extended_master_secret = !flag(config, "extended_master_secret", 1);
	if (parse_versions(req, config, c) != 0 || parse_suites(req, config, c) != 0 ||
	    copy_text(req, config, "cert", c->cert_file, sizeof c->cert_file) != 0 ||
	    copy_text(req, config, "key", c->key_file, sizeof c->key_file) != 0 ||
	    copy_text(req, config, "ca", c->ca_file, sizeof c->ca_file) != 0 ||
	    copy_text(req, config, "expected_peer_name", c->expected_peer_name, sizeof c->expected_peer_name) != 0 ||
	    copy_text(req, config, "psk_identity", c->psk_identity, sizeof c->psk_identity) != 0 ||
	    copy_key(req, config, "psk", c->psk, sizeof c->psk, &c->psk_len) != 0 ||
	    copy_text(req, config, "sni", c->sni, sizeof c->sni) != 0 || parse_psk_table(req, config, c) != 0)
		return -1;
	return 0;
}

static int op_open(const struct kx_backend *backend, struct kx_request *req)
{
	const char *name = kx_req_string(req, "session");
	struct kx_endpoint_config config;
	if (name == NULL || parse_config(req, &config) != 0)
		return -1;
	if (strlen(name) >= sizeof sessions[0].name)
		return kx_req_fail(req, "session name longer than %zu bytes", sizeof sessions[0].name - 1);
	struct open_session *slot = NULL;
	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		if (sessions[i].session != NULL && strcmp(sessions[i].name, name) == 0)
			return kx_req_fail(req, "session \"%s\" is already open", name);
		if (sessions[i].session == NULL && slot == NULL)
			slot = &sessions[i];
	}
	if (slot == NULL)
		return kx_req_fail(req, "more than %d sessions open", MAX_SESSIONS);
	if (kx_notify_endpoint_open(&slot->notify, json_object_get(json_object_get(req->json, "config"), "notify"),
				    !config.server, req->err, sizeof req->err) != 0)
		return -1; /* req->err says why; formatting it into itself would overlap */
	slot->session = backend->session_new(&config, req->err, sizeof req->err);
	if (slot->session == NULL)
		return -1;
	snprintf(slot->name, sizeof slot->name, "%s", name);
	slot->failed = 0;
	return 0;
}

static json_t *alert_value(int description)
{
	return description >= 0 ? json_string(kx_alert_name(description)) : json_null();
}

static const char *const state_names[] = {"handshaking", "done", "failed"};

/* The answer of a step (or a fired timer): the state, what the end-point sends now (in a NOTIFY
 * primitive too for an ESCertKE end-point that carries them), and the failure and alerts. */
static int answer_step(struct kx_request *req, struct open_session *open, enum kx_step_state state,
		       const struct kx_chunks *out, const struct kx_failure *failure)
{
	json_object_set_new(req->response, "state", json_string(state_names[state]));
	int ret = kx_req_set_flight(req, "flight", out);
	if (ret == 0 && open->notify.on && out->n > 0) {
		char *text = kx_notify_endpoint_send(&open->notify, out);
		ret = text != NULL ? kx_req_set_string(req, "primitive", text) : kx_req_fail(req, "out of memory");
		free(text);
	}
	if (state == KX_STEP_FAILED) {
		open->failed = 1;
		json_t *text = json_string(failure->text);
		json_object_set_new(req->response, "error", text != NULL ? text : json_string("(unprintable library text)"));
	}
	json_object_set_new(req->response, "alert_sent", alert_value(failure->alert_sent));
	json_object_set_new(req->response, "alert_received", alert_value(failure->alert_received));
	return ret;
}

static int op_step(const struct kx_backend *backend, struct kx_request *req)
{
	struct open_session *open = lookup(req);
	struct kx_chunks in = {0}, out = {0};
	const char *primitive = open != NULL && open->notify.on ? kx_req_optional_string(req, "primitive") : NULL;
	if (open == NULL || (primitive == NULL && kx_req_flight(req, "flight", &in) != 0)) {
		kx_chunks_clear(&in);
		return -1;
	}
	if (primitive != NULL &&
	    kx_notify_endpoint_receive(&open->notify, primitive, &in, req->err, sizeof req->err) != 0) {
		/* The oneM2M layer refuses it: the TLS session never sees the message. */
		open->failed = 1;
		json_object_set_new(req->response, "state", json_string(state_names[KX_STEP_FAILED]));
		json_object_set_new(req->response, "error", json_string(req->err));
		json_object_set_new(req->response, "alert_sent", json_null());
		json_object_set_new(req->response, "alert_received", json_null());
		kx_chunks_clear(&in);
		return kx_req_set_flight(req, "flight", &out);
	}
	struct kx_failure failure = {.text = "", .alert_sent = -1, .alert_received = -1};
	enum kx_step_state state = backend->session_step(open->session, &in, &out, &failure);
	int ret = answer_step(req, open, state, &out, &failure);
	kx_chunks_clear(&in);
	kx_chunks_clear(&out);
	return ret;
}

/* DTLS loss recovery (RFC 6347 4.2.4): the runner fires the end-point's retransmission timer when
 * the handshake stalls; the answer is a step's, its flight what the end-point retransmits. */
static int op_timeout(const struct kx_backend *backend, struct kx_request *req)
{
	struct open_session *open = lookup(req);
	if (open == NULL)
		return -1;
	if (backend->session_timeout == NULL)
		return kx_req_fail(req, "this driver's library cannot have its retransmission timer fired");
	struct kx_chunks out = {0};
	struct kx_failure failure = {.text = "", .alert_sent = -1, .alert_received = -1};
	enum kx_step_state state = backend->session_timeout(open->session, &out, &failure);
	int ret = answer_step(req, open, state, &out, &failure);
	kx_chunks_clear(&out);
	return ret;
}

/* Adds {"LABEL": hex} for each {"label", "length"} asked in "export". */
/* Protocol 2: what this end derives from its own 48-byte export, as its
 * implementation would: the split (TS-0003 10.3.1), the key identifier when
 * the request gives "fqdn", and Kpsa and the E2E keys when it gives "e2e". */
static int add_own_derivations(const struct kx_backend *backend, struct kx_request *req, const char *label,
			       const uint8_t out[KX_EXPORT_LEN])
{
	uint8_t id[KX_KEY_ID_LEN], key[KX_KEY_LEN];
	kx_split_exporter(out, id, key);
	json_t *split = json_object_get(req->response, "split");
	if (split == NULL) {
		split = json_object();
		json_object_set_new(req->response, "split", split);
	}
	json_t *parts = json_object();
	json_object_set_new(split, label, parts);
	if (kx_json_set_hex(parts, "key_id", id, sizeof id) != 0 || kx_json_set_hex(parts, "key", key, sizeof key) != 0)
		return -1;
	const char *fqdn = kx_req_optional_string(req, "fqdn");
	if (fqdn != NULL && json_object_get(req->response, "keyid") == NULL) {
		char text[KX_KEYID_MAX];
		if (kx_keyid_build(id, fqdn, KX_READING_REFERENCE, text, sizeof text) < 0)
			return kx_req_fail(req, "\"fqdn\" %s is not a valid domain name", fqdn);
		json_object_set_new(req->response, "keyid", json_string(text));
	}
	json_t *e2e = json_object_get(req->json, "e2e");
	const char *enrolee = json_string_value(json_object_get(e2e, "enrolee_b_id"));
	if (e2e == NULL || json_object_get(req->response, "e2e") != NULL)
		return 0;
	if (enrolee == NULL)
		return kx_req_fail(req, "\"e2e\" must be {\"enrolee_b_id\": text, \"hashes\": [...]}");
	uint8_t kpsa[KX_ENROLMENT_KEY_LEN];
	if (kx_enrolment_derive(backend, KX_ENROLMENT_KPSA, key, sizeof key, enrolee, strlen(enrolee),
				kpsa, req->err, sizeof req->err) != 0)
		return -1;
	json_t *derived = json_object();
	json_object_set_new(req->response, "e2e", derived);
	kx_json_set_hex(derived, "kpsa", kpsa, sizeof kpsa);
	uint8_t *salt = NULL;
	size_t salt_len = 0;
	if (kx_nfkc(enrolee, strlen(enrolee), &salt, &salt_len) != 0)
		return kx_req_fail(req, "\"enrolee_b_id\" is not well-formed UTF-8");
	size_t i;
	json_t *hash_name;
	int ret = 0;
	json_array_foreach(json_object_get(e2e, "hashes"), i, hash_name)
	{
		enum kx_hash hash;
		struct kx_e2e_keys keys;
		const char *name = json_string_value(hash_name);
		if (name == NULL || kx_hash_from_name(name, &hash) != 0) {
			ret = kx_req_fail(req, "unknown hash in \"e2e\".hashes");
			break;
		}
		if (kx_e2e_derive(backend, hash, kpsa, sizeof kpsa, salt, salt_len, &keys, req->err, sizeof req->err) != 0) {
			ret = -1;
			break;
		}
		json_t *t = json_array(), *entry = json_object();
		for (int k = 0; k < KX_E2E_KEYS; k++) {
			char hex[2 * KX_HASH_MAX_LEN + 1];
			kx_hex_encode(keys.t[k], keys.len, hex, 0);
			json_array_append_new(t, json_string(hex));
		}
		kx_json_set_hex(entry, "master", keys.master, keys.len);
		json_object_set_new(entry, "t", t);
		json_object_set_new(derived, name, entry);
	}
	free(salt);
	return ret;
}

static int add_exports(const struct kx_backend *backend, struct kx_request *req, struct kx_session *session)
{
	json_t *asked = json_object_get(req->json, "export");
	json_t *exported = json_object();
	size_t i;
	json_t *item;
	json_object_set_new(req->response, "exported", exported);
	json_array_foreach(asked, i, item)
	{
		const char *label = json_string_value(json_object_get(item, "label"));
		json_t *length = json_object_get(item, "length");
		if (label == NULL || !json_is_integer(length) || json_integer_value(length) < 1 ||
		    json_integer_value(length) > MAX_EXPORT_LEN)
			return kx_req_fail(req, "\"export\"[%zu] must be {\"label\": text, \"length\": 1..%d}", i,
					   MAX_EXPORT_LEN);
		uint8_t out[MAX_EXPORT_LEN];
		size_t len = (size_t)json_integer_value(length);
		if (backend->session_export(session, label, out, len, req->err, sizeof req->err) != 0 ||
		    kx_json_set_hex(exported, label, out, len) != 0)
			return -1;
		if (len == KX_EXPORT_LEN && add_own_derivations(backend, req, label, out) != 0)
			return -1;
	}
	return 0;
}

static int op_info(const struct kx_backend *backend, struct kx_request *req)
{
	struct open_session *open = lookup(req);
	struct kx_session_info info;
	if (open == NULL || backend->session_info(open->session, &info, req->err, sizeof req->err) != 0)
		return -1;
	char suite[8], keylog[2 * 32 + 2 * 48 + 32];
	snprintf(suite, sizeof suite, "0x%04X", info.suite);
	char random_hex[65], secret_hex[97];
	kx_hex_encode(info.client_random, sizeof info.client_random, random_hex, 0);
	kx_hex_encode(info.master_secret, sizeof info.master_secret, secret_hex, 0);
	snprintf(keylog, sizeof keylog, "CLIENT_RANDOM %s %s", random_hex, secret_hex);
	json_t *names = json_array();
	for (size_t i = 0; i < info.n_peer_names; i++)
		json_array_append_new(names, json_string(info.peer_names[i]));
	json_t *r = req->response;
	json_object_set_new(r, "version", json_string(kx_version_name(info.version)));
	json_object_set_new(r, "suite", json_string(suite));
	json_object_set_new(r, "suite_name", json_string(info.suite_name));
	json_object_set_new(r, "keylog", json_string(keylog));
	json_object_set_new(r, "extended_master_secret",
			    info.extended_master_secret < 0 ? json_null() : json_boolean(info.extended_master_secret));
	json_object_set_new(r, "sni", json_string(info.sni));
	json_object_set_new(r, "peer_names", names);
	json_object_set_new(r, "psk_identity", json_string(info.psk_identity));
	if (kx_req_set_hex(req, "client_random", info.client_random, sizeof info.client_random) != 0 ||
	    kx_req_set_hex(req, "server_random", info.server_random, sizeof info.server_random) != 0 ||
	    kx_req_set_hex(req, "master_secret", info.master_secret, sizeof info.master_secret) != 0)
		return -1;
	return add_exports(backend, req, open->session);
}

static int op_send(const struct kx_backend *backend, struct kx_request *req)
{
	struct open_session *open = lookup(req);
	const char *text = open != NULL ? kx_req_string(req, "data") : NULL;
	if (text == NULL)
		return -1;
	struct kx_chunks out = {0};
	int ret = backend->session_send(open->session, (const uint8_t *)text, strlen(text), &out, req->err,
					sizeof req->err);
	if (ret == 0)
		ret = kx_req_set_flight(req, "flight", &out);
	kx_chunks_clear(&out);
	return ret;
}

static int op_receive(const struct kx_backend *backend, struct kx_request *req)
{
	struct open_session *open = lookup(req);
	struct kx_chunks in = {0};
	uint8_t buf[16384 + 1];
	size_t len = 0;
	int ret = -1;
	if (open != NULL && kx_req_flight(req, "flight", &in) == 0 &&
	    backend->session_receive(open->session, &in, buf, sizeof buf - 1, &len, req->err, sizeof req->err) == 0) {
		/* Application data in the scenarios is a known text; bytes that are not
		 * UTF-8 are reported as such rather than dropped. */
		buf[len] = '\0';
		json_t *data = json_stringn((const char *)buf, len);
		json_object_set_new(req->response, "data", data != NULL ? data : json_string("(not UTF-8)"));
		ret = 0;
	}
	kx_chunks_clear(&in);
	return ret;
}

static int op_close(const struct kx_backend *backend, struct kx_request *req)
{
	struct open_session *open = lookup(req);
	if (open == NULL)
		return -1;
	backend->session_free(open->session);
	open->session = NULL;
	kx_notify_endpoint_close(&open->notify);
	return 0;
}

void kx_sessions_close_all(const struct kx_backend *backend)
{
	for (size_t i = 0; i < MAX_SESSIONS; i++)
		if (sessions[i].session != NULL) {
			backend->session_free(sessions[i].session);
			sessions[i].session = NULL;
			kx_notify_endpoint_close(&sessions[i].notify);
		}
}

const struct kx_operation kx_session_operations[] = {
	{"open", op_open}, {"step", op_step},       {"info", op_info},
	{"send", op_send}, {"receive", op_receive}, {"close", op_close}, {"timeout", op_timeout},
};
const size_t kx_n_session_operations = sizeof kx_session_operations / sizeof kx_session_operations[0];
