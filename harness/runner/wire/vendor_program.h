/* vendor_program.h - the vendor program when `kxconform live` launches it:
 * its standard input kept open, its output read for claims, its process
 * group ended at the end. Every wait is bounded, so that a program that
 * never ends costs a known time. */
#ifndef KX_VENDOR_PROGRAM_H
#define KX_VENDOR_PROGRAM_H

#include <stddef.h>
#include <sys/types.h>

/* The most output of a vendor program kept: the claims are near its start. */
#define KX_VENDOR_OUTPUT_MAX (1024 * 1024)

struct kx_vendor {
	pid_t pid;  /* -1: none launched */
	int input;  /* write end of its standard input, kept open; -1 when closed */
	int output; /* read end of its standard output and error (one pipe); -1 at EOF */
	char *text; /* everything it wrote, NUL-terminated (NUL bytes it wrote become '.') */
	size_t len, cap;
	int truncated; /* it wrote more than KX_VENDOR_OUTPUT_MAX */
	int exited;    /* it has ended (not yet reaped, so its process group id stays ours) */
	int exit_code; /* exit status, or -1 */
	int signal;    /* the signal that ended it, or 0 */
};

/* Replaces {port}, {host} and {pki} in command; returns a malloc'd string (caller frees), or NULL
 * when memory runs out. An IPv6 host before ':' is bracketed ([::1]:4433), alone it is bare. */
char *kx_vendor_expand_command(const char *command, const char *host, unsigned port, const char *pki);

/* No vendor program. */
void kx_vendor_init(struct kx_vendor *v);

/* Starts `/bin/sh -c command` in a new process group with its standard input a pipe kept open
 * and its standard output and error one pipe read by kx_vendor_read; 0, or -1 with err. */
int kx_vendor_launch(struct kx_vendor *v, const char *command, char *err, size_t errlen);

/* The descriptor to poll for its output, or -1. */
int kx_vendor_fd(const struct kx_vendor *v);

/* Reads what it wrote without waiting and notices whether it ended; returns 1 if there was new output. */
int kx_vendor_read(struct kx_vendor *v);

/* "exited with status 1", "was killed by signal 9", "is running". */
void kx_vendor_status(const struct kx_vendor *v, char *out, size_t len);

/* The last `lines` lines of its output, one line with " | " between them, into out. */
void kx_vendor_tail(const struct kx_vendor *v, int lines, char *out, size_t len);

/* Ends it: closes its input, waits briefly, then SIGTERM and SIGKILL to its process group (each
 * after a bounded wait), reaps it and reads the rest of its output. */
void kx_vendor_stop(struct kx_vendor *v);

/* Stops it if needed and frees the output. */
void kx_vendor_free(struct kx_vendor *v);

#endif
