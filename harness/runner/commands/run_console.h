/* run_console.h - what `kxconform run` says on the terminal: lines fitted
 * and wrapped to its width (UTF-8 counted in columns), and the summary with
 * every unmet expectation grouped by diagnosis. */
#ifndef KX_RUN_CONSOLE_H
#define KX_RUN_CONSOLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "runner/reports/report_view.h"

/* The terminal's width in columns when out is one, else 0 (a log, a pipe: nothing is cut or wrapped). */
int kx_console_width(FILE *out);

/* Bytes of text that fill at most columns (one per character; a UTF-8 sequence is never split). */
size_t kx_console_fit(const char *text, size_t columns);

/* Characters (not bytes) of text. */
size_t kx_console_columns(const char *text);

/* Writes text to out broken at spaces into lines of at most width columns, the first after
 * `first` columns already used, the next indented by indent spaces; width 0 writes it whole. Ends
 * with a newline. */
void kx_console_print_wrapped(FILE *out, const char *text, int width, size_t first, size_t indent);

/* The closing summary: counts, the unmet cases of cases grouped by diagnosis (one line per cause,
 * with the count and the ids), the vectors report attached to report, and where the files are
 * (written: whether the reports were). On a terminal every line wraps at its width. */
void kx_run_print_summary(json_t *report, const struct kx_report_cases *cases, const struct kx_report_counts *n,
                          const char *output, int written);

#endif
