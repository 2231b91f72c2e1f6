/* cmd_run.c - `kxconform run`: every case of a suite, one after another, on
 * the pool's drivers; a line per case as it finishes, a summary with every
 * unmet expectation and its diagnosis, and reports/report.json. */
#include "runner/case_run.h"
#include "runner/commands.h"
#include "runner/driver_pool.h"
#include "runner/suite.h"

#include "core/json_io.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef KX_DEFAULT_SUITE
#define KX_DEFAULT_SUITE "suites/onem2m.json"
#endif
#ifndef KX_VERSION
#define KX_VERSION "unknown"
#endif

#define MAX_FILTERS 16

struct options {
	const char *suite;
	const char *pki;
	const char *output;
	const char *filters[MAX_FILTERS];
	size_t n_filters;
	const char *driver_specs[KX_MAX_DRIVERS];
	size_t n_drivers;
	int list;
	int timeout_ms;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kxconform run [--suite FILE] [--filter GLOB]... [--list] [--output DIR]\n"
		"                     [--driver NAME=PATH]... [--pki DIR] [--timeout MS]\n"
		"\n"
		"Runs every case of a scenario suite between every ordered pair of drivers:\n"
		"positive cases must complete and pass the cross-checks, negative and fault\n"
		"cases must be refused as the suite says.\n"
		"\n"
		"  --suite FILE        the scenario matrix (default: %s)\n"
		"  --filter GLOB       only cases whose id matches (fnmatch; repeatable), e.g.\n"
		"                      'psk.*' or '*.openssl-wolfssl*'\n"
		"  --list              print the ids of the cases a run would execute, and stop\n"
		"  --output DIR        where reports/ is written (default: the current directory)\n"
		"  --driver NAME=PATH  a driver executable (repeatable); default: the openssl and\n"
		"                      wolfssl drivers beside kxconform\n"
		"  --pki DIR           the test PKI (default: pki/ beside kxconform)\n"
		"  --timeout MS        how long a silent driver is waited for (default 5000)\n"
		"\n"
		"Case ids read SCENARIO.TRANSPORT.INITIATOR-TERMINATOR[.VARIANT].\n"
		"Exit status: 0 every case met its expectation; 1 a case did not; 2 usage or\n"
		"set-up error (unreadable suite, a driver that cannot start).\n",
		KX_DEFAULT_SUITE);
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->suite = KX_DEFAULT_SUITE;
	opt->output = ".";
	opt->timeout_ms = 5000;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			exit(KX_EXIT_OK);
		} else if (strcmp(arg, "--list") == 0) {
			opt->list = 1;
			continue;
		}
		if (value == NULL) {
			fprintf(stderr, "kxconform run: %s needs a value\n\n", arg);
			usage(stderr);
			return -1;
		}
		i++;
		if (strcmp(arg, "--suite") == 0)
			opt->suite = value;
		else if (strcmp(arg, "--pki") == 0)
			opt->pki = value;
		else if (strcmp(arg, "--output") == 0)
			opt->output = value;
		else if (strcmp(arg, "--filter") == 0 && opt->n_filters < MAX_FILTERS)
			opt->filters[opt->n_filters++] = value;
		else if (strcmp(arg, "--driver") == 0 && opt->n_drivers < KX_MAX_DRIVERS)
			opt->driver_specs[opt->n_drivers++] = value;
		else if (strcmp(arg, "--timeout") == 0 && atoi(value) > 0)
			opt->timeout_ms = atoi(value);
		else {
			fprintf(stderr, "kxconform run: bad option \"%s\"\n\n", arg);
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

static int selected(const struct options *opt, const char *id)
{
	if (opt->n_filters == 0)
		return 1;
	for (size_t i = 0; i < opt->n_filters; i++)
		if (fnmatch(opt->filters[i], id, 0) == 0)
			return 1;
	return 0;
}

static double now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
}

