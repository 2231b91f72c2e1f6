/* session_checks.c - a session report against the case's configuration. */
#include "runner/cases/session_checks.h"

#include "core/json_io.h"

#include <string.h>
#include <strings.h>

int kx_session_peer_named(json_t *report, const char *expected)
{
	size_t i;
	json_t *name;
	json_array_foreach(json_object_get(report, "peer_names"), i, name)
	{
		const char *text = json_string_value(name);
		const char *colon = text != NULL ? strchr(text, ':') : NULL;
		if (colon != NULL && strcmp(colon + 1, expected) == 0)
			return 1;
	}
	return 0;
}

static const char *or_none(const char *text)
{
	return text != NULL ? text : "";
}

void kx_check_session(json_t *report, const struct kx_session_expectations *want, struct kx_outcome *o)
{
	const char *version = kx_json_get_string(report, "version");
	const char *want_version = want->dtls ? "DTLSv1.2" : "TLSv1.2";
	if (version == NULL || strcmp(version, want_version) != 0)
		kx_outcome_fail(o, "%s negotiated %s, TS-0003 requires %s", want->who,
		                version ? version : "no version", want_version);
	const char *suite = kx_json_get_string(report, "suite");
	if (want->suite != NULL && (suite == NULL || strcasecmp(suite, want->suite) != 0))
		kx_outcome_fail(o, "%s negotiated suite %s, the case asked for %s", want->who,
		                suite ? suite : "none", want->suite);
	const char *sni = kx_json_get_string(report, "sni");
	/* An empty configured SNI means none is sent (docs/driver-protocol.md), so none may arrive. */
	if (want->sni != NULL && want->sni[0] == '\0' && sni != NULL && sni[0] != '\0')
		kx_outcome_fail(o, "the initiator was to send no SNI; %s received \"%s\"", want->who, sni);
	else if (want->sni != NULL && want->sni[0] != '\0' && (sni == NULL || strcmp(sni, want->sni) != 0))
		kx_outcome_fail(o, "the initiator was to send SNI %s; %s received \"%s\"", want->sni,
		                want->who, or_none(sni));
	const char *identity = kx_json_get_string(report, "psk_identity");
	if (want->psk_identity != NULL && (identity == NULL || strcmp(identity, want->psk_identity) != 0))
		kx_outcome_fail(o, "%s associated the session with PSK identity \"%s\", expected %s",
		                want->who, or_none(identity), want->psk_identity);
	if (want->peer_name != NULL && !kx_session_peer_named(report, want->peer_name))
		kx_outcome_fail(o, "%s accepted a peer certificate without the subjectAltName %s", want->who,
		                want->peer_name);
}
