/* report_junit.c - reports/junit.xml from the report object.
 *
 * One <testsuite> per scenario, one <testcase> per case. What a CI shows as
 * red is what made the run exit 1: a case whose expectation was not met gets
 * a <failure> (an <error> when a driver failed), whatever its result was, so
 * a not-implemented case that counts against the run is a failure of type
 * "not-implemented". A met case that was skipped or not implemented is
 * <skipped>. A negative or fault case that was refused as the suite expects
 * is a passing test case; its diagnosis (who refused, with which alert) goes
 * to <system-out>, where every CI view shows it beside the green mark.
 *
 * A run's requirements table (docs/reports.md, "Requirements") is one more
 * <testsuite name="requirements">, a testcase per catalogue entry: red when
 * a case checking it was unmet, skipped when nothing here checked it (with
 * why), green when cases met it, an expected failure covers it or vectors
 * check it. Its counts are in the <testsuites> totals, so the totals stay
 * the sum of the suites as CI parsers recount them.
 *
 * Attribute and element names follow the JUnit XML that Jenkins' and
 * GitLab's parsers accept (the Ant/Maven Surefire form); what this file and
 * junit-vectors.xml (report_junit_vectors.c) write alike is junit_xml.h's. */
#include "runner/reports/report_junit.h"
#include "runner/reports/junit_xml.h"
#include "runner/reports/report_view.h"

#include <errno.h>
#include <string.h>

/* How a case shows in a CI test view: unmet is red, met but not run is skipped. */
static enum verdict verdict_of(int met, const char *result)
{
	if (!met)
		return strcmp(result, "error") == 0 ? ERRORED : FAILED;
	if (strcmp(result, "skip") == 0 || strcmp(result, "not-implemented") == 0)
		return SKIPPED;
	return PASSED;
}

static void count(struct tally *t, const struct kx_case_row *c)
{
	t->tests++;
	t->verdicts[verdict_of(c->met, c->result)]++;
	t->time += c->duration_ms > 0 ? c->duration_ms / 1000.0 : 0.0;
}

/* The facts a reader of the CI view needs next to the diagnosis. */
static void write_case_text(FILE *out, json_t *c)
{
	json_t *variant = json_object_get(c, "variant");
	fputs("expected: ", out);
	esc_member(out, c, "expected", 0);
	if (variant != NULL) {
		fputs(" (", out);
		esc_member(out, c, "kind", 0);
		fputs(" ", out);
		esc_member(out, variant, "name", 0);
		if (str(variant, "why")[0] != '\0') {
			fputs(": ", out);
			esc_member(out, variant, "why", 0);
		}
		fputs(")", out);
	}
	if (json_object_get(c, "expectation") != NULL) {
		fputs("\nexpectations file: ", out);
		esc_member(out, c, "expectation", 0);
		if (json_object_get(c, "expectation_reason") != NULL) {
			fputs(" (", out);
			esc_member(out, c, "expectation_reason", 0);
			fputs(")", out);
		}
	}
	fputs("\nresult: ", out);
	esc_member(out, c, "result", 0);
	if (json_object_get(c, "outcome") != NULL) {
		fputs(", handshake ", out);
		esc_member(out, c, "outcome", 0);
	}
	if (json_object_get(c, "rejected_by") != NULL) {
		fputs(" by the ", out);
		esc_member(out, c, "rejected_by", 0);
	}
	fputs("\npairing: ", out);
	esc_member(out, c, "initiator", 0);
	fputs(" initiates, ", out);
	esc_member(out, c, "terminator", 0);
	fputs(" terminates, over ", out);
	esc_member(out, c, "transport", 0);
	fputs(" with suite ", out);
	esc_member(out, c, "suite", 0);
	fputs("\nclauses: ", out);
	esc_member(out, c, "clauses", 0);
	fputs("\ndiagnosis: ", out);
	esc_member(out, c, "diagnosis", 0);
	fputs("\ndetails: index.html#", out);
	esc_member(out, c, "id", 0);
	fputs("\n", out);
}

