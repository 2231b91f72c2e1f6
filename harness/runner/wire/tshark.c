/* tshark.c - starting tshark with the check's fields, feeding it, and collecting what it listed. */
/* pipe2 is a GNU extension of <unistd.h>. */
#define _GNU_SOURCE

#include "runner/wire/tshark.h"

#include "core/errors.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit status of the child when exec itself failed (as shells use). */
#define EXEC_FAILED 127

static const char *const fields[KX_TSHARK_FIELDS] = {
    "frame.number", "ip.src",      "tcp.srcport",        "udp.srcport",
    "tcp.dstport",  "udp.dstport", "tls.handshake.type", "dtls.handshake.type",
    "data.data"};

struct kx_tshark {
	char program[4096];
	pid_t pid;
	int input;        /* its standard input, -1 when it reads a file or once closed */
	FILE *listing;    /* its standard output */
	FILE *complaints; /* its standard error */
	int write_failed;
};

/* Finds an executable: a name with a '/' as given, otherwise along $PATH. 0, or -1. */
static int find_program(const char *name, char *out, size_t len)
{
	if (strchr(name, '/') != NULL) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) == 0 ? 0 : -1;
	}
	const char *path = getenv("PATH");
	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");
		snprintf(out, len, "%.*s/%s", (int)n, n > 0 ? path : ".", name);
		if (access(out, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -1;
}

int kx_tshark_find(char *out, size_t len, char *err, size_t errlen)
{
	const char *configured = getenv("KX_TSHARK");
	const char *wanted = configured != NULL && configured[0] != '\0' ? configured : "tshark";
	if (find_program(wanted, out, len) == 0)
		return 0;
	return kx_errorf(err, errlen, "%s not found%s; install tshark (Debian: tshark) to check that the captures decrypt",
	                 wanted, configured != NULL && configured[0] != '\0' ? " ($KX_TSHARK)" : " on the PATH");
}

static void release(struct kx_tshark *t)
{
	if (t->input >= 0)
		close(t->input);
	if (t->listing != NULL)
		fclose(t->listing);
	if (t->complaints != NULL)
		fclose(t->complaints);
	free(t);
}

struct kx_tshark *kx_tshark_start(const char *program, const char *file, char *why, size_t len)
{
	const char *argv[5 + 2 * KX_TSHARK_FIELDS + 1];
	size_t argc = 0;
	argv[argc++] = program;
	argv[argc++] = "-r";
	argv[argc++] = file != NULL ? file : "-";
	argv[argc++] = "-Tfields";
	for (size_t i = 0; i < KX_TSHARK_FIELDS; i++) {
		argv[argc++] = "-e";
		argv[argc++] = fields[i];
	}
	argv[argc] = NULL;

	struct kx_tshark *t = calloc(1, sizeof *t);
	int in[2] = {-1, -1};
	if (t == NULL || (t->input = -1, t->listing = tmpfile()) == NULL || (t->complaints = tmpfile()) == NULL ||
	    (file == NULL && pipe2(in, O_CLOEXEC) != 0)) {
		kx_errorf(why, len, "cannot start tshark: %s", strerror(errno ? errno : ENOMEM));
		if (t != NULL)
			release(t);
		return NULL;
	}
	snprintf(t->program, sizeof t->program, "%s", program);
	/* Its input is close-on-exec: a driver started later must not hold it open, or tshark would
	 * wait for the end of its stream until that driver exits. */
	fflush(NULL);
	t->pid = fork();
	if (t->pid == 0) {
		if (file == NULL) {
			dup2(in[0], STDIN_FILENO);
			close(in[0]);
			close(in[1]);
		}
		dup2(fileno(t->listing), STDOUT_FILENO);
		dup2(fileno(t->complaints), STDERR_FILENO);
		/* The runner ignores SIGPIPE; tshark gets the default back. */
		signal(SIGPIPE, SIG_DFL);
		/* execv's argv is char *const[] for historical reasons; it does not write to it. */
		execv(program, (char *const *)(void *)argv);
		_exit(EXEC_FAILED);
	}
	if (file == NULL) {
		close(in[0]);
		t->input = in[1];
		/* tshark takes about half a second to start reading: a 64 KiB pipe would stop the run
		 * after a few cases until it does. 1 MiB (the unprivileged maximum by default) holds a few
		 * hundred; a refusal leaves the default, which works, more slowly. */
		fcntl(t->input, F_SETPIPE_SZ, 1 << 20);
	}
	if (t->pid < 0) {
		kx_errorf(why, len, "cannot start tshark: %s", strerror(errno));
		release(t);
		return NULL;
	}
	return t;
}

int kx_tshark_write(struct kx_tshark *t, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0 && !t->write_failed && t->input >= 0) {
		ssize_t n = write(t->input, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			t->write_failed = 1;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	return len == 0 ? 0 : -1;
}

/* The first line of tshark's complaints that is not its warning about running as root. */
static void first_complaint(FILE *f, char *out, size_t len)
{
	char line[512];
	out[0] = '\0';
	rewind(f);
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0' && strstr(line, "This could be dangerous") == NULL) {
			size_t n = strlen(line) < len ? strlen(line) : len - 1;
			memcpy(out, line, n);
			out[n] = '\0';
			return;
		}
	}
}

/* Hands each line of f, from its start, to row; 0, or -1 when memory ran out. */
static int each_line(FILE *f, void (*row)(void *ctx, char *line), void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;
	rewind(f);
	for (;;) {
		errno = 0;
		ssize_t got = getline(&line, &cap, f);
		if (got < 0) {
			ret = errno == ENOMEM ? -1 : 0;
			break;
		}
		if (got > 0 && line[got - 1] == '\n')
			line[got - 1] = '\0';
		row(ctx, line);
	}
	free(line);
	return ret;
}

int kx_tshark_finish(struct kx_tshark *t, const char *name, void (*row)(void *ctx, char *line), void *ctx, char *why,
		     size_t len)
{
	if (t->input >= 0) {
		close(t->input);
		t->input = -1;
	}
	int status = 0;
	while (waitpid(t->pid, &status, 0) < 0 && errno == EINTR)
		;
	char complaint[400];
	first_complaint(t->complaints, complaint, sizeof complaint);
	int ret = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXEC_FAILED) {
		ret = 1;
		kx_errorf(why, len, "cannot execute %s", t->program);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		ret = kx_errorf(why, len, "tshark could not read %s (%s %d)%s%s", name,
		                WIFEXITED(status) ? "exit status" : "signal",
		                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), complaint[0] ? ": " : "",
		                complaint);
	} else if (each_line(t->listing, row, ctx) != 0) {
		ret = kx_errorf(why, len, "out of memory reading tshark's output");
	}
	release(t);
	return ret;
}

void kx_tshark_kill(struct kx_tshark *t)
{
	kill(t->pid, SIGKILL);
	while (waitpid(t->pid, NULL, 0) < 0 && errno == EINTR)
		;
	release(t);
}
