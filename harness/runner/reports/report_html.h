/* report_html.h - reports/index.html: a run's report.json as one
 * self-contained page a person reads in a browser (summary, pairing
 * matrices, and every case with its keys, key identifiers, flights and
 * diagnosis). */
#ifndef KX_REPORT_HTML_H
#define KX_REPORT_HTML_H

#include <stddef.h>

#include <jansson.h>

#include "runner/reports/report_cases.h"

/* Writes report (the object written to report.json) with its cases to path as one HTML page; 0,
 * or -1 with err. */
int kx_report_write_html(json_t *report, struct kx_report_cases *cases, const char *path, char *err,
                         size_t errlen);

#endif
