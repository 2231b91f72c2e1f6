/* net_peer.c - sockets for `kxconform live`: non-blocking, and every wait is
 * a poll() with a limit. The vendor program the harness may launch is
 * vendor_program.c's. */
#include "runner/wire/net_peer.h"

#include "core/errors.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A TCP read or a datagram: the largest a (D)TLS record run needs. */
#define READ_MAX 65536
/* How long a vendor that stopped reading may hold up a send. */
#define SEND_WAIT_MS 5000

long long kx_net_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void describe(struct kx_net_addr *addr)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (addr->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&addr->ss;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(addr->text, sizeof addr->text, "%s:%u", ip, (unsigned)ntohs(in->sin_port));
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&addr->ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		snprintf(addr->text, sizeof addr->text, "[%s]:%u", ip, (unsigned)ntohs(in6->sin6_port));
	}
}

static int loopback(const struct kx_net_addr *addr)
{
	if (addr->ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&addr->ss)->sin_addr.s_addr) >> 24) == 127;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)&addr->ss)->sin6_addr;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
	return IN6_IS_ADDR_LOOPBACK(a) || (memcmp(a->s6_addr, mapped, 12) == 0 && a->s6_addr[12] == 127);
}

int kx_net_resolve(const char *hostport, int dtls, int allow_remote, struct kx_net_addr *addr, char *err,
                   size_t errlen)
{
	memset(addr, 0, sizeof *addr);
	char host[256];
	const char *port;
	if (hostport[0] == '[') {
		const char *close = strchr(hostport, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - hostport - 1) >= sizeof host)
			return kx_errorf(err, errlen, "bad address \"%s\": expected [IPv6]:PORT", hostport);
		snprintf(host, sizeof host, "%.*s", (int)(close - hostport - 1), hostport + 1);
		port = close + 2;
	} else {
		const char *colon = strrchr(hostport, ':');
		if (colon == NULL || colon == hostport || (size_t)(colon - hostport) >= sizeof host)
			return kx_errorf(err, errlen,
			                 "bad address \"%s\": expected HOST:PORT, e.g. 127.0.0.1:4433",
			                 hostport);
		snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
		port = colon + 1;
	}
	char *end;
	long number = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || number < 0 || number > 65535)
		return kx_errorf(err, errlen, "bad port in \"%s\"", hostport);
	struct addrinfo hints, *found = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = dtls ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	int rc = getaddrinfo(host, port, &hints, &found);
	if (rc != 0 || found == NULL)
		return kx_errorf(err, errlen, "cannot resolve \"%s\": %s", host, gai_strerror(rc));
	memcpy(&addr->ss, found->ai_addr, found->ai_addrlen);
	addr->len = found->ai_addrlen;
	freeaddrinfo(found);
	describe(addr);
	if (!allow_remote && !loopback(addr))
		return kx_errorf(
		    err, errlen,
		    "%s is not a loopback address; kxconform live talks to other hosts only with "
		    "--allow-remote",
		    addr->text);
	return 0;
}

void kx_net_init(struct kx_net_conn *conn)
{
	memset(conn, 0, sizeof *conn);
	conn->fd = -1;
}

