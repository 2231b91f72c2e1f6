/* driver_pool.c - drivers by name. A driver that failed (crashed, hung,
 * spoke garbage) has already failed the requests it owed; the next request
 * for it starts a fresh process, so one bad case does not sink the run. A
 * driver that keeps hanging is given up after KX_POOL_MAX_TIMEOUTS timeouts
 * in a row, so that it does not cost the timeout on every case it plays. */
/* realpath is X/Open. */
#define _XOPEN_SOURCE 700
#include "runner/drivers/driver_pool.h"

#include "core/errors.h"
#include "runner/drivers/self_dir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reference_libraries[2] = {"openssl", "wolfssl"};

/* The path of the reference driver for library lib beside kxconform; 0, or -1. */
static int reference_path(size_t lib, char *out, size_t len)
{
	char self[4000];
	if (kx_self_dir(self, sizeof self) != 0)
		return -1;
	snprintf(out, len, "%s/kx-driver-%s", self, reference_libraries[lib]);
	return 0;
}

/* Which reference library the executable at path is (0, 1), or -1: compared by real path, so a
 * vendor's proxy named "openssl" is not mistaken for the reference. */
static int reference_library_of(const char *path)
{
	char real[PATH_MAX], want[4096], real_want[PATH_MAX];
	if (realpath(path, real) == NULL)
		return -1;
	for (size_t lib = 0; lib < 2; lib++)
		if (reference_path(lib, want, sizeof want) == 0 && realpath(want, real_want) != NULL &&
		    strcmp(real, real_want) == 0)
			return (int)lib;
	return -1;
}

static void mark_references(struct kx_driver_pool *pool)
{
	for (size_t i = 0; i < pool->n_all; i++)
		pool->reference[i] = reference_library_of(pool->paths[i]) >= 0;
}

size_t kx_pool_references(struct kx_driver_pool *pool, size_t refs[2])
{
	size_t n = 0;
	for (size_t lib = 0; lib < 2; lib++) {
		int found = -1;
		for (size_t i = 0; found < 0 && i < pool->n_all; i++)
			if (pool->reference[i] && reference_library_of(pool->paths[i]) == (int)lib)
				found = (int)i;
		if (found < 0 && pool->n_all < KX_POOL_SLOTS) {
			size_t i = pool->n_all;
			if (reference_path(lib, pool->paths[i], sizeof pool->paths[i]) != 0 ||
			    reference_library_of(pool->paths[i]) != (int)lib)
				continue;
			snprintf(pool->names[i], sizeof pool->names[i], "reference-%s", reference_libraries[lib]);
			pool->reference[i] = 1;
			pool->running[i] = 0;
			pool->n_all++;
			found = (int)i;
		}
		if (found >= 0)
			refs[n++] = (size_t)found;
	}
	return n;
}

int kx_pool_is_reference(const struct kx_driver_pool *pool, size_t i)
{
	return i < pool->n_all && pool->reference[i];
}

int kx_pool_init(struct kx_driver_pool *pool, const char *const *specs, size_t n_specs, int timeout_ms, char *err,
		 size_t errlen)
{
	memset(pool, 0, sizeof *pool);
	pool->timeout_ms = timeout_ms;
	if (n_specs == 0) {
		char self[4000];
		if (kx_self_dir(self, sizeof self) != 0)
			return kx_errorf(err, errlen, "cannot find the directory of kxconform");
		static const char *const defaults[] = {"openssl", "wolfssl"};
		for (size_t i = 0; i < 2; i++) {
			snprintf(pool->names[i], sizeof pool->names[i], "%s", defaults[i]);
			snprintf(pool->paths[i], sizeof pool->paths[i], "%s/kx-driver-%s", self, defaults[i]);
		}
		pool->n = pool->n_all = 2;
		mark_references(pool);
		return 0;
	}
	for (size_t i = 0; i < n_specs; i++) {
		const char *eq = strchr(specs[i], '=');
		if (eq == NULL || eq == specs[i] || eq[1] == '\0' || i == KX_MAX_DRIVERS ||
		    (size_t)(eq - specs[i]) >= sizeof pool->names[0])
			return kx_errorf(err, errlen,
			                 "bad driver \"%s\": expected NAME=PATH (at most %d drivers)",
			                 specs[i], KX_MAX_DRIVERS);
		snprintf(pool->names[i], sizeof pool->names[i], "%.*s", (int)(eq - specs[i]), specs[i]);
		if (kx_pool_index(pool, pool->names[i]) >= 0)
			return kx_errorf(err, errlen, "driver name \"%s\" given twice", pool->names[i]);
		snprintf(pool->paths[i], sizeof pool->paths[i], "%s", eq + 1);
		pool->n = pool->n_all = i + 1;
	}
	mark_references(pool);
	return 0;
}

int kx_pool_index(const struct kx_driver_pool *pool, const char *name)
{
	for (size_t i = 0; i < pool->n; i++)
		if (strcmp(pool->names[i], name) == 0)
			return (int)i;
	return -1;
}

int kx_pool_gave_up(const struct kx_driver_pool *pool, size_t i, char *why, size_t len)
{
	if (pool->timeouts[i] < KX_POOL_MAX_TIMEOUTS)
		return 0;
	snprintf(why, len,
	         "driver %s stopped answering: it timed out (no answer within %d ms, --timeout) %d times in a row, "
	         "so it is not started again and its remaining cases are not run",
	         pool->names[i], pool->timeout_ms, pool->timeouts[i]);
	return 1;
}

/* After a request to driver i (or its start): counts a timeout. Only the caller knows when a
 * driver has proved healthy again (the run: a whole case without one), so it is the one to reset. */
