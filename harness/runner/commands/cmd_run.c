/* cmd_run.c - `kxconform run`: the cases of a suite on the pool's drivers,
 * spread over --jobs worker threads (each with its own driver processes),
 * filtered, sharded and judged against an optional expectations file; a
 * progress line per case (or one updating line on a terminal), a summary
 * with every unmet expectation and its diagnosis, and the reports. */
#include "runner/wire/capture.h"
#include "runner/wire/capture_check.h"
#include "runner/cases/case_run.h"
#include "runner/commands/cli.h"
#include "runner/commands/commands.h"
#include "runner/commands/run_console.h"
#include "runner/commands/run_options.h"
#include "runner/commands/run_selection.h"
#include "runner/drivers/driver_pool.h"
#include "runner/cases/expectations.h"
#include "runner/reports/output_dir.h"
#include "runner/reports/report.h"
#include "runner/reports/report_cases.h"
#include "runner/reports/report_spool.h"
#include "runner/reports/report_view.h"
#include "runner/reports/requirements.h"
#include "runner/cases/suite.h"

#include "core/errors.h"
#include "core/json_io.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct unmatched_ctx {
	const char *path;
};

static void warn_unmatched(void *ctx, const char *member, const char *glob)
{
	fprintf(stderr, "kxconform run: warning: %s: \"%s\" entry \"%s\" matches no case of the suite\n",
	        ((struct unmatched_ctx *)ctx)->path, member, glob);
}

/* An expectations entry that matches nothing does nothing: most likely a misspelt id, or a
 * case the suite renamed, so the vendor's statement silently stopped applying. */
static void warn_unmatched_expectations(const struct kx_run_options *opt, const struct kx_expectations *expect,
                                        const struct kx_suite *suite)
{
	const char **ids = calloc(suite->n_cases + 1, sizeof *ids);
	if (opt->expect == NULL || ids == NULL) {
		free(ids);
		return;
	}
	for (size_t i = 0; i < suite->n_cases; i++)
		ids[i] = suite->cases[i].id;
	struct unmatched_ctx ctx = {opt->expect};
	kx_expectations_unmatched(expect, ids, suite->n_cases, warn_unmatched, &ctx);
	free(ids);
}

static double now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
}

/* The signal (SIGINT or SIGTERM) that interrupted the run, 0 while none has: set by the
 * handler, read by the workers between cases. A lock-free atomic, so both are safe. */
static atomic_int interrupted_by;

static void on_interrupt(int sig)
{
	atomic_store(&interrupted_by, sig);
}

/* SIGINT and SIGTERM stop the run between cases (a case in flight ends, bounded by --timeout, and
 * is left out); SA_RESETHAND lets a second one end the process at once, for someone who will not
 * wait even that long. */
static void catch_interrupts(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Whether the run was interrupted, fixed from now on: later SIGINT and SIGTERM stay pending until
 * the process ends, so the report says what the exit status says. */
static int interrupted_for_good(void)
{
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &both, NULL);
	return atomic_load(&interrupted_by);
}

/* Shared by the worker threads; everything below `lock` is guarded by it. A finished case i is
 * written to the spool at places[i] and leaves rows[i] (what the counts need) and what the capture
 * check reads of it; its result is then freed, so that memory does not grow with the cases. */
struct run {
	const struct kx_run_options *opt;
	const struct kx_suite *suite;
	const struct kx_expectations *expect;
	const size_t *cases; /* indexes into suite->cases, in suite order */
	size_t n;
	struct kx_spool *spool;
	struct kx_spool_place *places;  /* each finished case's place in the spool */
	struct kx_case_row *rows;       /* each finished case's row (written by its worker only) */
	unsigned char *finished;        /* 1 for a case that finished (and is reported) */
	struct kx_capture_check *check; /* what the capture check reads of each case */
	int tty;
	pthread_mutex_t lock;
	size_t next, done, unmet;
	int timeouts[KX_MAX_DRIVERS]; /* each driver's timeouts since a case it played without one */
	char setup_error[600];
	char spool_error[600]; /* the first case that could not be kept: no report can be written */
};

/* Applies the expectations file to a finished case: an expected failure that
 * happened is met ("xfail"), one that did not happen is not ("xpass"). */
