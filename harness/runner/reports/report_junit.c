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
 * GitLab's parsers accept (the Ant/Maven Surefire form). */
#include "runner/reports/report_junit.h"
#include "runner/reports/report_view.h"

#include "core/errors.h"

#include <errno.h>
#include <string.h>

/* What XML 1.0 and HTML cannot carry is replaced by U+FFFD, visibly. */
#define REPLACEMENT "\xEF\xBF\xBD"

/* Length of the UTF-8 sequence at s (at most n bytes) and its code point; 0 if malformed. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
	if (len == 0 || len > n || s[0] > 0xF4)
		return 0;
	unsigned long c = s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	static const unsigned long least[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (c < least[len] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		return 0;
	*cp = c;
	return len;
}

void kx_xml_escape(FILE *out, const char *text, size_t len, int attribute)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			switch (c) {
			case '&':
				fputs("&amp;", out);
				break;
			case '<':
				fputs("&lt;", out);
				break;
			case '>':
				fputs("&gt;", out);
				break;
			case '"':
				fputs("&quot;", out);
				break;
			case '\'':
				fputs("&#39;", out);
				break;
			/* A parser turns a raw CR into LF, and raw white space in an
			 * attribute into a space: the reference keeps them. */
			case '\r':
				fputs("&#13;", out);
				break;
			case '\n':
				fputs(attribute ? "&#10;" : "\n", out);
				break;
			case '\t':
				fputs(attribute ? "&#9;" : "\t", out);
				break;
			default:
				/* C0 controls are not allowed in XML 1.0; DEL is a parse error in HTML. */
				if (c < 0x20 || c == 0x7F)
					fputs(REPLACEMENT, out);
				else
					fputc(c, out);
			}
			continue;
		}
		unsigned long cp = 0;
		size_t n = utf8_decode(s + i, len - i, &cp);
		/* C1 controls are errors in HTML; U+FFFE and U+FFFF are not XML 1.0 characters. */
		if (n == 0 || (cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF) {
			fputs(REPLACEMENT, out);
			i += n == 0 ? 1 : n;
		} else {
			fwrite(s + i, 1, n, out);
			i += n;
		}
	}
}

/* A string member of obj, or "" when it is missing. */
static const char *str(json_t *obj, const char *key)
{
	const char *text = json_string_value(json_object_get(obj, key));
	return text != NULL ? text : "";
}

/* Escapes a string member (embedded NULs included: they become U+FFFD). */
static void esc_member(FILE *out, json_t *obj, const char *key, int attribute)
{
	json_t *value = json_object_get(obj, key);
	if (json_is_string(value))
		kx_xml_escape(out, json_string_value(value), json_string_length(value), attribute);
}

static void esc(FILE *out, const char *text, int attribute)
{
	kx_xml_escape(out, text, strlen(text), attribute);
}

static double seconds(json_t *obj)
{
	double ms = json_number_value(json_object_get(obj, "duration_ms"));
	return ms > 0 ? ms / 1000.0 : 0.0;
}

enum verdict { PASSED, FAILED, ERRORED, SKIPPED };

/* How a case shows in a CI test view: unmet is red, met but not run is skipped. */
static enum verdict verdict_of(json_t *c)
{
	const char *result = str(c, "result");
	if (!json_is_true(json_object_get(c, "met")))
		return strcmp(result, "error") == 0 ? ERRORED : FAILED;
	if (strcmp(result, "skip") == 0 || strcmp(result, "not-implemented") == 0)
		return SKIPPED;
	return PASSED;
}

struct tally {
	size_t tests, verdicts[4];
	double time;
};

static void count(struct tally *t, json_t *c)
{
	t->tests++;
	t->verdicts[verdict_of(c)]++;
	t->time += seconds(c);
}

static void write_counts(FILE *out, const struct tally *t)
{
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"", t->tests,
	        t->verdicts[FAILED], t->verdicts[ERRORED], t->verdicts[SKIPPED], t->time);
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

	enum verdict v = verdict_of(c);
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

/* <property name="NAME" value="OBJ.KEY"/>, escaped. */
static void write_property(FILE *out, const char *name, json_t *obj, const char *key)
{
	fprintf(out, "      <property name=\"%s\" value=\"", name);
	esc_member(out, obj, key, 1);
	fputs("\"/>\n", out);
}

/* The properties every suite carries: the members top of the report, then extra (name, key of
 * extra_obj) pairs, then one per driver, driver.NAME = its implementation. */
static void write_suite_properties(FILE *out, json_t *report, const char *const *top, size_t n_top,
                                   json_t *extra_obj, const char *const *extra, size_t n_extra)
{
	fputs("    <properties>\n", out);
	for (size_t i = 0; i < n_top; i++)
		write_property(out, top[i], report, top[i]);
	for (size_t i = 0; i < n_extra; i++)
		write_property(out, extra[i], extra_obj, extra[i]);
	size_t i;
	json_t *driver;
	json_array_foreach(json_object_get(report, "drivers"), i, driver)
	{
		fputs("      <property name=\"driver.", out);
		esc_member(out, driver, "name", 1);
		fputs("\" value=\"", out);
		esc_member(out, driver, "implementation", 1);
		fputs("\"/>\n", out);
	}
	fputs("    </properties>\n", out);
}

static void write_properties(FILE *out, json_t *report, json_t *first)
{
	static const char *const top[] = {"harness", "suite", "started", "host"};
	static const char *const extra[] = {"clauses"};
	write_suite_properties(out, report, top, 4, first, extra, 1);
}

/* 1 if an earlier case than index has the same scenario: the suite was written already. */
static int seen_before(json_t *cases, size_t index, const char *scenario)
{
	for (size_t i = 0; i < index; i++)
		if (strcmp(str(json_array_get(cases, i), "scenario"), scenario) == 0)
			return 1;
	return 0;
}

static void write_suite(FILE *out, json_t *report, json_t *cases, size_t first)
{
	const char *scenario = str(json_array_get(cases, first), "scenario");
	struct tally t = {0};
	for (size_t i = first; i < json_array_size(cases); i++)
		if (strcmp(str(json_array_get(cases, i), "scenario"), scenario) == 0)
			count(&t, json_array_get(cases, i));
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
	write_properties(out, report, json_array_get(cases, first));
	for (size_t i = first; i < json_array_size(cases); i++)
		if (strcmp(str(json_array_get(cases, i), "scenario"), scenario) == 0)
			write_case(out, json_array_get(cases, i));
	fputs("  </testsuite>\n", out);
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

int kx_report_write_junit(json_t *report, const char *path, char *err, size_t errlen)
{
	json_t *cases;
	FILE *out = kx_report_view_open(report, path, &cases, err, errlen);
	if (out == NULL)
		return -1;
	struct tally all = {0};
	size_t i;
	json_t *c;
	json_array_foreach(cases, i, c)
	{
		count(&all, c);
	}
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
	json_array_foreach(cases, i, c)
	{
		if (!seen_before(cases, i, str(c, "scenario")))
			write_suite(out, report, cases, i);
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

/* ---- junit-vectors.xml ------------------------------------------------------------------ */

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
