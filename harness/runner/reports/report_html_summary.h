/* report_html_summary.h - the counts of reports/index.html: the summary
 * (a row per scenario, the unmet cases grouped by diagnosis) and the pairing
 * matrices (per scenario and transport, initiator by terminator). */
#ifndef KX_REPORT_HTML_SUMMARY_H
#define KX_REPORT_HTML_SUMMARY_H

#include <jansson.h>
#include <stdio.h>

#include "runner/reports/report_cases.h"

/* Writes the summary section of report: a row per name of scenarios (an array of strings, in the
 * order they ran) with its cases counted by result, then the unmet cases grouped by diagnosis. */
void kx_html_write_summary(FILE *out, json_t *report, const struct kx_report_cases *cases, json_t *scenarios);

/* Writes the pairings section: per scenario of scenarios and per transport its cases have, a
 * table with a row per initiating and a column per terminating driver of names. */
void kx_html_write_matrices(FILE *out, const struct kx_report_cases *cases, json_t *scenarios, json_t *names);

#endif
