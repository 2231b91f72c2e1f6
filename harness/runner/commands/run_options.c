/* run_options.c - the command line of `kxconform run`: its usage text and
 * each option checked as it is read, so that a mistake is named before any
 * driver starts. */
#include "runner/commands/run_options.h"

#include "runner/commands/cli.h"
#include "runner/commands/commands.h"

#include "core/errors.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kxconform run [--suite FILE] [--profile fast|pairwise|full] [--filter GLOB]...\n"
		"                     [--list] [--jobs N]\n"
		"                     [--shard K/N [--shard-weights REPORT]] [--expect FILE]\n"
		"                     [--output DIR]\n"
		"                     [--driver NAME=PATH]... [--pki DIR] [--timeout MS]\n"
		"                     [--reference-ends in-process|process] [--requirements FILE]\n"
		"\n"
		"Runs every case of a scenario suite between every ordered pair of drivers:\n"
		"positive cases must complete and pass the cross-checks, negative and fault\n"
		"cases must be refused as the suite says.\n"
		"\n"
		"  --suite FILE        the scenario matrix (default: %s)\n"
		"  --profile NAME      which combinations of the scenarios' axes run (docs/suite.md):\n"
		"                      fast (default: every axis at its default), pairwise (every\n"
		"                      pair of values of every two axes), full (every combination)\n"
		"  --filter GLOB       only cases whose id matches (fnmatch; up to 16), e.g.\n"
		"                      'psk.*' or '*.openssl-wolfssl*'; matching no case is an error\n"
		"  --list              print the ids of the cases a run would execute, and stop; on\n"
		"                      standard error, how many each profile would select\n"
		"  --jobs N            cases run in parallel, 1 to 1024 (default: the number of\n"
		"                      cores); never more than there are cases\n"
		"  --shard K/N         run only the K-th of N stable slices of the cases (for\n"
		"                      spreading a matrix over CI jobs; join them with `kxconform merge`)\n"
		"  --shard-weights REPORT\n"
		"                      cut the --shard slices by cost: the cases' duration_ms in an\n"
		"                      earlier report.json (a case it lacks counts as its median),\n"
		"                      so the shards take about as long; every shard needs the same\n"
		"                      REPORT and filters\n"
		"  --expect FILE       expectations: disabled cases, expected failures, the key\n"
		"                      identifier reading your deployment claims (docs/reports.md)\n"
		"  --output DIR        where reports/ and captures/ are written (default: .); one\n"
		"                      run at a time, and an earlier run's files there are removed\n"
		"  --driver NAME=PATH  a driver executable (repeatable); default: the openssl and\n"
		"                      wolfssl drivers beside kxconform\n"
		"  --pki DIR           the test PKI (default: pki/ beside kxconform)\n"
		"  --timeout MS        how long a silent driver is waited for (default 5000); one\n"
		"                      that times out 3 times in a row is given up\n"
		"  --reference-ends WHERE\n"
		"                      where the harness's own OpenSSL and wolfSSL ends run:\n"
		"                      in-process (default: loaded into kxconform, several times\n"
		"                      faster) or process (one driver process each, like a vendor's\n"
		"                      driver: a crash in a library then fails only its case)\n"
		"  --requirements FILE the requirements catalogue of the report's coverage table\n"
		"                      (default: requirements/catalogue.json of the repository)\n"
		"\n"
		"Case ids read SCENARIO.TRANSPORT.INITIATOR-TERMINATOR[+AXIS=VALUE...][.VARIANT]:\n"
		"an axis at its default is not named.\n"
		"Exit status: 0 every case met its expectation; 1 a case did not; 2 usage or\n"
		"set-up error (unreadable suite or expectations, a driver that cannot start,\n"
		"an output directory in use or reports that cannot be written); 130 interrupted\n"
		"(SIGINT or SIGTERM: no case starts after it, the drivers are stopped, and the\n"
		"report holds the cases that finished before it, marked \"interrupted\"; a second\n"
		"signal ends the process at once).\n",
		KX_DEFAULT_SUITE);
}

static int parse_shard(const char *text, struct kx_run_options *opt)
{
	unsigned k = 0, n = 0;
	char tail;
	if (sscanf(text, "%u/%u%c", &k, &n, &tail) != 2 || n == 0 || k == 0 || k > n)
		return -1;
	opt->shard = k;
	opt->shards = n;
	return 0;
}

