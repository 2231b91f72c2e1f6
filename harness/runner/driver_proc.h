/* driver_proc.h - a driver process as the runner sees it: started with pipes,
 * greeted, asked many requests at once (pipelined, in order), and stopped.
 * A driver that crashes, hangs or writes garbage fails the requests it owed,
 * with the cause in their error text; it never takes the runner down. */
#ifndef KX_DRIVER_PROC_H
#define KX_DRIVER_PROC_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

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
};

/* Starts the executable at path and reads its hello within timeout_ms; returns 0,
 * or -1 with the reason in err (the process is then already reaped). */
int kx_driver_start(struct kx_driver_proc *proc, const char *name, const char *path, int timeout_ms, char *err,
		    size_t errlen);

/* Sends n requests (each gets "id" = its index) and collects one response per
 * request into responses[i] (new references). A request the driver did not
 * answer within idle_timeout_ms of silence, or answered with garbage, gets a
 * synthetic {"ok": false, "error": cause}. Returns the number of real answers. */
size_t kx_driver_call(struct kx_driver_proc *proc, json_t **requests, size_t n, json_t **responses,
		      int idle_timeout_ms);

/* One request (id 0) written without waiting for its answer; 0, or -1 with the failure recorded. */
int kx_driver_send_one(struct kx_driver_proc *proc, json_t *request, int timeout_ms);

/* The answer to the request kx_driver_send_one wrote (a synthetic error if none came). */
json_t *kx_driver_receive_one(struct kx_driver_proc *proc, int timeout_ms);

/* The implementation text from the hello, or "unknown". */
const char *kx_driver_implementation(const struct kx_driver_proc *proc);

/* Returns 1 if the hello lists variant among capabilities.variants[op], else 0. */
int kx_driver_supports_variant(const struct kx_driver_proc *proc, const char *op, const char *variant);

/* Says bye, closes the pipes, waits briefly, kills if needed and releases everything. */
void kx_driver_stop(struct kx_driver_proc *proc);

#endif
