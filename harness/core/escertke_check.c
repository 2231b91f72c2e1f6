/* escertke_check.c - an ESCertKE message (TS-0003 8.7.2.2) read as TLS
 * records or, failing that, as bare handshake messages, and checked against
 * Table 8.7.2.2-1: which handshake messages each of the four messages holds,
 * in which order, and that both end-points authenticate (spec README point
 * 12). Every deviation is named, not only the first. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "byte_order.h"
#include "errors.h"
#include "tls_records.h"

int kx_escertke_parse(const uint8_t *msg, size_t len, struct kx_tls_direction *dir, struct kx_tls_flight *out,
                      char *err, size_t errlen)
{
	char ignored[8];

	if (kx_tls_parse_stream(msg, len, dir, out, err, errlen) == 0)
		return 0;
	/* The two forms cannot be confused: a record starts with a content type
	 * 20..23 and version 3.x, a bare message with a handshake type and the
	 * high byte of a 24-bit length, 0 for any real handshake message. */
	if (kx_tls_parse_bare(msg, len, out, ignored, sizeof ignored) == 0)
		return 0;
	return -1;
}

/* ---- Table 8.7.2.2-1 --------------------------------------------------- */

struct slot {
	enum kx_tls_msg msg;
	int required;
};

/* The success case of TS-0003 Table 8.7.2.2-1, in order. '*' (depends on the
 * suite) is optional here. ChangeCipherSpec is bracketed in the table, being
 * a record-layer message, but required: the reference reading of an ESCertKE
 * message is the record-layer bytes (spec README point 8), and Finished
 * cannot be sent without it. ESCertKE authenticates both end-points (spec
 * README point 12): CertificateRequest in message 2 and a client Certificate
 * holding a certificate, then CertificateVerify, in message 3 are required,
 * whatever the star says of other suites. */
static const struct slot message1[] = {{KX_MSG_CLIENT_HELLO, 1}};
static const struct slot message2[] = {{KX_MSG_SERVER_HELLO, 1},
                                       {KX_MSG_CERTIFICATE, 0},
                                       {KX_MSG_SERVER_KEY_EXCHANGE, 0},
                                       {KX_MSG_CERTIFICATE_REQUEST, 1},
                                       {KX_MSG_SERVER_HELLO_DONE, 1}};
static const struct slot message3[] = {{KX_MSG_CERTIFICATE, 1},
                                       {KX_MSG_CLIENT_KEY_EXCHANGE, 0},
                                       {KX_MSG_CERTIFICATE_VERIFY, 1},
                                       {KX_MSG_CHANGE_CIPHER_SPEC, 1},
                                       {KX_MSG_FINISHED, 1}};
static const struct slot message4[] = {{KX_MSG_CHANGE_CIPHER_SPEC, 1}, {KX_MSG_FINISHED, 1}};

static const struct {
	const struct slot *slots;
	size_t n;
	const char *order;
} table[4] = {
    {message1, 1, "ClientHello"},
    {message2, 5, "ServerHello, Certificate*, ServerKeyExchange*, CertificateRequest*, ServerHelloDone"},
    {message3, 5, "Certificate*, ClientKeyExchange*, CertificateVerify, [ChangeCipherSpec], Finished"},
    {message4, 2, "[ChangeCipherSpec], Finished"},
};

/* The deviations found so far, "; "-separated in the caller's buffer. */
struct deviations {
	char *buf;
	size_t cap, len;
	int count;
};

