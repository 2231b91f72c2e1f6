/* report_junit_vectors.h - reports/junit-vectors.xml: a vectors report
 * (vectors.json) as JUnit XML, for the same CI test views as junit.xml. */
#ifndef KX_REPORT_JUNIT_VECTORS_H
#define KX_REPORT_JUNIT_VECTORS_H

#include <stddef.h>

#include <jansson.h>

/* Writes a vectors report (the object written to vectors.json) to path as JUnit XML: per vector
 * file a testsuite of the harness's own checks (layout, core, models) and per file and driver a
 * testsuite with a testcase per test asked; 0, or -1 with err. */
int kx_report_write_vectors_junit(json_t *vectors, const char *path, char *err, size_t errlen);

#endif