static void apply_expected_failure(json_t *result, const char *reason)
{
	int met = json_is_true(json_object_get(result, "met"));
	json_object_set_new(result, "expectation", json_string(met ? "xpass" : "xfail"));
	json_object_set_new(result, "expectation_reason", json_string(reason));
	json_object_set_new(result, "met", json_boolean(!met));
	if (met) {
		const char *diagnosis = kx_json_get_string(result, "diagnosis");
		json_object_set_new(result, "diagnosis",
				    json_sprintf("the expectations file says this case fails (%s), but it met the "
						 "suite's expectation%s%s",
						 reason, diagnosis && *diagnosis ? ": " : "", diagnosis ? diagnosis : ""));
	}
}

static json_t *disabled_result(const struct kx_driver_pool *pool, const struct kx_case *c, const char *reason)
{
	json_t *result = kx_case_result_new(pool, c);
	json_object_set_new(result, "result", json_string(KX_RESULT_SKIP));
	json_object_set_new(result, "met", json_true());
	json_object_set_new(result, "expectation", json_string("disabled"));
	json_object_set_new(result, "diagnosis", json_sprintf("disabled by the expectations file: %s", reason));
	json_object_set_new(result, "duration_ms", json_real(0));
	return result;
}

/* A case not run because the pool gave up on one of its drivers (kx_pool_gave_up says why). */
static json_t *not_run_result(const struct kx_driver_pool *pool, const struct kx_case *c, const char *why)
{
	json_t *result = kx_case_result_new(pool, c);
	json_object_set_new(result, "result", json_string(KX_RESULT_ERROR));
	json_object_set_new(result, "met", json_false());
	json_object_set_new(result, "diagnosis", json_string(why));
	json_object_set_new(result, "duration_ms", json_real(0));
	return result;
}

/* Carries a case's timeouts into the run's count (run->lock held): the ones it added, each driver's;
 * and for the two ends of a case that ran without a timeout of theirs, a fresh start. */
static void count_timeouts(struct run *run, const struct kx_driver_pool *pool, const int before[KX_MAX_DRIVERS],
                           const struct kx_case *ran)
{
	for (size_t d = 0; d < KX_MAX_DRIVERS; d++) {
		if (pool->timeouts[d] > before[d])
			run->timeouts[d] += pool->timeouts[d] - before[d];
		else if (ran != NULL && (d == ran->initiator || d == ran->terminator))
			run->timeouts[d] = 0;
	}
}

static void progress(struct run *run, const char *id, json_t *result)
{
	int met = json_is_true(json_object_get(result, "met"));
	run->done++;
	run->unmet += !met;
	if (run->tty) {
		/* One line that never wraps: a wrapped line cannot be rewritten with \r, and every update
		 * would leave a stale one behind. The id is what gives way. */
		int width = kx_console_width(stdout);
		char head[96];
		snprintf(head, sizeof head, "[%zu/%zu] %zu unmet  ", run->done, run->n, run->unmet);
		size_t room = width > 0 && (size_t)width > strlen(head) + 1 ? (size_t)width - 1 - strlen(head) : 0;
		if (width <= 0 || kx_console_columns(id) <= room)
			printf("\r\033[K%s%s", head, id);
		else if (room > 3)
			printf("\r\033[K%s%.*s...", head, (int)kx_console_fit(id, room - 3), id);
		else
			printf("\r\033[K%.*s", (int)kx_console_fit(head, width > 1 ? (size_t)width - 1 : 0), head);
		if (!met) {
			char line[2200];
			snprintf(line, sizeof line, "FAIL %s: %s", id, kx_json_get_string(result, "diagnosis"));
			printf("\r\033[K");
			kx_console_print_wrapped(stdout, line, width, 0, 4);
		}
	} else {
		printf("[%zu/%zu] %-4s %-15s %s%s%s\n", run->done, run->n, met ? "ok" : "FAIL",
		       kx_json_get_string(result, "result"), id, met ? "" : ": ",
		       met ? "" : kx_json_get_string(result, "diagnosis"));
	}
	fflush(stdout);
}

/* What a case keeps of each driver's standard error. */
#define CASE_STDERR_MAX (16 * 1024)

/* text (len bytes) as a JSON string; when it is not UTF-8, its bytes above 0x7F become '?'. */
static json_t *stderr_json(char *text, size_t len)
{
	json_t *value = json_stringn(text, len);
	if (value != NULL)
		return value;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			text[i] = '?';
	return json_stringn(text, len);
}

/* What the pool's drivers wrote to their standard error while the case ran, kept with it (member
 * "stderr", by driver name) rather than interleaved on the terminal. */
