/* http_peer.h - the HTTP ends of `kxconform http`: a client (libcurl) that
 * POSTs a message and reads the answer, and a server (libmicrohttpd) that
 * hands each complete request to a handler and sends what it answers.
 *
 * Plain http:// only, loopback unless the caller allows otherwise, no proxy,
 * no redirect, and every wait bounded. Neither end ever speaks TLS: the TLS
 * of ESCertKE is inside the ESCertKE messages, played by driver sessions; the
 * runner only carries the messages (docs/http-binding.md). */
#ifndef KX_HTTP_PEER_H
#define KX_HTTP_PEER_H

#include <stddef.h>

#include "core/http_binding.h"

struct kx_http_client {
	void *curl;           /* CURL *, kept so both NOTIFY requests share a connection */
	char origin[600];     /* "http://127.0.0.1:8080": where requests go */
	char path[1024];      /* the URL's path, percent-decoded; "" when it had none */
	int timeout_ms;       /* each request's limit, connecting included */
	char curl_error[256]; /* libcurl's words for the last failure */
};

/* Checks url (http://HOST[:PORT][/PATH], HOST loopback unless allow_remote) and prepares
 * a client; 0, or -1 with err naming what is wrong with the URL. */
int kx_http_client_open(struct kx_http_client *c, const char *url, int allow_remote, int timeout_ms,
                        char *err, size_t errlen);

/* Sends request to the client's origin + request->target and reads the response into
 * *response (free with kx_http_message_free); *request_text and *response_text (caller
 * frees, either may be NULL) get the bytes as they crossed the wire, made printable.
 * Returns 0, or -1 with err when no response arrived (refused, timed out, closed). */
int kx_http_client_send(struct kx_http_client *c, const struct kx_http_message *request,
                        struct kx_http_message *response, char **request_text, char **response_text,
                        char *err, size_t errlen);

/* Closes the client's connection and releases it. */
void kx_http_client_close(struct kx_http_client *c);

/* Called once per complete request; fills response (which starts zeroed). The request's
 * text (made printable, as the server reassembled it) is for the report. */
typedef void (*kx_http_handler)(void *ctx, const struct kx_http_message *request, const char *request_text,
                                struct kx_http_message *response);

struct MHD_Daemon;

struct kx_http_server {
	struct MHD_Daemon *daemon;
	kx_http_handler handler;
	void *ctx;
	char host[64];   /* the bound address, "127.0.0.1" or "::1" */
	unsigned port;   /* the bound port, also when 0 was asked */
	size_t answered; /* responses queued */
	size_t settled;  /* requests over: response sent, or connection lost */
};

/* Listens on bind ("127.0.0.1:PORT", "[::1]:PORT", "localhost:PORT"; PORT 0 picks a free
 * one; a non-loopback address only with allow_remote), with connections idle longer than
 * idle_timeout_ms closed; 0, or -1 with err. */
int kx_http_server_start(struct kx_http_server *s, const char *bind, int allow_remote, int idle_timeout_ms,
                         kx_http_handler handler, void *ctx, char *err, size_t errlen);

/* Serves requests until finished(ctx) is true and every queued response has gone out
 * (returns 0), or wait_ms pass (returns -1). */
int kx_http_server_serve(struct kx_http_server *s, int (*finished)(void *ctx), int wait_ms);

/* Stops listening and closes every connection. */
void kx_http_server_stop(struct kx_http_server *s);

/* Returns 1 if host (an address literal, bracketed or not, or "localhost") is loopback. */
int kx_http_is_loopback(const char *host);

#endif
