/* vector_answers.h - one prepared vector file checked on every driver at once
 * by `kxconform vectors`: its requests streamed to the drivers that list the
 * operation, each answer judged as it arrives, a wrong answer named by the
 * judge's models, and the file's lines and entry of the vectors report. */
#ifndef KX_VECTOR_ANSWERS_H
#define KX_VECTOR_ANSWERS_H

#include <stddef.h>

#include <jansson.h>

#include "core/text_buffer.h"
#include "runner/drivers/driver_proc.h"
#include "runner/judge/judge_crypto.h"
#include "runner/vectors/vector_prepare.h"

/* How the answers are judged: the declared key identifier reading, and the reference driver
 * that names mistakes (NULL when there is none). */
struct kx_vector_judging {
	const char *claimed_reading;
	struct kx_judge_crypto *crypto;
	int with_models;
};

/* Checks one prepared file on every driver at once; appends what it found to out (each failure,
 * then the file's line), adds to the total, and returns the file's entry of the vectors report. */
json_t *kx_vectors_check_file(struct kx_prepared_file *p, struct kx_driver_proc *drivers, size_t n_drivers,
                              int timeout_ms, const struct kx_vector_judging *judging, struct kx_text *out,
                              struct kx_vector_tally *total);

#endif
