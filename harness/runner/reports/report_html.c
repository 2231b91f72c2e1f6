/* report_html.c - reports/index.html from the report object: the page in
 * its order (head, header, summary, vectors, pairings, requirements, cases),
 * its sections written by the report_html_*.c beside it.
 *
 * One file with its style sheet and script inline (report.css and report.js,
 * embedded at build time: report_assets.h) and a Content-Security-Policy that
 * forbids loading anything, so that it reads the same from a CI artifact, a
 * mail attachment or a disconnected laptop, and so that a stray external
 * reference shows up as a console error in the headless-browser test. The
 * little script only filters and opens cases and requirements: without it
 * every case is still there, unmet ones open, met ones one click away, and
 * every requirement is in its table, unmet ones first.
 *
 * Every text that came from the report (a driver's error message, a vendor's
 * driver name, a NOTIFY primitive) is escaped by the one writer of every part
 * (report_html_emit.h). The parts assume nothing about which members a case
 * has beyond those docs/report.schema.json requires; a section whose data is
 * missing is left out. */
#include "runner/reports/report_html.h"
#include "runner/reports/report_assets.h"
#include "runner/reports/report_html_case.h"
#include "runner/reports/report_html_emit.h"
#include "runner/reports/report_html_facets.h"
#include "runner/reports/report_html_requirements.h"
#include "runner/reports/report_html_summary.h"
#include "runner/reports/report_html_vectors.h"
#include "runner/reports/report_view.h"

#include <string.h>

/* The head: the title with the counts, the policy that nothing is fetched (inline style and
 * script only, images as data: URLs), and the style sheet. */
static void write_head(FILE *out, json_t *report)
{
	json_t *summary = json_object_get(report, "summary");
	kx_html_emit(out,
	             "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	             "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	             "<link rel=\"icon\" href=\"data:,\">\n"
	             "<title>%s: %j cases, %j unmet</title>\n<style>\n%S</style>\n</head>\n<body>\n",
	             kx_html_str(report, "harness"), json_object_get(summary, "cases"),
	             json_object_get(summary, "unmet"), kx_report_css);
}

/* The verdicts at the top: the cases', the run's when it could not start or was interrupted, the
 * vectors'. */
static void write_verdicts(FILE *out, json_t *report)
{
	json_t *summary = json_object_get(report, "summary");
	json_int_t unmet = json_integer_value(json_object_get(summary, "unmet"));
	if (unmet == 0)
		kx_html_emit(out, "<p class=\"verdict ok\">All %j cases met their expectation.</p>\n",
		             json_object_get(summary, "cases"));
	else
		kx_html_emit(out,
		             "<p class=\"verdict bad\">%j of %j cases did not meet their expectation.</p>\n",
		             json_object_get(summary, "unmet"), json_object_get(summary, "cases"));
	if (json_object_get(report, "error") != NULL)
		kx_html_emit(out, "<p class=\"verdict bad\">The run could not start: %s</p>\n",
		             kx_html_str(report, "error"));
	if (json_is_true(json_object_get(report, "interrupted")))
		kx_html_emit(
		    out,
		    "<p class=\"verdict bad\">The run was interrupted: only the %j cases that finished "
		    "before it are here.</p>\n",
		    json_object_get(summary, "cases"));
	kx_html_write_vectors_verdict(out, json_object_get(report, "vectors"));
}

/* What the run was: harness, suite, host, when and how long, and what else the report records of
 * it (jobs, shard, expectations file, the reports merged). */
