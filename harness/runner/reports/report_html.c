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
#include "runner/reports/report_html_emit.h"
#include "runner/reports/report_html_requirements.h"
#include "runner/reports/report_html_summary.h"
#include "runner/reports/report_html_values.h"
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

/* The expectation and what happened, in a sentence each. */
static void write_plain(FILE *out, json_t *c)
{
	json_t *variant = json_object_get(c, "variant");
	const char *why = kx_html_str(variant, "why");
	kx_html_emit(out, "<p class=\"plain\"><strong>%S.</strong> ", kx_html_met(c) ? "Met" : "Not met");
	if (kx_html_is(c, "kind", "positive"))
		kx_html_emit(out, "Expected: the handshake completes and every cross-check passes. ");
	else if (kx_html_is(c, "kind", "fault"))
		kx_html_emit(out,
		     "Expected: the handshake does not complete, because the runner damages a flight (%s). ",
		     kx_html_str(variant, "name"));
	else
		kx_html_emit(out, "Expected: the handshake is refused, because %s. ",
		     why[0] ? why : kx_html_str(variant, "name"));

	const char *outcome = kx_html_str(c, "outcome");
	kx_html_emit(out, "What happened: ");
	if (kx_html_is(c, "result", "pass"))
		kx_html_emit(out, kx_html_is(c, "kind", "positive") ? "the handshake completed and every cross-check passed."
		                                    : "the handshake completed anyway.");
	else if (kx_html_is(c, "result", "fail") && strcmp(outcome, "completed") == 0)
		kx_html_emit(out, "the handshake completed, but a check failed (below).");
	else if (kx_html_is(c, "result", "fail") && strcmp(outcome, "refused") == 0)
		kx_html_emit(out, "the handshake was refused%S%s.",
		     json_object_get(c, "rejected_by") ? " by the " : "", kx_html_str(c, "rejected_by"));
	else if (kx_html_is(c, "result", "fail") && strcmp(outcome, "stalled") == 0)
		kx_html_emit(out, "the handshake stalled: neither end had anything more to send.");
	else if (kx_html_is(c, "result", "fail"))
		kx_html_emit(out, "the handshake did not complete.");
	else if (kx_html_is(c, "result", "error"))
		kx_html_emit(out, "a driver failed (crashed, hung or answered something unusable), so the case could "
		          "not be "
		          "judged.");
	else if (kx_html_is(c, "result", "not-implemented"))
		kx_html_emit(out, "the case was not run: a driver cannot play it.");
	else if (kx_html_is(c, "result", "skip") && kx_html_is(c, "expectation", "disabled"))
		kx_html_emit(out, "the case was not run: %s.", kx_html_str(c, "diagnosis"));
	else if (kx_html_is(c, "result", "skip"))
		kx_html_emit(out, "the case was skipped: the misbehaving end cannot be set up on this library.");
	else
		kx_html_emit(out, "result %s.", kx_html_str(c, "result"));
	/* An expectations file turns the suite's verdict around for the cases it lists. */
	if (kx_html_is(c, "expectation", "xfail"))
		kx_html_emit(out, " The expectations file lists it as an expected failure (%s), so it counts as met.",
		     kx_html_str(c, "expectation_reason"));
	else if (kx_html_is(c, "expectation", "xpass"))
		kx_html_emit(out,
		     " The expectations file lists it as an expected failure (%s), but it met the suite's "
		     "expectation, so it counts as not met: update the expectations file.",
		     kx_html_str(c, "expectation_reason"));
	else if (!kx_html_met(c) && strcmp(kx_html_str(c, "result"), kx_html_str(c, "expected")) == 0)
		kx_html_emit(
		    out,
		    " That is the expected result, but not the expected way to reach it: see the diagnosis.");
	kx_html_emit(out, "</p>\n");
}

