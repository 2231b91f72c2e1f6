/* report_html_requirements.h - the requirements section of
 * reports/index.html: the table requirements.c counted into the report, an
 * entry per statement of the catalogue with whether this report's cases met
 * it. */
#ifndef KX_REPORT_HTML_REQUIREMENTS_H
#define KX_REPORT_HTML_REQUIREMENTS_H

#include <jansson.h>
#include <stdio.h>

/* Writes the requirements section of report (the totals, a status filter, then every entry, unmet
 * first); nothing when report has no requirements table. */
void kx_html_write_requirements(FILE *out, json_t *report);

#endif
