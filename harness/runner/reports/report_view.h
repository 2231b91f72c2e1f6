/* report_view.h - what every view of a run's report (report.json's
 * summary, junit.xml, index.html) reads from it the same way: the counts,
 * the unmet cases grouped by diagnosis, and a view file opened and closed
 * so that a full disk is an error, never a short file. */
#ifndef KX_REPORT_VIEW_H
#define KX_REPORT_VIEW_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "runner/reports/report_cases.h"

/* Counts over the cases of a report. */
struct kx_report_counts {
	size_t cases, unmet, pass, fail, error, not_implemented, skip;
};

/* Recomputes report["summary"] from the rows of cases and fills counts. */
void kx_report_summarize_cases(json_t *report, const struct kx_report_cases *cases,
                               struct kx_report_counts *counts);

/* Recomputes report["summary"] from report["cases"] and fills counts. */
void kx_report_summarize(json_t *report, struct kx_report_counts *counts);

/* The unmet cases grouped by result and diagnosis, in order of first appearance: a new
 * array of {"result", "diagnosis", "ids": [case id, ...]}. Values that differ from case to case
 * in otherwise equal diagnoses (hex and base64 of 16 characters or more: keys, identifiers) do
 * not split a group; such a group's diagnosis shows them as "...". One line per cause, not per
 * case: a crashing driver fails every case it plays with the same words. */
json_t *kx_report_unmet_groups(const struct kx_report_cases *cases);

/* Opens path for writing a view of report (report.json, junit.xml, index.html), whose cases a
 * struct kx_report_cases gives; NULL with err ("cannot write PATH: ...") when report has no
 * "cases" array (the place of the cases in report.json) or path cannot be opened. */
FILE *kx_report_view_open(json_t *report, const char *path, char *err, size_t errlen);

/* Flushes, syncs and closes a view kx_report_view_open opened; 0, or -1 with err when it could not
 * all be written. */
int kx_report_view_close(FILE *out, const char *path, char *err, size_t errlen);

#endif
