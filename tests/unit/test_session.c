/* test_session.c - two sessions of one backend handshaking over memory, the
 * test playing the wire as the runner does (OpenSSL's ssltestlib idea),
 * linked once per backend: PSK and certificates over TLS and DTLS, the
 * flight shape ESCertKE relies on, equal exports that match the PRF of the
 * session secrets, and the negative cases failing with an alert. */
#include "unit.h"

#include "backend.h"
#include "derive/exporter.h"

#ifndef KX_PKI_DIR
#error "KX_PKI_DIR must name the build's test PKI"
#endif

struct pair_result {
	enum kx_step_state client, server;
	int flights;                       /* flights relayed, both directions */
	size_t last_flight_bytes;
	struct kx_failure client_failure, server_failure;
	uint8_t client_export[48], server_export[48];
	struct kx_session_info client_info, server_info;
};

static void pki(char *out, size_t len, const char *file)
{
	snprintf(out, len, "%s/%s", KX_PKI_DIR, file);
}

static struct kx_endpoint_config base(int server, int dtls, uint16_t suite)
{
	struct kx_endpoint_config c;
	memset(&c, 0, sizeof c);
	c.server = server;
	c.dtls = dtls;
	c.min_version = c.max_version = KX_TLS1_2;
	c.suites[0] = suite;
	c.n_suites = 1;
	c.mtu = 1200;
	return c;
}

static struct kx_endpoint_config psk_client(int dtls, const char *identity, const char *key)
{
	struct kx_endpoint_config c = base(0, dtls, dtls ? 0xC0A8 : 0x00AE);
	snprintf(c.psk_identity, sizeof c.psk_identity, "%s", identity);
	c.psk_len = strlen(key);
	memcpy(c.psk, key, c.psk_len);
	snprintf(c.sni, sizeof c.sni, "mn-cse-123456");
	return c;
}

static struct kx_endpoint_config psk_server(int dtls)
{
	struct kx_endpoint_config c = base(1, dtls, dtls ? 0xC0A8 : 0x00AE);
	/* TR-0038 Table 7.1.2-2, keys as the bytes the hex strings name. */
	static const uint8_t k1[] = {0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x7a, 0x8b};
	static const uint8_t k2[] = {0x12, 0x34, 0x56, 0x78, 0xab, 0xcd, 0xef, 0xab};
	snprintf(c.psk_table[0].identity, KX_NAME_MAX, "AE123456789012-Lock@in.provider.com");
	memcpy(c.psk_table[0].key, k1, sizeof k1);
	c.psk_table[0].key_len = sizeof k1;
	snprintf(c.psk_table[1].identity, KX_NAME_MAX, "AE123456789015-Lock@in.provider.com");
	memcpy(c.psk_table[1].key, k2, sizeof k2);
	c.psk_table[1].key_len = sizeof k2;
	c.n_psk_table = 2;
	return c;
}

static struct kx_endpoint_config cert_end(int server, int dtls, const char *entity, const char *expected_peer)
{
	struct kx_endpoint_config c = base(server, dtls, dtls ? 0xC0AE : 0xC023);
	char name[64];
	snprintf(name, sizeof name, "%s.pem", entity);
	pki(c.cert_file, sizeof c.cert_file, name);
	snprintf(name, sizeof name, "%s.key", entity);
	pki(c.key_file, sizeof c.key_file, name);
	pki(c.ca_file, sizeof c.ca_file, "root-ca.pem");
	snprintf(c.expected_peer_name, sizeof c.expected_peer_name, "%s", expected_peer);
	c.require_peer_cert = server;
	if (!server)
		snprintf(c.sni, sizeof c.sni, "my.m2mprovider.org");
	return c;
}

