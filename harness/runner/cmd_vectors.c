/* cmd_vectors.c - `kxconform vectors`: every test of every vector file,
 * checked on every driver (by default the OpenSSL and wolfSSL reference
 * drivers beside the executable). A malformed file or test is an error named
 * by file and tcId that does not stop the other files; a mismatch is printed
 * with file, tcId, driver and reason. */
#include "runner/commands.h"

#include "core/json_io.h"
#include "runner/driver_pool.h"
#include "runner/vector_checks.h"
#include "runner/vector_file.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef KX_DEFAULT_VECTORS
#define KX_DEFAULT_VECTORS "vectors"
#endif

#define MAX_DRIVERS KX_MAX_DRIVERS
#define MAX_PATHS 64

struct options {
	const char *paths[MAX_PATHS];
	size_t n_paths;
	const char *driver_specs[MAX_DRIVERS];
	size_t n_drivers;
	int timeout_ms;
};

struct tally {
	size_t tests, malformed, core_checked, core_failed;
	size_t checked[MAX_DRIVERS], failed[MAX_DRIVERS];
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kxconform vectors [--vectors PATH]... [--driver NAME=PATH]... [--timeout MS]\n"
		"\n"
		"Checks every test of every vector file on every driver and prints each\n"
		"mismatch with its file, tcId, driver and reason.\n"
		"\n"
		"  --vectors PATH      a vector file, or a directory whose *.json files are read\n"
		"                      (default: %s)\n"
		"  --driver NAME=PATH  a driver executable speaking docs/driver-protocol.md;\n"
		"                      default: the openssl and wolfssl drivers beside kxconform\n"
		"  --timeout MS        how long a silent driver is waited for (default 10000)\n"
		"\n"
		"Exit status: 0 every test passed on every driver; 1 a test failed or a file or\n"
		"test is malformed; 2 usage or set-up error (no driver, no vector file).\n",
		KX_DEFAULT_VECTORS);
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->timeout_ms = 10000;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			exit(KX_EXIT_OK);
		} else if (strcmp(arg, "--vectors") == 0 && value != NULL && opt->n_paths < MAX_PATHS) {
			opt->paths[opt->n_paths++] = value;
			i++;
		} else if (strcmp(arg, "--driver") == 0 && value != NULL && opt->n_drivers < MAX_DRIVERS) {
			opt->driver_specs[opt->n_drivers++] = value;
			i++;
		} else if (strcmp(arg, "--timeout") == 0 && value != NULL && atoi(value) > 0) {
			opt->timeout_ms = atoi(value);
			i++;
		} else {
			fprintf(stderr, "kxconform vectors: bad or incomplete option \"%s\"\n\n", arg);
			usage(stderr);
			return -1;
		}
	}
	if (opt->n_paths == 0)
		opt->paths[opt->n_paths++] = KX_DEFAULT_VECTORS;
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expands the paths into a sorted list of files (malloc'd strings); returns the count or -1. */
static int list_files(const struct options *opt, char ***files_out)
{
	char **files = NULL;
	size_t n = 0;
	for (size_t p = 0; p < opt->n_paths; p++) {
		struct stat st;
		if (stat(opt->paths[p], &st) != 0) {
			fprintf(stderr, "kxconform vectors: %s: no such file or directory\n", opt->paths[p]);
			goto fail;
		}
		DIR *dir = S_ISDIR(st.st_mode) ? opendir(opt->paths[p]) : NULL;
		size_t first = n;
		struct dirent *entry;
		while (dir != NULL && (entry = readdir(dir)) != NULL) {
			size_t len = strlen(entry->d_name);
			if (len < 6 || strcmp(entry->d_name + len - 5, ".json") != 0)
				continue;
			char **more = realloc(files, (n + 1) * sizeof *files);
			if (more == NULL)
				break;
			files = more;
			size_t size = strlen(opt->paths[p]) + len + 2;
			files[n] = malloc(size);
			if (files[n] != NULL)
				snprintf(files[n++], size, "%s/%s", opt->paths[p], entry->d_name);
		}
		if (dir != NULL) {
			closedir(dir);
			qsort(files + first, n - first, sizeof *files, compare_strings);
		} else if (!S_ISDIR(st.st_mode)) {
			char **more = realloc(files, (n + 1) * sizeof *files);
			if (more == NULL)
				goto fail;
			files = more;
			files[n++] = strdup(opt->paths[p]);
		} else {
			fprintf(stderr, "kxconform vectors: cannot read directory %s\n", opt->paths[p]);
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

/* Checks one file on every driver, printing each failure; adds to the tally. */
static void check_file(const char *path, struct kx_driver_proc *drivers, size_t n_drivers, int timeout_ms,
		       struct tally *total)
{
	struct kx_vector_file file;
	struct tally tally = {0};
	char reason[512];
	if (kx_vector_file_load(path, &file) != 0) {
		printf("ERROR %s: %s\n", path, file.error);
		total->malformed++;
		kx_vector_file_free(&file);
		return;
	}
	const struct kx_vector_kind *kind = kx_vector_kind_for(file.schema);
	if (kind == NULL) {
		printf("ERROR %s: unknown schema \"%s\": this kxconform has no checker for it\n", path, file.schema);
		total->malformed++;
		kx_vector_file_free(&file);
		return;
	}
	for (size_t i = 0; i < file.n_problems; i++) {
		if (file.problems[i].tc_id > 0)
			printf("ERROR %s tcId %lld: %s\n", file.name, file.problems[i].tc_id, file.problems[i].text);
		else
			printf("ERROR %s: %s\n", file.name, file.problems[i].text);
		tally.malformed++;
	}

	/* Every test's requests go to a driver in one pipelined batch. */
	json_t **requests = calloc(file.n_tests * KX_MAX_REQUESTS_PER_TEST + 1, sizeof *requests);
	json_t **responses = calloc(file.n_tests * KX_MAX_REQUESTS_PER_TEST + 1, sizeof *responses);
	int *first = calloc(file.n_tests + 1, sizeof *first), *count = calloc(file.n_tests + 1, sizeof *count);
	size_t n_requests = 0;
	for (size_t t = 0; requests != NULL && responses != NULL && first != NULL && count != NULL &&
			   t < file.n_tests;
	     t++) {
		const struct kx_vector_test *test = &file.tests[t];
		tally.tests++;
		int core = kx_vector_check_core(kind, test, reason, sizeof reason);
		if (core != 0)
			tally.core_checked++;
		if (core < 0) {
			printf("FAIL %s tcId %lld [core]: %s\n", file.name, test->tc_id, reason);
			tally.core_failed++;
		}
		first[t] = (int)n_requests;
		count[t] = kx_vector_requests(kind, test, requests + n_requests, reason, sizeof reason);
		if (count[t] < 0) {
			printf("ERROR %s tcId %lld: %s\n", file.name, test->tc_id, reason);
			tally.malformed++;
			count[t] = 0;
		}
		n_requests += (size_t)count[t];
	}
	for (size_t d = 0; d < n_drivers && n_requests > 0; d++) {
		kx_driver_call(&drivers[d], requests, n_requests, responses, timeout_ms);
		for (size_t t = 0; t < file.n_tests; t++) {
			if (count[t] == 0)
				continue;
			tally.checked[d]++;
			/* A second request asks for a known mistake; only drivers that model it answer it. */
			int n = count[t];
			json_t *mistake = n > 1 ? requests[first[t] + 1] : NULL;
			if (mistake != NULL && !kx_driver_supports_variant(&drivers[d], kx_json_get_string(mistake, "op"),
									kx_json_get_string(mistake, "variant")))
				n = 1;
			if (kx_vector_verify(kind, &file.tests[t], responses + first[t], n, reason, sizeof reason) != 0) {
				printf("FAIL %s tcId %lld [%s]: %s\n", file.name, file.tests[t].tc_id, drivers[d].name,
				       reason);
				tally.failed[d]++;
			}
		}
		for (size_t r = 0; r < n_requests; r++)
			json_decref(responses[r]);
	}
	for (size_t r = 0; r < n_requests; r++)
		json_decref(requests[r]);

	printf("  %-40s %4zu tests", file.name, tally.tests);
	if (tally.core_checked > 0)
		printf("  core %zu/%zu", tally.core_checked - tally.core_failed, tally.core_checked);
	for (size_t d = 0; d < n_drivers; d++)
		printf("  %s %zu/%zu", drivers[d].name, tally.checked[d] - tally.failed[d], tally.checked[d]);
	printf("%s\n", tally.malformed ? "  (malformed entries above)" : "");

	total->tests += tally.tests;
	total->malformed += tally.malformed;
	total->core_checked += tally.core_checked;
	total->core_failed += tally.core_failed;
	for (size_t d = 0; d < n_drivers; d++) {
		total->checked[d] += tally.checked[d];
		total->failed[d] += tally.failed[d];
	}
	free(requests);
	free(responses);
	free(first);
	free(count);
	kx_vector_file_free(&file);
}

int kx_cmd_vectors(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt) != 0)
		return KX_EXIT_USAGE;
	char **files = NULL;
	int n_files = list_files(&opt, &files);
	if (n_files <= 0) {
		if (n_files == 0)
			fprintf(stderr, "kxconform vectors: no *.json vector file found\n");
		free(files);
		return KX_EXIT_USAGE;
	}
	struct kx_driver_pool pool;
	char err[600];
	if (kx_pool_init(&pool, opt.driver_specs, opt.n_drivers, opt.timeout_ms, err, sizeof err) != 0 ||
	    kx_pool_start_all(&pool, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform vectors: %s\n", err);
		kx_pool_stop(&pool);
		for (int i = 0; i < n_files; i++)
			free(files[i]);
		free(files);
		return KX_EXIT_USAGE;
	}
	struct kx_driver_proc *drivers = pool.procs;
	size_t n_drivers = pool.n;

	printf("kxconform vectors: %d file%s on", n_files, n_files == 1 ? "" : "s");
	for (size_t d = 0; d < n_drivers; d++)
		printf("%s %s (%s)", d ? "," : "", drivers[d].name, kx_driver_implementation(&drivers[d]));
	printf("\n");
	fflush(stdout);

	struct tally total = {0};
	for (int i = 0; i < n_files; i++) {
		check_file(files[i], drivers, n_drivers, opt.timeout_ms, &total);
		fflush(stdout);
		free(files[i]);
	}
	free(files);

	size_t failed = total.core_failed;
	printf("kxconform vectors: %zu tests;", total.tests);
	if (total.core_checked > 0)
		printf(" core %zu/%zu passed;", total.core_checked - total.core_failed, total.core_checked);
	for (size_t d = 0; d < n_drivers; d++) {
		printf(" %s %zu/%zu passed;", drivers[d].name, total.checked[d] - total.failed[d], total.checked[d]);
		failed += total.failed[d];
		if (drivers[d].failure[0] != '\0')
			printf(" (%s: %s)", drivers[d].name, drivers[d].failure);
	}
	kx_pool_stop(&pool);
	printf(" %zu failed, %zu malformed\n", failed, total.malformed);
	return failed == 0 && total.malformed == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
}
