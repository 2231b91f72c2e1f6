/* report_cases.h - a report's cases as its views read them: per case a row
 * of what the counts, groups, matrices, filters and requirement tallies need,
 * kept for every case, and the whole case, loaded one at a time while a view
 * writes it. A run's rows are filled as its cases finish and its cases are
 * read back from the spool (report_spool.h), so that its memory does not grow
 * with the case count; a report held in memory (merge, verify, live, http)
 * is read through kx_report_cases_of. Either way the same writers write it. */
#ifndef KX_REPORT_CASES_H
#define KX_REPORT_CASES_H

#include <jansson.h>
#include <stddef.h>

/* What the views count of one case. Strings are "" when the case lacks the member (or it is no
 * string), except where NULL is said. */
struct kx_case_row {
	const char *id; /* NULL when missing */
	const char *scenario, *transport, *initiator, *terminator, *kind, *clauses, *result;
	const char *variant;     /* the variant's name ("" for a positive case) */
	const char *expectation; /* NULL when missing */
	const char *diagnosis;   /* unmet cases only ("" when missing); NULL for a met case */
	int met;
	double duration_ms;
	json_t *axes;         /* the case's "axes" (a reference), NULL when missing */
	json_t *requirements; /* the ids the case checks (a reference), NULL when none */
	char *text;           /* owns the strings above */
};

/* A report's cases, in report order. */
struct kx_report_cases {
	struct kx_case_row *rows;
	size_t n;
	/* Case k whole, as report.json holds it: a new reference, or NULL with err. */
	json_t *(*load)(void *ctx, size_t k, char *err, size_t errlen);
	void *ctx;
};

/* Sets row to what the views count of the case c (c is not kept; row's earlier contents are
 * released); 0, or -1 when out of memory (row is then empty). */
int kx_case_row_set(struct kx_case_row *row, json_t *c);

/* Releases what kx_case_row_set took and empties row. */
void kx_case_row_free(struct kx_case_row *row);

/* The cases of report["cases"] as a case source whose load hands out the array's elements: the
 * array must stay while cases is used. 0, or -1 (nothing to free) when report has no cases array
 * or memory runs out. */
int kx_report_cases_of(struct kx_report_cases *cases, json_t *report);

/* Releases the rows of cases (not what its ctx points to). */
void kx_report_cases_free(struct kx_report_cases *cases);

#endif