/* Relays flights until both ends finish, one fails, or nothing moves. */
static void handshake(const struct kx_endpoint_config *cc, const struct kx_endpoint_config *sc,
		      struct pair_result *r)
{
	const struct kx_backend *b = kx_backend();
	char err[512] = "";
	memset(r, 0, sizeof *r);
	struct kx_session *client = b->session_new(cc, err, sizeof err);
	assert_non_null(client);
	struct kx_session *server = b->session_new(sc, err, sizeof err);
	assert_non_null(server);

	struct kx_chunks to_server = {0}, to_client = {0};
	r->client = b->session_step(client, NULL, &to_server, &r->client_failure);
	r->server = KX_STEP_HANDSHAKING;
	for (int rounds = 0; rounds < 12; rounds++) {
		if (to_server.n == 0 && to_client.n == 0)
			break;
		if (to_server.n > 0) {
			r->flights++;
			r->last_flight_bytes = kx_chunks_total(&to_server);
			r->server = b->session_step(server, &to_server, &to_client, &r->server_failure);
			kx_chunks_clear(&to_server);
		}
		if (r->client == KX_STEP_FAILED || r->server == KX_STEP_FAILED) {
			if (to_client.n > 0) /* the alert reaches the client */
				r->client = b->session_step(client, &to_client, &to_server, &r->client_failure) ==
							    KX_STEP_FAILED
						    ? KX_STEP_FAILED
						    : r->client;
			break;
		}
		if (to_client.n > 0) {
			r->flights++;
			r->last_flight_bytes = kx_chunks_total(&to_client);
			r->client = b->session_step(client, &to_client, &to_server, &r->client_failure);
			kx_chunks_clear(&to_client);
		}
		if (r->client == KX_STEP_FAILED) {
			if (to_server.n > 0)
				b->session_step(server, &to_server, &to_client, &r->server_failure);
			break;
		}
	}
	kx_chunks_clear(&to_server);
	kx_chunks_clear(&to_client);
	if (r->client == KX_STEP_DONE && r->server == KX_STEP_DONE) {
		assert_int_equal(b->session_export(client, KX_LABEL_ESCERTKE, r->client_export, 48, err, sizeof err), 0);
		assert_int_equal(b->session_export(server, KX_LABEL_ESCERTKE, r->server_export, 48, err, sizeof err), 0);
		assert_int_equal(b->session_info(client, &r->client_info, err, sizeof err), 0);
		assert_int_equal(b->session_info(server, &r->server_info, err, sizeof err), 0);
	}
	b->session_free(client);
	b->session_free(server);
}

/* Both ends exported the same bytes, and they are the PRF of the session secrets. */
static void assert_exports_agree(const struct pair_result *r)
{
	uint8_t recomputed[48];
	char err[256];
	assert_memory_equal(r->client_export, r->server_export, 48);
	assert_memory_equal(r->client_info.master_secret, r->server_info.master_secret, 48);
	assert_int_equal(kx_export(kx_backend(), KX_SHA256, r->client_info.master_secret, r->client_info.client_random,
				   r->client_info.server_random, KX_LABEL_ESCERTKE, recomputed, 48, err, sizeof err),
			 0);
	assert_memory_equal(recomputed, r->client_export, 48);
}

static void psk_tls(void **state)
{
	(void)state;
	struct kx_endpoint_config c = psk_client(0, "AE123456789012-Lock@in.provider.com", "\x1a\x2b\x3c\x4d\x5e\x6f\x7a\x8b");
	struct kx_endpoint_config s = psk_server(0);
	struct pair_result r;
	handshake(&c, &s, &r);
	assert_int_equal(r.client, KX_STEP_DONE);
	assert_int_equal(r.server, KX_STEP_DONE);
	assert_int_equal(r.flights, 4);
	assert_int_equal(r.client_info.suite, 0x00AE);
	assert_int_equal(r.client_info.version, 0x0303);
	assert_string_equal(r.server_info.psk_identity, "AE123456789012-Lock@in.provider.com");
	assert_string_equal(r.server_info.sni, "mn-cse-123456");
	assert_exports_agree(&r);
}

