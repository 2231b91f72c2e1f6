/* vector_prepare.h - a vector file made ready for the drivers by `kxconform
 * vectors`: loaded, its layout and core checks done, its requests written as
 * protocol lines; and the two text helpers the command's files share (a
 * printf line into a buffer, text as a JSON string whatever its bytes). */
#ifndef KX_VECTOR_PREPARE_H
#define KX_VECTOR_PREPARE_H

#include <stddef.h>

#include <jansson.h>

#include "core/text_buffer.h"
#include "runner/drivers/driver_pool.h"
#include "runner/vectors/vector_checks.h"
#include "runner/vectors/vector_file.h"

/* What was checked and how it went: over a file, or over a run; per driver by its index. */
struct kx_vector_tally {
	size_t tests, malformed, core_checked, core_failed, models_checked, models_failed;
	size_t checked[KX_MAX_DRIVERS], failed[KX_MAX_DRIVERS], not_implemented[KX_MAX_DRIVERS],
	    accepted[KX_MAX_DRIVERS];
};

/* A vector file made ready for the drivers: loaded, its layout and core
 * checks done, its requests written as protocol lines. Preparing the next
 * file is the loader thread's work while the drivers answer this one. */
struct kx_prepared_file {
	const char *path;
	struct kx_vector_file file;
	const struct kx_vector_kind *kind; /* NULL when the file cannot be used */
	struct kx_text report;             /* its ERROR and FAIL [core] lines, printed first */
	struct kx_text requests;           /* every request line, "id" 0..n_requests-1 */
	size_t n_requests;
	size_t *first;                /* per kept test: its first request ... */
	int *count;                   /* ... and how many it has (0: none) */
	struct kx_vector_tally tally; /* tests, malformed and core counts */
	json_t *problems;             /* the ERROR lines as {"tcId"?, "text"} */
	json_t *core_failures;        /* the FAIL [core] lines as {"tcId", "reason"} */
};

/* Appends a printf-formatted line to text (silently dropped when out of memory). */
void kx_vector_add_line(struct kx_text *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns text as a JSON string (new reference); bytes that are not UTF-8 (a reason quoting a
 * malformed file) become '?'. */
json_t *kx_vector_text_json(const char *text);

/* Loads path into *p and does everything about it that needs no driver; what went wrong is in
 * p->report and p->problems, and p->kind is NULL when the file cannot be used. */
void kx_vector_prepare(const char *path, struct kx_prepared_file *p);

/* Frees what kx_vector_prepare put in *p and leaves it zeroed. */
void kx_vector_release(struct kx_prepared_file *p);

#endif
