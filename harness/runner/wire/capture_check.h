/* capture_check.h - checks with tshark that every capture decrypts with no
 * set-up: one tshark process per batch file (capture.h), never one per case,
 * since tshark takes about a second to start. tshark gets the file and a
 * field selection and nothing else, so only the Decryption Secrets Block in
 * the file can make it decrypt.
 *
 * Per case (its packets are told apart by the initiator's port):
 *   - tshark reads as many packets as the capture says it wrote;
 *   - a completed handshake shows a decrypted Finished (handshake type 20)
 *     from each end, and every application-data text that was sent shows,
 *     decrypted, from the end that sent it.
 * result["capture"] gains "verified" (true, false, or "not-run") and "check"
 * (what was seen or why not). A completed case whose capture fails is failed:
 * "result" "pass" becomes "fail", "met" false, and "capture: <why>" is
 * appended to "diagnosis". When tshark is missing every capture is "not-run":
 * nothing passes because of a check that did not happen.
 *
 * The tshark used is $KX_TSHARK if set, else "tshark" on the PATH. */
#ifndef KX_CAPTURE_CHECK_H
#define KX_CAPTURE_CHECK_H

#include <stddef.h>

#include <jansson.h>

/* The check of a run's captures, built up case by case: kx_capture_check_add keeps what the
 * check reads of each case's result (a few facts and the application-data texts, never the
 * result itself), kx_capture_check_run reads the batch files, and kx_capture_check_annotate
 * writes the verdict into a result later, one at a time, so that no caller needs every result
 * in memory at once. */
struct kx_capture_check;

/* A check of up to n cases whose captures are in dir's batch files; NULL when out of memory. */
struct kx_capture_check *kx_capture_check_new(const char *dir, size_t n);

/* Notes what the check reads of case i's result (i < n, once per case): "capture" as
 * kx_capture_case set it, "outcome", "run", "kind", whether an end reported a key log line, and
 * the application-data text of each flight. A result without a "capture" object is not checked.
 * Not thread-safe: callers serialise. */
void kx_capture_check_add(struct kx_capture_check *check, size_t i, json_t *result);

/* Runs one tshark process per batch file over the cases added and judges each. Returns how many
 * captures failed the check, with a one-line summary (tshark version, files, packets, seconds) in
 * err; or -1 when the check could not run (no tshark), with the reason in err and every capture
 * to be annotated "not-run". */
int kx_capture_check_run(struct kx_capture_check *check, char *err, size_t errlen);

/* 1 when the check fails case i (a completed case whose capture failed): its "result", "met" and
 * "diagnosis" change when it is annotated. */
int kx_capture_check_fails(const struct kx_capture_check *check, size_t i);

/* Writes case i's verdict into result, which must be the result kx_capture_check_add noted (as
 * it was then, or read back from its JSON text): result["capture"] gains "verified" and "check",
 * and a case the check fails is failed. A case the check did not judge is left as it is. */
void kx_capture_check_annotate(const struct kx_capture_check *check, size_t i, json_t *result);

void kx_capture_check_free(struct kx_capture_check *check);

/* The whole check over `cases` (an array of case results, each with "id", "outcome", "flights" and
 * the "capture" kx_capture_case set) in dir's batch files, annotating each; returns as
 * kx_capture_check_run. */
int kx_capture_check(const char *dir, json_t *cases, char *err, size_t errlen);

#endif
