/* junit_xml.h - the pieces of JUnit XML that junit.xml (report_junit.c) and
 * junit-vectors.xml (report_junit_vectors.c) write alike: escaped members,
 * the verdicts a CI view shows and their counts, and the properties every
 * testsuite carries. Internal to those two files; small enough to be static
 * inline. */
#ifndef KX_JUNIT_XML_H
#define KX_JUNIT_XML_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "runner/reports/xml_escape.h"

/* A string member of obj, or "" when it is missing. */
static inline const char *str(json_t *obj, const char *key)
{
	const char *text = json_string_value(json_object_get(obj, key));
	return text != NULL ? text : "";
}

/* Escapes a string member (embedded NULs included: they become U+FFFD). */
static inline void esc_member(FILE *out, json_t *obj, const char *key, int attribute)
{
	json_t *value = json_object_get(obj, key);
	if (json_is_string(value))
		kx_xml_escape(out, json_string_value(value), json_string_length(value), attribute);
}

/* Escapes a NUL-terminated text. */
static inline void esc(FILE *out, const char *text, int attribute)
{
	kx_xml_escape(out, text, strlen(text), attribute);
}

/* An object's duration_ms in seconds, as JUnit's time attributes count (0 when absent). */
static inline double seconds(json_t *obj)
{
	double ms = json_number_value(json_object_get(obj, "duration_ms"));
	return ms > 0 ? ms / 1000.0 : 0.0;
}

/* How a test shows in a CI view. */
enum verdict { PASSED, FAILED, ERRORED, SKIPPED };

/* A testsuite's (or the whole file's) counts, per verdict. */
struct tally {
	size_t tests, verdicts[4];
	double time;
};

/* The count attributes of a testsuite or testsuites element. */
static inline void write_counts(FILE *out, const struct tally *t)
{
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"", t->tests,
	        t->verdicts[FAILED], t->verdicts[ERRORED], t->verdicts[SKIPPED], t->time);
}

/* <property name="NAME" value="OBJ.KEY"/>, escaped. */
static inline void write_property(FILE *out, const char *name, json_t *obj, const char *key)
{
	fprintf(out, "      <property name=\"%s\" value=\"", name);
	esc_member(out, obj, key, 1);
	fputs("\"/>\n", out);
}

/* The properties every suite carries: the members top of the report, then extra (name, key of
 * extra_obj) pairs, then one per driver, driver.NAME = its implementation. */
static inline void write_suite_properties(FILE *out, json_t *report, const char *const *top, size_t n_top,
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

#endif
