/* vendor_program.c - the vendor program `kxconform live --launch` starts.
 *
 * It runs in its own process group so that whatever it starts (a shell, a
 * wrapper script) ends with it; its exit is noticed with waitid(WNOWAIT),
 * which leaves it unreaped, so that the group id cannot be reused by another
 * process before the harness has signalled the group for the last time. */
#include "runner/wire/vendor_program.h"

#include "core/errors.h"
#include "core/growable.h"
#include "runner/wire/net_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Replaces {port}, {host} and {pki} in the vendor's command; a malloc'd string. An IPv6 {host}
 * followed by ':' (a HOST:PORT, as in `-connect {host}:{port}`) is written in brackets, [::1], as
 * every tool reads an address with a port; alone (`gnutls-cli {host}`) it is bare. */
char *kx_vendor_expand_command(const char *command, const char *host, unsigned port, const char *pki)
{
	char port_text[16], bracketed[128];
	snprintf(port_text, sizeof port_text, "%u", port);
	snprintf(bracketed, sizeof bracketed, strchr(host, ':') != NULL ? "[%.120s]" : "%.120s", host);
	size_t cap = strlen(command) + 1;
	for (const char *p = command; (p = strchr(p, '{')) != NULL; p++)
		cap += strlen(pki) + strlen(bracketed) + sizeof port_text;
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	size_t n = 0;
	for (const char *p = command; *p;) {
		const char *with = strncmp(p, "{port}", 6) == 0   ? port_text
		                   : strncmp(p, "{host}", 6) == 0 ? (p[6] == ':' ? bracketed : host)
		                   : strncmp(p, "{pki}", 5) == 0  ? pki
		                                                  : NULL;
		if (with != NULL) {
			memcpy(out + n, with, strlen(with));
			n += strlen(with);
			p += strncmp(p, "{pki}", 5) == 0 ? 5 : 6;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

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
			kx_net_wait(v->output, POLLIN, 20);
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
		kx_net_wait(v->output, POLLIN, 20);
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
