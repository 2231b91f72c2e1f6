/* http_peer.c - HTTP/1.1 over loopback for `kxconform http`, on Debian's
 * libcurl (client) and libmicrohttpd (server), so that no byte of HTTP is
 * parsed or written by hand.
 *
 * The client records what crossed the wire through libcurl's debug callback,
 * so a report shows the request and response exactly as sent and received.
 * The server is driven from the caller's thread (MHD_run_wait, no internal
 * thread): the handler then runs on that thread too, and the driver pool it
 * uses needs no lock. */
#include "runner/wire/http_peer.h"

#include "core/errors.h"
#include "core/growable.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

/* Transcripts longer than this are cut in reports: a message is a few kilobytes. */
#define TRANSCRIPT_MAX (2 * KX_HTTP_BODY_MAX)

int kx_http_is_loopback(const char *host)
{
	char bare[64];
	struct in_addr v4;
	struct in6_addr v6;
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof bare) {
		memcpy(bare, host + 1, n - 2);
		bare[n - 2] = '\0';
	} else if (n < sizeof bare) {
		memcpy(bare, host, n + 1);
	} else {
		return 0;
	}
	if (inet_pton(AF_INET, bare, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127; /* 127.0.0.0/8 */
	if (inet_pton(AF_INET6, bare, &v6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&v6);
	return 0;
}

/* ---- client ------------------------------------------------------------- */

/* A growing byte buffer with a cap; what exceeds it is counted, not kept. */
struct bytes {
	char *p;
	size_t len, cap, limit, dropped;
};

static void bytes_put(struct bytes *b, const char *data, size_t n)
{
	size_t keep = b->len + n > b->limit ? b->limit - b->len : n;

	b->dropped += n - keep;
	if (keep == 0)
		return;
	if (KX_GROW(b->p, b->cap, b->len + keep + 1) != 0) {
		b->dropped += keep;
		return;
	}
	memcpy(b->p + b->len, data, keep);
	b->len += keep;
	b->p[b->len] = '\0';
}

/* Everything one exchange collects from libcurl's callbacks. */
struct exchange {
	struct kx_http_message *response;
	struct bytes body, sent, received;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct exchange *x = arg;

	bytes_put(&x->body, data, size * n);
	return size * n;
}

/* Header lines arrive one at a time: a status line starts a new header block
 * (an interim 100 Continue is followed by the real one). */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct exchange *x = arg;
	size_t len = size * n;
	char line[8192];
	char *colon, *value, *end;

	if (len >= sizeof line)
		return len; /* a header this long is not one the binding reads */
	memcpy(line, data, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) {
		int status = 0;
		const char *space = strchr(line, ' ');

		kx_http_message_free(x->response);
		x->response->is_response = 1;
		if (space != NULL)
			status = atoi(space + 1);
		x->response->status = status;
		return len;
	}
	colon = strchr(line, ':');
	if (colon == NULL)
		return len; /* the blank line, or an obsolete folded line */
	*colon = '\0';
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	end = value + strlen(value);
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	/* A header with a control character cannot be kept; the transcript still shows it. */
	kx_http_header_add(x->response, line, value);
	return len;
}

static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *arg)
{
	struct exchange *x = arg;

	(void)curl;
	if (type == CURLINFO_HEADER_OUT || type == CURLINFO_DATA_OUT)
		bytes_put(&x->sent, data, size);
	else if (type == CURLINFO_HEADER_IN || type == CURLINFO_DATA_IN)
		bytes_put(&x->received, data, size);
	return 0;
}

int kx_http_client_open(struct kx_http_client *c, const char *url, int allow_remote, int timeout_ms,
                        char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	int rc = -1;

	memset(c, 0, sizeof *c);
	c->timeout_ms = timeout_ms;
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		kx_errorf(err, errlen, "\"%.300s\" is not a URL (expected http://HOST:PORT[/PATH])", url);
		goto done;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	/* The runner carries ESCertKE messages in HTTP; it never speaks TLS itself. */
	if (scheme == NULL || strcmp(scheme, "http") != 0) {
		kx_errorf(
		    err, errlen,
		    "the URL's scheme is %s; kxconform http speaks plain http:// (the TLS is inside the "
		    "ESCertKE messages)",
		    scheme != NULL ? scheme : "missing");
		goto done;
	}
	if (host == NULL || (!allow_remote && !kx_http_is_loopback(host))) {
		kx_errorf(err, errlen,
		          "the URL's host %s is not loopback; pass --allow-remote to reach another machine",
		          host != NULL ? host : "(none)");
		goto done;
	}
	if (query != NULL) {
		kx_errorf(err, errlen, "the URL has a query (?%s); a NOTIFY carrying ESCertKE takes none",
		          query);
		goto done;
	}
	if (path != NULL && strlen(path) >= sizeof c->path) {
		kx_errorf(err, errlen, "the URL's path is too long");
		goto done;
	}
	snprintf(c->path, sizeof c->path, "%s", path != NULL && strcmp(path, "/") != 0 ? path : "");
	snprintf(c->origin, sizeof c->origin, "http://%.256s%s%.8s", host, port != NULL ? ":" : "",
	         port != NULL ? port : "");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		curl_global_cleanup();
		kx_errorf(err, errlen, "libcurl could not start");
		goto done;
	}
	rc = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

