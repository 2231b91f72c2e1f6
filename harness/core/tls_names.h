/* tls_names.h - names of TLS protocol numbers for reports and the driver
 * protocol: alert descriptions and protocol versions (cipher suites have
 * their own table, tls_suites.h). */
#ifndef KX_TLS_NAMES_H
#define KX_TLS_NAMES_H

#include <stdint.h>

/* RFC 5246 / 8446 alert description name ("handshake_failure"), or "unknown". */
const char *kx_alert_name(int description);

/* Looks an alert up by name; returns its description number, or -1. */
int kx_alert_from_name(const char *name);

/* "TLSv1.1", "TLSv1.2", "TLSv1.3", "DTLSv1.2" for a wire version, or "unknown". */
const char *kx_version_name(uint16_t version);

/* Looks a version up by name ("TLSv1.2"; "DTLSv1.2" gives 0x0303 with *dtls set); -1 if unknown. */
int kx_version_from_name(const char *name, uint16_t *version, int *dtls);

#endif