/* The case's properties (as pytest's record_property writes them): the capture's paths, where to
 * open the packets of a red case, and the value of each axis, by which a CI's view can group. */
static void write_case_properties(FILE *out, json_t *c)
{
	static const char *const members[] = {"pcapng", "keylog"};
	json_t *capture = json_object_get(c, "capture"), *axes = json_object_get(c, "axes");
	if (!json_is_string(json_object_get(capture, "pcapng")) && json_object_size(axes) == 0)
		return;
	fputs("      <properties>\n", out);
	for (size_t i = 0; i < 2 && json_is_string(json_object_get(capture, "pcapng")); i++) {
		if (!json_is_string(json_object_get(capture, members[i])))
			continue;
		fprintf(out, "        <property name=\"capture.%s\" value=\"", members[i]);
		esc_member(out, capture, members[i], 1);
		fputs("\"/>\n", out);
	}
	const char *axis;
	json_t *value;
	json_object_foreach(axes, axis, value)
	{
		fputs("        <property name=\"axis.", out);
		esc(out, axis, 1);
		fputs("\" value=\"", out);
		esc_member(out, axes, axis, 1);
		fputs("\"/>\n", out);
	}
	fputs("      </properties>\n", out);
}

static void write_case(FILE *out, json_t *c)
{
	fputs("    <testcase classname=\"kxconform.", out);
	esc_member(out, c, "scenario", 1);
	fputs(".", out);
	esc_member(out, c, "transport", 1);
	fputs("\" name=\"", out);
	esc_member(out, c, "id", 1);
	fprintf(out, "\" time=\"%.3f\">\n", seconds(c));
	write_case_properties(out, c);

	enum verdict v = verdict_of(json_is_true(json_object_get(c, "met")), str(c, "result"));
	const char *diagnosis = str(c, "diagnosis");
	if (v == FAILED || v == ERRORED) {
		const char *element = v == ERRORED ? "error" : "failure";
		fprintf(out, "      <%s message=\"", element);
		if (diagnosis[0] != '\0') {
			esc_member(out, c, "diagnosis", 1);
		} else {
			fputs("expected ", out);
			esc_member(out, c, "expected", 1);
			fputs(", result ", out);
			esc_member(out, c, "result", 1);
		}
		fputs("\" type=\"", out);
		esc_member(out, c, "result", 1);
		fputs("\">", out);
		write_case_text(out, c);
		fprintf(out, "</%s>\n", element);
	} else if (v == SKIPPED) {
		fputs("      <skipped message=\"", out);
		esc_member(out, c, "result", 1);
		if (diagnosis[0] != '\0') {
			fputs(": ", out);
			esc_member(out, c, "diagnosis", 1);
		}
		fputs("\"/>\n", out);
	}
	json_t *capture = json_object_get(c, "capture");
	int captured = json_is_string(json_object_get(capture, "pcapng"));
	/* A met expected failure passes; why it failed is still worth reading. The capture is worth
	 * opening for any case: its path, and the attachment line Jenkins and GitLab turn into a link. */
	if ((v != FAILED && v != ERRORED && diagnosis[0] != '\0') || captured) {
		fputs("      <system-out>", out);
		if (v != FAILED && v != ERRORED && diagnosis[0] != '\0')
			write_case_text(out, c);
		if (captured) {
			fputs("capture: ", out);
			esc_member(out, capture, "pcapng", 0);
			fputs("\nkey log: ", out);
			esc_member(out, capture, "keylog", 0);
			fputs("\n[[ATTACHMENT|", out);
			esc_member(out, capture, "pcapng", 0);
			fputs("]]\n", out);
		}
		fputs("</system-out>\n", out);
	}
	/* Each driver's standard error while the case ran, kept with it instead of on the terminal. */
	json_t *said = json_object_get(c, "stderr");
	if (json_object_size(said) > 0) {
		const char *driver;
		json_t *text;
		fputs("      <system-err>", out);
		json_object_foreach(said, driver, text)
		{
			fputs("[driver ", out);
			esc(out, driver, 0);
			fputs("]\n", out);
			if (json_is_string(text))
				kx_xml_escape(out, json_string_value(text), json_string_length(text), 0);
			fputs("\n", out);
		}
		fputs("</system-err>\n", out);
	}
	fputs("    </testcase>\n", out);
}

