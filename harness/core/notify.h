/* notify.h - the oneM2M NOTIFY primitives that carry ESCertKE messages
 * (TS-0001 11.4.3), serialised as JSON with the TS-0004 short names.
 *
 * Message 1 travels in a first NOTIFY request, message 2 in its response,
 * message 3 in a second request and message 4 in its response. The content
 * is an m2m:seci (securityInfo) with sit 6 (ESCertKE message) and eckm
 * (escertkeMessage), the message bytes in standard padded base64:
 *
 *   {"m2m:rqp":{"op":5,"to":TO,"fr":FROM,"rqi":RQI,"rvi":"3",
 *               "pc":{"m2m:seci":{"sit":6,"eckm":BASE64}}}}
 *   {"m2m:rsp":{"rsc":2000,"rqi":RQI,"to":TO,"fr":FROM,"rvi":"3",
 *               "pc":{"m2m:seci":{"sit":6,"eckm":BASE64}}}} */
#ifndef KX_NOTIFY_H
#define KX_NOTIFY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define KX_NOTIFY_OP 5         /* operation NOTIFY (TS-0004 m2m:operation) */
#define KX_NOTIFY_RSC_OK 2000  /* responseStatusCode OK */
#define KX_SECI_SIT_ESCERTKE 6 /* securityInfoType: ESCertKE message */
#define KX_NOTIFY_RVI "3"      /* the release version indicator the harness writes */
#define KX_NOTIFY_ID_MAX 256   /* capacity of from and to, NUL included */
/* Capacity of rqi, NUL included: the runner's session names (up to 223 bytes) with "-notifyN". */
#define KX_NOTIFY_RQI_MAX 256

struct kx_notify {
	int is_response;             /* 0: m2m:rqp, 1: m2m:rsp */
	int op;                      /* request: operation (KX_NOTIFY_OP) */
	int rsc;                     /* response: responseStatusCode (KX_NOTIFY_RSC_OK) */
	char from[KX_NOTIFY_ID_MAX]; /* fr; optional in a response (empty: absent) */
	char to[KX_NOTIFY_ID_MAX];   /* to; optional in a response (empty: absent) */
	char rqi[KX_NOTIFY_RQI_MAX]; /* requestIdentifier */
	uint8_t *message;            /* the ESCertKE message bytes (eckm decoded) */
	size_t message_len;
};

/* Returns p as compact one-line JSON in a malloc'd string (caller frees), writing op or rsc as
 * given; NULL if memory runs out or a field is not NUL-terminated UTF-8. p->message is borrowed. */
char *kx_notify_build(const struct kx_notify *p);

/* Parses and checks len bytes of JSON as a NOTIFY request (expect_response 0) or response (1)
 * carrying an ESCertKE message; returns 0 and fills *out (free with kx_notify_free), or -1
 * with the first problem named in err (capacity errlen) and *out empty. */
int kx_notify_parse(const char *text, size_t len, int expect_response, struct kx_notify *out, char *err,
                    size_t errlen);

/* Returns 0 if message 3's request comes from the same originator as message 1's (TS-0001
 * 11.4.3 C.1.c) and is a new request, or -1 with the reason in err. */
int kx_notify_correlates(const struct kx_notify *message1_request, const struct kx_notify *message3_request,
                         char *err, size_t errlen);

/* Returns 0 if response answers request (same rqi; its to, when present, is the request's fr),
 * or -1 with the reason in err. */
int kx_notify_answers(const struct kx_notify *request, const struct kx_notify *response, char *err,
                      size_t errlen);

/* Fills *response with the answer TS-0001 8.1.3 describes for request: its rqi and message (borrowed,
 * not copied: free only one of the two), To the request's From, From its To, and OK. */
void kx_notify_answer(const struct kx_notify *request, struct kx_notify *response);

/* The JSON type of v in the parser's words: "an object", "an integer", "a real number", "null"... */
const char *kx_notify_type_name(const json_t *v);

/* Frees p->message and leaves p zeroed; p may be NULL. */
void kx_notify_free(struct kx_notify *p);

#endif
