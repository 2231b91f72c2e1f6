/* session.h - one TLS or DTLS 1.2 end-point driven step by step with no
 * socket: the runner is the wire. The types here are backend-neutral; each
 * backend implements the session functions of struct kx_backend over them. */
#ifndef KX_SESSION_H
#define KX_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunks.h"
#include "core/name_max.h"

/* Protocol versions as TLS numbers them on the wire; DTLS 1.2 is selected by
 * kx_endpoint_config.dtls together with KX_TLS1_2. */
enum kx_tls_version { KX_TLS1_1 = 0x0302, KX_TLS1_2 = 0x0303, KX_TLS1_3 = 0x0304 };

#define KX_MAX_SUITES 16
#define KX_MAX_PSK_ENTRIES 8
#define KX_MAX_PEER_NAMES 8

struct kx_psk_entry {
	char identity[KX_NAME_MAX];
	uint8_t key[64];
	size_t key_len;
};

struct kx_endpoint_config {
	int server; /* 1: TLS server (terminating end-point, MEF, MAF, CSE) */
	int dtls;   /* 1: DTLS 1.2 instead of TLS */
	uint16_t min_version, max_version; /* enum kx_tls_version */
	uint16_t suites[KX_MAX_SUITES];    /* IANA ids, in preference order */
	size_t n_suites;

	/* Certificates (all PEM files; empty strings when unused). */
	char cert_file[4096];            /* own certificate (chain) */
	char key_file[4096];             /* own private key */
	char ca_file[4096];              /* root of trust for the peer's certificate */
	char expected_peer_name[KX_NAME_MAX]; /* a subjectAltName the peer's certificate must carry; empty: none */
	int require_peer_cert;           /* server: request and require a client certificate */

	/* PSK: the client's credential, the server's table looked up by identity. */
	char psk_identity[KX_NAME_MAX];
	uint8_t psk[64];
	size_t psk_len;
	struct kx_psk_entry psk_table[KX_MAX_PSK_ENTRIES];
	size_t n_psk_table;

	char sni[KX_NAME_MAX]; /* client: the server name to send; empty: none */
	size_t mtu;            /* DTLS record size bound; 0: the library's default */
	int session_tickets;   /* 0: no NewSessionTicket (ESCertKE wants exactly four messages) */
	int no_extended_master_secret; /* 1: do not offer or accept RFC 7627 (the classic master secret) */
};

enum kx_step_state { KX_STEP_HANDSHAKING, KX_STEP_DONE, KX_STEP_FAILED };

/* Why a step failed, in the library's words, with the alerts seen so far. */
struct kx_failure {
	char text[512];
	int alert_sent;     /* TLS alert description sent, or -1 */
	int alert_received; /* TLS alert description received, or -1 */
};

struct kx_session_info {
	uint16_t version;   /* wire version of the negotiated protocol (0xFEFD for DTLS 1.2) */
	uint16_t suite;     /* IANA id of the negotiated suite */
	char suite_name[64];
	uint8_t client_random[32];
	uint8_t server_random[32];
	uint8_t master_secret[48];
	int extended_master_secret; /* 1 if RFC 7627 was negotiated, 0 if not, -1 unknown */
	char sni[KX_NAME_MAX];      /* server: the name received; client: the name sent */
	char peer_names[KX_MAX_PEER_NAMES][KX_NAME_MAX]; /* peer certificate subjectAltNames, "DNS:x" / "URI:x" */
	size_t n_peer_names;
	char psk_identity[KX_NAME_MAX]; /* the PSK identity used, if any */
};

struct kx_session;

/* The PSK callbacks of both backends (TR-0038 7.1.2), the library's buffers
 * filled from the configuration. */

/* Copies the client's identity (with its NUL) and key into the library's buffers; the key's length,
 * or 0 when either does not fit. */
unsigned int kx_psk_client_credential(const struct kx_endpoint_config *c, char *identity,
				      unsigned int max_identity, uint8_t *psk, unsigned int max_psk);

/* Copies into psk the key the server's table holds for the identity the client sent; the key's
 * length, or 0 (the library then refuses with unknown_psk_identity) when the identity is NULL or
 * unknown or the key does not fit. */
unsigned int kx_psk_server_key(const struct kx_endpoint_config *c, const char *identity, uint8_t *psk,
			       unsigned int max_psk);

#endif