static void keep_stderr(struct kx_driver_pool *pool, json_t *result)
{
	json_t *said = NULL;
	for (size_t d = 0; d < pool->n_all; d++) {
		size_t len = 0;
		char *text = kx_pool_take_stderr(pool, d, CASE_STDERR_MAX, &len);
		if (text == NULL)
			continue;
		if (said == NULL)
			said = json_object();
		json_object_set_new(said, pool->names[d], stderr_json(text, len));
		free(text);
	}
	if (said != NULL)
		json_object_set_new(result, "stderr", said);
}

/* What drivers wrote as they started, before any case: said on the runner's standard error. */
static void pass_on_stderr(struct kx_driver_pool *pool)
{
	for (size_t d = 0; d < pool->n_all; d++) {
		size_t len = 0;
		char *text = kx_pool_take_stderr(pool, d, CASE_STDERR_MAX, &len);
		if (text != NULL)
			fprintf(stderr, "kxconform: driver %s wrote to its standard error as it started:\n%s%s", pool->names[d],
			        text, len > 0 && text[len - 1] == '\n' ? "" : "\n");
		free(text);
	}
}

/* After a Ctrl-C, which the drivers received too, a driver that dies of it on the way out is no
 * news: giving each a cause keeps kx_driver_stop from reporting it as a fault. */
static void interrupted_drivers(struct kx_driver_pool *pool)
{
	for (size_t d = 0; d < pool->n; d++)
		if (pool->running[d] && pool->procs[d].failure[0] == '\0')
			snprintf(pool->procs[d].failure, sizeof pool->procs[d].failure, "the run was interrupted");
}

/* The run's drivers, the reference ends in-process unless --reference-ends process; 0 or -1 with err. */
static int init_pool(const struct kx_run_options *opt, struct kx_driver_pool *pool, char *err, size_t errlen)
{
	int ret = kx_pool_init(pool, opt->driver_specs, opt->n_drivers, opt->timeout_ms, err, errlen);
	pool->in_process = opt->references_in_process;
	return ret;
}

static void *worker(void *arg)
{
	struct run *run = arg;
	struct kx_driver_pool pool;
	char err[600];
	if (init_pool(run->opt, &pool, err, sizeof err) != 0 ||
	    kx_pool_start_all(&pool, err, sizeof err) != 0) {
		pthread_mutex_lock(&run->lock);
		snprintf(run->setup_error, sizeof run->setup_error, "%s", err);
		pthread_mutex_unlock(&run->lock);
		kx_pool_stop(&pool);
		return NULL;
	}
	pass_on_stderr(&pool);
	for (;;) {
		int before[KX_MAX_DRIVERS];
		pthread_mutex_lock(&run->lock);
		size_t i = run->setup_error[0] == '\0' && !atomic_load(&interrupted_by) ? run->next++ : run->n;
		/* The run's count, not this worker's: a hung driver hangs on every worker at once. */
		memcpy(pool.timeouts, run->timeouts, sizeof pool.timeouts);
		pthread_mutex_unlock(&run->lock);
		if (i >= run->n)
			break;
		memcpy(before, pool.timeouts, sizeof before);
		const struct kx_case *c = &run->suite->cases[run->cases[i]];
		const char *disabled = kx_expectations_disabled(run->expect, c->id);
		json_t *result;
		int ran = 0;
		if (disabled != NULL) {
			result = disabled_result(&pool, c, disabled);
		} else if (kx_pool_gave_up(&pool, c->initiator, err, sizeof err) ||
		           kx_pool_gave_up(&pool, c->terminator, err, sizeof err)) {
			result = not_run_result(&pool, c, err);
		} else {
			/* Every case that ran gets a capture, failed ones included. */
			struct kx_relay relay;
			result = kx_case_run(&pool, c, run->expect->claimed_reading, &relay);
			if (atomic_load(&interrupted_by)) {
				/* Ctrl-C reaches the drivers too (one process group): what the case
				 * saw after the signal is no verdict, so it is left out. */
				json_decref(result);
				kx_relay_free(&relay);
				break;
			}
			if (kx_capture_case(run->opt->output, i, c->id, &relay, result, err, sizeof err) != 0)
				fprintf(stderr, "kxconform run: capture of %s: %s\n", c->id, err);
			kx_relay_free(&relay);
			keep_stderr(&pool, result);
			ran = 1;
		}
		const char *xfail = disabled == NULL ? kx_expectations_failure(run->expect, c->id) : NULL;
		if (xfail != NULL)
			apply_expected_failure(result, xfail);
		int counted = kx_case_row_set(&run->rows[i], result) == 0;
		int kept = kx_spool_put(run->spool, result, &run->places[i], err, sizeof err) == 0;
		if (!counted)
			snprintf(err, sizeof err, "out of memory keeping case %s", c->id);
		pthread_mutex_lock(&run->lock);
		count_timeouts(run, &pool, before, ran ? c : NULL);
		kx_capture_check_add(run->check, i, result);
		run->finished[i] = (unsigned char)counted;
		if ((!kept || !counted) && run->spool_error[0] == '\0')
			snprintf(run->spool_error, sizeof run->spool_error, "%s", err);
		progress(run, c->id, result);
		pthread_mutex_unlock(&run->lock);
		json_decref(result);
	}
	if (atomic_load(&interrupted_by))
		interrupted_drivers(&pool);
	kx_pool_stop(&pool);
	return NULL;
}

