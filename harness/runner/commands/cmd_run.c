/* cmd_run.c - `kxconform run`: the cases of a suite on the pool's drivers,
 * spread over --jobs worker threads (each with its own driver processes),
 * filtered, sharded and judged against an optional expectations file; a
 * progress line per case (or one updating line on a terminal), a summary
 * with every unmet expectation and its diagnosis, and the reports. */
#include "runner/wire/capture.h"
#include "runner/wire/capture_check.h"
#include "runner/cases/case_run.h"
#include "runner/commands/cli.h"
#include "runner/commands/commands.h"
#include "runner/drivers/driver_pool.h"
#include "runner/cases/expectations.h"
#include "runner/reports/output_dir.h"
#include "runner/reports/report.h"
#include "runner/reports/report_view.h"
#include "runner/reports/requirements.h"
#include "runner/cases/suite.h"

#include "core/errors.h"
#include "core/json_io.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILTERS 16
/* The upper end of --jobs. Workers are threads, allocated for the run, each with its own driver
 * processes; the run uses no more of them than it has cases, or than the open-file limit allows. */
#define MAX_JOBS 1024

struct options {
	const char *suite;
	const char *pki;
	const char *output;
	const char *expect;
	const char *requirements;
	const char *filters[MAX_FILTERS];
	size_t n_filters;
	const char *driver_specs[KX_MAX_DRIVERS];
	size_t n_drivers;
	int list;
	int timeout_ms;
	int jobs;
	unsigned shard, shards; /* run slice `shard` (1-based) of `shards`; 0/0: all */
	const char *shard_weights; /* an earlier report whose case durations cut the shards; NULL: by id */
	enum kx_profile profile; /* which combinations of the scenarios' axes run */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kxconform run [--suite FILE] [--profile fast|pairwise|full] [--filter GLOB]...\n"
		"                     [--list] [--jobs N]\n"
		"                     [--shard K/N [--shard-weights REPORT]] [--expect FILE]\n"
		"                     [--output DIR]\n"
		"                     [--driver NAME=PATH]... [--pki DIR] [--timeout MS]\n"
		"                     [--requirements FILE]\n"
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

static int parse_shard(const char *text, struct options *opt)
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
	                                    "--shard-weights", "--requirements", "--profile"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(arg, names[i]) == 0)
			return 1;
	return 0;
}

/* One option and its value into opt; 0, or -1 after saying what is wrong and the limit it broke. */
static int set_option(struct options *opt, const char *arg, const char *value)
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
	if (strcmp(arg, "--shard") == 0 && parse_shard(value, opt) != 0)
		return kx_cli_error("run", "--shard takes K/N, whole numbers with 1 <= K <= N (e.g. 2/4), not \"%s\"",
		                    value);
	return 0;
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->suite = KX_DEFAULT_SUITE;
	opt->requirements = KX_DEFAULT_REQUIREMENTS;
	opt->output = ".";
	opt->timeout_ms = 5000;
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

/* FNV-1a: a shard depends on the case id alone, so slices stay stable when
 * other cases are added. */
static uint32_t id_hash(const char *id)
{
	uint32_t h = 2166136261u;
	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return h;
}

/* The stable slice by id, for a run without --shard-weights (or without --shard: every case). */
static int in_hashed_shard(const struct options *opt, const char *id)
{
	return opt->shards == 0 || id_hash(id) % opt->shards == opt->shard - 1;
}

static int matches_filters(const struct options *opt, const char *id)
{
	if (opt->n_filters == 0)
		return 1;
	for (size_t i = 0; i < opt->n_filters; i++)
		if (fnmatch(opt->filters[i], id, 0) == 0)
			return 1;
	return 0;
}

/* A case of the weighted cut and what an earlier run says it costs. */
struct weighted {
	size_t index; /* into suite->cases */
	const char *id;
	double ms;
};

