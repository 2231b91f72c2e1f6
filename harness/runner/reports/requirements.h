/* requirements.h - the requirements catalogue (requirements/catalogue.json) against a run: which
 * requirements the report's cases checked and whether they met them, or why no case can. The
 * suite names what its cases check ("requirements" of a scenario for its positive cases, of a
 * negative or fault entry for that variant); the table is the report's "requirements" member
 * (docs/reports.md, "Requirements"). */
#ifndef KX_REQUIREMENTS_H
#define KX_REQUIREMENTS_H

#include <jansson.h>
#include <stddef.h>

#include "runner/cases/suite.h"
#include "runner/reports/report_cases.h"

/* Checks, before a run, that the catalogue at path can be read and that it holds every requirement
 * id the suite lists; 0, or -1 with err naming the file, or the suite entry and the id. */
int kx_requirements_check(const char *path, const struct kx_suite *suite, char *err, size_t errlen);

/* Gives the row of each case of cases the ids its suite entry lists (its "requirements", which
 * whoever loads the case then sets on it) and sets report["requirements"] to the table over the
 * catalogue at path; 0, or -1 with err (the report is then left without the table and the rows
 * as they were) as kx_requirements_check. */
int kx_requirements_report(json_t *report, struct kx_report_cases *cases, const char *path,
                           const struct kx_suite *suite, char *err, size_t errlen);

/* Recounts the table in report["requirements"] from the ids of the rows of cases; a report
 * without the table is left as it is. */
void kx_requirements_recount_cases(json_t *report, const struct kx_report_cases *cases);

/* The same from the ids of report["cases"], for a report whose cases changed (a merge of
 * shards). */
void kx_requirements_recount(json_t *report);

#endif
