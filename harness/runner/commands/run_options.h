/* run_options.h - the options of `kxconform run`, read from its command line. */
#ifndef KX_RUN_OPTIONS_H
#define KX_RUN_OPTIONS_H

#include <stddef.h>

#include "runner/cases/axes.h"
#include "runner/drivers/driver_pool.h"

#define MAX_FILTERS 16
/* The upper end of --jobs. Workers are threads, allocated for the run, each with its own driver
 * processes; the run uses no more of them than it has cases, or than the open-file limit allows. */
#define MAX_JOBS 1024

struct kx_run_options {
	const char *suite;
	const char *pki;
	const char *output;
	const char *expect;
	const char *requirements;
	const char *filters[MAX_FILTERS];
	size_t n_filters;
	const char *driver_specs[KX_MAX_DRIVERS];
	size_t n_drivers;
	int list;
	int timeout_ms;
	int jobs;
	unsigned shard, shards; /* run slice `shard` (1-based) of `shards`; 0/0: all */
	const char *shard_weights; /* an earlier report whose case durations cut the shards; NULL: by id */
	enum kx_profile profile; /* which combinations of the scenarios' axes run */
	int references_in_process; /* --reference-ends: 1 in-process (the default), 0 process */
};

/* Reads argv into opt over the defaults; 0, or -1 after saying on standard error what is wrong.
 * --help prints the usage and exits with status 0. */
int kx_run_parse_options(int argc, char **argv, struct kx_run_options *opt);

#endif