/* Longest first; equal costs by id, so every shard of a CI job computes the same order. */
static int by_cost(const void *a, const void *b)
{
	const struct weighted *x = a, *y = b;
	if (x->ms != y->ms)
		return x->ms > y->ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int ascending(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Each of the n cases' duration_ms in the report at path, into w[].ms; a case the report lacks
 * (added to the suite since, or filtered out then) costs the median of the report's cases, so a
 * new case neither piles onto one shard nor counts as free. 0, or -1 with err. */
static int read_weights(const char *path, struct weighted *w, size_t n, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *report = json_load_file(path, 0, &jerr);
	if (report == NULL && jerr.line > 0)
		return kx_errorf(err, errlen, "--shard-weights %s: line %d: %s", path, jerr.line, jerr.text);
	if (report == NULL)
		return kx_errorf(err, errlen, "--shard-weights %s: %s", path, jerr.text);
	json_t *list = json_object_get(report, "cases");
	if (!json_is_array(list)) {
		json_decref(report);
		return kx_errorf(err, errlen, "--shard-weights %s: not a kxconform report (no \"cases\" array)", path);
	}
	/* By id, for one look-up per case rather than a scan of the report. */
	json_t *by_id = json_object();
	double *known = calloc(json_array_size(list) + 1, sizeof *known);
	size_t n_known = 0, i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		const char *id = kx_json_get_string(c, "id");
		json_t *ms = json_object_get(c, "duration_ms");
		if (id == NULL || !json_is_number(ms) || json_number_value(ms) < 0)
			continue;
		json_object_set_new(by_id, id, json_real(json_number_value(ms)));
		if (known != NULL)
			known[n_known++] = json_number_value(ms);
	}
	if (known == NULL || by_id == NULL) {
		free(known);
		json_decref(by_id);
		json_decref(report);
		return kx_errorf(err, errlen, "--shard-weights %s: out of memory", path);
	}
	/* A report with no durations (a run that could not start) cuts as evenly by count. */
	double median = 1.0;
	if (n_known > 0) {
		qsort(known, n_known, sizeof *known, ascending);
		median = n_known % 2 ? known[n_known / 2] : (known[n_known / 2 - 1] + known[n_known / 2]) / 2;
	} else {
		fprintf(stderr, "kxconform run: warning: --shard-weights %s holds no case durations: every case "
		        "counts the same\n", path);
	}
	for (size_t k = 0; k < n; k++) {
		json_t *ms = json_object_get(by_id, w[k].id);
		w[k].ms = ms != NULL ? json_real_value(ms) : median;
	}
	free(known);
	json_decref(by_id);
	json_decref(report);
	return 0;
}

/* Narrows cases (*n of them, filtered, in suite order) to this run's shard of a cut by cost: longest
 * case first onto the shard with the least so far (the lowest-numbered on a tie), so the shards'
 * totals come out close. Every shard computes the whole cut and keeps its own part: the union is the
 * filtered cases, no case twice, the same on every run with the same report. 0, or -1 with err. */
static int weighted_shard(const struct options *opt, const struct kx_suite *suite, size_t *cases, size_t *n,
                          char *err, size_t errlen)
{
	struct weighted *w = calloc(*n + 1, sizeof *w);
	double *load = calloc(opt->shards, sizeof *load);
	unsigned char *mine = calloc(suite->n_cases + 1, 1);
	int rc = 0;
	if (w == NULL || load == NULL || mine == NULL) {
		rc = kx_errorf(err, errlen, "--shard-weights: out of memory");
		goto out;
	}
	for (size_t i = 0; i < *n; i++)
		w[i] = (struct weighted){cases[i], suite->cases[cases[i]].id, 0};
	if ((rc = read_weights(opt->shard_weights, w, *n, err, errlen)) != 0)
		goto out;
	qsort(w, *n, sizeof *w, by_cost);
	for (size_t i = 0; i < *n; i++) {
		unsigned lightest = 0;
		for (unsigned s = 1; s < opt->shards; s++)
			if (load[s] < load[lightest])
				lightest = s;
		load[lightest] += w[i].ms;
		if (lightest == opt->shard - 1)
			mine[w[i].index] = 1;
	}
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++)
		if (mine[cases[i]])
			cases[kept++] = cases[i];
	*n = kept;
out:
	free(w);
	free(load);
	free(mine);
	return rc;
}

/* --list: how many cases the filters select in each profile, on standard error (standard output
 * stays the ids alone), so that a CI can see what --profile would cost before it runs it. */
static void print_profile_counts(const struct options *opt, const struct kx_suite *suite,
                                 const struct kx_driver_pool *pool, const char *pki, size_t listed)
{
	char line[512], err[1024];
	snprintf(line, sizeof line, "kxconform run: %zu case%s listed", listed, listed == 1 ? "" : "s");
	if (opt->shards > 0)
		kx_appendf(line, sizeof line, " (shard %u/%u)", opt->shard, opt->shards);
	kx_appendf(line, sizeof line, "; %s, --profile", opt->n_filters > 0 ? "with these filters" : "in all");
	for (int p = 0; p < KX_PROFILE_COUNT; p++) {
		struct kx_suite other;
		const struct kx_suite *counted = suite;
		if ((enum kx_profile)p != opt->profile) {
			if (kx_suite_load_profile(opt->suite, pki, pool, (enum kx_profile)p, &other, err, sizeof err) != 0) {
				kx_suite_free(&other);
				continue;
			}
			counted = &other;
		}
		size_t n = 0;
		for (size_t i = 0; i < counted->n_cases; i++)
			n += matches_filters(opt, counted->cases[i].id);
		kx_appendf(line, sizeof line, "%s %s %zu", p > 0 ? "," : "", kx_profile_name((enum kx_profile)p), n);
		if (counted != suite)
			kx_suite_free(&other);
	}
	fprintf(stderr, "%s cases\n", line);
}

/* A --filter that matches no case of the suite is a typo or a stale CI setting: a run of
 * nothing would pass. Shards are not counted: a small filter may leave one slice empty. 0, or -1
 * with err. */
