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
 * Attribute and element names follow the JUnit XML that Jenkins' and
 * GitLab's parsers accept (the Ant/Maven Surefire form). */
#include "runner/report_junit.h"
#include "runner/report.h"

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

static void write_case(FILE *out, json_t *c)
{
	fputs("    <testcase classname=\"kxconform.", out);
	esc_member(out, c, "scenario", 1);
	fputs(".", out);
	esc_member(out, c, "transport", 1);
	fputs("\" name=\"", out);
	esc_member(out, c, "id", 1);
	fprintf(out, "\" time=\"%.3f\">\n", seconds(c));

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
	/* A met expected failure passes; why it failed is still worth reading. */
	if (v != FAILED && v != ERRORED && diagnosis[0] != '\0') {
		fputs("      <system-out>", out);
		write_case_text(out, c);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

static void write_properties(FILE *out, json_t *report, json_t *first)
{
	static const char *const top[] = {"harness", "suite", "started", "host"};
	fputs("    <properties>\n", out);
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
		fprintf(out, "      <property name=\"%s\" value=\"", top[i]);
		esc_member(out, report, top[i], 1);
		fputs("\"/>\n", out);
	}
	fputs("      <property name=\"clauses\" value=\"", out);
	esc_member(out, first, "clauses", 1);
	fputs("\"/>\n", out);
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
	fputs("</testsuites>\n", out);
	return kx_report_view_close(out, path, err, errlen);
}