static void write_facts(FILE *out, json_t *c)
{
	json_t *variant = json_object_get(c, "variant");
	const char *suite_name = kx_html_str(json_object_get(c, "initiator_report"), "suite_name");
	kx_html_emit(
	    out,
	    "<table class=\"facts\">\n<tr><th>Scenario</th><td>%s <span class=\"why\">(%s)</span></td></tr>\n"
	    "<tr><th>Pairing</th><td>%s initiates, %s terminates</td></tr>\n"
	    "<tr><th>Transport, suite</th><td>%s, <code>%s</code> %s</td></tr>\n"
	    "<tr><th>Kind</th><td>%s",
	    kx_html_str(c, "scenario"), kx_html_str(c, "clauses"), kx_html_str(c, "initiator"), kx_html_str(c, "terminator"),
	    kx_html_str(c, "transport"), kx_html_str(c, "suite"), suite_name, kx_html_str(c, "kind"));
	if (variant != NULL)
		kx_html_emit(out, ": <strong>%s</strong>%S%s", kx_html_str(variant, "name"),
		     kx_html_str(variant, "why")[0] ? " &mdash; " : "", kx_html_str(variant, "why"));
	kx_html_emit(out,
	     "</td></tr>\n<tr><th>Expected, result</th><td>expected <strong>%s</strong>, result "
	     "<strong>%s</strong>: %S</td></tr>\n",
	     kx_html_str(c, "expected"), kx_html_str(c, "result"),
	     kx_html_met(c) ? "<span class=\"ok\">met</span>" : "<span class=\"bad\">not met</span>");
	if (json_object_get(c, "expectation") != NULL)
		kx_html_emit(out, "<tr><th>Expectations file</th><td><strong>%s</strong>%S%s</td></tr>\n",
		     kx_html_str(c, "expectation"), json_object_get(c, "expectation_reason") ? ": " : "",
		     kx_html_str(c, "expectation_reason"));
	if (json_object_get(c, "outcome") != NULL) {
		kx_html_emit(out, "<tr><th>Handshake</th><td>%s", kx_html_str(c, "outcome"));
		if (json_object_get(c, "rejected_by") != NULL)
			kx_html_emit(out, " by the %s", kx_html_str(c, "rejected_by"));
		kx_html_emit(out, "</td></tr>\n");
	}
	if (json_array_size(json_object_get(c, "requirements")) > 0) {
		kx_html_emit(out, "<tr><th>Requirements</th><td class=\"requirement-ids\">");
		size_t i;
		json_t *id;
		json_array_foreach(json_object_get(c, "requirements"), i, id)
		{
			kx_html_emit(out, "%S<a href=\"#req-%U\"><code>%j</code></a>", i ? " " : "", json_string_value(id), id);
		}
		kx_html_emit(out, "</td></tr>\n");
	}
	kx_html_emit(out, "<tr><th>Duration</th><td>");
	kx_html_duration(out, json_number_value(json_object_get(c, "duration_ms")));
	kx_html_emit(out, "</td></tr>\n</table>\n");
}

