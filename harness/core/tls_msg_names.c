/* tls_msg_names.c - the names a flight's items have in reports: TLS's own
 * names of handshake messages and records ("ServerHelloDone",
 * "ChangeCipherSpec"), an alert by its level and description, and a whole
 * flight as one line. Also the HandshakeType table both record readers use. */
#include <stdio.h>
#include <string.h>

#include "tls_flight.h"
#include "tls_names.h"
#include "tls_records.h"

static const char *const msg_names[KX_MSG_COUNT] = {
    [KX_MSG_HELLO_REQUEST] = "HelloRequest",
    [KX_MSG_CLIENT_HELLO] = "ClientHello",
    [KX_MSG_SERVER_HELLO] = "ServerHello",
    [KX_MSG_HELLO_VERIFY_REQUEST] = "HelloVerifyRequest",
    [KX_MSG_NEW_SESSION_TICKET] = "NewSessionTicket",
    [KX_MSG_CERTIFICATE] = "Certificate",
    [KX_MSG_SERVER_KEY_EXCHANGE] = "ServerKeyExchange",
    [KX_MSG_CERTIFICATE_REQUEST] = "CertificateRequest",
    [KX_MSG_SERVER_HELLO_DONE] = "ServerHelloDone",
    [KX_MSG_CERTIFICATE_VERIFY] = "CertificateVerify",
    [KX_MSG_CLIENT_KEY_EXCHANGE] = "ClientKeyExchange",
    [KX_MSG_FINISHED] = "Finished",
    [KX_MSG_CERTIFICATE_STATUS] = "CertificateStatus",
    [KX_MSG_UNKNOWN_HANDSHAKE] = "Unknown",
    [KX_MSG_CHANGE_CIPHER_SPEC] = "ChangeCipherSpec",
    [KX_MSG_ALERT] = "Alert",
    [KX_MSG_APPLICATION_DATA] = "ApplicationData",
    [KX_MSG_UNKNOWN_RECORD] = "Unknown",
};

const char *kx_tls_msg_name(enum kx_tls_msg msg)
{
	return msg < KX_MSG_COUNT ? msg_names[msg] : "Unknown";
}

/* HandshakeType of RFC 5246 7.4, RFC 6347 4.3.2 (HelloVerifyRequest),
 * RFC 5077 (NewSessionTicket) and RFC 6066 (CertificateStatus). */
enum kx_tls_msg kx_tls_handshake_msg(uint8_t type)
{
	switch (type) {
	case 0:
		return KX_MSG_HELLO_REQUEST;
	case 1:
		return KX_MSG_CLIENT_HELLO;
	case 2:
		return KX_MSG_SERVER_HELLO;
	case 3:
		return KX_MSG_HELLO_VERIFY_REQUEST;
	case 4:
		return KX_MSG_NEW_SESSION_TICKET;
	case 11:
		return KX_MSG_CERTIFICATE;
	case 12:
		return KX_MSG_SERVER_KEY_EXCHANGE;
	case 13:
		return KX_MSG_CERTIFICATE_REQUEST;
	case 14:
		return KX_MSG_SERVER_HELLO_DONE;
	case 15:
		return KX_MSG_CERTIFICATE_VERIFY;
	case 16:
		return KX_MSG_CLIENT_KEY_EXCHANGE;
	case 20:
		return KX_MSG_FINISHED;
	case 22:
		return KX_MSG_CERTIFICATE_STATUS;
	}
	return KX_MSG_UNKNOWN_HANDSHAKE;
}

const char *kx_tls_record_name(uint8_t content_type)
{
	switch (content_type) {
	case KX_CT_CHANGE_CIPHER_SPEC:
		return "ChangeCipherSpec";
	case KX_CT_ALERT:
		return "Alert";
	case KX_CT_HANDSHAKE:
		return "Handshake";
	case KX_CT_APPLICATION_DATA:
		return "ApplicationData";
	}
	return "unknown";
}

int kx_tls_item_name(const struct kx_tls_item *item, char *out, size_t cap)
{
	const char *level, *description;

	switch (item->msg) {
	case KX_MSG_UNKNOWN_HANDSHAKE:
		return snprintf(out, cap, "Unknown(handshake type %u)", item->handshake_type);
	case KX_MSG_UNKNOWN_RECORD:
		return snprintf(out, cap, "Unknown(content type %u)", item->content_type);
	case KX_MSG_ALERT:
		if (item->encrypted)
			return snprintf(out, cap, "Alert(encrypted)");
		level = item->alert_level == 1 ? "warning" : item->alert_level == 2 ? "fatal" : NULL;
		description = kx_alert_name(item->alert_description);
		if (strcmp(description, "unknown") == 0)
			description = NULL;
		if (level != NULL && description != NULL)
			return snprintf(out, cap, "Alert(%s, %s)", level, description);
		if (level != NULL)
			return snprintf(out, cap, "Alert(%s, %d)", level, item->alert_description);
		if (description != NULL)
			return snprintf(out, cap, "Alert(level %d, %s)", item->alert_level, description);
		return snprintf(out, cap, "Alert(level %d, %d)", item->alert_level, item->alert_description);
	default:
		break;
	}
	return snprintf(out, cap, "%s", kx_tls_msg_name(item->msg));
}

int kx_tls_flight_summary(const struct kx_tls_flight *flight, char *out, size_t cap)
{
	size_t total = 0;
	char name[64];

	if (cap > 0)
		out[0] = '\0';
	if (flight->n_items == 0)
		return snprintf(out, cap, "(empty)");
	for (size_t i = 0; i < flight->n_items; i++) {
		kx_tls_item_name(&flight->items[i], name, sizeof name);
		/* Appends within cap, counting the full length as snprintf does. */
		if (total < cap)
			snprintf(out + total, cap - total, "%s%s", i > 0 ? ", " : "", name);
		total += (i > 0 ? 2 : 0) + strlen(name);
	}
	return (int)total;
}