static void psk_dtls(void **state)
{
	(void)state;
	struct kx_endpoint_config c = psk_client(1, "AE123456789015-Lock@in.provider.com", "\x12\x34\x56\x78\xab\xcd\xef\xab");
	struct kx_endpoint_config s = psk_server(1);
	struct pair_result r;
	handshake(&c, &s, &r);
	assert_int_equal(r.client, KX_STEP_DONE);
	assert_int_equal(r.server, KX_STEP_DONE);
	assert_int_equal(r.client_info.suite, 0xC0A8);
	assert_int_equal(r.client_info.version, 0xFEFD);
	assert_exports_agree(&r);
}

static void psk_wrong_key_fails(void **state)
{
	(void)state;
	struct kx_endpoint_config c = psk_client(0, "AE123456789012-Lock@in.provider.com", "\x1a\x2b\x3c\x4d\x5e\x6f\x7a\x8c");
	struct kx_endpoint_config s = psk_server(0);
	struct pair_result r;
	handshake(&c, &s, &r);
	assert_true(r.server == KX_STEP_FAILED || r.client == KX_STEP_FAILED);
	assert_true(r.server_failure.alert_sent >= 0 || r.client_failure.alert_sent >= 0);
}

static void psk_unknown_identity_fails(void **state)
{
	(void)state;
	struct kx_endpoint_config c = psk_client(0, "nobody@in.provider.com", "\x1a\x2b\x3c\x4d\x5e\x6f\x7a\x8b");
	struct kx_endpoint_config s = psk_server(0);
	struct pair_result r;
	handshake(&c, &s, &r);
	assert_int_equal(r.server, KX_STEP_FAILED);
	assert_true(r.server_failure.alert_sent >= 0);
	assert_true(strlen(r.server_failure.text) > 0);
}

/* ESCertKE: exactly four flights, the last ChangeCipherSpec + Finished only (no ticket). */
static void certificates_tls_four_flights(void **state)
{
	(void)state;
	struct kx_endpoint_config c = cert_end(0, 0, "mn-cse", "my.m2mprovider.org/in-cse");
	struct kx_endpoint_config s = cert_end(1, 0, "in-cse", "my.m2mprovider.org/mn-cse-123456");
	struct pair_result r;
	handshake(&c, &s, &r);
	assert_int_equal(r.client, KX_STEP_DONE);
	assert_int_equal(r.server, KX_STEP_DONE);
	assert_int_equal(r.flights, 4);
	/* CCS record (6 bytes) + encrypted Finished record (5 + IV 16 + 16 + MAC 32 + padding): under 100. */
	assert_true(r.last_flight_bytes < 100);
	assert_int_equal(r.client_info.suite, 0xC023);
	assert_string_equal(r.client_info.peer_names[0], "DNS:my.m2mprovider.org/in-cse");
	assert_string_equal(r.server_info.peer_names[0], "DNS:my.m2mprovider.org/mn-cse-123456");
	assert_string_equal(r.server_info.sni, "my.m2mprovider.org");
	assert_exports_agree(&r);
}

static void certificates_dtls(void **state)
{
	(void)state;
	struct kx_endpoint_config c = cert_end(0, 1, "mn-cse", "my.m2mprovider.org/in-cse");
	struct kx_endpoint_config s = cert_end(1, 1, "in-cse", "my.m2mprovider.org/mn-cse-123456");
	struct pair_result r;
	handshake(&c, &s, &r);
	assert_int_equal(r.client, KX_STEP_DONE);
	assert_int_equal(r.server, KX_STEP_DONE);
	assert_int_equal(r.client_info.suite, 0xC0AE);
	assert_exports_agree(&r);
}

