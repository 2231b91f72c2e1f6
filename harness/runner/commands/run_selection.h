/* run_selection.h - which cases of a suite a run plays: its --filter
 * globs, its --shard slice (by id, or cut by cost from an earlier report),
 * and what --list says each profile would select. */
#ifndef KX_RUN_SELECTION_H
#define KX_RUN_SELECTION_H

#include <stddef.h>

#include "runner/cases/suite.h"
#include "runner/commands/run_options.h"
#include "runner/drivers/driver_pool.h"

/* 1 if id matches one of the --filter globs (or there is none), else 0. */
int kx_run_matches_filters(const struct kx_run_options *opt, const char *id);

/* The stable slice by id, for a run without --shard-weights (or without --shard: every case). */
int kx_run_in_hashed_shard(const struct kx_run_options *opt, const char *id);

/* Narrows cases (*n of them, filtered, in suite order) to this run's shard of a cut by cost: longest
 * case first onto the shard with the least so far (the lowest-numbered on a tie), so the shards'
 * totals come out close. Every shard computes the whole cut and keeps its own part: the union is the
 * filtered cases, no case twice, the same on every run with the same report. 0, or -1 with err. */
int kx_run_weighted_shard(const struct kx_run_options *opt, const struct kx_suite *suite, size_t *cases, size_t *n,
                          char *err, size_t errlen);

/* A --filter that matches no case of the suite is a typo or a stale CI setting: a run of
 * nothing would pass. Shards are not counted: a small filter may leave one slice empty. 0, or -1
 * with err. */
int kx_run_check_filters(const struct kx_run_options *opt, const struct kx_suite *suite, char *err, size_t errlen);

/* --list: how many cases the filters select in each profile, on standard error (standard output
 * stays the ids alone), so that a CI can see what --profile would cost before it runs it. */
void kx_run_print_profile_counts(const struct kx_run_options *opt, const struct kx_suite *suite,
                                 const struct kx_driver_pool *pool, const char *pki, size_t listed);

#endif
