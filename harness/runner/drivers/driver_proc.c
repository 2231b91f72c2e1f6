/* driver_proc.c - starting a driver, pipelining JSON-lines requests to it and
 * reading its answers with poll(), so that thousands of derivations cost one
 * pipe round trip's latency, not thousands. Anything a driver does wrong
 * (exits, is killed, stalls, writes something that is not a response) becomes
 * an error text on the requests it still owed. */
/* F_SETPIPE_SZ (Linux) is a GNU extension of <fcntl.h>. */
#define _GNU_SOURCE

#include "runner/drivers/driver_proc.h"

#include "core/driver_module.h"
#include "core/errors.h"
#include "core/growable.h"
#include "core/json_io.h"
#include "core/json_write.h"
#include "core/json_parse.h"
#include "runner/drivers/driver_module.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Version 2 added what an end reports of its own derivations in `info`; version 1 drivers keep working. */
#define KX_PROTOCOL_MIN 1
#define KX_PROTOCOL_VERSION 2
/* The failure text of a driver that stayed silent too long; kx_driver_timed_out looks for it. */
#define NO_ANSWER "no answer in time"
#define MAX_LINE (16 * 1024 * 1024)

/* Set by kx_driver_keep_stderr; read by every worker thread as it starts drivers. */
static atomic_int keep_stderr;
/* A kept standard error is cut back to empty once this much of it has been taken. */
#define STDERR_RESET (1024 * 1024)
/* How much of a driver's standard error a failed start quotes. */
#define STDERR_QUOTED 400

void kx_driver_keep_stderr(int keep)
{
	atomic_store(&keep_stderr, keep != 0);
}

