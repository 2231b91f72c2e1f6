/* tshark.h - one tshark process that lists the fields the capture check reads (capture_check.h),
 * either from a pcapng file or from a pcapng stream written to it while the cases run. Fed as the
 * cases finish, tshark dissects on the other core while the runner works, instead of all at the
 * end of the run (bench/RESULTS.md, 2a). Its output goes to an unlinked temporary file, so a
 * tshark that writes faster than anyone reads never blocks, and nobody needs to read it early. */
#ifndef KX_TSHARK_H
#define KX_TSHARK_H

#include <stddef.h>

/* The fields tshark lists, one tab-separated column each, in this order. */
enum kx_tshark_field {
	KX_TSHARK_FRAME,
	KX_TSHARK_SRC,
	KX_TSHARK_TCP_SPORT,
	KX_TSHARK_UDP_SPORT,
	KX_TSHARK_TCP_DPORT,
	KX_TSHARK_UDP_DPORT,
	KX_TSHARK_TLS_HS,
	KX_TSHARK_DTLS_HS,
	KX_TSHARK_DATA,
	KX_TSHARK_FIELDS
};

struct kx_tshark;

/* The tshark to use: $KX_TSHARK if set, else "tshark" on the PATH, into out; 0, or -1 with err
 * saying what is missing and how to install it. */
int kx_tshark_find(char *out, size_t len, char *err, size_t errlen);

/* Starts the tshark at program reading file, or its standard input when file is NULL; the process,
 * or NULL with why. */
struct kx_tshark *kx_tshark_start(const char *program, const char *file, char *why, size_t len);

/* Writes len bytes of pcapng to a tshark reading its standard input, waiting while it catches up;
 * 0, or -1 once it has stopped reading (kx_tshark_finish then says why). */
int kx_tshark_write(struct kx_tshark *t, const void *data, size_t len);

/* Ends its input, waits for it, hands each line it listed (without its newline, in place) to row,
 * and frees t. 0; 1 when tshark could not be executed at all; -1 when it ran and failed; why says
 * what went wrong (naming `name`, what it read). */
int kx_tshark_finish(struct kx_tshark *t, const char *name, void (*row)(void *ctx, char *line), void *ctx, char *why,
		     size_t len);

/* Kills it and frees t (an interrupted run). */
void kx_tshark_kill(struct kx_tshark *t);

#endif
