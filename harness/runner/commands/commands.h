/* commands.h - the kxconform subcommands and what they share. */
#ifndef KX_COMMANDS_H
#define KX_COMMANDS_H

#include <stddef.h>

/* Exit statuses of every subcommand (documented in `kxconform --help`); `run` also ends with
 * KX_EXIT_INTERRUPTED (128 + SIGINT, as a shell reports Ctrl-C) after SIGINT or SIGTERM. */
enum { KX_EXIT_OK = 0, KX_EXIT_FAILED = 1, KX_EXIT_USAGE = 2, KX_EXIT_INTERRUPTED = 130 };

/* `kxconform vectors`: checks every vector file on every driver; returns an exit status. */
int kx_cmd_vectors(int argc, char **argv);

/* `kxconform run`: runs the cases of a scenario suite; returns an exit status. */
int kx_cmd_run(int argc, char **argv);

/* `kxconform merge`: joins the reports of a sharded run; returns an exit status. */
int kx_cmd_merge(int argc, char **argv);

/* `kxconform http`: ESCertKE over the oneM2M HTTP binding with a vendor end-point; returns an exit status. */
int kx_cmd_http(int argc, char **argv);

/* `kxconform live`: the harness against a vendor's end-point over a socket; returns an exit status. */
int kx_cmd_live(int argc, char **argv);

/* `kxconform verify`: checks a vendor's claims offline from a capture and key log; returns an exit status. */
int kx_cmd_verify(int argc, char **argv);

#endif