int kx_http_client_send(struct kx_http_client *c, const struct kx_http_message *request,
                        struct kx_http_message *response, char **request_text, char **response_text,
                        char *err, size_t errlen)
{
	struct exchange x = {.response = response};
	struct curl_slist *headers = NULL;
	char url[sizeof c->origin + KX_HTTP_TARGET_MAX];
	char line[KX_HTTP_TARGET_MAX + 64];
	CURLcode code;

	memset(response, 0, sizeof *response);
	x.body.limit = KX_HTTP_BODY_MAX;
	x.sent.limit = x.received.limit = TRANSCRIPT_MAX;
	snprintf(url, sizeof url, "%s%s", c->origin, request->target);
	for (size_t i = 0; i < request->n_headers; i++) {
		snprintf(line, sizeof line, "%s: %s", request->headers[i].name, request->headers[i].value);
		headers = curl_slist_append(headers, line);
	}
	/* No "Expect: 100-continue": the transcript then shows one request, as sent. */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_reset(c->curl);
	c->curl_error[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c->curl, CURLOPT_PROXY,
	                 ""); /* loopback must not go through a proxy from the environment */
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_error);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	if (strcmp(request->method, "POST") != 0)
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, request->method);
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, request->body != NULL ? request->body : "");
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)request->body_len);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c->curl, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(c->curl, CURLOPT_DEBUGDATA, &x);
	curl_easy_setopt(c->curl, CURLOPT_VERBOSE, 1L);
	code = curl_easy_perform(c->curl);
	curl_slist_free_all(headers);

	if (request_text != NULL)
		*request_text = kx_http_printable(x.sent.p != NULL ? x.sent.p : "", x.sent.len);
	if (response_text != NULL)
		*response_text = kx_http_printable(x.received.p != NULL ? x.received.p : "", x.received.len);
	response->is_response = 1;
	response->body = x.body.p;
	response->body_len = x.body.len;
	response->body_dropped = x.body.dropped;
	free(x.sent.p);
	free(x.received.p);
	if (code != CURLE_OK)
		return kx_errorf(err, errlen, "no HTTP response from %s: %s", url,
		                 c->curl_error[0] != '\0' ? c->curl_error : curl_easy_strerror(code));
	return 0;
}

void kx_http_client_close(struct kx_http_client *c)
{
	if (c->curl != NULL) {
		curl_easy_cleanup(c->curl);
		curl_global_cleanup();
	}
	c->curl = NULL;
}

/* ---- server ------------------------------------------------------------- */

/* One request being received. */
struct pending {
	struct kx_http_message request;
};

static enum MHD_Result collect_header(void *arg, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct pending *p = arg;

	(void)kind;
	kx_http_header_add(&p->request, key, value != NULL ? value : "");
	return MHD_YES;
}

static void append_body(struct kx_http_message *m, const char *data, size_t n)
{
	size_t keep = m->body_len + n > KX_HTTP_BODY_MAX ? KX_HTTP_BODY_MAX - m->body_len : n;
	char *more;

	m->body_dropped += n - keep;
	if (keep == 0)
		return;
	more = realloc(m->body, m->body_len + keep + 1);
	if (more == NULL) {
		m->body_dropped += keep;
		return;
	}
	m->body = more;
	memcpy(m->body + m->body_len, data, keep);
	m->body_len += keep;
	m->body[m->body_len] = '\0';
}