static void expect_client_rejects_server(const char *server_entity)
{
	struct kx_endpoint_config c = cert_end(0, 0, "mn-cse", "my.m2mprovider.org/in-cse");
	struct kx_endpoint_config s = cert_end(1, 0, server_entity, "my.m2mprovider.org/mn-cse-123456");
	struct pair_result r;
	handshake(&c, &s, &r);
	print_message("%s: %s (alert %d)\n", server_entity, r.client_failure.text, r.client_failure.alert_sent);
	assert_int_equal(r.client, KX_STEP_FAILED);
	/* The client refuses with an alert, or the server refuses its own unusable certificate first. */
	assert_true(r.client_failure.alert_sent >= 0 || r.client_failure.alert_received >= 0);
}

static void wrong_name_rejected(void **state)
{
	(void)state;
	expect_client_rejects_server("wrong-name");
}

static void untrusted_rejected(void **state)
{
	(void)state;
	expect_client_rejects_server("untrusted");
}

static void expired_rejected(void **state)
{
	(void)state;
	expect_client_rejects_server("expired");
}

static void wrong_usage_rejected(void **state)
{
	(void)state;
	expect_client_rejects_server("wrong-usage");
}

/* A chain file: the leaf and its intermediate go out together, and a peer that
 * trusts only the root accepts it (pki/README.md, "Chains and P-384 keys"). */
static void certificate_chain_with_intermediate(void **state)
{
	(void)state;
	for (int dtls = 0; dtls <= 1; dtls++) {
		struct kx_endpoint_config c = cert_end(0, dtls, "mn-cse-int", "my.m2mprovider.org/in-cse");
		struct kx_endpoint_config s = cert_end(1, dtls, "in-cse-int", "my.m2mprovider.org/mn-cse-123456");
		struct pair_result r;
		handshake(&c, &s, &r);
		assert_int_equal(r.client, KX_STEP_DONE);
		assert_int_equal(r.server, KX_STEP_DONE);
		assert_string_equal(r.client_info.peer_names[0], "DNS:my.m2mprovider.org/in-cse");
		assert_string_equal(r.server_info.peer_names[0], "DNS:my.m2mprovider.org/mn-cse-123456");
		assert_exports_agree(&r);
	}
}

/* The same leaves without their intermediate do not chain to the root. */
static void leaf_without_intermediate_rejected(void **state)
{
	(void)state;
	expect_client_rejects_server("in-cse-int-leaf");
	struct kx_endpoint_config c = cert_end(0, 0, "mn-cse-int-leaf", "my.m2mprovider.org/in-cse");
	struct kx_endpoint_config s = cert_end(1, 0, "in-cse-int", "my.m2mprovider.org/mn-cse-123456");
	struct pair_result r;
	handshake(&c, &s, &r);
	assert_int_equal(r.server, KX_STEP_FAILED);
	assert_true(r.server_failure.alert_sent >= 0);
}

/* P-384 certificate keys, issued by the root and by the P-384 intermediate, in
 * the mandated ECDHE_ECDSA suites of both transports. */
static void p384_keys(void **state)
{
	(void)state;
	static const char *const forms[] = {"p384", "p384-int"};
	for (int dtls = 0; dtls <= 1; dtls++)
		for (size_t f = 0; f < 2; f++) {
			char client[32], server[32];
			snprintf(client, sizeof client, "mn-cse-%s", forms[f]);
			snprintf(server, sizeof server, "in-cse-%s", forms[f]);
			struct kx_endpoint_config c = cert_end(0, dtls, client, "my.m2mprovider.org/in-cse");
			struct kx_endpoint_config s = cert_end(1, dtls, server, "my.m2mprovider.org/mn-cse-123456");
			struct pair_result r;
			handshake(&c, &s, &r);
			print_message("%s %s: %s / %s\n", dtls ? "DTLS" : "TLS", forms[f], r.client_failure.text,
				      r.server_failure.text);
			assert_int_equal(r.client, KX_STEP_DONE);
			assert_int_equal(r.server, KX_STEP_DONE);
			assert_int_equal(r.client_info.suite, dtls ? 0xC0AE : 0xC023);
			assert_exports_agree(&r);
		}
}

