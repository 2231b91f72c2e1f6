/* report_junit.h - reports/junit.xml: a run's report.json as JUnit XML, the
 * format GitLab, Jenkins and GitHub test views read natively. It includes
 * xml_escape.h, the escaping every view shares, for the HTML report, which
 * reaches kx_xml_escape through this header. junit-vectors.xml is
 * report_junit_vectors.h's. */
#ifndef KX_REPORT_JUNIT_H
#define KX_REPORT_JUNIT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "runner/reports/report_cases.h"
#include "runner/reports/xml_escape.h"

/* Writes report (the object written to report.json) with its cases to path as JUnit XML; 0, or
 * -1 with err. */
int kx_report_write_junit(json_t *report, struct kx_report_cases *cases, const char *path, char *err,
                          size_t errlen);

#endif
