/* report.h - the run's report as one JSON object (docs/reports.md): a
 * header, the case results, and a summary computed from them; written as
 * reports/report.json, reports/junit.xml and reports/index.html. */
#ifndef KX_REPORT_H
#define KX_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "runner/reports/report_cases.h"

#define KX_REPORT_VERSION 1

/* The files a report is written as, in DIR/reports: report.json, junit.xml, index.html. */
#define KX_REPORT_FILES 3
extern const char *const kx_report_files[KX_REPORT_FILES];

/* The temporary file that name (one of kx_report_files) is written through, DIR/reports/.NAME.tmp,
 * into out (capacity len). */
void kx_report_temp_path(const char *dir, const char *name, char *out, size_t len);

/* Creates DIR/reports and writes report (its cases in report["cases"]) there as report.json,
 * junit.xml and index.html, each through its temporary file, renamed into place only once all
 * three are written and synced: a full disk leaves no half-written report. 0, or -1 with err naming the file that could not be written
 * (the temporary files are then removed). */
int kx_report_write_all(json_t *report, const char *dir, char *err, size_t errlen);

/* kx_report_write_all for a report whose cases come from cases (report_cases.h), each loaded
 * once per file as it is written: report holds the rest, with an empty "cases" array where
 * report.json has them. */
int kx_report_write_cases(json_t *report, struct kx_report_cases *cases, const char *dir, char *err,
                          size_t errlen);

/* The layout of reports/vectors.json (docs/vectors-report.schema.json), raised as report_version is. */
#define KX_VECTORS_REPORT_VERSION 1

/* The files `kxconform vectors` writes in DIR/reports: vectors.json and junit-vectors.xml. */
#define KX_VECTORS_REPORT_FILES 2
extern const char *const kx_vectors_report_files[KX_VECTORS_REPORT_FILES];

/* Creates DIR/reports and writes the vectors report (docs/reports.md, "vectors.json") there as
 * vectors.json and junit-vectors.xml, as kx_report_write_all writes a run's: both or neither.
 * 0, or -1 with err. */
int kx_report_write_vectors(json_t *vectors, const char *dir, char *err, size_t errlen);

/* Sets report["vectors"] to what `kxconform vectors` wrote in DIR/reports/vectors.json, without
 * the per-test lists, so that a run's report.json and index.html show the vectors too; nothing
 * when there is no such file. 1 when it did, 0 when there was none, -1 with err when the file
 * is there but unreadable (report["vectors"] then says so). */
int kx_report_attach_vectors(json_t *report, const char *dir, char *err, size_t errlen);

#endif