/* Sends response on connection; MHD adds Content-Length and Date itself. */
static enum MHD_Result send_response(struct MHD_Connection *connection,
                                     const struct kx_http_message *response)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    response->body_len, response->body != NULL ? response->body : (char *)"", MHD_RESPMEM_MUST_COPY);
	enum MHD_Result queued;

	if (r == NULL)
		return MHD_NO;
	for (size_t i = 0; i < response->n_headers; i++)
		MHD_add_response_header(r, response->headers[i].name, response->headers[i].value);
	queued = MHD_queue_response(connection, (unsigned)response->status, r);
	MHD_destroy_response(r);
	return queued;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct kx_http_server *s = cls;
	struct pending *p = *con_cls;
	struct kx_http_message response = {0};
	enum MHD_Result queued;
	char *text;

	(void)version;
	if (p == NULL) {
		/* First call: the request line and headers are in. */
		p = calloc(1, sizeof *p);
		if (p == NULL)
			return MHD_NO;
		snprintf(p->request.method, sizeof p->request.method, "%s", method);
		snprintf(p->request.target, sizeof p->request.target, "%s", url);
		MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header, p);
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		append_body(&p->request, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The whole request is in: the handler answers it. */
	text = kx_http_message_text(&p->request);
	response.is_response = 1;
	s->handler(s->ctx, &p->request, text != NULL ? text : "", &response);
	free(text);
	queued = send_response(connection, &response);
	kx_http_message_free(&response);
	if (queued == MHD_YES)
		s->answered++;
	return queued;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct kx_http_server *s = cls;
	struct pending *p = *con_cls;

	(void)connection;
	(void)toe;
	if (p != NULL) {
		kx_http_message_free(&p->request);
		free(p);
		*con_cls = NULL;
		s->settled++;
	}
}

/* Parses "HOST:PORT" or "[V6]:PORT" into a socket address. */
static int parse_bind(const char *bind, int allow_remote, struct sockaddr_storage *sa, char *host,
                      size_t host_cap, unsigned *port, char *err, size_t errlen)
{
	const char *colon = strrchr(bind, ':');
	char name[64];
	size_t n;
	char *end;
	unsigned long value;

	if (colon == NULL || colon == bind || colon[1] == '\0')
		return kx_errorf(err, errlen, "--bind %.200s: expected HOST:PORT, for example 127.0.0.1:0",
		                 bind);
	value = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || value > 65535)
		return kx_errorf(err, errlen, "--bind %.200s: %s is not a port", bind, colon + 1);
	n = (size_t)(colon - bind);
	if (bind[0] == '[' && n >= 2 && bind[n - 1] == ']') {
		bind++;
		n -= 2;
	}
	if (n >= sizeof name)
		return kx_errorf(err, errlen, "--bind %.200s: the address is too long", bind);
	memcpy(name, bind, n);
	name[n] = '\0';
	if (strcasecmp(name, "localhost") == 0)
		snprintf(name, sizeof name, "127.0.0.1");
	memset(sa, 0, sizeof *sa);
	if (inet_pton(AF_INET, name, &((struct sockaddr_in *)sa)->sin_addr) == 1) {
		((struct sockaddr_in *)sa)->sin_family = AF_INET;
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)value);
	} else if (inet_pton(AF_INET6, name, &((struct sockaddr_in6 *)sa)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)sa)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)value);
	} else {
		return kx_errorf(err, errlen, "--bind %.200s: %s is not an IPv4 or IPv6 address", bind, name);
	}
	if (!allow_remote && !kx_http_is_loopback(name))
		return kx_errorf(
		    err, errlen,
		    "--bind %.200s is not a loopback address; pass --allow-remote to listen on it", name);
	snprintf(host, host_cap, "%s", name);
	*port = (unsigned)value;
	return 0;
}

int kx_http_server_start(struct kx_http_server *s, const char *bind, int allow_remote, int idle_timeout_ms,
                         kx_http_handler handler, void *ctx, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_ERROR_LOG;
	unsigned idle_s = idle_timeout_ms > 1000 ? (unsigned)(idle_timeout_ms / 1000) : 1;

	memset(s, 0, sizeof *s);
	s->handler = handler;
	s->ctx = ctx;
	if (parse_bind(bind, allow_remote, &sa, s->host, sizeof s->host, &s->port, err, errlen) != 0)
		return -1;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(
	    flags, (uint16_t)s->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
	    MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_END);
	if (s->daemon == NULL)
		return kx_errorf(err, errlen,
		                 "cannot listen on %.200s (in use, or not an address of this machine)", bind);
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (info != NULL && info->port != 0)
		s->port = info->port;
	return 0;
}

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kx_http_server_serve(struct kx_http_server *s, int (*finished)(void *ctx), int wait_ms)
{
	long long deadline = monotonic_ms() + wait_ms;

	for (;;) {
		long long left = deadline - monotonic_ms();

		if (finished(s->ctx) && s->settled >= s->answered)
			return 0;
		if (left <= 0)
			return -1;
		MHD_run_wait(s->daemon, (int32_t)(left < 100 ? left : 100));
	}
}

void kx_http_server_stop(struct kx_http_server *s)
{
	if (s->daemon != NULL)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
}