static void write_properties(FILE *out, json_t *report, const struct kx_case_row *first)
{
	static const char *const top[] = {"harness", "suite", "started", "host"};
	static const char *const extra[] = {"clauses"};
	json_t *facts = json_pack("{s:s}", "clauses", first->clauses);
	write_suite_properties(out, report, top, 4, facts, extra, 1);
	json_decref(facts);
}

/* 1 if an earlier case than index has the same scenario: the suite was written already. */
static int seen_before(const struct kx_report_cases *cases, size_t index, const char *scenario)
{
	for (size_t i = 0; i < index; i++)
		if (strcmp(cases->rows[i].scenario, scenario) == 0)
			return 1;
	return 0;
}

/* The testsuite of the scenario of case first: its counts from the rows, then each of its cases
 * loaded in turn. 0, or -1 with err when a case cannot be loaded. */
static int write_suite(FILE *out, json_t *report, struct kx_report_cases *cases, size_t first, char *err,
                       size_t errlen)
{
	const char *scenario = cases->rows[first].scenario;
	struct tally t = {0};
	for (size_t i = first; i < cases->n; i++)
		if (strcmp(cases->rows[i].scenario, scenario) == 0)
			count(&t, &cases->rows[i]);
	/* JUnit's timestamp is a local date-time without a zone; "started" is UTC. */
	char timestamp[32];
	snprintf(timestamp, sizeof timestamp, "%s", str(report, "started"));
	timestamp[strcspn(timestamp, "Z")] = '\0';

	fputs("  <testsuite name=\"", out);
	esc(out, scenario, 1);
	fputs("\"", out);
	write_counts(out, &t);
	fputs(" timestamp=\"", out);
	esc(out, timestamp, 1);
	fputs("\" hostname=\"", out);
	esc_member(out, report, "host", 1);
	fputs("\">\n", out);
	write_properties(out, report, &cases->rows[first]);
	for (size_t i = first; i < cases->n; i++) {
		if (strcmp(cases->rows[i].scenario, scenario) != 0)
			continue;
		json_t *c = cases->load(cases->ctx, i, err, errlen);
		if (c == NULL)
			return -1;
		write_case(out, c);
		json_decref(c);
	}
	fputs("  </testsuite>\n", out);
	return 0;
}

/* ---- the requirements table ---------------------------------------------------------- */

/* How a requirement shows in a CI test view: only an unmet case makes it red; nothing checking it
 * here (not run, untestable, a gap, nothing at all) is skipped; xfail and vectors pass, the one as
 * the run passes an expected failure, the other because `kxconform vectors` checks it. */
static enum verdict requirement_verdict(json_t *entry)
{
	const char *status = str(entry, "status");
	if (strcmp(status, "unmet") == 0)
		return FAILED;
	if (strcmp(status, "met") == 0 || strcmp(status, "xfail") == 0 || strcmp(status, "vectors") == 0)
		return PASSED;
	return SKIPPED;
}

static void count_requirements(struct tally *t, json_t *entries)
{
	size_t i;
	json_t *entry;
	json_array_foreach(entries, i, entry)
	{
		t->tests++;
		t->verdicts[requirement_verdict(entry)]++;
	}
}