/* The NOTIFY primitive of an ESCertKE flight: who sent it to whom, then the whole JSON. */
static void write_primitive(FILE *out, json_t *flight)
{
	const char *text = kx_html_str(flight, "primitive");
	json_t *parsed = json_loads(text, 0, NULL);
	json_t *rqp = json_object_get(parsed, "m2m:rqp"), *rsp = json_object_get(parsed, "m2m:rsp");
	kx_html_emit(out, "<details><summary>");
	if (rqp != NULL)
		kx_html_emit(out, "m2m:rqp op %j from <code>%j</code> to <code>%j</code>", json_object_get(rqp, "op"),
		     json_object_get(rqp, "fr"), json_object_get(rqp, "to"));
	else if (rsp != NULL)
		kx_html_emit(out, "m2m:rsp rsc %j to <code>%j</code>", json_object_get(rsp, "rsc"),
		     json_object_get(rsp, "to"));
	else
		kx_html_emit(out, "primitive");
	char *pretty = parsed != NULL ? json_dumps(parsed, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	kx_html_emit(out, "</summary><pre>%s</pre></details>", pretty != NULL ? pretty : text);
	free(pretty);
	json_decref(parsed);
}

static void write_flights(FILE *out, json_t *c)
{
	json_t *flights = json_object_get(c, "flights");
	if (json_array_size(flights) == 0)
		return;
	json_int_t t0 = json_integer_value(json_object_get(json_array_get(flights, 0), "at_us"));
	kx_html_emit(out,
	     "<h4>Flights</h4>\n<table class=\"flights\">\n<tr><th>#</th><th>At</th><th>Direction</th>"
	     "<th>Items</th><th class=\"num\">Bytes</th><th>Fault</th><th>ESCertKE / NOTIFY</th></tr>\n");
	size_t i;
	json_t *f;
	json_array_foreach(flights, i, f)
	{
		double at = (double)(json_integer_value(json_object_get(f, "at_us")) - t0) / 1000.0;
		char when[32];
		snprintf(when, sizeof when, "+%.2f ms", at);
		kx_html_emit(out, "<tr><td class=\"num\">%j</td><td>%s</td><td>%s \xE2\x86\x92 %s</td><td>%s",
		     json_object_get(f, "number"), when, kx_html_str(f, "from"), kx_html_str(f, "to"), kx_html_str(f, "items"));
		if (json_object_get(f, "application_data") != NULL)
			kx_html_emit(out, "<br><span class=\"why\">decrypted: &ldquo;%s&rdquo;</span>",
			     kx_html_str(f, "application_data"));
		kx_html_emit(out, "</td><td class=\"num\">%j", json_object_get(f, "written"));
		if (!json_equal(json_object_get(f, "written"), json_object_get(f, "delivered")))
			kx_html_emit(out, " written,<br>%j delivered", json_object_get(f, "delivered"));
		kx_html_emit(out, "<br><span class=\"why\">%j datagram(s)</span></td><td%S>%s</td><td>",
		     json_object_get(f, "datagrams"), json_object_get(f, "fault") ? " class=\"differs\"" : "",
		     kx_html_str(f, "fault"));
		if (json_object_get(f, "escertke_message") != NULL) {
			kx_html_emit(out, "message %j, NOTIFY %s", json_object_get(f, "escertke_message"),
			     kx_html_str(f, "notify"));
			if (json_object_get(f, "primitive") != NULL)
				write_primitive(out, f);
		}
		kx_html_emit(out, "</td></tr>\n");
	}
	kx_html_emit(out, "</table>\n");
}

/* What each end's driver said about its session, member by member, as it said it. */
static void write_sessions(FILE *out, json_t *c)
{
	json_t *ends[2] = {json_object_get(c, "initiator_report"), json_object_get(c, "terminator_report")};
	if (ends[0] == NULL && ends[1] == NULL)
		return;
	json_t *keys = json_array();
	for (int e = 0; e < 2; e++) {
		const char *key;
		json_t *value;
		json_object_foreach(ends[e], key, value)
		{
			kx_html_add_unique(keys, key);
		}
	}
	kx_html_emit(
	    out,
	    "<details class=\"sessions\"><summary>The session as each end reported it (version, suite, "
	    "randoms, master secret, key log, names)</summary>\n<table>\n<tr><th></th><th>initiator (%s)</th>"
	    "<th>terminator (%s)</th></tr>\n",
	    kx_html_str(c, "initiator"), kx_html_str(c, "terminator"));
	size_t i;
	json_t *key;
	json_array_foreach(keys, i, key)
	{
		const char *name = json_string_value(key);
		kx_html_emit(out, "<tr><th>%s</th><td class=\"hex\">%j</td><td class=\"hex\">%j</td></tr>\n", name,
		     json_object_get(ends[0], name), json_object_get(ends[1], name));
	}
	kx_html_emit(out, "</table></details>\n");
	json_decref(keys);
}

/* The link to a capture file from reports/: where `kxconform merge` found a shard's (member
 * link), else beside the reports as a run writes it. */
static void write_capture_link(FILE *out, json_t *capture, const char *link, const char *id, const char *ext)
{
	if (json_is_string(json_object_get(capture, link)))
		kx_html_emit(out, "<a href=\"%P\">%s.%S</a>", kx_html_str(capture, link), id, ext);
	else
		kx_html_emit(out, "<a href=\"../captures/%U.%S\">%s.%S</a>", id, ext, id, ext);
}

static void write_capture(FILE *out, json_t *c)
{
	const char *id = kx_html_str(c, "id");
	json_t *capture = json_object_get(c, "capture");
	kx_html_emit(out, "<p class=\"capture\">Capture: ");
	write_capture_link(out, capture, "pcapng_link", id, "pcapng");
	kx_html_emit(out, " &middot; key log: ");
	write_capture_link(out, capture, "keylog_link", id, "keylog");
	if (capture == NULL) {
		kx_html_emit(out, " <span class=\"why\">(this report records no capture for the case)</span>");
	} else if (json_object_get(capture, "error") != NULL) {
		kx_html_emit(out, " <span class=\"differs\">(not written: %s)</span>", kx_html_str(capture, "error"));
	} else {
		if (json_object_get(capture, "packets") != NULL)
			kx_html_emit(out, " &middot; %j packets", json_object_get(capture, "packets"));
		json_t *verified = json_object_get(capture, "verified");
		if (json_is_boolean(verified))
			kx_html_emit(out, " &middot; %S",
			     json_is_true(verified) ? "<span class=\"same\">verified</span>"
			                            : "<span class=\"differs\">not verified</span>");
		if (json_is_string(json_object_get(capture, "check")))
			kx_html_emit(out, ": %s", kx_html_str(capture, "check"));
	}
	kx_html_emit(out, "</p>\n");
}

/* What each driver wrote to its standard error while the case ran. */
static void write_stderr(FILE *out, json_t *c)
{
	json_t *said = json_object_get(c, "stderr");
	if (json_object_size(said) == 0)
		return;
	kx_html_emit(out, "<h4>Standard error</h4>\n");
	const char *driver;
	json_t *text;
	json_object_foreach(said, driver, text)
	{
		kx_html_emit(out, "<p>driver <strong>%s</strong> wrote:</p>\n<pre class=\"stderr\">%j</pre>\n", driver, text);
	}
}

/* data-axis-NAME="VALUE" for each axis of the case: what the axis facets select on. */
static void write_axis_attributes(FILE *out, json_t *c)
{
	const char *axis;
	json_t *value;
	json_object_foreach(json_object_get(c, "axes"), axis, value)
	{
		kx_html_emit(out, " data-axis-%s=\"%j\"", axis, value);
	}
}

static void write_case(FILE *out, json_t *c)
{
	int ok = kx_html_met(c);
	/* Unmet cases are open: they are what the reader came for. */
	/* The facets the filters below select on. */
	kx_html_emit(out,
	     "<details class=\"case %S\" id=\"%s\" data-result=\"%s\" data-scenario=\"%s\" data-pairing=\"%s-%s\" "
	     "data-drivers=\" %s %s \"",
	     ok ? "met" : "unmet", kx_html_str(c, "id"), kx_html_str(c, "result"), kx_html_str(c, "scenario"), kx_html_str(c, "initiator"),
	     kx_html_str(c, "terminator"), kx_html_str(c, "initiator"), kx_html_str(c, "terminator"));
	write_axis_attributes(out, c);
	kx_html_emit(out, "%S>\n<summary><span class=\"badge %S\">%S</span><code>%s</code> &mdash; %s (expected %s)",
	     ok ? "" : " open", ok ? "ok" : "bad", ok ? "met" : "NOT MET", kx_html_str(c, "id"), kx_html_str(c, "result"),
	     kx_html_str(c, "expected"));
	if (json_object_get(c, "expectation") != NULL)
		kx_html_emit(out, " [%s]", kx_html_str(c, "expectation"));
	if (!ok && kx_html_str(c, "diagnosis")[0] != '\0')
		kx_html_emit(out, ": %s", kx_html_str(c, "diagnosis"));
	kx_html_emit(out, "</summary>\n<div>\n");
	write_plain(out, c);
	if (kx_html_str(c, "diagnosis")[0] != '\0')
		kx_html_emit(out, "<h4>Diagnosis</h4>\n<p class=\"diagnosis\">%s</p>\n", kx_html_str(c, "diagnosis"));
	write_facts(out, c);
	kx_html_write_verdicts(out, c);
	kx_html_write_exported(out, c);
	kx_html_write_key_identifier(out, c);
	kx_html_write_e2e(out, c);
	write_flights(out, c);
	write_sessions(out, c);
	write_stderr(out, c);
	write_capture(out, c);
	kx_html_emit(out, "</div>\n</details>\n");
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
		write_case(out, c);
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
