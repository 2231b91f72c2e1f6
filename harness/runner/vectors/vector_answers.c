/* vector_answers.c - one prepared vector file on every driver
 * (vector_answers.h). The requests go to the drivers in one pipelined
 * stream and each test is judged as soon as its answers are in, while the
 * drivers work on; failures are named after the whole file, when a reference
 * driver is free to compute the mistake models. */
#include "runner/vectors/vector_answers.h"

#include "core/growable.h"
#include "core/hex.h"
#include "core/json_doc.h"
#include "core/json_io.h"
#include "core/keyid.h"
#include "runner/judge/naming.h"
#include "runner/vectors/vector_checks.h"
#include "runner/vectors/vector_naming.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A failed test of one driver, named once the drivers have answered the whole file. */
struct failure {
	size_t test;
	char reason[512];
	json_t *answer; /* the driver's answer (reference held), NULL when there is nothing to name */
};

/* The verdicts on one file's answers, made as the answers arrive. */
struct verdicts {
	const struct kx_prepared_file *p;
	struct kx_driver_proc *drivers;
	size_t index[KX_MAX_DRIVERS]; /* stream position -> driver: only drivers that list the operation */
	const char *claimed_reading;
	struct {
		size_t test;                            /* the kept test the next answers belong to */
		json_t *held[KX_MAX_REQUESTS_PER_TEST]; /* its answers so far */
		struct failure *failures;
		size_t n_failures, cap_failures;
		size_t checked, failed, not_implemented, accepted;
		json_t *not_implemented_ids, *accepted_ids; /* tcIds, for the report */
	} of[KX_MAX_DRIVERS];
};

/* The reading the driver's key identifier answer is in, or NULL. */
static const char *built_reading(const struct kx_vector_test *test, json_t *answer)
{
	const char *built = kx_json_get_string(answer, "keyid");
	const char *id_hex =
	    kx_json_doc_string(test->doc, kx_json_doc_get(test->doc, test->test_node, "keyIdBytes"));
	uint8_t id[KX_KEY_ID_LEN];
	size_t got = 0;
	struct kx_keyid parsed;
	if (built == NULL || id_hex == NULL ||
	    kx_hex_decode(id_hex, strlen(id_hex), id, sizeof id, &got) != 0 || got != sizeof id ||
	    kx_keyid_classify(built, strlen(built), id, &parsed) != KX_KEYID_OK)
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
	const struct kx_prepared_file *p = v->p;
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
	const char *reading =
	    kx_json_doc_string(test->doc, kx_json_doc_get(test->doc, test->test_node, "reading"));
	char reason[512];
	if (strcmp(op, "keyid") == 0 && reading != NULL &&
	    !kx_driver_supports_variant(&v->drivers[d], op, reading)) {
		/* A reading the driver's hello does not list: not asked of it. */
		v->of[d].not_implemented++;
		json_array_append_new(v->of[d].not_implemented_ids, json_integer(test->tc_id));
	} else if (kx_vector_verify(p->kind, test, held, 1, reason, sizeof reason) != 0) {
		const char *built = strcmp(op, "keyid") == 0 ? built_reading(test, held[0]) : NULL;
		v->of[d].checked++;
		if (built != NULL && v->claimed_reading != NULL && reading != NULL &&
		    strcmp(reading, "reference") == 0 && strcmp(built, v->claimed_reading) == 0) {
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
static void report_failure(const struct kx_prepared_file *p, const char *driver, struct failure *f,
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
		kx_vector_add_line(out, "FAIL %s tcId %lld [%s]: %s; mistake %s: %s\n", p->file.name,
		                   test->tc_id, driver, f->reason, naming.name, naming.explanation);
	else if (named == 0)
		kx_vector_add_line(out, "FAIL %s tcId %lld [%s]: %s; %s\n", p->file.name, test->tc_id, driver,
		                   f->reason, naming.explanation);
	else
		kx_vector_add_line(out, "FAIL %s tcId %lld [%s]: %s\n", p->file.name, test->tc_id, driver,
		                   f->reason);
	json_t *entry = json_pack("{s:I, s:o, s:o}", "tcId", (json_int_t)test->tc_id, "reason",
	                          kx_vector_text_json(f->reason), "mistake",
	                          named == 1 ? kx_vector_text_json(naming.name) : json_null());
	if (named >= 0)
		json_object_set_new(entry, "explanation", kx_vector_text_json(naming.explanation));
	json_array_append_new(failures, entry);
	json_decref(f->answer);
}

/* The harness's own check of its models: every invalid test is named by its variant. */
static void check_models(const struct kx_prepared_file *p, struct kx_judge_crypto *crypto,
                         struct kx_text *out, struct kx_vector_tally *tally, json_t *failures)
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
			snprintf(reason, sizeof reason, "the test carries %s; the judge names %s (%s)",
			         variant, named == 1 ? naming.name : "nothing", naming.explanation);
			kx_vector_add_line(out, "FAIL %s tcId %lld [models]: %s\n", p->file.name, test->tc_id,
			                   reason);
			json_array_append_new(failures,
			                      json_pack("{s:I, s:o}", "tcId", (json_int_t)test->tc_id,
			                                "reason", kx_vector_text_json(reason)));
		}
	}
}