/* The options that take a value; anything else but --list and --help is refused by name. */
static int takes_value(const char *arg)
{
	static const char *const names[] = {"--suite",  "--pki",     "--output", "--expect", "--filter",
	                                    "--driver", "--timeout", "--jobs",   "--shard",
	                                    "--shard-weights", "--requirements", "--profile", "--reference-ends"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(arg, names[i]) == 0)
			return 1;
	return 0;
}

/* One option and its value into opt; 0, or -1 after saying what is wrong and the limit it broke. */
static int set_option(struct kx_run_options *opt, const char *arg, const char *value)
{
	const struct kx_cli_string strings[] = {{"--suite", &opt->suite},
	                                        {"--pki", &opt->pki},
	                                        {"--output", &opt->output},
	                                        {"--expect", &opt->expect},
	                                        {"--requirements", &opt->requirements},
	                                        {"--shard-weights", &opt->shard_weights}};
	if (kx_cli_string_option(strings, sizeof strings / sizeof strings[0], arg, value))
		return 0;
	if (strcmp(arg, "--filter") == 0) {
		if (!kx_cli_list_option(arg, "--filter", value, opt->filters, &opt->n_filters, MAX_FILTERS))
			return kx_cli_error("run", "at most %d --filter options (one glob matches many cases: 'psk.*')",
			                    MAX_FILTERS);
		return 0;
	}
	if (strcmp(arg, "--driver") == 0) {
		if (!kx_cli_list_option(arg, "--driver", value, opt->driver_specs, &opt->n_drivers, KX_MAX_DRIVERS))
			return kx_cli_error("run", "at most %d --driver options", KX_MAX_DRIVERS);
		return 0;
	}
	if (strcmp(arg, "--timeout") == 0 && !kx_cli_int(value, 1, INT_MAX, &opt->timeout_ms))
		return kx_cli_error("run", "--timeout takes milliseconds, a whole number from 1 to %d, not \"%s\"",
		                    INT_MAX, value);
	if (strcmp(arg, "--jobs") == 0 && !kx_cli_int(value, 1, MAX_JOBS, &opt->jobs))
		return kx_cli_error("run", "--jobs takes a whole number from 1 to %d, not \"%s\"", MAX_JOBS, value);
	if (strcmp(arg, "--profile") == 0 && kx_profile_from_name(value, &opt->profile) != 0)
		return kx_cli_error("run", "--profile is fast, pairwise or full, not \"%s\"", value);
	if (strcmp(arg, "--reference-ends") == 0) {
		if (strcmp(value, "in-process") != 0 && strcmp(value, "process") != 0)
			return kx_cli_error("run", "--reference-ends is in-process or process, not \"%s\"", value);
		opt->references_in_process = strcmp(value, "in-process") == 0;
	}
	if (strcmp(arg, "--shard") == 0 && parse_shard(value, opt) != 0)
		return kx_cli_error("run", "--shard takes K/N, whole numbers with 1 <= K <= N (e.g. 2/4), not \"%s\"",
		                    value);
	return 0;
}

int kx_run_parse_options(int argc, char **argv, struct kx_run_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->suite = KX_DEFAULT_SUITE;
	opt->requirements = KX_DEFAULT_REQUIREMENTS;
	opt->output = ".";
	opt->timeout_ms = 5000;
	opt->references_in_process = 1;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	/* A machine may have more cores than --jobs accepts: the default is clamped, not refused. */
	opt->jobs = cores > MAX_JOBS ? MAX_JOBS : cores > 0 ? (int)cores : 1;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (kx_cli_help(arg, usage))
			exit(KX_EXIT_OK);
		if (strcmp(arg, "--list") == 0) {
			opt->list = 1;
			continue;
		}
		if (!takes_value(arg))
			return kx_cli_unknown("run", arg);
		if (i + 1 >= argc)
			return kx_cli_error("run", "%s needs a value", arg);
		if (set_option(opt, arg, argv[++i]) != 0)
			return -1;
	}
	/* Weights without a shard would cut nothing: most likely a CI line that lost its --shard. */
	if (opt->shard_weights != NULL && opt->shards == 0)
		return kx_cli_error("run", "--shard-weights needs --shard K/N");
	return 0;
}