/* Records the first reason the driver stopped answering; later ones are consequences. */
static void set_failure(struct kx_driver_proc *proc, const char *why)
{
	if (proc->failure[0] == '\0')
		snprintf(proc->failure, sizeof proc->failure, "%s", why);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Reaps the process if it has exited (or waits up to wait_ms for it) and
 * describes how it ended; kills it when it outlives the wait. */
static void reap(struct kx_driver_proc *proc, int wait_ms, char *how, size_t howlen)
{
	snprintf(how, howlen, "still running");
	if (proc->pid <= 0)
		return;
	int status = 0;
	pid_t done = 0;
	for (int waited = 0; (done = waitpid(proc->pid, &status, WNOHANG)) == 0 && waited < wait_ms; waited += 5) {
		struct timespec pause = {0, 5 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	if (done == 0) {
		kill(proc->pid, SIGKILL);
		done = waitpid(proc->pid, &status, 0);
		snprintf(how, howlen, "killed after it stopped answering");
	} else if (done > 0 && WIFSIGNALED(status)) {
		snprintf(how, howlen, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (done > 0 && WIFEXITED(status)) {
		snprintf(how, howlen, "exited with status %d", WEXITSTATUS(status));
	}
	proc->pid = -1;
}

/* Reads what is available into the buffer; returns bytes read, 0 on EOF, -1 on error. */
static ssize_t fill(struct kx_driver_proc *proc)
{
	/* Consumed lines are dropped here, once per read, not once per line. */
	if (proc->buf_start > 0) {
		memmove(proc->buf, proc->buf + proc->buf_start, proc->buf_len - proc->buf_start);
		proc->buf_len -= proc->buf_start;
		proc->buf_start = 0;
	}
	if (KX_GROW(proc->buf, proc->buf_cap, proc->buf_len + 65536) != 0)
		return -1;
	ssize_t n;
	do
		n = read(proc->from_driver, proc->buf + proc->buf_len, proc->buf_cap - proc->buf_len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		proc->buf_len += (size_t)n;
	return n;
}

/* Takes one complete line out of the buffer as a parsed JSON value (NULL, with
 * its start in bad, when the line is not JSON); returns 0 when no line is complete. */
static int take_line(struct kx_driver_proc *proc, json_t **value, char *bad, size_t badlen)
{
	size_t avail = proc->buf_len - proc->buf_start;
	if (avail == 0)
		return 0; /* and buf may still be NULL */
	char *start = proc->buf + proc->buf_start;
	char *newline = memchr(start, '\n', avail);
	if (newline == NULL)
		return 0;
	size_t len = (size_t)(newline - start);
	json_error_t error;
	*value = kx_json_parse(start, len, 0, &error);
	if (*value == NULL)
		snprintf(bad, badlen, "%.*s", (int)(len < 80 ? len : 80), start);
	proc->buf_start += len + 1;
	if (proc->buf_start == proc->buf_len)
		proc->buf_start = proc->buf_len = 0;
	return 1;
}

/* Marks the driver as failed after its output ended or went wrong. */
static void lost(struct kx_driver_proc *proc, const char *what)
{
	char how[128];
	close_fd(&proc->to_driver);
	close_fd(&proc->from_driver);
	reap(proc, 200, how, sizeof how);
	char text[256];
	snprintf(text, sizeof text, "%s; driver %s", what, how);
	set_failure(proc, text);
}

/* Marks the driver as failed after it wrote a line that is not JSON, quoting its start. */
static void lost_line(struct kx_driver_proc *proc, const char *start)
{
	/* The bytes may be anything: quoted printable ASCII only, so that the
	 * failure text stays valid UTF-8 for the JSON answers it ends up in. */
	char quoted[400] = "", what[500];
	for (const unsigned char *p = (const unsigned char *)start; *p != '\0' && strlen(quoted) + 5 < sizeof quoted;
	     p++) {
		size_t used = strlen(quoted);
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			quoted[used] = (char)*p, quoted[used + 1] = '\0';
		else
			snprintf(quoted + used, sizeof quoted - used, "\\x%02x", *p);
	}
	snprintf(what, sizeof what, "it wrote a line that is not a JSON response: \"%s\"", quoted);
	lost(proc, what);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for one line within timeout_ms; returns it parsed, or NULL with the failure recorded. */
static json_t *read_message(struct kx_driver_proc *proc, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		json_t *value = NULL;
		char bad[96];
		if (take_line(proc, &value, bad, sizeof bad)) {
			if (value == NULL)
				lost_line(proc, bad);
			return value;
		}
		long long left = deadline - now_ms();
		struct pollfd pfd = {.fd = proc->from_driver, .events = POLLIN};
		int ready = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (ready == 0) {
			lost(proc, NO_ANSWER);
			return NULL;
		}
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0 || fill(proc) <= 0) {
			lost(proc, "it closed its output");
			return NULL;
		}
	}
}

/* An end not yet started: no process, no pipes, its name and path. */
static void reset(struct kx_driver_proc *proc, const char *name, const char *path)
{
	memset(proc, 0, sizeof *proc);
	proc->pid = -1;
	proc->to_driver = proc->from_driver = proc->stderr_fd = -1;
	snprintf(proc->name, sizeof proc->name, "%s", name);
	snprintf(proc->path, sizeof proc->path, "%s", path);
}

int kx_driver_start(struct kx_driver_proc *proc, const char *name, const char *path, int timeout_ms, char *err,
		    size_t errlen)
{
	reset(proc, name, path);
	if (access(path, X_OK) != 0)
		return kx_errorf(err, errlen, "driver %s: %s is not an executable file", name, path);
	if (atomic_load(&keep_stderr)) {
		/* A file, not a pipe: a driver that writes much is never blocked by a runner busy elsewhere.
		 * O_APPEND, so that its writes follow the file's end when the runner cuts it back. */
		proc->stderr_fd = memfd_create("kx-driver-stderr", MFD_CLOEXEC);
		if (proc->stderr_fd >= 0 && fcntl(proc->stderr_fd, F_SETFL, O_APPEND) != 0)
			close_fd(&proc->stderr_fd);
		proc->stderr_kept = proc->stderr_fd >= 0;
	}
	int in[2], out[2];
	if (pipe(in) != 0)
		goto fail_errno;
	if (pipe(out) != 0) {
		close(in[0]);
		close(in[1]);
		goto fail_errno;
	}
	proc->pid = fork();
	if (proc->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		if (proc->stderr_kept)
			dup2(proc->stderr_fd, STDERR_FILENO);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(path, path, (char *)NULL);
		fprintf(stderr, "kxconform: cannot run driver %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	proc->to_driver = in[1];
	proc->from_driver = out[0];
	fcntl(proc->to_driver, F_SETFD, FD_CLOEXEC);
	fcntl(proc->from_driver, F_SETFD, FD_CLOEXEC);
	if (proc->pid < 0) {
		close_fd(&proc->to_driver);
		close_fd(&proc->from_driver);
		goto fail_errno;
	}
	fcntl(proc->to_driver, F_SETFL, O_NONBLOCK);
#ifdef F_SETPIPE_SZ
	/* Linux: 1 MiB pipes (the unprivileged maximum by default) instead of
	 * 64 KiB, so that a driver answering a pipelined stream rarely waits
	 * for the runner to read its answers or write more requests. A refusal
	 * leaves the default size, which works, more slowly. */
	fcntl(proc->to_driver, F_SETPIPE_SZ, 1 << 20);
	fcntl(proc->from_driver, F_SETPIPE_SZ, 1 << 20);
#endif

	/* Starting is not answering: an interpreter or a JVM, or a loaded machine, may take seconds
	 * before the hello, however short the time given to each answer. */
	proc->hello = read_message(proc, timeout_ms > KX_HELLO_TIMEOUT_MS ? timeout_ms : KX_HELLO_TIMEOUT_MS);
	json_t *protocol = json_object_get(proc->hello, "protocol");
	const char *type = kx_json_get_string(proc->hello, "type");
	if (proc->hello == NULL) {
		kx_errorf(err, errlen, "driver %s (%s) sent no hello: %s", name, path, proc->failure);
	} else if (type == NULL || strcmp(type, "hello") != 0 || !json_is_integer(protocol)) {
		kx_errorf(err, errlen, "driver %s (%s): first line is not a hello message", name, path);
	} else if (json_integer_value(protocol) < KX_PROTOCOL_MIN || json_integer_value(protocol) > KX_PROTOCOL_VERSION) {
		kx_errorf(err, errlen, "driver %s (%s) speaks protocol %lld; this kxconform speaks %d to %d",
		          name, path, (long long)json_integer_value(protocol), KX_PROTOCOL_MIN,
		          KX_PROTOCOL_VERSION);
	} else {
		return 0;
	}
	/* What it said on the way down is usually why (a missing library, a bad option). */
	size_t said_len = 0;
	char *said = kx_driver_take_stderr(proc, STDERR_QUOTED, &said_len);
	if (said != NULL) {
		while (said_len > 0 && (said[said_len - 1] == '\n' || said[said_len - 1] == '\r'))
			said[--said_len] = '\0';
		kx_appendf(err, errlen, "; its standard error: %s", said);
	}
	free(said);
	kx_driver_stop(proc);
	return -1;

fail_errno:
	kx_errorf(err, errlen, "driver %s: cannot start %s: %s", name, path, strerror(errno));
	proc->pid = -1;
	if (proc->stderr_kept)
		close_fd(&proc->stderr_fd);
	proc->stderr_kept = 0;
	return -1;
}

static json_t *synthetic_error(size_t id, const char *why)
{
	json_t *answer = json_pack("{s:I, s:b, s:s}", "id", (json_int_t)id, "ok", 0, "error", why);
	/* A cause that is not UTF-8 must still produce an answer. */
	return answer != NULL ? answer
			      : json_pack("{s:I, s:b, s:s}", "id", (json_int_t)id, "ok", 0, "error",
					  "the driver failed (its words are not UTF-8)");
}

int kx_driver_start_in_process(struct kx_driver_proc *proc, const char *name, const char *path, char *err,
			       size_t errlen)
{
	reset(proc, name, path);
	proc->module = kx_driver_module_load(name, path, err, errlen);
	if (proc->module == NULL)
		return -1;
	proc->hello = proc->module->hello();
	return 0;
}

/* An in-process end's answers to the request lines of text, numbered 0..n-1, handed to `to` as
 * driver d's: what kx_driver_stream does for a process, by function call. */
static size_t answer_in_process(struct kx_driver_proc *proc, size_t d, const char *text, size_t text_len, size_t n,
				const struct kx_driver_answers *to)
{
	const char *line = text, *end = text + text_len;
	for (size_t i = 0; i < n; i++) {
		const char *newline = line < end ? memchr(line, '\n', (size_t)(end - line)) : NULL;
		size_t len = newline != NULL ? (size_t)(newline - line) : (size_t)(end - line);
		json_error_t error;
		json_t *request = kx_json_parse(line, len, 0, &error);
		to->answer(to->ctx, d, i,
			   request != NULL ? proc->module->answer(request) : synthetic_error(i, "malformed request"));
		json_decref(request);
		line = newline != NULL ? newline + 1 : end;
	}
	return n;
}

char *kx_driver_take_stderr(struct kx_driver_proc *proc, size_t max, size_t *len)
{
	struct stat st;
	*len = 0;
	if (!proc->stderr_kept || proc->stderr_fd < 0 || fstat(proc->stderr_fd, &st) != 0 ||
	    (long long)st.st_size <= proc->stderr_taken || max < 256)
		return NULL;
	long long end = (long long)st.st_size, size = end - proc->stderr_taken;
	/* A longer text keeps its start (what went wrong first) and its end (where it ended). */
	static const char cut[] = "\n[... %lld bytes of standard error cut ...]\n";
	long long head = size, tail = 0;
	if ((unsigned long long)size > max) {
		head = ((long long)max - (long long)sizeof cut - 24) / 2;
		tail = head;
	}
	char *text = malloc((size_t)(head + tail) + sizeof cut + 32);
	if (text == NULL)
		return NULL;
	ssize_t got = pread(proc->stderr_fd, text, (size_t)head, proc->stderr_taken);
	size_t n = got > 0 ? (size_t)got : 0;
	if (tail > 0) {
		n += (size_t)snprintf(text + n, sizeof cut + 32, cut, size - head - tail);
		got = pread(proc->stderr_fd, text + n, (size_t)tail, end - tail);
		n += got > 0 ? (size_t)got : 0;
	}
	text[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\0')
			text[i] = '?';
	proc->stderr_taken = end;
	/* Cut the file back now and then; what the driver writes in between may be lost, which only a
	 * driver writing megabytes between two cases would notice. */
	if (end >= STDERR_RESET && ftruncate(proc->stderr_fd, 0) == 0)
		proc->stderr_taken = 0;
	*len = n;
	return text;
}

/* Serialises the requests, numbered by index, as one block of lines. */
static char *serialise(json_t **requests, size_t n, size_t *len)
{
	struct kx_text block = {NULL, 0, 0};
	for (size_t i = 0; i < n; i++) {
		json_object_set_new(requests[i], "id", json_integer((json_int_t)i));
		/* kx_json_write, not kx_json_line: no string per line to allocate. */
		if (kx_json_write(&block, requests[i]) != 0 || kx_text_put_literal(&block, "\n") != 0) {
			free(block.data);
			return NULL;
		}
	}
	*len = block.len;
	return block.data != NULL ? block.data : malloc(1);
}

/* Where one driver of a stream stands. */
struct stream_end {
	struct kx_driver_proc *proc;
	size_t sent;          /* bytes of the request text written to it */
	size_t answered;      /* answers taken from it, in order */
	long long active_ms;  /* when it last read or wrote something */
};

/* Hands over every complete answer line the driver has written; -1 once the
 * driver failed (an answer out of order, or a line that is not JSON). */
static int take_answers(struct stream_end *end, size_t d, size_t n, const struct kx_driver_answers *to)
{
	json_t *value = NULL;
	char bad[96];
	while (end->answered < n && take_line(end->proc, &value, bad, sizeof bad)) {
		json_t *id = json_object_get(value, "id");
		if (value == NULL) {
			lost_line(end->proc, bad);
			return -1;
		}
		if (!json_is_integer(id) || json_integer_value(id) != (json_int_t)end->answered ||
		    !json_is_boolean(json_object_get(value, "ok"))) {
			json_decref(value);
			lost(end->proc, "it answered out of order or with something that is not a response");
			return -1;
		}
		to->answer(to->ctx, d, end->answered++, value);
	}
	return 0;
}

size_t kx_driver_stream(struct kx_driver_proc *const *procs, size_t n_procs, const char *text, size_t text_len,
			size_t n, const struct kx_driver_answers *to, int idle_timeout_ms)
{
	struct stream_end ends[KX_STREAM_MAX_DRIVERS];
	struct pollfd pfd[2 * KX_STREAM_MAX_DRIVERS];
	size_t real = 0;
	if (n_procs > KX_STREAM_MAX_DRIVERS)
		n_procs = KX_STREAM_MAX_DRIVERS;
	for (size_t d = 0; d < n_procs; d++) {
		ends[d] = (struct stream_end){procs[d], 0, 0, now_ms()};
		if (procs[d]->module != NULL) {
			ends[d].answered = answer_in_process(procs[d], d, text, text_len, n, to);
			real += n;
		}
	}

	for (;;) {
		/* Answers already read first; then wait for any driver that still owes some. */
		size_t waiting = 0;
		long long now = now_ms(), wait_ms = idle_timeout_ms;
		for (size_t d = 0; d < n_procs; d++) {
			struct stream_end *end = &ends[d];
			pfd[2 * d].fd = pfd[2 * d + 1].fd = -1;
			if (end->proc->failure[0] != '\0' || end->answered == n)
				continue;
			size_t before = end->answered;
			int healthy = take_answers(end, d, n, to) == 0;
			real += end->answered - before;
			if (!healthy || end->answered == n)
				continue;
			long long left = end->active_ms + idle_timeout_ms - now;
			if (left <= 0) {
				lost(end->proc, NO_ANSWER);
				continue;
			}
			wait_ms = left < wait_ms ? left : wait_ms;
			pfd[2 * d] = (struct pollfd){.fd = end->proc->from_driver, .events = POLLIN};
			pfd[2 * d + 1] = (struct pollfd){.fd = end->sent < text_len ? end->proc->to_driver : -1,
							 .events = POLLOUT};
			waiting++;
		}
		if (waiting == 0)
			break;
		int ready = poll(pfd, 2 * n_procs, (int)wait_ms);
		if (ready < 0 && errno != EINTR) {
			for (size_t d = 0; d < n_procs; d++)
				if (pfd[2 * d].fd >= 0)
					lost(ends[d].proc, "poll failed");
			break;
		}
		now = now_ms();
		for (size_t d = 0; ready > 0 && d < n_procs; d++) {
			struct stream_end *end = &ends[d];
			if (pfd[2 * d + 1].revents & (POLLOUT | POLLERR | POLLHUP)) {
				ssize_t w = write(end->proc->to_driver, text + end->sent, text_len - end->sent);
				if (w > 0) {
					end->sent += (size_t)w;
					end->active_ms = now;
				} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
					lost(end->proc, "it closed its input");
					continue;
				}
			}
			if (pfd[2 * d].revents & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t r = fill(end->proc);
				if (r <= 0 || end->proc->buf_len - end->proc->buf_start > MAX_LINE)
					lost(end->proc, r <= 0 ? "it closed its output" : "it wrote an over-long line");
				else
					end->active_ms = now;
			}
		}
	}
	/* What a failed driver still owed, each with the cause. */
	for (size_t d = 0; d < n_procs; d++)
		for (size_t i = ends[d].answered; i < n; i++)
			to->answer(to->ctx, d, i,
				   synthetic_error(i, procs[d]->failure[0] ? procs[d]->failure : "not answered"));
	return real;
}

/* kx_driver_call's half of a stream: the answers go into its array. */
static void store_answer(void *ctx, size_t d, size_t i, json_t *response)
{
	(void)d;
	((json_t **)ctx)[i] = response;
}

size_t kx_driver_call(struct kx_driver_proc *proc, json_t **requests, size_t n, json_t **responses,
		      int idle_timeout_ms)
{
	if (proc->module != NULL) {
		for (size_t i = 0; i < n; i++) {
			json_object_set_new(requests[i], "id", json_integer((json_int_t)i));
			responses[i] = proc->module->answer(requests[i]);
		}
		return n;
	}
	size_t block_len = 0;
	char *block = proc->failure[0] == '\0' ? serialise(requests, n, &block_len) : NULL;
	if (block == NULL)
		set_failure(proc, "out of memory");
	struct kx_driver_answers to = {store_answer, responses};
	size_t answered = kx_driver_stream(&proc, 1, block, block_len, n, &to, idle_timeout_ms);
	free(block);
	return answered;
}

int kx_driver_send_one(struct kx_driver_proc *proc, json_t *request, int timeout_ms)
{
	if (proc->module != NULL) {
		json_object_set_new(request, "id", json_integer(0));
		json_decref(proc->pending);
		proc->pending = proc->module->answer(request);
		return 0;
	}
	size_t len = 0, sent = 0;
	char *block = proc->failure[0] == '\0' ? serialise(&request, 1, &len) : NULL;
	while (block != NULL && sent < len) {
		struct pollfd pfd = {.fd = proc->to_driver, .events = POLLOUT};
		int ready = poll(&pfd, 1, timeout_ms);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0) {
			lost(proc, NO_ANSWER);
			break;
		}
		ssize_t w = write(proc->to_driver, block + sent, len - sent);
		if (w > 0)
			sent += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			lost(proc, "it closed its input");
			break;
		}
	}
	free(block);
	return sent == len && len > 0 ? 0 : -1;
}

json_t *kx_driver_receive_one(struct kx_driver_proc *proc, int timeout_ms)
{
	if (proc->module != NULL) {
		json_t *pending = proc->pending;
		proc->pending = NULL;
		return pending != NULL ? pending : synthetic_error(0, "no request was sent");
	}
	json_t *value = proc->failure[0] == '\0' ? read_message(proc, timeout_ms) : NULL;
	json_t *id = json_object_get(value, "id");
	if (value != NULL && (!json_is_integer(id) || json_integer_value(id) != 0 ||
			      !json_is_boolean(json_object_get(value, "ok")))) {
		json_decref(value);
		value = NULL;
		lost(proc, "it answered out of order or with something that is not a response");
	}
	return value != NULL ? value : synthetic_error(0, proc->failure[0] ? proc->failure : "not answered");
}

int kx_driver_timed_out(const struct kx_driver_proc *proc)
{
	return strncmp(proc->failure, NO_ANSWER, sizeof NO_ANSWER - 1) == 0;
}

const char *kx_driver_implementation(const struct kx_driver_proc *proc)
{
	const char *text = kx_json_get_string(proc->hello, "implementation");
	return text != NULL ? text : "unknown";
}

int kx_driver_supports_op(const struct kx_driver_proc *proc, const char *op)
{
	return kx_json_array_has_string(json_object_get(json_object_get(proc->hello, "capabilities"), "operations"), op);
}

int kx_driver_supports_variant(const struct kx_driver_proc *proc, const char *op, const char *variant)
{
	json_t *variants = json_object_get(json_object_get(json_object_get(proc->hello, "capabilities"), "variants"), op);
	return kx_json_array_has_string(variants, variant);
}

void kx_driver_stop(struct kx_driver_proc *proc)
{
	if (proc->module != NULL) {
		proc->module->close_sessions();
		json_decref(proc->pending);
		proc->pending = NULL;
		json_decref(proc->hello);
		proc->hello = NULL;
		proc->module = NULL;
		return;
	}
	if (proc->to_driver >= 0) {
		static const char bye[] = "{\"op\":\"bye\"}\n";
		ssize_t ignored = write(proc->to_driver, bye, sizeof bye - 1);
		(void)ignored;
	}
	close_fd(&proc->to_driver);
	close_fd(&proc->from_driver);
	char how[128];
	int was_running = proc->pid > 0;
	reap(proc, 1000, how, sizeof how);
	/* A driver that was healthy must leave cleanly after "bye"; anything else
	 * (a sanitizer's exit status, a crash on the way out) is worth a word. */
	if (was_running && proc->failure[0] == '\0' && strcmp(how, "exited with status 0") != 0)
		fprintf(stderr, "kxconform: driver %s %s after its last request\n", proc->name, how);
	/* Kept words no case took (said on the way out: a leak report) go where they would have gone. */
	size_t said_len = 0;
	char *said = kx_driver_take_stderr(proc, 64 * 1024, &said_len);
	if (said != NULL) {
		fprintf(stderr, "kxconform: driver %s wrote to its standard error after its last case:\n%s%s", proc->name,
		        said, said_len > 0 && said[said_len - 1] == '\n' ? "" : "\n");
		free(said);
	}
	if (proc->stderr_kept)
		close_fd(&proc->stderr_fd);
	proc->stderr_kept = 0;
	json_decref(proc->hello);
	proc->hello = NULL;
	free(proc->buf);
	proc->buf = NULL;
	proc->buf_start = proc->buf_len = proc->buf_cap = 0;
}