/* The file's entry in the vectors report, before the drivers: its name, tests and problems. */
static json_t *file_entry(const struct kx_prepared_file *p)
{
	const char *slash = strrchr(p->path, '/');
	json_t *entry = json_pack("{s:o, s:o, s:I, s:O, s:[]}", "file", kx_vector_text_json(p->path), "name",
	                          kx_vector_text_json(p->file.name != NULL ? p->file.name
	                                              : slash != NULL      ? slash + 1
	                                                                   : p->path),
	                          "tests", (json_int_t)p->tally.tests, "problems", p->problems, "tcIds");
	if (p->file.schema != NULL)
		json_object_set_new(entry, "schema", kx_vector_text_json(p->file.schema));
	json_t *ids = json_object_get(entry, "tcIds");
	for (size_t t = 0; p->count != NULL && t < p->file.n_tests; t++)
		if (p->count[t] > 0)
			json_array_append_new(ids, json_integer(p->file.tests[t].tc_id));
	return entry;
}

/* One driver's results on a file for the vectors report. */
static json_t *driver_entry(const char *name, const struct kx_vector_tally *tally, size_t d, json_t *failures,
                            json_t *not_implemented, json_t *accepted)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "driver", name, "checked",
	                 (json_int_t)tally->checked[d], "passed",
	                 (json_int_t)(tally->checked[d] - tally->failed[d] - tally->accepted[d]), "accepted",
	                 (json_int_t)tally->accepted[d], "failed", (json_int_t)tally->failed[d],
	                 "not_implemented", (json_int_t)tally->not_implemented[d], "failures", failures,
	                 "accepted_tcIds", accepted, "not_implemented_tcIds", not_implemented);
}

/* Every test's requests to every driver that lists the operation, in one pipelined stream; the
 * answers are judged as they arrive, while the drivers work on, and failures named after. Counts go
 * to tally; returns the "drivers" member of the file's entry. */
static json_t *ask_drivers(struct kx_prepared_file *p, struct kx_driver_proc *drivers, size_t n_drivers,
                           int timeout_ms, const struct kx_vector_judging *judging, struct kx_text *out,
                           struct kx_vector_tally *tally, json_t *entry)
{
	struct verdicts *v = calloc(1, sizeof *v);
	struct kx_driver_proc *procs[KX_MAX_DRIVERS];
	json_t *failures[KX_MAX_DRIVERS], *not_implemented[KX_MAX_DRIVERS], *accepted[KX_MAX_DRIVERS];
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
			tally->not_implemented[d] = with_requests;
			json_array_extend(not_implemented[d], json_object_get(entry, "tcIds"));
		}
	}
	if (v != NULL && p->n_requests > 0 && n_procs > 0) {
		v->p = p;
		v->drivers = drivers;
		v->claimed_reading = judging->claimed_reading;
		struct kx_driver_answers to = {take_answer, v};
		kx_driver_stream(procs, n_procs, p->requests.data, p->requests.len, p->n_requests, &to,
		                 timeout_ms);
		for (size_t d = 0; d < n_drivers; d++) {
			for (size_t f = 0; f < v->of[d].n_failures; f++)
				report_failure(p, drivers[d].name, &v->of[d].failures[f], judging->crypto,
				               out, failures[d]);
			free(v->of[d].failures);
			tally->checked[d] = v->of[d].checked;
			tally->failed[d] = v->of[d].failed;
			tally->not_implemented[d] += v->of[d].not_implemented;
			tally->accepted[d] = v->of[d].accepted;
		}
	}
	free(v);
	json_t *results = json_array();
	for (size_t d = 0; d < n_drivers; d++)
		json_array_append_new(results, driver_entry(drivers[d].name, tally, d, failures[d],
		                                            not_implemented[d], accepted[d]));
	return results;
}