static int check_filters(const struct options *opt, const struct kx_suite *suite, char *err, size_t errlen)
{
	if (opt->n_filters == 0)
		return 0;
	for (size_t i = 0; i < suite->n_cases; i++)
		for (size_t f = 0; f < opt->n_filters; f++)
			if (fnmatch(opt->filters[f], suite->cases[i].id, 0) == 0)
				return 0;
	char globs[1024] = "";
	for (size_t f = 0; f < opt->n_filters; f++)
		kx_appendf(globs, sizeof globs, "%s'%s'", f > 0 ? ", " : "", opt->filters[f]);
	return kx_errorf(err, errlen,
	                 "no case matches --filter %s among the %zu cases of %s (the drivers' names are part of the "
	                 "ids; `kxconform run --list` lists them)",
	                 globs, suite->n_cases, opt->suite);
}

struct unmatched_ctx {
	const char *path;
};

static void warn_unmatched(void *ctx, const char *member, const char *glob)
{
	fprintf(stderr, "kxconform run: warning: %s: \"%s\" entry \"%s\" matches no case of the suite\n",
	        ((struct unmatched_ctx *)ctx)->path, member, glob);
}

/* An expectations entry that matches nothing does nothing: most likely a misspelt id, or a
 * case the suite renamed, so the vendor's statement silently stopped applying. */
static void warn_unmatched_expectations(const struct options *opt, const struct kx_expectations *expect,
                                        const struct kx_suite *suite)
{
	const char **ids = calloc(suite->n_cases + 1, sizeof *ids);
	if (opt->expect == NULL || ids == NULL) {
		free(ids);
		return;
	}
	for (size_t i = 0; i < suite->n_cases; i++)
		ids[i] = suite->cases[i].id;
	struct unmatched_ctx ctx = {opt->expect};
	kx_expectations_unmatched(expect, ids, suite->n_cases, warn_unmatched, &ctx);
	free(ids);
}

static double now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
}

/* The signal (SIGINT or SIGTERM) that interrupted the run, 0 while none has: set by the
 * handler, read by the workers between cases. A lock-free atomic, so both are safe. */
static atomic_int interrupted_by;

static void on_interrupt(int sig)
{
	atomic_store(&interrupted_by, sig);
}

/* SIGINT and SIGTERM stop the run between cases (a case in flight ends, bounded by --timeout, and
 * is left out); SA_RESETHAND lets a second one end the process at once, for someone who will not
 * wait even that long. */
static void catch_interrupts(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Whether the run was interrupted, fixed from now on: later SIGINT and SIGTERM stay pending until
 * the process ends, so the report says what the exit status says. */
static int interrupted_for_good(void)
{
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &both, NULL);
	return atomic_load(&interrupted_by);
}

/* Shared by the worker threads; everything below `lock` is guarded by it. */
struct run {
	const struct options *opt;
	const struct kx_suite *suite;
	const struct kx_expectations *expect;
	const size_t *cases; /* indexes into suite->cases, in suite order */
	size_t n;
	json_t **results;
	int tty;
	pthread_mutex_t lock;
	size_t next, done, unmet;
	int timeouts[KX_MAX_DRIVERS]; /* each driver's timeouts since a case it played without one */
	char setup_error[600];
};

/* Applies the expectations file to a finished case: an expected failure that
 * happened is met ("xfail"), one that did not happen is not ("xpass"). */
static void apply_expected_failure(json_t *result, const char *reason)
{
	int met = json_is_true(json_object_get(result, "met"));
	json_object_set_new(result, "expectation", json_string(met ? "xpass" : "xfail"));
	json_object_set_new(result, "expectation_reason", json_string(reason));
	json_object_set_new(result, "met", json_boolean(!met));
	if (met) {
		const char *diagnosis = kx_json_get_string(result, "diagnosis");
		json_object_set_new(result, "diagnosis",
				    json_sprintf("the expectations file says this case fails (%s), but it met the "
						 "suite's expectation%s%s",
						 reason, diagnosis && *diagnosis ? ": " : "", diagnosis ? diagnosis : ""));
	}
}

static json_t *disabled_result(const struct kx_driver_pool *pool, const struct kx_case *c, const char *reason)
{
	json_t *result = kx_case_result_new(pool, c);
	json_object_set_new(result, "result", json_string(KX_RESULT_SKIP));
	json_object_set_new(result, "met", json_true());
	json_object_set_new(result, "expectation", json_string("disabled"));
	json_object_set_new(result, "diagnosis", json_sprintf("disabled by the expectations file: %s", reason));
	json_object_set_new(result, "duration_ms", json_real(0));
	return result;
}

/* A case not run because the pool gave up on one of its drivers (kx_pool_gave_up says why). */
static json_t *not_run_result(const struct kx_driver_pool *pool, const struct kx_case *c, const char *why)
{
	json_t *result = kx_case_result_new(pool, c);
	json_object_set_new(result, "result", json_string(KX_RESULT_ERROR));
	json_object_set_new(result, "met", json_false());
	json_object_set_new(result, "diagnosis", json_string(why));
	json_object_set_new(result, "duration_ms", json_real(0));
	return result;
}

/* Carries a case's timeouts into the run's count (run->lock held): the ones it added, each driver's;
 * and for the two ends of a case that ran without a timeout of theirs, a fresh start. */