/* The one-line reason a requirement is skipped, as the attribute or the text says it. */
static void requirement_reason(FILE *out, json_t *entry, int attribute)
{
	const char *status = str(entry, "status");
	esc(out, status, attribute);
	if (strcmp(status, "untestable") == 0 || strcmp(status, "gap") == 0) {
		fputs(": ", out);
		esc_member(out, entry, status, attribute);
	} else if (strcmp(status, "not-run") == 0) {
		fprintf(out, ": %lld cases of the suite check it, none of them ran here (a filter, a shard or "
		             "disabled cases)",
		        (long long)json_integer_value(json_object_get(entry, "suite_cases")));
	} else if (strcmp(status, "unchecked") == 0) {
		fputs(": no case, vector file or reason checks it", out);
	}
}

/* What a reader of the CI view needs: the quote, where it is, and what checked it. */
static void write_requirement_text(FILE *out, json_t *entry)
{
	fputs("clause ", out);
	esc_member(out, entry, "clause", 0);
	fputs(" (", out);
	esc_member(out, entry, "document", 0);
	fputs("), ", out);
	esc_member(out, entry, "kind", 0);
	fputs(": \"", out);
	esc_member(out, entry, "text", 0);
	fprintf(out, "\"\nstatus: ");
	requirement_reason(out, entry, 0);
	fprintf(out, "\ncases: %lld checked it here (%lld met, %lld skipped, %lld xfail, %zu unmet)",
	        (long long)json_integer_value(json_object_get(entry, "cases")),
	        (long long)json_integer_value(json_object_get(entry, "met")),
	        (long long)json_integer_value(json_object_get(entry, "skipped")),
	        (long long)json_integer_value(json_object_get(entry, "xfail")),
	        json_array_size(json_object_get(entry, "unmet_cases")));
	size_t i;
	json_t *id;
	json_array_foreach(json_object_get(entry, "unmet_cases"), i, id)
	{
		fputs("\nunmet: index.html#", out);
		if (json_is_string(id))
			kx_xml_escape(out, json_string_value(id), json_string_length(id), 0);
	}
	json_array_foreach(json_object_get(entry, "vectors"), i, id)
	{
		fputs("\nvectors: ", out);
		if (json_is_string(id))
			kx_xml_escape(out, json_string_value(id), json_string_length(id), 0);
	}
	if (json_object_get(entry, "note") != NULL) {
		fputs("\nnote: ", out);
		esc_member(out, entry, "note", 0);
	}
	fputs("\ndetails: index.html#req-", out);
	esc_member(out, entry, "id", 0);
	fputs("\n", out);
}

