/* report_html_case.c - one case of reports/index.html (report_html_case.h).
 * Unmet cases are open, since they are what the reader came for; each part
 * of a case is left out when the case has nothing for it. The derived values
 * and verdicts are report_html_values.c's. */
#include "runner/reports/report_html_case.h"
#include "runner/reports/report_html_emit.h"
#include "runner/reports/report_html_values.h"

#include <stdlib.h>
#include <string.h>

/* What the suite expected of the case, in a sentence. */
static void write_expected(FILE *out, json_t *c)
{
	json_t *variant = json_object_get(c, "variant");
	const char *why = kx_html_str(variant, "why");
	if (kx_html_is(c, "kind", "positive"))
		kx_html_emit(out, "Expected: the handshake completes and every cross-check passes. ");
	else if (kx_html_is(c, "kind", "fault"))
		kx_html_emit(
		    out,
		    "Expected: the handshake does not complete, because the runner damages a flight (%s). ",
		    kx_html_str(variant, "name"));
	else
		kx_html_emit(out, "Expected: the handshake is refused, because %s. ",
		             why[0] ? why : kx_html_str(variant, "name"));
}

/* What happened, in a sentence: from the result, and for a failure the handshake's outcome. */
static void write_happened(FILE *out, json_t *c)
{
	const char *outcome = kx_html_str(c, "outcome");
	int failed = kx_html_is(c, "result", "fail");
	kx_html_emit(out, "What happened: ");
	if (kx_html_is(c, "result", "pass"))
		kx_html_emit(out, kx_html_is(c, "kind", "positive")
		                      ? "the handshake completed and every cross-check passed."
		                      : "the handshake completed anyway.");
	else if (failed && strcmp(outcome, "completed") == 0)
		kx_html_emit(out, "the handshake completed, but a check failed (below).");
	else if (failed && strcmp(outcome, "refused") == 0)
		kx_html_emit(out, "the handshake was refused%S%s.",
		             json_object_get(c, "rejected_by") ? " by the " : "",
		             kx_html_str(c, "rejected_by"));
	else if (failed && strcmp(outcome, "stalled") == 0)
		kx_html_emit(out, "the handshake stalled: neither end had anything more to send.");
	else if (failed)
		kx_html_emit(out, "the handshake did not complete.");
	else if (kx_html_is(c, "result", "error"))
		kx_html_emit(out,
		             "a driver failed (crashed, hung or answered something unusable), so the case "
		             "could not be judged.");
	else if (kx_html_is(c, "result", "not-implemented"))
		kx_html_emit(out, "the case was not run: a driver cannot play it.");
	else if (kx_html_is(c, "result", "skip") && kx_html_is(c, "expectation", "disabled"))
		kx_html_emit(out, "the case was not run: %s.", kx_html_str(c, "diagnosis"));
	else if (kx_html_is(c, "result", "skip"))
		kx_html_emit(out,
		             "the case was skipped: the misbehaving end cannot be set up on this library.");
	else
		kx_html_emit(out, "result %s.", kx_html_str(c, "result"));
}

/* The expectation and what happened, in a sentence each, then why that is met or not when it is
 * not plain: an expectations file turns the suite's verdict around for the cases it lists. */
static void write_plain(FILE *out, json_t *c)
{
	kx_html_emit(out, "<p class=\"plain\"><strong>%S.</strong> ", kx_html_met(c) ? "Met" : "Not met");
	write_expected(out, c);
	write_happened(out, c);
	if (kx_html_is(c, "expectation", "xfail"))
		kx_html_emit(
		    out, " The expectations file lists it as an expected failure (%s), so it counts as met.",
		    kx_html_str(c, "expectation_reason"));
	else if (kx_html_is(c, "expectation", "xpass"))
		kx_html_emit(
		    out,
		    " The expectations file lists it as an expected failure (%s), but it met the suite's "
		    "expectation, so it counts as not met: update the expectations file.",
		    kx_html_str(c, "expectation_reason"));
	else if (!kx_html_met(c) && strcmp(kx_html_str(c, "result"), kx_html_str(c, "expected")) == 0)
		kx_html_emit(out,
		             " That is the expected result, but not the expected way to reach it: see the "
		             "diagnosis.");
	kx_html_emit(out, "</p>\n");
}

