/* report_html.c - reports/index.html from the report object.
 *
 * One file with its style sheet and script inline (report.css and report.js,
 * embedded at build time: report_assets.h) and a Content-Security-Policy that
 * forbids loading anything, so that it reads the same from a CI artifact, a mail
 * attachment or a disconnected laptop, and so that a stray external
 * reference shows up as a console error in the headless-browser test. The
 * little script only filters and opens cases and requirements: without it
 * every case is still there, unmet ones open, met ones one click away, and
 * every requirement is in its table, unmet ones first.
 *
 * Every text that came from the report (a driver's error message, a vendor's
 * driver name, a NOTIFY primitive) is escaped by kx_xml_escape, which also
 * replaces the characters HTML cannot carry. The writer assumes nothing about
 * which members a case has beyond those docs/report.schema.json requires;
 * a section whose data is missing is left out. */
#include "runner/reports/report_html.h"
#include "runner/reports/report_assets.h"
#include "runner/reports/report_html_case.h"
#include "runner/reports/report_html_emit.h"
#include "runner/reports/report_html_requirements.h"
#include "runner/reports/report_html_summary.h"
#include "runner/reports/report_html_vectors.h"
#include "runner/reports/report_view.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void write_head(FILE *out, json_t *report)
{
	json_t *summary = json_object_get(report, "summary");
	/* Nothing may be fetched: inline style and script only, images as data: URLs. */
	kx_html_emit(out,
	     "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	     "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	     "<link rel=\"icon\" href=\"data:,\">\n"
	     "<title>%s: %j cases, %j unmet</title>\n<style>\n%S</style>\n</head>\n<body>\n",
	     kx_html_str(report, "harness"), json_object_get(summary, "cases"), json_object_get(summary, "unmet"),
	     kx_report_css);
}

static void write_header(FILE *out, json_t *report)
{
	json_t *summary = json_object_get(report, "summary");
	json_int_t unmet = json_integer_value(json_object_get(summary, "unmet"));
	kx_html_emit(out, "<header>\n<h1>oneM2M key establishment conformance report</h1>\n");
	if (unmet == 0)
		kx_html_emit(out, "<p class=\"verdict ok\">All %j cases met their expectation.</p>\n",
		     json_object_get(summary, "cases"));
	else
		kx_html_emit(out, "<p class=\"verdict bad\">%j of %j cases did not meet their expectation.</p>\n",
		     json_object_get(summary, "unmet"), json_object_get(summary, "cases"));
	if (json_object_get(report, "error") != NULL)
		kx_html_emit(out, "<p class=\"verdict bad\">The run could not start: %s</p>\n", kx_html_str(report, "error"));
	if (json_is_true(json_object_get(report, "interrupted")))
		kx_html_emit(out, "<p class=\"verdict bad\">The run was interrupted: only the %j cases that finished before "
		          "it are here.</p>\n",
		     json_object_get(summary, "cases"));
	kx_html_write_vectors_verdict(out, json_object_get(report, "vectors"));

	/* "2026-11-23T03:04:38Z" reads better as a date, a time and a zone. */
	char started[40];
	snprintf(started, sizeof started, "%s", kx_html_str(report, "started"));
	if (strlen(started) == 20 && started[10] == 'T' && started[19] == 'Z') {
		started[10] = ' ';
		snprintf(started + 19, sizeof started - 19, " UTC");
	}
	kx_html_emit(out,
	     "<dl class=\"run\">\n<dt>Harness</dt><dd>%s</dd>\n<dt>Suite</dt><dd><code>%s</code></dd>\n"
	     "<dt>Host</dt><dd>%s</dd>\n<dt>Started</dt><dd>%s</dd>\n<dt>Duration</dt><dd>",
	     kx_html_str(report, "harness"), kx_html_str(report, "suite"), kx_html_str(report, "host"), started);
	kx_html_duration(out, json_number_value(json_object_get(report, "duration_ms")));
	kx_html_emit(out, "</dd>\n");
	if (json_object_get(report, "jobs") != NULL)
		kx_html_emit(out, "<dt>Jobs</dt><dd>%j</dd>\n", json_object_get(report, "jobs"));
	if (json_object_get(report, "shard") != NULL)
		kx_html_emit(out, "<dt>Shard</dt><dd>%s of the suite's cases</dd>\n", kx_html_str(report, "shard"));
	if (json_object_get(report, "expectations") != NULL)
		kx_html_emit(out, "<dt>Expectations</dt><dd><code>%s</code></dd>\n", kx_html_str(report, "expectations"));
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
	kx_html_emit(out,
	     "<dt>Report</dt><dd>version %j; the same run as <a href=\"report.json\">report.json</a> and "
	     "<a href=\"junit.xml\">junit.xml</a></dd>\n</dl>\n",
	     json_object_get(report, "report_version"));

	kx_html_emit(out,
	     "<table class=\"drivers\">\n<tr><th>Driver</th><th>Implementation (library and version)</th>"
	     "<th>Executable</th></tr>\n");
	size_t i;
	json_t *driver;
	json_array_foreach(json_object_get(report, "drivers"), i, driver)
	{
		kx_html_emit(out, "<tr><td><strong>%s</strong></td><td>%s</td><td><code>%s</code></td></tr>\n",
		     kx_html_str(driver, "name"), kx_html_str(driver, "implementation"), kx_html_str(driver, "path"));
	}
	kx_html_emit(out, "</table>\n</header>\n");
}

