/* cmd_vectors.c - `kxconform vectors`: every test of every vector file,
 * checked on every driver (by default the OpenSSL and wolfSSL reference
 * drivers beside the executable). A malformed file or test is an error named
 * by file and tcId that does not stop the other files; a mismatch is printed
 * with file, tcId, driver and reason.
 *
 * Built for large files (bench/RESULTS.md, "Vector checking"): a loader
 * thread reads the next file and writes its requests as protocol lines while
 * the drivers answer the current one (vectors/vector_loader.c, over
 * vector_prepare.c); the lines go to every driver at once, and each answer is
 * judged as it arrives (vectors/vector_answers.c). This file is the command:
 * its options, the files, the drivers, and the vectors report. */
#include "runner/commands/commands.h"

#include "core/errors.h"
#include "core/growable.h"
#include "core/json_io.h"
#include "runner/commands/cli.h"
#include "runner/drivers/driver_pool.h"
#include "runner/cases/expectations.h"
#include "runner/reports/output_dir.h"
#include "runner/reports/report.h"
#include "runner/vectors/vector_loader.h"
#include "runner/vectors/vector_prepare.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef KX_DEFAULT_VECTORS
#define KX_DEFAULT_VECTORS "vectors"
#endif

#define MAX_PATHS 64

struct options {
	const char *paths[MAX_PATHS];
	size_t n_paths;
	const char *driver_specs[KX_MAX_DRIVERS];
	size_t n_drivers;
	int timeout_ms;
	const char *expect;  /* expectations file: the key identifier reading a vendor declares */
	const char *output;  /* where reports/vectors.json and reports/junit-vectors.xml go */
	int check_models;    /* also check that the judge's models name every invalid test */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kxconform vectors [--vectors PATH]... [--driver NAME=PATH]... [--expect FILE]\n"
		"                         [--output DIR] [--timeout MS] [--check-models]\n"
		"\n"
		"Checks every test of every vector file on every driver and prints each\n"
		"mismatch with its file, tcId, driver and reason, and the named mistake\n"
		"(docs/mistakes.md) that reproduces a wrong answer. A driver is asked only for\n"
		"the operations and key identifier readings its hello lists; the rest is\n"
		"reported as not implemented, never failed and never passed.\n"
		"\n"
		"  --vectors PATH      a vector file, or a directory whose *.json files are read\n"
		"                      (default: %s; up to %d)\n"
		"  --driver NAME=PATH  a driver executable speaking docs/driver-protocol.md (up to %d);\n"
		"                      default: the openssl and wolfssl drivers beside kxconform\n"
		"  --expect FILE       expectations file (docs/reports.md): its key_identifier_reading\n"
		"                      is accepted, and reported as not the reference\n"
		"  --output DIR        where reports/vectors.json and reports/junit-vectors.xml are\n"
		"                      written (default: .); `kxconform run` into the same DIR shows\n"
		"                      them in its report.json and index.html\n"
		"  --timeout MS        how long a silent driver is waited for (default 10000)\n"
		"  --check-models      also check the harness's own mistake models: each invalid\n"
		"                      test must be named by the variant it carries\n"
		"\n"
		"Exit status: 0 every test passed on every driver; 1 a test failed or a file or\n"
		"test is malformed; 2 usage or set-up error (no driver, no vector file, an output\n"
		"directory in use or reports that cannot be written).\n",
		KX_DEFAULT_VECTORS, MAX_PATHS, KX_MAX_DRIVERS);
}

