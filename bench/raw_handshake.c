/* raw_handshake.c - the library's own limit: how many complete TLS 1.2
 * handshakes per second one backend makes when nothing but memory sits
 * between the two ends (OpenSSL's test/helpers/ssltestlib.c idea, and the
 * loop of tests/unit/test_session.c). Linked once per backend, like the
 * drivers, so the two libraries never share a process.
 *
 * One handshake here is exactly what one positive harness case asks of the
 * drivers' library: two sessions made from their configuration (the PEM
 * files are read each time, as the driver's "open" does), the flights
 * relayed until both ends are done, the scenario's export on both ends, and
 * both sessions freed. The suites and end-points are those of the suite's
 * "psk" (0x00AE, TR-0038 credentials) and "connection" (0xC023, mutual
 * ECDHE-ECDSA P-256 certificates, mn-cse and maf) scenarios, so that the
 * harness's case rate can be set against this figure.
 *
 * usage: raw_handshake-BACKEND psk|ecdsa [MIN_SECONDS]
 * Prints one line: "raw backend=B suite=S handshakes=N seconds=T cpu_seconds=C rate=R".
 * Exit status 0, or 1 when a handshake fails (then nothing was measured). */
#include "backend.h"
#include "derive/exporter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef KX_PKI_DIR
#error "KX_PKI_DIR must name the build's test PKI"
#endif

/* Flights a TLS 1.2 handshake needs at most; more means the ends are stuck. */
#define MAX_ROUNDS 12

static double seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pki(char *out, size_t len, const char *file)
{
	snprintf(out, len, "%s/%s", KX_PKI_DIR, file);
}

static struct kx_endpoint_config base(int server, uint16_t suite)
{
	struct kx_endpoint_config c;
	memset(&c, 0, sizeof c);
	c.server = server;
	c.min_version = c.max_version = KX_TLS1_2;
	c.suites[0] = suite;
	c.n_suites = 1;
	return c;
}

/* The suite's "psk" scenario: ADN-AE1 and MN-CSE with the TR-0038 table. */
static void psk_ends(struct kx_endpoint_config *client, struct kx_endpoint_config *server)
{
	static const uint8_t k1[] = {0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x7a, 0x8b};
	static const uint8_t k2[] = {0x12, 0x34, 0x56, 0x78, 0xab, 0xcd, 0xef, 0xab};
	*client = base(0, 0x00AE);
	snprintf(client->psk_identity, sizeof client->psk_identity, "AE123456789012-Lock@in.provider.com");
	memcpy(client->psk, k1, sizeof k1);
	client->psk_len = sizeof k1;
	snprintf(client->sni, sizeof client->sni, "mn-cse-123456");
	*server = base(1, 0x00AE);
	snprintf(server->psk_table[0].identity, KX_NAME_MAX, "AE123456789012-Lock@in.provider.com");
	memcpy(server->psk_table[0].key, k1, sizeof k1);
	server->psk_table[0].key_len = sizeof k1;
	snprintf(server->psk_table[1].identity, KX_NAME_MAX, "AE123456789015-Lock@in.provider.com");
	memcpy(server->psk_table[1].key, k2, sizeof k2);
	server->psk_table[1].key_len = sizeof k2;
	server->n_psk_table = 2;
}

/* The suite's "connection" scenario: Entity A (mn-cse) and the MAF, both with certificates. */
static void ecdsa_ends(struct kx_endpoint_config *client, struct kx_endpoint_config *server)
{
	*client = base(0, 0xC023);
	pki(client->cert_file, sizeof client->cert_file, "mn-cse.pem");
	pki(client->key_file, sizeof client->key_file, "mn-cse.key");
	pki(client->ca_file, sizeof client->ca_file, "root-ca.pem");
	snprintf(client->expected_peer_name, sizeof client->expected_peer_name, "myMAF.provider.org");
	snprintf(client->sni, sizeof client->sni, "myMAF.provider.org");
	*server = base(1, 0xC023);
	pki(server->cert_file, sizeof server->cert_file, "maf.pem");
	pki(server->key_file, sizeof server->key_file, "maf.key");
	pki(server->ca_file, sizeof server->ca_file, "root-ca.pem");
	snprintf(server->expected_peer_name, sizeof server->expected_peer_name, "my.m2mprovider.org/mn-cse-123456");
	server->require_peer_cert = 1;
}