/* How many workers the run uses: the jobs asked for, no more than there are cases, and no more
 * than the open-file limit holds (each worker keeps two pipes per driver process, and opens a
 * capture's files). The soft limit is raised to the hard one first, as far as it goes. */
static int worker_count(const struct kx_run_options *opt, size_t n_cases, size_t n_drivers)
{
	long jobs = opt->jobs;
	if ((size_t)jobs > n_cases)
		jobs = n_cases > 0 ? (long)n_cases : 1;
	struct rlimit files;
	if (getrlimit(RLIMIT_NOFILE, &files) != 0)
		return (int)jobs;
	if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < files.rlim_max) {
		rlim_t want = files.rlim_max;
		files.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &files) != 0 || getrlimit(RLIMIT_NOFILE, &files) != 0)
			return (int)jobs;
	}
	if (files.rlim_cur == RLIM_INFINITY)
		return (int)jobs;
	long per_worker = 2 * (long)n_drivers + 8, reserve = 64;
	long fit = files.rlim_cur > (rlim_t)(reserve + per_worker) ? ((long)files.rlim_cur - reserve) / per_worker : 1;
	if (jobs > fit) {
		fprintf(stderr, "kxconform run: %ld jobs would need more files than the open-file limit (%llu) allows: "
		        "running %ld\n", jobs, (unsigned long long)files.rlim_cur, fit);
		jobs = fit;
	}
	return (int)jobs;
}

/* Runs the workers on jobs threads; when fewer can be created (a thread or memory limit),
 * the run goes on with those it has, or on this thread when it has none. */
static void run_workers(struct run *run, int jobs)
{
	pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
	int started = 0, error = threads == NULL ? ENOMEM : 0;
	while (threads != NULL && started < jobs && (error = pthread_create(&threads[started], NULL, worker, run)) == 0)
		started++;
	if (started < jobs)
		fprintf(stderr, "kxconform run: %d of %d worker threads could be started (%s); running on %d\n", started,
		        jobs, strerror(error), started > 0 ? started : 1);
	if (started == 0)
		worker(run);
	for (int j = 0; j < started; j++)
		pthread_join(threads[j], NULL);
	free(threads);
}

static json_t *run_header(const struct kx_driver_pool *pool, const struct kx_run_options *opt, time_t started, int jobs)
{
	json_t *header = kx_cli_report_header(pool, opt->suite, started, jobs);
	json_object_set_new(header, "profile", json_string(kx_profile_name(opt->profile)));
	if (opt->shards > 0)
		json_object_set_new(header, "shard", json_sprintf("%u/%u", opt->shard, opt->shards));
	if (opt->expect != NULL)
		json_object_set_new(header, "expectations", json_string(opt->expect));
	return header;
}

/* One tshark process per batch file checks every capture, and may fail cases: their verdicts are
 * written into each case as it is read back (load_case). A Ctrl-C during the check kills tshark
 * too, and its verdicts would then be noise: an interrupted check annotates nothing. Returns
 * whether it is to annotate the cases. */
static int check_captures(struct kx_capture_check *check)
{
	char err[1024];
	if (atomic_load(&interrupted_by))
		return 0;
	int undecrypted = kx_capture_check_run(check, err, sizeof err);
	if (atomic_load(&interrupted_by))
		return 0;
	if (undecrypted < 0)
		printf("capture check not run: %s\n", err);
	else
		printf("%s%s\n", err, undecrypted > 0 ? " (failed captures are listed below)" : "");
	return 1;
}

