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
#include "runner/commands/commands.h"

#include "core/errors.h"
#include "core/growable.h"
#include "core/json_io.h"
#include "core/json_write.h"
#include "core/json_doc.h"
#include "core/hex.h"
#include "core/keyid.h"
#include "runner/commands/cli.h"
#include "runner/drivers/driver_pool.h"
#include "runner/cases/expectations.h"
#include "runner/reports/output_dir.h"
#include "runner/reports/report.h"
#include "runner/vectors/vector_checks.h"
#include "runner/vectors/vector_file.h"
#include "runner/vectors/vector_naming.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
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

#define MAX_DRIVERS KX_MAX_DRIVERS
#define MAX_PATHS 64

struct options {
	const char *paths[MAX_PATHS];
	size_t n_paths;
	const char *driver_specs[MAX_DRIVERS];
	size_t n_drivers;
	int timeout_ms;
	const char *expect;  /* expectations file: the key identifier reading a vendor declares */
	const char *output;  /* where reports/vectors.json and reports/junit-vectors.xml go */
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
		KX_DEFAULT_VECTORS, MAX_PATHS, MAX_DRIVERS);
}

/* One option and its value into opt; 0, or -1 after saying what is wrong and the limit it broke. */
static int set_option(struct options *opt, const char *arg, const char *value)
{
	if (strcmp(arg, "--vectors") == 0) {
		if (!kx_cli_list_option(arg, "--vectors", value, opt->paths, &opt->n_paths, MAX_PATHS))
			return kx_cli_error("vectors", "at most %d --vectors options (a directory holds many files)",
			                    MAX_PATHS);
	} else if (strcmp(arg, "--driver") == 0) {
		if (!kx_cli_list_option(arg, "--driver", value, opt->driver_specs, &opt->n_drivers, MAX_DRIVERS))
			return kx_cli_error("vectors", "at most %d --driver options", MAX_DRIVERS);
	} else if (strcmp(arg, "--expect") == 0) {
		opt->expect = value;
	} else if (strcmp(arg, "--output") == 0) {
		opt->output = value;
	} else if (!kx_cli_int(value, 1, INT_MAX, &opt->timeout_ms)) {
		return kx_cli_error("vectors", "--timeout takes milliseconds, a whole number from 1 to %d, not \"%s\"",
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
	json_t *problems;                  /* the ERROR lines as {"tcId"?, "text"} */
	json_t *core_failures;             /* the FAIL [core] lines as {"tcId", "reason"} */
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

/* text as a JSON string; bytes that are not UTF-8 (a reason quoting a malformed file) become '?'. */
static json_t *text_json(const char *text)
{
	json_t *value = json_string(text);
	if (value != NULL)
		return value;
	char *copy = strdup(text);
	for (char *c = copy; c != NULL && *c != '\0'; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	value = json_string(copy != NULL ? copy : "");
	free(copy);
	return value;
}

/* A problem with the file or one of its tests (tc_id 0: the file's): an ERROR line, and an entry
 * of the vectors report. */
static void add_problem(struct prepared *p, const char *name, long long tc_id, const char *text)
{
	json_t *entry = json_pack("{s:o}", "text", text_json(text));
	if (tc_id > 0) {
		add_line(&p->report, "ERROR %s tcId %lld: %s\n", name, tc_id, text);
		json_object_set_new(entry, "tcId", json_integer(tc_id));
	} else {
		add_line(&p->report, "ERROR %s: %s\n", name, text);
	}
	json_array_append_new(p->problems, entry);
	p->tally.malformed++;
}

/* Loads path and does everything about it that needs no driver. */
static void prepare(const char *path, struct prepared *p)
{
	char reason[512];
	memset(p, 0, sizeof *p);
	p->path = path;
	p->problems = json_array();
	p->core_failures = json_array();
	if (kx_vector_file_read(path, &p->file) != 0) {
		add_problem(p, path, 0, p->file.error);
		return;
	}
	p->kind = kx_vector_kind_for(p->file.schema);
	if (p->kind == NULL) {
		snprintf(reason, sizeof reason, "unknown schema \"%s\": this kxconform has no checker for it",
		         p->file.schema);
		add_problem(p, path, 0, reason);
		return;
	}
	const struct kx_vector_file *file = &p->file;
	for (size_t i = 0; i < file->n_problems; i++)
		add_problem(p, file->name, file->problems[i].tc_id, file->problems[i].text);
	p->first = calloc(file->n_tests + 1, sizeof *p->first);
	p->count = calloc(file->n_tests + 1, sizeof *p->count);
	if (p->first == NULL || p->count == NULL) {
		add_problem(p, path, 0, "out of memory");
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
			json_array_append_new(p->core_failures,
			                      json_pack("{s:I, s:o}", "tcId", (json_int_t)test->tc_id, "reason", text_json(reason)));
			p->tally.core_failed++;
		}
		p->first[t] = p->n_requests;
		int n = kx_vector_write_requests(p->kind, test, (long long)p->n_requests, &p->requests, reason,
						 sizeof reason);
		if (n < 0) {
			add_problem(p, file->name, test->tc_id, reason);
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
	json_decref(p->problems);
	json_decref(p->core_failures);
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
		json_t *not_implemented_ids, *accepted_ids; /* tcIds, for the report */
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
	if (KX_GROW(v->of[d].failures, v->of[d].cap_failures, v->of[d].n_failures + 1) != 0)
		return;
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
		json_array_append_new(v->of[d].not_implemented_ids, json_integer(test->tc_id));
	} else if (kx_vector_verify(p->kind, test, held, 1, reason, sizeof reason) != 0) {
		const char *built = strcmp(op, "keyid") == 0 ? built_reading(test, held[0]) : NULL;
		v->of[d].checked++;
		if (built != NULL && v->claimed_reading != NULL && reading != NULL && strcmp(reading, "reference") == 0 &&
		    strcmp(built, v->claimed_reading) == 0) {
			v->of[d].accepted++;
			json_array_append_new(v->of[d].accepted_ids, json_integer(test->tc_id));
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

/* The FAIL line of a failure, with the mistake the judge's models name when the answer is wrong;
 * and its entry in the vectors report, appended to failures. */
static void report_failure(const struct prepared *p, const char *driver, struct failure *f,
                           struct kx_judge_crypto *crypto, struct kx_text *out, json_t *failures)
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
	json_t *entry = json_pack("{s:I, s:o, s:o}", "tcId", (json_int_t)test->tc_id, "reason", text_json(f->reason),
	                          "mistake", named == 1 ? text_json(naming.name) : json_null());
	if (named >= 0)
		json_object_set_new(entry, "explanation", text_json(naming.explanation));
	json_array_append_new(failures, entry);
	json_decref(f->answer);
}

/* The harness's own check of its models: every invalid test is named by its variant. */
static void check_models(const struct prepared *p, struct kx_judge_crypto *crypto, struct kx_text *out,
                         struct tally *tally, json_t *failures)
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
			char reason[1600];
			tally->models_failed++;
			snprintf(reason, sizeof reason, "the test carries %s; the judge names %s (%s)", variant,
			         named == 1 ? naming.name : "nothing", naming.explanation);
			add_line(out, "FAIL %s tcId %lld [models]: %s\n", p->file.name, test->tc_id, reason);
			json_array_append_new(failures,
			                      json_pack("{s:I, s:o}", "tcId", (json_int_t)test->tc_id, "reason", text_json(reason)));
		}
	}
}

/* How the answers are judged: the declared key identifier reading, and the reference driver
 * that names mistakes (NULL when there is none). */
struct judging {
	const char *claimed_reading;
	struct kx_judge_crypto *crypto;
	int with_models;
};

/* The file's entry in the vectors report, before the drivers: its name, tests and problems. */
static json_t *file_entry(const struct prepared *p)
{
	const char *slash = strrchr(p->path, '/');
	json_t *entry = json_pack("{s:o, s:o, s:I, s:O, s:[]}", "file", text_json(p->path), "name",
	                          text_json(p->file.name != NULL ? p->file.name : slash != NULL ? slash + 1 : p->path),
	                          "tests", (json_int_t)p->tally.tests, "problems", p->problems, "tcIds");
	if (p->file.schema != NULL)
		json_object_set_new(entry, "schema", text_json(p->file.schema));
	json_t *ids = json_object_get(entry, "tcIds");
	for (size_t t = 0; p->count != NULL && t < p->file.n_tests; t++)
		if (p->count[t] > 0)
			json_array_append_new(ids, json_integer(p->file.tests[t].tc_id));
	return entry;
}

/* One driver's results on a file for the vectors report. */
static json_t *driver_entry(const char *name, const struct tally *tally, size_t d, json_t *failures,
                            json_t *not_implemented, json_t *accepted)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "driver", name, "checked",
	                 (json_int_t)tally->checked[d], "passed",
	                 (json_int_t)(tally->checked[d] - tally->failed[d] - tally->accepted[d]), "accepted",
	                 (json_int_t)tally->accepted[d], "failed", (json_int_t)tally->failed[d], "not_implemented",
	                 (json_int_t)tally->not_implemented[d], "failures", failures, "accepted_tcIds", accepted,
	                 "not_implemented_tcIds", not_implemented);
}

/* Checks one prepared file on every driver at once; appends what it found to out (each failure,
 * then the file's line), adds to the tally, and returns the file's entry of the vectors report. */
static json_t *check_file(struct prepared *p, struct kx_driver_proc *drivers, size_t n_drivers, int timeout_ms,
                          const struct judging *judging, struct kx_text *out, struct tally *total)
{
	struct tally tally = p->tally;
	json_t *entry = file_entry(p);
	kx_text_put(out, p->report.data != NULL ? p->report.data : "", p->report.len);
	if (p->kind == NULL) {
		total->malformed += tally.malformed;
		return entry;
	}
	json_object_set_new(entry, "core", json_pack("{s:I, s:I, s:O}", "checked", (json_int_t)tally.core_checked,
	                                             "failed", (json_int_t)tally.core_failed, "failures",
	                                             p->core_failures));
	struct kx_judge_crypto *crypto = judging->crypto;
	if (judging->with_models) {
		json_t *failures = json_array();
		check_models(p, crypto, out, &tally, failures);
		json_object_set_new(entry, "models",
		                    json_pack("{s:I, s:I, s:o}", "checked", (json_int_t)tally.models_checked, "failed",
		                              (json_int_t)tally.models_failed, "failures", failures));
	}

	/* Every test's requests go to every driver that lists the operation, in one pipelined
	 * stream; the answers are judged as they arrive, while the drivers work on. */
	struct verdicts *v = calloc(1, sizeof *v);
	struct kx_driver_proc *procs[MAX_DRIVERS];
	json_t *failures[MAX_DRIVERS], *not_implemented[MAX_DRIVERS], *accepted[MAX_DRIVERS];
	size_t n_procs = 0;
	size_t with_requests = 0;
	for (size_t t = 0; t < p->file.n_tests; t++)
		with_requests += p->count[t] > 0;
	for (size_t d = 0; d < n_drivers; d++) {
		failures[d] = json_array();
		accepted[d] = json_array();
		not_implemented[d] = json_array();
		if (v != NULL) {
			v->of[d].not_implemented_ids = not_implemented[d];
			v->of[d].accepted_ids = accepted[d];
		}
		if (v != NULL && kx_driver_supports_op(&drivers[d], kx_vector_kind_op(p->kind))) {
			v->index[n_procs] = d;
			procs[n_procs++] = &drivers[d];
		} else {
			tally.not_implemented[d] = with_requests;
			json_array_extend(not_implemented[d], json_object_get(entry, "tcIds"));
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
				report_failure(p, drivers[d].name, &v->of[d].failures[f], crypto, out, failures[d]);
			free(v->of[d].failures);
			tally.checked[d] = v->of[d].checked;
			tally.failed[d] = v->of[d].failed;
			tally.not_implemented[d] += v->of[d].not_implemented;
			tally.accepted[d] = v->of[d].accepted;
		}
	}
	free(v);
	json_t *results = json_array();
	for (size_t d = 0; d < n_drivers; d++)
		json_array_append_new(results, driver_entry(drivers[d].name, &tally, d, failures[d], not_implemented[d],
		                                            accepted[d]));
	json_object_set_new(entry, "drivers", results);

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
	return entry;
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

/* Checks every file on every driver, printing as it goes, with each file's entry of the vectors
 * report in entries (in the order of files); 0, or -1 when out of memory. */
static int check_all(char **files, int n_files, struct kx_driver_proc *drivers, size_t n_drivers, int timeout_ms,
		     const struct judging *judging, struct tally *total, json_t **entries)
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
		entries[order[k]] = check_file(p, drivers, n_drivers, timeout_ms, judging, &outputs[order[k]], total);
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

/* The vectors report's header: harness, start, host, and each driver as far as it started. */
static json_t *report_header(const struct options *opt, const struct kx_driver_pool *pool, time_t started)
{
	char when[32], host[256] = "";
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
	gethostname(host, sizeof host - 1);
	json_t *report = json_pack("{s:i, s:s, s:s, s:o, s:[], s:[], s:[]}", "vectors_version", KX_VECTORS_REPORT_VERSION,
	                           "harness", "kxconform " KX_VERSION, "started", when, "host", text_json(host),
	                           "vectors", "drivers", "files");
	for (size_t i = 0; i < opt->n_paths; i++)
		json_array_append_new(json_object_get(report, "vectors"), text_json(opt->paths[i]));
	if (opt->expect != NULL)
		json_object_set_new(report, "expectations", text_json(opt->expect));
	for (size_t d = 0; pool != NULL && d < pool->n; d++) {
		json_t *driver = json_pack("{s:o, s:o, s:o}", "name", text_json(pool->names[d]), "path",
		                           text_json(pool->paths[d]), "implementation",
		                           text_json(kx_driver_implementation(&pool->procs[d])));
		if (pool->procs[d].failure[0] != '\0')
			json_object_set_new(driver, "failure", text_json(pool->procs[d].failure));
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
static json_t *report_summary(const struct tally *total, const struct kx_driver_pool *pool, size_t n_files,
                              size_t failed)
{
	json_t *drivers = json_array();
	for (size_t d = 0; pool != NULL && d < pool->n; d++)
		json_array_append_new(drivers, json_pack("{s:o, s:I, s:I, s:I, s:I, s:I}", "driver",
		                                         text_json(pool->names[d]), "checked",
		                                         (json_int_t)total->checked[d], "passed",
		                                         (json_int_t)(total->checked[d] - total->failed[d] -
		                                                      total->accepted[d]),
		                                         "accepted", (json_int_t)total->accepted[d], "failed",
		                                         (json_int_t)total->failed[d], "not_implemented",
		                                         (json_int_t)total->not_implemented[d]));
	json_t *summary = json_pack("{s:I, s:I, s:I, s:I, s:b, s:{s:I, s:I}, s:o}", "files", (json_int_t)n_files,
	                            "tests", (json_int_t)total->tests, "failed", (json_int_t)failed, "malformed",
	                            (json_int_t)total->malformed, "passed", failed == 0 && total->malformed == 0,
	                            "core", "checked", (json_int_t)total->core_checked, "failed",
	                            (json_int_t)total->core_failed, "drivers", drivers);
	if (total->models_checked > 0)
		json_object_set_new(summary, "models", json_pack("{s:I, s:I}", "checked", (json_int_t)total->models_checked,
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
	struct tally none;
	memset(&none, 0, sizeof none);
	json_t *report = report_header(opt, pool, started);
	json_object_set_new(report, "error", text_json(why));
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

int kx_cmd_vectors(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt) != 0)
		return KX_EXIT_USAGE;
	char err[1200];
	/* One command at a time in the output directory, and never an earlier report beside this one. */
	int lock = kx_output_lock(opt.output, "vectors", err, sizeof err);
	if (lock < 0 || kx_output_clear_files(opt.output, kx_vectors_report_files, KX_VECTORS_REPORT_FILES, err,
	                                      sizeof err) != 0) {
		fprintf(stderr, "kxconform vectors: %s\n", err);
		kx_output_unlock(lock);
		return KX_EXIT_USAGE;
	}
	time_t started = time(NULL);
	double t0 = now_ms();
	char **files = NULL;
	int n_files = list_files(&opt, &files, err, sizeof err);
	if (n_files <= 0) {
		free(files);
		int status = setup_error(&opt, NULL, started, t0, n_files == 0 ? "no *.json vector file found" : err);
		kx_output_unlock(lock);
		return status;
	}
	struct kx_driver_pool pool;
	struct kx_expectations expect = {0};
	if (kx_pool_init(&pool, opt.driver_specs, opt.n_drivers, opt.timeout_ms, err, sizeof err) != 0 ||
	    kx_pool_start_all(&pool, err, sizeof err) != 0 ||
	    kx_expectations_load(opt.expect, &expect, err, sizeof err) != 0) {
		kx_pool_stop(&pool);
		free_files(files, n_files);
		int status = setup_error(&opt, &pool, started, t0, err);
		kx_output_unlock(lock);
		return status;
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
		kx_expectations_free(&expect);
		kx_pool_stop(&pool);
		free_files(files, n_files);
		int status = setup_error(&opt, &pool, started, t0,
		                         "--check-models needs the reference drivers beside kxconform");
		kx_output_unlock(lock);
		return status;
	}

	printf("kxconform vectors: %d file%s on", n_files, n_files == 1 ? "" : "s");
	for (size_t d = 0; d < n_drivers; d++)
		printf("%s %s (%s)", d ? "," : "", drivers[d].name, kx_driver_implementation(&drivers[d]));
	printf("\n");
	fflush(stdout);

	struct tally total = {0};
	json_t **entries = calloc((size_t)n_files, sizeof *entries);
	if (entries == NULL ||
	    check_all(files, n_files, drivers, n_drivers, opt.timeout_ms, &judging, &total, entries) != 0) {
		free(entries);
		kx_expectations_free(&expect);
		kx_pool_stop(&pool);
		free_files(files, n_files);
		int status = setup_error(&opt, &pool, started, t0, "out of memory");
		kx_output_unlock(lock);
		return status;
	}

	size_t failed = total.core_failed + total.models_failed;
	for (size_t d = 0; d < n_drivers; d++)
		failed += total.failed[d];
	int status = failed == 0 && total.malformed == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;

	/* The report, once the drivers' failures (if any) are known; the summary line stays the last. */
	json_t *report = report_header(&opt, &pool, started);
	if (expect.claimed_reading != NULL)
		json_object_set_new(report, "key_identifier_reading", text_json(expect.claimed_reading));
	for (int i = 0; i < n_files; i++)
		json_array_append_new(json_object_get(report, "files"), entries[i]);
	free(entries);
	json_object_set_new(report, "duration_ms", json_real(now_ms() - t0));
	json_object_set_new(report, "summary", report_summary(&total, &pool, (size_t)n_files, failed));
	if (kx_report_write_vectors(report, opt.output, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform vectors: no report was written: %s\n", err);
		printf("reports: none written (the error is on standard error)\n");
		status = KX_EXIT_USAGE;
	} else {
		printf("reports: %s/reports/ (vectors.json, junit-vectors.xml)\n", opt.output);
	}
	json_decref(report);

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
		if (drivers[d].failure[0] != '\0')
			printf(" (%s: %s)", drivers[d].name, drivers[d].failure);
	}
	printf(" %zu failed, %zu malformed\n", failed, total.malformed);
	kx_pool_stop(&pool);
	kx_expectations_free(&expect);
	free_files(files, n_files);
	if ((fflush(stdout) != 0 || ferror(stdout)) && status != KX_EXIT_USAGE) {
		fprintf(stderr, "kxconform vectors: cannot write the standard output: %s\n", strerror(errno ? errno : EIO));
		status = KX_EXIT_USAGE;
	}
	kx_output_unlock(lock);
	return status;
}