/* One complete handshake with both exports; 0, or -1 with the reason printed. */
static int handshake(const struct kx_backend *b, const struct kx_endpoint_config *cc,
		     const struct kx_endpoint_config *sc, const char *label)
{
	char err[512] = "";
	struct kx_failure failure;
	struct kx_session *client = b->session_new(cc, err, sizeof err);
	struct kx_session *server = client != NULL ? b->session_new(sc, err, sizeof err) : NULL;
	int status = -1;
	if (client == NULL || server == NULL) {
		fprintf(stderr, "raw_handshake: cannot make a session: %s\n", err);
		goto out;
	}
	struct kx_chunks to_server = {0}, to_client = {0};
	enum kx_step_state cs = b->session_step(client, NULL, &to_server, &failure), ss = KX_STEP_HANDSHAKING;
	/* The relay: each end gets the other's whole flight, as the runner does. */
	for (int round = 0; round < MAX_ROUNDS && cs != KX_STEP_FAILED && ss != KX_STEP_FAILED &&
			    (cs != KX_STEP_DONE || ss != KX_STEP_DONE);
	     round++) {
		if (to_server.n > 0) {
			ss = b->session_step(server, &to_server, &to_client, &failure);
			kx_chunks_clear(&to_server);
		}
		if (ss != KX_STEP_FAILED && to_client.n > 0) {
			cs = b->session_step(client, &to_client, &to_server, &failure);
			kx_chunks_clear(&to_client);
		}
		if (to_server.n == 0 && to_client.n == 0)
			break;
	}
	kx_chunks_clear(&to_server);
	kx_chunks_clear(&to_client);
	if (cs != KX_STEP_DONE || ss != KX_STEP_DONE) {
		fprintf(stderr, "raw_handshake: the handshake did not complete: %s\n", failure.text);
		goto out;
	}
	uint8_t a[48], z[48];
	if (b->session_export(client, label, a, sizeof a, err, sizeof err) != 0 ||
	    b->session_export(server, label, z, sizeof z, err, sizeof err) != 0) {
		fprintf(stderr, "raw_handshake: export failed: %s\n", err);
		goto out;
	}
	/* A loop that measured broken handshakes would measure nothing. */
	if (memcmp(a, z, sizeof a) != 0) {
		fprintf(stderr, "raw_handshake: the ends exported different bytes\n");
		goto out;
	}
	status = 0;
out:
	if (client != NULL)
		b->session_free(client);
	if (server != NULL)
		b->session_free(server);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || (strcmp(argv[1], "psk") != 0 && strcmp(argv[1], "ecdsa") != 0)) {
		fprintf(stderr, "usage: %s psk|ecdsa [MIN_SECONDS]\n", argv[0]);
		return 2;
	}
	double min_seconds = argc == 3 ? atof(argv[2]) : 1.0;
	if (!(min_seconds > 0))
		min_seconds = 1.0;
	const struct kx_backend *b = kx_backend();
	struct kx_endpoint_config client, server;
	const char *label;
	if (strcmp(argv[1], "psk") == 0) {
		psk_ends(&client, &server);
		label = KX_LABEL_ESCERTKE; /* the psk scenario exports nothing; one export keeps the work equal */
	} else {
		ecdsa_ends(&client, &server);
		label = KX_LABEL_CONNECTION;
	}
	/* Warm-up: first-use costs (library initialisation, page faults) are not the rate. */
	for (int i = 0; i < 3; i++)
		if (handshake(b, &client, &server, label) != 0)
			return 1;
	long n = 0;
	double start = seconds(CLOCK_MONOTONIC), cpu_start = seconds(CLOCK_PROCESS_CPUTIME_ID), elapsed = 0;
	/* The clock is read every 16 handshakes so that reading it costs nothing measurable. */
	while (elapsed < min_seconds) {
		for (int i = 0; i < 16; i++, n++)
			if (handshake(b, &client, &server, label) != 0)
				return 1;
		elapsed = seconds(CLOCK_MONOTONIC) - start;
	}
	double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
	printf("raw backend=%s suite=%s handshakes=%ld seconds=%.3f cpu_seconds=%.3f rate=%.1f\n", b->name, argv[1], n,
	       elapsed, cpu, (double)n / elapsed);
	return 0;
}