static int open_socket(int family, int dtls, char *err, size_t errlen)
{
	int fd = socket(family, dtls ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return kx_errorf(err, errlen, "socket: %s", strerror(errno));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

static void local_name(struct kx_net_conn *conn)
{
	conn->local.len = sizeof conn->local.ss;
	if (getsockname(conn->fd, (struct sockaddr *)&conn->local.ss, &conn->local.len) == 0)
		describe(&conn->local);
}

int kx_net_listen(struct kx_net_conn *listener, const struct kx_net_addr *addr, int dtls, char *err,
                  size_t errlen)
{
	kx_net_init(listener);
	listener->dtls = dtls;
	listener->fd = open_socket(addr->ss.ss_family, dtls, err, errlen);
	if (listener->fd < 0)
		return -1;
	int one = 1;
	setsockopt(listener->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(listener->fd, (const struct sockaddr *)&addr->ss, addr->len) != 0 ||
	    (!dtls && listen(listener->fd, 4) != 0)) {
		kx_errorf(err, errlen, "cannot listen on %s %s: %s", dtls ? "udp" : "tcp", addr->text,
		          strerror(errno));
		kx_net_close(listener);
		return -1;
	}
	local_name(listener);
	return 0;
}

int kx_net_wait(int fd, short events, int wait_ms)
{
	struct pollfd p = {fd, events, 0};
	int n;
	do
		n = poll(&p, 1, wait_ms < 0 ? 0 : wait_ms);
	while (n < 0 && errno == EINTR);
	return n;
}

int kx_net_accept(struct kx_net_conn *listener, struct kx_net_conn *conn, int wait_ms,
                  struct kx_chunks *first, char *err, size_t errlen)
{
	kx_net_init(conn);
	conn->dtls = listener->dtls;
	if (kx_net_wait(listener->fd, POLLIN, wait_ms) <= 0)
		return 0;
	conn->peer.len = sizeof conn->peer.ss;
	if (!listener->dtls) {
		int fd = accept(listener->fd, (struct sockaddr *)&conn->peer.ss, &conn->peer.len);
		if (fd < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
			           ? 0
			           : kx_errorf(err, errlen, "accept: %s", strerror(errno));
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		conn->fd = fd;
	} else {
		uint8_t *buf = malloc(READ_MAX);
		if (buf == NULL)
			return kx_errorf(err, errlen, "out of memory");
		ssize_t n = recvfrom(listener->fd, buf, READ_MAX, 0, (struct sockaddr *)&conn->peer.ss,
		                     &conn->peer.len);
		if (n < 0) {
			free(buf);
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
			           ? 0
			           : kx_errorf(err, errlen, "recvfrom: %s", strerror(errno));
		}
		/* From now on the socket talks to this peer only. */
		int ret =
		    connect(listener->fd, (const struct sockaddr *)&conn->peer.ss, conn->peer.len) != 0 ||
		            kx_chunks_append(first, buf, (size_t)n) != 0
		        ? kx_errorf(err, errlen, "cannot keep the datagram peer: %s", strerror(errno))
		        : 0;
		free(buf);
		if (ret != 0)
			return -1;
		conn->fd = listener->fd;
		listener->fd = -1;
	}
	describe(&conn->peer);
	local_name(conn);
	return 1;
}

int kx_net_connect(struct kx_net_conn *conn, const struct kx_net_addr *addr, int dtls, int wait_ms, char *err,
                   size_t errlen)
{
	kx_net_init(conn);
	conn->dtls = dtls;
	conn->peer = *addr;
	int fd = open_socket(addr->ss.ss_family, dtls, err, errlen);
	if (fd < 0)
		return -1;
	int rc = connect(fd, (const struct sockaddr *)&addr->ss, addr->len);
	int error = rc == 0 ? 0 : errno;
	if (error == EINPROGRESS) {
		socklen_t len = sizeof error;
		error = kx_net_wait(fd, POLLOUT, wait_ms) <= 0                    ? ETIMEDOUT
		        : getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 ? errno
		                                                                  : error;
	}
	if (error != 0) {
		close(fd);
		kx_errorf(err, errlen, "%s %s: %s", dtls ? "udp" : "tcp", addr->text, strerror(error));
		return error == ECONNREFUSED || error == ETIMEDOUT ? 0 : -1;
	}
	conn->fd = fd;
	local_name(conn);
	return 1;
}

int kx_net_send(struct kx_net_conn *conn, const struct kx_chunks *flight, char *err, size_t errlen)
{
	for (size_t i = 0; i < flight->n; i++) {
		const uint8_t *p = flight->items[i].data;
		size_t left = flight->items[i].len;
		if (conn->dtls) {
			if (send(conn->fd, p, left, 0) < 0)
				return errno == ECONNREFUSED
				           ? (kx_errorf(err, errlen,
				                        "nothing listens at udp %s (ICMP port "
				                        "unreachable)",
				                        conn->peer.text),
				              -2)
				           : kx_errorf(err, errlen, "send: %s", strerror(errno));
			continue;
		}
		long long give_up = kx_net_now_ms() + SEND_WAIT_MS;
		while (left > 0) {
			ssize_t n = send(conn->fd, p, left, 0);
			if (n > 0) {
				p += n;
				left -= (size_t)n;
			} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
				if (kx_net_now_ms() >= give_up)
					return kx_errorf(err, errlen, "the vendor read nothing for %d ms",
					                 SEND_WAIT_MS);
				kx_net_wait(conn->fd, POLLOUT, 100);
			} else {
				return kx_errorf(err, errlen, "send: %s", strerror(errno));
			}
		}
	}
	return 0;
}

int kx_net_recv(struct kx_net_conn *conn, struct kx_chunks *in, char *err, size_t errlen)
{
	uint8_t *buf = malloc(READ_MAX);
	if (buf == NULL)
		return kx_errorf(err, errlen, "out of memory");
	ssize_t n;
	do
		n = recv(conn->fd, buf, READ_MAX, 0);
	while (n < 0 && errno == EINTR);
	int ret;
	if (n > 0)
		ret = kx_chunks_append(in, buf, (size_t)n) == 0 ? 1 : kx_errorf(err, errlen, "out of memory");
	else if (n == 0 && !conn->dtls)
		ret = (kx_errorf(err, errlen, "the vendor closed the connection"), -2);
	else if (n == 0)
		ret = 1; /* an empty datagram: nothing for TLS, but something arrived */
	else if (errno == EAGAIN || errno == EWOULDBLOCK)
		ret = 0;
	else if (errno == ECONNREFUSED)
		ret = (kx_errorf(err, errlen, "nothing listens at udp %s (ICMP port unreachable)",
		                 conn->peer.text),
		       -2);
	else if (errno == ECONNRESET)
		ret = (kx_errorf(err, errlen, "the vendor reset the connection"), -2);
	else
		ret = kx_errorf(err, errlen, "recv: %s", strerror(errno));
	free(buf);
	return ret;
}

void kx_net_close(struct kx_net_conn *conn)
{
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
}