/* A facet's select: every value the cases have, with how many have it. */
static void write_facet(FILE *out, const char *name, const char *label, json_t *values, json_t *counts)
{
	kx_html_emit(out, "<label>%s <select id=\"facet-%s\"><option value=\"\">all</option>", label, name);
	size_t i;
	json_t *value;
	json_array_foreach(values, i, value)
	{
		kx_html_emit(out, "<option value=\"%j\">%j (%j)</option>", value, value,
		     json_object_get(counts, json_string_value(value)));
	}
	kx_html_emit(out, "</select></label>");
}

/* Counts a case's value of a facet, adding the value to values the first time. */
static void facet_count(json_t *values, json_t *counts, const char *value)
{
	json_t *n = json_object_get(counts, value);
	if (n == NULL)
		json_array_append_new(values, json_string(value));
	json_object_set_new(counts, value, json_integer(json_integer_value(n) + 1));
}

/* A facet per axis the cases have (facet-axis-NAME), its values in the order they first appear: a
 * case without the axis (another transport) matches only "all". */
static void write_axis_facets(FILE *out, json_t *cases)
{
	json_t *axes = json_object(); /* name: [values, counts] */
	size_t i;
	json_t *c;
	json_array_foreach(cases, i, c)
	{
		const char *axis;
		json_t *value;
		json_object_foreach(json_object_get(c, "axes"), axis, value)
		{
			json_t *facet = json_object_get(axes, axis);
			if (facet == NULL) {
				facet = json_pack("[[], {}]");
				json_object_set_new(axes, axis, facet);
			}
			facet_count(json_array_get(facet, 0), json_array_get(facet, 1), json_string_value(value));
		}
	}
	const char *axis;
	json_t *facet;
	json_object_foreach(axes, axis, facet)
	{
		char name[200];
		snprintf(name, sizeof name, "axis-%s", axis);
		write_facet(out, name, axis, json_array_get(facet, 0), json_array_get(facet, 1));
	}
	json_decref(axes);
}

static void write_cases(FILE *out, json_t *report)
{
	json_t *cases = json_object_get(report, "cases");
	/* Each facet's values in the order they first appear (results in their usual order). */
	json_t *values[4], *counts[4];
	static const char *const names[4] = {"result", "scenario", "pairing", "driver"};
	static const char *const labels[4] = {"result", "scenario", "pairing", "driver"};
	for (int f = 0; f < 4; f++) {
		values[f] = json_array();
		counts[f] = json_object();
	}
	for (size_t r = 0; r < KX_HTML_RESULTS; r++)
		json_array_append_new(values[0], json_string(kx_html_results[r]));
	size_t i;
	json_t *c;
	json_array_foreach(cases, i, c)
	{
		char pairing[300];
		snprintf(pairing, sizeof pairing, "%s-%s", kx_html_str(c, "initiator"), kx_html_str(c, "terminator"));
		json_object_set_new(counts[0], kx_html_str(c, "result"),
		                    json_integer(json_integer_value(json_object_get(counts[0], kx_html_str(c, "result"))) + 1));
		facet_count(values[1], counts[1], kx_html_str(c, "scenario"));
		facet_count(values[2], counts[2], pairing);
		facet_count(values[3], counts[3], kx_html_str(c, "initiator"));
		if (strcmp(kx_html_str(c, "initiator"), kx_html_str(c, "terminator")) != 0)
			facet_count(values[3], counts[3], kx_html_str(c, "terminator"));
	}
	/* Results no case has are not offered. */
	json_t *present = json_array();
	json_array_foreach(values[0], i, c)
	{
		if (json_object_get(counts[0], json_string_value(c)) != NULL)
			json_array_append(present, c);
	}
	json_decref(values[0]);
	values[0] = present;
	kx_html_emit(
	    out,
	    "<section id=\"cases\">\n<h2>Cases</h2>\n<p>Each case's anchor is its id "
	    "(<code>index.html#SCENARIO.TRANSPORT.INITIATOR-TERMINATOR[.VARIANT]</code>). Cases that met "
	    "their expectation are folded; open one to see its keys and flights.</p>\n"
	    "<div id=\"controls\" hidden><input type=\"search\" id=\"filter\" placeholder=\"filter: words in "
	    "the id, result or diagnosis\" aria-label=\"filter cases\">");
	for (int f = 0; f < 4; f++)
		write_facet(out, names[f], labels[f], values[f], counts[f]);
	write_axis_facets(out, cases);
	kx_html_emit(out,
	     "<label><input type=\"checkbox\" id=\"unmet-only\"> unmet only</label><button type=\"button\" "
	     "id=\"expand\">expand all</button><button type=\"button\" id=\"collapse\">collapse all</button><span "
	     "id=\"shown\"></span></div>\n");
	for (int f = 0; f < 4; f++) {
		json_decref(values[f]);
		json_decref(counts[f]);
	}
	json_array_foreach(cases, i, c)
	{
		kx_html_write_case(out, c);
	}
	kx_html_emit(out, "</section>\n<script>\n%S</script>\n</body>\n</html>\n", kx_report_js);
}

int kx_report_write_html(json_t *report, const char *path, char *err, size_t errlen)
{
	json_t *cases;
	FILE *out = kx_report_view_open(report, path, &cases, err, errlen);
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
	json_array_foreach(cases, i, item)
	{
		kx_html_add_unique(scenarios, kx_html_str(item, "scenario"));
		kx_html_add_unique(names, kx_html_str(item, "initiator"));
		kx_html_add_unique(names, kx_html_str(item, "terminator"));
	}
	write_head(out, report);
	write_header(out, report);
	kx_html_write_summary(out, report, scenarios);
	kx_html_write_vectors(out, report);
	kx_html_write_matrices(out, report, scenarios, names);
	kx_html_write_requirements(out, report);
	write_cases(out, report);
	json_decref(scenarios);
	json_decref(names);
	return kx_report_view_close(out, path, err, errlen);
}
