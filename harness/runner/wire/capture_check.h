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

/* Checks the captures of `cases` (the run's array of case results, each with "id", "outcome",
 * "flights" and the "capture" kx_capture_case set) in dir's batch files, annotating each.
 * Returns how many captures failed the check, with a one-line summary (tshark version, files,
 * packets, seconds) in err; or -1 when the check could not run (no tshark), with the reason
 * in err and every capture marked "not-run". */
int kx_capture_check(const char *dir, json_t *cases, char *err, size_t errlen);

#endif
