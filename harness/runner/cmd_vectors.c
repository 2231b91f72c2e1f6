/* cmd_vectors.c - `kxconform vectors`: every test of every vector file,
 * checked on every driver (by default the OpenSSL and wolfSSL reference
 * drivers beside the executable). A malformed file or test is an error named
 * by file and tcId that does not stop the other files; a mismatch is printed
 * with file, tcId, driver and reason.
 *
 * Built for large files (bench/RESULTS.md, "Vector checking"): a loader
 * thread reads the next file and writes its requests as protocol lines while
 * the drivers answer the current one; the lines go to every driver at once,
 * and each answer is judged as it arrives. */
#include "runner/commands.h"

#include "core/json_io.h"
#include "core/hex.h"
#include "core/keyid.h"
#include "runner/driver_pool.h"
#include "runner/expectations.h"
#include "runner/vector_checks.h"
#include "runner/vector_file.h"
#include "runner/vector_naming.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
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
	const char *expect;  /* expectations file: the key identifier reading a vendor declares */
	int check_models;    /* also check that the judge's models name every invalid test */
};

struct tally {
	size_t tests, malformed, core_checked, core_failed, models_checked, models_failed;
	size_t checked[MAX_DRIVERS], failed[MAX_DRIVERS], not_implemented[MAX_DRIVERS], accepted[MAX_DRIVERS];
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kxconform vectors [--vectors PATH]... [--driver NAME=PATH]... [--expect FILE]\n"
		"                         [--timeout MS] [--check-models]\n"
		"\n"
		"Checks every test of every vector file on every driver and prints each\n"
		"mismatch with its file, tcId, driver and reason, and the named mistake\n"
		"(docs/mistakes.md) that reproduces a wrong answer. A driver is asked only for\n"
		"the operations and key identifier readings its hello lists; the rest is\n"
		"reported as not implemented, never failed and never passed.\n"
		"\n"
		"  --vectors PATH      a vector file, or a directory whose *.json files are read\n"
		"                      (default: %s)\n"
		"  --driver NAME=PATH  a driver executable speaking docs/driver-protocol.md;\n"
		"                      default: the openssl and wolfssl drivers beside kxconform\n"
		"  --expect FILE       expectations file (docs/reports.md): its key_identifier_reading\n"
		"                      is accepted, and reported as not the reference\n"
		"  --timeout MS        how long a silent driver is waited for (default 10000)\n"
		"  --check-models      also check the harness's own mistake models: each invalid\n"
		"                      test must be named by the variant it carries\n"
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
		} else if (strcmp(arg, "--expect") == 0 && value != NULL) {
			opt->expect = value;
			i++;
		} else if (strcmp(arg, "--check-models") == 0) {
			opt->check_models = 1;
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

/* A vector file made ready for the drivers: loaded, its layout and core
 * checks done, its requests written as protocol lines. Preparing the next
 * file is the loader thread's work while the drivers answer this one. */
struct prepared {
	const char *path;
	struct kx_vector_file file;
	const struct kx_vector_kind *kind; /* NULL when the file cannot be used */
	struct kx_text report;             /* its ERROR and FAIL [core] lines, printed first */
	struct kx_text requests;           /* every request line, "id" 0..n_requests-1 */
	size_t n_requests;
	size_t *first;                     /* per kept test: its first request ... */
	int *count;                        /* ... and how many it has (0: none) */
	struct tally tally;                /* tests, malformed and core counts */
};

static void add_line(struct kx_text *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a printf-formatted line to text (silently dropped when out of memory). */
static void add_line(struct kx_text *text, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	if (n < 0 || kx_text_reserve(text, (size_t)n + 1) != 0)
		return;
	va_start(args, fmt);
	vsnprintf(text->data + text->len, (size_t)n + 1, fmt, args);
	va_end(args);
	text->len += (size_t)n;
}

/* Loads path and does everything about it that needs no driver. */
static void prepare(const char *path, struct prepared *p)
{
	char reason[512];
	memset(p, 0, sizeof *p);
	p->path = path;
	if (kx_vector_file_read(path, &p->file) != 0) {
		add_line(&p->report, "ERROR %s: %s\n", path, p->file.error);
		p->tally.malformed++;
		return;
	}
	p->kind = kx_vector_kind_for(p->file.schema);
	if (p->kind == NULL) {
		add_line(&p->report, "ERROR %s: unknown schema \"%s\": this kxconform has no checker for it\n", path,
			 p->file.schema);
		p->tally.malformed++;
		return;
	}
	const struct kx_vector_file *file = &p->file;
	for (size_t i = 0; i < file->n_problems; i++) {
		if (file->problems[i].tc_id > 0)
			add_line(&p->report, "ERROR %s tcId %lld: %s\n", file->name, file->problems[i].tc_id,
				 file->problems[i].text);
		else
			add_line(&p->report, "ERROR %s: %s\n", file->name, file->problems[i].text);
		p->tally.malformed++;
	}
	p->first = calloc(file->n_tests + 1, sizeof *p->first);
	p->count = calloc(file->n_tests + 1, sizeof *p->count);
	if (p->first == NULL || p->count == NULL) {
		add_line(&p->report, "ERROR %s: out of memory\n", path);
		p->tally.malformed++;
		p->kind = NULL;
		return;
	}
	for (size_t t = 0; t < file->n_tests; t++) {
		const struct kx_vector_test *test = &file->tests[t];
		p->tally.tests++;
		int core = kx_vector_check_core(p->kind, test, reason, sizeof reason);
		if (core != 0)
			p->tally.core_checked++;
		if (core < 0) {
			add_line(&p->report, "FAIL %s tcId %lld [core]: %s\n", file->name, test->tc_id, reason);
			p->tally.core_failed++;
		}
		p->first[t] = p->n_requests;
		int n = kx_vector_write_requests(p->kind, test, (long long)p->n_requests, &p->requests, reason,
						 sizeof reason);
		if (n < 0) {
			add_line(&p->report, "ERROR %s tcId %lld: %s\n", file->name, test->tc_id, reason);
			p->tally.malformed++;
			n = 0;
		}
		p->count[t] = n;
		p->n_requests += (size_t)n;
	}
}

static void release(struct prepared *p)
{
	kx_vector_file_free(&p->file);
	free(p->report.data);
	free(p->requests.data);
	free(p->first);
	free(p->count);
	memset(p, 0, sizeof *p);
}

/* A failed test of one driver, named once the drivers have answered the whole file. */
struct failure {
	size_t test;
	char reason[512];
	json_t *answer; /* the driver's answer (reference held), NULL when there is nothing to name */
};

/* The verdicts on one file's answers, made as the answers arrive. */
struct verdicts {
	const struct prepared *p;
	struct kx_driver_proc *drivers;
	size_t index[MAX_DRIVERS]; /* stream position -> driver: only drivers that list the operation */
	const char *claimed_reading;
	struct {
		size_t test;                               /* the kept test the next answers belong to */
		json_t *held[KX_MAX_REQUESTS_PER_TEST];    /* its answers so far */
		struct failure *failures;
		size_t n_failures, cap_failures;
		size_t checked, failed, not_implemented, accepted;
	} of[MAX_DRIVERS];
};

/* The reading the driver's key identifier answer is in, or NULL. */
static const char *built_reading(const struct kx_vector_test *test, json_t *answer)
{
	const char *built = kx_json_get_string(answer, "keyid");
	const char *id_hex = kx_json_doc_string(test->doc, kx_json_doc_get(test->doc, test->test_node, "keyIdBytes"));
	uint8_t id[KX_KEY_ID_LEN];
	size_t got = 0;
	struct kx_keyid parsed;
	if (built == NULL || id_hex == NULL || kx_hex_decode(id_hex, strlen(id_hex), id, sizeof id, &got) != 0 ||
	    got != sizeof id || kx_keyid_classify(built, strlen(built), id, &parsed) != KX_KEYID_OK)
		return NULL;
	return kx_keyid_reading_name(parsed.reading);
}

static void add_failure(struct verdicts *v, size_t d, size_t t, const char *reason, json_t *answer)
{
	if (v->of[d].n_failures == v->of[d].cap_failures) {
		size_t cap = v->of[d].cap_failures ? 2 * v->of[d].cap_failures : 16;
		struct failure *more = realloc(v->of[d].failures, cap * sizeof *more);
		if (more == NULL)
			return;
		v->of[d].failures = more;
		v->of[d].cap_failures = cap;
	}
	struct failure *f = &v->of[d].failures[v->of[d].n_failures++];
	f->test = t;
	snprintf(f->reason, sizeof f->reason, "%s", reason);
	f->answer = json_is_true(json_object_get(answer, "ok")) ? json_incref(answer) : NULL;
}

/* Takes driver d's answer to request i; judges a test once all its answers are in. */
static void take_answer(void *ctx, size_t position, size_t i, json_t *response)
{
	struct verdicts *v = ctx;
	size_t d = v->index[position];
	const struct prepared *p = v->p;
	const size_t n_tests = p->file.n_tests;
	size_t t = v->of[d].test;
	/* Answers come in request order; tests without requests are skipped. */
	while (t < n_tests && (p->count[t] == 0 || i >= p->first[t] + (size_t)p->count[t]))
		t++;
	v->of[d].test = t;
	if (t == n_tests) { /* cannot happen: the driver_proc layer numbers the answers */
		json_decref(response);
		return;
	}
	json_t **held = v->of[d].held;
	held[i - p->first[t]] = response;
	if (i + 1 < p->first[t] + (size_t)p->count[t])
		return;

	const struct kx_vector_test *test = &p->file.tests[t];
	const char *op = kx_vector_kind_op(p->kind);
	const char *reading = kx_json_doc_string(test->doc, kx_json_doc_get(test->doc, test->test_node, "reading"));
	char reason[512];
	if (strcmp(op, "keyid") == 0 && reading != NULL &&
	    !kx_driver_supports_variant(&v->drivers[d], op, reading)) {
		/* A reading the driver's hello does not list: not asked of it. */
		v->of[d].not_implemented++;
	} else if (kx_vector_verify(p->kind, test, held, 1, reason, sizeof reason) != 0) {
		const char *built = strcmp(op, "keyid") == 0 ? built_reading(test, held[0]) : NULL;
		v->of[d].checked++;
		if (built != NULL && v->claimed_reading != NULL && reading != NULL && strcmp(reading, "reference") == 0 &&
		    strcmp(built, v->claimed_reading) == 0) {
			v->of[d].accepted++;
		} else {
			add_failure(v, d, t, reason, held[0]);
			v->of[d].failed++;
		}
	} else {
		v->of[d].checked++;
	}
	for (int r = 0; r < p->count[t]; r++) {
		json_decref(held[r]);
		held[r] = NULL;
	}
	v->of[d].test = t + 1;
}

/* The FAIL line of a failure, with the mistake the judge's models name when the answer is wrong. */
static void report_failure(const struct prepared *p, const char *driver, struct failure *f,
                           struct kx_judge_crypto *crypto, struct kx_text *out)
{
	const struct kx_vector_test *test = &p->file.tests[f->test];
	const char *op = kx_vector_kind_op(p->kind);
	struct kx_naming naming = {{0}, {0}};
	int named = -1;
	if (f->answer != NULL && crypto != NULL && kx_vector_op_is_named(op)) {
		crypto->failed = 0;
		named = kx_vector_name_answer(crypto, op, test, f->answer, &naming);
	}
	if (named == 1)
		add_line(out, "FAIL %s tcId %lld [%s]: %s; mistake %s: %s\n", p->file.name, test->tc_id, driver, f->reason,
		         naming.name, naming.explanation);
	else if (named == 0)
		add_line(out, "FAIL %s tcId %lld [%s]: %s; %s\n", p->file.name, test->tc_id, driver, f->reason,
		         naming.explanation);
	else
		add_line(out, "FAIL %s tcId %lld [%s]: %s\n", p->file.name, test->tc_id, driver, f->reason);
	json_decref(f->answer);
}

/* The harness's own check of its models: every invalid test is named by its variant. */
static void check_models(const struct prepared *p, struct kx_judge_crypto *crypto, struct kx_text *out,
                         struct tally *tally)
{
	const char *op = kx_vector_kind_op(p->kind);
	if (crypto == NULL || !kx_vector_op_is_named(op))
		return;
	for (size_t t = 0; t < p->file.n_tests; t++) {
		const struct kx_vector_test *test = &p->file.tests[t];
		const char *variant = kx_vector_test_variant(test);
		if (strcmp(test->result, "invalid") != 0 || variant == NULL)
			continue;
		struct kx_naming naming = {{0}, {0}};
		crypto->failed = 0;
		int named = kx_vector_name_answer(crypto, op, test, NULL, &naming);
		tally->models_checked++;
		if (named != 1 || strcmp(naming.name, variant) != 0) {
			tally->models_failed++;
			add_line(out, "FAIL %s tcId %lld [models]: the test carries %s; the judge names %s (%s)\n",
			         p->file.name, test->tc_id, variant, named == 1 ? naming.name : "nothing",
			         naming.explanation);
		}
	}
}

/* Checks one prepared file on every driver at once; appends what it found to
 * out (each failure, then the file's line) and adds to the tally. */
/* How the answers are judged: the declared key identifier reading, and the reference driver
 * that names mistakes (NULL when there is none). */
struct judging {
	const char *claimed_reading;
	struct kx_judge_crypto *crypto;
	int with_models;
};

static void check_file(struct prepared *p, struct kx_driver_proc *drivers, size_t n_drivers, int timeout_ms,
                       const struct judging *judging, struct kx_text *out, struct tally *total)
{
	struct tally tally = p->tally;
	kx_text_put(out, p->report.data != NULL ? p->report.data : "", p->report.len);
	if (p->kind == NULL) {
		total->malformed += tally.malformed;
		return;
	}
	struct kx_judge_crypto *crypto = judging->crypto;
	if (judging->with_models)
		check_models(p, crypto, out, &tally);

	/* Every test's requests go to every driver that lists the operation, in one pipelined
	 * stream; the answers are judged as they arrive, while the drivers work on. */
	struct verdicts *v = calloc(1, sizeof *v);
	struct kx_driver_proc *procs[MAX_DRIVERS];
	size_t n_procs = 0;
	size_t with_requests = 0;
	for (size_t t = 0; t < p->file.n_tests; t++)
		with_requests += p->count[t] > 0;
	for (size_t d = 0; v != NULL && d < n_drivers; d++) {
		if (kx_driver_supports_op(&drivers[d], kx_vector_kind_op(p->kind))) {
			v->index[n_procs] = d;
			procs[n_procs++] = &drivers[d];
		} else {
			tally.not_implemented[d] = with_requests;
		}
	}
	if (v != NULL && p->n_requests > 0 && n_procs > 0) {
		v->p = p;
		v->drivers = drivers;
		v->claimed_reading = judging->claimed_reading;
		struct kx_driver_answers to = {take_answer, v};
		kx_driver_stream(procs, n_procs, p->requests.data, p->requests.len, p->n_requests, &to, timeout_ms);
		for (size_t d = 0; d < n_drivers; d++) {
			for (size_t f = 0; f < v->of[d].n_failures; f++)
				report_failure(p, drivers[d].name, &v->of[d].failures[f], crypto, out);
			free(v->of[d].failures);
			tally.checked[d] = v->of[d].checked;
			tally.failed[d] = v->of[d].failed;
			tally.not_implemented[d] += v->of[d].not_implemented;
			tally.accepted[d] = v->of[d].accepted;
		}
	}
	free(v);

	add_line(out, "  %-40s %4zu tests", p->file.name, tally.tests);
	if (tally.core_checked > 0)
		add_line(out, "  core %zu/%zu", tally.core_checked - tally.core_failed, tally.core_checked);
	if (tally.models_checked > 0)
		add_line(out, "  models %zu/%zu", tally.models_checked - tally.models_failed, tally.models_checked);
	for (size_t d = 0; d < n_drivers; d++) {
		add_line(out, "  %s %zu/%zu", drivers[d].name, tally.checked[d] - tally.failed[d], tally.checked[d]);
		if (tally.accepted[d] > 0)
			add_line(out, " (%zu in the declared reading)", tally.accepted[d]);
		if (tally.not_implemented[d] > 0)
			add_line(out, " (%zu not implemented)", tally.not_implemented[d]);
	}
	add_line(out, "%s\n", tally.malformed ? "  (malformed entries above)" : "");

	total->tests += tally.tests;
	total->malformed += tally.malformed;
	total->core_checked += tally.core_checked;
	total->core_failed += tally.core_failed;
	total->models_checked += tally.models_checked;
	total->models_failed += tally.models_failed;
	for (size_t d = 0; d < n_drivers; d++) {
		total->checked[d] += tally.checked[d];
		total->failed[d] += tally.failed[d];
		total->not_implemented[d] += tally.not_implemented[d];
		total->accepted[d] += tally.accepted[d];
	}
}

/* The loader thread prepares the files, at most one ahead of the file being
 * checked: with 100,000 tests, reading a file and writing its requests took
 * a tenth of a second, which on two cores overlaps the drivers' work on the
 * file before. The files go smallest first, so that the drivers wait only for
 * the smallest to be prepared; what each file gives is printed in the order
 * of the names all the same. */
struct loader {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	char **paths;   /* in the order they are checked */
	int n;
	struct prepared *files;
	int prepared; /* files[0..prepared) are ready to check */
	int checked;  /* files[0..checked) are checked and released */
};

static void *load_ahead(void *arg)
{
	struct loader *l = arg;
	for (int i = 0; i < l->n; i++) {
		pthread_mutex_lock(&l->lock);
		while (i > l->checked + 1)
			pthread_cond_wait(&l->changed, &l->lock);
		pthread_mutex_unlock(&l->lock);
		prepare(l->paths[i], &l->files[i]);
		pthread_mutex_lock(&l->lock);
		l->prepared = i + 1;
		pthread_cond_broadcast(&l->changed);
		pthread_mutex_unlock(&l->lock);
	}
	return NULL;
}

/* Sorts the indexes of the files by size, ties (and unreadable files) in
 * their own order. */
static void smallest_first(char **files, int n, int *order)
{
	long long *sizes = calloc((size_t)n, sizeof *sizes);
	for (int i = 0; i < n; i++) {
		struct stat st;
		order[i] = i;
		if (sizes != NULL)
			sizes[i] = stat(files[i], &st) == 0 ? (long long)st.st_size : 0;
	}
	/* Insertion sort: stable, and a run holds a handful of files. */
	for (int i = 1; sizes != NULL && i < n; i++)
		for (int j = i; j > 0 && sizes[order[j]] < sizes[order[j - 1]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	free(sizes);
}

/* Checks every file on every driver, printing as it goes; 0, or -1 when out of memory. */
static int check_all(char **files, int n_files, struct kx_driver_proc *drivers, size_t n_drivers, int timeout_ms,
		     const struct judging *judging,
		     struct tally *total)
{
	/* Checked smallest first (see struct loader), printed in the order of the names. */
	int *order = calloc((size_t)n_files, sizeof *order);
	char **by_size = calloc((size_t)n_files, sizeof *by_size);
	struct kx_text *outputs = calloc((size_t)n_files, sizeof *outputs);
	int *done = calloc((size_t)n_files, sizeof *done);
	struct loader loader = {.paths = by_size, .n = n_files};
	loader.files = calloc((size_t)n_files, sizeof *loader.files);
	int ok = order != NULL && by_size != NULL && outputs != NULL && done != NULL && loader.files != NULL;
	if (ok) {
		smallest_first(files, n_files, order);
		for (int k = 0; k < n_files; k++)
			by_size[k] = files[order[k]];
	}

	pthread_t thread;
	int threaded = ok && pthread_mutex_init(&loader.lock, NULL) == 0;
	if (threaded && pthread_cond_init(&loader.changed, NULL) != 0) {
		pthread_mutex_destroy(&loader.lock);
		threaded = 0;
	}
	if (threaded && pthread_create(&thread, NULL, load_ahead, &loader) != 0) {
		pthread_cond_destroy(&loader.changed);
		pthread_mutex_destroy(&loader.lock);
		threaded = 0;
	}
	int printed = 0;
	for (int k = 0; ok && k < n_files; k++) {
		struct prepared *p = &loader.files[k];
		if (threaded) {
			pthread_mutex_lock(&loader.lock);
			while (loader.prepared <= k)
				pthread_cond_wait(&loader.changed, &loader.lock);
			pthread_mutex_unlock(&loader.lock);
		} else {
			/* Without the thread (it could not start): one file after the other. */
			prepare(by_size[k], p);
		}
		check_file(p, drivers, n_drivers, timeout_ms, judging, &outputs[order[k]], total);
		release(p);
		if (threaded) {
			pthread_mutex_lock(&loader.lock);
			loader.checked = k + 1;
			pthread_cond_broadcast(&loader.changed);
			pthread_mutex_unlock(&loader.lock);
		}
		done[order[k]] = 1;
		for (; printed < n_files && done[printed]; printed++) {
			fwrite(outputs[printed].data != NULL ? outputs[printed].data : "", 1, outputs[printed].len, stdout);
			free(outputs[printed].data);
		}
		fflush(stdout);
	}
	if (threaded) {
		pthread_join(thread, NULL);
		pthread_cond_destroy(&loader.changed);
		pthread_mutex_destroy(&loader.lock);
	}
	free(loader.files);
	free(order);
	free(by_size);
	free(outputs);
	free(done);
	return ok ? 0 : -1;
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
	struct kx_expectations expect = {0};
	char err[600];
	if (kx_pool_init(&pool, opt.driver_specs, opt.n_drivers, opt.timeout_ms, err, sizeof err) != 0 ||
	    kx_pool_start_all(&pool, err, sizeof err) != 0 ||
	    kx_expectations_load(opt.expect, &expect, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform vectors: %s\n", err);
		kx_pool_stop(&pool);
		for (int i = 0; i < n_files; i++)
			free(files[i]);
		free(files);
		return KX_EXIT_USAGE;
	}
	struct kx_driver_proc *drivers = pool.procs;
	size_t n_drivers = pool.n;
	/* Mistakes are named with a reference driver's HMAC, never with the driver under test. */
	size_t refs[2];
	struct kx_judge_crypto crypto = {.pool = &pool};
	struct judging judging = {expect.claimed_reading, NULL, opt.check_models};
	if (kx_pool_references(&pool, refs) > 0) {
		crypto.driver = refs[0];
		judging.crypto = &crypto;
	} else if (opt.check_models) {
		fprintf(stderr, "kxconform vectors: --check-models needs the reference drivers beside kxconform\n");
		kx_expectations_free(&expect);
		kx_pool_stop(&pool);
		for (int i = 0; i < n_files; i++)
			free(files[i]);
		free(files);
		return KX_EXIT_USAGE;
	}

	printf("kxconform vectors: %d file%s on", n_files, n_files == 1 ? "" : "s");
	for (size_t d = 0; d < n_drivers; d++)
		printf("%s %s (%s)", d ? "," : "", drivers[d].name, kx_driver_implementation(&drivers[d]));
	printf("\n");
	fflush(stdout);

	struct tally total = {0};
	if (check_all(files, n_files, drivers, n_drivers, opt.timeout_ms, &judging, &total) != 0) {
		fprintf(stderr, "kxconform vectors: out of memory\n");
		kx_pool_stop(&pool);
		for (int i = 0; i < n_files; i++)
			free(files[i]);
		free(files);
		return KX_EXIT_USAGE;
	}

	size_t failed = total.core_failed + total.models_failed;
	printf("kxconform vectors: %zu tests;", total.tests);
	if (total.core_checked > 0)
		printf(" core %zu/%zu passed;", total.core_checked - total.core_failed, total.core_checked);
	if (total.models_checked > 0)
		printf(" models %zu/%zu named;", total.models_checked - total.models_failed, total.models_checked);
	for (size_t d = 0; d < n_drivers; d++) {
		printf(" %s %zu/%zu passed;", drivers[d].name, total.checked[d] - total.failed[d], total.checked[d]);
		if (total.accepted[d] > 0)
			printf(" (%s: %zu in the declared %s reading, not the reference)", drivers[d].name,
			       total.accepted[d], expect.claimed_reading);
		if (total.not_implemented[d] > 0)
			printf(" (%s: %zu not implemented)", drivers[d].name, total.not_implemented[d]);
		failed += total.failed[d];
		if (drivers[d].failure[0] != '\0')
			printf(" (%s: %s)", drivers[d].name, drivers[d].failure);
	}
	kx_pool_stop(&pool);
	kx_expectations_free(&expect);
	printf(" %zu failed, %zu malformed\n", failed, total.malformed);
	for (int i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	return failed == 0 && total.malformed == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
}