/* The cases of the report, read back from the spool in case order. */
struct reported {
	struct kx_spool *spool;
	const struct kx_spool_place *places; /* by case index */
	const size_t *index;                 /* the case index of each reported case */
	const struct kx_case_row *rows;      /* by reported case: their requirements */
	const struct kx_capture_check *check; /* NULL when the check is not to annotate */
};

/* Reported case k as report.json holds it: its result, the capture check's verdict, and the
 * requirements its row was given. */
static json_t *load_case(void *ctx, size_t k, char *err, size_t errlen)
{
	const struct reported *r = ctx;
	json_t *c = kx_spool_get(r->spool, &r->places[r->index[k]], err, errlen);
	if (c == NULL)
		return NULL;
	if (r->check != NULL)
		kx_capture_check_annotate(r->check, r->index[k], c);
	if (r->rows[k].requirements != NULL)
		json_object_set(c, "requirements", r->rows[k].requirements);
	return c;
}

/* The finished cases of the run, in case order, as the reports read them: their rows (taken from
 * run->rows) and load_case over r, which index (capacity run->n) fills. */
static void reported_cases(struct run *run, struct reported *r, size_t *index, struct kx_report_cases *cases)
{
	size_t k = 0;
	for (size_t i = 0; i < run->n; i++)
		if (run->finished[i]) {
			index[k] = i;
			/* A row only moves down (k <= i), so none is overwritten before it moved. */
			run->rows[k++] = run->rows[i];
		}
	for (size_t j = k; j < run->n; j++)
		memset(&run->rows[j], 0, sizeof run->rows[j]);
	*r = (struct reported){run->spool, run->places, index, run->rows, NULL};
	*cases = (struct kx_report_cases){run->rows, k, load_case, r};
}

/* The rows of the cases the capture check failed, counted again from the annotated case: the
 * check's own words decide what changes (result, met, diagnosis). 0, or -1 with err. */
static int recount_failed_captures(struct kx_report_cases *cases, const struct reported *r, char *err,
                                   size_t errlen)
{
	for (size_t k = 0; k < cases->n; k++) {
		if (!kx_capture_check_fails(r->check, r->index[k]))
			continue;
		json_t *c = load_case(cases->ctx, k, err, errlen);
		int failed = c == NULL || kx_case_row_set(&cases->rows[k], c) != 0;
		json_decref(c);
		if (failed)
			return c == NULL ? -1 : kx_errorf(err, errlen, "out of memory");
	}
	return 0;
}

/* A run that could not start (an unreadable suite or expectations file, a filter matching no case,
 * a driver that does not start) says why, and leaves reports that say it too: a CI's test view
 * then shows a red test rather than an earlier run's reports, or none. locked: the caller holds
 * and has cleared the output directory. Returns KX_EXIT_USAGE. */
static int setup_failed(const struct kx_run_options *opt, const struct kx_driver_pool *pool, int locked, const char *why)
{
	char err[1024];
	int lock = -1;
	fprintf(stderr, "kxconform run: %s\n", why);
	if (opt->list)
		return KX_EXIT_USAGE;
	if (!locked && ((lock = kx_output_lock(opt->output, "run", err, sizeof err)) < 0 ||
	                kx_output_clear(opt->output, 1, err, sizeof err) != 0)) {
		fprintf(stderr, "kxconform run: no report was written: %s\n", err);
		kx_output_unlock(lock);
		return KX_EXIT_USAGE;
	}
	time_t started = time(NULL);
	json_t *report;
	if (pool != NULL) {
		report = run_header(pool, opt, started, opt->jobs);
	} else {
		char when[32], host[256] = "";
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
		gethostname(host, sizeof host - 1);
		report = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "harness", "kxconform " KX_VERSION, "suite", opt->suite,
		                   "started", when, "host", host, "drivers");
	}
	json_object_set_new(report, "error", json_string(why));
	json_object_set_new(report, "duration_ms", json_real(0));
	json_object_set_new(report, "cases", json_array());
	struct kx_report_counts counts;
	kx_report_summarize(report, &counts);
	if (kx_report_attach_vectors(report, opt->output, err, sizeof err) < 0)
		fprintf(stderr, "kxconform run: warning: %s\n", err);
	if (kx_report_write_all(report, opt->output, err, sizeof err) != 0)
		fprintf(stderr, "kxconform run: no report was written: %s\n", err);
	else
		printf("reports: %s/reports/ (report.json, junit.xml, index.html) say the run could not start\n",
		       opt->output);
	json_decref(report);
	kx_output_unlock(lock);
	return KX_EXIT_USAGE;
}

