/* run_selection.c - the cases a run plays (run_selection.h): shards are
 * computed from the case ids or an earlier report alone, so that every CI
 * job of a sharded run computes the same cut without talking to the others. */
#include "runner/commands/run_selection.h"

#include "core/errors.h"
#include "core/json_io.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: a shard depends on the case id alone, so slices stay stable when
 * other cases are added. */
static uint32_t id_hash(const char *id)
{
	uint32_t h = 2166136261u;
	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return h;
}

/* The stable slice by id, for a run without --shard-weights (or without --shard: every case). */
int kx_run_in_hashed_shard(const struct kx_run_options *opt, const char *id)
{
	return opt->shards == 0 || id_hash(id) % opt->shards == opt->shard - 1;
}

int kx_run_matches_filters(const struct kx_run_options *opt, const char *id)
{
	if (opt->n_filters == 0)
		return 1;
	for (size_t i = 0; i < opt->n_filters; i++)
		if (fnmatch(opt->filters[i], id, 0) == 0)
			return 1;
	return 0;
}

/* A case of the weighted cut and what an earlier run says it costs. */
struct weighted {
	size_t index; /* into suite->cases */
	const char *id;
	double ms;
};

/* Longest first; equal costs by id, so every shard of a CI job computes the same order. */
static int by_cost(const void *a, const void *b)
{
	const struct weighted *x = a, *y = b;
	if (x->ms != y->ms)
		return x->ms > y->ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int ascending(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Each of the n cases' duration_ms in the report at path, into w[].ms; a case the report lacks
 * (added to the suite since, or filtered out then) costs the median of the report's cases, so a
 * new case neither piles onto one shard nor counts as free. 0, or -1 with err. */
static int read_weights(const char *path, struct weighted *w, size_t n, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *report = json_load_file(path, 0, &jerr);
	if (report == NULL && jerr.line > 0)
		return kx_errorf(err, errlen, "--shard-weights %s: line %d: %s", path, jerr.line, jerr.text);
	if (report == NULL)
		return kx_errorf(err, errlen, "--shard-weights %s: %s", path, jerr.text);
	json_t *list = json_object_get(report, "cases");
	if (!json_is_array(list)) {
		json_decref(report);
		return kx_errorf(err, errlen, "--shard-weights %s: not a kxconform report (no \"cases\" array)", path);
	}
	/* By id, for one look-up per case rather than a scan of the report. */
	json_t *by_id = json_object();
	double *known = calloc(json_array_size(list) + 1, sizeof *known);
	size_t n_known = 0, i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		const char *id = kx_json_get_string(c, "id");
		json_t *ms = json_object_get(c, "duration_ms");
		if (id == NULL || !json_is_number(ms) || json_number_value(ms) < 0)
			continue;
		json_object_set_new(by_id, id, json_real(json_number_value(ms)));
		if (known != NULL)
			known[n_known++] = json_number_value(ms);
	}
	if (known == NULL || by_id == NULL) {
		free(known);
		json_decref(by_id);
		json_decref(report);
		return kx_errorf(err, errlen, "--shard-weights %s: out of memory", path);
	}
	/* A report with no durations (a run that could not start) cuts as evenly by count. */
	double median = 1.0;
	if (n_known > 0) {
		qsort(known, n_known, sizeof *known, ascending);
		median = n_known % 2 ? known[n_known / 2] : (known[n_known / 2 - 1] + known[n_known / 2]) / 2;
	} else {
		fprintf(stderr, "kxconform run: warning: --shard-weights %s holds no case durations: every case "
		        "counts the same\n", path);
	}
	for (size_t k = 0; k < n; k++) {
		json_t *ms = json_object_get(by_id, w[k].id);
		w[k].ms = ms != NULL ? json_real_value(ms) : median;
	}
	free(known);
	json_decref(by_id);
	json_decref(report);
	return 0;
}

/* Narrows cases (*n of them, filtered, in suite order) to this run's shard of a cut by cost: longest
 * case first onto the shard with the least so far (the lowest-numbered on a tie), so the shards'
 * totals come out close. Every shard computes the whole cut and keeps its own part: the union is the
 * filtered cases, no case twice, the same on every run with the same report. 0, or -1 with err. */
int kx_run_weighted_shard(const struct kx_run_options *opt, const struct kx_suite *suite, size_t *cases, size_t *n,
                          char *err, size_t errlen)
{
	struct weighted *w = calloc(*n + 1, sizeof *w);
	double *load = calloc(opt->shards, sizeof *load);
	unsigned char *mine = calloc(suite->n_cases + 1, 1);
	int rc = 0;
	if (w == NULL || load == NULL || mine == NULL) {
		rc = kx_errorf(err, errlen, "--shard-weights: out of memory");
		goto out;
	}
	for (size_t i = 0; i < *n; i++)
		w[i] = (struct weighted){cases[i], suite->cases[cases[i]].id, 0};
	if ((rc = read_weights(opt->shard_weights, w, *n, err, errlen)) != 0)
		goto out;
	qsort(w, *n, sizeof *w, by_cost);
	for (size_t i = 0; i < *n; i++) {
		unsigned lightest = 0;
		for (unsigned s = 1; s < opt->shards; s++)
			if (load[s] < load[lightest])
				lightest = s;
		load[lightest] += w[i].ms;
		if (lightest == opt->shard - 1)
			mine[w[i].index] = 1;
	}
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++)
		if (mine[cases[i]])
			cases[kept++] = cases[i];
	*n = kept;
out:
	free(w);
	free(load);
	free(mine);
	return rc;
}