static void count_timeouts(struct run *run, const struct kx_driver_pool *pool, const int before[KX_MAX_DRIVERS],
                           const struct kx_case *ran)
{
	for (size_t d = 0; d < KX_MAX_DRIVERS; d++) {
		if (pool->timeouts[d] > before[d])
			run->timeouts[d] += pool->timeouts[d] - before[d];
		else if (ran != NULL && (d == ran->initiator || d == ran->terminator))
			run->timeouts[d] = 0;
	}
}

/* The terminal's width in columns when out is one, else 0 (a log, a pipe: nothing is cut or wrapped). */
static int terminal_width(FILE *out)
{
	struct winsize size;
	if (!isatty(fileno(out)) || ioctl(fileno(out), TIOCGWINSZ, &size) != 0 || size.ws_col == 0)
		return 0;
	return size.ws_col;
}

/* Bytes of text that fill at most columns (one per character; a UTF-8 sequence is never split). */
static size_t fit(const char *text, size_t columns)
{
	size_t bytes = 0, used = 0;
	while (text[bytes] != '\0' && used < columns) {
		bytes++;
		while (((unsigned char)text[bytes] & 0xC0) == 0x80)
			bytes++;
		used++;
	}
	return bytes;
}

/* Characters (not bytes) of text. */
static size_t columns_of(const char *text)
{
	size_t n = 0;
	for (; *text != '\0'; text++)
		n += ((unsigned char)*text & 0xC0) != 0x80;
	return n;
}

/* Writes text to out broken at spaces into lines of at most width columns, the first after
 * `first` columns already used, the next indented by indent spaces; width 0 writes it whole. Ends
 * with a newline. */
static void print_wrapped(FILE *out, const char *text, int width, size_t first, size_t indent)
{
	size_t used = first;
	const char *p = text;
	if (width <= 0 || (size_t)width <= indent + 10) {
		fprintf(out, "%s\n", text);
		return;
	}
	while (*p != '\0') {
		size_t room = (size_t)width - 1 > used ? (size_t)width - 1 - used : 0;
		if (columns_of(p) <= room) {
			fputs(p, out);
			break;
		}
		/* The last space that keeps the line within the width; a word longer than a line is cut. */
		size_t cut = fit(p, room), at = cut;
		while (at > 0 && p[at] != ' ')
			at--;
		if (at == 0 && used > indent) {
			fprintf(out, "\n%*s", (int)indent, "");
			used = indent;
			continue;
		}
		size_t take = at > 0 ? at : (cut > 0 ? cut : 1);
		fwrite(p, 1, take, out);
		p += take;
		while (*p == ' ')
			p++;
		fprintf(out, "\n%*s", (int)indent, "");
		used = indent;
	}
	fputc('\n', out);
}

static void progress(struct run *run, const char *id, json_t *result)
{
	int met = json_is_true(json_object_get(result, "met"));
	run->done++;
	run->unmet += !met;
	if (run->tty) {
		/* One line that never wraps: a wrapped line cannot be rewritten with \r, and every update
		 * would leave a stale one behind. The id is what gives way. */
		int width = terminal_width(stdout);
		char head[96];
		snprintf(head, sizeof head, "[%zu/%zu] %zu unmet  ", run->done, run->n, run->unmet);
		size_t room = width > 0 && (size_t)width > strlen(head) + 1 ? (size_t)width - 1 - strlen(head) : 0;
		if (width <= 0 || columns_of(id) <= room)
			printf("\r\033[K%s%s", head, id);
		else if (room > 3)
			printf("\r\033[K%s%.*s...", head, (int)fit(id, room - 3), id);
		else
			printf("\r\033[K%.*s", (int)fit(head, width > 1 ? (size_t)width - 1 : 0), head);
		if (!met) {
			char line[2200];
			snprintf(line, sizeof line, "FAIL %s: %s", id, kx_json_get_string(result, "diagnosis"));
			printf("\r\033[K");
			print_wrapped(stdout, line, width, 0, 4);
		}
	} else {
		printf("[%zu/%zu] %-4s %-15s %s%s%s\n", run->done, run->n, met ? "ok" : "FAIL",
		       kx_json_get_string(result, "result"), id, met ? "" : ": ",
		       met ? "" : kx_json_get_string(result, "diagnosis"));
	}
	fflush(stdout);
}

/* What a case keeps of each driver's standard error. */
#define CASE_STDERR_MAX (16 * 1024)

/* text (len bytes) as a JSON string; when it is not UTF-8, its bytes above 0x7F become '?'. */
static json_t *stderr_json(char *text, size_t len)
{
	json_t *value = json_stringn(text, len);
	if (value != NULL)
		return value;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			text[i] = '?';
	return json_stringn(text, len);
}

/* What the pool's drivers wrote to their standard error while the case ran, kept with it (member
 * "stderr", by driver name) rather than interleaved on the terminal. */
