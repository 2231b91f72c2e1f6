/* report_junit_vectors.c - reports/junit-vectors.xml from the vectors
 * report (vectors.json): per vector file a testsuite of the harness's own
 * checks (layout, core, models), and per file and driver a testsuite with a
 * testcase per test asked of it, red with the FAIL line of `kxconform
 * vectors` when it failed, skipped when the driver does not implement it.
 * The XML both JUnit files write alike is junit_xml.h's. */
#include "runner/reports/report_junit_vectors.h"
#include "runner/reports/junit_xml.h"
#include "runner/reports/report_view.h"

#include "core/errors.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The testsuite element's start: name, counts, the run's start (local form) and host. */
static void vectors_suite_start(FILE *out, json_t *vectors, const char *name, const struct tally *t)
{
	char timestamp[32];
	snprintf(timestamp, sizeof timestamp, "%s", str(vectors, "started"));
	timestamp[strcspn(timestamp, "Z")] = '\0';
	fputs("  <testsuite name=\"", out);
	esc(out, name, 1);
	fputs("\"", out);
	write_counts(out, t);
	fputs(" timestamp=\"", out);
	esc(out, timestamp, 1);
	fputs("\" hostname=\"", out);
	esc_member(out, vectors, "host", 1);
	fputs("\">\n", out);
}

static void vectors_properties(FILE *out, json_t *vectors, json_t *file)
{
	static const char *const top[] = {"harness", "started", "host"};
	static const char *const extra[] = {"file", "schema"};
	write_suite_properties(out, vectors, top, 3, file, extra, 2);
}

/* One testcase of the harness's own checks of a file: red (element, type) with one line per entry
 * of list when it has any. */
static void vectors_check_case(FILE *out, const char *classname, const char *name, json_t *list,
                               const char *element, const char *message, const char *file)
{
	fputs("    <testcase classname=\"", out);
	esc(out, classname, 1);
	fputs("\" name=\"", out);
	esc(out, name, 1);
	fputs("\" time=\"0.000\"", out);
	if (json_array_size(list) == 0) {
		fputs("/>\n", out);
		return;
	}
	fprintf(out, ">\n      <%s message=\"", element);
	esc(out, message, 1);
	fprintf(out, "\" type=\"%s\">", name);
	size_t i;
	json_t *entry;
	json_array_foreach(list, i, entry)
	{
		esc(out, file, 0);
		if (json_is_integer(json_object_get(entry, "tcId")))
			fprintf(out, " tcId %lld", (long long)json_integer_value(json_object_get(entry, "tcId")));
		fputs(": ", out);
		esc_member(out, entry, json_object_get(entry, "text") != NULL ? "text" : "reason", 0);
		fputs("\n", out);
	}
	fprintf(out, "</%s>\n    </testcase>\n", element);
}

/* The testsuite of the harness's own checks of one file: its layout, and where they ran its core
 * and model checks. */
static void vectors_file_suite(FILE *out, json_t *vectors, json_t *file)
{
	const char *name = str(file, "name");
	json_t *core = json_object_get(file, "core"), *models = json_object_get(file, "models");
	struct tally t = {0};
	t.tests = 1 + (core != NULL) + (models != NULL);
	t.verdicts[ERRORED] = json_array_size(json_object_get(file, "problems")) > 0;
	t.verdicts[FAILED] = (json_array_size(json_object_get(core, "failures")) > 0) +
	                     (json_array_size(json_object_get(models, "failures")) > 0);
	char suite[600], classname[600], message[200];
	snprintf(suite, sizeof suite, "vectors.%s", name);
	snprintf(classname, sizeof classname, "kxconform.vectors.%s", name);
	vectors_suite_start(out, vectors, suite, &t);
	vectors_properties(out, vectors, file);
	snprintf(message, sizeof message, "%zu malformed entries: the file or these tests could not be checked",
	         json_array_size(json_object_get(file, "problems")));
	vectors_check_case(out, classname, "layout", json_object_get(file, "problems"), "error", message, name);
	if (core != NULL) {
		snprintf(message, sizeof message, "%lld of %lld tests fail the harness's own core check",
		         (long long)json_integer_value(json_object_get(core, "failed")),
		         (long long)json_integer_value(json_object_get(core, "checked")));
		vectors_check_case(out, classname, "core", json_object_get(core, "failures"), "failure", message, name);
	}
	if (models != NULL) {
		snprintf(message, sizeof message, "%lld of %lld invalid tests are not named by their variant",
		         (long long)json_integer_value(json_object_get(models, "failed")),
		         (long long)json_integer_value(json_object_get(models, "checked")));
		vectors_check_case(out, classname, "models", json_object_get(models, "failures"), "failure", message,
		                   name);
	}
	fputs("  </testsuite>\n", out);
}

