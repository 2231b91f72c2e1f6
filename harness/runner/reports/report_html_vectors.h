/* report_html_vectors.h - the vectors in reports/index.html: what
 * `kxconform vectors` found in the same output directory (report.c attaches
 * its vectors.json to the report), as a verdict line in the page's header
 * and a section of its own. */
#ifndef KX_REPORT_HTML_VECTORS_H
#define KX_REPORT_HTML_VECTORS_H

#include <jansson.h>
#include <stdio.h>

/* Writes the vectors' verdict (all passed, failures, or could not be checked) as a paragraph
 * linking to the section; nothing when vectors (report["vectors"]) is NULL. */
void kx_html_write_vectors_verdict(FILE *out, json_t *vectors);

/* Writes the vectors section of report (per file and driver, then every failure with its named
 * mistake); nothing when report has no "vectors" member. */
void kx_html_write_vectors(FILE *out, json_t *report);

#endif