/* Creates dir and its reports/ subdirectory; 0, or -1 with err. */
static int make_report_dir(const char *dir, char *path, size_t len, char *err, size_t errlen)
{
	snprintf(path, len, "%s/reports", dir);
	if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || (mkdir(path, 0777) != 0 && errno != EEXIST)) {
		snprintf(err, errlen, "cannot create %.900s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static json_t *run_header(const struct kx_driver_pool *pool, const char *suite_path, time_t started)
{
	char when[32], host[256] = "";
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
	gethostname(host, sizeof host - 1);
	json_t *drivers = json_array();
	for (size_t i = 0; i < pool->n; i++)
		json_array_append_new(drivers, json_pack("{s:s, s:s, s:s}", "name", pool->names[i], "path", pool->paths[i],
							 "implementation", kx_driver_implementation(&pool->procs[i])));
	return json_pack("{s:s, s:s, s:s, s:s, s:o}", "harness", "kxconform " KX_VERSION, "suite", suite_path, "started",
			 when, "host", host, "drivers", drivers);
}

int kx_cmd_run(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt) != 0)
		return KX_EXIT_USAGE;
	char err[1024], pki[4096];
	struct kx_driver_pool pool;
	if (kx_pool_init(&pool, opt.driver_specs, opt.n_drivers, opt.timeout_ms, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform run: %s\n", err);
		return KX_EXIT_USAGE;
	}
	if (opt.pki == NULL) {
		char self[4000];
		kx_self_dir(self, sizeof self);
		snprintf(pki, sizeof pki, "%s/pki", self);
	} else {
		snprintf(pki, sizeof pki, "%s", opt.pki);
	}
	struct kx_suite suite;
	if (kx_suite_load(opt.suite, pki, &pool, &suite, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform run: %s\n", err);
		kx_suite_free(&suite);
		return KX_EXIT_USAGE;
	}
	if (opt.list) {
		for (size_t i = 0; i < suite.n_cases; i++)
			if (selected(&opt, suite.cases[i].id))
				printf("%s\n", suite.cases[i].id);
		kx_suite_free(&suite);
		return KX_EXIT_OK;
	}
	char reports[4200];
	if (make_report_dir(opt.output, reports, sizeof reports, err, sizeof err) != 0 ||
	    kx_pool_start_all(&pool, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform run: %s\n", err);
		kx_pool_stop(&pool);
		kx_suite_free(&suite);
		return KX_EXIT_USAGE;
	}

	time_t started = time(NULL);
	double t0 = now_ms();
	json_t *report = run_header(&pool, opt.suite, started);
	json_t *cases = json_array();
	size_t total = 0, unmet = 0, counts[5] = {0};
	static const char *const results[] = {KX_RESULT_PASS, KX_RESULT_FAIL, KX_RESULT_ERROR, KX_RESULT_NOT_IMPLEMENTED,
					      KX_RESULT_SKIP};
	for (size_t i = 0; i < suite.n_cases; i++)
		total += selected(&opt, suite.cases[i].id);
	size_t done = 0;
	for (size_t i = 0; i < suite.n_cases; i++) {
		if (!selected(&opt, suite.cases[i].id))
			continue;
		json_t *result = kx_case_run(&pool, &suite.cases[i], NULL);
		const char *r = kx_json_get_string(result, "result");
		int met = json_is_true(json_object_get(result, "met"));
		unmet += !met;
		for (size_t k = 0; k < 5; k++)
			counts[k] += strcmp(r, results[k]) == 0;
		printf("[%zu/%zu] %-4s %-15s %s%s%s\n", ++done, total, met ? "ok" : "FAIL", r, suite.cases[i].id,
		       met ? "" : ": ", met ? "" : kx_json_get_string(result, "diagnosis"));
		fflush(stdout);
		json_array_append_new(cases, result);
	}
	kx_pool_stop(&pool);

	json_object_set_new(report, "duration_ms", json_real(now_ms() - t0));
	json_object_set_new(report, "summary",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "cases", (json_int_t)total, "unmet",
				      (json_int_t)unmet, "pass", (json_int_t)counts[0], "fail", (json_int_t)counts[1],
				      "error", (json_int_t)counts[2], "not-implemented", (json_int_t)counts[3], "skip",
				      (json_int_t)counts[4]));
	json_object_set_new(report, "cases", cases);
	char path[4300];
	snprintf(path, sizeof path, "%s/report.json", reports);
	int written = json_dump_file(report, path, JSON_INDENT(1) | JSON_ENSURE_ASCII) == 0;
	json_decref(report);
	kx_suite_free(&suite);

	printf("\nkxconform run: %zu cases, %zu met their expectation, %zu did not "
	       "(results: %zu pass, %zu fail, %zu error, %zu not-implemented, %zu skip)\n",
	       total, total - unmet, unmet, counts[0], counts[1], counts[2], counts[3], counts[4]);
	if (!written) {
		fprintf(stderr, "kxconform run: cannot write %s\n", path);
		return KX_EXIT_USAGE;
	}
	printf("report: %s\n", path);
	return unmet == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
}
