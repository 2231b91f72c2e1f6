/* net_peer.c - sockets and the vendor program for `kxconform live`.
 *
 * Sockets are non-blocking and every wait is a poll() with a limit. The
 * vendor program runs in its own process group so that whatever it starts
 * (a shell, a wrapper script) ends with it; its exit is noticed with
 * waitid(WNOWAIT), which leaves it unreaped, so that the group id cannot be
 * reused by another process before the harness has signalled the group for
 * the last time. */
#include "runner/wire/net_peer.h"

#include "core/errors.h"
#include "core/growable.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
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

static int wait_for(int fd, short events, int wait_ms)
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
	if (wait_for(listener->fd, POLLIN, wait_ms) <= 0)
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
		error = wait_for(fd, POLLOUT, wait_ms) <= 0                       ? ETIMEDOUT
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
				wait_for(conn->fd, POLLOUT, 100);
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

/* ---- the vendor program ----------------------------------------------------- */

void kx_vendor_init(struct kx_vendor *v)
{
	memset(v, 0, sizeof *v);
	v->pid = -1;
	v->input = v->output = -1;
	v->exit_code = -1;
}

int kx_vendor_launch(struct kx_vendor *v, const char *command, char *err, size_t errlen)
{
	kx_vendor_init(v);
	v->cap = 4096;
	v->text = malloc(v->cap);
	if (v->text == NULL)
		return kx_errorf(err, errlen, "out of memory");
	v->text[0] = '\0';
	int in[2], out[2];
	if (pipe(in) != 0)
		return kx_errorf(err, errlen, "pipe: %s", strerror(errno));
	if (pipe(out) != 0) {
		close(in[0]);
		close(in[1]);
		return kx_errorf(err, errlen, "pipe: %s", strerror(errno));
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return kx_errorf(err, errlen, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		/* Nothing of the harness's (sockets, driver pipes) leaks into the vendor. */
		long max = sysconf(_SC_OPEN_MAX);
		for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close(fd);
		/* kxconform ignores SIGPIPE; the vendor gets the default back. */
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* also here, so that the group exists whichever runs first */
	close(in[0]);
	close(out[1]);
	v->pid = pid;
	v->input = in[1];
	v->output = out[0];
	fcntl(v->input, F_SETFD, FD_CLOEXEC);
	fcntl(v->output, F_SETFD, FD_CLOEXEC);
	fcntl(v->output, F_SETFL, fcntl(v->output, F_GETFL) | O_NONBLOCK);
	return 0;
}

int kx_vendor_fd(const struct kx_vendor *v)
{
	return v->output;
}

static void keep(struct kx_vendor *v, const char *buf, size_t n)
{
	if (v->len + n > KX_VENDOR_OUTPUT_MAX) {
		v->truncated = 1;
		n = KX_VENDOR_OUTPUT_MAX - v->len;
	}
	if (KX_GROW(v->text, v->cap, v->len + n + 1) != 0) {
		v->truncated = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		v->text[v->len++] = buf[i] != '\0' ? buf[i] : '.';
	v->text[v->len] = '\0';
}

int kx_vendor_read(struct kx_vendor *v)
{
	int got = 0;
	char buf[4096];
	/* Bounded: at most the output cap's worth per call. */
	for (int i = 0; v->output >= 0 && i < KX_VENDOR_OUTPUT_MAX / (int)sizeof buf; i++) {
		ssize_t n = read(v->output, buf, sizeof buf);
		if (n > 0) {
			keep(v, buf, (size_t)n);
			got = 1;
		} else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			close(v->output);
			v->output = -1;
		} else if (errno != EINTR) {
			break;
		}
	}
	if (v->pid > 0 && !v->exited) {
		siginfo_t info;
		memset(&info, 0, sizeof info);
		if (waitid(P_PID, (id_t)v->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    info.si_pid == v->pid) {
			v->exited = 1;
			if (info.si_code == CLD_EXITED)
				v->exit_code = info.si_status;
			else
				v->signal = info.si_status;
		}
	}
	return got;
}

void kx_vendor_status(const struct kx_vendor *v, char *out, size_t len)
{
	if (v->pid < 0 && !v->exited)
		snprintf(out, len, "was not launched");
	else if (!v->exited)
		snprintf(out, len, "is running");
	else if (v->signal != 0)
		snprintf(out, len, "was ended by signal %d", v->signal);
	else
		snprintf(out, len, "exited with status %d", v->exit_code);
}

void kx_vendor_tail(const struct kx_vendor *v, int lines, char *out, size_t len)
{
	out[0] = '\0';
	if (v->text == NULL || v->len == 0 || len == 0)
		return;
	size_t end = v->len;
	while (end > 0 && (v->text[end - 1] == '\n' || v->text[end - 1] == '\r'))
		end--;
	size_t start = end;
	for (int n = 0; start > 0 && n < lines; start--)
		if (v->text[start - 1] == '\n' && ++n == lines)
			break;
	size_t used = 0;
	for (size_t i = start; i < end && used + 4 < len; i++) {
		if (v->text[i] == '\r')
			continue;
		if (v->text[i] == '\n') {
			used += (size_t)snprintf(out + used, len - used, " | ");
			continue;
		}
		out[used++] = v->text[i];
		out[used] = '\0';
	}
}

/* Reads its output until it ends or ms pass. */
static void wait_exit(struct kx_vendor *v, int ms)
{
	long long until = kx_net_now_ms() + ms;
	while (!v->exited && kx_net_now_ms() < until) {
		if (v->output >= 0)
			wait_for(v->output, POLLIN, 20);
		else
			sleep_ms(10);
		kx_vendor_read(v);
	}
}

void kx_vendor_stop(struct kx_vendor *v)
{
	if (v->pid < 0)
		return;
	/* A polite end first: many programs (openssl s_server) quit when their input ends. */
	if (v->input >= 0) {
		close(v->input);
		v->input = -1;
	}
	kx_vendor_read(v);
	wait_exit(v, 300);
	if (!v->exited) {
		kill(-v->pid, SIGTERM);
		wait_exit(v, 1000);
	}
	/* The group id is still ours (the leader is not reaped): end whatever it started too. */
	kill(-v->pid, SIGKILL);
	wait_exit(v, 1000);
	int status;
	while (waitpid(v->pid, &status, 0) < 0 && errno == EINTR)
		;
	/* The rest of its output, now that every writer is gone. */
	long long until = kx_net_now_ms() + 500;
	while (v->output >= 0 && kx_net_now_ms() < until) {
		wait_for(v->output, POLLIN, 20);
		kx_vendor_read(v);
	}
	if (v->output >= 0)
		close(v->output);
	v->output = -1;
	v->pid = -1;
}

void kx_vendor_free(struct kx_vendor *v)
{
	kx_vendor_stop(v);
	if (v->input >= 0)
		close(v->input);
	free(v->text);
	kx_vendor_init(v);
}