static void count_timeout(struct kx_driver_pool *pool, size_t i, const struct kx_driver_proc *proc)
{
	if (proc != NULL && kx_driver_timed_out(proc))
		pool->timeouts[i]++;
}

struct kx_driver_proc *kx_pool_proc(struct kx_driver_pool *pool, size_t i, char *err, size_t errlen)
{
	if (pool->running[i] && pool->procs[i].failure[0] != '\0') {
		/* The failed process's last words belong to the case that saw it fail: kept for
		 * kx_pool_take_stderr, after any an earlier process left. */
		size_t len = 0;
		char *said = kx_pool_take_stderr(pool, i, 64 * 1024, &len);
		pool->stderr_left[i] = said;
		pool->stderr_left_len[i] = said != NULL ? len : 0;
		kx_driver_stop(&pool->procs[i]);
		pool->running[i] = 0;
	}
	if (!pool->running[i]) {
		if (kx_pool_gave_up(pool, i, err, errlen))
			return NULL;
		int started = pool->in_process && pool->reference[i]
		                      ? kx_driver_start_in_process(&pool->procs[i], pool->names[i], pool->paths[i], err, errlen)
		                      : kx_driver_start(&pool->procs[i], pool->names[i], pool->paths[i], pool->timeout_ms,
		                                        err, errlen);
		if (started != 0) {
			count_timeout(pool, i, &pool->procs[i]); /* a hello that never came */
			return NULL;
		}
		pool->running[i] = 1;
	}
	return &pool->procs[i];
}

int kx_pool_start_all(struct kx_driver_pool *pool, char *err, size_t errlen)
{
	for (size_t i = 0; i < pool->n; i++)
		if (kx_pool_proc(pool, i, err, errlen) == NULL)
			return -1;
	return 0;
}

json_t *kx_pool_call(struct kx_driver_pool *pool, size_t i, json_t *request)
{
	char err[512];
	json_t *response = NULL;
	struct kx_driver_proc *proc = kx_pool_proc(pool, i, err, sizeof err);
	if (proc == NULL)
		response = json_pack("{s:b, s:s}", "ok", 0, "error", err);
	else
		kx_driver_call(proc, &request, 1, &response, pool->timeout_ms);
	count_timeout(pool, i, proc);
	json_decref(request);
	return response;
}

char *kx_pool_take_stderr(struct kx_driver_pool *pool, size_t i, size_t max, size_t *len)
{
	size_t now_len = 0, left_len = pool->stderr_left_len[i];
	char *left = pool->stderr_left[i];
	char *now = pool->running[i] ? kx_driver_take_stderr(&pool->procs[i], max, &now_len) : NULL;
	pool->stderr_left[i] = NULL;
	pool->stderr_left_len[i] = 0;
	*len = left_len + now_len;
	if (left == NULL || now == NULL) {
		*len = left != NULL ? left_len : now_len;
		return left != NULL ? left : now;
	}
	char *both = realloc(left, left_len + now_len + 1);
	if (both == NULL) {
		free(now);
		*len = left_len;
		return left;
	}
	memcpy(both + left_len, now, now_len + 1);
	free(now);
	return both;
}

void kx_pool_stop(struct kx_driver_pool *pool)
{
	for (size_t i = 0; i < pool->n_all; i++) {
		if (pool->stderr_left[i] != NULL)
			fprintf(stderr, "kxconform: driver %s wrote to its standard error before it failed:\n%s\n",
			        pool->names[i], pool->stderr_left[i]);
		free(pool->stderr_left[i]);
		pool->stderr_left[i] = NULL;
		pool->stderr_left_len[i] = 0;
		if (pool->running[i]) {
			kx_driver_stop(&pool->procs[i]);
			pool->running[i] = 0;
		}
	}
}

void kx_pool_call_pair(struct kx_driver_pool *pool, size_t a, json_t *request_a, size_t b, json_t *request_b,
		       json_t **response_a, json_t **response_b)
{
	char err[512];
	if (a == b) {
		json_t *requests[2] = {request_a, request_b}, *responses[2];
		struct kx_driver_proc *proc = kx_pool_proc(pool, a, err, sizeof err);
		if (proc == NULL) {
			responses[0] = json_pack("{s:b, s:s}", "ok", 0, "error", err);
			responses[1] = json_pack("{s:b, s:s}", "ok", 0, "error", err);
		} else {
			kx_driver_call(proc, requests, 2, responses, pool->timeout_ms);
		}
		count_timeout(pool, a, proc);
		*response_a = responses[0];
		*response_b = responses[1];
	} else {
		struct kx_driver_proc *pa = kx_pool_proc(pool, a, err, sizeof err);
		int sent_a = pa != NULL && kx_driver_send_one(pa, request_a, pool->timeout_ms) == 0;
		char err_b[512];
		struct kx_driver_proc *pb = kx_pool_proc(pool, b, err_b, sizeof err_b);
		int sent_b = pb != NULL && kx_driver_send_one(pb, request_b, pool->timeout_ms) == 0;
		*response_a = pa != NULL ? kx_driver_receive_one(pa, pool->timeout_ms)
					 : json_pack("{s:b, s:s}", "ok", 0, "error", err);
		*response_b = pb != NULL ? kx_driver_receive_one(pb, pool->timeout_ms)
					 : json_pack("{s:b, s:s}", "ok", 0, "error", err_b);
		(void)sent_a;
		(void)sent_b;
		count_timeout(pool, a, pa);
		count_timeout(pool, b, pb);
	}
	json_decref(request_a);
	json_decref(request_b);
}
