/* report_html_case.h - one case of reports/index.html: a details element
 * anchored by the case id, its summary line, then in plain words what was
 * expected and what happened, the diagnosis, the facts, the derived values
 * and verdicts, the flights, what each end reported and said, and the
 * capture. */
#ifndef KX_REPORT_HTML_CASE_H
#define KX_REPORT_HTML_CASE_H

#include <jansson.h>
#include <stdio.h>

/* Writes case c (an element of report["cases"]) as a details element, open when it is unmet, with
 * the data- attributes the page's filters select on. */
void kx_html_write_case(FILE *out, json_t *c);

#endif