static void write_run(FILE *out, json_t *report)
{
	/* "2026-11-23T03:04:38Z" reads better as a date, a time and a zone. */
	char started[40];
	snprintf(started, sizeof started, "%s", kx_html_str(report, "started"));
	if (strlen(started) == 20 && started[10] == 'T' && started[19] == 'Z') {
		started[10] = ' ';
		snprintf(started + 19, sizeof started - 19, " UTC");
	}
	kx_html_emit(
	    out,
	    "<dl class=\"run\">\n<dt>Harness</dt><dd>%s</dd>\n<dt>Suite</dt><dd><code>%s</code></dd>\n"
	    "<dt>Host</dt><dd>%s</dd>\n<dt>Started</dt><dd>%s</dd>\n<dt>Duration</dt><dd>",
	    kx_html_str(report, "harness"), kx_html_str(report, "suite"), kx_html_str(report, "host"),
	    started);
	kx_html_duration(out, json_number_value(json_object_get(report, "duration_ms")));
	kx_html_emit(out, "</dd>\n");
	if (json_object_get(report, "jobs") != NULL)
		kx_html_emit(out, "<dt>Jobs</dt><dd>%j</dd>\n", json_object_get(report, "jobs"));
	if (json_object_get(report, "shard") != NULL)
		kx_html_emit(out, "<dt>Shard</dt><dd>%s of the suite's cases</dd>\n",
		             kx_html_str(report, "shard"));
	if (json_object_get(report, "expectations") != NULL)
		kx_html_emit(out, "<dt>Expectations</dt><dd><code>%s</code></dd>\n",
		             kx_html_str(report, "expectations"));
	if (json_object_get(report, "merged_from") != NULL) {
		kx_html_emit(out, "<dt>Merged from</dt><dd>");
		size_t i;
		json_t *path;
		json_array_foreach(json_object_get(report, "merged_from"), i, path)
		{
			kx_html_emit(out, "%S<code>%j</code>", i ? ", " : "", path);
		}
		kx_html_emit(out, "</dd>\n");
	}
	kx_html_emit(
	    out,
	    "<dt>Report</dt><dd>version %j; the same run as <a href=\"report.json\">report.json</a> and "
	    "<a href=\"junit.xml\">junit.xml</a></dd>\n</dl>\n",
	    json_object_get(report, "report_version"));
}

/* The page's header: its title, the verdicts, the run, and the drivers that played. */
static void write_header(FILE *out, json_t *report)
{
	kx_html_emit(out, "<header>\n<h1>oneM2M key establishment conformance report</h1>\n");
	write_verdicts(out, report);
	write_run(out, report);
	kx_html_emit(out, "<table class=\"drivers\">\n<tr><th>Driver</th><th>Implementation (library and "
	                  "version)</th><th>Executable</th></tr>\n");
	size_t i;
	json_t *driver;
	json_array_foreach(json_object_get(report, "drivers"), i, driver)
	{
		kx_html_emit(out,
		             "<tr><td><strong>%s</strong></td><td>%s</td><td><code>%s</code></td></tr>\n",
		             kx_html_str(driver, "name"), kx_html_str(driver, "implementation"),
		             kx_html_str(driver, "path"));
	}
	kx_html_emit(out, "</table>\n</header>\n");
}

/* The cases section: how to link a case, the filters, then every case, loaded one at a time. 0,
 * or -1 with err when a case cannot be loaded. */
static int write_cases(FILE *out, struct kx_report_cases *cases, char *err, size_t errlen)
{
	kx_html_emit(
	    out,
	    "<section id=\"cases\">\n<h2>Cases</h2>\n<p>Each case's anchor is its id "
	    "(<code>index.html#SCENARIO.TRANSPORT.INITIATOR-TERMINATOR[.VARIANT]</code>). Cases that met "
	    "their expectation are folded; open one to see its keys and flights.</p>\n");
	kx_html_write_case_filters(out, cases);
	for (size_t k = 0; k < cases->n; k++) {
		json_t *c = cases->load(cases->ctx, k, err, errlen);
		if (c == NULL)
			return -1;
		kx_html_write_case(out, c);
		json_decref(c);
	}
	kx_html_emit(out, "</section>\n");
	return 0;
}

int kx_report_write_html(json_t *report, struct kx_report_cases *cases, const char *path, char *err,
                         size_t errlen)
{
	FILE *out = kx_report_view_open(report, path, err, errlen);
	if (out == NULL)
		return -1;
	/* Scenarios in the order they ran; drivers as the run listed them, then any other a case names. */
	json_t *scenarios = json_array(), *names = json_array();
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(report, "drivers"), i, item)
	{
		kx_html_add_unique(names, kx_html_str(item, "name"));
	}
	for (size_t k = 0; k < cases->n; k++) {
		kx_html_add_unique(scenarios, cases->rows[k].scenario);
		kx_html_add_unique(names, cases->rows[k].initiator);
		kx_html_add_unique(names, cases->rows[k].terminator);
	}
	write_head(out, report);
	write_header(out, report);
	kx_html_write_summary(out, report, cases, scenarios);
	kx_html_write_vectors(out, report);
	kx_html_write_matrices(out, cases, scenarios, names);
	kx_html_write_requirements(out, report);
	int failed = write_cases(out, cases, err, errlen) != 0;
	if (!failed)
		kx_html_emit(out, "<script>\n%S</script>\n</body>\n</html>\n", kx_report_js);
	json_decref(scenarios);
	json_decref(names);
	if (failed) {
		fclose(out);
		return -1;
	}
	return kx_report_view_close(out, path, err, errlen);
}
