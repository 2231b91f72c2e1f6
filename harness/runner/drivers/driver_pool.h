/* driver_pool.h - the drivers of a run by name: which executables, started
 * on first use, restarted after a crash, asked one request at a time or in
 * pipelined batches. */
#ifndef KX_DRIVER_POOL_H
#define KX_DRIVER_POOL_H

#include <jansson.h>
#include <stddef.h>

#include "runner/drivers/driver_proc.h"

#define KX_MAX_DRIVERS 8
/* The listed drivers, then up to two reference drivers added only to judge. */
#define KX_POOL_SLOTS (KX_MAX_DRIVERS + 2)
/* Consecutive timeouts after which a driver is given up: it is not restarted again. */
#define KX_POOL_MAX_TIMEOUTS 3

struct kx_driver_pool {
	size_t n;     /* the drivers of the run: cases pair these */
	size_t n_all; /* n, and the reference drivers added to judge (never paired) */
	char names[KX_POOL_SLOTS][64];
	char paths[KX_POOL_SLOTS][4096];
	struct kx_driver_proc procs[KX_POOL_SLOTS];
	int running[KX_POOL_SLOTS];
	/* 1 for the harness's own OpenSSL or wolfSSL driver (the executable beside kxconform, whatever
	 * name it was given): only these compute references. */
	int reference[KX_POOL_SLOTS];
	int timeout_ms;
	/* 1: the reference drivers run in-process (driver_module.h), loaded instead of started; set
	 * by the command after kx_pool_init, before any driver starts. A vendor's is always a process. */
	int in_process;
	/* Per driver: its timeouts (requests or hellos left unanswered past timeout_ms) since the
	 * caller last set this to 0 when the driver proved healthy (the run: a case without one). */
	int timeouts[KX_POOL_SLOTS];
	/* Per driver: what a process of it that failed and was replaced wrote to its kept standard
	 * error and nobody has taken yet (kx_pool_take_stderr). */
	char *stderr_left[KX_POOL_SLOTS];
	size_t stderr_left_len[KX_POOL_SLOTS];
};

/* Fills the pool from "NAME=PATH" specs, or with the openssl and wolfssl
 * drivers beside kxconform when there are none; 0, or -1 with err. */
int kx_pool_init(struct kx_driver_pool *pool, const char *const *specs, size_t n_specs, int timeout_ms, char *err,
		 size_t errlen);

/* The two reference drivers (OpenSSL, then wolfSSL), adding either to the pool as a judge-only
 * driver when the run does not list it; writes their indexes to refs and returns how many (0 when
 * neither executable exists). A vendor's driver is never one of them. */
size_t kx_pool_references(struct kx_driver_pool *pool, size_t refs[2]);

/* 1 if driver i is one of the harness's reference drivers, else 0. */
int kx_pool_is_reference(const struct kx_driver_pool *pool, size_t i);

/* Index of a driver by name, or -1. */
int kx_pool_index(const struct kx_driver_pool *pool, const char *name);

/* The running process of driver i, started (or restarted after a failure)
 * now if needed; NULL with err when it cannot be started, or when the pool has
 * given up on it (kx_pool_gave_up). */
struct kx_driver_proc *kx_pool_proc(struct kx_driver_pool *pool, size_t i, char *err, size_t errlen);

/* Starts every driver; 0, or -1 with err naming the first that failed. */
int kx_pool_start_all(struct kx_driver_pool *pool, char *err, size_t errlen);

/* Sends one request to driver i and returns its response (new reference; a
 * synthetic {"ok": false, "error": ...} when the driver failed). Takes the request. */
json_t *kx_pool_call(struct kx_driver_pool *pool, size_t i, json_t *request);

/* Two independent requests, to drivers a and b (possibly the same), both
 * written before either answer is read. Takes both requests. */
void kx_pool_call_pair(struct kx_driver_pool *pool, size_t a, json_t *request_a, size_t b, json_t *request_b,
		       json_t **response_a, json_t **response_b);

/* 1 when driver i has KX_POOL_MAX_TIMEOUTS timeouts counted, with why it was given up in why;
 * else 0. A hung driver would otherwise cost the timeout on every case it plays, restart after
 * restart. */
int kx_pool_gave_up(const struct kx_driver_pool *pool, size_t i, char *why, size_t len);

/* What driver i wrote to its kept standard error (kx_driver_keep_stderr) since the last call,
 * across restarts: malloc'd, NUL-terminated, at most about max bytes per process, its length in
 * *len; NULL when nothing. */
char *kx_pool_take_stderr(struct kx_driver_pool *pool, size_t i, size_t max, size_t *len);

/* Stops every running driver. */
void kx_pool_stop(struct kx_driver_pool *pool);

#endif
