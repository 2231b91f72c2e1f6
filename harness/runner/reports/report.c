/* report.c - summary and files of a run's report. The JSON is the source of
 * truth; the JUnit and HTML files are views of it (report_junit.c,
 * report_html.c), so a merged report gives the same three files. */
#include "runner/reports/report.h"
#include "runner/reports/report_view.h"
#include "runner/reports/report_html.h"
#include "runner/reports/report_junit.h"
#include "runner/reports/report_junit_vectors.h"

#include "core/errors.h"
#include "core/json_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const kx_report_files[KX_REPORT_FILES] = {"report.json", "junit.xml", "index.html"};

void kx_report_temp_path(const char *dir, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%.4000s/reports/.%s.tmp", dir, name);
}

/* Writes what jansson dumps of a value nested depth levels deep: its text at the top level with
 * depth more spaces after each line break (JSON_INDENT(1) puts one space per level, and no line
 * break inside a string). */
struct nested {
	FILE *out;
	int depth;
};

static int write_nested(const char *buffer, size_t size, void *data)
{
	struct nested *n = data;
	const char *end = buffer + size;
	while (buffer < end) {
		const char *nl = memchr(buffer, '\n', (size_t)(end - buffer));
		size_t len = nl != NULL ? (size_t)(nl - buffer) + 1 : (size_t)(end - buffer);
		if (fwrite(buffer, 1, len, n->out) != len || (nl != NULL && fprintf(n->out, "%*s", n->depth, "") < 0))
			return -1;
		buffer += len;
	}
	return 0;
}

static int dump_nested(json_t *value, FILE *out, int depth)
{
	struct nested n = {out, depth};
	return json_dump_callback(value, write_nested, &n, JSON_INDENT(1) | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
}

/* report.json: the bytes json_dumpf(report, JSON_INDENT(1) | JSON_ENSURE_ASCII) writes, with the
 * cases, one loaded at a time, where report has its "cases" member. */
static int write_json(json_t *report, struct kx_report_cases *cases, const char *path, char *err, size_t errlen)
{
	FILE *out = kx_report_view_open(report, path, err, errlen);
	if (out == NULL)
		return -1;
	errno = 0;
	int failed = fputs("{", out) < 0, members = 0;
	const char *key;
	json_t *value;
	json_object_foreach(report, key, value)
	{
		json_t *name = json_string(key);
		failed = failed || name == NULL || fputs(members++ ? ",\n " : "\n ", out) < 0 ||
		         dump_nested(name, out, 1) != 0 || fputs(": ", out) < 0;
		json_decref(name);
		if (failed)
			break;
		if (strcmp(key, "cases") != 0) {
			failed = dump_nested(value, out, 1) != 0;
			continue;
		}
		if (cases->n == 0) {
			failed = fputs("[]", out) < 0;
			continue;
		}
		failed = fputs("[", out) < 0;
		for (size_t k = 0; !failed && k < cases->n; k++) {
			json_t *c = cases->load(cases->ctx, k, err, errlen);
			if (c == NULL) {
				fclose(out);
				return -1;
			}
			failed = fputs(k ? ",\n  " : "\n  ", out) < 0 || dump_nested(c, out, 2) != 0;
			json_decref(c);
		}
		failed = failed || fputs("\n ]", out) < 0;
	}
	failed = failed || fputs(members ? "\n}" : "}", out) < 0;
	int saved = errno;
	/* A full disk shows as a failed write: its errno is the cause, and closing the stream
	 * afterwards would only say that it had failed. */
	if (failed) {
		fclose(out);
		return kx_errorf(err, errlen, "cannot write %s: %s", path, strerror(saved ? saved : EIO));
	}
	return kx_report_view_close(out, path, err, errlen);
}

/* One file of a report: its name in DIR/reports and how it is written from the report object
 * and its cases (NULL for a file without cases: the vectors' report). */
struct view {
	const char *name;
	int (*write)(json_t *report, struct kx_report_cases *cases, const char *path, char *err, size_t errlen);
};

/* Writes every view through its temporary file, then renames them all into place; on any failure
 * none is renamed and the temporary files are removed. */
static int write_views(json_t *report, struct kx_report_cases *cases, const char *dir, const struct view *views,
                       size_t n, char *err, size_t errlen)
{
	char reports[4200], temp[4][4300], path[4300];
	snprintf(reports, sizeof reports, "%.4000s/reports", dir);
	if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || (mkdir(reports, 0777) != 0 && errno != EEXIST))
		return kx_errorf(err, errlen, "cannot create %s: %s", reports, strerror(errno));
	for (size_t i = 0; i < n; i++)
		kx_report_temp_path(dir, views[i].name, temp[i], sizeof temp[i]);
	int failed = 0;
	for (size_t i = 0; !failed && i < n; i++)
		failed = views[i].write(report, cases, temp[i], err, errlen) != 0;
	for (size_t i = 0; !failed && i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", reports, views[i].name);
		if (rename(temp[i], path) != 0)
			failed = kx_errorf(err, errlen, "cannot rename %s to %s: %s", temp[i], path, strerror(errno));
	}
	for (size_t i = 0; failed && i < n; i++)
		unlink(temp[i]);
	return failed ? -1 : 0;
}