static void keep_stderr(struct kx_driver_pool *pool, json_t *result)
{
	json_t *said = NULL;
	for (size_t d = 0; d < pool->n_all; d++) {
		size_t len = 0;
		char *text = kx_pool_take_stderr(pool, d, CASE_STDERR_MAX, &len);
		if (text == NULL)
			continue;
		if (said == NULL)
			said = json_object();
		json_object_set_new(said, pool->names[d], stderr_json(text, len));
		free(text);
	}
	if (said != NULL)
		json_object_set_new(result, "stderr", said);
}

/* What drivers wrote as they started, before any case: said on the runner's standard error. */
static void pass_on_stderr(struct kx_driver_pool *pool)
{
	for (size_t d = 0; d < pool->n_all; d++) {
		size_t len = 0;
		char *text = kx_pool_take_stderr(pool, d, CASE_STDERR_MAX, &len);
		if (text != NULL)
			fprintf(stderr, "kxconform: driver %s wrote to its standard error as it started:\n%s%s", pool->names[d],
			        text, len > 0 && text[len - 1] == '\n' ? "" : "\n");
		free(text);
	}
}

/* After a Ctrl-C, which the drivers received too, a driver that dies of it on the way out is no
 * news: giving each a cause keeps kx_driver_stop from reporting it as a fault. */
static void interrupted_drivers(struct kx_driver_pool *pool)
{
	for (size_t d = 0; d < pool->n; d++)
		if (pool->running[d] && pool->procs[d].failure[0] == '\0')
			snprintf(pool->procs[d].failure, sizeof pool->procs[d].failure, "the run was interrupted");
}

static void *worker(void *arg)
{
	struct run *run = arg;
	struct kx_driver_pool pool;
	char err[600];
	if (kx_pool_init(&pool, run->opt->driver_specs, run->opt->n_drivers, run->opt->timeout_ms, err, sizeof err) != 0 ||
	    kx_pool_start_all(&pool, err, sizeof err) != 0) {
		pthread_mutex_lock(&run->lock);
		snprintf(run->setup_error, sizeof run->setup_error, "%s", err);
		pthread_mutex_unlock(&run->lock);
		kx_pool_stop(&pool);
		return NULL;
	}
	pass_on_stderr(&pool);
	for (;;) {
		int before[KX_MAX_DRIVERS];
		pthread_mutex_lock(&run->lock);
		size_t i = run->setup_error[0] == '\0' && !atomic_load(&interrupted_by) ? run->next++ : run->n;
		/* The run's count, not this worker's: a hung driver hangs on every worker at once. */
		memcpy(pool.timeouts, run->timeouts, sizeof pool.timeouts);
		pthread_mutex_unlock(&run->lock);
		if (i >= run->n)
			break;
		memcpy(before, pool.timeouts, sizeof before);
		const struct kx_case *c = &run->suite->cases[run->cases[i]];
		const char *disabled = kx_expectations_disabled(run->expect, c->id);
		json_t *result;
		int ran = 0;
		if (disabled != NULL) {
			result = disabled_result(&pool, c, disabled);
		} else if (kx_pool_gave_up(&pool, c->initiator, err, sizeof err) ||
		           kx_pool_gave_up(&pool, c->terminator, err, sizeof err)) {
			result = not_run_result(&pool, c, err);
		} else {
			/* Every case that ran gets a capture, failed ones included. */
			struct kx_relay relay;
			result = kx_case_run(&pool, c, run->expect->claimed_reading, &relay);
			if (atomic_load(&interrupted_by)) {
				/* Ctrl-C reaches the drivers too (one process group): what the case
				 * saw after the signal is no verdict, so it is left out. */
				json_decref(result);
				kx_relay_free(&relay);
				break;
			}
			if (kx_capture_case(run->opt->output, i, c->id, &relay, result, err, sizeof err) != 0)
				fprintf(stderr, "kxconform run: capture of %s: %s\n", c->id, err);
			kx_relay_free(&relay);
			keep_stderr(&pool, result);
			ran = 1;
		}
		const char *xfail = disabled == NULL ? kx_expectations_failure(run->expect, c->id) : NULL;
		if (xfail != NULL)
			apply_expected_failure(result, xfail);
		pthread_mutex_lock(&run->lock);
		count_timeouts(run, &pool, before, ran ? c : NULL);
		run->results[i] = result;
		progress(run, c->id, result);
		pthread_mutex_unlock(&run->lock);
	}
	if (atomic_load(&interrupted_by))
		interrupted_drivers(&pool);
	kx_pool_stop(&pool);
	return NULL;
}

/* How many workers the run uses: the jobs asked for, no more than there are cases, and no more
 * than the open-file limit holds (each worker keeps two pipes per driver process, and opens a
 * capture's files). The soft limit is raised to the hard one first, as far as it goes. */