/* How one driver did on the tests of a file, test by test: the driver's lists (failures,
 * accepted_tcIds, not_implemented_tcIds) are in the order of the file's tcIds, so one cursor per
 * list walks them beside it. A vector file of 100,000 tests is written in a few tens of ms. */
struct driver_walk {
	json_t *lists[3];
	size_t at[3];
};

enum walk_verdict { WALK_FAILED, WALK_ACCEPTED, WALK_MISSING, WALK_PASSED };

/* The tcId of entry (an integer, or an object with one). */
static json_int_t walk_id(json_t *entry)
{
	return json_integer_value(json_is_integer(entry) ? entry : json_object_get(entry, "tcId"));
}

/* The verdict on test id, the next of the file's tcIds; *failure is its failure entry when it failed. */
static enum walk_verdict walk_next(struct driver_walk *w, json_int_t id, json_t **failure)
{
	for (int l = 0; l < 3; l++) {
		json_t *entry = json_array_get(w->lists[l], w->at[l]);
		if (entry != NULL && walk_id(entry) == id) {
			w->at[l]++;
			*failure = entry;
			return (enum walk_verdict)l;
		}
	}
	*failure = NULL;
	return WALK_PASSED;
}

static void walk_start(struct driver_walk *w, json_t *driver)
{
	w->lists[WALK_FAILED] = json_object_get(driver, "failures");
	w->lists[WALK_ACCEPTED] = json_object_get(driver, "accepted_tcIds");
	w->lists[WALK_MISSING] = json_object_get(driver, "not_implemented_tcIds");
	w->at[0] = w->at[1] = w->at[2] = 0;
}

/* A driver's testsuite counts, as vectors_driver_suite writes its testcases. */
static void count_driver(json_t *file, json_t *driver, struct tally *t)
{
	struct driver_walk w;
	walk_start(&w, driver);
	size_t i;
	json_t *id, *failure;
	json_array_foreach(json_object_get(file, "tcIds"), i, id)
	{
		static const enum verdict as[] = {FAILED, PASSED, SKIPPED, PASSED};
		t->tests++;
		t->verdicts[as[walk_next(&w, json_integer_value(id), &failure)]]++;
	}
}

/* The FAIL line of `kxconform vectors` for a failure entry. */
static void vectors_fail_line(FILE *out, const char *file, const char *driver, const char *key, json_t *failure,
                              int attribute)
{
	if (!attribute) {
		fputs("FAIL ", out);
		esc(out, file, 0);
		fprintf(out, " tcId %s [", key);
		esc(out, driver, 0);
		fputs("]: ", out);
	}
	esc_member(out, failure, "reason", attribute);
	if (json_is_string(json_object_get(failure, "mistake"))) {
		fputs("; mistake ", out);
		esc_member(out, failure, "mistake", attribute);
		fputs(": ", out);
	} else if (json_object_get(failure, "explanation") != NULL) {
		fputs("; ", out);
	}
	esc_member(out, failure, "explanation", attribute);
}