static void write_requirement(FILE *out, json_t *entry)
{
	fputs("    <testcase classname=\"kxconform.requirements\" name=\"", out);
	esc_member(out, entry, "id", 1);
	fputs("\" time=\"0.000\">\n", out);
	switch (requirement_verdict(entry)) {
	case FAILED: {
		size_t i, n = json_array_size(json_object_get(entry, "unmet_cases"));
		json_t *id;
		fprintf(out, "      <failure message=\"%zu of %lld cases checking it did not meet their expectation:", n,
		        (long long)json_integer_value(json_object_get(entry, "cases")));
		json_array_foreach(json_object_get(entry, "unmet_cases"), i, id)
		{
			fputs(i == 0 ? " " : ", ", out);
			if (json_is_string(id))
				kx_xml_escape(out, json_string_value(id), json_string_length(id), 1);
		}
		fputs("\" type=\"unmet\">", out);
		write_requirement_text(out, entry);
		fputs("</failure>\n", out);
		break;
	}
	case SKIPPED:
		fputs("      <skipped message=\"", out);
		requirement_reason(out, entry, 1);
		fputs("\"/>\n      <system-out>", out);
		write_requirement_text(out, entry);
		fputs("</system-out>\n", out);
		break;
	default:
		fputs("      <system-out>", out);
		write_requirement_text(out, entry);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

static void write_requirements(FILE *out, json_t *report, json_t *table)
{
	json_t *entries = json_object_get(table, "entries");
	struct tally t = {0};
	count_requirements(&t, entries);
	char timestamp[32];
	snprintf(timestamp, sizeof timestamp, "%s", str(report, "started"));
	timestamp[strcspn(timestamp, "Z")] = '\0';
	fputs("  <testsuite name=\"requirements\"", out);
	write_counts(out, &t);
	fputs(" timestamp=\"", out);
	esc(out, timestamp, 1);
	fputs("\" hostname=\"", out);
	esc_member(out, report, "host", 1);
	fputs("\">\n    <properties>\n", out);
	static const char *const top[] = {"harness", "suite", "started", "host"};
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
		fprintf(out, "      <property name=\"%s\" value=\"", top[i]);
		esc_member(out, report, top[i], 1);
		fputs("\"/>\n", out);
	}
	fputs("      <property name=\"catalogue\" value=\"", out);
	esc_member(out, table, "catalogue", 1);
	fputs("\"/>\n    </properties>\n", out);
	size_t i;
	json_t *entry;
	json_array_foreach(entries, i, entry)
	{
		write_requirement(out, entry);
	}
	fputs("  </testsuite>\n", out);
}

int kx_report_write_junit(json_t *report, struct kx_report_cases *cases, const char *path, char *err,
                          size_t errlen)
{
	FILE *out = kx_report_view_open(report, path, err, errlen);
	if (out == NULL)
		return -1;
	struct tally all = {0};
	for (size_t i = 0; i < cases->n; i++)
		count(&all, &cases->rows[i]);
	/* The run's wall time, not the sum of the cases', is what the job took. */
	all.time = seconds(report);
	/* An interrupted run exits 130 with every case it ran met, and a run that could not start (exit 2)
	 * has no case at all: one red test says so. */
	int interrupted = json_is_true(json_object_get(report, "interrupted"));
	const char *error = json_string_value(json_object_get(report, "error"));
	all.tests += interrupted + (error != NULL);
	all.verdicts[ERRORED] += interrupted + (error != NULL);
	/* Only run and merge write the table; live, http and verify reports have none. */
	json_t *table = json_object_get(report, "requirements");
	if (json_is_array(json_object_get(table, "entries")))
		count_requirements(&all, json_object_get(table, "entries"));
	else
		table = NULL;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", out);
	esc_member(out, report, "harness", 1);
	fputs("\"", out);
	write_counts(out, &all);
	fputs(">\n", out);
	for (size_t i = 0; i < cases->n; i++)
		if (!seen_before(cases, i, cases->rows[i].scenario) &&
		    write_suite(out, report, cases, i, err, errlen) != 0) {
			fclose(out);
			return -1;
		}
	if (table != NULL)
		write_requirements(out, report, table);
	if (interrupted || error != NULL) {
		struct tally run = {.tests = (size_t)(interrupted + (error != NULL))};
		run.verdicts[ERRORED] = run.tests;
		fputs("  <testsuite name=\"kxconform\"", out);
		write_counts(out, &run);
		fputs(">\n", out);
		if (error != NULL) {
			fputs("    <testcase classname=\"kxconform.run\" name=\"set-up\" time=\"0.000\">\n      <error "
			      "message=\"",
			      out);
			esc(out, error, 1);
			fputs("\" type=\"set-up\">the run could not start: ", out);
			esc(out, error, 0);
			fputs("</error>\n    </testcase>\n", out);
		}
		if (interrupted)
			fputs("    <testcase classname=\"kxconform.run\" name=\"interrupted\" time=\"0.000\">\n      <error "
			      "message=\"the run was interrupted (SIGINT or SIGTERM): only the cases that finished before "
			      "it are reported\" type=\"interrupted\"/>\n    </testcase>\n",
			      out);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	return kx_report_view_close(out, path, err, errlen);
}
