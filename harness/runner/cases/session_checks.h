/* session_checks.h - what an end reported of its session (a driver's `info`
 * answer) against what the case configured, in every mode: the version and
 * suite TS-0003 asks for, the SNI a terminator received, the PSK identity it
 * looked up, and the peer name an end accepted. */
#ifndef KX_SESSION_CHECKS_H
#define KX_SESSION_CHECKS_H

#include <jansson.h>

#include "runner/cases/outcome.h"

struct kx_session_expectations {
	const char *who;          /* "the terminator", "the harness's end": for the sentences */
	int dtls;                 /* 1: DTLSv1.2, 0: TLSv1.2 */
	const char *suite;        /* "0xC023", or NULL not to check */
	const char *sni;          /* the SNI the initiator was to send (checked at a terminator), or NULL */
	const char *psk_identity; /* the identity a terminator must have looked up, or NULL */
	const char
	    *peer_name; /* a subjectAltName the end must have seen in its peer's certificate, or NULL */
};

/* 1 if a session report lists a peer name ("DNS:...", "URI:...") whose value is expected, else 0. */
int kx_session_peer_named(json_t *report, const char *expected);

/* Checks the report against the expectations, adding a reason to o for each that is not met. */
void kx_check_session(json_t *report, const struct kx_session_expectations *want, struct kx_outcome *o);

#endif