static int worker_count(const struct options *opt, size_t n_cases, size_t n_drivers)
{
	long jobs = opt->jobs;
	if ((size_t)jobs > n_cases)
		jobs = n_cases > 0 ? (long)n_cases : 1;
	struct rlimit files;
	if (getrlimit(RLIMIT_NOFILE, &files) != 0)
		return (int)jobs;
	if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < files.rlim_max) {
		rlim_t want = files.rlim_max;
		files.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &files) != 0 || getrlimit(RLIMIT_NOFILE, &files) != 0)
			return (int)jobs;
	}
	if (files.rlim_cur == RLIM_INFINITY)
		return (int)jobs;
	long per_worker = 2 * (long)n_drivers + 8, reserve = 64;
	long fit = files.rlim_cur > (rlim_t)(reserve + per_worker) ? ((long)files.rlim_cur - reserve) / per_worker : 1;
	if (jobs > fit) {
		fprintf(stderr, "kxconform run: %ld jobs would need more files than the open-file limit (%llu) allows: "
		        "running %ld\n", jobs, (unsigned long long)files.rlim_cur, fit);
		jobs = fit;
	}
	return (int)jobs;
}

/* Runs the workers on jobs threads; when fewer can be created (a thread or memory limit),
 * the run goes on with those it has, or on this thread when it has none. */
static void run_workers(struct run *run, int jobs)
{
	pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
	int started = 0, error = threads == NULL ? ENOMEM : 0;
	while (threads != NULL && started < jobs && (error = pthread_create(&threads[started], NULL, worker, run)) == 0)
		started++;
	if (started < jobs)
		fprintf(stderr, "kxconform run: %d of %d worker threads could be started (%s); running on %d\n", started,
		        jobs, strerror(error), started > 0 ? started : 1);
	if (started == 0)
		worker(run);
	for (int j = 0; j < started; j++)
		pthread_join(threads[j], NULL);
	free(threads);
}

static json_t *run_header(const struct kx_driver_pool *pool, const struct options *opt, time_t started, int jobs)
{
	json_t *header = kx_cli_report_header(pool, opt->suite, started, jobs);
	json_object_set_new(header, "profile", json_string(kx_profile_name(opt->profile)));
	if (opt->shards > 0)
		json_object_set_new(header, "shard", json_sprintf("%u/%u", opt->shard, opt->shards));
	if (opt->expect != NULL)
		json_object_set_new(header, "expectations", json_string(opt->expect));
	return header;
}

/* The ids of a group of unmet cases listed in the summary; the rest are counted. */
#define SUMMARY_IDS 8

/* The closing summary: counts, the unmet cases grouped by diagnosis (one line per cause, with the
 * count and the ids), and where the files are (written: whether the reports were). On a terminal
 * every line wraps at its width. */
static void print_summary(json_t *report, const struct kx_report_counts *n, const char *output, int written)
{
	int width = terminal_width(stdout);
	char line[4096];
	printf("\n");
	snprintf(line, sizeof line,
	         "kxconform run: %zu cases, %zu met their expectation, %zu did not "
	         "(results: %zu pass, %zu fail, %zu error, %zu not-implemented, %zu skip)",
	         n->cases, n->cases - n->unmet, n->unmet, n->pass, n->fail, n->error, n->not_implemented, n->skip);
	print_wrapped(stdout, line, width, 0, 2);
	json_t *groups = kx_report_unmet_groups(report);
	if (json_array_size(groups) > 1 || (json_array_size(groups) == 1 && n->unmet > 1))
		printf("unmet, by diagnosis (%zu diagnos%s):\n", json_array_size(groups),
		       json_array_size(groups) == 1 ? "is" : "es");
	size_t i;
	json_t *group;
	json_array_foreach(groups, i, group)
	{
		json_t *ids = json_object_get(group, "ids");
		const char *result = kx_json_get_string(group, "result"), *diagnosis = kx_json_get_string(group, "diagnosis");
		if (json_array_size(ids) == 1) {
			snprintf(line, sizeof line, "  unmet: %s [%s]: %s", json_string_value(json_array_get(ids, 0)), result,
			         diagnosis);
			print_wrapped(stdout, line, width, 0, 4);
			continue;
		}
		snprintf(line, sizeof line, "  unmet, %zu cases [%s]: %s", json_array_size(ids), result, diagnosis);
		print_wrapped(stdout, line, width, 0, 4);
		snprintf(line, sizeof line, "     ");
		size_t k;
		json_t *id;
		json_array_foreach(ids, k, id)
		{
			if (k == SUMMARY_IDS) {
				kx_appendf(line, sizeof line, " and %zu more (reports/index.html lists them)",
				           json_array_size(ids) - SUMMARY_IDS);
				break;
			}
			kx_appendf(line, sizeof line, "%s%s", k > 0 ? ", " : " ", json_string_value(id));
		}
		print_wrapped(stdout, line, width, 0, 6);
	}
	json_decref(groups);
	json_t *vectors = json_object_get(report, "vectors");
	json_t *totals = json_object_get(vectors, "summary");
	if (vectors != NULL && json_object_get(vectors, "error") == NULL) {
		snprintf(line, sizeof line,
		         "vectors: %s/reports/vectors.json (kxconform vectors, started %s): %lld tests, %lld failed, "
		         "%lld malformed; shown in index.html",
		         output, kx_json_get_string(vectors, "started") ? kx_json_get_string(vectors, "started") : "?",
		         (long long)json_integer_value(json_object_get(totals, "tests")),
		         (long long)json_integer_value(json_object_get(totals, "failed")),
		         (long long)json_integer_value(json_object_get(totals, "malformed")));
		print_wrapped(stdout, line, width, 0, 2);
	}
	if (written)
		snprintf(line, sizeof line, "reports: %s/reports/ (report.json, junit.xml, index.html)", output);
	else
		snprintf(line, sizeof line, "reports: none written (the error is on standard error)");
	print_wrapped(stdout, line, width, 0, 2);
	snprintf(line, sizeof line,
	         "captures: %s/captures/ (<case-id>.pcapng and .keylog; open a .pcapng in Wireshark as it is)", output);
	print_wrapped(stdout, line, width, 0, 2);
}

