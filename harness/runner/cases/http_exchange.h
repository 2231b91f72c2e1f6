/* http_exchange.h - one ESCertKE case of `kxconform http`: the harness's end
 * (a driver session configured from the suite's escertke case) and the
 * vendor's end exchanging messages 1..4 in NOTIFY primitives over the
 * oneM2M HTTP binding (TS-0001 11.4.3, TS-0009), every message recorded and
 * checked against Table 8.7.2.2-1, every refusal of the vendor's HTTP named.
 * The HTTP ends themselves are wire/http_peer.h's; the command (options,
 * judging the export, the report) is commands/cmd_http.c. */
#ifndef KX_HTTP_EXCHANGE_H
#define KX_HTTP_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/notify.h"
#include "core/tls_records.h"
#include "runner/cases/outcome.h"
#include "runner/cases/suite.h"
#include "runner/drivers/driver_pool.h"
#include "runner/wire/http_peer.h"
#include "runner/wire/relay.h"

/* One ESCertKE message as it travelled. */
struct kx_http_flight {
	int number; /* the ESCertKE message, 1..4 */
	uint64_t at_us;
	uint8_t *bytes; /* the message */
	size_t length;
	char summary[256];
	char *http;      /* the request (1, 3) or response (2, 4) that carried it */
	char *primitive; /* the NOTIFY primitive it stands for, for the capture's comments */
};

/* Everything about the case; the command fills the identities and the session before a run. */
struct kx_http_case {
	struct kx_driver_pool *pool;
	const struct kx_case *matrix_case; /* the suite's escertke case for the harness's driver */
	size_t end;                        /* the harness's driver */
	int initiator;                     /* 1: the harness is the Initiating End-Point */
	char id[192];
	char session[224];
	char origin[KX_NOTIFY_ID_MAX]; /* From of the initiator's requests */
	char to[KX_NOTIFY_ID_MAX];     /* the terminator's identity */

	struct kx_http_flight flights[4];
	size_t n_flights;
	struct kx_tls_direction directions[2]; /* [1]: from the initiator */
	char deviations[1024];                 /* Table 8.7.2.2-1, "; "-separated */

	struct kx_end_result own; /* the harness's end, as its last step left it */
	uint8_t *pending; /* what the harness's end sends next */
	size_t pending_len;

	json_t *exchanges; /* every HTTP request and response */
	json_t *refused;   /* every named problem, with its status codes */

	/* The listener's progress. */
	int notify_count;          /* valid NOTIFY requests answered */
	struct kx_notify message1; /* fr and rqi of the first, for correlating the second */
	int over;                  /* the case ended; serve until the last answer is out */
	const char *expect_origin; /* the only originator allowed to start ESCertKE, or NULL */
	int wait_ms;               /* how long the whole exchange may take */

	struct kx_outcome out; /* the case's result and diagnosis */
	char rejected_by[16];
};


/* Returns the name the report gives an end (initiator: 1): the harness's driver, or "vendor". */
const char *kx_http_end_label(const struct kx_http_case *hc, int initiator);

/* The harness as Initiating End-Point: POSTs messages 1 and 3 through client and reads 2 and 4 from
 * the answers. Returns 1 when the handshake completed and is to be judged, else 0 (hc->out says
 * why). */
int kx_http_run_initiator(struct kx_http_case *hc, struct kx_http_client *client);

/* Starts server at bind as the Terminating End-Point of hc (kx_http_server_start); 0, or -1 with
 * err. */
int kx_http_listen(struct kx_http_case *hc, struct kx_http_server *server, const char *bind, int allow_remote,
                   int idle_timeout_ms, char *err, size_t errlen);

/* The harness as Terminating End-Point: serves the vendor's NOTIFY requests until the exchange is
 * over, hc->wait_ms passes or SIGINT/SIGTERM arrives. Returns 1 when the handshake completed and is
 * to be judged, else 0 (hc->out says why). */
int kx_http_run_terminator(struct kx_http_case *hc, struct kx_http_server *server);

#endif