static void deviation(struct deviations *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void deviation(struct deviations *d, const char *fmt, ...)
{
	va_list args;
	int n;

	d->count++;
	if (d->buf == NULL || d->len + 1 >= d->cap)
		return;
	if (d->count > 1) {
		n = snprintf(d->buf + d->len, d->cap - d->len, "; ");
		d->len = n < 0 || (size_t)n >= d->cap - d->len ? d->cap - 1 : d->len + (size_t)n;
	}
	va_start(args, fmt);
	n = vsnprintf(d->buf + d->len, d->cap - d->len, fmt, args);
	va_end(args);
	d->len = n < 0 || (size_t)n >= d->cap - d->len ? d->cap - 1 : d->len + (size_t)n;
}

/* A Certificate whose certificate_list is empty: a client without a certificate. */
static int empty_certificate(const struct kx_tls_item *item)
{
	return !item->encrypted && item->length == 3 && kx_be24(item->body) == 0;
}

int kx_escertke_check(int message, const struct kx_tls_flight *flight, char *err, size_t errlen)
{
	struct deviations d = {err, errlen, 0, 0};
	int seen[5] = {0, 0, 0, 0, 0};
	int client_certificate = 0;
	size_t last = 0;
	char name[64], last_name[64] = "";

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (message < 1 || message > 4)
		return kx_errorf(err, errlen, "ESCertKE message %d does not exist: the messages are 1..4",
		                 message);
	if (flight->bare)
		deviation(&d,
		          "bare handshake messages without TLS record headers (spec point 8 variant), not "
		          "interoperable");
	if (flight->n_items == 0)
		deviation(&d, "ESCertKE message %d is empty", message);

	for (size_t i = 0; i < flight->n_items; i++) {
		const struct kx_tls_item *item = &flight->items[i];
		size_t k = 0;

		kx_tls_item_name(item, name, sizeof name);
		while (k < table[message - 1].n && table[message - 1].slots[k].msg != item->msg)
			k++;
		if (k == table[message - 1].n) {
			deviation(&d, "%s in ESCertKE message %d is not in Table 8.7.2.2-1", name, message);
			continue;
		}
		if (seen[k])
			deviation(&d, "%s appears more than once in ESCertKE message %d", name, message);
		else if (k < last)
			deviation(&d, "%s after %s in ESCertKE message %d: Table 8.7.2.2-1 orders %s", name,
			          last_name, message, table[message - 1].order);
		seen[k] = 1;
		if (k >= last) {
			last = k;
			memcpy(last_name, name, sizeof name);
		}
		if (message == 3 && item->msg == KX_MSG_CERTIFICATE && !empty_certificate(item))
			client_certificate = 1;
	}

	for (size_t k = 0; k < table[message - 1].n; k++) {
		enum kx_tls_msg msg = table[message - 1].slots[k].msg;

		if (seen[k] || (flight->bare && msg == KX_MSG_CHANGE_CIPHER_SPEC))
			continue; /* a bare flight cannot hold one; the variant is already named */
		if (message == 2 && msg == KX_MSG_CERTIFICATE_REQUEST)
			deviation(&d, "ESCertKE message 2 lacks CertificateRequest: the Terminating End-Point does "
			              "not ask for the Initiating End-Point's certificate, and ESCertKE authenticates "
			              "both end-points (Table 8.7.2.2-1, spec point 12)");
		else if (message == 3 && msg == KX_MSG_CERTIFICATE)
			deviation(&d, "ESCertKE message 3 lacks the Initiating End-Point's Certificate: it does not "
			              "authenticate (Table 8.7.2.2-1, spec point 12)");
		else if (table[message - 1].slots[k].required)
			deviation(&d, "ESCertKE message %d lacks %s, which Table 8.7.2.2-1 requires", message,
			          kx_tls_msg_name(msg));
	}
	if (message == 3 && seen[0] && !client_certificate)
		deviation(&d, "ESCertKE message 3 holds an empty Certificate: the Initiating End-Point sends "
		              "no certificate and does not authenticate (Table 8.7.2.2-1, spec point 12)");
	if (message == 3 && seen[2] && !client_certificate)
		deviation(&d, "CertificateVerify in ESCertKE message 3 without a client certificate before "
		              "it (RFC 5246 7.4.8)");
	return d.count == 0 ? 0 : -1;
}

