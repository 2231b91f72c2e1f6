/* driver_pool.h - the drivers of a run by name: which executables, started
 * on first use, restarted after a crash, asked one request at a time or in
 * pipelined batches. */
#ifndef KX_DRIVER_POOL_H
#define KX_DRIVER_POOL_H

#include <jansson.h>
#include <stddef.h>

#include "runner/driver_proc.h"

#define KX_MAX_DRIVERS 8
/* Consecutive timeouts after which a driver is given up: it is not restarted again. */
#define KX_POOL_MAX_TIMEOUTS 3

struct kx_driver_pool {
	size_t n;
	char names[KX_MAX_DRIVERS][64];
	char paths[KX_MAX_DRIVERS][4096];
	struct kx_driver_proc procs[KX_MAX_DRIVERS];
	int running[KX_MAX_DRIVERS];
	int timeout_ms;
	/* Per driver: its timeouts (requests or hellos left unanswered past timeout_ms) since the
	 * caller last set this to 0 when the driver proved healthy (the run: a case without one). */
	int timeouts[KX_MAX_DRIVERS];
};

/* Fills the pool from "NAME=PATH" specs, or with the openssl and wolfssl
 * drivers beside kxconform when there are none; 0, or -1 with err. */
int kx_pool_init(struct kx_driver_pool *pool, const char *const *specs, size_t n_specs, int timeout_ms, char *err,
		 size_t errlen);

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

/* Stops every running driver. */
void kx_pool_stop(struct kx_driver_pool *pool);

#endif