/* Runs the selected cases into opt->output (locked and cleared by the caller) and writes the
 * reports; the exit status. */
static int run_cases(const struct kx_run_options *opt, const struct kx_suite *suite, const struct kx_expectations *expect,
                     const size_t *cases, size_t n, struct kx_driver_pool *pool)
{
	char err[1024];
	/* One pool started here says early and once what is wrong with a driver. */
	if (kx_pool_start_all(pool, err, sizeof err) != 0 || kx_capture_begin(opt->output, err, sizeof err) != 0) {
		kx_pool_stop(pool);
		return setup_failed(opt, pool, 1, err);
	}
	/* tshark dissects each batch as its cases finish, on a core the run leaves idle at --jobs 1. */
	kx_capture_feed_tshark(opt->output);
	int jobs = worker_count(opt, n, pool->n);
	time_t started = time(NULL);
	double t0 = now_ms();
	json_t *report = run_header(pool, opt, started, jobs);
	kx_pool_stop(pool);

	struct run run = {.opt = opt, .suite = suite, .expect = expect, .cases = cases, .n = n,
			  .spool = kx_spool_open(opt->output, err, sizeof err),
			  .places = calloc(n + 1, sizeof *run.places), .rows = calloc(n + 1, sizeof *run.rows),
			  .finished = calloc(n + 1, 1), .check = kx_capture_check_new(opt->output, n),
			  .tty = isatty(STDOUT_FILENO)};
	size_t *index = calloc(n + 1, sizeof *index);
	if (run.spool == NULL || run.places == NULL || run.rows == NULL || run.finished == NULL || run.check == NULL ||
	    index == NULL) {
		if (run.spool != NULL)
			snprintf(err, sizeof err, "out of memory");
		kx_spool_close(run.spool);
		free(run.places);
		free(run.rows);
		free(run.finished);
		kx_capture_check_free(run.check);
		free(index);
		json_decref(report);
		return setup_failed(opt, NULL, 1, err);
	}
	pthread_mutex_init(&run.lock, NULL);
	printf("kxconform run: %zu cases on %d job%s\n", n, jobs, jobs == 1 ? "" : "s");
	fflush(stdout);
	catch_interrupts();
	run_workers(&run, jobs);
	pthread_mutex_destroy(&run.lock);
	if (run.tty)
		printf("\r\033[K");

	struct reported reported;
	struct kx_report_cases rows;
	reported_cases(&run, &reported, index, &rows);
	if (check_captures(run.check))
		reported.check = run.check;
	kx_capture_stop_feeding(); /* what an interrupted check did not take */
	int interrupted = interrupted_for_good();
	json_object_set_new(report, "duration_ms", json_real(now_ms() - t0));
	/* Where report.json has the cases; they are read back from the spool as it is written. */
	json_object_set_new(report, "cases", json_array());
	if (interrupted)
		json_object_set_new(report, "interrupted", json_true());
	int kept = run.spool_error[0] == '\0';
	if (!kept)
		snprintf(err, sizeof err, "%s", run.spool_error);
	else if (reported.check != NULL)
		kept = recount_failed_captures(&rows, &reported, err, sizeof err) == 0;
	if (!kept)
		fprintf(stderr, "kxconform run: %s\n", err);
	struct kx_report_counts counts;
	kx_report_summarize_cases(report, &rows, &counts);
	int status = counts.unmet == 0 && counts.cases == n ? KX_EXIT_OK : KX_EXIT_FAILED;
	if (interrupted) {
		fprintf(stderr, "kxconform run: interrupted by %s: %zu of %zu cases ran; the report holds them and says "
		        "it was interrupted\n", interrupted == SIGINT ? "SIGINT" : "SIGTERM", counts.cases, n);
		status = KX_EXIT_INTERRUPTED;
	} else if (run.setup_error[0] != '\0') {
		fprintf(stderr, "kxconform run: %s\n", run.setup_error);
		status = KX_EXIT_USAGE;
	}
	/* `make conformance` checks the vectors into the same directory just before: the run's report
	 * shows them, so that one page says whether the whole conformance run passed. */
	if (kx_report_attach_vectors(report, opt->output, err, sizeof err) < 0)
		fprintf(stderr, "kxconform run: warning: %s\n", err);
	if (kx_requirements_report(report, &rows, opt->requirements, suite, err, sizeof err) != 0) {
		fprintf(stderr, "kxconform run: %s\n", err);
		status = KX_EXIT_USAGE;
	}
	int written = kept && kx_report_write_cases(report, &rows, opt->output, err, sizeof err) == 0;
	if (!written) {
		if (kept)
			fprintf(stderr, "kxconform run: no report was written: %s\n", err);
		else
			fprintf(stderr, "kxconform run: no report was written: a case could not be kept\n");
		status = KX_EXIT_USAGE;
	}
	kx_run_print_summary(report, &rows, &counts, opt->output, written);
	kx_report_cases_free(&rows);
	kx_spool_close(run.spool);
	kx_capture_check_free(run.check);
	free(run.places);
	free(run.finished);
	free(index);
	json_decref(report);
	return status;
}

