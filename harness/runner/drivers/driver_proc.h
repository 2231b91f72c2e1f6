/* driver_proc.h - a driver process as the runner sees it: started with pipes,
 * greeted, asked many requests at once (pipelined, in order), and stopped.
 * A driver that crashes, hangs or writes garbage fails the requests it owed,
 * with the cause in their error text; it never takes the runner down. */
#ifndef KX_DRIVER_PROC_H
#define KX_DRIVER_PROC_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* The least time a driver is given to send its hello, whatever the time per answer. */
#define KX_HELLO_TIMEOUT_MS 10000

struct kx_driver_module;

struct kx_driver_proc {
	char name[64];      /* "openssl", "wolfssl" or the vendor's name */
	char path[4096];
	pid_t pid;
	int to_driver;      /* write end of its stdin, -1 when closed */
	int from_driver;    /* read end of its stdout, -1 when closed */
	json_t *hello;      /* its hello message */
	char *buf;          /* bytes read but not yet consumed as lines */
	size_t buf_start, buf_len, buf_cap; /* unconsumed bytes are buf[buf_start..buf_len) */
	char failure[256];  /* why it stopped answering, empty while healthy */
	/* Its standard error when kept (kx_driver_keep_stderr): a memory file of its own, read from
	 * stderr_taken on by kx_driver_take_stderr. */
	int stderr_kept;
	int stderr_fd;
	long long stderr_taken;
	/* An in-process end (driver_module.h) instead of a process: pid stays -1, no pipes. */
	const struct kx_driver_module *module;
	json_t *pending; /* its answer to the request kx_driver_send_one gave it, until received */
};

/* Whether drivers started from now on keep their standard error in a memory file of their own
 * (keep not 0), for kx_driver_take_stderr, instead of writing to the runner's: `run` keeps what a
 * driver says with the case it said it in, rather than interleaving it on the terminal. Set once,
 * before any driver starts. */
void kx_driver_keep_stderr(int keep);

/* What the driver wrote to its standard error since the last call, as a malloc'd NUL-terminated
 * text of at most max bytes (a longer one keeps its start and end around a note of what was cut;
 * NUL bytes become '?'), with its length in *len; NULL when it wrote nothing or its standard
 * error is not kept. */
char *kx_driver_take_stderr(struct kx_driver_proc *proc, size_t max, size_t *len);

/* Starts the executable at path and reads its hello within timeout_ms; returns 0,
 * or -1 with the reason in err (the process is then already reaped). */
int kx_driver_start(struct kx_driver_proc *proc, const char *name, const char *path, int timeout_ms, char *err,
		    size_t errlen);

/* Loads the in-process module of the reference driver executable at path (driver_module.h) as
 * proc, greeted like a process; 0, or -1 with err. Such a proc never fails or times out, and keeps
 * no standard error; a crash in its library is the runner's. */
int kx_driver_start_in_process(struct kx_driver_proc *proc, const char *name, const char *path, char *err,
			       size_t errlen);

/* Sends n requests (each gets "id" = its index) and collects one response per
 * request into responses[i] (new references). A request the driver did not
 * answer within idle_timeout_ms of silence, or answered with garbage, gets a
 * synthetic {"ok": false, "error": cause}. Returns the number of real answers. */
size_t kx_driver_call(struct kx_driver_proc *proc, json_t **requests, size_t n, json_t **responses,
		      int idle_timeout_ms);

/* Where the answers of kx_driver_stream go. */
struct kx_driver_answers {
	/* Takes the answer of driver d (its index in procs) to request i (a new
	 * reference): for each driver i = 0, 1, ... in order, each exactly once;
	 * the driver's own answer, or after it failed {"ok": false, "error": cause}. */
	void (*answer)(void *ctx, size_t d, size_t i, json_t *response);
	void *ctx;
};

#define KX_STREAM_MAX_DRIVERS 8

/* Sends the same n requests, text_len bytes of request lines already numbered
 * 0..n-1 by their "id", to every driver at once (at most KX_STREAM_MAX_DRIVERS),
 * writing to each as its pipe takes them, and hands every answer to `to` as it
 * is read, while the drivers work. A driver silent for idle_timeout_ms, or
 * answering out of order or with garbage, fails with the cause (in its
 * failure), and what it still owed is answered synthetically. Returns the number
 * of real answers over all drivers. kx_driver_call is this for one driver. */
size_t kx_driver_stream(struct kx_driver_proc *const *procs, size_t n_procs, const char *text, size_t text_len,
			size_t n, const struct kx_driver_answers *to, int idle_timeout_ms);

/* One request (id 0) written without waiting for its answer; 0, or -1 with the failure recorded. */
int kx_driver_send_one(struct kx_driver_proc *proc, json_t *request, int timeout_ms);

/* The answer to the request kx_driver_send_one wrote (a synthetic error if none came). */
json_t *kx_driver_receive_one(struct kx_driver_proc *proc, int timeout_ms);

/* 1 when the driver failed by staying silent past its timeout (its hello or an answer), else 0. */
int kx_driver_timed_out(const struct kx_driver_proc *proc);

/* The implementation text from the hello, or "unknown". */
const char *kx_driver_implementation(const struct kx_driver_proc *proc);

/* Returns 1 if the hello lists op among capabilities.operations, else 0. */
int kx_driver_supports_op(const struct kx_driver_proc *proc, const char *op);

/* Returns 1 if the hello lists variant among capabilities.variants[op], else 0. */
int kx_driver_supports_variant(const struct kx_driver_proc *proc, const char *op, const char *variant);

/* Says bye, closes the pipes, waits briefly, kills if needed and releases everything. */
void kx_driver_stop(struct kx_driver_proc *proc);

#endif