/* One tshark process per batch file checks every capture, and may fail cases. It works on a
 * copy: a Ctrl-C during the check kills tshark too, and its verdicts would then be noise. */
static void check_captures(const struct options *opt, json_t **results)
{
	char err[1024];
	json_t *checked = json_deep_copy(*results);
	if (atomic_load(&interrupted_by) || checked == NULL) {
		json_decref(checked);
		return;
	}
	int undecrypted = kx_capture_check(opt->output, checked, err, sizeof err);
	if (atomic_load(&interrupted_by)) {
		json_decref(checked);
		return;
	}
	if (undecrypted < 0)
		printf("capture check not run: %s\n", err);
	else
		printf("%s%s\n", err, undecrypted > 0 ? " (failed captures are listed below)" : "");
	json_decref(*results);
	*results = checked;
}

/* A run that could not start (an unreadable suite or expectations file, a filter matching no case,
 * a driver that does not start) says why, and leaves reports that say it too: a CI's test view
 * then shows a red test rather than an earlier run's reports, or none. locked: the caller holds
 * and has cleared the output directory. Returns KX_EXIT_USAGE. */
static int setup_failed(const struct options *opt, const struct kx_driver_pool *pool, int locked, const char *why)
{
	char err[1024];
	int lock = -1;
	fprintf(stderr, "kxconform run: %s\n", why);
	if (opt->list)
		return KX_EXIT_USAGE;
	if (!locked && ((lock = kx_output_lock(opt->output, "run", err, sizeof err)) < 0 ||
	                kx_output_clear(opt->output, 1, err, sizeof err) != 0)) {
		fprintf(stderr, "kxconform run: no report was written: %s\n", err);
		kx_output_unlock(lock);
		return KX_EXIT_USAGE;
	}
	time_t started = time(NULL);
	json_t *report;
	if (pool != NULL) {
		report = run_header(pool, opt, started, opt->jobs);
	} else {
		char when[32], host[256] = "";
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
		gethostname(host, sizeof host - 1);
		report = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "harness", "kxconform " KX_VERSION, "suite", opt->suite,
		                   "started", when, "host", host, "drivers");
	}
	json_object_set_new(report, "error", json_string(why));
	json_object_set_new(report, "duration_ms", json_real(0));
	json_object_set_new(report, "cases", json_array());
	struct kx_report_counts counts;
	kx_report_summarize(report, &counts);
	if (kx_report_attach_vectors(report, opt->output, err, sizeof err) < 0)
		fprintf(stderr, "kxconform run: warning: %s\n", err);
	if (kx_report_write_all(report, opt->output, err, sizeof err) != 0)
		fprintf(stderr, "kxconform run: no report was written: %s\n", err);
	else
		printf("reports: %s/reports/ (report.json, junit.xml, index.html) say the run could not start\n",
		       opt->output);
	json_decref(report);
	kx_output_unlock(lock);
	return KX_EXIT_USAGE;
}

/* Runs the selected cases into opt->output (locked and cleared by the caller) and writes the
 * reports; the exit status. */