int kx_cmd_run(int argc, char **argv)
{
	struct kx_run_options opt;
	if (kx_run_parse_options(argc, argv, &opt) != 0)
		return KX_EXIT_USAGE;
	/* Each driver's words go to the case it said them in (report.json, junit.xml), not the terminal. */
	kx_driver_keep_stderr(1);
	char err[1024], pki[4096];
	struct kx_driver_pool pool;
	struct kx_expectations expect;
	if (init_pool(&opt, &pool, err, sizeof err) != 0)
		return setup_failed(&opt, NULL, 0, err);
	if (kx_expectations_load(opt.expect, &expect, err, sizeof err) != 0)
		return setup_failed(&opt, &pool, 0, err);
	kx_cli_pki_dir(opt.pki, pki, sizeof pki);
	struct kx_suite suite;
	if (kx_suite_load_profile(opt.suite, pki, &pool, opt.profile, &suite, err, sizeof err) != 0 ||
	    kx_requirements_check(opt.requirements, &suite, err, sizeof err) != 0) {
		kx_suite_free(&suite);
		kx_expectations_free(&expect);
		return setup_failed(&opt, &pool, 0, err);
	}
	warn_unmatched_expectations(&opt, &expect, &suite);
	size_t *cases = calloc(suite.n_cases + 1, sizeof *cases), n = 0;
	for (size_t i = 0; cases != NULL && i < suite.n_cases; i++)
		if (kx_run_matches_filters(&opt, suite.cases[i].id) &&
		    (opt.shard_weights != NULL || kx_run_in_hashed_shard(&opt, suite.cases[i].id)))
			cases[n++] = i;
	int status = KX_EXIT_OK, lock = -1;
	if (cases == NULL) {
		fprintf(stderr, "kxconform run: out of memory\n");
		status = KX_EXIT_USAGE;
	} else if (kx_run_check_filters(&opt, &suite, err, sizeof err) != 0) {
		status = setup_failed(&opt, &pool, 0, err);
	} else if (opt.shard_weights != NULL && kx_run_weighted_shard(&opt, &suite, cases, &n, err, sizeof err) != 0) {
		status = setup_failed(&opt, &pool, 0, err);
	} else if (opt.list) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", suite.cases[cases[i]].id);
		fflush(stdout);
		kx_run_print_profile_counts(&opt, &suite, &pool, pki, n);
	} else if ((lock = kx_output_lock(opt.output, "run", err, sizeof err)) < 0 ||
	           kx_output_clear(opt.output, 1, err, sizeof err) != 0) {
		/* Another run's files, or ones that cannot be removed, must not end up beside ours. */
		fprintf(stderr, "kxconform run: %s\n", err);
		status = KX_EXIT_USAGE;
	} else {
		status = run_cases(&opt, &suite, &expect, cases, n, &pool);
	}
	/* A lost console (a full disk under a CI log) is a failure to say so, not silence. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && status != KX_EXIT_INTERRUPTED) {
		fprintf(stderr, "kxconform run: cannot write the standard output: %s\n", strerror(errno ? errno : EIO));
		status = KX_EXIT_USAGE;
	}
	kx_output_unlock(lock);
	free(cases);
	kx_suite_free(&suite);
	kx_expectations_free(&expect);
	return status;
}
