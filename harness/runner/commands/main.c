/* main.c - kxconform, the conformance runner: dispatches to a subcommand. */
#include "runner/commands/commands.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef KX_VERSION
#define KX_VERSION "unknown"
#endif

/* The commands, in the order usage lists them. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"vectors", kx_cmd_vectors, "check every test vector (vectors/*.json) on every driver"},
	{"run", kx_cmd_run, "run the scenario cases (suites/*.json) between every pair of drivers"},
	{"merge", kx_cmd_merge, "join the reports of a sharded run into one"},
	{"http", kx_cmd_http, "ESCertKE over the oneM2M HTTP binding with a vendor end-point"},
	{"live", kx_cmd_live, "the harness against a vendor's end-point over TCP or UDP, checking its claims"},
	{"verify", kx_cmd_verify, "check a vendor's claims offline, from a capture and its key log"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: kxconform COMMAND [OPTIONS]\n"
		     "\n"
		     "The oneM2M end-to-end key establishment conformance harness.\n"
		     "\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n"
		     "Run `kxconform COMMAND --help` for a command's options.\n"
		     "\n"
		     "Exit status: 0 when everything met its expectation, 1 when anything did\n"
		     "not, 2 for a usage or set-up error (missing driver, unreadable vectors).\n");
}

int main(int argc, char **argv)
{
	/* A driver that dies mid-write must be an error on its requests, not our death. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? KX_EXIT_USAGE : KX_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("kxconform %s\n", KX_VERSION);
		return KX_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "kxconform: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return KX_EXIT_USAGE;
}
