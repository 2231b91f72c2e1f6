/* notify_endpoint.h - an ESCertKE end-point's oneM2M layer (TS-0001 11.4.3):
 * it carries each ESCertKE message it sends in a NOTIFY request (Initiating
 * End-Point: messages 1 and 3) or response (Terminating End-Point: 2 and 4),
 * and reads the ones it receives, refusing what the procedure does not allow:
 * a primitive that does not parse, another securityInfoType, an eckm that is
 * not base64, a response that answers no request of its own, a message 3 that
 * comes From another originator than message 1 or reuses its request
 * identifier. The driver plays it when kxconform opens an ESCertKE session
 * with a "notify" member (docs/driver-protocol.md). */
#ifndef KX_NOTIFY_ENDPOINT_H
#define KX_NOTIFY_ENDPOINT_H

#include <jansson.h>
#include <stddef.h>

#include "core/chunks.h"
#include "core/notify.h"

struct kx_notify_endpoint {
	int on;
	int initiating;                      /* 1: sends requests (messages 1, 3) */
	char from[KX_NOTIFY_ID_MAX];         /* its own originator */
	char to[KX_NOTIFY_ID_MAX];           /* the other end-point */
	char rqi_prefix[KX_NOTIFY_RQI_MAX - 20]; /* room left for "-notify" and a number */
	int sent, received;                  /* primitives so far */
	struct kx_notify last_request;       /* the last request it sent or received (message bytes dropped) */
	struct kx_notify message1;           /* Terminating: message 1's request, for correlating message 3 */
};

/* Sets ep from a session config's "notify" member ({from, to, rqi}); ep->on stays 0 when there is
 * none. 0, or -1 with err naming what is wrong. */
int kx_notify_endpoint_open(struct kx_notify_endpoint *ep, json_t *notify, int initiating, char *err, size_t errlen);

/* Reads a received primitive: checks it as the procedure requires and appends the ESCertKE message
 * it carries to flight. 0, or -1 with the reason the end-point refuses it in err. */
int kx_notify_endpoint_receive(struct kx_notify_endpoint *ep, const char *primitive, struct kx_chunks *flight,
                               char *err, size_t errlen);

/* The primitive carrying flight, the end-point's next ESCertKE message (malloc'd JSON text), or
 * NULL when memory runs out. */
char *kx_notify_endpoint_send(struct kx_notify_endpoint *ep, const struct kx_chunks *flight);

/* Frees what the end-point holds. */
void kx_notify_endpoint_close(struct kx_notify_endpoint *ep);

#endif
