/* cmd_merge.c - `kxconform merge`: joins the report.json files of a sharded
 * run (--shard K/N on several CI jobs) into one report, with its JUnit and
 * HTML views. A case that appears twice, or a report of another version, is
 * an error: a merge never hides a conflict. */
/* realpath is X/Open. */
#define _XOPEN_SOURCE 700
#include "runner/commands/cli.h"
#include "runner/commands/commands.h"
#include "runner/reports/output_dir.h"
#include "runner/reports/report.h"
#include "runner/reports/report_view.h"
#include "runner/reports/requirements.h"

#include "core/errors.h"
#include "core/json_io.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: kxconform merge [--output DIR] REPORT.json...\n"
		     "\n"
		     "Joins the reports of a sharded run into DIR/reports/ (default: .): report.json,\n"
		     "junit.xml and index.html, with the summary recomputed.\n"
		     "\n"
		     "Exit status: 0 every merged case met its expectation; 1 one did not, or a report\n"
		     "is of an interrupted run; 2 a report is unreadable, of another version, or\n"
		     "repeats a case, or the output directory is in use or cannot be written.\n");
}

/* The directory part of path ("." when it has none), into out. */
static void dir_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(out, len, ".");
	else if (slash == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(slash - path), path);
}

/* Where a capture file a shard recorded is, as this process sees it: beside the shard's report
 * (SHARD/reports/report.json, SHARD/captures/NAME), or at the path as recorded (the shard ran in
 * this directory). Rewrites capture[member] to it; nothing when neither exists. */
static void locate_capture(json_t *capture, const char *member, const char *report_path)
{
	const char *recorded = kx_json_get_string(capture, member);
	if (recorded == NULL)
		return;
	const char *name = strrchr(recorded, '/') != NULL ? strrchr(recorded, '/') + 1 : recorded;
	char reports[4096], shard[4096], beside[8400];
	dir_of(report_path, reports, sizeof reports);
	dir_of(reports, shard, sizeof shard);
	snprintf(beside, sizeof beside, "%s/captures/%s", shard, name);
	if (access(beside, F_OK) == 0)
		json_object_set_new(capture, member, json_string(beside));
}

/* Appends the cases of one report; 0, or -1 with err. */
static int add_report(json_t *merged, const char *path, char *err, size_t errlen)
{
	json_error_t error;
	json_t *report = json_load_file(path, 0, &error);
	json_t *version = json_object_get(report, "report_version");
	if (report == NULL || !json_is_array(json_object_get(report, "cases"))) {
		kx_errorf(err, errlen, "%s: not a kxconform report: %s", path,
		          report ? "no cases" : error.text);
		json_decref(report);
		return -1;
	}
	if (!json_is_integer(version) || json_integer_value(version) != KX_REPORT_VERSION) {
		kx_errorf(err, errlen, "%s: report version %lld, this kxconform merges version %d", path,
		          json_is_integer(version) ? (long long)json_integer_value(version) : -1LL,
		          KX_REPORT_VERSION);
		json_decref(report);
		return -1;
	}
	json_t *cases = json_object_get(merged, "cases");
	if (cases == NULL) {
		/* The first report gives the header. */
		json_object_update(merged, report);
		json_object_set_new(merged, "cases", json_array());
		json_object_set_new(merged, "merged_from", json_array());
		json_object_del(merged, "shard");
		cases = json_object_get(merged, "cases");
	}
	size_t i, k;
	json_t *c, *seen;
	json_array_foreach(json_object_get(report, "cases"), i, c)
	{
		const char *id = kx_json_get_string(c, "id");
		json_array_foreach(cases, k, seen)
		{
			if (id == NULL || strcmp(id, kx_json_get_string(seen, "id")) == 0) {
				kx_errorf(err, errlen, "%s: case %s is already in an earlier report", path,
				          id ? id : "(no id)");
				json_decref(report);
				return -1;
			}
		}
		json_t *capture = json_object_get(c, "capture");
		static const char *const members[] = {"pcapng", "keylog", "batch"};
		for (size_t m = 0; m < sizeof members / sizeof members[0]; m++)
			locate_capture(capture, members[m], path);
		json_array_append(cases, c);
	}
	json_array_append_new(json_object_get(merged, "merged_from"), json_string(path));
	/* One interrupted shard makes the whole incomplete. */
	if (json_is_true(json_object_get(report, "interrupted")))
		json_object_set_new(merged, "interrupted", json_true());
	json_decref(report);
	return 0;
}

/* The relative path from the directory from (absolute, no trailing '/') to the file to (absolute),
 * into out. */
