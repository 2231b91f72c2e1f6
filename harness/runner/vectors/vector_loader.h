/* vector_loader.h - every vector file checked on every driver, a loader
 * thread preparing the next file while the drivers answer this one, each
 * file's lines printed in the order of the file names. */
#ifndef KX_VECTOR_LOADER_H
#define KX_VECTOR_LOADER_H

#include <stddef.h>

#include <jansson.h>

#include "runner/drivers/driver_proc.h"
#include "runner/vectors/vector_answers.h"
#include "runner/vectors/vector_prepare.h"

/* Checks every file on every driver, printing as it goes, with each file's entry of the vectors
 * report in entries (in the order of files) and the counts added to total; 0, or -1 when out of
 * memory. */
int kx_vectors_check_all(char **files, int n_files, struct kx_driver_proc *drivers, size_t n_drivers,
                         int timeout_ms, const struct kx_vector_judging *judging,
                         struct kx_vector_tally *total, json_t **entries);

#endif