static int run_cases(const struct options *opt, const struct kx_suite *suite, const struct kx_expectations *expect,
                     const size_t *cases, size_t n, struct kx_driver_pool *pool)
{
	char err[1024];
	/* One pool started here says early and once what is wrong with a driver. */
	if (kx_pool_start_all(pool, err, sizeof err) != 0 || kx_capture_begin(opt->output, err, sizeof err) != 0) {
		kx_pool_stop(pool);
		return setup_failed(opt, pool, 1, err);
	}
	int jobs = worker_count(opt, n, pool->n);
	time_t started = time(NULL);
	double t0 = now_ms();
	json_t *report = run_header(pool, opt, started, jobs);
	kx_pool_stop(pool);

	struct run run = {.opt = opt, .suite = suite, .expect = expect, .cases = cases, .n = n,
			  .results = calloc(n + 1, sizeof(json_t *)), .tty = isatty(STDOUT_FILENO)};
	pthread_mutex_init(&run.lock, NULL);
	printf("kxconform run: %zu cases on %d job%s\n", n, jobs, jobs == 1 ? "" : "s");
	fflush(stdout);
	catch_interrupts();
	run_workers(&run, jobs);
	pthread_mutex_destroy(&run.lock);
	if (run.tty)
		printf("\r\033[K");

	json_t *results = json_array();
	for (size_t i = 0; i < n; i++)
		if (run.results[i] != NULL)
			json_array_append_new(results, run.results[i]);
	free(run.results);
	check_captures(opt, &results);
	int interrupted = interrupted_for_good();
	json_object_set_new(report, "duration_ms", json_real(now_ms() - t0));
	json_object_set_new(report, "cases", results);
	if (interrupted)
		json_object_set_new(report, "interrupted", json_true());
	struct kx_report_counts counts;
	kx_report_summarize(report, &counts);
	int status = counts.unmet == 0 && counts.cases == n ? KX_EXIT_OK : KX_EXIT_FAILED;
	if (interrupted) {
		fprintf(stderr, "kxconform run: interrupted by %s: %zu of %zu cases ran; the report holds them and says "
		        "it was interrupted\n", interrupted == SIGINT ? "SIGINT" : "SIGTERM", counts.cases, n);
		status = KX_EXIT_INTERRUPTED;
	} else if (run.setup_error[0] != '\0') {
		fprintf(stderr, "kxconform run: %s\n", run.setup_error);
		status = KX_EXIT_USAGE;
	}
	/* `make conformance` checks the vectors into the same directory just before: the run's report
	 * shows them, so that one page says whether the whole conformance run passed. */
	if (kx_report_attach_vectors(report, opt->output, err, sizeof err) < 0)
		fprintf(stderr, "kxconform run: warning: %s\n", err);
	if (kx_requirements_report(report, opt->requirements, suite, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform run: %s\n", err);
		status = KX_EXIT_USAGE;
	}
	int written = kx_report_write_all(report, opt->output, err, sizeof err) == 0;
	if (!written) {
		fprintf(stderr, "kxconform run: no report was written: %s\n", err);
		status = KX_EXIT_USAGE;
	}
	print_summary(report, &counts, opt->output, written);
	json_decref(report);
	return status;
}

int kx_cmd_run(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt) != 0)
		return KX_EXIT_USAGE;
	/* Each driver's words go to the case it said them in (report.json, junit.xml), not the terminal. */
	kx_driver_keep_stderr(1);
	char err[1024], pki[4096];
	struct kx_driver_pool pool;
	struct kx_expectations expect;
	if (kx_pool_init(&pool, opt.driver_specs, opt.n_drivers, opt.timeout_ms, err, sizeof err) != 0)
		return setup_failed(&opt, NULL, 0, err);
	if (kx_expectations_load(opt.expect, &expect, err, sizeof err) != 0)
		return setup_failed(&opt, &pool, 0, err);
	kx_cli_pki_dir(opt.pki, pki, sizeof pki);
	struct kx_suite suite;
	if (kx_suite_load_profile(opt.suite, pki, &pool, opt.profile, &suite, err, sizeof err) != 0 ||
	    kx_requirements_check(opt.requirements, &suite, err, sizeof err) != 0) {
		kx_suite_free(&suite);
		kx_expectations_free(&expect);
		return setup_failed(&opt, &pool, 0, err);
	}
	warn_unmatched_expectations(&opt, &expect, &suite);
	size_t *cases = calloc(suite.n_cases + 1, sizeof *cases), n = 0;
	for (size_t i = 0; cases != NULL && i < suite.n_cases; i++)
		if (matches_filters(&opt, suite.cases[i].id) &&
		    (opt.shard_weights != NULL || in_hashed_shard(&opt, suite.cases[i].id)))
			cases[n++] = i;
	int status = KX_EXIT_OK, lock = -1;
	if (cases == NULL) {
		fprintf(stderr, "kxconform run: out of memory\n");
		status = KX_EXIT_USAGE;
	} else if (check_filters(&opt, &suite, err, sizeof err) != 0) {
		status = setup_failed(&opt, &pool, 0, err);
	} else if (opt.shard_weights != NULL && weighted_shard(&opt, &suite, cases, &n, err, sizeof err) != 0) {
		status = setup_failed(&opt, &pool, 0, err);
	} else if (opt.list) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", suite.cases[cases[i]].id);
		fflush(stdout);
		print_profile_counts(&opt, &suite, &pool, pki, n);
	} else if ((lock = kx_output_lock(opt.output, "run", err, sizeof err)) < 0 ||
	           kx_output_clear(opt.output, 1, err, sizeof err) != 0) {
		/* Another run's files, or ones that cannot be removed, must not end up beside ours. */
		fprintf(stderr, "kxconform run: %s\n", err);
		status = KX_EXIT_USAGE;
	} else {
		status = run_cases(&opt, &suite, &expect, cases, n, &pool);
	}
	/* A lost console (a full disk under a CI log) is a failure to say so, not silence. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && status != KX_EXIT_INTERRUPTED) {
		fprintf(stderr, "kxconform run: cannot write the standard output: %s\n", strerror(errno ? errno : EIO));
		status = KX_EXIT_USAGE;
	}
	kx_output_unlock(lock);
	free(cases);
	kx_suite_free(&suite);
	kx_expectations_free(&expect);
	return status;
}
