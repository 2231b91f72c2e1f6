/* notify_endpoint.c - the oneM2M layer of an ESCertKE end-point, on the
 * core's NOTIFY primitives (core/notify.c), so that a reference driver both
 * writes and checks primitives as a conforming end-point would and the runner
 * can judge them from outside. */
#include "driver/notify_endpoint.h"

#include "core/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copy_member(json_t *notify, const char *key, char *out, size_t len, char *err, size_t errlen)
{
	const char *value = json_string_value(json_object_get(notify, key));
	if (value == NULL || value[0] == '\0' || strlen(value) >= len)
		return kx_errorf(err, errlen, "config \"notify\".\"%s\" must be a non-empty text of at most %zu bytes",
		                 key, len - 1);
	snprintf(out, len, "%s", value);
	return 0;
}

int kx_notify_endpoint_open(struct kx_notify_endpoint *ep, json_t *notify, int initiating, char *err, size_t errlen)
{
	memset(ep, 0, sizeof *ep);
	if (notify == NULL)
		return 0;
	if (!json_is_object(notify))
		return kx_errorf(err, errlen, "config \"notify\" must be {\"from\", \"to\", \"rqi\"}");
	if (copy_member(notify, "from", ep->from, sizeof ep->from, err, errlen) != 0 ||
	    copy_member(notify, "to", ep->to, sizeof ep->to, err, errlen) != 0 ||
	    copy_member(notify, "rqi", ep->rqi_prefix, sizeof ep->rqi_prefix, err, errlen) != 0)
		return -1;
	ep->on = 1;
	ep->initiating = initiating;
	return 0;
}

int kx_notify_endpoint_receive(struct kx_notify_endpoint *ep, const char *primitive, struct kx_chunks *flight,
                               char *err, size_t errlen)
{
	/* The Initiating End-Point receives responses (messages 2, 4), the Terminating requests (1, 3). */
	int response = ep->initiating;
	int number = response ? 2 * ep->received + 2 : 2 * ep->received + 1;
	struct kx_notify got = {0};
	char why[400];
	if (kx_notify_parse(primitive, strlen(primitive), response, &got, why, sizeof why) != 0)
		return kx_errorf(err, errlen, "the NOTIFY %s carrying ESCertKE message %d is refused: %s",
		                 response ? "response" : "request", number, why);
	int ret = 0;
	if (response && kx_notify_answers(&ep->last_request, &got, why, sizeof why) != 0)
		ret = kx_errorf(err, errlen, "the NOTIFY response carrying ESCertKE message %d is refused: %s", number, why);
	else if (!response && number == 3 && kx_notify_correlates(&ep->message1, &got, why, sizeof why) != 0)
		ret = kx_errorf(err, errlen, "the NOTIFY request carrying ESCertKE message 3 is refused: %s", why);
	else if (!response && number > 3)
		ret = kx_errorf(err, errlen, "a NOTIFY request after ESCertKE message 3: the procedure has four messages");
	if (ret == 0 && kx_chunks_append(flight, got.message, got.message_len) != 0)
		ret = kx_errorf(err, errlen, "out of memory");
	if (ret == 0) {
		ep->received++;
		if (!response) {
			/* Kept for answering it and, for message 1, correlating message 3: not the bytes. */
			free(got.message);
			got.message = NULL;
			got.message_len = 0;
			if (number == 1)
				ep->message1 = got;
			ep->last_request = got;
			return 0;
		}
	}
	kx_notify_free(&got);
	return ret;
}

char *kx_notify_endpoint_send(struct kx_notify_endpoint *ep, const struct kx_chunks *flight)
{
	struct kx_notify p = {.is_response = !ep->initiating, .op = KX_NOTIFY_OP, .rsc = KX_NOTIFY_RSC_OK};
	snprintf(p.from, sizeof p.from, "%s", ep->from);
	snprintf(p.to, sizeof p.to, "%s", ep->to);
	if (ep->initiating)
		/* One request identifier per NOTIFY exchange: messages 1/2, then 3/4. */
		snprintf(p.rqi, sizeof p.rqi, "%s-notify%d", ep->rqi_prefix, ep->sent + 1);
	else
		snprintf(p.rqi, sizeof p.rqi, "%s", ep->last_request.rqi);
	p.message = kx_chunks_flatten(flight, &p.message_len);
	char *text = kx_notify_build(&p);
	free(p.message);
	if (text != NULL && ep->initiating) {
		ep->last_request = p;
		ep->last_request.message = NULL;
		ep->last_request.message_len = 0;
	}
	ep->sent++;
	return text;
}

void kx_notify_endpoint_close(struct kx_notify_endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
}