/* RFC 4279 5.3's lengths: PSKs up to 64 bytes and identities up to 128 bytes. */
static void psk_lengths(void **state)
{
	(void)state;
	static const size_t key_lengths[] = {8, 16, 32, 64};
	static const size_t identity_lengths[] = {1, 35, 128};
	for (size_t k = 0; k < 4; k++)
		for (size_t i = 0; i < 3; i++) {
			struct kx_endpoint_config c = psk_client(k % 2, "", "");
			struct kx_endpoint_config s = psk_server(k % 2);
			memset(c.psk_identity, 0, sizeof c.psk_identity);
			memset(c.psk_identity, 'a' + (int)k, identity_lengths[i]);
			for (size_t b = 0; b < key_lengths[k]; b++)
				c.psk[b] = (uint8_t)(0xA5 ^ b);
			c.psk_len = key_lengths[k];
			memcpy(s.psk_table[0].identity, c.psk_identity, sizeof c.psk_identity);
			memcpy(s.psk_table[0].key, c.psk, c.psk_len);
			s.psk_table[0].key_len = c.psk_len;
			struct pair_result r;
			handshake(&c, &s, &r);
			print_message("key %zu, identity %zu: %s / %s\n", key_lengths[k], identity_lengths[i],
				      r.client_failure.text, r.server_failure.text);
			assert_int_equal(r.client, KX_STEP_DONE);
			assert_int_equal(r.server, KX_STEP_DONE);
			assert_string_equal(r.server_info.psk_identity, c.psk_identity);
			assert_exports_agree(&r);
		}
}

/* A credential file that cannot be used is named in the error, whichever it is. */
static void unusable_files_are_named(void **state)
{
	(void)state;
	const struct kx_backend *b = kx_backend();
	char *const members[] = {"cert", "key", "ca"};
	for (int m = 0; m < 3; m++) {
		struct kx_endpoint_config c = cert_end(0, 0, "mn-cse", "my.m2mprovider.org/in-cse");
		char *file = m == 0 ? c.cert_file : m == 1 ? c.key_file : c.ca_file;
		snprintf(file, sizeof c.cert_file, "/nonexistent/kx-%s.pem", members[m]);
		char err[512] = "";
		struct kx_session *session = b->session_new(&c, err, sizeof err);
		print_message("%s: %s\n", members[m], err);
		assert_null(session);
		assert_non_null(strstr(err, file));
	}
	/* A key that is not the certificate's is refused too, naming the file. */
	struct kx_endpoint_config c = cert_end(0, 0, "mn-cse", "my.m2mprovider.org/in-cse");
	pki(c.key_file, sizeof c.key_file, "maf-p384.key");
	char err[512] = "";
	assert_null(b->session_new(&c, err, sizeof err));
	assert_non_null(strstr(err, "maf-p384.key"));
}

KX_UNIT_MAIN_NAMED(kx_backend()->name,
	cmocka_unit_test(psk_tls),
	cmocka_unit_test(psk_dtls),
	cmocka_unit_test(psk_wrong_key_fails),
	cmocka_unit_test(psk_unknown_identity_fails),
	cmocka_unit_test(certificates_tls_four_flights),
	cmocka_unit_test(certificates_dtls),
	cmocka_unit_test(wrong_name_rejected),
	cmocka_unit_test(untrusted_rejected),
	cmocka_unit_test(expired_rejected),
	cmocka_unit_test(wrong_usage_rejected),
	cmocka_unit_test(certificate_chain_with_intermediate),
	cmocka_unit_test(leaf_without_intermediate_rejected),
	cmocka_unit_test(p384_keys),
	cmocka_unit_test(psk_lengths),
	cmocka_unit_test(unusable_files_are_named))
