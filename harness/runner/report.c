/* report.c - summary and files of a run's report. The JSON is the source of
 * truth; the JUnit and HTML files are views of it (report_junit.c,
 * report_html.c), so a merged report gives the same three files. */
#include "runner/report.h"
#include "runner/report_html.h"
#include "runner/report_junit.h"

#include "core/errors.h"
#include "core/json_io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void kx_report_summarize(json_t *report, struct kx_report_counts *counts)
{
	memset(counts, 0, sizeof *counts);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(report, "cases"), i, c)
	{
		const char *result = kx_json_get_string(c, "result");
		result = result != NULL ? result : "";
		counts->cases++;
		counts->unmet += !json_is_true(json_object_get(c, "met"));
		counts->pass += strcmp(result, "pass") == 0;
		counts->fail += strcmp(result, "fail") == 0;
		counts->error += strcmp(result, "error") == 0;
		counts->not_implemented += strcmp(result, "not-implemented") == 0;
		counts->skip += strcmp(result, "skip") == 0;
	}
	json_object_set_new(report, "summary",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "cases", (json_int_t)counts->cases, "unmet",
				      (json_int_t)counts->unmet, "pass", (json_int_t)counts->pass, "fail",
				      (json_int_t)counts->fail, "error", (json_int_t)counts->error, "not-implemented",
				      (json_int_t)counts->not_implemented, "skip", (json_int_t)counts->skip));
}

FILE *kx_report_view_open(json_t *report, const char *path, json_t **cases, char *err, size_t errlen)
{
	*cases = json_object_get(report, "cases");
	if (!json_is_array(*cases)) {
		snprintf(err, errlen, "cannot write %s: the report has no cases array", path);
		return NULL;
	}
	FILE *out = fopen(path, "w");
	if (out == NULL)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return out;
}

int kx_report_view_close(FILE *out, const char *path, char *err, size_t errlen)
{
	/* A full disk may only show when the buffer is flushed, or (delayed allocation) at fsync. */
	errno = 0;
	int failed = ferror(out) || fflush(out) != 0 || fsync(fileno(out)) != 0;
	int saved = errno;
	if (fclose(out) != 0 || failed) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(saved ? saved : errno ? errno : EIO));
		return -1;
	}
	return 0;
}

const char *const kx_report_files[KX_REPORT_FILES] = {"report.json", "junit.xml", "index.html"};

void kx_report_temp_path(const char *dir, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%.4000s/reports/.%s.tmp", dir, name);
}

static int write_json(json_t *report, const char *path, char *err, size_t errlen)
{
	FILE *out = fopen(path, "w");
	if (out == NULL)
		return kx_errorf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	errno = 0;
	int dumped = json_dumpf(report, out, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	int saved = errno;
	/* A report larger than stdio's buffer fails inside json_dumpf: its errno (a full disk) is the
	 * cause, and closing the stream afterwards would only say that it had failed. */
	if (dumped != 0) {
		fclose(out);
		return kx_errorf(err, errlen, "cannot write %s: %s", path, strerror(saved ? saved : EIO));
	}
	return kx_report_view_close(out, path, err, errlen);
}

int kx_report_write_all(json_t *report, const char *dir, char *err, size_t errlen)
{
	char reports[4200], temp[KX_REPORT_FILES][4300], path[4300];
	snprintf(reports, sizeof reports, "%.4000s/reports", dir);
	if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || (mkdir(reports, 0777) != 0 && errno != EEXIST))
		return kx_errorf(err, errlen, "cannot create %s: %s", reports, strerror(errno));
	json_object_set_new(report, "report_version", json_integer(KX_REPORT_VERSION));
	for (size_t i = 0; i < KX_REPORT_FILES; i++)
		kx_report_temp_path(dir, kx_report_files[i], temp[i], sizeof temp[i]);
	int failed = write_json(report, temp[0], err, errlen) != 0 ||
	             kx_report_write_junit(report, temp[1], err, errlen) != 0 ||
	             kx_report_write_html(report, temp[2], err, errlen) != 0;
	for (size_t i = 0; !failed && i < KX_REPORT_FILES; i++) {
		snprintf(path, sizeof path, "%s/%s", reports, kx_report_files[i]);
		if (rename(temp[i], path) != 0)
			failed = kx_errorf(err, errlen, "cannot rename %s to %s: %s", temp[i], path, strerror(errno));
	}
	for (size_t i = 0; failed && i < KX_REPORT_FILES; i++)
		unlink(temp[i]);
	return failed ? -1 : 0;
}