/* One option and its value into opt; 0, or -1 after saying what is wrong and the limit it broke. */
static int set_option(struct options *opt, const char *arg, const char *value)
{
	if (strcmp(arg, "--vectors") == 0) {
		if (!kx_cli_list_option(arg, "--vectors", value, opt->paths, &opt->n_paths, MAX_PATHS))
			return kx_cli_error("vectors",
			                    "at most %d --vectors options (a directory holds many files)",
			                    MAX_PATHS);
	} else if (strcmp(arg, "--driver") == 0) {
		if (!kx_cli_list_option(arg, "--driver", value, opt->driver_specs, &opt->n_drivers,
		                        KX_MAX_DRIVERS))
			return kx_cli_error("vectors", "at most %d --driver options", KX_MAX_DRIVERS);
	} else if (strcmp(arg, "--expect") == 0) {
		opt->expect = value;
	} else if (strcmp(arg, "--output") == 0) {
		opt->output = value;
	} else if (!kx_cli_int(value, 1, INT_MAX, &opt->timeout_ms)) {
		return kx_cli_error("vectors",
		                    "--timeout takes milliseconds, a whole number from 1 to %d, not \"%s\"",
		                    INT_MAX, value);
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	static const char *const with_value[] = {"--vectors", "--driver", "--expect", "--output", "--timeout"};
	memset(opt, 0, sizeof *opt);
	opt->timeout_ms = 10000;
	opt->output = ".";
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (kx_cli_help(arg, usage))
			exit(KX_EXIT_OK);
		if (strcmp(arg, "--check-models") == 0) {
			opt->check_models = 1;
			continue;
		}
		int takes = 0;
		for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
			takes |= strcmp(arg, with_value[k]) == 0;
		if (!takes)
			return kx_cli_unknown("vectors", arg);
		if (i + 1 >= argc)
			return kx_cli_error("vectors", "%s needs a value", arg);
		if (set_option(opt, arg, argv[++i]) != 0)
			return -1;
	}
	if (opt->n_paths == 0)
		opt->paths[opt->n_paths++] = KX_DEFAULT_VECTORS;
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expands the paths into a sorted list of files (malloc'd strings); returns the count, or -1 with err. */
static int list_files(const struct options *opt, char ***files_out, char *err, size_t errlen)
{
	char **files = NULL;
	size_t n = 0, cap = 0;
	for (size_t p = 0; p < opt->n_paths; p++) {
		struct stat st;
		if (stat(opt->paths[p], &st) != 0) {
			kx_errorf(err, errlen, "%s: %s", opt->paths[p], strerror(errno));
			goto fail;
		}
		DIR *dir = S_ISDIR(st.st_mode) ? opendir(opt->paths[p]) : NULL;
		size_t first = n;
		struct dirent *entry;
		while (dir != NULL && (entry = readdir(dir)) != NULL) {
			size_t len = strlen(entry->d_name);
			if (len < 6 || strcmp(entry->d_name + len - 5, ".json") != 0)
				continue;
			if (KX_GROW(files, cap, n + 1) != 0)
				break;
			size_t size = strlen(opt->paths[p]) + len + 2;
			files[n] = malloc(size);
			if (files[n] != NULL)
				snprintf(files[n++], size, "%s/%s", opt->paths[p], entry->d_name);
		}
		if (dir != NULL) {
			closedir(dir);
			qsort(files + first, n - first, sizeof *files, compare_strings);
		} else if (!S_ISDIR(st.st_mode)) {
			if (KX_GROW(files, cap, n + 1) != 0) {
				kx_errorf(err, errlen, "out of memory");
				goto fail;
			}
			files[n++] = strdup(opt->paths[p]);
		} else {
			kx_errorf(err, errlen, "cannot read directory %s", opt->paths[p]);
			goto fail;
		}
	}
	*files_out = files;
	return (int)n;
fail:
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return -1;
}

/* The vectors report's header: harness, start, host, and each driver as far as it started. */
static json_t *report_header(const struct options *opt, const struct kx_driver_pool *pool, time_t started)
{
	char when[32], host[256] = "";
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
	gethostname(host, sizeof host - 1);
	json_t *report = json_pack("{s:i, s:s, s:s, s:o, s:[], s:[], s:[]}", "vectors_version",
	                           KX_VECTORS_REPORT_VERSION, "harness", "kxconform " KX_VERSION, "started",
	                           when, "host", kx_vector_text_json(host), "vectors", "drivers", "files");
	for (size_t i = 0; i < opt->n_paths; i++)
		json_array_append_new(json_object_get(report, "vectors"), kx_vector_text_json(opt->paths[i]));
	if (opt->expect != NULL)
		json_object_set_new(report, "expectations", kx_vector_text_json(opt->expect));
	for (size_t d = 0; pool != NULL && d < pool->n; d++) {
		json_t *driver = json_pack("{s:o, s:o, s:o}", "name", kx_vector_text_json(pool->names[d]),
		                           "path", kx_vector_text_json(pool->paths[d]), "implementation",
		                           kx_vector_text_json(kx_driver_implementation(&pool->procs[d])));
		if (pool->procs[d].failure[0] != '\0')
			json_object_set_new(driver, "failure", kx_vector_text_json(pool->procs[d].failure));
		json_array_append_new(json_object_get(report, "drivers"), driver);
	}
	return report;
}

static double now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
}

/* The totals of a vectors report, over every file and per driver. */
static json_t *report_summary(const struct kx_vector_tally *total, const struct kx_driver_pool *pool,
                              size_t n_files, size_t failed)
{
	json_t *drivers = json_array();
	for (size_t d = 0; pool != NULL && d < pool->n; d++)
		json_array_append_new(
		    drivers,
		    json_pack("{s:o, s:I, s:I, s:I, s:I, s:I}", "driver", kx_vector_text_json(pool->names[d]),
		              "checked", (json_int_t)total->checked[d], "passed",
		              (json_int_t)(total->checked[d] - total->failed[d] - total->accepted[d]),
		              "accepted", (json_int_t)total->accepted[d], "failed",
		              (json_int_t)total->failed[d], "not_implemented",
		              (json_int_t)total->not_implemented[d]));
	json_t *summary = json_pack(
	    "{s:I, s:I, s:I, s:I, s:b, s:{s:I, s:I}, s:o}", "files", (json_int_t)n_files, "tests",
	    (json_int_t)total->tests, "failed", (json_int_t)failed, "malformed", (json_int_t)total->malformed,
	    "passed", failed == 0 && total->malformed == 0, "core", "checked",
	    (json_int_t)total->core_checked, "failed", (json_int_t)total->core_failed, "drivers", drivers);
	if (total->models_checked > 0)
		json_object_set_new(summary, "models",
		                    json_pack("{s:I, s:I}", "checked", (json_int_t)total->models_checked,
		                              "failed", (json_int_t)total->models_failed));
	return summary;
}

/* Writes the vectors report of a run that could not check anything (err says why), so that a CI
 * test view shows the set-up error as a red test; returns KX_EXIT_USAGE. */
static int setup_error(const struct options *opt, const struct kx_driver_pool *pool, time_t started, double t0,
                       const char *why)
{
	char err[1200];
	fprintf(stderr, "kxconform vectors: %s\n", why);
	struct kx_vector_tally none;
	memset(&none, 0, sizeof none);
	json_t *report = report_header(opt, pool, started);
	json_object_set_new(report, "error", kx_vector_text_json(why));
	json_object_set_new(report, "duration_ms", json_real(now_ms() - t0));
	json_object_set_new(report, "summary", report_summary(&none, pool, 0, 0));
	json_object_set_new(json_object_get(report, "summary"), "passed", json_false());
	if (kx_report_write_vectors(report, opt->output, err, sizeof err) != 0)
		fprintf(stderr, "kxconform vectors: no report was written: %s\n", err);
	json_decref(report);
	return KX_EXIT_USAGE;
}

static void free_files(char **files, int n_files)
{
	for (int i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
}

/* What a run holds between its steps. */
struct vectors_run {
	const struct options *opt;
	time_t started;
	double t0;
	char **files;
	int n_files;
	struct kx_driver_pool pool;
	struct kx_expectations expect;
	struct kx_judge_crypto crypto;
	struct kx_vector_judging judging;
};

/* The vector files, the drivers, the expectations and how answers are judged. 0, or a set-up error
 * already reported (its vectors report written) and what was taken released: KX_EXIT_USAGE. */
static int start(struct vectors_run *r)
{
	char err[1200];
	r->n_files = list_files(r->opt, &r->files, err, sizeof err);
	if (r->n_files <= 0) {
		free(r->files);
		return setup_error(r->opt, NULL, r->started, r->t0,
		                   r->n_files == 0 ? "no *.json vector file found" : err);
	}
	if (kx_pool_init(&r->pool, r->opt->driver_specs, r->opt->n_drivers, r->opt->timeout_ms, err,
	                 sizeof err) != 0 ||
	    kx_pool_start_all(&r->pool, err, sizeof err) != 0 ||
	    kx_expectations_load(r->opt->expect, &r->expect, err, sizeof err) != 0) {
		kx_pool_stop(&r->pool);
		free_files(r->files, r->n_files);
		return setup_error(r->opt, &r->pool, r->started, r->t0, err);
	}
	/* Mistakes are named with a reference driver's HMAC, never with the driver under test. */
	size_t refs[2];
	r->crypto = (struct kx_judge_crypto){.pool = &r->pool};
	r->judging = (struct kx_vector_judging){r->expect.claimed_reading, NULL, r->opt->check_models};
	if (kx_pool_references(&r->pool, refs) > 0) {
		r->crypto.driver = refs[0];
		r->judging.crypto = &r->crypto;
	} else if (r->opt->check_models) {
		kx_expectations_free(&r->expect);
		kx_pool_stop(&r->pool);
		free_files(r->files, r->n_files);
		return setup_error(r->opt, &r->pool, r->started, r->t0,
		                   "--check-models needs the reference drivers beside kxconform");
	}
	return 0;
}

/* Writes the vectors report once the drivers' failures (if any) are known; returns the exit
 * status. */
static int write_report(const struct vectors_run *r, json_t **entries, const struct kx_vector_tally *total,
                        size_t failed)
{
	char err[1200];
	int status = failed == 0 && total->malformed == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
	json_t *report = report_header(r->opt, &r->pool, r->started);
	if (r->expect.claimed_reading != NULL)
		json_object_set_new(report, "key_identifier_reading",
		                    kx_vector_text_json(r->expect.claimed_reading));
	for (int i = 0; i < r->n_files; i++)
		json_array_append_new(json_object_get(report, "files"), entries[i]);
	json_object_set_new(report, "duration_ms", json_real(now_ms() - r->t0));
	json_object_set_new(report, "summary", report_summary(total, &r->pool, (size_t)r->n_files, failed));
	if (kx_report_write_vectors(report, r->opt->output, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform vectors: no report was written: %s\n", err);
		printf("reports: none written (the error is on standard error)\n");
		status = KX_EXIT_USAGE;
	} else {
		printf("reports: %s/reports/ (vectors.json, junit-vectors.xml)\n", r->opt->output);
	}
	json_decref(report);
	return status;
}

/* The run's last line: the totals, per check and per driver; the summary line stays the last. */
static void print_summary(const struct vectors_run *r, const struct kx_vector_tally *total, size_t failed)
{
	const struct kx_driver_proc *drivers = r->pool.procs;
	printf("kxconform vectors: %zu tests;", total->tests);
	if (total->core_checked > 0)
		printf(" core %zu/%zu passed;", total->core_checked - total->core_failed,
		       total->core_checked);
	if (total->models_checked > 0)
		printf(" models %zu/%zu named;", total->models_checked - total->models_failed,
		       total->models_checked);
	for (size_t d = 0; d < r->pool.n; d++) {
		printf(" %s %zu/%zu passed;", drivers[d].name, total->checked[d] - total->failed[d],
		       total->checked[d]);
		if (total->accepted[d] > 0)
			printf(" (%s: %zu in the declared %s reading, not the reference)", drivers[d].name,
			       total->accepted[d], r->expect.claimed_reading);
		if (total->not_implemented[d] > 0)
			printf(" (%s: %zu not implemented)", drivers[d].name, total->not_implemented[d]);
		if (drivers[d].failure[0] != '\0')
			printf(" (%s: %s)", drivers[d].name, drivers[d].failure);
	}
	printf(" %zu failed, %zu malformed\n", failed, total->malformed);
}

/* Every file on every driver, the report and the closing line; returns the exit status (a set-up
 * error with what was taken released when memory runs out). */
static int check_and_report(struct vectors_run *r)
{
	struct kx_driver_proc *drivers = r->pool.procs;
	size_t n_drivers = r->pool.n;
	printf("kxconform vectors: %d file%s on", r->n_files, r->n_files == 1 ? "" : "s");
	for (size_t d = 0; d < n_drivers; d++)
		printf("%s %s (%s)", d ? "," : "", drivers[d].name, kx_driver_implementation(&drivers[d]));
	printf("\n");
	fflush(stdout);

	struct kx_vector_tally total = {0};
	json_t **entries = calloc((size_t)r->n_files, sizeof *entries);
	if (entries == NULL || kx_vectors_check_all(r->files, r->n_files, drivers, n_drivers,
	                                            r->opt->timeout_ms, &r->judging, &total, entries) != 0) {
		free(entries);
		kx_expectations_free(&r->expect);
		kx_pool_stop(&r->pool);
		free_files(r->files, r->n_files);
		return setup_error(r->opt, &r->pool, r->started, r->t0, "out of memory");
	}
	size_t failed = total.core_failed + total.models_failed;
	for (size_t d = 0; d < n_drivers; d++)
		failed += total.failed[d];
	int status = write_report(r, entries, &total, failed);
	free(entries);
	print_summary(r, &total, failed);
	kx_pool_stop(&r->pool);
	kx_expectations_free(&r->expect);
	free_files(r->files, r->n_files);
	if ((fflush(stdout) != 0 || ferror(stdout)) && status != KX_EXIT_USAGE) {
		fprintf(stderr, "kxconform vectors: cannot write the standard output: %s\n",
		        strerror(errno ? errno : EIO));
		status = KX_EXIT_USAGE;
	}
	return status;
}

int kx_cmd_vectors(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt) != 0)
		return KX_EXIT_USAGE;
	char err[1200];
	/* One command at a time in the output directory, and never an earlier report beside this one. */
	int lock = kx_output_lock(opt.output, "vectors", err, sizeof err);
	if (lock < 0 || kx_output_clear_files(opt.output, kx_vectors_report_files, KX_VECTORS_REPORT_FILES,
	                                      err, sizeof err) != 0) {
		fprintf(stderr, "kxconform vectors: %s\n", err);
		kx_output_unlock(lock);
		return KX_EXIT_USAGE;
	}
	struct vectors_run r = {.opt = &opt, .started = time(NULL), .t0 = now_ms()};
	int status = start(&r);
	if (status == 0)
		status = check_and_report(&r);
	kx_output_unlock(lock);
	return status;
}