/* --list: how many cases the filters select in each profile, on standard error (standard output
 * stays the ids alone), so that a CI can see what --profile would cost before it runs it. */
void kx_run_print_profile_counts(const struct kx_run_options *opt, const struct kx_suite *suite,
                                 const struct kx_driver_pool *pool, const char *pki, size_t listed)
{
	char line[512], err[1024];
	snprintf(line, sizeof line, "kxconform run: %zu case%s listed", listed, listed == 1 ? "" : "s");
	if (opt->shards > 0)
		kx_appendf(line, sizeof line, " (shard %u/%u)", opt->shard, opt->shards);
	kx_appendf(line, sizeof line, "; %s, --profile", opt->n_filters > 0 ? "with these filters" : "in all");
	for (int p = 0; p < KX_PROFILE_COUNT; p++) {
		struct kx_suite other;
		const struct kx_suite *counted = suite;
		if ((enum kx_profile)p != opt->profile) {
			if (kx_suite_load_profile(opt->suite, pki, pool, (enum kx_profile)p, &other, err, sizeof err) != 0) {
				kx_suite_free(&other);
				continue;
			}
			counted = &other;
		}
		size_t n = 0;
		for (size_t i = 0; i < counted->n_cases; i++)
			n += kx_run_matches_filters(opt, counted->cases[i].id);
		kx_appendf(line, sizeof line, "%s %s %zu", p > 0 ? "," : "", kx_profile_name((enum kx_profile)p), n);
		if (counted != suite)
			kx_suite_free(&other);
	}
	fprintf(stderr, "%s cases\n", line);
}

/* A --filter that matches no case of the suite is a typo or a stale CI setting: a run of
 * nothing would pass. Shards are not counted: a small filter may leave one slice empty. 0, or -1
 * with err. */
int kx_run_check_filters(const struct kx_run_options *opt, const struct kx_suite *suite, char *err, size_t errlen)
{
	if (opt->n_filters == 0)
		return 0;
	for (size_t i = 0; i < suite->n_cases; i++)
		for (size_t f = 0; f < opt->n_filters; f++)
			if (fnmatch(opt->filters[f], suite->cases[i].id, 0) == 0)
				return 0;
	char globs[1024] = "";
	for (size_t f = 0; f < opt->n_filters; f++)
		kx_appendf(globs, sizeof globs, "%s'%s'", f > 0 ? ", " : "", opt->filters[f]);
	return kx_errorf(err, errlen,
	                 "no case matches --filter %s among the %zu cases of %s (the drivers' names are part of the "
	                 "ids; `kxconform run --list` lists them)",
	                 globs, suite->n_cases, opt->suite);
}