/* The testsuite of one driver on one file: a testcase per test asked of the drivers. */
static void vectors_driver_suite(FILE *out, json_t *vectors, json_t *file, json_t *driver)
{
	const char *name = str(file, "name"), *driver_name = str(driver, "driver");
	struct tally t = {0};
	count_driver(file, driver, &t);
	char suite[700], classname[700];
	snprintf(suite, sizeof suite, "vectors.%s.%s", name, driver_name);
	snprintf(classname, sizeof classname, "kxconform.vectors.%s.%s", name, driver_name);
	vectors_suite_start(out, vectors, suite, &t);
	vectors_properties(out, vectors, file);
	/* The start of every testcase element, escaped once. */
	char *start = NULL;
	size_t start_len = 0;
	FILE *buf = open_memstream(&start, &start_len);
	if (buf == NULL)
		return;
	fputs("    <testcase classname=\"", buf);
	esc(buf, classname, 1);
	fputs("\" name=\"tcId ", buf);
	fclose(buf);

	struct driver_walk w;
	walk_start(&w, driver);
	size_t i;
	json_t *id, *failure;
	char key[32];
	json_array_foreach(json_object_get(file, "tcIds"), i, id)
	{
		snprintf(key, sizeof key, "%lld", (long long)json_integer_value(id));
		fputs(start, out);
		fputs(key, out);
		switch (walk_next(&w, json_integer_value(id), &failure)) {
		case WALK_PASSED:
			fputs("\" time=\"0.000\"/>\n", out);
			break;
		case WALK_FAILED:
			fputs("\" time=\"0.000\">\n      <failure message=\"", out);
			vectors_fail_line(out, name, driver_name, key, failure, 1);
			fputs("\" type=\"", out);
			fputs(json_is_string(json_object_get(failure, "mistake")) ? "mistake" : "fail", out);
			fputs("\">", out);
			vectors_fail_line(out, name, driver_name, key, failure, 0);
			fputs("\nfile: ", out);
			esc_member(out, file, "file", 0);
			fputs("\n</failure>\n    </testcase>\n", out);
			break;
		case WALK_MISSING:
			fputs("\" time=\"0.000\">\n      <skipped message=\"not implemented: the driver&#39;s hello does not "
			      "list this operation or reading\"/>\n    </testcase>\n",
			      out);
			break;
		case WALK_ACCEPTED:
			fputs("\" time=\"0.000\">\n      <system-out>accepted: the answer is in the declared key identifier "
			      "reading ",
			      out);
			esc_member(out, vectors, "key_identifier_reading", 0);
			fputs(", not the reference</system-out>\n    </testcase>\n", out);
			break;
		}
	}
	free(start);
	fputs("  </testsuite>\n", out);
}

int kx_report_write_vectors_junit(json_t *vectors, const char *path, char *err, size_t errlen)
{
	json_t *files = json_object_get(vectors, "files");
	if (!json_is_array(files))
		return kx_errorf(err, errlen, "cannot write %s: the vectors report has no files array", path);
	FILE *out = fopen(path, "w");
	if (out == NULL)
		return kx_errorf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	/* The totals, counted as the suites below count them. */
	struct tally all = {0};
	size_t i, d;
	json_t *file, *driver;
	const char *error = json_string_value(json_object_get(vectors, "error"));
	if (error != NULL) {
		all.tests++;
		all.verdicts[ERRORED]++;
	}
	json_array_foreach(files, i, file)
	{
		json_t *core = json_object_get(file, "core"), *models = json_object_get(file, "models");
		all.tests += 1 + (core != NULL) + (models != NULL);
		all.verdicts[ERRORED] += json_array_size(json_object_get(file, "problems")) > 0;
		all.verdicts[FAILED] += (json_array_size(json_object_get(core, "failures")) > 0) +
		                        (json_array_size(json_object_get(models, "failures")) > 0);
		json_array_foreach(json_object_get(file, "drivers"), d, driver)
		{
			count_driver(file, driver, &all);
		}
	}
	all.time = seconds(vectors);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", out);
	esc_member(out, vectors, "harness", 1);
	fputs(" vectors\"", out);
	write_counts(out, &all);
	fputs(">\n", out);
	if (error != NULL) {
		struct tally one = {.tests = 1};
		one.verdicts[ERRORED] = 1;
		vectors_suite_start(out, vectors, "vectors", &one);
		fputs("    <testcase classname=\"kxconform.vectors\" name=\"set-up\" time=\"0.000\">\n      <error "
		      "message=\"",
		      out);
		esc(out, error, 1);
		fputs("\" type=\"set-up\">kxconform vectors could not check the vectors: ", out);
		esc(out, error, 0);
		fputs("</error>\n    </testcase>\n  </testsuite>\n", out);
	}
	json_array_foreach(files, i, file)
	{
		vectors_file_suite(out, vectors, file);
		json_array_foreach(json_object_get(file, "drivers"), d, driver)
		{
			vectors_driver_suite(out, vectors, file, driver);
		}
	}
	fputs("</testsuites>\n", out);
	return kx_report_view_close(out, path, err, errlen);
}
