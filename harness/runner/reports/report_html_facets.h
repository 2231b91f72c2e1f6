/* report_html_facets.h - the filters above the cases of reports/index.html:
 * a search box, a select per facet (result, scenario, pairing, driver, and
 * each axis the cases have) with how many cases have each value, "unmet
 * only", and expand and collapse. The page's script (report.js) shows them
 * and selects on the data- attributes of each case (report_html_case.c). */
#ifndef KX_REPORT_HTML_FACETS_H
#define KX_REPORT_HTML_FACETS_H

#include <jansson.h>
#include <stdio.h>

#include "runner/reports/report_cases.h"

/* Writes the filters of the cases as a hidden div#controls that the page's script shows. */
void kx_html_write_case_filters(FILE *out, const struct kx_report_cases *cases);

#endif