/* The case's requirements, each a link to its row of the requirements table. */
static void write_requirement_links(FILE *out, json_t *c)
{
	kx_html_emit(out, "<tr><th>Requirements</th><td class=\"requirement-ids\">");
	size_t i;
	json_t *id;
	json_array_foreach(json_object_get(c, "requirements"), i, id)
	{
		kx_html_emit(out, "%S<a href=\"#req-%U\"><code>%j</code></a>", i ? " " : "",
		             json_string_value(id), id);
	}
	kx_html_emit(out, "</td></tr>\n");
}

/* The facts table: scenario, pairing, transport and suite, kind, expected and result, the
 * expectations file's word, the handshake's outcome, the requirements, the duration. */
static void write_facts(FILE *out, json_t *c)
{
	json_t *variant = json_object_get(c, "variant");
	const char *suite_name = kx_html_str(json_object_get(c, "initiator_report"), "suite_name");
	kx_html_emit(
	    out,
	    "<table class=\"facts\">\n<tr><th>Scenario</th><td>%s <span class=\"why\">(%s)</span></td>"
	    "</tr>\n<tr><th>Pairing</th><td>%s initiates, %s terminates</td></tr>\n"
	    "<tr><th>Transport, suite</th><td>%s, <code>%s</code> %s</td></tr>\n<tr><th>Kind</th><td>%s",
	    kx_html_str(c, "scenario"), kx_html_str(c, "clauses"), kx_html_str(c, "initiator"),
	    kx_html_str(c, "terminator"), kx_html_str(c, "transport"), kx_html_str(c, "suite"), suite_name,
	    kx_html_str(c, "kind"));
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
		             kx_html_str(c, "expectation"),
		             json_object_get(c, "expectation_reason") ? ": " : "",
		             kx_html_str(c, "expectation_reason"));
	if (json_object_get(c, "outcome") != NULL) {
		kx_html_emit(out, "<tr><th>Handshake</th><td>%s", kx_html_str(c, "outcome"));
		if (json_object_get(c, "rejected_by") != NULL)
			kx_html_emit(out, " by the %s", kx_html_str(c, "rejected_by"));
		kx_html_emit(out, "</td></tr>\n");
	}
	if (json_array_size(json_object_get(c, "requirements")) > 0)
		write_requirement_links(out, c);
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
		kx_html_emit(out, "m2m:rqp op %j from <code>%j</code> to <code>%j</code>",
		             json_object_get(rqp, "op"), json_object_get(rqp, "fr"),
		             json_object_get(rqp, "to"));
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

/* A flight's row: when after the first (t0_us), which way, what it held, its bytes and datagrams,
 * the fault the runner made in it, and for ESCertKE its message and NOTIFY primitive. */