int kx_report_write_cases(json_t *report, struct kx_report_cases *cases, const char *dir, char *err,
                          size_t errlen)
{
	const struct view views[KX_REPORT_FILES] = {{kx_report_files[0], write_json},
	                                            {kx_report_files[1], kx_report_write_junit},
	                                            {kx_report_files[2], kx_report_write_html}};
	json_object_set_new(report, "report_version", json_integer(KX_REPORT_VERSION));
	return write_views(report, cases, dir, views, KX_REPORT_FILES, err, errlen);
}

int kx_report_write_all(json_t *report, const char *dir, char *err, size_t errlen)
{
	struct kx_report_cases cases;
	if (kx_report_cases_of(&cases, report) != 0) {
		/* The views say what is missing, or that memory ran out. */
		memset(&cases, 0, sizeof cases);
		if (json_is_array(json_object_get(report, "cases")))
			return kx_errorf(err, errlen, "cannot write the reports: out of memory");
	}
	int ret = kx_report_write_cases(report, &cases, dir, err, errlen);
	kx_report_cases_free(&cases);
	return ret;
}

/* A vectors report is one JSON document: jansson writes it whole. */
static int write_vectors_json(json_t *vectors, struct kx_report_cases *cases, const char *path, char *err,
                              size_t errlen)
{
	(void)cases;
	FILE *out = fopen(path, "w");
	if (out == NULL)
		return kx_errorf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	errno = 0;
	int dumped = json_dumpf(vectors, out, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	int saved = errno;
	/* A report larger than stdio's buffer fails inside json_dumpf: its errno (a full disk) is the
	 * cause, and closing the stream afterwards would only say that it had failed. */
	if (dumped != 0) {
		fclose(out);
		return kx_errorf(err, errlen, "cannot write %s: %s", path, strerror(saved ? saved : EIO));
	}
	return kx_report_view_close(out, path, err, errlen);
}

static int write_vectors_junit(json_t *vectors, struct kx_report_cases *cases, const char *path, char *err,
                               size_t errlen)
{
	(void)cases;
	return kx_report_write_vectors_junit(vectors, path, err, errlen);
}

const char *const kx_vectors_report_files[KX_VECTORS_REPORT_FILES] = {"vectors.json", "junit-vectors.xml"};

int kx_report_write_vectors(json_t *vectors, const char *dir, char *err, size_t errlen)
{
	const struct view views[KX_VECTORS_REPORT_FILES] = {{kx_vectors_report_files[0], write_vectors_json},
	                                                    {kx_vectors_report_files[1], write_vectors_junit}};
	return write_views(vectors, NULL, dir, views, KX_VECTORS_REPORT_FILES, err, errlen);
}

int kx_report_attach_vectors(json_t *report, const char *dir, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%.4000s/reports/%s", dir, kx_vectors_report_files[0]);
	if (access(path, F_OK) != 0)
		return 0;
	json_error_t error;
	json_t *vectors = json_load_file(path, 0, &error);
	json_t *version = json_object_get(vectors, "vectors_version");
	if (vectors == NULL || !json_is_integer(version) || json_integer_value(version) != KX_VECTORS_REPORT_VERSION) {
		kx_errorf(err, errlen, "%s is not a vectors report this kxconform reads: %s", path,
		          vectors == NULL ? error.text : "no vectors_version 1");
		json_object_set_new(report, "vectors", json_pack("{s:s, s:s}", "report", "vectors.json", "error", err));
		json_decref(vectors);
		return -1;
	}
	/* The per-test lists serve junit-vectors.xml; the failures, counts and header are what a reader
	 * of the run's report needs. */
	size_t i, d;
	json_t *file, *driver;
	json_array_foreach(json_object_get(vectors, "files"), i, file)
	{
		json_object_del(file, "tcIds");
		json_array_foreach(json_object_get(file, "drivers"), d, driver)
		{
			json_object_del(driver, "accepted_tcIds");
			json_object_del(driver, "not_implemented_tcIds");
		}
	}
	json_object_set_new(vectors, "report", json_string("vectors.json"));
	json_object_set_new(report, "vectors", vectors);
	return 1;
}
