/* net_peer.h - the network side of `kxconform live`: where the vendor's
 * end-point is (loopback only unless the user allows otherwise), and the
 * socket through which the harness's end of the session talks to it. The
 * vendor program the harness may launch is vendor_program.h's.
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

/* Waits up to wait_ms (a negative wait: none) for events on fd, through EINTR; returns poll()'s
 * count: 1 ready, 0 not within the wait, -1 error. */
int kx_net_wait(int fd, short events, int wait_ms);

/* Closes the socket. */
void kx_net_close(struct kx_net_conn *conn);

#endif