static void write_flight(FILE *out, json_t *f, json_int_t t0_us)
{
	double at = (double)(json_integer_value(json_object_get(f, "at_us")) - t0_us) / 1000.0;
	char when[32];
	snprintf(when, sizeof when, "+%.2f ms", at);
	kx_html_emit(out, "<tr><td class=\"num\">%j</td><td>%s</td><td>%s \xE2\x86\x92 %s</td><td>%s",
	             json_object_get(f, "number"), when, kx_html_str(f, "from"), kx_html_str(f, "to"),
	             kx_html_str(f, "items"));
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

static void write_flights(FILE *out, json_t *c)
{
	json_t *flights = json_object_get(c, "flights");
	if (json_array_size(flights) == 0)
		return;
	json_int_t t0 = json_integer_value(json_object_get(json_array_get(flights, 0), "at_us"));
	kx_html_emit(
	    out, "<h4>Flights</h4>\n<table class=\"flights\">\n<tr><th>#</th><th>At</th><th>Direction</th>"
	         "<th>Items</th><th class=\"num\">Bytes</th><th>Fault</th><th>ESCertKE / NOTIFY</th></tr>\n");
	size_t i;
	json_t *f;
	json_array_foreach(flights, i, f)
	{
		write_flight(out, f, t0);
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
	    "randoms, master secret, key log, names)</summary>\n<table>\n<tr><th></th>"
	    "<th>initiator (%s)</th><th>terminator (%s)</th></tr>\n",
	    kx_html_str(c, "initiator"), kx_html_str(c, "terminator"));
	size_t i;
	json_t *key;
	json_array_foreach(keys, i, key)
	{
		const char *name = json_string_value(key);
		kx_html_emit(out, "<tr><th>%s</th><td class=\"hex\">%j</td><td class=\"hex\">%j</td></tr>\n",
		             name, json_object_get(ends[0], name), json_object_get(ends[1], name));
	}
	kx_html_emit(out, "</table></details>\n");
	json_decref(keys);
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
		kx_html_emit(out,
		             "<p>driver <strong>%s</strong> wrote:</p>\n<pre class=\"stderr\">%j</pre>\n",
		             driver, text);
	}
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

/* The case's capture and key log, linked, with what the report says of them. */
static void write_capture(FILE *out, json_t *c)
{
	const char *id = kx_html_str(c, "id");
	json_t *capture = json_object_get(c, "capture");
	kx_html_emit(out, "<p class=\"capture\">Capture: ");
	write_capture_link(out, capture, "pcapng_link", id, "pcapng");
	kx_html_emit(out, " &middot; key log: ");
	write_capture_link(out, capture, "keylog_link", id, "keylog");
	if (capture == NULL) {
		kx_html_emit(out,
		             " <span class=\"why\">(this report records no capture for the case)</span>");
	} else if (json_object_get(capture, "error") != NULL) {
		kx_html_emit(out, " <span class=\"differs\">(not written: %s)</span>",
		             kx_html_str(capture, "error"));
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

/* The opening of the details element: the id, and the facets the page's filters select on
 * (data-axis-NAME="VALUE" for each axis of the case); open when unmet. */
static void write_case_element(FILE *out, json_t *c, int ok)
{
	kx_html_emit(out,
	             "<details class=\"case %S\" id=\"%s\" data-result=\"%s\" data-scenario=\"%s\" "
	             "data-pairing=\"%s-%s\" data-drivers=\" %s %s \"",
	             ok ? "met" : "unmet", kx_html_str(c, "id"), kx_html_str(c, "result"),
	             kx_html_str(c, "scenario"), kx_html_str(c, "initiator"), kx_html_str(c, "terminator"),
	             kx_html_str(c, "initiator"), kx_html_str(c, "terminator"));
	const char *axis;
	json_t *value;
	json_object_foreach(json_object_get(c, "axes"), axis, value)
	{
		kx_html_emit(out, " data-axis-%s=\"%j\"", axis, value);
	}
	kx_html_emit(out, "%S>\n", ok ? "" : " open");
}

void kx_html_write_case(FILE *out, json_t *c)
{
	int ok = kx_html_met(c);
	write_case_element(out, c, ok);
	kx_html_emit(out,
	             "<summary><span class=\"badge %S\">%S</span><code>%s</code> &mdash; %s (expected %s)",
	             ok ? "ok" : "bad", ok ? "met" : "NOT MET", kx_html_str(c, "id"),
	             kx_html_str(c, "result"), kx_html_str(c, "expected"));
	if (json_object_get(c, "expectation") != NULL)
		kx_html_emit(out, " [%s]", kx_html_str(c, "expectation"));
	if (!ok && kx_html_str(c, "diagnosis")[0] != '\0')
		kx_html_emit(out, ": %s", kx_html_str(c, "diagnosis"));
	kx_html_emit(out, "</summary>\n<div>\n");
	write_plain(out, c);
	if (kx_html_str(c, "diagnosis")[0] != '\0')
		kx_html_emit(out, "<h4>Diagnosis</h4>\n<p class=\"diagnosis\">%s</p>\n",
		             kx_html_str(c, "diagnosis"));
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
