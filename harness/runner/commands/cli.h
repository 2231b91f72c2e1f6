/* cli.h - what the subcommands share in reading their options and setting
 * up: the build's defaults, the answers to an unknown option, a stray
 * argument, a missing value or a value out of its limits (each named as
 * such), the test PKI beside the executable, and the header of the report
 * they write. Each command keeps its own options, checks and help text. */
#ifndef KX_CLI_H
#define KX_CLI_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "runner/drivers/driver_pool.h"

/* The build defines both (harness/CMakeLists.txt); these stand in elsewhere. */
#ifndef KX_DEFAULT_SUITE
#define KX_DEFAULT_SUITE "suites/onem2m.json"
#endif
#ifndef KX_VERSION
#define KX_VERSION "unknown"
#endif

/* A command's help text, written to out. */
typedef void kx_cli_usage_fn(FILE *out);

/* 1 after writing the usage to stdout when arg asks for help (--help or -h), else 0. */
int kx_cli_help(const char *arg, kx_cli_usage_fn *usage);

/* The next argument argv[*i] as one of command's options: 1 with *value NULL for one of flags, 1
 * with *value its value (*i stepped onto it) for one of valued (both NULL-terminated), or -1 after
 * kx_cli_error says what is wrong: "unknown option --bogus", "unexpected argument \"x\"" (this
 * command takes options only), "--x needs a value". */
int kx_cli_next(const char *command, int argc, char **argv, int *i, const char *const *flags,
                const char *const *valued, const char **value);

/* Reads value as option arg's whole number in [min, max] into *out: 1, or 0 after kx_cli_error
 * says "ARG takes WHAT, a whole number from MIN to MAX, not \"VALUE\"" (what: "milliseconds"). */
int kx_cli_int_option(const char *command, const char *arg, const char *value, const char *what, int min, int max,
                      int *out);

/* Appends value to list (*n of max used) for option arg: 1, or 0 after kx_cli_error says "at most
 * MAX ARG options". */
int kx_cli_list_add(const char *command, const char *arg, const char *value, const char **list, size_t *n,
                    size_t max);

/* An option that takes a string: its name and where its value goes. */
struct kx_cli_string {
	const char *name;
	const char **value;
};

/* Stores value when arg names one of the n string options; 1 if it did, else 0. */
int kx_cli_string_option(const struct kx_cli_string *options, size_t n, const char *arg, const char *value);

/* Appends value to list (*n of max used) when arg is name and the list has room; 1 if it did, else 0. */
int kx_cli_list_option(const char *arg, const char *name, const char *value, const char **list, size_t *n,
                       size_t max);

/* Sets *out to value read as a whole decimal integer; 1 if it is one and lies in [min, max], else 0
 * (and *out untouched). */
int kx_cli_int(const char *value, int min, int max, int *out);

/* Writes "kxconform COMMAND: " and the formatted reason to stderr, then where the options are
 * listed; returns -1. */
int kx_cli_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The answer to an argument a command does not know: "unknown option ARG" when it starts with
 * '-', else "unexpected argument ARG"; written as kx_cli_error does; returns -1. */
int kx_cli_unknown(const char *command, const char *arg);

/* Writes the test PKI directory into pki: given, or pki/ beside the kxconform executable. */
void kx_cli_pki_dir(const char *given, char *pki, size_t len);

/* The report's header (new reference): harness version, suite, start (UTC), host, jobs and
 * every driver of the pool with its path and implementation. */
json_t *kx_cli_report_header(const struct kx_driver_pool *pool, const char *suite, time_t started, int jobs);

#endif
