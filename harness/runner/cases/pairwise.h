/* pairwise.h - an all-pairs selection of combinations (a covering array of strength 2): for
 * factors of given numbers of levels, rows such that every pair of levels of every two factors is
 * in some row, far fewer rows than the full product once there are three factors or more. The
 * `pairwise` profile of a suite runs a scenario's axes this way (docs/suite.md, "Profiles"). */
#ifndef KX_PAIRWISE_H
#define KX_PAIRWISE_H

#include <stddef.h>

/* Fills *rows (malloc'd: *n_rows rows of k levels, row-major) with a covering array of strength 2
 * over k factors of sizes[i] >= 1 levels, by IPOG: deterministic, row 0 all level 0 (the
 * defaults), no row twice. k = 0 gives one empty row; k = 1 one row per level. 0, or -1 when out
 * of memory (*rows NULL). */
int kx_pairwise(const size_t *sizes, size_t k, size_t **rows, size_t *n_rows);

#endif