/* The file's line: its tests, and each check's passed/checked. */
static void file_line(struct kx_text *out, const char *name, const struct kx_vector_tally *tally,
                      const struct kx_driver_proc *drivers, size_t n_drivers)
{
	kx_vector_add_line(out, "  %-40s %4zu tests", name, tally->tests);
	if (tally->core_checked > 0)
		kx_vector_add_line(out, "  core %zu/%zu", tally->core_checked - tally->core_failed,
		                   tally->core_checked);
	if (tally->models_checked > 0)
		kx_vector_add_line(out, "  models %zu/%zu", tally->models_checked - tally->models_failed,
		                   tally->models_checked);
	for (size_t d = 0; d < n_drivers; d++) {
		kx_vector_add_line(out, "  %s %zu/%zu", drivers[d].name, tally->checked[d] - tally->failed[d],
		                   tally->checked[d]);
		if (tally->accepted[d] > 0)
			kx_vector_add_line(out, " (%zu in the declared reading)", tally->accepted[d]);
		if (tally->not_implemented[d] > 0)
			kx_vector_add_line(out, " (%zu not implemented)", tally->not_implemented[d]);
	}
	kx_vector_add_line(out, "%s\n", tally->malformed ? "  (malformed entries above)" : "");
}

static void add_tally(struct kx_vector_tally *total, const struct kx_vector_tally *tally, size_t n_drivers)
{
	total->tests += tally->tests;
	total->malformed += tally->malformed;
	total->core_checked += tally->core_checked;
	total->core_failed += tally->core_failed;
	total->models_checked += tally->models_checked;
	total->models_failed += tally->models_failed;
	for (size_t d = 0; d < n_drivers; d++) {
		total->checked[d] += tally->checked[d];
		total->failed[d] += tally->failed[d];
		total->not_implemented[d] += tally->not_implemented[d];
		total->accepted[d] += tally->accepted[d];
	}
}

json_t *kx_vectors_check_file(struct kx_prepared_file *p, struct kx_driver_proc *drivers, size_t n_drivers,
                              int timeout_ms, const struct kx_vector_judging *judging, struct kx_text *out,
                              struct kx_vector_tally *total)
{
	struct kx_vector_tally tally = p->tally;
	json_t *entry = file_entry(p);
	kx_text_put(out, p->report.data != NULL ? p->report.data : "", p->report.len);
	if (p->kind == NULL) {
		total->malformed += tally.malformed;
		return entry;
	}
	json_object_set_new(entry, "core",
	                    json_pack("{s:I, s:I, s:O}", "checked", (json_int_t)tally.core_checked, "failed",
	                              (json_int_t)tally.core_failed, "failures", p->core_failures));
	if (judging->with_models) {
		json_t *failures = json_array();
		check_models(p, judging->crypto, out, &tally, failures);
		json_object_set_new(entry, "models",
		                    json_pack("{s:I, s:I, s:o}", "checked", (json_int_t)tally.models_checked,
		                              "failed", (json_int_t)tally.models_failed, "failures",
		                              failures));
	}
	json_object_set_new(entry, "drivers",
	                    ask_drivers(p, drivers, n_drivers, timeout_ms, judging, out, &tally, entry));
	file_line(out, p->file.name, &tally, drivers, n_drivers);
	add_tally(total, &tally, n_drivers);
	return entry;
}
