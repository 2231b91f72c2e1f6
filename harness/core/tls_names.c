/* tls_names.c - lookup tables from the IANA TLS registries for the numbers
 * the harness reports: alerts and versions (cipher suites: tls_suites.c). */
#include "tls_names.h"

#include <string.h>

static const struct {
	int code;
	const char *name;
} alerts[] = {
	{0, "close_notify"},
	{10, "unexpected_message"},
	{20, "bad_record_mac"},
	{21, "decryption_failed"},
	{22, "record_overflow"},
	{30, "decompression_failure"},
	{40, "handshake_failure"},
	{41, "no_certificate"},
	{42, "bad_certificate"},
	{43, "unsupported_certificate"},
	{44, "certificate_revoked"},
	{45, "certificate_expired"},
	{46, "certificate_unknown"},
	{47, "illegal_parameter"},
	{48, "unknown_ca"},
	{49, "access_denied"},
	{50, "decode_error"},
	{51, "decrypt_error"},
	{60, "export_restriction"},
	{70, "protocol_version"},
	{71, "insufficient_security"},
	{80, "internal_error"},
	{86, "inappropriate_fallback"},
	{90, "user_canceled"},
	{100, "no_renegotiation"},
	{109, "missing_extension"},
	{110, "unsupported_extension"},
	{112, "unrecognized_name"},
	{113, "bad_certificate_status_response"},
	{115, "unknown_psk_identity"},
	{116, "certificate_required"},
	{120, "no_application_protocol"},
};

const char *kx_alert_name(int description)
{
	for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
		if (alerts[i].code == description)
			return alerts[i].name;
	return "unknown";
}

int kx_alert_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
		if (strcmp(alerts[i].name, name) == 0)
			return alerts[i].code;
	return -1;
}

static const struct {
	uint16_t version;
	int dtls;
	const char *name;
} versions[] = {
	{0x0302, 0, "TLSv1.1"},
	{0x0303, 0, "TLSv1.2"},
	{0x0304, 0, "TLSv1.3"},
	{0xFEFD, 1, "DTLSv1.2"},
};

const char *kx_version_name(uint16_t version)
{
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (versions[i].version == version)
			return versions[i].name;
	return "unknown";
}

int kx_version_from_name(const char *name, uint16_t *version, int *dtls)
{
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (strcmp(versions[i].name, name) == 0) {
			/* Configurations name DTLS 1.2 by its TLS counterpart plus the transport. */
			*version = versions[i].dtls ? 0x0303 : versions[i].version;
			*dtls = versions[i].dtls;
			return 0;
		}
	return -1;
}
