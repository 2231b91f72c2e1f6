/* report_spool.h - a run's case results written down as the cases finish, one
 * JSON line each, in DIR/reports/.cases.jsonl, and read back one at a time by
 * their place in it: the run then keeps only a row per case in memory
 * (report_cases.h), however many cases it has. The cases finish in any order
 * on several threads; each one's place is kept so that the reports read them
 * back in case order.
 *
 * The file is removed from its directory as soon as it is open: it lives as
 * long as the open descriptor, so a run that ends, or is killed, leaves no
 * spool behind (kx_output_clear removes one should a file system have kept
 * it). */
#ifndef KX_REPORT_SPOOL_H
#define KX_REPORT_SPOOL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The spool's name in DIR/reports. */
#define KX_REPORT_SPOOL ".cases.jsonl"

struct kx_spool;

/* Where a value is in the spool; {0, 0} for none. */
struct kx_spool_place {
	uint64_t offset;
	size_t len;
};

/* Creates DIR/reports if missing and opens a new, empty spool there; NULL with err. */
struct kx_spool *kx_spool_open(const char *dir, char *err, size_t errlen);

/* Writes value as one line of the spool and says where it is in *at. Safe to call from several
 * threads at once (each value is turned into text before the spool is locked). 0, or -1 with err
 * (*at is then {0, 0}). */
int kx_spool_put(struct kx_spool *spool, json_t *value, struct kx_spool_place *at, char *err, size_t errlen);

/* The value at *at, read back: a new value equal to the one written, or NULL with err. */
json_t *kx_spool_get(struct kx_spool *spool, const struct kx_spool_place *at, char *err, size_t errlen);

/* Closes the spool, which is then gone; NULL is nothing. */
void kx_spool_close(struct kx_spool *spool);

#endif
