/* report_junit.h - reports/junit.xml: a run's report.json as JUnit XML, the
 * format GitLab, Jenkins and GitHub test views read natively. Also the XML
 * escaping the HTML report uses, so that both files replace the same
 * characters the same way. */
#ifndef KX_REPORT_JUNIT_H
#define KX_REPORT_JUNIT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Writes report (the object written to report.json) to path as JUnit XML; 0, or -1 with err. */
int kx_report_write_junit(json_t *report, const char *path, char *err, size_t errlen);

/* Writes a vectors report (the object written to vectors.json) to path as JUnit XML: per vector
 * file a testsuite of the harness's own checks (layout, core, models) and per file and driver a
 * testsuite with a testcase per test asked; 0, or -1 with err. */
int kx_report_write_vectors_junit(json_t *vectors, const char *path, char *err, size_t errlen);

/* Writes len bytes of UTF-8 text to out escaped for XML 1.0 and HTML, as an attribute value when attribute is
 * set. */
void kx_xml_escape(FILE *out, const char *text, size_t len, int attribute);

#endif
