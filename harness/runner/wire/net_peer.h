/* net_peer.h - the network side of `kxconform live`: where the vendor's
 * end-point is (loopback only unless the user allows otherwise), the socket
 * through which the harness's end of the session talks to it, and the vendor
 * program when the harness launches it (its standard input kept open, its
 * output read for claims, its process group ended at the end).
 *
 * Everything here is non-blocking and bounded: each wait takes a limit in
 * milliseconds, so that a peer that never answers costs a known time. */
#ifndef KX_NET_PEER_H
#define KX_NET_PEER_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "core/chunks.h"

/* Monotonic milliseconds. */
long long kx_net_now_ms(void);

struct kx_net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[96]; /* "127.0.0.1:4433", "[::1]:4433" */
};

/* Resolves "HOST:PORT" ("127.0.0.1:4433", "[::1]:4433", "localhost:4433"); refuses an address
 * that is not loopback unless allow_remote. 0, or -1 with err. */
int kx_net_resolve(const char *hostport, int dtls, int allow_remote, struct kx_net_addr *addr, char *err,
                   size_t errlen);

struct kx_net_conn {
	int fd; /* -1 when closed */
	int dtls;
	struct kx_net_addr local, peer;
};

/* An unopened connection. */
void kx_net_init(struct kx_net_conn *conn);

/* Binds (and for TCP listens) at addr; port 0 picks a free port, which local.text then shows.
 * 0, or -1 with err. */
int kx_net_listen(struct kx_net_conn *listener, const struct kx_net_addr *addr, int dtls, char *err,
                  size_t errlen);

/* Waits up to wait_ms for the peer: TCP accepts a connection; UDP takes the first datagram (into
 * first) and connects the socket to its sender, which then owns the listener's socket. Returns 1
 * connected, 0 nobody yet, -1 error (err). */
int kx_net_accept(struct kx_net_conn *listener, struct kx_net_conn *conn, int wait_ms,
                  struct kx_chunks *first, char *err, size_t errlen);

/* One attempt to reach addr, waiting up to wait_ms: returns 1 connected (UDP: at once), 0 refused
 * or not answered yet (try again), -1 error (err). */
int kx_net_connect(struct kx_net_conn *conn, const struct kx_net_addr *addr, int dtls, int wait_ms, char *err,
                   size_t errlen);

/* Sends a flight: TCP all its bytes, UDP one datagram per chunk; 0, or -1 with err. */
int kx_net_send(struct kx_net_conn *conn, const struct kx_chunks *flight, char *err, size_t errlen);

/* Reads what is there without waiting: TCP what is available as one chunk, UDP one datagram.
 * Returns 1 data appended to in, 0 nothing yet, -1 error (err), -2 the peer closed (TCP) or
 * nothing listens (UDP: ICMP port unreachable). */
int kx_net_recv(struct kx_net_conn *conn, struct kx_chunks *in, char *err, size_t errlen);

/* Closes the socket. */
void kx_net_close(struct kx_net_conn *conn);

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