static void relative_path(const char *from, const char *to, char *out, size_t len)
{
	size_t common = 0;
	/* The longest common prefix that ends at a directory boundary of both. */
	for (size_t i = 0;; i++) {
		if ((from[i] == '\0' || from[i] == '/') && (to[i] == '/' || to[i] == '\0') &&
		    strncmp(from, to, i) == 0)
			common = i;
		if (from[i] == '\0' || to[i] == '\0' || from[i] != to[i])
			break;
	}
	out[0] = '\0';
	for (const char *p = from + common; *p != '\0'; p++)
		if (*p == '/')
			kx_appendf(out, len, "../");
	kx_appendf(out, len, "%s", to[common] == '/' ? to + common + 1 : to + common);
}

/* Gives each case's capture its links from DIR/reports/ (pcapng_link, keylog_link), so that the
 * merged page opens the shards' captures wherever they are; a capture not found keeps none, and
 * the page then links ../captures/ID as a run's does. */
static void link_captures(json_t *merged, const char *output)
{
	char base[PATH_MAX], reports[PATH_MAX + 16], target[PATH_MAX], link[2 * PATH_MAX];
	if (realpath(output, base) == NULL)
		return;
	snprintf(reports, sizeof reports, "%s/reports", strcmp(base, "/") == 0 ? "" : base);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(merged, "cases"), i, c)
	{
		json_t *capture = json_object_get(c, "capture");
		static const char *const members[2][2] = {{"pcapng", "pcapng_link"}, {"keylog", "keylog_link"}};
		for (size_t m = 0; m < 2; m++) {
			const char *path = kx_json_get_string(capture, members[m][0]);
			if (path == NULL || realpath(path, target) == NULL)
				continue;
			relative_path(reports, target, link, sizeof link);
			json_object_set_new(capture, members[m][1], json_string(link));
		}
	}
}

/* Reads the options into *output and the report paths into reports (argv order); 0, or -1
 * after saying what is wrong. Every argument is checked before any report is read. */
static int parse_arguments(int argc, char **argv, const char **output, const char **reports, int *n)
{
	*output = ".";
	*n = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--output") == 0) {
			if (i + 1 >= argc)
				return kx_cli_error("merge", "--output needs a value");
			*output = argv[++i];
		} else if (argv[i][0] == '-') {
			/* Reports are the only arguments that are not options; a misspelt option is no file name. */
			return kx_cli_unknown("merge", argv[i]);
		} else {
			reports[(*n)++] = argv[i];
		}
	}
	return 0;
}

int kx_cmd_merge(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (kx_cli_help(argv[i], usage))
			return KX_EXIT_OK;
	const char *output, **reports = calloc((size_t)argc + 1, sizeof *reports);
	int files = 0;
	if (reports == NULL || parse_arguments(argc, argv, &output, reports, &files) != 0) {
		free(reports);
		return KX_EXIT_USAGE;
	}
	if (files == 0) {
		usage(stderr);
		free(reports);
		return KX_EXIT_USAGE;
	}
	json_t *merged = json_object();
	char err[1024];
	for (int i = 0; i < files; i++)
		if (add_report(merged, reports[i], err, sizeof err) != 0) {
			fprintf(stderr, "kxconform merge: %s\n", err);
			json_decref(merged);
			free(reports);
			return KX_EXIT_USAGE;
		}
	free(reports);
	/* The first report's table counted its own cases only. */
	kx_requirements_recount(merged);
	struct kx_report_counts n;
	kx_report_summarize(merged, &n);
	int status = n.unmet == 0 ? KX_EXIT_OK : KX_EXIT_FAILED;
	if (json_is_true(json_object_get(merged, "interrupted"))) {
		fprintf(stderr, "kxconform merge: a report was of an interrupted run: the merged report is incomplete "
		                "and says so\n");
		status = KX_EXIT_FAILED;
	}
	int lock = kx_output_lock(output, "merge", err, sizeof err);
	if (lock >= 0 && kx_report_attach_vectors(merged, output, err, sizeof err) < 0)
		fprintf(stderr, "kxconform merge: warning: %s\n", err);
	if (lock >= 0)
		link_captures(merged, output);
	if (lock < 0 || kx_output_clear(output, 0, err, sizeof err) != 0 ||
	    kx_report_write_all(merged, output, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform merge: no report was written: %s\n", err);
		status = KX_EXIT_USAGE;
	} else {
		printf("kxconform merge: %d reports, %zu cases, %zu met their expectation, %zu did not; %s/reports/\n",
		       files, n.cases, n.cases - n.unmet, n.unmet, output);
	}
	kx_output_unlock(lock);
	json_decref(merged);
	return status;
}
